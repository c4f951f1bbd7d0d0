//! Where an entry is kept besides memory.

use super::error::{CacheError, ErrorCode};

const INVALID_TIER: CacheError =
    CacheError::new(ErrorCode::InvalidTier, "tier must be \"memory\", \"local\" or \"idb\"");

/// The tier of an entry. Every entry lives in memory; `Local` and `Idb` are also persisted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Memory only: gone with the page.
    Memory,
    /// Also in localStorage (as JSON), hydrated into memory at start-up.
    Local,
    /// Also in IndexedDB (structured clone), read back on demand.
    Idb,
}

impl Tier {
    /// All tiers, in read order.
    pub const ALL: [Tier; 3] = [Tier::Memory, Tier::Local, Tier::Idb];

    /// Parses the JS name of a tier.
    pub fn parse(name: &str) -> Result<Tier, CacheError> {
        match name {
            "memory" => Ok(Tier::Memory),
            "local" => Ok(Tier::Local),
            "idb" => Ok(Tier::Idb),
            _ => Err(INVALID_TIER),
        }
    }

    /// The JS name of the tier.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Local => "local",
            Tier::Idb => "idb",
        }
    }

    /// Position in per-tier arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Ok(tier));
        }
        assert_eq!(Tier::parse("session").unwrap_err().code, ErrorCode::InvalidTier);
        assert_eq!(Tier::parse("Memory").unwrap_err().code, ErrorCode::InvalidTier);
    }
}
