"use client";
/**
 * cachebus for React: a provider that owns the cache, and hooks built on
 * `useSyncExternalStore` (no tearing; stale data shown while revalidating).
 *
 * ```tsx
 * <CacheProvider namespace="shop" user={userId}>
 *   <Balance />
 * </CacheProvider>
 *
 * function Balance() {
 *   const { data, isStale } = useCached("balance", httpJson("/api/balance"), { tier: "local", ttlMs: 30_000 });
 *   return <p>{data?.tokens}{isStale ? " (refreshing)" : ""}</p>;
 * }
 * ```
 */
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { fetchOptions } from "./internal/args.js";
import { CacheError } from "./errors.js";
// Through the package's own name, not "./cache.js": under Node that resolves to its `node` entry,
// which lets the loader read the wasm from disk (D-91 in docs/decisions.md).
import { createCache, type Cache } from "cachebus";
import type { Fetcher, FetchOptions } from "./http.js";
import { observe } from "./internal/observe.js";
import type { CacheOptions, CacheStats, EntryInfo, MutateOptions, Target } from "./types.js";

const CacheContext = createContext<Cache | null>(null);

/**
 * Props of {@link CacheProvider}: the options of `createCache` (its `wasm` too), children, what
 * to show meanwhile, and what to do when the cache cannot be made.
 */
export interface CacheProviderProps extends CacheOptions {
  children?: ReactNode;
  /** Rendered until the cache is ready (default nothing). */
  fallback?: ReactNode;
  /**
   * Called with the error when `createCache` or a user switch fails (a {@link CacheError}:
   * `WASM_LOAD_FAILED`, `INVALID_NAMESPACE`, …). Given, the provider renders `errorFallback`
   * instead of throwing the error to the nearest error boundary; an `onError` that throws sends
   * what it threw there.
   */
  onError?: (error: unknown) => void;
  /**
   * Rendered instead of the children after a failure handled by `onError` (default nothing); a
   * function gets the error. Remount the provider (a new `key`) to try again.
   */
  errorFallback?: ReactNode | ((error: unknown) => ReactNode);
}

/**
 * Creates the cache for its subtree (once per namespace) and switches user when the `user` prop
 * changes: the previous user's entries are invisible at once. When `createCache` or the switch
 * fails (the wasm could not load, a wrong namespace or user), the provider throws its
 * {@link CacheError} to the nearest error boundary, or, when it has an `onError` prop, calls it
 * and renders `errorFallback`.
 */
export function CacheProvider({ children, fallback = null, onError, errorFallback = null, ...options }: CacheProviderProps) {
  const [cache, setCache] = useState<Cache | null>(null);
  const [failure, setFailure] = useState<{ error: unknown; handled: boolean } | null>(null);
  // The latest handler: a failure is handled by the prop at the time it happens.
  const handler = useRef(onError);
  handler.current = onError;
  const fail = useCallback((error: unknown) => {
    const handle = handler.current;
    if (!handle) return setFailure({ error, handled: false });
    try {
      handle(error);
      setFailure({ error, handled: true });
    } catch (thrown) {
      setFailure({ error: thrown, handled: false });
    }
  }, []);
  // The user whose entries the cache holds; until a switch completes, children are not rendered
  // (they would show the previous user's data for a frame).
  const [activeUser, setActiveUser] = useState(options.user);
  const initial = useRef(options);
  useEffect(() => {
    let alive = true;
    let created: Cache | undefined;
    createCache({ ...initial.current, namespace: options.namespace }).then(
      (c) => {
        if (alive) setCache((created = c));
        else c.close();
      },
      (error: unknown) => alive && fail(error),
    );
    return () => {
      alive = false;
      created?.close();
    };
  }, [options.namespace]);
  useEffect(() => {
    if (!cache) return;
    let current = true;
    const switching = cache.user === options.user ? Promise.resolve() : cache.switchUser(options.user);
    switching.then(
      () => current && setActiveUser(options.user),
      (error: unknown) => current && fail(error),
    );
    return () => {
      current = false;
    };
  }, [cache, options.user]);
  if (failure && !failure.handled) throw failure.error;
  if (failure) return typeof errorFallback === "function" ? errorFallback(failure.error) : errorFallback;
  const ready = cache !== null && activeUser === options.user && cache.user === options.user;
  return createElement(CacheContext.Provider, { value: cache }, ready ? children : fallback);
}

/** The cache of the nearest {@link CacheProvider}. */
export function useCache(): Cache {
  const cache = useContext(CacheContext);
  if (!cache) throw new Error("cachebus: useCache and the hooks need a <CacheProvider> above them");
  return cache;
}

/** What {@link useCached} returns. */
export interface Cached<T> {
  /** The cached value (stale ones too, while revalidating). */
  data: T | undefined;
  /** The error of the last failed fetch (a first load too), until a new value arrives. */
  error: unknown;
  /** The value is stale (invalidated, or older than `staleMs`). */
  isStale: boolean;
  /** A fetch this hook started is in flight. */
  isFetching: boolean;
  /** When the value was written (`Date.now()` ms). */
  updatedAt: number | undefined;
  /** Fetches again now (bypassing the dedup window); resolves with what that fetch gave. */
  refresh: () => Promise<Refreshed<T>>;
}

/** What {@link Cached.refresh} resolves with: the value fetched, or why there is none. */
export interface Refreshed<T> {
  /** The value the fetch gave, `undefined` when it failed. */
  data: T | undefined;
  /** The fetch's error, `undefined` when it succeeded. */
  error: unknown;
}

/**
 * The value of `key` through the cache: fetched with `fetcher` when missing or stale, shared by
 * every component that asks, re-rendered when it changes (not when a 304 or an equal value
 * arrives). Wrong arguments throw a {@link CacheError} while rendering.
 */
export function useCached<T>(key: string, fetcher: Fetcher<T>, options?: FetchOptions): Cached<T> {
  const cache = useCache();
  // Checked while rendering: the fetches below run in effects that swallow their rejections (a
  // fetcher's failure shows through `error`), where a wrong argument would go unnoticed.
  if (typeof fetcher !== "function") throw new CacheError("INVALID_OPTIONS", "fetcher must be a function");
  const checked = fetchOptions(options);
  const [isFetching, setFetching] = useState(false);
  const latest = useRef({ fetcher, options: checked });
  latest.current = { fetcher, options: checked };
  const run = useCallback(
    async (force: boolean): Promise<Refreshed<T>> => {
      setFetching(true);
      try {
        return { data: await cache.fetch(key, latest.current.fetcher, { ...latest.current.options, force }), error: undefined };
      } catch (error) {
        return { data: undefined, error }; // also shown through `error` (peek), unless the user changed
      } finally {
        setFetching(false);
      }
    },
    [cache, key],
  );
  const entry = useEntry<T>(cache, key);
  useEffect(() => {
    if (entry.info === undefined || entry.info.state === "stale") void run(false);
  }, [run, entry.info === undefined, entry.info?.state]);
  // A mount that a fresh entry serves is a fetch call the cache answered without a request:
  // going through `fetch` counts it (`stats().fetches.served`, a hit) and remembers the fetcher.
  // A mount over a failed load tries again (once: its own failure does not loop).
  useEffect(() => {
    const state = cache.peek(key)?.state;
    if (state === "error") void run(false);
    if (state !== "fresh") return;
    cache.fetch(key, latest.current.fetcher, latest.current.options).catch(() => {});
  }, [cache, key]);
  const refresh = useCallback(() => run(true), [run]);
  return {
    data: entry.data,
    error: entry.info?.error,
    isStale: entry.info?.state === "stale",
    isFetching,
    updatedAt: entry.info?.updatedAt,
    refresh,
  };
}

interface Entry<T> {
  data: T | undefined;
  info: EntryInfo | undefined;
}

/** The value and metadata of `key`, as one snapshot that keeps its identity while unchanged. */
function useEntry<T>(cache: Cache, key: string): Entry<T> {
  const snapshot = useRef<Entry<T>>({ data: undefined, info: undefined });
  const subscribe = useCallback((onChange: () => void) => cache.subscribe(key, onChange), [cache, key]);
  const read = () => {
    const info = cache.peek(key);
    // A render is not a read to count; a failed load has no value to show.
    const data = info && info.state !== "error" ? observe<T>(cache, key) : undefined;
    const previous = snapshot.current;
    const same =
      previous.data === data &&
      previous.info?.state === info?.state &&
      previous.info?.error === info?.error &&
      (previous.info === undefined) === (info === undefined);
    if (!same) snapshot.current = { data, info };
    return snapshot.current;
  };
  return useSyncExternalStore(subscribe, read, read);
}

/** Calls `handler` on every `name` event on `window` while mounted (the latest handler). */
export function useCacheEvent<D = unknown>(name: string, handler: (event: CustomEvent<D>) => void): void {
  const cache = useCache();
  if (typeof handler !== "function") throw new CacheError("INVALID_OPTIONS", "handler must be a function");
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => cache.on<D>(name, (event) => latest.current(event)), [cache, name]);
}

/** `invalidate(target)` of the provider's cache. */
export function useInvalidate(): (target: Target) => number {
  const cache = useCache();
  return useCallback((target: Target) => cache.invalidate(target), [cache]);
}

/** `mutate(key, valueOrUpdater, options)` of the provider's cache. */
export function useMutate(): <T>(
  key: string,
  valueOrUpdater: T | ((previous: T | undefined) => T),
  options?: MutateOptions<T>,
) => Promise<T> {
  const cache = useCache();
  return useCallback((key, valueOrUpdater, options) => cache.mutate(key, valueOrUpdater, options), [cache]);
}

/**
 * The cache's `stats()`, refreshed on every change (`cachebus:change`) and every `intervalMs`
 * (a finite number > 0).
 */
export function useCacheStats(intervalMs = 1_000): CacheStats {
  const cache = useCache();
  // setInterval would take a string, 0 or Infinity as "as often as possible".
  if (typeof intervalMs !== "number" || !(intervalMs > 0 && intervalMs < Infinity)) {
    throw new CacheError("INVALID_OPTIONS", "intervalMs must be a finite number > 0");
  }
  const [stats, setStats] = useState(() => cache.stats());
  useEffect(() => {
    const update = () => setStats(cache.stats());
    const off = cache.on("cachebus:change", update);
    const timer = setInterval(update, intervalMs);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [cache, intervalMs]);
  return stats;
}
