//! Durations as the configuration file writes them (`timeout_ms = 1250`,
//! `retry_schedule_secs = [60, 600]`), for `#[serde(with = …)]` on settings
//! owned by the modules that use them.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Whole milliseconds.
pub mod millis {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Whole microseconds.
pub mod micros {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_micros)
    }
}

/// Seconds, fractions allowed; negative or non-finite numbers are refused.
pub mod secs {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        from_secs(f64::deserialize(d)?)
    }

    pub(super) fn from_secs<E: serde::de::Error>(secs: f64) -> Result<Duration, E> {
        Duration::try_from_secs_f64(secs)
            .map_err(|_| E::custom(format!("{secs} is not a non-negative number of seconds")))
    }
}

/// A list of seconds, as [`secs`].
pub mod secs_list {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        Vec::<f64>::deserialize(d)?
            .into_iter()
            .map(secs::from_secs)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(with = "millis")]
        timeout: Duration,
        #[serde(with = "secs_list")]
        schedule: Vec<Duration>,
    }

    #[test]
    fn reads_units_and_refuses_negative_seconds() {
        let s: Sample = toml::from_str("timeout = 250\nschedule = [0.5, 60]").unwrap();
        assert_eq!(s.timeout, Duration::from_millis(250));
        assert_eq!(
            s.schedule,
            [Duration::from_millis(500), Duration::from_secs(60)]
        );
        assert!(toml::from_str::<Sample>("timeout = 1\nschedule = [-1]").is_err());
    }
}
