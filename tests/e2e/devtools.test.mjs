// cachebus/devtools rendered with React 19 in Chromium: its own small Vite-built page (React ships
// no browser ES module) hands React, the hooks and the devtools from pkg/ to the tests.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";
import { launchBrowser, screenshotDir } from "./harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Inside the repository (ignored by git), so that the page's imports find its node_modules.
const fixture = join(root, "test-results/devtools-fixture");
let server;
let browser;

before(async () => {
  rmSync(fixture, { recursive: true, force: true });
  mkdirSync(fixture, { recursive: true });
  writeFileSync(
    join(fixture, "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>',
  );
  writeFileSync(
    join(fixture, "main.js"),
    `import * as React from "react";
import { createRoot } from "react-dom/client";
import * as cachebus from "cachebus";
import * as hooks from "cachebus/react";
import * as devtools from "cachebus/devtools";
Object.assign(window, { React, createRoot, cachebus, hooks, devtools, fixtureReady: true });
`,
  );
  const pkg = (file) => join(root, "pkg", file);
  await build({
    root: fixture,
    configFile: false,
    logLevel: "warn",
    resolve: {
      alias: [
        { find: /^cachebus$/, replacement: pkg("index.js") },
        { find: /^cachebus\/react$/, replacement: pkg("react.js") },
        { find: /^cachebus\/devtools$/, replacement: pkg("devtools.js") },
      ],
    },
    build: {
      outDir: "dist",
      target: "es2022",
      // "use client" is for React Server Components bundlers; a client-only bundle drops it.
      rollupOptions: { onwarn: (warning, warn) => warning.code === "MODULE_LEVEL_DIRECTIVE" || warn(warning) },
    },
  });
  server = await preview({ root: fixture, configFile: false, logLevel: "silent", preview: { host: "127.0.0.1", port: 0 } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(fixture, { recursive: true, force: true });
});

/** A fresh page with the fixture, `root` (a React root on #root) and `waitFor(check)`. */
async function open() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  await page.goto(server.resolvedUrls.local[0]);
  await page.waitForFunction(() => window.fixtureReady);
  await page.evaluate(() => {
    window.root = createRoot(document.getElementById("root"));
  });
  return { page, context, problems };
}

/** Renders the devtools with `props` inside a provider of `namespace`; resolves once `window.cache` is the provider's cache. */
async function mountInProvider(page, namespace, props) {
  await page.evaluate(
    async ({ namespace, props }) => {
      const { createElement: h } = React;
      const { CacheProvider, useCache } = hooks;
      function Grab() {
        window.cache = useCache();
        return null;
      }
      root.render(h(CacheProvider, { namespace, user: "u1" }, h(Grab), h(devtools.CacheDevtools, props)));
      while (!window.cache) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    { namespace, props },
  );
}

/** The widths (in %) of a row's fresh and stale segments, and its seconds-left label. */
const bar = (page, key) =>
  page.locator(`[data-cachebus-devtools=entry][data-key="${key}"]`).evaluate((row) => ({
    state: row.dataset.state,
    tier: row.dataset.tier,
    fresh: parseFloat(row.querySelector("[data-phase=fresh]").style.width),
    stale: parseFloat(row.querySelector("[data-phase=stale]").style.width),
    left: row.querySelector("[data-cachebus-devtools=left]").textContent,
  }));

test("an entry per tier with its lifetime bar (fresh, then stale, then gone), a change after a set, an error after a failed fetch, the hit rate", async () => {
  const { page, context, problems } = await open();
  await mountInProvider(page, "devtools-e2e", { initialIsOpen: true });
  const panel = page.locator("[data-cachebus-devtools=panel]");
  await panel.waitFor();
  assert.match(await panel.locator("header").textContent(), /^cachebus devtools-e2e · user u1/);

  await page.evaluate(() => {
    cache.set("m", { n: 1 }, { ttlMs: 10_000, staleMs: 4_000 });
    cache.set("l", { n: 2 }, { tier: "local", ttlMs: 20_000, tags: ["t"] });
    cache.set("i", { n: 3 }, { tier: "idb", ttlMs: 30_000 });
    cache.set("short", 1, { ttlMs: 600 });
  });
  for (const [tier, key] of [["memory", "m"], ["local", "l"], ["idb", "i"]]) {
    await page.locator(`[data-cachebus-devtools=entry][data-key=${key}][data-tier=${tier}]`).waitFor();
  }
  assert.equal(await page.locator("[data-cachebus-devtools=tier][data-tier=memory]").textContent(), "memory · 2 entries (memory only)");
  assert.match(await page.locator("[data-cachebus-devtools=tier][data-tier=local]").textContent(), /^local · 1 entry · \d+\.\d KB stored$/);
  assert.match(await page.locator("[data-cachebus-devtools=tier][data-tier=idb]").textContent(), /^idb · 1 entry · \d+\.\d KB stored$/);

  // 10 s to live, stale after 4: two fifths fresh, three fifths stale, all of it left.
  const m = await bar(page, "m");
  assert.equal(m.state, "fresh");
  assert.ok(m.fresh > 35 && m.fresh <= 40, `fresh ${m.fresh}%`);
  assert.ok(m.stale > 59.9 && m.stale <= 60, `stale ${m.stale}%`);
  assert.match(m.left, /^(9|10)s$/);
  const l = await bar(page, "l");
  assert.deepEqual([l.state, l.stale, l.left], ["fresh", 0, "20s"]);
  assert.ok(l.fresh > 97 && l.fresh <= 100, `fresh ${l.fresh}%`);
  // Invalidated: no fresh share left, the rest of its lifetime stale.
  await page.evaluate(() => cache.invalidate("m"));
  await page.locator("[data-cachebus-devtools=entry][data-key=m][data-state=stale]").waitFor();
  const invalidated = await bar(page, "m");
  assert.equal(invalidated.fresh, 0);
  assert.ok(invalidated.stale > 90, `stale ${invalidated.stale}%`);
  // Expired: gone from the list.
  await page.locator("[data-cachebus-devtools=entry][data-key=short]").waitFor({ state: "detached" });
  assert.equal(await page.locator("[data-cachebus-devtools=tier][data-tier=memory]").textContent(), "memory · 1 entry (memory only)");

  // Changes, newest first: this set, after the invalidation and the first sets.
  await page.evaluate(() => cache.set("later", 1));
  const changes = page.locator("[data-cachebus-devtools=change]");
  await changes.first().filter({ hasText: "set later (local)" }).waitFor();
  const texts = (await changes.allTextContents()).map((text) => text.replace(/^\d\d:\d\d:\d\d /, ""));
  assert.deepEqual(texts.slice(0, 3), ["set later (local)", "expire short (local)", "invalidate m (local)"]);
  assert.equal(texts.at(-1), "set m, l, i, short (local)");

  // A failed fetch of a cached key: its error, named by key; a throwing handler: a diagnostic.
  const failed = await page.evaluate(() =>
    cache.fetch("l", () => Promise.reject(new Error("server down")), { force: true }).catch((error) => error.message),
  );
  assert.equal(failed, "server down");
  await page.locator("[data-cachebus-devtools=error][data-key=l]").filter({ hasText: /fetch l failed: Error: server down$/ }).waitFor();
  await page.evaluate(() => {
    cache.on("boom", () => {
      throw new Error("handler broke");
    });
    cache.emit("boom", null, { crossTab: false });
  });
  await page.locator("[data-cachebus-devtools=error]").filter({ hasText: /HANDLER_ERROR on boom: Error: handler broke$/ }).waitFor();

  // Hit rate and fetch calls, as stats() counts them.
  const stats = await page.evaluate(async () => {
    cache.get("m");
    cache.get("missing");
    await cache.fetch("i", async () => ({ n: 4 })); // fresh: served by the cache, no request
    return cache.stats();
  });
  const found = stats.hits + stats.staleHits;
  assert.ok(found > 0 && stats.misses > 0, JSON.stringify(stats));
  assert.deepEqual(stats.fetches, { started: 1, joined: 0, served: 1, shared: 0 });
  const rate = Math.round((100 * found) / (found + stats.misses));
  await page.locator("[data-cachebus-devtools=hit-rate]").filter({ hasText: `hit rate ${rate}% (${found} of ${found + stats.misses} reads)` }).waitFor();
  assert.equal(await page.locator("[data-cachebus-devtools=saved]").textContent(), "requests saved by dedup and cache: 1 of 2 fetch calls");
  assert.equal(await page.locator("[data-cachebus-devtools=fetches]").textContent(), "fetches: 1 started · 0 joined · 1 served");
  await panel.screenshot({ path: `${screenshotDir}/devtools-panel.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test("closed at first: a button in its corner opens the panel, which shows what happened meanwhile; a tier of thousands lists 100 rows", async () => {
  const { page, context, problems } = await open();
  await mountInProvider(page, "devtools-closed", { position: "top-left" });
  const toggle = page.locator("[data-cachebus-devtools=toggle]");
  await toggle.waitFor();
  assert.equal(await page.locator("[data-cachebus-devtools=panel]").count(), 0);
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  const box = await toggle.boundingBox();
  assert.deepEqual([box.x, box.y], [12, 12]);

  await page.evaluate(() => {
    for (let i = 0; i < 1_000; i++) cache.set(`k${String(i).padStart(4, "0")}`, i);
  });
  await toggle.click();
  const panel = page.locator("[data-cachebus-devtools=panel]");
  await panel.waitFor();
  const placed = await panel.boundingBox();
  assert.deepEqual([placed.x, placed.y], [12, 12]);
  assert.equal(await page.locator("[data-cachebus-devtools=tier][data-tier=memory]").textContent(), "memory · 1000 entries (memory only)");
  assert.equal(await page.locator("[data-cachebus-devtools=entry]").count(), 100);
  assert.equal(await page.locator("[data-cachebus-devtools=entry]").last().getAttribute("data-key"), "k0099");
  await panel.getByText("… and 900 more").waitFor();
  // One tick's thousand writes: one change, heard while the panel was closed.
  assert.equal(await page.locator("[data-cachebus-devtools=change]").count(), 1);

  await page.locator("[data-cachebus-devtools=toggle][aria-expanded=true]").click();
  await page.locator("[data-cachebus-devtools=panel]").waitFor({ state: "detached" });
  await toggle.waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test("a cache prop works without a provider: only its namespace's events, and a closed cache is said, not thrown; wrong props are INVALID_OPTIONS", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheDevtools } = devtools;
    window.mine = await cachebus.createCache({ namespace: "devtools-prop" });
    window.other = await cachebus.createCache({ namespace: "devtools-other" });
    root.render(h(CacheDevtools, { cache: mine, initialIsOpen: true, position: "inline" }));
    const wrong = [{ position: "center" }, { cache: {} }, { cache: null }].map((props) => {
      try {
        CacheDevtools(props);
        return "rendered";
      } catch (error) {
        return `${error.name} ${error.code}`;
      }
    });
    return { wrong, namespace: mine.namespace };
  });
  assert.deepEqual(result.wrong, ["CacheError INVALID_OPTIONS", "CacheError INVALID_OPTIONS", "CacheError INVALID_OPTIONS"]);
  const panel = page.locator("[data-cachebus-devtools=panel]");
  await panel.waitFor();
  assert.match(await panel.locator("header").textContent(), /^cachebus devtools-prop · signed out/);
  await page.evaluate(() => {
    other.set("theirs", 1);
    mine.set("mine", 1);
  });
  await page.locator("[data-cachebus-devtools=change]").filter({ hasText: "set mine (local)" }).waitFor();
  assert.equal(await page.locator("[data-cachebus-devtools=change]").count(), 1, "the other namespace's set is not listed");
  assert.deepEqual(await page.locator("[data-cachebus-devtools=entry]").evaluateAll((rows) => rows.map((row) => row.dataset.key)), ["mine"]);

  await page.evaluate(() => mine.close());
  await panel.getByText(/^cannot read the cache: CacheError CLOSED: /).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
