//! What an invalidation or removal applies to: a key, a prefix, a `*` pattern, tags, or all.

use super::error::{CacheError, ErrorCode};
use super::key::validate_key;

const EMPTY_PREFIX: CacheError = CacheError::new(ErrorCode::InvalidTarget, "a prefix must not be empty");
const EMPTY_TAGS: CacheError = CacheError::new(ErrorCode::InvalidTarget, "tags must be a non-empty list of strings");

/// Which entries an operation applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Exactly this key.
    Key(String),
    /// Every key starting with this text.
    Prefix(String),
    /// Every key matching a pattern where `*` stands for any run of characters.
    Pattern(Pattern),
    /// Every entry carrying at least one of these tags.
    Tags(Vec<String>),
    /// Every entry of the current scope.
    All,
}

impl Target {
    /// A key target, validated like any key.
    pub fn key(key: &str) -> Result<Target, CacheError> {
        validate_key(key)?;
        Ok(Target::Key(key.to_owned()))
    }

    /// A prefix target; an empty prefix is refused (say `all` when you mean all).
    pub fn prefix(prefix: &str) -> Result<Target, CacheError> {
        if prefix.is_empty() {
            return Err(EMPTY_PREFIX);
        }
        validate_key(prefix)?;
        Ok(Target::Prefix(prefix.to_owned()))
    }

    /// A `*` pattern target.
    pub fn pattern(pattern: &str) -> Result<Target, CacheError> {
        validate_key(pattern)?;
        Ok(Target::Pattern(Pattern::new(pattern)))
    }

    /// A tags target; at least one tag, none empty.
    pub fn tags(tags: Vec<String>) -> Result<Target, CacheError> {
        if tags.is_empty() || tags.iter().any(String::is_empty) {
            return Err(EMPTY_TAGS);
        }
        Ok(Target::Tags(tags))
    }
}

impl Target {
    /// Whether this target covers an entry (or a fetch in flight) of `key` carrying `tags`.
    pub fn covers(&self, key: &str, tags: &[String]) -> bool {
        match self {
            Target::Key(k) => k == key,
            Target::Prefix(prefix) => key.starts_with(prefix.as_str()),
            Target::Pattern(pattern) => pattern.matches(key),
            Target::Tags(wanted) => wanted.iter().any(|tag| tags.contains(tag)),
            Target::All => true,
        }
    }
}

/// A key pattern where `*` matches any run of characters (`:` included), e.g. `assets:shop1:*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    parts: Vec<String>,
}

impl Pattern {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Pattern {
        Pattern { parts: pattern.split('*').map(str::to_owned).collect() }
    }

    /// The text every match starts with (what precedes the first `*`): the index range to search.
    pub fn literal_prefix(&self) -> &str {
        self.parts.first().map_or("", String::as_str)
    }

    /// Whether `key` matches.
    pub fn matches(&self, key: &str) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return false; // unreachable: split yields at least one part
        };
        let Some(mut remaining) = key.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return remaining.is_empty(); // no `*`: the pattern is a plain key
        };
        for part in middle {
            match after_first(remaining, part) {
                Some(rest) => remaining = rest,
                None => return false,
            }
        }
        remaining.len() >= last.len() && remaining.ends_with(last.as_str())
    }
}

/// What follows the first occurrence of `needle` in `haystack`. A plain byte search: keys are
/// short, and `str::split_once`'s two-way searcher (with its panic paths) is kilobytes of wasm
/// (D-24 in docs/decisions.md).
/// A match of valid UTF-8 in valid UTF-8 always ends on a char boundary, so `get` never fails.
fn after_first<'a>(haystack: &'a str, needle: &str) -> Option<&'a str> {
    if needle.is_empty() {
        return Some(haystack); // `**`: an empty literal matches anywhere
    }
    let at = haystack.as_bytes().windows(needle.len()).position(|window| window == needle.as_bytes())?;
    haystack.get(at + needle.len()..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, key: &str) -> bool {
        Pattern::new(pattern).matches(key)
    }

    #[test]
    fn trailing_star_is_a_prefix() {
        assert!(matches("assets:shop1:*", "assets:shop1:fonts"));
        assert!(matches("assets:shop1:*", "assets:shop1:"));
        assert!(!matches("assets:shop1:*", "assets:shop2:fonts"));
        assert_eq!(Pattern::new("assets:shop1:*").literal_prefix(), "assets:shop1:");
    }

    #[test]
    fn inner_and_leading_stars() {
        assert!(matches("assets:*:fonts", "assets:shop1:fonts"));
        assert!(matches("assets:*:fonts", "assets:a:b:fonts"));
        assert!(!matches("assets:*:fonts", "assets:shop1:colors"));
        assert!(matches("*:balance", "u1:balance"));
        assert!(!matches("*:balance", "u1:balances"));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "acb"));
        assert!(matches("*", "anything"));
        assert!(matches("a**c", "abc"), "an empty literal between stars matches anywhere");
        assert!(matches("é*ü*ß", "éaüüß"), "multi-byte literals");
        assert!(!matches("é*ü*ß", "éaß"));
    }

    #[test]
    fn overlapping_literals_do_not_double_count() {
        assert!(!matches("ab*ba", "aba"), "the two literals may not share characters");
        assert!(matches("ab*ba", "abba"));
    }

    #[test]
    fn no_star_is_an_exact_key() {
        assert!(matches("balance", "balance"));
        assert!(!matches("balance", "balance2"));
    }

    #[test]
    fn targets_cover_keys_and_tags_without_an_index() {
        let tags = ["balance".to_owned()];
        assert!(Target::key("a:b").unwrap().covers("a:b", &[]));
        assert!(!Target::key("a:b").unwrap().covers("a:bc", &[]));
        assert!(Target::prefix("a:").unwrap().covers("a:b", &[]));
        assert!(!Target::prefix("a:").unwrap().covers("b:a:", &[]));
        assert!(Target::pattern("a:*:c").unwrap().covers("a:b:c", &[]));
        assert!(Target::tags(vec!["x".into(), "balance".into()]).unwrap().covers("k", &tags));
        assert!(!Target::tags(vec!["x".into()]).unwrap().covers("k", &tags));
        assert!(Target::All.covers("anything", &[]));
    }

    #[test]
    fn targets_are_validated() {
        assert_eq!(Target::prefix("").unwrap_err().code, ErrorCode::InvalidTarget);
        assert_eq!(Target::key("").unwrap_err().code, ErrorCode::InvalidKey);
        assert_eq!(Target::tags(vec![]).unwrap_err().code, ErrorCode::InvalidTarget);
        assert_eq!(Target::tags(vec![String::new()]).unwrap_err().code, ErrorCode::InvalidTarget);
        assert_eq!(Target::tags(vec!["balance".into()]), Ok(Target::Tags(vec!["balance".into()])));
    }
}
