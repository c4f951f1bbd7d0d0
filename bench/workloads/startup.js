// Workload 7: start-up. `createCache` to the first `get` in a page that has not loaded the wasm
// yet (the runner uses a new browser context each round), split into the wasm (fetch + compile
// + init, the loader's first step) and the rest; and hydrating 1,000 persisted entries after a
// reload (wasm already loaded): cachebus `local` entries against TanStack's sync-storage
// persister (`persistQueryClientRestore`), then a hit on a hydrated entry.
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import { persistQueryClientRestore, persistQueryClientSave } from "@tanstack/query-persist-client-core";
import { createSyncStoragePersister } from "@tanstack/query-sync-storage-persister";
import { check, makeValue, median, time } from "../lib.js";

const PERSISTED = 1_000;
const HIT_LOOPS = 10; // each hit sample reads the 1,000 keys this many times
const HIT_SAMPLES = 5; // per page load; the median is kept
const keys = Array.from({ length: PERSISTED }, (_, i) => `h${i}`);
const persister = () => createSyncStoragePersister({ storage: localStorage, throttleTime: 0 });

/** µs per `get` over the 1,000 keys. */
const hitTime = (get) => time(PERSISTED * HIT_LOOPS, () => {
  for (let loop = 0; loop < HIT_LOOPS; loop++) for (const key of keys) get(key);
});
const allRight = (get) => keys.every((key, i) => get(key)?.id === i);

const subjects = {
  cachebus: {
    start: async () => (await createCache({ namespace: "bench-start" })).get("first") === undefined,
    /** ms of the wasm step alone (fetch + compile + init): what createCache's loader waits for. */
    wasm: async () => {
      const begin = performance.now();
      await (await import("cachebus-wasm")).default();
      return performance.now() - begin;
    },
    /** Loads the wasm; resolves with the ms of `createCache` on an empty namespace after that. */
    warm: async () => {
      await createCache({ namespace: "bench-warm" });
      const begin = performance.now();
      await createCache({ namespace: "bench-empty" });
      return performance.now() - begin;
    },
    seed: async () => {
      const cache = await createCache({ namespace: "bench-hydrate" });
      keys.forEach((key, i) => cache.set(key, makeValue(i), { tier: "local" }));
    },
    hydrate: async () => {
      const cache = await createCache({ namespace: "bench-hydrate" });
      const get = (key) => cache.get(key);
      return { get, memory: () => { keys.forEach((key, i) => cache.set(`m:${key}`, makeValue(i))); return (key) => cache.get(`m:${key}`); } };
    },
  },
  TanStack: {
    start: async () => new QueryClient().getQueryData(["first"]) === undefined,
    seed: async () => {
      const queryClient = new QueryClient();
      keys.forEach((key, i) => queryClient.setQueryData([key], makeValue(i)));
      await persistQueryClientSave({ queryClient, persister: persister() });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the persister writes after a timeout
      check(localStorage.length === 1, "the TanStack persister saved the cache");
    },
    hydrate: async () => {
      const queryClient = new QueryClient();
      await persistQueryClientRestore({ queryClient, persister: persister() });
      return { get: (key) => queryClient.getQueryData([key]) };
    },
  },
};

export const subjectsOf = () => Object.keys(subjects);

/** ms from nothing to an answered `get` in a page whose wasm is not loaded yet. */
export async function start(subject) {
  const begin = performance.now();
  const answered = await subjects[subject].start();
  const ms = performance.now() - begin;
  check(answered, "the first get answers");
  return ms;
}

/** ms of the subject's wasm step alone in a page that has not loaded it (`undefined`: no wasm). */
export const wasmStep = (subject) => subjects[subject].wasm?.();

export const seed = (subject) => subjects[subject].seed();

/**
 * In a reloaded page: ms to hydrate, µs per hit on a hydrated entry (and on a memory entry), ms
 * of opening an empty namespace (cachebus).
 */
export async function hydrate(subject) {
  const empty = await subjects[subject].warm?.();
  const begin = performance.now();
  const hydrated = await subjects[subject].hydrate();
  const ms = performance.now() - begin;
  check(allRight(hydrated.get), "every persisted entry is back with its value");
  const memoryGet = hydrated.memory?.();
  if (memoryGet) check(allRight(memoryGet), "memory entries");
  const hits = [];
  const memoryHits = [];
  for (let sample = 0; sample < HIT_SAMPLES; sample++) { // alternated, so both see the same load
    hits.push(await hitTime(hydrated.get));
    if (memoryGet) memoryHits.push(await hitTime(memoryGet));
  }
  return { ms, empty, hit: median(hits), ...(memoryGet ? { memoryHit: median(memoryHits) } : {}) };
}
