// The studio-CRM seed page (seed 001) driven as a person would: each assistant action refreshes
// exactly the list it changed (the server sees one more request for that list and none for the
// other five); an action the page has no rule for refreshes every list once, through the fallback.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDemoTab, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

const LISTS = ["clients", "sessions", "invoices", "rooms", "equipment", "projects"];

/** One command per list, the action the answer must report, and the row it must add. */
const CREATIONS = [
  {
    list: "clients",
    command: "Crée un nouveau client avec email cache-test@example.com et nom Cache Test",
    action: "create_client",
    row: "Cache Test <cache-test@example.com>",
  },
  { list: "sessions", command: "create session Mixing", action: "create_session", row: "Mixing · booked" },
  { list: "invoices", command: "create invoice 120", action: "create_invoice", row: "INV-003 · 120 € · due" },
  { list: "rooms", command: "create room Studio C", action: "create_room", row: "Studio C" },
  { list: "equipment", command: "create equipment Neumann U87", action: "create_equipment", row: "Neumann U87" },
  { list: "projects", command: "create project Album", action: "create_project", row: "Album" },
];

/** What `/api/crm/stats` reports now. */
async function serverCounts() {
  const response = await fetch(`${env.server.url}api/crm/stats`);
  return response.json();
}

/** `counts` plus one request answered with `status` for each of `lists`. */
function plusOne(counts, lists, status) {
  const next = structuredClone(counts);
  for (const list of lists) {
    next[list].requests += 1;
    next[list].statuses[status] = (next[list].statuses[status] ?? 0) + 1;
  }
  return next;
}

/** Types `command` into the chat and sends it. */
async function send(page, command) {
  await page.getByTestId("chat-input").fill(command);
  await page.getByTestId("chat-send").click();
}

/** The rows a list card shows. */
const rows = (page, list) => page.getByTestId(`list-${list}`).locator("li").allTextContents();

/**
 * Waits until the page's requests card shows `expected` for every list (the requests have all
 * been answered), then asserts the server's exact counts.
 */
async function expectCounts(page, expected, why) {
  for (const list of LISTS) {
    await page.getByTestId(`requests-${list}`).filter({ hasText: new RegExp(`^${expected[list].requests}$`) }).waitFor({ timeout: 3_000 });
  }
  assert.deepEqual(await serverCounts(), expected, why);
}

test("each assistant action refreshes exactly its list; an unknown action refreshes every list", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 1100 } });
  const { page, problems } = await openDemoTab(context, env.server.url, "crm.html");

  await page.getByTestId("list-projects").locator("li").filter({ hasText: "EP, Band A" }).waitFor();
  let expected = Object.fromEntries(LISTS.map((list) => [list, { requests: 1, statuses: { 200: 1 } }]));
  await expectCounts(page, expected, "each list is fetched once on load");
  assert.deepEqual(await rows(page, "sessions"), ["Tracking, Band A · done", "Overdubs, Léa Martin · done", "Mastering, EP · booked"]);

  for (const { list, command, action, row } of CREATIONS) {
    const before = await rows(page, list);
    await send(page, command);
    await page.getByTestId("chat-bot").filter({ hasText: `Done: ${row} added to ${list}.` }).waitFor();
    assert.equal(await page.getByTestId("chat-note").last().textContent(), `emit("action:${action}")`);
    await page.getByTestId(`list-${list}`).locator("li").filter({ hasText: row }).waitFor();
    assert.deepEqual(await rows(page, list), [...before, row]);
    expected = plusOne(expected, [list], 200);
    await expectCounts(page, expected, `${action} refetches ${list} and nothing else`);
  }

  // A message the assistant does not understand changes nothing and emits nothing: the next
  // check (after the unknown action's refetches) would count any request it caused.
  await send(page, "hello");
  await page.getByTestId("chat-bot").filter({ hasText: "Sorry, I did not understand." }).waitFor();
  assert.equal(await page.getByTestId("chat-note").count(), CREATIONS.length);

  await send(page, "archive old sessions");
  await page.getByTestId("chat-bot").filter({ hasText: "Archived 2 finished sessions and their invoices." }).waitFor();
  assert.equal(await page.getByTestId("chat-note").last().textContent(), 'emit("action:archive_sessions")');
  await page.getByTestId("list-invoices").locator("li").filter({ hasText: "INV-002 · 180 € · archived" }).waitFor();
  await page.getByTestId("list-sessions").locator("li").filter({ hasText: "Tracking" }).waitFor({ state: "detached" });
  // The changed lists come back with new bodies (200); the four others were refetched too and
  // their ETags still matched (304).
  expected = plusOne(expected, ["sessions", "invoices"], 200);
  expected = plusOne(expected, ["clients", "rooms", "equipment", "projects"], 304);
  await expectCounts(page, expected, "archive_sessions has no rule: the fallback refetches every list once");
  assert.deepEqual(await rows(page, "sessions"), ["Mastering, EP · booked", "Mixing · booked"]);
  assert.deepEqual(await rows(page, "invoices"), ["INV-001 · 300 € · archived", "INV-002 · 180 € · archived", "INV-003 · 120 € · due"]);
  assert.deepEqual(await rows(page, "clients"), ["Léa Martin <lea@martin.fr>", "Tom Baker <tom@bandmail.com>", "Cache Test <cache-test@example.com>"]);

  // A 304 makes its entry fresh again without a change event: the devtools show it at their next tick.
  for (const list of LISTS) await page.locator(`[data-cachebus-devtools=entry][data-key="${list}:list"][data-state=fresh]`).waitFor();
  const entries = page.locator("[data-cachebus-devtools=entry]");
  assert.deepEqual(await entries.evaluateAll((rows) => rows.map((row) => `${row.dataset.key} ${row.dataset.state}`)), [
    "clients:list fresh",
    "equipment:list fresh",
    "invoices:list fresh",
    "projects:list fresh",
    "rooms:list fresh",
    "sessions:list fresh",
  ]);
  await page.screenshot({ path: `${screenshotDir}/demo-crm.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
