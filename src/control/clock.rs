//! A clock per site: `GET /_emulator/clock` reads the site's time, `POST`
//! advances it, sets it, or puts it back on the machine's time. The site's
//! time stamps everything it writes (template and checkout times, events'
//! `eventTime`, delivery attempts) and drives its resend schedule: moving
//! past a delivery's `nextAttemptAt` makes it due at once.
//!
//! A site's clock is never set back before the newest time stamp of its
//! templates and checkouts, so what it wrote never lies in its future.
//! `POST /_emulator/reset`, which removes them, puts the clock back too.

use serde_json::Value;

use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::{ApiError, Result};
use crate::site::Site;
use crate::state::AppState;

/// How far one request may move a clock: ten years.
const MAX_ADVANCE_SECS: f64 = 10.0 * 365.25 * 86_400.0;

/// What a request asks of the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Forward by this many microseconds.
    Advance(i64),
    /// To this time, in microseconds.
    Set(i64),
    /// Back to the machine's time.
    Reset,
}

impl Change {
    /// Exactly one of `advanceSeconds`, `set` and `reset: true`.
    pub fn parse(body: &Value) -> Result<Change> {
        let fields = body.as_object().cloned().unwrap_or_default();
        for name in fields.keys() {
            if !["advanceSeconds", "set", "reset"].contains(&name.as_str()) {
                return Err(ApiError::validation(
                    name.clone(),
                    "FIELD_NOT_ALLOWED",
                    "the clock takes advanceSeconds, set or reset",
                ));
            }
        }
        let given: Vec<(&String, &Value)> = fields.iter().filter(|(_, v)| !v.is_null()).collect();
        let [(name, value)] = given.as_slice() else {
            return Err(ApiError::validation(
                "body",
                "OTHER",
                "give exactly one of advanceSeconds (a number of seconds), set (an RFC 3339 time) or reset (true)",
            ));
        };
        match (name.as_str(), value) {
            ("advanceSeconds", Value::Number(n)) => match n.as_f64() {
                Some(secs) if (0.0..=MAX_ADVANCE_SECS).contains(&secs) => {
                    Ok(Change::Advance((secs * 1e6).round() as i64))
                }
                Some(secs) if secs < 0.0 => Err(ApiError::validation(
                    "advanceSeconds",
                    "MIN",
                    "a clock only advances: to go back, set a time",
                )),
                _ => Err(ApiError::validation(
                    "advanceSeconds",
                    "MAX",
                    "at most ten years at a time",
                )),
            },
            ("advanceSeconds", _) => Err(ApiError::validation(
                "advanceSeconds",
                "FORMAT",
                "must be a number of seconds",
            )),
            ("set", Value::String(text)) => match parse_rfc3339(text) {
                Some(at) => Ok(Change::Set(at)),
                None => Err(ApiError::validation(
                    "set",
                    "FORMAT",
                    "must be an RFC 3339 time, such as 2026-01-31T12:00:00Z",
                )),
            },
            ("set", _) => Err(ApiError::validation(
                "set",
                "FORMAT",
                "must be an RFC 3339 time, such as 2026-01-31T12:00:00Z",
            )),
            ("reset", Value::Bool(true)) => Ok(Change::Reset),
            _ => Err(ApiError::validation("reset", "FORMAT", "must be true")),
        }
    }
}

/// The site's time, as the database has it (so every instance agrees, and
/// this one learns a change another made).
pub async fn now(state: &AppState, site: &Site) -> Result<i64> {
    let offset = state.store.site_offset(&site.id).await?;
    state.clock.set_offset(&site.id, offset);
    Ok(state.clock.now_micros() + offset)
}

/// Moves the site's clock; returns its new time.
pub async fn change(state: &AppState, site: &Site, change: Change) -> Result<i64> {
    let _changing = state.control_lock.lock().await;
    let machine = state.clock.now_micros();
    let offset = match change {
        Change::Advance(by) => state.store.advance_site_offset(&site.id, by).await?,
        Change::Set(_) | Change::Reset => {
            let to = match change {
                Change::Set(at) => at,
                _ => machine,
            };
            if let Some(newest) = state.store.newest_time(&site.id).await? {
                if newest > to {
                    return Err(ApiError::validation(
                        if change == Change::Reset { "reset" } else { "set" },
                        "OTHER",
                        format!(
                            "the site wrote a template or checkout at {}: its clock cannot go back before that (POST /_emulator/reset empties the site, and puts its clock back)",
                            rfc3339(newest)
                        ),
                    ));
                }
            }
            let offset = to - machine;
            state.store.set_site_offset(&site.id, offset).await?;
            offset
        }
    };
    state.clock.set_offset(&site.id, offset);
    state.store.announce_control_change().await?;
    // Deliveries may have come due on the site's new time.
    state.store.wake_dispatcher();
    Ok(machine + offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_is_exactly_one_of_three() {
        assert_eq!(
            Change::parse(&json!({"advanceSeconds": 60})).unwrap(),
            Change::Advance(60_000_000)
        );
        assert_eq!(
            Change::parse(&json!({"advanceSeconds": 0.5})).unwrap(),
            Change::Advance(500_000)
        );
        assert_eq!(
            Change::parse(&json!({"set": "2030-01-01T00:00:00Z"})).unwrap(),
            Change::Set(1_893_456_000_000_000)
        );
        assert_eq!(
            Change::parse(&json!({"reset": true})).unwrap(),
            Change::Reset
        );
        for bad in [
            json!({}),
            json!({"advanceSeconds": 1, "reset": true}),
            json!({"advanceSeconds": -1}),
            json!({"advanceSeconds": "60"}),
            json!({"advanceSeconds": 1e12}),
            json!({"set": "tomorrow"}),
            json!({"reset": false}),
            json!({"rewind": 5}),
        ] {
            assert!(Change::parse(&bad).is_err(), "{bad}");
        }
    }
}
