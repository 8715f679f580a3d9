//! Chaos under a write load: `kill -9` of the emulator and restarts of its
//! PostgreSQL, then an account of what survived. Prints acknowledged writes,
//! lost writes (acknowledged but not stored), undelivered events (stored but
//! never received), phantom events (received for nothing stored) and
//! duplicates (received more than once: allowed, webhooks are at least once).
//! Exits non-zero on any lost write, phantom or undelivered event.
//!
//! `bench/chaos KILLS RESTARTS`: KILLS kill cycles on SQLite, then KILLS kill
//! cycles and RESTARTS database restarts, interleaved, on PostgreSQL. The
//! PostgreSQL is a throwaway cluster made for the run (never the shared one),
//! so the machine needs PostgreSQL's cluster tools (`pg_createcluster`).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::Connection;

use common::cluster::Cluster;
use common::*;

const WRITERS: usize = 8;

/// Counts each event id the webhooks carry.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<HashMap<String, usize>>>);

impl Received {
    async fn listen(&self) -> String {
        let seen = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |token: String| {
                let seen = seen.clone();
                async move {
                    *seen.0.lock().unwrap().entry(event_id(&token)).or_default() += 1;
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn ids(&self) -> HashSet<String> {
        self.0.lock().unwrap().keys().cloned().collect()
    }

    fn duplicates(&self) -> usize {
        self.0.lock().unwrap().values().map(|n| n - 1).sum()
    }
}

/// The DomainEvent id inside a webhook JWT (the signature is not the point here).
fn event_id(token: &str) -> String {
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .expect("a JWT")
        .claims;
    let envelope: Value = serde_json::from_str(claims["data"].as_str().unwrap()).unwrap();
    let event: Value = serde_json::from_str(envelope["data"].as_str().unwrap()).unwrap();
    event["id"].as_str().unwrap().to_string()
}

/// What one engine's run came to.
#[derive(Default)]
struct Tally {
    acknowledged: usize,
    lost: usize,
    undelivered: usize,
    phantom: usize,
    duplicates: usize,
}

/// Writers create templates until `stop`; each id answered 200 is kept.
fn start_writers(
    base: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<String>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..WRITERS)
        .map(|_| {
            let (base, stop, acked) = (base.clone(), stop.clone(), acked.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let template = json!({"checkoutTemplate": {"customLineItems": [
                    {"quantity": 1, "price": "5", "productName": {"original": "Chaos"},
                     "itemType": {"preset": "PHYSICAL"}}
                ]}});
                while !stop.load(Ordering::Relaxed) {
                    let url = format!("{}/ecom/v1/checkout-templates", base.lock().unwrap());
                    let sent = client
                        .post(url)
                        .header("Authorization", KEY)
                        .header("wix-site-id", SITE)
                        .json(&template)
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            if let Ok(body) = r.json::<Value>().await {
                                if let Some(id) = body["checkoutTemplate"]["id"].as_str() {
                                    acked.lock().unwrap().push(id.to_string());
                                }
                            }
                        }
                        // A template the service refuses is the bench's own
                        // mistake, not chaos: stop rather than count nothing.
                        Ok(r) if r.status().is_client_error() => {
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            eprintln!(
                                "chaos: the writers' template was refused ({status}): {body}"
                            );
                            std::process::exit(2);
                        }
                        // Refused while restarting, 503 while the database is away.
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
            })
        })
        .collect()
}

async fn column(url: &str, sql: &str) -> HashSet<String> {
    let rows: Vec<(String,)> = if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    };
    rows.into_iter().map(|(s,)| s).collect()
}

async fn chaos(
    label: &str,
    database_url: &str,
    dir: &Path,
    kills: usize,
    restarts: usize,
    cluster: Option<&Cluster>,
) -> Tally {
    let received = Received::default();
    let hook = received.listen().await;
    let config = write_config(
        dir,
        Some(&hook),
        "[webhooks]\ntimeout_ms = 500\nlease_ms = 2000\nretry_schedule_secs = [0.2]\npoll_interval_ms = 50\n",
    );
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
    ];
    let mut server = start(&args, database_url);
    let base = Arc::new(Mutex::new(server.base.clone()));
    let (stop, acked) = (Arc::new(AtomicBool::new(false)), Arc::default());
    let writers = start_writers(base.clone(), stop.clone(), Arc::clone(&acked));
    let started = Instant::now();
    // Restarts spread evenly among the kills.
    let events = kills.max(restarts);
    let (mut killed, mut restarted) = (0, 0);
    for i in 0..events {
        tokio::time::sleep(Duration::from_millis(150 + (i as u64 * 37) % 200)).await;
        if restarted < restarts && (i * restarts) / events.max(1) >= restarted {
            if let Some(cluster) = cluster {
                cluster.ctl("restart");
                restarted += 1;
            }
        }
        if killed < kills {
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            server = start(&args, database_url);
            *base.lock().unwrap() = server.base.clone();
            killed += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.await;
    }
    // Let the last instance deliver everything committed.
    let stored = column(database_url, "SELECT id FROM checkout_templates").await;
    let events: HashSet<String> = column(database_url, "SELECT id FROM outbox_events").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !events.is_subset(&received.ids()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();
    let acked: Vec<String> = acked.lock().unwrap().clone();
    let got = received.ids();
    let tally = Tally {
        acknowledged: acked.len(),
        lost: acked.iter().filter(|id| !stored.contains(*id)).count(),
        undelivered: events.difference(&got).count(),
        phantom: got.difference(&events).count(),
        duplicates: received.duplicates(),
    };
    println!(
        "| {label} | {killed} | {restarted} | {:.0} s | {} | {} | {} | {} | {} |",
        started.elapsed().as_secs_f64(),
        tally.acknowledged,
        tally.lost,
        tally.undelivered,
        tally.phantom,
        tally.duplicates
    );
    tally
}

#[tokio::main]
async fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (kills, restarts) = (
        numbers.first().copied().unwrap_or(10),
        numbers.get(1).copied().unwrap_or(3),
    );
    let dir = std::env::temp_dir().join(format!("ct-chaos-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("## Chaos: kill -9 and database restarts under {WRITERS} writers\n");
    println!("| engine | kills | restarts | took | acknowledged | lost | undelivered | phantom | duplicates |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let sqlite = format!("sqlite://{}", dir.join("chaos.db").display());
    let mut tallies = vec![chaos("SQLite", &sqlite, &dir, kills, 0, None).await];
    let cluster = Cluster::create();
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE chaos")
        .execute(&mut admin)
        .await
        .unwrap();
    drop(admin);
    let postgres = cluster.url("chaos");
    tallies.push(
        chaos(
            "PostgreSQL",
            &postgres,
            &dir,
            kills,
            restarts,
            Some(&cluster),
        )
        .await,
    );
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    let bad = tallies
        .iter()
        .any(|t| t.lost > 0 || t.undelivered > 0 || t.phantom > 0 || t.acknowledged == 0);
    if bad {
        eprintln!(
            "chaos: writes were lost, events went undelivered or phantom, or nothing was written"
        );
        std::process::exit(1);
    }
}
