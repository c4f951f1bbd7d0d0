"use client";
/**
 * cachebus devtools: a React panel that shows what a cache holds and does, for development.
 *
 * ```tsx
 * import { CacheDevtools } from "cachebus/devtools";
 *
 * <CacheProvider namespace="shop" user={userId}>
 *   <App />
 *   <CacheDevtools />
 * </CacheProvider>
 * ```
 *
 * It lists the current user's entries per tier with a bar of the lifetime each has left (fresh,
 * then stale, then gone), the recent `cachebus:change` and `cachebus:error` events of the cache's
 * namespace, the errors of failed fetches, the hit rate and requests saved from `cache.stats()`,
 * and this tab's part among the coordinated tabs (how many are live, the fetches it ran for the
 * others and the answers it took from them, the shared push sources it holds). A separate entry point: an app that does not import it ships none of it.
 */
import { createElement as h, useEffect, useState, type CSSProperties, type ReactNode } from "react";
// By the package's names, as an app imports them: one module, so one provider context, whatever
// the bundler (a relative "./react.js" would be a second copy wherever "cachebus/react" is aliased).
import { CacheError, type Cache, type CacheErrorEventDetail, type CacheStats, type ChangeEventDetail, type EntryInfo, type Tier } from "cachebus";
import { useCache } from "cachebus/react";

/** Where {@link CacheDevtools} sits: a corner of the viewport (above the page), or in the page's flow. */
export type DevtoolsPosition = "bottom-right" | "bottom-left" | "top-right" | "top-left" | "inline";

/** Props of {@link CacheDevtools}. */
export interface CacheDevtoolsProps {
  /** The cache to show; by default the one of the nearest `CacheProvider` (`useCache()`). */
  cache?: Cache;
  /** Show the panel at first, rather than only its button (default `false`). */
  initialIsOpen?: boolean;
  /** Where the button and the panel sit (default `"bottom-right"`). */
  position?: DevtoolsPosition;
}

const POSITIONS: Record<DevtoolsPosition, CSSProperties> = {
  "bottom-right": { position: "fixed", bottom: 12, right: 12 },
  "bottom-left": { position: "fixed", bottom: 12, left: 12 },
  "top-right": { position: "fixed", top: 12, right: 12 },
  "top-left": { position: "fixed", top: 12, left: 12 },
  inline: { position: "relative" },
};
const TIERS: Tier[] = ["memory", "local", "idb"];
/** How often the open panel reads the cache again: the bars count down, and a fetch error or a 304 announces nothing. */
const TICK_MS = 250;
/** Rows listed per tier: a tier of thousands of entries would cost every tick thousands of rows. */
const ROWS_SHOWN = 100;
/** Events kept, per list. */
const EVENTS_KEPT = 20;
/** Samples the chart keeps, one a second. */
const HISTORY = 60;

/**
 * The devtools panel for a cache: a button in a corner that opens it (or the open panel, with
 * `initialIsOpen`). Place it inside a `CacheProvider`, or pass `cache`. It renders nothing on the
 * server and until mounted, so hydration never meets its clock-dependent output. Wrong props throw
 * a `CacheError` `INVALID_OPTIONS` while rendering.
 *
 * Its parts carry `data-cachebus-devtools` attributes for tests: `toggle`, `panel`, `tier` (with
 * `data-tier`), `entry` (with `data-key`, `data-tier`, `data-state`), `ttl` and `left` inside it,
 * `hit-rate`, `saved`, `fetches`, `chart`, `change`, `error`.
 *
 * Fetch errors are shown for the keys that have an entry (`peek(key).error`): a failed first load
 * holds no entry `keys()` lists, so it shows only through the hooks (`useCached().error`).
 */
export function CacheDevtools(props: CacheDevtoolsProps): ReactNode {
  const { cache, initialIsOpen = false, position = "bottom-right" } = props;
  if (!Object.hasOwn(POSITIONS, position)) {
    throw new CacheError("INVALID_OPTIONS", `position must be one of ${Object.keys(POSITIONS).join(", ")}`);
  }
  if (cache !== undefined && typeof cache?.stats !== "function") {
    throw new CacheError("INVALID_OPTIONS", "cache must be a cache made by createCache");
  }
  return h(ClientOnly, null, cache ? h(Devtools, { cache, initialIsOpen, position }) : h(ProvidedDevtools, { initialIsOpen, position }));
}

/** Renders its children once mounted: never on the server, nor in the render that hydrates. */
function ClientOnly({ children }: { children: ReactNode }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted ? children : null;
}

type Resolved = Required<Omit<CacheDevtoolsProps, "cache">>;

/** The devtools of the provider's cache (a component of its own: `useCache` throws without one). */
function ProvidedDevtools(props: Resolved) {
  return h(Devtools, { ...props, cache: useCache() });
}

function Devtools({ cache, initialIsOpen, position }: Resolved & { cache: Cache }) {
  const [open, setOpen] = useState(initialIsOpen);
  // Listened to while closed too, so that opening shows what happened before.
  const log = useEventLog(cache.namespace);
  const place = POSITIONS[position];
  if (!open) {
    return h(
      "button",
      { type: "button", "data-cachebus-devtools": "toggle", "aria-expanded": false, style: { ...place, ...S.toggle }, onClick: () => setOpen(true) },
      "cachebus",
    );
  }
  const fixed = position !== "inline";
  return h(
    "section",
    { "aria-label": "cachebus devtools", "data-cachebus-devtools": "panel", style: { ...place, ...S.panel, ...(fixed ? S.floating : null) } },
    h(
      "header",
      { style: S.header },
      h("strong", null, "cachebus"),
      h("span", { style: S.muted }, ` ${cache.namespace} · ${cache.user === undefined ? "signed out" : `user ${cache.user}`}`),
      h(
        "button",
        { type: "button", "data-cachebus-devtools": "toggle", "aria-expanded": true, "aria-label": "close", style: S.close, onClick: () => setOpen(false) },
        "×",
      ),
    ),
    h(Contents, { cache, log }),
  );
}

/** One line of an event list. */
interface Line {
  id: number;
  at: number;
  text: string;
}

interface EventLog {
  changes: Line[];
  errors: Line[];
}

/** Lines logged so far, by every panel: each line's React key. */
let lines = 0;

/** The last `cachebus:change` and `cachebus:error` events of `namespace` on `window`, newest first. */
function useEventLog(namespace: string): EventLog {
  const [log, setLog] = useState<EventLog>({ changes: [], errors: [] });
  useEffect(() => {
    const add = (list: keyof EventLog, text: string) => {
      const line = { id: ++lines, at: Date.now(), text };
      setLog((shown) => ({ ...shown, [list]: [line, ...shown[list]].slice(0, EVENTS_KEPT) }));
    };
    const onChange = ({ detail }: CustomEvent<ChangeEventDetail>) => {
      if (detail.namespace === namespace) add("changes", `${detail.kind} ${detail.keys.join(", ") || detail.tags.join(", ")} (${detail.origin})`);
    };
    const onError = ({ detail }: CustomEvent<CacheErrorEventDetail>) => {
      if (detail.namespace !== namespace) return;
      const where = [detail.key, detail.tier && `(${detail.tier})`, detail.event && `on ${detail.event}`].filter(Boolean).join(" ");
      add("errors", `${detail.code}${where ? ` ${where}` : ""}${detail.error === undefined ? "" : `: ${describe(detail.error)}`}`);
    };
    addEventListener("cachebus:change", onChange);
    addEventListener("cachebus:error", onError);
    return () => {
      removeEventListener("cachebus:change", onChange);
      removeEventListener("cachebus:error", onError);
    };
  }, [namespace]);
  return log;
}

/** What the panel reads from the cache at a tick. */
interface Snapshot {
  entries: [string, EntryInfo][];
  stats: CacheStats;
}

/** The cache's entries and stats; the error instead when the cache cannot be read (closed). */
function read(cache: Cache): Snapshot | { error: unknown } {
  try {
    const entries = cache.keys().flatMap((key): [string, EntryInfo][] => {
      const info = cache.peek(key);
      return info ? [[key, info]] : [];
    });
    return { entries, stats: cache.stats() };
  } catch (error) {
    return { error };
  }
}

/** One point of the chart, in percent. */
interface Sample {
  hitRate: number;
  saved: number;
}

function Contents({ cache, log }: { cache: Cache; log: EventLog }) {
  const [, setTicks] = useState(0);
  const [history, setHistory] = useState<Sample[]>([]);
  useEffect(() => {
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), TICK_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    const sample = () => {
      const shot = read(cache);
      if ("error" in shot) return;
      const { saved, calls } = savedCalls(shot.stats);
      setHistory((list) => [...list, { hitRate: hitRate(shot.stats).rate, saved: calls ? (100 * saved) / calls : 0 }].slice(-HISTORY));
    };
    sample();
    const timer = setInterval(sample, 1_000);
    return () => clearInterval(timer);
  }, [cache]);
  // Read with the clock at this render, whatever caused it: the bars and the entries agree.
  const now = Date.now();
  const shot = read(cache);
  if ("error" in shot) return h("p", { style: S.error }, `cannot read the cache: ${describe(shot.error)}`);
  const failed = shot.entries.filter(([, info]) => info.error !== undefined);
  return h(
    "div",
    null,
    h(Rates, { stats: shot.stats, history }),
    ...TIERS.map((tier) => h(TierList, { key: tier, tier, stats: shot.stats, entries: shot.entries.filter(([, info]) => info.tier === tier), now })),
    h(
      Section,
      { title: "Errors" },
      failed.length + log.errors.length === 0
        ? h("p", { style: S.muted }, "none")
        : h(
            "ul",
            { style: S.list },
            ...failed.map(([key, info]) =>
              h("li", { key: `fetch ${key}`, "data-cachebus-devtools": "error", "data-key": key, style: S.error }, `${clock(info.errorAt)} fetch ${key} failed: ${describe(info.error)}`),
            ),
            ...log.errors.map(({ id, at, text }) => h("li", { key: id, "data-cachebus-devtools": "error", style: S.error }, `${clock(at)} ${text}`)),
          ),
    ),
    h(
      Section,
      { title: "Recent changes" },
      log.changes.length === 0
        ? h("p", { style: S.muted }, "none")
        : h("ul", { style: S.list }, ...log.changes.map(({ id, at, text }) => h("li", { key: id, "data-cachebus-devtools": "change" }, `${clock(at)} ${text}`))),
    ),
  );
}

function Section({ title, children }: { title: string; children?: ReactNode }) {
  return h("div", null, h("h3", { style: S.heading }, title), children);
}

/** One tier: how many entries it holds (and stores), and a row per entry. */
function TierList({ tier, stats, entries, now }: { tier: Tier; stats: CacheStats; entries: [string, EntryInfo][]; now: number }) {
  const count = `${tier} · ${entries.length} ${entries.length === 1 ? "entry" : "entries"}`;
  const heading = tier === "memory" ? `${count} (memory only)` : `${count} · ${(stats.tiers[tier].bytes / 1024).toFixed(1)} KB stored`;
  const hidden = entries.length - ROWS_SHOWN;
  return h(
    "div",
    null,
    h("h3", { "data-cachebus-devtools": "tier", "data-tier": tier, style: S.heading }, heading),
    entries.length === 0
      ? h("p", { style: S.muted }, "none")
      : h(
          "ul",
          { style: S.list },
          ...entries.slice(0, ROWS_SHOWN).map(([key, info]) => h(EntryRow, { key, name: key, info, now })),
          hidden > 0 ? h("li", { key: "more", style: S.muted }, `… and ${hidden} more`) : null,
        ),
  );
}

/**
 * The shares of an entry's lifetime it has left, fresh then stale, and the milliseconds until it
 * expires (`null`: never). An entry that never expires shows a full bar of its state.
 */
function lifetime(info: EntryInfo, now: number): { fresh: number; stale: number; left: number | null } {
  const fresh = info.state === "fresh";
  if (info.expiresAt === null) return { fresh: fresh ? 1 : 0, stale: fresh ? 0 : 1, left: null };
  const span = Math.max(1, info.expiresAt - info.updatedAt);
  // An invalidated entry is stale from now on, whatever its staleAt said.
  const staleFrom = Math.min(info.expiresAt, fresh ? (info.staleAt ?? info.expiresAt) : now);
  return {
    fresh: Math.max(0, staleFrom - now) / span,
    stale: Math.max(0, info.expiresAt - Math.max(now, staleFrom)) / span,
    left: Math.max(0, info.expiresAt - now),
  };
}

/** A key, its state, its lifetime bar and the seconds it has left. */
function EntryRow({ name, info, now }: { name: string; info: EntryInfo; now: number }) {
  const { fresh, stale, left } = lifetime(info, now);
  const seconds = left === null ? "∞" : `${Math.ceil(left / 1000)}s`;
  const details = [info.tags.length ? `tags ${info.tags.join(", ")}` : "", info.etag ? `etag ${info.etag}` : "", `written ${clock(info.updatedAt)}`];
  return h(
    "li",
    { "data-cachebus-devtools": "entry", "data-key": name, "data-tier": info.tier, "data-state": info.state, title: details.filter(Boolean).join(" · "), style: S.row },
    h("span", { style: S.key }, name),
    h("span", { style: { fontWeight: 600, color: COLORS[info.state] } }, info.state),
    h(
      "span",
      { "data-cachebus-devtools": "ttl", title: left === null ? "no TTL" : `${seconds} left`, style: S.bar },
      h("span", { "data-phase": "fresh", style: { width: `${fresh * 100}%`, background: COLORS.fresh } }),
      h("span", { "data-phase": "stale", style: { width: `${stale * 100}%`, background: COLORS.stale } }),
    ),
    h("span", { "data-cachebus-devtools": "left", style: S.left }, seconds),
  );
}

/** Reads that found a value (stale ones too), and all reads. */
function hitRate(stats: CacheStats): { rate: number; found: number; reads: number } {
  const found = stats.hits + stats.staleHits;
  const reads = found + stats.misses;
  return { rate: reads ? (100 * found) / reads : 0, found, reads };
}

/**
 * `fetch` calls and revalidations that made no request here (joined one in flight, served by the
 * cache, or answered by another tab's fetch), and all of them.
 */
function savedCalls({ fetches: { started, joined, served, shared } }: CacheStats): { saved: number; calls: number } {
  return { saved: joined + served + shared, calls: started + joined + served + shared };
}

/** Hit rate, fetch calls and requests saved, now and over the last minute. */
function Rates({ stats, history }: { stats: CacheStats; history: Sample[] }) {
  const { rate, found, reads } = hitRate(stats);
  const { saved, calls } = savedCalls(stats);
  const { started, joined, served, shared } = stats.fetches;
  const line = (pick: (sample: Sample) => number) => history.map((s, i) => `${(i * 240) / (HISTORY - 1)},${48 - (pick(s) * 44) / 100}`).join(" ");
  return h(
    "div",
    null,
    h("p", { "data-cachebus-devtools": "hit-rate", style: S.stat }, `hit rate ${Math.round(rate)}% (${found} of ${reads} reads)`),
    h("p", { "data-cachebus-devtools": "saved", style: S.stat }, `requests saved by dedup and cache: ${saved} of ${calls} fetch calls`),
    h("p", { "data-cachebus-devtools": "fetches", style: S.stat }, `fetches: ${started} started · ${joined} joined · ${served} served${shared ? ` · ${shared} from other tabs` : ""}`),
    h("p", { "data-cachebus-devtools": "tabs", style: S.stat }, tabsLine(stats)),
    h(
      "svg",
      { "data-cachebus-devtools": "chart", viewBox: "0 0 240 50", width: 240, height: 50, role: "img", "aria-label": "hit rate and saved requests over the last minute", style: S.chart },
      h("polyline", { "data-series": "hit", points: line((s) => s.hitRate), fill: "none", stroke: COLORS.hit, strokeWidth: 2 }),
      h("polyline", { "data-series": "saved", points: line((s) => s.saved), fill: "none", stroke: COLORS.fresh, strokeWidth: 2 }),
    ),
    h("p", { style: S.muted }, h("span", { style: { color: COLORS.hit } }, "■ hit rate"), " ", h("span", { style: { color: COLORS.fresh } }, "■ saved requests"), " (last minute, %)"),
  );
}

/** This tab's part among the coordinated tabs: how many are live, what it fetched and holds for them. */
function tabsLine({ tabs: { live, answered, sources } }: CacheStats): string {
  if (live === 1 && answered === 0 && sources.length === 0) return "tabs: this tab alone";
  const holds = sources.length ? ` · holds ${sources.map((name) => `"${name}"`).join(", ")} for all` : "";
  return `tabs: ${live} live · this tab fetched ${answered} for the others${holds}`;
}

/** An error as one line: its name, code and message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}`;
}

/** `HH:MM:SS` of an instant, local time. */
function clock(at: number | undefined): string {
  return new Date(at ?? Date.now()).toTimeString().slice(0, 8);
}

const COLORS = { fresh: "#2f8a4a", stale: "#c98a00", error: "#a4161a", hit: "#3451d1" };
const S = {
  toggle: { zIndex: 2147483000, font: "600 12px system-ui, sans-serif", padding: "6px 10px", border: 0, borderRadius: 6, background: "#1c2230", color: "#fff", cursor: "pointer" },
  panel: { boxSizing: "border-box", font: "12px/1.4 ui-monospace, Menlo, Consolas, monospace", color: "#1c2230", background: "#fff", border: "1px solid #d5dae5", borderRadius: 8, padding: "8px 12px", textAlign: "left" },
  floating: { zIndex: 2147483000, width: 420, maxWidth: "calc(100vw - 24px)", maxHeight: "70vh", overflow: "auto", boxShadow: "0 4px 16px #0003" },
  header: { display: "flex", alignItems: "baseline", gap: 4, marginBottom: 4 },
  close: { marginLeft: "auto", font: "16px system-ui, sans-serif", lineHeight: 1, padding: "0 4px", border: 0, background: "none", color: "#4b556b", cursor: "pointer" },
  heading: { font: "600 12px system-ui, sans-serif", color: "#4b556b", margin: "10px 0 4px" },
  list: { listStyle: "none", padding: 0, margin: 0 },
  row: { display: "grid", gridTemplateColumns: "minmax(0, 1fr) 42px 90px 34px", gap: 6, alignItems: "center", padding: "2px 0" },
  key: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
  bar: { display: "flex", height: 8, background: "#eef0f5", borderRadius: 4, overflow: "hidden" },
  left: { color: "#4b556b", textAlign: "right" },
  stat: { margin: "2px 0" },
  chart: { display: "block", background: "#f4f6fb", borderRadius: 4, marginTop: 4 },
  muted: { color: "#4b556b", margin: 0 },
  error: { color: COLORS.error, margin: 0 },
} satisfies Record<string, CSSProperties>;
