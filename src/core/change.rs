//! What the cache changed, collected until it is announced (once per tick).
//!
//! Consecutive changes of the same kind under the same user merge into one record, with each key
//! once: ten thousand writes in a loop are one `set` change. A change of another kind or user
//! starts a new record, so the order of different kinds is kept.

use super::hash::KeySet;

/// The kind of a change, as announced in `cachebus:change` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Values were written.
    Set,
    /// Entries were marked stale.
    Invalidate,
    /// Entries were deleted (by a removal, or evicted with nothing left to keep in memory).
    Remove,
    /// Entries lost their persisted copy to make room in their tier (its quota or budget); their
    /// values stay in memory, as memory entries.
    Evict,
    /// Entries were found expired and dropped.
    Expire,
    /// Every entry of a scope went (user switch or clear).
    Clear,
}

impl ChangeKind {
    /// The JS name (`"set"`, `"invalidate"`, `"remove"`, `"evict"`, `"expire"`, `"clear"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Set => "set",
            ChangeKind::Invalidate => "invalidate",
            ChangeKind::Remove => "remove",
            ChangeKind::Evict => "evict",
            ChangeKind::Expire => "expire",
            ChangeKind::Clear => "clear",
        }
    }
}

/// Where a change came from, as announced in `detail.origin`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// This tab's own calls.
    #[default]
    Local,
    /// Another tab of the origin, through the namespace's channel.
    Tab,
    /// A server push (`connect`).
    Push,
}

impl Origin {
    /// The JS name (`"local"`, `"tab"`, `"push"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::Tab => "tab",
            Origin::Push => "push",
        }
    }
}

/// One change: its kind and origin, the user it happened under, the keys it touched and their tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// Who caused it.
    pub origin: Origin,
    /// The user whose entries changed (`None`: signed out).
    pub user: Option<String>,
    /// The keys touched, each once, in the order first touched.
    pub keys: Vec<String>,
    /// The tags of the touched entries, each once.
    pub tags: Vec<String>,
}

/// Collects changes until they are taken.
#[derive(Debug, Default)]
pub struct ChangeLog {
    /// The changes so far; the last one's `keys` and `tags` are still in the two sets below.
    changes: Vec<Change>,
    /// The keys and the tags of the last change, each once, in the order first touched: each key
    /// is copied once, into its set, which becomes the change's list when the change is done.
    last_keys: KeySet,
    last_tags: KeySet,
}

impl ChangeLog {
    /// Records that `key` of `user`, carrying `tags`, changed by `kind` from `origin`.
    pub fn record(&mut self, kind: ChangeKind, origin: Origin, user: Option<&str>, key: &str, tags: &[String]) {
        let continues = self
            .changes
            .last()
            .is_some_and(|last| last.kind == kind && last.origin == origin && last.user.as_deref() == user);
        if !continues {
            self.seal_last();
            let user = user.map(str::to_owned);
            self.changes.push(Change { kind, origin, user, keys: Vec::new(), tags: Vec::new() });
        }
        self.last_keys.add(key);
        for tag in tags {
            self.last_tags.add(tag);
        }
    }

    /// Whether nothing is waiting to be taken.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Takes what was recorded since the last call.
    pub fn take(&mut self) -> Vec<Change> {
        self.seal_last();
        std::mem::take(&mut self.changes)
    }

    /// Moves the last change's keys and tags into it; the sets start empty (new sets, not
    /// `clear()`: clearing keeps a burst's capacity, and every later clear would scan all of it).
    fn seal_last(&mut self) {
        let Some(last) = self.changes.last_mut() else { return };
        if !self.last_keys.is_empty() {
            last.keys = std::mem::take(&mut self.last_keys).into_keys();
            last.tags = std::mem::take(&mut self.last_tags).into_keys();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn consecutive_changes_of_a_kind_merge_with_each_key_and_tag_once() {
        let mut log = ChangeLog::default();
        for _ in 0..1_000 {
            log.record(ChangeKind::Set, Origin::Local, Some("u"), "a", &strings(&["x"]));
            log.record(ChangeKind::Set, Origin::Local, Some("u"), "b", &strings(&["x", "y"]));
        }
        let changes = log.take();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].keys, strings(&["a", "b"]));
        assert_eq!(changes[0].tags, strings(&["x", "y"]));
        assert!(log.is_empty());
    }

    #[test]
    fn another_kind_origin_or_user_starts_a_new_change_and_order_is_kept() {
        let mut log = ChangeLog::default();
        log.record(ChangeKind::Set, Origin::Local, Some("alice"), "k", &[]);
        log.record(ChangeKind::Invalidate, Origin::Local, Some("alice"), "k", &[]);
        log.record(ChangeKind::Invalidate, Origin::Tab, Some("alice"), "k", &[]);
        log.record(ChangeKind::Clear, Origin::Local, Some("alice"), "k", &[]);
        log.record(ChangeKind::Set, Origin::Local, Some("bob"), "k", &[]);
        log.record(ChangeKind::Set, Origin::Local, Some("bob"), "k", &[]);
        let kinds: Vec<_> = log
            .take()
            .iter()
            .map(|c| (c.kind.as_str(), c.origin.as_str(), c.user.clone().unwrap(), c.keys.len()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("set", "local", "alice".to_owned(), 1),
                ("invalidate", "local", "alice".to_owned(), 1),
                ("invalidate", "tab", "alice".to_owned(), 1),
                ("clear", "local", "alice".to_owned(), 1),
                ("set", "local", "bob".to_owned(), 1)
            ]
        );
    }
}
