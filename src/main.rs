use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use checkout_templates::config::{listen_addr, FileConfig, DEFAULT_DATABASE_URL, DEFAULT_LISTEN};
use checkout_templates::startup::{self, Launch};
use checkout_templates::webhooks::SignOn;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A stateful, faithful emulator of the Wix eCommerce Checkout Templates REST API.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve(ServeArgs),
    /// Deliver webhooks only, from the database an API process writes to.
    Dispatch(DispatchArgs),
    /// Write a local CA and a localhost certificate for --tls-listen.
    TlsCert(TlsCertArgs),
    /// Exit 0 if the emulator at --listen is ready (GET /_emulator/ready answers 200), else 1; for container health checks.
    Probe(ProbeArgs),
}

#[derive(Args, Clone)]
struct ProbeArgs {
    /// The address the emulator listens on; 0.0.0.0 and [::] are probed on loopback [default: 127.0.0.1:8080].
    #[arg(long, env = "CHECKOUT_TEMPLATES_LISTEN", value_parser = listen_addr)]
    listen: Option<SocketAddr>,
}

#[derive(Args, Clone)]
struct TlsCertArgs {
    /// Directory to write ca.pem, cert.pem and key.pem into.
    #[arg(long, default_value = "tls")]
    out: PathBuf,
    /// More host names or IP addresses for the certificate, besides localhost, 127.0.0.1 and ::1.
    #[arg(long = "name")]
    names: Vec<String>,
}

#[derive(Args, Clone)]
struct DispatchArgs {
    /// The same TOML file the API process reads (apps, webhook timing).
    #[arg(long, env = "CHECKOUT_TEMPLATES_CONFIG")]
    config: Option<PathBuf>,
    /// The database the API process writes to (required: here or in the file).
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Where the default app gets webhooks (when no [[apps]] are declared).
    #[arg(long, env = "CHECKOUT_TEMPLATES_WEBHOOK_URL")]
    webhook_url: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// TOML file declaring sites, API keys, apps, catalog items and coupons.
    #[arg(long, env = "CHECKOUT_TEMPLATES_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on: IP:PORT, localhost:PORT or :PORT (port 0: any free port) [default: 127.0.0.1:8080].
    #[arg(long, env = "CHECKOUT_TEMPLATES_LISTEN", value_parser = listen_addr)]
    listen: Option<SocketAddr>,
    /// sqlite://FILE, sqlite::memory: or postgres://… [default: sqlite://checkout-templates.db].
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Create the PostgreSQL database of --database-url if it does not exist.
    #[arg(long, env = "CHECKOUT_TEMPLATES_CREATE_DATABASE")]
    create_database: bool,
    /// Base URL the emulator is reached at, used for default site URLs [default: http://LISTEN].
    #[arg(long, env = "CHECKOUT_TEMPLATES_PUBLIC_URL")]
    public_url: Option<String>,
    /// Also serve HTTPS on this address, in the forms --listen takes (the official SDK only speaks https).
    #[arg(long, env = "CHECKOUT_TEMPLATES_TLS_LISTEN", requires_all = ["tls_cert", "tls_key"], value_parser = listen_addr)]
    tls_listen: Option<SocketAddr>,
    /// PEM certificate chain for --tls-listen (see the tls-cert command).
    #[arg(long, env = "CHECKOUT_TEMPLATES_TLS_CERT", requires = "tls_listen")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-listen.
    #[arg(long, env = "CHECKOUT_TEMPLATES_TLS_KEY", requires = "tls_listen")]
    tls_key: Option<PathBuf>,
    /// Where the default app gets webhooks (when no [[apps]] are declared).
    #[arg(long, env = "CHECKOUT_TEMPLATES_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Do not deliver webhooks from this process (run a dispatcher elsewhere on the same database).
    #[arg(long, env = "CHECKOUT_TEMPLATES_NO_DISPATCHER")]
    no_dispatcher: bool,
    /// Once serving, write the start-up facts (base URL, site id, API key, app id…) as JSON to this file.
    #[arg(long, env = "CHECKOUT_TEMPLATES_READY_FILE")]
    ready_file: Option<PathBuf>,
    /// A snapshot (GET /_emulator/snapshot) to load at start into the site it names (else the first site), if that site is empty.
    #[arg(long, env = "CHECKOUT_TEMPLATES_SEED")]
    seed: Option<PathBuf>,
}

/// The log filter when `RUST_LOG` is not set.
const DEFAULT_LOG: &str = "info,sqlx=warn";

#[tokio::main]
async fn main() -> ExitCode {
    // The log goes to stderr, so stdout carries only what is meant to be
    // read or pasted (the banner); colours only for a person at a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let done = match cli.command {
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Dispatch(args)) => dispatch(args).await,
        Some(Command::TlsCert(args)) => tls_cert(args),
        Some(Command::Probe(args)) => startup::probe(args.listen.unwrap_or_else(default_listen)),
        None => serve(cli.serve).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with the whole chain of causes, and no backtrace: the
            // messages say what to do; a trace would only bury them.
            let text = format!("{e:#}").replace('\n', " ");
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("error: {text}\n").as_bytes(),
            );
            ExitCode::FAILURE
        }
    }
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN.parse().expect("valid default address")
}

fn load_config(path: Option<&PathBuf>, webhook_url: Option<&String>) -> anyhow::Result<FileConfig> {
    let mut file = match path {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    if let Some(url) = webhook_url {
        file.webhook_url = Some(url.clone());
        file.validate()?;
    }
    Ok(file)
}

/// The flag or environment variable, else the file, else the embedded default.
fn database_url(flag: Option<&String>, file: &FileConfig) -> String {
    flag.or(file.database_url.as_ref())
        .cloned()
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let mut config = load_config(args.config.as_ref(), args.webhook_url.as_ref())?;
    config.create_database |= args.create_database;
    if let Some(seed) = args.seed {
        config.seed = Some(seed);
    }
    let launch = Launch {
        listen: args.listen.or(config.listen).unwrap_or_else(default_listen),
        database_url: database_url(args.database_url.as_ref(), &config),
        tls: match (args.tls_listen, args.tls_cert, args.tls_key) {
            (Some(addr), Some(cert), Some(key)) => Some((addr, cert, key)),
            _ => None,
        },
        public_url: args.public_url.or_else(|| config.public_url.clone()),
        dispatcher: (!args.no_dispatcher).then_some(SignOn::Threads),
        config,
    };
    let server = launch.start().await?;
    // A closed stdout must not take the server down, so no println!.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), server.facts.banner().as_bytes());
    if let Some(path) = &args.ready_file {
        server.facts.write_ready_file(path)?;
    }
    server.run(shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn dispatch(args: DispatchArgs) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let config = load_config(args.config.as_ref(), args.webhook_url.as_ref())?;
    // The default would be a new, empty SQLite file with nothing to deliver.
    let database_url = args
        .database_url
        .or_else(|| config.database_url.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "dispatch needs the database the API process writes to: pass --database-url (or set DATABASE_URL, or database_url in --config)"
            )
        })?;
    startup::existing_database(&database_url)?;
    let public_url = config.public_url.clone().unwrap_or_default();
    let (state, _) = startup::state(&config, &database_url, &public_url).await?;
    let banner = format!(
        "checkout-templates dispatching webhooks\n  database   {}\n",
        checkout_templates::store::redact(&database_url)
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    // Nothing else runs here, so the async workers sign themselves.
    startup::dispatch_until(state, SignOn::Workers, shutdown).await;
    tracing::info!("stopped");
    Ok(())
}

fn tls_cert(args: TlsCertArgs) -> anyhow::Result<()> {
    let out = checkout_templates::tls::generate(&args.out, &args.names)?;
    let text = format!(
        "wrote {ca} (the CA to trust), {cert} and {key}\n\
         serve:  checkout-templates --tls-listen 127.0.0.1:8443 --tls-cert {cert} --tls-key {key}\n\
         trust:  NODE_EXTRA_CA_CERTS={ca} node app.js   |   curl --cacert {ca} https://localhost:8443/_emulator/health\n",
        ca = out.ca.display(),
        cert = out.cert.display(),
        key = out.key.display(),
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is
/// called, not when it is first awaited: called before the banner and the
/// ready file say the emulator is up, a signal sent at once is a graceful
/// stop, not the default kill.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (terminate, interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        tokio::select! {
            _ = received(terminate) => {},
            _ = received(interrupt) => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// The next delivery of `signal`; never, if its handler could not be installed.
#[cfg(unix)]
async fn received(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
