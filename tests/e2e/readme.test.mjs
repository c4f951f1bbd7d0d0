// The README's usage examples, run verbatim (bar the import path) against the built package.
// In each block, a `// → JSON` comment on a line that logs is what that line must log.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { createApi } from "./api.mjs";
import { startPackageServer, useBrowser } from "./harness.mjs";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const examples = [...readme.matchAll(/<!-- usage-example[^>]*-->\n```js\n([\s\S]*?)```/g)].map((m) => m[1]);

/** The JSON each logging line of `code` announces, in order. */
const expectedLogs = (code) =>
  code
    .split("\n")
    .filter((line) => line.includes("console.log("))
    .map((line) => line.match(/\/\/ → (.*?)(?: \(.*\))?$/)?.[1]);

const env = useBrowser(() => startPackageServer({ api: createApi() }));

test("the README has usage examples, each announcing what it logs", () => {
  assert.ok(examples.length >= 5, `found ${examples.length} usage-example blocks`);
  for (const example of examples) {
    const expected = expectedLogs(example);
    assert.ok(expected.length > 0 && expected.every(Boolean), `every console.log needs a // → comment:\n${example}`);
  }
});

for (const [index, example] of examples.entries()) {
  test(`README usage example ${index + 1} runs and logs what its comments say`, async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(env.server.url);
    await page.evaluate(() => {
      window.logged = [];
      window.exampleDone = false;
      console.log = (value) => window.logged.push(JSON.stringify(value ?? null));
    });
    const module = `${example.replace('from "cachebus"', 'from "/pkg/index.js"')}\nwindow.exampleDone = true;`;
    await page.addScriptTag({ type: "module", content: module });
    await page.waitForFunction(() => window.exampleDone, null, { timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => window.logged), expectedLogs(example));
    await context.close();
  });
}
