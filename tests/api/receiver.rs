//! A real HTTP webhook receiver for the tests: records every body it accepts,
//! can fail or hang on the first requests, and notices when one event is being
//! sent to it twice at the same time.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

/// What the receiver does with the first `first` requests it gets.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    None,
    /// Answers 500.
    Fail {
        first: usize,
    },
    /// Answers the n-th request (from 1) with `statuses[n - 1]`, e.g. a 2xx
    /// other than 200; later ones with 200.
    Answer(&'static [u16]),
    /// Answers 200, but only after `delay` (past the dispatcher's timeout).
    Hang {
        first: usize,
        delay: Duration,
    },
}

#[derive(Default)]
struct Seen {
    requests: usize,
    accepted: Vec<String>,
    in_flight: HashSet<String>,
    attempts_per_event: HashMap<String, usize>,
}

struct OpenRequest {
    seen: Arc<Mutex<Seen>>,
    event_id: String,
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.seen.lock().unwrap().in_flight.remove(&self.event_id);
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Seen>>,
    overlaps: Arc<AtomicUsize>,
}

impl Receiver {
    /// Starts a receiver; `hold` is how long each accepted request is held open,
    /// which widens the window in which a concurrent duplicate would be seen.
    pub async fn start(fault: Fault, hold: Duration) -> Receiver {
        let receiver = Receiver {
            url: String::new(),
            seen: Arc::default(),
            overlaps: Arc::default(),
        };
        let r = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: String| {
                let r = r.clone();
                async move { r.handle(fault, hold, body).await }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, ..receiver }
    }

    async fn handle(&self, fault: Fault, hold: Duration, body: String) -> StatusCode {
        let event_id = unverified_event_id(&body);
        let n = {
            let mut seen = self.seen.lock().unwrap();
            seen.requests += 1;
            *seen.attempts_per_event.entry(event_id.clone()).or_default() += 1;
            if !seen.in_flight.insert(event_id.clone()) {
                self.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            seen.requests
        };
        // Hyper drops the handler when the sender's connection goes away (a
        // killed instance), so the entry is removed on drop, not at the end.
        let _open = OpenRequest {
            seen: self.seen.clone(),
            event_id,
        };
        let status = match fault {
            Fault::Fail { first } if n <= first => StatusCode::INTERNAL_SERVER_ERROR,
            Fault::Answer(statuses) if n <= statuses.len() => {
                StatusCode::from_u16(statuses[n - 1]).expect("a valid status")
            }
            Fault::Hang { first, delay } if n <= first => {
                tokio::time::sleep(delay).await;
                // Too late: the dispatcher has given up on this attempt, so it
                // does not count as received.
                StatusCode::OK
            }
            _ => {
                tokio::time::sleep(hold).await;
                self.seen.lock().unwrap().accepted.push(body);
                StatusCode::OK
            }
        };
        status
    }

    /// Bodies answered in time with 200, in arrival order.
    pub fn bodies(&self) -> Vec<String> {
        self.seen.lock().unwrap().accepted.clone()
    }

    /// Distinct event ids among the accepted bodies.
    pub fn event_ids(&self) -> HashSet<String> {
        self.bodies()
            .iter()
            .map(|b| unverified_event_id(b))
            .collect()
    }

    /// Every request received, accepted or not.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().requests
    }

    /// How often a request arrived for an event while another for it was open.
    pub fn overlaps(&self) -> usize {
        self.overlaps.load(Ordering::SeqCst)
    }

    /// Waits until `n` bodies were accepted, or `limit` passed.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + limit;
        while self.bodies().len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.bodies()
    }
}

/// The DomainEvent id inside a webhook JWT, read without checking the signature
/// (the tests that check signatures do so separately).
pub fn unverified_event_id(token: &str) -> String {
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .expect("a JWT")
        .claims;
    let envelope: Value = serde_json::from_str(claims["data"].as_str().unwrap()).unwrap();
    let event: Value = serde_json::from_str(envelope["data"].as_str().unwrap()).unwrap();
    event["id"].as_str().unwrap().to_string()
}
