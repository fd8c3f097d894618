//! `audit verify`: an export (or a server's log, streamed) checked offline with the log's
//! verifier key (`ledger::audit`), then what the server serves held against what the entries
//! give (served.rs); exits 0 only when everything holds.

use super::served;
use crate::cli::http_client::fetch;
use crate::cli::key_args::verifier_key;
use crate::cli::CliError;
use crate::domain::wording::count;
use crate::ledger::audit::{audit, AuditError, AuditOptions, Progress};
use clap::Args;
use std::io::{BufReader, Read};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// An export file made by `audit export`.
    #[arg(long, conflicts_with = "server", required_unless_present = "server")]
    export: Option<PathBuf>,
    /// Stream the export from a server instead.
    #[arg(long, value_parser = crate::cli::server_url)]
    server: Option<String>,
    /// The log's verifier key (text, or a file holding it), obtained out of band.
    #[arg(long, allow_hyphen_values = true)]
    log_key: String,
    /// A witness whose cosignature must be on the log (repeatable; text or file).
    #[arg(long, allow_hyphen_values = true)]
    witness_key: Vec<String>,
    /// Compare everything this server serves (actors, cities, products, statistics) with what
    /// the entries give (default: the --server being verified).
    #[arg(long, value_parser = crate::cli::server_url)]
    statistics_from: Option<String>,
    /// A checkpoint note you already hold: the log must extend it.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Products and event ids kept in memory before spilling to a scratch file.
    #[arg(long, default_value_t = 200_000)]
    memory_budget: usize,
    /// Entries per pipeline chunk (tuning; memory grows with it).
    #[arg(long, default_value_t = crate::ledger::audit::DEFAULT_CHUNK_ENTRIES)]
    chunk_entries: usize,
}

/// A progress bar on long runs (hidden when stderr is not a terminal).
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }
}

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let mut options = AuditOptions::new(verifier_key("--log-key", &args.log_key)?);
    for key in &args.witness_key {
        options
            .witness_keys
            .push(verifier_key("--witness-key", key)?);
    }
    if let Some(path) = &args.checkpoint {
        options.trusted_checkpoint = Some(
            std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?,
        );
    }
    options.memory_budget = args.memory_budget;
    options.chunk_entries = args.chunk_entries;
    let bar = Bar(
        indicatif::ProgressBar::new(0).with_style(crate::cli::progress::style(
            "{bar:40} {pos}/{len} entries {rate} {eta}",
        )),
    );
    let input: Box<dyn Read + Send> = match (&args.export, &args.server) {
        (Some(path), _) => Box::new(
            std::fs::File::open(path)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?,
        ),
        (None, Some(server)) => Box::new(fetch(server, "/v1/log/export")?.into_reader()),
        (None, None) => {
            return Err(CliError::Usage("give --export FILE or --server URL".into()).into())
        }
    };
    let outcome = audit(BufReader::with_capacity(1 << 20, input), &options, &bar);
    bar.0.finish_and_clear();
    match outcome {
        Ok(mut report) => {
            let served = match args.statistics_from.as_ref().or(args.server.as_ref()) {
                Some(server) => served::compare(server, &mut report)?,
                None => vec![
                    "served state and statistics not compared: give --statistics-from URL to compare a server's"
                        .into(),
                ],
            };
            println!(
                "OK: {}, {}, root {}",
                count(report.size, "entry", "entries"),
                count(report.checkpoints, "checkpoint", "checkpoints"),
                report.root
            );
            for (witness, size) in &report.witnessed {
                println!(
                    "  witness {witness} cosigned the tree up to {}",
                    count(*size, "entry", "entries")
                );
            }
            for line in &served {
                println!("  {line}");
            }
            Ok(())
        }
        Err(AuditError::Failed(failure)) => {
            Err(CliError::Verification(format!("verification failed at {failure}")).into())
        }
        Err(other) => Err(other.into()),
    }
}
