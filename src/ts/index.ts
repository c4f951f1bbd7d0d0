/**
 * cachebus: a browser cache layer compiled from Rust to WebAssembly.
 *
 * ```ts
 * const cache = await createCache({ namespace: "shop", user: "u_42" });
 * cache.set("balance", { tokens: 100 }, { ttlMs: 30_000 });
 * cache.get("balance"); // { tokens: 100 } until 30 s have passed, then undefined
 * ```
 */
import type { WasmCache } from "./wasm/cachebus.js";
import { loadBindings } from "./loader.js";

export { CacheError, type CacheErrorCode } from "./errors.js";

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** The app's namespace: 1-64 characters of `A-Z a-z 0-9 _ . -`. */
  namespace: string;
  /** The signed-in user; entries belong to this user. No `:` allowed. */
  user?: string;
  /** Defaults for writes that do not say otherwise. */
  defaults?: {
    /** Lifetime of an entry in milliseconds; `Infinity` (the default) never expires. */
    ttlMs?: number;
  };
}

/** Options of {@link Cache.set}. */
export interface SetOptions {
  /** Lifetime of this entry in milliseconds (`0` expires at once, `Infinity` never). */
  ttlMs?: number;
}

/** A cache for one namespace and user. Methods throw {@link CacheError} on bad input. */
export interface Cache {
  /** The namespace given to {@link createCache}. */
  readonly namespace: string;
  /** The user given to {@link createCache}, if any. */
  readonly user: string | undefined;
  /** Stores `value` as is (the same object is returned by `get`). `undefined` is refused. */
  set<T>(key: string, value: T, options?: SetOptions): void;
  /** The value under `key`, or `undefined` when it is missing or expired. */
  get<T = unknown>(key: string): T | undefined;
  /** Drops every entry; any later call throws a `CLOSED` error. */
  close(): void;
}

/**
 * Creates a cache. The wasm module is loaded on the first call and shared by every later one.
 * Rejects with a {@link CacheError} when the options are invalid.
 */
export async function createCache(options: CacheOptions): Promise<Cache> {
  const bindings = await loadBindings();
  return new BoundCache(new bindings.WasmCache(options));
}

class BoundCache implements Cache {
  readonly #inner: WasmCache;

  constructor(inner: WasmCache) {
    this.#inner = inner;
  }

  get namespace(): string {
    return this.#inner.namespace;
  }

  get user(): string | undefined {
    return this.#inner.user;
  }

  set<T>(key: string, value: T, options?: SetOptions): void {
    this.#inner.set(key, value, options);
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#inner.get(key) as T | undefined;
  }

  close(): void {
    this.#inner.close();
  }
}
