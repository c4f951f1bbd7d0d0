// Internal: reads through the persistent tiers and loads of a user's IndexedDB entries. The core
// says where an entry's value is and judges what comes back (its freshness, its data version, a
// user switch meanwhile, the changes made before the load landed); this class fetches it from
// IndexedDB (internal/idb-tier.ts) between.
//
// The database opens behind `createCache` and the user's entries load once it is there: until
// then a read or fetch of a key the core does not know waits for the load (the key may be on
// disk), and `flush` waits for it.
import type { WasmCache } from "../wasm/cachebus.js";
import type { Opening, OpenedDatabase } from "./database.js";
import type { IdbTier } from "./idb-tier.js";
import { getValue, observeValue } from "./values.js";

/** What the core's `planRead` and `fillValue` say to do next (src/bindings/cache.rs). */
const ReadPlan = {
  /** The answer is in memory now: look it up (a `get` or an `observe`). */
  Lookup: 0,
  /** There is nothing to answer (gone, unreadable, or the user switched). */
  Nothing: 1,
  /** The entry is known, its value is in IndexedDB: read it and `fillValue`. */
  IdbValue: 2,
  /** The key is unknown here: another tab may have written it; read it and `adoptRead`. */
  IdbEntry: 3,
} as const;

/** Whether a read counts in `stats()`: an app's `read` does, the facade's own loads do not. */
type Counting = "counted" | "uncounted";

/** Reads and loads of one cache's persisted entries. */
export class Persisted {
  readonly #inner: WasmCache;
  readonly #tier: IdbTier;
  /** The loads not landed yet: the database to come, and the users' entries from it. */
  readonly #loads = new Set<Promise<void>>();
  /** Those of them that come with the database (behind `createCache`, or late): not a switch's. */
  readonly #attaching = new Set<Promise<void>>();
  #watched: (key: string) => boolean = () => false;
  #onLoaded: (keys: string[]) => void = () => {};

  constructor(inner: WasmCache, tier: IdbTier) {
    this.#inner = inner;
    this.#tier = tier;
  }

  /**
   * Attaches the database `opening` brings (see internal/database.ts) and loads the current
   * user's entries from it, behind `createCache`; a database an upgrade blocked comes later, the
   * same way.
   */
  open(opening: Promise<Opening>): void {
    const ignored = () => {}; // a load fails only once the cache is closed
    const attaching = opening.then(({ opened, unblocked }) => {
      void unblocked?.then((late) => late && this.attach(late)).catch(ignored);
      return this.attach(opened);
    });
    this.#track(attaching, this.#attaching).catch(ignored);
  }

  /**
   * Calls `listener` with the keys among those `watched` (subscribed) that a load brought: unknown
   * to the core before it, known after.
   */
  onLoaded(watched: (key: string) => boolean, listener: (keys: string[]) => void): void {
    this.#watched = watched;
    this.#onLoaded = listener;
  }

  /** Resolves once every load started so far has landed (and those they started). */
  async loaded(): Promise<void> {
    while (this.#loads.size) await Promise.all(this.#loads);
  }

  /**
   * While the database and the entries it brings are to land and the core does not know `key`:
   * the promise of that load, after which the key may be known (a fetch waits for it before
   * starting one). Else `undefined`; a switch's load is not waited for here (its caller awaits
   * `switchUser`), as before loads ran behind `createCache`.
   */
  pending(key: string): Promise<void> | undefined {
    if (!this.#attaching.size || this.#inner.peek(key) !== undefined) return undefined;
    return Promise.all(this.#attaching).then(() => {});
  }

  /** `Cache.read`: the value from memory, then localStorage, then IndexedDB. */
  read(key: string): Promise<unknown> {
    return this.#read(key, "counted");
  }

  /** What `read` does, uncounted: `fetch` loads a value before planning again (it counts itself). */
  loadValue(key: string): Promise<unknown> {
    return this.#read(key, "uncounted");
  }

  /**
   * Loads `user`'s IndexedDB entries into the core (values stay on disk until read), once the
   * database is there; entries of another data version are read and handed to the core to
   * migrate or drop. Without a database, nothing is loaded (a late one loads on `attach`).
   */
  loadUser(user: string | undefined): Promise<void> {
    return this.#track(this.#load(user ?? ""));
  }

  async #load(owner: string): Promise<void> {
    const entries = await this.#tier.load(owner);
    if (!entries) return;
    const unknown: string[] = [];
    for (let i = 0; i < entries.length; i += 2) {
      const key = entries[i] as string;
      if (this.#watched(key) && this.#inner.peek(key) === undefined) unknown.push(key);
    }
    const outdated = this.#inner.hydrateIdb(owner, entries);
    const brought = unknown.filter((key) => this.#inner.peek(key) !== undefined);
    if (brought.length) this.#onLoaded(brought);
    for (let i = 0; i < outdated.length; i += 2) {
      const key = outdated[i] as string;
      const value = await this.#tier.read(owner, key).then(
        (value) => ({ value }),
        () => undefined, // unreadable now: left on disk, unloaded, rather than dropped
      );
      if (value) this.#inner.migrateIdb(owner, key, outdated[i + 1], value.value);
    }
  }

  /**
   * Takes the database once opened (`undefined`: none for now), or once a blocked upgrade could
   * run, and loads the current user's entries from it.
   */
  async attach(opened: OpenedDatabase | undefined): Promise<void> {
    if (this.#tier.attach(opened)) await this.#track(this.#load(this.#inner.user ?? ""), this.#attaching);
  }

  /**
   * Counts `load` among the loads to land (and in `also`) until it settles; a failed load is
   * nothing to wait for.
   */
  #track(load: Promise<void>, also?: Set<Promise<void>>): Promise<void> {
    const tracked = load.catch(() => {});
    for (const set of also ? [this.#loads, also] : [this.#loads]) {
      set.add(tracked);
      void tracked.then(() => set.delete(tracked));
    }
    return load;
  }

  async #read(key: string, counting: Counting): Promise<unknown> {
    const plan = this.#inner.planRead(key);
    const owner = this.#inner.user ?? "";
    if (plan === ReadPlan.IdbEntry && this.#loads.size) {
      // Unknown, but the load may bring it: ask again once it landed, for the same user.
      await this.loaded();
      return (this.#inner.user ?? "") === owner ? this.#read(key, counting) : undefined;
    }
    if (plan === ReadPlan.IdbValue) {
      const next = await this.#tier.read(owner, key).then(
        (value) => this.#inner.fillValue(key, owner, value),
        () => this.#inner.readFailed(key, owner),
      );
      return next === ReadPlan.Lookup ? this.#lookup(key, counting) : undefined;
    }
    if (plan === ReadPlan.IdbEntry) {
      // Unreadable reads as missing: the core still says whether to look up (the user may have switched).
      const found = await this.#tier.readEntry(owner, key).catch(() => undefined);
      const next = this.#inner.adoptRead(key, owner, found?.[0], found?.[1]);
      return next === ReadPlan.Lookup ? this.#lookup(key, counting) : undefined;
    }
    return plan === ReadPlan.Lookup ? this.#lookup(key, counting) : undefined;
  }

  #lookup(key: string, counting: Counting): unknown {
    return counting === "counted" ? getValue(this.#inner, key) : observeValue(this.#inner, key);
  }
}
