/**
 * Every code a {@link CacheError} thrown by a call can carry. Stable: switch on these.
 * `SCOPE_CHANGED`: a `fetch` was in flight when the user was switched or cleared (or the cache
 * closed); its answer belonged to the previous user and was dropped, and its fetcher is not run
 * again for the next one.
 * `WASM_LOAD_FAILED`: `createCache` could not fetch, compile or instantiate the WebAssembly
 * module; the message names where it looked and what to change per bundler, `cause` holds the
 * underlying error. The next `createCache` tries again. Raised by the facade's loader only (the
 * Rust side has no such code: it does not exist until the module has loaded).
 */
export type CacheErrorCode =
  | "INVALID_OPTIONS"
  | "INVALID_NAMESPACE"
  | "INVALID_USER"
  | "INVALID_KEY"
  | "INVALID_TTL"
  | "INVALID_VALUE"
  | "INVALID_TIER"
  | "INVALID_TARGET"
  | "CLOSED"
  | "REENTRANT"
  | "SCOPE_CHANGED"
  | "WASM_LOAD_FAILED"
  | "HTTP_STATUS"
  | "INVALID_JSON";

/**
 * Codes of `cachebus:error` diagnostics: something went wrong without failing the call.
 * - `QUOTA_EXCEEDED`: a persistent tier was full even after evicting; the entry is memory-only.
 * - `STORAGE_UNAVAILABLE`: localStorage or IndexedDB is missing or throws; the entry is memory-only.
 * - `CORRUPT_ENTRY`: a persisted entry was unreadable or foreign; it was removed.
 * - `HANDLER_ERROR`: an `on` handler threw; `RULE_ERROR`: a rule threw or returned no target.
 * - `BROADCAST_FAILED`: an event's detail could not be sent to the other tabs (not cloneable).
 * - `PUSH_ERROR`: a pushed message whose `data` could not be read, or that `map` threw on or
 *   could not turn into an event or a target;
 *   `SOURCE_CLOSED` / `SOURCE_ERROR`: a connected source closed or failed.
 */
export type DiagnosticCode =
  | "QUOTA_EXCEEDED"
  | "STORAGE_UNAVAILABLE"
  | "CORRUPT_ENTRY"
  | "HANDLER_ERROR"
  | "RULE_ERROR"
  | "BROADCAST_FAILED"
  | "PUSH_ERROR"
  | "SOURCE_CLOSED"
  | "SOURCE_ERROR";

/** The error cachebus throws on bad input or misuse. `code` is stable across versions. */
export class CacheError extends Error {
  /** What went wrong, as a stable machine-readable code. */
  readonly code: CacheErrorCode;

  /** `options.cause`: the error that led to this one (the platform's, for `WASM_LOAD_FAILED`). */
  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CacheError";
    this.code = code;
  }
}

/** What `httpJson` rejects with: a non-2xx status (`HTTP_STATUS`) or a body that is not JSON (`INVALID_JSON`). */
export class HttpError extends CacheError {
  /** The response status. */
  readonly status: number;
  /** The URL requested. */
  readonly url: string;

  constructor(code: "HTTP_STATUS" | "INVALID_JSON", message: string, status: number, url: string) {
    super(code, message);
    this.name = "HttpError";
    this.status = status;
    this.url = url;
  }
}
