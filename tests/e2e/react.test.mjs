// The React hooks rendered in real Chromium (React 19 from the tests/react fixture).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { startPackageServer, useBrowser } from "./harness.mjs";
import { calls as serverCalls, SsrApp } from "../react/ssr-app.js";

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
    window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
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

test("a failed first load shows its error in useCached; refresh rejects with the fetch's error and resolves with its value", async () => {
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
    const failed = await refresh().then(
      (value) => ["resolved", value],
      (error) => ["rejected", error.message],
    );
    failing = false;
    const recovered = await refresh();
    await waitFor(() => text() === "100 tokens");
    return { callsAfterFailure, failed, recovered: [recovered.data, "error" in recovered, recovered.error], shown: text() };
  });
  assert.deepEqual(result, {
    callsAfterFailure: 1,
    failed: ["rejected", "HTTP 503"],
    recovered: ["100 tokens", true, undefined],
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
      // onError runs before the render that replaces the fallback: wait for that render too.
      (t) => handled.length === 2 && t !== "loading",
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

/** Whether `expected` appears in `seen` in order (other entries may come between). */
function inOrder(seen, expected) {
  let at = 0;
  for (const item of seen) if (item === expected[at]) at++;
  return at === expected.length;
}

test("useCached with a null key or enabled: false neither fetches, subscribes nor throws, reports pending, and starts once it has a key", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h, useState } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    let calls = 0;
    let renders = 0;
    let cacheRef, setKey, setEnabled, refresh;
    const fetcher = async () => `v${++calls}`;
    function Grab() {
      cacheRef = useCache();
      return null;
    }
    function Item() {
      renders++;
      const [key, keyState] = useState(null);
      const [enabled, enabledState] = useState(true);
      [setKey, setEnabled] = [keyState, enabledState];
      const cached = useCached(key, fetcher, { enabled });
      refresh = cached.refresh;
      return h("p", null, `${key}|${cached.status}|${cached.isLoading}|${cached.data ?? "-"}`);
    }
    root.render(h(CacheProvider, { namespace: "hooks-enabled" }, h(Grab), h(Item)));
    await waitFor(() => cacheRef !== undefined);
    await sleep(50);
    const nullKey = { text: text(), calls };
    let before = renders;
    cacheRef.set("item", "written"); // nobody subscribed: no render
    await sleep(30);
    const nullKeyRenders = renders - before;

    setEnabled(false);
    setKey("item");
    await sleep(50);
    const disabled = { text: text(), calls };
    before = renders;
    cacheRef.set("item", "again");
    await sleep(30);
    const disabledRenders = renders - before;
    const disabledRefresh = await refresh().then(() => "resolved", (error) => error.code);

    setEnabled(true);
    await waitFor(() => text().startsWith("item|success"));
    const enabledFresh = { text: text(), calls }; // a fresh entry: served, no request
    setKey("other");
    await waitFor(() => text() === "other|success|false|v1");
    return { nullKey, nullKeyRenders, disabled, disabledRenders, disabledRefresh, enabledFresh, calls };
  });
  assert.deepEqual(result, {
    nullKey: { text: "null|pending|false|-", calls: 0 },
    nullKeyRenders: 0,
    disabled: { text: "item|pending|false|-", calls: 0 },
    disabledRenders: 0,
    disabledRefresh: "INVALID_OPTIONS",
    enabledFresh: { text: "item|success|false|again", calls: 0 },
    calls: 1,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("keepPreviousData shows the previous key's data, flagged isPlaceholderData, while the next key loads", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    const kept = [];
    const plain = [];
    const load = (page) => async () => {
      await sleep(60);
      return `page ${page}`;
    };
    function List({ page }) {
      const a = useCached(`list:${page}`, load(page), { keepPreviousData: true });
      const b = useCached(`list:${page}`, load(page));
      const show = (r) => `${r.data ?? "-"}${r.isPlaceholderData ? "*" : ""}|${r.status}`;
      if (kept.at(-1) !== show(a)) kept.push(show(a));
      if (plain.at(-1) !== show(b)) plain.push(show(b));
      return h("p", null, show(a));
    }
    const app = (page) => h(CacheProvider, { namespace: "hooks-keep" }, h(List, { page }));
    root.render(app(1));
    await waitFor(() => text() === "page 1|success");
    root.render(app(2));
    await waitFor(() => text() === "page 2|success");
    return { kept, plain };
  });
  assert.deepEqual(result.kept, ["-|pending", "page 1|success", "page 1*|success", "page 2|success"]);
  assert.deepEqual(result.plain, ["-|pending", "page 1|success", "-|pending", "page 2|success"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("status, isLoading and isFetching through a first load, a revalidation and a failed refetch", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    const seen = [];
    let failing = false;
    let cacheRef;
    function Grab() {
      cacheRef = useCache();
      return null;
    }
    function Balance() {
      const r = useCached("balance", async () => {
        await sleep(30);
        if (failing) throw new Error("boom");
        return "v1";
      }, { dedupMs: 0 });
      const line = `${r.status}/${r.isLoading}/${r.isFetching}/${r.data ?? "-"}/${r.error?.message ?? "-"}`;
      if (seen.at(-1) !== line) seen.push(line);
      return h("p", null, line);
    }
    root.render(h(CacheProvider, { namespace: "hooks-status" }, h(Balance), h(Grab)));
    await waitFor(() => text() === "success/false/false/v1/-");
    failing = true;
    cacheRef.invalidate("balance");
    await waitFor(() => text() === "error/false/false/v1/boom");
    return seen;
  });
  assert.equal(result[0], "pending/false/false/-/-", result.join(" | "));
  assert.ok(
    inOrder(result, ["pending/true/true/-/-", "success/false/false/v1/-", "success/false/true/v1/-", "error/false/false/v1/boom"]),
    result.join(" | "),
  );
  // Never loading with data, never an error without one of the states above.
  assert.ok(result.every((line) => !line.startsWith("success/true") && !line.startsWith("error/true")), result.join(" | "));
  assert.deepEqual(problems, []);
  await context.close();
});

test("select derives from the cached value, recomputed only when the value or the function changes; refresh resolves selected", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h, useState } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    let selects = 0;
    const count = (list) => {
      selects++;
      return { count: list.length };
    };
    const results = [];
    let rerender, cacheRef, refresh;
    function Count() {
      const [, tick] = useState(0);
      rerender = () => tick((n) => n + 1);
      cacheRef = useCache();
      const r = useCached("list", async () => [1, 2, 3], { select: count });
      // A value is there even when what select derives from it is undefined.
      const nothing = useCached("list", async () => [1, 2, 3], { select: () => undefined });
      refresh = r.refresh;
      results.push(r.data);
      return h("p", null, r.data ? `count ${r.data.count} (${nothing.status})` : "…");
    }
    root.render(h(CacheProvider, { namespace: "hooks-select" }, h(Count)));
    await waitFor(() => text() === "count 3 (success)");
    const afterLoad = selects;
    const first = results.at(-1);
    for (let i = 0; i < 3; i++) {
      rerender();
      await sleep(10);
    }
    const afterRerenders = { selects, same: results.at(-1) === first };
    cacheRef.set("list", [1, 2]);
    await waitFor(() => text() === "count 2 (success)");
    const afterSet = selects;
    const refreshed = await refresh();
    return { afterLoad, afterRerenders, afterSet, refreshed: refreshed.data };
  });
  assert.equal(result.afterLoad, 1);
  assert.deepEqual(result.afterRerenders, { selects: 1, same: true });
  assert.equal(result.afterSet, 2);
  assert.deepEqual(result.refreshed, { count: 3 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("initialData seeds the cache once with the call's set options: shared by every component, no request while fresh, never over a value", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useCache } = hooks;
    let calls = 0;
    const fetcher = async () => `fetched ${++calls}`;
    const seeded = [];
    let cacheRef;
    function Seeded() {
      const { data, status } = useCached("greeting", fetcher, { initialData: "seeded", tier: "local", tags: ["greetings"], staleMs: 60_000 });
      seeded.push(`${status}:${data}`);
      return h("p", null, `a:${data}`);
    }
    function Plain() {
      cacheRef = useCache();
      const { data } = useCached("greeting", fetcher);
      return h("p", null, `b:${data ?? "…"}`);
    }
    function Existing() {
      const { data } = useCached("existing", fetcher, { initialData: "not this" });
      return h("p", null, `c:${data ?? "…"}`);
    }
    const app = (...children) => h(CacheProvider, { namespace: "hooks-initial" }, h(Seeded), h(Plain), ...children);
    root.render(app());
    await waitFor(() => text() === "a:seededb:seeded");
    cacheRef.set("existing", "real");
    root.render(app(h(Existing)));
    await waitFor(() => text() === "a:seededb:seededc:real");
    await sleep(30);
    const info = cacheRef.peek("greeting");
    return {
      calls,
      seeded: [...new Set(seeded)],
      entry: [info.tier, info.tags, info.state],
      stored: Object.keys(localStorage).filter((k) => k.startsWith("cachebus:hooks-initial:")),
      existing: cacheRef.get("existing"),
    };
  });
  assert.deepEqual(result, {
    calls: 0,
    seeded: ["success:seeded"], // initialData before the cache is ready, then the seeded entry
    entry: ["local", ["greetings"], "fresh"],
    stored: ["cachebus:hooks-initial::greeting"],
    existing: "real",
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("revalidateOnMount: a component mounting over a fresh entry revalidates it when true; by default it is served", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    let calls = 0;
    const fetcher = async () => `v${++calls}`;
    function Quote({ label, revalidateOnMount }) {
      const { data } = useCached("quote", fetcher, { staleMs: 60_000, dedupMs: 0, revalidateOnMount });
      return h("p", null, `${label}:${data ?? "…"}`);
    }
    const app = (...children) => h(CacheProvider, { namespace: "hooks-mount" }, h(Quote, { label: "a" }), ...children);
    root.render(app());
    await waitFor(() => text() === "a:v1");
    root.render(app(h(Quote, { label: "b" })));
    await waitFor(() => text() === "a:v1b:v1");
    await sleep(50);
    const byDefault = calls;
    root.render(app(h(Quote, { label: "b" }), h(Quote, { label: "c", revalidateOnMount: true })));
    await waitFor(() => text() === "a:v2b:v2c:v2");
    return { byDefault, calls };
  });
  assert.deepEqual(result, { byDefault: 1, calls: 2 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("useMutation: idle, pending with the optimistic value shown, success with the stored value, error with the rollback, reset", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached, useMutation } = hooks;
    let failing = false;
    const committed = [];
    let api;
    const states = [];
    function Editor() {
      const { data } = useCached("post", async () => "draft");
      api = useMutation("post", {
        commit: async (value) => {
          committed.push(value);
          await sleep(30);
          if (failing) throw new Error("server said no");
          return `${value}!`;
        },
      });
      const line = `${api.status}|${api.isPending}|${api.data ?? "-"}|${api.error?.message ?? "-"}|${data ?? "…"}`;
      if (states.at(-1) !== line) states.push(line);
      return h("p", null, line);
    }
    root.render(h(CacheProvider, { namespace: "hooks-mutation" }, h(Editor)));
    await waitFor(() => text() === "idle|false|-|-|draft");
    api.mutate("published");
    await waitFor(() => text() === "success|false|published!|-|published!");
    failing = true;
    const rejected = await api.mutateAsync((post) => `${post}?`).then(() => "resolved", (error) => error.message);
    await waitFor(() => text() === "error|false|-|server said no|published!");
    api.reset();
    await waitFor(() => text() === "idle|false|-|-|published!");
    return { states, committed, rejected };
  });
  assert.deepEqual(result.committed, ["published", "published!?"]);
  assert.equal(result.rejected, "server said no");
  // The stored (or restored) value reaches the cache a tick before the call settles: a render
  // may show it while the call is still pending.
  const settling = new Set(["pending|true|-|-|published!"]);
  assert.deepEqual(
    result.states.filter((line) => !settling.has(line)),
    [
      "idle|false|-|-|…",
      "idle|false|-|-|draft",
      "pending|true|-|-|published",
      "success|false|published!|-|published!",
      "pending|true|-|-|published!?",
      "error|false|-|server said no|published!",
      "idle|false|-|-|published!",
    ],
    result.states.join(" | "),
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test("useSuspenseCached suspends while pending, then renders data; a failed load goes to the error boundary; removing the error retries", async () => {
  const { page, context } = await open();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const result = await page.evaluate(async () => {
    const { createElement: h, Component, Suspense } = React;
    const { CacheProvider, useSuspenseCached, useCache } = hooks;
    let boundary, cacheRef;
    class Boundary extends Component {
      state = { error: null };
      static getDerivedStateFromError(error) {
        return { error };
      }
      render() {
        boundary = this;
        return this.state.error ? h("p", null, `boundary: ${this.state.error.message}`) : this.props.children;
      }
    }
    const seen = [];
    // innerText: React hides (display: none) the shown content while a fallback replaces it.
    const shown = () => document.getElementById("root").innerText;
    const observer = new MutationObserver(() => shown() && seen.at(-1) !== shown() && seen.push(shown()));
    observer.observe(document.getElementById("root"), { childList: true, subtree: true, characterData: true });
    let calls = 0;
    let failing = false;
    function Grab() {
      cacheRef = useCache();
      return null;
    }
    function Post({ id }) {
      const { data } = useSuspenseCached(`post:${id}`, async () => {
        calls++;
        await sleep(40);
        if (failing) throw new Error(`no post ${id}`);
        return { title: `post ${id}` };
      });
      return h("p", null, data.title);
    }
    const app = (id) =>
      h(CacheProvider, { namespace: "hooks-suspense" }, h(Grab), h(Boundary, null, h(Suspense, { fallback: h("p", null, "suspended") }, h(Post, { id }))));
    root.render(app(1));
    await waitFor(() => shown() === "post 1");
    const loaded = { seen: [...seen], calls };
    failing = true;
    root.render(app(2));
    await waitFor(() => shown() === "boundary: no post 2");
    const failedCalls = calls;
    failing = false;
    await cacheRef.remove("post:2");
    boundary.setState({ error: null });
    await waitFor(() => shown() === "post 2");
    observer.disconnect();
    return { loaded, failedCalls, calls, seen };
  });
  assert.deepEqual(result.loaded, { seen: ["suspended", "post 1"], calls: 1 });
  assert.equal(result.failedCalls, 2);
  assert.equal(result.calls, 3);
  assert.ok(inOrder(result.seen, ["suspended", "post 1", "suspended", "boundary: no post 2", "suspended", "post 2"]), result.seen.join(" | "));
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("SSR: the provider's children render under Node with renderToString (pending, initialData), then hydrate in Chromium without a warning", async () => {
  const html = renderToString(createElement(SsrApp, { user: "alice" }));
  // The server has no cache: nothing fetched, the hooks pending, initialData in the HTML.
  assert.equal(
    html,
    '<main><!--$--><p id="balance">balance pending: …</p><p id="greeting">greeting success: hello from the server</p>' +
      '<button id="title" type="button">title idle</button><!--/$--></main>',
  );
  assert.deepEqual(serverCalls, []);
  const { page, context, problems } = await open();
  const result = await page.evaluate(async (html) => {
    const container = document.createElement("div"); // the page's #root already has a client root
    document.body.append(container);
    container.innerHTML = html;
    const nodes = ["balance", "greeting", "title"].map((id) => document.getElementById(id));
    const seen = [];
    const observer = new MutationObserver(() => seen.at(-1) !== container.textContent && seen.push(container.textContent));
    observer.observe(container, { childList: true, subtree: true, characterData: true });
    hydrateRoot(container, React.createElement(ssr.SsrApp, { user: "alice" }));
    await waitFor(() => container.textContent.includes("balance success: 100"));
    document.getElementById("title").click();
    await waitFor(() => container.textContent.includes("title success"));
    observer.disconnect();
    return {
      kept: nodes.map((node) => node.isConnected && node === document.getElementById(node.id)),
      calls: ssr.calls,
      seen,
    };
  }, html);
  // Hydrated, not replaced: the server's nodes are the ones updated; the greeting was seeded, not fetched.
  assert.deepEqual(result.kept, [true, true, true]);
  assert.deepEqual(result.calls, ["balance"]);
  assert.ok(
    inOrder(result.seen, [
      "balance pending (loading): …greeting success: hello from the servertitle idle",
      "balance success: 100greeting success: hello from the servertitle idle",
      "balance success: 100greeting success: hello from the servertitle success",
    ]),
    result.seen.join(" | "),
  );
  assert.deepEqual(problems, []); // a hydration mismatch is a console error or a page error
  await context.close();
});

test("a given fallback is what the server renders, and what the client hydrates", async () => {
  const { CacheProvider } = await import("cachebus/react");
  const tree = createElement(CacheProvider, { namespace: "hooks-ssr-fallback", fallback: createElement("p", null, "starting") }, createElement("p", null, "app"));
  const html = renderToString(tree);
  assert.equal(html, "<p>starting</p>");
});

test("a user switch keeps the subtree mounted and no render, DOM state or frame shows the previous user's data", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h, useEffect } = React;
    const { CacheProvider, useCached } = hooks;
    const renders = [];
    const frames = [];
    const dom = [];
    let mounts = 0;
    function Balance({ user }) {
      useEffect(() => void mounts++, []);
      const { data, status } = useCached("balance", async () => {
        await sleep(20);
        return `${user}'s balance`;
      }, { tier: "local", keepPreviousData: true });
      renders.push(`${user}:${status}:${data ?? "…"}`);
      return h("p", { id: "balance" }, data ?? "…");
    }
    const container = document.getElementById("root");
    const observer = new MutationObserver(() => dom.push(container.textContent));
    observer.observe(container, { childList: true, subtree: true, characterData: true });
    let sampling = true;
    const sample = () => {
      frames.push(container.textContent);
      if (sampling) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
    const app = (user) => h(CacheProvider, { namespace: "hooks-switch", user }, h(Balance, { user }));
    root.render(app("alice"));
    await waitFor(() => text() === "alice's balance");
    const node = document.getElementById("balance");
    const at = { renders: renders.length, dom: dom.length, frames: frames.length };
    root.render(app("bob"));
    await waitFor(() => text() === "bob's balance");
    await sleep(100); // a few frames of it
    root.render(app("alice")); // alice's entry is in localStorage: shown again from the cache
    await waitFor(() => text() === "alice's balance");
    sampling = false;
    observer.disconnect();
    return {
      mounts,
      sameNode: node === document.getElementById("balance") && node.isConnected,
      afterSwitch: { renders: renders.slice(at.renders), dom: dom.slice(at.dom), frames: frames.slice(at.frames) },
    };
  });
  assert.equal(result.mounts, 1, "the subtree was not remounted");
  assert.equal(result.sameNode, true, "the DOM was not replaced");
  const { renders, dom, frames } = result.afterSwitch;
  const bobs = renders.filter((r) => r.startsWith("bob:"));
  assert.ok(bobs.length > 0 && bobs.every((r) => r === "bob:pending:…" || r === "bob:success:bob's balance"), renders.join(" | "));
  const alices = renders.slice(renders.findIndex((r) => r.startsWith("bob:success")) + 1);
  assert.ok(alices.every((r) => r === "alice:pending:…" || r === "alice:success:alice's balance"), renders.join(" | "));
  // From the switch to bob's balance, the DOM changes once to the pending "…"; the frames show
  // alice's balance only until the render with bob is committed, never after the "…".
  const untilBob = (list) => list.slice(0, list.indexOf("bob's balance") + 1);
  assert.deepEqual(untilBob(dom), ["…", "bob's balance"], dom.join(" | "));
  const painted = untilBob(frames).filter((t, i, all) => t !== all[i - 1]);
  assert.ok(
    ["…|bob's balance", "alice's balance|…|bob's balance"].includes(painted.join("|")),
    frames.join(" | "),
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test("useRules and useConnect register while mounted, register again when their deps change, and clean up on unmount", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useRules, useConnect, useCache } = hooks;
    const sources = [];
    let closed = 0;
    let cacheRef;
    function Grab() {
      cacheRef = useCache();
      return null;
    }
    function Wiring({ shop }) {
      useRules({ "asset-created": () => ({ prefix: `assets:${shop}:` }) }, [shop]);
      useConnect(
        () => {
          const source = new EventTarget();
          source.close = () => closed++;
          sources.push(source);
          return source;
        },
        (message) => (message.type === "bump" ? { prefix: `assets:${shop}:` } : undefined),
        [shop],
      );
      return null;
    }
    const app = (...children) => h(CacheProvider, { namespace: "hooks-wiring" }, h(Grab), ...children);
    const states = () => ["assets:shop1:a", "assets:shop2:a"].map((key) => cacheRef.peek(key).state).join(",");
    const fresh = () => {
      cacheRef.set("assets:shop1:a", 1);
      cacheRef.set("assets:shop2:a", 1);
    };
    // Each push its own text: the same text from another source counts as the same push (D-41).
    let pushes = 0;
    const push = (source) => source.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ type: "bump", n: pushes++ }) }));
    root.render(app(h(Wiring, { shop: "shop1" })));
    await waitFor(() => cacheRef !== undefined && sources.length === 1);
    fresh();
    cacheRef.emit("asset-created");
    const shop1Rule = states();
    fresh();
    push(sources[0]);
    const shop1Push = states();

    root.render(app(h(Wiring, { shop: "shop2" })));
    await waitFor(() => sources.length === 2);
    fresh();
    cacheRef.emit("asset-created");
    push(sources[0]); // the first source was disconnected and closed
    const shop2Rule = states();
    fresh();
    push(sources[1]);
    const shop2Push = states();

    root.render(app());
    await sleep(20);
    fresh();
    cacheRef.emit("asset-created");
    push(sources[1]);
    return { shop1Rule, shop1Push, shop2Rule, shop2Push, unmounted: states(), sources: sources.length, closed };
  });
  assert.deepEqual(result, {
    shop1Rule: "stale,fresh",
    shop1Push: "stale,fresh",
    shop2Rule: "fresh,stale",
    shop2Push: "fresh,stale",
    unmounted: "fresh,fresh",
    sources: 2,
    closed: 2,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("initialData belongs to the user the component mounted under: after a user switch it is neither shown nor written", async () => {
  const { page, context, problems } = await open();
  const result = await page.evaluate(async () => {
    const { createElement: h } = React;
    const { CacheProvider, useCached } = hooks;
    const renders = [];
    const calls = [];
    let cacheRef;
    function Profile({ user }) {
      const cached = useCached("profile", async () => {
        calls.push(user);
        return `${user}'s profile, fetched`;
      }, { initialData: "alice's profile, from the server", staleMs: 60_000 });
      renders.push(`${user}:${cached.data ?? "…"}`);
      return h("p", null, cached.data ?? "…");
    }
    function Grab() {
      cacheRef = hooks.useCache();
      return null;
    }
    const app = (user) => h(CacheProvider, { namespace: "hooks-initial-user", user }, h(Grab), h(Profile, { user }));
    root.render(app("alice"));
    await waitFor(() => cacheRef !== undefined && cacheRef.get("profile") === "alice's profile, from the server");
    root.render(app("bob"));
    await waitFor(() => text() === "bob's profile, fetched");
    return { renders, calls, bob: cacheRef.get("profile") };
  });
  assert.deepEqual(result.calls, ["bob"]);
  assert.equal(result.bob, "bob's profile, fetched");
  const bobs = result.renders.filter((r) => r.startsWith("bob:"));
  assert.ok(bobs.every((r) => r === "bob:…" || r === "bob:bob's profile, fetched"), result.renders.join(" | "));
  assert.deepEqual(problems, []);
  await context.close();
});
