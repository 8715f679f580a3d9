//! Where queries run. sqlx's pool tests every connection it takes back (a
//! Sync round trip on PostgreSQL, a trip to the worker thread on SQLite),
//! which costs about as much as the short query before it. So SQLite's
//! connections, which never break, are handed out and taken back as they are;
//! and a writer that runs one batch after another keeps its PostgreSQL
//! connection between batches ([`Kept`]).

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The smallest pool whose writers keep their connections: they are seven
/// (the group writers of clicks, creates and attempts, two each, and the
/// dispatcher's claims), and requests need the rest.
const KEEPING_POOL: u32 = 16;

/// A PostgreSQL connection idle for longer than this is pinged before it is
/// used again: the database may have restarted meanwhile.
pub(super) const TRUSTED_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Clone)]
pub(super) enum Db {
    /// PostgreSQL: sqlx's pool, which replaces connections that broke.
    Pool(AnyPool),
    /// SQLite: a fixed set of open connections, handed out in turn: a
    /// permit each, and permits go first come, first served, so no waiter is
    /// overtaken by later ones.
    Set {
        permits: Arc<Semaphore>,
        idle: Arc<Mutex<Vec<AnyConnection>>>,
    },
}

/// A connection from a [`Db`], given back when dropped.
pub(super) enum Conn {
    Pooled(PoolConnection<Any>),
    Lent {
        conn: Option<AnyConnection>,
        idle: Arc<Mutex<Vec<AnyConnection>>>,
        /// Given up only after the connection is back among the idle ones.
        permit: Option<OwnedSemaphorePermit>,
    },
}

impl Db {
    /// A set of already open connections.
    pub fn set(connections: Vec<AnyConnection>) -> Db {
        Db::Set {
            permits: Arc::new(Semaphore::new(connections.len())),
            idle: Arc::new(Mutex::new(connections)),
        }
    }

    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        match self {
            Db::Pool(pool) => Ok(Conn::Pooled(pool.acquire().await?)),
            Db::Set { permits, idle } => {
                let permit = permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let conn = idle
                    .lock()
                    .expect("idle connections lock")
                    .pop()
                    .expect("a permit per idle connection");
                Ok(Conn::Lent {
                    conn: Some(conn),
                    idle: idle.clone(),
                    permit: Some(permit),
                })
            }
        }
    }

    /// Whether a writer may keep a connection between batches without
    /// holding up anyone else: not SQLite's one writing connection, nor a
    /// pool too small to lend the few writers one each for good.
    fn keeps(&self) -> bool {
        match self {
            Db::Pool(pool) => pool.options().get_max_connections() >= KEEPING_POOL,
            Db::Set { .. } => false,
        }
    }

    /// Closes the idle connections; those in use close when given back.
    pub async fn close(&self) {
        match self {
            Db::Pool(pool) => pool.close().await,
            Db::Set { permits, idle } => {
                permits.close();
                let idle = std::mem::take(&mut *idle.lock().expect("idle connections lock"));
                for conn in idle {
                    let _ = conn.close().await;
                }
            }
        }
    }
}

impl Deref for Conn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Lent { conn, .. } => conn.as_ref().expect("a lent connection is there"),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Lent { conn, .. } => conn.as_mut().expect("a lent connection is there"),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Conn::Lent { conn, idle, permit } = self {
            let permit = permit.take().expect("a lent connection holds a permit");
            // Once the set is closed, the connection closes as it drops.
            if let (Some(conn), false) = (conn.take(), permit.semaphore().is_closed()) {
                idle.lock().expect("idle connections lock").push(conn);
            }
            drop(permit);
        }
    }
}

/// The connection of a writer that runs batch after batch: kept between
/// batches where that holds up no one, given back after a failed batch so a
/// broken connection is replaced.
pub(super) struct Kept {
    db: Db,
    conn: Option<Conn>,
    /// When the kept connection last ran a batch.
    used: std::time::Instant,
}

impl Kept {
    pub fn new(db: Db) -> Kept {
        Kept {
            db,
            conn: None,
            used: std::time::Instant::now(),
        }
    }

    /// Runs one batch on the kept connection (acquiring one first if there is
    /// none), and keeps the connection afterwards if the batch succeeded and
    /// keeping it holds up no one.
    pub async fn run<T, E: From<sqlx::Error>>(
        &mut self,
        batch: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        // Kept connections bypass the pool's check: one that sat idle is
        // pinged here, and replaced if the database went away meanwhile.
        if self.used.elapsed() >= TRUSTED_IDLE {
            if let Some(conn) = self.conn.as_mut() {
                if conn.ping().await.is_err() {
                    self.conn = None;
                }
            }
        }
        if self.conn.is_none() {
            self.conn = Some(self.db.acquire().await?);
        }
        let done = batch(self.conn.as_mut().expect("just acquired")).await;
        self.used = std::time::Instant::now();
        if !(done.is_ok() && self.db.keeps()) {
            self.conn = None;
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::time::Duration;

    use sqlx::any::AnyConnectOptions;
    use sqlx::Connection as _;

    use super::*;

    async fn memory() -> AnyConnection {
        sqlx::any::install_default_drivers();
        AnyConnection::connect_with(&AnyConnectOptions::from_str("sqlite::memory:").unwrap())
            .await
            .unwrap()
    }

    /// A set lends each connection to one holder at a time, takes it back as
    /// it is (the same connection, its state intact), and lends nothing once
    /// closed.
    #[tokio::test]
    async fn a_set_lends_one_connection_at_a_time() {
        let db = Db::set(vec![memory().await]);
        let mut first = db.acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut *first)
            .await
            .unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), db.acquire()).await;
        assert!(waiting.is_err(), "the only connection is lent");
        drop(first);
        let mut again = db.acquire().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *again)
            .await
            .expect("the same connection came back, with its table");
        drop(again);
        db.close().await;
        assert!(matches!(db.acquire().await, Err(sqlx::Error::PoolClosed)));
    }

    /// Waiters get the connection in the order they asked for it: one that
    /// asks later does not overtake them.
    #[tokio::test]
    async fn waiters_are_served_first_come_first_served() {
        let db = Db::set(vec![memory().await]);
        let held = db.acquire().await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiter = |name: &'static str| {
            let (db, order) = (db.clone(), order.clone());
            tokio::spawn(async move {
                let _conn = db.acquire().await.unwrap();
                order.lock().unwrap().push(name);
                tokio::time::sleep(Duration::from_millis(5)).await;
            })
        };
        let first = waiter("first");
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = waiter("second");
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(held);
        let late = waiter("late");
        for task in [first, second, late] {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["first", "second", "late"]);
    }

    /// A writer on SQLite's one connection gives it back after every batch,
    /// so others can write between its batches.
    #[tokio::test]
    async fn a_writer_on_a_set_does_not_keep_its_connection() {
        let db = Db::set(vec![memory().await]);
        let mut kept = Kept::new(db.clone());
        kept.run(async |_| Ok::<_, sqlx::Error>(())).await.unwrap();
        let other = tokio::time::timeout(Duration::from_millis(50), db.acquire()).await;
        assert!(other.is_ok(), "the connection went back after the batch");
    }
}
