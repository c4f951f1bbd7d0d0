// Internal: the `idb` tier's IndexedDB requests and transactions, performed on the core's
// instructions. The core decides what to write, delete and load (and builds the metadata records,
// opaque here); this class batches the writes of a tick into one transaction, keeps the journal
// (internal/journal.ts) and reads back values and entries.
//
// Writes issued in the same tick share one transaction: the first write opens it, later ones
// reuse it; the tick's metadata changes are appended to it as one journal record per user in a
// microtask, which then commits it (writes issued after that open the next one). Requests are
// issued synchronously, so a value structured clone refuses fails the core's `set` call itself.
// Nothing foreign is awaited inside a transaction. A transaction that aborts later (quota) is
// reported to the core; each tick's new values and deletions are handed to it for the other tabs;
// what replays find corrupt is deleted and reported.
//
// The database opens behind `createCache`: until it is attached, writes are queued in order (a
// value as structured clone copies it now, so a value it refuses still fails its `set`) and made
// in one transaction when it arrives, before any load or read, which wait for it. When it does
// not come (no IndexedDB, or an upgrade another connection blocks), the queued writes are reported
// to the core as failed, and later ones fail at once, until a late database is attached.
import { JOURNAL, VALUES, type OpenedDatabase } from "./database.js";
import { journalRecord, PendingOps, replayJournal, type Ops, type Replayed } from "./journal.js";

/** What a write returns to the core (src/web/idb.rs reads the same numbers). */
export const WriteResult = {
  Written: 0,
  /** The value cannot be structured-cloned. */
  Unencodable: 1,
  /** The origin's storage is full. */
  Quota: 2,
  /** No database, or it refused. */
  Unavailable: 3,
} as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];

/** The core's side of the tier: what it must hear of (exports of `WasmCache`). */
export interface TierReports {
  /** The keys of a transaction that aborted after its writes were accepted, and why. */
  idbAborted(keys: string[], error: WriteResult): void;
  /** One tick's new values and deletions of `user` (`""`: signed out), as journal ops. */
  announceIdb(user: string, ops: Ops): void;
  /** What a replay found corrupt and removed: per record, value or op, its entry key or `null`. */
  idbCorrupt(keys: (string | null)[]): void;
}

/**
 * Journal records this tab appends before it compacts them, at least; more when the last replay
 * held more entries, so rewriting the snapshot costs O(1) per record appended.
 */
const COMPACT_AFTER = 256;

/** The open transaction of this tick, and the keys whose values it writes. */
interface Batch {
  tx: IDBTransaction;
  journal: IDBObjectStore;
  values: IDBObjectStore;
  keys: string[];
}

/** A write issued before the database was attached: `key` as `#write` takes it. */
interface Queued {
  key: string | undefined;
  write: (batch: Batch) => void;
}

/** The `idb` tier of one cache. Every method the core calls is total: it never throws. */
export class IdbTier {
  /** `undefined` while the database is opening, missing, refused, or held back by another connection. */
  #db: IDBDatabase | undefined;
  /** The writes issued while the database is opening, in order; `undefined` once it is attached. */
  #queue: Queued[] | undefined = [];
  /** Resolves once the database is attached (or known to be missing, for now). */
  readonly #attached: Promise<void>;
  #markAttached!: () => void;
  #closed = false;
  /** Whether the journal is known to be empty (a database just created, not yet written). */
  #empty: boolean;
  #batch: Batch | undefined;
  readonly #pending = new Set<Promise<void>>();
  #reports: TierReports | undefined;
  /** Metadata changes of this tick, per run of one user's, not yet appended to the journal. */
  #ops: PendingOps[] = [];
  #appendScheduled = false;
  /** Journal records appended since the last compaction, and how many trigger the next one. */
  #appended = 0;
  #compactAfter = COMPACT_AFTER;

  /**
   * A tier waiting for the namespace's database (see internal/database.ts), which opens behind
   * `createCache` and is handed over by {@link IdbTier.attach}.
   */
  constructor() {
    this.#empty = false;
    this.#attached = new Promise((resolve) => (this.#markAttached = resolve));
  }

  /** Sets who hears of aborted transactions, announcements and corrupt records: the core. */
  reportTo(reports: TierReports): void {
    this.#reports = reports;
  }

  /**
   * Takes the namespace's database once it opened (`undefined`: there is none for now), or later,
   * once an upgrade another connection blocked could run. The writes queued meanwhile are made
   * in it, in one transaction, or reported as failed without one. Returns whether the database
   * was taken: a closed tier, or one that has a database, closes it.
   */
  attach(opened: OpenedDatabase | undefined): boolean {
    const taken = opened !== undefined && !this.#closed && !this.#db;
    if (opened && !taken) opened.db.close();
    if (taken) {
      this.#empty = opened.created;
      this.#db = opened.db;
    }
    const queue = this.#queue;
    this.#queue = undefined;
    if (queue) this.#drain(queue);
    this.#markAttached();
    return taken;
  }

  /** Closes the database connection (and any attached later); what was queued is dropped. */
  close(): void {
    this.#closed = true;
    this.#queue = undefined;
    this.#markAttached();
    this.#db?.close();
  }

  /**
   * Resolves when every write issued so far has committed (or failed and been reported): those
   * queued before the database arrived too.
   */
  async flush(): Promise<void> {
    await this.#attached;
    await Promise.all(this.#pending);
  }

  /** Writes `user`'s `value` under `key`, with its metadata `record`. */
  put(user: string, key: string, value: unknown, record: object): WriteResult {
    if (this.#queue) {
      // The value as it is now, as a put would clone it; refused now, as a put would refuse it.
      const copied = snapshot(value);
      if (!copied) return WriteResult.Unencodable;
      value = copied.value;
    }
    const written = this.#write(key, (batch) => batch.values.put(value, [user, key]));
    if (written === WriteResult.Written) this.#log(user).written(key, record);
    return written;
  }

  /** Journals new metadata `record` for `user`'s `key`; the value stays as it is. */
  rewrite(user: string, key: string, record: object): WriteResult {
    const written = this.#write(undefined, () => {});
    if (written === WriteResult.Written) this.#log(user).rewritten(key, record);
    return written;
  }

  /** Deletes `user`'s entry under `key`. */
  delete(user: string, key: string): void {
    if (this.#write(undefined, (batch) => batch.values.delete([user, key])) === WriteResult.Written) {
      this.#log(user).deleted(key);
    }
  }

  /** Deletes `user`'s entries whose key starts with `prefix` (`""`: all of them): one range. */
  deletePrefix(user: string, prefix: string): void {
    const range = prefixRange(user, prefix);
    if (this.#write(undefined, (batch) => batch.values.delete(range)) === WriteResult.Written) {
      this.#log(user).deletedPrefix(prefix);
    }
  }

  /**
   * The key and metadata of every intact entry of `user`, a flat `[key, record, ...]`, from the
   * journal, which is compacted into one snapshot on the way (values stay until read). Empty when
   * there is no database. The core judges the records; it deletes what it cannot use.
   */
  async load(user: string): Promise<Ops | undefined> {
    await this.#attached;
    if (!this.#db) return undefined;
    if (this.#empty) return [];
    return (await this.#replay(user))?.entries;
  }

  /** The value of `user`'s entry under `key` (`undefined`: none); rejects when unreadable. */
  async read(user: string, key: string): Promise<unknown> {
    await this.#attached;
    const values = this.#transaction("readonly").objectStore(VALUES);
    return await result(values.get([user, key]));
  }

  /**
   * The value and metadata record of `user`'s entry under `key` as IndexedDB holds them now, for
   * a key this tab does not know (another tab wrote it since this one loaded): `undefined` when
   * there is no value or no record for it. Rejects when IndexedDB cannot be read.
   */
  async readEntry(user: string, key: string): Promise<[unknown, unknown] | undefined> {
    await this.#attached;
    const tx = this.#transaction("readonly");
    const journal = tx.objectStore(JOURNAL);
    const value = await result(tx.objectStore(VALUES).get([user, key]));
    if (value === undefined) return undefined;
    // The value alone says nothing of its freshness or tags: replay the journal for it, in the
    // same transaction (a value and its record are committed together).
    const [keys, records] = await Promise.all([result(journal.getAllKeys()), result(journal.getAll())]);
    const { entries } = replayJournal(user, keys, records, [[user, key]]);
    return entries.length ? [value, entries[1]] : undefined;
  }

  /** A transaction over both stores; throws when there is no database or it refuses. */
  #transaction(mode: IDBTransactionMode): IDBTransaction {
    if (!this.#db) throw new Error("no database");
    return this.#db.transaction([JOURNAL, VALUES], mode);
  }

  /**
   * Runs `write` in this tick's transaction, opening one when there is none. `key` is the entry
   * the core demotes to memory if the transaction aborts (`undefined`: nothing to demote).
   */
  #write(key: string | undefined, write: (batch: Batch) => void): WriteResult {
    if (this.#queue) {
      this.#queue.push({ key, write });
      return WriteResult.Written;
    }
    // A transaction of an earlier tick may be inactive but not yet settled: then open another.
    for (let attempt = 0; ; attempt++) {
      try {
        const batch = (this.#batch ??= this.#openBatch());
        write(batch);
        if (key !== undefined) batch.keys.push(key);
        return WriteResult.Written;
      } catch (error) {
        if ((error as DOMException | null)?.name !== "TransactionInactiveError" || attempt > 0) return classify(error);
        this.#batch = undefined;
      }
    }
  }

  #openBatch(): Batch {
    const tx = this.#transaction("readwrite");
    this.#empty = false;
    const batch = { tx, journal: tx.objectStore(JOURNAL), values: tx.objectStore(VALUES), keys: [] };
    this.#watch(batch);
    return batch;
  }

  /** Tracks `batch`'s transaction until it settles; an abort reports its keys to the core. */
  #watch(batch: Batch): void {
    batch.tx.addEventListener("abort", () => {
      if (batch.keys.length) this.#reports?.idbAborted(batch.keys, classify(batch.tx.error));
    });
    void this.#track(batch.tx).then(() => {
      if (this.#batch === batch) this.#batch = undefined;
    });
  }

  /** Counts `tx` among the pending writes until it commits or aborts; resolves then. */
  #track(tx: IDBTransaction): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      tx.addEventListener("complete", () => resolve());
      tx.addEventListener("abort", () => resolve());
    });
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return settled;
  }

  /** The pending ops of `user`, appended to the journal in a microtask of this tick. */
  #log(user: string): PendingOps {
    let pending = this.#ops.at(-1);
    if (pending?.user !== user) this.#ops.push((pending = new PendingOps(user)));
    if (!this.#appendScheduled) {
      this.#appendScheduled = true;
      queueMicrotask(() => this.#appendOps());
    }
    return pending;
  }

  /**
   * Appends this tick's metadata changes to the journal, a record per run of one user's ops, and
   * commits the tick's transaction; then announces each record's changes to the other tabs (a
   * transaction that aborts later is announced by the core). When the records appended since the
   * last compaction reach the threshold, the user of the last one is compacted now, so a
   * long-lived tab's journal stays short without a reload.
   */
  #appendOps(): void {
    this.#appendScheduled = false;
    // Queued: appended (and announced) with the writes once the database is attached, so that
    // no other tab looks for a value before it is in a transaction.
    if (this.#queue) return;
    const ops = this.#ops;
    this.#ops = [];
    const appended: PendingOps[] = [];
    for (const pending of ops) {
      const record = journalRecord(pending.user, pending.ops, false);
      // A failure aborts the transaction, which reports its keys.
      if (this.#write(undefined, (batch) => batch.journal.add(record)) === WriteResult.Written) appended.push(pending);
    }
    if (appended.length) this.#commit();
    for (const pending of appended) {
      if (pending.announced.length) this.#reports?.announceIdb(pending.user, pending.announced);
      if (++this.#appended >= this.#compactAfter) void this.#replay(pending.user);
    }
  }

  /**
   * Commits this tick's transaction once its journal records are in it (it is the transaction
   * the last record went to, active in this task). Left to auto-commit, it would commit only
   * after every request's result came back to this tab, a round trip an awaited write pays for.
   * Later writes open the next transaction. Where `commit` is missing, it commits on its own.
   */
  #commit(): void {
    const batch = this.#batch;
    if (!batch || typeof batch.tx.commit !== "function") return;
    this.#batch = undefined;
    batch.tx.commit();
  }

  /**
   * Makes the writes queued before the database was attached, in order, in one transaction (all
   * of them fail without a database), with the metadata changes of their ticks; reports to the
   * core the keys of those that failed, as a transaction that aborted.
   */
  #drain(queue: Queued[]): void {
    const failed: string[] = [];
    let error: WriteResult = WriteResult.Written;
    for (const { key, write } of queue) {
      const written = this.#write(key, write);
      if (written !== WriteResult.Written && key !== undefined) {
        failed.push(key);
        error = written;
      }
    }
    this.#appendOps();
    if (failed.length) this.#reports?.idbAborted(failed, error);
  }

  /**
   * Replays `user`'s journal and compacts it into one snapshot record; `undefined` when there is
   * no database or it refuses. What no entry can use is deleted and reported on the way.
   */
  async #replay(user: string): Promise<Replayed | undefined> {
    this.#appended = 0;
    try {
      // Read-write over both stores: no other tab writes between the replay and the compaction,
      // so a value and the journal record written with it are seen together or not at all.
      const tx = this.#transaction("readwrite");
      this.#track(tx); // the compaction is a write: `flush()` waits for it
      const journal = tx.objectStore(JOURNAL);
      const values = tx.objectStore(VALUES);
      const [keys, records, valueKeys] = await Promise.all([
        result(journal.getAllKeys()),
        result(journal.getAll()),
        result(values.getAllKeys()),
      ]);
      const replayed = replayJournal(user, keys, records, valueKeys);
      compact(journal, values, replayed);
      if (replayed.corrupt.length) this.#reports?.idbCorrupt(replayed.corrupt);
      this.#compactAfter = Math.max(COMPACT_AFTER, replayed.entries.length / 2);
      return replayed;
    } catch {
      return undefined;
    }
  }
}

/**
 * Deletes the records and values the replay found useless, and replaces the replayed records by
 * their snapshot, stored under the last one's key so records other tabs append later stay after
 * it. The records go one key range per run of them: the replay read the whole journal in this
 * transaction, so a run's range holds those records and no other. Runs in the replay's
 * transaction; a failure aborts it and leaves both stores as they were (replaying them again
 * gives the same entries).
 */
function compact(journal: IDBObjectStore, values: IDBObjectStore, replayed: Replayed): void {
  for (const key of replayed.garbage) journal.delete(key);
  for (const key of replayed.strays) values.delete(key);
  if (!replayed.snapshot) return; // one record at most: nothing to merge
  for (const [first, last] of replayed.runs) journal.delete(IDBKeyRange.bound(first, last));
  const last = replayed.runs.at(-1)?.[1];
  if (last !== undefined && replayed.entries.length > 0) journal.put(replayed.snapshot, last);
}

/**
 * `value` as structured clone copies it (what a put stores), or `undefined` when it refuses it.
 * Without `structuredClone` (older platforms), the value itself, cloned when the put is made.
 */
function snapshot(value: unknown): { value: unknown } | undefined {
  if (typeof structuredClone !== "function") return { value };
  try {
    return { value: structuredClone(value) };
  } catch (error) {
    return classify(error) === WriteResult.Unencodable ? undefined : { value };
  }
}

/** A request's result, once it succeeded. */
function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * The `[user, key]` keys whose key starts with `prefix`: from `[user, prefix]` up to the prefix's
 * upper bound, or to the end of the user's keys when it has none (arrays sort after every string).
 */
function prefixRange(user: string, prefix: string): IDBKeyRange {
  return IDBKeyRange.bound([user, prefix], [user, prefixUpperBound(prefix) ?? []], false, true);
}

/**
 * The least string above every string starting with `prefix`, in UTF-16 code units (the order of
 * IndexedDB keys): the exclusive upper bound of a prefix range. `undefined` when there is none (an
 * empty prefix, or one of only U+FFFF units). Code units, not code points: a bound may end in a
 * lone surrogate, as IndexedDB keys may.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

/** What an IndexedDB error means for the core. */
function classify(error: unknown): WriteResult {
  const name = (error as DOMException | null)?.name;
  if (name === "DataCloneError") return WriteResult.Unencodable;
  if (name === "QuotaExceededError") return WriteResult.Quota;
  return WriteResult.Unavailable;
}
