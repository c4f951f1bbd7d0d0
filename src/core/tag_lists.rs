//! Tag lists named by number. A write's tags would otherwise cross from JS as strings on every
//! call (each one read, copied into wasm and allocated); once a list has a number, the facade
//! passes that number instead, and the write shares the list this table holds.
//!
//! The table is bounded: when it is full, naming one more list starts it over at number 0, and
//! whoever keeps numbers (the facade's `internal/tag-lists.ts`) forgets all of its own on seeing a
//! 0 for any list but its first. Only [`TagLists::name`] hands out numbers, so the two stay in step.

use super::entry::Tags;

/// How many lists the table names before it starts over: apps tag their queries with a few
/// lists, or with one per entity (`post:17`), thousands at most in a page's life.
pub const CAPACITY: usize = 4096;

/// Tag lists by number.
#[derive(Debug, Default)]
pub struct TagLists {
    lists: Vec<Tags>,
}

impl TagLists {
    /// Gives `tags` a number: the next one, or `0` after forgetting every other when the table is
    /// full. A list is not looked up first: the facade asks only for lists it has no number for.
    pub fn name(&mut self, tags: Tags) -> u32 {
        if self.lists.len() == CAPACITY {
            self.lists.clear();
        }
        self.lists.push(tags);
        // At most CAPACITY lists, so the index fits.
        (self.lists.len() - 1) as u32
    }

    /// The list named `number`, if the table holds one by that number.
    pub fn list(&self, number: u32) -> Option<&Tags> {
        self.lists.get(number as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(names: &[&str]) -> Tags {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn numbers_lists_in_order_and_answers_them() {
        let mut lists = TagLists::default();
        assert_eq!(lists.name(tags(&["a"])), 0);
        assert_eq!(lists.name(tags(&["a", "b"])), 1);
        assert_eq!(lists.list(0), Some(&tags(&["a"])));
        assert_eq!(lists.list(1), Some(&tags(&["a", "b"])));
        assert_eq!(lists.list(2), None);
    }

    #[test]
    fn starts_over_at_zero_when_full() {
        let mut lists = TagLists::default();
        for i in 0..CAPACITY {
            assert_eq!(lists.name(tags(&[&format!("t{i}")])), i as u32);
        }
        assert_eq!(lists.name(tags(&["new"])), 0, "a full table starts over");
        assert_eq!(lists.list(0), Some(&tags(&["new"])));
        assert_eq!(lists.list(1), None, "the lists named before are forgotten");
        assert_eq!(lists.name(tags(&["next"])), 1);
    }
}
