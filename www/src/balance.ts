import { createElement as h, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { httpJson } from "cachebus";
import { CacheProvider, useCache, useCached, useCacheEvent, useCacheStats } from "cachebus/react";

interface Balance {
  user: string;
  tokens: number;
}

/** Keys older versions of the app wrote by hand (seed 003's "legacy global keys"). */
const LEGACY_KEYS = ["tokenBalanceCache_*", "tokenBalance"];

function App() {
  const [user, setUser] = useState(() => sessionStorage.getItem("demo-user") ?? "alice");
  const choose = (next: string) => {
    sessionStorage.setItem("demo-user", next);
    setUser(next);
  };
  return h(
    "div",
    null,
    h(
      "section",
      { className: "card" },
      h("h2", null, "Signed in as"),
      ...["alice", "bob"].map((name) =>
        h("button", { key: name, type: "button", "data-testid": `user-${name}`, disabled: name === user, onClick: () => choose(name) }, name),
      ),
    ),
    h(
      CacheProvider,
      { namespace: "seed-balance", user, fallback: h("p", { "data-testid": "loading" }, "loading…") },
      h(Push),
      h(BalanceCard),
      h(ServerCounter),
      h(Inspector),
    ),
  );
}

/** Server push: the WebSocket's balance updates become `token-balance-updated` events. */
function Push() {
  const cache = useCache();
  useEffect(() => {
    cache.rules({ "token-balance-updated": { tags: ["balance"] } });
    const socket = new WebSocket(`ws://${location.host}/ws`);
    const disconnect = cache.connect(socket, (message) => {
      const update = message as { type?: string; user?: string };
      return update.type === "token-balance-updated" && update.user === cache.user
        ? { event: "token-balance-updated", detail: update }
        : undefined;
    });
    return () => {
      disconnect();
      socket.close();
    };
  }, [cache]);
  return null;
}

function BalanceCard() {
  const cache = useCache();
  const user = cache.user ?? "";
  const [cleaned, setCleaned] = useState(0);
  useEffect(() => setCleaned(cache.cleanLegacy(LEGACY_KEYS)), [cache]);
  const { data, isStale, isFetching, error } = useCached<Balance>("balance", httpJson(`/api/balance/${user}`), {
    tier: "local",
    ttlMs: 30_000,
    dedupMs: 1_000,
    tags: ["balance"],
  });
  const spend = () => fetch(`/api/balance/${user}/spend`, { method: "POST" });
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Balance"),
    h("p", { className: "balance", "data-testid": "balance" }, data ? `${data.user}: ${data.tokens} tokens` : "…"),
    h("p", { className: "muted", "data-testid": "balance-state" }, error ? `error: ${String(error)}` : isStale || isFetching ? "refreshing…" : "fresh"),
    h("button", { type: "button", "data-testid": "spend", onClick: spend }, "Spend 10 tokens"),
    h("p", { className: "muted", "data-testid": "legacy" }, `legacy keys cleaned at start: ${cleaned}`),
  );
}

/** How many balance requests reached the server (dedup and the shared localStorage copy at work). */
function ServerCounter() {
  const [count, setCount] = useState(0);
  useEffect(() => {
    const poll = () => fetch("/api/stats").then((r) => r.json()).then((s: { balance: number }) => setCount(s.balance));
    const timer = setInterval(poll, 300);
    void poll();
    return () => clearInterval(timer);
  }, []);
  return h("section", { className: "card" }, h("h2", null, "Server"), h("p", { "data-testid": "requests" }, `balance requests served: ${count}`));
}

/** Recent cachebus:change events and the hit rate. */
function Inspector() {
  const [events, setEvents] = useState<string[]>([]);
  useCacheEvent<{ origin: string; kind: string; keys: string[] }>("cachebus:change", (event) =>
    setEvents((list) => [`${event.detail.origin} ${event.detail.kind} ${event.detail.keys.join(",")}`, ...list].slice(0, 8)),
  );
  const stats = useCacheStats(500);
  const reads = stats.hits + stats.staleHits + stats.misses;
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Cache inspector"),
    h("p", { className: "stats" }, `hit rate ${reads ? Math.round((100 * (stats.hits + stats.staleHits)) / reads) : 0}% · local entries ${stats.tiers.local.entries}`),
    h("ul", { "data-testid": "events" }, ...events.map((text, i) => h("li", { key: i }, text))),
  );
}

createRoot(document.getElementById("app")!).render(h(App));
