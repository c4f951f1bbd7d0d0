// Compiled with `tsc --noEmit` by the test command: the public types accept correct use and
// refuse mistakes. Each @ts-expect-error fails the build if the line it guards stops erroring.
import { CacheError, createCache, type Cache, type CacheErrorCode, type CacheOptions } from "cachebus";

export async function correctUse(): Promise<number | undefined> {
  const options: CacheOptions = { namespace: "shop", user: "u_42", defaults: { ttlMs: 30_000 } };
  const cache: Cache = await createCache(options);
  cache.set("balance", { tokens: 100 }, { ttlMs: 1_000 });
  const balance = cache.get<{ tokens: number }>("balance");
  const user: string | undefined = cache.user;
  void user;
  cache.close();
  return balance?.tokens;
}

export function handles(error: unknown): CacheErrorCode | undefined {
  return error instanceof CacheError ? error.code : undefined;
}

export async function mistakes() {
  // @ts-expect-error: namespace is required
  await createCache({ user: "u_42" });
  // @ts-expect-error: a misspelt option name
  await createCache({ namespace: "shop", usr: "u_42" });
  const cache = await createCache({ namespace: "shop" });
  // @ts-expect-error: ttl is spelt ttlMs
  cache.set("k", 1, { ttl: 5 });
  // @ts-expect-error: keys are strings
  cache.get(42);
  // @ts-expect-error: get may return undefined
  const n: number = cache.get<number>("k");
  void n;
  // @ts-expect-error: codes are a closed set
  const code: CacheErrorCode = "NOT_A_CODE";
  void code;
}
