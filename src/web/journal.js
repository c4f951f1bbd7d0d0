// The `idb` tier's journal records, built and replayed in plain JS (see journal.rs): replaying
// thousands of ops crosses into wasm once, and the wasm carries no ordered map for it.

/** A record of `ops` (a flat array of pairs) for `user`; a snapshot replaces every record before it. */
export function journalRecord(user, ops, snapshot) {
  return snapshot ? { u: user, o: ops, s: true } : { u: user, o: ops };
}

/**
 * Replays, in store-key order, the records of `user` among `records` (whose store keys are
 * `storeKeys`), and judges what no entry can use, given every key of the `values` store
 * (`valueKeys`). Returns:
 * - `entries`: the surviving `[key, metadata, ...]` pairs that have a value;
 * - `recordKeys`: the store keys of the user's records;
 * - `snapshot`: one record to replace them, when there were several or some of their ops or
 *   entries went;
 * - `garbage`: store keys of records of no shape (any user's; or under a key the store's
 *   generator did not make, which would replay after every later record);
 * - `strays`: keys of values under no `[user, key]` key, and of the user's values no entry names;
 * - `corrupt`: for each record, op, value or entry dropped, its entry key, or `null`.
 * Other users' records are only checked for shape: their ops and values are judged when they load.
 */
export function replayJournal(user, storeKeys, records, valueKeys) {
  const entries = new Map();
  const recordKeys = [];
  const garbage = [];
  const corrupt = [];
  let rewrite = false;
  records.forEach((record, i) => {
    if (!isRecord(record) || !isGeneratedKey(storeKeys[i])) {
      garbage.push(storeKeys[i]);
      corrupt.push(null);
      return;
    }
    if (record.u !== user) return;
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
      else entries.set(target, change);
    }
    recordKeys.push(storeKeys[i]);
  });
  const strays = [];
  const valued = new Set();
  for (const key of valueKeys) {
    const entryKey = Array.isArray(key) && key.length === 2 && typeof key[0] === "string" && typeof key[1] === "string";
    if (!entryKey) {
      strays.push(key);
      corrupt.push(null);
    } else if (key[0] === user && entries.has(key[1])) {
      valued.add(key[1]);
    } else if (key[0] === user) {
      strays.push(key);
      corrupt.push(key[1]);
    }
  }
  const flat = [];
  for (const [key, meta] of entries) {
    if (valued.has(key)) {
      flat.push(key, meta);
    } else {
      corrupt.push(key); // metadata whose value is gone: nothing to read back
      rewrite = true;
    }
  }
  const snapshot = recordKeys.length > 1 || rewrite ? journalRecord(user, flat, true) : undefined;
  return { entries: flat, recordKeys, snapshot, garbage, strays, corrupt };
}

/** Whether `record` has the shape every record has: `{ u: user, o: ops }`. */
function isRecord(record) {
  return typeof record === "object" && record !== null && typeof record.u === "string" && Array.isArray(record.o);
}

/** Whether `key` is one the journal's key generator makes: an integer from 1. */
function isGeneratedKey(key) {
  return Number.isSafeInteger(key) && key >= 1;
}
