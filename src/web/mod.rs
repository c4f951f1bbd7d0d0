//! The browser room: everything that touches a browser API. All access is fallible.

pub mod channel;
pub mod clock;
pub mod envelope;
pub mod events;
pub mod idb;
pub mod local;
pub mod microtask;
pub mod names;
pub mod version;

pub use clock::DateClock;
pub use idb::IdbStore;
pub use local::LocalStore;
pub use version::Versioning;
