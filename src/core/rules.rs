//! Which invalidation an app event triggers.
//!
//! Each `rules` call adds a group: names mapped to rules (the caller's type `R`: targets or
//! functions of the event detail) and, optionally, a fallback. Lookup order for an event name:
//! 1. a rule for exactly that name (the newest group's, when several have one);
//! 2. a rule whose name is a `*` pattern matching it (`"ai-asset-*"`), newest group first;
//! 3. a fallback, when the name belongs to a family its group declares: the text up to and
//!    including the name's first `:` is the prefix of one of that group's rule names
//!    (`action:create_client` declares `action:`, so `action:unknown` falls back: the seeds'
//!    "refresh every common list"); newest group first;
//! 4. nothing.
//!
//! Removing a group takes back exactly its rules and fallback; older ones show through again.

use super::target::Pattern;

/// Names one `extend` call, for [`Rules::remove`].
pub type GroupId = u32;

/// Event-name rules and fallbacks, in groups.
#[derive(Debug)]
pub struct Rules<R> {
    groups: Vec<Group<R>>,
    next_id: GroupId,
}

#[derive(Debug)]
struct Group<R> {
    id: GroupId,
    /// Rules by exact name, each name once. A list, as `patterns`: a group holds a few rules,
    /// and std's `HashMap` brought SipHash and its random keys into the wasm.
    exact: Vec<(String, R)>,
    patterns: Vec<(String, Pattern, R)>,
    fallback: Option<R>,
}

impl<R> Group<R> {
    fn declares(&self, family: &str) -> bool {
        let exact = self.exact.iter().map(|(name, _)| name);
        exact.chain(self.patterns.iter().map(|(name, _, _)| name)).any(|name| name.starts_with(family))
    }
}

impl<R> Default for Rules<R> {
    fn default() -> Self {
        Rules { groups: Vec::new(), next_id: 1 }
    }
}

/// What an event name found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a, R> {
    /// Its own rule (exact or pattern).
    Rule(&'a R),
    /// The fallback of its family.
    Fallback(&'a R),
    /// Nothing to do.
    Nothing,
}

impl<R> Rules<R> {
    /// Adds a group of `rules` (within it, a later rule for the same name replaces the earlier)
    /// and its `fallback`; returns the group's id.
    pub fn extend(&mut self, rules: Vec<(String, R)>, fallback: Option<R>) -> GroupId {
        let mut group = Group { id: self.next_id, exact: Vec::new(), patterns: Vec::new(), fallback };
        self.next_id = self.next_id.wrapping_add(1);
        for (name, rule) in rules {
            if name.contains('*') {
                group.patterns.retain(|(existing, _, _)| *existing != name);
                let pattern = Pattern::new(&name);
                group.patterns.push((name, pattern, rule));
            } else {
                group.exact.retain(|(existing, _)| *existing != name);
                group.exact.push((name, rule));
            }
        }
        let id = group.id;
        self.groups.push(group);
        id
    }

    /// Takes back the rules and fallback of group `id` (nothing when it is gone already).
    pub fn remove(&mut self, id: GroupId) {
        self.groups.retain(|group| group.id != id);
    }

    /// The rule `name` triggers.
    pub fn find(&self, name: &str) -> Found<'_, R> {
        let newest_first = || self.groups.iter().rev();
        let exact = newest_first().find_map(|group| group.exact.iter().find(|(exact, _)| exact == name));
        if let Some((_, rule)) = exact {
            return Found::Rule(rule);
        }
        let pattern = newest_first().find_map(|group| {
            group.patterns.iter().find(|(_, pattern, _)| pattern.matches(name)).map(|(_, _, rule)| rule)
        });
        if let Some(rule) = pattern {
            return Found::Rule(rule);
        }
        let Some(family) = family(name) else { return Found::Nothing };
        newest_first()
            .find_map(|group| group.fallback.as_ref().filter(|_| group.declares(family)))
            .map_or(Found::Nothing, Found::Fallback)
    }
}

/// The family of an event name: the text through its first `:`, if it has one.
fn family(name: &str) -> Option<&str> {
    name.find(':').and_then(|at| name.get(..=at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules<&'static str> {
        let mut rules = Rules::default();
        rules.extend(
            vec![
                ("action:create_client".into(), "clients"),
                ("action:create_session".into(), "sessions"),
                ("ai-asset-*".into(), "assets"),
                ("token-balance-updated".into(), "balance"),
            ],
            Some("all lists"),
        );
        rules
    }

    #[test]
    fn exact_names_then_patterns() {
        let rules = rules();
        assert_eq!(rules.find("action:create_client"), Found::Rule(&"clients"));
        assert_eq!(rules.find("ai-asset-created"), Found::Rule(&"assets"));
        assert_eq!(rules.find("ai-asset-deleted"), Found::Rule(&"assets"));
        assert_eq!(rules.find("token-balance-updated"), Found::Rule(&"balance"));
    }

    #[test]
    fn unknown_names_of_a_declared_family_fall_back_others_do_nothing() {
        let rules = rules();
        assert_eq!(rules.find("action:delete_everything"), Found::Fallback(&"all lists"));
        assert_eq!(rules.find("ui:toggle"), Found::Nothing, "no rule declares ui:");
        assert_eq!(rules.find("page-view"), Found::Nothing, "no family at all");
    }

    #[test]
    fn each_fallback_serves_the_families_of_its_own_group() {
        let mut rules = rules();
        rules.extend(vec![("chat:asked".into(), "chat")], Some("chat history"));
        assert_eq!(rules.find("chat:unknown"), Found::Fallback(&"chat history"));
        assert_eq!(rules.find("action:unknown"), Found::Fallback(&"all lists"), "the newer fallback is chat:'s only");
    }

    #[test]
    fn removing_a_group_takes_back_its_rules_and_fallback_only() {
        let mut rules = rules();
        let newer = rules
            .extend(vec![("action:create_client".into(), "clients v2"), ("ui:*".into(), "ui")], Some("ui fallback"));
        assert_eq!(rules.find("action:create_client"), Found::Rule(&"clients v2"));
        rules.remove(newer);
        assert_eq!(rules.find("action:create_client"), Found::Rule(&"clients"), "the older rule shows through again");
        assert_eq!(rules.find("ui:toggle"), Found::Nothing);
        assert_eq!(rules.find("action:other"), Found::Fallback(&"all lists"));
        rules.remove(newer);
        assert_eq!(rules.find("ai-asset-created"), Found::Rule(&"assets"), "removing twice changes nothing");
    }

    #[test]
    fn later_rules_replace_earlier_ones_and_the_fallback_is_kept_unless_given() {
        let mut rules = rules();
        rules.extend(vec![("action:create_client".into(), "clients v2"), ("ai-asset-*".into(), "assets v2")], None);
        assert_eq!(rules.find("action:create_client"), Found::Rule(&"clients v2"));
        assert_eq!(rules.find("ai-asset-created"), Found::Rule(&"assets v2"));
        assert_eq!(rules.find("action:other"), Found::Fallback(&"all lists"));
        let empty: Rules<&str> = Rules::default();
        assert_eq!(empty.find("action:x"), Found::Nothing);
    }

    #[test]
    fn within_a_group_the_last_rule_for_a_name_wins() {
        let mut rules = Rules::default();
        let named_twice =
            vec![("a:x".into(), "first"), ("p*".into(), "p1"), ("a:x".into(), "second"), ("p*".into(), "p2")];
        rules.extend(named_twice, None);
        assert_eq!(rules.find("a:x"), Found::Rule(&"second"));
        assert_eq!(rules.find("pq"), Found::Rule(&"p2"));
        assert_eq!(rules.groups[0].exact.len(), 1, "the earlier rule is gone, not shadowed");
    }
}
