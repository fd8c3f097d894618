//! Ed25519 keys as PKCS#8 PEM files, the format `openssl genpkey -algorithm ed25519` writes,
//! so operators can make, inspect and back up keys with the tools they already have.

use crate::domain::key_text::KeyText;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::Path;

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("Cannot read the key file {path}: {reason}.")]
    Read { path: String, reason: String },
    #[error("Cannot write the key file {path}: {reason}.")]
    Write { path: String, reason: String },
    #[error("{path} holds {found}, not an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519` and `keygen` make one).")]
    Format { path: String, found: KeyText },
}

/// A path as errors show it: as it is, unless it looks like key text itself (a key pasted
/// where a file name belongs must not be echoed).
pub fn shown_path(path: &Path) -> String {
    let text = path.display().to_string();
    let key_like = text.contains('\n')
        || text.contains("-----")
        || !matches!(KeyText::of(&text), KeyText::Other)
        || (text.len() > 40 && !text.contains(['/', '.']));
    if key_like {
        "(the path given, not shown: it looks like key text)".to_string()
    } else {
        text
    }
}

/// A fresh key from the operating system's random source.
pub fn generate() -> SigningKey {
    SigningKey::generate(&mut rand_core::OsRng)
}

/// Reads a PKCS#8 PEM private key.
pub fn read_pem(path: &Path) -> Result<SigningKey, KeyError> {
    let bytes = std::fs::read(path).map_err(|e| KeyError::Read {
        path: shown_path(path),
        reason: e.to_string(),
    })?;
    // The decoder's own error is not shown: it may quote what it could not decode.
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| SigningKey::from_pkcs8_pem(text).ok())
        .ok_or_else(|| KeyError::Format {
            path: shown_path(path),
            found: KeyText::of_bytes(&bytes),
        })
}

/// Writes a key as PKCS#8 PEM, readable by its owner only, never overwriting an existing file
/// (losing a signing key cannot be undone).
pub fn write_pem(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    let error = |reason: String| KeyError::Write {
        path: shown_path(path),
        reason,
    };
    // PKCS#8 v1 (the seed only), exactly what OpenSSL writes: OpenSSL 3.0 refuses the v2 form
    // with the public key attached that `SigningKey::to_pkcs8_pem` would produce.
    let pem = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
    .map_err(|e| error(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| error(e.to_string()))?;
    file.write_all(pem.as_bytes())
        .map_err(|e| error(e.to_string()))?;
    file.sync_all().map_err(|e| error(e.to_string()))
}

/// The public key as base64 of its 32 raw bytes (the form events and the API use).
pub fn public_key_base64(key: &SigningKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_no_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("k.pem");
        let key = generate();
        write_pem(&path, &key).expect("written");
        assert_eq!(read_pem(&path).expect("read").to_bytes(), key.to_bytes());
        assert!(matches!(
            write_pem(&path, &generate()),
            Err(KeyError::Write { .. })
        ));
        std::fs::write(dir.path().join("bad.pem"), "not a key").expect("write");
        assert!(matches!(
            read_pem(&dir.path().join("bad.pem")),
            Err(KeyError::Format { .. })
        ));
    }
}
