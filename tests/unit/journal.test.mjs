// The IndexedDB journal (src/ts/internal/journal.ts): pure functions that build journal records
// and replay a user's records into entries, judging what is garbage. What the tier and the core do
// with the answer (deleting, reporting CORRUPT_ENTRY) is tested in the browser
// (tests/e2e/idb-faults.test.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { journalRecord, replayJournal } from "../../pkg/internal/journal.js";

const meta = (n) => ({ t: "idb", n }); // an entry's metadata: opaque to the journal

/** Replays `records` (store keys 1, 2, 3… unless given) for alice, with values for `valued` keys of alice. */
function replay(records, { valued = [], valueKeys = valued.map((key) => ["alice", key]), storeKeys } = {}) {
  return replayJournal("alice", storeKeys ?? records.map((_, i) => i + 1), records, valueKeys);
}

test("journalRecord builds { u, o }, and { u, o, s: true } for a snapshot", () => {
  const ops = ["a", meta(1)];
  assert.deepEqual(journalRecord("alice", ops, false), { u: "alice", o: ops });
  assert.deepEqual(journalRecord("alice", ops, true), { u: "alice", o: ops, s: true });
});

test("ops replay in order: metadata sets an entry, null deletes it, true deletes every key under that prefix", () => {
  const record = journalRecord(
    "alice",
    ["a", meta(1), "b:1", meta(2), "b:2", meta(3), "bb", meta(4), "a", null, "b:", true, "c", meta(5)],
    false,
  );
  const { entries, snapshot, corrupt } = replay([record], { valued: ["bb", "c"] });
  assert.deepEqual(entries, ["bb", meta(4), "c", meta(5)]);
  assert.equal(snapshot, undefined, "one clean record: nothing to rewrite");
  assert.deepEqual(corrupt, []);
});

test("a later op of a key replaces its metadata; records replay in the order given", () => {
  const records = [journalRecord("alice", ["a", meta(1)], false), journalRecord("alice", ["a", meta(2)], false)];
  assert.deepEqual(replay(records, { valued: ["a"] }).entries, ["a", meta(2)]);
});

test("a snapshot record drops every entry replayed before it", () => {
  const records = [
    journalRecord("alice", ["a", meta(1), "b", meta(2)], false),
    journalRecord("alice", ["b", meta(3)], true),
    journalRecord("alice", ["c", meta(4)], false),
  ];
  assert.deepEqual(replay(records, { valued: ["a", "b", "c"] }).entries.filter((_, i) => i % 2 === 0), ["b", "c"]);
});

test("only the user's records replay and are counted; another user's ops leave them alone", () => {
  const records = [
    journalRecord("alice", ["a", meta(1)], false),
    journalRecord("bob", ["a", null, "", true], true), // bob's snapshot and prefix deletion of everything
  ];
  const { entries, runs, snapshot } = replay(records, { valued: ["a"], storeKeys: [10, 11] });
  assert.deepEqual(entries, ["a", meta(1)]);
  assert.deepEqual(runs, [[10, 10]]);
  assert.equal(snapshot, undefined, "alice has one record");
});

test("several records are compacted into one snapshot record of the surviving entries", () => {
  const records = [journalRecord("alice", ["a", meta(1), "b", meta(2)], false), journalRecord("alice", ["a", null], false)];
  const { snapshot, runs } = replay(records, { valued: ["b"], storeKeys: [3, 8] });
  assert.deepEqual(snapshot, { u: "alice", o: ["b", meta(2)], s: true });
  assert.deepEqual(runs, [[3, 8]], "the records the snapshot replaces: next to each other in the store");
});

test("the user's records come in runs of records next to each other: another user's record or garbage between them ends a run", () => {
  const records = [
    journalRecord("alice", ["a", meta(1)], false),
    journalRecord("bob", ["b", meta(2)], false),
    journalRecord("alice", ["c", meta(3)], false),
    journalRecord("alice", ["d", meta(4)], false),
    null,
    journalRecord("alice", ["e", meta(5)], false),
    journalRecord("bob", ["f", meta(6)], false),
  ];
  const { runs, snapshot } = replay(records, { valued: ["a", "c", "d", "e"], storeKeys: [1, 2, 5, 6, 7, 9, 10] });
  assert.deepEqual(runs, [[1, 1], [5, 6], [9, 9]], "the ranges a compaction deletes hold none of bob's records");
  assert.deepEqual(snapshot?.o.filter((_, i) => i % 2 === 0), ["a", "c", "d", "e"]);
});

test("a record of no shape is garbage whoever it is for: reported by store key, corrupt null, not replayed", () => {
  const records = [null, "text", { u: "alice" }, { o: [] }, { u: 1, o: [] }, { u: "alice", o: "a" }, journalRecord("alice", ["a", meta(1)], false)];
  const { garbage, corrupt, entries, runs } = replay(records, { valued: ["a"] });
  assert.deepEqual(garbage, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(corrupt, [null, null, null, null, null, null]);
  assert.deepEqual(entries, ["a", meta(1)]);
  assert.deepEqual(runs, [[7, 7]]);
});

test("a well-shaped record under a store key the generator never makes is garbage, any user's (it would replay after every later one)", () => {
  const records = [0, -1, 1.5, "1", 2 ** 53, [1]].map(() => journalRecord("bob", ["a", meta(1)], false));
  const { garbage, runs } = replayJournal("alice", [0, -1, 1.5, "1", 2 ** 53, [1]], records, []);
  assert.deepEqual(garbage, [0, -1, 1.5, "1", 2 ** 53, [1]]);
  assert.deepEqual(runs, []);
});

test("a malformed op is skipped and corrupt; the rest replays, and a snapshot rewrites even a single record", () => {
  const ops = [1, meta(0), "a", meta(1), "b", 5, "c", false, "d", meta(4), "e"]; // "e": a target with no change
  const { entries, corrupt, snapshot } = replay([journalRecord("alice", ops, false)], { valued: ["a", "d"] });
  assert.deepEqual(entries, ["a", meta(1), "d", meta(4)]);
  assert.deepEqual(corrupt, [null, null, null, null]);
  assert.deepEqual(snapshot, { u: "alice", o: ["a", meta(1), "d", meta(4)], s: true });
});

test("an entry whose value is gone is dropped, reported by its key, and forces a snapshot", () => {
  const { entries, corrupt, snapshot } = replay([journalRecord("alice", ["a", meta(1), "b", meta(2)], false)], { valued: ["b"] });
  assert.deepEqual(entries, ["b", meta(2)]);
  assert.deepEqual(corrupt, ["a"]);
  assert.deepEqual(snapshot, { u: "alice", o: ["b", meta(2)], s: true });
});

test("values under no [user, key] key, and the user's values no entry names, are strays; other users' values are left for their load", () => {
  const valueKeys = [["alice", "a"], "loose", ["alice"], ["alice", 1], ["alice", "orphan"], ["bob", "x"], ["bob", "a"]];
  const { strays, corrupt } = replay([journalRecord("alice", ["a", meta(1)], false)], { valueKeys });
  assert.deepEqual(strays, ["loose", ["alice"], ["alice", 1], ["alice", "orphan"]]);
  assert.deepEqual(corrupt, [null, null, null, "orphan"]);
});

test("a user with no records replays to nothing and needs no snapshot", () => {
  const result = replay([journalRecord("bob", ["a", meta(1)], false)]);
  assert.deepEqual(result, { entries: [], runs: [], snapshot: undefined, garbage: [], strays: [], corrupt: [] });
});
