//! When to try a failed delivery again: a schedule of delays with jitter, up to a
//! maximum age. Pure functions, so the policy is tested without a clock.

use std::time::Duration;

use crate::store::After;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay after the 1st, 2nd, … failed attempt; the last repeats.
    pub schedule: Vec<Duration>,
    /// No attempt is made later than this after the event.
    pub max_age: Duration,
    /// Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
    pub jitter: f64,
}

impl Default for RetryPolicy {
    /// Roughly what Wix does: quick retries first, then hours apart, for 48 hours.
    fn default() -> Self {
        RetryPolicy {
            schedule: [5, 60, 300, 1800, 7200, 18000]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            max_age: Duration::from_secs(48 * 3600),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// What to do after failed attempt number `attempt` (from 1). `unit` is a
    /// random number in [0, 1) that picks the jitter. Times are in microseconds.
    pub fn after_failure(&self, attempt: i64, created_at: i64, now: i64, unit: f64) -> After {
        let Some(last) = self.schedule.last() else {
            return After::GiveUp;
        };
        let index = usize::try_from(attempt - 1).unwrap_or(0);
        let base = self.schedule.get(index).unwrap_or(last).as_micros() as f64;
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

    const S: i64 = 1_000_000;

    #[test]
    fn follows_the_schedule_and_repeats_its_last_step() {
        let p = RetryPolicy {
            schedule: vec![Duration::from_secs(1), Duration::from_secs(10)],
            max_age: Duration::from_secs(100),
            jitter: 0.0,
        };
        assert_eq!(p.after_failure(1, 0, 0, 0.5), After::RetryAt(S));
        assert_eq!(p.after_failure(2, 0, S, 0.5), After::RetryAt(11 * S));
        assert_eq!(p.after_failure(9, 0, 50 * S, 0.5), After::RetryAt(60 * S));
        assert_eq!(p.after_failure(10, 0, 95 * S, 0.5), After::GiveUp);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = RetryPolicy {
            schedule: vec![Duration::from_secs(100)],
            max_age: Duration::from_secs(1000),
            jitter: 0.2,
        };
        assert_eq!(p.after_failure(1, 0, 0, 0.0), After::RetryAt(80 * S));
        assert_eq!(p.after_failure(1, 0, 0, 1.0), After::RetryAt(120 * S));
    }

    #[test]
    fn default_gives_up_after_two_days() {
        let p = RetryPolicy::default();
        let two_days = 48 * 3600 * S;
        assert!(matches!(p.after_failure(1, 0, 0, 0.5), After::RetryAt(_)));
        assert_eq!(p.after_failure(30, 0, two_days - S, 0.5), After::GiveUp);
    }
}
