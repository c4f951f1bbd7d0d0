// The `idb` tier's journal records, built and replayed in plain JS (see journal.rs): replaying
// thousands of ops crosses into wasm once, and the wasm carries no ordered map for it.

/** A record of `ops` (a flat array of pairs) for `user`; a snapshot replaces every record before it. */
export function journalRecord(user, ops, snapshot) {
  return snapshot ? { u: user, o: ops, s: true } : { u: user, o: ops };
}

/**
 * Replays, in store-key order, the records of `user` among `records` (whose store keys are
 * `storeKeys`). Returns the surviving `[key, metadata, ...]` pairs, the store keys of the user's
 * records, and, when there were several, one snapshot record to replace them. Records and ops
 * of another shape are skipped.
 */
export function replayJournal(user, storeKeys, records) {
  const entries = new Map();
  const recordKeys = [];
  records.forEach((record, i) => {
    if (typeof record !== "object" || record === null || record.u !== user || !Array.isArray(record.o)) return;
    if (record.s === true) entries.clear();
    const ops = record.o;
    for (let op = 0; op + 1 < ops.length; op += 2) {
      const target = ops[op];
      const change = ops[op + 1];
      if (typeof target !== "string") continue;
      if (change === null) entries.delete(target);
      else if (change === true) for (const key of entries.keys()) key.startsWith(target) && entries.delete(key);
      else if (typeof change === "object") entries.set(target, change);
    }
    recordKeys.push(storeKeys[i]);
  });
  const flat = [];
  for (const [key, meta] of entries) flat.push(key, meta);
  return { entries: flat, recordKeys, snapshot: recordKeys.length > 1 ? journalRecord(user, flat, true) : undefined };
}
