// The cache inspector beside every seed page: entries per tier with TTL bars counting down, the
// recent cachebus:* events, and the hit rate and requests saved as a small live chart.
import { createElement as h, useEffect, useState } from "react";
import type { CacheStats, ChangeEventDetail, EntryInfo, Tier } from "cachebus";
import { useCache, useCacheEvent, useCacheStats } from "cachebus/react";

const TIERS: Tier[] = ["memory", "local", "idb"];
/** How many samples the chart keeps (one a second). */
const HISTORY = 60;
const EVENTS_SHOWN = 10;

/** One point of the chart, in percent. */
interface Sample {
  hitRate: number;
  saved: number;
}

/** Reads that found a value, in percent of all reads (0 before any). */
function hitRate(stats: CacheStats): number {
  const found = stats.hits + stats.staleHits;
  const reads = found + stats.misses;
  return reads ? (100 * found) / reads : 0;
}

/** `fetch` calls that made no request (joined one in flight, or served by the cache). */
function savedCalls(stats: CacheStats): { saved: number; calls: number } {
  const { started, joined, served } = stats.fetches;
  return { saved: joined + served, calls: started + joined + served };
}

/** The inspector card; place it inside the page's `CacheProvider`. */
export function Inspector() {
  const stats = useCacheStats(250);
  return h(
    "aside",
    { className: "card inspector", "data-testid": "inspector" },
    h("h2", null, "Cache inspector"),
    h(Entries, { stats }),
    h(Rates, { stats }),
    h(RecentEvents),
  );
}

/** The live entries of the current user, grouped by tier, each with its TTL bar. */
function Entries({ stats }: { stats: CacheStats }) {
  const cache = useCache();
  const now = Date.now();
  const entries = cache
    .keys()
    .map((key) => [key, cache.peek(key)] as const)
    .filter((pair): pair is readonly [string, EntryInfo] => pair[1] !== undefined);
  return h(
    "div",
    null,
    ...TIERS.map((tier) => {
      const rows = entries.filter(([, info]) => info.tier === tier);
      return h(
        "div",
        { key: tier, className: "tier" },
        h("h3", { "data-testid": `inspector-tier-${tier}` }, tierHeading(tier, rows.length, stats)),
        rows.length === 0
          ? h("p", { className: "muted" }, "none")
          : h("ul", { className: "entries" }, ...rows.map(([key, info]) => h(EntryRow, { key, name: key, info, now }))),
      );
    }),
  );
}

/** "local · 2 entries · 2.1 KB stored": what a tier holds (persisted bytes for local and idb). */
function tierHeading(tier: Tier, entries: number, stats: CacheStats): string {
  const count = `${tier} · ${entries} ${entries === 1 ? "entry" : "entries"}`;
  return tier === "memory" ? `${count} (memory only)` : `${count} · ${(stats.tiers[tier].bytes / 1024).toFixed(1)} KB stored`;
}

/** A key, its state, and a bar for the time it has left to live. */
function EntryRow({ name, info, now }: { name: string; info: EntryInfo; now: number }) {
  const lifetime = info.expiresAt === null ? null : info.expiresAt - info.updatedAt;
  const left = info.expiresAt === null ? null : Math.max(0, info.expiresAt - now);
  const share = lifetime && left !== null ? Math.min(1, left / lifetime) : 1;
  return h(
    "li",
    { "data-testid": "inspector-entry", "data-key": name, "data-state": info.state },
    h("span", { className: "key" }, name),
    h("span", { className: `state ${info.state}` }, info.state),
    h("span", { className: "bar", title: left === null ? "no TTL" : `${Math.ceil(left / 1000)} s left` }, h("span", { style: { width: `${share * 100}%` } })),
    h("span", { className: "left" }, left === null ? "∞" : `${Math.ceil(left / 1000)}s`),
  );
}

/** Hit rate and the share of fetch calls that made no request, now and over the last minute. */
function Rates({ stats }: { stats: CacheStats }) {
  const cache = useCache();
  const [history, setHistory] = useState<Sample[]>([]);
  useEffect(() => {
    const sample = () => {
      const now = cache.stats();
      const { saved, calls } = savedCalls(now);
      setHistory((list) => [...list, { hitRate: hitRate(now), saved: calls ? (100 * saved) / calls : 0 }].slice(-HISTORY));
    };
    sample();
    const timer = setInterval(sample, 1_000);
    return () => clearInterval(timer);
  }, [cache]);
  const { saved, calls } = savedCalls(stats);
  const line = (pick: (s: Sample) => number) =>
    history.map((s, i) => `${(i * 240) / (HISTORY - 1)},${48 - (pick(s) * 44) / 100}`).join(" ");
  return h(
    "div",
    { className: "rates" },
    h("p", { className: "stats", "data-testid": "inspector-hit-rate" }, `hit rate ${Math.round(hitRate(stats))}%`),
    h("p", { className: "stats", "data-testid": "inspector-saved" }, `requests saved by dedup and cache: ${saved} of ${calls} fetch calls`),
    h(
      "svg",
      { className: "chart", viewBox: "0 0 240 50", width: 240, height: 50, "data-testid": "inspector-chart", role: "img", "aria-label": "hit rate and saved requests over the last minute" },
      h("polyline", { className: "hit", points: line((s) => s.hitRate) }),
      h("polyline", { className: "saved", points: line((s) => s.saved) }),
    ),
    h("p", { className: "legend" }, h("span", { className: "hit" }, "■ hit rate"), " ", h("span", { className: "saved" }, "■ saved requests"), " (last minute, %)"),
  );
}

/** The last `cachebus:change` and `cachebus:error` events, newest first. */
function RecentEvents() {
  const [events, setEvents] = useState<{ id: number; text: string }[]>([]);
  const add = (text: string) => setEvents((list) => [{ id: (list[0]?.id ?? 0) + 1, text }, ...list].slice(0, EVENTS_SHOWN));
  useCacheEvent<ChangeEventDetail>("cachebus:change", ({ detail }) =>
    add(`change ${detail.kind} ${detail.origin}: ${detail.keys.join(", ") || detail.tags.join(", ")}`),
  );
  useCacheEvent<{ code: string; key?: string | null }>("cachebus:error", ({ detail }) => add(`error ${detail.code} ${detail.key ?? ""}`));
  return h(
    "div",
    null,
    h("h3", null, "Recent events"),
    h("ul", { className: "events", "data-testid": "inspector-events" }, ...events.map(({ id, text }) => h("li", { key: id }, text))),
  );
}
