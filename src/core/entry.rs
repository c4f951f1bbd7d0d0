//! What the cache knows about an entry besides its value.

use super::freshness::Freshness;
use super::tier::Tier;

/// An entry's metadata: where it lives, how fresh it is, how it can be found, what it weighs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryMeta {
    /// Memory only, or also persisted in localStorage or IndexedDB.
    pub tier: Tier,
    /// Written, stale and expiry instants.
    pub freshness: Freshness,
    /// Labels for invalidation by tag.
    pub tags: Vec<String>,
    /// The server's validator for this value, if any.
    pub etag: Option<String>,
    /// Bytes the entry weighs against its tier's budget (as measured by the tier's store).
    pub size: usize,
}
