//! The `[limits]` section: how much the emulator takes from a client, and how
//! many database connections it holds.

use std::time::Duration;

use serde::Deserialize;

use crate::units;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Connections to PostgreSQL per instance.
    pub max_connections: u32,
    /// Client connections served at once; one more is closed as soon as it is
    /// accepted. Kept below the process's open-file limit, so the database
    /// and the webhook client always have descriptors left.
    pub max_client_connections: usize,
    /// Largest request head (request line and headers); larger is a 431.
    pub max_header_bytes: usize,
    /// How long a client may take to send a request's head.
    #[serde(rename = "header_read_timeout_secs", with = "units::secs")]
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    #[serde(rename = "body_read_timeout_secs", with = "units::secs")]
    pub body_read_timeout: Duration,
    /// How long a connection with no request in flight may stay open silent.
    #[serde(rename = "idle_timeout_secs", with = "units::secs")]
    pub idle_timeout: Duration,
    /// API requests the journal (`GET /_emulator/requests`) keeps, across
    /// all sites; the oldest go first.
    pub journal_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            max_connections: 32,
            max_client_connections: 10_000,
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            journal_entries: 10_000,
        }
    }
}

impl Limits {
    /// Catches mistakes at boot rather than at the first request.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.max_client_connections == 0 || self.max_connections == 0 {
            anyhow::bail!("[limits] max_client_connections and max_connections must be positive");
        }
        if self.journal_entries > 1_000_000 {
            anyhow::bail!("[limits] journal_entries must be at most 1000000");
        }
        if self.max_header_bytes < 8192 {
            anyhow::bail!("[limits] max_header_bytes must be at least 8192");
        }
        for (name, d) in [
            ("header_read_timeout_secs", self.header_read_timeout),
            ("body_read_timeout_secs", self.body_read_timeout),
            ("idle_timeout_secs", self.idle_timeout),
        ] {
            if d.is_zero() {
                anyhow::bail!("[limits] {name} must be positive");
            }
        }
        Ok(())
    }
}
