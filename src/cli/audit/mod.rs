//! `audit export|verify|prove|verify-proof|witness`: what a regulator runs, trusting nothing
//! but the log's verifier key obtained out of band (docs/audit.md).

mod difference;
pub(super) mod export;
mod served;
mod served_stats;
mod witness;

use super::http_client::{fetch, fetch_json};
use super::key_args::verifier_key;
use super::CliError;
use crate::domain::checkpoint::verify_checkpoint;
use crate::domain::export::parse_path;
use crate::domain::hash::{leaf_hash, Hash32};
use crate::domain::merkle;
use crate::domain::note::VerifierKey;
use crate::ledger::audit::{audit, AuditError, AuditOptions, Progress};
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use witness::WitnessArgs;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Ledger,
    Epcis,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Download the whole log (entries, checkpoints, cosignatures) into one file, or as one
    /// EPCIS 2.0 document.
    Export {
        #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[arg(long)]
        out: PathBuf,
        /// `ledger`: the export `audit verify` checks; `epcis`: an EPCISDocument of every event.
        #[arg(long, value_enum, default_value = "ledger")]
        format: ExportFormat,
    },
    /// Verify an export (or a server's log) offline; exits 0 only when everything holds.
    Verify(VerifyArgs),
    /// Print the inclusion proof bundle of one event.
    Prove {
        #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The event's id.
        #[arg(long)]
        event: uuid::Uuid,
    },
    /// Check an inclusion proof bundle offline.
    VerifyProof {
        /// The bundle `audit prove` printed.
        #[arg(long)]
        bundle: PathBuf,
        /// The log's verifier key (text, or a file holding it).
        #[arg(long, allow_hyphen_values = true)]
        log_key: String,
    },
    /// Act as a witness: check the log grew append-only since last time, then cosign.
    Witness(WitnessArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// An export file made by `audit export`.
    #[arg(long, conflicts_with = "server", required_unless_present = "server")]
    export: Option<PathBuf>,
    /// Stream the export from a server instead.
    #[arg(long)]
    server: Option<String>,
    /// The log's verifier key (text, or a file holding it), obtained out of band.
    #[arg(long, allow_hyphen_values = true)]
    log_key: String,
    /// A witness whose cosignature must be on the log (repeatable; text or file).
    #[arg(long, allow_hyphen_values = true)]
    witness_key: Vec<String>,
    /// Compare everything this server serves (actors, cities, products, statistics) with what
    /// the entries give (default: the --server being verified).
    #[arg(long)]
    statistics_from: Option<String>,
    /// A checkpoint note you already hold: the log must extend it.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Products and event ids kept in memory before spilling to a scratch file.
    #[arg(long, default_value_t = 200_000)]
    memory_budget: usize,
    /// Entries per pipeline chunk (tuning; memory grows with it).
    #[arg(long, default_value_t = 2048)]
    chunk_entries: usize,
}

pub fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Export {
            server,
            out,
            format: ExportFormat::Ledger,
        } => {
            let bytes = export(&server, &out)?;
            eprintln!("export written to {} ({bytes} bytes)", out.display());
            Ok(())
        }
        AuditCommand::Export {
            server,
            out,
            format: ExportFormat::Epcis,
        } => {
            let events = export::export_epcis(&server, &out)?;
            eprintln!(
                "EPCIS document with {events} events written to {}",
                out.display()
            );
            Ok(())
        }
        AuditCommand::Verify(args) => verify(args),
        AuditCommand::Prove { server, event } => {
            let bundle = fetch_json(&server, &format!("/v1/log/proof/event/{event}"))?;
            println!("{}", serde_json::to_string_pretty(&bundle)?);
            Ok(())
        }
        AuditCommand::VerifyProof { bundle, log_key } => {
            let key = verifier_key("--log-key", &log_key)?;
            let text = std::fs::read_to_string(&bundle)
                .with_context(|| format!("cannot read {}", bundle.display()))?;
            let bundle = crate::domain::json::parse(text.as_bytes())
                .map_err(|e| CliError::Usage(format!("the bundle is not accepted JSON: {e}")))?;
            let size = verify_bundle(&bundle, &key).map_err(CliError::Verification)?;
            println!(
                "OK: the entry is in the log's tree of {size} entries, signed by {}",
                key.name
            );
            Ok(())
        }
        AuditCommand::Witness(args) => witness::run(args),
    }
}

/// Downloads the server's export to `out`; returns its size in bytes.
pub fn export(server: &str, out: &Path) -> anyhow::Result<u64> {
    let mut body = fetch(server, "/v1/log/export")?;
    let partial = out.with_extension("partial");
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let bytes = std::io::copy(&mut body.with_config().limit(u64::MAX).reader(), &mut file)
        .context("the export download stopped")?;
    file.sync_all()?;
    // Only a complete download gets the requested name.
    std::fs::rename(&partial, out)?;
    Ok(bytes)
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

fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let mut options = AuditOptions::new(verifier_key("--log-key", &args.log_key)?);
    for key in &args.witness_key {
        options
            .witness_keys
            .push(verifier_key("--witness-key", key)?);
    }
    if let Some(path) = &args.checkpoint {
        options.trusted_checkpoint = Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
    }
    options.memory_budget = args.memory_budget;
    options.chunk_entries = args.chunk_entries;
    let bar = Bar(indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} entries {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    ));
    let input: Box<dyn Read + Send> = match (&args.export, &args.server) {
        (Some(path), _) => Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
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
                "OK: {} entries, {} checkpoints, root {}",
                report.size, report.checkpoints, report.root
            );
            for (witness, size) in &report.witnessed {
                println!("  witness {witness} cosigned the tree up to {size} entries");
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

/// Checks a proof bundle: the entry hashes to the leaf, the path leads to the root, and the
/// checkpoint is the log's and names that root and size. Returns the tree size.
pub fn verify_bundle(bundle: &Value, log_key: &VerifierKey) -> Result<u64, String> {
    let entry = bundle["entry"].as_str().ok_or("the bundle has no entry")?;
    let proof = &bundle["inclusion"];
    let number = |name: &str| {
        proof[name]
            .as_u64()
            .ok_or(format!("inclusion.{name} is missing"))
    };
    let hash = |name: &str| {
        proof[name]
            .as_str()
            .and_then(Hash32::from_hex)
            .ok_or(format!("inclusion.{name} is not a hex hash"))
    };
    let (seq, size, leaf, root) = (
        number("seq")?,
        number("size")?,
        hash("leaf_hash")?,
        hash("root")?,
    );
    let path: Vec<String> =
        serde_json::from_value(proof["path"].clone()).map_err(|e| e.to_string())?;
    let path = parse_path(&path).ok_or("inclusion.path has a malformed hash")?;
    if leaf_hash(entry.as_bytes()) != leaf {
        return Err(format!(
            "the entry's leaf hash is {}, not {leaf}",
            leaf_hash(entry.as_bytes())
        ));
    }
    if !merkle::verify_inclusion(seq, size, &leaf, &path, &root) {
        return Err(format!(
            "the inclusion proof of seq {seq} in a tree of {size} does not lead to the root {root}"
        ));
    }
    let note = bundle["checkpoint"]
        .as_str()
        .ok_or("the bundle has no checkpoint")?;
    let checkpoint = verify_checkpoint(note, log_key)
        .map_err(|e| e.to_string())?
        .checkpoint;
    if (checkpoint.size, checkpoint.root) != (size, root) {
        return Err(format!(
            "the checkpoint is of size {} with root {}, not the proof's size {size} and root {root}",
            checkpoint.size, checkpoint.root
        ));
    }
    Ok(size)
}
