//! The engine: one cache for one scope, with validation and expiry decided by the injected clock.

use super::clock::Clock;
use super::error::{CacheError, ErrorCode};
use super::freshness::{Freshness, Ttl};
use super::key::{validate_key, Scope};
use super::memory::{Entry, MemoryTier};

const CLOSED: CacheError = CacheError::new(ErrorCode::Closed, "the cache was closed");

/// How an [`Engine`] is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// Namespace and user that own the entries.
    pub scope: Scope,
    /// The TTL of writes that do not give one.
    pub default_ttl: Ttl,
}

/// Per-write options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// This write's TTL; `None` uses the engine's default.
    pub ttl: Option<Ttl>,
}

/// A cache of values `V` for one scope, timed by clock `C`.
#[derive(Debug)]
pub struct Engine<V, C> {
    options: EngineOptions,
    clock: C,
    memory: MemoryTier<V>,
    closed: bool,
}

impl<V, C: Clock> Engine<V, C> {
    /// An empty cache.
    pub fn new(options: EngineOptions, clock: C) -> Self {
        Engine { options, clock, memory: MemoryTier::default(), closed: false }
    }

    /// Namespace and user of this cache.
    pub fn scope(&self) -> &Scope {
        &self.options.scope
    }

    /// Stores `value` under `key`; it reads back until its TTL runs out.
    pub fn set(&mut self, key: &str, value: V, options: SetOptions) -> Result<(), CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let ttl = options.ttl.unwrap_or(self.options.default_ttl);
        let freshness = Freshness::starting(self.clock.now(), ttl);
        self.memory.insert(key, Entry { value, freshness });
        Ok(())
    }

    /// The value under `key`, or `None` when it is missing or expired.
    pub fn get(&mut self, key: &str) -> Result<Option<&V>, CacheError> {
        self.ensure_open()?;
        validate_key(key)?;
        let now = self.clock.now();
        Ok(self.memory.live(key, now).map(|entry| &entry.value))
    }

    /// Drops every entry and refuses further calls with [`ErrorCode::Closed`].
    pub fn close(&mut self) {
        self.memory.clear();
        self.closed = true;
    }

    fn ensure_open(&self) -> Result<(), CacheError> {
        if self.closed {
            return Err(CLOSED);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::ManualClock;

    fn engine(default_ttl: Ttl) -> (Engine<String, ManualClock>, ManualClock) {
        let clock = ManualClock::new(1_700_000_000_000);
        let options = EngineOptions { scope: Scope::new("shop", Some("u_42")).unwrap(), default_ttl };
        (Engine::new(options, clock.clone()), clock)
    }

    fn ttl(ms: u64) -> SetOptions {
        SetOptions { ttl: Some(Ttl::Millis(ms)) }
    }

    #[test]
    fn set_then_get_returns_the_value_until_the_ttl_runs_out() {
        let (mut cache, clock) = engine(Ttl::Forever);
        cache.set("balance", "100".into(), ttl(30_000)).unwrap();
        assert_eq!(cache.get("balance").unwrap().map(String::as_str), Some("100"));
        clock.advance(29_999);
        assert_eq!(cache.get("balance").unwrap().map(String::as_str), Some("100"));
        clock.advance(1);
        assert_eq!(cache.get("balance").unwrap(), None);
    }

    #[test]
    fn a_rewrite_restarts_the_ttl() {
        let (mut cache, clock) = engine(Ttl::Forever);
        cache.set("k", "old".into(), ttl(100)).unwrap();
        clock.advance(90);
        cache.set("k", "new".into(), ttl(100)).unwrap();
        clock.advance(90);
        assert_eq!(cache.get("k").unwrap().map(String::as_str), Some("new"));
    }

    #[test]
    fn writes_without_a_ttl_use_the_default() {
        let (mut cache, clock) = engine(Ttl::Millis(1_000));
        cache.set("k", "v".into(), SetOptions::default()).unwrap();
        clock.advance(999);
        assert!(cache.get("k").unwrap().is_some());
        clock.advance(1);
        assert!(cache.get("k").unwrap().is_none());
    }

    #[test]
    fn missing_keys_read_as_none() {
        let (mut cache, _) = engine(Ttl::Forever);
        assert_eq!(cache.get("nothing").unwrap(), None);
    }

    #[test]
    fn bad_keys_are_refused_and_nothing_is_stored() {
        let (mut cache, _) = engine(Ttl::Forever);
        assert_eq!(cache.set("", "v".into(), ttl(10)).unwrap_err().code, ErrorCode::InvalidKey);
        assert_eq!(cache.get("a\u{0}").unwrap_err().code, ErrorCode::InvalidKey);
        assert!(cache.memory.is_empty());
    }

    #[test]
    fn a_closed_cache_refuses_calls_and_drops_its_entries() {
        let (mut cache, _) = engine(Ttl::Forever);
        cache.set("k", "v".into(), ttl(10)).unwrap();
        cache.close();
        assert!(cache.memory.is_empty());
        assert_eq!(cache.get("k").unwrap_err().code, ErrorCode::Closed);
        assert_eq!(cache.set("k", "v".into(), ttl(10)).unwrap_err().code, ErrorCode::Closed);
    }

    #[test]
    fn scope_is_reported() {
        let (cache, _) = engine(Ttl::Forever);
        assert_eq!(cache.scope().namespace(), "shop");
        assert_eq!(cache.scope().user(), Some("u_42"));
    }
}
