//! What one connection is doing, as its watchdog needs to know: when it last
//! moved bytes, whether a request head is being read, and since when.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::limits::Limits;

/// Shared by the connection's I/O, its service and its watchdog.
pub struct Activity {
    /// Times are nanoseconds since this instant, so they fit atomics.
    base: Instant,
    last_io: AtomicU64,
    /// When the first byte of the next request head arrived; 0 when none has.
    head_started: AtomicU64,
    /// True between a response and the next request reaching the service.
    awaiting_head: AtomicBool,
    in_flight: AtomicUsize,
}

/// Why a connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// A request head took longer than the header timeout.
    Head,
    /// Nothing in flight and silent for longer than the idle timeout.
    Idle,
}

impl Activity {
    pub fn new() -> Activity {
        Activity {
            base: Instant::now(),
            last_io: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            awaiting_head: AtomicBool::new(true),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> u64 {
        // 1 ns past the base, so 0 always means "not set".
        self.base.elapsed().as_nanos() as u64 + 1
    }

    /// Bytes arrived from the client.
    pub fn read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if self.awaiting_head.load(Ordering::Relaxed) {
            let _ =
                self.head_started
                    .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Bytes went to the client.
    pub fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    /// A whole request head was read and handed to the service.
    pub fn request_started(&self) {
        self.awaiting_head.store(false, Ordering::Relaxed);
        self.head_started.store(0, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// The service answered; the next bytes begin another request.
    pub fn request_answered(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.awaiting_head.store(true, Ordering::Relaxed);
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    /// Whether the connection has outstayed a limit, or else how long until
    /// it could next have.
    pub fn check(&self, limits: &Limits) -> Result<Duration, Expired> {
        let now = self.now();
        let since = |t: u64| Duration::from_nanos(now.saturating_sub(t));
        let mut next = limits.idle_timeout;
        let head = self.head_started.load(Ordering::Relaxed);
        if head != 0 && self.awaiting_head.load(Ordering::Relaxed) {
            let taken = since(head);
            if taken >= limits.header_read_timeout {
                return Err(Expired::Head);
            }
            next = next.min(limits.header_read_timeout - taken);
        }
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            let silent = since(self.last_io.load(Ordering::Relaxed));
            if silent >= limits.idle_timeout {
                return Err(Expired::Idle);
            }
            next = next.min(limits.idle_timeout - silent);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(head_ms: u64, idle_ms: u64) -> Limits {
        Limits {
            header_read_timeout: Duration::from_millis(head_ms),
            idle_timeout: Duration::from_millis(idle_ms),
            ..Limits::default()
        }
    }

    #[test]
    fn a_slow_head_and_a_silent_connection_expire_and_a_request_in_flight_does_not() {
        let a = Activity::new();
        a.read();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(a.check(&limits(20, 1000)), Err(Expired::Head));

        let a = Activity::new();
        a.wrote();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(a.check(&limits(1000, 20)), Err(Expired::Idle));

        let a = Activity::new();
        a.read();
        a.request_started();
        std::thread::sleep(Duration::from_millis(30));
        assert!(
            a.check(&limits(20, 20)).is_ok(),
            "a request in flight is never idle"
        );
        a.request_answered();
        assert!(a.check(&limits(20, 20)).is_ok(), "answering is activity");
    }
}
