import type { DiagnosticCode } from "./errors.js";

/** Where an entry is kept besides memory: nowhere, localStorage (JSON), or IndexedDB (structured clone). */
export type Tier = "memory" | "local" | "idb";

/**
 * Which entries an invalidation or removal applies to: a key, every key with a prefix, every key
 * matching a pattern (`*` is any run of characters), every entry with any of the tags, or all
 * entries of the current user.
 */
export type Target =
  | string
  | { key: string }
  | { prefix: string }
  | { pattern: string }
  | { tags: string[] }
  | { all: true };

/** A data version as given to {@link CacheOptions.version}. */
export type DataVersion = string | number;

/**
 * What the `wasm` option of `createCache` takes: where to get cachebus's WebAssembly module
 * (`cachebus/wasm`, the file `pkg/wasm/cachebus_bg.wasm`), or the module itself.
 * - a URL or a string (a URL relative to the page): fetched; under Node a `file:` URL is read
 *   from disk;
 * - a `Response` or a promise of one (`fetch(url)`): compiled while it downloads;
 * - bytes: an `ArrayBuffer` or a typed array (a `Uint8Array`, Node's `Buffer`);
 * - a `WebAssembly.Module` already compiled: instantiated as is.
 *
 * TypeScript's DOM library declares `WebAssembly.Module` as an empty interface, so this type lets
 * any object through; `createCache` refuses other values with `INVALID_OPTIONS`.
 */
export type WasmSource = string | URL | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** Options of `createCache`. */
export interface CacheOptions {
  /** The app's namespace: 1-64 characters of `A-Z a-z 0-9 _ . -`. */
  namespace: string;
  /** The signed-in user; entries belong to this user. No `:` allowed. */
  user?: string | undefined;
  /** The version of your data; persisted entries of another version are dropped or migrated. */
  version?: DataVersion | undefined;
  /** Brings a persisted value of another version forward; return `undefined` to drop it. */
  migrate?: ((value: unknown, fromVersion: DataVersion | null) => unknown) | undefined;
  /** Defaults for writes that do not say otherwise. */
  defaults?: {
    /** Tier of a write (default `"memory"`). */
    tier?: Tier | undefined;
    /** Lifetime in milliseconds (default `Infinity`: never expires). */
    ttlMs?: number | undefined;
    /** Freshness in milliseconds (default `Infinity`: fresh until invalidated). */
    staleMs?: number | undefined;
  } | undefined;
  /** Minimum milliseconds between two focus/visibility revalidations (default 5000). */
  focusThrottleMs?: number | undefined;
  /**
   * Whether the tabs of this namespace and user coordinate (default `true`; `false` opts out):
   * when several want a key at about the same time, one runs its fetcher and the others take its
   * answer, and a new tab starts with a live tab's fresh memory entries (see "Coordinated tabs" in
   * the README). While another coordinated tab is live, a fetch calls its fetcher once this tab
   * holds the key's Web Lock, a moment after the call; a tab alone calls it at once. Without Web
   * Locks or BroadcastChannel each tab works alone.
   */
  coordinateTabs?: boolean | undefined;
  /**
   * The WebAssembly module, for a setup where the file shipped beside the package cannot be
   * reached (esbuild, a CDN, a test runner): see {@link WasmSource}. By default the module is
   * fetched from beside the package (bundlers ship it), or read from disk under Node. The module
   * is loaded once per page and shared by every cache: the first `createCache` that loads it
   * decides where it comes from, and the `wasm` of later calls is ignored (after a failed load,
   * the next call's `wasm` is used).
   */
  wasm?: WasmSource | undefined;
  /** Byte budgets; the least recently used entries are evicted beyond them. */
  budgets?: {
    /** Values held in memory (JSON length as the estimate); persisted values are unloaded, not deleted. */
    memoryBytes?: number | undefined;
    /** localStorage entries (key + JSON envelope). */
    localBytes?: number | undefined;
    /** IndexedDB entries (JSON length as the estimate). */
    idbBytes?: number | undefined;
  } | undefined;
}

/** Options of `cache.set`. */
export interface SetOptions {
  /** Where to keep the entry besides memory. */
  tier?: Tier | undefined;
  /** Lifetime in milliseconds (`0` expires at once, `Infinity` never). */
  ttlMs?: number | undefined;
  /** Milliseconds the entry is fresh; after that it is served but marked stale. */
  staleMs?: number | undefined;
  /** Labels for invalidation by tag. */
  tags?: string[] | undefined;
  /** The server's validator for this value. */
  etag?: string | undefined;
}

/** Options of `cache.mutate`. */
export interface MutateOptions<T> extends SetOptions {
  /**
   * Sends the change to the server; its result becomes the cached value, or, when it returns
   * nothing, the optimistic value stays.
   */
  commit?: (() => Promise<T | void> | T | void) | undefined;
  /** On a failed commit, restore the value from before (default `true`). */
  rollbackOnError?: boolean | undefined;
}

/** What `cache.peek` tells about a live entry. Instants are `Date.now()` milliseconds; `null`: never. */
export interface EntryInfo {
  /**
   * `"fresh"` or `"stale"` for an entry; `"error"` for a key that holds no value because its
   * fetch failed (a failed first load: `error` and `errorAt` say why and when, `tier` is
   * `"memory"`, `tags` empty, `updatedAt` is `errorAt`), until a value arrives, the key is
   * removed or the user changes.
   */
  state: "fresh" | "stale" | "error";
  tier: Tier;
  tags: string[];
  etag: string | undefined;
  updatedAt: number;
  staleAt: number | null;
  expiresAt: number | null;
  /** The error of the last failed fetch, until a new value arrives. */
  error?: unknown;
  /** When that fetch failed. */
  errorAt?: number;
}

/** Entries and bytes in one tier. */
export interface TierStats {
  entries: number;
  bytes: number;
}

/** How `cache.fetch` calls were answered since the cache was created. */
export interface FetchStats {
  /** Fetcher runs started (a retry of a run is not counted again). */
  started: number;
  /** Calls that joined a fetch already in flight for their key. */
  joined: number;
  /** Calls answered from the cache: a fresh entry, or one fetched less than `dedupMs` ago. */
  served: number;
  /** Calls and revalidations answered by another tab's fetch of the key instead of a fetch here. */
  shared: number;
}

/** Options of `cache.connect`. */
export interface ConnectOptions {
  /**
   * A name the tabs give the same source (a function opening it is required): with coordinated
   * tabs (the default), one tab of the namespace opens and holds it, the others get its pushes
   * through the channel; with `coordinateTabs: false`, each tab opens its own.
   */
  shared?: string | undefined;
}

/** What `cache.stats` reports. */
export interface CacheStats {
  hits: number;
  misses: number;
  staleHits: number;
  evictions: number;
  corrupt: number;
  /** Persistent writes kept in memory only because their tier stayed full. */
  quotaExceeded: number;
  /**
   * Persistent writes kept in memory only, and loads or reads of a persistent tier that failed,
   * because its storage was missing or threw (each a `STORAGE_UNAVAILABLE` diagnostic).
   */
  storageUnavailable: number;
  /** Messages from other tabs refused as malformed, foreign or oversized. */
  rejectedMessages: number;
  /** `fetch` calls: `joined + served` are the requests that deduplication and the cache saved. */
  fetches: FetchStats;
  tiers: Record<Tier, TierStats>;
  /** This tab among the coordinated tabs of its namespace (see "Coordinated tabs" in the README). */
  tabs: TabStats;
}

/** What `cache.stats().tabs` reports: this tab's part in the coordinated tabs of its namespace. */
export interface TabStats {
  /** Coordinated tabs of the namespace live now, this one included: 1 alone or uncoordinated. */
  live: number;
  /** Fetches this tab ran for the other live tabs: their answers went to every tab waiting on them. */
  answered: number;
  /** The shared push sources (`connect`'s `shared` names) this tab holds open for every tab. */
  sources: string[];
}

/** `detail` of a `cachebus:error` event on `window`. */
export interface CacheErrorEventDetail {
  code: DiagnosticCode;
  /** The key concerned (storage diagnostics). */
  key?: string | null;
  /** The tier concerned (storage diagnostics). */
  tier?: Tier | null;
  /** The event whose handler, rule or push mapping failed. */
  event?: string;
  /** What that code threw. */
  error?: unknown;
  namespace: string;
  user: string | null;
}

/**
 * The kind of a change in a `cachebus:change` event. `"evict"`: the entries lost their persisted
 * copy to make room in their tier (a full localStorage, or a tier budget); their values stay in
 * memory in this tab, as `memory` entries.
 */
export type ChangeKind = "set" | "invalidate" | "remove" | "evict" | "expire" | "clear";

/**
 * `detail` of a `cachebus:change` event on `window`: one event per call and kind, however many
 * keys it touched.
 */
export interface ChangeEventDetail {
  namespace: string;
  user: string | null;
  kind: ChangeKind;
  keys: string[];
  /** The tags of the touched entries. */
  tags: string[];
  /** `"local"`: this tab's call; `"tab"`: another tab's, through the namespace's channel; `"push"`: a server push. */
  origin: "local" | "tab" | "push";
}

/**
 * The `detail` of each event name an app emits and listens to, for `emit`, `on`, `rules` and
 * the hooks `useCacheEvent` and `useRules`: a name listed here gets its detail checked and
 * typed; any other name stays untyped. Apps add theirs by module augmentation:
 *
 * ```ts
 * declare module "cachebus" {
 *   interface CacheEvents {
 *     "ai-asset-created": { shop: string; type: string };
 *     "token-balance-updated": undefined; // emitted without a detail
 *   }
 * }
 * ```
 */
export interface CacheEvents {
  "cachebus:change": ChangeEventDetail;
  "cachebus:error": CacheErrorEventDetail;
}

/** The arguments of `emit` after a name of {@link CacheEvents}: its detail (optional when it may be `undefined`), then options. */
export type EmitArgs<N extends keyof CacheEvents> = undefined extends CacheEvents[N]
  ? [detail?: CacheEvents[N], options?: EmitOptions]
  : [detail: CacheEvents[N], options?: EmitOptions];

/**
 * What an app event invalidates: a target, several, or a function of the event's `detail`
 * (of type `D`) returning them (or nothing).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rule<D = any> = Target | Target[] | ((detail: D) => Target | Target[] | null | undefined);

/**
 * What `rules` takes: event names (or `*` patterns) to rules; a rule for a name of
 * {@link CacheEvents} gets that event's detail type.
 */
export type RulesTable = { [N in keyof CacheEvents]?: Rule<CacheEvents[N]> } & Record<string, Rule>;

/** Options of `cache.rules`. */
export interface RulesOptions {
  /**
   * Applied to an event with no rule whose name belongs to a family these rules declare:
   * `action:` is declared by a rule named `action:...`, so `action:unknown` falls back. Each
   * `rules` call's fallback serves its own families (the newest call's first).
   */
  fallback?: Target | Target[] | undefined;
}

/** What a push source's `map` returns: an app event to emit, a target to invalidate, or nothing. */
export type PushResult = { event: string; detail?: unknown } | Target | null | undefined;

/** Options of `cache.emit`. */
export interface EmitOptions {
  /** Also dispatch the event (and apply its rule) in the other tabs (default true). */
  crossTab?: boolean | undefined;
}

declare global {
  interface WindowEventMap {
    "cachebus:error": CustomEvent<CacheErrorEventDetail>;
    "cachebus:change": CustomEvent<ChangeEventDetail>;
  }
}
