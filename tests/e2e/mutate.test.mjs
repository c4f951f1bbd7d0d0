// cache.mutate in real Chromium: optimistic values at once, commit results, rollbacks, ordering.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/** A fresh page with `window.cache` (user alice) and `later(ms, value, fail?)`, a delayed answer. */
async function open(ns) {
  const context = await env.browser.newContext();
  const defineLater = () => {
    window.later = (ms, value, fail) =>
      new Promise((resolve, reject) => setTimeout(() => (fail ? reject(new Error(value)) : resolve(value)), ms));
  };
  return { context, ...(await openCachePage(context, env.server.url, { namespace: ns, user: "alice" }, defineLater)) };
}

test("the optimistic value shows at once; the commit's result is stored; the updater gets the previous value", async () => {
  const { page, context, problems } = await open("optimistic");
  const result = await page.evaluate(async () => {
    cache.set("count", 1, { tier: "idb", tags: ["counts"] });
    const seen = [];
    cache.subscribe("count", () => seen.push(cache.get("count")));
    const pending = cache.mutate("count", (n) => n + 1, { commit: () => later(30, 10) });
    const atOnce = cache.get("count");
    const resolved = await pending;
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { atOnce, resolved, stored: cache.get("count"), seen, tier: cache.peek("count").tier, tags: cache.peek("count").tags };
  });
  assert.deepEqual(result, { atOnce: 2, resolved: 10, stored: 10, seen: [2, 10], tier: "idb", tags: ["counts"] });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a mutation keeps the entry's lifetimes; a commit that returns nothing keeps the optimistic value", async () => {
  const { page, context, problems } = await open("lifetimes");
  const result = await page.evaluate(async () => {
    cache.set("counts", { pending: 6 }, { tier: "local", ttlMs: 120_000, staleMs: 5_000 });
    const lifetimes = () => {
      const { updatedAt, staleAt, expiresAt } = cache.peek("counts");
      return [staleAt - updatedAt, expiresAt - updatedAt];
    };
    const resolved = await cache.mutate("counts", (c) => ({ pending: c.pending + 1 }), { commit: () => later(5, undefined) });
    const afterMutate = lifetimes();
    cache.set("forever", 1);
    await cache.mutate("forever", 2);
    const { staleAt, expiresAt } = cache.peek("forever");
    return { resolved, stored: cache.get("counts"), afterMutate, forever: [staleAt, expiresAt] };
  });
  assert.deepEqual(result, {
    resolved: { pending: 7 },
    stored: { pending: 7 },
    afterMutate: [5_000, 120_000],
    forever: [null, null],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a failed commit restores the previous value and rethrows its error", async () => {
  const { page, context } = await open("rollback");
  const result = await page.evaluate(async () => {
    cache.set("post", { title: "draft" });
    const outcome = await cache
      .mutate("post", { title: "published" }, { commit: () => later(10, "server said no", true) })
      .then(() => "resolved", (error) => error.message);
    const restored = cache.get("post");
    const kept = await cache
      .mutate("post", { title: "kept" }, { commit: () => later(10, "no", true), rollbackOnError: false })
      .catch(() => cache.get("post"));
    const fresh = await cache.mutate("brand-new", 1, { commit: () => later(5, "no", true) }).catch(() => cache.get("brand-new") ?? "removed");
    return { outcome, restored, kept, fresh };
  });
  assert.deepEqual(result, {
    outcome: "server said no",
    restored: { title: "draft" },
    kept: { title: "kept" },
    fresh: "removed",
  });
  await context.close();
});

test("two overlapping mutations settle in the order they started, whatever their commits' speed", async () => {
  const { page, context } = await open("ordering");
  const result = await page.evaluate(async () => {
    cache.set("balance", 100);
    const order = [];
    const slow = cache.mutate("balance", 90, { commit: () => later(80, 91) }).then((v) => order.push(["slow", v]));
    const fast = cache.mutate("balance", 80, { commit: () => later(5, 81) }).then((v) => order.push(["fast", v]));
    const shownWhilePending = cache.get("balance");
    await new Promise((resolve) => setTimeout(resolve, 40)); // the fast commit is done, the slow one is not
    const shownAfterFastCommit = cache.get("balance");
    await Promise.all([slow, fast]);
    const final = cache.get("balance");

    cache.set("other", "original");
    const failures = [];
    await Promise.all([
      cache.mutate("other", "first", { commit: () => later(40, "a", true) }).catch(() => failures.push("first")),
      cache.mutate("other", "second", { commit: () => later(5, "b", true) }).catch(() => failures.push("second")),
    ]);
    return { shownWhilePending, shownAfterFastCommit, order, final, failures, afterFailures: cache.get("other") };
  });
  assert.deepEqual(result, {
    shownWhilePending: 80,
    shownAfterFastCommit: 80, // the fast commit waits for the slow one to settle first
    order: [
      ["slow", 91],
      ["fast", 81],
    ],
    final: 81,
    failures: ["first", "second"],
    afterFailures: "original",
  });
  await context.close();
});

test("a mutation overtakes a fetch in flight: the fetch's older answer is not stored", async () => {
  const { page, context } = await open("mutate-fetch");
  const result = await page.evaluate(async () => {
    const fetching = cache.fetch("todo", () => later(50, "server (old)"));
    await cache.mutate("todo", "edited", { commit: () => later(5, "server (edited)") });
    const fetched = await fetching;
    return { fetched, stored: cache.get("todo") };
  });
  assert.deepEqual(result, { fetched: "server (edited)", stored: "server (edited)" });
  await context.close();
});

test("a set, remove or invalidation made while a commit is in flight stands, whatever the commit brings, in every tier", async () => {
  const { page, context, problems } = await open("mutate-superseded");
  const outcomes = await page.evaluate(async () => {
    const changes = {
      set: (key, tier) => cache.set(key, "later", { tier }),
      remove: (key) => cache.remove(key),
      invalidate: (key) => cache.invalidate(key),
    };
    const outcomes = {};
    for (const tier of ["memory", "local", "idb"]) {
      for (const [name, change] of Object.entries(changes)) {
        for (const fails of [false, true]) {
          const key = `${tier}:${name}:${fails ? "failed" : "committed"}`;
          cache.set(key, "before", { tier });
          // The commit answers once the change is made, not after a guessed delay.
          let answer;
          const commit = () => new Promise((resolve, reject) => (answer = () => (fails ? reject(new Error("no")) : resolve("server"))));
          const mutating = cache.mutate(key, "optimistic", { commit }).catch(() => "rejected");
          await change(key, tier);
          answer();
          const resolved = await mutating;
          await cache.flush();
          const next = await cachebus.createCache({ namespace: cache.namespace, user: "alice" }); // a next page load
          outcomes[key] = {
            resolved,
            held: [cache.get(key) ?? null, cache.peek(key)?.state ?? null],
            stored: tier === "memory" ? undefined : (await next.read(key)) ?? null,
          };
          next.close();
        }
      }
    }
    return outcomes;
  });
  for (const [key, outcome] of Object.entries(outcomes)) {
    const [tier, change, settled] = key.split(":");
    const resolved = settled === "failed" ? "rejected" : "server";
    const held = { set: ["later", "fresh"], remove: [null, null], invalidate: ["optimistic", "stale"] }[change];
    const stored = tier === "memory" ? undefined : held[0];
    assert.deepEqual(outcome, { resolved, held, stored }, key);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("another tab's write made while a commit is in flight stands in both tabs", async () => {
  const context = await env.browser.newContext();
  const options = { namespace: "mutate-other-tab", user: "alice" };
  const [a, b] = [await openCachePage(context, env.server.url, options), await openCachePage(context, env.server.url, options)];
  await a.page.evaluate(() => cache.set("title", "before", { tier: "local" }));
  await a.page.evaluate(() => {
    window.mutating = cache.mutate("title", "optimistic", { commit: () => new Promise((resolve) => (window.answer = resolve)) });
  });
  await b.page.evaluate(() => cache.set("title", "theirs", { tier: "local" }));
  await a.page.waitForFunction(() => cache.get("title") === "theirs"); // the write reached tab A: now the commit answers
  assert.equal(await a.page.evaluate(() => (answer("server"), mutating)), "server", "the caller is answered");
  const views = await Promise.all([a, b].map(({ page }) => page.evaluate(() => cache.get("title"))));
  assert.deepEqual(views, ["theirs", "theirs"], "the commit's answer is not written over the later write");
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});
