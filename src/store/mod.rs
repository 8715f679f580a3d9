//! Storage on SQLite or PostgreSQL through sqlx's Any driver. The SQL is shared;
//! where the engines differ (row locks, how writers are pooled) the [`Dialect`] says.

mod app_keys;
mod browse;
mod checkouts;
mod checkpoint;
mod clicks;
mod clocks;
mod counts;
mod db;
mod deliveries;
mod delivery_log;
mod fault_rules;
mod group;
mod migrations;
mod notify;
mod outbox;
mod reach;
mod reset;
mod settings;
mod sites;
mod snapshot;
mod template_cache;
mod templates;

pub use browse::{Boundary, CheckoutPage, CheckoutRow, TemplateFacts};
pub use checkouts::{CheckoutBodies, FromTemplate};
pub use counts::Table;
pub use deliveries::{After, Attempt, Claimed, Claimer, DeliveryState, EventRow};
pub use delivery_log::{AttemptRecord, DeliveryRecord, LogFilter};
pub use fault_rules::FaultRow;
pub use group::GroupCommit;
pub use notify::CONTROL_CHANNEL;
pub use outbox::NewEvent;
pub use reach::create_database;
pub use reset::Removed;
pub use sites::{KeyRow, SiteRow};
pub use snapshot::{SiteState, StoredCheckout, StoredTemplate};
pub use templates::TemplateRow;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

use db::Db;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> anyhow::Result<Dialect> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            anyhow::bail!("unsupported database url {url:?}: use sqlite://FILE, sqlite::memory: or postgres://…")
        }
    }

    /// Row lock for read-modify-write; SQLite needs none, its writes are serialised.
    fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

#[derive(Clone)]
pub struct Store {
    /// Transactions go here. On SQLite a single connection, so writers queue in
    /// process instead of failing with SQLITE_BUSY.
    write: Db,
    read: Db,
    pub dialect: Dialect,
    /// Apps with a webhook URL: each event gets a delivery row for each of them.
    subscribers: std::sync::Arc<[String]>,
    /// The same, as the JSON array PostgreSQL's batch statements expand.
    subscribers_json: std::sync::Arc<str>,
    /// Woken after every commit that wrote events, so the dispatcher need not poll.
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// Told whenever deliveries may have changed (new ones, attempts
    /// recorded, replays), so a test waiting on the delivery log need not poll.
    deliveries_changed: std::sync::Arc<tokio::sync::Notify>,
    /// A PostgreSQL database's URL, for the listener of test-control changes.
    url: Option<std::sync::Arc<str>>,
    /// Templates as clicks read them.
    templates: std::sync::Arc<template_cache::TemplateCache>,
    /// Commits concurrent writes together; `None` writes each on its own.
    groups: Option<std::sync::Arc<Groups>>,
    /// A SQLite file's background checkpoint.
    checkpointer: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

/// One group committer per kind of write.
struct Groups {
    clicks: std::sync::Arc<group::Group<clicks::Clicks>>,
    creates: std::sync::Arc<group::Group<templates::Creates>>,
    attempts: std::sync::Arc<group::Group<deliveries::Attempts>>,
}

impl Groups {
    /// The writer tasks, each writing through a copy of `store` without groups.
    fn start(store: &Store, settings: &GroupCommit) -> Groups {
        let writers = match store.dialect {
            Dialect::Sqlite => 1,
            Dialect::Postgres => settings.writers.max(1),
        };
        let base = Store {
            groups: None,
            ..store.clone()
        };
        Groups {
            clicks: group::Group::start(
                clicks::Clicks(base.clone()),
                &base.write,
                writers,
                settings,
            ),
            creates: group::Group::start(
                templates::Creates(base.clone()),
                &base.write,
                writers,
                settings,
            ),
            attempts: group::Group::start(
                deliveries::Attempts(base.clone()),
                &base.write,
                writers,
                settings,
            ),
        }
    }
}

impl Store {
    /// A store on these connections, with no subscribers and no group writers yet.
    fn over(write: Db, read: Db, dialect: Dialect) -> Store {
        Store {
            write,
            read,
            dialect,
            subscribers: Default::default(),
            subscribers_json: "[]".into(),
            wake: Default::default(),
            deliveries_changed: Default::default(),
            url: None,
            templates: Default::default(),
            groups: None,
            checkpointer: None,
        }
    }

    /// Connects, creating a missing SQLite file, and applies migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url)?;
        let store = match dialect {
            Dialect::Postgres => {
                // One connection first: it fails fast and says why; the pool would not.
                reach::reach(url).await?;
                let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    // sqlx pings every connection it hands out: a round trip
                    // per query. Only one that sat idle is pinged here, so a
                    // connection left over from before a database restart is
                    // replaced before a request gets it, while a busy pool
                    // pays nothing.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for < db::TRUSTED_IDLE {
                                return Ok(true);
                            }
                            Ok(conn.ping().await.is_ok())
                        })
                    })
                    // An unreachable database is a 503 within this, not a hang.
                    .acquire_timeout(Duration::from_secs(2))
                    .connect_with(options)
                    .await
                    .with_context(|| format!("connecting to {}", redact(url)))?;
                Store {
                    url: Some(url.into()),
                    ..Store::over(Db::Pool(pool.clone()), Db::Pool(pool), dialect)
                }
            }
            Dialect::Sqlite => {
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                let url = sqlite_url(url);
                let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
                let write = Db::set(vec![open_sqlite(&options)
                    .await
                    .with_context(|| format!("opening {url}"))?]);
                // An in-memory database exists only in the connection that made it.
                let read = if memory {
                    write.clone()
                } else {
                    let mut readers = Vec::new();
                    for _ in 0..SQLITE_READERS {
                        readers.push(open_sqlite(&options).await?);
                    }
                    Db::set(readers)
                };
                let checkpointer = if memory {
                    None
                } else {
                    let conn = open_sqlite(&options).await?;
                    Some(std::sync::Arc::new(checkpoint::Checkpointer::start(conn)))
                };
                Store {
                    checkpointer,
                    ..Store::over(write, read, dialect)
                }
            }
        };
        migrations::migrator(dialect)
            .await?
            .run(&mut *store.write.acquire().await?)
            .await
            .context("applying migrations")?;
        Ok(store)
    }

    /// Sets the apps whose webhooks every new event is queued for, and starts
    /// the writer tasks that commit concurrent clicks, creates and webhook
    /// attempts in groups. One call, so the writers are built from the
    /// finished store and see everything it was given.
    pub fn with_writers(mut self, subscribers: Vec<String>, group_commit: &GroupCommit) -> Store {
        self.subscribers_json = serde_json::to_string(&subscribers)
            .expect("a list of strings serializes")
            .into();
        self.subscribers = subscribers.into();
        self.groups = None;
        if group_commit.enabled {
            self.groups = Some(std::sync::Arc::new(Groups::start(&self, group_commit)));
        }
        self
    }

    /// What the dispatcher waits on between batches.
    pub fn wake_handle(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    fn events_committed(&self) {
        if !self.subscribers.is_empty() {
            self.wake.notify_one();
            self.deliveries_changed();
        }
    }

    /// Wakes whoever waits for the delivery log to change.
    fn deliveries_changed(&self) {
        self.deliveries_changed.notify_waiters();
    }

    /// What a request waiting for deliveries waits on (see [`Self::wake_handle`]
    /// for the dispatcher's own).
    pub fn deliveries_changed_handle(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.deliveries_changed.clone()
    }

    /// Wakes the dispatcher: deliveries may have come due (a site's clock moved).
    pub fn wake_dispatcher(&self) {
        self.wake.notify_one();
    }

    pub async fn ping(&self) -> bool {
        match self.read.acquire().await {
            Ok(mut conn) => sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok(),
            Err(_) => false,
        }
    }

    /// Stops the group writers (each gives its connection back) and closes
    /// the connections.
    pub async fn close(&self) {
        if let Some(groups) = &self.groups {
            groups.clicks.close();
            groups.creates.close();
            groups.attempts.close();
        }
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop();
        }
        self.write.close().await;
        self.read.close().await;
    }
}

/// Connections reading a SQLite file at once (WAL lets them read beside the writer).
const SQLITE_READERS: usize = 4;

/// Turns off SQLite's count of the memory it allocates, once, before it starts.
/// The count takes a process-wide mutex on every allocation and free; rows
/// made on SQLite's worker thread and dropped on the runtime's contend for it.
fn skip_sqlite_memory_count() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int. Before SQLite is
        // initialised, sqlite3_config only sets a flag; after, it changes
        // nothing and returns SQLITE_MISUSE, which is fine to ignore.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// A SQLite connection, set up as every one of them is. The WAL is
/// checkpointed in the background (see [`checkpoint`]), and by the writer only
/// every 16,384 pages (64 MiB) rather than SQLite's 1,000: ids are random, so
/// each commit dirties pages all over the key indexes, and a rarer checkpoint
/// copies a page changed by many commits once. Temporary data stays in
/// memory: a many-row insert keeps the pages it changes in a statement
/// journal, which with random keys outgrows SQLite's 64 KiB and went to a
/// temporary file, written and thrown away on every commit.
async fn open_sqlite(options: &AnyConnectOptions) -> anyhow::Result<AnyConnection> {
    skip_sqlite_memory_count();
    let mut conn = AnyConnection::connect_with(options).await?;
    conn.execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
         PRAGMA wal_autocheckpoint = 16384; PRAGMA temp_store = MEMORY;",
    )
    .await?;
    Ok(conn)
}

/// sqlx opens SQLite files read-write but does not create them unless asked.
fn sqlite_url(url: &str) -> String {
    if url.contains(":memory:") || url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// The URL with its credentials hidden, for logs and the start-up banner.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_missing_files() {
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(redact("postgres://u:p@h/db"), "postgres://…@h/db");
    }
}
