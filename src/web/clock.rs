//! The browser's clock.

use crate::core::{Clock, Millis};

/// Reads `Date.now()`: wall-clock milliseconds, the same timeline as persisted entries will use.
#[derive(Clone, Copy, Debug, Default)]
pub struct DateClock;

impl Clock for DateClock {
    fn now(&self) -> Millis {
        // Date.now() is a whole, non-negative number of milliseconds; `as` saturates anything odd.
        js_sys::Date::now() as Millis
    }
}
