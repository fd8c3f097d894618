//! `audit export|verify|prove|verify-proof|witness`: what a regulator runs, trusting nothing
//! but the log's verifier key obtained out of band (docs/audit.md). A file per subcommand:
//! export.rs (`audit export`), verify.rs (`audit verify`, which compares what the server serves
//! with served.rs, served_stats.rs and difference.rs), proof.rs (`audit prove` and
//! `audit verify-proof`), witness.rs (`audit witness`).

mod difference;
pub(super) mod export;
mod proof;
mod served;
mod served_stats;
mod verify;
mod witness;

use clap::Subcommand;
use export::ExportFormat;
use std::path::PathBuf;
use verify::VerifyArgs;
use witness::WitnessArgs;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Download the whole log (entries, checkpoints, cosignatures) into one file, or as one
    /// EPCIS 2.0 document.
    Export {
        #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = crate::cli::server_url)]
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
        #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = crate::cli::server_url)]
        server: String,
        /// The event's id.
        #[arg(long)]
        event: uuid::Uuid,
    },
    /// Check an inclusion proof bundle offline: the JSON `audit prove` printed, or the text of
    /// an intake receipt's QR code (`EWLP1:…`).
    VerifyProof {
        /// A file holding the bundle `audit prove` printed, or a receipt's QR code text.
        #[arg(long)]
        bundle: PathBuf,
        /// The log's verifier key (text, or a file holding it).
        #[arg(long, allow_hyphen_values = true)]
        log_key: String,
    },
    /// Act as a witness: check the log grew append-only since last time, then cosign.
    Witness(WitnessArgs),
}

pub fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Export {
            server,
            out,
            format,
        } => export::run(&server, &out, format),
        AuditCommand::Verify(args) => verify::run(args),
        AuditCommand::Prove { server, event } => proof::prove(&server, event),
        AuditCommand::VerifyProof { bundle, log_key } => proof::verify_proof(&bundle, &log_key),
        AuditCommand::Witness(args) => witness::run(args),
    }
}
