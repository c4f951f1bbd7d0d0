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
  Suspense,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type DependencyList,
  type ReactNode,
} from "react";
import { checkedKey, fetchOptions, mutateOptions, optionOfType, plainOptions } from "./internal/args.js";
import { CacheError } from "./errors.js";
// Through the package's own name, not "./cache.js": under Node that resolves to its `node` entry,
// which lets the loader read the wasm from disk (D-91 in docs/decisions.md).
import { createCache, type Cache } from "cachebus";
import type { FetchContext, Fetcher, FetchOptions, NotModified } from "./http.js";
import { observe } from "./internal/observe.js";
import type {
  CacheEvents,
  CacheOptions,
  CacheStats,
  EntryInfo,
  MutateOptions,
  PushResult,
  RulesOptions,
  RulesTable,
  SetOptions,
  Target,
} from "./types.js";

/**
 * What the hooks know of their provider: its cache once created, whether that cache holds the
 * provider's user's entries, and a way to wait until it does.
 */
interface Scope {
  /** The cache, once `createCache` resolved (`null` on the server, during hydration, while it loads). */
  cache: Cache | null;
  /** The cache is there and holds `user`'s entries: no switch is under way. */
  ready: boolean;
  /** The provider's `user` prop. */
  user: string | undefined;
  readiness: Readiness;
}

const CacheContext = createContext<Scope | null>(null);

/** A promise with its settling functions; a rejection nobody waits for is no unhandled rejection. */
interface Deferred {
  promise: Promise<Cache>;
  resolve: (cache: Cache) => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (cache: Cache) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<Cache>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * When the provider's cache is ready, for what waits for it: a `useCache` suspended on the
 * server's or the first load's missing cache, and a `refresh` or mutation started before it was.
 */
class Readiness {
  #cache: Cache | null = null;
  #waiting: Deferred | null = null;

  /** Resolves the next time the cache is ready; still pending while it is now (a render saw it missing). */
  next(): Promise<Cache> {
    return (this.#waiting ??= deferred()).promise;
  }

  /** The cache when ready now, else at its next readiness. */
  get(): Promise<Cache> {
    return this.#cache ? Promise.resolve(this.#cache) : this.next();
  }

  open(cache: Cache): void {
    this.#cache = cache;
    this.#waiting?.resolve(cache);
    this.#waiting = null;
  }

  close(): void {
    this.#cache = null;
  }

  /** Rejects what waits: the provider failed or unmounted, and no cache will come. */
  fail(error: unknown): void {
    this.#cache = null;
    this.#waiting?.reject(error);
    this.#waiting = null;
  }
}

/**
 * Props of {@link CacheProvider}: the options of `createCache` (its `wasm` too), children, what
 * to show meanwhile, and what to do when the cache cannot be made.
 */
export interface CacheProviderProps extends CacheOptions {
  children?: ReactNode;
  /**
   * Given, it is rendered instead of the children until the cache is ready (on the server and
   * during hydration too, the first load, and after a `namespace` change; not during a user
   * switch), and it is what the provider's Suspense boundary shows while something below
   * suspends with no closer boundary. Not given (the default), the children render at once and
   * the hooks report `status: "pending"` until the cache is ready.
   */
  fallback?: ReactNode | undefined;
  /**
   * Called with the error when `createCache` or a user switch fails (a {@link CacheError}:
   * `WASM_LOAD_FAILED`, `INVALID_NAMESPACE`, …). Given, the provider renders `errorFallback`
   * instead of throwing the error to the nearest error boundary; an `onError` that throws sends
   * what it threw there.
   */
  onError?: ((error: unknown) => void) | undefined;
  /**
   * Rendered instead of the children after a failure handled by `onError` (default nothing); a
   * function gets the error. Remount the provider (a new `key`) to try again.
   */
  errorFallback?: ReactNode | ((error: unknown) => ReactNode) | undefined;
  /**
   * A cache made with `createCache`, provided instead of one the provider would create: a test
   * seeds it before rendering (`cachebus/testing` does this), or code outside React shares it.
   * The provider neither creates nor closes it and reads none of the cache options but
   * `namespace`, which must be the cache's (else `INVALID_OPTIONS`, handled as a failed
   * `createCache`); a `user` prop other than `cache.user` switches it.
   */
  cache?: Cache | undefined;
}

/**
 * Creates the cache for its subtree (once per namespace) and switches user when the `user` prop
 * changes. It renders its children at once (on the server too): until the cache is ready, the
 * hooks report `status: "pending"`. A user switch keeps the subtree mounted: from the render
 * with the new `user` until the new user's entries are loaded the hooks show nothing (never the
 * previous user's data), then they read the new user's. When `createCache` or the switch fails
 * (the wasm could not load, a wrong namespace or user), the provider throws its
 * {@link CacheError} to the nearest error boundary, or, when it has an `onError` prop, calls it
 * and renders `errorFallback`.
 */
export function CacheProvider({ children, fallback, onError, errorFallback = null, cache: given, ...options }: CacheProviderProps) {
  const [created, setCreated] = useState<{ cache: Cache; namespace: string } | null>(null);
  // The user whose entries the cache holds since their switch completed; `null` while one runs.
  const [switched, setSwitched] = useState<{ cache: Cache; user: string | undefined } | null>(null);
  const [failure, setFailure] = useState<{ error: unknown; handled: boolean } | null>(null);
  const [readiness] = useState(() => new Readiness());
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
  const initial = useRef(options);
  useEffect(() => {
    const namespace = options.namespace;
    if (given) {
      if (given.namespace !== namespace) return fail(new CacheError("INVALID_OPTIONS", "namespace must be the namespace of the cache given"));
      setCreated({ cache: given, namespace });
      setSwitched({ cache: given, user: given.user });
      return;
    }
    let alive = true;
    let made: Cache | undefined;
    createCache({ ...initial.current, namespace }).then(
      (c) => {
        if (!alive) return c.close();
        made = c;
        setCreated({ cache: c, namespace });
        setSwitched({ cache: c, user: c.user });
      },
      (error: unknown) => alive && fail(error),
    );
    return () => {
      alive = false;
      made?.close();
    };
  }, [options.namespace, given]);
  // A cache made for another namespace is closed by now: it is no cache of this render's.
  const cache = created !== null && created.namespace === options.namespace ? created.cache : null;
  useEffect(() => {
    if (!cache || cache.user === options.user) return;
    let current = true;
    setSwitched(null);
    // The previous user's entries are invisible from this call on; the hooks wait for the next
    // user's to be loaded (reading before would fetch what IndexedDB holds).
    cache.switchUser(options.user).then(
      () => current && setSwitched({ cache, user: options.user }),
      (error: unknown) => current && fail(error),
    );
    return () => {
      current = false;
    };
  }, [cache, options.user]);
  // `cache.user` too: in the render with a new `user` prop, before the effect above has switched.
  const ready = cache !== null && switched?.cache === cache && switched.user === options.user && cache.user === options.user;
  useEffect(() => (ready && cache ? readiness.open(cache) : readiness.close()), [readiness, ready, cache]);
  // Once a failure has replaced the children, what waited for the cache learns it will not come.
  useEffect(() => void (failure && readiness.fail(failure.error)), [readiness, failure]);
  useEffect(() => () => readiness.fail(new CacheError("CLOSED", "the CacheProvider unmounted before its cache was ready")), [readiness]);
  const scope = useMemo<Scope>(() => ({ cache, ready, user: options.user, readiness }), [cache, ready, options.user, readiness]);
  if (failure && !failure.handled) throw failure.error;
  if (failure) return typeof errorFallback === "function" ? errorFallback(failure.error) : errorFallback;
  // A boundary of its own, below it: a `useCache` suspended with the provider inside the
  // suspended tree would keep the provider from mounting, and so from ever creating the cache.
  const content = fallback !== undefined && cache === null ? fallback : createElement(Suspense, { fallback: fallback ?? null, children });
  return createElement(CacheContext.Provider, { value: scope }, content);
}

function useScope(): Scope {
  const scope = useContext(CacheContext);
  if (!scope) throw new Error("cachebus: useCache and the hooks need a <CacheProvider> above them");
  return scope;
}

/**
 * The cache of the nearest {@link CacheProvider}. Until it has been created (on the server,
 * during hydration, while the wasm loads) this suspends: the component shows the nearest
 * Suspense fallback (the provider's `fallback` when there is no closer boundary). During a user
 * switch it returns the cache, whose reads (`get`, `peek`) may still see the previous user's
 * entries until the provider's effect has switched it; read data through {@link useCached}.
 */
export function useCache(): Cache {
  const { cache, readiness } = useScope();
  if (!cache) throw readiness.next();
  return cache;
}

/** What {@link Cached.status} says: no data yet, a failed fetch, or data to show. */
export type CachedStatus = "pending" | "error" | "success";

/** What {@link useCached} returns. */
export interface Cached<T> {
  /**
   * The cached value (stale ones too, while revalidating), through `select` when given; the
   * previous key's while a new key loads, with `keepPreviousData`; `initialData` until the
   * cache is ready.
   */
  data: T | undefined;
  /**
   * The error of the last failed fetch (a first load too), until a new value arrives: what the
   * fetcher threw (an {@link HttpError} from `httpJson`, anything an app's fetcher throws), or a
   * {@link CacheError}. Typed `unknown` because a fetcher may throw anything.
   */
  error: unknown;
  /**
   * `"error"`: the last fetch failed (`error`; `data` keeps the value from before, if any);
   * `"success"`: there is `data`; `"pending"`: neither yet (the cache not ready, a first load
   * in flight, or the hook disabled).
   */
  status: CachedStatus;
  /** `status` is `"pending"` and a fetch this hook started is in flight: a first load. */
  isLoading: boolean;
  /** A fetch this hook started is in flight (background revalidations do not count). */
  isFetching: boolean;
  /** The value is stale (invalidated, or older than `staleMs`). */
  isStale: boolean;
  /** `data` is the previous key's, shown by `keepPreviousData` while this key loads. */
  isPlaceholderData: boolean;
  /** When the value was written (`Date.now()` ms). */
  updatedAt: number | undefined;
  /**
   * Fetches again now (bypassing the dedup window); resolves with the value fetched (through
   * `select`), rejects with the fetch's error. Before the cache is ready it waits for it; a
   * disabled hook (`enabled: false`, a `null` key) rejects with `INVALID_OPTIONS`.
   */
  refresh: () => Promise<Refreshed<T>>;
}

/** What {@link Cached.refresh} resolves with: the value fetched. */
export interface Refreshed<T> {
  /** The value the fetch gave (through `select`). */
  data: T;
  /** Always `undefined`: a failed refresh rejects instead. */
  error: undefined;
}

/** Options of {@link useCached}: those of `cache.fetch`, and how the hook reads. */
export interface UseCachedOptions<T, S = T> extends FetchOptions {
  /**
   * `false`: the hook neither fetches nor subscribes nor reads the cache, and reports
   * `status: "pending"` (default `true`). A `null` key does the same.
   */
  enabled?: boolean | undefined;
  /**
   * While a new key has no value yet, show the previous key's data (of the same provider and
   * user), with `isPlaceholderData` (default `false`).
   */
  keepPreviousData?: boolean | undefined;
  /**
   * Derives what the hook returns from the cached value; recomputed when the value or the
   * function changes (pass a stable function to keep the result's identity between renders).
   * What it throws is thrown while rendering.
   */
  select?: ((data: T) => S) | undefined;
  /**
   * Data the app already has for this key (server-fetched): until the cache is ready (on the
   * server, during hydration) it is `data`; then the first render finding the key holding
   * nothing writes it to the cache with this call's `tier`, `ttlMs`, `staleMs`, `tags` and
   * `etag`, so every component sees the same entry. Written once per mount and key, and only
   * for the user the component mounted under: after a user switch it is neither shown nor
   * written. `undefined` or `null`: none.
   */
  initialData?: T | undefined;
  /**
   * `true`: a mount over a fresh entry revalidates it in the background, as a focus does (not
   * within `dedupMs` of its last fetch). Default `false`: a fresh entry is served as is; a
   * missing or stale one is fetched either way, a failed load is tried again once.
   */
  revalidateOnMount?: boolean | undefined;
}

/** Options of {@link useSuspenseCached}: those of {@link useCached} but `enabled` and `keepPreviousData`. */
export interface UseSuspenseCachedOptions<T, S = T> extends Omit<UseCachedOptions<T, S>, "enabled" | "keepPreviousData"> {}

/** What {@link useSuspenseCached} returns: {@link Cached} with its data there. */
export interface SuspenseCached<T> extends Cached<T> {
  /** The cached value (through `select`): the hook suspends until there is one. */
  data: T;
  /** `"error"`: a refetch failed, and `data` is the value from before. */
  status: "success" | "error";
}

/** The value a fetcher's answer (or promise of one) stands for, without `notModified`. */
export type FetchedData<R> = Exclude<Awaited<R>, NotModified>;

/**
 * A fetcher whose answer's type TypeScript can infer: its context is not generic (`previous`
 * is `unknown`; give `T`, or a `Fetcher<T>`, to have it typed).
 */
export type AnyFetcher = (context: FetchContext<unknown>) => unknown;

const HOOK_OPTIONS = ["enabled", "keepPreviousData", "select", "initialData", "revalidateOnMount"] as const;

/** The hook's own options, each read once and checked (fetch options are `fetchOptions`'). */
function hookOptions<T, S>(options: unknown): UseCachedOptions<T, S> {
  const own = plainOptions<UseCachedOptions<T, S>>(options, HOOK_OPTIONS) ?? {};
  optionOfType(own.enabled, "boolean", "enabled");
  optionOfType(own.keepPreviousData, "boolean", "keepPreviousData");
  optionOfType(own.revalidateOnMount, "boolean", "revalidateOnMount");
  optionOfType(own.select, "function", "select");
  return own;
}

/**
 * The value of `key` through the cache: fetched with `fetcher` when missing or stale, shared by
 * every component that asks, re-rendered when it changes (not when a 304 or an equal value
 * arrives). A `null` key or `enabled: false` is a hook that does nothing yet. Until the
 * provider's cache is ready (the server, hydration, a user switch) it reports
 * `status: "pending"` (or `initialData`). Wrong arguments throw a {@link CacheError} while
 * rendering.
 */
export function useCached<F extends AnyFetcher, S>(
  key: string | null,
  fetcher: F,
  options: UseCachedOptions<FetchedData<ReturnType<F>>, S> & { select: (data: FetchedData<ReturnType<F>>) => S },
): Cached<S>;
export function useCached<F extends AnyFetcher, D extends FetchedData<ReturnType<F>>>(
  key: string | null,
  fetcher: F,
  options?: UseCachedOptions<NoInfer<D>, never>,
): Cached<D>;
export function useCached<T, S = T>(key: string | null, fetcher: Fetcher<T>, options?: UseCachedOptions<T, S>): Cached<S>;
export function useCached<T, S>(key: string | null, fetcher: Fetcher<T>, options?: UseCachedOptions<T, S>): Cached<S> {
  return useCachedCore(key, fetcher, options).result;
}

/**
 * {@link useCached} for Suspense: while `key` has no value it suspends (the nearest Suspense
 * boundary shows its fallback) and fetches; a failed load (the key's error, until a value
 * arrives) is thrown to the nearest error boundary; so `data` is always there. To try again
 * after a failure, remove the key's error (`cache.remove(key)`) before resetting the boundary.
 * With `initialData` it renders on the server; without, it suspends there (with
 * `renderToString`, React then renders that boundary on the client).
 */
export function useSuspenseCached<F extends AnyFetcher, S>(
  key: string,
  fetcher: F,
  options: UseSuspenseCachedOptions<FetchedData<ReturnType<F>>, S> & { select: (data: FetchedData<ReturnType<F>>) => S },
): SuspenseCached<S>;
export function useSuspenseCached<F extends AnyFetcher, D extends FetchedData<ReturnType<F>>>(
  key: string,
  fetcher: F,
  options?: UseSuspenseCachedOptions<NoInfer<D>, never>,
): SuspenseCached<D>;
export function useSuspenseCached<T, S = T>(key: string, fetcher: Fetcher<T>, options?: UseSuspenseCachedOptions<T, S>): SuspenseCached<S>;
export function useSuspenseCached<T, S>(key: string, fetcher: Fetcher<T>, options?: UseSuspenseCachedOptions<T, S>): SuspenseCached<S> {
  if (typeof key !== "string") throw new CacheError("INVALID_KEY", "key must be a string");
  const { result, hasValue, cache, readiness, checked } = useCachedCore(key, fetcher, options);
  if (hasValue) return result as SuspenseCached<S>;
  if (result.status === "error") throw result.error;
  throw cache ? suspenseLoad(cache, key, fetcher, checked) : readiness.next();
}

/** The loads suspended renders wait on, per cache and key: a render again waits on the same one. */
const suspenseLoads = new WeakMap<Cache, Map<string, Promise<unknown>>>();

/** A load of `key` that settles when the fetch does (its failure shows as the key's error). */
function suspenseLoad<T>(cache: Cache, key: string, fetcher: Fetcher<T>, options: FetchOptions | undefined): Promise<unknown> {
  let loads = suspenseLoads.get(cache);
  if (!loads) suspenseLoads.set(cache, (loads = new Map()));
  let load = loads.get(key);
  if (!load) {
    const done = () => loads.delete(key);
    load = cache.fetch(key, fetcher, options).then(done, done);
    loads.set(key, load);
  }
  return load;
}

/** A fetch this hook started, to tell whether the current key and cache have one in flight. */
interface Run {
  cache: Cache;
  key: string;
}

/** What {@link useCached} and {@link useSuspenseCached} share: the result, and what suspending needs. */
function useCachedCore<T, S>(key: string | null, fetcher: Fetcher<T>, options: UseCachedOptions<T, S> | undefined) {
  const scope = useScope();
  // Checked while rendering: the fetches below run in effects that swallow their rejections (a
  // fetcher's failure shows through `error`), where a wrong argument would go unnoticed.
  if (typeof fetcher !== "function") throw new CacheError("INVALID_OPTIONS", "fetcher must be a function");
  if (key !== null) checkedKey(key);
  const checked = fetchOptions(options);
  const { enabled = true, keepPreviousData = false, select, initialData, revalidateOnMount = false } = hookOptions<T, S>(options);
  const active = key !== null && enabled;
  // The cache this hook reads: none while disabled, and none until it holds the provider's user.
  const cache = active && scope.ready ? scope.cache : null;
  // initialData is the app's data for the user the component mounted under (server-rendered
  // for them): it never crosses a user switch, and seeds a key once per mount (a removal later
  // is refetched, not seeded with what the server sent back then).
  const [mountedUser] = useState(scope.user);
  const ownInitial = initialData !== undefined && scope.user === mountedUser ? initialData : undefined;
  const seeded = useRef<string | null>(null);
  if (cache && ownInitial !== undefined && seeded.current !== key) {
    seeded.current = key;
    if (cache.peek(key!) === undefined) cache.set(key!, ownInitial, checked);
  }
  const [runs, setRuns] = useState<readonly Run[]>([]);
  const latest = useRef({ fetcher, options: checked, select, revalidateOnMount });
  latest.current = { fetcher, options: checked, select, revalidateOnMount };
  const run = useCallback(async (on: Cache, force: boolean): Promise<T> => {
    const started: Run = { cache: on, key: key! };
    setRuns((list) => [...list, started]);
    try {
      return await on.fetch(key!, latest.current.fetcher, { ...latest.current.options, force });
    } finally {
      setRuns((list) => list.filter((other) => other !== started));
    }
  }, [key]);
  const entry = useEntry<T>(cache, key);
  const state = entry.info?.state;
  useEffect(() => {
    if (cache && (state === undefined || state === "stale")) run(cache, false).catch(ignore);
  }, [cache, run, state]);
  // A mount that a fresh entry serves is a fetch call the cache answered without a request:
  // going through `fetch` counts it (`stats().fetches.served`, a hit) and remembers the fetcher,
  // which `revalidate` then runs. A mount over a failed load tries again (once: its own failure
  // does not loop).
  useEffect(() => {
    if (!cache) return;
    const mounted = cache.peek(key!)?.state;
    if (mounted === "error") run(cache, false).catch(ignore);
    if (mounted !== "fresh") return;
    cache.fetch(key!, latest.current.fetcher, latest.current.options).catch(ignore);
    if (latest.current.revalidateOnMount) cache.revalidate(key!);
  }, [cache, key]);
  // The last value this hook showed from the cache, with the provider and user it belongs to.
  const shown = useRef<{ cache: Cache | null; user: string | undefined; data: T } | null>(null);
  const failed = entry.info?.errorAt !== undefined;
  const placeholder =
    keepPreviousData && entry.data === undefined && !failed && shown.current?.cache === scope.cache && shown.current.user === scope.user
      ? shown.current.data
      : undefined;
  const initial = active && !scope.ready ? ownInitial : undefined;
  const isPlaceholderData = entry.data === undefined && initial === undefined && placeholder !== undefined;
  const base = entry.data ?? initial ?? placeholder;
  useEffect(() => {
    if (entry.data !== undefined) shown.current = { cache: scope.cache, user: scope.user, data: entry.data };
  });
  const data = useMemo(() => (base === undefined || !select ? (base as S | undefined) : select(base)), [base, select]);
  const refresh = useCallback(async (): Promise<Refreshed<S>> => {
    if (!active) throw new CacheError("INVALID_OPTIONS", "refresh of a disabled useCached (enabled: false or a null key)");
    const value = await run(cache ?? (await scope.readiness.get()), true);
    const pick = latest.current.select;
    return { data: pick ? pick(value) : (value as unknown as S), error: undefined };
  }, [active, cache, run, scope.readiness]);
  const status: CachedStatus = failed ? "error" : base !== undefined ? "success" : "pending";
  const isFetching = cache !== null && runs.some((r) => r.cache === cache && r.key === key);
  const result: Cached<S> = {
    data,
    error: failed ? entry.info?.error : undefined,
    status,
    isLoading: status === "pending" && isFetching,
    isFetching,
    isStale: state === "stale",
    isPlaceholderData,
    updatedAt: entry.info?.updatedAt,
    refresh,
  };
  // `hasValue`, not `data`: `select` may derive `undefined` from a value.
  return { result, hasValue: base !== undefined, cache, readiness: scope.readiness, checked };
}

const ignore = () => {};

interface Entry<T> {
  data: T | undefined;
  info: EntryInfo | undefined;
}

const NO_ENTRY: Entry<never> = { data: undefined, info: undefined };

/**
 * The value and metadata of `key` in `cache`, as one snapshot that keeps its identity while
 * unchanged; nothing, and no subscription, without a cache or a key.
 */
function useEntry<T>(cache: Cache | null, key: string | null): Entry<T> {
  const snapshot = useRef<Entry<T>>(NO_ENTRY);
  const subscribe = useCallback(
    (onChange: () => void) => (cache && key !== null ? cache.subscribe(key, onChange) : ignore),
    [cache, key],
  );
  const read = () => {
    if (!cache || key === null) return (snapshot.current = NO_ENTRY);
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

/** Options of {@link useMutation}: where the value is kept, and how it reaches the server. */
export interface UseMutationOptions<T> extends SetOptions {
  /**
   * Sends the change to the server, given the value shown optimistically; its result becomes
   * the cached value, or, when it returns nothing, the optimistic value stays.
   */
  commit?: ((value: T) => Promise<T | void> | T | void) | undefined;
  /** On a failed commit, restore the value from before (default `true`). */
  rollbackOnError?: boolean | undefined;
}

/** What {@link Mutation.status} says: not run (or reset), running, failed, done. */
export type MutationStatus = "idle" | "pending" | "error" | "success";

/** What {@link useMutation} returns; the state is the latest call's. */
export interface Mutation<T> {
  /** Starts a mutation; its failure shows through `error` (nothing is thrown or rejected). */
  mutate: (valueOrUpdater: T | ((previous: T | undefined) => T)) => void;
  /** Starts a mutation; resolves with the value stored, rejects with the commit's error. */
  mutateAsync: (valueOrUpdater: T | ((previous: T | undefined) => T)) => Promise<T>;
  /** Where the latest call is. */
  status: MutationStatus;
  /** `status` is `"pending"`. */
  isPending: boolean;
  /** What the latest call's commit threw (a {@link CacheError} for wrong options), until `reset` or the next call. */
  error: unknown;
  /** The value the latest call stored, once it succeeded. */
  data: T | undefined;
  /** Back to `"idle"`: forgets the latest call's outcome (a call still running no longer reports). */
  reset: () => void;
}

interface MutationState<T> {
  status: MutationStatus;
  data: T | undefined;
  error: unknown;
}

const IDLE: MutationState<never> = { status: "idle", data: undefined, error: undefined };

/**
 * An optimistic update of `key` with its state: `cache.mutate(key, valueOrUpdater, options)`
 * (the value shown at once, `commit` run, rolled back on failure), and whether the latest call is
 * running, failed or stored its value. A call made before the cache is ready waits for it.
 */
export function useMutation<T>(key: string, options?: UseMutationOptions<T>): Mutation<T> {
  const scope = useScope();
  checkedKey(key);
  const checked = mutateOptions<T>(options);
  const latest = useRef(checked);
  latest.current = checked;
  const [state, setState] = useState<MutationState<T>>(IDLE);
  const calls = useRef(0);
  const cache = scope.ready ? scope.cache : null;
  const mutateAsync = useCallback(
    async (valueOrUpdater: T | ((previous: T | undefined) => T)): Promise<T> => {
      const call = ++calls.current;
      const report = (next: MutationState<T>) => calls.current === call && setState(next);
      setState({ status: "pending", data: undefined, error: undefined });
      try {
        const on = cache ?? (await scope.readiness.get());
        const { commit, ...rest } = (latest.current ?? {}) as UseMutationOptions<T>;
        let shown: T;
        const value = await on.mutate<T>(
          key,
          (previous) =>
            (shown = typeof valueOrUpdater === "function" ? (valueOrUpdater as (previous: T | undefined) => T)(previous) : valueOrUpdater),
          { ...rest, commit: commit && (() => commit(shown)) } as MutateOptions<T>,
        );
        report({ status: "success", data: value, error: undefined });
        return value;
      } catch (error) {
        report({ status: "error", data: undefined, error });
        throw error;
      }
    },
    [cache, key, scope.readiness],
  );
  const mutate = useCallback((valueOrUpdater: T | ((previous: T | undefined) => T)) => void mutateAsync(valueOrUpdater).catch(ignore), [mutateAsync]);
  const reset = useCallback(() => {
    calls.current++;
    setState(IDLE);
  }, []);
  return { mutate, mutateAsync, ...state, isPending: state.status === "pending", reset };
}

/**
 * Calls `handler` on every `name` event on `window` while mounted (the latest handler), from
 * when the provider's cache exists (nothing on the server). Names in {@link CacheEvents} type
 * the event's `detail`.
 */
export function useCacheEvent<N extends keyof CacheEvents>(name: N, handler: (event: CustomEvent<CacheEvents[N]>) => void): void;
export function useCacheEvent<D = unknown>(name: string, handler: (event: CustomEvent<D>) => void): void;
export function useCacheEvent<D>(name: string, handler: (event: CustomEvent<D>) => void): void {
  const { cache } = useScope();
  if (typeof handler !== "function") throw new CacheError("INVALID_OPTIONS", "handler must be a function");
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => cache?.on<D>(name, (event) => latest.current(event)), [cache, name]);
}

/**
 * Registers `table` (see `cache.rules`) while mounted, from when the provider's cache exists;
 * registered again with the render's table when a value in `deps` changes, and taken back on
 * unmount. What `cache.rules` refuses is thrown from the effect (to the nearest error boundary).
 */
export function useRules(table: RulesTable, deps: DependencyList, options?: RulesOptions): void {
  const { cache } = useScope();
  if (!Array.isArray(deps)) throw new CacheError("INVALID_OPTIONS", "deps must be an array");
  useEffect(() => cache?.rules(table, options), [cache, ...deps]);
}

/**
 * Server push while mounted (see `cache.connect`), from when the provider's cache exists: `source`
 * is connected, or `source()` is called to make the source, which the hook then owns and
 * `close()`s on cleanup (a `WebSocket`, an `EventSource`). Reconnected when a value in `deps`
 * changes (or another `source` object is passed); `map` is the latest one.
 */
export function useConnect(source: EventTarget | (() => EventTarget), map: (data: unknown) => PushResult, deps: DependencyList): void {
  const { cache } = useScope();
  if (typeof map !== "function") throw new CacheError("INVALID_OPTIONS", "map must be a function");
  if (!Array.isArray(deps)) throw new CacheError("INVALID_OPTIONS", "deps must be an array");
  const latest = useRef(map);
  latest.current = map;
  const made = typeof source === "function";
  useEffect(() => {
    if (!cache) return;
    const target = typeof source === "function" ? source() : source;
    const close = () => made && (target as { close?: () => void }).close?.();
    try {
      const disconnect = cache.connect(target, (data) => latest.current(data));
      return () => {
        disconnect();
        close();
      };
    } catch (error) {
      close();
      throw error;
    }
  }, [cache, made ? null : source, ...deps]);
}

/** `invalidate(target)` of the provider's cache; suspends until it is created, as {@link useCache}. */
export function useInvalidate(): (target: Target) => number {
  const cache = useCache();
  return useCallback((target: Target) => cache.invalidate(target), [cache]);
}

/**
 * `mutate(key, valueOrUpdater, options)` of the provider's cache; suspends until it is created,
 * as {@link useCache}. {@link useMutation} also tracks the call's state, and does not suspend.
 */
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
 * (a finite number > 0); suspends until the cache is created, as {@link useCache}.
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
