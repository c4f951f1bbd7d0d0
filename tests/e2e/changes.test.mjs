// cachebus:change events on window and cache.subscribe, in real Chromium.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApi } from "./api.mjs";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const api = createApi();
const env = useBrowser(() => startPackageServer({ api }));

/** A fresh page with `window.cachebus`, `window.cache` (user alice) and `window.events` (change details). */
async function open(ns) {
  const context = await env.browser.newContext();
  const recordChanges = () => {
    window.events = [];
    addEventListener("cachebus:change", (event) => window.events.push(event.detail));
  };
  return { context, ...(await openCachePage(context, env.server.url, { namespace: ns, user: "alice" }, recordChanges)) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("changes are CustomEvents on window: one per run of a kind, however many keys or calls", async () => {
  const { page, context, problems } = await open("events");
  const events = await page.evaluate(async () => {
    for (let i = 0; i < 1000; i++) cache.set(`assets:shop1:${i % 3}`, i, { tags: ["assets"] });
    cache.invalidate({ pattern: "assets:*" });
    await new Promise((resolve) => setTimeout(resolve, 0));
    cache.set("short", 1, { ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    cache.get("short");
    await cache.remove({ prefix: "assets:shop1:1" });
    await cache.switchUser("bob");
    await new Promise((resolve) => setTimeout(resolve, 0));
    return window.events;
  });
  const shape = (e) => [e.kind, e.user, e.keys.sort().join(","), e.tags.join(","), e.namespace, e.origin];
  assert.deepEqual(events.map(shape), [
    ["set", "alice", "assets:shop1:0,assets:shop1:1,assets:shop1:2", "assets", "events", "local"],
    ["invalidate", "alice", "assets:shop1:0,assets:shop1:1,assets:shop1:2", "assets", "events", "local"],
    ["set", "alice", "short", "", "events", "local"],
    ["expire", "alice", "short", "", "events", "local"],
    ["remove", "alice", "assets:shop1:1", "assets", "events", "local"],
    ["clear", "alice", "assets:shop1:0,assets:shop1:2", "assets", "events", "local"],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("subscribe: the listener runs on each change of its key only, and stops when unsubscribed", async () => {
  const { page, context } = await open("subscribe");
  await tick();
  const result = await page.evaluate(async () => {
    const seen = [];
    const stop = cache.subscribe("balance", () => seen.push(cache.peek("balance")?.state ?? "gone"));
    cache.subscribe("other", () => seen.push("other"));
    const wait = () => new Promise((resolve) => setTimeout(resolve, 0));
    cache.set("balance", 1);
    await wait();
    cache.invalidate("balance");
    await wait();
    cache.set("unrelated", 1);
    await wait();
    await cache.remove("balance");
    await wait();
    stop();
    cache.set("balance", 2);
    await wait();
    return seen;
  });
  assert.deepEqual(result, ["fresh", "stale", "gone"]);
  await context.close();
});

test("subscribe: the listener runs when its entry turns stale and when it expires, with no call in between", async () => {
  const { page, context, problems } = await open("transitions");
  const result = await page.evaluate(async () => {
    const seen = [];
    cache.set("quote", 1, { staleMs: 40, ttlMs: 120 });
    await new Promise((resolve) => setTimeout(resolve, 0)); // the set's own notification has passed
    const off = cache.subscribe("quote", () => seen.push(cache.peek("quote")?.state ?? "gone"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    off();
    cache.set("quote", 2, { staleMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return seen;
  });
  // stale at 40 ms, gone at 120 ms; nothing after unsubscribing
  assert.deepEqual(result, ["stale", "gone"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("subscribe: a fetch that stores or fails notifies; a 304 does not", async () => {
  const { page, context } = await open("subscribe-fetch");
  const result = await page.evaluate(async () => {
    const seen = [];
    cache.subscribe("item", () => seen.push(cache.peek("item")?.error ? "error" : "value"));
    const wait = () => new Promise((resolve) => setTimeout(resolve, 0));
    const options = { staleMs: 0, dedupMs: 0 };
    await cache.fetch("item", cachebus.httpJson("/api/items/s1"), options);
    await wait();
    await cache.fetch("item", cachebus.httpJson("/api/items/s1"), options); // 304
    await wait();
    await cache.fetch("item", () => Promise.reject(new Error("down")), options).catch(() => {});
    await wait();
    return seen;
  });
  assert.deepEqual(result, ["value", "error"]);
  await context.close();
});

test("subscribe: a 304 that makes an invalidated entry fresh again notifies", async () => {
  const { page, context } = await open("subscribe-fresh-again");
  const result = await page.evaluate(async () => {
    const seen = [];
    cache.subscribe("item", () => seen.push(cache.peek("item").state));
    const wait = () => new Promise((resolve) => setTimeout(resolve, 0));
    const options = { staleMs: 60_000, dedupMs: 0 };
    await cache.fetch("item", cachebus.httpJson("/api/items/s2"), options);
    await wait();
    cache.invalidate("item");
    await wait();
    await cache.fetch("item", cachebus.httpJson("/api/items/s2"), options); // 304
    await wait();
    return seen;
  });
  assert.deepEqual(result, ["fresh", "stale", "fresh"]);
  await context.close();
});

test("a listener that throws is reported as an error event and does not stop the others", async () => {
  const { page, context, problems } = await open("throwing");
  const result = await page.evaluate(async () => {
    const reported = [];
    addEventListener("error", (event) => {
      reported.push(event.error?.message);
      event.preventDefault();
    });
    const seen = [];
    cache.subscribe("k", () => {
      throw new Error("listener bug");
    });
    cache.subscribe("k", () => seen.push("second"));
    cache.set("k", 1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    cache.set("k", 2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { reported, seen, value: cache.get("k") };
  });
  assert.deepEqual(result, { reported: ["listener bug", "listener bug"], seen: ["second", "second"], value: 2 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("tags stay each write's own across thousands of tag lists: entries, events and invalidations agree", async () => {
  const { page, context, problems } = await open("tag-lists");
  const result = await page.evaluate(async () => {
    // More lists than the engine numbers before starting its table over (core/tag_lists.rs),
    // then the first lists again: a number given before the restart must not name them now.
    const lists = Array.from({ length: 4200 }, (_, i) => (i % 2 ? [`t${i}`, "shared"] : [`t${i}`]));
    lists.forEach((tags, i) => cache.set(`k${i}`, i, { tags }));
    lists.slice(0, 10).forEach((tags, i) => cache.set(`again${i}`, i, { tags, tier: "local" }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const wrong = lists.flatMap((tags, i) => (cache.peek(`k${i}`).tags.join() === tags.join() ? [] : [i]));
    const wrongAgain = lists.slice(0, 10).flatMap((tags, i) => (cache.peek(`again${i}`).tags.join() === tags.join() ? [] : [i]));
    const setEvent = window.events.find((e) => e.kind === "set");
    window.events.length = 0;
    cache.invalidate({ tags: ["t3"] });
    cache.invalidate({ tags: ["t4199"] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const stale = cache.keys().filter((key) => cache.peek(key).state === "stale").sort();
    return { wrong, wrongAgain, tagsInEvent: setEvent.tags.length, stale, invalidated: window.events.map((e) => [e.kind, e.keys.sort().join()]) };
  });
  assert.deepEqual(result, {
    wrong: [],
    wrongAgain: [],
    tagsInEvent: 4201, // t0…t4199 and "shared"
    stale: ["again3", "k3", "k4199"],
    invalidated: [["invalidate", "again3,k3,k4199"]],
  });
  assert.deepEqual(problems, []);
  await context.close();
});
