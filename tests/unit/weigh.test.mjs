// The budget weight of a value (src/web/weigh.js, imported by the wasm): close to the length of
// its JSON text, counted without building it, and never throwing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { weigh } from "../../src/web/weigh.js";

const json = (value) => JSON.stringify(value).length;

test("a value weighs about the length of its JSON text", () => {
  const values = [
    "",
    "x".repeat(1000),
    { id: 7, text: "value 7 ".padEnd(1000, "x") },
    [1, 2, 3],
    { nested: { list: ["a", "b"], flag: true, none: null } },
    Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })),
  ];
  for (const value of values) {
    const ratio = weigh(value) / json(value);
    assert.ok(ratio > 0.7 && ratio < 1.5, `${json(value)} characters weigh ${weigh(value)}`);
  }
});

test("what JSON leaves out weighs nothing; holes and undefined items weigh as null", () => {
  assert.equal(weigh(undefined), 0);
  assert.equal(weigh(() => 1), 0);
  assert.equal(weigh(Symbol("s")), 0);
  assert.equal(weigh({ f: () => 1, u: undefined }), json({ f: () => 1, u: undefined }));
  assert.equal(weigh([undefined]), json([undefined]));
});

test("a cycle, a throwing getter or a throwing proxy never throws", () => {
  const cycle = { name: "loop" };
  cycle.self = cycle;
  assert.ok(Number.isFinite(weigh(cycle)));
  assert.equal(weigh({ get boom() { throw new Error("getter"); } }), 0);
  assert.equal(weigh(new Proxy({}, { ownKeys() { throw new Error("trap"); } })), 0);
  assert.ok(weigh(10n) > 0, "a BigInt, which JSON refuses, still weighs something");
});

test("an integer weighs its decimal text exactly, up to 15 digits", () => {
  for (const n of [0, 7, -7, 10, 99, 100, -1000, 123456, 99999999999999, 999999999999999, -999999999999999]) {
    assert.equal(weigh(n), String(n).length, String(n));
  }
});
