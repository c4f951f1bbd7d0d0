//! The index that makes invalidation cost what it touches, not what the cache holds.
//!
//! Keys are kept sorted, so a prefix (or the literal start of a `*` pattern) is a range scan;
//! tags map to the keys that carry them.

use std::collections::BTreeSet;

use super::hash::FastMap;
use std::ops::Bound;

use super::target::Target;

/// Sorted keys and a tag → keys map.
#[derive(Debug, Default)]
pub struct KeyIndex {
    keys: BTreeSet<String>,
    tags: FastMap<String, BTreeSet<String>>,
}

impl KeyIndex {
    /// Records `key` with its `tags`.
    pub fn insert(&mut self, key: &str, tags: &[String]) {
        if !self.keys.contains(key) {
            self.keys.insert(key.to_owned());
        }
        for tag in tags {
            // Look up before `entry`, which would copy the tag even when it is already known.
            match self.tags.get_mut(tag) {
                Some(keys) => keys.insert(key.to_owned()),
                None => self.tags.entry(tag.clone()).or_default().insert(key.to_owned()),
            };
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
        match target {
            Target::Key(key) => self.keys.get(key).cloned().into_iter().collect(),
            Target::Prefix(prefix) => self.starting_with(prefix).cloned().collect(),
            Target::Pattern(pattern) => {
                self.starting_with(pattern.literal_prefix()).filter(|key| pattern.matches(key)).cloned().collect()
            }
            Target::Tags(tags) => {
                let mut keys: BTreeSet<&String> = BTreeSet::new();
                for tag in tags {
                    keys.extend(self.tags.get(tag).into_iter().flatten());
                }
                keys.into_iter().cloned().collect()
            }
            Target::All => self.keys.iter().cloned().collect(),
        }
    }

    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.keys
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |key| key.starts_with(prefix))
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
    fn prefix_is_a_range_that_stops_at_the_first_non_match() {
        assert_eq!(
            index().matching(&Target::Prefix("assets:shop1".into())),
            ["assets:shop10:fonts", "assets:shop1:colors", "assets:shop1:fonts"] // '0' sorts before ':'
        );
        assert_eq!(index().matching(&Target::Prefix("assets:shop1:".into())).len(), 2);
        assert!(index().matching(&Target::Prefix("zzz".into())).is_empty());
    }

    #[test]
    fn patterns_search_their_literal_prefix_then_match() {
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
}
