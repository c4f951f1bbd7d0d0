// Internal: reads through the persistent tiers and loads of a user's IndexedDB entries. The core
// says where an entry's value is and judges what comes back (its freshness, its data version, a
// user switch meanwhile); this class fetches it from IndexedDB (internal/idb-tier.ts) between.
import type { WasmCache } from "../wasm/cachebus.js";
import type { OpenedDatabase } from "./database.js";
import type { IdbTier } from "./idb-tier.js";

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

  constructor(inner: WasmCache, tier: IdbTier) {
    this.#inner = inner;
    this.#tier = tier;
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
   * Loads `user`'s IndexedDB entries into the core (values stay on disk until read); entries of
   * another data version are read and handed to the core to migrate or drop.
   */
  async loadUser(user: string | undefined): Promise<void> {
    const owner = user ?? "";
    const outdated = this.#inner.hydrateIdb(owner, await this.#tier.load(owner));
    for (let i = 0; i < outdated.length; i += 2) {
      const key = outdated[i] as string;
      const value = await this.#tier.read(owner, key).then(
        (value) => ({ value }),
        () => undefined, // unreadable now: left on disk, unloaded, rather than dropped
      );
      if (value) this.#inner.migrateIdb(owner, key, outdated[i + 1], value.value);
    }
  }

  /** Takes the database once a blocked upgrade could run, and loads the current user's entries. */
  async attach(opened: OpenedDatabase): Promise<void> {
    if (this.#tier.attach(opened)) await this.loadUser(this.#inner.user);
  }

  async #read(key: string, counting: Counting): Promise<unknown> {
    const plan = this.#inner.planRead(key);
    const owner = this.#inner.user ?? "";
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
    return counting === "counted" ? this.#inner.get(key) : this.#inner.observe(key);
  }
}
