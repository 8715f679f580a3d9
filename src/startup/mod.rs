//! Start-up, written once for the binary, the tests and the benchmarks:
//! connect, provision, build the state, bind the listeners, then serve and
//! deliver webhooks until told to stop.

mod defaults;
mod probe;
pub mod ready;
mod seed;

pub use defaults::Welcome;
pub use probe::probe;
pub use ready::Facts;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::FileConfig;
use crate::model::pricing::Pricing;
use crate::query::cursor::CursorKey;
use crate::state::AppState;
use crate::store::Store;
use crate::tls::TlsListener;
use crate::webhooks::{AppSigner, Dispatcher, SignOn};

/// Connects to `database_url` and builds the state `config` describes,
/// provisioning first-start defaults (their URLs under `public_url`).
pub async fn state(
    config: &FileConfig,
    database_url: &str,
    public_url: &str,
) -> anyhow::Result<(AppState, Welcome)> {
    if config.create_database && crate::store::create_database(database_url).await? {
        tracing::info!(database = %crate::store::redact(database_url), "created the database");
    }
    let store = Store::connect(database_url, config.limits.max_connections).await?;
    let provisioned = defaults::provision(&store, config, public_url).await?;
    let mut apps = HashMap::new();
    for app in &provisioned.apps {
        apps.insert(app.id.clone(), Arc::new(AppSigner::load(&store, app)?));
    }
    let subscribers = provisioned
        .apps
        .iter()
        .filter(|a| a.webhook_url.is_some())
        .map(|a| a.id.clone())
        .collect();
    let state = AppState {
        store: store.with_writers(subscribers, &config.performance),
        apps,
        api_app_id: provisioned
            .apps
            .first()
            .map(|a| a.id.clone())
            .unwrap_or_default(),
        dispatch: config.webhooks.clone(),
        tenancy: provisioned.tenancy,
        pricing: Pricing::new(&config.catalog, &config.coupons),
        cursor_key: CursorKey::new(provisioned.cursor_secret.as_bytes()),
        limits: config.limits.clone(),
        clock: Clock::system(),
        public_url: public_url.trim_end_matches('/').to_string(),
        sessions: Default::default(),
        faults: Default::default(),
        journal: crate::journal::Journal::new(config.limits.journal_entries),
        control_lock: Default::default(),
    };
    // Test control set on this database before (by this or another instance).
    crate::control::sync::reload(&state).await?;
    let mut welcome = provisioned.welcome;
    // The banner's one-click console link signs in with the key it made up,
    // else with the first admin key declared.
    let console_key = welcome.api_key.clone().or_else(|| {
        config
            .api_keys
            .iter()
            .find(|k| k.role == crate::auth::Role::Admin)
            .map(|k| k.key.clone())
    });
    welcome.sign_in_token = console_key.map(|key| state.sessions.sign_in_link(&key));
    Ok((state, welcome))
}

/// Where and how to serve.
pub struct Launch {
    pub config: FileConfig,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Also serve HTTPS: address, certificate chain and key (PEM files).
    pub tls: Option<(SocketAddr, PathBuf, PathBuf)>,
    /// The base URL the emulator is reached at [default: http://LISTEN].
    pub public_url: Option<String>,
    /// Deliver webhooks from this process, signing where it says.
    pub dispatcher: Option<SignOn>,
}

/// A started emulator: listeners bound and state built, not yet serving.
pub struct Server {
    pub state: Arc<AppState>,
    pub facts: Facts,
    listener: TcpListener,
    tls: Option<TlsListener>,
    dispatcher: Option<SignOn>,
}

impl Launch {
    /// Binds the listeners first, so a port in use stops the start before the
    /// database is touched.
    pub async fn start(self) -> anyhow::Result<Server> {
        let listener = bind(self.listen, "--listen").await?;
        let bound = listener.local_addr()?;
        let tls = match &self.tls {
            Some((addr, cert, key)) => {
                let config = crate::tls::server_config(cert, key)?;
                let tcp = bind(*addr, "--tls-listen").await?;
                Some(TlsListener::new(tcp, config)?)
            }
            None => None,
        };
        let public_url = self.public_url.unwrap_or_else(|| format!("http://{bound}"));
        let (state, welcome) = state(&self.config, &self.database_url, &public_url).await?;
        if let Some(path) = &self.config.seed {
            let done = seed::load(&state, path, &welcome.site_id).await?;
            tracing::info!("{done}");
        }
        let https = match (&tls, &self.tls) {
            (Some(tls), Some((_, cert, _))) => {
                Some((axum::serve::Listener::local_addr(tls)?, cert.as_path()))
            }
            _ => None,
        };
        let facts = Facts::new(&public_url, https, &self.database_url, welcome);
        Ok(Server {
            state: Arc::new(state),
            facts,
            listener,
            tls,
            dispatcher: self.dispatcher,
        })
    }
}

/// Binds `addr`, or says why not and what to do about it (`flag` is the
/// option that chose the address).
async fn bind(addr: SocketAddr, flag: &str) -> anyhow::Result<TcpListener> {
    use std::io::ErrorKind;
    TcpListener::bind(addr).await.map_err(|e| {
        let next = addr.port().checked_add(1).unwrap_or(8080);
        match e.kind() {
            ErrorKind::AddrInUse => anyhow::anyhow!(
                "cannot listen on {addr}: something else is listening there (another checkout-templates?): stop it, or pass {flag} :{next} (or {flag} :0 for any free port)"
            ),
            ErrorKind::PermissionDenied => anyhow::anyhow!(
                "cannot listen on {addr}: ports below 1024 need privileges: pass {flag} :8080, say"
            ),
            ErrorKind::AddrNotAvailable => anyhow::anyhow!(
                "cannot listen on {addr}: that is not an address of this machine: pass {flag} 127.0.0.1:{} (this machine only) or 0.0.0.0:{} (every interface)",
                addr.port(),
                addr.port()
            ),
            _ => anyhow::Error::new(e).context(format!("cannot listen on {addr}")),
        }
    })
}

/// The file of a SQLite database URL; `None` for an in-memory database or
/// another engine.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Refuses a database that a process other than the API would have to
/// create: one in memory (private to one process) or a missing SQLite file.
pub fn existing_database(url: &str) -> anyhow::Result<()> {
    if !url.starts_with("sqlite:") {
        return Ok(());
    }
    match sqlite_file(url) {
        None => bail!("{url} is private to one process: give the API process's database file or PostgreSQL"),
        Some(path) if !Path::new(&path).exists() => bail!(
            "no database at {}: start the API process first (it creates the file), or fix --database-url",
            path.display()
        ),
        Some(_) => Ok(()),
    }
}

impl Server {
    /// Serves until `shutdown` resolves; then stops accepting, lets in-flight
    /// requests and deliveries finish, and closes the database. Undelivered
    /// events stay queued for the next start.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server {
            state,
            listener,
            tls,
            dispatcher,
            ..
        } = self;
        let (stop_dispatcher, dispatching) = watch::channel(false);
        let follower = tokio::spawn(crate::control::sync::follow(
            state.clone(),
            dispatching.clone(),
        ));
        let dispatcher = dispatcher.map(|sign_on| spawn_dispatcher(&state, dispatching, sign_on));
        let (stop_serving, serving) = watch::channel(false);
        let plain = crate::serve(listener, state.clone(), stopped(serving.clone()));
        let secure = async {
            match tls {
                Some(tls) => crate::serve(tls, state.clone(), stopped(serving)).await,
                None => Ok(()),
            }
        };
        let signal = async {
            shutdown.await;
            let _ = stop_serving.send(true);
            Ok(())
        };
        tokio::try_join!(plain, secure, signal)?;
        let _ = stop_dispatcher.send(true);
        if let Some(handle) = dispatcher {
            let _ = handle.await;
        }
        let _ = follower.await;
        state.store.close().await;
        Ok(())
    }
}

/// Delivers webhooks only, until `shutdown` resolves; then lets in-flight
/// deliveries finish and closes the database.
pub async fn dispatch_until(state: AppState, sign_on: SignOn, shutdown: impl Future<Output = ()>) {
    let state = Arc::new(state);
    let (stop, stopped) = watch::channel(false);
    let follower = tokio::spawn(crate::control::sync::follow(state.clone(), stopped.clone()));
    let dispatcher = spawn_dispatcher(&state, stopped, sign_on);
    shutdown.await;
    let _ = stop.send(true);
    let _ = dispatcher.await;
    let _ = follower.await;
    state.store.close().await;
}

/// Starts the webhook dispatcher; it stops when `shutdown` turns true.
fn spawn_dispatcher(
    state: &AppState,
    shutdown: watch::Receiver<bool>,
    sign_on: SignOn,
) -> tokio::task::JoinHandle<()> {
    let dispatcher = Dispatcher::new(
        state.store.clone(),
        state.apps.clone(),
        state.dispatch.clone(),
        state.clock.clone(),
        state.faults.clone(),
        sign_on,
    );
    tokio::spawn(dispatcher.run(shutdown))
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}
