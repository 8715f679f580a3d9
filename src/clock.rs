//! The one clock the emulator reads. It lives in the app state and is handed
//! down, so one operation reads it once and every time stamp it writes
//! agrees, and so a test can be given control over it.

/// Wall-clock time, in microseconds since the epoch: the unit every table uses.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    _system: (),
}

impl Clock {
    /// The machine's own clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now_micros(&self) -> i64 {
        let now = time::OffsetDateTime::now_utc();
        (now.unix_timestamp_nanos() / 1000) as i64
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_like_wix() {
        assert_eq!(rfc3339(1_700_000_000_123_456), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn the_system_clock_moves_forward() {
        let clock = Clock::system();
        let a = clock.now_micros();
        assert!(a > 1_700_000_000_000_000);
        assert!(clock.now_micros() >= a);
    }
}
