// Workloads 4 and 5a: 1,000 concurrent fetches of one key and of 10 keys with a 20 ms fetcher
// (fetcher calls must be exactly 1 and 10; overhead = time to issue the calls + time from the
// last fetcher answer to the last caller served), and a cached-hit fetch awaited 10,000 times.
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import { preload } from "swr";
import { ROUNDS, check, median, row, time } from "../lib.js";

const CALLERS = 1_000;
const HITS = 10_000;

/** `fetch(key, fetcher)` through each subject's deduplication; `hit` for a cached fresh value. */
const subjects = {
  cachebus: async () => {
    const cache = await createCache({ namespace: "bench-fetch" });
    return { fetch: (key, fetcher) => cache.fetch(key, fetcher), hit: (key, fetcher) => cache.fetch(key, fetcher) };
  },
  TanStack: async () => {
    const client = new QueryClient();
    return {
      fetch: (key, fetcher) => client.fetchQuery({ queryKey: [key], queryFn: fetcher }),
      hit: (key, fetcher) => client.fetchQuery({ queryKey: [key], queryFn: fetcher, staleTime: Infinity }),
    };
  },
  // SWR deduplicates outside React only through `preload` (its hooks share the same table).
  SWR: async () => ({ fetch: (key, fetcher) => preload(key, fetcher) }),
  // The floor of any cached hit: awaiting an already resolved promise.
  "await only": async () => ({ hit: (key, fetcher, value) => Promise.resolve(value) }),
};

export const subjects4 = Object.keys(subjects).filter((name) => name !== "await only");
export const subjects5 = ["cachebus", "TanStack", "await only"];

/**
 * Overhead of `CALLERS` concurrent fetches spread over `keyCount` keys, in ms: issuing the calls,
 * and settling every caller after the last fetcher answered.
 */
async function dedupRound(fetch, keyCount, round) {
  const keys = Array.from({ length: keyCount }, (_, k) => `dedup${round}:${keyCount}:${k}`);
  let calls = 0;
  let answeredAt = 0;
  const fetchers = keys.map((key) => () => {
    calls++;
    return new Promise((resolve) => setTimeout(() => { answeredAt = performance.now(); resolve({ key }); }, 20));
  });
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < CALLERS; i++) pending.push(fetch(keys[i % keyCount], fetchers[i % keyCount]));
  const issued = performance.now();
  const answers = await Promise.all(pending);
  const end = performance.now();
  check(calls === keyCount, `${keyCount} key(s): ${calls} fetcher calls, expected ${keyCount}`);
  check(answers.every((answer, i) => answer.key === keys[i % keyCount]), `${keyCount} key(s): every caller gets its key's answer`);
  return { issue: issued - start, settle: end - answeredAt };
}

/** Workload 4 rows of one subject. */
export async function dedup(subject) {
  const { fetch } = await subjects[subject]();
  const rows = [];
  for (const keyCount of [1, 10]) {
    const parts = [];
    for (let round = 0; round < ROUNDS; round++) parts.push(await dedupRound(fetch, keyCount, round));
    const split = `issue ${median(parts.map((p) => p.issue)).toFixed(2)} + settle ${median(parts.map((p) => p.settle)).toFixed(2)} ms`;
    const note = `fetcher calls: ${keyCount} (checked); ${split}`;
    rows.push(row(`dedup: 1,000 callers, ${keyCount} key${keyCount > 1 ? "s" : ""}`, subject, parts.map((p) => p.issue + p.settle), "ms", note));
  }
  return rows;
}

/** Workload 5a row of one subject: µs per awaited cached-hit fetch. */
export async function cachedHit(subject) {
  const { hit, fetch } = await subjects[subject]();
  const value = { id: 1 };
  let calls = 0;
  const fetcher = async () => (calls++, value);
  await (fetch ?? hit)("hit", fetcher, value); // the one call that fills the cache
  const timings = [];
  for (let round = 0; round < ROUNDS; round++) {
    let same = 0;
    timings.push(await time(HITS, async () => { for (let i = 0; i < HITS; i++) same += (await hit("hit", fetcher, value)) === value ? 1 : 0; }));
    check(same === HITS, "cached hits return the cached value");
  }
  check(calls === (subject === "await only" ? 0 : 1), `cached hits call no fetcher (${calls} calls)`);
  return [row("fetch: cached hit (awaited)", subject, timings)];
}
