//! The mock clock: real time plus an offset that testers set through `POST /mock/clock`.
//!
//! Every time the server uses (code expiry, TOTP steps, locks, step-up) comes from
//! [`MockClock::now`], so tests move time instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest offset accepted, in either direction: 100 years.
pub const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 60 * 60;

/// Real time plus an offset in seconds.
#[derive(Debug, Default)]
pub struct MockClock {
    offset: AtomicI64,
}

impl MockClock {
    /// A clock at real time.
    pub fn new() -> MockClock {
        MockClock::default()
    }

    /// Now, in unix seconds.
    pub fn now(&self) -> i64 {
        real_now().saturating_add(self.offset())
    }

    /// The current offset.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Sets the clock to real time + `seconds` (absolute: replaces any earlier offset; 0
    /// restores real time). Returns false, changing nothing, beyond ±[`MAX_OFFSET_SECONDS`].
    pub fn set_offset(&self, seconds: i64) -> bool {
        if seconds.unsigned_abs() > MAX_OFFSET_SECONDS.unsigned_abs() {
            return false;
        }
        self.offset.store(seconds, Ordering::Relaxed);
        true
    }
}

/// Real time in unix seconds (0 if the system clock is before 1970).
pub fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A unix time as an RFC 3339 UTC timestamp (`2026-01-02T03:04:05Z`).
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_absolute_and_bounded() {
        let clock = MockClock::new();
        assert!(clock.set_offset(600));
        assert!(clock.set_offset(60));
        assert_eq!(clock.offset(), 60);
        let delta = clock.now() - real_now();
        assert!((59..=61).contains(&delta), "{delta}");
        assert!(!clock.set_offset(MAX_OFFSET_SECONDS + 1));
        assert!(!clock.set_offset(i64::MIN));
        assert_eq!(clock.offset(), 60);
        assert!(clock.set_offset(0));
        assert!((clock.now() - real_now()).abs() <= 1);
    }

    #[test]
    fn the_openapi_bounds_of_offset_seconds_match() {
        // model::ClockRequest documents ±3_162_240_000 (utoipa needs a literal).
        assert_eq!(MAX_OFFSET_SECONDS, 3_162_240_000);
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
