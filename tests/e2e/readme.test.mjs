// The README's usage example, run verbatim (bar the import path) against the built package.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { launchBrowser, startPackageServer } from "./harness.mjs";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const example = readme.match(/<!-- usage-example[^>]*-->\n```js\n([\s\S]*?)```/)?.[1];

let server;
let browser;

before(async () => {
  server = await startPackageServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("the README usage example runs and prints what its comments say", async () => {
  assert.ok(example, "README.md has a usage-example block");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(server.url);
  await page.evaluate(() => {
    window.logged = [];
    window.exampleDone = false;
    console.log = (...args) => window.logged.push(JSON.stringify(args));
  });
  const module = `${example.replace('from "cachebus"', 'from "/pkg/index.js"')}\nwindow.exampleDone = true;`;
  await page.addScriptTag({ type: "module", content: module });
  await page.waitForFunction(() => window.exampleDone, null, { timeout: 5_000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(await page.evaluate(() => window.logged), [
    '[{"tokens":100}]',
    "[null]", // JSON.stringify([undefined])
    '[true,"INVALID_TTL"]',
  ]);
});
