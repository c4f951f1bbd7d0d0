//! Counters and diagnostics: what the cache did, for `stats()` and `cachebus:error` events.

use super::error::ErrorCode;
use super::tier::Tier;

/// Entries and bytes held in one tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierUsage {
    /// Entries of this tier.
    pub entries: usize,
    /// Bytes they weigh against the tier's budget.
    pub bytes: usize,
}

/// What `stats()` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Reads that found a fresh value.
    pub hits: u64,
    /// Reads that found nothing (or only an expired entry).
    pub misses: u64,
    /// Reads that found a stale value (served, marked stale).
    pub stale_hits: u64,
    /// Entries dropped to stay within a budget or make room after a quota error.
    pub evictions: u64,
    /// Persisted entries found unreadable, truncated or foreign, and removed.
    pub corrupt: u64,
    /// Persistent writes kept in memory only because their tier stayed full.
    pub quota_exceeded: u64,
    /// Persistent writes kept in memory only, and reads that found nothing to read, because their
    /// storage was missing or threw.
    pub storage_unavailable: u64,
    /// Messages from other tabs refused as malformed, foreign or oversized.
    pub rejected_messages: u64,
    /// Usage per tier, indexed by [`Tier::index`].
    pub tiers: [TierUsage; 3],
}

impl Stats {
    /// Usage of `tier`.
    pub fn tier(&self, tier: Tier) -> TierUsage {
        self.tiers[tier.index()]
    }
}

/// Something that went wrong without failing the call: reported as a `cachebus:error` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code (`QUOTA_EXCEEDED`, `STORAGE_UNAVAILABLE`, `CORRUPT_ENTRY`, …).
    pub code: ErrorCode,
    /// The key concerned, when there is one.
    pub key: Option<String>,
    /// The tier concerned, when there is one.
    pub tier: Option<Tier>,
}
