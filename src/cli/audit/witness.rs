//! `audit witness`: a regulator's witness (C2SP tlog-witness practice). It keeps the last
//! checkpoint it verified; each run fetches the log's latest, checks the log's signature and a
//! consistency proof from the one it holds, and only then cosigns (C2SP tlog-cosignature) and
//! remembers the new one. A log that forked or rewrote its history is refused, loudly.

use crate::cli::http_client::{fetch_json, fetch_text, post_text};
use crate::cli::key_args::verifier_key;
use crate::cli::CliError;
use crate::domain::checkpoint::{verify_checkpoint, VerifiedCheckpoint};
use crate::domain::export::parse_path;
use crate::domain::merkle;
use crate::domain::note::{self, KeyType, VerifierKey};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct WitnessArgs {
    #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = crate::cli::server_url)]
    server: String,
    /// The witness's key: the PKCS#8 PEM of an actor with the `regulator` role.
    #[arg(long, allow_hyphen_values = true)]
    key: PathBuf,
    /// Where the witness keeps the pinned log key and the last checkpoint it verified.
    #[arg(long)]
    state: PathBuf,
    /// The witness's name in cosignatures (default: `witness-` and the start of its key id).
    #[arg(long)]
    name: Option<String>,
    /// The log's verifier key; without it the key is taken from the server on the first run
    /// and pinned in the state directory (trust on first use).
    #[arg(long, allow_hyphen_values = true)]
    log_key: Option<String>,
}

/// Files in the state directory.
const PINNED_KEY: &str = "log-key";
const LAST_CHECKPOINT: &str = "checkpoint";

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.state)
        .with_context(|| format!("cannot create {}", args.state.display()))?;
    let signing = crate::key_files::read_pem(&args.key)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => format!(
            "witness-{}",
            &hex::encode(signing.verifying_key().as_bytes())[..16]
        ),
    };
    let witness_key = VerifierKey::new(&name, KeyType::Cosignature, signing.verifying_key())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let log_key = pinned_log_key(&args)?;

    let latest = fetch_text(&args.server, "/v1/log/checkpoint")?;
    let latest = verify_checkpoint(&latest, &log_key).map_err(|e| {
        CliError::Verification(format!(
            "the server's checkpoint is not signed by the log: {e}"
        ))
    })?;
    let held_path = args.state.join(LAST_CHECKPOINT);
    if let Some(held) = read_held(&held_path, &log_key)? {
        check_consistency(&args.server, &held, &latest, &held_path)?;
    }

    let cosignature = note::cosign(
        &latest.note.text,
        &name,
        &signing,
        chrono::Utc::now().timestamp().max(0) as u64,
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut cosigned = latest.note.clone();
    cosigned.signatures.push(cosignature);
    post_cosignature(&args.server, &cosigned.render())?;
    // Remember only the log-signed note: that is what the next run checks against.
    write_atomically(&held_path, &latest.note.render())?;
    println!(
        "cosigned {} at size {} as {}",
        latest.checkpoint.origin,
        latest.checkpoint.size,
        witness_key.to_text()
    );
    Ok(())
}

/// The log key given, or pinned on the first run, and never silently changed afterwards.
fn pinned_log_key(args: &WitnessArgs) -> anyhow::Result<VerifierKey> {
    let pinned_path = args.state.join(PINNED_KEY);
    let pinned = match std::fs::read_to_string(&pinned_path) {
        Ok(text) => Some(verifier_key("the pinned log key", text.trim())?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).context("cannot read the pinned log key"),
    };
    let given = match &args.log_key {
        Some(text) => Some(verifier_key("--log-key", text)?),
        None => None,
    };
    let key = match (pinned, given) {
        (Some(pinned), Some(given)) if pinned != given => {
            return Err(CliError::Verification(format!(
                "the log key given ({}) is not the one this witness pinned ({})",
                given.to_text(),
                pinned.to_text()
            ))
            .into())
        }
        (Some(key), _) | (None, Some(key)) => key,
        (None, None) => verifier_key(
            "the server's GET /v1/log/key",
            fetch_text(&args.server, "/v1/log/key")?.trim(),
        )?,
    };
    write_atomically(&pinned_path, &format!("{}\n", key.to_text()))?;
    Ok(key)
}

fn read_held(path: &Path, log_key: &VerifierKey) -> anyhow::Result<Option<VerifiedCheckpoint>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(verify_checkpoint(&text, log_key).map_err(|e| {
            CliError::Verification(format!(
                "the checkpoint this witness holds is not valid: {e}"
            ))
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("cannot read the held checkpoint"),
    }
}

/// The new checkpoint must extend the held one: same tree at equal size, a verifying
/// consistency proof when it grew, never smaller.
fn check_consistency(
    server: &str,
    held: &VerifiedCheckpoint,
    latest: &VerifiedCheckpoint,
    held_path: &Path,
) -> anyhow::Result<()> {
    let (old, new) = (&held.checkpoint, &latest.checkpoint);
    let refuse = |why: String| -> anyhow::Error {
        CliError::Verification(format!(
            "refusing to cosign: {why}. The log may have been forked or rewritten; keep {} as \
             evidence",
            held_path.display()
        ))
        .into()
    };
    if new.size < old.size {
        return Err(refuse(format!(
            "the log shrank from {} to {} entries",
            old.size, new.size
        )));
    }
    if new.size == old.size {
        return if new.root == old.root {
            Ok(())
        } else {
            Err(refuse(format!(
                "two different trees of size {} (roots {} and {})",
                old.size, old.root, new.root
            )))
        };
    }
    let proof = fetch_json(
        server,
        &format!(
            "/v1/log/proof/consistency?from={}&to={}",
            old.size, new.size
        ),
    )?;
    let path: Vec<String> = serde_json::from_value(proof["path"].clone()).unwrap_or_default();
    let consistent = parse_path(&path).is_some_and(|path| {
        merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &path)
    });
    if consistent {
        Ok(())
    } else {
        Err(refuse(format!(
            "the tree of {} entries is not an extension of the tree of {} entries this witness holds (root {})",
            new.size, old.size, old.root
        )))
    }
}

fn post_cosignature(server: &str, note: &str) -> anyhow::Result<()> {
    post_text(
        server,
        "/v1/log/cosignature",
        note,
        "the log refused the cosignature",
    )
}

/// Writes `text` to `path` atomically (a crash leaves the old file or the new one).
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(())
}
