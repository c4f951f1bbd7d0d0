import { createElement as h, Fragment, useEffect, useState } from "react";
import { httpJson } from "cachebus";
import { CacheProvider, useCache, useCached } from "cachebus/react";
import { useServerStats } from "./server-stats.js";
import { Devtools, mountDemo } from "./shell.js";

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
    Fragment,
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
      // Coordinated tabs (the default): one tab holds the push socket and refetches for all (one request per push).
      { namespace: "seed-balance", user, fallback: h("p", { "data-testid": "loading" }, "loading…") },
      h(Push),
      h(BalanceCard),
      h(ServerCounter),
      h(Devtools),
    ),
  );
}

/**
 * Server push: the WebSocket's balance updates become `token-balance-updated` events. One tab of
 * the namespace opens the socket (`shared`) and its pushes reach the other tabs; when it closes,
 * another tab opens its own.
 */
function Push() {
  const cache = useCache();
  useEffect(() => {
    const removeRules = cache.rules({ "token-balance-updated": { tags: ["balance"] } });
    const open = () => new WebSocket(`ws://${location.host}/ws`);
    const disconnect = cache.connect(
      open,
      (message) => {
        const update = message as { type?: string; user?: string };
        return update.type === "token-balance-updated" && update.user === cache.user
          ? { event: "token-balance-updated", detail: update }
          : undefined;
      },
      { shared: "balance-updates" },
    );
    return () => {
      disconnect();
      removeRules();
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
  const { stats } = useServerStats<{ balance: number }>("/api/balance/stats");
  return h("section", { className: "card" }, h("h2", null, "Server"), h("p", { "data-testid": "requests" }, `balance requests served: ${stats?.balance ?? 0}`));
}

mountDemo(
  "balance",
  "Token balance",
  "Seed 003: the balance lives in localStorage with a 30 s TTL and a 1 s dedup window, per user. " +
    "Spending pushes token-balance-updated over a WebSocket; a rule invalidates the balance tag, and every " +
    "open tab refetches at once. Open this page in two tabs, spend in one, watch the other; switch user and " +
    "the previous user's balance is never shown.",
  h(App),
);
