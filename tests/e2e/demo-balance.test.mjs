// The token-balance seed page (seed 003) driven as a person would, in two tabs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDemoTab, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

const tab = (context) => openDemoTab(context, env.server.url, "balance.html");

test("a balance spent in one tab updates every tab; switching user never shows the previous balance", async () => {
  const context = await env.browser.newContext();
  await context.addInitScript(() => {
    // What the app's older code left behind, before cachebus.
    if (!sessionStorage.getItem("planted")) {
      localStorage.setItem("tokenBalanceCache_alice", '{"balance":999}');
      localStorage.setItem("tokenBalance", "999");
      sessionStorage.setItem("planted", "1");
    }
  });
  const a = await tab(context);
  const balanceA = a.page.getByTestId("balance");
  await balanceA.filter({ hasText: "alice: 100 tokens" }).waitFor();
  assert.equal(await a.page.getByTestId("legacy").textContent(), "legacy keys cleaned at start: 2");
  const b = await tab(context);
  const balanceB = b.page.getByTestId("balance");
  await balanceB.filter({ hasText: "alice: 100 tokens" }).waitFor();
  await a.page.getByTestId("requests").filter({ hasText: "served: 1" }).waitFor();

  // The devtools of tab B: the balance in the local tier, its TTL bar counting down from 30 s,
  // the mount served from localStorage counted as a saved request, and the chart drawing.
  const entry = b.page.locator("[data-cachebus-devtools=entry][data-key=balance]");
  assert.equal(await entry.getAttribute("data-state"), "fresh");
  await b.page.locator("[data-cachebus-devtools=tier][data-tier=local]").filter({ hasText: /^local · 1 entry · / }).waitFor();
  const secondsLeft = async () => Number((await entry.locator("[data-cachebus-devtools=left]").textContent()).replace("s", ""));
  const before = await secondsLeft();
  assert.ok(before > 25 && before <= 30, `TTL label ${before}`);
  await b.page.waitForFunction((start) => {
    const label = document.querySelector("[data-cachebus-devtools=entry][data-key=balance] [data-cachebus-devtools=left]").textContent;
    return Number(label.replace("s", "")) < start;
  }, before);
  await b.page.locator("[data-cachebus-devtools=saved]").filter({ hasText: "requests saved by dedup and cache: 1 of 1 fetch calls" }).waitFor();
  await b.page.waitForFunction(() => document.querySelector("[data-cachebus-devtools=chart] polyline[data-series=saved]").getAttribute("points").split(" ").length >= 2);

  await a.page.getByTestId("spend").click();
  await balanceA.filter({ hasText: "alice: 90 tokens" }).waitFor({ timeout: 3_000 });
  await balanceB.filter({ hasText: "alice: 90 tokens" }).waitFor({ timeout: 3_000 });
  await b.page.screenshot({ path: `${screenshotDir}/demo-balance-second-tab.png` });

  // Record every text the page shows from the click on: none may hold alice's balance.
  await a.page.evaluate(async () => {
    window.shown = [];
    const main = document.querySelector("main");
    const observer = new MutationObserver(() => window.shown.push(main.textContent));
    observer.observe(main, { subtree: true, childList: true, characterData: true });
    document.querySelector("[data-testid=user-bob]").click();
    await new Promise((resolve) => setTimeout(resolve, 0)); // React flushes a click's update in a microtask
    window.shown.push(main.textContent); // what the page shows once it has reacted to the click
  });
  await balanceA.filter({ hasText: "bob: 50 tokens" }).waitFor();
  const shown = await a.page.evaluate(() => window.shown);
  assert.ok(shown.length > 0);
  assert.ok(!shown.some((text) => text.includes("alice: ")), `alice's balance shown after the switch: ${shown.find((t) => t.includes("alice: "))}`);
  await a.page.screenshot({ path: `${screenshotDir}/demo-balance-bob.png` });
  assert.equal(await balanceB.textContent(), "alice: 90 tokens", "the other tab stays signed in as alice");
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});

test("three tabs showing the balance cost one request per push: one tab holds the socket and fetches for all", async () => {
  const context = await env.browser.newContext();
  const tabs = [];
  for (let i = 0; i < 3; i++) tabs.push(await tab(context));
  for (const { page } of tabs) await page.getByTestId("balance").filter({ hasText: /^alice: \d+ tokens$/ }).waitFor();
  const served = async () => Number((await tabs[0].page.getByTestId("requests").textContent()).match(/\d+/)[0]);
  await tabs[0].page.waitForTimeout(1_200); // past the balance's dedup window
  const before = await served();
  const shown = Number((await tabs[0].page.getByTestId("balance").textContent()).match(/(\d+) tokens/)[1]);
  await tabs[2].page.getByTestId("spend").click();
  for (const { page } of tabs) await page.getByTestId("balance").filter({ hasText: `alice: ${shown - 10} tokens` }).waitFor({ timeout: 3_000 });
  await tabs[0].page.waitForTimeout(300); // a second request, if any, would have arrived by now
  await tabs[0].page.getByTestId("requests").filter({ hasText: `served: ${before + 1}` }).waitFor({ timeout: 3_000 });
  assert.equal(await served(), before + 1, "one request for the push, not one per tab");
  // Each tab's devtools tell its part: three live, one holds the socket, one fetched for the others.
  const lines = await Promise.all(tabs.map(({ page }) => page.locator("[data-cachebus-devtools=tabs]").filter({ hasText: /^tabs: 3 live/ }).textContent()));
  assert.equal(lines.filter((line) => line.endsWith(' · holds "balance-updates" for all')).length, 1, lines.join("\n"));
  const fetchedForOthers = lines.map((line) => Number(line.match(/fetched (\d+) for the others/)[1]));
  assert.ok(fetchedForOthers.some((n) => n > 0), lines.join("\n"));
  for (const { problems } of tabs) assert.deepEqual(problems, []);
  await context.close();
});
