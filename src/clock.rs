//! Where "now" comes from. Expiry, token lifetimes and pricing read time here, never from the
//! system directly, so tests can move time instead of sleeping.

use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// A source of the current UTC time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time, in UTC.
    fn now(&self) -> OffsetDateTime;

    /// The current time in Unix milliseconds, the unit the stores keep.
    fn now_ms(&self) -> i64 {
        ms(self.now())
    }
}

/// A time in Unix milliseconds (the inverse of [`at_ms`]).
pub fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: time::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The clock handle the domains share.
pub type SharedClock = Arc<dyn Clock>;

/// A stored time (Unix milliseconds) cut to its whole second, for the views that have always
/// shown it so (an event's schedule, an account's creation): their JSON stays as it was.
pub fn at_second(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A timestamp from Unix milliseconds (the stores keep times so; the API shows RFC 3339).
pub fn at_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
