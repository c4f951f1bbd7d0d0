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
//! "Current" means the key's generation is still the one the fetch started at.

use super::hash::FastMap;

use super::clock::Millis;
use super::freshness::State;

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

#[derive(Clone, Copy, Debug)]
struct InFlight {
    id: FetchId,
    generation: u64,
}

#[derive(Clone, Copy, Debug)]
struct Finished {
    at: Millis,
    generation: u64,
}

/// In-flight fetches and recently finished ones, by key.
#[derive(Debug, Default)]
pub struct FetchTable {
    in_flight: FastMap<String, InFlight>,
    finished: FastMap<String, Finished>,
    last_id: FetchId,
}

impl FetchTable {
    /// Decides what a `fetch` of `key` does, given the entry's state and generation now.
    pub fn plan(&self, key: &str, state: Option<State>, generation: u64, now: Millis, options: FetchOptions) -> Plan {
        if options.force {
            return Plan::Start;
        }
        if let Some(flight) = self.in_flight.get(key).filter(|f| f.generation == generation) {
            return Plan::Join(flight.id);
        }
        let within_window = || self.within_window(key, generation, now, options.dedup_ms);
        match state {
            Some(State::Fresh) if !options.revalidate || within_window() => Plan::Serve,
            Some(State::Stale) if within_window() => Plan::Serve,
            _ => Plan::Start,
        }
    }

    /// Whether a fetch of `key` started at `generation` is in flight.
    pub fn is_in_flight(&self, key: &str, generation: u64) -> bool {
        self.in_flight.get(key).is_some_and(|f| f.generation == generation)
    }

    /// Records a fetch of `key` starting at `generation`; it replaces any earlier one.
    pub fn start(&mut self, key: &str, generation: u64) -> FetchId {
        self.last_id += 1;
        let flight = InFlight { id: self.last_id, generation };
        match self.in_flight.get_mut(key) {
            Some(slot) => *slot = flight,
            None => {
                self.in_flight.insert(key.to_owned(), flight);
            }
        }
        self.last_id
    }

    /// Whether fetch `id` of `key` may store its answer: it is the key's latest fetch and the
    /// key's generation has not moved since it started.
    pub fn is_current(&self, key: &str, id: FetchId, generation: u64) -> bool {
        self.in_flight.get(key).is_some_and(|f| f.id == id && f.generation == generation)
    }

    /// Fetch `id` of `key` is over. When it stored its answer (or confirmed it, not modified),
    /// `stored_generation` is the key's generation after that, which opens the dedup window.
    pub fn finish(&mut self, key: &str, id: FetchId, now: Millis, stored_generation: Option<u64>) {
        if self.in_flight.get(key).is_some_and(|f| f.id == id) {
            self.in_flight.remove(key);
        }
        if let Some(generation) = stored_generation {
            self.finished.insert(key.to_owned(), Finished { at: now, generation });
        }
    }

    /// In-flight fetches whose key's generation moved on, as `(key, id)`: to abort. `generation`
    /// gives a key's generation now.
    pub fn outdated(&self, generation: impl Fn(&str) -> u64) -> Vec<(String, FetchId)> {
        self.in_flight
            .iter()
            .filter(|(key, flight)| generation(key) != flight.generation)
            .map(|(key, flight)| (key.clone(), flight.id))
            .collect()
    }

    /// Forgets the dedup windows (the user switched). Fetches in flight stay listed until they
    /// finish: the generation moved, so none may store its answer, and [`Self::outdated`] lists
    /// them to abort.
    pub fn forget_windows(&mut self) {
        self.finished.clear();
    }

    fn within_window(&self, key: &str, generation: u64, now: Millis, dedup_ms: Millis) -> bool {
        self.finished.get(key).is_some_and(|f| f.generation == generation && now < f.at.saturating_add(dedup_ms))
    }
}

/// The delay before retry number `attempt` (1 for the first retry): `base_ms` doubled for each
/// earlier retry, capped at 30 s.
pub fn retry_delay(attempt: u32, base_ms: Millis) -> Millis {
    const CAP: Millis = 30_000;
    let factor = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
    base_ms.saturating_mul(factor).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: FetchOptions = FetchOptions { dedup_ms: 1_000, force: false, revalidate: false };
    const REVALIDATE: FetchOptions = FetchOptions { revalidate: true, ..WINDOW };

    #[test]
    fn missing_entries_start_and_concurrent_calls_join_the_same_fetch() {
        let mut table = FetchTable::default();
        assert_eq!(table.plan("k", None, 0, 0, WINDOW), Plan::Start);
        let id = table.start("k", 0);
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
        let id = table.start("k", 1);
        table.finish("k", id, 100, Some(2));
        assert_eq!(table.plan("k", Some(State::Stale), 2, 100, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 2, 1_099, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 2, 1_100, WINDOW), Plan::Start);
    }

    #[test]
    fn a_change_of_generation_closes_the_window_and_detaches_the_in_flight_fetch() {
        let mut table = FetchTable::default();
        let first = table.start("k", 1);
        table.finish("k", first, 100, Some(2));
        // invalidate: generation 2 -> 3; the very next fetch goes to the network
        assert_eq!(table.plan("k", Some(State::Stale), 3, 101, WINDOW), Plan::Start);
        let second = table.start("k", 3);
        assert!(table.is_current("k", second, 3));
        // set while in flight: generation 3 -> 4
        assert!(!table.is_current("k", second, 4), "its answer must not be stored");
        assert_eq!(table.outdated(|_| 4), [("k".to_owned(), second)]);
        assert_eq!(table.plan("k", Some(State::Fresh), 4, 102, WINDOW), Plan::Serve);
        assert_eq!(table.plan("k", Some(State::Stale), 4, 102, WINDOW), Plan::Start, "callers do not join it");
    }

    #[test]
    fn force_always_starts_and_replaces_the_in_flight_fetch() {
        let mut table = FetchTable::default();
        let first = table.start("k", 1);
        let forced = FetchOptions { force: true, ..WINDOW };
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, forced), Plan::Start);
        let second = table.start("k", 1);
        assert!(!table.is_current("k", first, 1), "the replaced fetch no longer stores");
        assert!(table.is_current("k", second, 1));
        table.finish("k", first, 5, None);
        assert_eq!(table.plan("k", None, 1, 5, WINDOW), Plan::Join(second), "finishing the old one keeps the new");
    }

    #[test]
    fn a_revalidation_refetches_fresh_entries_outside_the_window_only() {
        let mut table = FetchTable::default();
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, REVALIDATE), Plan::Start);
        let id = table.start("k", 1);
        assert_eq!(table.plan("k", Some(State::Fresh), 1, 0, REVALIDATE), Plan::Join(id));
        table.finish("k", id, 100, Some(2));
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 500, REVALIDATE), Plan::Serve, "deduplicated");
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 1_100, REVALIDATE), Plan::Start);
        assert_eq!(table.plan("k", Some(State::Fresh), 2, 1_100, WINDOW), Plan::Serve, "a plain fetch serves fresh");
    }

    #[test]
    fn failed_fetches_open_no_window() {
        let mut table = FetchTable::default();
        let id = table.start("k", 1);
        table.finish("k", id, 100, None);
        assert_eq!(table.plan("k", Some(State::Stale), 1, 101, WINDOW), Plan::Start);
        assert_eq!(table.plan("k", None, 1, 101, WINDOW), Plan::Start, "errors are not deduplicated");
    }

    #[test]
    fn forgetting_windows_keeps_flights_listed_as_outdated_once_the_generation_moves() {
        let mut table = FetchTable::default();
        let id = table.start("k", 1);
        table.finish("k", id, 100, Some(2));
        let id = table.start("k", 2);
        table.forget_windows();
        assert_eq!(table.plan("k", Some(State::Stale), 2, 101, WINDOW), Plan::Join(id), "still in flight");
        assert!(table.is_in_flight("k", 2));
        assert!(!table.is_in_flight("k", 3), "not at a later generation");
        assert!(!table.is_current("k", id, 3));
        assert_eq!(table.outdated(|_| 3), vec![("k".to_owned(), id)]);
        table.finish("k", id, 102, None);
        assert!(table.outdated(|_| 3).is_empty());
        assert_eq!(table.plan("k", Some(State::Stale), 2, 103, WINDOW), Plan::Start, "the window is gone");
    }

    #[test]
    fn retry_delays_double_and_are_capped() {
        assert_eq!([1, 2, 3, 4].map(|n| retry_delay(n, 100)), [100, 200, 400, 800]);
        assert_eq!(retry_delay(20, 100), 30_000);
        assert_eq!(retry_delay(200, 100), 30_000, "no overflow");
        assert_eq!(retry_delay(0, 100), 100);
    }
}
