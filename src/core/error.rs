//! Typed errors with stable codes.
//!
//! Every error the cache can raise on bad input is a [`CacheError`] carrying an [`ErrorCode`].
//! The code string is a public contract (JS code switches on `err.code`); messages are static
//! strings so no formatting machinery ends up in the shipped wasm.

use std::fmt;

/// What went wrong, as a stable machine-readable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The options given to `createCache` (or a method) are not an object of the right shape.
    InvalidOptions,
    /// The namespace is missing, empty, too long or holds a forbidden character.
    InvalidNamespace,
    /// The user id is empty, too long or holds a forbidden character.
    InvalidUser,
    /// The key is not a string, is empty, too long or holds a control character.
    InvalidKey,
    /// The TTL is not a number, is negative or NaN.
    InvalidTtl,
    /// The value cannot be cached: `undefined`, or a value its tier cannot encode (a cycle, a
    /// function or a BigInt for JSON; a function for structured clone).
    InvalidValue,
    /// The tier is not `"memory"`, `"local"` or `"idb"`.
    InvalidTier,
    /// An invalidation or removal target is malformed.
    InvalidTarget,
    /// Diagnostic: a persistent tier is full; the entry was kept in memory only.
    QuotaExceeded,
    /// Diagnostic: a persistent tier is missing or throws; the entry was kept in memory only.
    StorageUnavailable,
    /// Diagnostic: a persisted entry was unreadable or foreign; it was removed.
    CorruptEntry,
    /// The cache was closed; it accepts no more calls.
    Closed,
    /// The cache was called from code it was running (a `toJSON` or `migrate` of yours).
    Reentrant,
    /// Diagnostic: an `on` handler threw.
    HandlerError,
    /// Diagnostic: a rule threw or returned something that is not a target.
    RuleError,
    /// Diagnostic: an event's detail could not be sent to the other tabs (not cloneable).
    BroadcastFailed,
}

impl ErrorCode {
    /// The stable code string exposed to JS as `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOptions => "INVALID_OPTIONS",
            ErrorCode::InvalidNamespace => "INVALID_NAMESPACE",
            ErrorCode::InvalidUser => "INVALID_USER",
            ErrorCode::InvalidKey => "INVALID_KEY",
            ErrorCode::InvalidTtl => "INVALID_TTL",
            ErrorCode::InvalidValue => "INVALID_VALUE",
            ErrorCode::InvalidTier => "INVALID_TIER",
            ErrorCode::InvalidTarget => "INVALID_TARGET",
            ErrorCode::QuotaExceeded => "QUOTA_EXCEEDED",
            ErrorCode::StorageUnavailable => "STORAGE_UNAVAILABLE",
            ErrorCode::CorruptEntry => "CORRUPT_ENTRY",
            ErrorCode::Closed => "CLOSED",
            ErrorCode::Reentrant => "REENTRANT",
            ErrorCode::HandlerError => "HANDLER_ERROR",
            ErrorCode::RuleError => "RULE_ERROR",
            ErrorCode::BroadcastFailed => "BROADCAST_FAILED",
        }
    }
}

/// An error with a stable [`ErrorCode`] and a static, human-readable message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheError {
    /// The stable code.
    pub code: ErrorCode,
    /// A static explanation for people reading logs.
    pub message: &'static str,
}

impl CacheError {
    /// Builds an error from its code and message.
    pub const fn new(code: ErrorCode, message: &'static str) -> Self {
        CacheError { code, message }
    }
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for CacheError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_screaming_snake_case() {
        let all = [
            (ErrorCode::InvalidOptions, "INVALID_OPTIONS"),
            (ErrorCode::InvalidNamespace, "INVALID_NAMESPACE"),
            (ErrorCode::InvalidUser, "INVALID_USER"),
            (ErrorCode::InvalidKey, "INVALID_KEY"),
            (ErrorCode::InvalidTtl, "INVALID_TTL"),
            (ErrorCode::InvalidValue, "INVALID_VALUE"),
            (ErrorCode::InvalidTier, "INVALID_TIER"),
            (ErrorCode::InvalidTarget, "INVALID_TARGET"),
            (ErrorCode::QuotaExceeded, "QUOTA_EXCEEDED"),
            (ErrorCode::StorageUnavailable, "STORAGE_UNAVAILABLE"),
            (ErrorCode::CorruptEntry, "CORRUPT_ENTRY"),
            (ErrorCode::Closed, "CLOSED"),
            (ErrorCode::Reentrant, "REENTRANT"),
            (ErrorCode::HandlerError, "HANDLER_ERROR"),
            (ErrorCode::RuleError, "RULE_ERROR"),
            (ErrorCode::BroadcastFailed, "BROADCAST_FAILED"),
        ];
        for (code, text) in all {
            assert_eq!(code.as_str(), text);
        }
    }

    #[test]
    fn display_names_code_and_message() {
        let err = CacheError::new(ErrorCode::InvalidKey, "key must be a non-empty string");
        assert_eq!(err.to_string(), "INVALID_KEY: key must be a non-empty string");
    }
}
