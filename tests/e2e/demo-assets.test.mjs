// The assets + AI chat seed page (seed 000) driven as a person would, in two tabs: what the chat
// creates or deletes shows at once in every assets list of every tab, hidden lists refetch when
// shown, and returning to a tab picks up changes made elsewhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDemoTab, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

const tab = (context) => openDemoTab(context, env.server.url, "assets.html");

/** The list requests the server answered, per type and status (from the test, not the page). */
async function serverCounts() {
  const response = await fetch(`${env.server.url}api/assets/stats`);
  return response.json();
}

/** Waits until the page's request counter card shows `text` for `type`'s list. */
async function counterShows(page, type, text) {
  const counter = page.getByTestId(`requests-${type}`);
  await counter.filter({ hasText: text }).waitFor().catch(async (error) => {
    throw new Error(`the ${type} counter shows "${await counter.textContent()}", not "${text}"`, { cause: error });
  });
}

/** Waits until the Assets card shows exactly `names`, up to date, and returns them. */
async function listShows(page, names) {
  const state = `${names.length} ${names.length === 1 ? "asset" : "assets"}, up to date`;
  await page.getByTestId("list-state").filter({ hasText: state }).waitFor();
  await page.waitForFunction(
    (expected) => [...document.querySelectorAll("[data-testid=asset] .asset-name")].map((e) => e.textContent).join("|") === expected,
    names.join("|"),
  );
  return page.getByTestId("asset").locator(".asset-name").allTextContents();
}

/** Types `message` into the chat, sends it, and waits for the assistant's `reply`. */
async function ask(page, message, reply) {
  await page.getByTestId("chat-input").fill(message);
  await page.getByTestId("chat-send").click();
  await page.getByTestId("chat-bot").filter({ hasText: reply }).waitFor();
}

/** What the browser does when a person comes back to the tab: visible again, window focused. */
async function returnTo(page) {
  await page.evaluate(() => {
    document.dispatchEvent(new Event("visibilitychange"));
    window.dispatchEvent(new Event("focus"));
  });
}

const START = ["Brand fonts", "Brand colours", "Logo"];

test("the AI chat's changes show at once in every list and tab; returning to a tab refetches", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  context.setDefaultTimeout(10_000);
  await context.clock.install(); // real time flows; the test can skip ahead ("away for a minute")
  const a = await tab(context);
  assert.deepEqual(await listShows(a.page, START), START);
  await a.page.getByTestId("font-picker").filter({ hasText: "Brand fonts" }).waitFor();
  await counterShows(a.page, "all", "all: 1 (200 × 1)");
  await counterShows(a.page, "font", "font: 1 (200 × 1)");

  // Type tabs: Fonts is the font picker's cached list (no request); Colours is fetched once.
  await a.page.getByTestId("filter-font").click();
  assert.deepEqual(await listShows(a.page, ["Brand fonts"]), ["Brand fonts"]);
  await a.page.getByTestId("filter-color").click();
  assert.deepEqual(await listShows(a.page, ["Brand colours"]), ["Brand colours"]);
  await a.page.getByTestId("filter-all").click();
  await listShows(a.page, START);
  assert.deepEqual(await serverCounts(), { all: { 200: 1 }, font: { 200: 1 }, color: { 200: 1 } });

  // The chat creates a font group: the list and the font picker show it without a reload, one
  // request each; the hidden colour list is only marked stale.
  await ask(a.page, "create a font group Inter", "Created the font group Inter.");
  await listShows(a.page, [...START, "Inter"]);
  await a.page.getByTestId("font-picker").filter({ hasText: "Inter" }).waitFor();
  await counterShows(a.page, "all", "all: 2 (200 × 2)");
  await counterShows(a.page, "font", "font: 2 (200 × 2)");
  assert.deepEqual(await serverCounts(), { all: { 200: 2 }, font: { 200: 2 }, color: { 200: 1 } });
  await a.page.locator('[data-cachebus-devtools=entry][data-key="assets:shop1:color"][data-state=stale]').waitFor();
  await a.page.getByTestId("activity").filter({ hasText: "ai-asset-created: CREATE_FONT_GROUP Inter" }).waitFor();

  // A colour palette: the font list is asked again and answers 304 (its ETag still matches).
  await ask(a.page, "create a colour palette Sunset", "Created the colour palette Sunset.");
  await listShows(a.page, [...START, "Inter", "Sunset"]);
  await counterShows(a.page, "font", "font: 3 (200 × 2, 304 × 1)");
  await counterShows(a.page, "all", "all: 3 (200 × 3)");
  assert.deepEqual(await serverCounts(), { all: { 200: 3 }, font: { 200: 2, 304: 1 }, color: { 200: 1 } });
  await a.page.screenshot({ path: `${screenshotDir}/demo-assets.png`, fullPage: true });

  // The stale colour list refetches when shown.
  await a.page.getByTestId("filter-color").click();
  assert.deepEqual(await listShows(a.page, ["Brand colours", "Sunset"]), ["Brand colours", "Sunset"]);
  await counterShows(a.page, "color", "color: 2 (200 × 2)");
  await a.page.getByTestId("filter-all").click();
  const afterCreates = [...START, "Inter", "Sunset"];
  await listShows(a.page, afterCreates);

  // A second tab starts from the lists kept in localStorage: no request.
  const b = await tab(context);
  assert.deepEqual(await listShows(b.page, afterCreates), afterCreates);
  await b.page.getByTestId("font-picker").filter({ hasText: "Inter" }).waitFor();
  assert.deepEqual(await serverCounts(), { all: { 200: 3 }, font: { 200: 2, 304: 1 }, color: { 200: 2 } });

  // Deleting in tab A: the emitted ai-asset-deleted crosses to tab B, where the same rule
  // refreshes its lists and plain window listeners hear it.
  await ask(a.page, "delete asset Inter", "Deleted Inter.");
  const afterDelete = [...START, "Sunset"];
  assert.deepEqual(await listShows(a.page, afterDelete), afterDelete);
  assert.deepEqual(await listShows(b.page, afterDelete), afterDelete);
  await b.page.getByTestId("font-picker").filter({ hasNotText: "Inter" }).filter({ hasText: "Brand fonts" }).waitFor();
  await b.page.getByTestId("activity").filter({ hasText: "ai-asset-deleted: DELETE_ASSET Inter" }).waitFor();
  // Both tabs refetch both lists: one request each, the tab that takes a list's lock fetching for both.
  await counterShows(a.page, "all", "all: 4 (200 × 4)");
  await counterShows(a.page, "font", "font: 4 (200 × 3, 304 × 1)");
  assert.deepEqual(await serverCounts(), { all: { 200: 4 }, font: { 200: 3, 304: 1 }, color: { 200: 2 } });
  await b.page.screenshot({ path: `${screenshotDir}/demo-assets-second-tab.png`, fullPage: true });

  // A change the page was not told about (another device's chat), then a minute away.
  const elsewhere = await fetch(`${env.server.url}api/assets/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ shop: "shop1", message: "create a colour palette Ocean with #003f5c, #2f4b7c" }),
  }).then((response) => response.json());
  assert.equal(elsewhere.reply, "Created the colour palette Ocean.");
  assert.deepEqual(elsewhere.actions.map((action) => [action.type, action.asset.values]), [["CREATE_COLOR_PALETTE", ["#003f5c", "#2f4b7c"]]]);
  await context.clock.fastForward(60_000);

  // Coming back to tab A revalidates the lists on screen: the new palette shows, the font list 304s.
  const afterElsewhere = [...afterDelete, "Ocean"];
  await returnTo(a.page);
  assert.deepEqual(await listShows(a.page, afterElsewhere), afterElsewhere);
  await counterShows(a.page, "font", "font: 5 (200 × 3, 304 × 2)");
  // Tab B shows it too, without a request of its own: A's answer went to the shared localStorage,
  // which tells every other tab (a newer write replaces their copy).
  assert.deepEqual(await listShows(b.page, afterElsewhere), afterElsewhere);
  assert.deepEqual(await serverCounts(), { all: { 200: 5 }, font: { 200: 3, 304: 2 }, color: { 200: 2 } });
  // Returning to B, once the lists' dedup window (2 s) is past (A's answers, shared with B, opened
  // it there too), revalidates with the ETags of A's answers: nothing changed since, two 304s.
  await context.clock.fastForward(2_500);
  await returnTo(b.page);
  await counterShows(b.page, "font", "font: 6 (200 × 3, 304 × 3)");
  await counterShows(b.page, "all", "all: 6 (200 × 5, 304 × 1)");
  assert.deepEqual(await serverCounts(), { all: { 200: 5, 304: 1 }, font: { 200: 3, 304: 3 }, color: { 200: 2 } });

  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});
