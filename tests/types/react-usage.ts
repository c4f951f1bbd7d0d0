// Compiled with `tsc --noEmit` by the test command: the hooks' types accept correct use and refuse
// mistakes (each @ts-expect-error fails the build if its line stops erroring).
import { createElement } from "react";
import { httpJson } from "cachebus";
import {
  CacheProvider,
  useCache,
  useCached,
  useCacheEvent,
  useCacheStats,
  useInvalidate,
  useMutate,
  type Cached,
} from "cachebus/react";

export function Balance() {
  const balance: Cached<{ tokens: number }> = useCached("balance", httpJson<{ tokens: number }>("/api/balance"), {
    tier: "local",
    ttlMs: 30_000,
    dedupMs: 1_000,
  });
  useCacheEvent<{ balance: number }>("token-balance-updated", (event) => void event.detail.balance);
  const invalidate = useInvalidate();
  const mutate = useMutate();
  const stats = useCacheStats();
  const cache = useCache();
  void [invalidate({ tags: ["balance"] }), mutate("balance", { tokens: 1 }), stats.hits, cache.user];
  // @ts-expect-error: ttl is spelt ttlMs
  useCached("x", async () => 1, { ttl: 5 });
  const tokens: number | undefined = balance.data?.tokens;
  return createElement("p", null, tokens, balance.isStale ? " (refreshing)" : "");
}

export const app = createElement(CacheProvider, { namespace: "shop", user: "u_42" }, createElement(Balance));

// A failure goes to onError and errorFallback (a node, or a function of the error) instead of a boundary.
export const handled = createElement(
  CacheProvider,
  {
    namespace: "shop",
    wasm: "/assets/cachebus_bg.wasm",
    onError: (error: unknown) => void error,
    errorFallback: (error: unknown) => createElement("p", null, String(error)),
  },
  createElement(Balance),
);
export const plainFallback = createElement(CacheProvider, { namespace: "shop", onError: () => {}, errorFallback: "unavailable" });

// @ts-expect-error: onError is a function
export const wrongHandler = createElement(CacheProvider, { namespace: "shop", onError: "log" });

// @ts-expect-error: a provider needs its namespace
export const missing = createElement(CacheProvider, { user: "u_42" });
