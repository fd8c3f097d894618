//! The subcommands of docs/api.md. `serve` and `init` run the ledger; the client commands
//! build and sign events locally and call the HTTP API of `--server`.
//!
//! A file, or a folder, per subcommand, named as the subcommand is typed: serve.rs (`serve`,
//! `init`), actor.rs, city.rs, product.rs, event.rs, label.rs, audit/, demo.rs, stats.rs and
//! bench/ (`keygen` is a few lines of [`run`]). Beneath them: http_client.rs, the one HTTP
//! client; client.rs, the event-signing client built on it; key_args.rs, the key flags.

mod actor;
mod audit;
mod bench;
mod city;
mod client;
mod custody;
mod demo;
mod event;
mod http_client;
mod key_args;
mod label;
mod product;
mod progress;
mod serve;
mod stats;

// The pure CSV readers, public for the fuzz targets (`fuzz/`).
pub use product::{row_fields, ProductFields};
pub use stats::baseline_rows;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use uuid::Uuid;

/// Exit codes, distinct so that scripts can tell what happened; [`EXIT_CODES_HELP`] and
/// docs/operations.md ("Exit codes") say the same.
pub mod exit {
    /// The command line was wrong (clap also uses 2).
    pub const USAGE: u8 = 2;
    /// The ledger refused the request (a 4xx problem).
    pub const REFUSED: u8 = 3;
    /// The server could not be reached or failed (5xx).
    pub const UNAVAILABLE: u8 = 4;
    /// An audit or witness check found the log not as it must be.
    pub const VERIFICATION_FAILED: u8 = 5;
    /// Anything else.
    pub const FAILURE: u8 = 1;
}

/// The exit codes, as `--help` ends.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  failure on this machine: a file cannot be written, the address is in use, the database cannot be opened
  2  usage: the command line or an input file is wrong (an unknown flag or kind, a bad value, a file that
     cannot be read, a CSV with bad rows, a private key where a public one belongs)
  3  refused: the ledger answered the request with a problem (4xx); the refused request recorded nothing
  4  unavailable: the server could not be reached, or failed (5xx); sending the same request again is safe
  5  verification failed: an audit or witness check found the log not as it must be";

/// `--server`: an `http://` or `https://` URL. Without its scheme the HTTP client could only
/// fail as if the server were down; this says what to add instead (a usage error, exit 2).
pub fn server_url(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.to_string())
    } else if text.contains("://") {
        Err(format!("`{text}` is not an http:// or https:// URL"))
    } else {
        Err(format!(
            "`{text}` has no scheme; add http:// (--server http://{text})"
        ))
    }
}

/// Opens an input CSV file; one that cannot be read is a usage error, as every input file is.
fn open_csv(path: &std::path::Path) -> Result<csv::Reader<std::fs::File>, CliError> {
    csv::Reader::from_path(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Errors that carry their own exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("the ledger refused the request: {0}")]
    Refused(String),
    /// The server refused the request with an RFC 9457 problem, whose `type` says what to do.
    #[error("the ledger refused the request: {detail} ({problem_type})")]
    Problem {
        problem_type: String,
        detail: String,
    },
    #[error("the server is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Verification(String),
}

impl CliError {
    /// Whether the server answered the problem of this code (`stale-prev`, ...).
    pub fn is_problem(&self, code: &str) -> bool {
        matches!(self, CliError::Problem { problem_type, .. }
            if problem_type.strip_prefix(crate::http::problem::PROBLEM_TYPE_PREFIX) == Some(code))
    }
}

/// Writes `text` to stdout. A reader that stopped reading (`| head`) is not an error: what
/// it wanted has been printed, so the command ends quietly instead of panicking.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// The exit code for an error returned by [`run`].
pub fn exit_code(error: &anyhow::Error) -> u8 {
    // A key file that cannot be read, or holds no private key, is an input file like any other.
    if let Some(
        crate::key_files::KeyError::Read { .. } | crate::key_files::KeyError::Format { .. },
    ) = error.downcast_ref::<crate::key_files::KeyError>()
    {
        return exit::USAGE;
    }
    match error.downcast_ref::<CliError>() {
        Some(CliError::Usage(_)) => exit::USAGE,
        Some(CliError::Refused(_) | CliError::Problem { .. }) => exit::REFUSED,
        Some(CliError::Unavailable(_)) => exit::UNAVAILABLE,
        Some(CliError::Verification(_)) => exit::VERIFICATION_FAILED,
        None => exit::FAILURE,
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "ewaste-ledger",
    version,
    about = "A verifiable ledger of electronic products from first sale to recycling.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Logs on stderr as readable text or as one JSON object per line.
    #[arg(
        long,
        global = true,
        env = "EWASTE_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the server is and which key signs.
#[derive(Args, Debug, Clone)]
pub struct ClientArgs {
    /// Base URL of the ledger's HTTP API.
    #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = server_url)]
    pub server: String,
    /// PKCS#8 PEM private key of the signing actor.
    #[arg(
        long,
        env = "EWASTE_KEY",
        default_value = "data/admin-key.pem",
        allow_hyphen_values = true
    )]
    pub key: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the ledger's HTTP server (creates keys and the genesis entry on first start).
    Serve(serve::ServeArgs),
    /// Create the data directory, keys and genesis entry, then exit.
    Init(serve::ServeArgs),
    /// Make a new Ed25519 key (PKCS#8 PEM) and print its public key.
    Keygen {
        /// Where to write the private key (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Register, rotate or revoke actors (signed by an admin key).
    #[command(subcommand)]
    Actor(actor::ActorCommand),
    /// Register cities (signed by an admin key).
    #[command(subcommand)]
    City(city::CityCommand),
    /// Register products one at a time or from a CSV file (signed by a manufacturer key).
    #[command(subcommand)]
    Product(product::ProductCommand),
    /// Record a lifecycle event for a product.
    Event(Box<event::EventArgs>),
    /// Record a weighed bulk intake (a lot of uncounted WEEE).
    #[command(subcommand)]
    Lot(custody::LotCommand),
    /// Pack products and lots into a container (cage, gaylord, pallet, truck), or unpack them.
    #[command(subcommand)]
    Container(custody::ContainerCommand),
    /// Hand a product, lot or container over: in transit until the receiver receives or
    /// refuses it.
    HandOver {
        #[command(flatten)]
        subject: custody::SubjectArgs,
        /// The receiving actor.
        #[arg(long)]
        to: Uuid,
        /// The transport document (CMR, Basel movement document, manifest number).
        #[arg(long)]
        document: Option<String>,
    },
    /// Receive what was handed over to you: you become its custodian.
    Receive {
        #[command(flatten)]
        subject: custody::SubjectArgs,
        /// The weight measured on arrival, in grams.
        #[arg(long)]
        weight_g: Option<u64>,
        /// What differs from what was sent.
        #[arg(long)]
        discrepancy: Option<String>,
    },
    /// Refuse what was handed over to you: it goes back to its sender.
    Refuse {
        #[command(flatten)]
        subject: custody::SubjectArgs,
        #[arg(long)]
        reason: String,
    },
    /// Declare an entry an error (its signer or an admin, while it is the subject's latest).
    Correct {
        #[command(flatten)]
        subject: custody::SubjectArgs,
        /// The erroneous entry's seq.
        #[arg(long)]
        entry: u64,
        #[arg(long)]
        reason: String,
    },
    /// List the hand-overs still waiting for their receiver, oldest first.
    Transit {
        /// Base URL of the ledger's HTTP API.
        #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = server_url)]
        server: String,
        /// Only those to this actor.
        #[arg(long)]
        to: Option<Uuid>,
        /// Only those handed over longer ago than this (`48h`, `7d`).
        #[arg(long)]
        older_than: Option<String>,
    },
    /// Write a product's label (SVG, PNG) or A4 label sheets for a CSV (PDF, SVG).
    Label(label::LabelArgs),
    /// Export, verify and prove the log; witness it.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Fill a running ledger with a realistic, deterministic history (cities, actors, years
    /// of products), signed by each actor's own key, through the public API.
    Demo(demo::DemoArgs),
    /// City statistics (KPIs) as JSON or CSV; rebuild them from the log; import a historical
    /// sales baseline.
    Stats(stats::StatsArgs),
    /// Measure signature verification, ingestion and fsync rates on this machine.
    Bench(bench::BenchArgs),
}

/// Runs a command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Init(args) => serve::init(args),
        Command::Keygen { out } => {
            let key = crate::key_files::generate();
            crate::key_files::write_pem(&out, &key)?;
            println!("{}", crate::key_files::public_key_base64(&key));
            eprintln!("private key written to {}", out.display());
            Ok(())
        }
        Command::Actor(command) => actor::actor(command),
        Command::City(command) => city::city(command),
        Command::Product(command) => product::product(command),
        Command::Event(args) => event::event(*args),
        Command::Lot(command) => custody::lot(command),
        Command::Container(command) => custody::container(command),
        Command::HandOver {
            subject,
            to,
            document,
        } => custody::hand_over(subject, to, document),
        Command::Receive {
            subject,
            weight_g,
            discrepancy,
        } => custody::receive(subject, weight_g, discrepancy),
        Command::Refuse { subject, reason } => custody::refuse(subject, reason),
        Command::Correct {
            subject,
            entry,
            reason,
        } => custody::correct(subject, entry, reason),
        Command::Transit {
            server,
            to,
            older_than,
        } => custody::transit(&server, to, older_than),
        Command::Label(args) => label::label(args),
        Command::Audit(command) => audit::run(command),
        Command::Demo(args) => demo::demo(args),
        Command::Stats(args) => stats::stats(args),
        Command::Bench(args) => bench::bench(args),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own consistency checks of every subcommand, flag and default.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Commands decide on the problem's `type`, never on the words of its message.
    #[test]
    fn refusals_are_told_apart_by_their_problem_type() {
        let stale = super::CliError::Problem {
            problem_type: "urn:ewaste-ledger:problem:stale-prev".into(),
            detail: "The event's prev is not the product's head (problem:stale-prev).".into(),
        };
        assert!(stale.is_problem("stale-prev"));
        assert!(!stale.is_problem("stale"));
        let worded = super::CliError::Refused("problem:stale-prev".into());
        assert!(!worded.is_problem("stale-prev"));
    }
}
