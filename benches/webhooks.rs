//! Webhook dispatch, measured on the release binary: throughput draining a
//! backlog, and commit-to-delivery latency under a steady write rate, beside
//! this machine's own RSA-2048 signing rate (`openssl speed rsa2048`).
//!
//! `cargo bench --bench webhooks` (BENCH_ENGINES=sqlite|postgres to pick one;
//! BENCH_EVENTS sets the backlog size, 10,000 by default).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use serde_json::{json, Value};

use common::*;

/// Arrival time of each event id, as the receiver saw it.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<HashMap<String, Arrival>>>);

/// When the receiver saw an event, and the event's own time (ms since the epoch).
type Arrival = (SystemTime, i64);

impl Arrivals {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Serves `app` on a free local port; the URL of its `/hook`.
async fn hook_url(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// A receiver that answers 200 at once and notes (event id → arrival, event time).
async fn receiver(arrivals: Arrivals) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let arrivals = arrivals.clone();
            async move {
                let (id, event_time_ms) = event_of(&body);
                arrivals
                    .0
                    .lock()
                    .unwrap()
                    .entry(id)
                    .or_insert((SystemTime::now(), event_time_ms));
                "ok"
            }
        }),
    );
    hook_url(app).await
}

/// A receiver that answers 200 at once and only counts, so that it takes as
/// little as it can of the cores the dispatcher shares with it; what arrived
/// is checked afterwards in the delivery log.
async fn counting_receiver(count: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_: axum::body::Bytes| {
            count.fetch_add(1, Ordering::Relaxed);
            async { "ok" }
        }),
    );
    hook_url(app).await
}

/// Deliveries in state `delivered`, and attempts, in the database at `url`.
async fn delivered_and_attempts(url: &str) -> (i64, i64) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let delivered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_attempts")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    (delivered, attempts)
}

/// The DomainEvent's id and eventTime (ms since the epoch) from a JWT's payload.
/// The signature is not checked here: the test suite does that.
fn event_of(token: &str) -> (String, i64) {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let envelope: Value = serde_json::from_str(claims["data"].as_str().unwrap()).unwrap();
    let event: Value = serde_json::from_str(envelope["data"].as_str().unwrap()).unwrap();
    let time = time::OffsetDateTime::parse(
        event["eventTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (
        event["id"].as_str().unwrap().to_string(),
        (time.unix_timestamp_nanos() / 1_000_000) as i64,
    )
}

/// Creates `n` templates: one `created` event each.
async fn create_events(client: &reqwest::Client, base: &str, n: usize) {
    let template = json!({"customLineItems": [{"quantity": 1, "price": "5", "productName": {"original": "Bench"}, "itemType": {"preset": "PHYSICAL"}}]});
    bulk_create(client, base, n, &template).await;
}

struct Throughput {
    events: usize,
    per_second: f64,
    cores: f64,
}

/// Fills a backlog with the dispatcher off, then times a dispatch-only process
/// draining it; every event must be delivered once.
async fn throughput(engine: Engine, dir: &std::path::Path, events: usize) -> Throughput {
    let arrivals = Arc::new(AtomicUsize::new(0));
    let url = counting_receiver(arrivals.clone()).await;
    let db = Database::fresh(engine, dir).await;
    let config = write_config(dir, Some(&url), "[webhooks]\nbatch_size = 64\n");
    let config = config.to_str().unwrap();
    let api = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--config",
            config,
            "--no-dispatcher",
        ],
        &db.url,
    );
    create_events(&reqwest::Client::new(), &api.base, events).await;
    api.stop();

    let dispatcher = start(&["dispatch", "--config", config], &db.url);
    let arrived = || arrivals.load(Ordering::Relaxed);
    wait_until("the first delivery", Duration::from_secs(30), || {
        arrived() > 0
    })
    .await;
    let (started, cpu_before) = (Instant::now(), dispatcher.cpu_seconds());
    let first = arrived();
    wait_until("the backlog to drain", Duration::from_secs(600), || {
        arrived() >= events
    })
    .await;
    let wall = started.elapsed().as_secs_f64();
    let cpu = dispatcher.cpu_seconds() - cpu_before;
    dispatcher.stop();
    let (delivered, attempts) = delivered_and_attempts(&db.url).await;
    assert_eq!(
        (delivered, attempts, arrived()),
        (events as i64, events as i64, events),
        "every event delivered once, at its first attempt"
    );
    db.drop_it().await;
    Throughput {
        events,
        per_second: (events - first) as f64 / wall,
        cores: cpu / wall,
    }
}

/// Writes at a steady rate with the dispatcher in the API process; returns
/// commit-to-delivery latencies in ms (event time, stamped in the committing
/// transaction at millisecond precision, to arrival at the receiver).
async fn latency(engine: Engine, dir: &std::path::Path, rate: u64, seconds: u64) -> Vec<f64> {
    let arrivals = Arrivals::default();
    let url = receiver(arrivals.clone()).await;
    let db = Database::fresh(engine, dir).await;
    let config = write_config(dir, Some(&url), "");
    let api = serve(&config, &db.url);
    let client = reqwest::Client::new();
    // Warm up: the app's signing key is made on first use.
    create_events(&client, &api.base, 1).await;
    wait_until("the warm-up event", Duration::from_secs(30), || {
        arrivals.len() == 1
    })
    .await;

    let total = (rate * seconds) as usize;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut sent = Vec::new();
    for _ in 0..total {
        tick.tick().await;
        let (client, base) = (client.clone(), api.base.clone());
        sent.push(tokio::spawn(async move {
            create_events(&client, &base, 1).await
        }));
    }
    for s in sent {
        s.await.unwrap();
    }
    wait_until("every event", Duration::from_secs(60), || {
        arrivals.len() > total
    })
    .await;
    api.stop();
    db.drop_it().await;
    let mut ms: Vec<f64> = arrivals
        .0
        .lock()
        .unwrap()
        .values()
        .map(|(at, event_ms)| {
            let at_ms = at
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_micros() as f64
                / 1000.0;
            at_ms - *event_ms as f64
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// Signs per second of the emulator's own signer (envelope + RS256 JWT) on one
/// thread, after a second of warm-up.
async fn signer_rate(dir: &std::path::Path) -> f64 {
    let key = dir.join("bench-key.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .stderr(std::process::Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        return f64::NAN;
    }
    let store = checkout_templates::store::Store::connect("sqlite::memory:", 1)
        .await
        .unwrap();
    let app: checkout_templates::webhooks::AppConfig = toml::from_str(&format!(
        "id = \"{APP}\"\nprivate_key_path = \"{}\"\n",
        key.display()
    ))
    .unwrap();
    let signer = checkout_templates::webhooks::AppSigner::load(&store, &app).unwrap();
    let event = checkout_templates::store::EventRow {
        seq: 1,
        id: uuid::Uuid::new_v4().to_string(),
        site_id: SITE.into(),
        entity_id: uuid::Uuid::new_v4().to_string(),
        slug: checkout_templates::model::events::Slug::Created,
        body: json!({"id": "x", "customLineItems": [{"quantity": 1, "price": "5", "productName": {"original": "Bench"}, "itemType": {"preset": "PHYSICAL"}}]}).to_string(),
        event_time: 0,
    };
    // This machine's cores take a second or so of load to reach full speed.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(1) {
        std::hint::black_box(signer.sign(&event, 0).unwrap());
    }
    let n = 2000;
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(signer.sign(&event, 0).unwrap());
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// The machine's RSA-2048 signing rate per core, by `openssl speed`: one core
/// signing while the other cores idle, and every core signing at once.
#[derive(Clone, Copy)]
struct RsaRate {
    one_core: f64,
    all_cores: f64,
}

impl RsaRate {
    fn measure(cores: usize) -> Option<RsaRate> {
        Some(RsaRate {
            one_core: openssl_rsa2048_signs_per_core(1)?,
            all_cores: openssl_rsa2048_signs_per_core(cores)?,
        })
    }

    /// The mean of two measurements, taken before and after a run, so a
    /// machine whose speed drifts is compared with itself.
    fn around(before: Option<RsaRate>, after: Option<RsaRate>) -> Option<RsaRate> {
        let (b, a) = (before?, after?);
        Some(RsaRate {
            one_core: (b.one_core + a.one_core) / 2.0,
            all_cores: (b.all_cores + a.all_cores) / 2.0,
        })
    }
}

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("ct-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!("webhook dispatch ({cores} cores)");
    println!(
        "  the emulator's signer (envelope + RS256 JWT) alone: {:.0} signs/s on one thread",
        signer_rate(&dir).await
    );
    for engine in Engine::selected() {
        let before = RsaRate::measure(cores);
        let t = throughput(engine, &dir, events).await;
        let rsa = RsaRate::around(before, RsaRate::measure(cores));
        let per_core = t.per_second / t.cores.max(0.01);
        println!(
            "  {:<10} drain {} events: {:.0} events/s, dispatcher using {:.2} cores = {:.0} events/s per core",
            engine.name(),
            t.events,
            t.per_second,
            t.cores,
            per_core
        );
        match rsa {
            Some(rsa) => println!(
                "  {:<10} openssl speed rsa2048 around the drain: {:.0} signs/s on one core ({:.2} × per core), \
                 {:.0} per core with all {cores} signing ({:.2} × per core)",
                engine.name(),
                rsa.one_core,
                per_core / rsa.one_core,
                rsa.all_cores,
                per_core / rsa.all_cores,
            ),
            None => println!("  {:<10} openssl speed rsa2048: openssl not found", engine.name()),
        }
        let ms = latency(engine, &dir, 200, 5).await;
        println!(
            "  {:<10} commit-to-delivery at 200 writes/s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} events)",
            engine.name(),
            percentile(&ms, 0.50),
            percentile(&ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN),
            ms.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
