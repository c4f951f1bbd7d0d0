// Workload 10 (in each of N pages of one context): requests the server gets when every tab
// showing one key revalidates it at once (a focus), cachebus with `coordinateTabs` against each tab
// fetching alone (the default, and every other library's behaviour); and a new tab opened beside a
// live one: its `createCache` to its first `fetch` of the key the live tab holds. The server
// counts the requests (`/api/balance` on the benchmark's server).
import { createCache } from "cachebus";

/** The subjects: `createCache` options of each. */
const subjects = {
  "cachebus (coordinateTabs)": { coordinateTabs: true },
  "cachebus (each tab alone)": { coordinateTabs: false },
};

export const subjectsOf = () => Object.keys(subjects);

/** Readies this tab: a cache of `run`'s namespace, a subscriber to "balance", its first fetch. */
export async function setup([subject, run]) {
  const cache = await createCache({ namespace: `bench-tabs-${run}`, user: "u", focusThrottleMs: 0, ...subjects[subject] });
  const fetcher = async () => (await fetch(`/api/balance?run=${run}`)).json();
  cache.subscribe("balance", () => {});
  await cache.fetch("balance", fetcher, { dedupMs: 50 });
  window.tabCache = cache;
}

/** Revalidates this tab's subscribed keys as a focus does; resolves once an answer newer than `n` is held. */
export async function focus(n) {
  dispatchEvent(new Event("focus"));
  while (!(window.tabCache.get("balance")?.n > n)) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * A new tab: ms from `createCache` to its first `fetch` of "balance" answering, in all (`total`)
 * and after `createCache` resolved (`after`).
 */
export async function open([subject, run]) {
  const begin = performance.now();
  const cache = await createCache({ namespace: `bench-tabs-${run}`, user: "u", ...subjects[subject] });
  const created = performance.now();
  const answer = await cache.fetch("balance", async () => (await fetch(`/api/balance?run=${run}`)).json());
  const end = performance.now();
  if (typeof answer?.n !== "number") throw new Error("wrong result: no balance");
  return { total: end - begin, after: end - created };
}

/**
 * Readies this tab for pushes: a cache of `run`'s namespace whose "balance" is refetched when it
 * turns stale (as a hook does), and a connection to the push server on `port` (shared by name
 * when the subject coordinates, else this tab's own).
 */
export async function setupPush([subject, run, port]) {
  const cache = await createCache({ namespace: `bench-push-${run}`, user: "u", ...subjects[subject] });
  const fetcher = async () => (await fetch(`/api/balance?run=${run}`)).json();
  cache.subscribe("balance", () => {
    if (cache.peek("balance")?.state === "stale") void cache.fetch("balance", fetcher).catch(() => {});
  });
  await cache.fetch("balance", fetcher);
  cache.connect(() => new WebSocket(`ws://127.0.0.1:${port}`), (data) => data.key, { shared: "prices" });
  window.tabCache = cache;
}

/** Resolves once this tab holds a "balance" newer than `n`. */
export async function answered(n) {
  while (!(window.tabCache.get("balance")?.n > n)) await new Promise((resolve) => setTimeout(resolve, 5));
}
