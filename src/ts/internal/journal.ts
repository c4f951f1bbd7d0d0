// Internal: the `idb` tier's metadata journal: records that say what changed, replayed at start-up.
//
// Every metadata change of a tick (a write, an invalidation, a deletion) is appended to one
// journal record instead of rewriting one metadata record per entry: writing an entry costs one
// `put` (its value) plus a share of the tick's one journal `add`, and invalidating a hundred
// entries costs one `add`. Start-up replays the records of the user in key order (the store's key
// generator orders them across tabs) and compacts them into one snapshot record.
//
// A record is `{ u: user, o: ops, s?: true }`; `ops` is a flat array of pairs:
// `key, metadata object` (written or invalidated), `key, null` (deleted) and `prefix, true`
// (every key starting with `prefix` deleted; `""` clears the user). A snapshot (`s`) replaces
// everything before it. The metadata objects are the core's (src/web/envelope.rs): opaque here.

/** A flat `[target, change, ...]` list of ops. */
export type Ops = unknown[];

/** A journal record. */
export interface JournalRecord {
  u: string;
  o: Ops;
  s?: true;
}

/** A user's journal replayed: what {@link replayJournal} returns. */
export interface Replayed {
  /** The surviving entries that have a value, a flat `[key, metadata, ...]`. */
  entries: Ops;
  /**
   * The store keys of the user's records as runs of records next to each other in the store (no
   * other record between them), each `[first, last]`, in order.
   */
  runs: [IDBValidKey, IDBValidKey][];
  /** One record to replace them, when there were several or some of their ops or entries went. */
  snapshot: JournalRecord | undefined;
  /** Store keys of records of no shape, to delete. */
  garbage: IDBValidKey[];
  /** Keys of values no entry can use, to delete. */
  strays: IDBValidKey[];
  /** For each record, op, value or entry dropped: its entry key, or `null`. */
  corrupt: (string | null)[];
}

/** A record of `ops` for `user`; a snapshot replaces every record before it. */
export function journalRecord(user: string, ops: Ops, snapshot: boolean): JournalRecord {
  return snapshot ? { u: user, o: ops, s: true } : { u: user, o: ops };
}

/**
 * Replays, in store-key order, the records of `user` among `records` (whose store keys are
 * `storeKeys`), and judges what no entry can use, given every key of the `values` store
 * (`valueKeys`). Garbage is a record of no shape (any user's; or under a key the store's
 * generator did not make, which would replay after every later record); strays are values under
 * no `[user, key]` key, and the user's values no entry names. Other users' records are only
 * checked for shape: their ops and values are judged when they load.
 */
export function replayJournal(
  user: string,
  storeKeys: readonly IDBValidKey[],
  records: readonly unknown[],
  valueKeys: readonly IDBValidKey[],
): Replayed {
  const entries = new Map<string, object>();
  const runs: [IDBValidKey, IDBValidKey][] = [];
  let replayed = 0;
  let inRun = false; // whether the record before this one was the user's
  const garbage: IDBValidKey[] = [];
  const corrupt: (string | null)[] = [];
  let rewrite = false;
  records.forEach((record, i) => {
    const storeKey = storeKeys[i] as IDBValidKey;
    if (!isRecord(record) || !isGeneratedKey(storeKey)) {
      garbage.push(storeKey);
      corrupt.push(null);
      inRun = false;
      return;
    }
    if (record.u !== user) {
      inRun = false;
      return;
    }
    if (record.s === true) entries.clear();
    const ops = record.o;
    for (let op = 0; op < ops.length; op += 2) {
      const target = ops[op];
      const change = ops[op + 1]; // undefined past the end: an odd op is malformed
      if (typeof target !== "string" || (change !== null && change !== true && typeof change !== "object")) {
        corrupt.push(null);
        rewrite = true;
      } else if (change === null) entries.delete(target);
      else if (change === true) for (const key of entries.keys()) key.startsWith(target) && entries.delete(key);
      else entries.set(target, change as object);
    }
    const run = runs[runs.length - 1];
    if (inRun && run) run[1] = storeKey;
    else runs.push([storeKey, storeKey]);
    inRun = true;
    replayed++;
  });
  const strays: IDBValidKey[] = [];
  const valued = new Set<string>();
  for (const key of valueKeys) {
    if (!isEntryKey(key)) {
      strays.push(key);
      corrupt.push(null);
    } else if (key[0] === user && entries.has(key[1])) {
      valued.add(key[1]);
    } else if (key[0] === user) {
      strays.push(key);
      corrupt.push(key[1]);
    }
  }
  const flat: Ops = [];
  for (const [key, meta] of entries) {
    if (valued.has(key)) {
      flat.push(key, meta);
    } else {
      corrupt.push(key); // metadata whose value is gone: nothing to read back
      rewrite = true;
    }
  }
  const snapshot = replayed > 1 || rewrite ? journalRecord(user, flat, true) : undefined;
  return { entries: flat, runs, snapshot, garbage, strays, corrupt };
}

/**
 * The ops of one tick for one user, in order, waiting to be appended as one record; and those of
 * them other tabs must hear of (new values and deletions; not metadata rewrites, which
 * invalidations relay themselves), in the same format.
 */
export class PendingOps {
  readonly user: string;
  readonly ops: Ops = [];
  readonly announced: Ops = [];
  /** Where each key written in this tick has its metadata in `announced`. */
  readonly #writtenAt = new Map<string, number>();

  constructor(user: string) {
    this.user = user;
  }

  /** `key` was written: a new value with metadata `meta`. */
  written(key: string, meta: object): void {
    this.ops.push(key, meta);
    this.#writtenAt.set(key, this.announced.length + 1);
    this.announced.push(key, meta);
  }

  /**
   * `key`'s value is unchanged and its metadata is now `meta` (an invalidation, a 304). Other
   * tabs hear of it only when the value was written in this tick too: the write is announced with
   * this metadata, since the relayed invalidation may reach them before the write.
   */
  rewritten(key: string, meta: object): void {
    this.ops.push(key, meta);
    const at = this.#writtenAt.get(key);
    if (at !== undefined) this.announced[at] = meta;
  }

  /** `key` was deleted. */
  deleted(key: string): void {
    this.ops.push(key, null);
    this.announced.push(key, null);
  }

  /** Every key starting with `prefix` was deleted (`""`: the user's every key). */
  deletedPrefix(prefix: string): void {
    this.ops.push(prefix, true);
    this.announced.push(prefix, true);
  }
}

/** Whether `record` has the shape every record has: `{ u: user, o: ops }`. */
function isRecord(record: unknown): record is JournalRecord {
  return (
    typeof record === "object" &&
    record !== null &&
    typeof (record as JournalRecord).u === "string" &&
    Array.isArray((record as JournalRecord).o)
  );
}

/** Whether `key` is one the journal's key generator makes: an integer from 1. */
function isGeneratedKey(key: unknown): boolean {
  return Number.isSafeInteger(key) && (key as number) >= 1;
}

/** Whether `key` is a value's key: `[user, entry key]`. */
function isEntryKey(key: unknown): key is [string, string] {
  return Array.isArray(key) && key.length === 2 && typeof key[0] === "string" && typeof key[1] === "string";
}
