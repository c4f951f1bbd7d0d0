//! The engine: one cache for one scope. It owns the memory tier and the index, decides freshness
//! with the injected clock, and drives the persistent tiers through [`Store`]s.
//!
//! Every entry lives in memory. A persisted entry may have its value unloaded (after a reload,
//! or when the memory budget pushed it out); [`Engine::unloaded_tier`] tells the caller where to
//! read it back from, and [`Engine::fill`] puts it back.

use super::hash::FastMap;

use super::change::{Change, ChangeKind, ChangeLog, Origin};
use super::clock::{Clock, Millis};
use super::entry::EntryMeta;
use super::error::{CacheError, ErrorCode};
use super::fetch::{FetchId, FetchOptions, FetchTable, Plan};
use super::freshness::{Freshness, State, Ttl};
use super::index::KeyIndex;
use super::key::{validate_key, Scope};
use super::mutation::{MutationId, Mutations, Outcome, Show};
use super::stats::{Diagnostic, Stats, TierUsage};
use super::store::{Store, StoreError};
use super::target::Target;
use super::tier::Tier;

const CLOSED: CacheError = CacheError::new(ErrorCode::Closed, "the cache was closed");
const UNENCODABLE: CacheError = CacheError::new(
    ErrorCode::InvalidValue,
    "the value cannot be stored in this tier (JSON for local, structured clone for idb)",
);

/// What writes get when they do not say otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// The tier of a write.
    pub tier: Tier,
    /// How long an entry lives.
    pub ttl: Ttl,
    /// How long an entry is fresh.
    pub stale: Ttl,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { tier: Tier::Memory, ttl: Ttl::Forever, stale: Ttl::Forever }
    }
}

/// How an [`Engine`] is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// Namespace and user that own the entries.
    pub scope: Scope,
    /// Defaults of writes.
    pub defaults: Defaults,
    /// Byte budget per tier (indexed by [`Tier::index`]); `None`: unbounded.
    pub budgets: [Option<usize>; 3],
}

impl EngineOptions {
    /// Options with default writes and no budgets.
    pub fn new(scope: Scope) -> Self {
        EngineOptions { scope, defaults: Defaults::default(), budgets: [None; 3] }
    }
}

/// Per-write options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// The tier; `None`: the default tier.
    pub tier: Option<Tier>,
    /// Lifetime; `None`: the default.
    pub ttl: Option<Ttl>,
    /// Freshness; `None`: the default.
    pub stale: Option<Ttl>,
    /// Labels for invalidation by tag.
    pub tags: Vec<String>,
    /// The server's validator.
    pub etag: Option<String>,
    /// The value's weight against the memory budget, as estimated by the caller (persistent
    /// stores measure their own entries and override it).
    pub size: usize,
}

/// The persistent tiers behind an engine.
pub struct Stores<V> {
    /// localStorage.
    pub local: Box<dyn Store<V>>,
    /// IndexedDB.
    pub idb: Box<dyn Store<V>>,
}

impl<V> Stores<V> {
    /// The store of `tier`; `None` for memory.
    fn of(&mut self, tier: Tier) -> Option<&mut dyn Store<V>> {
        match tier {
            Tier::Memory => None,
            Tier::Local => Some(self.local.as_mut()),
            Tier::Idb => Some(self.idb.as_mut()),
        }
    }

    /// Rewrites the persisted metadata of `slot` (freshness after an invalidation or a 304).
    /// It can only fail the way the first write could; the memory copy, which readers see, is
    /// already up to date.
    fn rewrite_meta(&mut self, scope: &Scope, key: &str, slot: &Slot<V>) {
        if let Some(store) = self.of(slot.meta.tier) {
            let _ = store.put_meta(scope, key, slot.value.as_ref(), &slot.meta);
        }
    }
}

#[derive(Debug)]
struct Slot<V> {
    value: Option<V>,
    meta: EntryMeta,
    last_used: u64,
    /// The last failed fetch of this entry and when it failed (cleared by a new value).
    error: Option<(V, Millis)>,
}

/// What `peek` tells about an entry.
#[derive(Debug)]
pub struct Peeked<'a, V> {
    /// Fresh or stale (expired entries are not peeked).
    pub state: State,
    /// Its metadata.
    pub meta: &'a EntryMeta,
    /// The last failed fetch's error and when it failed.
    pub error: Option<&'a (V, Millis)>,
}

/// A cache of values `V` for one scope, timed by clock `C`.
pub struct Engine<V, C> {
    options: EngineOptions,
    clock: C,
    stores: Stores<V>,
    slots: FastMap<String, Slot<V>>,
    index: KeyIndex,
    usage: [TierUsage; 3],
    generations: FastMap<String, u64>,
    scope_generation: u64,
    last_generation: u64,
    tick: u64,
    stats: Stats,
    diagnostics: Vec<Diagnostic>,
    changes: ChangeLog,
    fetches: FetchTable,
    /// Pending mutations; the value from before them carries its metadata, restored on rollback.
    mutations: Mutations<(V, Option<EntryMeta>)>,
    /// Who the calls being made come from (another tab's messages, a server push, or this tab).
    origin: Origin,
    closed: bool,
}

impl<V, C: Clock> Engine<V, C> {
    /// An empty cache over `stores`.
    pub fn new(options: EngineOptions, clock: C, stores: Stores<V>) -> Self {
        Engine {
            options,
            clock,
            stores,
            slots: FastMap::default(),
            index: KeyIndex::default(),
            usage: [TierUsage::default(); 3],
            generations: FastMap::default(),
            scope_generation: 0,
            last_generation: 0,
            tick: 0,
            stats: Stats::default(),
            diagnostics: Vec::new(),
            changes: ChangeLog::default(),
            fetches: FetchTable::default(),
            mutations: Mutations::default(),
            origin: Origin::Local,
            closed: false,
        }
    }

    /// Namespace and user of this cache.
    pub fn scope(&self) -> &Scope {
        &self.options.scope
    }

    /// Stores `value` under `key`. A full or failing persistent tier does not fail the write: the
    /// entry is kept in memory only and a diagnostic is queued. A value the tier cannot encode is
    /// refused with `INVALID_VALUE`, and the previous entry under `key` is kept.
    pub fn set(&mut self, key: &str, value: V, options: SetOptions) -> Result<(), CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let defaults = self.options.defaults;
        let freshness = Freshness::starting(
            self.clock.now(),
            options.ttl.unwrap_or(defaults.ttl),
            options.stale.unwrap_or(defaults.stale),
        );
        let meta = EntryMeta {
            tier: options.tier.unwrap_or(defaults.tier),
            freshness,
            tags: options.tags,
            etag: options.etag,
            size: options.size,
        };
        self.write(key, value, meta)
    }

    /// Stores `value` under `key` with `meta` as it is (see [`Engine::set`]).
    fn write(&mut self, key: &str, value: V, mut meta: EntryMeta) -> Result<(), CacheError> {
        if meta.tier != Tier::Memory {
            self.persist(key, &value, &mut meta)?;
        }
        let tier = meta.tier;
        self.install(key, Some(value), meta);
        self.enforce_budget(tier, key);
        if tier != Tier::Memory {
            self.enforce_budget(Tier::Memory, key);
        }
        Ok(())
    }

    /// Puts a new value under `key` in memory (its tier already holds it; `None`: it stays there
    /// until read), in place of what was held, and announces it as a `set`. Budgets are the
    /// caller's.
    fn install(&mut self, key: &str, value: Option<V>, meta: EntryMeta) {
        let tier = meta.tier;
        self.changes.record(ChangeKind::Set, self.origin, self.options.scope.user(), key, &meta.tags);
        let slot = Slot { value, meta, last_used: self.next_tick(), error: None };
        match self.slots.get_mut(key) {
            // Same key, same tags: the index already holds it; swap the slot in place.
            Some(held) if held.meta.tags == slot.meta.tags => {
                let old = std::mem::replace(held, slot);
                charge(&mut self.usage, &old, false);
                charge(&mut self.usage, held, true);
                if old.meta.tier != tier {
                    self.store_delete(old.meta.tier, key);
                }
            }
            _ => {
                if let Some(old) = self.detach(key) {
                    if old.meta.tier != tier {
                        self.store_delete(old.meta.tier, key);
                    }
                }
                self.attach(key, slot);
            }
        }
        self.bump_generation(key);
    }

    /// The value under `key` from memory: `None` when missing, expired, or persisted but not
    /// loaded (see [`Engine::unloaded_tier`]). Counts a hit, stale hit or miss.
    pub fn get(&mut self, key: &str) -> Result<Option<&V>, CacheError> {
        self.lookup(key, true)
    }

    /// What [`Engine::get`] returns, without counting a read: for observers (a render showing
    /// the value) whose reads are not the application's. Still marks the entry used.
    pub fn observe(&mut self, key: &str) -> Result<Option<&V>, CacheError> {
        self.lookup(key, false)
    }

    fn lookup(&mut self, key: &str, count: bool) -> Result<Option<&V>, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let state = self.live_state(key);
        let tick = self.next_tick();
        let slot = self.slots.get_mut(key).filter(|slot| state.is_some() && slot.value.is_some());
        if count {
            match (&slot, state) {
                (None, _) => self.stats.misses += 1,
                (Some(_), Some(State::Stale)) => self.stats.stale_hits += 1,
                (Some(_), _) => self.stats.hits += 1,
            }
        }
        let Some(slot) = slot else { return Ok(None) };
        slot.last_used = tick;
        Ok(slot.value.as_ref())
    }

    /// The state, metadata and last fetch error of the live entry under `key`, without
    /// counting a read.
    pub fn peek(&mut self, key: &str) -> Result<Option<Peeked<'_, V>>, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let Some(state) = self.live_state(key) else {
            return Ok(None);
        };
        Ok(self.slots.get(key).map(|slot| Peeked { state, meta: &slot.meta, error: slot.error.as_ref() }))
    }

    /// Decides what a `fetch` of `key` does: serve the cache, join an in-flight fetch, or start;
    /// or first load the value of a live entry persisted but not in memory (after a reload), so
    /// that it is served, or refetched with its value and ETag, as if it had been in memory.
    pub fn plan_fetch(&mut self, key: &str, options: FetchOptions) -> Result<Plan, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let state = self.live_state(key);
        let loaded = self.slots.get(key).is_some_and(|slot| slot.value.is_some());
        let generation = self.generation(key);
        Ok(match self.fetches.plan(key, state, generation, self.clock.now(), options) {
            Plan::Serve | Plan::Start if state.is_some() && !loaded => Plan::Load,
            plan => plan,
        })
    }

    /// Records that a fetch of `key` starts now, at the key's current generation.
    pub fn start_fetch(&mut self, key: &str) -> FetchId {
        let generation = self.generation(key);
        self.fetches.start(key, generation)
    }

    /// Stores the answer of fetch `id` when it is still current; returns whether it was. A
    /// fetch overtaken by a change of its key (set, invalidate, remove, user switch) or by a
    /// forced fetch stores nothing.
    pub fn store_fetched(&mut self, key: &str, id: FetchId, value: V, options: SetOptions) -> Result<bool, CacheError> {
        if !self.fetches.is_current(key, id, self.generation(key)) {
            self.fetches.finish(key, id, self.clock.now(), None);
            return Ok(false);
        }
        let stored = self.set(key, value, options);
        let generation = stored.is_ok().then(|| self.generation(key));
        self.fetches.finish(key, id, self.clock.now(), generation);
        stored.map(|()| true)
    }

    /// Fetch `id` found the value unchanged (`304 Not Modified`): when still current and the
    /// entry is held, its lifetime restarts from now with `options`' TTLs, its value, tags and
    /// etag unchanged. Returns whether it was confirmed.
    pub fn confirm_fetched(&mut self, key: &str, id: FetchId, options: &SetOptions) -> bool {
        let now = self.clock.now();
        let current = self.fetches.is_current(key, id, self.generation(key)) && self.live_state(key).is_some();
        let Some(slot) = self.slots.get_mut(key).filter(|_| current) else {
            self.fetches.finish(key, id, now, None);
            return false;
        };
        let defaults = self.options.defaults;
        slot.meta.freshness =
            Freshness::starting(now, options.ttl.unwrap_or(defaults.ttl), options.stale.unwrap_or(defaults.stale));
        slot.error = None;
        self.stores.rewrite_meta(&self.options.scope, key, slot);
        let generation = self.generation(key);
        self.fetches.finish(key, id, now, Some(generation));
        true
    }

    /// Fetch `id` failed with `error`: when still current, the held entry keeps its value and
    /// records the error for `peek`. Returns whether it was current.
    pub fn fail_fetch(&mut self, key: &str, id: FetchId, error: V) -> bool {
        let now = self.clock.now();
        let current = self.fetches.is_current(key, id, self.generation(key));
        self.fetches.finish(key, id, now, None);
        if current {
            if let Some(slot) = self.slots.get_mut(key) {
                slot.error = Some((error, now));
            }
        }
        current
    }

    /// The live keys `target` matches.
    pub fn matching_keys(&mut self, target: &Target) -> Result<Vec<String>, CacheError> {
        self.ensure_open()?;
        let mut keys = self.index.matching(target);
        keys.retain(|key| self.live_state(key).is_some());
        Ok(keys)
    }

    /// In-flight fetches overtaken by a change of their key, as `(key, id)`: to abort.
    pub fn outdated_fetches(&self) -> Vec<(String, FetchId)> {
        self.fetches.outdated(|key| self.generation(key))
    }

    /// The persistent tier holding the live entry under `key` when its value is not in memory.
    pub fn unloaded_tier(&mut self, key: &str) -> Option<Tier> {
        self.live_state(key)?;
        self.slots.get(key).filter(|slot| slot.value.is_none()).map(|slot| slot.meta.tier)
    }

    /// Puts back the value of a persisted entry read from its store. Ignored when the entry
    /// changed or went away meanwhile (its value is loaded, or it no longer exists).
    pub fn fill(&mut self, key: &str, value: V) {
        let tick = self.next_tick();
        let Some(slot) = self.slots.get_mut(key).filter(|slot| slot.value.is_none()) else {
            return;
        };
        slot.value = Some(value);
        slot.last_used = tick;
        adjust(&mut self.usage[Tier::Memory.index()], slot.meta.size, true);
        self.enforce_budget(Tier::Memory, key);
    }

    /// Adds an entry found in a persistent tier (at start-up or after a user switch). Expired
    /// entries are deleted from their store instead; an entry already held is kept.
    pub fn hydrate(&mut self, key: &str, value: Option<V>, meta: EntryMeta) -> bool {
        if self.closed || validate_key(key).is_err() || self.slots.contains_key(key) {
            return false;
        }
        if meta.freshness.is_expired(self.clock.now()) {
            self.store_delete(meta.tier, key);
            return false;
        }
        self.attach(key, Slot { value, meta, last_used: 0, error: None });
        true
    }

    /// Takes an entry another tab wrote to a shared persistent tier (seen through the tier's own
    /// change notice): it replaces a quiet copy held here, fresh and not being fetched, when it
    /// was written later, and is announced as a `set` (from `origin`). A stale or in-flight key
    /// is left to its own refetch, which comes anyway: taking the write too would overtake that
    /// fetch or race it, for no newer data. Nothing is persisted: the tier holds it already.
    /// Returns whether it was taken.
    pub fn adopt(&mut self, key: &str, value: V, meta: EntryMeta) -> bool {
        self.adopt_entry(key, Some(value), meta)
    }

    /// [`Engine::adopt`] of an entry whose value stays in its tier until read (another tab's
    /// IndexedDB write, announced with its metadata only): a copy held here is replaced, its value
    /// dropped from memory.
    pub fn adopt_unloaded(&mut self, key: &str, meta: EntryMeta) -> bool {
        self.adopt_entry(key, None, meta)
    }

    fn adopt_entry(&mut self, key: &str, value: Option<V>, meta: EntryMeta) -> bool {
        if self.closed || validate_key(key).is_err() || meta.freshness.is_expired(self.clock.now()) {
            return false;
        }
        if self.fetches.is_in_flight(key, self.generation(key)) || self.live_state(key) == Some(State::Stale) {
            return false;
        }
        if self.slots.get(key).is_some_and(|held| held.meta.freshness.updated_at >= meta.freshness.updated_at) {
            return false; // ours is as new (an invalidation or our own write echoed back)
        }
        let tier = meta.tier;
        self.install(key, value, meta);
        if tier != Tier::Memory {
            self.enforce_budget(Tier::Memory, key);
        }
        true
    }

    /// Marks every live entry `target` matches as stale, in every tier; returns how many.
    pub fn invalidate(&mut self, target: &Target) -> Result<usize, CacheError> {
        self.invalidate_in(target, true)
    }

    /// Marks matching entries stale in memory only: another tab already did so in the shared
    /// persistent tiers.
    pub fn invalidate_in_memory(&mut self, target: &Target) -> Result<usize, CacheError> {
        self.invalidate_in(target, false)
    }

    fn invalidate_in(&mut self, target: &Target, persist: bool) -> Result<usize, CacheError> {
        self.ensure_open()?;
        let now = self.clock.now();
        let mut count = 0;
        for key in self.index.matching(target) {
            if self.live_state(&key).is_none() {
                continue;
            }
            let Some(slot) = self.slots.get_mut(&key) else { continue };
            slot.meta.freshness.mark_stale(now);
            if persist {
                self.stores.rewrite_meta(&self.options.scope, &key, slot);
            }
            self.changes.record(ChangeKind::Invalidate, self.origin, self.options.scope.user(), &key, &slot.meta.tags);
            self.bump_generation(&key);
            count += 1;
        }
        Ok(count)
    }

    /// Deletes every entry `target` matches from every tier; returns how many live ones went.
    pub fn remove(&mut self, target: &Target) -> Result<usize, CacheError> {
        self.remove_in(target, true)
    }

    /// Drops matching entries from memory only: another tab already deleted them from the shared
    /// persistent tiers.
    pub fn remove_from_memory(&mut self, target: &Target) -> Result<usize, CacheError> {
        self.remove_in(target, false)
    }

    /// Drops the matching entries of `tier` from memory only: another tab deleted them from that
    /// shared tier (entries held in another tier are not its business). Returns how many went.
    pub fn remove_tier_from_memory(&mut self, target: &Target, tier: Tier) -> Result<usize, CacheError> {
        self.ensure_open()?;
        let mut count = 0;
        for key in self.index.matching(target) {
            if self.slots.get(&key).is_some_and(|slot| slot.meta.tier == tier) {
                count += self.remove_in(&Target::Key(key), false)?;
            }
        }
        Ok(count)
    }

    fn remove_in(&mut self, target: &Target, persist: bool) -> Result<usize, CacheError> {
        self.ensure_open()?;
        let mut count = 0;
        // A prefix is deleted from each persistent tier in one call (a key range in IndexedDB).
        let prefix = match target {
            Target::Prefix(prefix) if persist => Some(prefix),
            _ => None,
        };
        let mut by_prefix: [Vec<String>; 3] = Default::default();
        for key in self.index.matching(target) {
            let live = self.live_state(&key).is_some();
            if let Some(slot) = self.detach(&key) {
                match (persist, prefix) {
                    (true, Some(_)) => by_prefix[slot.meta.tier.index()].push(key.clone()),
                    (true, None) => self.store_delete(slot.meta.tier, &key),
                    (false, _) => {}
                }
                self.bump_generation(&key);
                self.changes.record(ChangeKind::Remove, self.origin, self.options.scope.user(), &key, &slot.meta.tags);
                count += usize::from(live);
            }
        }
        if let Some(prefix) = prefix {
            for tier in [Tier::Local, Tier::Idb] {
                let keys = &by_prefix[tier.index()];
                if keys.is_empty() {
                    continue;
                }
                if let Some(store) = self.stores.of(tier) {
                    store.delete_prefix(&self.options.scope, prefix, keys);
                }
            }
        }
        Ok(count)
    }

    /// Makes `scope` the current one: every entry of the previous scope is invisible at once
    /// (persisted copies stay for when that user returns). The caller hydrates the new scope.
    pub fn switch_scope(&mut self, scope: Scope) -> Result<(), CacheError> {
        self.ensure_open()?;
        self.drop_memory();
        self.options.scope = scope;
        Ok(())
    }

    /// Another tab cleared `scope`: when it is the current one, its entries leave memory (the
    /// shared persistent tiers are already cleared).
    pub fn clear_scope_in_memory(&mut self, scope: &Scope) {
        if *scope == self.options.scope {
            self.drop_memory();
        }
    }

    /// Runs `f` with the changes it makes announced as coming from `origin`.
    pub fn with_origin<T>(&mut self, origin: Origin, f: impl FnOnce(&mut Self) -> T) -> T {
        let previous = std::mem::replace(&mut self.origin, origin);
        let result = f(self);
        self.origin = previous;
        result
    }

    /// Deletes every entry of `scope` (a user of this namespace) from every tier.
    pub fn clear_scope(&mut self, scope: &Scope) -> Result<(), CacheError> {
        self.ensure_open()?;
        self.stores.local.clear_scope(scope);
        self.stores.idb.clear_scope(scope);
        if *scope == self.options.scope {
            self.drop_memory();
        }
        Ok(())
    }

    /// A number that changes whenever the entry under `key` is written, invalidated or removed,
    /// or the scope is switched or cleared: an answer fetched at generation `g` is outdated once
    /// this differs from `g`.
    pub fn generation(&self, key: &str) -> u64 {
        self.generations.get(key).copied().unwrap_or(0).max(self.scope_generation)
    }

    /// The counters and per-tier usage.
    pub fn stats(&self) -> Stats {
        Stats { tiers: self.usage, ..self.stats }
    }

    /// Records a message from another tab that was refused.
    pub fn note_rejected_message(&mut self) {
        self.stats.rejected_messages += 1;
    }

    /// Reports that `key`'s persisted value could not be read because its storage is missing or
    /// closed; the entry itself is kept.
    pub fn note_unreadable(&mut self, tier: Tier, key: &str) {
        self.diagnostics.push(Diagnostic {
            code: ErrorCode::StorageUnavailable,
            key: Some(key.to_owned()),
            tier: Some(tier),
        });
    }

    /// Records a persisted entry found unreadable or foreign (already removed by the caller).
    pub fn note_corrupt(&mut self, tier: Tier, key: Option<String>) {
        self.stats.corrupt += 1;
        self.diagnostics.push(Diagnostic { code: ErrorCode::CorruptEntry, key, tier: Some(tier) });
    }

    /// A persistent tier failed after the write was accepted (an IndexedDB transaction aborted):
    /// the entry, if still of that tier, is kept in memory only.
    pub fn persist_failed(&mut self, key: &str, tier: Tier, error: StoreError) {
        let Some(slot) = self.slots.get_mut(key).filter(|slot| slot.meta.tier == tier && slot.value.is_some()) else {
            return;
        };
        adjust(&mut self.usage[tier.index()], slot.meta.size, false);
        slot.meta.tier = Tier::Memory;
        self.report_fallback(key, tier, error);
    }

    /// Whether changes are waiting to be announced.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Takes the changes recorded since the last call, for `cachebus:change`.
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.changes.take()
    }

    /// Takes the diagnostics queued since the last call.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Drops every entry from memory and refuses further calls with [`ErrorCode::Closed`].
    pub fn close(&mut self) {
        self.drop_memory();
        self.closed = true;
    }

    fn ensure_open(&self) -> Result<(), CacheError> {
        if self.closed {
            return Err(CLOSED);
        }
        Ok(())
    }

    /// The state of the entry under `key`; an expired entry is deleted everywhere and is `None`.
    fn live_state(&mut self, key: &str) -> Option<State> {
        let state = self.slots.get(key)?.meta.freshness.state(self.clock.now());
        if state == State::Expired {
            if let Some(slot) = self.detach(key) {
                self.store_delete(slot.meta.tier, key);
                self.changes.record(ChangeKind::Expire, self.origin, self.options.scope.user(), key, &slot.meta.tags);
            }
            return None;
        }
        Some(state)
    }

    /// Writes to the entry's persistent tier; on a full tier, evicts that tier's least recently
    /// used entries and retries once; on failure, degrades `meta` to memory only.
    fn persist(&mut self, key: &str, value: &V, meta: &mut EntryMeta) -> Result<(), CacheError> {
        let mut result = self.store_put(key, value, meta);
        if let Err(StoreError::Quota(needed)) = result {
            self.evict_lru(meta.tier, key, needed.max(1));
            result = self.store_put(key, value, meta);
        }
        match result {
            Ok(size) => meta.size = size,
            Err(StoreError::Unencodable) => return Err(UNENCODABLE),
            Err(error) => {
                self.report_fallback(key, meta.tier, error);
                meta.tier = Tier::Memory;
            }
        }
        Ok(())
    }

    /// Counts and queues the diagnostic of a write to `tier` that was kept in memory only.
    fn report_fallback(&mut self, key: &str, tier: Tier, error: StoreError) {
        let code = match error {
            StoreError::Quota(_) => {
                self.stats.quota_exceeded += 1;
                ErrorCode::QuotaExceeded
            }
            _ => {
                self.stats.storage_unavailable += 1;
                ErrorCode::StorageUnavailable
            }
        };
        self.diagnostics.push(Diagnostic { code, key: Some(key.to_owned()), tier: Some(tier) });
    }

    fn store_put(&mut self, key: &str, value: &V, meta: &EntryMeta) -> Result<usize, StoreError> {
        match self.stores.of(meta.tier) {
            Some(store) => store.put(&self.options.scope, key, Some(value), meta),
            None => Ok(meta.size),
        }
    }

    fn store_delete(&mut self, tier: Tier, key: &str) {
        if let Some(store) = self.stores.of(tier) {
            store.delete(&self.options.scope, key);
        }
    }

    /// Keeps `tier` within its budget by evicting its least recently used entries (never `keep`).
    fn enforce_budget(&mut self, tier: Tier, keep: &str) {
        if let Some(budget) = self.options.budgets[tier.index()] {
            let used = self.usage[tier.index()].bytes;
            if used > budget {
                self.evict_lru(tier, keep, used - budget);
            }
        }
    }

    /// Evicts least recently used entries of `tier` (never `keep`) until `wanted` bytes are freed.
    /// From memory, a persisted entry only loses its loaded value; elsewhere the entry goes.
    fn evict_lru(&mut self, tier: Tier, keep: &str, wanted: usize) {
        let mut candidates: Vec<(u64, String)> = self
            .slots
            .iter()
            .filter(|(key, slot)| *key != keep && in_tier(slot, tier))
            .map(|(key, slot)| (slot.last_used, key.clone()))
            .collect();
        candidates.sort_unstable();
        let mut freed = 0;
        for (_, key) in candidates {
            if freed >= wanted {
                break;
            }
            let Some(slot) = self.slots.get_mut(&key) else { continue };
            freed += slot.meta.size;
            self.stats.evictions += 1;
            if tier == Tier::Memory && slot.meta.tier != Tier::Memory {
                slot.value = None;
                adjust(&mut self.usage[Tier::Memory.index()], slot.meta.size, false);
            } else if let Some(slot) = self.detach(&key) {
                self.store_delete(slot.meta.tier, &key);
                self.bump_generation(&key);
                self.changes.record(ChangeKind::Remove, self.origin, self.options.scope.user(), &key, &slot.meta.tags);
            }
        }
    }

    fn attach(&mut self, key: &str, slot: Slot<V>) {
        self.index.insert(key, &slot.meta.tags);
        charge(&mut self.usage, &slot, true);
        self.slots.insert(key.to_owned(), slot);
    }

    fn detach(&mut self, key: &str) -> Option<Slot<V>> {
        let slot = self.slots.remove(key)?;
        self.index.remove(key, &slot.meta.tags);
        charge(&mut self.usage, &slot, false);
        Some(slot)
    }

    fn drop_memory(&mut self) {
        self.mutations.clear();
        for (key, slot) in &self.slots {
            self.changes.record(ChangeKind::Clear, self.origin, self.options.scope.user(), key, &slot.meta.tags);
        }
        self.fetches.forget_windows();
        self.slots.clear();
        self.index.clear();
        self.usage = [TierUsage::default(); 3];
        self.generations.clear();
        self.last_generation += 1;
        self.scope_generation = self.last_generation;
    }

    /// The next instant of the LRU order (a counter, not time: reads within one ms are ordered).
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn bump_generation(&mut self, key: &str) {
        self.last_generation += 1;
        match self.generations.get_mut(key) {
            Some(generation) => *generation = self.last_generation,
            None => {
                self.generations.insert(key.to_owned(), self.last_generation);
            }
        }
    }
}

impl<V: Clone, C: Clock> Engine<V, C> {
    /// An optimistic mutation of `key` starts (before its value is written): remembers what the
    /// key holds now, to restore it if every overlapping commit fails.
    pub fn begin_mutation(&mut self, key: &str) -> Result<MutationId, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        self.live_state(key);
        let current = self.slots.get(key).and_then(|slot| Some((slot.value.clone()?, Some(slot.meta.clone()))));
        Ok(self.mutations.begin(key, current))
    }

    /// Mutation `id` of `key` settled (in start order): shows the committed value with `options`,
    /// restores the value from before the mutations with its own metadata (tier, tags, etag,
    /// instants), or leaves a later optimistic value in place.
    pub fn settle_mutation(
        &mut self,
        key: &str,
        id: MutationId,
        outcome: Outcome<V>,
        options: SetOptions,
    ) -> Result<(), CacheError> {
        self.ensure_open()?;
        let outcome = match outcome {
            Outcome::Committed(value) => Outcome::Committed((value, None)),
            Outcome::Failed { rollback } => Outcome::Failed { rollback },
        };
        match self.mutations.settle(key, id, outcome) {
            Show::Keep => Ok(()),
            Show::Value(Some((value, Some(original)))) => self.write(key, value, original),
            Show::Value(Some((value, None))) => self.set(key, value, options),
            Show::Value(None) => self.remove(&Target::key(key)?).map(|_| ()),
        }
    }
}

/// Whether `slot` counts in `tier`: memory holds every loaded value, other tiers their entries.
fn in_tier<V>(slot: &Slot<V>, tier: Tier) -> bool {
    match tier {
        Tier::Memory => slot.value.is_some(),
        _ => slot.meta.tier == tier,
    }
}

/// Adds (or with `add == false` removes) `slot` to the per-tier usage: its own tier, and memory
/// too when a persisted entry's value is loaded.
fn charge<V>(usage: &mut [TierUsage; 3], slot: &Slot<V>, add: bool) {
    adjust(&mut usage[slot.meta.tier.index()], slot.meta.size, add);
    if slot.meta.tier != Tier::Memory && slot.value.is_some() {
        adjust(&mut usage[Tier::Memory.index()], slot.meta.size, add);
    }
}

/// Adds one entry of `size` bytes to `usage`, or removes it.
fn adjust(usage: &mut TierUsage, size: usize, add: bool) {
    if add {
        usage.entries += 1;
        usage.bytes += size;
    } else {
        usage.entries = usage.entries.saturating_sub(1);
        usage.bytes = usage.bytes.saturating_sub(size);
    }
}
