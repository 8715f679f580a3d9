//! The shipped binary as a child process: started on port 0, its banner read
//! and its start-up facts waited for, stopped with SIGTERM or killed outright.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Running {
    pub child: Child,
    pub base: String,
    pub site_id: String,
    /// The admin key printed on a zero-config start.
    pub printed_key: Option<String>,
    /// The banner as printed, every line.
    pub banner: String,
    /// The start-up facts of the `--ready-file`.
    pub facts: serde_json::Value,
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

/// The binary, to be run in `dir`: its database only from `database_url`
/// (none: the zero-config default), a quiet log, stdout piped for the banner.
pub fn command(dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-templates"));
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

/// Starts the binary in `dir` with `args` after `--listen 127.0.0.1:0`, and
/// waits for the start-up facts it writes to its `--ready-file`.
pub fn start(dir: &Path, database_url: Option<&str>, args: &[&str]) -> Running {
    let mut cmd = command(dir, database_url);
    cmd.args(["--listen", "127.0.0.1:0"]).args(args);
    launch(cmd, dir)
}

/// Spawns `cmd` with a `--ready-file` in `dir`; reads the banner and waits
/// for the facts, 30 s at most.
pub fn launch(mut cmd: Command, dir: &Path) -> Running {
    let ready = dir.join(format!("ready-{}.json", uuid::Uuid::new_v4().simple()));
    let mut child = cmd
        .arg("--ready-file")
        .arg(&ready)
        .spawn()
        .expect("binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    // Read on a thread of its own, so a silent binary cannot hang the test,
    // and keep draining so the server never writes into a closed pipe.
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = String::new();
    // The banner's last line is the `export` line.
    while !banner
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("  export "))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => banner.push_str(&(line + "\n")),
            Err(_) => panic!("no whole banner within 30 s; got {banner:?}"),
        }
    }
    while !ready.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the binary exited before it was ready"
        );
        assert!(Instant::now() < deadline, "no ready file after 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ready).unwrap()).unwrap();
    let base = facts["baseUrl"].as_str().expect("baseUrl").to_string();
    assert_eq!(
        banner.lines().next().unwrap(),
        format!("checkout-templates listening on {base}"),
        "the banner names the same address"
    );
    Running {
        child,
        base,
        site_id: facts["siteId"].as_str().expect("siteId").to_string(),
        printed_key: facts["apiKey"].as_str().map(str::to_string),
        banner,
        facts,
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
pub fn start_dispatcher(dir: &Path, database_url: &str, args: &[&str]) -> Child {
    let mut child = command(dir, Some(database_url))
        .arg("dispatch")
        .args(args)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").unwrap();
    assert!(first.contains("dispatching webhooks"), "{first}");
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// How a process that stops by itself ended.
pub struct Finished {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Runs `cmd` to its end with stdout and stderr captured (drained as it
/// runs, so a chatty process cannot block on a full pipe); killed, and the
/// test failed, if it is still running after `within`.
pub fn finish(mut cmd: Command, within: Duration) -> Finished {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the process starts");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > within {
            let _ = child.kill();
            panic!("{cmd:?} was still running after {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Finished {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        took: started.elapsed(),
    }
}
