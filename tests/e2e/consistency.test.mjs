// The one promise under concurrency, in real Chromium: a change outdates every fetch it covers
// (entry or not), a fetch never outlives its user, across tabs the newer change wins, one push
// costs one request for all tabs (one per tab alone), a failed first load shows its error, and logout leaves nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser, useWebSocketServer } from "./harness.mjs";

const env = useBrowser(startPackageServer);
const ws = useWebSocketServer();

/** A tab of `context` with `window.cache` for `namespace` and `user` (and `options`), and `window.sleep`. */
function tab(context, namespace, user = "alice", options = {}) {
  return openCachePage(context, env.server.url, { namespace, user, ...options }, () => {
    window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  });
}

test("an invalidation or removal outdates a first fetch in flight, whatever its target: the old answer is never stored", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context, "first-fetch");
  const targets = [
    { invalidate: "assets:shop1:fonts" },
    { invalidate: { prefix: "assets:" } },
    { invalidate: { pattern: "assets:*:fonts" } },
    { invalidate: { tags: ["assets"] } },
    { invalidate: { all: true } },
    { remove: "assets:shop1:fonts" },
    { remove: { prefix: "assets:shop1:" } },
    { remove: { tags: ["assets"] } },
  ];
  const results = await page.evaluate(async (targets) => {
    const key = "assets:shop1:fonts";
    const results = [];
    for (const target of targets) {
      let calls = 0;
      let release;
      const serverAnswered = new Promise((resolve) => (release = resolve));
      const signals = [];
      // The server answers the list as it was when the request left, whatever the signal says.
      const fetcher = async ({ signal }) => {
        const n = ++calls;
        signals.push(signal);
        if (n === 1) await serverAnswered;
        return `list ${n}`;
      };
      const answer = cache.fetch(key, fetcher, { tier: "local", tags: ["assets"] });
      await sleep(5);
      const count = target.remove ? await cache.remove(target.remove) : cache.invalidate(target.invalidate);
      const aborted = signals[0].aborted;
      release();
      const got = await answer;
      const persisted = JSON.parse(localStorage.getItem(`cachebus:first-fetch:alice:${key}`) ?? "null")?.d;
      results.push({ count, aborted, got, calls, held: cache.get(key), persisted });
      await cache.remove({ all: true });
    }
    return results;
  }, targets);
  for (const [i, result] of results.entries()) {
    assert.deepEqual(
      result,
      // nothing to count (no entry yet), but the fetch is covered: aborted, its answer dropped,
      // and its callers get the answer of a fetch that started after the change
      { count: 0, aborted: true, got: "list 2", calls: 2, held: "list 2", persisted: "list 2" },
      JSON.stringify(targets[i]),
    );
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a fetch never outlives its user: quick switches reject its callers, never re-run it, store nothing", async () => {
  const context = await env.browser.newContext();
  const { page } = await tab(context, "switches");
  const result = await page.evaluate(async () => {
    const runs = [];
    const fetcher = async () => {
      const user = cache.user;
      runs.push(user);
      await sleep(60);
      return `${user}'s balance`;
    };
    const waiting = cache.fetch("balance", fetcher, { tier: "local" }).catch((error) => error.code);
    for (const user of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]) await cache.switchUser(user);
    const caller = await waiting;
    await sleep(80);
    const stored = Object.keys(localStorage).filter((k) => k.startsWith("cachebus:switches:"));
    return { caller, runs, held: cache.get("balance") ?? "nothing", stored };
  });
  assert.deepEqual(result, { caller: "SCOPE_CHANGED", runs: ["alice"], held: "nothing", stored: [] });
  await context.close();
});

test("after a user switch, focus and interval revalidations never run the previous user's fetcher", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context, "revalidate-switch");
  const result = await page.evaluate(async () => {
    const runs = [];
    // The app's fetcher, a closure of alice's session; the key stays subscribed across the switch.
    const aliceFetcher = async () => (runs.push(cache.user), "alice: 1000 tokens");
    cache.subscribe("balance", () => {});
    await cache.fetch("balance", aliceFetcher, { refreshIntervalMs: 30, dedupMs: 0 });
    await cache.switchUser("bob");
    dispatchEvent(new Event("focus"));
    await sleep(120); // several interval ticks
    return { runs, bobSees: cache.get("balance") ?? "nothing" };
  });
  assert.deepEqual(result, { runs: ["alice"], bobSees: "nothing" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("across tabs the newer change wins: a late answer never overwrites another tab's later write", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "newer-wins");
  const b = await tab(context, "newer-wins");
  const started = b.page.evaluate(async () => {
    const answer = await cache.fetch("k", async () => (await sleep(150), "B's older answer"), { tier: "local" });
    await sleep(50);
    return answer;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await a.page.evaluate(() => cache.set("k", "A's write", { tier: "local" }));
  const bCaller = await started;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const inA = await a.page.evaluate(() => cache.get("k"));
  const inB = await b.page.evaluate(() => cache.get("k"));
  const stored = await a.page.evaluate(() => JSON.parse(localStorage.getItem("cachebus:newer-wins:alice:k")).d);
  assert.deepEqual({ bCaller, inA, inB, stored }, {
    bCaller: "A's write", // its fetch was overtaken by the write it heard of; it is served the write
    inA: "A's write",
    inB: "A's write",
    stored: "A's write",
  });
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});

// Each tab's subscriber refetches on the push's invalidation, never once per tab per tab (each
// tab hearing every other's push). Alone, each tab fetches once. Coordinated, one tab fetches for
// all when the copies of the push reach the tabs close together; a tab whose own copy lands after
// another tab's answer cannot tell that answer saw the push, and fetches too (a shared source, as
// the balance demo uses, makes it one request exactly: demo-balance.test.mjs).
for (const coordinateTabs of [true, false]) {
  const mode = coordinateTabs ? "coordinated tabs: at most one per tab, in all" : "tabs alone: one per tab";
  test(`one push to tabs that each connect to the source costs one refetch (${mode}), not one per tab per tab`, async () => {
    const context = await env.browser.newContext();
    const connected = ws.sockets.length;
    const port = ws.port;
    const tabs = [];
    for (let i = 0; i < 3; i++) {
      const t = await tab(context, `fan-out-${coordinateTabs}`, "alice", { coordinateTabs });
      await t.page.evaluate(async (port) => {
        window.requests = 0;
        window.invalidations = 0;
        addEventListener("cachebus:change", (e) => e.detail.kind === "invalidate" && invalidations++);
        const fetchBalance = () =>
          cache.fetch("balance", async () => (++requests, { tokens: 100 - requests }), { tags: ["balance"], dedupMs: 0 });
        cache.subscribe("balance", () => cache.peek("balance")?.state === "stale" && void fetchBalance());
        await fetchBalance();
        requests = 0;
        const socket = new WebSocket(`ws://127.0.0.1:${port}`);
        await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
        cache.connect(socket, (data) => (data.type === "token-balance-updated" ? { tags: ["balance"] } : undefined));
      }, port);
      tabs.push(t);
    }
    const sockets = ws.sockets.slice(connected);
    assert.equal(sockets.length, 3);
    const counts = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return Promise.all(tabs.map((t) => t.page.evaluate(() => ({ requests, invalidations }))));
    };
    // After `pushes` pushes: each tab invalidated once per push and refetched at most once per push.
    const check = (seen, pushes) => {
      assert.deepEqual(seen.map((c) => c.invalidations), [pushes, pushes, pushes]);
      const requests = seen.map((c) => c.requests);
      if (coordinateTabs) {
        assert.ok(requests.every((n) => n <= pushes), `requests per tab ${requests}`);
        assert.ok(requests.reduce((a, b) => a + b) >= pushes, `requests per tab ${requests}`);
      } else {
        assert.deepEqual(requests, [pushes, pushes, pushes]);
      }
    };
    for (const socket of sockets) socket.send(JSON.stringify({ type: "token-balance-updated" }));
    check(await counts(), 1);
    // A second spend with the very same message is a second push, and is applied once more.
    for (const socket of sockets) socket.send(JSON.stringify({ type: "token-balance-updated" }));
    check(await counts(), 2);
    const shown = await Promise.all(tabs.map((t) => t.page.evaluate(() => cache.get("balance"))));
    assert.equal(new Set(shown.map((v) => JSON.stringify(v))).size, 1, "every tab shows the same balance");
    assert.deepEqual(tabs.flatMap((t) => t.problems), []);
    await context.close();
  });
}

test("a failed first load leaves its error for peek and subscribers until a value arrives", async () => {
  const context = await env.browser.newContext();
  const { page } = await tab(context, "first-error");
  const result = await page.evaluate(async () => {
    let heard = 0;
    cache.subscribe("k", () => heard++);
    const boom = new Error("HTTP 500");
    const rejected = await cache.fetch("k", async () => Promise.reject(boom)).catch((error) => error === boom);
    await sleep(0);
    const info = cache.peek("k");
    const failed = { state: info.state, error: info.error === boom, errorAt: typeof info.errorAt, value: cache.get("k") };
    const keys = cache.keys();
    await cache.fetch("k", async () => "recovered");
    return { rejected, failed, keys, heard, after: [cache.peek("k").state, cache.peek("k").error, cache.get("k")] };
  });
  assert.deepEqual(result, {
    rejected: true,
    failed: { state: "error", error: true, errorAt: "number", value: undefined },
    keys: [], // an error record is no entry
    heard: 2, // the failure, then the value
    after: ["fresh", undefined, "recovered"],
  });
  await context.close();
});

test("logout as the README says leaves nothing: no fetch in flight stores anything, in any tier or tab", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "logout-recipe");
  const b = await tab(context, "logout-recipe");
  const slowBalance = () =>
    cache
      .fetch("balance", async () => (await sleep(120), "alice: 1000 tokens"), { tier: "local" })
      .catch((error) => error.code);
  await b.page.evaluate(() => {
    cache.set("orders", ["o1"], { tier: "local" });
    window.late = cache.fetch("balance", async () => (await sleep(120), "alice: 1000"), { tier: "local" }).catch((e) => e.code);
  });
  const inA = await a.page.evaluate(async (slowBalance) => {
    cache.set("profile", { name: "Alice" }, { tier: "idb" });
    cache.subscribe("balance", () => {});
    const pending = eval(slowBalance)();
    await sleep(10);
    // The README's logout recipe.
    const previous = cache.user;
    await cache.switchUser(undefined);
    await cache.clearUser(previous);
    return { caller: await pending };
  }, `(${slowBalance})`);
  const inB = await b.page.evaluate(async () => {
    const caller = await late;
    await sleep(100);
    return { caller, held: cache.keys(), balance: cache.get("balance") ?? "nothing" };
  });
  const left = await a.page.evaluate(async () => {
    await sleep(50);
    const stored = Object.keys(localStorage).filter((k) => k.startsWith("cachebus:logout-recipe:alice:"));
    await cache.switchUser("alice");
    return { stored, readBack: [await cache.read("profile"), await cache.read("balance"), await cache.read("orders")] };
  });
  assert.deepEqual(inA, { caller: "SCOPE_CHANGED" });
  assert.deepEqual(inB, { caller: "SCOPE_CHANGED", held: [], balance: "nothing" });
  assert.deepEqual(left, { stored: [], readBack: [undefined, undefined, undefined] });
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});
