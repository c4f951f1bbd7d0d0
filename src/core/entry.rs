//! What the cache knows about an entry besides its value.

use std::rc::Rc;

use super::freshness::Freshness;
use super::tier::Tier;

/// An entry's tags: shared, not copied, by the entries and writes that carry the same list (the
/// lists a `set` names by number, `core::tag_lists`), and never changed in place.
pub type Tags = Rc<[String]>;

/// An entry's metadata: where it lives, how fresh it is, how it can be found, what it weighs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryMeta {
    /// Memory only, or also persisted in localStorage or IndexedDB.
    pub tier: Tier,
    /// Written, stale and expiry instants.
    pub freshness: Freshness,
    /// Labels for invalidation by tag.
    pub tags: Tags,
    /// The server's validator for this value, if any.
    pub etag: Option<String>,
    /// Which write put this value there: drawn at random per write, kept when only the metadata
    /// is rewritten (an invalidation, a 304). Two tabs holding the same id hold the same value;
    /// between two writes of the same instant, the larger id wins in every tab. `0` in entries
    /// written before it existed.
    pub write_id: u32,
    /// Bytes the entry weighs against its tier's budget (as measured by the tier's store).
    pub size: usize,
}
