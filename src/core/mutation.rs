//! Optimistic mutations of a key that overlap: what to show as each one settles.
//!
//! Each mutation shows its optimistic value at once. They settle in the order they started (the
//! caller awaits the earlier ones). The value before the first pending mutation is the
//! "confirmed" one; a successful commit replaces it. While later mutations are pending their
//! optimistic value stays on screen; when the last one settles, the screen shows the confirmed
//! value (the last success, or the value before them all when every commit failed and asked to
//! roll back).

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
    queue: Vec<MutationId>,
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
    /// A mutation of `key` starts; `current` is what the key holds before its optimistic value.
    pub fn begin(&mut self, key: &str, current: Option<V>) -> MutationId {
        self.last_id += 1;
        match self.pending.iter_mut().find(|(held, _)| held == key) {
            Some((_, pending)) => pending.queue.push(self.last_id),
            None => self.pending.push((key.to_owned(), Pending { confirmed: current, queue: vec![self.last_id] })),
        }
        self.last_id
    }

    /// Mutation `id` of `key` settled with `outcome` (mutations settle in the order they began).
    pub fn settle(&mut self, key: &str, id: MutationId, outcome: Outcome<V>) -> Show<V> {
        let Some(at) = self.pending.iter().position(|(held, _)| held == key) else { return Show::Keep };
        let Some((_, pending)) = self.pending.get_mut(at) else { return Show::Keep };
        let Some(position) = pending.queue.iter().position(|&p| p == id) else { return Show::Keep };
        pending.queue.remove(position);
        let rollback = match outcome {
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

    fn v(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn a_single_mutation_shows_its_commit_or_rolls_back() {
        let mut m = Mutations::default();
        let id = m.begin("k", v("before"));
        assert_eq!(m.settle("k", id, Outcome::Committed("server".into())), Show::Value(v("server")));
        let id = m.begin("k", v("server"));
        assert_eq!(m.settle("k", id, Outcome::Failed { rollback: true }), Show::Value(v("server")));
        let id = m.begin("k", v("server"));
        assert_eq!(m.settle("k", id, Outcome::Failed { rollback: false }), Show::Keep);
        let id = m.begin("new", None);
        assert_eq!(
            m.settle("new", id, Outcome::Failed { rollback: true }),
            Show::Value(None),
            "nothing before: remove"
        );
    }

    #[test]
    fn overlapping_mutations_keep_the_later_optimistic_value_until_the_last_settles() {
        let mut m = Mutations::default();
        let first = m.begin("k", v("before"));
        let second = m.begin("k", v("optimistic 1"));
        assert_eq!(m.settle("k", first, Outcome::Committed("server 1".into())), Show::Keep);
        assert_eq!(m.settle("k", second, Outcome::Committed("server 2".into())), Show::Value(v("server 2")));
    }

    #[test]
    fn a_failure_after_a_success_restores_the_success_not_the_original() {
        let mut m = Mutations::default();
        let first = m.begin("k", v("before"));
        let second = m.begin("k", v("optimistic 1"));
        assert_eq!(m.settle("k", first, Outcome::Committed("server 1".into())), Show::Keep);
        assert_eq!(m.settle("k", second, Outcome::Failed { rollback: true }), Show::Value(v("server 1")));
    }

    #[test]
    fn every_commit_failing_restores_the_value_from_before_them_all() {
        let mut m = Mutations::default();
        let first = m.begin("k", v("before"));
        let second = m.begin("k", v("optimistic 1"));
        assert_eq!(m.settle("k", first, Outcome::Failed { rollback: true }), Show::Keep);
        assert_eq!(m.settle("k", second, Outcome::Failed { rollback: true }), Show::Value(v("before")));
    }

    #[test]
    fn keys_are_independent_and_clear_forgets() {
        let mut m = Mutations::default();
        let a = m.begin("a", v("a0"));
        let b = m.begin("b", v("b0"));
        assert_eq!(m.settle("b", b, Outcome::Committed("b1".into())), Show::Value(v("b1")));
        m.clear();
        assert_eq!(
            m.settle("a", a, Outcome::Committed("a1".into())),
            Show::Keep,
            "after a user switch nothing is restored"
        );
    }

    #[test]
    fn settling_one_key_leaves_the_others_pending_in_any_order() {
        let mut m = Mutations::default();
        let ids: Vec<_> = ["a", "b", "c", "d"].iter().map(|key| (*key, m.begin(key, v(key)))).collect();
        let later_b = m.begin("b", v("b optimistic"));
        for (key, id) in [ids[0], ids[3], ids[1]] {
            let want = if key == "b" { Show::Keep } else { Show::Value(v(&format!("{key}1"))) };
            assert_eq!(m.settle(key, id, Outcome::Committed(format!("{key}1"))), want, "{key}");
        }
        assert_eq!(m.settle("b", later_b, Outcome::Failed { rollback: true }), Show::Value(v("b1")));
        assert_eq!(m.settle("c", ids[2].1, Outcome::Failed { rollback: true }), Show::Value(v("c")));
        assert_eq!(m.settle("a", ids[0].1, Outcome::Committed("again".into())), Show::Keep, "settled already");
    }
}
