// The store-analytics seed's server (seed 004): a store list and per-store analytics with ETags
// (so unchanged data is a 304), a slow store sync that changes the numbers (or fails with 500
// when the page armed "fail next"), and the GET requests it answered, per route and status.
import { apiPlugin, createCounter, readJson, sendJson, sleep } from "./lib/http.mjs";

/** The stores at start: the last sync is the seed's date, before anyone pressed "Sync". */
const STORES = [
  { id: "jkt", name: "Jakarta Central", orders: 1204, revenue: 186_450_000 },
  { id: "bdg", name: "Bandung", orders: 842, revenue: 97_300_000 },
  { id: "sby", name: "Surabaya", orders: 517, revenue: 64_120_000 },
];
const FIRST_SYNC = "2024-02-04T09:00:00.000Z";

/** What one sync imports into a store (deterministic, so a test can name the new numbers). */
const IMPORTED_PER_SYNC = { orders: 12, revenue: 1_850_000 };

/** How long a sync takes (it pulls orders from the marketplace). */
const SYNC_MS = 300;

/** How long the analytics query takes, so a revalidation is visible on the page. */
const ANALYTICS_QUERY_MS = 150;


/**
 * Serves `GET /api/stores/list`, `GET /api/stores/:id/analytics`, `POST /api/stores/:id/sync`,
 * `POST /api/stores/fail-next` (the next sync answers 500) and `GET /api/stores/stats`.
 */
export default function storesApi() {
  const stores = new Map(STORES.map((store) => [store.id, { ...store, lastSyncedAt: FIRST_SYNC }]));
  const requests = createCounter();
  const syncs = { ok: 0, failed: 0 };
  let failNext = false;

  /** Answers a GET and counts it under its path, by the status sent (200 or 304). */
  const answer = (request, response, path, body) => requests.note(path, sendJson(request, response, body));

  const analyticsOf = ({ id, orders, revenue, lastSyncedAt }) => ({ storeId: id, orders, revenue, lastSyncedAt });

  /** Imports new orders into `store` after SYNC_MS, or fails with 500 when armed to. */
  const sync = async (request, response, store) => {
    await sleep(SYNC_MS);
    if (failNext) {
      failNext = false;
      syncs.failed += 1;
      return void sendJson(request, response, { error: "marketplace sync failed" }, 500);
    }
    store.orders += IMPORTED_PER_SYNC.orders;
    store.revenue += IMPORTED_PER_SYNC.revenue;
    store.lastSyncedAt = new Date().toISOString();
    syncs.ok += 1;
    sendJson(request, response, analyticsOf(store));
  };

  const handle = async (request, response, url) => {
    const path = url.pathname;
    if (!path.startsWith("/api/stores/")) return false;
    if (path === "/api/stores/stats") return void sendJson(request, response, { requests: requests.counts, syncs, failNext });
    if (path === "/api/stores/list") {
      const list = [...stores.values()].map(({ id, name, lastSyncedAt }) => ({ id, name, lastSyncedAt }));
      return void answer(request, response, path, list);
    }
    if (path === "/api/stores/fail-next" && request.method === "POST") {
      failNext = (await readJson(request)).fail !== false;
      return void sendJson(request, response, { failNext });
    }
    const match = path.match(/^\/api\/stores\/(\w+)\/(analytics|sync)$/);
    const store = match && stores.get(match[1]);
    if (!store) return void sendJson(request, response, { error: "no such store or route" }, 404);
    if (match[2] === "sync") {
      if (request.method !== "POST") return void sendJson(request, response, { error: "POST to sync" }, 405);
      return sync(request, response, store);
    }
    await sleep(ANALYTICS_QUERY_MS);
    answer(request, response, path, analyticsOf(store));
  };
  return apiPlugin("cachebus-demo-stores-api", handle);
}
