//! PostgreSQL going away and coming back, on a throwaway cluster of the
//! test's own (never the shared one): requests answer 503 in the Wix format
//! within 3 s, readiness says so within 1 s, nothing unacknowledged is kept,
//! and once the database is back the service recovers by itself with no 500,
//! and the dispatcher delivers what was queued.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection;

use crate::harness::*;
use crate::receiver::{Fault, Receiver};

#[path = "../../benches/common/cluster.rs"]
mod cluster;
use cluster::Cluster;

async fn create(app: &TestApp) -> reqwest::Response {
    app.client
        .post(format!("{}/ecom/v1/checkout-templates", app.base))
        .header("Authorization", ADMIN_A)
        .header("wix-site-id", SITE_A)
        .json(&json!({"checkoutTemplate": simple_template()}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_is_503_then_recovers_by_itself() {
    let cluster = Cluster::create();
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE ct")
        .execute(&mut admin)
        .await
        .unwrap();
    drop(admin);
    let receiver = Receiver::start(Fault::None, Duration::ZERO).await;
    let config = format!(
        "{BASE_CONFIG}\n[[apps]]\nid = \"{STORES_APP}\"\nwebhook_url = \"{}\"\n\n\
         [webhooks]\nretry_schedule_secs = [0.2]\npoll_interval_ms = 100\n",
        receiver.url
    );
    let app = TestApp::on_database(&cluster.url("ct"), &config).await;

    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let resp = create(&app).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        acknowledged.push(body["checkoutTemplate"]["id"].as_str().unwrap().to_string());
    }
    receiver.wait_for(5, Duration::from_secs(10)).await;

    cluster.ctl("stop");
    let started = Instant::now();
    let ready = app
        .client
        .get(format!("{}/_emulator/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    for _ in 0..3 {
        let started = Instant::now();
        let resp = create(&app).await;
        let took = started.elapsed();
        assert_eq!(
            resp.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "during the outage"
        );
        assert!(took < Duration::from_secs(3), "answered in {took:?}");
        assert!(resp.headers().contains_key("retry-after"));
        assert!(resp.headers().contains_key("x-wix-request-id"));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["details"]["applicationError"]["code"], "UNAVAILABLE");
    }

    // Long enough for the pool's connections to count as idle.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // pg_ctlcluster returns once the database accepts connections again.
    cluster.ctl("start");
    // Every request from now on succeeds at once: no stale pooled or kept
    // connection reaches a request, whichever kind of work it does.
    for i in 0..40 {
        if i % 2 == 0 {
            let resp = create(&app).await;
            assert_eq!(
                resp.status(),
                StatusCode::OK,
                "create {i} after the restart"
            );
            let body: Value = resp.json().await.unwrap();
            acknowledged.push(body["checkoutTemplate"]["id"].as_str().unwrap().to_string());
        } else {
            let id = &acknowledged[i % acknowledged.len()];
            let resp = app
                .client
                .get(format!("{}/ecom/v1/checkout-templates/{id}", app.base))
                .header("Authorization", ADMIN_A)
                .header("wix-site-id", SITE_A)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "read {i} after the restart");
        }
    }
    let ready = app
        .client
        .get(format!("{}/_emulator/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        app.count(checkout_templates::store::Table::Templates).await,
        acknowledged.len() as i64,
        "exactly the acknowledged creates are stored"
    );
    // The dispatcher resumed: every created template's event arrives.
    receiver
        .wait_for(acknowledged.len(), Duration::from_secs(30))
        .await;
    drop(app);
    drop(cluster);
}

/// A restart no request saw: the connections pooled before it are dead, and
/// none of them may reach a request afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_from_before_a_quiet_restart_never_reach_a_request() {
    let cluster = Cluster::create();
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE ct")
        .execute(&mut admin)
        .await
        .unwrap();
    drop(admin);
    let app = TestApp::on_database(&cluster.url("ct"), BASE_CONFIG).await;
    // Several connections in the pool: concurrent reads and creates.
    let id = app.create_id(simple_template()).await;
    let get = |id: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/ecom/v1/checkout-templates/{id}", app.base))
                .header("Authorization", ADMIN_A)
                .header("wix-site-id", SITE_A)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let warm = futures::future::join_all((0..8).map(|_| get(id.clone()))).await;
    assert!(warm.iter().all(|s| *s == StatusCode::OK));

    cluster.ctl("stop");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    cluster.ctl("start");
    let after = futures::future::join_all((0..8).map(|_| get(id.clone()))).await;
    assert!(
        after.iter().all(|s| *s == StatusCode::OK),
        "reads right after the restart: {after:?}"
    );
    for _ in 0..4 {
        assert_eq!(create(&app).await.status(), StatusCode::OK);
    }
}
