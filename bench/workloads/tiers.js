// Workload 1: set, get hit and get miss per tier, cachebus against the peers of that tier.
// memory: 10,000 entries; local: 4,000 (localStorage holds ~5 M characters); idb: one awaited
// operation at a time, 500 entries (each op is its own IndexedDB transaction, ~0.4 ms).
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import * as idbKeyval from "idb-keyval";
import localforage from "localforage";
import { LOCAL_ENTRIES, ROUNDS, check, makeKeys, makeValue, nextTask, openRaw, prefixOf, request, row, time, transaction } from "../lib.js";

const TTL = 600_000;
export const ENTRIES = { memory: 10_000, local: LOCAL_ENTRIES, idb: 500 };

/**
 * Adapters: `set(key, value, i)` and `get(key)` (sync when `sync`, else awaited one at a time),
 * or `setAll(keys, values)` / `getAll(keys)` for subjects that batch; `verify(keys)` checks
 * what was persisted.
 */
const subjects = {
  memory: {
    cachebus: async (n) => {
      const cache = await createCache({ namespace: "bench-memory" });
      return {
        sync: true,
        set: (key, value, i) => cache.set(key, value, { ttlMs: TTL, tags: [prefixOf(i, n)] }),
        get: (key) => cache.get(key),
      };
    },
    "cachebus (memoryBytes budget)": async (n) => {
      // A budget no write reaches: what weighing every value (JSON text length) adds to a write.
      const cache = await createCache({ namespace: "bench-memory-budget", budgets: { memoryBytes: 1e12 } });
      return {
        sync: true,
        set: (key, value, i) => cache.set(key, value, { ttlMs: TTL, tags: [prefixOf(i, n)] }),
        get: (key) => cache.get(key),
      };
    },
    "JS Map": async (n) => {
      const map = new Map();
      return {
        sync: true,
        set: (key, value, i) => map.set(key, { value, expiresAt: Date.now() + TTL, tags: [prefixOf(i, n)] }),
        get: (key) => {
          const entry = map.get(key);
          return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
        },
      };
    },
    TanStack: async (n) => {
      const client = new QueryClient({ defaultOptions: { queries: { staleTime: TTL, gcTime: TTL } } });
      const queryKeys = new Map(makeKeys(n).map((key, i) => [key, [prefixOf(i, n), key]]));
      return {
        sync: true,
        set: (key, value) => client.setQueryData(queryKeys.get(key), value),
        get: (key) => client.getQueryData(queryKeys.get(key) ?? ["missing", key]),
      };
    },
  },
  local: {
    cachebus: async (n) => {
      const cache = await createCache({ namespace: "bench-local" });
      return {
        sync: true,
        set: (key, value, i) => cache.set(key, value, { tier: "local", ttlMs: TTL, tags: [prefixOf(i, n)] }),
        get: (key) => cache.get(key),
        verify: async (keys) => {
          const reloaded = await createCache({ namespace: "bench-local" });
          check(reloaded.keys().length === keys.length && reloaded.get(keys[7]).id === 7, "local entries after a reload");
          reloaded.close();
        },
      };
    },
    "localStorage+JSON": async (n) => ({
      sync: true,
      set: (key, value, i) => localStorage.setItem(`raw:${key}`, JSON.stringify({ value, expiresAt: Date.now() + TTL, tags: [prefixOf(i, n)] })),
      get: (key) => {
        const text = localStorage.getItem(`raw:${key}`);
        const entry = text === null ? undefined : JSON.parse(text);
        return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
      },
      verify: async (keys) => check(Object.keys(localStorage).filter((k) => k.startsWith("raw:")).length === keys.length, "stored keys"),
    }),
  },
  idb: {
    cachebus: async (n) => {
      const cache = await createCache({ namespace: "bench-idb" });
      return {
        set: (key, value, i) => (cache.set(key, value, { tier: "idb", ttlMs: TTL, tags: [prefixOf(i, n)] }), cache.flush()),
        get: (key) => cache.read(key),
        verify: async (keys) => {
          const reloaded = await createCache({ namespace: "bench-idb" });
          await reloaded.flush(); // its idb entries load behind createCache
          check(reloaded.keys().length === keys.length && (await reloaded.read(keys[7])).id === 7, "idb entries after a reload");
          reloaded.close();
        },
      };
    },
    "IDB txn/op": async () => {
      const db = await openRaw("bench-raw");
      return {
        set: (key, value) => transaction(db, "readwrite", (store) => store.put(value, key)),
        get: (key) => request(db.transaction("kv").objectStore("kv").get(key)),
      };
    },
    "IDB batched": async () => {
      const db = await openRaw("bench-raw-batched");
      return {
        setAll: (keys, values) => transaction(db, "readwrite", (store) => keys.forEach((key, i) => store.put(values[i], key))),
        getAll: (keys) => {
          const store = db.transaction("kv").objectStore("kv");
          return Promise.all(keys.map((key) => request(store.get(key))));
        },
      };
    },
    "idb-keyval": async () => {
      const store = idbKeyval.createStore("bench-keyval", "kv");
      return { set: (key, value) => idbKeyval.set(key, value, store), get: (key) => idbKeyval.get(key, store) };
    },
    localForage: async () => {
      const store = localforage.createInstance({ name: "bench-localforage" });
      return { set: (key, value) => store.setItem(key, value), get: async (key) => (await store.getItem(key)) ?? undefined };
    },
  },
};

export const subjectsOf = (tier) => Object.keys(subjects[tier]);

/**
 * Rows of the subjects of one tier: set, get hit, get miss (µs per operation, median of rounds).
 * `names` share one page and take turns each round (in a rotating order), so every ratio compares
 * runs under the same load; pass one name for a subject that needs the page to itself.
 */
export async function run(tier, names) {
  const n = ENTRIES[tier];
  const keys = makeKeys(n);
  const values = keys.map((_, i) => makeValue(i));
  const missing = keys.map((key) => `missing:${key}`);
  const runners = [];
  for (const name of names) runners.push(await runner(tier, name, n));
  for (let round = 0; round < ROUNDS; round++) {
    for (let turn = 0; turn < runners.length; turn++) {
      const { setAll, getAll, timings } = runners[(round + turn) % runners.length];
      timings.set.push(await time(n, () => setAll(keys, values)));
      let got;
      timings.hit.push(await time(n, async () => { got = await getAll(keys); }));
      check(got.every((value, i) => value?.id === i && value.text === values[i].text), `${tier} get hit: right values`);
      timings.miss.push(await time(n, async () => { got = await getAll(missing); }));
      check(got.every((value) => value === undefined), `${tier} get miss: nothing found`);
    }
  }
  const note = {
    memory: "10,000 entries",
    local: "4,000 entries (localStorage holds ~5 MB); cachebus get answers from memory",
    idb: "500 entries, one awaited op at a time; cachebus: set + flush(), read()",
  }[tier];
  const rows = [];
  for (const { name, adapter, timings } of runners) {
    await adapter.verify?.(keys);
    rows.push(
      row(`${tier}: set (ttl+tags)`, name, timings.set, "µs/op", note),
      row(`${tier}: get hit`, name, timings.hit, "µs/op", note),
      row(`${tier}: get miss`, name, timings.miss, "µs/op", note),
    );
  }
  if (tier === "memory") rows.push(...(await perTick(runners.filter(({ adapter }) => adapter.sync))));
  return rows;
}

/** Operations per round of the one-per-tick rows (each followed by a macrotask boundary). */
const TICKS = 1_000;

/**
 * Rows of `runners` with one `set` (then one `get` hit) per macrotask: the shape of an app, a
 * write in an event handler and then the event loop, where work a library defers to a microtask
 * or a timer is paid for each operation. µs per operation and its boundary.
 */
async function perTick(runners) {
  // Keys the tight loop wrote (each subject's adapter knows them): these sets overwrite.
  const keys = makeKeys(ENTRIES.memory).slice(0, TICKS);
  const values = keys.map((_, i) => makeValue(i));
  const timings = new Map(runners.map(({ name }) => [name, { set: [], hit: [] }]));
  // The boundary's own time is in every row (work deferred to a timer would escape a window
  // that stopped earlier); the "macrotask only" row shows how much of it that is.
  const round = async (op) => {
    const start = performance.now();
    for (let i = 0; i < TICKS; i++) {
      op(i);
      await nextTask();
    }
    return ((performance.now() - start) * 1000) / TICKS;
  };
  const bare = { set: [], hit: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (let turn = 0; turn < runners.length; turn++) {
      const { name, adapter } = runners[(r + turn) % runners.length];
      timings.get(name).set.push(await round((i) => adapter.set(keys[i], values[i], i)));
      let right = 0;
      timings.get(name).hit.push(await round((i) => (right += adapter.get(keys[i])?.id === i)));
      check(right === TICKS, "one get per tick: right values");
    }
    bare.set.push(await round(() => {}));
    bare.hit.push(await round(() => {}));
  }
  const note = `${TICKS.toLocaleString("en-US")} operations, each followed by a macrotask boundary (included)`;
  const netNote = `the round's "macrotask only" time taken off each round`;
  // Net of the round's own boundary: what the subject adds to a tick, the quantity the targets
  // compare (the boundary, many times a subject's own work, would hide any ratio between them).
  const net = (rounds, bareRounds) => rounds.map((us, r) => us - bareRounds[r]);
  const netRows = [...timings.keys()].flatMap((name) => [
    row("memory: set, one per tick, net", name, net(timings.get(name).set, bare.set), "µs/op", netNote),
    row("memory: get hit, one per tick, net", name, net(timings.get(name).hit, bare.hit), "µs/op", netNote),
  ]);
  timings.set("macrotask only", bare);
  return [
    ...[...timings.keys()].flatMap((name) => [
      row("memory: set, one per tick", name, timings.get(name).set, "µs/op", note),
      row("memory: get hit, one per tick", name, timings.get(name).hit, "µs/op", note),
    ]),
    ...netRows,
  ];
}

/** Subject `name` of `tier` with its adapter, `setAll`/`getAll` over it, and empty timings. */
async function runner(tier, name, n) {
  const adapter = await subjects[tier][name](n);
  const setAll = adapter.setAll ?? (adapter.sync
    ? (ks, vs) => ks.forEach((key, i) => adapter.set(key, vs[i], i))
    : async (ks, vs) => { for (let i = 0; i < ks.length; i++) await adapter.set(ks[i], vs[i], i); });
  const getAll = adapter.getAll ?? (adapter.sync
    ? (ks) => ks.map((key) => adapter.get(key))
    : async (ks) => { const out = []; for (const key of ks) out.push(await adapter.get(key)); return out; });
  return { name, adapter, setAll, getAll, timings: { set: [], hit: [], miss: [] } };
}
