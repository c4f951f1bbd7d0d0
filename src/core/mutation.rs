//! Optimistic mutations of a key that overlap: what to show as each one settles.
//!
//! Each mutation shows its optimistic value at once. They settle in the order they started (the
//! caller awaits the earlier ones). The value before the first pending mutation is the
//! "confirmed" one; a successful commit replaces it. While later mutations are pending their
//! optimistic value stays on screen; when the last one settles, the screen shows the confirmed
//! value (the last success, or the value before them all when every commit failed and asked to
//! roll back).
//!
//! A change of the key that no mutation made (a `set`, `remove` or invalidation, here or from
//! another tab) is newer than the commits in flight: the mutations pending then are superseded,
//! their answers and rollbacks write nothing, and what the change left becomes the value a later
//! mutation rolls back to. The engine's per-key generation tells such a change: the mutations
//! remember the generation their own last write left.

/// Identifies one mutation.
pub type MutationId = u64;

/// How a mutation's commit ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<V> {
    /// Committed: this is the value to keep.
    Committed(V),
    /// Failed; `rollback` says whether to restore the confirmed value.
    Failed {
        /// Restore the value from before the optimistic update(s).
        rollback: bool,
    },
}

/// What the cache should show once a mutation settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Show<V> {
    /// Leave what is shown (a later optimistic value, or a failure that keeps its value).
    Keep,
    /// Show this value (`None`: the key had no value: remove it).
    Value(Option<V>),
}

#[derive(Debug)]
struct Pending<V> {
    confirmed: Option<V>,
    /// In the order they began. A `Vec`: a key has a few mutations pending at most, and
    /// `VecDeque`'s ring-buffer code cost 1.5 KB of wasm for nothing.
    queue: Vec<Queued>,
    /// The key's generation after the last write a mutation of it made: a change made by anyone
    /// else moves the key past it.
    shown: u64,
}

#[derive(Debug)]
struct Queued {
    id: MutationId,
    /// A change no mutation made came after this mutation began: its outcome writes nothing.
    superseded: bool,
}

impl<V> Pending<V> {
    /// Marks every queued mutation superseded when the key moved past `shown` to `generation`;
    /// `current` (what the key holds now) becomes the value to roll back to.
    fn supersede_if_moved(&mut self, generation: u64, current: impl FnOnce() -> Option<V>) {
        if generation == self.shown {
            return;
        }
        for queued in &mut self.queue {
            queued.superseded = true;
        }
        self.confirmed = current();
        self.shown = generation;
    }
}

/// Pending mutations by key: a `Vec` scanned linearly, as an app has a few keys mutating at once
/// and a map type costs ~1.4 KB of hashbrown code in the wasm (D-81, D-140).
#[derive(Debug)]
pub struct Mutations<V> {
    pending: Vec<(String, Pending<V>)>,
    last_id: MutationId,
}

impl<V> Default for Mutations<V> {
    fn default() -> Self {
        Mutations { pending: Vec::new(), last_id: 0 }
    }
}

impl<V: Clone> Mutations<V> {
    /// A mutation of `key` starts and has written its optimistic value: `current` is what the key
    /// held before that write, `before` the key's generation then and `shown` its generation
    /// after.
    pub fn begin(&mut self, key: &str, current: Option<V>, before: u64, shown: u64) -> MutationId {
        self.last_id += 1;
        let queued = Queued { id: self.last_id, superseded: false };
        match self.pending.iter_mut().find(|(held, _)| held == key) {
            Some((_, pending)) => {
                pending.supersede_if_moved(before, || current);
                pending.queue.push(queued);
                pending.shown = shown;
            }
            None => self.pending.push((key.to_owned(), Pending { confirmed: current, queue: vec![queued], shown })),
        }
        self.last_id
    }

    /// Mutation `id` of `key` settled with `outcome` (mutations settle in the order they began);
    /// `generation` is the key's now, `current` what it holds (asked only when someone else
    /// changed it since the mutations' last write).
    pub fn settle(
        &mut self,
        key: &str,
        id: MutationId,
        outcome: Outcome<V>,
        generation: u64,
        current: impl FnOnce() -> Option<V>,
    ) -> Show<V> {
        let Some(at) = self.pending.iter().position(|(held, _)| held == key) else { return Show::Keep };
        let Some((_, pending)) = self.pending.get_mut(at) else { return Show::Keep };
        let Some(position) = pending.queue.iter().position(|queued| queued.id == id) else { return Show::Keep };
        pending.supersede_if_moved(generation, current);
        let settled = pending.queue.remove(position);
        let rollback = match outcome {
            _ if settled.superseded => false,
            Outcome::Committed(value) => {
                pending.confirmed = Some(value);
                true
            }
            Outcome::Failed { rollback } => rollback,
        };
        if !pending.queue.is_empty() {
            return Show::Keep;
        }
        let (_, Pending { confirmed, .. }) = self.pending.swap_remove(at);
        if rollback {
            Show::Value(confirmed)
        } else {
            Show::Keep
        }
    }
}

impl<V> Mutations<V> {
    /// Forgets every pending mutation (the user switched: nothing may be restored for the next).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn v(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    /// Mutations with the engine's side played: each key's generation, moved by the mutations'
    /// own optimistic writes and by [`Keys::change`].
    #[derive(Default)]
    struct Keys {
        m: Mutations<String>,
        generations: HashMap<String, u64>,
    }

    impl Keys {
        fn generation(&mut self, key: &str) -> &mut u64 {
            self.generations.entry(key.to_owned()).or_default()
        }

        /// A mutation begins while `key` holds `current`, and writes its optimistic value.
        fn begin(&mut self, key: &str, current: Option<String>) -> MutationId {
            let before = *self.generation(key);
            *self.generation(key) += 1;
            let shown = *self.generation(key);
            self.m.begin(key, current, before, shown)
        }

        /// Someone else changes `key` (a `set`, `remove`, invalidation, another tab's write).
        fn change(&mut self, key: &str) {
            *self.generation(key) += 1;
        }

        /// Mutation `id` settles while `key` holds `current`.
        fn settle(
            &mut self,
            key: &str,
            id: MutationId,
            outcome: Outcome<String>,
            current: Option<String>,
        ) -> Show<String> {
            let generation = *self.generation(key);
            self.m.settle(key, id, outcome, generation, || current)
        }

        fn commit(&mut self, key: &str, id: MutationId, value: &str) -> Show<String> {
            self.settle(key, id, Outcome::Committed(value.to_owned()), None)
        }

        fn fail(&mut self, key: &str, id: MutationId) -> Show<String> {
            self.settle(key, id, Outcome::Failed { rollback: true }, None)
        }
    }

    #[test]
    fn a_single_mutation_shows_its_commit_or_rolls_back() {
        let mut keys = Keys::default();
        let id = keys.begin("k", v("before"));
        assert_eq!(keys.commit("k", id, "server"), Show::Value(v("server")));
        let id = keys.begin("k", v("server"));
        assert_eq!(keys.fail("k", id), Show::Value(v("server")));
        let id = keys.begin("k", v("server"));
        assert_eq!(keys.settle("k", id, Outcome::Failed { rollback: false }, None), Show::Keep);
        let id = keys.begin("new", None);
        assert_eq!(keys.fail("new", id), Show::Value(None), "nothing before: remove");
    }

    #[test]
    fn overlapping_mutations_keep_the_later_optimistic_value_until_the_last_settles() {
        let mut keys = Keys::default();
        let first = keys.begin("k", v("before"));
        let second = keys.begin("k", v("optimistic 1"));
        assert_eq!(keys.commit("k", first, "server 1"), Show::Keep);
        assert_eq!(keys.commit("k", second, "server 2"), Show::Value(v("server 2")));
    }

    #[test]
    fn a_failure_after_a_success_restores_the_success_not_the_original() {
        let mut keys = Keys::default();
        let first = keys.begin("k", v("before"));
        let second = keys.begin("k", v("optimistic 1"));
        assert_eq!(keys.commit("k", first, "server 1"), Show::Keep);
        assert_eq!(keys.fail("k", second), Show::Value(v("server 1")));
    }

    #[test]
    fn every_commit_failing_restores_the_value_from_before_them_all() {
        let mut keys = Keys::default();
        let first = keys.begin("k", v("before"));
        let second = keys.begin("k", v("optimistic 1"));
        assert_eq!(keys.fail("k", first), Show::Keep);
        assert_eq!(keys.fail("k", second), Show::Value(v("before")));
    }

    #[test]
    fn a_change_made_while_a_commit_is_in_flight_stands_whatever_the_commit_brings() {
        for outcome in [Outcome::Committed("server".to_owned()), Outcome::Failed { rollback: true }] {
            let mut keys = Keys::default();
            let id = keys.begin("k", v("before"));
            keys.change("k");
            assert_eq!(keys.settle("k", id, outcome.clone(), v("later")), Show::Keep, "{outcome:?}");
        }
    }

    #[test]
    fn a_change_between_two_mutations_is_what_the_later_one_rolls_back_to() {
        let mut keys = Keys::default();
        let first = keys.begin("k", v("before"));
        keys.change("k");
        let second = keys.begin("k", v("later"));
        assert_eq!(keys.commit("k", first, "server 1"), Show::Keep);
        assert_eq!(
            keys.fail("k", second),
            Show::Value(v("later")),
            "not the first's answer, which the change outdated"
        );

        let first = keys.begin("k", v("before"));
        keys.change("k");
        let second = keys.begin("k", v("later"));
        assert_eq!(keys.commit("k", first, "server 1"), Show::Keep);
        assert_eq!(keys.commit("k", second, "server 2"), Show::Value(v("server 2")), "began after the change");
    }

    #[test]
    fn a_change_while_both_are_pending_supersedes_both() {
        let mut keys = Keys::default();
        let first = keys.begin("k", v("before"));
        let second = keys.begin("k", v("optimistic 1"));
        keys.change("k");
        assert_eq!(keys.commit("k", first, "server 1"), Show::Keep);
        assert_eq!(keys.commit("k", second, "server 2"), Show::Keep);
        // What the change left is the value a mutation begun before the last settled rolls back to.
        let first = keys.begin("k", v("before"));
        let second = keys.begin("k", v("optimistic 1"));
        keys.change("k");
        assert_eq!(keys.settle("k", first, Outcome::Failed { rollback: true }, v("changed")), Show::Keep);
        let third = keys.begin("k", v("changed"));
        assert_eq!(keys.commit("k", second, "server 2"), Show::Keep);
        assert_eq!(keys.fail("k", third), Show::Value(v("changed")));
    }

    #[test]
    fn keys_are_independent_and_clear_forgets() {
        let mut keys = Keys::default();
        let a = keys.begin("a", v("a0"));
        let b = keys.begin("b", v("b0"));
        keys.change("a");
        assert_eq!(keys.commit("b", b, "b1"), Show::Value(v("b1")), "a change of another key");
        keys.m.clear();
        assert_eq!(keys.commit("a", a, "a1"), Show::Keep, "after a user switch nothing is restored");
    }

    #[test]
    fn settling_one_key_leaves_the_others_pending_in_any_order() {
        let mut keys = Keys::default();
        let ids: Vec<_> = ["a", "b", "c", "d"].iter().map(|key| (*key, keys.begin(key, v(key)))).collect();
        let later_b = keys.begin("b", v("b optimistic"));
        for (key, id) in [ids[0], ids[3], ids[1]] {
            let want = if key == "b" { Show::Keep } else { Show::Value(v(&format!("{key}1"))) };
            assert_eq!(keys.commit(key, id, &format!("{key}1")), want, "{key}");
        }
        assert_eq!(keys.fail("b", later_b), Show::Value(v("b1")));
        assert_eq!(keys.fail("c", ids[2].1), Show::Value(v("c")));
        assert_eq!(keys.commit("a", ids[0].1, "again"), Show::Keep, "settled already");
    }
}
