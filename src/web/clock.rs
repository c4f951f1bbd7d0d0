//! The browser's clock.

use std::cell::Cell;

use crate::core::{Clock, Millis};

thread_local! {
    /// The time the facade read just before the call that runs now, if it passed one ([`at`]).
    static GIVEN: Cell<Option<Millis>> = const { Cell::new(None) };
}

/// Reads `Date.now()`: wall-clock milliseconds, the same timeline as persisted entries will use;
/// during [`at`], the time the facade read.
#[derive(Clone, Copy, Debug, Default)]
pub struct DateClock;

impl Clock for DateClock {
    fn now(&self) -> Millis {
        // Date.now() is a whole, non-negative number of milliseconds; `as` saturates anything odd.
        GIVEN.with(Cell::get).unwrap_or_else(|| js_sys::Date::now() as Millis)
    }
}

/// Runs `f` with `now`, the facade's `Date.now()` read just before the call, as the clock's time:
/// the hot calls take it as an argument, which costs less than a call out of the wasm to read it.
/// A call made from inside `f` (app code a write runs, such as a value's getters) keeps its own.
pub fn at<T>(now: f64, f: impl FnOnce() -> T) -> T {
    let outer = GIVEN.with(|given| given.replace(Some(now as Millis)));
    let result = f();
    GIVEN.with(|given| given.set(outer));
    result
}
