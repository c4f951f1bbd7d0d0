//! The engine: one cache for one scope. It owns the memory tier and the index, decides freshness
//! with the injected clock, and drives the persistent tiers through [`Store`]s.
//!
//! Every entry lives in memory. A persisted entry may have its value unloaded (after a reload,
//! or when the memory budget pushed it out); [`Engine::unloaded_tier`] tells the caller where to
//! read it back from, and [`Engine::fill`] puts it back.

use super::hash::KeyMap;

use super::change::{Change, ChangeKind, ChangeLog, Origin};
use super::clock::{Clock, Millis};
use super::entry::{EntryMeta, Tags};
use super::error::{CacheError, ErrorCode};
use super::fetch::{Fate, FetchId, FetchOptions, FetchTable, Plan};
use super::freshness::{Freshness, State, Ttl};
use super::index::KeyIndex;
use super::key::{validate_key, Scope};
use super::mutation::{MutationId, Mutations, Outcome, Show};
use super::sort::ascending;
use super::stats::{Diagnostic, Stats, TierUsage};
use super::store::{Store, StoreError};
use super::target::Target;
use super::tier::Tier;

const CLOSED: CacheError = CacheError::new(ErrorCode::Closed, "the cache was closed");
/// On a full persistent tier, eviction frees at least this fraction (1/N) of the tier's bytes, or
/// the new entry's size when that is more: freeing just enough for one entry makes every later
/// write to a full localStorage throw, evict one entry and retry (D-28 in docs/decisions.md).
const QUOTA_BATCH_DIVISOR: usize = 10;

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
    /// Where this engine's write ids start (see [`EntryMeta::write_id`]): random per tab, so that
    /// two tabs' writes are told apart.
    pub write_seed: u32,
}

impl EngineOptions {
    /// Options with default writes and no budgets.
    pub fn new(scope: Scope) -> Self {
        EngineOptions { scope, defaults: Defaults::default(), budgets: [None; 3], write_seed: 1 }
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
    pub tags: Tags,
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

/// What the engine remembers of a key besides its entry, in one map (each map type is ~1.4 KB of
/// hashbrown code in the wasm, D-140 in docs/decisions.md): kept after the entry goes, until the
/// scope ends.
#[derive(Debug)]
struct KeyRecord<V> {
    /// See [`Engine::generation`]; 0: never written, invalidated or removed in this scope.
    generation: u64,
    /// The last failed fetch of a key that holds no entry (a failed first load), for `peek`.
    failure: Option<(V, Millis)>,
}

/// A cache of values `V` for one scope, timed by clock `C`.
pub struct Engine<V, C> {
    options: EngineOptions,
    clock: C,
    stores: Stores<V>,
    slots: KeyMap<Slot<V>>,
    index: KeyIndex,
    usage: [TierUsage; 3],
    keys: KeyMap<KeyRecord<V>>,
    /// How many of `keys` hold a failure (none: a removal need not look).
    failures: usize,
    scope_generation: u64,
    last_generation: u64,
    tick: u64,
    stats: Stats,
    diagnostics: Vec<Diagnostic>,
    changes: ChangeLog,
    fetches: FetchTable,
    /// The latest invalidations, removals and clears of this scope with their instants, newest
    /// last: another tab's write of data from before one of them is not adopted, even where no
    /// entry is left to compare it with.
    recent_changes: Vec<RecentChange>,
    /// Whether the scope's IndexedDB entries are still loading (behind `createCache`, or after a
    /// switch): until they are in, every change is remembered (see [`RECENT_CHANGES_LOADING`]),
    /// since each may cover entries the load brings.
    loading: bool,
    /// Scopes left by a switch before their IndexedDB entries loaded, with the changes made to
    /// them meanwhile, oldest first (see [`Engine::settle_left`]).
    left: Vec<LeftScope>,
    /// The state of the write-id sequence (xorshift32, never 0).
    last_write_id: u32,
    /// Pending mutations; the value from before them carries its metadata, restored on rollback.
    mutations: Mutations<(V, Option<EntryMeta>)>,
    /// Who the calls being made come from (another tab's messages, a server push, or this tab).
    origin: Origin,
    closed: bool,
}

impl<V, C: Clock> Engine<V, C> {
    /// An empty cache over `stores`.
    pub fn new(options: EngineOptions, clock: C, stores: Stores<V>) -> Self {
        let last_write_id = options.write_seed.max(1);
        Engine {
            options,
            clock,
            stores,
            slots: KeyMap::default(),
            index: KeyIndex::default(),
            usage: [TierUsage::default(); 3],
            keys: KeyMap::default(),
            failures: 0,
            scope_generation: 0,
            last_generation: 0,
            tick: 0,
            stats: Stats::default(),
            diagnostics: Vec::new(),
            changes: ChangeLog::default(),
            fetches: FetchTable::default(),
            recent_changes: Vec::new(),
            loading: true,
            left: Vec::new(),
            last_write_id,
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
        let now = self.clock.now();
        let meta = self.new_meta(options, now, now);
        self.write(key, value, meta)
    }

    /// The metadata of a value written at `now` with `options`, reflecting what was known at
    /// `as_of`.
    fn new_meta(&mut self, options: SetOptions, now: Millis, as_of: Millis) -> EntryMeta {
        let defaults = self.options.defaults;
        let mut freshness =
            Freshness::starting(now, options.ttl.unwrap_or(defaults.ttl), options.stale.unwrap_or(defaults.stale));
        freshness.as_of = as_of;
        EntryMeta {
            tier: options.tier.unwrap_or(defaults.tier),
            freshness,
            tags: options.tags,
            etag: options.etag,
            write_id: self.next_write_id(),
            size: options.size,
        }
    }

    /// The next write id: a xorshift32 step, never 0 (the id of entries written without one).
    fn next_write_id(&mut self) -> u32 {
        let mut x = self.last_write_id;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.last_write_id = x;
        x
    }

    /// Stores `value` under `key` with `meta` as it is (see [`Engine::set`]).
    fn write(&mut self, key: &str, value: V, mut meta: EntryMeta) -> Result<(), CacheError> {
        if meta.tier != Tier::Memory {
            self.persist(key, &value, &mut meta)?;
        }
        self.fetches.overtake_key(key);
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
        if let Some(record) = self.bump_generation(key) {
            if record.failure.take().is_some() {
                self.failures -= 1;
            }
        }
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

    /// The hot path of every read: the key is found once, and checked only when it is not held
    /// (every held key was checked when it was written).
    fn lookup(&mut self, key: &str, count: bool) -> Result<Option<&V>, CacheError> {
        self.ensure_open()?;
        let Some(index) = self.slots.index_of(key) else {
            validate_key(key)?;
            self.stats.misses += u64::from(count);
            return Ok(None);
        };
        let now = self.clock.now();
        let state = self.slots.at_mut(index).map(|slot| slot.meta.freshness.state(now));
        if state == Some(State::Expired) {
            self.live_state(key); // deletes it everywhere (and moves another slot to `index`)
            self.stats.misses += u64::from(count);
            return Ok(None);
        }
        let tick = self.next_tick();
        let slot = self.slots.at_mut(index).filter(|slot| slot.value.is_some());
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

    /// Records that a fetch of `key` starts now, to store an answer tagged `tags` (what
    /// invalidations by tag match while it is in flight).
    pub fn start_fetch(&mut self, key: &str, tags: Tags) -> FetchId {
        self.fetches.start(key, self.clock.now(), tags)
    }

    /// Stores the answer of fetch `id` when it is still current, and says what became of it: a
    /// fetch overtaken by a change it covers (a write of its key, an invalidation or removal
    /// matching its key or tags, a forced fetch) or outlived by its scope stores nothing.
    pub fn store_fetched(&mut self, key: &str, id: FetchId, value: V, options: SetOptions) -> Result<Fate, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let now = self.clock.now();
        let fate = self.fetches.fate(key, id);
        let started_at = self.fetches.started_at(key, id).unwrap_or(now);
        // Finished before the write, so that the write does not count as overtaking it.
        self.fetches.finish(key, id);
        if fate != Fate::Current {
            return Ok(fate);
        }
        let meta = self.new_meta(options, now, started_at);
        self.write(key, value, meta)?;
        self.fetches.open_window(key, now, self.generation(key));
        Ok(Fate::Current)
    }

    /// Fetch `id` found the value unchanged (`304 Not Modified`): when still current and the
    /// entry is held, its lifetime restarts from now with `options`' TTLs, its value, tags and
    /// etag unchanged. A current fetch whose entry went away (expired) is [`Fate::Overtaken`]: its
    /// callers fetch again.
    pub fn confirm_fetched(&mut self, key: &str, id: FetchId, options: &SetOptions) -> Fate {
        let now = self.clock.now();
        let fate = self.fetches.fate(key, id);
        let started_at = self.fetches.started_at(key, id).unwrap_or(now);
        self.fetches.finish(key, id);
        let held = fate == Fate::Current && self.live_state(key).is_some();
        let Some(slot) = self.slots.get_mut(key).filter(|_| held) else {
            return if fate == Fate::Current { Fate::Overtaken } else { fate };
        };
        let defaults = self.options.defaults;
        slot.meta.freshness =
            Freshness::starting(now, options.ttl.unwrap_or(defaults.ttl), options.stale.unwrap_or(defaults.stale));
        slot.meta.freshness.as_of = started_at;
        slot.error = None;
        self.stores.rewrite_meta(&self.options.scope, key, slot);
        self.fetches.open_window(key, now, self.generation(key));
        Fate::Current
    }

    /// Fetch `id` failed with `error`: when still current, the held entry keeps its value and
    /// records the error for `peek` (a key without an entry keeps the error alone, see
    /// [`Engine::failure`]). Says what became of the fetch.
    pub fn fail_fetch(&mut self, key: &str, id: FetchId, error: V) -> Fate {
        let now = self.clock.now();
        let fate = self.fetches.fate(key, id);
        self.fetches.finish(key, id);
        if fate == Fate::Current {
            match self.slots.get_mut(key) {
                Some(slot) => slot.error = Some((error, now)),
                None => {
                    if let Some(record) = record_of(&mut self.keys, key) {
                        if record.failure.replace((error, now)).is_none() {
                            self.failures += 1;
                        }
                    }
                }
            }
        }
        fate
    }

    /// The error and instant of the last failed fetch of `key` when it holds no entry (a failed
    /// first load): cleared by the next value, a removal of the key or a change of scope.
    pub fn failure(&self, key: &str) -> Option<&(V, Millis)> {
        self.keys.get(key).and_then(|record| record.failure.as_ref())
    }

    /// The live keys `target` matches.
    pub fn matching_keys(&mut self, target: &Target) -> Result<Vec<String>, CacheError> {
        self.ensure_open()?;
        let mut keys = self.index.matching(target);
        keys.retain(|key| self.live_state(key).is_some());
        Ok(keys)
    }

    /// The fetches outdated since the last call (overtaken, or outlived by their scope): their
    /// signals are to abort. Each is listed once.
    pub fn take_outdated_fetches(&mut self) -> Vec<FetchId> {
        self.fetches.take_outdated()
    }

    /// Whether fetches were outdated since the last [`Engine::take_outdated_fetches`].
    pub fn has_outdated_fetches(&self) -> bool {
        self.fetches.has_outdated()
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

    /// Adds an entry found in a persistent tier (at start-up or after a user switch, IndexedDB's
    /// once it has loaded behind them, or read on demand). Expired entries are deleted from their
    /// store instead; an entry already held is kept. The changes made here before it came are
    /// applied to it as to another tab's write (see `after_recent_changes`): a removal deletes it
    /// from its store, an invalidation takes it in stale and rewrites it so.
    pub fn hydrate(&mut self, key: &str, value: Option<V>, meta: EntryMeta) -> bool {
        if self.closed || validate_key(key).is_err() || self.slots.contains_key(key) {
            return false;
        }
        if meta.freshness.is_expired(self.clock.now()) {
            self.store_delete(meta.tier, key);
            return false;
        }
        let Some((meta, invalidated)) = self.after_recent_changes(key, meta) else {
            return false;
        };
        self.attach(key, Slot { value, meta, last_used: 0, error: None });
        if invalidated {
            if let Some(slot) = self.slots.get(key) {
                self.stores.rewrite_meta(&self.options.scope, key, slot);
            }
        }
        true
    }

    /// Takes an entry another tab wrote to a shared persistent tier (seen through the tier's own
    /// change notice) when it reflects a later change than the copy held here (its `as_of`),
    /// announced as a `set` (from `origin`); nothing is persisted: the tier holds it already. A
    /// fetch of the key that started no later than that write is overtaken (its callers get the
    /// written value); one that started after it may still store its newer answer.
    ///
    /// A write older than what this tab knows (a late answer of a fetch that started before this
    /// tab's write, invalidation, removal or logout of the key) is not taken as it is: the shared
    /// tier is brought up to the later change (see `after_recent_changes` and `write_back`), so that it, and through it every tab, ends with the newer state.
    /// Returns whether it was taken.
    pub fn adopt(&mut self, key: &str, value: V, meta: EntryMeta) -> bool {
        self.adopt_entry(key, Some(value), meta)
    }

    /// Another tab's answer to a fetch of `key` it ran for this user (shared fetches): taken in as
    /// [`Engine::adopt`] takes a write (an answer whose data predates a change this tab made is
    /// not taken fresh), and, taken fresh, it opens the key's dedup window here as a fetch of this
    /// tab's would: callers and revalidations within `dedupMs` are served it.
    pub fn adopt_answer(&mut self, key: &str, value: V, meta: EntryMeta) -> bool {
        if !self.adopt(key, value, meta) {
            return false;
        }
        let now = self.clock.now();
        if self.live_state(key) == Some(State::Fresh) {
            self.fetches.open_window(key, now, self.generation(key));
        }
        true
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
        let Some((meta, invalidated)) = self.after_recent_changes(key, meta) else {
            return false;
        };
        if !self.takes_over_held(key, &meta) {
            return false;
        }
        self.fetches.overtake_key_started_by(key, meta.freshness.as_of);
        let tier = meta.tier;
        self.install(key, value, meta);
        if invalidated {
            if let Some(slot) = self.slots.get(key) {
                self.stores.rewrite_meta(&self.options.scope, key, slot);
            }
        }
        if tier != Tier::Memory {
            self.enforce_budget(Tier::Memory, key);
        }
        true
    }

    /// Another tab's write of `key` with `meta`, as the changes this tab remembers leave it (see
    /// [`after_changes`]); one a removal or logout came after is also deleted from the shared
    /// tier, whose writer may never hear of the change.
    fn after_recent_changes(&mut self, key: &str, meta: EntryMeta) -> Option<(EntryMeta, bool)> {
        let tier = meta.tier;
        let after = after_changes(&self.recent_changes, key, meta);
        if after.is_none() {
            self.store_delete(tier, key);
        }
        after
    }

    /// Whether another tab's write with `meta` takes over the live copy of `key` held here: it
    /// reflects a later change (or the same one, written later). An older one is answered by writing this tab's copy back; the
    /// same write with its metadata rewritten stale (an invalidation there) only updates the
    /// metadata here, as the invalidation's own message announces it.
    fn takes_over_held(&mut self, key: &str, meta: &EntryMeta) -> bool {
        if self.live_state(key).is_none() {
            return true;
        }
        let Some(held) = self.slots.get_mut(key) else { return true };
        // Later change first; between two of the same instant (two tabs refetching on one push),
        // the later write, then the larger write id: an order every tab agrees on.
        let order = |m: &EntryMeta| (m.freshness.as_of, m.freshness.updated_at, m.write_id);
        let (held_order, incoming) = (order(&held.meta), order(meta));
        if held_order > incoming {
            self.write_back(key, meta.tier);
            return false;
        }
        if held_order == incoming {
            return false; // the same write: ours, written back by a tab that had taken it
        }
        // The same write (same id) rewritten stale: our value is theirs, only its metadata moved.
        let now = self.clock.now();
        let same_write = held.meta.write_id != 0 && held.meta.write_id == meta.write_id;
        if same_write && meta.freshness.state(now) == State::Stale {
            held.meta.freshness = meta.freshness;
            return false;
        }
        true
    }

    /// Persists the copy of `key` held here again to `tier`, over an older copy another tab
    /// wrote there; an entry of another tier, or whose value is not loaded, is left alone.
    fn write_back(&mut self, key: &str, tier: Tier) {
        let Some(slot) = self.slots.get(key).filter(|slot| slot.meta.tier == tier && slot.value.is_some()) else {
            return;
        };
        if let Some(store) = self.stores.of(tier) {
            // A failure leaves the older copy in the tier; this tab keeps the newer one in memory.
            let _ = store.put(&self.options.scope, key, slot.value.as_ref(), &slot.meta);
        }
    }

    /// Marks every live entry `target` matches as stale, in every tier; returns how many.
    pub fn invalidate(&mut self, target: &Target) -> Result<usize, CacheError> {
        self.invalidate_in(target, Seen::Here)
    }

    /// Another tab invalidated `target` at instant `at` (`None`: not said) and did so in the
    /// shared persistent tiers: see `Seen::Elsewhere`.
    pub fn invalidate_seen(&mut self, target: &Target, at: Option<Millis>) -> Result<usize, CacheError> {
        self.invalidate_in(target, Seen::Elsewhere(at))
    }

    fn invalidate_in(&mut self, target: &Target, seen: Seen) -> Result<usize, CacheError> {
        self.ensure_open()?;
        self.fetches.overtake_matching(target, seen.at());
        let now = self.clock.now();
        self.remember_change(target, seen.at().unwrap_or(now), false);
        let mut count = 0;
        for key in self.index.matching(target) {
            if self.live_state(&key).is_none() {
                continue;
            }
            let Some(slot) = self.slots.get_mut(&key) else { continue };
            if !seen.covers(&slot.meta) {
                continue;
            }
            slot.meta.freshness.mark_stale(seen.at().unwrap_or(now));
            if seen.persists(&slot.meta) {
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
        self.remove_in(target, Seen::Here, true)
    }

    /// Another tab removed `target` at instant `at` (`None`: not said) from the shared persistent
    /// tiers: see `Seen::Elsewhere`.
    pub fn remove_seen(&mut self, target: &Target, at: Option<Millis>) -> Result<usize, CacheError> {
        self.remove_in(target, Seen::Elsewhere(at), true)
    }

    /// Drops the matching entries of `tier`: another tab deleted them from that shared tier at
    /// instant `at` (entries held in another tier are not its business; see `Seen::Elsewhere`).
    /// Returns how many went. Not remembered as a change (see `recent_changes`): a copy leaving
    /// the tier says nothing of the data, which may be newer there (a write too big to announce
    /// is announced so); a removal is relayed as one, and remembered then.
    pub fn remove_tier_seen(&mut self, target: &Target, tier: Tier, at: Option<Millis>) -> Result<usize, CacheError> {
        self.ensure_open()?;
        let mut count = 0;
        for key in self.index.matching(target) {
            if self.slots.get(&key).is_some_and(|slot| slot.meta.tier == tier) {
                count += self.remove_in(&Target::Key(key), Seen::Elsewhere(at), false)?;
            }
        }
        Ok(count)
    }

    fn remove_in(&mut self, target: &Target, seen: Seen, remembered: bool) -> Result<usize, CacheError> {
        self.ensure_open()?;
        let persist = seen == Seen::Here;
        self.fetches.overtake_matching(target, seen.at());
        let now = self.clock.now();
        if remembered {
            self.remember_change(target, seen.at().unwrap_or(now), true);
        }
        if self.failures > 0 {
            for (key, record) in self.keys.iter_mut() {
                if record.failure.is_some() && target.covers(key, &[]) {
                    record.failure = None;
                    self.failures -= 1;
                }
            }
        }
        let mut count = 0;
        // A prefix is deleted from each persistent tier in one call (a key range in IndexedDB).
        let prefix = match target {
            Target::Prefix(prefix) if persist => Some(prefix),
            _ => None,
        };
        let mut by_prefix: [Vec<String>; 3] = Default::default();
        for key in self.index.matching(target) {
            let live = self.live_state(&key).is_some();
            if !self.slots.get(&key).is_some_and(|slot| seen.covers(&slot.meta)) {
                continue;
            }
            if let Some(slot) = self.detach(&key) {
                match (persist, prefix) {
                    (true, Some(_)) => by_prefix[slot.meta.tier.index()].push(key.clone()),
                    (true, None) => self.store_delete(slot.meta.tier, &key),
                    (false, _) if seen.persists(&slot.meta) => self.store_delete(slot.meta.tier, &key),
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
    ///
    /// Returns whether the previous scope was left before its IndexedDB entries loaded, with
    /// changes made to it meanwhile: only that load would bring them those changes, and it lands
    /// for nobody now, so the caller loads them for [`Engine::settle_left`]. Switching back to
    /// such a scope before then gives its changes to the load that comes next, as before.
    pub fn switch_scope(&mut self, scope: Scope) -> Result<bool, CacheError> {
        self.ensure_open()?;
        let previous = self.options.scope.clone();
        if self.loading && !self.recent_changes.is_empty() {
            if self.left.len() >= LEFT_SCOPES {
                self.left.remove(0);
            }
            let changes = std::mem::take(&mut self.recent_changes);
            self.left.push(LeftScope { scope: previous.clone(), changes });
        }
        self.drop_memory();
        self.options.scope = scope;
        self.loading = true;
        if let Some(back) = self.left.iter().position(|left| left.scope == self.options.scope) {
            self.recent_changes = self.left.remove(back).changes;
        }
        Ok(self.left.iter().any(|left| left.scope == previous))
    }

    /// The IndexedDB entries of `scope`, a scope this tab left before its own load of them
    /// landed (see [`Engine::switch_scope`]): the changes made to it meanwhile are applied to
    /// them on disk as that load would have (an entry whose data predates a removal is deleted,
    /// one that predates an invalidation is marked stale), and nothing enters memory. `entries`
    /// are all of the scope's, so its changes are forgotten after. An entry of another data
    /// version cannot be rewritten here: one a change covers is deleted.
    /// `entries` is only called when there is something to settle.
    pub fn settle_left(&mut self, scope: &Scope, entries: impl FnOnce() -> Vec<(String, OnDisk)>) {
        let Some(index) = self.left.iter().position(|left| left.scope == *scope) else { return };
        let left = self.left.remove(index);
        let Some(store) = self.stores.of(Tier::Idb) else { return };
        for (key, entry) in entries() {
            let (meta, current) = match entry {
                OnDisk::Current(meta) => (meta, true),
                OnDisk::OtherVersion(meta) => (meta, false),
            };
            match (after_changes(&left.changes, &key, meta), current) {
                (Some((_, false)), _) => {} // no change covers it
                (Some((meta, true)), true) => {
                    let _ = store.put_meta(scope, &key, None, &meta);
                }
                (Some((_, true)), false) | (None, _) => store.delete(scope, &key),
            }
        }
    }

    /// The current scope's persisted entries are all loaded: from now on only the latest
    /// [`RECENT_CHANGES`] changes are remembered, for other tabs' late writes.
    pub fn loaded(&mut self) {
        self.loading = false;
        let forget = self.recent_changes.len().saturating_sub(RECENT_CHANGES);
        self.recent_changes.drain(..forget);
    }

    /// Another tab cleared `scope` at instant `at` (`None`: not said) from the shared persistent
    /// tiers: when it is the current one, its entries leave memory and its fetches in flight are
    /// outlived, and what this tab persisted since that instant (a late answer stored before the
    /// news arrived) is deleted too.
    pub fn clear_scope_seen(&mut self, scope: &Scope, at: Option<Millis>) {
        if *scope != self.options.scope {
            return;
        }
        if let Some(at) = at {
            let written_since: Vec<(String, Tier)> = self
                .slots
                .iter()
                .filter(|(_, slot)| slot.meta.tier != Tier::Memory && slot.meta.freshness.updated_at >= at)
                .map(|(key, slot)| (key.clone(), slot.meta.tier))
                .collect();
            for (key, tier) in written_since {
                self.store_delete(tier, &key);
            }
        }
        self.drop_memory();
        let now = self.clock.now();
        self.remember_change(&Target::All, at.unwrap_or(now), true);
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
            self.remember_change(&Target::All, self.clock.now(), true);
        }
        Ok(())
    }

    /// A number that changes whenever the entry under `key` is written, invalidated or removed,
    /// or the scope is switched or cleared: a dedup window opened at generation `g` serves
    /// callers only while this is still `g`. (Fetches in flight are outdated by matching each
    /// change against them, see [`FetchTable`].)
    pub fn generation(&self, key: &str) -> u64 {
        self.keys.get(key).map_or(0, |record| record.generation).max(self.scope_generation)
    }

    /// The counters and per-tier usage.
    pub fn stats(&self) -> Stats {
        Stats { tiers: self.usage, ..self.stats }
    }

    /// Records a message from another tab that was refused.
    pub fn note_rejected_message(&mut self) {
        self.stats.rejected_messages += 1;
    }

    /// Reports (and counts) that a persistent tier could not be read because its storage is
    /// missing, closed or throws: `key`'s persisted value (the entry itself is kept), or, without
    /// a key, the tier's entries when loading a scope.
    pub fn note_unreadable(&mut self, tier: Tier, key: Option<String>) {
        self.stats.storage_unavailable += 1;
        self.diagnostics.push(Diagnostic { code: ErrorCode::StorageUnavailable, key, tier: Some(tier) });
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

    /// Writes to the entry's persistent tier; on a full tier, evicts a batch of that tier's least
    /// recently used entries (see [`QUOTA_BATCH_DIVISOR`]) and retries, until the write fits or
    /// nothing is left to evict; on failure, degrades `meta` to memory only. Only the storage
    /// knows its quota and how it weighs an entry: a freed size equal to the new entry's may not
    /// be enough, one a little smaller may be.
    fn persist(&mut self, key: &str, value: &V, meta: &mut EntryMeta) -> Result<(), CacheError> {
        let mut result = self.store_put(key, value, meta);
        while let Err(StoreError::Quota(_)) = result {
            let batch = self.usage[meta.tier.index()].bytes / QUOTA_BATCH_DIVISOR;
            if !self.evict_lru(meta.tier, key, batch.max(1)) {
                break;
            }
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
                let _ = self.evict_lru(tier, keep, used - budget);
            }
        }
    }

    /// Evicts least recently used entries of `tier` (never `keep`) until `wanted` bytes are freed;
    /// returns whether there was any to evict.
    /// From memory, a persisted entry only loses its loaded value. From a persistent tier, an
    /// entry whose value is loaded only loses its persisted copy: it stays, readable in this tab,
    /// as a memory entry (announced as `evict`). An entry with nothing left to keep goes
    /// (announced as `remove`): a memory entry pushed out of memory, or a persisted one whose
    /// value is not loaded.
    fn evict_lru(&mut self, tier: Tier, keep: &str, wanted: usize) -> bool {
        let candidates: Vec<(u64, String)> = self
            .slots
            .iter()
            .filter(|(key, slot)| *key != keep && in_tier(slot, tier))
            .map(|(key, slot)| (slot.last_used, key.clone()))
            .collect();
        let evicted = !candidates.is_empty();
        let mut freed = 0;
        // Least recently used first, ordered only as far as they are taken.
        for (_, key) in ascending(candidates) {
            if freed >= wanted {
                break;
            }
            let Some(slot) = self.slots.get_mut(&key) else { continue };
            freed += slot.meta.size;
            self.stats.evictions += 1;
            if tier == Tier::Memory && slot.meta.tier != Tier::Memory {
                slot.value = None;
                adjust(&mut self.usage[Tier::Memory.index()], slot.meta.size, false);
            } else if tier != Tier::Memory && slot.value.is_some() {
                // The value is already counted in memory; only the tier's copy goes.
                adjust(&mut self.usage[tier.index()], slot.meta.size, false);
                slot.meta.tier = Tier::Memory;
                self.changes.record(ChangeKind::Evict, self.origin, self.options.scope.user(), &key, &slot.meta.tags);
                self.store_delete(tier, &key);
            } else if let Some(slot) = self.detach(&key) {
                self.store_delete(slot.meta.tier, &key);
                self.bump_generation(&key);
                self.changes.record(ChangeKind::Remove, self.origin, self.options.scope.user(), &key, &slot.meta.tags);
            }
        }
        evicted
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

    /// A push whose invalidation of `target` this tab made already (from its own connection) was
    /// heard by another tab at `at`, earlier: the invalidation is dated back to then, the push's
    /// first hearing. An answer another tab fetched after hearing the push reflects it (a server
    /// pushes once its change is made), so it is taken fresh here although it predates this
    /// tab's own, later copy of the same push.
    pub fn backdate_invalidation(&mut self, target: &Target, at: Millis) {
        if let Some(change) = self.recent_changes.iter_mut().rev().find(|c| !c.removed && c.target == *target) {
            change.at = change.at.min(at);
        }
    }

    /// Remembers that `target` changed at `at`, for [`Engine::adopt`] and [`Engine::hydrate`];
    /// the oldest of more than [`RECENT_CHANGES`] are forgotten (of [`RECENT_CHANGES_LOADING`]
    /// while the scope is loading).
    fn remember_change(&mut self, target: &Target, at: Millis, removed: bool) {
        let kept = if self.loading { RECENT_CHANGES_LOADING } else { RECENT_CHANGES };
        if self.recent_changes.len() >= kept {
            self.recent_changes.remove(0);
        }
        self.recent_changes.push(RecentChange { target: target.clone(), at, removed });
    }

    fn drop_memory(&mut self) {
        self.mutations.clear();
        self.recent_changes.clear();
        for (key, slot) in self.slots.iter() {
            self.changes.record(ChangeKind::Clear, self.origin, self.options.scope.user(), key, &slot.meta.tags);
        }
        self.fetches.end_scope();
        self.slots.clear();
        self.index.clear();
        self.usage = [TierUsage::default(); 3];
        self.keys.clear();
        self.failures = 0;
        self.last_generation += 1;
        self.scope_generation = self.last_generation;
    }

    /// The next instant of the LRU order (a counter, not time: reads within one ms are ordered).
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn bump_generation(&mut self, key: &str) -> Option<&mut KeyRecord<V>> {
        self.last_generation += 1;
        let record = record_of(&mut self.keys, key)?;
        record.generation = self.last_generation;
        Some(record)
    }
}

/// The record of `key`, made when it has none (copying the key only then; one lookup either
/// way, as every write passes here). Always `Some`: the `Option` is the map's, which never
/// indexes out of bounds.
fn record_of<'a, V>(keys: &'a mut KeyMap<KeyRecord<V>>, key: &str) -> Option<&'a mut KeyRecord<V>> {
    keys.get_or_insert_with(key, || KeyRecord { generation: 0, failure: None })
}

impl<V: Clone, C: Clock> Engine<V, C> {
    /// An optimistic mutation of `key` starts: writes its `value` with `options` (as
    /// [`Engine::set`]) and remembers what the key held before, to restore it if every
    /// overlapping commit fails. A refused write begins no mutation.
    pub fn begin_mutation(&mut self, key: &str, value: V, options: SetOptions) -> Result<MutationId, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        self.live_state(key);
        let current = held(&self.slots, key);
        let before = self.generation(key);
        self.set(key, value, options)?;
        let shown = self.generation(key);
        Ok(self.mutations.begin(key, current, before, shown))
    }

    /// Mutation `id` of `key` settled (in start order): shows the committed value with `options`,
    /// restores the value from before the mutations with its own metadata (tier, tags, etag,
    /// instants), or leaves a later optimistic value in place. A change of the key no mutation
    /// made since it began (here or from another tab) stands: nothing is written over it.
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
        let generation = self.generation(key);
        let slots = &self.slots;
        match self.mutations.settle(key, id, outcome, generation, || held(slots, key)) {
            Show::Keep => Ok(()),
            Show::Value(Some((value, Some(original)))) => self.write(key, value, original),
            Show::Value(Some((value, None))) => self.set(key, value, options),
            Show::Value(None) => self.remove(&Target::key(key)?).map(|_| ()),
        }
    }
}

/// The value `key` holds in memory with its metadata, as a mutation restores it.
fn held<V: Clone>(slots: &KeyMap<Slot<V>>, key: &str) -> Option<(V, Option<EntryMeta>)> {
    slots.get(key).and_then(|slot| Some((slot.value.clone()?, Some(slot.meta.clone()))))
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

/// An invalidation (`removed: false`), removal or clear of `target` at instant `at`.
struct RecentChange {
    target: Target,
    at: Millis,
    removed: bool,
}

/// A scope left before its IndexedDB entries loaded, and the changes made to it until then.
struct LeftScope {
    scope: Scope,
    changes: Vec<RecentChange>,
}

/// How many scopes left before their load are remembered: the load of a left scope follows its
/// switch within milliseconds, unless the database never comes.
const LEFT_SCOPES: usize = 4;

/// An IndexedDB entry of a left scope, as [`Engine::settle_left`] takes it: a record of this data
/// version, whose metadata can be rewritten, or of another, which only its migration rewrites.
#[derive(Debug)]
pub enum OnDisk {
    /// A record of the current data version.
    Current(EntryMeta),
    /// A record of another data version.
    OtherVersion(EntryMeta),
}

/// What `changes` leave of an entry of `key` persisted with `meta`: `None` when a removal or
/// logout came after its data, else the metadata, marked stale from an invalidation that came
/// after its data (and whether one did). A removal wins over an invalidation: the data predates
/// both.
fn after_changes(changes: &[RecentChange], key: &str, mut meta: EntryMeta) -> Option<(EntryMeta, bool)> {
    let incoming = meta.freshness.as_of;
    let covering = || changes.iter().filter(|c| incoming <= c.at && c.target.covers(key, &meta.tags));
    if covering().any(|c| c.removed) {
        return None;
    }
    let invalidated_at = covering().map(|c| c.at).max();
    if let Some(at) = invalidated_at {
        meta.freshness.mark_stale(at);
    }
    Some((meta, invalidated_at.is_some()))
}

/// How many invalidations, removals and clears [`Engine::adopt`] compares other tabs' writes
/// with: a late answer lands within seconds, in which few changes happen.
const RECENT_CHANGES: usize = 32;

/// How many changes are remembered while the scope's IndexedDB entries are loading: all of them
/// in the few milliseconds a load takes; a bound for a load that waits long (an upgrade another
/// connection blocks), past which the oldest changes no longer reach the entries it brings.
const RECENT_CHANGES_LOADING: usize = 4096;

/// Where a change was made: in this tab, or in another one, which applied it to the shared
/// persistent tiers already and said when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Here,
    /// Another tab's change at this instant (`None`: its message did not say).
    Elsewhere(Option<Millis>),
}

impl Seen {
    /// The instant of another tab's change.
    fn at(self) -> Option<Millis> {
        match self {
            Seen::Here => None,
            Seen::Elsewhere(at) => at,
        }
    }

    /// Whether the change applies to an entry with `meta`: a change made here applies to every
    /// entry; another tab's only to entries reflecting nothing later than it (an entry fetched
    /// after it holds newer data than the change).
    fn covers(self, meta: &EntryMeta) -> bool {
        match self {
            Seen::Elsewhere(Some(at)) => meta.freshness.as_of <= at,
            _ => true,
        }
    }

    /// Whether the change is applied to the entry's persistent tier here too: always for a change
    /// made here; for another tab's, when this tab wrote its copy there since (over the change).
    fn persists(self, meta: &EntryMeta) -> bool {
        match self {
            Seen::Here => true,
            Seen::Elsewhere(Some(at)) => meta.freshness.updated_at >= at,
            Seen::Elsewhere(None) => false,
        }
    }
}
