//! Reaching PostgreSQL at start-up: one connection within a few seconds, or
//! an error that names the cause and the fix (sqlx's pool retries a refused
//! connection until its own timeout, then reports only that it timed out);
//! and creating a missing database when asked to.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{anyhow, Context};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use super::Dialect;

/// How long start-up waits for PostgreSQL to answer.
const REACH_TIMEOUT: Duration = Duration::from_secs(3);

/// PostgreSQL's codes for an unknown database, a database that already
/// exists, and refused credentials.
const UNKNOWN_DATABASE: &str = "3D000";
const DUPLICATE_DATABASE: &str = "42P04";
const REFUSED_LOGIN: [&str; 2] = ["28P01", "28000"];

/// Connects once to the PostgreSQL at `url`, or says why it cannot.
pub(super) async fn reach(url: &str) -> anyhow::Result<()> {
    let options = options(url)?;
    let conn = connect(&options).await.map_err(|e| explain(&options, e))?;
    let _ = conn.close().await;
    Ok(())
}

/// Creates the PostgreSQL database `url` names if it does not exist yet
/// (connecting to the server's `postgres` database to do so); true if it
/// made one. SQLite files are created on connect anyway.
pub async fn create_database(url: &str) -> anyhow::Result<bool> {
    if Dialect::of_url(url)? != Dialect::Postgres {
        return Ok(false);
    }
    let options = options(url)?;
    match connect(&options).await {
        Ok(conn) => {
            let _ = conn.close().await;
            return Ok(false);
        }
        Err(Some(e)) if code(&e).as_deref() == Some(UNKNOWN_DATABASE) => {}
        Err(e) => return Err(explain(&options, e)),
    }
    let name = database(&options).to_string();
    let server = options.clone().database("postgres");
    let mut conn = connect(&server).await.map_err(|e| explain(&server, e))?;
    let created = conn
        .execute(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")).as_str())
        .await;
    let _ = conn.close().await;
    match created {
        Ok(_) => Ok(true),
        // Another instance made it first.
        Err(e) if code(&e).as_deref() == Some(DUPLICATE_DATABASE) => Ok(false),
        Err(e) => Err(e).with_context(|| format!("creating database \"{name}\"")),
    }
}

fn options(url: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .with_context(|| format!("{} is not a PostgreSQL URL", super::redact(url)))
}

/// One connection, or the error (`None`: no answer in time).
async fn connect(options: &PgConnectOptions) -> Result<PgConnection, Option<sqlx::Error>> {
    match tokio::time::timeout(REACH_TIMEOUT, options.connect()).await {
        Ok(result) => result.map_err(Some),
        Err(_) => Err(None),
    }
}

/// The database a connection goes to: the URL's, else the user's name.
fn database(options: &PgConnectOptions) -> &str {
    options
        .get_database()
        .unwrap_or_else(|| options.get_username())
}

/// PostgreSQL's SQLSTATE code of a database error.
fn code(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(e) => e.code().map(|code| code.into_owned()),
        _ => None,
    }
}

/// The cause in words a user can act on.
fn explain(options: &PgConnectOptions, error: Option<sqlx::Error>) -> anyhow::Error {
    let (host, port, user) = (
        options.get_host(),
        options.get_port(),
        options.get_username(),
    );
    let db = database(options);
    let Some(error) = error else {
        return anyhow!(
            "PostgreSQL at {host}:{port} did not answer within {} s: check the host and port in the database URL",
            REACH_TIMEOUT.as_secs()
        );
    };
    match (&error, code(&error).as_deref()) {
        (sqlx::Error::Io(e), _) if e.kind() == std::io::ErrorKind::ConnectionRefused => anyhow!(
            "PostgreSQL at {host}:{port} refused the connection: is it running? Start it, or fix the host and port in the database URL"
        ),
        (sqlx::Error::Io(e), _) => anyhow!("cannot reach PostgreSQL at {host}:{port}: {e}"),
        (_, Some(UNKNOWN_DATABASE)) => anyhow!(
            "database \"{db}\" does not exist on the PostgreSQL at {host}:{port}: create it (createdb -h {host} -p {port} -U {user} {db}), or pass --create-database"
        ),
        (sqlx::Error::Database(e), Some(code)) if REFUSED_LOGIN.contains(&code) => anyhow!(
            "PostgreSQL at {host}:{port} did not let user \"{user}\" in ({}): check the user and password in the database URL",
            e.message()
        ),
        _ => anyhow!("connecting to PostgreSQL at {host}:{port}: {error}"),
    }
}
