//! Group commit of creates and webhook attempts: under a burst of concurrent
//! creates (single and bulk) every template is stored exactly once, answered
//! only once committed, and its `created` webhook arrives exactly once — with
//! group commit on and off.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use crate::receiver::{unverified_event_id, Fault, Receiver};
use checkout_templates::store::Table;

const APP: &str = "0a0a0a0a-0000-4000-8000-00000000000b";

fn config(webhook_url: &str, performance: &str) -> String {
    format!(
        "{BASE_CONFIG}\n[[apps]]\nid = \"{APP}\"\nwebhook_url = \"{webhook_url}\"\n\n\
         [webhooks]\npoll_interval_ms = 50\nbatch_size = 8\n{FAST_RESENDS}\n\n[performance]\n{performance}\n"
    )
}

fn named(i: usize) -> Value {
    json!({"customLineItems": [custom_item(&format!("Item {i}"), "3.00")]})
}

async fn burst_of_creates(engine: Engine, performance: &str) {
    let receiver = Receiver::start(Fault::None, Duration::ZERO).await;
    let app = TestApp::spawn_with(engine, &config(&receiver.url, performance)).await;

    let singles = (0..100).map(|i| {
        let app = &app;
        async move {
            let (s, body) = app
                .admin(
                    Method::POST,
                    "/ecom/v1/checkout-templates",
                    Some(json!({"checkoutTemplate": named(i)})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            vec![body["checkoutTemplate"].clone()]
        }
    });
    let bulks = (0..5).map(|b| {
        let app = &app;
        async move {
            let items: Vec<Value> = (0..10).map(|i| named(1000 + b * 10 + i)).collect();
            let (s, body) = app
                .admin(
                    Method::POST,
                    "/ecom/v1/bulk/checkout-templates/create",
                    Some(json!({"checkoutTemplates": items, "returnEntity": true})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["item"].clone())
                .collect::<Vec<_>>()
        }
    });
    let (singles, bulks) = futures::future::join(
        futures::future::join_all(singles),
        futures::future::join_all(bulks),
    )
    .await;
    let created: Vec<Value> = singles.into_iter().chain(bulks).flatten().collect();
    let ids: HashSet<&str> = created.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 150, "every create its own template");
    assert_eq!(app.count(Table::Templates).await, 150);
    assert_eq!(app.count(Table::Events).await, 150);

    // Each answer was the committed template, name and all.
    for template in created.iter().step_by(7) {
        let id = template["id"].as_str().unwrap();
        let (s, body) = app
            .admin(
                Method::GET,
                &format!("/ecom/v1/checkout-templates/{id}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(&body["checkoutTemplate"], template);
    }

    // One `created` webhook per template, each event exactly once.
    let bodies = receiver.wait_for(150, Duration::from_secs(30)).await;
    assert_eq!(bodies.len(), 150);
    let events: HashSet<String> = bodies.iter().map(|b| unverified_event_id(b)).collect();
    assert_eq!(events.len(), 150, "no event delivered twice");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.requests(), 150);

    // Every attempt is in the log, delivered.
    let (s, log) = app
        .admin(
            Method::GET,
            &format!("/_emulator/webhook-deliveries?appId={APP}&limit=1000"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let deliveries = log["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 150);
    for d in deliveries {
        assert_eq!(d["state"], "delivered", "{d}");
        assert_eq!(d["attempts"].as_array().unwrap().len(), 1, "{d}");
    }
}

on_both_engines!(a_burst_of_creates_with_group_commit, |engine| async move {
    burst_of_creates(
        engine,
        "group_commit = true\ngroup_commit_window_us = 500\ngroup_commit_max_batch = 16",
    )
    .await;
});

on_both_engines!(
    a_burst_of_creates_without_group_commit,
    |engine| async move {
        burst_of_creates(engine, "group_commit = false").await;
    }
);

// Bulk creates of 100 gathered into groups of many: SQLite writes such a group
// in several statements of at most 200 rows, PostgreSQL in one.
on_both_engines!(groups_of_bulk_creates, |engine| async move {
    let config = format!(
        "{BASE_CONFIG}\n[performance]\ngroup_commit_window_us = 100000\ngroup_commit_max_batch = 64\n"
    );
    let app = TestApp::spawn_with(engine, &config).await;
    let bulks = (0..60).map(|b| {
        let app = &app;
        async move {
            let items: Vec<Value> = (0..100).map(|i| named(b * 100 + i)).collect();
            let (s, body) = app
                .admin(
                    Method::POST,
                    "/ecom/v1/bulk/checkout-templates/create",
                    Some(json!({"checkoutTemplates": items})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            assert_eq!(body["bulkActionMetadata"]["totalSuccesses"], 100, "{body}");
        }
    });
    futures::future::join_all(bulks).await;
    assert_eq!(app.count(Table::Templates).await, 6000);
    assert_eq!(app.count(Table::Events).await, 6000);
});
