// Internal: the namespace's IndexedDB database and its layout, opened so that opening (and, on a
// first visit, creating) it overlaps the wasm module's download and compilation. What the stores
// hold is the `idb` tier's (internal/idb-tier.ts).

/** The database layout version; version 1 kept a `meta` store, dropped on upgrade. */
const VERSION = 2;

/** The store of values, keyed by `[user, key]` (`""` for signed out). */
export const VALUES = "values";
/** The store of journal records (internal/journal.ts), keyed by its generator. */
export const JOURNAL = "journal";

/** The stores of the current layout, and how each is created. */
const STORES: Record<string, IDBObjectStoreParameters> = {
  [VALUES]: {},
  [JOURNAL]: { autoIncrement: true },
};

/** An open database, and whether this call created it. */
export interface OpenedDatabase {
  db: IDBDatabase;
  created: boolean;
}

/**
 * What opening found: the database, or `undefined` when there is none to use now. While other
 * connections hold an older version open and do not close it, the upgrade waits for them but
 * `createCache` does not: `opened` is then `undefined` and `unblocked` resolves with the database
 * once they let go (`undefined` if the open then fails).
 */
export interface Opening {
  opened: OpenedDatabase | undefined;
  unblocked?: Promise<OpenedDatabase | undefined>;
}

/**
 * Opens (creating or upgrading on first use) the database `cachebus:{namespace}`. Without a
 * database (no namespace string, IndexedDB missing or refusing, or the upgrade blocked), the
 * cache keeps `idb` entries in memory only and reports it on writes.
 */
export function openDatabase(namespace: unknown): Promise<Opening> {
  if (typeof namespace !== "string" || namespace === "" || typeof indexedDB === "undefined") {
    return Promise.resolve({ opened: undefined });
  }
  return new Promise((resolve) => {
    let created = false;
    let unblock: ((opened: OpenedDatabase | undefined) => void) | undefined;
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(`cachebus:${namespace}`, VERSION);
    } catch {
      resolve({ opened: undefined }); // storage disabled for this origin
      return;
    }
    request.onupgradeneeded = (event) => {
      created = event.oldVersion === 0;
      upgrade(request.result, event.oldVersion);
    };
    // Fired when another connection (a tab of older code, or code that opened the name itself)
    // did not close on `versionchange`: the request stays pending until it does, possibly forever.
    request.onblocked = () => {
      if (unblock) return;
      resolve({ opened: undefined, unblocked: new Promise((late) => (unblock = late)) });
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab deleting or upgrading the database must not wait on this connection: close
      // it; later writes then fall back to memory with a diagnostic, like any unavailable storage.
      db.onversionchange = () => db.close();
      if (unblock) unblock({ db, created });
      else resolve({ opened: { db, created } });
    };
    request.onerror = () => (unblock ? unblock(undefined) : resolve({ opened: undefined }));
  });
}

/**
 * Brings a database of any earlier layout to exactly the current one. Before version 2 the
 * stores held version 1's per-entry metadata, or were made by other code that opened the name
 * (with no version, or stores of its own): a cache can be refilled, so none is kept. Only
 * stores that exist are deleted (deleting a missing one throws and aborts the upgrade, which
 * left the database at version 1 and every `idb` write lost on reload).
 */
function upgrade(db: IDBDatabase, oldVersion: number): void {
  for (const name of Array.from(db.objectStoreNames)) {
    if (oldVersion < 2 || !Object.hasOwn(STORES, name)) db.deleteObjectStore(name);
  }
  for (const [name, parameters] of Object.entries(STORES)) {
    if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, parameters);
  }
}

/**
 * Lets go of a database a failed `createCache` opened: closes it, and deletes it when that call
 * created it (an invalid namespace must not leave an empty database behind). Resolves once done
 * (or when another connection blocks the deletion).
 */
export function discardDatabase(opened: OpenedDatabase | undefined): Promise<void> {
  if (!opened) return Promise.resolve();
  opened.db.close();
  if (!opened.created) return Promise.resolve();
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(opened.db.name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
