// Reads and writes of the core's values (src/ts/internal/values.ts): the core answers a failed `get`,
// `observe` or `set` with its failure marker, and the error comes from `takeFailure`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getValue, observeValue, setValue, useFailureMarker } from "../../pkg/internal/values.js";

test("a read answered with the core's failure marker throws the error the core kept; any other answer is the value", () => {
  const marker = {};
  const refused = new Error("refused");
  let taken = 0;
  const inner = { get: () => marker, observe: () => marker, takeFailure: () => (taken++, refused) };
  assert.equal(getValue(inner, "k"), marker, "before the module is loaded, no answer is the marker");
  useFailureMarker(marker);
  assert.throws(() => getValue(inner, "k"), refused);
  assert.throws(() => observeValue(inner, "k"), refused);
  assert.equal(taken, 2);
  const values = { get: () => undefined, observe: () => ({ ...marker }), takeFailure: () => assert.fail("nothing failed") };
  assert.equal(getValue(values, "k"), undefined, "a miss");
  assert.deepEqual(observeValue(values, "k"), {}, "an object like the marker is a value");
});

test("a write answered with the core's failure marker throws the error the core kept; undefined is done", () => {
  const marker = {};
  useFailureMarker(marker);
  const refused = new Error("refused");
  const calls = [];
  const refusing = { set: (...args) => (calls.push(args), marker), takeFailure: () => refused };
  assert.throws(() => setValue(refusing, "k", 1, [0, 5, undefined, 3, "e"]), refused);
  assert.deepEqual(calls, [["k", 1, 0, 5, undefined, 3, "e"]], "the write arguments go to set, flat");
  const storing = { set: () => undefined, takeFailure: () => assert.fail("nothing failed") };
  assert.equal(setValue(storing, "k", 1, [undefined, undefined, undefined, undefined, undefined]), undefined);
});

test("reads pass the key and the time, read just before the call", () => {
  const calls = [];
  const inner = { get: (...args) => (calls.push(args), 1), observe: (...args) => (calls.push(args), 2), takeFailure: () => assert.fail("nothing failed") };
  const before = Date.now();
  assert.equal(getValue(inner, "a"), 1);
  assert.equal(observeValue(inner, "b"), 2);
  const after = Date.now();
  assert.deepEqual(calls.map(([key]) => key), ["a", "b"]);
  for (const [, now] of calls) assert.ok(now >= before && now <= after, `${now} is the time of the call`);
});
