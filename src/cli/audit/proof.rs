//! `audit prove` prints the inclusion proof bundle of one event (its entry, the path to the
//! root and the checkpoint that signs it); `audit verify-proof` checks such a bundle, or the
//! compact one of a receipt's QR code, offline with the log's verifier key
//! ([`crate::domain::inclusion_bundle`]).

use crate::cli::http_client::fetch_json;
use crate::cli::key_args::verifier_key;
use crate::cli::CliError;
use crate::domain::inclusion_bundle::{InclusionBundle, QR_PREFIX};
use std::path::Path;

/// `audit prove`.
pub fn prove(server: &str, event: uuid::Uuid) -> anyhow::Result<()> {
    let bundle = fetch_json(server, &format!("/v1/log/proof/event/{event}"))?;
    crate::cli::print_out(&format!("{}\n", serde_json::to_string_pretty(&bundle)?))
}

/// `audit verify-proof`: the file holds the JSON bundle `audit prove` printed, or the text
/// of a receipt's QR code (`EWLP1:…`, docs/audit.md "Checking an intake receipt").
pub fn verify_proof(bundle: &Path, log_key: &str) -> anyhow::Result<()> {
    let key = verifier_key("--log-key", log_key)?;
    let text = std::fs::read_to_string(bundle)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", bundle.display())))?;
    let bundle = if text.trim_start().starts_with(QR_PREFIX) {
        // Recognised as a receipt's proof: one that does not decode is a proof that fails,
        // as a JSON bundle missing a member is.
        InclusionBundle::from_compact(&text).map_err(|e| {
            CliError::Verification(format!("the receipt's proof text is not readable: {e}"))
        })?
    } else {
        let json = crate::domain::json::parse(text.as_bytes())
            .map_err(|e| CliError::Usage(format!("the bundle is not accepted JSON: {e}")))?;
        InclusionBundle::from_json(&json).map_err(CliError::Verification)?
    };
    let size = bundle.verify(&key).map_err(CliError::Verification)?;
    println!(
        "OK: the entry is in the log's tree of {}, signed by {}",
        crate::domain::wording::count(size, "entry", "entries"),
        key.name
    );
    Ok(())
}
