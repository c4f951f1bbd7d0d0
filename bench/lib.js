// Shared in-page helpers of the benchmark workloads: the 1 KB values, timing, medians, checks,
// a clean origin, and small promise wrappers over raw IndexedDB.

/** Rounds of every timed operation; each row reports the median of its rounds. */
export const ROUNDS = 7;

/** Entries that fit the ~5 M characters of localStorage (1 KB values plus envelopes). */
export const LOCAL_ENTRIES = 4_000;

/** `n` keys spread over prefixes of 100 entries each: `p{i % (n / 100)}:k{i}`. */
export const makeKeys = (n) => Array.from({ length: n }, (_, i) => `p${i % (n / 100)}:k${i}`);

/** The prefix key `i` of `n` belongs to. */
export const prefixOf = (i, n) => `p${i % (n / 100)}:`;

/** A distinct value of about 1 KB of JSON. */
export const makeValue = (i) => ({ id: i, text: `value ${i} `.padEnd(1000, "x") });

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Microseconds per operation of `run()` (sync or async), which performs `ops` operations. */
export async function time(ops, run) {
  const start = performance.now();
  await run();
  return ((performance.now() - start) * 1000) / ops;
}

/** Fails the subject's run when its answer is wrong. */
export function check(ok, what) {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

/** One result row: `value` is the median of `rounds` (lower is better) in `unit`. */
export const row = (metric, subject, rounds, unit = "µs/op", note) => ({
  metric, subject, unit, value: median(rounds), rounds, ...(note ? { note } : {}),
});

/** Empties localStorage and deletes every IndexedDB database of the origin. */
export async function resetStorage() {
  localStorage.clear();
  for (const { name } of await indexedDB.databases()) {
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = resolve;
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`database ${name} is still open`));
    });
  }
}

/** A macrotask boundary (resets timer nesting, lets the browser run pending work). */
export const nextTask = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

// Raw IndexedDB: one database with one object store "kv" of out-of-line keys.
export const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});
export const openRaw = (name) => {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore("kv");
  return request(open);
};
/** Runs `body(store)` in one transaction; resolves with its result once the transaction completes. */
export function transaction(db, mode, body) {
  const tx = db.transaction("kv", mode);
  const result = body(tx.objectStore("kv"));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
