// Background revalidation in real Chromium: focus and visibility (the browser's own event types,
// dispatched), back online (Playwright takes the context offline and online for real),
// refreshIntervalMs, and cache.revalidate(target). All go through dedup; each is opt-out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/** A fresh page; `window.calls[key]` counts fetcher calls of `window.fetcherFor(key)`. */
async function open(ns, options = {}) {
  const context = await env.browser.newContext();
  const helpers = () => {
    window.calls = {};
    window.fetcherFor = (key) => async () => (window.calls[key] = (window.calls[key] ?? 0) + 1);
    window.settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { context, ...(await openCachePage(context, env.server.url, { namespace: ns, ...options }, helpers)) };
}

test("focus and visibility revalidate subscribed keys that opted in, throttled", async () => {
  const { page, context, problems } = await open("focus", { focusThrottleMs: 200 });
  const result = await page.evaluate(async () => {
    const noWindow = { dedupMs: 0 };
    for (const key of ["watched", "optedOut", "unwatched"]) {
      await cache.fetch(key, fetcherFor(key), key === "optedOut" ? { ...noWindow, revalidateOnFocus: false } : noWindow);
    }
    cache.subscribe("watched", () => {});
    cache.subscribe("optedOut", () => {});
    dispatchEvent(new Event("focus"));
    await settle();
    const afterFocus = { ...calls };
    dispatchEvent(new Event("focus")); // within the throttle
    document.dispatchEvent(new Event("visibilitychange"));
    await settle();
    const throttled = calls.watched;
    await new Promise((resolve) => setTimeout(resolve, 250));
    document.dispatchEvent(new Event("visibilitychange")); // the page is visible: revalidate
    await settle();
    return { afterFocus, throttled, afterVisible: calls.watched };
  });
  assert.deepEqual(result, {
    afterFocus: { watched: 2, optedOut: 1, unwatched: 1 },
    throttled: 2,
    afterVisible: 3,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("coming back online revalidates subscribed keys, through dedup", async () => {
  const { page, context } = await open("online");
  await page.evaluate(async () => {
    await cache.fetch("live", fetcherFor("live"), { dedupMs: 0 });
    await cache.fetch("deduped", fetcherFor("deduped"), { dedupMs: 60_000 });
    await cache.fetch("optedOut", fetcherFor("optedOut"), { dedupMs: 0, revalidateOnReconnect: false });
    for (const key of ["live", "deduped", "optedOut"]) cache.subscribe(key, () => {});
  });
  await context.setOffline(true);
  await context.setOffline(false);
  await page.evaluate(() => settle());
  assert.deepEqual(await page.evaluate(() => calls), { live: 2, deduped: 1, optedOut: 1 });
  await context.close();
});

test("refreshIntervalMs refetches while subscribed, pauses while hidden unless asked, stops on unsubscribe", async () => {
  const { page, context } = await open("interval");
  const result = await page.evaluate(async () => {
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await cache.fetch("poll", fetcherFor("poll"), { dedupMs: 0, refreshIntervalMs: 30 });
    await wait(100);
    const unsubscribedYet = calls.poll;
    const stop = cache.subscribe("poll", () => {});
    await wait(200);
    const polling = calls.poll;
    // Headless Chromium keeps every page visible and offers no way to hide one: this is the one
    // place the tests stand in for the browser, by overriding what the page reports.
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    await wait(30);
    const hiddenFrom = calls.poll;
    await wait(150);
    const whileHidden = calls.poll - hiddenFrom;
    await cache.fetch("poll", fetcherFor("poll"), { dedupMs: 0, refreshIntervalMs: 30, refreshWhenHidden: true, force: true });
    const askedFrom = calls.poll;
    await wait(150);
    const hiddenButAsked = calls.poll - askedFrom;
    delete document.visibilityState;
    stop();
    const stoppedAt = calls.poll;
    await wait(150);
    return { unsubscribedYet, polling, whileHidden, hiddenButAsked, afterStop: calls.poll - stoppedAt };
  });
  assert.equal(result.unsubscribedYet, 1, "no interval without subscribers");
  assert.ok(result.polling >= 4, `polled ${result.polling} times in 200 ms at 30 ms`);
  assert.equal(result.whileHidden, 0, "paused while hidden");
  assert.ok(result.hiddenButAsked >= 3, `refreshWhenHidden kept polling: ${result.hiddenButAsked}`);
  assert.equal(result.afterStop, 0);
  await context.close();
});

test("revalidate(target) refetches the matching subscribed keys only, through dedup", async () => {
  const { page, context } = await open("target");
  const result = await page.evaluate(async () => {
    for (const key of ["assets:fonts", "assets:colors", "assets:unwatched", "balance"]) {
      await cache.fetch(key, fetcherFor(key), { dedupMs: 0 });
    }
    await cache.fetch("assets:recent", fetcherFor("assets:recent"), { dedupMs: 60_000 });
    for (const key of ["assets:fonts", "assets:colors", "assets:recent", "balance"]) cache.subscribe(key, () => {});
    cache.revalidate({ prefix: "assets:" });
    await settle();
    return calls;
  });
  assert.deepEqual(result, {
    "assets:fonts": 2,
    "assets:colors": 2,
    "assets:unwatched": 1,
    balance: 1,
    "assets:recent": 1,
  });
  await context.close();
});
