//! The shipped binary itself: zero-config start, state kept across restarts,
//! graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::harness::*;

struct Running {
    child: Child,
    base: String,
    site_id: String,
    api_key: String,
}

fn start(dir: &std::path::Path, database_url: Option<&str>) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-templates"));
    cmd.current_dir(dir)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut field = |prefix: &str| -> String {
        loop {
            let line = lines
                .next()
                .expect("the binary prints its settings")
                .unwrap();
            if let Some(rest) = line.trim().strip_prefix(prefix) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
    };
    let base = field("checkout-templates listening on");
    let site_id = field("site id");
    let api_key = field("api key");
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Running {
        child,
        base,
        site_id,
        api_key,
    }
}

fn terminate(mut running: Running) -> std::process::ExitStatus {
    let pid = running.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    for _ in 0..100 {
        if let Some(status) = running.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    running.child.kill().unwrap();
    panic!("the binary did not stop on SIGTERM");
}

async fn create_and_list(r: &Running) -> usize {
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/ecom/v1/checkout-templates", r.base))
        .header("Authorization", &r.api_key)
        .header("wix-site-id", &r.site_id)
        .json(&json!({"checkoutTemplate": simple_template()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let listed: serde_json::Value = client
        .post(format!("{}/ecom/v1/checkout-templates/query", r.base))
        .header("Authorization", &r.api_key)
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
    let first = start(&dir, database_url);
    assert_eq!(create_and_list(&first).await, 1);
    let (site, key) = (first.site_id.clone(), first.api_key.clone());
    assert!(terminate(first).success(), "SIGTERM is a clean exit");
    if database_url.is_none() {
        assert!(
            dir.join("checkout-templates.db").exists(),
            "the default SQLite file is in the working directory"
        );
    }

    let second = start(&dir, database_url);
    assert_eq!(
        (second.site_id.as_str(), second.api_key.as_str()),
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
