//! The shipped binary as a child process: started on port 0, its banner read
//! for where it listens, stopped with SIGTERM or killed outright.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Running {
    pub child: Child,
    pub base: String,
    pub site_id: String,
    /// The admin key printed on a zero-config start.
    pub printed_key: Option<String>,
}

impl Running {
    pub fn api_key(&self) -> &str {
        self.printed_key
            .as_deref()
            .expect("a zero-config start prints an admin key")
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill_hard(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A failed test must not leave its servers running.
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts the binary in `dir` with `args` after `--listen 127.0.0.1:0`, and
/// waits for the start-up facts it writes to its `--ready-file`.
pub fn start(dir: &std::path::Path, database_url: Option<&str>, args: &[&str]) -> Running {
    let ready = dir.join(format!("ready-{}.json", uuid::Uuid::new_v4().simple()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-templates"));
    cmd.current_dir(dir)
        .args(["--listen", "127.0.0.1:0"])
        .arg("--ready-file")
        .arg(&ready)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !ready.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the binary exited before it was ready"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no ready file after 30 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ready).unwrap()).unwrap();
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let base = facts["baseUrl"].as_str().expect("baseUrl").to_string();
    assert_eq!(
        first,
        format!("checkout-templates listening on {base}"),
        "the banner names the same address"
    );
    Running {
        child,
        base,
        site_id: facts["siteId"].as_str().expect("siteId").to_string(),
        printed_key: facts["apiKey"].as_str().map(str::to_string),
    }
}

pub fn terminate(running: Running) -> std::process::ExitStatus {
    let mut running = running;
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

/// Starts `checkout-templates dispatch` (webhooks only, no listener).
pub fn start_dispatcher(dir: &std::path::Path, database_url: &str, args: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout-templates"))
        .current_dir(dir)
        .arg("dispatch")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").unwrap();
    assert!(first.contains("dispatching webhooks"), "{first}");
    std::thread::spawn(move || lines.for_each(drop));
    child
}
