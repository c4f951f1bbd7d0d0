import { HttpError } from "./errors.js";
import type { SetOptions } from "./types.js";

/** What a fetcher returns when the server says the cached value is still good (HTTP 304). */
export const notModified: unique symbol = Symbol.for("cachebus.notModified");

/** The type of {@link notModified}. */
export type NotModified = typeof notModified;

/** What a fetcher is given. */
export interface FetchContext<T> {
  /** Aborted when the fetch is overtaken (the key was set, invalidated or removed, or the user switched). */
  signal: AbortSignal;
  /** The etag stored with the cached value, if any. */
  etag?: string;
  /** The cached value, if any. */
  previous?: T;
  /** Stores `etag` with the value this fetch returns. */
  setEtag(etag: string): void;
}

/** Loads the value of a key: its answer is stored in the cache (unless overtaken). */
export type Fetcher<T> = (context: FetchContext<T>) => Promise<T | NotModified> | T | NotModified;

/** Options of `cache.fetch`: where and how long to keep the answer, and when to go to the network. */
export interface FetchOptions extends SetOptions {
  /**
   * A fetch that finished less than this many milliseconds ago serves callers without a new call,
   * even when the entry is already stale. Default 2000 (SWR's). `set`, `invalidate`, `remove`
   * and a user switch close the window.
   */
  dedupMs?: number | undefined;
  /** Go to the network whatever the cache holds (replaces a fetch in flight). */
  force?: boolean | undefined;
  /** Retries of a rejected fetcher: `count` more attempts, `baseDelayMs` doubled each time (max 30 s). */
  retry?: { count: number; baseDelayMs?: number | undefined } | undefined;
  /** While the key has subscribers: refetch when the tab becomes visible or the window gets focus (default true). */
  revalidateOnFocus?: boolean | undefined;
  /** While the key has subscribers: refetch when the browser comes back online (default true). */
  revalidateOnReconnect?: boolean | undefined;
  /** While the key has subscribers: refetch every this many milliseconds. */
  refreshIntervalMs?: number | undefined;
  /** Keep `refreshIntervalMs` going while the tab is hidden (default false: paused). */
  refreshWhenHidden?: boolean | undefined;
}

/** A ready fetcher for JSON over HTTP: sends `If-None-Match`, maps 304 to {@link notModified}, keeps the `ETag`. */
export function httpJson<T = unknown>(url: string | URL, init?: RequestInit): Fetcher<T> {
  return async ({ signal, etag, setEtag }) => {
    const headers = new Headers(init?.headers);
    if (etag !== undefined) headers.set("If-None-Match", etag);
    const response = await fetch(url, { ...init, headers, signal });
    if (response.status === 304) return notModified;
    const where = String(url);
    if (!response.ok) {
      throw new HttpError("HTTP_STATUS", `${response.status} ${response.statusText} from ${where}`, response.status, where);
    }
    let data: T;
    try {
      data = (await response.json()) as T;
    } catch {
      throw new HttpError("INVALID_JSON", `the body from ${where} is not JSON`, response.status, where);
    }
    const tag = response.headers.get("ETag");
    if (tag !== null) setEtag(tag);
    return data;
  };
}
