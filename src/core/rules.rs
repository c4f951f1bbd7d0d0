//! Which invalidation an app event triggers.
//!
//! A rules table maps event names to rules (the caller's type `R`: targets or functions of the
//! event detail). Lookup order for an event name:
//! 1. a rule for exactly that name;
//! 2. a rule whose name is a `*` pattern matching it (`"ai-asset-*"`);
//! 3. the fallback, when the name belongs to a declared family: the text up to and including
//!    its first `:` is the prefix of some rule's name (`action:create_client` declares
//!    `action:`, so `action:unknown` falls back: the seeds' "refresh every common list");
//! 4. nothing.

use std::collections::HashMap;

use super::target::Pattern;

/// Event-name rules and a fallback.
#[derive(Debug)]
pub struct Rules<R> {
    exact: HashMap<String, R>,
    patterns: Vec<(String, Pattern, R)>,
    fallback: Option<R>,
}

impl<R> Default for Rules<R> {
    fn default() -> Self {
        Rules { exact: HashMap::new(), patterns: Vec::new(), fallback: None }
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
    /// Adds `rules` (a later rule for the same name replaces the earlier) and, when given,
    /// replaces the fallback.
    pub fn extend(&mut self, rules: Vec<(String, R)>, fallback: Option<R>) {
        for (name, rule) in rules {
            if name.contains('*') {
                self.patterns.retain(|(existing, _, _)| *existing != name);
                let pattern = Pattern::new(&name);
                self.patterns.push((name, pattern, rule));
            } else {
                self.exact.insert(name, rule);
            }
        }
        if fallback.is_some() {
            self.fallback = fallback;
        }
    }

    /// The rule `name` triggers.
    pub fn find(&self, name: &str) -> Found<'_, R> {
        if let Some(rule) = self.exact.get(name) {
            return Found::Rule(rule);
        }
        if let Some((_, _, rule)) = self.patterns.iter().find(|(_, pattern, _)| pattern.matches(name)) {
            return Found::Rule(rule);
        }
        match (&self.fallback, family(name)) {
            (Some(fallback), Some(family)) if self.declares(family) => Found::Fallback(fallback),
            _ => Found::Nothing,
        }
    }

    fn declares(&self, family: &str) -> bool {
        self.exact.keys().chain(self.patterns.iter().map(|(name, _, _)| name)).any(|name| name.starts_with(family))
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
    fn later_rules_replace_earlier_ones_and_the_fallback_is_kept_unless_given() {
        let mut rules = rules();
        rules.extend(vec![("action:create_client".into(), "clients v2"), ("ai-asset-*".into(), "assets v2")], None);
        assert_eq!(rules.find("action:create_client"), Found::Rule(&"clients v2"));
        assert_eq!(rules.find("ai-asset-created"), Found::Rule(&"assets v2"));
        assert_eq!(rules.find("action:other"), Found::Fallback(&"all lists"));
        let empty: Rules<&str> = Rules::default();
        assert_eq!(empty.find("action:x"), Found::Nothing);
    }
}
