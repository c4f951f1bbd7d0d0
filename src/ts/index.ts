/**
 * cachebus: a browser cache layer compiled from Rust to WebAssembly.
 *
 * ```ts
 * const cache = await createCache({ namespace: "shop", user: "u_42" });
 * cache.set("balance", { tokens: 100 }, { tier: "local", ttlMs: 30_000 });
 * cache.get("balance"); // { tokens: 100 }, also after a reload, until 30 s have passed
 * ```
 */
export { createCache, preload, type Cache } from "./cache.js";
export { CacheError, HttpError, type CacheErrorCode, type DiagnosticCode } from "./errors.js";
export { httpJson, notModified, type FetchContext, type Fetcher, type FetchOptions, type NotModified } from "./http.js";
export type * from "./types.js";
