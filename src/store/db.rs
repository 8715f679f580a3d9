//! Where queries run. sqlx's pool tests every connection it takes back (a
//! Sync round trip on PostgreSQL, a trip to the worker thread on SQLite),
//! which costs about as much as the short query before it. So SQLite's
//! connections, which never break, are handed out and taken back as they are;
//! and a writer that runs one batch after another keeps its PostgreSQL
//! connection between batches ([`Kept`]).

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _};

/// The smallest pool whose writers keep their connections: they are seven
/// (the group writers of clicks, creates and attempts, two each, and the
/// dispatcher's claims), and requests need the rest.
const KEEPING_POOL: u32 = 16;

#[derive(Clone)]
pub(super) enum Db {
    /// PostgreSQL: sqlx's pool, which replaces connections that broke.
    Pool(AnyPool),
    /// SQLite: a fixed set of open connections, handed out in turn.
    Set {
        idle: async_channel::Receiver<AnyConnection>,
        back: async_channel::Sender<AnyConnection>,
    },
}

/// A connection from a [`Db`], given back when dropped.
pub(super) enum Conn {
    Pooled(PoolConnection<Any>),
    Lent {
        conn: Option<AnyConnection>,
        back: async_channel::Sender<AnyConnection>,
    },
}

impl Db {
    /// A set of already open connections.
    pub fn set(connections: Vec<AnyConnection>) -> Db {
        let (back, idle) = async_channel::bounded(connections.len().max(1));
        for conn in connections {
            back.try_send(conn)
                .expect("the set has room for every connection");
        }
        Db::Set { idle, back }
    }

    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        match self {
            Db::Pool(pool) => Ok(Conn::Pooled(pool.acquire().await?)),
            Db::Set { idle, back } => {
                let conn = idle.recv().await.map_err(|_| sqlx::Error::PoolClosed)?;
                Ok(Conn::Lent {
                    conn: Some(conn),
                    back: back.clone(),
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
            Db::Set { idle, back } => {
                back.close();
                while let Ok(conn) = idle.try_recv() {
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
        if let Conn::Lent { conn, back } = self {
            if let Some(conn) = conn.take() {
                // Fails only once the set is closed; the connection closes as it drops.
                let _ = back.try_send(conn);
            }
        }
    }
}

/// The connection of a writer that runs batch after batch: kept between
/// batches where that holds up no one, given back after a failed batch so a
/// broken connection is replaced.
pub(super) struct Kept {
    db: Db,
    conn: Option<Conn>,
}

impl Kept {
    pub fn new(db: Db) -> Kept {
        Kept { db, conn: None }
    }

    /// The connection for the next batch.
    pub async fn get(&mut self) -> sqlx::Result<&mut AnyConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.db.acquire().await?);
        }
        Ok(self.conn.as_mut().expect("just acquired"))
    }

    /// After a batch: keeps the connection if the batch succeeded and keeping
    /// it holds up no one.
    pub fn done(&mut self, ok: bool) {
        if !(ok && self.db.keeps()) {
            self.conn = None;
        }
    }
}
