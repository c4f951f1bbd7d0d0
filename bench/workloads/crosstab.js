// Workload 6 (in each of two pages): a change in one tab until the other tab sees it.
// cachebus: `invalidate("k{i}")` → `cachebus:change` (origin "tab") for that key, then stale;
// TanStack broadcast client: `setQueryData` → the query updated in the other tab;
// raw BroadcastChannel `postMessage` as the floor. Arrival times are `timeOrigin + now()` (ms).
import { createCache } from "cachebus";
import { QueryClient } from "@tanstack/query-core";
import { broadcastQueryClient } from "@tanstack/query-broadcast-client-experimental";

export const MESSAGES = 100;
const now = () => performance.timeOrigin + performance.now();

let sending = false;

/**
 * Each subject: `setup(arrive)` readies this page to send and to receive, resolves with
 * `send(i)`; the receiver calls `arrive(i, at, ok)`, `ok` saying the right change arrived.
 */
const subjects = {
  cachebus: async (arrive) => {
    const cache = await createCache({ namespace: "bench-tabs", user: "u" });
    for (let i = 0; i < MESSAGES; i++) cache.set(`k${i}`, i);
    addEventListener("cachebus:change", ({ detail }) => {
      if (detail.origin !== "tab") return;
      const at = now();
      const i = Number(detail.keys[0].slice(1));
      arrive(i, at, detail.kind === "invalidate" && detail.keys.length === 1 && cache.peek(`k${i}`).state === "stale");
    });
    return (i) => cache.invalidate(`k${i}`);
  },
  TanStack: async (arrive) => {
    const client = new QueryClient();
    broadcastQueryClient({ queryClient: client, broadcastChannel: "bench-tanstack" });
    client.getQueryCache().subscribe(({ query }) => {
      const i = query.state.data?.i;
      if (query.queryKey[0] === "k" && i !== undefined && !sending) arrive(i, now(), client.getQueryData(["k"]).i === i);
    });
    return (i) => {
      sending = true; // the sender's own cache events are not arrivals
      client.setQueryData(["k"], { i });
    };
  },
  BroadcastChannel: async (arrive) => {
    const channel = new BroadcastChannel("bench-raw");
    channel.onmessage = ({ data }) => arrive(data.i, now(), Number.isInteger(data.i));
    return (i) => channel.postMessage({ i });
  },
};

export const subjectsOf = () => Object.keys(subjects);

let send;
/** Readies this page; arrivals land in `window.arrivals` as `{ i, at, ok }` (the first of each i). */
export async function setup(subject) {
  window.arrivals = [];
  const seen = new Set();
  send = await subjects[subject]((i, at, ok) => {
    if (!seen.has(i)) seen.add(i), window.arrivals.push({ i, at, ok });
  });
}

/** Sends change `i`; returns when it was sent. */
export function sendChange(i) {
  const at = now();
  send(i);
  return at;
}
