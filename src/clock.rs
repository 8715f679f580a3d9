//! The one clock the emulator reads. It lives in the app state and is handed
//! down, so one operation reads it once and every time stamp it writes
//! agrees, and so a test can move a site's time (`POST /_emulator/clock`).
//!
//! A site's time is the machine's plus the site's offset. Offsets are kept
//! in the database (so every instance on it agrees) and mirrored here; a
//! site with none follows the machine. Leases and the JWT's `iat`/`exp` stay
//! on the machine's time: other processes check them against their own clocks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// Time in microseconds since the epoch: the unit every table uses.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offsets: Arc<Offsets>,
}

#[derive(Debug, Default)]
struct Offsets {
    /// Whether any site has an offset: most runs have none, and then reading
    /// a site's time takes no lock.
    any: AtomicBool,
    by_site: RwLock<HashMap<String, i64>>,
}

impl Clock {
    /// The machine's own clock, no site moved.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The machine's time: for leases, tokens and timeouts.
    pub fn now_micros(&self) -> i64 {
        let now = time::OffsetDateTime::now_utc();
        (now.unix_timestamp_nanos() / 1000) as i64
    }

    /// The site's time: what it stamps on everything it writes.
    pub fn site_now(&self, site_id: &str) -> i64 {
        self.now_micros() + self.offset(site_id)
    }

    /// How far the site's time is from the machine's.
    pub fn offset(&self, site_id: &str) -> i64 {
        if !self.offsets.any.load(Ordering::Acquire) {
            return 0;
        }
        let by_site = self.offsets.by_site.read().expect("clock offsets lock");
        by_site.get(site_id).copied().unwrap_or(0)
    }

    /// The largest offset of any site, and whether any site has one.
    pub fn max_offset(&self) -> Option<i64> {
        if !self.offsets.any.load(Ordering::Acquire) {
            return None;
        }
        let by_site = self.offsets.by_site.read().expect("clock offsets lock");
        by_site.values().copied().max()
    }

    /// Sets one site's offset (0: the machine's time again).
    pub fn set_offset(&self, site_id: &str, offset: i64) {
        let mut by_site = self.offsets.by_site.write().expect("clock offsets lock");
        if offset == 0 {
            by_site.remove(site_id);
        } else {
            by_site.insert(site_id.to_string(), offset);
        }
        self.offsets
            .any
            .store(!by_site.is_empty(), Ordering::Release);
    }

    /// Replaces every offset with the ones stored.
    pub fn replace_offsets(&self, offsets: HashMap<String, i64>) {
        let mut by_site = self.offsets.by_site.write().expect("clock offsets lock");
        *by_site = offsets;
        by_site.retain(|_, offset| *offset != 0);
        self.offsets
            .any
            .store(!by_site.is_empty(), Ordering::Release);
    }
}

/// RFC 3339 with milliseconds and `Z`, as Wix formats dates.
pub fn rfc3339(micros: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros as i128 * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).expect("valid date format")
}

/// An RFC 3339 time (any offset, any fraction) in microseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_like_wix() {
        assert_eq!(rfc3339(1_700_000_000_123_456), "2023-11-14T22:13:20.123Z");
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000_000_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn the_system_clock_moves_forward() {
        let clock = Clock::system();
        let a = clock.now_micros();
        assert!(a > 1_700_000_000_000_000);
        assert!(clock.now_micros() >= a);
    }

    #[test]
    fn a_site_moved_leaves_the_others_on_the_machine_time() {
        let clock = Clock::system();
        assert_eq!(clock.max_offset(), None);
        clock.set_offset("a", 60_000_000);
        assert_eq!(clock.offset("a"), 60_000_000);
        assert_eq!(clock.offset("b"), 0);
        assert!(clock.site_now("a") - clock.now_micros() >= 59_000_000);
        assert_eq!(clock.max_offset(), Some(60_000_000));
        clock.set_offset("a", 0);
        assert_eq!(clock.max_offset(), None);
        clock.replace_offsets([("b".to_string(), -5)].into());
        assert_eq!(clock.offset("b"), -5);
        assert_eq!(clock.max_offset(), Some(-5));
    }
}
