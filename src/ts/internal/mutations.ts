// Internal: optimistic mutations, settled in the order they started.
import type { EntryInfo, MutateOptions, SetOptions } from "../types.js";
import type { WasmCache } from "../wasm/cachebus.js";
import { writeArgs, type WriteArgs } from "./args.js";
import { observeValue } from "./values.js";

/** How a mutation settled, as the engine's `settleMutation` takes it. */
const Settled = {
  Committed: 0,
  /** Failed; what it showed stays (`rollbackOnError: false`). */
  Kept: 1,
  /** Failed; the confirmed value is restored. */
  RolledBack: 2,
} as const;

/** Runs mutations for one cache: the engine decides what to show as each settles. */
export class Mutations {
  readonly #inner: WasmCache;
  /** The settling of the latest mutation of each key: the next one settles after it. */
  readonly #tails = new Map<string, Promise<void>>();

  constructor(inner: WasmCache) {
    this.#inner = inner;
  }

  async mutate<T>(key: string, valueOrUpdater: T | ((previous: T | undefined) => T), options: MutateOptions<T> = {}) {
    const { commit, rollbackOnError = true, ...setOptions } = options;
    const peeked = this.#inner.peek(key) as EntryInfo | undefined;
    const held = peeked?.state === "error" ? undefined : peeked; // a failed load holds no value
    // Keep the entry where it lives, and its lifetimes, unless told otherwise.
    const write = writeArgs({ ...(held && placeOf(held)), ...setOptions });
    const previous = observeValue(this.#inner, key) as T | undefined;
    const next =
      typeof valueOrUpdater === "function" ? (valueOrUpdater as (previous: T | undefined) => T)(previous) : valueOrUpdater;
    // Writes `next` (subscribers see it at once); a value the core refuses begins no mutation.
    const id = this.#inner.beginMutation(key, next, ...write);

    const earlier = this.#tails.get(key);
    const settled = this.#settle(key, id, next, commit, rollbackOnError, write, earlier);
    const tail = settled.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => this.#tails.get(key) === tail && this.#tails.delete(key));
    return settled;
  }

  async #settle<T>(
    key: string,
    id: number,
    next: T,
    commit: MutateOptions<T>["commit"],
    rollbackOnError: boolean,
    write: WriteArgs,
    earlier: Promise<void> | undefined,
  ): Promise<T> {
    let value: T = next;
    let failure: { error: unknown } | undefined;
    try {
      const result = commit ? await commit() : next;
      if (result !== undefined) value = result;
    } catch (error) {
      failure = { error };
    }
    await earlier; // settle in the order mutations started
    const outcome = !failure ? Settled.Committed : rollbackOnError ? Settled.RolledBack : Settled.Kept;
    this.#inner.settleMutation(key, id, outcome, failure ? undefined : value, ...write);
    if (failure) throw failure.error;
    return value;
  }
}

/** The tier, tags and lifetimes (`ttlMs`, `staleMs`, from when it was written) of a held entry. */
function placeOf(held: EntryInfo): SetOptions {
  const since = (instant: number | null) => (instant === null ? Infinity : Math.max(0, instant - held.updatedAt));
  return { tier: held.tier, tags: held.tags, ttlMs: since(held.expiresAt), staleMs: since(held.staleAt) };
}
