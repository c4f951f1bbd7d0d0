// The social-posts dashboard seed page (seed 002). Production showed 0 posts while there were 31:
// the dashboard's data sat in a 120 s cache that no write ever cleared. Here the same 120 s cache
// lives in localStorage, and every write (create, approve, schedule) moves the counts at once and
// then invalidates every "posts" entry in every tab, so the server's answer replaces the guess
// without waiting for the TTL. Unticking "invalidate on every write" replays the production bug.
import { createElement as h, Fragment, useCallback, useEffect, useState, type FormEvent } from "react";
import { httpJson, type FetchOptions, type SetOptions } from "cachebus";
import { CacheProvider, useCache, useCached, useInvalidate, useMutate } from "cachebus/react";
import { useServerStats } from "./server-stats.js";
import { Devtools, mountDemo } from "./shell.js";
import "./posts.css";

type Status = "pending" | "approved" | "scheduled" | "published";

const STATUSES: Status[] = ["pending", "approved", "scheduled", "published"];

/** `GET /api/posts/summary`: how many posts are in each status, and in all. */
type Summary = Record<Status, number> & { total: number };

interface Post {
  id: string;
  text: string;
  status: Status;
  createdAt: number;
}

/** A write the dashboard offers on a pending post. */
type Move = "approve" | "schedule";

const MOVED_TO: Record<Move, Status> = { approve: "approved", schedule: "scheduled" };

const SUMMARY_KEY = "posts:summary";
const PENDING_KEY = "posts:list:pending";
/** The event every write path emits once the server has accepted it (the seed's invalidation helper). */
const POST_CHANGED = "post-changed";
/** What every dashboard entry is tagged with: the one thing a post write invalidates. */
const POSTS_TAG = "posts";
/** Ids the page gives a new post until the server has named it. */
const UNSAVED = "unsaved-";

/** The seed's KV cache: 120 s, kept in localStorage so a reload within the TTL costs no request. */
const STORED = { tier: "local", ttlMs: 120_000, tags: [POSTS_TAG] } satisfies SetOptions;
/** Writes invalidate the dashboard's entries, so they need no refetch on focus either. */
const DASHBOARD_CACHE = { ...STORED, revalidateOnFocus: false } satisfies FetchOptions;

const loadSummary = httpJson<Summary>("/api/posts/summary");
const loadPending = httpJson<Post[]>("/api/posts/list?status=pending");

/** One write to the server, and what it does to the dashboard's cached values once accepted. */
interface Write {
  /** Named in the `post-changed` event's detail. */
  action: "create" | Move;
  /** Sends the write; rejects with the server's error message. */
  send: () => Promise<Post>;
  /** The counts once the server has done it. */
  summary: (counts: Summary) => Summary;
  /** The pending queue once the server has done it. */
  pending: (posts: Post[]) => Post[];
}

/** The counts after one post went from `from` (`null`: a new post) to `to`. */
function moved(counts: Summary, from: Status | null, to: Status): Summary {
  const next = { ...counts, [to]: counts[to] + 1 };
  if (from) next[from] -= 1;
  else next.total += 1;
  return next;
}

/** POSTs `body` as JSON; resolves with the answer, rejects with the server's `error`. */
async function postJson<T>(url: string, body: unknown = {}): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer: unknown = await response.json();
  if (!response.ok) throw new Error((answer as { error?: string }).error ?? `${response.status} from ${url}`);
  return answer as T;
}

/** Creating a post: one more pending post, shown first with a temporary id until the refetch. */
function createWrite(text: string): Write {
  const draft: Post = { id: `${UNSAVED}${Date.now()}`, text, status: "pending", createdAt: Date.now() };
  return {
    action: "create",
    send: () => postJson<Post>("/api/posts", { text }),
    summary: (counts) => moved(counts, null, "pending"),
    pending: (posts) => [draft, ...posts],
  };
}

/** Approving or scheduling `post`: it leaves the pending queue for its new status. */
function moveWrite(post: Post, move: Move): Write {
  return {
    action: move,
    send: () => postJson<Post>(`/api/posts/${post.id}/${move}`),
    summary: (counts) => moved(counts, post.status, MOVED_TO[move]),
    pending: (posts) => posts.filter((candidate) => candidate.id !== post.id),
  };
}

/**
 * Runs writes; each resolves with the post as the server saved it. With `invalidate` (the fix),
 * both halves a real team needs:
 * - `mutate` shows the write's effect on the cached counts and queue at once, and rolls them back
 *   if the server refuses: the person who clicked never sees a stale count;
 * - once the server has accepted it, `emit("post-changed")` applies the rule that invalidates every
 *   `posts` entry, here and in every other tab, so they refetch the server's truth now instead of
 *   serving a 120 s old copy. Optimism alone would leave the other tabs stale and keep a guess;
 *   the event alone would make the clicker wait for two round trips.
 * Without `invalidate`, writes only call the API, as production did before the fix.
 */
function useWrite(invalidate: boolean): (write: Write) => Promise<Post> {
  const cache = useCache();
  const mutate = useMutate();
  return useCallback(
    async (write: Write) => {
      const sent = write.send();
      if (!invalidate) return sent;
      /** Shows `change` of `key`'s cached value now; keeps it if the write succeeds, restores it if not. */
      const showAtOnce = <T>(key: string, change: (value: T) => T) => {
        const cached = cache.get<T>(key);
        if (cached === undefined) return sent;
        const next = change(cached);
        return mutate<T>(key, next, { ...STORED, commit: () => sent.then(() => next) });
      };
      const [post] = await Promise.all([sent, showAtOnce(SUMMARY_KEY, write.summary), showAtOnce(PENDING_KEY, write.pending)]);
      cache.emit(POST_CHANGED, { action: write.action, id: post.id });
      return post;
    },
    [cache, mutate, invalidate],
  );
}

/** Every tab applies the same rule: a changed post invalidates everything tagged `posts`. */
function PostChangedRule() {
  const cache = useCache();
  useEffect(() => cache.rules({ [POST_CHANGED]: { tags: [POSTS_TAG] } }), [cache]);
  return null;
}

function App() {
  const [invalidate, setInvalidate] = useState(true);
  return h(
    CacheProvider,
    { namespace: "seed-posts", fallback: h("p", { "data-testid": "loading" }, "loading…") },
    h(PostChangedRule),
    h(DashboardCard, { invalidate, setInvalidate }),
    h(NewPostCard, { invalidate }),
    h(PendingCard, { invalidate }),
    h(ServerCard),
    h(Devtools),
  );
}

/** The counts per status, as the 120 s cache serves them, and the fix's switch. */
function DashboardCard({ invalidate, setInvalidate }: { invalidate: boolean; setInvalidate: (on: boolean) => void }) {
  const { data, isStale, isFetching, error, updatedAt } = useCached<Summary>(SUMMARY_KEY, loadSummary, DASHBOARD_CACHE);
  const invalidateNow = useInvalidate();
  const state = error ? `error: ${String(error)}` : isStale || isFetching ? "refreshing…" : "fresh";
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Dashboard"),
    h(
      "div",
      { className: "counts" },
      h(Count, { label: "total", value: data?.total }),
      ...STATUSES.map((status) => h(Count, { key: status, label: status, value: data?.[status] })),
    ),
    h(
      "p",
      { className: "muted" },
      h("span", { "data-testid": "summary-state" }, state),
      updatedAt === undefined ? null : ` · stored ${new Date(updatedAt).toLocaleTimeString()}, kept 120 s in localStorage`,
    ),
    h(
      "label",
      { className: "fix" },
      h("input", { type: "checkbox", checked: invalidate, "data-testid": "fix", onChange: (e) => setInvalidate(e.currentTarget.checked) }),
      "invalidate on every write (the fix; untick to replay production: counts stay stale up to 120 s)",
    ),
    h("button", { type: "button", "data-testid": "invalidate-now", onClick: () => invalidateNow({ tags: [POSTS_TAG] }) }, "Invalidate the cache now"),
  );
}

function Count({ label, value }: { label: string; value: number | undefined }) {
  return h("div", { className: "count" }, h("strong", { "data-testid": `count-${label}` }, value ?? "…"), h("span", null, label));
}

/** A form that creates a pending post, and what the server answered to the last one. */
function NewPostCard({ invalidate }: { invalidate: boolean }) {
  const write = useWrite(invalidate);
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<{ saved: Post } | { failure: string } | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    write(createWrite(text.trim())).then(
      (saved) => {
        setText("");
        setOutcome({ saved });
      },
      (error: unknown) => setOutcome({ failure: `could not create the post: ${String(error)}` }),
    );
  };
  return h(
    "section",
    { className: "card" },
    h("h2", null, "New post"),
    h(
      "form",
      { onSubmit: submit },
      h("label", { className: "grow" }, "Text", h("input", { value: text, required: true, "data-testid": "new-post-text", onChange: (e) => setText(e.currentTarget.value) })),
      h("button", { type: "submit", "data-testid": "create" }, "Create (pending approval)"),
    ),
    outcome === null
      ? null
      : "saved" in outcome
        ? h("p", { className: "muted", "data-testid": "saved" }, `the server saved “${outcome.saved.text}” as ${outcome.saved.id} (${outcome.saved.status})`)
        : h("p", { className: "error", role: "alert" }, outcome.failure),
  );
}

/** The pending queue, newest first, with its approve and schedule buttons. */
function PendingCard({ invalidate }: { invalidate: boolean }) {
  const { data } = useCached<Post[]>(PENDING_KEY, loadPending, DASHBOARD_CACHE);
  const write = useWrite(invalidate);
  const [failure, setFailure] = useState<string | null>(null);
  const run = (post: Post, move: Move) => {
    setFailure(null);
    write(moveWrite(post, move)).catch((error: unknown) => setFailure(`could not ${move} ${post.id}: ${String(error)}`));
  };
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Pending approval"),
    data === undefined
      ? h("p", { className: "muted" }, "…")
      : h("ul", { className: "posts", "data-testid": "pending" }, ...data.map((post) => h(PendingPost, { key: post.id, post, run }))),
    failure && h("p", { className: "error", role: "alert" }, failure),
  );
}

function PendingPost({ post, run }: { post: Post; run: (post: Post, move: Move) => void }) {
  const unsaved = post.id.startsWith(UNSAVED);
  return h(
    "li",
    { "data-testid": "pending-post", "data-id": post.id },
    h("span", { className: "text" }, post.text),
    unsaved
      ? h("span", { className: "muted" }, "saving…")
      : h(
          Fragment,
          null,
          h("button", { type: "button", onClick: () => run(post, "approve") }, "Approve"),
          h("button", { type: "button", onClick: () => run(post, "schedule") }, "Schedule"),
        ),
  );
}

/** `GET /api/posts/stats`: requests served per route, by status. */
type Served = Partial<Record<string, Partial<Record<"200" | "304", number>>>>;

const SERVED_ROUTES = [
  { route: "/api/posts/summary", id: "summary" },
  { route: "/api/posts/list", id: "list" },
] as const;

/** How many dashboard requests reached the server: what the cache saved and what invalidation cost. */
function ServerCard() {
  const served = useServerStats<Served>("/api/posts/stats").stats ?? {};
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Server"),
    h(
      "table",
      null,
      h("thead", null, h("tr", null, h("th", null, "GET"), h("th", null, "200"), h("th", null, "304 (ETag)"), h("th", null, "total"))),
      h(
        "tbody",
        null,
        ...SERVED_ROUTES.map(({ route, id }) => {
          const { 200: full = 0, 304: notModified = 0 } = served[route] ?? {};
          return h(
            "tr",
            { key: id },
            h("td", { className: "value" }, route),
            h("td", null, full),
            h("td", null, notModified),
            h("td", { "data-testid": `served-${id}` }, full + notModified),
          );
        }),
      ),
    ),
  );
}

mountDemo(
  "posts",
  "Social posts dashboard",
  "Seed 002: production showed 0 posts while there were 31, because the dashboard's 120 s cache was never " +
    "cleared when posts were written. Here the counts and the pending queue are cached 120 s in localStorage " +
    "(reload: no request); creating, approving or scheduling a post moves the counts at once, then a " +
    "post-changed event invalidates the posts tag in every open tab, which refetch the server's counts.",
  h(App),
);
