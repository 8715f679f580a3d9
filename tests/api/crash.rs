//! `kill -9` under a stream of writes, then a restart: every committed event is
//! delivered. On PostgreSQL two instances share the database, and no event is
//! ever sent by both at the same time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::json;
use sqlx::Row as _;

use crate::harness::*;
use crate::process::{start, terminate};
use crate::receiver::{Fault, Receiver};

const APP: &str = "0c0c0c0c-0000-4000-8000-00000000000c";

async fn committed(url: &str, sql: &str) -> HashSet<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let ids = sqlx::query(sql)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    pool.close().await;
    ids
}

async fn no_committed_event_is_lost(engine: Engine, instances: usize) {
    // Each accepted request is held a while, so that a second concurrent send
    // of the same event would overlap it and be counted.
    let r = Receiver::start(Fault::None, Duration::from_millis(30)).await;
    let db = fresh_database(engine).await;
    let dir = std::env::temp_dir().join(format!("ct-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"{BASE_CONFIG}
[[apps]]
id = "{APP}"
webhook_url = "{}"

[webhooks]
timeout_ms = 400
lease_ms = 1800
{FAST_RESENDS}
poll_interval_ms = 50
batch_size = 8
"#,
            r.url
        ),
    )
    .unwrap();
    let args = ["--config", config.to_str().unwrap()];
    let mut running: Vec<_> = (0..instances)
        .map(|_| start(&dir, Some(&db.url), &args))
        .collect();
    let bases = Arc::new(RwLock::new(
        running.iter().map(|r| r.base.clone()).collect::<Vec<_>>(),
    ));

    // Four writers create templates round-robin across the instances.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut writers = Vec::new();
    for w in 0..4 {
        let (bases, acknowledged, stopped) = (bases.clone(), acknowledged.clone(), stopped.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = w;
            while !*stopped.borrow() {
                i += 1;
                let base = {
                    let b = bases.read().unwrap();
                    b[i % b.len()].clone()
                };
                let sent = client
                    .post(format!("{base}/ecom/v1/checkout-templates"))
                    .header("Authorization", ADMIN_A)
                    .header("wix-site-id", SITE_A)
                    .json(&json!({"checkoutTemplate": simple_template()}))
                    .send()
                    .await;
                match sent {
                    Ok(resp) if resp.status() == 200 => {
                        let body: serde_json::Value = resp.json().await.unwrap();
                        let id = body["checkoutTemplate"]["id"].as_str().unwrap().to_string();
                        acknowledged.lock().unwrap().push(id);
                    }
                    Ok(resp) => panic!("a write failed with {}", resp.status()),
                    // The killed instance refuses connections until it is back.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        }));
    }

    tokio::time::sleep(Duration::from_millis(800)).await;
    let victim = running.remove(0);
    victim.kill_hard();
    let before_restart = acknowledged.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let restarted = start(&dir, Some(&db.url), &args);
    bases.write().unwrap()[0] = restarted.base.clone();
    running.insert(0, restarted);
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop.send(true).unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(
        before_restart > 10,
        "writes were flowing when the instance was killed"
    );
    assert!(
        acknowledged.len() > before_restart,
        "writes went on after the restart"
    );

    // Every acknowledged write is committed, and every committed template has
    // its event; nothing else was committed.
    let templates = committed(&db.url, "SELECT id FROM checkout_templates").await;
    assert!(acknowledged.is_subset(&templates));
    let events = committed(&db.url, "SELECT id FROM outbox_events").await;
    let created_for = committed(
        &db.url,
        "SELECT entity_id FROM outbox_events WHERE slug = 'created'",
    )
    .await;
    assert_eq!(
        created_for, templates,
        "one created event per committed template"
    );
    assert_eq!(events.len(), templates.len());

    // Deliveries the killed instance had claimed come back once their lease ends.
    for _ in 0..300 {
        if r.event_ids().is_superset(&events) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = r.event_ids();
    let missing: Vec<_> = events.difference(&received).collect();
    assert!(
        missing.is_empty(),
        "{} of {} committed events never arrived",
        missing.len(),
        events.len()
    );
    assert!(received.is_subset(&events), "no event without its change");
    assert_eq!(r.overlaps(), 0, "an event was sent twice at the same time");

    for instance in running {
        assert!(terminate(instance).success());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_writes_then_restart_sqlite() {
    no_committed_event_is_lost(Engine::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_writes_then_restart_two_instances_postgres() {
    no_committed_event_is_lost(Engine::Postgres, 2).await;
}

/// The API and the dispatcher as separate processes on one database: the API
/// process only writes, the dispatcher process delivers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_dispatcher_run_as_separate_processes() {
    let r = Receiver::start(Fault::None, Duration::ZERO).await;
    let db = fresh_database(Engine::Postgres).await;
    let dir = std::env::temp_dir().join(format!("ct-split-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{BASE_CONFIG}\n[[apps]]\nid = \"{APP}\"\nwebhook_url = \"{}\"\n\n[webhooks]\npoll_interval_ms = 50\n{FAST_RESENDS}\n",
            r.url
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let api = start(
        &dir,
        Some(&db.url),
        &["--config", config, "--no-dispatcher"],
    );
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let resp = client
            .post(format!("{}/ecom/v1/checkout-templates", api.base))
            .header("Authorization", ADMIN_A)
            .header("wix-site-id", SITE_A)
            .json(&json!({"checkoutTemplate": simple_template()}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.requests(), 0, "the API process sends nothing itself");

    let mut dispatcher = crate::process::start_dispatcher(&dir, &db.url, &["--config", config]);
    let bodies = r.wait_for(5, Duration::from_secs(10)).await;
    assert_eq!(bodies.len(), 5);
    assert_eq!(
        r.event_ids(),
        committed(&db.url, "SELECT id FROM outbox_events").await
    );
    std::process::Command::new("kill")
        .args(["-TERM", &dispatcher.id().to_string()])
        .status()
        .unwrap();
    assert!(dispatcher.wait().unwrap().success());
    assert!(terminate(api).success());
    let _ = std::fs::remove_dir_all(&dir);
}
