//! The memory tier: every entry lives here, holding the caller's value handle as is.
//!
//! Generic over `V`: the browser stores `JsValue`s (no serialisation of user data), native tests
//! store plain Rust values.

use std::collections::HashMap;

use super::clock::Millis;
use super::freshness::Freshness;

/// One cached value and its freshness.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<V> {
    /// The caller's value, untouched.
    pub value: V,
    /// When it was written and when it expires.
    pub freshness: Freshness,
}

/// Entries by key, with expiry applied on read.
#[derive(Debug)]
pub struct MemoryTier<V> {
    entries: HashMap<String, Entry<V>>,
}

impl<V> Default for MemoryTier<V> {
    fn default() -> Self {
        MemoryTier { entries: HashMap::new() }
    }
}

impl<V> MemoryTier<V> {
    /// Stores `entry` under `key`, replacing any previous one.
    pub fn insert(&mut self, key: &str, entry: Entry<V>) {
        match self.entries.get_mut(key) {
            Some(slot) => *slot = entry,
            None => {
                self.entries.insert(key.to_owned(), entry);
            }
        }
    }

    /// The live entry under `key` at `now`; an expired entry is dropped and reads as missing.
    pub fn live(&mut self, key: &str, now: Millis) -> Option<&Entry<V>> {
        if self.entries.get(key)?.freshness.is_expired(now) {
            self.entries.remove(key);
            return None;
        }
        self.entries.get(key)
    }

    /// How many entries are held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::freshness::Ttl;

    fn entry(value: u32, now: Millis, ttl: Ttl) -> Entry<u32> {
        Entry { value, freshness: Freshness::starting(now, ttl) }
    }

    #[test]
    fn insert_replaces_and_live_reads() {
        let mut tier = MemoryTier::default();
        tier.insert("a", entry(1, 0, Ttl::Forever));
        tier.insert("a", entry(2, 0, Ttl::Forever));
        assert_eq!(tier.len(), 1);
        assert_eq!(tier.live("a", 10).map(|e| e.value), Some(2));
        assert!(tier.live("missing", 10).is_none());
    }

    #[test]
    fn expired_entries_are_dropped_on_read() {
        let mut tier = MemoryTier::default();
        tier.insert("a", entry(1, 100, Ttl::Millis(50)));
        assert!(tier.live("a", 149).is_some());
        assert!(tier.live("a", 150).is_none());
        assert!(tier.is_empty(), "the expired entry is released, not kept");
    }
}
