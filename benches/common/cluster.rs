//! A PostgreSQL cluster made for one run or test, on a free port, dropped with
//! it, so outages and restarts never touch the shared database. Needs
//! PostgreSQL's cluster tools (`pg_createcluster`). Shared by the chaos bench
//! and the outage tests.

#![allow(dead_code)]

use std::process::Command;

pub struct Cluster {
    version: String,
    name: String,
    port: u16,
}

impl Cluster {
    pub fn create() -> Cluster {
        let version = std::fs::read_dir("/etc/postgresql")
            .expect("PostgreSQL's cluster tools (pg_createcluster) are installed")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
            .expect("a PostgreSQL version");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let name = format!("ct_throwaway_{}", uuid::Uuid::new_v4().simple());
        let cluster = Cluster {
            version,
            name,
            port,
        };
        run(&[
            "pg_createcluster",
            &cluster.version,
            &cluster.name,
            "-p",
            &port.to_string(),
            "--start",
            "--",
            "--auth=trust",
        ]);
        cluster
    }

    /// `start`, `stop` (fast) or `restart` (fast).
    pub fn ctl(&self, action: &str) {
        let mut args = vec![
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            &self.version,
            &self.name,
            action,
        ];
        if action != "start" {
            args.extend(["-m", "fast"]);
        }
        run(&args);
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster")
            .args(["--stop", &self.version, &self.name])
            .output();
    }
}

fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
