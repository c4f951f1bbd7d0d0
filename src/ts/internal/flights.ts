import { CacheError } from "../errors.js";
import { notModified, type FetchContext, type Fetcher, type FetchOptions, type NotModified } from "../http.js";
import type { EntryInfo, FetchStats } from "../types.js";
import type { WasmCache } from "../wasm/cachebus.js";
import { writeArgs } from "./args.js";
import type { SharedFetches } from "./shared-fetches.js";
import { getValue, observeValue } from "./values.js";

// Internal: not exported from the package (its declarations would pull in wasm-bindgen's).

interface Flight {
  key: string;
  promise: Promise<unknown>;
  controller: AbortController;
}

/** How many times a call follows overtaking fetches before it settles for the latest answer. */
const MAX_OVERTAKES = 3;

/**
 * What the engine says became of a finished fetch (`storeFetched`, `confirmFetched`, `failFetch`):
 * current (stored), or, as `1`, overtaken by a change within the same scope (its callers may
 * fetch again), or outlived by its scope (user switched or cleared, cache closed: its callers get
 * nothing of it).
 */
const CURRENT = 0;
const SCOPE_ENDED = 2;
/** The engine's plans "start a fetch" and "load the value from its persistent tier, then plan again". */
const START = -1;
const LOAD = -2;

/**
 * Runs fetches for one cache. The engine decides (serve, join or start; store or not); this
 * holds the promises and abort controllers of the fetches in flight, by id.
 */
export class Flights {
  readonly #inner: WasmCache;
  /** Reads a persisted value back into memory (internal/persisted.ts), uncounted. */
  readonly #loadValue: (key: string) => Promise<unknown>;
  readonly #retryDelay: (attempt: number, baseDelayMs: number) => number;
  readonly #notify: (key: string) => void;
  readonly #flights = new Map<number, Flight>();
  /**
   * Per key, the fetch in flight the engine would let a plain call join: its entry goes when the
   * fetch settles or a change of the key outdates it, so a join needs no trip into the engine.
   */
  readonly #joinable = new Map<string, Flight>();
  /** The fetcher and options each key was last fetched with, for background revalidation. */
  readonly #known = new Map<string, { fetcher: Fetcher<unknown>; options: FetchOptions }>();
  readonly #counts: FetchStats = { started: 0, joined: 0, served: 0, shared: 0 };
  /** Fetches shared with the other tabs; `undefined`: this tab fetches alone. */
  readonly #shared: SharedFetches | undefined;
  /** A load that may yet bring `key` from a persistent tier, if any (internal/persisted.ts). */
  readonly #pending: (key: string) => Promise<void> | undefined;
  #closed = false;

  /**
   * `notify(key)` is told what the change feed does not announce: a fetch of `key` failed (`peek`
   * shows the error), or a "not modified" made a stale entry fresh again. `pending(key)` is the
   * load that may yet bring `key` (IndexedDB loading behind `createCache`): a fetch that would
   * start waits for it first.
   */
  constructor(
    inner: WasmCache,
    loadValue: (key: string) => Promise<unknown>,
    notify: (key: string) => void,
    delayOfRetry: (attempt: number, baseDelayMs: number) => number = retryDelay,
    shared?: SharedFetches,
    pending: (key: string) => Promise<void> | undefined = () => undefined,
  ) {
    this.#pending = pending;
    this.#inner = inner;
    this.#shared = shared;
    this.#loadValue = loadValue;
    this.#retryDelay = delayOfRetry;
    this.#notify = notify;
    // The engine says which fetches a change outdated, right after the call that made it.
    inner.onOutdated((ids: number[]) => this.#abort(ids));
  }

  /** The cached value when fresh (or deduplicated), else the answer of one shared fetch. */
  fetch<T>(key: string, fetcher: Fetcher<T>, options: FetchOptions = {}): Promise<T> {
    const promise = this.#fetch(key, fetcher, options, 0, Trigger.Caller);
    this.#known.set(key, { fetcher: fetcher as Fetcher<unknown>, options });
    return promise;
  }

  /** How calls were answered so far (a copy). */
  counts(): FetchStats {
    return { ...this.#counts };
  }

  /** The fetcher and options `key` was last fetched with. */
  known(key: string): { fetcher: Fetcher<unknown>; options: FetchOptions } | undefined {
    return this.#known.get(key);
  }

  /**
   * Refetches `key` in the background with its last fetcher, even when fresh, unless a fetch
   * finished within `dedupMs`. Failures show in `peek` and reach subscribers; nothing is thrown.
   */
  revalidate(key: string): void {
    const known = this.#known.get(key);
    if (!known) return;
    this.#fetch(key, known.fetcher, known.options, 0, Trigger.Revalidation).catch(() => {});
  }

  /**
   * Forgets the fetcher each key was last fetched with: they are closures of the user who
   * called them, and no revalidation may run them for the next one.
   */
  forgetFetchers(): void {
    this.#known.clear();
  }

  /** Forgets the joinable fetches: after `close`, every call goes to the engine (which refuses it). */
  close(): void {
    this.#closed = true;
    this.#joinable.clear();
    this.#known.clear();
  }

  /**
   * Plans a fetch of `key` and does what the engine says; `overtakes` counts the changes this
   * call already followed, `persisted` says whether a value persisted but not in memory may be
   * loaded first.
   */
  #fetch<T>(
    key: string,
    fetcher: Fetcher<T>,
    options: FetchOptions,
    overtakes: number,
    trigger: Trigger,
    persisted: Persisted = Persisted.MayLoad,
  ): Promise<T> {
    // Served and joined count callers' calls, not background revalidations or overtake retries.
    const call = overtakes === 0 && trigger === Trigger.Caller;
    const joinable = call && joinsPlainly(options) ? this.#joinable.get(key) : undefined;
    if (joinable) {
      this.#counts.joined += 1;
      return joinable.promise as Promise<T>;
    }
    const plan = this.#inner.planFetch(key, options, trigger);
    if (plan === LOAD && persisted === Persisted.MayLoad) {
      // Persisted but not in memory (after a reload): read it back as `read()` does, then plan
      // with it there (fresh: served; stale: refetched with its ETag). Unreadable, the next plan
      // says LOAD again and `load` is off: a fetch starts.
      // The fetcher is the caller's user's: a switch during the read ends this call.
      const user = this.#inner.user;
      return this.#loadValue(key).then(() => {
        if (this.#inner.user !== user) throw this.#outlived();
        return this.#fetch(key, fetcher, options, overtakes, trigger, Persisted.Loaded);
      });
    }
    if (plan === 0) {
      if (call) this.#counts.served += 1;
      return Promise.resolve(getValue(this.#inner, key) as T);
    }
    // Unknown here while IndexedDB loads: it may be on disk, fresh. A forced fetch wants the
    // network's answer anyway. The fetcher is the caller's user's: a switch meanwhile ends this call.
    const loading = plan === START && !options.force ? this.#pending(key) : undefined;
    if (loading) {
      const user = this.#inner.user;
      return loading.then(() => {
        if (this.#inner.user !== user) throw this.#outlived();
        return this.#fetch(key, fetcher, options, overtakes, trigger, persisted);
      });
    }
    const flight = plan > 0 ? this.#flights.get(plan) : undefined;
    if (flight) {
      if (call) this.#counts.joined += 1;
      return flight.promise as Promise<T>;
    }
    // A forced fetch wants the network's answer from now, not another tab's from before.
    const shared = this.#shared;
    if (shared?.withOthers && overtakes === 0 && !options.force) return this.#fetchShared(key, fetcher, options, trigger);
    const started = this.#start(key, fetcher, options, overtakes);
    shared?.cover(this.#inner.user ?? "", key, started);
    return started;
  }

  /**
   * A fetch other tabs may be running too (internal/shared-fetches.ts): this tab runs it when it
   * gets the key's lock, else waits for the other tab's answer and plans again. Callers here join
   * it meanwhile. The engine numbers the fetch only once the lock is this tab's (a waiting call is
   * no flight another call here could join while the lock holder waits on it); a change of the key
   * before then makes the holder plan again, as an overtaken fetch does.
   */
  #fetchShared<T>(key: string, fetcher: Fetcher<T>, options: FetchOptions, trigger: Trigger): Promise<T> {
    const shared = this.#shared as SharedFetches;
    const user = this.#inner.user ?? "";
    const generation = this.#inner.generation(key);
    const fetchHere = (): Promise<T> => {
      if ((this.#inner.user ?? "") !== user) throw this.#outlived(); // the fetcher is the previous user's
      if (this.#inner.generation(key) !== generation) return this.#fetch(key, fetcher, { ...options, force: false }, 1, trigger);
      return this.#start(key, fetcher, options, 0);
    };
    const waiting: Flight = { key, promise: Promise.resolve(), controller: new AbortController() };
    const promise = shared.run(user, key, fetchHere).then((ran) => {
      if (ran) return ran.answer;
      this.#noLongerJoinable(waiting); // the next plan must not join this very call
      return this.#afterOtherTab(key, fetcher, options, trigger, user);
    });
    waiting.promise = promise;
    this.#joinable.set(key, waiting);
    const settled = () => this.#noLongerJoinable(waiting);
    void promise.then(settled, settled);
    return promise;
  }

  /** Plans again once another tab's fetch of `key` for `user` ended: served its answer, or fetched here. */
  #afterOtherTab<T>(key: string, fetcher: Fetcher<T>, options: FetchOptions, trigger: Trigger, user: string): Promise<T> {
    if ((this.#inner.user ?? "") !== user) throw this.#outlived(); // the fetcher is the previous user's
    const plan = this.#inner.planFetch(key, options, trigger);
    if (plan === 0) {
      this.#counts.shared += 1;
      return Promise.resolve(getValue(this.#inner, key) as T);
    }
    return this.#fetch(key, fetcher, options, 0, trigger);
  }

  /** Starts fetch of `key` here: the engine numbers it, the fetcher runs, the answer is judged. */
  #start<T>(key: string, fetcher: Fetcher<T>, options: FetchOptions, overtakes: number): Promise<T> {
    this.#counts.started += 1;
    const retry = retryOf(options);
    const id = this.#inner.startFetch(key, writeArgs(options)[3]);
    const controller = new AbortController();
    const promise = this.#run<T>(id, key, fetcher, options, retry, controller, overtakes);
    const started = { key, promise, controller };
    this.#flights.set(id, started);
    this.#joinable.set(key, started);
    void promise.then(
      () => this.#flights.delete(id),
      () => this.#flights.delete(id),
    );
    return promise;
  }

  /** Aborts the signals of the fetches `ids`, which a change outdated. */
  #abort(ids: number[]): void {
    for (const id of ids) {
      const flight = this.#flights.get(id);
      if (!flight) continue;
      this.#noLongerJoinable(flight);
      flight.controller.abort();
    }
  }

  /** What the callers of a fetch its scope outlived are rejected with. */
  #outlived(): CacheError {
    return this.#closed
      ? new CacheError("CLOSED", "the cache was closed while this fetch was in flight")
      : new CacheError("SCOPE_CHANGED", "the user changed while this fetch was in flight; its answer was dropped");
  }

  /** `flight` can no longer be joined: it settled in the engine, or a change outdated it. */
  #noLongerJoinable(flight: Flight | undefined): void {
    if (flight && this.#joinable.get(flight.key) === flight) this.#joinable.delete(flight.key);
  }

  async #run<T>(
    id: number,
    key: string,
    fetcher: Fetcher<T>,
    options: FetchOptions,
    retry: { count: number; baseDelayMs: number },
    controller: AbortController,
    overtakes: number,
  ): Promise<T> {
    const peeked = this.#inner.peek(key) as EntryInfo | undefined;
    const held = peeked?.state === "error" ? undefined : peeked; // a failed load holds no value
    let etag: string | undefined;
    const context: FetchContext<T> = {
      signal: controller.signal,
      etag: held?.etag,
      previous: held ? (observeValue(this.#inner, key) as T | undefined) : undefined,
      setEtag: (value) => void (etag = value),
    };
    let answer: T | NotModified;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await fetcher(context);
        break;
      } catch (error) {
        if (attempt <= retry.count && !controller.signal.aborted) {
          await sleep(this.#retryDelay(attempt, retry.baseDelayMs), controller.signal);
          // An abort ends the wait: the fetch is outdated, and its last error settles it.
          if (!controller.signal.aborted) continue;
        }
        this.#noLongerJoinable(this.#flights.get(id));
        const fate = this.#inner.failFetch(key, id, error);
        if (fate === CURRENT) {
          this.#notify(key);
          throw error;
        }
        if (fate === SCOPE_ENDED) throw this.#outlived();
        if (overtakes >= MAX_OVERTAKES) throw error;
        return this.#fetch(key, fetcher, { ...options, force: false }, overtakes + 1, Trigger.Caller);
      }
    }
    this.#noLongerJoinable(this.#flights.get(id));
    // An answer equal to the cached value (and its etag) is a "not modified": the cached object
    // stays, its lifetime restarts, and subscribers are not woken for nothing.
    const unchanged =
      answer === notModified ||
      (held !== undefined && (etag === undefined || etag === held.etag) && sameValue(context.previous, answer));
    const fate = unchanged
      ? this.#inner.confirmFetched(key, id, ...writeArgs(options))
      : this.#inner.storeFetched(key, id, answer, ...writeArgs({ ...options, etag }));
    if (fate === SCOPE_ENDED) throw this.#outlived();
    const kept = fate === CURRENT;
    // A stale entry made fresh again by a "not modified" is no change of value, but news to its subscribers.
    if (kept && unchanged && held?.state === "stale" && this.#inner.peek(key)?.state === "fresh") this.#notify(key);
    if (kept) return (unchanged ? observeValue(this.#inner, key) : answer) as T;
    // Same user: an answer fetched before the change is never stored, but after following
    // MAX_OVERTAKES changes the caller settles for it rather than waiting on a key that keeps changing.
    if (overtakes >= MAX_OVERTAKES && answer !== notModified) return answer;
    // Overtaken by a change of the key: callers get the answer of a fetch started after it.
    return this.#fetch(key, fetcher, { ...options, force: false }, overtakes + 1, Trigger.Caller);
  }
}

/** Deep equality of JSON-like values (plain objects, arrays, primitives); anything else by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  const plain = (o: object) => Object.getPrototypeOf(o) === Object.prototype || Object.getPrototypeOf(o) === null;
  if (!plain(a) || !plain(b) || Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * Whether a call with `options` joins a fetch in flight like a call without options: not forced,
 * and nothing the engine would refuse (anything else takes the engine's path, which checks it).
 */
function joinsPlainly(options: FetchOptions): boolean {
  if (options === undefined || options === null) return true;
  if (typeof options !== "object" || options.force) return false;
  const dedupMs: unknown = options.dedupMs;
  return dedupMs === undefined || dedupMs === null || (typeof dedupMs === "number" && dedupMs >= 0);
}

function retryOf(options: FetchOptions): { count: number; baseDelayMs: number } {
  const retry = options.retry;
  if (retry === undefined) return { count: 0, baseDelayMs: 0 };
  const { count, baseDelayMs = 1_000 } = retry;
  if (!Number.isInteger(count) || count < 0 || typeof baseDelayMs !== "number" || !(baseDelayMs >= 0)) {
    throw new CacheError("INVALID_OPTIONS", "retry must be { count: integer >= 0, baseDelayMs?: number >= 0 }");
  }
  return { count, baseDelayMs };
}

/** Why a fetch is planned, as the engine's `planFetch` takes it. */
const Trigger = {
  /** A caller's `fetch`. */
  Caller: 0,
  /** A background revalidation: refetch even a fresh entry, unless within `dedupMs`. */
  Revalidation: 1,
} as const;
type Trigger = (typeof Trigger)[keyof typeof Trigger];

/** Whether a fetch may first load a value persisted but not in memory, or has done so. */
const Persisted = {
  MayLoad: 0,
  /** Loaded (or found unreadable): plan with what memory holds now. */
  Loaded: 1,
} as const;
type Persisted = (typeof Persisted)[keyof typeof Persisted];

/** The longest a retry waits. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The delay in milliseconds before retry number `attempt` (1 for the first): `baseDelayMs`
 * doubled for each earlier retry, at most 30 s.
 */
export function retryDelay(attempt: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
