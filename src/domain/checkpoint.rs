//! C2SP tlog-checkpoints (c2sp.org/tlog-checkpoint): the origin, the tree size and the root
//! hash, one per line, signed as a note by the log's key (docs/architecture.md, "The Merkle tree and checkpoints").

use super::hash::Hash32;
use super::note::{self, NoteError, SignedNote, VerifierKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::SigningKey;

/// A tree head as a checkpoint states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash32,
}

impl Checkpoint {
    /// The note text: `<origin>\n<size>\n<base64 root>\n` (no extension lines).
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root.0)
        )
    }

    /// Parses a checkpoint's note text. Extension lines after the root are allowed and ignored.
    pub fn parse_text(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NoteError::Malformed(
                "a checkpoint has an origin, size and root line",
            ));
        };
        if origin.is_empty() {
            return Err(NoteError::Malformed("the checkpoint origin is empty"));
        }
        // Decimal without leading zeros, so that one size has one spelling.
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(NoteError::Malformed(
                "the checkpoint size is not a decimal number",
            ));
        }
        let size = size
            .parse()
            .map_err(|_| NoteError::Malformed("the checkpoint size is too large"))?;
        let root = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| Hash32::from_slice(&bytes))
            .ok_or(NoteError::Malformed(
                "the checkpoint root is not 32 bytes of base64",
            ))?;
        if !text.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the checkpoint text does not end with a newline",
            ));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    /// Signs this checkpoint with the log's key; the key name is the origin.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedNote, NoteError> {
        note::sign_note(&self.text(), &self.origin, key)
    }
}

/// A checkpoint note that carries a valid signature by the log's key, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: SignedNote,
}

/// Why a checkpoint note was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("The checkpoint's origin is `{found}`, but the log key is for `{expected}`.")]
    WrongOrigin { expected: String, found: String },
}

/// Parses a checkpoint note and checks the log's signature and origin.
pub fn verify_checkpoint(
    note: &str,
    log_key: &VerifierKey,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    let note = SignedNote::parse(note)?;
    let checkpoint = Checkpoint::parse_text(&note.text)?;
    if checkpoint.origin != log_key.name {
        return Err(CheckpointError::WrongOrigin {
            expected: log_key.name.clone(),
            found: checkpoint.origin,
        });
    }
    note.verify(log_key)?;
    Ok(VerifiedCheckpoint { checkpoint, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::note::KeyType;

    #[test]
    fn sign_and_verify_a_checkpoint() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let checkpoint = Checkpoint {
            origin: "example.org/log".into(),
            size: 42,
            root: Hash32::sha256(b"root"),
        };
        let note = checkpoint.sign(&key).unwrap().render();
        let log_key =
            VerifierKey::new("example.org/log", KeyType::Ed25519, key.verifying_key()).unwrap();
        let verified = verify_checkpoint(&note, &log_key).unwrap();
        assert_eq!(verified.checkpoint, checkpoint);
        let other =
            VerifierKey::new("other.org/log", KeyType::Ed25519, key.verifying_key()).unwrap();
        assert!(matches!(
            verify_checkpoint(&note, &other),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }

    #[test]
    fn malformed_checkpoint_texts_are_refused() {
        let root = BASE64.encode([0u8; 32]);
        assert!(Checkpoint::parse_text(&format!("o\n1\n{root}\n")).is_ok());
        assert!(Checkpoint::parse_text(&format!("o\n1\n{root}\next\n")).is_ok());
        for bad in [
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            "o\n1\nAAAA\n".to_string(),
            "o\n1\n".to_string(),
        ] {
            assert!(Checkpoint::parse_text(&bad).is_err(), "{bad:?}");
        }
    }
}
