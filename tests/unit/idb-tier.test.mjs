// The `idb` tier's pure parts (src/ts/internal/idb-tier.ts). Its requests and transactions are
// tested against real IndexedDB in Chromium (tests/e2e/tiers.test.mjs, idb-faults.test.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { prefixUpperBound } from "../../pkg/internal/idb-tier.js";

test("a prefix range ends just above every key with the prefix", () => {
  assert.equal(prefixUpperBound("assets:"), "assets;");
  assert.equal(prefixUpperBound("a\uffff"), "b", "a U+FFFF unit carries into the one before");
  assert.equal(prefixUpperBound(""), undefined);
  assert.equal(prefixUpperBound("\uffff\uffff"), undefined);
  // An astral character is two units; the bound increments the low surrogate.
  assert.equal(prefixUpperBound("😀"), "\ud83d\ude01");
  for (const key of ["assets:", "assets:shop1", "assets:\uffff\uffffx", "assets:😀"]) {
    assert.ok(key < prefixUpperBound("assets:"), `${key} is below the bound`);
  }
  assert.ok(!("assets;" < prefixUpperBound("assets:")));
});
