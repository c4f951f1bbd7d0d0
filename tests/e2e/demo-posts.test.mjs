// The social-posts dashboard seed page (seed 002) driven as a person would, in two tabs: every
// write moves the counts at once and refetches the server's counts without waiting for the 120 s
// TTL; a reload within the TTL costs no request; unticking the fix replays production's stale counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDemoTab, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

const SUMMARY = "/api/posts/summary";
const LIST = "/api/posts/list";

/** Opens the page in `context`; `asked` collects the paths of the dashboard GETs it sends. */
async function tab(context) {
  const asked = [];
  const { page, problems } = await openDemoTab(context, env.server.url, "posts.html", (page) => {
    page.setDefaultTimeout(5_000); // every wait here is for something local: fail fast
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path === SUMMARY || path === LIST) asked.push(path);
    });
  });
  return { page, problems, asked };
}

/** What the server says it served: `{ [route]: { [status]: count } }`. */
async function served() {
  const response = await fetch(`${env.server.url}api/posts/stats`);
  return response.json();
}

const exactly = (value) => new RegExp(`^${value}$`);

/** Waits until `page` shows exactly `counts` (label → number), fresh. */
async function showsCounts(page, counts) {
  for (const [label, value] of Object.entries(counts)) {
    await page.getByTestId(`count-${label}`).filter({ hasText: exactly(value) }).waitFor();
  }
  await page.getByTestId("summary-state").filter({ hasText: "fresh" }).waitFor();
}

/**
 * Waits until `page`'s server card shows `summary` and `list` requests served in all, then
 * asserts the server's exact counts by status (`{ 200: n, 304: m }` per route).
 */
async function servedExactly(page, summary, list) {
  const total = (byStatus) => Object.values(byStatus).reduce((a, b) => a + b, 0);
  await page.getByTestId("served-summary").filter({ hasText: exactly(total(summary)) }).waitFor();
  await page.getByTestId("served-list").filter({ hasText: exactly(total(list)) }).waitFor();
  assert.deepEqual(await served(), { [SUMMARY]: summary, [LIST]: list });
}

/** Holds the page's next write (a POST to the posts API) until the returned function is called. */
async function holdNextWrite(page) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(
    /\/api\/posts(\/p\d+\/(approve|schedule))?$/,
    async (route) => {
      await held;
      await route.continue();
    },
    { times: 1 },
  );
  return release;
}

const pendingTexts = (page) => page.getByTestId("pending-post").locator(".text").allTextContents();

test("creating, approving and scheduling a post update the dashboard counts at once, in every tab, without waiting for the TTL", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const a = await tab(context);
  await showsCounts(a.page, { total: 31, pending: 6, approved: 5, scheduled: 8, published: 12 });
  await servedExactly(a.page, { 200: 1 }, { 200: 1 });
  assert.equal(await a.page.getByTestId("pending-post").count(), 6);

  // Create: the count moves while the server has not answered yet, then the server's counts arrive.
  let release = await holdNextWrite(a.page);
  await a.page.getByTestId("new-post-text").fill("Launch day recap");
  await a.page.getByTestId("create").click();
  await a.page.getByTestId("count-pending").filter({ hasText: exactly(7) }).waitFor();
  assert.equal(await a.page.getByTestId("count-total").textContent(), "32");
  assert.match(await a.page.getByTestId("pending-post").first().textContent(), /^Launch day recapsaving…$/);
  assert.deepEqual(await served(), { [SUMMARY]: { 200: 1 }, [LIST]: { 200: 1 } }, "nothing refetched before the server answered");
  release();
  await a.page.locator('[data-testid=pending-post][data-id="p32"]').filter({ hasText: "Launch day recap" }).waitFor();
  await showsCounts(a.page, { total: 32, pending: 7, approved: 5, scheduled: 8, published: 12 });
  await servedExactly(a.page, { 200: 2 }, { 200: 2 });
  assert.equal(await a.page.getByTestId("new-post-text").inputValue(), "");
  assert.equal(await a.page.getByTestId("saved").textContent(), "the server saved “Launch day recap” as p32 (pending)");

  // Approve a seeded post: pending −1, approved +1 at once, then confirmed by one refetch of each.
  release = await holdNextWrite(a.page);
  await a.page.getByTestId("pending-post").filter({ hasText: "Lumen Bakery #2" }).getByRole("button", { name: "Approve" }).click();
  await a.page.getByTestId("count-approved").filter({ hasText: exactly(6) }).waitFor();
  assert.equal(await a.page.getByTestId("count-pending").textContent(), "6");
  assert.ok(!(await pendingTexts(a.page)).includes("Customer story: Lumen Bakery #2"));
  release();
  await servedExactly(a.page, { 200: 3 }, { 200: 3 });
  await showsCounts(a.page, { total: 32, pending: 6, approved: 6, scheduled: 8, published: 12 });

  // Schedule another: pending −1, scheduled +1.
  release = await holdNextWrite(a.page);
  await a.page.getByTestId("pending-post").filter({ hasText: "product photos #4" }).getByRole("button", { name: "Schedule" }).click();
  await a.page.getByTestId("count-scheduled").filter({ hasText: exactly(9) }).waitFor();
  assert.equal(await a.page.getByTestId("count-pending").textContent(), "5");
  release();
  await servedExactly(a.page, { 200: 4 }, { 200: 4 });
  await showsCounts(a.page, { total: 32, pending: 5, approved: 6, scheduled: 9, published: 12 });
  assert.deepEqual(await pendingTexts(a.page), [
    "Launch day recap",
    "Team spotlight: meet our support crew #6",
    "Webinar reminder: growth on a budget #5",
    "Behind the scenes at the studio #3",
    "Spring collection teaser #1",
  ]);

  // A reload within the 120 s: the counts come from localStorage, no dashboard request is sent.
  a.asked.length = 0;
  await a.page.reload();
  await showsCounts(a.page, { total: 32, pending: 5, approved: 6, scheduled: 9, published: 12 });
  await servedExactly(a.page, { 200: 4 }, { 200: 4 }); // the server card polled after the page mounted
  assert.deepEqual(a.asked, []);
  assert.equal(await a.page.getByTestId("pending-post").count(), 5);

  // A second tab also starts from localStorage; a create in the first tab updates it at once.
  const b = await tab(context);
  await showsCounts(b.page, { total: 32, pending: 5, approved: 6, scheduled: 9, published: 12 });
  await servedExactly(b.page, { 200: 4 }, { 200: 4 });
  assert.deepEqual(b.asked, []);
  await a.page.getByTestId("new-post-text").fill("Weekly roundup");
  await a.page.getByTestId("create").click();
  const afterCreate = { total: 33, pending: 6, approved: 6, scheduled: 9, published: 12 };
  await showsCounts(a.page, afterCreate);
  await showsCounts(b.page, afterCreate);
  await b.page.locator('[data-testid=pending-post][data-id="p33"]').filter({ hasText: "Weekly roundup" }).waitFor();
  // One refetch of each for both tabs: the tab that takes a key's lock fetches, the other takes its answer.
  await servedExactly(b.page, { 200: 5 }, { 200: 5 });
  assert.deepEqual([...a.asked, ...b.asked].sort(), [LIST, SUMMARY]);
  await a.page.screenshot({ path: `${screenshotDir}/demo-posts.png`, fullPage: true });
  await b.page.screenshot({ path: `${screenshotDir}/demo-posts-second-tab.png` });

  // The production bug: without invalidation the write succeeds, yet the dashboard keeps its cached counts.
  await a.page.getByTestId("fix").uncheck();
  await a.page.getByTestId("new-post-text").fill("Posted before the fix");
  await a.page.getByTestId("create").click();
  await a.page.getByTestId("saved").filter({ hasText: "the server saved “Posted before the fix” as p34 (pending)" }).waitFor();
  assert.equal(await a.page.getByTestId("count-total").textContent(), "33");
  assert.equal(await a.page.getByTestId("count-pending").textContent(), "6");
  assert.ok(!(await pendingTexts(a.page)).includes("Posted before the fix"));
  assert.deepEqual(await served(), { [SUMMARY]: { 200: 5 }, [LIST]: { 200: 5 } });
  await a.page.screenshot({ path: `${screenshotDir}/demo-posts-bug-replay.png`, fullPage: true });

  // Invalidating by hand (what the fix does on every write) reaches both tabs; a second time, ETags answer 304.
  await a.page.getByTestId("invalidate-now").click();
  const afterBug = { total: 34, pending: 7, approved: 6, scheduled: 9, published: 12 };
  await showsCounts(a.page, afterBug);
  await showsCounts(b.page, afterBug);
  await servedExactly(a.page, { 200: 6 }, { 200: 6 });
  await a.page.getByTestId("invalidate-now").click();
  await servedExactly(a.page, { 200: 6, 304: 1 }, { 200: 6, 304: 1 });
  await showsCounts(a.page, afterBug);
  await showsCounts(b.page, afterBug);

  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});
