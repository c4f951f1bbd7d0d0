// Mutations (src/ts/internal/mutations.ts) over a scripted fake core: the optimistic write, where
// it goes, and the order in which commits are settled in the engine. What to show as they settle
// (keep, roll back) is the engine's rule, tested in src/core/mutation.rs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Mutations } from "../../pkg/internal/mutations.js";
import { deferred, fakeCore, settle, writeOptions } from "./fake-core.mjs";

/** Mutations over a fake core whose beginMutation hands out ids 1, 2, 3… */
function setup(answers = {}) {
  let id = 0;
  const core = fakeCore({ beginMutation: () => (id += 1), ...answers });
  return { core, mutations: new Mutations(core) };
}

/** How the engine's settleMutation takes an outcome (src/bindings/cache.rs). */
const OUTCOMES = ["committed", "kept", "rolled back"];

/** The settleMutation calls as `[id, outcome, value]`. */
const settlements = (core) => core.callsOf("settleMutation").map(([, id, outcome, value]) => [id, OUTCOMES[outcome], value]);

/** The write options of a write call's arguments from `at` on (args.ts `WriteArgs`), as an options object. */
const writeOptionsOf = (args, at) => writeOptions(args.slice(at));

test("the optimistic value is written at once, before the commit settles, by the call that numbers the mutation", async () => {
  const { core, mutations } = setup();
  const commit = deferred();
  const pending = mutations.mutate("k", 2, { commit: () => commit.promise });
  assert.deepEqual(
    core.calls.map(({ method }) => method).filter((method) => method !== "peek" && method !== "observe"),
    ["beginMutation"],
    "subscribers see the value without waiting for the server",
  );
  assert.deepEqual(core.callsOf("beginMutation")[0].slice(0, 2), ["k", 2]);
  commit.resolve(undefined);
  await pending;
});

test("the write keeps the held entry's tier, tags and remaining lifetimes", async () => {
  const held = { state: "fresh", tier: "idb", tags: ["counts"], updatedAt: 1_000, staleAt: 6_000, expiresAt: null };
  const { core, mutations } = setup({ peek: held });
  await mutations.mutate("k", 2);
  assert.deepEqual(writeOptionsOf(core.callsOf("beginMutation")[0], 2), { tier: "idb", tags: ["counts"], staleMs: 5_000, ttlMs: Infinity });
});

test("the call's own options win over the held entry's place", async () => {
  const held = { state: "fresh", tier: "idb", tags: ["counts"], updatedAt: 1_000, staleAt: null, expiresAt: 61_000 };
  const { core, mutations } = setup({ peek: held });
  await mutations.mutate("k", 2, { tier: "memory", ttlMs: 10 });
  assert.deepEqual(writeOptionsOf(core.callsOf("beginMutation")[0], 2), { tier: "memory", tags: ["counts"], staleMs: Infinity, ttlMs: 10 });
});

test("a failed first load is no place to keep: the write takes only the call's options", async () => {
  const record = { state: "error", error: new Error("down"), tier: "idb", tags: ["t"], updatedAt: 0, staleAt: 0, expiresAt: 0 };
  const { core, mutations } = setup({ peek: record });
  await mutations.mutate("k", 2, { ttlMs: 10 });
  assert.deepEqual(writeOptionsOf(core.callsOf("beginMutation")[0], 2), { ttlMs: 10 });
});

test("an updater gets the value observed (no read counted) and its result is written", async () => {
  const { core, mutations } = setup({ observe: 41 });
  assert.equal(await mutations.mutate("k", (previous) => previous + 1), 42);
  assert.deepEqual(core.callsOf("observe").map(([key]) => key), ["k"]); // then the time (internal/values.ts)
  assert.deepEqual(core.callsOf("get"), []);
  assert.equal(core.callsOf("beginMutation")[0][1], 42);
});

test("a write the engine refuses begins no mutation, runs no commit and throws its error", async () => {
  const refused = new Error("INVALID_VALUE");
  const { core, mutations } = setup({
    beginMutation: () => {
      throw refused;
    },
  });
  let committed = false;
  await assert.rejects(
    mutations.mutate("k", 2, { commit: () => (committed = true) }),
    (error) => error === refused,
  );
  assert.deepEqual(settlements(core), [], "nothing began, so nothing is settled");
  assert.equal(committed, false, "nothing was written, so nothing is committed");
});

test("a commit's result is settled as the value; a commit returning undefined keeps the optimistic one", async () => {
  const { core, mutations } = setup();
  assert.equal(await mutations.mutate("a", 1, { commit: async () => 10 }), 10);
  assert.equal(await mutations.mutate("b", 2, { commit: async () => undefined }), 2);
  assert.equal(await mutations.mutate("c", 3), 3, "no commit: the optimistic value is the value");
  assert.deepEqual(settlements(core), [
    [1, "committed", 10],
    [2, "committed", 2],
    [3, "committed", 3],
  ]);
});

test("a failed commit settles as failed with rollbackOnError (default true) and rejects with the commit's error", async () => {
  const { core, mutations } = setup();
  const failure = new Error("409");
  await assert.rejects(mutations.mutate("a", 1, { commit: () => Promise.reject(failure) }), (error) => error === failure);
  await assert.rejects(mutations.mutate("b", 1, { commit: () => Promise.reject(failure), rollbackOnError: false }));
  assert.deepEqual(settlements(core), [
    [1, "rolled back", undefined],
    [2, "kept", undefined],
  ]);
});

test("a commit that throws synchronously is a failed commit, not a throw from mutate", async () => {
  const { core, mutations } = setup();
  const pending = mutations.mutate("a", 1, {
    commit: () => {
      throw new Error("sync");
    },
  });
  await assert.rejects(pending, { message: "sync" });
  assert.deepEqual(settlements(core), [[1, "rolled back", undefined]]);
});

test("mutations settle in start order even when the later commit resolves first", async () => {
  const { core, mutations } = setup();
  const slow = deferred();
  const order = [];
  const first = mutations.mutate("k", 1, { commit: () => slow.promise }).then((v) => order.push(`first ${v}`));
  const second = mutations.mutate("k", 2, { commit: async () => 20 }).then((v) => order.push(`second ${v}`));
  await settle();
  assert.deepEqual(settlements(core), [], "the second waits for the first, whose commit is pending");
  assert.deepEqual(order, []);
  slow.resolve(10);
  await Promise.all([first, second]);
  assert.deepEqual(settlements(core), [
    [1, "committed", 10],
    [2, "committed", 20],
  ]);
  assert.deepEqual(order, ["first 10", "second 20"]);
});

test("a failed earlier mutation neither blocks nor fails the next one of its key", async () => {
  const { core, mutations } = setup();
  const first = mutations.mutate("k", 1, { commit: () => Promise.reject(new Error("409")) });
  const second = mutations.mutate("k", 2, { commit: async () => 20 });
  await assert.rejects(first);
  assert.equal(await second, 20);
  assert.deepEqual(settlements(core), [
    [1, "rolled back", undefined],
    [2, "committed", 20],
  ]);
});

test("mutations of different keys do not wait for each other", async () => {
  const { core, mutations } = setup();
  const slow = deferred();
  const a = mutations.mutate("a", 1, { commit: () => slow.promise });
  const b = mutations.mutate("b", 2, { commit: async () => 20 });
  await settle();
  assert.deepEqual(
    core.callsOf("settleMutation").map(([key]) => key),
    ["b"],
    "b settled while a's commit is pending",
  );
  slow.resolve(10);
  await Promise.all([a, b]);
});
