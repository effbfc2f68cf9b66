//! Time: the only place that reads the clock or sleeps, so sampling code
//! (steal, lock waits) is testable without waiting.
#![allow(clippy::disallowed_methods)]

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime};

/// A source of time.
pub trait Clock {
    /// Monotonic now, for measuring intervals.
    fn now(&self) -> Instant;
    /// Wall-clock now, for comparing with expiry timestamps.
    fn wall(&self) -> SystemTime;
    /// Block for `d`.
    fn sleep(&self, d: Duration);
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only moves when slept on; for tests.
pub struct FakeClock {
    start: Instant,
    wall_start: SystemTime,
    elapsed: Cell<Duration>,
}

impl FakeClock {
    /// A fake clock whose wall time starts at `wall`.
    pub fn new(wall: SystemTime) -> Self {
        FakeClock {
            start: Instant::now(),
            wall_start: wall,
            elapsed: Cell::new(Duration::ZERO),
        }
    }

    /// Total time slept so far.
    pub fn elapsed(&self) -> Duration {
        self.elapsed.get()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed.get()
    }
    fn wall(&self) -> SystemTime {
        self.wall_start + self.elapsed.get()
    }
    fn sleep(&self, d: Duration) {
        self.elapsed.set(self.elapsed.get() + d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_advances_only_on_sleep() {
        let clock = FakeClock::new(SystemTime::UNIX_EPOCH);
        let t0 = clock.now();
        assert_eq!(clock.now(), t0);
        clock.sleep(Duration::from_secs(2));
        assert_eq!(clock.now() - t0, Duration::from_secs(2));
        assert_eq!(
            clock.wall(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(2)
        );
    }
}
