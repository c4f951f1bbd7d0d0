//! Time, injected.
//!
//! The engine never reads the time itself: it asks a [`Clock`]. The browser plugs in `Date.now`
//! (see `web::clock`); tests drive a [`ManualClock`] by hand so expiry is tested without waiting.

use std::cell::Cell;
use std::rc::Rc;

/// Milliseconds since the Unix epoch (the unit of `Date.now()`).
pub type Millis = u64;

/// A source of the current time.
pub trait Clock {
    /// The current time in milliseconds since the Unix epoch.
    fn now(&self) -> Millis;
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now: Rc<Cell<Millis>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Millis) -> Self {
        ManualClock { now: Rc::new(Cell::new(start)) }
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.now.set(self.now.get().saturating_add(ms));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.now.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_time_and_advance_saturates() {
        let clock = ManualClock::new(1_000);
        let view = clock.clone();
        clock.advance(500);
        assert_eq!(view.now(), 1_500);
        clock.advance(Millis::MAX);
        assert_eq!(view.now(), Millis::MAX);
    }
}
