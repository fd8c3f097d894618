//! Flags that take a key or key text (`--log-key`, `--witness-key`, `--public-key`), read so
//! that a wrong key is named, never echoed (issue 13 item 6): the log's private key file sits
//! next to its verifier key, and an error that quoted it would leave the secret in terminal
//! scrollback, CI logs and bug reports. What the text is comes from `domain::key_text`.

use super::CliError;
use crate::domain::key_text::KeyText;
use crate::domain::note::{NoteError, VerifierKey};
use base64::Engine;
use std::path::Path;

/// Where a key flag's value came from, for messages: a file is named by its path, text is not
/// quoted.
fn source(text_or_path: &str, is_file: bool) -> String {
    if is_file {
        format!(
            "the file {}",
            crate::key_files::shown_path(Path::new(text_or_path))
        )
    } else {
        "the text given".to_string()
    }
}

/// A verifier key given to `flag` as text or as a file holding it.
pub fn verifier_key(flag: &str, text_or_path: &str) -> anyhow::Result<VerifierKey> {
    let is_file = Path::new(text_or_path).is_file();
    let text = if is_file {
        let bytes = std::fs::read(text_or_path).map_err(|e| {
            CliError::Usage(format!(
                "{flag}: cannot read {}: {e}",
                source(text_or_path, true)
            ))
        })?;
        String::from_utf8(bytes)
            .map_err(|_| not_a_verifier_key(flag, text_or_path, KeyText::Binary))?
    } else {
        text_or_path.to_string()
    };
    VerifierKey::parse(text.trim()).map_err(|e| match e {
        NoteError::BadVerifierKey(kind) => not_a_verifier_key(flag, text_or_path, kind),
        other => CliError::Usage(format!(
            "{flag}: {}: {other}",
            source(text_or_path, is_file)
        ))
        .into(),
    })
}

fn not_a_verifier_key(flag: &str, text_or_path: &str, kind: KeyText) -> anyhow::Error {
    let is_file = Path::new(text_or_path).is_file();
    let warning = if kind.may_be_secret() {
        " Never pass a private key here: it is the log's (or a witness's) signing secret."
    } else {
        ""
    };
    CliError::Usage(format!(
        "{flag} is given {}, which holds {kind}, not a verifier key.{warning} Pass the verifier key \
         text (`name+hexid+base64key`) that `serve` prints as `log verifier key (public):` and \
         `GET /v1/log/key` answers, or a file holding it.",
        source(text_or_path, is_file)
    ))
    .into()
}

/// An actor's public key given to `flag` as base64 of its 32 bytes. Refuses, without echoing,
/// anything that is plainly not one (a PEM, a PKCS#8 body, a verifier key); the server checks
/// the point itself.
pub fn public_key_base64(flag: &str, text: &str) -> anyhow::Result<String> {
    if Path::new(text).is_file() {
        let kind = std::fs::read(text).map_or(KeyText::Other, |b| KeyText::of_bytes(&b));
        return Err(CliError::Usage(format!(
            "{flag} is given the name of a file ({}) holding {kind}, not the base64 of a \
             32-byte Ed25519 public key. To take the public key from a private key file, pass \
             `--key-file FILE` instead.",
            crate::key_files::shown_path(Path::new(text))
        ))
        .into());
    }
    let text = text.trim();
    let decoded = base64::engine::general_purpose::STANDARD.decode(text);
    if matches!(&decoded, Ok(bytes) if bytes.len() == 32) {
        return Ok(text.to_string());
    }
    if VerifierKey::parse(text).is_ok() {
        return Err(CliError::Usage(format!(
            "{flag} is given a verifier key (of a log or witness), not the base64 of a 32-byte \
             Ed25519 public key (what `keygen` prints)."
        ))
        .into());
    }
    let kind = KeyText::of(text);
    let hint = if matches!(kind, KeyText::PrivateKeyPem | KeyText::PrivateKeyDer) {
        " Never send a private key: give the key file with `--key-file FILE` instead, and \
         the public key is taken from it."
    } else {
        ""
    };
    Err(CliError::Usage(format!(
        "{flag} is given {kind}, not the base64 of a 32-byte Ed25519 public key (what `keygen` \
         prints).{hint}"
    ))
    .into())
}
