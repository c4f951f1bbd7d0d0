// Internal: a `Cache` over the wasm engine. The engine decides; this class wires the effects it
// asks for: fetches, mutations, subscriptions, revalidation and staleness timers.
import type { Cache } from "../cache.js";
import type { WasmCache } from "../wasm/cachebus.js";
import type { Fetcher, FetchOptions } from "../http.js";
import { checkedKey, fetchOptions, mutateOptions, optionOfType, plainOptions, writeArgs } from "./args.js";
import { Flights } from "./flights.js";
import type { IdbTier } from "./idb-tier.js";
import { Mutations } from "./mutations.js";
import { registerObservable } from "./observe.js";
import type { Persisted } from "./persisted.js";
import { SharedFetches } from "./shared-fetches.js";
import type { TabPresence } from "./tab-presence.js";
import type { WarmStart } from "./warm-start.js";
import { connect, connectOpened, connectShared } from "./push.js";
import { Revalidator } from "./revalidator.js";
import { Subscriptions } from "./subscriptions.js";
import { TagLists } from "./tag-lists.js";
import { Transitions } from "./transitions.js";
import { getValue, setValue } from "./values.js";
import type {
  CacheStats,
  ChangeEventDetail,
  ConnectOptions,
  ChangeKind,
  EmitOptions,
  EntryInfo,
  MutateOptions,
  PushResult,
  Rule,
  RulesOptions,
  SetOptions,
  Target,
} from "../types.js";
import { CacheError } from "../errors.js";

/** Who an emitted event reaches, as the engine's `emit` takes it. */
const Reach = { ThisTab: 0, EveryTab: 1 } as const;

/** The `Cache` that `createCache` returns. */
export class BoundCache implements Cache {
  readonly #inner: WasmCache;
  readonly #tier: IdbTier;
  readonly #persisted: Persisted;
  readonly #shared: SharedFetches | undefined;
  readonly #presence: TabPresence | undefined;
  readonly #warm: WarmStart | undefined;
  /** The shared push sources this tab holds for every tab. */
  readonly #sources = new Set<string>();
  /** The push connections made by `connect` and not yet disconnected: `close` ends them. */
  readonly #connections = new Set<() => void>();
  readonly #subscriptions = new Subscriptions();
  readonly #flights: Flights;
  readonly #mutations: Mutations;
  readonly #revalidator: Revalidator;
  readonly #transitions: Transitions;
  readonly #tagLists: TagLists;

  /**
   * A cache over the engine `inner`, whose `idb` tier is `tier`, read through `persisted`;
   * `focusThrottleMs` is the revalidator's; `presence`, this tab among the coordinated ones (none:
   * the tab works alone), and `warm`, its warm start, are closed with the cache.
   */
  constructor(
    inner: WasmCache,
    tier: IdbTier,
    persisted: Persisted,
    { focusThrottleMs, presence, warm }: { focusThrottleMs: number; presence?: TabPresence | undefined; warm?: WarmStart | undefined },
  ) {
    this.#presence = presence;
    this.#warm = warm;
    this.#inner = inner;
    this.#tier = tier;
    this.#persisted = persisted;
    registerObservable(this, inner);
    const loadValue = (key: string) => persisted.loadValue(key);
    this.#shared = presence && SharedFetches.open(inner, inner.namespace, presence);
    const notify = (key: string) => this.#subscriptions.notify([key]);
    const pending = (key: string) => persisted.pending(key);
    this.#flights = new Flights(inner, loadValue, notify, undefined, this.#shared, pending);
    this.#mutations = new Mutations(inner);
    this.#tagLists = new TagLists((tags) => inner.nameTags(tags));
    this.#revalidator = new Revalidator(this.#flights, this.#subscriptions, focusThrottleMs);
    this.#transitions = new Transitions((key) => inner.peek(key) as EntryInfo | undefined, this.#subscriptions);
    // A load of IndexedDB entries is no change (no `cachebus:change`), but what a subscriber reads
    // of those keys may be new: tell them.
    persisted.onLoaded((key) => this.#subscriptions.has(key), (keys) => {
      this.#subscriptions.notify(keys);
      this.#transitions.syncAll(keys);
    });
    const namespace = inner.namespace;
    inner.onChange((kind: ChangeKind, keysText: string, tags: string[], origin: ChangeEventDetail["origin"], user: string | null) => {
      const keys = keysText.split("\0");
      announce({ namespace, user, kind, keys, tags, origin });
      this.#subscriptions.notify(keys);
      this.#transitions.syncAll(keys);
    });
  }

  get namespace(): string {
    return this.#inner.namespace;
  }

  get user(): string | undefined {
    return this.#inner.user;
  }

  set<T>(key: string, value: T, options?: SetOptions): void {
    setValue(this.#inner, checkedKey(key), value, writeArgs(options, this.#tagLists));
  }

  get<T = unknown>(key: string): T | undefined {
    return getValue(this.#inner, checkedKey(key)) as T | undefined;
  }

  read<T = unknown>(key: string): Promise<T | undefined> {
    return rejecting(() => this.#persisted.read(key) as Promise<T | undefined>);
  }

  peek(key: string): EntryInfo | undefined {
    return this.#inner.peek(checkedKey(key)) as EntryInfo | undefined;
  }

  keys(target: Target = { all: true }): string[] {
    return this.#inner.matchingKeys(target);
  }

  fetch<T>(key: string, fetcher: Fetcher<T>, options?: FetchOptions): Promise<T> {
    return rejecting(() => {
      checkedKey(key);
      if (typeof fetcher !== "function") throw new CacheError("INVALID_OPTIONS", "fetcher must be a function");
      const answer = this.#flights.fetch(key, fetcher, fetchOptions(options));
      this.#revalidator.sync(key);
      return answer;
    });
  }

  on<D = unknown>(name: string, handler: (event: CustomEvent<D>) => void): () => void {
    if (typeof handler !== "function") throw new CacheError("INVALID_OPTIONS", "handler must be a function");
    const id = this.#inner.on(name, handler);
    return () => this.#inner.off(id);
  }

  emit<D = unknown>(name: string, detail?: D, options?: EmitOptions): void {
    const crossTab = plainOptions<EmitOptions>(options, ["crossTab"])?.crossTab;
    optionOfType(crossTab, "boolean", "crossTab");
    this.#inner.emit(name, detail, crossTab === false ? Reach.ThisTab : Reach.EveryTab);
  }

  rules(table: Record<string, Rule>, options?: RulesOptions): () => void {
    const id = this.#inner.rules(table, plainOptions<RulesOptions>(options, ["fallback"])?.fallback);
    return () => this.#inner.removeRules(id);
  }

  connect(source: EventTarget | (() => EventTarget), map: (data: unknown) => PushResult, options?: ConnectOptions): () => void {
    if (typeof map !== "function") throw new CacheError("INVALID_OPTIONS", "map must be a function");
    const shared = plainOptions<ConnectOptions>(options, ["shared"])?.shared;
    if (shared !== undefined && (typeof shared !== "string" || typeof source !== "function")) {
      throw new CacheError("INVALID_OPTIONS", "shared must be a string, given with a function that opens the source");
    }
    if (typeof source !== "function") return this.#connected(connect(this.#inner, source, map));
    if (shared !== undefined && this.#shared) return this.#connected(connectShared(this.#inner, shared, source, map, this.#sources));
    return this.#connected(connectOpened(this.#inner, source, map));
  }

  /** `disconnect`, once, and counted among the connections `close` ends. */
  #connected(disconnect: () => void): () => void {
    const once = () => {
      if (this.#connections.delete(once)) disconnect();
    };
    this.#connections.add(once);
    return once;
  }

  revalidate(target: Target): void {
    for (const key of this.#inner.matchingKeys(target)) {
      if (this.#subscriptions.has(key)) this.#flights.revalidate(key);
    }
  }

  mutate<T>(key: string, valueOrUpdater: T | ((previous: T | undefined) => T), options?: MutateOptions<T>): Promise<T> {
    return rejecting(() => this.#mutations.mutate(checkedKey(key), valueOrUpdater, mutateOptions<T>(options)));
  }

  subscribe(key: string, listener: () => void): () => void {
    checkedKey(key);
    if (typeof listener !== "function") throw new CacheError("INVALID_OPTIONS", "listener must be a function");
    const remove = this.#subscriptions.add(key, listener);
    this.#revalidator.sync(key);
    this.#transitions.sync(key);
    return () => {
      remove();
      this.#revalidator.sync(key);
      this.#transitions.sync(key);
    };
  }

  invalidate(target: Target): number {
    return this.#inner.invalidate(target);
  }

  async remove(target: Target): Promise<number> {
    const removed = this.#inner.remove(target);
    await this.flush(); // a load landing later deletes what it brings of the target too
    return removed;
  }

  async switchUser(user: string | undefined): Promise<void> {
    const before = this.#inner.user;
    // The switch happens now, before any fetch in flight can settle.
    const leftUnloaded = this.#inner.switchUser(user);
    if (this.#inner.user !== before) this.#flights.forgetFetchers();
    // Changes made to the previous user before its entries loaded reach them on disk through a
    // load of them (`flush()` waits for it).
    if (leftUnloaded) void this.#persisted.loadUser(before);
    await this.#persisted.loadUser(this.#inner.user);
  }

  async clearUser(user?: string): Promise<void> {
    const current = user === undefined || user === this.#inner.user;
    this.#inner.clearUser(user);
    if (current) this.#flights.forgetFetchers();
    await this.flush();
  }

  cleanLegacy(keysOrPrefixes: string | string[]): number {
    return this.#inner.cleanLegacy(keysOrPrefixes);
  }

  async flush(): Promise<void> {
    await this.#persisted.loaded(); // the database, and what loading wrote (migrations, removals)
    await this.#tier.flush();
  }

  stats(): CacheStats {
    const tabs = { live: this.#presence?.live ?? 1, answered: this.#shared?.answered ?? 0, sources: [...this.#sources] };
    return { ...(this.#inner.stats() as Omit<CacheStats, "fetches" | "tabs">), fetches: this.#flights.counts(), tabs };
  }

  close(): void {
    for (const disconnect of [...this.#connections]) disconnect(); // no source reopens for a closed cache
    this.#revalidator.stop();
    this.#transitions.stop();
    this.#flights.close();
    this.#shared?.close();
    this.#warm?.close();
    this.#presence?.close();
    this.#inner.close();
    this.#tier.close();
  }
}

/**
 * Dispatches a change as `cachebus:change` on `window` (nothing without one: a worker). What its
 * listeners throw the browser reports; it stops neither the other listeners nor the cache.
 */
function announce(detail: ChangeEventDetail): void {
  if (typeof window !== "undefined") window.dispatchEvent(new CustomEvent("cachebus:change", { detail }));
}

/** `run()`, with what it throws delivered as a rejection: methods returning a promise never throw. */
function rejecting<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}
