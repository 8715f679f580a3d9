//! When to try a failed delivery again: the schedule of delays with jitter, up
//! to a maximum age. Pure functions, so the policy is tested without a clock.

use super::settings::DispatchSettings;
use crate::store::After;

impl DispatchSettings {
    /// What to do after failed attempt number `attempt` (from 1). `unit` is a
    /// random number in [0, 1) that picks the jitter. Times are in microseconds.
    pub fn after_failure(&self, attempt: i64, created_at: i64, now: i64, unit: f64) -> After {
        let Some(last) = self.retry_schedule.last() else {
            return After::GiveUp;
        };
        let index = usize::try_from(attempt - 1).unwrap_or(0);
        let base = self.retry_schedule.get(index).unwrap_or(last).as_micros() as f64;
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        let next = now + (base * factor).max(0.0) as i64;
        if next > created_at + self.max_age.as_micros() as i64 {
            After::GiveUp
        } else {
            After::RetryAt(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const S: i64 = 1_000_000;

    fn policy(schedule: &[u64], max_age: u64, jitter: f64) -> DispatchSettings {
        DispatchSettings {
            retry_schedule: schedule.iter().map(|s| Duration::from_secs(*s)).collect(),
            max_age: Duration::from_secs(max_age),
            jitter,
            ..DispatchSettings::default()
        }
    }

    #[test]
    fn follows_the_schedule_and_repeats_its_last_step() {
        let p = policy(&[1, 10], 100, 0.0);
        assert_eq!(p.after_failure(1, 0, 0, 0.5), After::RetryAt(S));
        assert_eq!(p.after_failure(2, 0, S, 0.5), After::RetryAt(11 * S));
        assert_eq!(p.after_failure(9, 0, 50 * S, 0.5), After::RetryAt(60 * S));
        assert_eq!(p.after_failure(10, 0, 95 * S, 0.5), After::GiveUp);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = policy(&[100], 1000, 0.2);
        assert_eq!(p.after_failure(1, 0, 0, 0.0), After::RetryAt(80 * S));
        assert_eq!(p.after_failure(1, 0, 0, 1.0), After::RetryAt(120 * S));
    }

    #[test]
    fn default_gives_up_after_two_days() {
        let p = DispatchSettings::default();
        let two_days = 48 * 3600 * S;
        assert!(matches!(p.after_failure(1, 0, 0, 0.5), After::RetryAt(_)));
        assert_eq!(p.after_failure(30, 0, two_days - S, 0.5), After::GiveUp);
    }
}
