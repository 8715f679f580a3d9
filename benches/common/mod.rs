//! What every benchmark needs: the release binary as a child process on a
//! fresh database, and a few statistics.

#![allow(dead_code)]

pub mod cluster;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sqlx::Connection;

pub const SITE: &str = "11111111-1111-4111-8111-111111111111";
pub const KEY: &str = "bench-admin-key";
pub const APP: &str = "b0b0b0b0-0000-4000-8000-00000000b0b0";

/// Creates `n` copies of `template` with bulk create, 100 per request, as the
/// bench key; returns their ids.
pub async fn bulk_create(
    client: &reqwest::Client,
    base: &str,
    n: usize,
    template: &serde_json::Value,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let batch = (n - ids.len()).min(100);
        let body = serde_json::json!({"checkoutTemplates": vec![template.clone(); batch], "returnEntity": false});
        let resp = client
            .post(format!("{base}/ecom/v1/bulk/checkout-templates/create"))
            .header("Authorization", KEY)
            .header("wix-site-id", SITE)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "bulk create");
        let out: serde_json::Value = resp.json().await.unwrap();
        ids.extend(
            out["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["itemMetadata"]["id"].as_str().unwrap().to_string()),
        );
    }
    ids
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    /// The engines to run: `BENCH_ENGINES=sqlite,postgres` (the default).
    pub fn selected() -> Vec<Engine> {
        let wanted = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
        [Engine::Sqlite, Engine::Postgres]
            .into_iter()
            .filter(|e| wanted.contains(&e.name().to_lowercase()[..6]))
            .collect()
    }
}

/// A fresh database for one measurement, removed afterwards.
pub struct Database {
    pub url: String,
    engine: Engine,
    dir: PathBuf,
    name: String,
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl Database {
    pub async fn fresh(engine: Engine, dir: &Path) -> Database {
        let name = format!("ct_bench_{}", uuid::Uuid::new_v4().simple());
        let url = match engine {
            Engine::Sqlite => format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
            Engine::Postgres => {
                let admin = pg_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("PostgreSQL at TEST_POSTGRES_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                format!("{}/{name}", &admin[..admin.rfind('/').unwrap()])
            }
        };
        Database {
            url,
            engine,
            dir: dir.to_path_buf(),
            name,
        }
    }

    /// On PostgreSQL, does now what autovacuum and a checkpoint would do after
    /// earlier runs and seeding (vacuum, fresh statistics, the WAL written
    /// out), so neither lands in the middle of the next run.
    pub async fn settle(&self) {
        if self.engine == Engine::Postgres {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            for sql in ["VACUUM ANALYZE", "CHECKPOINT"] {
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
        }
    }

    pub async fn drop_it(self) {
        match self.engine {
            Engine::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ =
                        std::fs::remove_file(self.dir.join(format!("{}.db{suffix}", self.name)));
                }
            }
            Engine::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// The release binary, built by `cargo bench` with the bench (release)
/// profile; or `BENCH_BIN`, another build to measure the same way (an
/// earlier commit's, say, for a before-and-after in one run).
pub fn binary() -> String {
    std::env::var("BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_checkout-templates").to_string())
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

/// Starts `checkout-templates [args…]` and waits for the start-up facts it
/// writes to its `--ready-file`.
pub fn start(args: &[&str], database_url: &str) -> Server {
    let ready =
        std::env::temp_dir().join(format!("ct-ready-{}.json", uuid::Uuid::new_v4().simple()));
    let mut child = Command::new(binary())
        .args(args)
        .arg("--ready-file")
        .arg(&ready)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The banner comes first; the ready file once the banner is out.
    let _banner = lines.next();
    std::thread::spawn(move || lines.for_each(drop));
    let mut facts = None;
    for _ in 0..3000 {
        if let Ok(text) = std::fs::read_to_string(&ready) {
            facts = serde_json::from_str::<serde_json::Value>(&text).ok();
            break;
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = std::fs::remove_file(&ready);
    let base = facts
        .as_ref()
        .and_then(|f| f["baseUrl"].as_str())
        .unwrap_or_default()
        .to_string();
    Server { child, base }
}

/// `serve` on a free port with `config`.
pub fn serve(config: &Path, database_url: &str) -> Server {
    start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
        database_url,
    )
}

impl Server {
    /// SIGTERM and wait.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// CPU seconds (user + system) the process has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
            + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        ticks / clock_ticks_per_second()
    }

    /// Resident memory in MiB.
    pub fn rss_mib(&self) -> f64 {
        rss_mib_of(self.child.id())
    }
}

/// Resident memory of a process in MiB, 0 once it is gone.
pub fn rss_mib_of(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A config file with one site, one admin key, and optionally a webhook app.
pub fn write_config(dir: &Path, webhook_url: Option<&str>, extra: &str) -> PathBuf {
    let mut text = format!(
        "[[sites]]\nid = \"{SITE}\"\nurl = \"https://shop.example.com\"\n\n\
         [[api_keys]]\nkey = \"{KEY}\"\nsite_ids = [\"{SITE}\"]\nrole = \"admin\"\n\n"
    );
    if let Some(url) = webhook_url {
        text.push_str(&format!(
            "[[apps]]\nid = \"{APP}\"\nwebhook_url = \"{url}\"\n\n"
        ));
    }
    text.push_str(extra);
    let path = dir.join(format!("config-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits until `ready()` is true, or panics after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The value below which `q` (0..=1) of the sorted samples fall.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// RSA-2048 signatures per second per core by `openssl speed`, with `processes`
/// processes signing at once (`-multi`), each on its own core.
pub fn openssl_rsa2048_signs_per_core(processes: usize) -> Option<f64> {
    let mut speed = Command::new("openssl");
    speed.arg("speed");
    if processes > 1 {
        speed.args(["-multi", &processes.to_string()]);
    }
    let out = speed
        .args(["-seconds", "2", "rsa2048"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    // "rsa 2048 bits 0.000235s 0.000014s   4257.1  71177.3" (older: "rsa  2048 bits …");
    // with -multi the rates are the sum over the processes.
    let total: f64 = text
        .lines()
        .find(|l| l.starts_with("rsa") && l.contains("2048 bits"))
        .and_then(|l| l.split_whitespace().nth(5)?.parse().ok())?;
    Some(total / processes.max(1) as f64)
}
