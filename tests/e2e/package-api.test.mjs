// The built package loaded unbundled in a real page, as an ESM consumer would: single-flight wasm
// init under concurrency, CacheError instances with stable codes, JS values kept by reference.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/** A fresh page on the package server; `wasmRequests` lists every .wasm fetched. */
async function packagePage() {
  const page = await env.browser.newPage();
  const wasmRequests = [];
  const problems = [];
  page.on("request", (request) => request.url().endsWith(".wasm") && wasmRequests.push(request.url()));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(env.server.url);
  return { page, wasmRequests, problems };
}

test("importing cachebus loads no wasm; concurrent first createCache calls instantiate it once", async () => {
  const { page, wasmRequests, problems } = await packagePage();
  await page.evaluate(() => import("/pkg/index.js").then((m) => (window.cachebus = m)));
  assert.deepEqual(wasmRequests, [], "import alone must not fetch wasm (SSR-safe)");

  const namespaces = await page.evaluate(async () => {
    const caches = await Promise.all(
      Array.from({ length: 20 }, (_, i) => window.cachebus.createCache({ namespace: `ns${i}` })),
    );
    const later = await window.cachebus.createCache({ namespace: "later" });
    return [...caches, later].map((cache) => cache.namespace);
  });
  assert.equal(namespaces.length, 21);
  assert.equal(namespaces[19], "ns19");
  assert.equal(wasmRequests.length, 1, `wasm requested: ${wasmRequests.join(", ")}`);
  assert.deepEqual(problems, []);
});

test("preload fetches the wasm before any createCache, once; the createCache after it reuses it", async () => {
  const { page, wasmRequests, problems } = await packagePage();
  await page.evaluate(() => import("/pkg/index.js").then((m) => (window.cachebus = m)));
  assert.deepEqual(wasmRequests, []);
  await page.evaluate(() => {
    cachebus.preload();
    cachebus.preload();
  });
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith(".wasm")));
  const namespace = await page.evaluate(async () => (await cachebus.createCache({ namespace: "preloaded" })).namespace);
  assert.equal(namespace, "preloaded");
  assert.equal(wasmRequests.length, 1, `wasm requested: ${wasmRequests.join(", ")}`);
  assert.deepEqual(problems, []);
});

test("errors are CacheError instances with stable codes, and values are kept by reference", async () => {
  const { page, problems } = await packagePage();
  const result = await page.evaluate(async () => {
    const { createCache, CacheError } = await import("/pkg/index.js");
    const codeOf = async (run) => {
      try {
        await run();
        return "no error";
      } catch (error) {
        return error instanceof CacheError && error instanceof Error ? error.code : `foreign: ${error}`;
      }
    };
    const cache = await createCache({ namespace: "api", user: "u_1" });
    const value = { items: [1, 2, 3] };
    cache.set("list", value, { ttlMs: 60_000 });
    return {
      sameObject: cache.get("list") === value,
      user: cache.user,
      missing: cache.get("nope"),
      noOptions: await codeOf(() => createCache()),
      noNamespace: await codeOf(() => createCache({})),
      badUser: await codeOf(() => createCache({ namespace: "api", user: "a:b" })),
      nonStringKey: await codeOf(() => cache.set(7, "v")),
      nonStringKeyReads: [await codeOf(() => cache.get(null)), await codeOf(() => cache.peek({ key: "k" }))],
      negativeTtl: await codeOf(() => cache.set("k", "v", { ttlMs: -1 })),
      stringTtl: await codeOf(() => cache.set("k", "v", { ttlMs: "100" })),
      undefinedValue: await codeOf(() => cache.set("k", undefined)),
      refusedWritesStoredNothing: cache.get("k"),
      stillUsable: (cache.set("after", 1), cache.get("after")),
      closed: await codeOf(() => (cache.close(), cache.get("list"))),
    };
  });
  assert.deepEqual(result, {
    sameObject: true,
    user: "u_1",
    missing: undefined,
    noOptions: "INVALID_OPTIONS",
    noNamespace: "INVALID_NAMESPACE",
    badUser: "INVALID_USER",
    nonStringKey: "INVALID_KEY",
    nonStringKeyReads: ["INVALID_KEY", "INVALID_KEY"],
    negativeTtl: "INVALID_TTL",
    stringTtl: "INVALID_TTL",
    undefinedValue: "INVALID_VALUE",
    refusedWritesStoredNothing: undefined,
    stillUsable: 1,
    closed: "CLOSED",
  });
  assert.deepEqual(problems, []);
});

test("a wasm that cannot load rejects createCache with WASM_LOAD_FAILED naming its URL; the next call retries", async () => {
  const { page, wasmRequests } = await packagePage();
  // Chromium logs each 404 on the console; page errors (an unhandled rejection too) still count.
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.route("**/pkg/wasm/cachebus_bg.wasm", (route) => route.fulfill({ status: 404, body: "" }));
  const failed = await page.evaluate(async () => {
    const { createCache, CacheError } = await import("/pkg/index.js");
    const attempt = (options) =>
      createCache({ namespace: "wasm-load", ...options }).then(
        (cache) => `ok ${cache.namespace}`,
        (error) => ({ isCacheError: error instanceof CacheError, code: error.code, message: error.message }),
      );
    return [await attempt(), await attempt({ wasm: "/elsewhere/cachebus_bg.wasm" })];
  });
  const here = new URL(env.server.url).origin;
  assert.deepEqual(
    failed.map((f) => [f.isCacheError, f.code]),
    [
      [true, "WASM_LOAD_FAILED"],
      [true, "WASM_LOAD_FAILED"],
    ],
  );
  assert.ok(failed[0].message.includes(`from ${here}/pkg/wasm/cachebus_bg.wasm: the server answered 404`), failed[0].message);
  assert.ok(failed[1].message.includes(`from ${here}/elsewhere/cachebus_bg.wasm: the server answered 404`), failed[1].message);
  for (const { message } of failed) {
    assert.ok(message.includes('optimizeDeps: { exclude: ["cachebus"] }') && message.includes("--loader:.wasm=file"), message);
  }
  await page.unroute("**/pkg/wasm/cachebus_bg.wasm");
  const retried = await page.evaluate(async () => {
    const { createCache } = await import("/pkg/index.js");
    const cache = await createCache({ namespace: "wasm-load" });
    cache.set("k", 1);
    // Loaded: another wasm, even a wrong one, is ignored.
    const later = await createCache({ namespace: "wasm-load-later", wasm: "/elsewhere/cachebus_bg.wasm" });
    return [cache.get("k"), later.namespace];
  });
  assert.deepEqual(retried, [1, "wasm-load-later"]);
  assert.deepEqual(wasmRequests.map((url) => new URL(url).pathname), ["/pkg/wasm/cachebus_bg.wasm", "/elsewhere/cachebus_bg.wasm", "/pkg/wasm/cachebus_bg.wasm"]);
  assert.deepEqual(pageErrors, []);
});

test("the wasm option takes a URL, a Response, a promise of one, bytes or a compiled module", async () => {
  const kinds = {
    url: "new URL('/elsewhere/cachebus_bg.wasm', location.href)",
    string: "'/elsewhere/cachebus_bg.wasm'",
    response: "await fetch('/elsewhere/cachebus_bg.wasm')",
    promise: "fetch('/elsewhere/cachebus_bg.wasm')",
    bytes: "new Uint8Array(await (await fetch('/elsewhere/cachebus_bg.wasm')).arrayBuffer())",
    module: "await WebAssembly.compileStreaming(fetch('/elsewhere/cachebus_bg.wasm'))",
  };
  const file = fileURLToPath(new URL("../../pkg/wasm/cachebus_bg.wasm", import.meta.url));
  const results = {};
  for (const [kind, expression] of Object.entries(kinds)) {
    // A fresh page for each: the module is instantiated once per page.
    const { page, problems, wasmRequests } = await packagePage();
    // Only the option can load it: the file beside the package is gone from this page.
    await page.route("**/pkg/wasm/cachebus_bg.wasm", (route) => route.fulfill({ status: 404, body: "" }));
    await page.route("**/elsewhere/cachebus_bg.wasm", (route) => route.fulfill({ path: file, contentType: "application/wasm" }));
    results[kind] = await page.evaluate(async (expression) => {
      const { createCache } = await import("/pkg/index.js");
      const wasm = await new Function(`return (async () => ${expression})()`)();
      const cache = await createCache({ namespace: "wasm-kinds", wasm });
      cache.set("k", { v: 1 });
      return cache.get("k");
    }, expression);
    assert.deepEqual(problems, [], kind);
    assert.deepEqual(wasmRequests.map((url) => new URL(url).pathname), ["/elsewhere/cachebus_bg.wasm"], kind);
    await page.close();
  }
  assert.deepEqual(results, Object.fromEntries(Object.keys(kinds).map((kind) => [kind, { v: 1 }])));
});
