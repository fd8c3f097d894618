//! `serve` and `init`.

use crate::bootstrap::bootstrap;
use crate::config::ServerConfig;
use crate::config_file::{ConfigFile, ConfigFileError};
use crate::http::{routes, AppState};
use crate::ledger::Ledger;
use actix_web::{App, HttpServer};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// A TOML configuration file (docs/operations.md); flags and environment variables override it.
    #[arg(long, env = "EWASTE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "EWASTE_BIND")]
    pub bind: Option<SocketAddr>,
    /// Directory for the SQLite database and the keys [default: data].
    #[arg(long, env = "EWASTE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL, or `sqlite://PATH`; default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Base of label URIs (default: http://BIND).
    #[arg(long, env = "EWASTE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The log's checkpoint origin (default: the public URL's host and path + `/log`).
    #[arg(long, env = "EWASTE_ORIGIN")]
    pub origin: Option<String>,
    /// On a new ledger, record the demo history (`ewaste-ledger demo`) once the server listens.
    #[arg(long)]
    pub demo: bool,
}

impl ServeArgs {
    /// The configuration: flags and environment first, then the file, then the defaults.
    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        let file = match &self.config {
            Some(path) => ConfigFile::read(path)?,
            None => ConfigFile::default(),
        };
        let path = self.config.clone().unwrap_or_default();
        let bind = match (self.bind, &file.bind) {
            (Some(bind), _) => bind,
            (None, Some(text)) => text.parse().map_err(|_| ConfigFileError::Value {
                path: path.clone(),
                key: "bind",
                reason: format!("`{text}` is not an address such as 127.0.0.1:8080"),
            })?,
            (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let pick =
            |flag: &Option<String>, file: &Option<String>| flag.clone().or_else(|| file.clone());
        let mut config = ServerConfig::new(
            bind,
            self.data_dir
                .clone()
                .or(file.data_dir.clone())
                .unwrap_or_else(|| "data".into()),
            pick(&self.database_url, &file.database_url).as_deref(),
            pick(&self.public_url, &file.public_url).as_deref(),
            pick(&self.origin, &file.origin).as_deref(),
        )?;
        file.apply(&mut config);
        Ok(config)
    }
}

/// Opens the ledger and bootstraps it, telling the operator where things are.
async fn open(config: &ServerConfig) -> anyhow::Result<Ledger> {
    let (ledger, report) = bootstrap(config).await?;
    eprintln!(
        "ewaste-ledger: {} backend, log of {}",
        ledger.backend(),
        crate::domain::wording::count(report.log_size as u64, "entry", "entries")
    );
    // The private key files are labelled as such: a regulator who takes "log key" for the
    // key to pass to `audit verify --log-key` would hand over, and paste around, a secret.
    eprintln!(
        "  log signing key (private, keep secret): {}",
        report.log_key.display()
    );
    eprintln!(
        "  log verifier key (public, for `audit verify --log-key` and witnesses): {}",
        ledger.log_key().to_text()
    );
    eprintln!(
        "  admin key (private, keep secret): {}",
        report.admin_key.display()
    );
    if let Some(admin) = report.genesis_admin {
        eprintln!("  genesis written: first admin actor id {admin}");
    }
    let admin_key = crate::key_files::read_pem(&report.admin_key)?
        .verifying_key()
        .to_bytes();
    if let Some(admin) = ledger
        .actors()
        .await?
        .iter()
        .find(|a| a.public_key == admin_key)
    {
        eprintln!(
            "  admin actor: {} ({})",
            admin.id,
            if admin.revoked { "revoked" } else { "active" }
        );
    }
    Ok(ledger)
}

pub fn init(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    actix_web::rt::System::new().block_on(async { open(&config).await.map(|_| ()) })
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let listener = listen(config.bind)?;
    let demo = args.demo.then(|| config.data_dir.join("admin-key.pem"));
    actix_web::rt::System::new().block_on(run_server(config, listener, demo))
}

/// Binds the server's address, saying which address failed and how to choose another.
fn listen(bind: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    std::net::TcpListener::bind(bind).map_err(|error| match error.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "{bind} is already in use (another ewaste-ledger?); choose another address with --bind HOST:PORT"
        ),
        _ => anyhow::anyhow!(
            "cannot listen on {bind}: {error}; choose another address with --bind HOST:PORT"
        ),
    })
}

/// Records the demo through this server's own API once it answers, on a thread of its own.
fn start_demo(url: String, admin_key: PathBuf) {
    std::thread::spawn(move || {
        let ready = (0..300).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            super::http_client::fetch_text(&url, "/healthz").is_ok()
        });
        let outcome = ready
            .then(|| crate::key_files::read_pem(&admin_key))
            .ok_or_else(|| anyhow::anyhow!("the server did not answer"))
            .and_then(|key| {
                let client = super::client::Client::with_key(&url, key?);
                super::demo::run(&client, &super::demo::DemoSettings::default())
            });
        match outcome {
            Ok(report) => eprintln!(
                "  demo: recorded {} events for {} products in {:.1} s; see {url}/cities",
                report.events, report.products, report.seconds
            ),
            Err(error) => eprintln!("  demo failed: {error:#}"),
        }
    });
}

/// Opens the ledger and serves HTTP on `listener` until the process is stopped. With
/// `demo_admin_key`, a new ledger (only its genesis) is filled with the demo history.
pub async fn run_server(
    config: ServerConfig,
    listener: std::net::TcpListener,
    demo_admin_key: Option<PathBuf>,
) -> anyhow::Result<()> {
    let ledger = open(&config).await?;
    if let Some(admin_key) = demo_admin_key {
        let size = ledger.head().await?.size;
        if size <= 1 {
            start_demo(format!("http://{}", listener.local_addr()?), admin_key);
        } else {
            eprintln!(
                "  --demo: the ledger already holds {size} entries; the demo only fills a new one"
            );
        }
    }
    let state = AppState {
        ledger,
        public_url: config.public_url.clone(),
        limits: config.limits,
    };
    eprintln!(
        "  listening on http://{} (labels under {})",
        listener.local_addr()?,
        config.public_url
    );
    HttpServer::new(move || App::new().configure(routes(state.clone())))
        .workers(config.workers)
        // Slow or stalled clients are cut off instead of holding a worker.
        .client_request_timeout(Duration::from_secs(10))
        .client_disconnect_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(10)
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
