// Workload 2: 10,000 IndexedDB writes issued in one tick (cachebus `set` × 10,000 then
// `flush()`, idb-keyval `set` × 10,000, idb-keyval `setMany`, raw IndexedDB in one transaction),
// then, after a reload, cold reads: the first read of each key, one awaited read at a time.
import { createCache } from "cachebus";
import * as idbKeyval from "idb-keyval";
import { check, makeKeys, makeValue, openRaw, request, row, time, transaction } from "../lib.js";

export const ENTRIES = 10_000;
const WRITE_ROUNDS = 3; // each round rewrites all 10,000 entries
const READ_ROUNDS = 5; // each round reads 1,000 keys not read before (every 10th key, shifted)

const keys = makeKeys(ENTRIES);
const keyvalStore = () => idbKeyval.createStore("bench-batch-keyval", "kv");

/** Writers: write(values) issues every write in one tick and resolves when committed; count() checks. */
const writers = {
  cachebus: async () => {
    const cache = await createCache({ namespace: "bench-batch" });
    return {
      write: (values) => {
        keys.forEach((key, i) => cache.set(key, values[i], { tier: "idb" }));
        return cache.flush();
      },
      count: async () => {
        const reloaded = await createCache({ namespace: "bench-batch" });
        await reloaded.flush(); // its idb entries load behind createCache
        const count = reloaded.keys().length;
        reloaded.close();
        return count;
      },
    };
  },
  "idb-keyval set": async () => {
    const store = keyvalStore();
    return {
      write: (values) => Promise.all(keys.map((key, i) => idbKeyval.set(key, values[i], store))),
      count: async () => (await idbKeyval.keys(store)).length,
    };
  },
  "idb-keyval setMany": async () => {
    const store = keyvalStore();
    return {
      write: (values) => idbKeyval.setMany(keys.map((key, i) => [key, values[i]]), store),
      count: async () => (await idbKeyval.keys(store)).length,
    };
  },
  "IDB batched": async () => {
    const db = await openRaw("bench-batch-raw");
    return {
      write: (values) => transaction(db, "readwrite", (store) => keys.forEach((key, i) => store.put(values[i], key))),
      count: () => request(db.transaction("kv").objectStore("kv").count()),
    };
  },
};

/** Readers after a reload: one awaited read of `key` at a time, as the subject that wrote it. */
const readers = {
  cachebus: async () => {
    const cache = await createCache({ namespace: "bench-batch" });
    return (key) => cache.read(key);
  },
  "idb-keyval setMany": async () => {
    const store = keyvalStore();
    return (key) => idbKeyval.get(key, store);
  },
  "IDB batched": async () => {
    const db = await openRaw("bench-batch-raw");
    return (key) => request(db.transaction("kv").objectStore("kv").get(key));
  },
};

export const writeSubjects = Object.keys(writers);
export const readSubjects = Object.keys(readers);

/** µs per entry of writing 10,000 entries in one tick, committed; rewrites them every round. */
export async function write(subject) {
  const writer = await writers[subject]();
  const timings = [];
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    const values = keys.map((_, i) => makeValue(i + round * ENTRIES)); // new values every round
    timings.push(await time(ENTRIES, () => writer.write(values)));
  }
  check((await writer.count()) === ENTRIES, `${subject}: ${ENTRIES} entries stored`);
  return [row("idb: 10,000 writes in one tick", subject, timings, "µs/entry")];
}

/** Cold reads in a freshly loaded page: µs per read of a key not read since the reload. */
export async function coldRead(subject) {
  const read = await readers[subject]();
  const lastRound = WRITE_ROUNDS - 1;
  check((await read(keys[9]))?.id === 9 + lastRound * ENTRIES, `${subject}: opened`); // opens the database
  const timings = [];
  for (let round = 0; round < READ_ROUNDS; round++) {
    const slice = Array.from({ length: ENTRIES / 10 }, (_, i) => i * 10 + round);
    const got = [];
    timings.push(await time(slice.length, async () => { for (const i of slice) got.push(await read(keys[i])); }));
    check(got.every((value, j) => value?.id === slice[j] + lastRound * ENTRIES), `${subject}: cold reads return the last values`);
  }
  const name = { "idb-keyval setMany": "idb-keyval", "IDB batched": "IDB txn/op" }[subject] ?? subject;
  return [row("idb: cold read after reload", name, timings, "µs/op", "1,000 first reads per round")];
}
