//! How long an entry is fresh, then stale, then gone.
//!
//! `staleMs` says how long an entry is fresh (served as is); after that it is stale (still served,
//! but marked so callers can revalidate). `ttlMs` says when it is gone. Both are durations from
//! the write, turned into instants by the injected clock; expiry is a comparison, nothing more.

use super::clock::Millis;
use super::error::{CacheError, ErrorCode};

const INVALID_TTL: CacheError =
    CacheError::new(ErrorCode::InvalidTtl, "ttlMs and staleMs must be numbers >= 0 (Infinity: never)");

/// A duration in milliseconds, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// This many milliseconds; `0` means at once.
    Millis(Millis),
    /// Never (JS `Infinity`).
    Forever,
}

impl Ttl {
    /// Parses a duration from a JS number: finite values `>= 0` are rounded up to whole
    /// milliseconds, `Infinity` means [`Ttl::Forever`]; negative numbers and NaN are refused.
    pub fn from_ms(ms: f64) -> Result<Ttl, CacheError> {
        if ms.is_nan() || ms < 0.0 {
            return Err(INVALID_TTL);
        }
        if ms.is_infinite() || ms >= Millis::MAX as f64 {
            return Ok(Ttl::Forever);
        }
        Ok(Ttl::Millis(ms.ceil() as Millis))
    }

    fn after(self, now: Millis) -> Option<Millis> {
        match self {
            Ttl::Millis(ms) => Some(now.saturating_add(ms)),
            Ttl::Forever => None,
        }
    }
}

/// What a reader sees of an entry at a given instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Serve as is.
    Fresh,
    /// Serve, but it should be refetched (its `staleMs` passed, or it was invalidated).
    Stale,
    /// Gone: reads miss.
    Expired,
}

impl State {
    /// The JS name (`"fresh"`, `"stale"`, `"expired"`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Fresh => "fresh",
            State::Stale => "stale",
            State::Expired => "expired",
        }
    }
}

/// When an entry was written, turns stale and expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// The clock's time at the write.
    pub updated_at: Millis,
    /// The instant of the latest change this entry reflects: its write, the start of the fetch
    /// that brought its value (the server answered as of then at the earliest), or its
    /// invalidation. Of two copies of an entry (two tabs, or a tab and the shared storage) the
    /// later `as_of` wins.
    pub as_of: Millis,
    /// The first instant at which the entry is stale; `None`: never stale on its own.
    pub stale_at: Option<Millis>,
    /// The first instant at which the entry is gone; `None`: never expires.
    pub expires_at: Option<Millis>,
}

impl Freshness {
    /// The freshness of an entry written at `now`, stale after `stale`, gone after `ttl`.
    pub fn starting(now: Millis, ttl: Ttl, stale: Ttl) -> Self {
        Freshness { updated_at: now, as_of: now, stale_at: stale.after(now), expires_at: ttl.after(now) }
    }

    /// The entry's state at `now` (each deadline instant itself already counts).
    pub fn state(&self, now: Millis) -> State {
        if self.expires_at.is_some_and(|at| now >= at) {
            State::Expired
        } else if self.stale_at.is_some_and(|at| now >= at) {
            State::Stale
        } else {
            State::Fresh
        }
    }

    /// Whether the entry is gone at `now`.
    pub fn is_expired(&self, now: Millis) -> bool {
        self.state(now) == State::Expired
    }

    /// Makes the entry stale from `now` on (invalidation); an earlier staleness is kept. The
    /// entry now reflects the change made at `now`.
    pub fn mark_stale(&mut self, now: Millis) {
        self.stale_at = Some(self.stale_at.map_or(now, |at| at.min(now)));
        self.as_of = self.as_of.max(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: Ttl = Ttl::Forever;

    #[test]
    fn ttl_accepts_zero_fractions_and_infinity() {
        assert_eq!(Ttl::from_ms(0.0), Ok(Ttl::Millis(0)));
        assert_eq!(Ttl::from_ms(1.2), Ok(Ttl::Millis(2)));
        assert_eq!(Ttl::from_ms(30_000.0), Ok(Ttl::Millis(30_000)));
        assert_eq!(Ttl::from_ms(f64::INFINITY), Ok(Ttl::Forever));
        assert_eq!(Ttl::from_ms(1e300), Ok(Ttl::Forever));
    }

    #[test]
    fn ttl_refuses_negative_and_nan() {
        for bad in [-1.0, -0.5, f64::NEG_INFINITY, f64::NAN] {
            assert_eq!(Ttl::from_ms(bad).unwrap_err().code, ErrorCode::InvalidTtl, "{bad}");
        }
    }

    #[test]
    fn fresh_then_stale_then_expired_at_exact_instants() {
        let f = Freshness::starting(1_000, Ttl::Millis(30), Ttl::Millis(10));
        assert_eq!((f.stale_at, f.expires_at), (Some(1_010), Some(1_030)));
        assert_eq!(f.state(1_000), State::Fresh);
        assert_eq!(f.state(1_009), State::Fresh);
        assert_eq!(f.state(1_010), State::Stale);
        assert_eq!(f.state(1_029), State::Stale);
        assert_eq!(f.state(1_030), State::Expired);
        assert!(f.is_expired(9_999));
    }

    #[test]
    fn expiry_wins_over_staleness() {
        let f = Freshness::starting(0, Ttl::Millis(5), Ttl::Millis(50));
        assert_eq!(f.state(5), State::Expired);
    }

    #[test]
    fn zero_ttl_is_expired_at_once_and_forever_never() {
        assert!(Freshness::starting(7, Ttl::Millis(0), NEVER).is_expired(7));
        assert_eq!(Freshness::starting(7, NEVER, NEVER).state(Millis::MAX), State::Fresh);
    }

    #[test]
    fn mark_stale_makes_stale_now_and_keeps_earlier_staleness() {
        let mut f = Freshness::starting(0, NEVER, NEVER);
        f.mark_stale(100);
        assert_eq!(f.state(100), State::Stale);
        assert_eq!(f.as_of, 100, "it reflects the invalidation");
        assert_eq!(f.state(99), State::Fresh, "staleness starts at the invalidation");
        let mut early = Freshness::starting(0, NEVER, Ttl::Millis(10));
        early.mark_stale(100);
        assert_eq!(early.stale_at, Some(10));
    }

    #[test]
    fn deadlines_saturate_instead_of_overflowing() {
        let f = Freshness::starting(Millis::MAX - 1, Ttl::Millis(10), Ttl::Millis(10));
        assert_eq!(f.expires_at, Some(Millis::MAX));
    }
}
