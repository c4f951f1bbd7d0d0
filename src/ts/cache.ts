// The public face of a cache: the `Cache` interface and `createCache`, which loads the wasm, opens
// the namespace's IndexedDB database beside it and wires the engine, its `idb` tier and the
// facade (internal/bound-cache.ts).
import type { Fetcher, FetchOptions } from "./http.js";
import { createArgs, optionOfType, plainOptions } from "./internal/args.js";
import { BoundCache } from "./internal/bound-cache.js";
import { discardDatabase, openDatabase } from "./internal/database.js";
import { IdbTier } from "./internal/idb-tier.js";
import { loadBindings, wasmOption } from "./internal/loader.js";
import { Persisted } from "./internal/persisted.js";
import { TabPresence } from "./internal/tab-presence.js";
import { WarmStart } from "./internal/warm-start.js";
import { DEFAULT_FOCUS_THROTTLE_MS } from "./internal/revalidator.js";
import type {
  CacheEvents,
  CacheOptions,
  CacheStats,
  ConnectOptions,
  EmitArgs,
  EmitOptions,
  EntryInfo,
  MutateOptions,
  PushResult,
  RulesOptions,
  RulesTable,
  SetOptions,
  Target,
} from "./types.js";
import { CacheError } from "./errors.js";

/**
 * A cache for one namespace and the current user. Every method checks its arguments: a wrong one
 * is a {@link CacheError} with a code, thrown by the methods that return a value and rejected by
 * those that return a promise (`fetch`, `mutate`, `read`, `remove`, `switchUser`, `clearUser`),
 * which never throw. Nothing a caller's getter or proxy throws escapes: it is `INVALID_OPTIONS`
 * (`INVALID_TARGET` in a target).
 */
export interface Cache {
  /** The namespace given to {@link createCache}. */
  readonly namespace: string;
  /** The current user, or `undefined` when signed out. */
  readonly user: string | undefined;
  /**
   * Stores `value` under `key`. Memory keeps the value itself (`get` returns the same object);
   * `local` and `idb` entries are also persisted. `undefined` is refused.
   */
  set<T>(key: string, value: T, options?: SetOptions): void;
  /** The value from memory, or `undefined` when missing or expired. Never touches IndexedDB. */
  get<T = unknown>(key: string): T | undefined;
  /**
   * The value from memory, then localStorage, then IndexedDB; a key this tab does not know is
   * looked up in IndexedDB too (another tab may have written it since this one loaded).
   */
  read<T = unknown>(key: string): Promise<T | undefined>;
  /** Freshness and metadata of the live entry under `key`, without counting a read. */
  peek(key: string): EntryInfo | undefined;
  /**
   * The current user's live keys that `target` matches (default: all of them), in key order,
   * without counting a read: with `peek`, what an inspector lists.
   */
  keys(target?: Target): string[];
  /**
   * The value of `key` through the cache: fresh (or fetched less than `dedupMs` ago) from the
   * cache, else from `fetcher`, whose answer is stored. Concurrent calls share one fetcher call.
   * A fetch overtaken by a change of its key stores nothing; its callers get a later answer.
   */
  fetch<T>(key: string, fetcher: Fetcher<T>, options?: FetchOptions): Promise<T>;
  /**
   * Calls `listener` on every change of `key` (written, invalidated, removed, its persisted copy
   * evicted, turned stale or expired with time, cleared by a user switch, or a fetch of it
   * failed). A `304 Not Modified` is not a change, unless it made a stale entry fresh again.
   * Returns the function that unsubscribes.
   */
  subscribe(key: string, listener: () => void): () => void;
  /**
   * Optimistic update: shows `valueOrUpdater` (or its result on the current value) to
   * subscribers at once, runs `commit`, stores its result on success; on failure restores the
   * previous value (unless `rollbackOnError: false`) and rethrows. Overlapping mutations of a
   * key settle in the order they started.
   */
  mutate<T>(key: string, valueOrUpdater: T | ((previous: T | undefined) => T), options?: MutateOptions<T>): Promise<T>;
  /**
   * Refetches, in the background, the subscribed keys `target` matches, with the fetcher they
   * were last fetched with (even when fresh, unless a fetch finished within `dedupMs`).
   */
  revalidate(target: Target): void;
  /**
   * Calls `handler` on every `name` event on `window` (app events and `cachebus:*` alike);
   * returns the function that removes it. A throwing handler is reported as a `cachebus:error`
   * (`HANDLER_ERROR`) and stops neither other handlers nor the cache. A name of
   * {@link CacheEvents} types the event's `detail`.
   */
  on<N extends keyof CacheEvents>(name: N, handler: (event: CustomEvent<CacheEvents[N]>) => void): () => void;
  on<D = unknown>(name: string, handler: (event: CustomEvent<D>) => void): () => void;
  /**
   * Dispatches `new CustomEvent(name, { detail })` on `window`, applies the rule for `name`,
   * and (unless `crossTab: false`) does the same in the other tabs of this namespace. A name of
   * {@link CacheEvents} takes exactly its detail.
   */
  emit<N extends keyof CacheEvents>(name: N, ...args: EmitArgs<N>): void;
  emit<D = unknown, N extends string = string>(name: N & (N extends keyof CacheEvents ? never : N), detail?: D, options?: EmitOptions): void;
  /**
   * Adds rules mapping app event names (or `*` patterns) to invalidations, and a fallback for
   * unknown events of the families they declare. Returns the function that takes exactly these
   * rules back (earlier rules for the same names apply again): an effect's cleanup. A rule
   * function for a name of {@link CacheEvents} gets that event's detail type.
   */
  rules(table: RulesTable, options?: RulesOptions): () => void;
  /**
   * Server push: for each `message` of `source` (a WebSocket, an EventSource, any EventTarget),
   * `map(data)` (JSON text is parsed first) returns `{ event, detail }` to emit, a target to
   * invalidate, or nothing. Changes are announced with `origin: "push"` and reach other tabs.
   * Returns the function that disconnects. `source` may be a function that opens it: with
   * `{ shared: name }` and `coordinateTabs`, one tab of the namespace opens and holds the source
   * of that name, the others get its pushes through the channel, and when that tab closes another
   * opens its own (see "Coordinated tabs"); a source the function opened is closed on disconnect,
   * and opened again when it closes (after 1 s, doubling to 30 s while it keeps closing).
   */
  connect(source: EventTarget | (() => EventTarget), map: (data: unknown) => PushResult, options?: ConnectOptions): () => void;
  /** Marks matching entries stale in every tier (they are still served); returns how many. */
  invalidate(target: Target): number;
  /** Deletes matching entries from every tier; resolves with how many once persisted. */
  remove(target: Target): Promise<number>;
  /** Makes `user` current: the previous user's entries are invisible at once. */
  switchUser(user: string | undefined): Promise<void>;
  /** Deletes every entry of `user` (default: the current one) from every tier. */
  clearUser(user?: string): Promise<void>;
  /** Removes localStorage keys of pre-cachebus code: exact names, or prefixes ending in `*`. */
  cleanLegacy(keysOrPrefixes: string | string[]): number;
  /** Resolves when every pending IndexedDB write has committed. */
  flush(): Promise<void>;
  /** Hit, miss and eviction counters, fetch counters, and entries and bytes per tier. */
  stats(): CacheStats;
  /**
   * Drops every entry from memory, closes IndexedDB and disconnects the push sources connected
   * to it; any later call throws `CLOSED`.
   */
  close(): void;
}

/**
 * Creates a cache once the wasm is ready and the user's localStorage entries are loaded; the
 * IndexedDB database opens and its entries load behind it (`read`, `fetch` and `flush` wait for
 * them; `get` sees them once loaded). The wasm module is loaded on the first call and shared by
 * every later one. Rejects with a {@link CacheError} when options are invalid.
 */
export async function createCache(options: CacheOptions): Promise<Cache> {
  // The facade's own options; the engine reads (and checks) the others.
  const own = plainOptions<CacheOptions>(options, ["focusThrottleMs", "coordinateTabs"]);
  const throttle = own?.focusThrottleMs ?? DEFAULT_FOCUS_THROTTLE_MS;
  if (typeof throttle !== "number" || !(throttle >= 0)) {
    throw new CacheError("INVALID_OPTIONS", "focusThrottleMs must be a number >= 0");
  }
  optionOfType(own?.coordinateTabs, "boolean", "coordinateTabs");
  // IndexedDB opens while the wasm loads (it never rejects); the engine validates the options.
  const namespace = namespaceOf(options);
  const opening = openDatabase(namespace);
  // Which tabs are live is learnt meanwhile too (and forgotten if the engine refuses the namespace).
  const presence = own?.coordinateTabs === false || typeof namespace !== "string" ? undefined : TabPresence.open(namespace);
  const meeting = presence?.start();
  try {
    const bindings = await loadBindings(wasmOption(options));
    const tier = new IdbTier();
    const inner = bindings.openCache(...createArgs(options), tier);
    tier.reportTo(inner);
    const persisted = new Persisted(inner, tier);
    // The database and the user's IndexedDB entries come behind: the engine applies the changes
    // made before they land to them, and an entry already held (written here, or a live tab's
    // copy from the warm start, newer or the same) wins over the older copy on disk. A blocked
    // upgrade: the cache runs without IndexedDB until the other connection lets go.
    persisted.open(opening);
    await meeting;
    const warm = presence && WarmStart.open(inner, inner.namespace, presence);
    const cache = new BoundCache(inner, tier, persisted, { focusThrottleMs: throttle, presence, warm });
    await warm?.start();
    return cache;
  } catch (error) {
    presence?.close();
    const { opened, unblocked } = await opening;
    void unblocked?.then(discardDatabase);
    await discardDatabase(opened); // a failed wasm load too: no connection left open
    throw error;
  }
}

/**
 * Starts loading the wasm module now, so that a later {@link createCache} does not wait for it:
 * call it as early as the app knows it will need a cache (at module load, before the first
 * render). Never rejects: a failed load is reported by the `createCache` that retries it. Does
 * nothing on a server (no `fetch` of the module there until asked).
 */
export function preload(): void {
  if (typeof window === "undefined") return;
  loadBindings().catch(() => {});
}

/** `options.namespace` if it can be read (the engine reports what is wrong with it). */
function namespaceOf(options: unknown): unknown {
  try {
    return (options as CacheOptions).namespace;
  } catch {
    return undefined;
  }
}

