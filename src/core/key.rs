//! Keys and scopes: what a caller may name, checked once at the boundary.
//!
//! A [`Scope`] is the namespace plus the (optional) signed-in user. Persistent tiers will prefix
//! every storage key with it, so neither part may contain the `:` separator. Keys themselves may
//! contain `:` (`assets:shop1:fonts` is the natural shape for prefix and pattern invalidation).

use super::error::{CacheError, ErrorCode};

/// Longest accepted namespace, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 64;
/// Longest accepted user id, in bytes of UTF-8.
pub const MAX_USER_LEN: usize = 128;
/// Longest accepted key, in bytes of UTF-8.
pub const MAX_KEY_LEN: usize = 1024;

const INVALID_NAMESPACE: CacheError =
    CacheError::new(ErrorCode::InvalidNamespace, "namespace must be 1-64 characters of A-Z a-z 0-9 _ . -");
const INVALID_USER: CacheError = CacheError::new(
    ErrorCode::InvalidUser,
    "user must be a string of 1-128 bytes with no ':' and no control characters",
);
const INVALID_KEY: CacheError =
    CacheError::new(ErrorCode::InvalidKey, "key must be a string of 1-1024 bytes with no control characters");

/// Who the cached entries belong to: an app namespace and, when signed in, a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    namespace: String,
    user: Option<String>,
}

impl Scope {
    /// Validates and builds a scope.
    pub fn new(namespace: &str, user: Option<&str>) -> Result<Scope, CacheError> {
        validate_namespace(namespace)?;
        if let Some(user) = user {
            validate_user(user)?;
        }
        Ok(Scope { namespace: namespace.to_owned(), user: user.map(str::to_owned) })
    }

    /// The app namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The text every string storage key of this scope starts with:
    /// `cachebus:{namespace}:{user}:` (an empty user segment when signed out). Users cannot
    /// contain `:` and are never empty, so no two scopes share a prefix.
    pub fn storage_prefix(&self) -> String {
        let mut prefix = String::with_capacity(STORAGE_PREFIX.len() + self.namespace.len() + 34);
        prefix.push_str(STORAGE_PREFIX);
        prefix.push_str(&self.namespace);
        prefix.push(':');
        prefix.push_str(self.user().unwrap_or(""));
        prefix.push(':');
        prefix
    }
}

/// What every storage key cachebus writes starts with; keys without it are never touched.
pub const STORAGE_PREFIX: &str = "cachebus:";

/// Checks a key given by the caller.
pub fn validate_key(key: &str) -> Result<(), CacheError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
        return Err(INVALID_KEY);
    }
    Ok(())
}

fn validate_namespace(namespace: &str) -> Result<(), CacheError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if namespace.is_empty() || namespace.len() > MAX_NAMESPACE_LEN || !namespace.chars().all(allowed) {
        return Err(INVALID_NAMESPACE);
    }
    Ok(())
}

fn validate_user(user: &str) -> Result<(), CacheError> {
    let forbidden = |c: char| c == ':' || c.is_control();
    if user.is_empty() || user.len() > MAX_USER_LEN || user.chars().any(forbidden) {
        return Err(INVALID_USER);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_may_hold_separators_and_unicode() {
        for ok in ["balance", "assets:shop1:*", "stores/42?x=1", "ключ", "a"] {
            assert_eq!(validate_key(ok), Ok(()), "{ok}");
        }
        assert_eq!(validate_key(&"k".repeat(MAX_KEY_LEN)), Ok(()));
    }

    #[test]
    fn keys_refuse_empty_overlong_and_control_characters() {
        let long = "k".repeat(MAX_KEY_LEN + 1);
        for bad in ["", "a\nb", "tab\there", "nul\0", long.as_str()] {
            assert_eq!(validate_key(bad).unwrap_err().code, ErrorCode::InvalidKey, "{bad:?}");
        }
    }

    #[test]
    fn scope_keeps_namespace_and_user() {
        let scope = Scope::new("shop", Some("u_42@example.com")).unwrap();
        assert_eq!(scope.namespace(), "shop");
        assert_eq!(scope.user(), Some("u_42@example.com"));
        assert_eq!(Scope::new("shop-2.v1", None).unwrap().user(), None);
    }

    #[test]
    fn storage_prefixes_separate_namespaces_users_and_signed_out() {
        let prefix = |ns: &str, user: Option<&str>| Scope::new(ns, user).unwrap().storage_prefix();
        assert_eq!(prefix("shop", Some("u_42")), "cachebus:shop:u_42:");
        assert_eq!(prefix("shop", None), "cachebus:shop::");
        let all =
            [prefix("shop", Some("a")), prefix("shop", Some("ab")), prefix("shop", None), prefix("shop2", Some("a"))];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert!(i == j || !b.starts_with(a.as_str()), "{a} is a prefix of {b}");
            }
        }
    }

    #[test]
    fn scope_refuses_bad_namespaces() {
        let long = "n".repeat(MAX_NAMESPACE_LEN + 1);
        for bad in ["", "has space", "a:b", "emoji🙂", long.as_str()] {
            assert_eq!(Scope::new(bad, None).unwrap_err().code, ErrorCode::InvalidNamespace, "{bad:?}");
        }
    }

    #[test]
    fn scope_refuses_bad_users() {
        let long = "u".repeat(MAX_USER_LEN + 1);
        for bad in ["", "a:b", "line\nbreak", long.as_str()] {
            assert_eq!(Scope::new("shop", Some(bad)).unwrap_err().code, ErrorCode::InvalidUser, "{bad:?}");
        }
    }
}
