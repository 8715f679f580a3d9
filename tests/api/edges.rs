//! The edges a new user meets first: the addresses `--listen` takes, start-up
//! errors that say what to do, a dispatcher that will not invent a database,
//! the request log, the container probe, and a malformed `wix-site-id`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::harness::*;
use crate::on_both_engines;
use crate::process::{command, finish, launch, terminate, Finished};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ct-edge-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary to its end, 20 s at most.
fn run(cmd: Command) -> Finished {
    finish(cmd, Duration::from_secs(20))
}

/// A start-up error: exit status 1, one line on stderr that starts
/// `error: ` and holds every one of `words`, no backtrace even when asked
/// for one, and no banner.
fn refused(mut cmd: Command, words: &[&str]) -> Finished {
    cmd.env("RUST_BACKTRACE", "1");
    let exit = run(cmd);
    assert_eq!(exit.status.code(), Some(1), "{}", exit.stderr);
    let lines: Vec<&str> = exit.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", exit.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    for word in words {
        assert!(lines[0].contains(word), "{word:?} in {}", lines[0]);
    }
    assert!(exit.stdout.is_empty(), "no banner: {}", exit.stdout);
    exit
}

fn binary(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = command(dir, None);
    cmd.args(args);
    cmd
}

#[test]
fn listen_takes_localhost_and_a_bare_port() {
    let dir = temp_dir();
    let tls = dir.join("tls");
    assert!(
        run(binary(&dir, &["tls-cert", "--out", tls.to_str().unwrap()]))
            .status
            .success()
    );
    let (cert, key) = (tls.join("cert.pem"), tls.join("key.pem"));
    for (listen, tls_listen) in [(":0", "localhost:0"), ("localhost:0", ":0")] {
        let mut cmd = command(&dir, Some("sqlite::memory:"));
        cmd.args(["--listen", listen, "--tls-listen", tls_listen])
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key);
        let running = launch(cmd, &dir);
        let port = |url: &str, prefix: &str| -> u16 {
            url.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{url} starts with {prefix}"))
                .parse()
                .unwrap()
        };
        assert_ne!(port(&running.base, "http://127.0.0.1:"), 0);
        let https = running.facts["httpsUrl"].as_str().unwrap();
        assert_ne!(port(https, "https://localhost:"), 0);
        assert!(terminate(running).success());
    }
    // A flag clap rejects: its usage error, exit status 2, naming the forms.
    let exit = run(binary(&dir, &["--listen", "8080"]));
    assert_eq!(exit.status.code(), Some(2));
    assert!(
        exit.stderr.contains("localhost:PORT or :PORT"),
        "{}",
        exit.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_port_in_use_is_one_line_that_suggests_listen() {
    let dir = temp_dir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let exit = refused(
        binary(&dir, &["--listen", &addr]),
        &[&format!("cannot listen on {addr}"), "--listen :"],
    );
    assert!(!exit.stderr.contains("Stack backtrace"));
    assert!(
        !dir.join("checkout-templates.db").exists(),
        "the port is checked before the database is made"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL's address, user and a database name nobody has.
fn missing_postgres_database() -> (String, String) {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("ct_missing_{}", uuid::Uuid::new_v4().simple());
    let server = admin.rsplit_once('/').unwrap().0.to_string();
    (format!("{server}/{name}"), name)
}

#[test]
fn an_unreachable_postgres_fails_within_3_s_and_names_the_cause() {
    let dir = temp_dir();
    // Nothing listens on a port just given back.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let exit = refused(
        command(&dir, Some(&format!("postgres://postgres@{closed}/db"))),
        &["refused the connection", &closed.to_string()],
    );
    assert!(exit.took < Duration::from_secs(3), "{:?}", exit.took);

    // A port that takes connections but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = silent.local_addr().unwrap();
    let exit = refused(
        command(&dir, Some(&format!("postgres://postgres@{at}/db"))),
        &["did not answer within 3 s", &at.to_string()],
    );
    assert!(exit.took < Duration::from_secs(5), "{:?}", exit.took);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_missing_postgres_database_is_named_and_made_when_asked() {
    let dir = temp_dir();
    let (url, name) = missing_postgres_database();
    let exit = refused(
        command(&dir, Some(&url)),
        &[
            &format!("database \"{name}\" does not exist"),
            "createdb",
            "--create-database",
        ],
    );
    assert!(exit.took < Duration::from_secs(3), "{:?}", exit.took);

    let mut cmd = command(&dir, Some(&url));
    cmd.args(["--listen", "127.0.0.1:0", "--create-database"]);
    let running = launch(cmd, &dir);
    let ready = reqwest::get(format!("{}/_emulator/ready", running.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(terminate(running).success());
    // Made once: a second start with the flag finds it.
    let mut cmd = command(&dir, Some(&url));
    cmd.args(["--listen", "127.0.0.1:0", "--create-database"]);
    assert!(terminate(launch(cmd, &dir)).success());
    drop_database(&name).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn drop_database(name: &str) {
    use sqlx::{Connection as _, Executor as _};
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}

#[test]
fn dispatch_refuses_to_invent_a_database() {
    let dir = temp_dir();
    refused(binary(&dir, &["dispatch"]), &["--database-url"]);
    refused(
        binary(
            &dir,
            &["dispatch", "--database-url", "sqlite://elsewhere.db"],
        ),
        &["no database at elsewhere.db", "start the API process first"],
    );
    refused(
        binary(&dir, &["dispatch", "--database-url", "sqlite::memory:"]),
        &["private to one process"],
    );
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "no file was made: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn one_plain_log_line_per_request_and_per_failed_webhook() {
    let dir = temp_dir();
    let log = dir.join("stderr.log");
    // Nothing listens on a port just given back, so every attempt fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[webhooks]\nretry_schedule_secs = [60]\npoll_interval_ms = 50\n",
    )
    .unwrap();
    let mut cmd = command(&dir, Some("sqlite::memory:"));
    cmd.args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .args(["--webhook-url", &format!("http://{closed}/hook")])
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap());
    let running = launch(cmd, &dir);
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/_emulator/health", running.base))
        .send()
        .await
        .unwrap();
    let request_id = health.headers()["x-wix-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let created = client
        .post(format!("{}/ecom/v1/checkout-templates", running.base))
        .header("Authorization", running.api_key())
        .header("wix-site-id", &running.site_id)
        .json(&serde_json::json!({"checkoutTemplate": simple_template()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("webhook attempt failed") || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(terminate(running).success());
    assert!(!text.contains('\u{1b}'), "no colours into a file: {text}");
    let line = text
        .lines()
        .find(|l| l.contains(&request_id))
        .unwrap_or_else(|| panic!("a line for request {request_id}: {text}"));
    assert!(line.contains(" INFO "), "{line}");
    for field in ["method=GET", "path=/_emulator/health", "status=200", " ms="] {
        assert!(line.contains(field), "{field} in {line}");
    }
    let failed = text
        .lines()
        .find(|l| l.contains("webhook attempt failed"))
        .unwrap_or_else(|| panic!("a warning for the failed webhook: {text}"));
    for field in [" WARN ", "attempt=1", "error=", "next=retry in"] {
        assert!(failed.contains(field), "{field} in {failed}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probe_says_whether_the_emulator_is_ready() {
    let dir = temp_dir();
    let mut cmd = command(&dir, Some("sqlite::memory:"));
    cmd.args(["--listen", "127.0.0.1:0"]);
    let running = launch(cmd, &dir);
    let addr = running.base.strip_prefix("http://").unwrap().to_string();
    let port = addr.rsplit_once(':').unwrap().1.to_string();
    for listen in [addr.clone(), format!("0.0.0.0:{port}"), format!(":{port}")] {
        let exit = run(binary(&dir, &["probe", "--listen", &listen]));
        assert!(exit.status.success(), "{listen}: {}", exit.stderr);
    }
    assert!(terminate(running).success());
    refused(
        binary(&dir, &["probe", "--listen", &addr]),
        &["nothing answers"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_engines!(
    a_site_id_that_is_not_a_guid_is_a_400_naming_the_header,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let query = "/ecom/v1/checkout-templates/query";
        let (status, body) = app
            .call(Method::POST, query, ADMIN_A, "my-shop", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let violation = &body["details"]["validationError"]["fieldViolations"][0];
        assert_eq!(violation["field"], "wix-site-id");
        assert_eq!(violation["violatedRule"], "FORMAT");
        // On the emulator's own endpoints too, as its OpenAPI document says.
        let (status, _) = app
            .call(Method::POST, "/_emulator/reset", ADMIN_A, "my-shop", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // A GUID of a site the key is not bound to stays a 403; a bad key a 401.
        let (status, _) = app.call(Method::POST, query, ADMIN_A, SITE_B, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .call(Method::POST, query, "nobody", "my-shop", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);
