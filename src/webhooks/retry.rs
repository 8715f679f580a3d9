//! When to send a failed delivery again: the schedule of resends, each after
//! the failure before it, with optional jitter. Pure functions, so the policy
//! is tested without a clock.

use super::settings::DispatchSettings;
use crate::store::After;

impl DispatchSettings {
    /// What to do after failed attempt number `attempt` (from 1) at `now`:
    /// resend after the schedule's delay for it, or give up once the schedule
    /// is used up. `unit` is a random number in [0, 1) that picks the jitter.
    /// Times are in microseconds.
    pub fn after_failure(&self, attempt: i64, now: i64, unit: f64) -> After {
        let index = usize::try_from(attempt - 1).unwrap_or(0);
        let Some(delay) = self.retry_schedule.get(index) else {
            return After::GiveUp;
        };
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        After::RetryAt(now + (delay.as_micros() as f64 * factor).max(0.0) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const S: i64 = 1_000_000;

    fn policy(schedule: &[u64], jitter: f64) -> DispatchSettings {
        DispatchSettings {
            retry_schedule: schedule.iter().map(|s| Duration::from_secs(*s)).collect(),
            jitter,
            ..DispatchSettings::default()
        }
    }

    #[test]
    fn follows_the_schedule_then_gives_up() {
        let p = policy(&[1, 10], 0.0);
        assert_eq!(p.after_failure(1, 0, 0.5), After::RetryAt(S));
        assert_eq!(p.after_failure(2, 5 * S, 0.5), After::RetryAt(15 * S));
        assert_eq!(p.after_failure(3, 20 * S, 0.5), After::GiveUp);
        assert_eq!(policy(&[], 0.0).after_failure(1, 0, 0.5), After::GiveUp);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = policy(&[100], 0.2);
        assert_eq!(p.after_failure(1, 0, 0.0), After::RetryAt(80 * S));
        assert_eq!(p.after_failure(1, 0, 1.0), After::RetryAt(120 * S));
    }

    /// Wix's policy: 12 resends, each counted from the failure before it, so
    /// with instant failures the 13th attempt is about 47 hours after the first.
    #[test]
    fn by_default_twelve_resends_then_failed() {
        let p = DispatchSettings::default();
        let (mut now, mut attempts) = (0, 1);
        while let After::RetryAt(next) = p.after_failure(attempts, now, 0.99) {
            now = next;
            attempts += 1;
        }
        assert_eq!(attempts, 13);
        assert_eq!(now, 47 * 3600 * S + 11 * 60 * S, "no jitter by default");
        assert_eq!(p.after_failure(1, 0, 0.0), After::RetryAt(60 * S));
    }
}
