//! How long an entry lives.
//!
//! A [`Ttl`] is parsed from the number JS gives (`ttlMs`) and turned into a [`Freshness`] when an
//! entry is written. Expiry is a comparison with the injected clock's time, nothing more.

use super::clock::Millis;
use super::error::{CacheError, ErrorCode};

const INVALID_TTL: CacheError =
    CacheError::new(ErrorCode::InvalidTtl, "ttlMs must be a number >= 0 (Infinity: never expires)");

/// How long an entry stays readable after it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// Readable for this many milliseconds; `0` means expired at once.
    Millis(Millis),
    /// Never expires (JS `Infinity`).
    Forever,
}

impl Ttl {
    /// Parses a TTL from a JS number: finite values `>= 0` are rounded up to whole
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
}

/// When an entry was written and when it stops being readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// The clock's time at the write.
    pub updated_at: Millis,
    /// The first instant at which the entry is gone; `None` for entries that never expire.
    pub expires_at: Option<Millis>,
}

impl Freshness {
    /// The freshness of an entry written at `now` with `ttl`.
    pub fn starting(now: Millis, ttl: Ttl) -> Self {
        let expires_at = match ttl {
            Ttl::Millis(ms) => Some(now.saturating_add(ms)),
            Ttl::Forever => None,
        };
        Freshness { updated_at: now, expires_at }
    }

    /// Whether the entry is gone at `now` (the expiry instant itself counts as gone).
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn entry_expires_exactly_at_its_deadline() {
        let f = Freshness::starting(1_000, Ttl::Millis(30));
        assert_eq!(f.expires_at, Some(1_030));
        assert!(!f.is_expired(1_000));
        assert!(!f.is_expired(1_029));
        assert!(f.is_expired(1_030));
        assert!(f.is_expired(5_000));
    }

    #[test]
    fn zero_ttl_is_expired_at_once_and_forever_never() {
        assert!(Freshness::starting(7, Ttl::Millis(0)).is_expired(7));
        assert!(!Freshness::starting(7, Ttl::Forever).is_expired(Millis::MAX));
    }

    #[test]
    fn deadline_saturates_instead_of_overflowing() {
        let f = Freshness::starting(Millis::MAX - 1, Ttl::Millis(10));
        assert_eq!(f.expires_at, Some(Millis::MAX));
    }
}
