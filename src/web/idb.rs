//! The `idb` tier: entries in IndexedDB, values by structured clone.
//!
//! One database per namespace (`cachebus:{namespace}`, version 2, opened and upgraded by the
//! facade's `internal/database.ts` while the wasm loads, or attached later when another connection
//! blocked the upgrade) with two object stores:
//! `values`, keyed by `[user, key]` (`""` for signed out), holds the values, read on demand; a
//! user's entries are one key range, so clearing a user never scans other users. `journal`
//! holds the entries' metadata as a log of changes (see [`super::journal`]), replayed in one go at
//! start-up so the index knows every entry. Version 1 kept one metadata record per entry; its
//! stores are dropped on upgrade (a cache can be refilled).
//!
//! Writes issued in the same tick share one transaction: the first write opens it, later ones
//! reuse it until the browser reports it inactive; the tick's metadata changes are appended to
//! it as one journal record in a microtask, before it commits. Requests are issued synchronously,
//! so a value structured clone refuses fails the `set` call itself. Nothing foreign is awaited
//! inside a transaction. A transaction that aborts later (quota) is reported through the failure
//! handler. Each tick's new values and deletions are handed to the announce handler, for the
//! other tabs; replays judge what no entry can use and hand it to the corrupt handler.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, JsString, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::envelope::{from_object, to_object, Decoded};
use super::journal::{replay_journal, PendingOps, Replayed};
use super::version::{Verdict, Versioning};
use crate::core::{prefix_upper_bound, EntryMeta, Scope, Store, StoreError, Tier};

const JOURNAL: &str = "journal";
const VALUES: &str = "values";
/// Journal records this tab appends before it compacts them, at least; more when the last
/// replay held more entries, so rewriting the snapshot costs O(1) per record appended.
const COMPACT_AFTER: u32 = 256;

/// Called with the keys of a transaction that aborted after its writes were accepted.
pub type FailureHandler = Box<dyn Fn(&[String], StoreError)>;

/// Called with a user (`""`: signed out) and the ops of one tick to announce to other tabs:
/// `key, metadata` (a new value), `key, null`, `prefix, true` (see [`super::journal`]).
pub type AnnounceHandler = Box<dyn Fn(&str, &Array)>;

/// Called with what a replay found corrupt and removed: per record, value or op, the entry key
/// it concerned, or `None` (a record or key of no shape belongs to no entry).
pub type CorruptHandler = Box<dyn Fn(Vec<Option<String>>)>;

/// A handle on the namespace's database (cheap to clone).
#[derive(Clone)]
pub struct IdbStore {
    shared: Rc<Shared>,
}

struct Shared {
    /// The database; `None` while it is missing, refused, or held back by another connection
    /// (then [`IdbStore::attach`] brings it later).
    db: RefCell<Option<IdbDatabase>>,
    /// Whether [`IdbStore::close`] was called: a database attached later is closed at once.
    closed: Cell<bool>,
    /// Whether the journal is known to be empty (a database just created, not yet written).
    empty: Cell<bool>,
    versioning: Versioning,
    batch: RefCell<Option<Batch>>,
    pending: RefCell<Vec<Promise>>,
    on_failure: RefCell<Option<FailureHandler>>,
    on_corrupt: RefCell<Option<CorruptHandler>>,
    on_announce: RefCell<Option<AnnounceHandler>>,
    /// Metadata changes of this tick, per user, not yet appended to the journal.
    ops: RefCell<Vec<PendingOps>>,
    /// Whether a microtask will append `ops`.
    append_scheduled: Cell<bool>,
    /// Journal records appended since the last compaction.
    appended: Cell<u32>,
    /// How many appended records trigger the next compaction.
    compact_after: Cell<u32>,
}

struct Batch {
    journal: IdbObjectStore,
    values: IdbObjectStore,
    keys: Rc<RefCell<Vec<String>>>,
}

impl IdbStore {
    /// A store over `db`, the namespace's database (opened by the facade, see internal/database.ts);
    /// `created`: it was created by this open, so the first load has no journal to read.
    /// Without a database, the store holds nothing and every write fails as unavailable.
    pub fn new(db: Option<IdbDatabase>, created: bool, versioning: Versioning) -> IdbStore {
        IdbStore {
            shared: Rc::new(Shared {
                db: RefCell::new(db),
                closed: Cell::new(false),
                empty: Cell::new(created),
                versioning,
                batch: RefCell::new(None),
                pending: RefCell::new(Vec::new()),
                on_failure: RefCell::new(None),
                on_corrupt: RefCell::new(None),
                on_announce: RefCell::new(None),
                ops: RefCell::new(Vec::new()),
                append_scheduled: Cell::new(false),
                appended: Cell::new(0),
                compact_after: Cell::new(COMPACT_AFTER),
            }),
        }
    }

    /// Takes the namespace's database after all, once an upgrade another connection blocked could
    /// run (the store was made without one); `created`: as in [`IdbStore::new`]. Returns whether
    /// it was taken: a closed store, or one that has a database already, closes it instead.
    pub fn attach(&self, db: IdbDatabase, created: bool) -> bool {
        if self.shared.closed.get() || self.shared.db.borrow().is_some() {
            db.close();
            return false;
        }
        self.shared.empty.set(created);
        *self.shared.db.borrow_mut() = Some(db);
        true
    }

    /// Sets who hears of transactions that aborted after their writes were accepted.
    pub fn on_failure(&self, handler: FailureHandler) {
        *self.shared.on_failure.borrow_mut() = Some(handler);
    }

    /// Sets who announces each tick's new values and deletions to the other tabs, once their
    /// journal record is in the tick's transaction.
    pub fn on_announce(&self, handler: AnnounceHandler) {
        *self.shared.on_announce.borrow_mut() = Some(handler);
    }

    /// Sets who hears of the corrupt records, values and ops that loads and compactions remove.
    pub fn on_corrupt(&self, handler: CorruptHandler) {
        *self.shared.on_corrupt.borrow_mut() = Some(handler);
    }

    /// Resolves when every write issued so far has committed (or failed and been reported).
    pub fn flush(&self) -> Promise {
        let pending: Array = self.shared.pending.borrow().iter().collect();
        Promise::all(&pending)
    }

    /// The key and metadata of every intact entry of `scope`, from its journal, which is compacted
    /// into one snapshot record on the way (values stay in IndexedDB until read). What is corrupt
    /// is deleted and reported (see [`IdbStore::replay`]), and so is metadata of no known shape;
    /// entries of another version are migrated (value rewritten) or deleted.
    pub async fn load_scope(&self, scope: &Scope) -> Vec<(String, EntryMeta)> {
        let mut loaded = Vec::new();
        if self.shared.empty.get() {
            return loaded;
        }
        let Some(replayed) = self.replay(scope.user().unwrap_or("")).await else { return loaded };
        let mut outdated = Vec::new();
        let mut corrupt = Vec::new();
        let entries = replayed.entries();
        for i in (0..entries.length()).step_by(2) {
            let (Some(key), record) = (entries.get(i).as_string(), entries.get(i + 1)) else { continue };
            match from_object(&record, Tier::Idb) {
                Some(Decoded { meta, version, .. })
                    if js_sys::Object::is(&version, &self.shared.versioning.version) =>
                {
                    loaded.push((key, meta))
                }
                Some(Decoded { meta, version, .. }) => outdated.push((key, meta, version)),
                None => {
                    self.delete(scope, &key);
                    corrupt.push(Some(key));
                }
            }
        }
        self.report_corrupt(corrupt);
        for (key, meta, version) in outdated {
            if let Some(meta) = self.migrate(scope, &key, meta, &version).await {
                loaded.push((key, meta));
            }
        }
        loaded
    }

    /// Replays `user`'s journal and compacts it into one snapshot record (see [`compact`]);
    /// `None` when IndexedDB is missing or refuses. On the way, what no entry can use is deleted
    /// and reported: journal records of no shape (any user's), `user`'s malformed ops, `user`'s
    /// values no journal entry names, values under keys of no `[user, key]` shape, and `user`'s
    /// entries whose value is missing (see `replayJournal` in journal.js).
    async fn replay(&self, user: &str) -> Option<Replayed> {
        let db = self.db()?;
        // Read-write over both stores: no other tab writes between the replay and the compaction,
        // so a value and the journal record written with it are seen together or not at all.
        let tx = db.transaction_with_str_sequence_and_mode(&store_names(), IdbTransactionMode::Readwrite).ok()?;
        let (journal, values) = (tx.object_store(JOURNAL).ok()?, tx.object_store(VALUES).ok()?);
        let (keys, records) = (journal.get_all_keys().ok()?, journal.get_all().ok()?);
        let value_keys = values.get_all_keys().ok()?;
        let (keys, records) = (request_result(&keys).await.ok()?, request_result(&records).await.ok()?);
        let value_keys = request_result(&value_keys).await.ok()?;
        let replayed = replay_journal(user, &keys, &records, &value_keys);
        compact(&journal, &values, &replayed);
        self.report_corrupt(replayed.corrupt().iter().map(|key| key.as_string()).collect());
        self.shared.appended.set(0);
        self.shared.compact_after.set(COMPACT_AFTER.max(replayed.entries().length() / 2));
        Some(replayed)
    }

    /// The value of `scope`'s entry under `key`: `Ok(None)` when it is missing, `Err` when
    /// IndexedDB could not be read (missing, or the connection was closed).
    pub async fn read(&self, scope: &Scope, key: &str) -> Result<Option<JsValue>, StoreError> {
        let db = self.db().ok_or(StoreError::Unavailable)?;
        let request = db
            .transaction_with_str(VALUES)
            .and_then(|tx| tx.object_store(VALUES))
            .and_then(|store| store.get(&entry_key(scope, key)))
            .map_err(|_| StoreError::Unavailable)?;
        let value = request_result(&request).await.map_err(|_| StoreError::Unavailable)?;
        Ok((!value.is_undefined()).then_some(value))
    }

    /// The value and metadata of `scope`'s entry under `key` as IndexedDB holds them now, for a key
    /// this tab does not know (another tab wrote it since this one loaded): `Ok(None)` when there
    /// is no value, no intact metadata for it, or metadata of another version (the tab that wrote
    /// it owns it). Expiry is the caller's to judge. `Err` when IndexedDB could not be read.
    pub async fn read_entry(&self, scope: &Scope, key: &str) -> Result<Option<(JsValue, EntryMeta)>, StoreError> {
        let db = self.db().ok_or(StoreError::Unavailable)?;
        let unavailable = |_| StoreError::Unavailable;
        let tx = db.transaction_with_str_sequence(&store_names()).map_err(unavailable)?;
        let (values, journal) =
            (tx.object_store(VALUES).map_err(unavailable)?, tx.object_store(JOURNAL).map_err(unavailable)?);
        let id = entry_key(scope, key);
        let value = request_result(&values.get(&id).map_err(unavailable)?).await.map_err(unavailable)?;
        if value.is_undefined() {
            return Ok(None);
        }
        // The value alone says nothing of its freshness or tags: replay the journal for it, in the
        // same transaction (a value and its record are committed together).
        let (keys, records) = (journal.get_all_keys().map_err(unavailable)?, journal.get_all().map_err(unavailable)?);
        let (keys, records) =
            (request_result(&keys).await.map_err(unavailable)?, request_result(&records).await.map_err(unavailable)?);
        let replayed = replay_journal(scope.user().unwrap_or(""), &keys, &records, &Array::of1(&id));
        let Some(Decoded { meta, version, .. }) = from_object(&replayed.entries().get(1), Tier::Idb) else {
            return Ok(None);
        };
        Ok(self.shared.versioning.is_current(&version).then_some((value, meta)))
    }

    /// Closes the database connection (and any attached later).
    pub fn close(&self) {
        self.shared.closed.set(true);
        if let Some(db) = self.db() {
            db.close();
        }
    }

    fn db(&self) -> Option<IdbDatabase> {
        self.shared.db.borrow().clone()
    }

    async fn migrate(&self, scope: &Scope, key: &str, meta: EntryMeta, version: &JsValue) -> Option<EntryMeta> {
        // Unreadable now: leave it on disk, unloaded, rather than drop it.
        let value = self.read(scope, key).await.ok()?;
        let verdict = value.map_or(Verdict::Drop, |value| self.shared.versioning.judge(version, &value));
        match verdict {
            Verdict::Migrated(value) => {
                let mut store = self.clone();
                store.put(scope, key, Some(&value), &meta).ok()?;
                Some(meta)
            }
            _ => {
                self.delete(scope, key);
                None
            }
        }
    }

    /// Runs `write` in the current tick's transaction, opening a new one when there is none
    /// or the browser has closed it. `key` is the entry the failure handler demotes to memory if
    /// the transaction aborts (`None`: a deletion or a journal record, nothing to demote).
    fn with_batch(&self, key: Option<&str>, write: impl Fn(&Batch) -> Result<(), JsValue>) -> Result<(), StoreError> {
        for _ in 0..2 {
            if self.shared.batch.borrow().is_none() {
                let batch = self.open_batch()?;
                *self.shared.batch.borrow_mut() = Some(batch);
            }
            let result = self.shared.batch.borrow().as_ref().map(&write);
            match result {
                Some(Ok(())) => {
                    if let (Some(key), Some(batch)) = (key, self.shared.batch.borrow().as_ref()) {
                        batch.keys.borrow_mut().push(key.to_owned());
                    }
                    return Ok(());
                }
                Some(Err(error)) if error_name(&error).as_deref() == Some("TransactionInactiveError") => {
                    *self.shared.batch.borrow_mut() = None;
                }
                Some(Err(error)) => return Err(classify(&error)),
                None => return Err(StoreError::Unavailable),
            }
        }
        Err(StoreError::Unavailable)
    }

    fn open_batch(&self) -> Result<Batch, StoreError> {
        let db = self.db().ok_or(StoreError::Unavailable)?;
        self.shared.empty.set(false);
        let tx = db
            .transaction_with_str_sequence_and_mode(&store_names(), IdbTransactionMode::Readwrite)
            .map_err(|_| StoreError::Unavailable)?;
        let journal = tx.object_store(JOURNAL).map_err(|_| StoreError::Unavailable)?;
        let values = tx.object_store(VALUES).map_err(|_| StoreError::Unavailable)?;
        let keys = Rc::new(RefCell::new(Vec::new()));
        self.watch(tx, keys.clone());
        Ok(Batch { journal, values, keys })
    }

    /// Tracks `tx` until it settles; an abort reports its keys to the failure handler.
    fn watch(&self, tx: IdbTransaction, keys: Rc<RefCell<Vec<String>>>) {
        let settled = Promise::new(&mut |resolve, _reject| {
            tx.set_oncomplete(Some(&resolve));
            tx.set_onabort(Some(&resolve));
        });
        self.shared.pending.borrow_mut().push(settled.clone());
        let shared = Rc::downgrade(&self.shared);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(settled.clone()).await;
            let Some(shared) = shared.upgrade() else { return };
            shared.pending.borrow_mut().retain(|p| !js_sys::Object::is(p, &settled));
            if let Some(error) = tx.error() {
                if let Some(handler) = shared.on_failure.borrow().as_ref() {
                    handler(&keys.borrow(), classify(&error.into()));
                }
            }
        });
    }
}

impl Store<JsValue> for IdbStore {
    fn put(
        &mut self,
        scope: &Scope,
        key: &str,
        value: Option<&JsValue>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        if value.is_some_and(|v| v.is_undefined()) {
            return Err(StoreError::Unencodable);
        }
        let id = entry_key(scope, key);
        self.with_batch(Some(key), |batch| {
            if let Some(value) = value {
                batch.values.put_with_key(value, &id)?;
            }
            Ok(())
        })?;
        let record = to_object(meta, &self.shared.versioning.version, &JsValue::UNDEFINED);
        match value {
            Some(_) => self.log(scope, |ops| ops.written(key, &record)),
            None => self.log(scope, |ops| ops.rewritten(key, &record)),
        }
        Ok(meta.size)
    }

    /// The value stays as it is: only the new metadata is journaled.
    fn put_meta(
        &mut self,
        scope: &Scope,
        key: &str,
        _: Option<&JsValue>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        self.put(scope, key, None, meta)
    }

    fn delete(&mut self, scope: &Scope, key: &str) {
        let id = entry_key(scope, key);
        if self.with_batch(None, |batch| batch.values.delete(&id).map(drop)).is_ok() {
            self.log(scope, |ops| ops.deleted(key));
        }
    }

    /// One `delete(range)` of values, from `[user, prefix]` up to the prefix's bound, and one op.
    fn delete_prefix(&mut self, scope: &Scope, prefix: &str, _: &[String]) {
        let Ok(range) = prefix_range(scope, prefix) else { return };
        if self.with_batch(None, |batch| batch.values.delete(&range).map(drop)).is_ok() {
            self.log(scope, |ops| ops.deleted_prefix(prefix));
        }
    }

    fn clear_scope(&mut self, scope: &Scope) {
        let Ok(range) = scope_range(scope) else { return };
        if self.with_batch(None, |batch| batch.values.delete(&range).map(drop)).is_ok() {
            self.log(scope, |ops| ops.deleted_prefix(""));
        }
    }
}

impl IdbStore {
    /// [`Store::delete`] through a shared handle.
    fn delete(&self, scope: &Scope, key: &str) {
        Store::delete(&mut self.clone(), scope, key);
    }

    /// Hands what was found corrupt (and removed) to the corrupt handler.
    fn report_corrupt(&self, corrupt: Vec<Option<String>>) {
        if let (false, Some(handler)) = (corrupt.is_empty(), self.shared.on_corrupt.borrow().as_ref()) {
            handler(corrupt);
        }
    }

    /// Adds a metadata change of `scope` to this tick's journal record, which a microtask appends
    /// to the tick's transaction (the caller has opened it, so `flush()` waits for the record).
    fn log(&self, scope: &Scope, change: impl FnOnce(&PendingOps)) {
        let user = scope.user().unwrap_or("");
        {
            let mut ops = self.shared.ops.borrow_mut();
            if ops.last().is_none_or(|pending| pending.user() != user) {
                ops.push(PendingOps::new(user));
            }
            if let Some(pending) = ops.last() {
                change(pending);
            }
        }
        if !self.shared.append_scheduled.replace(true) {
            let store = self.clone();
            wasm_bindgen_futures::spawn_local(async move { store.append_ops() });
        }
    }

    /// Appends this tick's metadata changes to the journal: a record per run of one user's ops,
    /// each announced to the other tabs once in the tick's transaction (posted now, in the order
    /// of this tab's other messages; a transaction that aborts later is announced by the failure
    /// handler). When the records appended since the last compaction reach `compact_after`, the
    /// user of the last one is compacted now, so a long-lived tab's journal stays short without a
    /// reload.
    fn append_ops(&self) {
        self.shared.append_scheduled.set(false);
        let ops = std::mem::take(&mut *self.shared.ops.borrow_mut());
        for pending in ops {
            let user = pending.user().to_owned();
            let (record, announced) = pending.into_record();
            // A failure aborts the transaction, which reports its keys.
            if self.with_batch(None, |batch| batch.journal.add(&record).map(drop)).is_err() {
                continue;
            }
            if let (true, Some(announce)) = (announced.length() > 0, self.shared.on_announce.borrow().as_ref()) {
                announce(&user, &announced);
            }
            let appended = self.shared.appended.get() + 1;
            if appended < self.shared.compact_after.get() {
                self.shared.appended.set(appended);
                continue;
            }
            self.shared.appended.set(0);
            let store = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                store.replay(&user).await;
            });
        }
    }
}

/// Deletes the records and values the replay found useless, and replaces the replayed journal
/// records by their snapshot, stored under the last one's key so records other tabs append later
/// stay after it. Runs in the replay's transaction; a failure aborts it and leaves both stores as
/// they were (replaying them again gives the same entries).
fn compact(journal: &IdbObjectStore, values: &IdbObjectStore, replayed: &Replayed) {
    for key in replayed.garbage().iter() {
        let _ = journal.delete(&key);
    }
    for key in replayed.strays().iter() {
        let _ = values.delete(&key);
    }
    let snapshot = replayed.snapshot();
    if snapshot.is_undefined() {
        return; // one record at most: nothing to merge
    }
    let keys = replayed.record_keys();
    let last = keys.pop();
    for key in keys.iter() {
        let _ = journal.delete(&key);
    }
    let _ =
        if replayed.entries().length() == 0 { journal.delete(&last) } else { journal.put_with_key(&snapshot, &last) };
}

/// Awaits a request's `success` (its result) or `error` (its error).
async fn request_result(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(done).await?;
    request.result()
}

/// Both stores, for a transaction over them.
fn store_names() -> Array {
    [JOURNAL, VALUES].iter().map(|n| JsValue::from_str(n)).collect()
}

/// `[user, key]`, the key of an entry's value.
fn entry_key(scope: &Scope, key: &str) -> JsValue {
    Array::of2(&JsValue::from_str(scope.user().unwrap_or("")), &JsValue::from_str(key)).into()
}

/// Every `[user, *]` key: from `[user]` up to `[user, []]` (arrays sort after strings).
fn scope_range(scope: &Scope) -> Result<IdbKeyRange, JsValue> {
    let user = JsValue::from_str(scope.user().unwrap_or(""));
    IdbKeyRange::bound(&Array::of1(&user), &Array::of2(&user, &Array::new()))
}

/// The `[user, key]` keys whose key starts with `prefix`: from `[user, prefix]` (included) up to
/// the prefix's upper bound (excluded), or to the end of the user's keys when it has none.
fn prefix_range(scope: &Scope, prefix: &str) -> Result<IdbKeyRange, JsValue> {
    let user = JsValue::from_str(scope.user().unwrap_or(""));
    let lower = Array::of2(&user, &JsValue::from_str(prefix));
    let upper = match prefix_upper_bound(prefix) {
        Some(units) => Array::of2(&user, &JsString::from_char_code(&units)),
        None => Array::of2(&user, &Array::new()), // arrays sort after every string
    };
    IdbKeyRange::bound_with_lower_open_and_upper_open(&lower, &upper, false, true)
}

fn error_name(error: &JsValue) -> Option<String> {
    error.dyn_ref::<DomException>().map(DomException::name)
}

fn classify(error: &JsValue) -> StoreError {
    match error_name(error).as_deref() {
        Some("DataCloneError") => StoreError::Unencodable,
        Some("QuotaExceededError") => StoreError::Quota(0),
        _ => StoreError::Unavailable,
    }
}
