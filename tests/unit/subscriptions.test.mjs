// Subscriptions (src/ts/internal/subscriptions.ts): who listens to which key, and a throwing
// listener's error going to the platform's reportError instead of stopping the others.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { Subscriptions } from "../../pkg/internal/subscriptions.js";

// Browsers have a global reportError (an `error` event on window); Node 20 has none. Each test
// gets a recording one, the only platform function this module uses.
let reported;
beforeEach(() => {
  reported = [];
  globalThis.reportError = (error) => reported.push(error);
});
afterEach(() => {
  delete globalThis.reportError;
});

test("notify calls every listener of each key given, and no other key's", () => {
  const subscriptions = new Subscriptions();
  const calls = [];
  subscriptions.add("a", () => calls.push("a1"));
  subscriptions.add("a", () => calls.push("a2"));
  subscriptions.add("b", () => calls.push("b"));
  subscriptions.add("c", () => calls.push("c"));
  subscriptions.notify(["a", "c", "unknown"]);
  assert.deepEqual(calls, ["a1", "a2", "c"]);
});

test("a throwing subscriber is reported and does not stop the others, of its key or the next", () => {
  const subscriptions = new Subscriptions();
  const calls = [];
  const failure = new Error("render failed");
  subscriptions.add("a", () => {
    throw failure;
  });
  subscriptions.add("a", () => calls.push("a2"));
  subscriptions.add("b", () => calls.push("b"));
  subscriptions.notify(["a", "b"]);
  assert.deepEqual(calls, ["a2", "b"]);
  assert.deepEqual(reported, [failure]);
});

test("the listener removed by its function is no longer called; the others still are", () => {
  const subscriptions = new Subscriptions();
  const calls = [];
  const remove = subscriptions.add("a", () => calls.push("first"));
  subscriptions.add("a", () => calls.push("second"));
  remove();
  subscriptions.notify(["a"]);
  assert.deepEqual(calls, ["second"]);
  assert.equal(subscriptions.has("a"), true);
});

test("a key is forgotten when its last listener goes (has, keys, isEmpty)", () => {
  const subscriptions = new Subscriptions();
  assert.equal(subscriptions.isEmpty(), true);
  const removeA = subscriptions.add("a", () => {});
  const removeB = subscriptions.add("b", () => {});
  assert.deepEqual([...subscriptions.keys()], ["a", "b"]);
  removeA();
  assert.equal(subscriptions.has("a"), false);
  assert.deepEqual([...subscriptions.keys()], ["b"]);
  removeB();
  assert.equal(subscriptions.isEmpty(), true);
});

test("a stale remove function, called again after the key was subscribed anew, leaves the new listeners alone", () => {
  // React's effects may run a cleanup twice; the key's new set must survive it.
  const subscriptions = new Subscriptions();
  const calls = [];
  const removeOld = subscriptions.add("a", () => calls.push("old"));
  removeOld();
  subscriptions.add("a", () => calls.push("new"));
  removeOld();
  assert.equal(subscriptions.has("a"), true);
  subscriptions.notify(["a"]);
  assert.deepEqual(calls, ["new"]);
});

test("a listener added during a notify is not called in that round; one removed during it still is", () => {
  // Listeners are called from a copy of the key's set, so a listener that subscribes (a render
  // mounting a component) cannot make the round run forever.
  const subscriptions = new Subscriptions();
  const calls = [];
  let removeSecond;
  subscriptions.add("a", () => {
    calls.push("first");
    subscriptions.add("a", () => calls.push("added"));
    removeSecond();
  });
  removeSecond = subscriptions.add("a", () => calls.push("second"));
  subscriptions.notify(["a"]);
  assert.deepEqual(calls, ["first", "second"]);
});

test("the same listener added twice to a key is one subscription", () => {
  const subscriptions = new Subscriptions();
  let calls = 0;
  const listener = () => (calls += 1);
  subscriptions.add("a", listener);
  subscriptions.add("a", listener);
  subscriptions.notify(["a"]);
  assert.equal(calls, 1);
});
