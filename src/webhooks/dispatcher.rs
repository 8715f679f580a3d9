//! Delivers outbox events to every subscribing app: claims due deliveries under
//! a lease, signs off the async workers, POSTs, records every attempt, retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::retry::RetryPolicy;
use super::signer::AppSigner;
use super::signing::SigningPool;
use crate::store::{now_micros, After, Attempt, Claimed, Store};

/// Time kept free at the end of a lease to record the attempt.
const LEASE_MARGIN_MICROS: i64 = 500_000;

/// Longest wait for more free slots before claiming for the few there are.
const CLAIM_GATHER: Duration = Duration::from_millis(2);

/// Longest response body kept in the delivery log.
const KEPT_BODY: usize = 1024;

#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// A 2xx within this is delivered; Wix waits 1250 ms.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// How often to look for due deliveries when nothing woke the dispatcher.
    pub poll_interval: Duration,
    /// Deliveries claimed, and sent concurrently, at a time.
    pub batch_size: i64,
    /// How long a claim is exclusive; longer than any attempt can take.
    pub lease: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            timeout: Duration::from_millis(1250),
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_millis(500),
            batch_size: 32,
            lease: Duration::from_secs(30),
        }
    }
}

/// Where webhooks are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOn {
    /// Signing threads beside the async workers, so API requests served by
    /// the same process never wait behind an RSA operation.
    Threads,
    /// The async workers themselves: for a process that only dispatches, this
    /// saves a thread handoff per webhook.
    Workers,
}

pub struct Dispatcher {
    store: Store,
    apps: HashMap<String, Arc<AppSigner>>,
    client: reqwest::Client,
    settings: DispatchSettings,
    wake: Arc<Notify>,
    /// `None`: sign on the async workers themselves.
    signing: Option<SigningPool>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        apps: HashMap<String, Arc<AppSigner>>,
        settings: DispatchSettings,
        wake: Arc<Notify>,
        sign_on: SignOn,
    ) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client builds");
        Dispatcher {
            store,
            apps,
            client,
            settings,
            wake,
            signing: match sign_on {
                SignOn::Threads => Some(SigningPool::start()),
                SignOn::Workers => None,
            },
        }
    }

    /// Runs until `shutdown` turns true; in-flight attempts finish first, and
    /// what is not yet claimed stays queued in the database.
    ///
    /// Up to `batch_size` attempts are in flight at once; a slot freed by one
    /// finished attempt is refilled at once, so one slow receiver does not hold
    /// back the others.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let capacity = this.settings.batch_size.max(1) as usize;
        let mut in_flight = JoinSet::new();
        let mut gather_until = None;
        loop {
            while let Some(done) = in_flight.try_join_next() {
                log_task_failure(done);
            }
            if *shutdown.borrow() {
                break;
            }
            let free = capacity - in_flight.len();
            if free == 0 {
                tokio::select! {
                    Some(done) = in_flight.join_next() => log_task_failure(done),
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            // A claim per freed slot would cost a statement per delivery: let a
            // quarter of the slots free up first, but only briefly, so a slow
            // receiver holding the rest delays nobody.
            if free < capacity.div_ceil(4) && !in_flight.is_empty() {
                let until = *gather_until.get_or_insert_with(|| Instant::now() + CLAIM_GATHER);
                if Instant::now() < until {
                    tokio::select! {
                        Some(done) = in_flight.join_next() => log_task_failure(done),
                        _ = tokio::time::sleep_until(until.into()) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
            }
            gather_until = None;
            match this.claim(free as i64).await {
                Ok(claimed) if claimed.is_empty() => {
                    tokio::select! {
                        _ = this.wake.notified() => {}
                        _ = tokio::time::sleep(this.settings.poll_interval) => {}
                        _ = shutdown.changed() => {}
                        Some(done) = in_flight.join_next(), if !in_flight.is_empty() => log_task_failure(done),
                    }
                }
                Ok(claimed) => {
                    for delivery in claimed {
                        let this = Arc::clone(&this);
                        in_flight.spawn(async move { this.deliver(delivery).await });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "claiming webhook deliveries failed; retrying shortly");
                    tokio::select! {
                        _ = tokio::time::sleep(this.settings.poll_interval) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        while let Some(done) = in_flight.join_next().await {
            log_task_failure(done);
        }
    }

    async fn claim(&self, limit: i64) -> anyhow::Result<Vec<Claimed>> {
        let now = now_micros();
        let lease_until = now + self.settings.lease.as_micros() as i64;
        Ok(self.store.claim_deliveries(now, lease_until, limit).await?)
    }

    async fn deliver(&self, delivery: Claimed) -> anyhow::Result<()> {
        let started = Instant::now();
        let outcome = self.attempt(&delivery).await;
        let attempt = Attempt {
            status_code: outcome.status.map(i64::from),
            error: outcome.error,
            latency_ms: started.elapsed().as_millis() as i64,
            response_body: outcome.body,
            at: now_micros(),
        };
        let after = if outcome.delivered {
            After::Delivered
        } else {
            let unit: f64 = rand::thread_rng().gen();
            self.settings.retry.after_failure(
                delivery.attempt,
                delivery.created_at,
                attempt.at,
                unit,
            )
        };
        self.store.finish_attempt(&delivery, attempt, after).await?;
        Ok(())
    }

    async fn attempt(&self, delivery: &Claimed) -> Outcome {
        let Some(app) = self.apps.get(&delivery.app_id).cloned() else {
            return Outcome::failed(format!("app {} is no longer configured", delivery.app_id));
        };
        let Some(url) = app.webhook_url.clone() else {
            return Outcome::failed(format!("app {} has no webhook_url", delivery.app_id));
        };
        if let Err(e) = app.ready().await {
            return Outcome::failed(format!("loading the signing key failed: {e:#}"));
        }
        let event = delivery.event.clone();
        let now_secs = now_micros() / 1_000_000;
        let signed = match &self.signing {
            Some(pool) => pool.sign(app, event, now_secs).await,
            None => app.sign(&event, now_secs),
        };
        let token = match signed {
            Ok(token) => token,
            Err(e) => return Outcome::failed(format!("signing failed: {e:#}")),
        };
        // Sending must end inside the lease, or another instance could claim
        // this delivery and send it at the same time.
        let must_end_by =
            now_micros() + self.settings.timeout.as_micros() as i64 + LEASE_MARGIN_MICROS;
        if must_end_by > delivery.lease_until {
            return Outcome::failed(
                "the lease ran out before sending; left for the next claim".into(),
            );
        }
        let response = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body(token)
            .send()
            .await;
        match response {
            Err(e) if e.is_timeout() => {
                Outcome::failed(format!("no response within {:?}", self.settings.timeout))
            }
            Err(e) => Outcome::failed(format!("request failed: {e}")),
            Ok(r) => {
                let status = r.status();
                let body = match tokio::time::timeout(self.settings.timeout, r.text()).await {
                    Ok(Ok(text)) => Some(text.chars().take(KEPT_BODY).collect()),
                    _ => None,
                };
                Outcome {
                    delivered: status.is_success(),
                    status: Some(status.as_u16()),
                    error: (!status.is_success()).then(|| format!("HTTP {status}")),
                    body,
                }
            }
        }
    }
}

fn log_task_failure(done: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "recording a webhook attempt failed")
        }
        Err(e) => tracing::error!(error = %e, "a webhook delivery task failed"),
    }
}

struct Outcome {
    delivered: bool,
    status: Option<u16>,
    error: Option<String>,
    body: Option<String>,
}

impl Outcome {
    fn failed(error: String) -> Outcome {
        Outcome {
            delivered: false,
            status: None,
            error: Some(error),
            body: None,
        }
    }
}
