//! The pure core: everything cachebus decides, with no browser in sight.

pub mod clock;
pub mod engine;
pub mod error;
pub mod freshness;
pub mod key;
pub mod memory;

pub use clock::{Clock, ManualClock, Millis};
pub use engine::{Engine, EngineOptions, SetOptions};
pub use error::{CacheError, ErrorCode};
pub use freshness::{Freshness, Ttl};
pub use key::{validate_key, Scope};
pub use memory::MemoryTier;
