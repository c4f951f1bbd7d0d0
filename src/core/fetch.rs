//! Fetch coordination: which `fetch` calls share one network call, which are served from the
//! cache, and whether a finished call may still store its answer.
//!
//! The table holds no promises: the caller keeps them by [`FetchId`]. What the table decides:
//! - a call joins the in-flight fetch of its key while that fetch is still current;
//! - a fresh entry is served as is;
//! - an entry whose last fetch finished less than `dedup_ms` ago is served even if stale, unless
//!   the entry changed since (set, invalidate, remove, user switch: its generation moved on);
//! - otherwise a new fetch starts.
//!
//! A fetch stops being current when a change covers it — a write of its key, an invalidation or
//! removal whose target matches its key or the tags it will store (whether or not the key has an
//! entry), a forced fetch of the key, a change of scope — and is told apart by its [`Fate`]:
//! overtaken within the scope (its callers may run again) or outlived by its scope (its callers
//! must not: the fetcher is a closure of the previous user). Each newly outdated fetch is queued
//! once for the caller to abort ([`FetchTable::take_outdated`]); nobody has to ask after every
//! change.

use super::hash::KeyMap;

use super::clock::Millis;
use super::entry::Tags;
use super::freshness::State;
use super::target::Target;

/// Identifies one started fetch.
pub type FetchId = u64;

/// What to do with a `fetch` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Serve the cached value; no network.
    Serve,
    /// Wait for this in-flight fetch.
    Join(FetchId),
    /// Start a new fetch.
    Start,
    /// Read the entry's value back from its persistent tier (it is not loaded in memory), then
    /// plan again. Decided by the engine, which knows what is loaded; the table never returns it.
    Load,
}

/// What a finished fetch may do with its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Still current: store its answer (or its error).
    Current,
    /// A change of its key, or a forced fetch, came after it started; the scope is the same, so
    /// its callers may fetch again.
    Overtaken,
    /// The user was switched or cleared, or the cache closed: its answer belongs to a scope that
    /// is gone, and its callers must not be given anything fetched for it.
    ScopeEnded,
}

impl Fate {
    /// The number the JS facade switches on: 0 current, 1 overtaken, 2 scope ended.
    pub fn code(self) -> u8 {
        match self {
            Fate::Current => 0,
            Fate::Overtaken => 1,
            Fate::ScopeEnded => 2,
        }
    }
}

/// Options of one `fetch` call that the plan depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// How long after a fetch finished its answer serves callers even if stale.
    pub dedup_ms: Millis,
    /// Go to the network whatever the cache holds (an in-flight fetch is replaced).
    pub force: bool,
    /// A background revalidation (focus, reconnect, interval, `revalidate`): refetch even a
    /// fresh entry, unless a fetch finished within `dedup_ms`.
    pub revalidate: bool,
}

#[derive(Clone, Debug)]
struct InFlight {
    id: FetchId,
    started_at: Millis,
    tags: Tags,
}

#[derive(Clone, Copy, Debug)]
struct Finished {
    at: Millis,
    generation: u64,
}

/// What the table holds of one key: one map of these, not a map of current fetches beside a map
/// of dedup windows (each map type is ~1.4 KB of hashbrown code in the wasm, D-140 in
/// docs/decisions.md).
#[derive(Clone, Debug, Default)]
struct KeyFetches {
    /// The current fetch: the one calls join and whose answer may be stored.
    current: Option<InFlight>,
    /// The last fetch that stored or confirmed an answer: its dedup window.
    finished: Option<Finished>,
}

/// In-flight fetches and recently finished ones, by key.
#[derive(Debug, Default)]
pub struct FetchTable {
    keys: KeyMap<KeyFetches>,
    /// How many of `keys` have a current fetch (none: a write has nothing to overtake).
    in_flight: usize,
    /// Fetches no longer current that have not finished yet, with why: a few at a time (each
    /// is aborted), so a `Vec`, not one more map type in the wasm.
    outdated: Vec<(FetchId, Fate)>,
    /// Fetches outdated since the last [`FetchTable::take_outdated`]: to abort.
    to_abort: Vec<FetchId>,
    last_id: FetchId,
}

impl FetchTable {
    /// Decides what a `fetch` of `key` does, given the entry's state and generation now.
    pub fn plan(&self, key: &str, state: Option<State>, generation: u64, now: Millis, options: FetchOptions) -> Plan {
        if options.force {
            return Plan::Start;
        }
        if let Some(flight) = self.current(key) {
            return Plan::Join(flight.id);
        }
        let within_window = || self.within_window(key, generation, now, options.dedup_ms);
        match state {
            Some(State::Fresh) if !options.revalidate || within_window() => Plan::Serve,
            Some(State::Stale) if within_window() => Plan::Serve,
            _ => Plan::Start,
        }
    }

    /// Records a fetch of `key` starting at `now` that will store `tags`; it overtakes any
    /// earlier one of the key.
    pub fn start(&mut self, key: &str, now: Millis, tags: Tags) -> FetchId {
        self.last_id += 1;
        let flight = InFlight { id: self.last_id, started_at: now, tags };
        if !self.keys.contains_key(key) {
            self.keys.insert(key.to_owned(), KeyFetches::default());
        }
        let replaced = self.keys.get_mut(key).and_then(|fetches| fetches.current.replace(flight));
        match replaced {
            Some(replaced) => self.outdate(replaced.id, Fate::Overtaken),
            None => self.in_flight += 1,
        }
        self.last_id
    }

    /// What fetch `id` of `key` may do with its answer now.
    pub fn fate(&self, key: &str, id: FetchId) -> Fate {
        if self.current(key).is_some_and(|f| f.id == id) {
            return Fate::Current;
        }
        self.outdated.iter().find(|(outdated, _)| *outdated == id).map_or(Fate::Overtaken, |(_, fate)| *fate)
    }

    /// When fetch `id` of `key` started, while it is current.
    pub fn started_at(&self, key: &str, id: FetchId) -> Option<Millis> {
        self.current(key).filter(|f| f.id == id).map(|f| f.started_at)
    }

    /// Fetch `id` of `key` is over (stored, failed or dropped).
    pub fn finish(&mut self, key: &str, id: FetchId) {
        if self.current(key).is_some_and(|f| f.id == id) {
            self.take_current(key);
        }
        self.outdated.retain(|(outdated, _)| *outdated != id);
    }

    /// A fetch of `key` stored its answer (or confirmed it, not modified) at `now`, leaving the
    /// key at `generation`: callers are served for `dedup_ms` while the key stays there.
    pub fn open_window(&mut self, key: &str, now: Millis, generation: u64) {
        let window = Some(Finished { at: now, generation });
        match self.keys.get_mut(key) {
            Some(fetches) => fetches.finished = window,
            None => {
                self.keys.insert(key.to_owned(), KeyFetches { current: None, finished: window });
            }
        }
    }

    /// `key` was written: its current fetch is overtaken.
    pub fn overtake_key(&mut self, key: &str) {
        if self.in_flight == 0 {
            return; // the common case of a write: nothing in flight, no key to hash
        }
        if let Some(flight) = self.take_current(key) {
            self.outdate(flight.id, Fate::Overtaken);
        }
    }

    /// `key` took a write another tab made of data known at `as_of`: the current fetch is
    /// overtaken when it started no later than that (a later one may bring newer data still).
    pub fn overtake_key_started_by(&mut self, key: &str, as_of: Millis) {
        if self.current(key).is_some_and(|f| f.started_at <= as_of) {
            self.overtake_key(key);
        }
    }

    /// An invalidation or removal of `target`: every current fetch whose key or tags it covers
    /// is overtaken (with `before`, only those that started no later than that instant).
    pub fn overtake_matching(&mut self, target: &Target, before: Option<Millis>) {
        if self.in_flight == 0 {
            return;
        }
        let covered: Vec<String> = self
            .keys
            .iter()
            .filter(|(key, fetches)| {
                fetches
                    .current
                    .as_ref()
                    .is_some_and(|f| before.is_none_or(|at| f.started_at <= at) && target.covers(key, &f.tags))
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in covered {
            self.overtake_key(&key);
        }
    }

    /// The scope ended (user switched or cleared, cache closed): every fetch in flight, current
    /// or already overtaken, is outlived by it; the dedup windows go too.
    pub fn end_scope(&mut self) {
        for (_, fate) in &mut self.outdated {
            *fate = Fate::ScopeEnded;
        }
        for (_, fetches) in self.keys.drain() {
            if let Some(flight) = fetches.current {
                self.outdated.push((flight.id, Fate::ScopeEnded));
                self.to_abort.push(flight.id);
            }
        }
        self.in_flight = 0;
    }

    /// Takes the fetches outdated since the last call: their signals are to abort.
    pub fn take_outdated(&mut self) -> Vec<FetchId> {
        std::mem::take(&mut self.to_abort)
    }

    /// Whether fetches were outdated since the last [`FetchTable::take_outdated`].
    pub fn has_outdated(&self) -> bool {
        !self.to_abort.is_empty()
    }

    fn outdate(&mut self, id: FetchId, fate: Fate) {
        self.outdated.push((id, fate));
        self.to_abort.push(id);
    }

    fn within_window(&self, key: &str, generation: u64, now: Millis, dedup_ms: Millis) -> bool {
        let window = self.keys.get(key).and_then(|fetches| fetches.finished.as_ref());
        window.is_some_and(|f| f.generation == generation && now < f.at.saturating_add(dedup_ms))
    }

    /// The current fetch of `key`.
    fn current(&self, key: &str) -> Option<&InFlight> {
        self.keys.get(key).and_then(|fetches| fetches.current.as_ref())
    }

    /// Takes the current fetch of `key` out of the table (and the key, when it has no window).
    fn take_current(&mut self, key: &str) -> Option<InFlight> {
        let fetches = self.keys.get_mut(key)?;
        let flight = fetches.current.take()?;
        self.in_flight -= 1;
        if fetches.finished.is_none() {
            self.keys.remove(key);
        }
        Some(flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: FetchOptions = FetchOptions { dedup_ms: 1_000, force: false, revalidate: false };
    const REVALIDATE: FetchOptions = FetchOptions { revalidate: true, ..WINDOW };

    fn tags(names: &[&str]) -> Tags {
        names.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn missing_entries_start_and_concurrent_calls_join_the_same_fetch() {
        let mut table = FetchTable::default();
        assert_eq!(table.plan("k", None, 0, 0, WINDOW), Plan::Start);
        let id = table.start("k", 0, Tags::default());
        for _ in 0..1_000 {
            assert_eq!(table.plan("k", None, 0, 0, WINDOW), Plan::Join(id));
        }
        assert_eq!(table.plan("other", None, 0, 0, WINDOW), Plan::Start, "keys do not share fetches");
    }

    #[test]
    fn fresh_entries_are_served_and_stale_ones_fetched_outside_the_window() {
        let table = FetchTable::default();
        assert_eq!(table.plan("k", Some(State::Fresh), 3, 0, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 3, 0, WINDOW), Plan::Start);
    }

    #[test]
    fn a_finished_fetch_serves_stale_callers_for_dedup_ms_then_no_longer() {
        let mut table = FetchTable::default();
        let id = table.start("k", 0, Tags::default());
        table.finish("k", id);
        table.open_window("k", 100, 2);
        assert_eq!(table.plan("k", Some(State::Stale), 2, 100, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 2, 1_099, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 2, 1_100, WINDOW), Plan::Start);
        assert_eq!(table.plan("k", Some(State::Stale), 3, 500, WINDOW), Plan::Start, "a change closes the window");
    }

    #[test]
    fn a_write_of_the_key_overtakes_its_fetch_once_and_detaches_it() {
        let mut table = FetchTable::default();
        let id = table.start("k", 0, Tags::default());
        assert_eq!(table.fate("k", id), Fate::Current);
        table.overtake_key("k");
        assert_eq!(table.fate("k", id), Fate::Overtaken, "its answer must not be stored");
        assert_eq!(table.take_outdated(), [id], "to abort");
        assert!(table.take_outdated().is_empty(), "told once");
        assert_eq!(table.plan("k", Some(State::Stale), 0, 1, WINDOW), Plan::Start, "callers do not join it");
        table.finish("k", id);
        assert_eq!(table.fate("k", id), Fate::Overtaken);
    }

    #[test]
    fn invalidations_overtake_fetches_by_key_prefix_pattern_tags_and_all_without_an_entry() {
        let targets = [
            Target::key("assets:shop1:fonts").unwrap(),
            Target::prefix("assets:").unwrap(),
            Target::pattern("assets:*:fonts").unwrap(),
            Target::tags(tags(&["assets"]).to_vec()).unwrap(),
            Target::All,
        ];
        for target in targets {
            let mut table = FetchTable::default();
            let covered = table.start("assets:shop1:fonts", 0, tags(&["assets"]));
            let other = table.start("clients:list", 0, tags(&["clients"]));
            table.overtake_matching(&target, None);
            assert_eq!(table.fate("assets:shop1:fonts", covered), Fate::Overtaken, "{target:?}");
            if target == Target::All {
                assert_eq!(table.take_outdated(), [covered, other]);
            } else {
                assert_eq!(table.take_outdated(), [covered], "{target:?}");
                assert_eq!(table.fate("clients:list", other), Fate::Current, "{target:?} covers only its keys");
            }
        }
    }

    #[test]
    fn a_change_seen_late_overtakes_only_fetches_that_started_before_it() {
        let mut table = FetchTable::default();
        let early = table.start("a", 10, Tags::default());
        let late = table.start("b", 30, Tags::default());
        table.overtake_matching(&Target::All, Some(20));
        assert_eq!(table.fate("a", early), Fate::Overtaken);
        assert_eq!(table.fate("b", late), Fate::Current, "started after the other tab's change");
        table.overtake_key_started_by("b", 29);
        assert_eq!(table.fate("b", late), Fate::Current);
        table.overtake_key_started_by("b", 30);
        assert_eq!(table.fate("b", late), Fate::Overtaken, "same instant: no telling, so overtaken");
    }

    #[test]
    fn force_starts_and_overtakes_the_fetch_in_flight() {
        let mut table = FetchTable::default();
        let first = table.start("k", 0, Tags::default());
        let forced = FetchOptions { force: true, ..WINDOW };
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, forced), Plan::Start);
        let second = table.start("k", 0, Tags::default());
        assert_eq!(table.fate("k", first), Fate::Overtaken, "the replaced fetch no longer stores");
        assert_eq!(table.take_outdated(), [first]);
        assert_eq!(table.fate("k", second), Fate::Current);
        table.finish("k", first);
        assert_eq!(table.plan("k", None, 1, 5, WINDOW), Plan::Join(second), "finishing the old one keeps the new");
    }

    #[test]
    fn the_end_of_a_scope_outlives_every_fetch_in_flight_even_those_already_overtaken() {
        let mut table = FetchTable::default();
        let overtaken = table.start("a", 0, Tags::default());
        table.overtake_key("a");
        let current = table.start("b", 0, Tags::default());
        let finished = table.start("c", 0, Tags::default());
        table.finish("c", finished);
        table.open_window("c", 1, 1);
        table.take_outdated();
        table.end_scope();
        assert_eq!(table.fate("a", overtaken), Fate::ScopeEnded, "its callers must not re-run it");
        assert_eq!(table.fate("b", current), Fate::ScopeEnded);
        assert_eq!(table.take_outdated(), [current], "the overtaken one was aborted already");
        assert_eq!(table.plan("b", None, 1, 2, WINDOW), Plan::Start, "the next user does not join it");
        assert_eq!(table.plan("c", Some(State::Stale), 1, 2, WINDOW), Plan::Start, "the windows are gone");
    }

    #[test]
    fn a_revalidation_refetches_fresh_entries_outside_the_window_only() {
        let mut table = FetchTable::default();
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, REVALIDATE), Plan::Start);
        let id = table.start("k", 0, Tags::default());
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, REVALIDATE), Plan::Join(id));
        table.finish("k", id);
        table.open_window("k", 100, 2);
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 500, REVALIDATE), Plan::Serve, "deduplicated");
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 1_100, REVALIDATE), Plan::Start);
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 1_100, WINDOW), Plan::Serve, "a plain fetch serves fresh");
    }

    #[test]
    fn failed_fetches_open_no_window() {
        let mut table = FetchTable::default();
        let id = table.start("k", 0, Tags::default());
        table.finish("k", id);
        assert_eq!(table.plan("k", Some(State::Stale), 1, 101, WINDOW), Plan::Start);
        assert_eq!(table.plan("k", None, 1, 101, WINDOW), Plan::Start, "errors are not deduplicated");
    }
}
