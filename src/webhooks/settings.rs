//! How webhooks are delivered: timing, retries and concurrency, as the
//! `[webhooks]` section of the configuration sets them.

use std::time::Duration;

use serde::Deserialize;

use crate::units;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchSettings {
    /// A 2xx within this is delivered; Wix waits 1250 ms.
    #[serde(rename = "timeout_ms", with = "units::millis")]
    pub timeout: Duration,
    /// Delays after the 1st, 2nd, … failed attempt; the last repeats.
    #[serde(rename = "retry_schedule_secs", with = "units::secs_list")]
    pub retry_schedule: Vec<Duration>,
    /// No attempt is made later than this after the event.
    #[serde(rename = "max_age_secs", with = "units::secs")]
    pub max_age: Duration,
    /// Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
    #[serde(skip)]
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

impl Default for DispatchSettings {
    /// Roughly what Wix does: quick retries first, then hours apart, for 48 hours.
    fn default() -> Self {
        DispatchSettings {
            timeout: Duration::from_millis(1250),
            retry_schedule: [5, 60, 300, 1800, 7200, 18000]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            max_age: Duration::from_secs(48 * 3600),
            jitter: 0.2,
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
        if self.retry_schedule.is_empty() {
            anyhow::bail!(
                "[webhooks] retry_schedule_secs must be a non-empty list of non-negative numbers"
            );
        }
        Ok(())
    }
}
