//! How webhooks are delivered: timing, retries and concurrency, as the
//! `[webhooks]` section of the configuration sets them.

use std::time::Duration;

use serde::Deserialize;

use crate::units;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchSettings {
    /// Only an HTTP 200 within this is a delivery; Wix waits 1250 ms.
    #[serde(rename = "timeout_ms", with = "units::millis")]
    pub timeout: Duration,
    /// The delay before each resend, counted from the failure before it: the
    /// first failed attempt is sent again after the first delay, and so on.
    /// Its length is the number of resends; when the last one fails too, the
    /// delivery is failed.
    #[serde(rename = "retry_schedule_secs", with = "units::secs_list")]
    pub retry_schedule: Vec<Duration>,
    /// Each delay is scaled by a random factor in [1 - jitter, 1 + jitter];
    /// 0, as Wix documents no jitter.
    pub jitter: f64,
    /// How often to look for due deliveries when nothing woke the dispatcher.
    #[serde(rename = "poll_interval_ms", with = "units::millis")]
    pub poll_interval: Duration,
    /// Deliveries claimed, and sent concurrently, at a time.
    pub batch_size: i64,
    /// How long a claim is exclusive; longer than any attempt can take. After
    /// a crash, its deliveries are sent again once this has passed.
    #[serde(rename = "lease_ms", with = "units::millis")]
    pub lease: Duration,
}

/// Wix's resend policy: after a failed attempt, 12 resends at most, each this
/// many minutes after the failure before it (1 min, 10 min, 1 h, 2 h, 2 h, 2 h,
/// 4 h, 4 h, 4 h, 8 h, 8 h, 12 h; about 47 hours in all).
const WIX_RESENDS_MINUTES: [u64; 12] = [1, 10, 60, 120, 120, 120, 240, 240, 240, 480, 480, 720];

impl Default for DispatchSettings {
    /// What Wix does: a 200 within 1250 ms, else its 12 resends, no jitter.
    fn default() -> Self {
        DispatchSettings {
            timeout: Duration::from_millis(1250),
            retry_schedule: WIX_RESENDS_MINUTES
                .into_iter()
                .map(|m| Duration::from_secs(m * 60))
                .collect(),
            jitter: 0.0,
            poll_interval: Duration::from_millis(500),
            batch_size: 32,
            lease: Duration::from_secs(30),
        }
    }
}

impl DispatchSettings {
    /// Catches mistakes at boot rather than at the first delivery.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.timeout.is_zero() || self.batch_size < 1 || self.poll_interval.is_zero() {
            anyhow::bail!(
                "[webhooks] timeout_ms, poll_interval_ms and batch_size must be positive"
            );
        }
        // An attempt must end well inside its lease, or a second instance could
        // claim the same delivery while the first is still sending it.
        if self.lease < 2 * self.timeout + Duration::from_secs(1) {
            anyhow::bail!("[webhooks] lease_ms must be at least 2 × timeout_ms + 1000");
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            anyhow::bail!("[webhooks] jitter must be a fraction from 0 to 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_wix_resend_policy() {
        let d = DispatchSettings::default();
        assert_eq!(d.timeout, Duration::from_millis(1250));
        let hours: Vec<f64> = d
            .retry_schedule
            .iter()
            .map(|s| s.as_secs_f64() / 3600.0)
            .collect();
        let minute = 1.0 / 60.0;
        assert_eq!(
            hours,
            [
                minute,
                10.0 * minute,
                1.0,
                2.0,
                2.0,
                2.0,
                4.0,
                4.0,
                4.0,
                8.0,
                8.0,
                12.0
            ]
        );
        assert_eq!(d.jitter, 0.0);
        d.validate().unwrap();
    }

    #[test]
    fn jitter_is_configurable_and_checked() {
        let s: DispatchSettings = toml::from_str("jitter = 0.2\nretry_schedule_secs = []").unwrap();
        assert_eq!(s.jitter, 0.2);
        assert!(s.retry_schedule.is_empty());
        s.validate().unwrap();
        for bad in ["jitter = 1.5", "jitter = -0.1"] {
            let s: DispatchSettings = toml::from_str(bad).unwrap();
            assert!(s.validate().is_err(), "{bad}");
        }
        assert!(toml::from_str::<DispatchSettings>("max_age_secs = 10").is_err());
    }
}
