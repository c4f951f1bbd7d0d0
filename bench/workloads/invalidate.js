// Workload 3: invalidate (and remove) one prefix of 100 entries over 10,000 (4,000 in
// localStorage) per tier, cachebus against the peers of that tier, verified after every round:
// exactly that prefix is stale or gone, every other entry still fresh. IndexedDB peers have no
// "stale" flag: their invalidation deletes the prefix (idb-keyval `keys()` + `delMany`).
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import * as idbKeyval from "idb-keyval";
import { LOCAL_ENTRIES, ROUNDS, check, makeKeys, makeValue, openRaw, prefixOf, request, row, time, transaction } from "../lib.js";

export const ENTRIES = { memory: 10_000, local: LOCAL_ENTRIES, idb: 10_000 };

/** The states of `keys` ("fresh", "stale" or "missing") as a cachebus cache sees them. */
const cachebusStates = (cache, keys) => keys.map((key) => cache.peek(key)?.state ?? "missing");

/** cachebus in `tier`; persisted tiers are verified by a second cache, as after a reload. */
const cachebus = (tier) => async (keys, values, n) => {
  const namespace = `bench-inv-${tier}`;
  const cache = await createCache({ namespace });
  keys.forEach((key, i) => cache.set(key, values[i], { tier, tags: [prefixOf(i, n)] }));
  await cache.flush();
  return {
    invalidate: async (prefix) => { cache.invalidate({ prefix }); await cache.flush(); },
    remove: (prefix) => cache.remove({ prefix }),
    states: async () => {
      if (tier === "memory") return cachebusStates(cache, keys);
      const reloaded = await createCache({ namespace });
      await reloaded.flush(); // its idb entries load behind createCache, and its load compacts
      const states = cachebusStates(reloaded, keys);
      reloaded.close();
      return states;
    },
  };
};

/** Deletes every key of `prefix` the way idb-keyval users do. */
const keyvalDropPrefix = async (prefix, store) =>
  idbKeyval.delMany((await idbKeyval.keys(store)).filter((key) => key.startsWith(prefix)), store);

const subjects = {
  memory: {
    cachebus: cachebus("memory"),
    "JS Map": async (keys, values, n) => {
      const map = new Map(keys.map((key, i) => [key, { value: values[i], stale: false, tags: [prefixOf(i, n)] }]));
      return {
        invalidate: (prefix) => { for (const [key, entry] of map) if (key.startsWith(prefix)) entry.stale = true; },
        remove: (prefix) => { for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key); },
        states: async () => keys.map((key) => (map.has(key) ? (map.get(key).stale ? "stale" : "fresh") : "missing")),
      };
    },
    TanStack: async (keys, values, n) => {
      const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
      const queryKeys = keys.map((key, i) => [prefixOf(i, n), key]);
      queryKeys.forEach((queryKey, i) => client.setQueryData(queryKey, values[i]));
      return {
        invalidate: (prefix) => client.invalidateQueries({ queryKey: [prefix] }),
        remove: (prefix) => client.removeQueries({ queryKey: [prefix] }),
        states: async () => queryKeys.map((queryKey) => {
          const state = client.getQueryState(queryKey);
          return state === undefined ? "missing" : state.isInvalidated ? "stale" : "fresh";
        }),
      };
    },
  },
  local: {
    cachebus: cachebus("local"),
    "localStorage+JSON": async (keys, values, n) => {
      keys.forEach((key, i) => localStorage.setItem(`raw:${key}`, JSON.stringify({ value: values[i], stale: false, tags: [prefixOf(i, n)] })));
      const matching = (prefix) => Object.keys(localStorage).filter((key) => key.startsWith(`raw:${prefix}`));
      return {
        invalidate: (prefix) => {
          for (const key of matching(prefix)) {
            const entry = JSON.parse(localStorage.getItem(key));
            entry.stale = true;
            localStorage.setItem(key, JSON.stringify(entry));
          }
        },
        remove: (prefix) => matching(prefix).forEach((key) => localStorage.removeItem(key)),
        states: async () => keys.map((key) => {
          const text = localStorage.getItem(`raw:${key}`);
          return text === null ? "missing" : JSON.parse(text).stale ? "stale" : "fresh";
        }),
      };
    },
  },
  idb: {
    cachebus: cachebus("idb"),
    "idb-keyval": async (keys, values) => {
      const store = idbKeyval.createStore("bench-inv-keyval", "kv");
      await idbKeyval.setMany(keys.map((key, i) => [key, values[i]]), store);
      const states = async () => {
        const live = new Set(await idbKeyval.keys(store));
        return keys.map((key) => (live.has(key) ? "fresh" : "missing"));
      };
      const dropPrefix = (prefix) => keyvalDropPrefix(prefix, store);
      return { invalidate: dropPrefix, remove: dropPrefix, states, invalidateDeletes: true };
    },
    "IDB batched": async (keys, values) => {
      const db = await openRaw("bench-inv-raw");
      await transaction(db, "readwrite", (store) => keys.forEach((key, i) => store.put(values[i], key)));
      const dropPrefix = (prefix) => transaction(db, "readwrite", (store) => store.delete(IDBKeyRange.bound(prefix, `${prefix}\uffff`)));
      const states = async () => {
        const live = new Set(await request(db.transaction("kv").objectStore("kv").getAllKeys()));
        return keys.map((key) => (live.has(key) ? "fresh" : "missing"));
      };
      return { invalidate: dropPrefix, remove: dropPrefix, states, invalidateDeletes: true };
    },
  },
};

export const subjectsOf = (tier) => Object.keys(subjects[tier]);

/**
 * Rows of one subject of one tier: invalidate one prefix, remove one prefix (µs per call, each
 * round a different prefix of 100 entries), verified after each round.
 */
export async function run(tier, subject) {
  const n = ENTRIES[tier];
  const keys = makeKeys(n);
  const values = keys.map((_, i) => makeValue(i));
  const adapter = await subjects[tier][subject](keys, values, n);
  const changed = new Map(); // key index → the state it must now have
  const verify = async (what) => {
    const states = await adapter.states();
    const wrong = states.findIndex((state, i) => state !== (changed.get(i) ?? "fresh"));
    check(wrong === -1, `${tier} ${what}: ${keys[wrong]} is ${states[wrong]}`);
  };
  const timings = { invalidate: [], remove: [] };
  const invalidated = adapter.invalidateDeletes ? "missing" : "stale";
  for (const [op, expected, firstPrefix] of [["invalidate", invalidated, 0], ["remove", "missing", 10]]) {
    for (let round = 0; round < ROUNDS; round++) {
      const prefix = `p${firstPrefix + round}:`;
      timings[op].push(await time(1, () => adapter[op](prefix)));
      keys.forEach((key, i) => key.startsWith(prefix) && changed.set(i, expected));
      await verify(`${op} ${prefix}`);
    }
  }
  const note = `100 of ${n.toLocaleString("en-US")} entries`;
  return [
    row(`${tier}: invalidate prefix`, subject, timings.invalidate, "µs/op", note),
    row(`${tier}: remove prefix`, subject, timings.remove, "µs/op", note),
  ];
}
