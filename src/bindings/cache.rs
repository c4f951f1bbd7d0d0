//! `WasmCache`: the engine with `JsValue` values, the browser clock and the browser stores.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, JsString, Promise, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::bus;
use super::convert;
use super::errors::to_js;
use super::options::{create_options, fetch_options, key, names, set_options, target, user};
use super::state::{with_engine, Bus, CacheState, JsEngine, REENTRANT};
use crate::core::{
    retry_delay, CacheError, Engine, ErrorCode, FetchId, MutationId, Origin, Outcome, Plan, Scope, SetOptions, Stores,
    Target, Tier,
};
use crate::web::{DateClock, IdbStore, LocalStore};

const UNDEFINED_VALUE: CacheError =
    CacheError::new(ErrorCode::InvalidValue, "undefined cannot be cached; remove the key instead");

/// Opens a cache: validates `options` and loads the current user's persisted entries
/// (localStorage values, IndexedDB metadata) before resolving. `database` is the namespace's
/// IndexedDB database, opened by the facade while the wasm loaded (anything else: none, and `idb`
/// writes fall back to memory); `created` says that open created it (nothing to load yet).
#[wasm_bindgen(js_name = openCache)]
pub async fn open_cache(options: JsValue, database: JsValue, created: bool) -> Result<WasmCache, JsValue> {
    let options = create_options(&options).map_err(to_js)?;
    let local = LocalStore::open(options.versioning.clone());
    let idb = IdbStore::new(database.dyn_into().ok(), created, options.versioning.clone());
    let stores = Stores { local: Box::new(local.clone()), idb: Box::new(idb.clone()) };
    let engine = Engine::new(options.engine, DateClock, stores);
    let namespace = JsString::from(engine.scope().namespace());
    let engine = Rc::new(CacheState {
        engine: RefCell::new(engine),
        on_change: RefCell::new(None),
        on_outdated: RefCell::new(None),
        announcing: Cell::new(false),
        namespace,
        bus: Bus::default(),
    });
    idb.on_failure(failure_handler(Rc::downgrade(&engine)));
    idb.on_corrupt(corrupt_handler(Rc::downgrade(&engine)));
    idb.on_announce(announce_handler(Rc::downgrade(&engine)));
    let namespace = engine.engine.borrow().scope().namespace().to_owned();
    bus::open_channel(&engine, &namespace, options.versioning);
    bus::listen_to_storage(&engine, local.clone());
    let cache = WasmCache { engine, local, idb, estimate_sizes: options.estimate_sizes };
    let scope = with_engine(&cache.engine, |engine| Ok(engine.scope().clone()))?;
    hydrate(&cache.engine, &cache.local, &cache.idb, &scope).await;
    Ok(cache)
}

/// A cache for one namespace and user. The TypeScript facade wraps it as `Cache`.
#[wasm_bindgen]
pub struct WasmCache {
    engine: Rc<CacheState>,
    local: LocalStore,
    idb: IdbStore,
    estimate_sizes: bool,
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

    /// Stores `value` (kept as the same JS value in memory) under `key`. Like every export whose
    /// key is a `&str` (the hot paths: no boundary call to read the key), the facade checks that
    /// `key` is a string.
    pub fn set(&self, key: &str, value: JsValue, options: JsValue) -> Result<(), JsValue> {
        if value.is_undefined() {
            return Err(to_js(UNDEFINED_VALUE));
        }
        let options = self.write_options(&value, &options)?;
        with_engine(&self.engine, |engine| engine.set(key, value, options))
    }

    /// Plans a `fetch` of `key`: `0` serve the cache, `-1` start a fetch, `-2` load the value
    /// from its persistent tier first (`loadValue`) and plan again, or the id of the in-flight
    /// fetch to join. `options` is `{ dedupMs?, force? }`; `revalidate` marks a background
    /// revalidation (refetch even a fresh entry, unless within `dedupMs`).
    #[wasm_bindgen(js_name = planFetch)]
    pub fn plan_fetch(&self, key_value: JsValue, options: JsValue, revalidate: bool) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = fetch_options(&options, revalidate).map_err(to_js)?;
        let plan = with_engine(&self.engine, |engine| engine.plan_fetch(&key, options))?;
        Ok(match plan {
            Plan::Serve => 0.0,
            Plan::Start => -1.0,
            Plan::Load => -2.0,
            Plan::Join(id) => id as f64,
        })
    }

    /// Records that a fetch of `key` starts, to store its answer with `set` `options` (their
    /// tags are matched by invalidations while it is in flight); returns its id.
    #[wasm_bindgen(js_name = startFetch)]
    pub fn start_fetch(&self, key_value: JsValue, options: JsValue) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let tags = set_options(&options).map_err(to_js)?.tags;
        with_engine(&self.engine, |engine| Ok(engine.start_fetch(&key, tags) as f64))
    }

    /// Stores fetch `id`'s answer with `set` options if the fetch is still current; returns its
    /// fate: `0` stored, `1` overtaken by a change (nothing stored; its callers may fetch again),
    /// `2` outlived by its user (nothing stored; its callers must get nothing of it).
    #[wasm_bindgen(js_name = storeFetched)]
    pub fn store_fetched(&self, key_value: JsValue, id: f64, value: JsValue, options: JsValue) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        if value.is_undefined() {
            return Err(to_js(UNDEFINED_VALUE));
        }
        let options = self.write_options(&value, &options)?;
        with_engine(&self.engine, |engine| Ok(engine.store_fetched(&key, id as FetchId, value, options)?.code()))
    }

    /// Fetch `id` answered "not modified": restarts the entry's lifetime when still current and
    /// held; returns its fate as `storeFetched` does.
    #[wasm_bindgen(js_name = confirmFetched)]
    pub fn confirm_fetched(&self, key_value: JsValue, id: f64, options: JsValue) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = set_options(&options).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.confirm_fetched(&key, id as FetchId, &options).code()))
    }

    /// Fetch `id` failed with `error`; returns its fate as `storeFetched` does (when current,
    /// `peek` shows the error).
    #[wasm_bindgen(js_name = failFetch)]
    pub fn fail_fetch(&self, key_value: JsValue, id: f64, error: JsValue) -> Result<u8, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.fail_fetch(&key, id as FetchId, error).code()))
    }

    /// An optimistic mutation of `key` starts (call before writing its value); returns its id.
    #[wasm_bindgen(js_name = beginMutation)]
    pub fn begin_mutation(&self, key_value: JsValue) -> Result<f64, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        with_engine(&self.engine, |engine| Ok(engine.begin_mutation(&key)? as f64))
    }

    /// Mutation `id` settled, in start order: `committed` with `value`, or failed (restoring the
    /// confirmed value when `rollback`). Values shown are written with `set` `options`.
    #[wasm_bindgen(js_name = settleMutation)]
    pub fn settle_mutation(
        &self,
        key_value: JsValue,
        id: f64,
        committed: bool,
        value: JsValue,
        rollback: bool,
        options: JsValue,
    ) -> Result<(), JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let options = self.write_options(&value, &options)?;
        let outcome = if committed { Outcome::Committed(value) } else { Outcome::Failed { rollback } };
        with_engine(&self.engine, |engine| engine.settle_mutation(&key, id as MutationId, outcome, options))
    }

    /// Registers `listener(ids)`: called, as soon as a call (or a message from another tab)
    /// outdated fetches in flight, with their ids, each once: their signals are to abort.
    #[wasm_bindgen(js_name = onOutdated)]
    pub fn on_outdated(&self, listener: Function) {
        *self.engine.on_outdated.borrow_mut() = Some(listener);
    }

    /// The value under `key` from memory, or `undefined` (never touches IndexedDB).
    pub fn get(&self, key: &str) -> Result<JsValue, JsValue> {
        with_engine(&self.engine, |engine| Ok(engine.get(key)?.cloned().unwrap_or(JsValue::UNDEFINED)))
    }

    /// What `get` returns, without counting a read: for the facade's own reads (a render, a
    /// fetch's `previous`, a mutation's rollback value).
    pub fn observe(&self, key: &str) -> Result<JsValue, JsValue> {
        with_engine(&self.engine, |engine| Ok(engine.observe(key)?.cloned().unwrap_or(JsValue::UNDEFINED)))
    }

    /// The value under `key` from memory, then localStorage, then IndexedDB; a key unknown here
    /// is looked up in IndexedDB (another tab may have written it since this one loaded).
    pub fn read(&self, key_value: JsValue) -> Promise {
        self.load(key_value, true)
    }

    /// What `read` does, without counting a read: for the facade's `fetch`, which loads an
    /// entry's value before planning again (its own serving counts the read).
    #[wasm_bindgen(js_name = loadValue)]
    pub fn load_value(&self, key_value: JsValue) -> Promise {
        self.load(key_value, false)
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

    /// Deletes matching entries from every tier; resolves with how many once IndexedDB committed.
    pub fn remove(&self, target_value: JsValue) -> Promise {
        let removed = target(&target_value)
            .map_err(to_js)
            .and_then(|target| with_engine(&self.engine, |engine| engine.remove(&target).map(count)));
        if removed.is_ok() {
            bus::relay(&self.engine, "remove", Some(&target_value), None);
        }
        self.after_flush(removed.map(JsValue::from))
    }

    /// Switches to `user` (`undefined`: signed out): the previous user's entries are invisible at
    /// once; resolves when the new user's persisted entries are loaded.
    #[wasm_bindgen(js_name = switchUser)]
    pub fn switch_user(&self, user_value: JsValue) -> Promise {
        // The switch itself happens now, before any fetch in flight can settle; only loading the
        // new user's persisted entries waits.
        let switched = self_scope(&self.engine, &user_value).and_then(|scope| {
            with_engine(&self.engine, |engine| engine.switch_scope(scope.clone()))?;
            Ok(scope)
        });
        let engine = self.engine.clone();
        let (local, idb) = (self.local.clone(), self.idb.clone());
        future_to_promise(async move {
            let scope = switched?;
            hydrate(&engine, &local, &idb, &scope).await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Deletes every entry of `user` (default: the current user) from every tier; resolves once
    /// IndexedDB committed.
    #[wasm_bindgen(js_name = clearUser)]
    pub fn clear_user(&self, user_value: JsValue) -> Promise {
        let cleared = if user_value.is_undefined() {
            with_engine(&self.engine, |engine| Ok(engine.scope().clone()))
        } else {
            self_scope(&self.engine, &user_value)
        }
        .and_then(|scope| {
            with_engine(&self.engine, |engine| engine.clear_scope(&scope))?;
            bus::relay(&self.engine, "clear", None, Some(&scope));
            Ok(JsValue::UNDEFINED)
        });
        self.after_flush(cleared)
    }

    /// Removes localStorage keys written by pre-cachebus code: exact names, or prefixes ending in
    /// `*`. Keys cachebus writes are never matched. Returns how many went.
    #[wasm_bindgen(js_name = cleanLegacy)]
    pub fn clean_legacy(&self, names_value: JsValue) -> Result<u32, JsValue> {
        let names = names(&names_value).map_err(to_js)?;
        Ok(count(self.local.clean_legacy(&names)))
    }

    /// Takes the namespace's IndexedDB database once the upgrade another connection blocked could
    /// run (the cache was opened without it, its `idb` writes kept in memory): later writes
    /// persist, and the current user's persisted entries are loaded (those held are kept).
    /// Resolves when they are; a closed cache closes the database instead.
    #[wasm_bindgen(js_name = attachDatabase)]
    pub fn attach_database(&self, database: JsValue, created: bool) -> Promise {
        let engine = self.engine.clone();
        let idb = self.idb.clone();
        future_to_promise(async move {
            let Ok(db) = database.dyn_into() else { return Ok(JsValue::UNDEFINED) };
            let scope = engine.engine.try_borrow().map(|engine| engine.scope().clone());
            if let (true, Ok(scope)) = (idb.attach(db, created), scope) {
                hydrate_idb(&engine, &idb, &scope).await;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Resolves when every pending IndexedDB write has committed.
    pub fn flush(&self) -> Promise {
        self.idb.flush()
    }

    /// Counters and per-tier usage.
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        with_engine(&self.engine, |engine| Ok(convert::stats(&engine.stats())))
    }

    /// Sets the function called with the `detail` of every change this cache makes (after the
    /// `cachebus:change` event is dispatched): the facade notifies subscribers from it.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(&self, listener: Function) {
        *self.engine.on_change.borrow_mut() = Some(listener);
    }

    /// Calls `handler(event)` on every `name` event on `window`; returns the id `off` takes.
    pub fn on(&self, name: JsValue, handler: Function) -> Result<u32, JsValue> {
        bus::on(&self.engine, &name, handler).map_err(to_js)
    }

    /// Removes handler `id`.
    pub fn off(&self, id: u32) {
        bus::off(&self.engine, id);
    }

    /// Dispatches app event `name` on `window`, applies its rule, and (when `cross_tab`) relays it
    /// to the other tabs.
    pub fn emit(&self, name: JsValue, detail: JsValue, cross_tab: bool) -> Result<(), JsValue> {
        bus::emit(&self.engine, &name, detail, cross_tab, Origin::Local).map_err(to_js)
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

    /// Drops every entry from memory and closes IndexedDB; later calls throw `CLOSED`.
    pub fn close(&self) {
        // The facade's callback is a GC root that holds the facade: let go of it.
        self.engine.on_change.borrow_mut().take();
        bus::close(&self.engine);
        if let Ok(mut engine) = self.engine.engine.try_borrow_mut() {
            engine.close();
        }
        self.idb.close();
    }

    /// `read`: the value under `key` from memory, then from the entry's persistent tier (put back
    /// into memory); `count`: whether the read counts in `stats()`.
    fn load(&self, key_value: JsValue, count: bool) -> Promise {
        let engine = self.engine.clone();
        let (local, idb) = (self.local.clone(), self.idb.clone());
        future_to_promise(async move {
            let key = key(&key_value).map_err(to_js)?;
            let (value, tier, scope) = with_engine(&engine, |engine| {
                // A value in memory is read there. An unloaded entry is counted once, as the hit
                // of the lookup after `fill`; an unknown key once IndexedDB has been asked.
                let tier = engine.unloaded_tier(&key);
                let in_memory = tier.is_none() && engine.peek(&key)?.is_some();
                let value = if in_memory { lookup(engine, &key, count)? } else { None };
                Ok((value, tier, engine.scope().clone()))
            })?;
            if let Some(value) = value {
                return Ok(value);
            }
            let loaded = match tier {
                Some(Tier::Local) => local.load(&scope, &key).map(|found| found.map(|(value, _)| value)),
                Some(Tier::Idb) => idb.read(&scope, &key).await,
                _ => return read_unknown(&engine, &idb, &scope, &key, count).await,
            };
            with_engine(&engine, |engine| {
                if engine.scope() != &scope {
                    return Ok(JsValue::UNDEFINED); // the user switched while reading
                }
                match loaded {
                    Ok(Some(value)) => {
                        engine.fill(&key, value);
                        Ok(lookup(engine, &key, count)?.unwrap_or(JsValue::UNDEFINED))
                    }
                    Err(_) => {
                        // The storage is closed or gone: nothing to say about the entry; keep it.
                        engine.note_unreadable(tier.unwrap_or(Tier::Idb), Some(key.clone()));
                        Ok(JsValue::UNDEFINED)
                    }
                    Ok(None) => {
                        // Indexed but unreadable: drop it everywhere and count it.
                        if tier == Some(Tier::Local) {
                            local.remove_corrupt(&scope, &key);
                        }
                        engine.remove(&Target::key(&key)?)?;
                        engine.note_corrupt(tier.unwrap_or(Tier::Memory), Some(key.clone()));
                        Ok(JsValue::UNDEFINED)
                    }
                }
            })
        })
    }

    /// Parses `set` options and weighs `value` when a budget needs it.
    fn write_options(&self, value: &JsValue, options: &JsValue) -> Result<SetOptions, JsValue> {
        let mut options = set_options(options).map_err(to_js)?;
        if self.estimate_sizes {
            options.size = estimate_size(value);
        }
        Ok(options)
    }

    /// `result`, delivered once pending IndexedDB work has committed.
    fn after_flush(&self, result: Result<JsValue, JsValue>) -> Promise {
        let flushed = self.idb.flush();
        future_to_promise(async move {
            let value = result?;
            JsFuture::from(flushed).await?;
            Ok(value)
        })
    }
}

/// `read` of a key this tab does not know: another tab may have written it to IndexedDB since
/// this one loaded. A live entry of this version found there is taken in with its value
/// (`hydrate`, which deletes an expired one); anything else reads as missing.
async fn read_unknown(
    engine: &Rc<CacheState>,
    idb: &IdbStore,
    scope: &Scope,
    key: &str,
    count: bool,
) -> Result<JsValue, JsValue> {
    let found = idb.read_entry(scope, key).await;
    with_engine(engine, |engine| {
        if engine.scope() != scope {
            return Ok(JsValue::UNDEFINED); // the user switched while reading
        }
        if let Ok(Some((value, meta))) = found {
            engine.hydrate(key, Some(value), meta);
        }
        Ok(lookup(engine, key, count)?.unwrap_or(JsValue::UNDEFINED))
    })
}

/// The value under `key` in memory: `get` when the read counts, else `observe`.
fn lookup(engine: &mut JsEngine, key: &str, count: bool) -> Result<Option<JsValue>, CacheError> {
    Ok(if count { engine.get(key)? } else { engine.observe(key)? }.cloned())
}

/// The delay in milliseconds before retry number `attempt` (1 for the first): `baseDelayMs`
/// doubled for each earlier retry, at most 30 s.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay_ms(attempt: u32, base_delay_ms: f64) -> f64 {
    let base = if base_delay_ms.is_finite() && base_delay_ms > 0.0 { base_delay_ms as u64 } else { 0 };
    retry_delay(attempt, base) as f64
}

/// The scope of `user_value` in the engine's namespace.
fn self_scope(core: &Rc<CacheState>, user_value: &JsValue) -> Result<Scope, JsValue> {
    let user = user(user_value).map_err(to_js)?;
    let namespace = core.engine.try_borrow().map_err(|_| to_js(REENTRANT))?.scope().namespace().to_owned();
    Scope::new(&namespace, user.as_deref()).map_err(to_js)
}

/// Loads `scope`'s persisted entries into the engine: localStorage values, IndexedDB metadata.
/// Skipped if the user switched again meanwhile.
async fn hydrate(engine: &Rc<CacheState>, local: &LocalStore, idb: &IdbStore, scope: &Scope) {
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
    hydrate_idb(engine, idb, scope).await;
}

/// Loads `scope`'s IndexedDB metadata into the engine (values stay on disk until read); skipped
/// if the user switched again meanwhile.
async fn hydrate_idb(engine: &Rc<CacheState>, idb: &IdbStore, scope: &Scope) {
    let found = idb.load_scope(scope).await;
    let _ = with_engine(engine, |engine| {
        if engine.scope() == scope {
            for (key, meta) in found {
                engine.hydrate(&key, None, meta);
            }
        }
        Ok(())
    });
}

/// Demotes the entries of an aborted IndexedDB transaction to memory only, and reports it; the
/// other tabs, told of the writes when they were journaled, are told to drop them (what
/// IndexedDB still holds of those keys they read back on demand).
fn failure_handler(engine: Weak<CacheState>) -> crate::web::idb::FailureHandler {
    Box::new(move |keys, error| {
        let Some(engine) = engine.upgrade() else { return };
        let user = with_engine(&engine, |engine| {
            for key in keys {
                engine.persist_failed(key, Tier::Idb, error);
            }
            Ok(engine.scope().user().unwrap_or("").to_owned())
        });
        let (Ok(user), false) = (user, keys.is_empty()) else { return };
        let deleted = Array::new();
        for key in keys {
            deleted.push(&JsValue::from_str(key));
            deleted.push(&JsValue::NULL);
        }
        bus::announce_idb(&engine, &user, &deleted);
    })
}

/// Announces each tick's IndexedDB writes and deletions to the other tabs.
fn announce_handler(engine: Weak<CacheState>) -> crate::web::idb::AnnounceHandler {
    Box::new(move |user, ops| {
        if let Some(engine) = engine.upgrade() {
            bus::announce_idb(&engine, user, ops);
        }
    })
}

/// Counts and reports what IndexedDB loads and compactions found corrupt (already removed).
fn corrupt_handler(engine: Weak<CacheState>) -> crate::web::idb::CorruptHandler {
    Box::new(move |keys| {
        let Some(engine) = engine.upgrade() else { return };
        let _ = with_engine(&engine, |engine| {
            for key in keys {
                engine.note_corrupt(Tier::Idb, key);
            }
            Ok(())
        });
    })
}

/// A value's weight for budgets: the length of its JSON text (0 when JSON cannot encode it).
fn estimate_size(value: &JsValue) -> usize {
    // JSON.stringify gives `undefined` for functions and symbols: check before reading `.length`.
    JSON::stringify(value).ok().filter(|text| text.is_string()).map_or(0, |text| text.length() as usize)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
