// Compiled with `tsc --noEmit` by the test command: the public types accept correct use and
// refuse mistakes. Each @ts-expect-error fails the build if the line it guards stops erroring.
import {
  CacheError,
  createCache,
  preload,
  type Cache,
  type CacheErrorCode,
  type CacheOptions,
  type CacheStats,
  type DiagnosticCode,
  type EntryInfo,
  type Target,
  type WasmSource,
} from "cachebus";

export async function correctUse(): Promise<number | undefined> {
  const options: CacheOptions = {
    namespace: "shop",
    user: "u_42",
    version: 2,
    migrate: (value, from) => (from === 1 ? value : undefined),
    defaults: { tier: "local", ttlMs: 30_000, staleMs: 5_000 },
    budgets: { memoryBytes: 1 << 20, localBytes: 1 << 20, idbBytes: 50 << 20 },
  };
  const nothing: void = preload();
  void nothing;
  const cache: Cache = await createCache(options);
  cache.set("balance", { tokens: 100 }, { tier: "idb", ttlMs: 1_000, staleMs: 500, tags: ["balance"], etag: '"1"' });
  const balance = cache.get<{ tokens: number }>("balance");
  const read: { tokens: number } | undefined = await cache.read<{ tokens: number }>("balance");
  void read;
  const info: EntryInfo | undefined = cache.peek("balance");
  const stale: boolean = info?.state === "stale";
  void stale;
  const targets: Target[] = ["balance", { prefix: "assets:" }, { pattern: "assets:*:fonts" }, { tags: ["a"] }, { all: true }];
  for (const target of targets) cache.invalidate(target);
  // A commit that returns nothing keeps the optimistic value.
  const kept: { tokens: number } = await cache.mutate("balance", { tokens: 1 }, { commit: async () => {} });
  void kept;
  const listed: string[] = [...cache.keys(), ...cache.keys({ prefix: "assets:" })];
  void listed;
  const removed: number = await cache.remove({ key: "balance" });
  void removed;
  await cache.switchUser("u_77");
  await cache.switchUser(undefined);
  await cache.clearUser();
  cache.cleanLegacy(["tokenBalanceCache_*", "tokenBalance"]);
  await cache.flush();
  const stats: CacheStats = cache.stats();
  const localBytes: number = stats.tiers.local.bytes;
  const saved: number = stats.fetches.joined + stats.fetches.served;
  void [localBytes, saved];
  window.addEventListener("cachebus:error", (event) => {
    const code: DiagnosticCode = event.detail.code;
    void code;
  });
  window.addEventListener("cachebus:change", (event) => {
    const origin: "local" | "tab" | "push" = event.detail.origin;
    void origin;
  });
  const off = cache.on<{ shop: string }>("ai-asset-created", (event) => void event.detail.shop);
  off();
  cache.emit("ai-asset-created", { shop: "shop1" }, { crossTab: false });
  const removeRules: () => void = cache.rules(
    {
      "ai-asset-created": (detail: { shop: string }) => ({ pattern: `assets:${detail.shop}:*` }),
      "action:create_client": [{ prefix: "clients" }],
      "token-balance-updated": { tags: ["balance"] },
    },
    { fallback: [{ prefix: "clients" }, { prefix: "sessions" }] },
  );
  removeRules();
  cache.close();
  return balance?.tokens;
}

export async function handsOverTheWasm(bytes: Uint8Array, module: WebAssembly.Module) {
  const sources: WasmSource[] = ["/cachebus_bg.wasm", new URL("https://cdn.example/cachebus_bg.wasm"), fetch("/w.wasm"), await fetch("/w.wasm"), bytes, bytes.buffer as ArrayBuffer, module];
  for (const wasm of sources) await createCache({ namespace: "shop", wasm });
  const failed: CacheErrorCode = "WASM_LOAD_FAILED";
  return failed;
}

export function handles(error: unknown): CacheErrorCode | undefined {
  return error instanceof CacheError ? error.code : undefined;
}

export async function mistakes() {
  // @ts-expect-error: namespace is required
  await createCache({ user: "u_42" });
  // @ts-expect-error: a misspelt option name
  await createCache({ namespace: "shop", usr: "u_42" });
  // @ts-expect-error: budgets are spelt memoryBytes, localBytes, idbBytes
  await createCache({ namespace: "shop", budgets: { memory: 1 } });
  const cache = await createCache({ namespace: "shop" });
  // @ts-expect-error: keys takes a target, not a bare number
  cache.keys(5);
  // @ts-expect-error: ttl is spelt ttlMs
  cache.set("k", 1, { ttl: 5 });
  // @ts-expect-error: there is no "session" tier
  cache.set("k", 1, { tier: "session" });
  // @ts-expect-error: keys are strings
  cache.get(42);
  // @ts-expect-error: get may return undefined
  const n: number = cache.get<number>("k");
  void n;
  // @ts-expect-error: a target names one of key, prefix, pattern, tags, all
  cache.invalidate({ prefixes: ["a"] });
  // @ts-expect-error: all must be true
  cache.invalidate({ all: false });
  // @ts-expect-error: a rule is a target, targets, or a function
  cache.rules({ "x:y": 42 });
  // @ts-expect-error: emit options are { crossTab }
  cache.emit("x", {}, { everywhere: true });
  // @ts-expect-error: codes are a closed set
  const code: CacheErrorCode = "NOT_A_CODE";
  void code;
  // A source, or a function that opens it, shared by name across coordinated tabs.
  const disconnect: () => void = cache.connect(() => new WebSocket("ws://x"), () => "balance", { shared: "balance" });
  disconnect();
  // @ts-expect-error: shared names a source by a string
  cache.connect(() => new WebSocket("ws://x"), () => "balance", { shared: 1 });
}
