//! C2SP signed notes (c2sp.org/signed-note) and their verifier keys, for Ed25519 note
//! signatures (type 0x01) and Ed25519 timestamped cosignatures (type 0x04,
//! c2sp.org/tlog-cosignature). Parsers never panic: notes come from untrusted servers.

use super::key_text::KeyText;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature-type byte of a verifier key: what the signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// 0x01: Ed25519 over the note text.
    Ed25519,
    /// 0x04: an Ed25519 cosignature over `cosignature/v1`, a timestamp and the checkpoint.
    Cosignature,
}

impl KeyType {
    fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::Cosignature => 0x04,
        }
    }

    fn from_byte(byte: u8) -> Option<KeyType> {
        match byte {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::Cosignature),
            _ => None,
        }
    }
}

/// Why a note, a key or a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("The key name `{0}` is not valid: it must be non-empty, with no spaces and no `+`.")]
    BadKeyName(String),
    /// Names the kind of text given, never the text: it may be a private key (`key_text`).
    #[error("The text given is not a verifier key (`name+hexid+base64key` with a known key type): it is {0}.")]
    BadVerifierKey(KeyText),
    #[error("The verifier key's id {stated} does not match its name and key ({computed}).")]
    KeyIdMismatch { stated: String, computed: String },
    #[error("The note is malformed: {0}.")]
    Malformed(&'static str),
    /// Names the line by its number, not its text: a pasted key must not be echoed.
    #[error("Signature line {0} is malformed (`— <name> <base64>`).")]
    BadSignatureLine(usize),
    #[error("The note has no valid signature by {0}.")]
    NotSignedBy(String),
}

/// A key name: a non-empty string with no Unicode whitespace and no `+` (signed-note §Keys).
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(NoteError::BadKeyName(name.to_string()));
    }
    Ok(())
}

/// `SHA-256(name || 0x0A || type || public key)[..4]`.
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', key_type.byte()]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A verifier key: `<name>+<hex key id>+<base64(type || public key)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub key_type: KeyType,
    pub id: [u8; 4],
    pub public_key: VerifyingKey,
}

impl VerifierKey {
    pub fn new(name: &str, key_type: KeyType, public_key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(VerifierKey {
            name: name.to_string(),
            key_type,
            id: key_id(name, key_type, public_key.as_bytes()),
            public_key,
        })
    }

    /// Parses verifier-key text, checking that the stated id matches name and key.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let text = text.trim_end_matches('\n');
        let bad = || NoteError::BadVerifierKey(KeyText::of(text));
        // Only the first two `+` separate: base64 uses `+` too.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        // A bad name is reported as a bad key: the "name" of a pasted PEM is its first line.
        check_key_name(name).map_err(|_| bad())?;
        let key_bytes = BASE64.decode(key_b64).map_err(|_| bad())?;
        let (&type_byte, public) = key_bytes.split_first().ok_or_else(bad)?;
        let key_type = KeyType::from_byte(type_byte).ok_or_else(bad)?;
        let public = super::signing::verifying_key(public).ok_or_else(bad)?;
        let key = VerifierKey::new(name, key_type, public)?;
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        if hex::encode(key.id) != id_hex {
            return Err(NoteError::KeyIdMismatch {
                stated: id_hex.to_string(),
                computed: hex::encode(key.id),
            });
        }
        Ok(key)
    }

    pub fn to_text(&self) -> String {
        let mut key = vec![self.key_type.byte()];
        key.extend_from_slice(self.public_key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            BASE64.encode(key)
        )
    }
}

/// One signature line: `— <name> <base64(key id || signature bytes)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    /// What follows the key id: a 64-byte signature, or a timestamp and one for cosignatures.
    pub payload: Vec<u8>,
}

impl NoteSignature {
    pub fn line(&self) -> String {
        let mut bytes = self.key_id.to_vec();
        bytes.extend_from_slice(&self.payload);
        format!("\u{2014} {} {}\n", self.name, BASE64.encode(bytes))
    }

    fn parse_line((index, line): (usize, &str)) -> Result<NoteSignature, NoteError> {
        let bad = || NoteError::BadSignatureLine(index + 1);
        let rest = line.strip_prefix("\u{2014} ").ok_or_else(bad)?;
        let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
        check_key_name(name).map_err(|_| bad())?;
        let bytes = BASE64.decode(b64).map_err(|_| bad())?;
        if bytes.len() < 5 {
            return Err(bad());
        }
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: [bytes[0], bytes[1], bytes[2], bytes[3]],
            payload: bytes[4..].to_vec(),
        })
    }

    /// Whether this line names `key` (same name and key id).
    pub fn is_by(&self, key: &VerifierKey) -> bool {
        self.name == key.name && self.key_id == key.id
    }
}

/// The most signature lines a note may carry; more is refused rather than checked.
pub const MAX_SIGNATURES: usize = 100;

/// A note: its text (ending in a newline) and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Parses a signed note: the text, one blank line, then signature lines.
    pub fn parse(note: &str) -> Result<SignedNote, NoteError> {
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::Malformed("it contains control characters"));
        }
        let split = note.rfind("\n\n").ok_or(NoteError::Malformed(
            "there is no blank line before the signatures",
        ))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if !signatures.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the signature block does not end with a newline",
            ));
        }
        let signatures = signatures
            .lines()
            .enumerate()
            .map(NoteSignature::parse_line)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(NoteError::Malformed("it has no signatures"));
        }
        if signatures.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed("it has too many signatures"));
        }
        Ok(SignedNote {
            text: text.to_string(),
            signatures,
        })
    }

    pub fn render(&self) -> String {
        let mut note = self.text.clone();
        note.push('\n');
        for signature in &self.signatures {
            note.push_str(&signature.line());
        }
        note
    }

    /// Whether a line by `key` (type 0x01) is a valid signature of the text.
    pub fn verify(&self, key: &VerifierKey) -> Result<(), NoteError> {
        let signed = key.key_type == KeyType::Ed25519
            && self.signatures.iter().filter(|s| s.is_by(key)).any(|s| {
                Signature::from_slice(&s.payload).is_ok_and(|sig| {
                    super::signing::verify(&key.public_key, self.text.as_bytes(), &sig)
                })
            });
        if signed {
            Ok(())
        } else {
            Err(NoteError::NotSignedBy(key.name.clone()))
        }
    }

    /// The timestamp of a valid cosignature by `key` (type 0x04), if there is one.
    pub fn cosigned_at(&self, key: &VerifierKey) -> Option<u64> {
        if key.key_type != KeyType::Cosignature {
            return None;
        }
        self.signatures
            .iter()
            .filter(|s| s.is_by(key))
            .find_map(|s| verify_cosignature_payload(key, &self.text, &s.payload))
    }
}

/// Signs `text` (which must end with a newline) as a note by `name`.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> Result<SignedNote, NoteError> {
    check_key_name(name)?;
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text does not end with a newline"));
    }
    Ok(SignedNote {
        text: text.to_string(),
        signatures: vec![NoteSignature {
            name: name.to_string(),
            key_id: key_id(name, KeyType::Ed25519, key.verifying_key().as_bytes()),
            payload: key.sign(text.as_bytes()).to_bytes().to_vec(),
        }],
    })
}

/// What a cosignature signs (tlog-cosignature): a header binding the time, then the checkpoint.
fn cosignature_message(timestamp: u64, checkpoint_text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// A cosignature line by witness `name` over a checkpoint's text at `timestamp` (Unix seconds).
pub fn cosign(
    checkpoint_text: &str,
    name: &str,
    key: &SigningKey,
    timestamp: u64,
) -> Result<NoteSignature, NoteError> {
    check_key_name(name)?;
    let signature = key.sign(&cosignature_message(timestamp, checkpoint_text));
    let mut payload = timestamp.to_be_bytes().to_vec();
    payload.extend_from_slice(&signature.to_bytes());
    Ok(NoteSignature {
        name: name.to_string(),
        key_id: key_id(name, KeyType::Cosignature, key.verifying_key().as_bytes()),
        payload,
    })
}

fn verify_cosignature_payload(key: &VerifierKey, text: &str, payload: &[u8]) -> Option<u64> {
    if payload.len() != 8 + 64 {
        return None;
    }
    let timestamp = u64::from_be_bytes(payload[..8].try_into().ok()?);
    let signature = Signature::from_slice(&payload[8..]).ok()?;
    super::signing::verify(
        &key.public_key,
        &cosignature_message(timestamp, text),
        &signature,
    )
    .then_some(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn sign_render_parse_verify_round_trip() {
        let signer = key(1);
        let verifier =
            VerifierKey::new("example.org/log", KeyType::Ed25519, signer.verifying_key()).unwrap();
        assert_eq!(
            VerifierKey::parse(&verifier.to_text()),
            Ok(verifier.clone())
        );
        let note = sign_note("hello\nworld\n", "example.org/log", &signer).unwrap();
        let parsed = SignedNote::parse(&note.render()).unwrap();
        assert_eq!(parsed, note);
        assert_eq!(parsed.verify(&verifier), Ok(()));
        let other =
            VerifierKey::new("example.org/log", KeyType::Ed25519, key(2).verifying_key()).unwrap();
        assert!(parsed.verify(&other).is_err());
        let mut changed = parsed.clone();
        changed.text = "hello\nworlds\n".into();
        assert!(changed.verify(&verifier).is_err());
    }

    #[test]
    fn cosignatures_bind_the_time_and_the_text() {
        let witness = key(3);
        let verifier =
            VerifierKey::new("witness", KeyType::Cosignature, witness.verifying_key()).unwrap();
        let mut note = sign_note("origin\n1\nAAAA\n", "origin", &key(1)).unwrap();
        note.signatures
            .push(cosign(&note.text, "witness", &witness, 1_700_000_000).unwrap());
        let parsed = SignedNote::parse(&note.render()).unwrap();
        assert_eq!(parsed.cosigned_at(&verifier), Some(1_700_000_000));
        let mut moved = parsed.clone();
        moved.signatures[1].payload[7] ^= 1;
        assert_eq!(moved.cosigned_at(&verifier), None);
        // A cosignature key never verifies a plain note signature, nor the other way round.
        assert!(parsed.verify(&verifier).is_err());
    }

    #[test]
    fn malformed_notes_and_keys_are_refused() {
        for bad in [
            "no blank line\n\u{2014} a AAAAAAA=\n",
            "text\n\n",
            "text\n\n\u{2014} a AAAAAAA=",
            "text\n\n- a AAAAAAAAAAAAAAA=\n",
            "text\n\n\u{2014} a not-base64!\n",
            "te\u{7}xt\n\n\u{2014} a AAAAAAAAAAAAAAA=\n",
        ] {
            assert!(SignedNote::parse(bad).is_err(), "{bad:?}");
        }
        let good = VerifierKey::new("n", KeyType::Ed25519, key(1).verifying_key()).unwrap();
        let text = good.to_text();
        assert!(VerifierKey::parse(&text.replacen("n+", "m+", 1)).is_err());
        assert!(VerifierKey::parse("a+b").is_err());
        assert!(VerifierKey::parse("a b+00000000+AQ==").is_err());
        assert!(check_key_name("has+plus").is_err());
    }
}
