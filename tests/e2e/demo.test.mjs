// Drives the www demo as a person would: writes an entry through the form, watches it expire.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openPage, screenshotDir, startDemoServer } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startDemoServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a value set through the demo is shown, then shown as expired after its TTL", async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.getByTestId("scope").filter({ hasText: "wasm ready" }).waitFor();

  await page.getByTestId("key").fill("balance");
  await page.getByTestId("value").fill('{"tokens": 100}');
  await page.getByTestId("ttl").fill("2000");
  await page.getByTestId("set").click();

  const row = page.locator('[data-testid=entries] tr[data-key="balance"]');
  await row.locator(".state", { hasText: "live" }).waitFor({ timeout: 1_000 });
  assert.equal(await row.locator(".value").textContent(), '{"tokens":100}');
  await page.screenshot({ path: `${screenshotDir}/demo-live.png` });

  await row.locator(".state", { hasText: "expired" }).waitFor({ timeout: 5_000 });
  assert.equal(await row.locator(".value").textContent(), "undefined");
  await page.screenshot({ path: `${screenshotDir}/demo-expired.png` });
  assert.deepEqual(problems, []);
});

test("bad input typed into the demo shows the CacheError code and stores nothing", async () => {
  const { page, problems } = await openPage(browser, server.url);
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
