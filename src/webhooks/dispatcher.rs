//! Delivers outbox events to every subscribing app: claims due deliveries under
//! a lease, signs them in runs off the async workers, POSTs each, records every
//! attempt, retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::{FutureExt as _, Shared};
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use http::Uri;
use rand::Rng;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};

use super::apps::AppSigner;
use super::http::{drop_connection, parse_url, text, WebhookClient};
use super::settings::DispatchSettings;
use super::signing_threads::SigningPool;
use crate::clock::Clock;
use crate::faults::{Faults, Operation, Rule};
use crate::store::{After, Attempt, Claimed, Claimer, Store};

/// Time kept free at the end of a lease to record the attempt.
const LEASE_MARGIN_MICROS: i64 = 500_000;

/// Longest wait for more free slots before claiming for the few there are.
const CLAIM_GATHER: Duration = Duration::from_millis(2);

/// Longest response body kept in the delivery log.
const KEPT_BODY: usize = 1024;

/// Where webhooks are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOn {
    /// Signing threads beside the async workers, so API requests served by
    /// the same process never wait behind an RSA operation.
    Threads,
    /// The async workers themselves: for a process that only dispatches, this
    /// saves a thread handoff per run of signatures.
    Workers,
}

pub struct Dispatcher {
    store: Store,
    apps: HashMap<String, Arc<AppSigner>>,
    /// Each app's webhook URL, parsed once rather than on every POST.
    urls: HashMap<String, Result<Uri, String>>,
    client: WebhookClient,
    settings: DispatchSettings,
    clock: Clock,
    /// Test control's fault rules; webhook rules shape attempts.
    faults: Arc<Faults>,
    wake: Arc<Notify>,
    /// `None`: sign on the async workers themselves.
    signing: Option<SigningPool>,
    /// A claim is signed in this many runs at once: one per core.
    runs: usize,
    /// Told each time an attempt is recorded and its slot freed.
    finished: Notify,
}

/// A claimed delivery, the slot it holds until its attempt is recorded, and
/// where it goes (or why it cannot go).
struct Job {
    delivery: Claimed,
    slot: OwnedSemaphorePermit,
    to: Result<(Arc<AppSigner>, Uri), String>,
    /// The webhook fault rule that fired for this attempt, if one did.
    fault: Option<Arc<Rule>>,
}

/// The end of a run's time to answer, shared by its POSTs.
type Deadline = Shared<tokio::time::Sleep>;

/// A job after signing: the URL and the token to POST, or why not.
struct Signed {
    delivery: Claimed,
    slot: OwnedSemaphorePermit,
    post: Result<(Uri, String), String>,
    fault: Option<Arc<Rule>>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        apps: HashMap<String, Arc<AppSigner>>,
        settings: DispatchSettings,
        clock: Clock,
        faults: Arc<Faults>,
        sign_on: SignOn,
    ) -> Self {
        let wake = store.wake_handle();
        // The client has no timeout: each run of POSTs has one deadline of its own.
        let client = WebhookClient::new();
        let urls = apps
            .iter()
            .filter_map(|(id, app)| {
                let url = app.webhook_url.as_deref()?;
                let parsed = parse_url(url)
                    .map_err(|e| format!("app {id} webhook_url {url:?} is not a URL: {e}"));
                Some((id.clone(), parsed))
            })
            .collect();
        Dispatcher {
            store,
            apps,
            urls,
            client,
            settings,
            clock,
            faults,
            wake,
            signing: match sign_on {
                SignOn::Threads => Some(SigningPool::start()),
                SignOn::Workers => None,
            },
            runs: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            finished: Notify::new(),
        }
    }

    /// Runs until `shutdown` turns true; in-flight attempts finish first, and
    /// what is not yet claimed stays queued in the database.
    ///
    /// Up to `batch_size` attempts are in flight at once, each holding a slot
    /// until its attempt is recorded; a freed slot is refilled soon after, so
    /// one slow receiver does not hold back the others.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let capacity = this.settings.batch_size.clamp(1, i64::from(u32::MAX >> 3)) as u32;
        let slots = Arc::new(Semaphore::new(capacity as usize));
        let gather = capacity.div_ceil(4);
        let mut claimer = this.store.claimer();
        let mut failures = 0u32;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let mut held = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the slots are never closed"),
                _ = shutdown.changed() => continue,
            };
            // A claim per freed slot would cost a statement per delivery: let a
            // quarter of the slots free up first, but only briefly, so a slow
            // receiver holding the rest delays nobody.
            if 1 + (slots.available_permits() as u32) < gather {
                let more = tokio::time::timeout(
                    CLAIM_GATHER,
                    slots.clone().acquire_many_owned(gather - 1),
                );
                if let Ok(more) = more.await {
                    held.merge(more.expect("the slots are never closed"));
                }
            }
            let rest = slots.available_permits() as u32;
            if rest > 0 {
                if let Ok(rest) = slots.clone().try_acquire_many_owned(rest) {
                    held.merge(rest);
                }
            }
            let claimed = this.claim(&mut claimer, held.num_permits() as i64).await;
            if claimed.is_ok() {
                failures = 0;
            }
            match claimed {
                Ok(claimed) if claimed.is_empty() => {
                    drop(held);
                    let busy = slots.available_permits() < capacity as usize;
                    tokio::select! {
                        _ = this.wake.notified() => {}
                        _ = tokio::time::sleep(this.settings.poll_interval) => {}
                        _ = shutdown.changed() => {}
                        _ = this.finished.notified(), if busy => {}
                    }
                }
                Ok(claimed) => {
                    let jobs: Vec<Job> = claimed
                        .into_iter()
                        .map(|delivery| Job {
                            to: this.destination(&delivery),
                            slot: held.split(1).expect("a slot per claimed delivery"),
                            delivery,
                            fault: None,
                        })
                        .collect();
                    drop(held);
                    for run in into_runs(jobs, this.runs) {
                        let this = Arc::clone(&this);
                        tokio::spawn(async move { this.deliver_run(run).await });
                    }
                }
                Err(e) => {
                    drop(held);
                    // The database may be gone for a while: back off, up to a
                    // few seconds, and resume once a claim works again.
                    failures += 1;
                    let wait = backoff(this.settings.poll_interval, failures);
                    tracing::warn!(error = %format!("{e:#}"), ?wait, "claiming webhook deliveries failed; trying again");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        // Every attempt in flight holds a slot until it is recorded.
        let _ = slots.acquire_many(capacity).await;
    }

    async fn claim(&self, claimer: &mut Claimer, limit: i64) -> anyhow::Result<Vec<Claimed>> {
        let now = self.clock.now_micros();
        let lease_until = now + self.settings.lease.as_micros() as i64;
        Ok(claimer
            .claim(now, lease_until, limit, self.clock.max_offset())
            .await?)
    }

    /// The app and URL a delivery goes to, or why it cannot be sent.
    fn destination(&self, delivery: &Claimed) -> Result<(Arc<AppSigner>, Uri), String> {
        let app = self
            .apps
            .get(&delivery.app_id)
            .ok_or_else(|| format!("app {} is no longer configured", delivery.app_id))?;
        let url = self
            .urls
            .get(&delivery.app_id)
            .ok_or_else(|| format!("app {} has no webhook_url", delivery.app_id))?
            .clone()?;
        Ok((Arc::clone(app), url))
    }

    /// Signs a run of deliveries back to back, then sends and records each on
    /// its own. Signing them together keeps the RSA code and keys in the
    /// core's caches and costs one handoff to a signing thread per run.
    async fn deliver_run(self: Arc<Self>, mut run: Vec<Job>) {
        for job in &mut run {
            if let Ok((app, _)) = &job.to {
                if let Err(e) = app.ready().await {
                    job.to = Err(format!("loading the signing key failed: {e:#}"));
                }
                job.fault = self.fault_for(&job.delivery).await;
            }
        }
        let now_secs = self.clock.now_micros() / 1_000_000;
        let signed = match &self.signing {
            Some(pool) => match pool.run(move || sign_run(run, now_secs)).await {
                Ok(signed) => signed,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "a run of webhooks was not signed; their leases will run out and they will be claimed again");
                    return;
                }
            },
            None => sign_run(run, now_secs),
        };
        // The run's POSTs start together, so they share one deadline and one
        // timer: a timer per POST cost a wake-up of the runtime's timer per
        // delivery. Each attempt is recorded, and its slot freed, as soon as
        // it ends, whatever the others in the run are doing.
        let deadline = tokio::time::sleep(self.settings.timeout).shared();
        let mut attempts: FuturesUnordered<_> = signed
            .into_iter()
            .map(|job| {
                let deadline = deadline.clone();
                let this = &self;
                async move {
                    let Signed {
                        delivery,
                        slot,
                        post,
                        fault,
                    } = job;
                    if let Err(e) = this.deliver(&delivery, post, deadline, fault).await {
                        tracing::warn!(error = %format!("{e:#}"), "recording a webhook attempt failed");
                    }
                    drop(slot);
                    this.finished.notify_one();
                }
            })
            .collect();
        while attempts.next().await.is_some() {}
    }

    /// The webhook fault rule of the delivery's site that fires for this
    /// attempt, if any. A failure to count it is logged and sends the
    /// attempt as it is.
    async fn fault_for(&self, delivery: &Claimed) -> Option<Arc<Rule>> {
        let candidates = self.faults.candidates(
            &delivery.event.site_id,
            Operation::Webhook,
            Some(&delivery.app_id),
        );
        if candidates.is_empty() {
            return None;
        }
        match self.store.first_firing(candidates).await {
            Ok(fired) => fired,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "counting a webhook fault failed; sending as is");
                None
            }
        }
    }

    async fn deliver(
        &self,
        delivery: &Claimed,
        post: Result<(Uri, String), String>,
        deadline: Deadline,
        fault: Option<Arc<Rule>>,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let outcome = match (post, &fault) {
            (Ok((url, token)), Some(rule)) => {
                self.attempt_with_fault(delivery, url, token, rule).await
            }
            (Ok((url, token)), None) => self.attempt(delivery, url, token, deadline).await,
            (Err(e), _) => Outcome::failed(e),
        };
        let attempt = Attempt {
            status_code: outcome.status.map(i64::from),
            error: outcome.error,
            latency_ms: started.elapsed().as_millis() as i64,
            response_body: outcome.body,
            at: self.clock.site_now(&delivery.event.site_id),
            fault: fault.as_deref().map(fault_note),
        };
        let after = if outcome.delivered {
            After::Delivered
        } else {
            let unit: f64 = rand::thread_rng().gen();
            self.settings
                .after_failure(delivery.attempt, attempt.at, unit)
        };
        if !outcome.delivered {
            log_failure(delivery, &attempt, &after);
        }
        self.store.finish_attempt(delivery, attempt, after).await?;
        Ok(())
    }

    /// An attempt as a fault rule shapes it: after its delay, the
    /// connection dropped before the request is sent, or the request sent
    /// twice (the same event id) and the first answer kept. (A bad
    /// signature was made when the job was signed.)
    async fn attempt_with_fault(
        &self,
        delivery: &Claimed,
        url: Uri,
        token: String,
        rule: &Rule,
    ) -> Outcome {
        let delay = Duration::from_millis(rule.spec.delay_ms.unwrap_or(0));
        if !self.fits_in_lease(delivery, delay) {
            return Outcome::failed(
                "the lease ran out before sending; left for the next claim".into(),
            );
        }
        tokio::time::sleep(delay).await;
        if rule.spec.drop_connection {
            let dropped = tokio::time::timeout(self.settings.timeout, drop_connection(&url)).await;
            return Outcome::failed(match dropped {
                Ok(Ok(())) => format!(
                    "fault {}: the connection was dropped before the request was complete",
                    rule.id
                ),
                Ok(Err(e)) => format!("fault {}: dropping the connection: {e}", rule.id),
                Err(_) => format!(
                    "fault {}: no connection within {:?}",
                    rule.id, self.settings.timeout
                ),
            });
        }
        let deadline = tokio::time::sleep(self.settings.timeout).shared();
        if rule.spec.duplicate {
            let (first, _second) = tokio::join!(
                self.attempt(delivery, url.clone(), token.clone(), deadline.clone()),
                self.attempt(delivery, url, token, deadline)
            );
            return first;
        }
        self.attempt(delivery, url, token, deadline).await
    }

    /// Whether an attempt started after `delay` still ends inside its lease.
    fn fits_in_lease(&self, delivery: &Claimed, delay: Duration) -> bool {
        // Sending must end inside the lease, or another instance could claim
        // this delivery and send it at the same time.
        let must_end_by = self.clock.now_micros()
            + (delay + self.settings.timeout).as_micros() as i64
            + LEASE_MARGIN_MICROS;
        must_end_by <= delivery.lease_until
    }

    async fn attempt(
        &self,
        delivery: &Claimed,
        url: Uri,
        token: String,
        deadline: Deadline,
    ) -> Outcome {
        if !self.fits_in_lease(delivery, Duration::ZERO) {
            return Outcome::failed(
                "the lease ran out before sending; left for the next claim".into(),
            );
        }
        let send = self.client.post(url, token);
        let response = tokio::select! {
            response = send => response,
            _ = deadline.clone() => {
                return Outcome::failed(format!("no response within {:?}", self.settings.timeout));
            }
        };
        match response {
            Err(e) => Outcome::failed(e),
            Ok(r) => {
                let status = r.status();
                let body = tokio::select! {
                    text = text(r) => text.map(|text| text.chars().take(KEPT_BODY).collect()),
                    _ = deadline => None,
                };
                // As Wix: only a 200 is a delivery, not any 2xx.
                let delivered = status == http::StatusCode::OK;
                let error = match (delivered, status.is_success()) {
                    (true, _) => None,
                    (false, true) => Some(format!("HTTP {status}: only 200 counts as delivered")),
                    (false, false) => Some(format!("HTTP {status}")),
                };
                Outcome {
                    delivered,
                    status: Some(status.as_u16()),
                    error,
                    body,
                }
            }
        }
    }
}

/// The wait after `failures` failed claims in a row: the poll interval,
/// doubling, at most [`MAX_BACKOFF`].
fn backoff(poll_interval: Duration, failures: u32) -> Duration {
    poll_interval
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

/// The longest wait between claims while the database is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Signs each job's event as its app's webhook JWT, one after another (with
/// another key where a `badSignature` fault fired).
fn sign_run(run: Vec<Job>, now_secs: i64) -> Vec<Signed> {
    run.into_iter()
        .map(|job| {
            let stranger = job.fault.as_ref().is_some_and(|f| f.spec.bad_signature);
            Signed {
                post: job.to.and_then(|(app, url)| {
                    let event = &job.delivery.event;
                    let token = if stranger {
                        app.sign_as_stranger(event, now_secs)
                    } else {
                        app.sign(event, now_secs)
                    };
                    token
                        .map(|token| (url, token))
                        .map_err(|e| format!("signing failed: {e:#}"))
                }),
                delivery: job.delivery,
                slot: job.slot,
                fault: job.fault,
            }
        })
        .collect()
}

/// What the delivery log says of a fault rule that shaped an attempt.
fn fault_note(rule: &Rule) -> String {
    let spec = &rule.spec;
    let effects: Vec<&str> = [
        (spec.delay_ms.is_some(), "delay"),
        (spec.drop_connection, "dropConnection"),
        (spec.duplicate, "duplicate"),
        (spec.bad_signature, "badSignature"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    serde_json::json!({"id": rule.id, "effects": effects}).to_string()
}

/// Splits `jobs` into at most `runs` runs of nearly equal length, in order.
fn into_runs<T>(jobs: Vec<T>, runs: usize) -> Vec<Vec<T>> {
    let size = jobs.len().div_ceil(runs.max(1)).max(1);
    let mut jobs = jobs.into_iter().peekable();
    let mut out = Vec::with_capacity(runs);
    while jobs.peek().is_some() {
        out.push(jobs.by_ref().take(size).collect());
    }
    out
}

/// One `warn` line per failed attempt: which, why, and what happens next.
fn log_failure(delivery: &Claimed, attempt: &Attempt, after: &After) {
    let next = match after {
        After::RetryAt(at) => format!("retry in {:.1} s", (at - attempt.at) as f64 / 1e6),
        After::GiveUp => "no more retries: the delivery failed".into(),
        After::Delivered => "none".into(),
    };
    tracing::warn!(
        delivery = delivery.id,
        app = %delivery.app_id,
        event = %delivery.event.id,
        attempt = delivery.attempt,
        error = attempt.error.as_deref().unwrap_or("none"),
        %next,
        "webhook attempt failed"
    );
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

#[cfg(test)]
mod tests {
    use super::{backoff, into_runs, MAX_BACKOFF};
    use std::time::Duration;

    #[test]
    fn claims_back_off_doubling_up_to_a_bound() {
        let poll = Duration::from_millis(500);
        assert_eq!(backoff(poll, 1), poll);
        assert_eq!(backoff(poll, 2), 2 * poll);
        assert_eq!(backoff(poll, 3), 4 * poll);
        assert_eq!(backoff(poll, 40), MAX_BACKOFF);
    }

    #[test]
    fn runs_split_a_claim_evenly_and_keep_its_order() {
        assert_eq!(
            into_runs((1..=5).collect(), 2),
            vec![vec![1, 2, 3], vec![4, 5]]
        );
        assert_eq!(
            into_runs((1..=4).collect(), 2),
            vec![vec![1, 2], vec![3, 4]]
        );
        assert_eq!(into_runs(vec![1], 2), vec![vec![1]]);
        assert_eq!(into_runs((1..=3).collect(), 1), vec![vec![1, 2, 3]]);
        assert_eq!(
            into_runs((1..=7).collect(), 3),
            vec![vec![1, 2, 3], vec![4, 5, 6], vec![7]]
        );
    }
}
