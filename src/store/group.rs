//! Group commit: concurrent writes of one kind go into one transaction, and each
//! caller is answered only after the transaction holding its write committed.
//! One fsync (SQLite) or one round trip and WAL flush (PostgreSQL) then serves
//! many requests instead of one.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyConnection;
use tokio::sync::oneshot;

use super::db::{Db, Kept};
use crate::error::Result;

/// How concurrent writes are committed: the `[performance]` section of the
/// configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupCommit {
    /// Off: each write is its own transaction, made by the request's task.
    /// On: each is still answered only after the transaction holding it has
    /// committed.
    #[serde(rename = "group_commit")]
    pub enabled: bool,
    /// Writes in one transaction at most.
    #[serde(rename = "group_commit_max_batch")]
    pub max_batch: usize,
    /// How long a batch waits for more writes once it has one. Zero batches
    /// only what is already waiting, which adds no latency when idle.
    #[serde(rename = "group_commit_window_us", with = "crate::units::micros")]
    pub window: Duration,
    /// Batches of one kind committed at the same time (PostgreSQL; SQLite has
    /// one writer).
    #[serde(rename = "group_commit_writers")]
    pub writers: usize,
}

impl Default for GroupCommit {
    fn default() -> Self {
        GroupCommit {
            enabled: true,
            max_batch: 64,
            window: Duration::ZERO,
            // Measured on 2 cores at 32 connections: two batches in flight
            // keep PostgreSQL busy while the next one gathers.
            writers: 2,
        }
    }
}

impl GroupCommit {
    /// Catches mistakes at boot rather than at the first write.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=500).contains(&self.max_batch)
            || self.writers == 0
            || self.window > Duration::from_millis(100)
        {
            anyhow::bail!("[performance] group_commit_max_batch must be 1-500, group_commit_writers positive, group_commit_window_us at most 100000");
        }
        Ok(())
    }
}

/// One kind of write that can be committed in groups.
pub(super) trait GroupWrite: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;

    /// Writes every item in one transaction on `conn`: one output per item,
    /// in order, or an error that wrote nothing.
    fn write(
        &self,
        conn: &mut AnyConnection,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Output>>> + Send;
}

struct Pending<W: GroupWrite> {
    item: W::Item,
    done: oneshot::Sender<Result<W::Output>>,
}

/// Feeds writes of one kind to its writer tasks.
pub(super) struct Group<W: GroupWrite> {
    queue: async_channel::Sender<Pending<W>>,
}

impl<W: GroupWrite> Group<W> {
    /// Starts `writers` tasks that commit what is submitted, in batches, each
    /// on a connection from `db`.
    pub fn start(writer: W, db: &Db, writers: usize, settings: &GroupCommit) -> Arc<Group<W>> {
        let (queue, waiting) = async_channel::unbounded::<Pending<W>>();
        let writer = Arc::new(writer);
        for _ in 0..writers.max(1) {
            let (writer, waiting, settings) = (writer.clone(), waiting.clone(), settings.clone());
            let mut conn = Kept::new(db.clone());
            tokio::spawn(async move {
                while let Some(batch) = next_batch(&waiting, &settings).await {
                    commit(&*writer, &mut conn, batch).await;
                }
            });
        }
        Arc::new(Group { queue })
    }

    /// Lets the writer tasks finish what was submitted, then stop and give
    /// their connections back; later writes fail.
    pub fn close(&self) {
        self.queue.close();
    }

    /// Waits until `item` is committed (or failed) with others.
    pub async fn submit(&self, item: W::Item) -> Result<W::Output> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { item, done })
            .await
            .map_err(|_| anyhow::anyhow!("the group writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the group writer dropped a write"))?
    }
}

/// Commits a batch. If it fails, each write is tried on its own, so one bad
/// write fails alone and the others still land.
async fn commit<W: GroupWrite>(writer: &W, conn: &mut Kept, batch: Vec<Pending<W>>) {
    let (items, answers): (Vec<W::Item>, Vec<_>) =
        batch.into_iter().map(|p| (p.item, p.done)).unzip();
    let started = std::time::Instant::now();
    let written = write(writer, conn, &items).await;
    tracing::trace!(
        batch = items.len(),
        took_us = started.elapsed().as_micros() as u64,
        "group commit"
    );
    match written {
        Ok(outputs) => {
            for (answer, output) in answers.into_iter().zip(outputs) {
                let _ = answer.send(Ok(output));
            }
        }
        Err(e) if items.len() == 1 => {
            let _ = answers.into_iter().next().map(|a| a.send(Err(e)));
        }
        Err(e) => {
            tracing::debug!(error = %format!("{:#}", anyhow::Error::from(e)), "a group commit failed; writing its items one by one");
            for (item, answer) in items.iter().zip(answers) {
                let one = write(writer, conn, std::slice::from_ref(item)).await;
                let _ = answer.send(one.map(|mut o| o.pop().expect("one output per item")));
            }
        }
    }
}

/// One transaction on the writer's connection, which is let go if it failed.
async fn write<W: GroupWrite>(
    writer: &W,
    conn: &mut Kept,
    items: &[W::Item],
) -> Result<Vec<W::Output>> {
    conn.run(async |c| writer.write(c, items).await).await
}

/// Waits for one write, then takes what else is waiting (and, with a window,
/// what arrives within it), up to the batch size. `None` once every sender is gone.
async fn next_batch<T>(
    waiting: &async_channel::Receiver<T>,
    settings: &GroupCommit,
) -> Option<Vec<T>> {
    let first = waiting.recv().await.ok()?;
    let mut batch = vec![first];
    while batch.len() < settings.max_batch {
        match waiting.try_recv() {
            Ok(p) => batch.push(p),
            Err(_) => break,
        }
    }
    if !settings.window.is_zero() {
        let deadline = tokio::time::Instant::now() + settings.window;
        while batch.len() < settings.max_batch {
            match tokio::time::timeout_at(deadline, waiting.recv()).await {
                Ok(Ok(p)) => batch.push(p),
                _ => break,
            }
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Fails any batch holding a negative number; records the batches it wrote.
    #[derive(Default)]
    struct Doubler {
        written: Mutex<Vec<Vec<i32>>>,
    }

    impl GroupWrite for Arc<Doubler> {
        type Item = i32;
        type Output = i32;

        async fn write(&self, _: &mut AnyConnection, items: &[i32]) -> Result<Vec<i32>> {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if items.iter().any(|i| *i < 0) {
                return Err(anyhow::anyhow!("negative").into());
            }
            self.written.lock().unwrap().push(items.to_vec());
            Ok(items.iter().map(|i| i * 2).collect())
        }
    }

    #[tokio::test]
    async fn one_failing_write_fails_alone_and_batches_form() {
        let writer = Arc::new(Doubler::default());
        let settings = GroupCommit {
            max_batch: 8,
            window: Duration::from_millis(20),
            ..GroupCommit::default()
        };
        let store = crate::store::Store::connect("sqlite::memory:", 1)
            .await
            .unwrap();
        let group = Group::start(writer.clone(), &store.write, 1, &settings);
        let answers = futures::future::join_all((-1..15).map(|i| group.submit(i))).await;
        for (i, answer) in (-1..15).zip(answers) {
            match answer {
                Ok(doubled) => assert_eq!(doubled, i * 2),
                Err(_) => assert_eq!(i, -1, "only the bad write fails"),
            }
        }
        let written = writer.written.lock().unwrap();
        let count: usize = written.iter().map(Vec::len).sum();
        assert_eq!(count, 15, "every good write committed once");
        assert!(written.iter().all(|b| b.len() <= 8));
        assert!(
            written.iter().any(|b| b.len() > 1),
            "writes were grouped: {written:?}"
        );
    }
}
