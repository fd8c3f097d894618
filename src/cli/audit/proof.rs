//! `audit prove` prints the inclusion proof bundle of one event (its entry, the path to the
//! root and the checkpoint that signs it); `audit verify-proof` checks such a bundle offline
//! with the log's verifier key.

use crate::cli::http_client::fetch_json;
use crate::cli::key_args::verifier_key;
use crate::cli::CliError;
use crate::domain::checkpoint::verify_checkpoint;
use crate::domain::export::parse_path;
use crate::domain::hash::{leaf_hash, Hash32};
use crate::domain::merkle;
use crate::domain::note::VerifierKey;
use serde_json::Value;
use std::path::Path;

/// `audit prove`.
pub fn prove(server: &str, event: uuid::Uuid) -> anyhow::Result<()> {
    let bundle = fetch_json(server, &format!("/v1/log/proof/event/{event}"))?;
    crate::cli::print_out(&format!("{}\n", serde_json::to_string_pretty(&bundle)?))
}

/// `audit verify-proof`.
pub fn verify_proof(bundle: &Path, log_key: &str) -> anyhow::Result<()> {
    let key = verifier_key("--log-key", log_key)?;
    let text = std::fs::read_to_string(bundle)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", bundle.display())))?;
    let bundle = crate::domain::json::parse(text.as_bytes())
        .map_err(|e| CliError::Usage(format!("the bundle is not accepted JSON: {e}")))?;
    let size = verify_bundle(&bundle, &key).map_err(CliError::Verification)?;
    println!(
        "OK: the entry is in the log's tree of {}, signed by {}",
        crate::domain::wording::count(size, "entry", "entries"),
        key.name
    );
    Ok(())
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
