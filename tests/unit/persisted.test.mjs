// Reads through the persistent tiers and user loads (src/ts/internal/persisted.ts) over a fake
// core (fake-core.mjs) and a scripted stand-in for the facade's IdbTier: the core's word (a read
// plan, the entries to migrate) against what the facade then reads and hands back. The engine's
// judgement and the real IndexedDB are tested in the browser (tests/e2e/tiers.test.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Persisted } from "../../pkg/internal/persisted.js";
import { deferred, fakeCore, settle } from "./fake-core.mjs";

const LOOKUP = 0;
const NOTHING = 1;
const IDB_VALUE = 2;
const IDB_ENTRY = 3;

/** A tier whose reads answer `reads[key]` (a function of the call, or a value), recording each call. */
function fakeTier({ values = {}, entries = {}, loaded = [] } = {}) {
  const calls = [];
  const answer = (table, user, key) => {
    const found = table[key];
    return typeof found === "function" ? found(user, key) : Promise.resolve(found);
  };
  return {
    calls,
    read: (user, key) => (calls.push(["read", user, key]), answer(values, user, key)),
    readEntry: (user, key) => (calls.push(["readEntry", user, key]), answer(entries, user, key)),
    load: (user) => (calls.push(["load", user]), Promise.resolve(loaded)),
    attach: () => true,
  };
}

test("a value in memory is looked up at once: counted by read, not by loadValue", async () => {
  const core = fakeCore({ planRead: LOOKUP, get: "counted", observe: "uncounted" });
  const persisted = new Persisted(core, fakeTier());
  assert.equal(await persisted.read("k"), "counted");
  assert.equal(await persisted.loadValue("k"), "uncounted");
});

test("a planned nothing answers undefined without a lookup", async () => {
  const core = fakeCore({ planRead: NOTHING, get: "never" });
  assert.equal(await new Persisted(core, fakeTier()).read("k"), undefined);
  assert.equal(core.callsOf("get").length, 0);
});

test("an IndexedDB value is read for the caller's user and filled in before the lookup", async () => {
  const core = fakeCore({ planRead: IDB_VALUE, fillValue: LOOKUP, get: "filled" });
  const tier = fakeTier({ values: { k: "stored" } });
  assert.equal(await new Persisted(core, tier).read("k"), "filled");
  assert.deepEqual(tier.calls, [["read", "alice", "k"]]);
  assert.deepEqual(core.callsOf("fillValue"), [["k", "alice", "stored"]]);
});

test("the user a read started for is the one its value is filled for, even after a switch", async () => {
  const core = fakeCore({ planRead: IDB_VALUE, fillValue: NOTHING });
  const reading = deferred();
  const persisted = new Persisted(core, fakeTier({ values: { k: () => reading.promise } }));
  const read = persisted.read("k");
  core.user = "bob";
  reading.resolve("alice's");
  assert.equal(await read, undefined, "the core said nothing: no lookup in bob's memory");
  assert.deepEqual(core.callsOf("fillValue"), [["k", "alice", "alice's"]]);
});

test("an unreadable IndexedDB is reported to the core and answers undefined", async () => {
  const core = fakeCore({ planRead: IDB_VALUE });
  const tier = fakeTier({ values: { k: () => Promise.reject(new Error("closed")) } });
  assert.equal(await new Persisted(core, tier).read("k"), undefined);
  assert.deepEqual(core.callsOf("readFailed"), [["k", "alice"]]);
  assert.equal(core.callsOf("fillValue").length, 0);
});

test("an unknown key is read as an entry and handed to the core, found or not", async () => {
  const core = fakeCore({ planRead: IDB_ENTRY, adoptRead: LOOKUP, get: "adopted" });
  const tier = fakeTier({ entries: { k: ["value", { record: 1 }], gone: undefined, broken: () => Promise.reject(new Error()) } });
  const persisted = new Persisted(core, tier);
  assert.equal(await persisted.read("k"), "adopted");
  await persisted.read("gone");
  await persisted.read("broken");
  assert.deepEqual(core.callsOf("adoptRead"), [
    ["k", "alice", "value", { record: 1 }],
    ["gone", "alice", undefined, undefined],
    ["broken", "alice", undefined, undefined],
  ]);
});

test("a signed-out user is the empty owner in the tier", async () => {
  const core = fakeCore({ planRead: IDB_VALUE, fillValue: LOOKUP }, { user: undefined });
  const tier = fakeTier({ values: { k: "v" } });
  await new Persisted(core, tier).read("k");
  assert.deepEqual(tier.calls, [["read", "", "k"]]);
});

test("a key the core refuses rejects the read", async () => {
  const refused = new Error("INVALID_KEY");
  const core = fakeCore({ planRead: () => { throw refused; } });
  await assert.rejects(new Persisted(core, fakeTier()).read(42), refused);
});

test("loading a user hands the replayed entries to the core and migrates what it returns", async () => {
  const loaded = ["a", { r: "a" }, "old", { r: "old" }, "gone", { r: "gone" }];
  const core = fakeCore({ hydrateIdb: () => ["old", { r: "old" }, "gone", { r: "gone" }, "locked", { r: "locked" }] });
  const tier = fakeTier({ loaded, values: { old: "v1", gone: undefined, locked: () => Promise.reject(new Error()) } });
  await new Persisted(core, tier).loadUser("alice");
  assert.deepEqual(core.callsOf("hydrateIdb"), [["alice", loaded]]);
  assert.deepEqual(core.callsOf("migrateIdb"), [
    ["alice", "old", { r: "old" }, "v1"],
    ["alice", "gone", { r: "gone" }, undefined],
  ], "an unreadable value is left on disk, not migrated or dropped");
});

// ── IndexedDB loading behind createCache ───────────────────────────────────────────────────────

test("the database's open attaches it and loads the current user; a read of an unknown key waits for that load", async () => {
  const opening = deferred();
  const core = fakeCore({ planRead: [IDB_ENTRY, IDB_VALUE], hydrateIdb: () => [], fillValue: LOOKUP, get: "loaded", peek: undefined });
  const tier = fakeTier({ loaded: ["k", { r: 1 }], values: { k: "on disk" } });
  const persisted = new Persisted(core, tier);
  persisted.open(opening.promise);
  const read = persisted.read("k");
  let flushed = false;
  const loaded = persisted.loaded().then(() => (flushed = true));
  await settle();
  assert.deepEqual(tier.calls, [], "nothing asked of IndexedDB before it opened");
  assert.equal(flushed, false);
  opening.resolve({ opened: { db: "db", created: false } });
  assert.equal(await read, "loaded");
  await loaded;
  assert.deepEqual(tier.calls, [["load", "alice"], ["read", "alice", "k"]], "the load, then the read it made known");
  assert.deepEqual(core.callsOf("planRead"), [["k"], ["k"]], "planned again once loaded");
});

test("a read that waited for the load answers nothing once the user switched meanwhile", async () => {
  const opening = deferred();
  const core = fakeCore({ planRead: IDB_ENTRY, hydrateIdb: () => [] });
  const persisted = new Persisted(core, fakeTier());
  persisted.open(opening.promise);
  const read = persisted.read("k");
  core.user = "bob";
  opening.resolve({ opened: { db: "db", created: false } });
  assert.equal(await read, undefined);
  assert.equal(core.callsOf("adoptRead").length, 0, "bob's IndexedDB is not asked for alice's read");
});

test("without a database nothing is loaded; a late one is attached and loaded then", async () => {
  const opening = deferred();
  const late = deferred();
  const core = fakeCore({ hydrateIdb: () => [] });
  const tier = fakeTier({ loaded: [] });
  tier.load = (user) => (tier.calls.push(["load", user]), Promise.resolve(tier.attached ? [] : undefined));
  tier.attach = (opened) => ((tier.attached = opened !== undefined), true);
  const persisted = new Persisted(core, tier);
  persisted.open(opening.promise);
  opening.resolve({ opened: undefined, unblocked: late.promise });
  await persisted.loaded();
  assert.deepEqual(core.callsOf("hydrateIdb"), [], "no database: the engine is not told a load landed");
  late.resolve({ db: "late", created: false });
  await settle();
  await persisted.loaded();
  assert.deepEqual(core.callsOf("hydrateIdb"), [["alice", []]]);
});

test("pending is the database's load, for keys the core does not know; a switch's load is not", async () => {
  const opening = deferred();
  const core = fakeCore({ hydrateIdb: () => [], peek: (key) => (key === "known" ? { state: "fresh" } : undefined) });
  const persisted = new Persisted(core, fakeTier());
  persisted.open(opening.promise);
  assert.equal(persisted.pending("known"), undefined);
  const waiting = persisted.pending("k");
  assert.ok(waiting instanceof Promise);
  opening.resolve({ opened: { db: "db", created: false } });
  await waiting;
  assert.equal(persisted.pending("k"), undefined, "landed: nothing to wait for");
  const switching = persisted.loadUser("bob");
  assert.equal(persisted.pending("k"), undefined);
  await switching;
});

test("a load tells the subscribed keys it brought, not those already known or not subscribed", async () => {
  const known = new Set(["held"]);
  const core = fakeCore({
    peek: (key) => (known.has(key) ? {} : undefined),
    hydrateIdb: (user, entries) => {
      for (let i = 0; i < entries.length; i += 2) known.add(entries[i]);
      return [];
    },
  });
  const tier = fakeTier({ loaded: ["held", {}, "brought", {}, "unwatched", {}] });
  const persisted = new Persisted(core, tier);
  const told = [];
  persisted.onLoaded((key) => key !== "unwatched", (keys) => told.push(keys));
  await persisted.loadUser("alice");
  assert.deepEqual(told, [["brought"]]);
});
