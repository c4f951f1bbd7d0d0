// Drives the www demo as a person would: writes an entry through the form, watches it expire.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshotDir, startDemoServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startDemoServer);

test("a value set through the demo is shown, then shown as expired after its TTL", async () => {
  const { page, problems } = await openPage(env.browser, env.server.url);
  await page.getByTestId("scope").filter({ hasText: "wasm ready" }).waitFor();

  await page.getByTestId("key").fill("balance");
  await page.getByTestId("value").fill('{"tokens": 100}');
  await page.getByTestId("ttl").fill("2000");
  await page.getByTestId("set").click();

  const row = page.locator('[data-testid=entries] tr[data-key="balance"]');
  await row.locator(".state", { hasText: "fresh" }).waitFor({ timeout: 1_000 });
  assert.equal(await row.locator(".value").textContent(), '{"tokens":100}');
  await page.screenshot({ path: `${screenshotDir}/demo-live.png` });

  await row.locator(".state", { hasText: "expired" }).waitFor({ timeout: 5_000 });
  assert.equal(await row.locator(".value").textContent(), "undefined");
  await page.screenshot({ path: `${screenshotDir}/demo-expired.png` });
  assert.deepEqual(problems, []);
});

test("the demo shows which tiers survive a reload, and invalidation turns entries stale", async () => {
  const { page, problems } = await openPage(env.browser, env.server.url);
  const write = async (key, tier, ttl = "600000") => {
    await page.getByTestId("key").fill(key);
    await page.getByTestId("value").fill(`"${tier} value"`);
    await page.getByTestId("tier").selectOption(tier);
    await page.getByTestId("ttl").fill(ttl);
    await page.getByTestId("set").click();
  };
  await write("assets:memory", "memory");
  await write("assets:local", "local");
  await write("assets:idb", "idb");
  await write("other:local", "local");
  const state = (key) => page.locator(`[data-testid=entries] tr[data-key="${key}"] .state`);
  await state("assets:idb").filter({ hasText: "fresh" }).waitFor();

  await page.getByTestId("target").fill("assets:*");
  await page.getByTestId("invalidate").click();
  assert.equal(await page.getByTestId("target-result").textContent(), "3 marked stale");
  await state("assets:local").filter({ hasText: "stale" }).waitFor();
  assert.equal(await state("other:local").textContent(), "fresh");
  await page.evaluate(() => window.cachebus.cache.flush());
  await page.screenshot({ path: `${screenshotDir}/demo-tiers.png` });

  await page.reload();
  await page.waitForFunction(() => window.cachebus !== undefined);
  await state("assets:local").filter({ hasText: "stale" }).waitFor();
  assert.equal(await state("assets:memory").textContent(), "expired or removed", "memory entries end with the page");
  assert.equal(await state("assets:idb").textContent(), "unloaded", "idb entries wait for read()");
  assert.equal(
    await page.locator('[data-testid=entries] tr[data-key="assets:local"] .value').textContent(),
    '"local value"',
  );
  await page.getByTestId("target").fill("assets:");
  await page.getByTestId("remove").click();
  await page.getByTestId("target-result").filter({ hasText: "2 removed" }).waitFor();
  assert.equal(await state("assets:idb").textContent(), "expired or removed");
  await page.screenshot({ path: `${screenshotDir}/demo-after-reload.png` });
  assert.deepEqual(problems, []);
});

test("bad input typed into the demo shows the CacheError code and stores nothing", async () => {
  const { page, problems } = await openPage(env.browser, env.server.url);
  await page.getByTestId("key").fill("neg");
  await page.getByTestId("ttl").fill("-5");
  await page.getByTestId("set").click();
  assert.match(await page.getByTestId("error").textContent(), /^CacheError INVALID_TTL: /);
  assert.equal(await page.evaluate(() => window.cachebus.cache.get("neg")), undefined);

  await page.getByTestId("key").fill("");
  await page.getByTestId("ttl").fill("1000");
  await page.getByTestId("set").click();
  assert.match(await page.getByTestId("error").textContent(), /^CacheError INVALID_KEY: /);
  assert.deepEqual(problems, []);
});
