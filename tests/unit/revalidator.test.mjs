// Revalidator (src/ts/internal/revalidator.ts): which subscribed keys a focus, a return to
// visibility, a reconnect or an interval revalidates, against a page of plain EventTargets (the
// constructor's `page`) and a stand-in for Flights that records the revalidations.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Revalidator } from "../../pkg/internal/revalidator.js";

/** A page: window and document as EventTargets; `visibilityState` is writable here. */
function pageOf(visibilityState = "visible") {
  return { window: new EventTarget(), document: Object.assign(new EventTarget(), { visibilityState }) };
}

/**
 * A stand-in for Flights and Subscriptions: `fetched` maps each key to the options of its last
 * fetch, `subscribed` lists the keys with listeners; `revalidated` records the keys revalidated.
 */
function setup(options = {}) {
  const { fetched = {}, throttleMs = 5_000 } = options;
  const subscribed = options.subscribed ?? Object.keys(fetched);
  const page = "page" in options ? options.page : pageOf(); // `page: undefined`: outside a page
  const known = new Map(Object.entries(fetched).map(([key, options]) => [key, { fetcher: () => key, options }]));
  const keys = new Set(subscribed);
  const revalidated = [];
  const flights = { known: (key) => known.get(key), revalidate: (key) => revalidated.push(key) };
  const subscriptions = { has: (key) => keys.has(key), keys: () => keys.values() };
  const revalidator = new Revalidator(flights, subscriptions, throttleMs, page);
  return { revalidator, revalidated, page, keys, known };
}

const fire = (target, type) => target.dispatchEvent(new Event(type));

test("outside a page (no window) it listens to nothing, and stops cleanly", () => {
  assert.equal(typeof window, "undefined");
  const flights = { known: () => undefined, revalidate: () => assert.fail("nothing triggers") };
  const revalidator = new Revalidator(flights, { has: () => false, keys: () => [].values() }, 0);
  assert.doesNotThrow(() => revalidator.stop());
});

test("without a page argument, the global window and document are the page", (t) => {
  const page = pageOf();
  globalThis.window = page.window;
  globalThis.document = page.document;
  t.after(() => {
    delete globalThis.window;
    delete globalThis.document;
  });
  const revalidated = [];
  const flights = { known: () => ({ options: {} }), revalidate: (key) => revalidated.push(key) };
  new Revalidator(flights, { has: () => true, keys: () => ["k"].values() }, 0);
  fire(page.window, "focus");
  assert.deepEqual(revalidated, ["k"]);
});

test("focus revalidates every subscribed key whose last fetch did not opt out", () => {
  const { page, revalidated } = setup({
    fetched: { a: {}, b: { revalidateOnFocus: false }, c: { revalidateOnFocus: true } },
  });
  fire(page.window, "focus");
  assert.deepEqual(revalidated, ["a", "c"]);
});

test("a key fetched but not subscribed, or subscribed but never fetched, is not revalidated", () => {
  const { page, revalidated } = setup({ fetched: { a: {} }, subscribed: ["b"] });
  fire(page.window, "focus");
  fire(page.window, "online");
  assert.deepEqual(revalidated, []);
});

test("visibilitychange revalidates when the page turns visible, not when it turns hidden", () => {
  const { page, revalidated } = setup({ fetched: { a: {} }, throttleMs: 0 });
  page.document.visibilityState = "hidden";
  fire(page.document, "visibilitychange");
  assert.deepEqual(revalidated, []);
  page.document.visibilityState = "visible";
  fire(page.document, "visibilitychange");
  assert.deepEqual(revalidated, ["a"]);
});

test("a focus while the page is hidden revalidates nothing", () => {
  const { page, revalidated } = setup({ fetched: { a: {} }, page: pageOf("hidden") });
  fire(page.window, "focus");
  assert.deepEqual(revalidated, []);
});

test("focus and visibilitychange share one throttle: none within focusThrottleMs of the last, one after", (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 10_000 });
  const { page, revalidated } = setup({ fetched: { a: {} }, throttleMs: 5_000 });
  fire(page.window, "focus");
  t.mock.timers.tick(4_999);
  fire(page.document, "visibilitychange"); // a focus usually comes with one: one revalidation, not two
  fire(page.window, "focus");
  assert.deepEqual(revalidated, ["a"]);
  t.mock.timers.tick(1);
  fire(page.window, "focus");
  assert.deepEqual(revalidated, ["a", "a"]);
});

test("online revalidates subscribed keys unless their fetch opted out, unthrottled even right after a focus", () => {
  const { page, revalidated } = setup({ fetched: { a: {}, b: { revalidateOnReconnect: false, revalidateOnFocus: false } } });
  fire(page.window, "focus");
  fire(page.window, "online");
  fire(page.window, "online");
  assert.deepEqual(revalidated, ["a", "a", "a"]);
});

test("sync starts an interval of the fetch's refreshIntervalMs for a subscribed key", (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { revalidator, revalidated } = setup({ fetched: { a: { refreshIntervalMs: 100 } } });
  revalidator.sync("a");
  t.mock.timers.tick(99);
  assert.deepEqual(revalidated, []);
  t.mock.timers.tick(1);
  assert.deepEqual(revalidated, ["a"]);
  t.mock.timers.tick(200);
  assert.deepEqual(revalidated, ["a", "a", "a"]);
  revalidator.stop();
});

test("an interval is skipped while the page is hidden, unless the fetch asked for refreshWhenHidden", (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { revalidator, revalidated, page } = setup({
    fetched: { a: { refreshIntervalMs: 100 }, b: { refreshIntervalMs: 100, refreshWhenHidden: true } },
    page: pageOf("hidden"),
  });
  revalidator.sync("a");
  revalidator.sync("b");
  t.mock.timers.tick(100);
  assert.deepEqual(revalidated, ["b"]);
  page.document.visibilityState = "visible";
  t.mock.timers.tick(100);
  assert.deepEqual(revalidated, ["b", "a", "b"]);
  revalidator.stop();
});

test("outside a page, intervals run (nothing is hidden)", (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { revalidator, revalidated } = setup({ fetched: { a: { refreshIntervalMs: 100 } }, page: undefined });
  revalidator.sync("a");
  t.mock.timers.tick(100);
  assert.deepEqual(revalidated, ["a"]);
  revalidator.stop();
});

test("a refreshIntervalMs of 0, below 0 or NaN starts no interval", async () => {
  // Real timers: such an interval would run every millisecond (the mock clock would spin on it).
  const { revalidator, revalidated } = setup({
    fetched: { zero: { refreshIntervalMs: 0 }, negative: { refreshIntervalMs: -100 }, nan: { refreshIntervalMs: NaN } },
  });
  for (const key of ["zero", "negative", "nan"]) revalidator.sync(key);
  await new Promise((resolve) => setTimeout(resolve, 20));
  revalidator.stop();
  assert.deepEqual(revalidated, []);
});

test("sync stops the interval once the key has no subscribers, and moves it when the period changes", (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { revalidator, revalidated, keys, known } = setup({ fetched: { a: { refreshIntervalMs: 100 } } });
  revalidator.sync("a");
  known.set("a", { fetcher: () => "a", options: { refreshIntervalMs: 300 } }); // fetched again, another period
  revalidator.sync("a");
  t.mock.timers.tick(299);
  assert.deepEqual(revalidated, [], "the 100 ms interval is gone");
  t.mock.timers.tick(1);
  assert.deepEqual(revalidated, ["a"]);
  keys.delete("a");
  revalidator.sync("a");
  t.mock.timers.tick(1_000);
  assert.deepEqual(revalidated, ["a"]);
});

test("stop removes the page's listeners and clears the intervals", (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { revalidator, revalidated, page } = setup({ fetched: { a: { refreshIntervalMs: 100 } }, throttleMs: 0 });
  revalidator.sync("a");
  revalidator.stop();
  fire(page.window, "focus");
  fire(page.document, "visibilitychange");
  fire(page.window, "online");
  t.mock.timers.tick(1_000);
  assert.deepEqual(revalidated, []);
});
