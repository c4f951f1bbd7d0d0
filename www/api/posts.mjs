// The social-posts seed's server (seed 002): one workspace's posts moving from pending to approved,
// scheduled and published. Its dashboard reads the counts per status and the pending queue (with
// ETags); writes create, approve and schedule posts; `/api/posts/stats` tells how many GETs each
// route served, so the page (and its test) can show what the 120 s cache and its invalidation cost.
import { apiPlugin, createCounter, readJson, READ_LATENCY_MS, sendJson, sleep } from "./lib/http.mjs";

const STATUSES = ["pending", "approved", "scheduled", "published"];

/** How many seeded posts are in each status: 31 in all, the count production failed to show. */
const SEEDED = { pending: 6, approved: 5, scheduled: 8, published: 12 };

const TOPICS = [
  "Spring collection teaser",
  "Customer story: Lumen Bakery",
  "Behind the scenes at the studio",
  "Five tips for better product photos",
  "Webinar reminder: growth on a budget",
  "Team spotlight: meet our support crew",
  "Weekend flash sale",
  "How we pack your orders",
  "Poll: which colour next?",
  "Thank you for 10k followers",
];

/** The seeded posts, oldest first: ids p1…p31, one minute apart. */
function seedPosts() {
  const statuses = STATUSES.flatMap((status) => Array(SEEDED[status]).fill(status));
  const start = Date.UTC(2025, 0, 6, 9);
  return statuses.map((status, i) => ({
    id: `p${i + 1}`,
    text: `${TOPICS[i % TOPICS.length]} #${i + 1}`,
    status,
    createdAt: start + i * 60_000,
  }));
}

/** Which statuses each write accepts a post in, and the status it moves it to. */
const TRANSITIONS = {
  approve: { from: ["pending"], to: "approved" },
  schedule: { from: ["pending", "approved"], to: "scheduled" },
};

/**
 * Serves `GET /api/posts/summary` (counts per status and the total), `GET /api/posts/list?status=`
 * (newest first), `POST /api/posts` (`{ text }` → a pending post), `POST /api/posts/:id/approve`,
 * `POST /api/posts/:id/schedule`, and `GET /api/posts/stats` (GETs served per route and status).
 */
export default function postsApi() {
  const posts = seedPosts();
  const served = createCounter();
  /** Answers a GET after the read latency, with the data as it is then, and counts it. */
  const answer = async (request, response, url, read) => {
    await sleep(READ_LATENCY_MS);
    served.note(url.pathname, sendJson(request, response, read()));
  };

  const summary = () => {
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0]));
    for (const post of posts) counts[post.status] += 1;
    return { total: posts.length, ...counts };
  };
  const list = (wanted) => posts.filter((post) => post.status === wanted).sort((a, b) => b.createdAt - a.createdAt);

  const create = async (request, response) => {
    const { text } = await readJson(request);
    if (typeof text !== "string" || !text.trim()) return void sendJson(request, response, { error: "a post needs text" }, 400);
    const post = { id: `p${posts.length + 1}`, text: text.trim(), status: "pending", createdAt: Date.now() };
    posts.push(post);
    sendJson(request, response, post, 201);
  };
  const move = (request, response, id, action) => {
    const post = posts.find((candidate) => candidate.id === id);
    if (!post) return void sendJson(request, response, { error: `no post ${id}` }, 404);
    const { from, to } = TRANSITIONS[action];
    if (!from.includes(post.status)) return void sendJson(request, response, { error: `post ${id} is ${post.status}` }, 409);
    post.status = to;
    sendJson(request, response, post);
  };

  const handle = (request, response, url) => {
    const path = url.pathname;
    if (request.method === "GET") {
      if (path === "/api/posts/stats") return void sendJson(request, response, served.counts);
      if (path === "/api/posts/summary") return answer(request, response, url, summary);
      if (path === "/api/posts/list") {
        const wanted = url.searchParams.get("status");
        if (!STATUSES.includes(wanted)) return void sendJson(request, response, { error: "unknown status" }, 400);
        return answer(request, response, url, () => list(wanted));
      }
      return false;
    }
    if (request.method !== "POST") return false;
    if (path === "/api/posts") return create(request, response);
    const write = path.match(/^\/api\/posts\/(p\d+)\/(approve|schedule)$/);
    return write ? move(request, response, write[1], write[2]) : false;
  };
  return apiPlugin("cachebus-demo-posts-api", handle);
}
