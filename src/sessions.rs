//! Console sessions: who signed in to the console with which API key, on
//! which of its sites, and the CSRF token their forms carry; and the one-time
//! sign-in links the start-up banner prints. Kept in memory: a session is one
//! process's, and a restart signs everyone out (the banner prints a new link).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;

/// A session unused for this long is gone.
const IDLE: Duration = Duration::from_secs(12 * 60 * 60);
/// At most this many sessions at once; a new one beyond it ends the least
/// recently used, so signing in in a loop cannot grow memory without end.
const MAX_SESSIONS: usize = 1000;
/// A one-click link not used within this is gone.
const LINK_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A signed-in console user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The API key they signed in with; every page checks it again.
    pub key: String,
    /// The site they are looking at, one of the key's.
    pub site_id: String,
    /// What every state-changing form of this session carries.
    pub csrf: String,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, (Session, Instant)>,
    /// One-time sign-in tokens and the key each signs in with.
    links: HashMap<String, (String, Instant)>,
}

/// A random token of 32 hex digits pairs, fit for a cookie or a URL.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("sessions lock")
    }

    /// A one-time token that signs in with `key` once.
    pub fn sign_in_link(&self, key: &str) -> String {
        let token = token();
        let mut inner = self.lock();
        let now = Instant::now();
        inner
            .links
            .retain(|_, (_, made)| now.duration_since(*made) < LINK_LIFETIME);
        inner.links.insert(token.clone(), (key.to_string(), now));
        token
    }

    /// The key a one-click token signs in with; the token is used up.
    pub fn redeem_link(&self, token: &str) -> Option<String> {
        let (key, made) = self.lock().links.remove(token)?;
        (made.elapsed() < LINK_LIFETIME).then_some(key)
    }

    /// Starts a session; returns its id (the cookie's value).
    pub fn open(&self, key: &str, site_id: &str) -> String {
        let id = token();
        let session = Session {
            key: key.to_string(),
            site_id: site_id.to_string(),
            csrf: token(),
        };
        let mut inner = self.lock();
        let now = Instant::now();
        inner
            .sessions
            .retain(|_, (_, used)| now.duration_since(*used) < IDLE);
        if inner.sessions.len() >= MAX_SESSIONS {
            let oldest = inner
                .sessions
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                inner.sessions.remove(&oldest);
            }
        }
        inner.sessions.insert(id.clone(), (session, now));
        id
    }

    /// The session `id` names, if it is open; using it keeps it open.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut inner = self.lock();
        let (session, used) = inner.sessions.get_mut(id)?;
        if used.elapsed() >= IDLE {
            inner.sessions.remove(id);
            return None;
        }
        *used = Instant::now();
        Some(session.clone())
    }

    /// Points the session at another of its key's sites.
    pub fn switch_site(&self, id: &str, site_id: &str) {
        if let Some((session, _)) = self.lock().sessions.get_mut(id) {
            session.site_id = site_id.to_string();
        }
    }

    pub fn close(&self, id: &str) {
        self.lock().sessions.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_signs_in_once() {
        let sessions = Sessions::default();
        let link = sessions.sign_in_link("k");
        assert_eq!(sessions.redeem_link(&link).as_deref(), Some("k"));
        assert_eq!(sessions.redeem_link(&link), None);
    }

    #[test]
    fn sessions_open_switch_and_close() {
        let sessions = Sessions::default();
        let id = sessions.open("k", "s1");
        let session = sessions.get(&id).unwrap();
        assert_eq!(
            (session.key.as_str(), session.site_id.as_str()),
            ("k", "s1")
        );
        assert_eq!(session.csrf.len(), 64);
        sessions.switch_site(&id, "s2");
        assert_eq!(sessions.get(&id).unwrap().site_id, "s2");
        sessions.close(&id);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::default();
        let first = sessions.open("k", "s");
        for _ in 0..MAX_SESSIONS {
            sessions.open("k", "s");
        }
        assert!(sessions.get(&first).is_none());
        assert_eq!(sessions.lock().sessions.len(), MAX_SESSIONS);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
