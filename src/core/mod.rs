//! The pure core: everything cachebus decides, with no browser in sight.

pub mod change;
pub mod clock;
pub mod engine;
pub mod entry;
pub mod error;
pub mod fetch;
pub mod freshness;
pub mod hash;
pub mod index;
pub mod key;
pub mod message;
pub mod mutation;
pub mod push;
pub mod rules;
pub mod sort;
pub mod stats;
pub mod store;
pub mod tag_lists;
pub mod target;
pub mod tier;

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod seeded;

pub use change::{Change, ChangeKind, Origin};
pub use clock::{Clock, ManualClock, Millis};
pub use engine::{Defaults, Engine, EngineOptions, OnDisk, Peeked, SetOptions, Stores};
pub use entry::{EntryMeta, Tags};
pub use error::{CacheError, ErrorCode};
pub use fetch::{Fate, FetchId, FetchOptions, FetchTable, Plan};
pub use freshness::{Freshness, State, Ttl};
pub use key::{validate_key, Scope, STORAGE_PREFIX};
pub use message::{check, valid_event_name, IdbChange, Message, Received, Request};
pub use mutation::{MutationId, Mutations, Outcome, Show};
pub use push::{PushLedger, PushSource};
pub use rules::{Found, Rules};
pub use stats::{Diagnostic, Stats, TierUsage};
pub use store::{Store, StoreError};
pub use tag_lists::TagLists;
pub use target::{Pattern, Target};
pub use tier::Tier;
