//! Copies a SQLite file's write-ahead log back into the database (a
//! checkpoint) on a connection of its own. Left to itself SQLite checkpoints
//! on the connection that commits, so the one writer stops taking writes while
//! it copies: with random ids a commit changes pages all over the key indexes,
//! and that copy is most of what a write costs. Here it runs on this
//! connection's thread, beside the writer; the writer's own checkpoint (every
//! `wal_autocheckpoint` pages) is left on as the backstop that lets the log
//! start over, and finds little left to copy.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::Notify;

/// How often the log is copied back: often enough that the writer's backstop
/// finds little to do, rarely enough that an idle database costs nothing.
const EVERY: Duration = Duration::from_millis(100);

/// The background checkpoint; stops (and closes its connection) on [`Self::stop`].
pub(super) struct Checkpointer {
    stop: Arc<Notify>,
}

impl Checkpointer {
    pub(super) fn start(mut conn: AnyConnection) -> Checkpointer {
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stopped.notified() => break,
                    _ = tick.tick() => {}
                }
                // PASSIVE never waits for readers or the writer; what it
                // cannot copy yet is copied on a later tick.
                if let Err(e) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::debug!(error = %e, "background checkpoint");
                }
            }
            let _ = conn.close().await;
        });
        Checkpointer { stop }
    }

    pub(super) fn stop(&self) {
        self.stop.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::any::AnyConnectOptions;
    use std::str::FromStr;

    /// Writes that stay below the writer's own checkpoint threshold reach the
    /// database file anyway, from the background checkpoint.
    #[tokio::test]
    async fn the_log_is_copied_back_without_the_writer() {
        sqlx::any::install_default_drivers();
        let path =
            std::env::temp_dir().join(format!("ct-ckpt-{}.db", uuid::Uuid::new_v4().simple()));
        let options =
            AnyConnectOptions::from_str(&format!("sqlite://{}?mode=rwc", path.display())).unwrap();
        let mut writer = super::super::open_sqlite(&options).await.unwrap();
        writer
            .execute("CREATE TABLE t (body TEXT NOT NULL)")
            .await
            .unwrap();
        // 2 MiB: well inside the 64 MiB the writer waits for.
        for _ in 0..64 {
            sqlx::query("INSERT INTO t (body) VALUES ($1)")
                .bind("x".repeat(32 * 1024))
                .execute(&mut writer)
                .await
                .unwrap();
        }
        let file_size = || std::fs::metadata(&path).unwrap().len();
        let written = file_size();
        assert!(
            written < 1 << 20,
            "nothing copied back yet: {written} bytes"
        );
        let checkpointer = Checkpointer::start(super::super::open_sqlite(&options).await.unwrap());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while file_size() < 2 << 20 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        checkpointer.stop();
        assert!(file_size() >= 2 << 20, "copied back: {} bytes", file_size());
        drop(writer);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
