import { createElement as h, Fragment, useCallback, useEffect, useState } from "react";
import { httpJson, type FetchOptions, type SetOptions } from "cachebus";
import { CacheProvider, useCache, useCached, useMutate } from "cachebus/react";
import { useServerStats } from "./server-stats.js";
import { Devtools, mountDemo } from "./shell.js";
import "./stores.css";

/** A row of `GET /api/stores/list`. */
interface StoreSummary {
  id: string;
  name: string;
  lastSyncedAt: string;
}

/** `GET /api/stores/:id/analytics`, also what `POST /api/stores/:id/sync` answers. */
interface StoreAnalytics {
  storeId: string;
  orders: number;
  revenue: number;
  lastSyncedAt: string;
}

/** What a card shows: the server's analytics, or their optimistic copy while a sync is in flight. */
type ShownAnalytics = StoreAnalytics & { syncing?: true };

/** `GET /api/stores/stats`: the GET requests the server answered, per path and status. */
interface ServerStats {
  requests: Record<string, Partial<Record<"200" | "304", number>>>;
  syncs: { ok: number; failed: number };
  failNext: boolean;
}

/** The list changes only when a store syncs, and a sync invalidates it: no staleness timer. */
const LIST_OPTIONS: FetchOptions = { tier: "local", ttlMs: 5 * 60_000 };

/**
 * Analytics are fresh for 30 s, then revalidated with `If-None-Match` (a bodiless 304 while
 * unchanged), and kept for 5 min like the backend's Redis TTL. Reloads read them from localStorage.
 */
const ANALYTICS_OPTIONS: SetOptions = { tier: "local", ttlMs: 5 * 60_000, staleMs: 30_000 };

/** The app event a successful sync emits; its rule invalidates every `stores:*` key. */
const STORE_SYNCED = "store-synced";

const analyticsKey = (storeId: string) => `stores:${storeId}:analytics`;

function App() {
  return h(
    CacheProvider,
    { namespace: "seed-stores", fallback: h("p", { "data-testid": "loading" }, "loading…") },
    h(SyncInvalidatesStores),
    h(StoreList),
    h(StoreCards),
    h(ServerCounter),
    h(Devtools),
  );
}

/** The coordination the seed lacked: a sync makes the list and every store's analytics stale. */
function SyncInvalidatesStores() {
  const cache = useCache();
  useEffect(() => cache.rules({ [STORE_SYNCED]: { pattern: "stores:*" } }), [cache]);
  return null;
}

/** The store list, shared by every component that asks (one request for all of them). */
function useStoreList() {
  return useCached<StoreSummary[]>("stores:list", httpJson("/api/stores/list"), LIST_OPTIONS);
}

/** The table of stores and when each last synced. */
function StoreList() {
  const { data, isStale, isFetching, error } = useStoreList();
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Stores ", h(Freshness, { testId: "list-state", isStale, isFetching })),
    error !== undefined && h("p", { className: "error" }, `could not load the stores: ${String(error)}`),
    data
      ? h(
          "table",
          { "data-testid": "store-list" },
          h("thead", null, h("tr", null, h("th", null, "Store"), h("th", null, "Last sync"))),
          h(
            "tbody",
            null,
            ...data.map((store) =>
              h("tr", { key: store.id, "data-testid": `list-${store.id}` }, h("td", null, store.name), h("td", { className: "value" }, formatInstant(store.lastSyncedAt))),
            ),
          ),
        )
      : h("p", { className: "muted" }, "loading…"),
  );
}

/** One analytics card per store of the list. */
function StoreCards() {
  const { data } = useStoreList();
  return h("div", { className: "store-grid" }, ...(data ?? []).map((store) => h(StoreCard, { key: store.id, store })));
}

/** A store's numbers, their freshness, and the buttons that revalidate and sync them. */
function StoreCard({ store }: { store: StoreSummary }) {
  const cache = useCache();
  useTick(1_000);
  const { data, isStale, isFetching, error, refresh } = useCached<ShownAnalytics>(
    analyticsKey(store.id),
    httpJson(`/api/stores/${store.id}/analytics`),
    ANALYTICS_OPTIONS,
  );
  const { sync, failure } = useSync(store.id);
  const staleAt = cache.peek(analyticsKey(store.id))?.staleAt ?? null;
  const field = (name: string, label: string, value: string) =>
    h("p", { className: `figure ${name}` }, h("span", { className: "muted" }, label), h("span", { "data-testid": `${name}-${store.id}` }, value));
  return h(
    "section",
    { className: "card store", "data-testid": `store-${store.id}` },
    h("h2", null, store.name),
    h(Freshness, { testId: `state-${store.id}`, isStale, isFetching, syncing: data?.syncing, staleAt }),
    data
      ? h(
          Fragment,
          null,
          field("orders", "Orders", data.orders.toLocaleString("id-ID")),
          field("revenue", "Revenue", `Rp ${data.revenue.toLocaleString("id-ID")}`),
          field("synced", "Last sync", formatInstant(data.lastSyncedAt)),
        )
      : h("p", { className: "muted" }, "loading…"),
    h(
      "p",
      { className: "actions" },
      h("button", { type: "button", className: "secondary", "data-testid": `refresh-${store.id}`, disabled: !data || data.syncing, onClick: () => void refresh() }, "Refresh"),
      h("button", { type: "button", "data-testid": `sync-${store.id}`, disabled: !data || data.syncing, onClick: () => data && sync(data) }, "Sync"),
    ),
    error !== undefined && h("p", { className: "error" }, `could not load: ${String(error)}`),
    failure && h("p", { className: "error", "data-testid": `error-${store.id}` }, failure),
  );
}

/**
 * Syncs a store optimistically: the card shows "syncing…" and a new sync time at once; the POST's
 * answer replaces them, then `store-synced` invalidates `stores:*` so the list and every card
 * revalidate once. A failed POST rolls the card back to the numbers from before, with the error.
 */
function useSync(storeId: string) {
  const cache = useCache();
  const mutate = useMutate();
  const [failure, setFailure] = useState<string>();
  const sync = useCallback(
    (current: ShownAnalytics) => {
      setFailure(undefined);
      mutate<ShownAnalytics>(analyticsKey(storeId), (previous) => markSyncing(previous ?? current), {
        ...ANALYTICS_OPTIONS,
        commit: () => postJson<StoreAnalytics>(`/api/stores/${storeId}/sync`),
      }).then(
        () => cache.emit(STORE_SYNCED, { storeId }),
        (error: unknown) => setFailure(`Sync failed: ${error instanceof Error ? error.message : String(error)}. Numbers rolled back.`),
      );
    },
    [cache, mutate, storeId],
  );
  return { sync, failure };
}

/** The optimistic value of a sync in flight: the current numbers, synced now, marked syncing. */
function markSyncing(analytics: ShownAnalytics): ShownAnalytics {
  return { ...analytics, lastSyncedAt: new Date().toISOString(), syncing: true };
}

/** POSTs to `url` and resolves with its JSON; rejects with the status when the server fails. */
async function postJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { method: "POST" });
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}

/**
 * Re-renders the caller every `intervalMs`: the freshness countdown moves, and `useCached` sees
 * that its entry turned stale (nothing announces that moment) and revalidates it.
 */
function useTick(intervalMs: number): void {
  const [, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
}

interface FreshnessProps {
  testId: string;
  isStale: boolean;
  isFetching: boolean;
  /** An optimistic value is shown while a sync is in flight. */
  syncing?: boolean;
  /** When the value turns stale (`null`: only when invalidated). */
  staleAt?: number | null;
}

/** The stale-data indicator: syncing, stale (revalidating), or fresh with the seconds left. */
function Freshness({ testId, isStale, isFetching, syncing, staleAt = null }: FreshnessProps) {
  const [kind, label] = syncing
    ? ["syncing", "syncing…"]
    : isStale
      ? ["stale", isFetching ? "stale · revalidating…" : "stale"]
      : isFetching
        ? ["fresh", "revalidating…"]
        : ["fresh", staleAt === null ? "fresh" : `fresh · ${Math.max(0, Math.ceil((staleAt - Date.now()) / 1000))} s`];
  return h("span", { className: `pill ${kind}`, "data-testid": testId }, label);
}

/** The server's side: GET requests answered per path (200 with a body, 304 without), syncs, and the failure switch. */
function ServerCounter() {
  const { stats, refresh: poll } = useServerStats<ServerStats>("/api/stores/stats");
  const armFailure = (fail: boolean) => fetch("/api/stores/fail-next", { method: "POST", body: JSON.stringify({ fail }) }).then(poll);
  const routes = Object.entries(stats?.requests ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const notModified = routes.reduce((sum, [, counts]) => sum + (counts["304"] ?? 0), 0);
  const answered = routes.reduce((sum, [, counts]) => sum + (counts["200"] ?? 0) + (counts["304"] ?? 0), 0);
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Server: GET requests answered"),
    h(
      "table",
      { className: "requests" },
      h("thead", null, h("tr", null, h("th", null, "Route"), h("th", null, "200 (body)"), h("th", null, "304 (no body)"))),
      h(
        "tbody",
        null,
        ...routes.map(([path, counts]) =>
          h(
            "tr",
            { key: path, "data-route": path },
            h("td", { className: "value" }, `GET ${path}`),
            h("td", { "data-testid": "ok" }, String(counts["200"] ?? 0)),
            h("td", { "data-testid": "not-modified" }, String(counts["304"] ?? 0)),
          ),
        ),
      ),
    ),
    h("p", { className: "counter", "data-testid": "not-modified-total" }, `${notModified} of ${answered} GETs answered 304: the ETag matched, no body sent`),
    h("p", { className: "counter", "data-testid": "syncs" }, `syncs: ${stats?.syncs.ok ?? 0} ok, ${stats?.syncs.failed ?? 0} failed`),
    h(
      "label",
      { className: "fail-toggle" },
      h("input", { type: "checkbox", "data-testid": "fail-next", checked: stats?.failNext ?? false, disabled: !stats, onChange: (event) => void armFailure(event.target.checked) }),
      "Make the next sync fail (the server answers 500)",
    ),
  );
}

/** `2024-02-04 09:00:00 UTC`: the same text in every time zone. */
function formatInstant(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

mountDemo(
  "stores",
  "Store analytics",
  "Seed 004: React Query kept analytics for 5 minutes in front of a Redis cache with its own TTLs, so after " +
    "a store sync the dashboard showed the old numbers. Here analytics are fresh for 30 s, then revalidated " +
    "with their ETag: the server answers 304 while nothing changed (count them below). Sync shows " +
    "\"syncing…\" at once, and its success emits store-synced, whose rule invalidates stores:*: the list and " +
    "every card revalidate once. Arm the failure switch and a sync rolls back to the previous numbers.",
  h(App),
);
