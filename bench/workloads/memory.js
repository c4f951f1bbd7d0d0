// Workload 8 (in a fresh page, the runner reads the JS heap after a GC around it): memory held
// for 10,000 entries of 1 KB by cachebus (JS heap + wasm linear memory), TanStack's QueryClient
// and a JS Map. The values exist before the baseline, so only the cache's own cost is counted.
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import { check, makeKeys, makeValue } from "../lib.js";

export const ENTRIES = 10_000;
const keys = makeKeys(ENTRIES);
let values;
let held; // what each subject built, kept alive until the measurement

/** Each subject: fill() stores every entry and returns { get, wasmBytes }. */
const subjects = {
  cachebus: async () => {
    const cache = await createCache({ namespace: "bench-memory-use" });
    keys.forEach((key, i) => cache.set(key, values[i], { ttlMs: 600_000, tags: [key.split(":")[0]] }));
    const { memory } = await (await import("cachebus-wasm")).default(); // the loaded instance's exports
    return { get: (key) => cache.get(key), wasmBytes: memory.buffer.byteLength };
  },
  TanStack: async () => {
    const client = new QueryClient();
    keys.forEach((key, i) => client.setQueryData([key.split(":")[0], key], values[i]));
    return { get: (key) => client.getQueryData([key.split(":")[0], key]), wasmBytes: 0 };
  },
  "JS Map": async () => {
    const map = new Map();
    keys.forEach((key, i) => map.set(key, { value: values[i], expiresAt: Date.now() + 600_000, tags: [key.split(":")[0]] }));
    return { get: (key) => map.get(key)?.value, wasmBytes: 0 };
  },
};

export const subjectsOf = () => Object.keys(subjects);

/** Creates the values (before the runner's baseline). */
export function prepare() {
  values = keys.map((_, i) => makeValue(i));
}

/** Stores the entries; resolves with the wasm memory in bytes (0 without wasm). */
export async function fill(subject) {
  held = await subjects[subject]();
  check(keys.every((key, i) => held.get(key) === values[i]), `${subject}: every entry is held`);
  return held.wasmBytes;
}
