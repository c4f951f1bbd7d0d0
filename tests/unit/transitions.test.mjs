// Transitions (src/ts/internal/transitions.ts): one timer per subscribed key, set just past the
// entry's next change by time (fresh → stale at staleAt, gone at expiresAt), under node:test's
// mock clock. The engine decides the state when peeked; here `peek` is scripted over time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Transitions } from "../../pkg/internal/transitions.js";

/** A stand-in for Subscriptions: the subscribed keys, and the keys notified. */
function subscriptionsOf(...keys) {
  const subscribed = new Set(keys);
  const notified = [];
  return {
    subscribed,
    notified,
    has: (key) => subscribed.has(key),
    isEmpty: () => subscribed.size === 0,
    notify: (keys) => notified.push(...keys),
  };
}

/** An entry that is fresh until `staleAt`, stale until `expiresAt`, then gone; records each peek's instant. */
function entry({ staleAt = null, expiresAt = null }) {
  const peeks = [];
  const peek = () => {
    const now = Date.now();
    peeks.push(now);
    if (expiresAt !== null && now >= expiresAt) return undefined;
    return { state: staleAt !== null && now >= staleAt ? "stale" : "fresh", staleAt, expiresAt };
  };
  return { peek, peeks };
}

const START = 1_000;
const useClock = (t) => t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: START });
/** Moves the mock clock on by `ms`, a millisecond at a time: one big tick would run every timer due at its end instant. */
const advance = (t, ms) => {
  for (let i = 0; i < ms; i++) t.mock.timers.tick(1);
};

test("a subscribed fresh entry's subscribers are notified just past its staleAt", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  const transitions = new Transitions(entry({ staleAt: 1_100 }).peek, subscriptions);
  transitions.sync("k");
  t.mock.timers.tick(100);
  assert.deepEqual(subscriptions.notified, [], "at staleAt itself the entry may still read fresh");
  t.mock.timers.tick(1);
  assert.deepEqual(subscriptions.notified, ["k"]);
});

test("once stale, the timer moves to expiresAt; an entry gone then is not notified here (its expiry is a change the engine announces)", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  const { peek, peeks } = entry({ staleAt: 1_100, expiresAt: 1_500 });
  const transitions = new Transitions(peek, subscriptions);
  transitions.sync("k");
  advance(t, 1_000);
  assert.deepEqual(subscriptions.notified, ["k"], "notified once: turning stale");
  assert.ok(peeks.includes(1_501), `peeked just past expiresAt: ${peeks}`);
});

test("an entry without staleAt is timed for its expiresAt", (t) => {
  useClock(t);
  const { peek, peeks } = entry({ expiresAt: 1_200 });
  new Transitions(peek, subscriptionsOf("k")).sync("k");
  advance(t, 1_000);
  assert.deepEqual(peeks.slice(1), [1_201]);
});

test("an entry that never changes by itself (no staleAt, no expiresAt) gets no timer", (t) => {
  useClock(t);
  const { peek, peeks } = entry({});
  new Transitions(peek, subscriptionsOf("k")).sync("k");
  advance(t, 1_000);
  assert.deepEqual(peeks, [START], "only the sync's own peek");
});

test("an unsubscribed key has no timer, and the sync after its last listener goes clears the running one", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf();
  const { peek, peeks } = entry({ staleAt: 1_100 });
  const transitions = new Transitions(peek, subscriptions);
  transitions.sync("k");
  assert.deepEqual(peeks, [], "not subscribed: not even peeked");
  subscriptions.subscribed.add("k");
  transitions.sync("k");
  subscriptions.subscribed.delete("k");
  transitions.sync("k");
  t.mock.timers.tick(1_000);
  assert.deepEqual(subscriptions.notified, []);
});

test("syncing again for the same instant keeps one timer: one notification", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  const transitions = new Transitions(entry({ staleAt: 1_100 }).peek, subscriptions);
  transitions.sync("k");
  transitions.sync("k");
  transitions.syncAll(["k"]);
  t.mock.timers.tick(1_000);
  assert.deepEqual(subscriptions.notified, ["k"]);
});

test("a rewritten entry moves its timer to the new instant", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  let current = entry({ staleAt: 1_100 });
  const transitions = new Transitions(() => current.peek(), subscriptions);
  transitions.sync("k");
  current = entry({ staleAt: 1_300 }); // a set with a longer staleMs
  transitions.sync("k");
  t.mock.timers.tick(200);
  assert.deepEqual(subscriptions.notified, [], "nothing at the old instant");
  t.mock.timers.tick(101);
  assert.deepEqual(subscriptions.notified, ["k"]);
});

test("an instant past setTimeout's longest delay is not scheduled (Node and browsers would fire it at once)", async () => {
  // Real timers: an over-long delay overflows to 1 ms, which is what this guards against.
  const subscriptions = subscriptionsOf("k");
  const staleAt = Date.now() + 2 ** 31 + 1_000;
  const transitions = new Transitions(() => ({ state: "fresh", staleAt, expiresAt: null }), subscriptions);
  transitions.sync("k");
  await new Promise((resolve) => setTimeout(resolve, 20));
  transitions.stop();
  assert.deepEqual(subscriptions.notified, []);
});

test("a peek that throws (the cache was closed) counts as no entry: no timer, nothing thrown", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  const transitions = new Transitions(() => {
    throw new Error("CLOSED");
  }, subscriptions);
  assert.doesNotThrow(() => transitions.sync("k"));
  advance(t, 1_000);
  assert.deepEqual(subscriptions.notified, []);
});

test("syncAll costs nothing per key while no key is subscribed and no timer runs (a write loop's thousands of keys)", () => {
  const { peek, peeks } = entry({ staleAt: 1_100 });
  const subscriptions = subscriptionsOf();
  let lookups = 0;
  const has = subscriptions.has;
  subscriptions.has = (key) => (lookups += 1, has(key));
  new Transitions(peek, subscriptions).syncAll(["a", "b", "c"]);
  assert.deepEqual(peeks, []);
  assert.equal(lookups, 0, "not even a subscriber lookup per key");
});

test("syncAll still clears a key's timer after its last subscriber went", (t) => {
  // The early return must not skip a timer left running: no key is subscribed, one timer runs.
  useClock(t);
  const subscriptions = subscriptionsOf("k");
  const transitions = new Transitions(entry({ staleAt: 1_100 }).peek, subscriptions);
  transitions.sync("k");
  subscriptions.subscribed.delete("k");
  transitions.syncAll(["k"]);
  t.mock.timers.tick(1_000);
  assert.deepEqual(subscriptions.notified, []);
});

test("stop clears every timer", (t) => {
  useClock(t);
  const subscriptions = subscriptionsOf("a", "b");
  const transitions = new Transitions(entry({ staleAt: 1_100 }).peek, subscriptions);
  transitions.sync("a");
  transitions.sync("b");
  transitions.stop();
  t.mock.timers.tick(1_000);
  assert.deepEqual(subscriptions.notified, []);
});
