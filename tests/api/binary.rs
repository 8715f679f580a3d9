//! The shipped binary itself: zero-config start, state kept across restarts,
//! graceful shutdown on SIGTERM.

use serde_json::json;

use crate::harness::*;
use crate::process::{start, terminate, Running};

async fn create_and_list(r: &Running) -> usize {
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/ecom/v1/checkout-templates", r.base))
        .header("Authorization", r.api_key())
        .header("wix-site-id", &r.site_id)
        .json(&json!({"checkoutTemplate": simple_template()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let listed: serde_json::Value = client
        .post(format!("{}/ecom/v1/checkout-templates/query", r.base))
        .header("Authorization", r.api_key())
        .header("wix-site-id", &r.site_id)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    listed["checkoutTemplates"].as_array().unwrap().len()
}

async fn restarts_keep_site_key_and_data(database_url: Option<&str>) {
    let dir = std::env::temp_dir().join(format!("ct-bin-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let first = start(&dir, database_url, &[]);
    assert_eq!(create_and_list(&first).await, 1);
    let (site, key) = (first.site_id.clone(), first.api_key().to_string());
    assert!(terminate(first).success(), "SIGTERM is a clean exit");
    if database_url.is_none() {
        assert!(
            dir.join("checkout-templates.db").exists(),
            "the default SQLite file is in the working directory"
        );
    }

    let second = start(&dir, database_url, &[]);
    assert_eq!(
        (second.site_id.as_str(), second.api_key()),
        (site.as_str(), key.as_str())
    );
    assert_eq!(create_and_list(&second).await, 2, "data survives a restart");
    assert!(terminate(second).success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn zero_config_sqlite() {
    restarts_keep_site_key_and_data(None).await;
}

#[tokio::test]
async fn database_url_postgres() {
    let db = fresh_database(Engine::Postgres).await;
    restarts_keep_site_key_and_data(Some(&db.url)).await;
}
