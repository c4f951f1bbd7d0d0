//! The browser room: everything that touches a browser API. All access is fallible.

pub mod clock;

pub use clock::DateClock;
