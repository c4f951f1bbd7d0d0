// Workload 5b: a React component re-rendering on a change of the value it shows: cachebus
// `useCached` (change: `cache.set`), TanStack `useQuery` (`setQueryData`) and SWR `useSWR`
// (`mutate`), the same component each; µs from the change to the committed render.
import { createElement as h, useLayoutEffect } from "react";
import { createRoot } from "react-dom/client";
import { CacheProvider, useCache, useCached } from "cachebus/react";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import useSWR, { mutate } from "swr";
import { ROUNDS, check, nextTask, row } from "../lib.js";

const CHANGES = 200;
const KEY = "bench-react";
const fetcher = async () => ({ n: 0 });

let waiting; // { n, resolve }: the render the benchmark waits for
let renders = 0;

/** The shared component: shows `data.n`, reports every committed render. */
function Probe({ data }) {
  renders++;
  useLayoutEffect(() => {
    if (waiting && data?.n === waiting.n) waiting.resolve();
  });
  return h("p", null, String(data?.n ?? "…"));
}

/** Each subject: `mount()` returns the element; `change(n)` writes `{ n }` the library's way. */
const subjects = {
  cachebus: () => {
    let cache;
    function Grab() { cache = useCache(); return null; }
    function View() { return h(Probe, { data: useCached(KEY, fetcher).data }); }
    return {
      element: h(CacheProvider, { namespace: "bench-react" }, h(Grab), h(View)),
      change: (n) => cache.set(KEY, { n }),
    };
  },
  TanStack: () => {
    const client = new QueryClient();
    function View() { return h(Probe, { data: useQuery({ queryKey: [KEY], queryFn: fetcher, staleTime: Infinity }).data }); }
    return { element: h(QueryClientProvider, { client }, h(View)), change: (n) => client.setQueryData([KEY], { n }) };
  },
  SWR: () => {
    function View() { return h(Probe, { data: useSWR(KEY, fetcher).data }); }
    return { element: h(View), change: (n) => mutate(KEY, { n }, { revalidate: false }) };
  },
};

export const subjectsOf = () => Object.keys(subjects);

/** Resolves when `{ n }` is rendered; fails after 2 s. */
function rendered(n) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrong result: { n: ${n} } never rendered`)), 2_000);
    waiting = { n, resolve: () => { clearTimeout(timer); waiting = undefined; resolve(); } };
  });
}

export async function run(subject) {
  const { element, change } = subjects[subject]();
  const root = createRoot(document.body.appendChild(document.createElement("div")));
  const first = rendered(0);
  root.render(element);
  await first; // fetched and shown
  renders = 0;
  const timings = [];
  let n = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let total = 0;
    for (let i = 0; i < CHANGES; i++) {
      await nextTask();
      const done = rendered(++n);
      const start = performance.now();
      change(n);
      await done;
      total += performance.now() - start;
    }
    timings.push((total * 1000) / CHANGES);
  }
  check(document.body.textContent.includes(String(n)), "the last value is on screen");
  root.unmount();
  const perChange = renders / (ROUNDS * CHANGES);
  return [row("react: re-render on change", subject, timings, "µs/op", `${perChange.toFixed(2)} renders per change`)];
}
