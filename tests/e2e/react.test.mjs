// The React hooks rendered in real Chromium (React 19 from the tests/react fixture).
import assert from "node:assert/strict";
import { test } from "node:test";
import { startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/** A fresh page with React, the hooks and `mount(element)` (renders into #root inside act). */
async function open() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  await page.goto(`${env.server.url}react/`);
  await page.waitForFunction(() => window.fixtureReady);
  await page.evaluate(() => {
    window.IS_REACT_ACT_ENVIRONMENT = false;
    window.root = createRoot(document.getElementById("root"));
    window.text = () => document.getElementById("root").textContent;
    window.waitFor = async (check, ms = 2000) => {
      const until = Date.now() + ms;
      while (!check()) {
        if (Date.now() > until) throw new Error(`timed out; page shows: ${text()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
  });
  return { page, context, problems };
}

test("useCached: one fetch for two components, stale shown while revalidating, no render for an equal answer", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    let calls = 0;
    let version = 1;
    let renders = 0;
    window.fetcher = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { version };
    };
    let cacheRef;
    function Balance({ label }) {
      renders++;
      cacheRef = useCache();
      const { data, isStale } = useCached("balance", window.fetcher, { dedupMs: 0 });
      return h("p", null, `${label}:${data ? data.version : "…"}${isStale ? " (stale)" : ""}`);
    }
    root.render(h(CacheProvider, { namespace: "hooks", user: "alice" }, h(Balance, { label: "a" }), h(Balance, { label: "b" })));
    await waitFor(() => text() === "a:1b:1");
    const afterLoad = { calls, text: text() };

    cacheRef.set("other", 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rendersBefore = renders;
    cacheRef.subscribe("balance", () => {}); // so revalidate() applies to the key
    cacheRef.revalidate("balance"); // the server answers the same value
    await new Promise((resolve) => setTimeout(resolve, 80));
    const equalAnswer = { calls, extraRenders: renders - rendersBefore };

    version = 2;
    cacheRef.invalidate("balance");
    await waitFor(() => text().includes("(stale)"));
    const whileStale = text();
    await waitFor(() => text() === "a:2b:2");
    const { hits, staleHits, misses, fetches } = cacheRef.stats();
    return { afterLoad, equalAnswer, whileStale, calls, readsCounted: hits + staleHits + misses, fetches };
  });
  assert.deepEqual(result.afterLoad, { calls: 1, text: "a:1b:1" });
  assert.deepEqual(result.equalAnswer, { calls: 2, extraRenders: 0 });
  assert.equal(result.whileStale, "a:1 (stale)b:1 (stale)");
  assert.equal(result.calls, 3);
  // Renders read through the hooks are not the app's reads: no hit or miss is counted for them.
  assert.equal(result.readsCounted, 0);
  // Each load: one component starts the fetch, the other joins it (the revalidation is not a call).
  assert.deepEqual(result.fetches, { started: 3, joined: 2, served: 0, shared: 0 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("useCached mounted over a fresh entry makes no request and counts a served call and a hit", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    let calls = 0;
    let cacheRef;
    const fetcher = async () => ++calls;
    function Count({ label }) {
      cacheRef = useCache();
      const { data } = useCached("count", fetcher, { staleMs: 60_000 });
      return h("p", null, `${label}:${data ?? "…"}`);
    }
    root.render(h(CacheProvider, { namespace: "hooks-served" }, h(Count, { label: "a" })));
    await waitFor(() => text() === "a:1");
    const before = cacheRef.stats();
    root.render(h(CacheProvider, { namespace: "hooks-served" }, h(Count, { label: "a" }), h(Count, { label: "b" })));
    await waitFor(() => text() === "a:1b:1");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = cacheRef.stats();
    return { calls, served: after.fetches.served - before.fetches.served, hits: after.hits - before.hits };
  });
  assert.deepEqual(result, { calls: 1, served: 1, hits: 1 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("unmounting a provider whose components share a key closes the cache without errors", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    const errors = [];
    addEventListener("error", (event) => errors.push(event.message));
    function Quote({ label }) {
      const { data } = useCached("quote", async () => 7, { staleMs: 60_000 });
      return h("p", null, `${label}:${data ?? "…"}`);
    }
    root.render(h(CacheProvider, { namespace: "hooks-unmount" }, h(Quote, { label: "a" }), h(Quote, { label: "b" })));
    await waitFor(() => text() === "a:7b:7");
    root.unmount();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { errors, text: text() };
  });
  assert.deepEqual(result, { errors: [], text: "" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("CacheProvider switches user with the prop; no render under the new user sees the previous user's value", async () => {
  const { page, context } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    const renders = [];
    function Balance({ user }) {
      const cache = useCache();
      const { data } = useCached("balance", async () => `${cache.user}'s balance`, { dedupMs: 0 });
      renders.push(`${user}:${data ?? "…"}`);
      return h("p", null, data ?? "…");
    }
    const app = (user) => h(CacheProvider, { namespace: "hooks-users", user }, h(Balance, { user }));
    root.render(app("alice"));
    await waitFor(() => text() === "alice's balance");
    root.render(app("bob"));
    await waitFor(() => text() === "bob's balance");
    return renders;
  });
  assert.ok(result.includes("alice:alice's balance"));
  assert.ok(!result.includes("bob:alice's balance"), result.join(" | "));
  assert.equal(result.at(-1), "bob:bob's balance");
  await context.close();
});

test("switching the provider's user during alice's first load never shows or stores her answer for bob", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    const renders = [];
    const runs = [];
    function Balance({ user }) {
      // The app's fetcher: a closure of the signed-in user's session.
      const { data } = useCached(
        "balance",
        async () => {
          runs.push(user);
          await new Promise((resolve) => setTimeout(resolve, user === "alice" ? 150 : 10));
          return `${user}: ${user === "alice" ? 1000 : 5} tokens`;
        },
        { tier: "local" },
      );
      renders.push(`${user}:${data ?? "…"}`);
      return h("p", null, data ?? "…");
    }
    const app = (user) => h(CacheProvider, { namespace: "hooks-first-load", user }, h(Balance, { user }));
    root.render(app("alice"));
    await waitFor(() => runs.length === 1);
    root.render(app("bob"));
    await waitFor(() => text() === "bob: 5 tokens");
    await new Promise((resolve) => setTimeout(resolve, 250)); // alice's answer arrives meanwhile
    const stored = Object.keys(localStorage).filter((k) => k.startsWith("cachebus:hooks-first-load:"));
    return { renders, runs, shown: text(), stored };
  });
  assert.ok(!result.renders.some((r) => r.startsWith("bob:alice")), result.renders.join(" | "));
  assert.deepEqual(result.runs, ["alice", "bob"], "alice's fetcher ran once, for alice");
  assert.equal(result.shown, "bob: 5 tokens");
  assert.deepEqual(result.stored, ["cachebus:hooks-first-load:bob:balance"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a failed first load shows its error in useCached; refresh resolves with what the fetch gave", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    let failing = true;
    let calls = 0;
    let refresh;
    function Balance() {
      const cached = useCached("balance", async () => {
        calls++;
        if (failing) throw new Error("HTTP 503");
        return "100 tokens";
      });
      refresh = cached.refresh;
      if (cached.error) return h("p", null, `error: ${cached.error.message}`);
      return h("p", null, cached.data ?? "…");
    }
    root.render(h(CacheProvider, { namespace: "hooks-first-error" }, h(Balance)));
    await waitFor(() => text() === "error: HTTP 503");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const callsAfterFailure = calls; // the error shows; it does not refetch in a loop
    const failed = await refresh();
    failing = false;
    const recovered = await refresh();
    await waitFor(() => text() === "100 tokens");
    return {
      callsAfterFailure,
      failed: [failed.data, failed.error?.message],
      recovered: [recovered.data, recovered.error],
      shown: text(),
    };
  });
  assert.deepEqual(result, {
    callsAfterFailure: 1,
    failed: [undefined, "HTTP 503"],
    recovered: ["100 tokens", undefined],
    shown: "100 tokens",
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("useCacheEvent, useInvalidate, useMutate and useCacheStats", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h, useState } = React;
    const { CacheProvider, useCached, useCacheEvent, useInvalidate, useMutate, useCacheStats, useCache } = hooks;
    let api;
    function Panel() {
      const cache = useCache();
      const [events, setEvents] = useState([]);
      useCacheEvent("ai-asset-created", (event) => setEvents((list) => [...list, event.detail.type]));
      const { data } = useCached("title", async () => "draft");
      const stats = useCacheStats(50);
      api = { cache, invalidate: useInvalidate(), mutate: useMutate() };
      return h("p", null, `${data ?? "…"}|${events.join(",")}|fetches:${stats.fetches.started}`);
    }
    root.render(h(CacheProvider, { namespace: "hooks-misc" }, h(Panel)));
    await waitFor(() => text().startsWith("draft|"));
    api.cache.emit("ai-asset-created", { type: "font" });
    await waitFor(() => text().includes("|font|"));
    const saving = api.mutate("title", "published", { commit: () => new Promise((r) => setTimeout(() => r("published!"), 30)) });
    await waitFor(() => text().startsWith("published|"));
    await saving;
    await waitFor(() => text().startsWith("published!|"));
    const invalidated = api.invalidate("title"); // stale: useCached refetches "draft"
    // useCacheStats follows the counters: the refetch after the invalidation is the second fetch.
    await waitFor(() => text() === "draft|font|fetches:2");
    const final = api.cache.get("title");
    root.unmount();
    let afterUnmount = "open";
    try {
      api.cache.get("title");
    } catch (error) {
      afterUnmount = error.code;
    }
    return { invalidated, final, afterUnmount };
  });
  assert.deepEqual(result, { invalidated: 1, final: "draft", afterUnmount: "CLOSED" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a wasm that cannot load: CacheProvider throws WASM_LOAD_FAILED to the error boundary, or hands it to onError and renders errorFallback; a remount retries", async () => {
  const { page, context } = await open();
  // Chromium logs the 404 and React logs what a boundary caught: only page errors count here.
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const missing = "/react/missing/cachebus_bg.wasm";
  const result = await page.evaluate(async (missing) => {
    const { createElement: h, Component } = React;
    const { CacheProvider, useCache } = hooks;
    const rejections = [];
    addEventListener("unhandledrejection", (event) => rejections.push(String(event.reason)));
    class Boundary extends Component {
      state = { error: null };
      static getDerivedStateFromError(error) {
        return { error };
      }
      render() {
        const { error } = this.state;
        return error ? h("p", null, `boundary: ${error instanceof cachebus.CacheError ? error.code : `raw ${error.message}`}`) : this.props.children;
      }
    }
    const Ready = () => h("p", null, `ready for ${useCache().namespace}`);
    const show = async (element, until) => {
      const container = document.createElement("div");
      document.body.append(container);
      const root = createRoot(container);
      root.render(element);
      const deadline = Date.now() + 3_000;
      while (!until(container.textContent) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const shown = container.textContent;
      root.unmount();
      container.remove();
      return shown;
    };
    const provider = { namespace: "hooks-wasm", wasm: missing, fallback: h("p", null, "loading") };
    const thrown = [];
    const boundary = await show(
      h(Boundary, null, h(CacheProvider, { ...provider, onError: undefined }, h(Ready))),
      (t) => t.startsWith("boundary"),
    );
    const handled = [];
    const withFallback = await show(
      h(CacheProvider, { ...provider, onError: (error) => handled.push(error), errorFallback: (error) => h("p", null, `could not start: ${error.code}`) }, h(Ready)),
      (t) => t.startsWith("could not"),
    );
    const withoutFallback = await show(
      h(CacheProvider, { ...provider, onError: (error) => handled.push(error) }, h(Ready)),
      () => handled.length === 2,
    );
    const throwingHandler = await show(
      h(Boundary, null, h(CacheProvider, { ...provider, onError: (error) => { thrown.push(error.code); throw new Error("handler failed"); } }, h(Ready))),
      (t) => t.startsWith("boundary"),
    );
    // A failed load is forgotten: the next provider (here without the wrong `wasm`) loads it.
    const retried = await show(h(CacheProvider, { namespace: "hooks-wasm" }, h(Ready)), (t) => t.startsWith("ready"));
    return {
      boundary,
      withFallback,
      withoutFallback,
      throwingHandler,
      thrown,
      retried,
      handled: handled.map((error) => [error instanceof cachebus.CacheError, error.code, error.message.includes(`from ${location.origin}${missing}: the server answered 404`)]),
      rejections,
    };
  }, missing);
  assert.deepEqual(result, {
    boundary: "boundary: WASM_LOAD_FAILED",
    withFallback: "could not start: WASM_LOAD_FAILED",
    withoutFallback: "",
    throwingHandler: "boundary: raw handler failed",
    thrown: ["WASM_LOAD_FAILED"],
    retried: "ready for hooks-wasm",
    handled: [
      [true, "WASM_LOAD_FAILED", true],
      [true, "WASM_LOAD_FAILED", true],
    ],
    rejections: [],
  });
  assert.deepEqual(pageErrors, []);
  await context.close();
});
