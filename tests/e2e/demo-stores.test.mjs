// The store-analytics seed page (seed 004) driven as a person would: a Refresh answered 304, an
// optimistic sync whose success invalidates stores:* (one refetch per key), a failed sync rolled
// back, and analytics turning stale after their 30 s (the page's clock is fast-forwarded).
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { openDemoTab, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

const LIST = "/api/stores/list";
const analytics = (id) => `/api/stores/${id}/analytics`;
const FIRST_SYNC = "2024-02-04 09:00:00 UTC";
/** What Chromium logs for the sync the server was told to fail: the only console error expected. */
const FAILED_SYNC_LOG = "Failed to load resource: the server responded with a status of 500 (Internal Server Error)";

/** What the server counted: GETs per path and status, syncs, and whether the next sync fails. */
async function serverStats() {
  const response = await fetch(`${env.server.url}api/stores/stats`);
  return response.json();
}

/** Waits until the server's counts are exactly `expected`; fails with the last counts seen. */
async function expectServer(expected, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = await serverStats();
  while (!isDeepStrictEqual(seen, expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await serverStats();
  }
  assert.deepEqual(seen, expected);
}

/** The texts of a store card's figures and freshness pill. */
async function card(page, id) {
  const text = (name) => page.getByTestId(`${name}-${id}`).textContent();
  return { orders: await text("orders"), revenue: await text("revenue"), synced: await text("synced"), state: await text("state") };
}

/** Clicks `sync-{id}` and returns the card as the page shows it right after (before the server answers). */
function syncAndLook(page, id) {
  return page.evaluate(async (id) => {
    document.querySelector(`[data-testid=sync-${id}]`).click();
    await new Promise((resolve) => setTimeout(resolve, 0)); // React flushes the click's update in a microtask
    const text = (name) => document.querySelector(`[data-testid=${name}-${id}]`).textContent;
    return { orders: text("orders"), revenue: text("revenue"), synced: text("synced"), state: text("state") };
  }, id);
}

test("Refresh answers 304, a sync shows at once and refetches stores:* once, a failed sync rolls back, analytics go stale", async () => {
  const context = await env.browser.newContext();
  await context.clock.install(); // time flows as usual until the test fast-forwards it
  const { page, problems } = await openDemoTab(context, env.server.url, "stores.html");

  // Load: the list and the three stores, one request each.
  await page.getByTestId("orders-sby").filter({ hasText: "517" }).waitFor();
  await page.getByTestId("orders-jkt").filter({ hasText: "1.204" }).waitFor();
  await page.getByTestId("orders-bdg").filter({ hasText: "842" }).waitFor();
  const bandung = await card(page, "bdg");
  assert.deepEqual({ ...bandung, state: bandung.state.replace(/\d+/, "N") }, { orders: "842", revenue: "Rp 97.300.000", synced: FIRST_SYNC, state: "fresh · N s" });
  assert.equal(await page.getByTestId("list-jkt").textContent(), `Jakarta Central${FIRST_SYNC}`);
  assert.equal(await page.getByTestId("list-state").textContent(), "fresh");
  const loaded = { [LIST]: { 200: 1 }, [analytics("bdg")]: { 200: 1 }, [analytics("jkt")]: { 200: 1 }, [analytics("sby")]: { 200: 1 } };
  await expectServer({ requests: loaded, syncs: { ok: 0, failed: 0 }, failNext: false });

  // Refresh Bandung: its ETag still matches, the server answers 304, the numbers stay.
  await page.getByTestId("refresh-bdg").click();
  const bandung304 = page.locator(`[data-route="${analytics("bdg")}"] [data-testid=not-modified]`);
  await bandung304.filter({ hasText: /^1$/ }).waitFor();
  const refreshed = { ...loaded, [analytics("bdg")]: { 200: 1, 304: 1 } };
  await expectServer({ requests: refreshed, syncs: { ok: 0, failed: 0 }, failNext: false });
  await page.getByTestId("not-modified-total").filter({ hasText: "1 of 5 GETs answered 304" }).waitFor();
  assert.deepEqual({ ...(await card(page, "bdg")), state: "" }, { ...bandung, state: "" });

  // Sync Jakarta: "syncing…" and a new sync time at once, the imported numbers once the POST answers,
  // then store-synced invalidates stores:*: one refetch per key (304 where the ETag still matches).
  const optimistic = await syncAndLook(page, "jkt");
  assert.equal(optimistic.state, "syncing…");
  assert.equal(optimistic.orders, "1.204");
  assert.notEqual(optimistic.synced, FIRST_SYNC);
  assert.deepEqual((await serverStats()).syncs, { ok: 0, failed: 0 }, "shown before the server answered");
  await page.getByTestId("orders-jkt").filter({ hasText: "1.216" }).waitFor();
  await page.getByTestId("list-jkt").filter({ hasNotText: FIRST_SYNC }).waitFor();
  await page.getByTestId("state-jkt").filter({ hasText: /^fresh · \d+ s$/ }).waitFor();
  const jakarta = await card(page, "jkt");
  assert.equal(jakarta.revenue, "Rp 188.300.000");
  assert.equal(await page.getByTestId("list-jkt").textContent(), `Jakarta Central${jakarta.synced}`, "list and card show the same sync");
  const synced = {
    [LIST]: { 200: 2 },
    // mutate stored the POST's answer without an ETag, so this revalidation could not be a 304
    [analytics("jkt")]: { 200: 2 },
    [analytics("bdg")]: { 200: 1, 304: 2 },
    [analytics("sby")]: { 200: 1, 304: 1 },
  };
  await expectServer({ requests: synced, syncs: { ok: 1, failed: 0 }, failNext: false });
  await page.getByTestId("syncs").filter({ hasText: "syncs: 1 ok, 0 failed" }).waitFor();
  await page.screenshot({ path: `${screenshotDir}/demo-stores.png`, fullPage: true });

  // Arm the failure, sync Surabaya: the optimistic state shows, then the 500 rolls it back.
  const surabaya = await card(page, "sby");
  await page.getByTestId("fail-next").click();
  await page.locator("[data-testid=fail-next]:checked").waitFor();
  const doomed = await syncAndLook(page, "sby");
  assert.equal(doomed.state, "syncing…");
  assert.notEqual(doomed.synced, FIRST_SYNC);
  await page.getByTestId("error-sby").waitFor();
  assert.equal(await page.getByTestId("error-sby").textContent(), "Sync failed: the server answered 500 Internal Server Error. Numbers rolled back.");
  const rolledBack = await card(page, "sby");
  assert.deepEqual({ ...rolledBack, state: "" }, { ...surabaya, state: "" });
  assert.deepEqual([surabaya.orders, surabaya.revenue, surabaya.synced], ["517", "Rp 64.120.000", FIRST_SYNC]);
  assert.match(rolledBack.state, /^fresh · \d+ s$/);
  await page.locator("[data-testid=fail-next]:not(:checked)").waitFor();
  await expectServer({ requests: synced, syncs: { ok: 1, failed: 1 }, failNext: false });
  await page.getByTestId("syncs").filter({ hasText: "syncs: 1 ok, 1 failed" }).waitFor();
  await page.screenshot({ path: `${screenshotDir}/demo-stores-rollback.png`, fullPage: true });

  // 31 s later every card's analytics are stale: each shows it and revalidates once. The list has
  // no staleness timer (only a sync invalidates it), so it is not refetched.
  await page.evaluate(() => {
    window.pills = [];
    const observer = new MutationObserver(() => {
      for (const pill of document.querySelectorAll("[data-testid^=state-]")) window.pills.push(`${pill.dataset.testid} ${pill.textContent}`);
    });
    observer.observe(document.querySelector("main"), { subtree: true, childList: true, characterData: true });
  });
  await page.clock.fastForward(31_000);
  const stale = {
    ...synced,
    [analytics("jkt")]: { 200: 2, 304: 1 },
    [analytics("bdg")]: { 200: 1, 304: 3 },
    // the rollback restored the old entry with its ETag: unchanged, so a 304
    [analytics("sby")]: { 200: 1, 304: 2 },
  };
  await expectServer({ requests: stale, syncs: { ok: 1, failed: 1 }, failNext: false });
  for (const id of ["jkt", "bdg", "sby"]) await page.getByTestId(`state-${id}`).filter({ hasText: /^fresh · \d+ s$/ }).waitFor();
  const pills = await page.evaluate(() => window.pills);
  for (const id of ["jkt", "bdg", "sby"]) assert.ok(pills.includes(`state-${id} stale · revalidating…`), `${id} never showed stale: ${pills}`);
  assert.equal(await page.getByTestId("list-state").textContent(), "fresh");
  assert.deepEqual({ ...(await card(page, "bdg")), state: "" }, { ...bandung, state: "" });
  await page.getByTestId("not-modified-total").filter({ hasText: "6 of 12 GETs answered 304" }).waitFor();

  assert.deepEqual(problems, [FAILED_SYNC_LOG]);
  await context.close();
});
