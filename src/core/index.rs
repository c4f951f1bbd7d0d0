//! The index that answers which keys an invalidation or removal target applies to.
//!
//! Keys in a hash set, and tags mapped to the keys that carry them: a write of a new key costs
//! the same whatever the cache holds. A key or tags target is looked up; a prefix, a pattern or
//! `all` scans the keys, so an invalidation by prefix costs what the cache holds — it is rarer
//! than a write, and a scan of 10,000 short keys is tens of microseconds. Results come sorted.
//! (A sorted `Vec` made every new key move the keys after it, a `BTreeSet` weighed 14.8 KB of
//! the wasm: D-80 in docs/decisions.md.)

use super::hash::{KeyMap, KeySet};
use super::sort::sorted;
use super::target::Target;

/// Every key, and a tag → keys map.
#[derive(Debug, Default)]
pub struct KeyIndex {
    keys: KeySet,
    tags: KeyMap<KeySet>,
}

impl KeyIndex {
    /// Records `key` with its `tags`.
    pub fn insert(&mut self, key: &str, tags: &[String]) {
        self.keys.add(key);
        for tag in tags {
            if let Some(keys) = self.tags.get_or_insert_with(tag, KeySet::default) {
                keys.add(key);
            }
        }
    }

    /// Forgets `key` and its `tags`.
    pub fn remove(&mut self, key: &str, tags: &[String]) {
        self.keys.remove(key);
        for tag in tags {
            if let Some(keys) = self.tags.get_mut(tag) {
                keys.remove(key);
                if keys.is_empty() {
                    self.tags.remove(tag);
                }
            }
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.tags.clear();
    }

    /// The keys `target` applies to, sorted and without duplicates.
    pub fn matching(&self, target: &Target) -> Vec<String> {
        let found: Vec<String> = match target {
            Target::Key(key) => return self.keys.get_key(key).cloned().into_iter().collect(),
            Target::Prefix(prefix) => {
                self.keys.keys().filter(|key| key.starts_with(prefix.as_str())).cloned().collect()
            }
            Target::Pattern(pattern) => self.keys.keys().filter(|key| pattern.matches(key)).cloned().collect(),
            Target::Tags(tags) => {
                let found: Vec<String> =
                    tags.iter().filter_map(|tag| self.tags.get(tag)).flat_map(KeySet::keys).cloned().collect();
                let mut found = sorted(found);
                found.dedup(); // a key carrying two of the tags, or a tag named twice
                return found;
            }
            Target::All => self.keys.keys().cloned().collect(),
        };
        sorted(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::target::Pattern;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    fn index() -> KeyIndex {
        let mut index = KeyIndex::default();
        index.insert("assets:shop1:fonts", &tags(&["assets"]));
        index.insert("assets:shop1:colors", &tags(&["assets", "palette"]));
        index.insert("assets:shop2:fonts", &tags(&["assets"]));
        index.insert("assets:shop10:fonts", &[]);
        index.insert("balance", &tags(&["balance"]));
        index
    }

    #[test]
    fn prefix_matches_every_key_starting_with_it_in_byte_order() {
        assert_eq!(
            index().matching(&Target::Prefix("assets:shop1".into())),
            ["assets:shop10:fonts", "assets:shop1:colors", "assets:shop1:fonts"] // '0' sorts before ':'
        );
        assert_eq!(index().matching(&Target::Prefix("assets:shop1:".into())).len(), 2);
        assert!(index().matching(&Target::Prefix("zzz".into())).is_empty());
    }

    #[test]
    fn patterns_match_whole_keys() {
        let fonts = Target::Pattern(Pattern::new("assets:*:fonts"));
        assert_eq!(index().matching(&fonts), ["assets:shop10:fonts", "assets:shop1:fonts", "assets:shop2:fonts"]);
    }

    #[test]
    fn tags_are_a_union_without_duplicates() {
        let found = index().matching(&Target::Tags(tags(&["palette", "assets"])));
        assert_eq!(found, ["assets:shop1:colors", "assets:shop1:fonts", "assets:shop2:fonts"]);
        assert!(index().matching(&Target::Tags(tags(&["nope"]))).is_empty());
    }

    #[test]
    fn key_and_all() {
        assert_eq!(index().matching(&Target::Key("balance".into())), ["balance"]);
        assert!(index().matching(&Target::Key("missing".into())).is_empty());
        assert_eq!(index().matching(&Target::All).len(), 5);
    }

    #[test]
    fn removal_forgets_key_and_empty_tags() {
        let mut index = index();
        index.remove("balance", &tags(&["balance"]));
        assert!(index.matching(&Target::Tags(tags(&["balance"]))).is_empty());
        assert!(!index.tags.contains_key("balance"), "empty tag sets are dropped");
        assert_eq!(index.matching(&Target::All).len(), 4);
    }

    #[test]
    fn a_prefix_between_keys_or_past_them_finds_nothing() {
        assert!(KeyIndex::default().matching(&Target::Prefix("a".into())).is_empty(), "empty index");
        assert!(index().matching(&Target::Prefix("assets:shop3".into())).is_empty(), "between two keys");
        assert!(index().matching(&Target::Prefix("0".into())).is_empty(), "before the first key");
        assert!(index().matching(&Target::Prefix("balance:".into())).is_empty(), "longer than the last key");
    }

    #[test]
    fn a_prefix_can_end_at_the_last_key_and_an_empty_one_covers_all() {
        assert_eq!(index().matching(&Target::Prefix("bal".into())), ["balance"]);
        assert_eq!(index().matching(&Target::Prefix("balance".into())), ["balance"], "the key itself");
        let everything = index().matching(&Target::All);
        assert_eq!(index().matching(&Target::Pattern(Pattern::new("*"))), everything, "literal prefix \"\"");
        assert_eq!(everything.len(), 5);
        assert!(everything.windows(2).all(|pair| pair[0] < pair[1]), "sorted: {everything:?}");
    }

    #[test]
    fn inserting_twice_keeps_one_copy() {
        let mut index = index();
        index.insert("balance", &tags(&["balance", "balance"]));
        index.insert("assets:shop1:fonts", &tags(&["palette"]));
        assert_eq!(index.matching(&Target::All).len(), 5);
        assert_eq!(index.matching(&Target::Tags(tags(&["balance"]))), ["balance"]);
        assert_eq!(index.matching(&Target::Tags(tags(&["palette"]))), ["assets:shop1:colors", "assets:shop1:fonts"]);
        assert_eq!(index.matching(&Target::Tags(tags(&["palette", "palette"]))).len(), 2, "a tag named twice");
    }

    #[test]
    fn removing_what_is_not_there_changes_nothing() {
        let mut index = index();
        index.remove("missing", &tags(&["assets", "nope"]));
        index.remove("balance", &tags(&["assets"])); // the key goes; "assets" never held it
        assert_eq!(index.matching(&Target::All).len(), 4);
        assert_eq!(index.matching(&Target::Tags(tags(&["assets"]))).len(), 3);
        assert_eq!(index.matching(&Target::Tags(tags(&["balance"]))), ["balance"], "tags are the caller's to name");
        index.remove("balance", &tags(&["balance"]));
        index.remove("balance", &tags(&["balance"]));
        assert!(!index.tags.contains_key("balance"));
        assert_eq!(index.matching(&Target::All).len(), 4);
    }

    /// The index answers as `BTreeSet`s would (its first form), over a seeded random walk of
    /// inserts and removals with tags.
    #[test]
    fn answers_as_ordered_sets_would() {
        use std::collections::{BTreeMap, BTreeSet};
        let mut index = KeyIndex::default();
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let mut tagged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let parts = ["a", "ab", "b", ":", "é", "z"];
        for _ in 0..3_000 {
            let key: String = (0..1 + next(4)).map(|_| parts[next(6) as usize]).collect();
            let key_tags = tags(&[["t0", "t1", "t2"][next(3) as usize]]);
            if next(3) == 0 {
                index.remove(&key, &key_tags);
                keys.remove(&key);
                tagged.get_mut(&key_tags[0]).map(|set| set.remove(&key));
            } else {
                index.insert(&key, &key_tags);
                keys.insert(key.clone());
                tagged.entry(key_tags[0].clone()).or_default().insert(key);
            }
            let prefix: String = (0..next(3)).map(|_| parts[next(6) as usize]).collect();
            let expected: Vec<&String> = keys.iter().filter(|key| key.starts_with(&prefix)).collect();
            assert_eq!(index.matching(&Target::Prefix(prefix.clone())).iter().collect::<Vec<_>>(), expected);
            let wanted = tags(&["t0", "t2"]);
            let union: BTreeSet<&String> = wanted.iter().filter_map(|tag| tagged.get(tag)).flatten().collect();
            assert_eq!(index.matching(&Target::Tags(wanted)).iter().collect::<Vec<_>>(), Vec::from_iter(union));
        }
        assert_eq!(index.matching(&Target::All), Vec::from_iter(keys));
    }
}
