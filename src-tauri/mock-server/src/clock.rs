//! The mock clock: real time plus an offset that testers set through `POST /mock/clock`, or a
//! time that stands still (`frozen_at`) until it is moved or released.
//!
//! Every time the server uses (code expiry, TOTP steps, locks, step-up) comes from
//! [`MockClock::now`], so tests move time instead of sleeping.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest offset accepted, in either direction: 100 years.
pub const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 60 * 60;

/// Real time plus an offset in seconds, or a frozen instant.
#[derive(Debug, Default)]
pub struct MockClock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Default, Clone, Copy)]
struct ClockState {
    offset: i64,
    frozen_at: Option<i64>,
}

impl MockClock {
    /// A clock at real time.
    pub fn new() -> MockClock {
        MockClock::default()
    }

    fn get(&self) -> ClockState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn put(&self, state: ClockState) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }

    /// Now, in unix seconds.
    pub fn now(&self) -> i64 {
        let state = self.get();
        state
            .frozen_at
            .unwrap_or_else(|| real_now().saturating_add(state.offset))
    }

    /// The current offset from real time (while frozen: how far the frozen instant is from real
    /// time now).
    pub fn offset(&self) -> i64 {
        let state = self.get();
        match state.frozen_at {
            Some(frozen) => frozen.saturating_sub(real_now()),
            None => state.offset,
        }
    }

    /// True while the clock stands still.
    pub fn frozen(&self) -> bool {
        self.get().frozen_at.is_some()
    }

    /// Sets the clock to real time + `seconds` (absolute: replaces any earlier offset, releases
    /// a frozen clock; 0 restores real time). Returns false, changing nothing, beyond
    /// ±[`MAX_OFFSET_SECONDS`].
    pub fn set_offset(&self, seconds: i64) -> bool {
        if seconds.unsigned_abs() > MAX_OFFSET_SECONDS.unsigned_abs() {
            return false;
        }
        self.put(ClockState {
            offset: seconds,
            frozen_at: None,
        });
        true
    }

    /// Stops the clock at `unix` seconds until it is set again. Returns false, changing
    /// nothing, more than ±[`MAX_OFFSET_SECONDS`] from real time.
    pub fn freeze_at(&self, unix: i64) -> bool {
        if unix.saturating_sub(real_now()).unsigned_abs() > MAX_OFFSET_SECONDS.unsigned_abs() {
            return false;
        }
        self.put(ClockState {
            offset: unix.saturating_sub(real_now()),
            frozen_at: Some(unix),
        });
        true
    }

    /// Moves the clock, running or frozen, by `seconds` (either way). Returns false, changing
    /// nothing, when that would take it beyond ±[`MAX_OFFSET_SECONDS`] of real time.
    pub fn advance(&self, seconds: i64) -> bool {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let next = match guard.frozen_at {
            Some(frozen) => ClockState {
                offset: guard.offset,
                frozen_at: Some(frozen.saturating_add(seconds)),
            },
            None => ClockState {
                offset: guard.offset.saturating_add(seconds),
                frozen_at: None,
            },
        };
        let distance = match next.frozen_at {
            Some(frozen) => frozen.saturating_sub(real_now()),
            None => next.offset,
        };
        if distance.unsigned_abs() > MAX_OFFSET_SECONDS.unsigned_abs() {
            return false;
        }
        *guard = next;
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
    fn a_frozen_clock_stands_still_and_steps() {
        let clock = MockClock::new();
        assert!(clock.freeze_at(1_800_000_000));
        assert!(clock.frozen());
        assert_eq!(clock.now(), 1_800_000_000);
        assert!(clock.advance(31));
        assert_eq!(clock.now(), 1_800_000_031);
        assert!(clock.advance(-1));
        assert_eq!(clock.now(), 1_800_000_030);
        assert!(!clock.advance(MAX_OFFSET_SECONDS * 2));
        assert_eq!(clock.now(), 1_800_000_030);
        assert!(clock.set_offset(0));
        assert!(!clock.frozen());
        assert!((clock.now() - real_now()).abs() <= 1);
        assert!(clock.advance(60));
        assert_eq!(clock.offset(), 60);
        assert!(!clock.freeze_at(i64::MAX));
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
