// cache.fetch in real Chromium against a real HTTP server: dedup, windows, overtaken fetches,
// errors and retries, ETags and 304s through httpJson.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApi } from "./api.mjs";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const api = createApi();
const env = useBrowser(() => startPackageServer({ api }));

/** A fresh page (empty storage) with `window.cachebus` and `window.cache` (namespace `ns`, user alice). */
async function open(ns) {
  const context = await env.browser.newContext();
  return { context, ...(await openCachePage(context, env.server.url, { namespace: ns, user: "alice" })) };
}

const served = (path) => api.requests.filter((r) => r.path === path);

test("1,000 concurrent fetches of a key make one fetcher call; a fresh hit makes none", async () => {
  const { page, context, problems } = await open("dedup");
  const result = await page.evaluate(async () => {
    let calls = 0;
    const fetcher = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { n: calls };
    };
    const answers = await Promise.all(Array.from({ length: 1000 }, () => cache.fetch("k", fetcher)));
    const same = answers.every((a) => a === answers[0]);
    const again = await cache.fetch("k", fetcher);
    return { calls, same, first: answers[0], againSame: again === answers[0], fetches: cache.stats().fetches };
  });
  assert.deepEqual(result, {
    calls: 1,
    same: true,
    first: { n: 1 },
    againSame: true,
    // one run; 999 callers joined it; the later call was served from the fresh entry
    fetches: { started: 1, joined: 999, served: 1, shared: 0 },
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a finished fetch serves stale callers within dedupMs; invalidate, set and force bypass it", async () => {
  const { page, context } = await open("window");
  const result = await page.evaluate(async () => {
    let calls = 0;
    const fetcher = async () => ++calls;
    const options = { staleMs: 0, dedupMs: 60_000 };
    const first = await cache.fetch("k", fetcher, options);
    const staleButDeduped = [cache.peek("k").state, await cache.fetch("k", fetcher, options)];
    cache.invalidate("k");
    const afterInvalidate = await cache.fetch("k", fetcher, options);
    cache.set("k", 100, { staleMs: 0 });
    const afterSet = await cache.fetch("k", fetcher, options);
    const forced = await cache.fetch("k", fetcher, { ...options, force: true });
    const shortWindow = { staleMs: 0, dedupMs: 0 };
    const noWindow = await cache.fetch("k", fetcher, shortWindow);
    const fetches = cache.stats().fetches;
    return { first, staleButDeduped, afterInvalidate, afterSet, forced, noWindow, calls, fetches };
  });
  assert.deepEqual(result, {
    first: 1,
    staleButDeduped: ["stale", 1],
    afterInvalidate: 2,
    afterSet: 3,
    forced: 4,
    noWindow: 5,
    calls: 5,
    fetches: { started: 5, joined: 0, served: 1, shared: 0 },
  });
  await context.close();
});

test("an invalidation during a fetch aborts it, stores nothing of it, and callers get a later answer", async () => {
  const { page, context } = await open("overtaken");
  const result = await page.evaluate(async () => {
    const signals = [];
    let calls = 0;
    const fetcher = async ({ signal }) => {
      const n = ++calls;
      signals.push(signal);
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 100 : 10));
      return `answer ${n}`;
    };
    cache.set("k", "old", { staleMs: 0 });
    const waiting = [cache.fetch("k", fetcher), cache.fetch("k", fetcher)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    cache.invalidate("k");
    const firstAborted = signals[0].aborted;
    const answers = await Promise.all(waiting);
    return { firstAborted, answers, stored: cache.get("k"), calls };
  });
  assert.deepEqual(result, {
    firstAborted: true,
    answers: ["answer 2", "answer 2"],
    stored: "answer 2",
    calls: 2,
  });
  await context.close();
});

test("a call joins the fetch in flight only while the engine would: not after a change of its key, a user switch or close", async () => {
  const { page, context } = await open("joins");
  const result = await page.evaluate(async () => {
    let calls = 0;
    const fetcher = async () => {
      const n = ++calls;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return `answer ${n}`;
    };
    cache.set("k", "old", { staleMs: 0 });
    const first = cache.fetch("k", fetcher);
    const joined = cache.fetch("k", fetcher);
    cache.invalidate("k");
    const afterInvalidate = cache.fetch("k", fetcher);
    const callsAfterInvalidate = calls;
    const answers = await Promise.all([first, joined, afterInvalidate]);
    const alice = cache.fetch("j", fetcher).catch((error) => error.code);
    const switched = cache.switchUser("bob");
    const bob = cache.fetch("j", fetcher);
    const callsAfterSwitch = calls;
    await switched;
    answers.push(...(await Promise.all([alice, bob])));
    const fetches = cache.stats().fetches;
    const late = cache.fetch("late", fetcher).catch((error) => error.code);
    cache.close();
    // A join of "late" is refused like any call after close (rejected: fetch never throws).
    const closed = await cache.fetch("late", fetcher).catch((error) => error.code);
    return { sameFlight: first === joined, callsAfterInvalidate, callsAfterSwitch, answers, fetches, closed, late: await late };
  });
  assert.deepEqual(result, {
    sameFlight: true,
    callsAfterInvalidate: 2, // the invalidation outdated fetch 1: the next call starts fetch 2
    callsAfterSwitch: 4, // alice's fetch of "j" is not bob's to join
    // callers of the outdated fetch 1 get fetch 2's answer; alice's fetch 3 was outlived by the
    // switch: its caller gets nothing of it (nor of bob's fetch 4)
    answers: ["answer 2", "answer 2", "answer 2", "SCOPE_CHANGED", "answer 4"],
    fetches: { started: 4, joined: 1, served: 0, shared: 0 },
    closed: "CLOSED",
    late: "CLOSED",
  });
  await context.close();
});

test("a set during a fetch wins: its value is what callers get, the late answer is dropped", async () => {
  const { page, context } = await open("set-wins");
  const result = await page.evaluate(async () => {
    const fetcher = () => new Promise((resolve) => setTimeout(() => resolve("late"), 50));
    const waiting = cache.fetch("k", fetcher);
    cache.set("k", "written");
    return { answer: await waiting, stored: cache.get("k") };
  });
  assert.deepEqual(result, { answer: "written", stored: "written" });
  await context.close();
});

test("a late answer for alice is never stored under bob, and alice's fetcher never runs for bob", async () => {
  const { page, context } = await open("users-fetch");
  const result = await page.evaluate(async () => {
    const runs = [];
    // A closure of alice's session, as an app's fetcher is: it ignores its signal.
    const aliceFetcher = async () => {
      runs.push(cache.user);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return "alice: 1000 tokens";
    };
    const alice = cache.fetch("balance", aliceFetcher, { tier: "local" });
    const joined = cache.fetch("balance", aliceFetcher, { tier: "local" });
    await cache.switchUser("bob");
    const settled = await Promise.allSettled([alice, joined]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const stored = Object.keys(localStorage).filter((k) => k.startsWith("cachebus:users-fetch:"));
    return {
      callers: settled.map((r) => (r.status === "rejected" ? `${r.reason.name} ${r.reason.code}` : r.value)),
      runs,
      bobSees: cache.get("balance") ?? "nothing",
      bobPeeks: cache.peek("balance") ?? "nothing",
      stored,
    };
  });
  assert.deepEqual(result, {
    callers: ["CacheError SCOPE_CHANGED", "CacheError SCOPE_CHANGED"],
    runs: ["alice"],
    bobSees: "nothing",
    bobPeeks: "nothing",
    stored: [],
  });
  await context.close();
});

test("a failing fetcher rejects callers with its error, keeps the value, shows the error, retries if asked", async () => {
  const { page, context } = await open("errors");
  const result = await page.evaluate(async () => {
    const boom = new Error("boom");
    let calls = 0;
    cache.set("k", "kept", { staleMs: 0 });
    const failing = async () => {
      calls++;
      throw boom;
    };
    const rejected = await Promise.allSettled([cache.fetch("k", failing), cache.fetch("k", failing)]);
    const info = cache.peek("k");
    const callsAfterFailure = calls;
    await cache.fetch("k", failing).catch(() => {});
    const notDeduplicated = calls - callsAfterFailure;

    let attempts = 0;
    const flaky = async () => (++attempts < 3 ? Promise.reject(new Error("flaky")) : "recovered");
    const recovered = await cache.fetch("k", flaky, { retry: { count: 2, baseDelayMs: 5 } });
    return {
      sameError: rejected.every((r) => r.status === "rejected" && r.reason === boom),
      callsAfterFailure,
      notDeduplicated,
      kept: info && cache.get("k") !== undefined,
      peekError: info.error === boom,
      errorAt: typeof info.errorAt,
      attempts,
      recovered,
      errorCleared: cache.peek("k").error === undefined,
    };
  });
  assert.deepEqual(result, {
    sameError: true,
    callsAfterFailure: 1,
    notDeduplicated: 1,
    kept: true,
    peekError: true,
    errorAt: "number",
    attempts: 3,
    recovered: "recovered",
    errorCleared: true,
  });
  await context.close();
});

test("httpJson sends If-None-Match, a 304 keeps the value and extends it, the ETag is stored", async () => {
  const { page, context } = await open("etag");
  api.requests.length = 0;
  const first = await page.evaluate(async () => {
    const fetcher = cachebus.httpJson("/api/items/a1");
    const value = await cache.fetch("item", fetcher, { ttlMs: 60_000, staleMs: 0, dedupMs: 0 });
    return { value, etag: cache.peek("item").etag, expiresAt: cache.peek("item").expiresAt };
  });
  assert.deepEqual(first.value, { id: "a1", version: 1 });
  assert.equal(first.etag, '"a1-1"');
  const revalidated = await page.evaluate(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = cache.get("item");
    const value = await cache.fetch("item", cachebus.httpJson("/api/items/a1"), { ttlMs: 60_000, staleMs: 0, dedupMs: 0 });
    return { sameObject: value === before, expiresAt: cache.peek("item").expiresAt };
  });
  assert.equal(revalidated.sameObject, true, "304: the cached object itself, unchanged");
  assert.ok(revalidated.expiresAt > first.expiresAt, "304: the lifetime restarted");
  api.bump("a1");
  const changed = await page.evaluate(async () => {
    const value = await cache.fetch("item", cachebus.httpJson("/api/items/a1"), { staleMs: 0, dedupMs: 0 });
    return { value, etag: cache.peek("item").etag };
  });
  assert.deepEqual(changed, { value: { id: "a1", version: 2 }, etag: '"a1-2"' });
  assert.deepEqual(
    served("/api/items/a1").map((r) => [r.ifNoneMatch, r.status]),
    [
      [null, 200],
      ['"a1-1"', 304],
      ['"a1-1"', 200],
    ],
  );
  await context.close();
});

test("httpJson rejects with typed errors on a 500 and on a body that is not JSON; the cache stays usable", async () => {
  const { page, context } = await open("http-errors");
  const result = await page.evaluate(async () => {
    const describe = async (path) => {
      try {
        await cache.fetch(path, cachebus.httpJson(path));
        return "resolved";
      } catch (error) {
        return [error instanceof cachebus.HttpError, error instanceof cachebus.CacheError, error.code, error.status];
      }
    };
    return {
      fail: await describe("/api/fail"),
      notJson: await describe("/api/not-json"),
      stillWorks: await cache.fetch("ok", cachebus.httpJson("/api/items/ok")),
    };
  });
  assert.deepEqual(result, {
    fail: [true, true, "HTTP_STATUS", 500],
    notJson: [true, true, "INVALID_JSON", 200],
    stillWorks: { id: "ok", version: 1 },
  });
  await context.close();
});

test("a slow response: stale value served meanwhile, one request for concurrent callers", async () => {
  const { page, context } = await open("slow");
  api.requests.length = 0;
  const result = await page.evaluate(async () => {
    const fetcher = cachebus.httpJson("/api/items/slow1?delay=150");
    await cache.fetch("slow", fetcher, { staleMs: 0 });
    cache.invalidate("slow");
    const pending = Promise.all([cache.fetch("slow", fetcher), cache.fetch("slow", fetcher)]);
    const meanwhile = [cache.peek("slow").state, cache.get("slow")];
    const answers = await pending;
    return { meanwhile, answers };
  });
  assert.deepEqual(result.meanwhile, ["stale", { id: "slow1", version: 1 }]);
  assert.deepEqual(result.answers, [{ id: "slow1", version: 1 }, { id: "slow1", version: 1 }]);
  assert.equal(served("/api/items/slow1").length, 2, "one request to fill, one to revalidate");
  await context.close();
});
