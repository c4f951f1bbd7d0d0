//! `WasmCache`: the engine with `JsValue` values, the browser clock and the browser stores.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::bus::{self, Reach};
use super::convert;
use super::errors::to_js;
use super::options::{
    create_options, fetch_options, key, names, new_tag_list, tag_list, target, user, write_options, CreateArgs,
};
use super::state::{watch_changes, with_engine, Bus, CacheState, JsEngine, REENTRANT};
use crate::core::{
    CacheError, Engine, ErrorCode, FetchId, MutationId, OnDisk, Origin, Outcome, Plan, Scope, SetOptions, State, Store,
    StoreError, Stores, TagLists, Target, Tier,
};
use crate::web::envelope::{from_object, to_object, Decoded};
use crate::web::names;
use crate::web::version::Verdict;
use crate::web::{clock, DateClock, IdbStore, LocalStore, Versioning};

const UNDEFINED_VALUE: CacheError =
    CacheError::new(ErrorCode::InvalidValue, "undefined cannot be cached; remove the key instead");

/// Opens a cache: judges the options (as the facade's `createArgs` passes them, see
/// [`CreateArgs`]) and loads the current user's localStorage entries. `idb` is the facade's
/// `IdbTier` (internal/idb-tier.ts), which performs the `idb` tier's writes and loads its entries
/// (`hydrateIdb`) once this returns; anything else: no `idb` tier, its writes fall back to memory.
#[wasm_bindgen(js_name = openCache)]
#[allow(clippy::too_many_arguments)]
pub fn open_cache(
    namespace: String,
    user: Option<String>,
    version: JsValue,
    migrate: Option<Function>,
    tier: Option<u8>,
    ttl_ms: Option<f64>,
    stale_ms: Option<f64>,
    memory_bytes: Option<f64>,
    local_bytes: Option<f64>,
    idb_bytes: Option<f64>,
    idb: JsValue,
) -> Result<WasmCache, JsValue> {
    let budgets = [memory_bytes, local_bytes, idb_bytes];
    let args = CreateArgs { namespace, user, version, migrate, tier, ttl_ms, stale_ms, budgets };
    let options = create_options(args).map_err(to_js)?;
    let local = LocalStore::open(options.versioning.clone());
    let idb = IdbStore::new(idb, options.versioning.clone());
    let stores = Stores { local: Box::new(local.clone()), idb: Box::new(idb.clone()) };
    let engine = Engine::new(options.engine, DateClock, stores);
    let engine = Rc::new(CacheState {
        engine: RefCell::new(engine),
        on_change: RefCell::new(None),
        on_outdated: RefCell::new(None),
        announcing: Cell::new(false),
        announce: RefCell::new(None),
        bus: Bus::default(),
    });
    watch_changes(&engine);
    let namespace = engine.engine.borrow().scope().namespace().to_owned();
    bus::open_channel(&engine, &namespace, options.versioning.clone());
    bus::listen_to_storage(&engine, local.clone());
    let cache = WasmCache {
        engine,
        local,
        idb,
        versioning: options.versioning,
        estimate_sizes: options.estimate_sizes,
        failure: RefCell::new(None),
        tag_lists: RefCell::default(),
    };
    let scope = with_engine(&cache.engine, |engine| Ok(engine.scope().clone()))?;
    hydrate_local(&cache.engine, &cache.local, &scope);
    Ok(cache)
}

/// A cache for one namespace and user. The TypeScript facade wraps it as `Cache`.
#[wasm_bindgen]
pub struct WasmCache {
    engine: Rc<CacheState>,
    local: LocalStore,
    idb: IdbStore,
    versioning: Versioning,
    estimate_sizes: bool,
    /// Why the last `get` or `observe` answered the failure marker (see `takeFailure`).
    failure: RefCell<Option<JsValue>>,
    /// The tag lists the facade has numbers for (see `nameTags`).
    tag_lists: RefCell<TagLists>,
}

thread_local! {
    /// What `get` and `observe` answer when they fail: an object of the module's own, which no
    /// stored value can be.
    static FAILED: JsValue = js_sys::Object::new().into();
}

/// The marker `get` and `observe` answer instead of a value when they fail; the facade then
/// takes the error with `takeFailure` and throws it. A `Result` would cross as an index into
/// wasm-bindgen's externref table, one more round trip on every read, the hottest call.
#[wasm_bindgen(js_name = failureMarker)]
pub fn failure_marker() -> JsValue {
    FAILED.with(JsValue::clone)
}

#[wasm_bindgen]
impl WasmCache {
    /// The namespace given at creation.
    #[wasm_bindgen(getter)]
    pub fn namespace(&self) -> Result<String, JsValue> {
        with_engine(&self.engine, |engine| Ok(engine.scope().namespace().to_owned()))
    }

    /// The current user, or `undefined` when signed out.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> Result<Option<String>, JsValue> {
        with_engine(&self.engine, |engine| Ok(engine.scope().user().map(str::to_owned)))
    }

    /// Stores `value` (kept as the same JS value in memory) under `key`, with the write options
    /// the facade's `writeArgs` read (as every write export takes them). Like every export whose
    /// key is a `&str` (the hot paths: no boundary call to read the key), the facade checks that
    /// `key` is a string. Answers `undefined`, or, when the write is refused, the failure marker
    /// with its error kept for `takeFailure`, as `get` does: a `Result` would come back as a pair
    /// the glue unpacks from an array made on every write.
    #[allow(clippy::too_many_arguments)]
    pub fn set(
        &self,
        key: &str,
        value: JsValue,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: JsValue,
        etag: Option<String>,
    ) -> JsValue {
        let written = self
            .value_written(&value, tier, ttl_ms, stale_ms, &tags, etag)
            .and_then(|options| with_engine(&self.engine, |engine| engine.set(key, value, options)));
        self.answer(written.map(|()| JsValue::UNDEFINED))
    }

    /// Gives the tag list `tags` (an array of non-empty strings) a number that every write export
    /// takes in place of the array from now on; a `0` means the numbers given before are void (the
    /// table started over, see `core::tag_lists`).
    #[wasm_bindgen(js_name = nameTags)]
    pub fn name_tags(&self, tags: JsValue) -> Result<u32, JsValue> {
        let tags = new_tag_list(&tags).map_err(to_js)?;
        Ok(self.tag_lists.borrow_mut().name(tags))
    }

    /// Plans a `fetch` of `key`: `0` serve the cache, `-1` start a fetch, `-2` load the value
    /// from its persistent tier first (`loadValue`) and plan again, or the id of the in-flight
    /// fetch to join. `options` is `{ dedupMs?, force? }`; `trigger` is `0` for a caller's
    /// fetch, `1` for a background revalidation (refetch even a fresh entry, unless within
    /// `dedupMs`).
    #[wasm_bindgen(js_name = planFetch)]
    pub fn plan_fetch(&self, key_value: JsValue, options: JsValue, trigger: u8) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = fetch_options(&options, trigger == 1).map_err(to_js)?;
        let plan = with_engine(&self.engine, |engine| engine.plan_fetch(&key, options))?;
        Ok(match plan {
            Plan::Serve => 0.0,
            Plan::Start => -1.0,
            Plan::Load => -2.0,
            Plan::Join(id) => id as f64,
        })
    }

    /// Records that a fetch of `key` starts, to store its answer with `tags` (matched by
    /// invalidations while it is in flight); returns its id.
    #[wasm_bindgen(js_name = startFetch)]
    pub fn start_fetch(&self, key_value: JsValue, tags: JsValue) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let tags = tag_list(&tags, &self.tag_lists.borrow()).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.start_fetch(&key, tags) as f64))
    }

    /// Stores fetch `id`'s answer with write options (as `set`) if the fetch is still current;
    /// returns its fate: `0` stored, `1` overtaken by a change (nothing stored; its callers may
    /// fetch again), `2` outlived by its user (nothing stored; its callers must get nothing of it).
    #[wasm_bindgen(js_name = storeFetched)]
    #[allow(clippy::too_many_arguments)]
    pub fn store_fetched(
        &self,
        key_value: JsValue,
        id: f64,
        value: JsValue,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: JsValue,
        etag: Option<String>,
    ) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        if value.is_undefined() {
            return Err(to_js(UNDEFINED_VALUE));
        }
        let options =
            self.sized(&value, write_options(tier, ttl_ms, stale_ms, &tags, etag, &self.tag_lists.borrow()))?;
        with_engine(&self.engine, |engine| Ok(engine.store_fetched(&key, id as FetchId, value, options)?.code()))
    }

    /// Fetch `id` answered "not modified": restarts the entry's lifetime (write options as `set`)
    /// when still current and held; returns its fate as `storeFetched` does.
    #[wasm_bindgen(js_name = confirmFetched)]
    #[allow(clippy::too_many_arguments)]
    pub fn confirm_fetched(
        &self,
        key_value: JsValue,
        id: f64,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: JsValue,
        etag: Option<String>,
    ) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = write_options(tier, ttl_ms, stale_ms, &tags, etag, &self.tag_lists.borrow()).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.confirm_fetched(&key, id as FetchId, &options).code()))
    }

    /// Fetch `id` failed with `error`; returns its fate as `storeFetched` does (when current,
    /// `peek` shows the error).
    #[wasm_bindgen(js_name = failFetch)]
    pub fn fail_fetch(&self, key_value: JsValue, id: f64, error: JsValue) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.fail_fetch(&key, id as FetchId, error).code()))
    }

    /// A number that changes whenever the entry under `key` is written, invalidated or removed,
    /// or the user switches: a shared fetch waiting for its lock plans again when it moved.
    pub fn generation(&self, key: &str) -> Result<f64, JsValue> {
        with_engine(&self.engine, |engine| Ok(engine.generation(key) as f64))
    }

    /// An optimistic mutation of `key` starts: writes `value` with the write options (as `set`)
    /// and returns the mutation's id. A refused value begins no mutation: its error is thrown.
    #[wasm_bindgen(js_name = beginMutation)]
    #[allow(clippy::too_many_arguments)]
    pub fn begin_mutation(
        &self,
        key_value: JsValue,
        value: JsValue,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: JsValue,
        etag: Option<String>,
    ) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = self.value_written(&value, tier, ttl_ms, stale_ms, &tags, etag)?;
        with_engine(&self.engine, |engine| Ok(engine.begin_mutation(&key, value, options)? as f64))
    }

    /// Mutation `id` settled, in start order, with `outcome`: `0` committed with `value`, `1`
    /// failed, keeping what it showed, `2` failed, restoring the confirmed value. Values shown are
    /// written with the write options (as `set`).
    #[wasm_bindgen(js_name = settleMutation)]
    #[allow(clippy::too_many_arguments)]
    pub fn settle_mutation(
        &self,
        key_value: JsValue,
        id: f64,
        outcome: u8,
        value: JsValue,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: JsValue,
        etag: Option<String>,
    ) -> Result<(), JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options =
            self.sized(&value, write_options(tier, ttl_ms, stale_ms, &tags, etag, &self.tag_lists.borrow()))?;
        let outcome = match outcome {
            0 => Outcome::Committed(value),
            failed => Outcome::Failed { rollback: failed == 2 },
        };
        with_engine(&self.engine, |engine| engine.settle_mutation(&key, id as MutationId, outcome, options))
    }

    /// Registers `listener(ids)`: called, as soon as a call (or a message from another tab)
    /// outdated fetches in flight, with their ids, each once: their signals are to abort.
    #[wasm_bindgen(js_name = onOutdated)]
    pub fn on_outdated(&self, listener: Function) {
        *self.engine.on_outdated.borrow_mut() = Some(listener);
    }

    /// The value under `key` from memory, or `undefined` (never touches IndexedDB); the failure
    /// marker when the call fails (see `failureMarker`). `now` is the facade's `Date.now()`, read
    /// just before the call (see `web::clock::at`).
    pub fn get(&self, key: &str, now: f64) -> JsValue {
        clock::at(now, || {
            self.answer(with_engine(&self.engine, |engine| Ok(engine.get(key)?.cloned().unwrap_or(JsValue::UNDEFINED))))
        })
    }

    /// What `get` returns, without counting a read: for the facade's own reads (a render, a
    /// fetch's `previous`, a mutation's rollback value).
    pub fn observe(&self, key: &str, now: f64) -> JsValue {
        clock::at(now, || {
            self.answer(with_engine(&self.engine, |engine| {
                Ok(engine.observe(key)?.cloned().unwrap_or(JsValue::UNDEFINED))
            }))
        })
    }

    /// The error of the last read that answered the failure marker (`undefined`: none).
    #[wasm_bindgen(js_name = takeFailure)]
    pub fn take_failure(&self) -> JsValue {
        self.failure.borrow_mut().take().unwrap_or(JsValue::UNDEFINED)
    }

    /// Plans a `read` of `key` (the facade's internal/persisted.ts performs it): `0` look it up
    /// in memory now (a localStorage value has been put back there), `1` there is nothing to
    /// answer, `2` read its value from IndexedDB and `fillValue`, `3` the key is unknown here:
    /// another tab may have written it since this one loaded, read it and `adoptRead`.
    #[wasm_bindgen(js_name = planRead)]
    pub fn plan_read(&self, key_value: JsValue) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let local = &self.local;
        with_engine(&self.engine, |engine| {
            Ok(match engine.unloaded_tier(&key) {
                Some(Tier::Local) => {
                    let scope = engine.scope().clone();
                    fill(
                        engine,
                        local,
                        &scope,
                        &key,
                        Tier::Local,
                        local.load(&scope, &key).map(|f| f.map(|(value, _)| value)),
                    )
                }
                Some(_) => READ_IDB_VALUE,
                None if engine.peek(&key)?.is_some() => READ_LOOKUP,
                None => READ_IDB_ENTRY,
            })
        })
    }

    /// Puts back the value of `user`'s IndexedDB entry `key` (`undefined`: it was missing) that
    /// `planRead` asked for; returns what to do next, as `planRead` does (`0` or `1`).
    #[wasm_bindgen(js_name = fillValue)]
    pub fn fill_value(&self, key: &str, user: &str, value: JsValue) -> Result<u8, JsValue> {
        let local = &self.local;
        with_engine(&self.engine, |engine| {
            if !is_current_user(engine, user) {
                return Ok(READ_NOTHING); // the user switched while reading
            }
            let scope = engine.scope().clone();
            Ok(fill(engine, local, &scope, key, Tier::Idb, Ok((!value.is_undefined()).then_some(value))))
        })
    }

    /// IndexedDB could not be read for `planRead`'s value of `user`'s `key` (closed or gone):
    /// nothing is said about the entry, which is kept.
    #[wasm_bindgen(js_name = readFailed)]
    pub fn read_failed(&self, key: &str, user: &str) -> Result<(), JsValue> {
        with_engine(&self.engine, |engine| {
            if is_current_user(engine, user) {
                engine.note_unreadable(Tier::Idb, Some(key.to_owned()));
            }
            Ok(())
        })
    }

    /// Takes in what IndexedDB holds for `user`'s `key`, unknown to `planRead`: its `value` and
    /// metadata `record` (both `undefined` when there was none, or it was unreadable). A live
    /// entry of this version is taken in with its value (an expired one is deleted); anything else
    /// reads as missing. Returns what to do next, as `planRead` does (`0` or `1`).
    #[wasm_bindgen(js_name = adoptRead)]
    pub fn adopt_read(&self, key: &str, user: &str, value: JsValue, record: JsValue) -> Result<u8, JsValue> {
        let versioning = &self.versioning;
        with_engine(&self.engine, |engine| {
            if !is_current_user(engine, user) {
                return Ok(READ_NOTHING); // the user switched while reading
            }
            if let Some(Decoded { meta, version, .. }) = from_object(&record, Tier::Idb) {
                if !value.is_undefined() && versioning.is_current(&version) {
                    engine.hydrate(key, Some(value), meta);
                }
            }
            Ok(READ_LOOKUP)
        })
    }

    /// `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt }` of the live entry, or `undefined`.
    pub fn peek(&self, key: &str) -> Result<JsValue, JsValue> {
        with_engine(&self.engine, |engine| {
            if let Some(peeked) = engine.peek(key)? {
                return Ok(convert::peek(&peeked));
            }
            Ok(engine.failure(key).map_or(JsValue::UNDEFINED, convert::failure))
        })
    }

    /// What another tab needs to take the answer this tab just stored under `key` (a shared
    /// fetch, see internal/shared-fetches.ts): `[tier, value, metadata record]` of the fresh entry
    /// whose value is in memory, else `undefined` (nothing to share).
    pub fn shareable(&self, key: &str) -> Result<JsValue, JsValue> {
        let version = &self.versioning.version;
        with_engine(&self.engine, |engine| {
            Ok(shareable_entry(engine, key, version)?
                .map_or(JsValue::UNDEFINED, |(tier, value, record)| Array::of3(&tier, &value, &record).into()))
        })
    }

    /// Every entry a new tab of this user may start with (internal/warm-start.ts): a flat
    /// `[key, tier, value, metadata record, ...]` of the fresh entries whose values are in memory.
    #[wasm_bindgen(js_name = shareableEntries)]
    pub fn shareable_entries(&self) -> Result<Array, JsValue> {
        let version = &self.versioning.version;
        with_engine(&self.engine, |engine| {
            let entries = Array::new();
            for key in engine.matching_keys(&Target::All)? {
                if let Some((tier, value, record)) = shareable_entry(engine, &key, version)? {
                    entries.push(&JsValue::from_str(&key));
                    entries.push(&tier);
                    entries.push(&value);
                    entries.push(&record);
                }
            }
            Ok(entries)
        })
    }

    /// Takes another tab's answer to a shared fetch of `user`'s `key` (`tier`, `value` and
    /// `record` as `shareable` gave them there): ignored for another user, another data version
    /// or a record of no known shape; else as the engine takes another tab's write (not fresh when
    /// this tab changed the key after the other tab's fetch started). Returns whether it was taken.
    #[wasm_bindgen(js_name = adoptAnswer)]
    pub fn adopt_answer(
        &self,
        user: &str,
        key: &str,
        tier: JsValue,
        value: JsValue,
        record: JsValue,
    ) -> Result<bool, JsValue> {
        let Some(tier) = tier.as_string().and_then(|tier| Tier::parse(&tier).ok()) else { return Ok(false) };
        let Some(Decoded { meta, version, .. }) = from_object(&record, tier) else { return Ok(false) };
        if value.is_undefined() || !self.versioning.is_current(&version) {
            return Ok(false);
        }
        with_engine(&self.engine, |engine| {
            if !is_current_user(engine, user) {
                return Ok(false);
            }
            Ok(engine.with_origin(Origin::Tab, |engine| engine.adopt_answer(key, value, meta)))
        })
    }

    /// The live keys `target` matches.
    #[wasm_bindgen(js_name = matchingKeys)]
    pub fn matching_keys(&self, target_value: JsValue) -> Result<Vec<String>, JsValue> {
        let target = target(&target_value).map_err(to_js)?;
        with_engine(&self.engine, |engine| engine.matching_keys(&target))
    }

    /// Marks matching entries stale in every tier; returns how many.
    pub fn invalidate(&self, target_value: JsValue) -> Result<u32, JsValue> {
        let target = target(&target_value).map_err(to_js)?;
        let invalidated = with_engine(&self.engine, |engine| engine.invalidate(&target).map(count))?;
        bus::relay(&self.engine, "invalidate", Some(&target_value), None);
        Ok(invalidated)
    }

    /// Deletes matching entries from every tier; returns how many (the facade waits for
    /// IndexedDB to commit).
    pub fn remove(&self, target_value: JsValue) -> Result<u32, JsValue> {
        let target = target(&target_value).map_err(to_js)?;
        let removed = with_engine(&self.engine, |engine| engine.remove(&target).map(count))?;
        bus::relay(&self.engine, "remove", Some(&target_value), None);
        Ok(removed)
    }

    /// Switches to `user` (`undefined`: signed out): the previous user's entries are invisible at
    /// once, the new user's localStorage entries are loaded (the facade loads the IndexedDB ones).
    /// Returns whether the previous user was left before its IndexedDB entries loaded, with
    /// changes made meanwhile: the facade loads that user's entries too, for `hydrateIdb` to
    /// bring those changes to them on disk.
    #[wasm_bindgen(js_name = switchUser)]
    pub fn switch_user(&self, user_value: JsValue) -> Result<bool, JsValue> {
        let scope = self_scope(&self.engine, &user_value)?;
        let unsettled = with_engine(&self.engine, |engine| engine.switch_scope(scope.clone()))?;
        hydrate_local(&self.engine, &self.local, &scope);
        Ok(unsettled)
    }

    /// Deletes every entry of `user` (default: the current user) from every tier (the facade
    /// waits for IndexedDB to commit).
    #[wasm_bindgen(js_name = clearUser)]
    pub fn clear_user(&self, user_value: JsValue) -> Result<(), JsValue> {
        let scope = if user_value.is_undefined() {
            with_engine(&self.engine, |engine| Ok(engine.scope().clone()))?
        } else {
            self_scope(&self.engine, &user_value)?
        };
        with_engine(&self.engine, |engine| engine.clear_scope(&scope))?;
        bus::relay(&self.engine, "clear", None, Some(&scope));
        Ok(())
    }

    /// Removes localStorage keys written by pre-cachebus code: exact names, or prefixes ending in
    /// `*`. Keys cachebus writes are never matched. Returns how many went.
    #[wasm_bindgen(js_name = cleanLegacy)]
    pub fn clean_legacy(&self, names_value: JsValue) -> Result<u32, JsValue> {
        let names = names(&names_value).map_err(to_js)?;
        Ok(count(self.local.clean_legacy(&names)))
    }

    /// Loads `user`'s IndexedDB `entries` (a flat `[key, record, ...]` from the facade's replay;
    /// values stay on disk until read), as the changes made since `openCache` or the switch leave
    /// them (the load runs behind both). Records of no known shape are deleted and counted as
    /// corrupt. Returns the entries of another data version, in the same shape, for the facade to
    /// read and hand to `migrateIdb`. For a user switched away from meanwhile, nothing is loaded:
    /// the changes made to that user before the switch are brought to its entries on disk (see
    /// `switchUser`), and nothing is returned.
    #[wasm_bindgen(js_name = hydrateIdb)]
    pub fn hydrate_idb(&self, user: &str, entries: Array) -> Result<Array, JsValue> {
        let outdated = Array::new();
        let mut idb = self.idb.clone();
        with_engine(&self.engine, |engine| {
            if !is_current_user(engine, user) {
                if let Ok(scope) = Scope::new(engine.scope().namespace(), (!user.is_empty()).then_some(user)) {
                    engine.settle_left(&scope, || self.on_disk(&entries));
                }
                return Ok(());
            }
            let scope = engine.scope().clone();
            for i in (0..entries.length()).step_by(2) {
                let (Some(key), record) = (entries.get(i).as_string(), entries.get(i + 1)) else { continue };
                match from_object(&record, Tier::Idb) {
                    Some(Decoded { meta, version, .. }) if self.versioning.is_current(&version) => {
                        engine.hydrate(&key, None, meta);
                    }
                    Some(_) => {
                        outdated.push(&JsValue::from_str(&key));
                        outdated.push(&record);
                    }
                    None => {
                        idb.delete(&scope, &key);
                        engine.note_corrupt(Tier::Idb, Some(key));
                    }
                }
            }
            engine.loaded();
            Ok(())
        })?;
        Ok(outdated)
    }

    /// Brings forward `user`'s IndexedDB entry `key` of another data version (`record`, as
    /// `hydrateIdb` returned it) with its stored `value` (`undefined`: missing): the app's
    /// `migrate` gives the value to rewrite and load, or nothing and the entry is deleted.
    #[wasm_bindgen(js_name = migrateIdb)]
    pub fn migrate_idb(&self, user: &str, key: &str, record: JsValue, value: JsValue) -> Result<(), JsValue> {
        let Some(Decoded { meta, version, .. }) = from_object(&record, Tier::Idb) else { return Ok(()) };
        let verdict = if value.is_undefined() { Verdict::Drop } else { self.versioning.judge(&version, &value) };
        let mut idb = self.idb.clone();
        with_engine(&self.engine, |engine| {
            if !is_current_user(engine, user) {
                return Ok(());
            }
            let scope = engine.scope().clone();
            match verdict {
                Verdict::Migrated(value) if idb.put(&scope, key, Some(&value), &meta).is_ok() => {
                    engine.hydrate(key, None, meta);
                }
                Verdict::Current => {
                    engine.hydrate(key, None, meta);
                }
                _ => idb.delete(&scope, key),
            }
            Ok(())
        })
    }

    /// An IndexedDB transaction aborted after its writes of `keys` were accepted (`error`: as an
    /// `IdbTier` write returns it): the entries are demoted to memory only, and reported; the
    /// other tabs, told of the writes when they were journaled, are told to drop them (what
    /// IndexedDB still holds of those keys they read back on demand).
    #[wasm_bindgen(js_name = idbAborted)]
    pub fn idb_aborted(&self, keys: Vec<String>, error: u8) -> Result<(), JsValue> {
        let error = match error {
            1 => StoreError::Unencodable,
            2 => StoreError::Quota(0),
            _ => StoreError::Unavailable,
        };
        let user = with_engine(&self.engine, |engine| {
            for key in &keys {
                engine.persist_failed(key, Tier::Idb, error);
            }
            Ok(engine.scope().user().unwrap_or("").to_owned())
        })?;
        let deleted = Array::new();
        for key in &keys {
            deleted.push(&JsValue::from_str(key));
            deleted.push(&JsValue::NULL);
        }
        bus::announce_idb(&self.engine, &user, &deleted);
        Ok(())
    }

    /// Tells the other tabs of one tick's IndexedDB writes and deletions of `user` (`ops`: as the
    /// journal writes them).
    #[wasm_bindgen(js_name = announceIdb)]
    pub fn announce_idb(&self, user: &str, ops: Array) {
        bus::announce_idb(&self.engine, user, &ops);
    }

    /// Counts and reports what an IndexedDB replay found corrupt (already removed): per record,
    /// value or op, the entry key it concerned, or `null`.
    #[wasm_bindgen(js_name = idbCorrupt)]
    pub fn idb_corrupt(&self, keys: Array) -> Result<(), JsValue> {
        with_engine(&self.engine, |engine| {
            for key in keys.iter() {
                engine.note_corrupt(Tier::Idb, key.as_string());
            }
            Ok(())
        })
    }

    /// Counters and per-tier usage.
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        with_engine(&self.engine, |engine| Ok(convert::stats(&engine.stats())))
    }

    /// Sets the function called with every change this cache makes, once per change and tick:
    /// `(kind, keys, tags, origin, user)`, the keys joined by `"\0"`, the user `null` when signed
    /// out. The facade announces it (`cachebus:change`) and notifies its subscribers.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(&self, listener: Function) {
        *self.engine.on_change.borrow_mut() = Some(listener.unchecked_into());
    }

    /// Calls `handler(event)` on every `name` event on `window`; returns the id `off` takes.
    pub fn on(&self, name: JsValue, handler: Function) -> Result<u32, JsValue> {
        bus::on(&self.engine, &name, handler).map_err(to_js)
    }

    /// Removes handler `id`.
    pub fn off(&self, id: u32) {
        bus::off(&self.engine, id);
    }

    /// Dispatches app event `name` on `window` and applies its rule; `reach` `1` does the same in
    /// the other tabs, `0` in this one only.
    pub fn emit(&self, name: JsValue, detail: JsValue, reach: u8) -> Result<(), JsValue> {
        let reach = if reach == 1 { Reach::EveryTab } else { Reach::ThisTab };
        bus::emit(&self.engine, &name, detail, reach, Origin::Local).map_err(to_js)
    }

    /// Applies what a push source's `map` returned: `{ event, detail? }` to emit, or a target to
    /// invalidate; changes are announced as `origin: "push"` and relayed to the other tabs.
    pub fn pushed(&self, result: JsValue, connection: u32, fingerprint: Option<String>) -> Result<(), JsValue> {
        bus::pushed(&self.engine, &result, connection, fingerprint)
    }

    /// Adds event rules and (when given) the fallback of their families; returns their group id.
    pub fn rules(&self, table: JsValue, fallback: JsValue) -> Result<u32, JsValue> {
        bus::set_rules(&self.engine, &table, fallback).map_err(to_js)
    }

    /// Takes back the rules (and fallback) of group `id`.
    #[wasm_bindgen(js_name = removeRules)]
    pub fn remove_rules(&self, id: u32) {
        bus::remove_rules(&self.engine, id);
    }

    /// Drops every entry from memory (the facade closes IndexedDB); later calls throw `CLOSED`.
    pub fn close(&self) {
        // The facade's callback is a GC root that holds the facade: let go of it.
        self.engine.on_change.borrow_mut().take();
        bus::close(&self.engine);
        if let Ok(mut engine) = self.engine.engine.try_borrow_mut() {
            engine.close();
        }
    }

    /// The decodable records of `entries` (a flat `[key, record, ...]`), for
    /// [`JsEngine::settle_left`]; what cannot be decoded is left for that user's own load.
    fn on_disk(&self, entries: &Array) -> Vec<(String, OnDisk)> {
        let mut found = Vec::new();
        for i in (0..entries.length()).step_by(2) {
            let Some(key) = entries.get(i).as_string() else { continue };
            if let Some(Decoded { meta, version, .. }) = from_object(&entries.get(i + 1), Tier::Idb) {
                let current = self.versioning.is_current(&version);
                found.push((key, if current { OnDisk::Current(meta) } else { OnDisk::OtherVersion(meta) }));
            }
        }
        found
    }

    /// A read's value (or a write's `undefined`), or the failure marker with its error kept for
    /// `takeFailure`.
    fn answer(&self, read: Result<JsValue, JsValue>) -> JsValue {
        read.unwrap_or_else(|error| {
            *self.failure.borrow_mut() = Some(error);
            failure_marker()
        })
    }

    /// The options of a write of `value` by an app (`set`, a mutation's optimistic value), from
    /// the write arguments: `undefined` is refused, as no value.
    fn value_written(
        &self,
        value: &JsValue,
        tier: Option<u8>,
        ttl_ms: Option<f64>,
        stale_ms: Option<f64>,
        tags: &JsValue,
        etag: Option<String>,
    ) -> Result<SetOptions, JsValue> {
        if value.is_undefined() {
            return Err(to_js(UNDEFINED_VALUE));
        }
        self.sized(value, write_options(tier, ttl_ms, stale_ms, tags, etag, &self.tag_lists.borrow()))
    }

    /// Write `options`, with `value` weighed when a budget needs it.
    fn sized(&self, value: &JsValue, options: Result<SetOptions, CacheError>) -> Result<SetOptions, JsValue> {
        let mut options = options.map_err(to_js)?;
        if self.estimate_sizes {
            options.size = estimate_size(value);
        }
        Ok(options)
    }
}

/// What `planRead`, `fillValue` and `adoptRead` return: look the key up in memory now.
const READ_LOOKUP: u8 = 0;
/// ... answer nothing.
const READ_NOTHING: u8 = 1;
/// ... read the entry's value from IndexedDB, then `fillValue`.
const READ_IDB_VALUE: u8 = 2;
/// ... read the unknown key's entry from IndexedDB, then `adoptRead`.
const READ_IDB_ENTRY: u8 = 3;

/// Puts back the value `loaded` from `key`'s persistent `tier`, in `scope`: found, it is filled
/// in (look it up); unreadable (the storage is closed or gone), nothing is said about the entry,
/// which is kept; missing or corrupt, the entry is dropped everywhere and counted, unless it was
/// written again meanwhile (look that up).
fn fill(
    engine: &mut JsEngine,
    local: &LocalStore,
    scope: &Scope,
    key: &str,
    tier: Tier,
    loaded: Result<Option<JsValue>, StoreError>,
) -> u8 {
    match loaded {
        Ok(Some(value)) => {
            engine.fill(key, value);
            READ_LOOKUP
        }
        Err(_) => {
            engine.note_unreadable(tier, Some(key.to_owned()));
            READ_NOTHING
        }
        Ok(None) if engine.unloaded_tier(key) != Some(tier) => READ_LOOKUP,
        Ok(None) => {
            if tier == Tier::Local {
                local.remove_corrupt(scope, key);
            }
            if let Ok(target) = Target::key(key) {
                let _ = engine.remove(&target);
            }
            engine.note_corrupt(tier, Some(key.to_owned()));
            READ_NOTHING
        }
    }
}

/// The tier name, value and metadata record of `key`'s entry when it is fresh and its value is in
/// memory: what another tab takes in as this tab's write.
fn shareable_entry(
    engine: &mut JsEngine,
    key: &str,
    version: &JsValue,
) -> Result<Option<(JsValue, JsValue, JsValue)>, CacheError> {
    let Some(peeked) = engine.peek(key)? else { return Ok(None) };
    if peeked.state != State::Fresh {
        return Ok(None);
    }
    let (tier, meta) = (peeked.meta.tier, peeked.meta.clone());
    let Some(value) = engine.observe(key)?.cloned() else { return Ok(None) };
    Ok(Some((names::tier(tier).into(), value, to_object(&meta, version, &JsValue::UNDEFINED).into())))
}

/// Whether `user` (`""`: signed out) is the engine's current user.
fn is_current_user(engine: &JsEngine, user: &str) -> bool {
    engine.scope().user().unwrap_or("") == user
}

/// The scope of `user_value` in the engine's namespace.
fn self_scope(core: &Rc<CacheState>, user_value: &JsValue) -> Result<Scope, JsValue> {
    let user = user(user_value).map_err(to_js)?;
    let namespace = core.engine.try_borrow().map_err(|_| to_js(REENTRANT))?.scope().namespace().to_owned();
    Scope::new(&namespace, user.as_deref()).map_err(to_js)
}

/// Loads `scope`'s localStorage entries into the engine, skipped if the user switched meanwhile.
fn hydrate_local(engine: &Rc<CacheState>, local: &LocalStore, scope: &Scope) {
    let found = local.load_scope(scope);
    let _ = with_engine(engine, |engine| {
        if engine.scope() == scope {
            for (key, value, meta) in found.entries {
                engine.hydrate(&key, Some(value), meta);
            }
        }
        for key in found.corrupt {
            engine.note_corrupt(Tier::Local, Some(key));
        }
        if found.unavailable {
            engine.note_unreadable(Tier::Local, None);
        }
        Ok(())
    });
}

#[wasm_bindgen(module = "/src/web/weigh.js")]
extern "C" {
    /// About the length of a value's JSON text, counted without building it (see weigh.js).
    fn weigh(value: &JsValue) -> f64;
}

/// A value's weight for memory and `idb` budgets (see [`weigh`]).
fn estimate_size(value: &JsValue) -> usize {
    weigh(value) as usize
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
