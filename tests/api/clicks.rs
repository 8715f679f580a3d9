//! The click hot path: templates are served from memory, yet a checkout is never
//! built from a copy that another instance has since changed, deactivated or
//! deleted; and with group commit on or off every click is written exactly once.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

fn custom(price: &str) -> Value {
    json!({"customLineItems": [custom_item("Poster", price)]})
}

/// The checkout behind a share-link redirect, as the given instance sees it.
async fn clicked_checkout(app: &TestApp, template_id: &str) -> Option<Value> {
    let (status, location) = app.click(template_id, SITE_A).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.unwrap();
    let id = checkout_id_in(&location)?;
    let (status, body) = app
        .admin(Method::GET, &format!("/ecom/v1/checkouts/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    Some(body["checkout"].clone())
}

on_both_engines!(
    a_template_changed_by_another_instance_is_never_used_stale,
    |engine| async move {
        let a = TestApp::spawn(engine).await;
        let b = a.another_instance(BASE_CONFIG).await;
        let id = a.create_id(custom("10")).await;
        let path = format!("/ecom/v1/checkout-templates/{id}");

        // A now holds the template in memory.
        let first = clicked_checkout(&a, &id).await.expect("a checkout");
        assert_eq!(first["priceSummary"]["total"]["amount"], "10");

        // B changes the price: A's next click uses the new one.
        let (s, _) = b
            .admin(
                Method::PATCH,
                &path,
                Some(json!({"checkoutTemplate": custom("25")})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let second = clicked_checkout(&a, &id).await.expect("a checkout");
        assert_eq!(second["priceSummary"]["total"]["amount"], "25");

        // B deactivates it: A redirects to the site and writes nothing.
        let (s, _) = b
            .admin(
                Method::PATCH,
                &path,
                Some(json!({"checkoutTemplate": {"status": "INACTIVE"}})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (status, location) = a.click(&id, SITE_A).await;
        assert_eq!(status, StatusCode::FOUND);
        let location = location.unwrap();
        assert_eq!(
            location, "https://site-a.example.com",
            "the site, not a checkout"
        );
        assert_eq!(checkout_id_in(&location), None);
        let (s, body) = a
            .admin(
                Method::POST,
                &format!("{path}/create-checkout-from-template"),
                Some(json!({"siteId": SITE_A})),
            )
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_REQUIRED, "{body}");

        // B activates it again: A sees that too.
        b.admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"status": "ACTIVE"}})),
        )
        .await;
        assert!(clicked_checkout(&a, &id).await.is_some());

        // B deletes it: A finds nothing.
        let (s, _) = b.admin(Method::DELETE, &path, None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = a
            .admin(
                Method::POST,
                &format!("{path}/create-checkout-from-template"),
                Some(json!({"siteId": SITE_A})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(a.count(Table::Checkouts).await, 3);
        assert_eq!(
            a.count(Table::Events).await,
            1 + 3 + 3 + 1,
            "created, 3 updated, 3 used, deleted"
        );
    }
);

async fn burst_of_clicks(config: &str, engine: Engine) {
    let app = TestApp::spawn_with(engine, config).await;
    let ids: Vec<String> = futures::future::join_all((0..3).map(|i| {
        let app = &app;
        async move { app.create_id(custom(&format!("{}", i + 1))).await }
    }))
    .await;
    let clicks = (0..150).map(|i| {
        let (app, id) = (&app, ids[i % 3].clone());
        async move { app.click(&id, SITE_A).await }
    });
    let locations: HashSet<String> = futures::future::join_all(clicks)
        .await
        .into_iter()
        .map(|(status, location)| {
            assert_eq!(status, StatusCode::FOUND);
            location.unwrap()
        })
        .collect();
    assert_eq!(locations.len(), 150, "every click its own checkout");
    assert_eq!(app.count(Table::Checkouts).await, 150);
    assert_eq!(app.count(Table::Events).await, 3 + 150);
    // Every redirect points at a committed checkout.
    for location in locations.iter().take(20) {
        let id = checkout_id_in(location).expect("a checkout URL");
        let (s, _) = app
            .admin(Method::GET, &format!("/ecom/v1/checkouts/{id}"), None)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
}

on_both_engines!(a_burst_with_group_commit, |engine| async move {
    let config = format!(
        "{BASE_CONFIG}\n[performance]\ngroup_commit = true\ngroup_commit_window_us = 500\ngroup_commit_max_batch = 16\n"
    );
    burst_of_clicks(&config, engine).await;
});

on_both_engines!(a_burst_without_group_commit, |engine| async move {
    let config = format!("{BASE_CONFIG}\n[performance]\ngroup_commit = false\n");
    burst_of_clicks(&config, engine).await;
});
