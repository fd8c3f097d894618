//! Known-answer tests of the ledger format (docs/ledger-format.md) against vectors computed
//! independently (tests/vectors/make_ledger_v1.py), and interoperability with OpenSSL keys and
//! signatures (`openssl genpkey`, `openssl pkey`, `openssl pkeyutl -sign -rawin`).

use base64::Engine;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::entry::{Entry, EntryHeader};
use ewaste_ledger::domain::event::parse_signed_event;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::jcs::canonicalize;
use ewaste_ledger::domain::signing::{event_message, sign_event, verify_event};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn vector() -> Value {
    let text = include_str!("../vectors/ledger-v1.json");
    serde_json::from_str(text).expect("the vector file is JSON")
}

fn text<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector member {name}"))
}

fn vector_key(vector: &Value) -> SigningKey {
    let secret: [u8; 32] = hex::decode(text(vector, "secret_key_hex"))
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    SigningKey::from_bytes(&secret)
}

#[test]
fn canonical_bytes_signature_entry_and_leaf_hash_match_the_vector() {
    let vector = vector();
    let key = vector_key(&vector);
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        b64.encode(key.verifying_key().to_bytes()),
        text(&vector, "public_key_base64")
    );

    let canonical = canonicalize(&vector["event"]).expect("canonical");
    assert_eq!(
        String::from_utf8(canonical.clone()).expect("utf8"),
        text(&vector, "canonical_event")
    );
    assert_eq!(
        hex::encode(event_message(&canonical)),
        text(&vector, "signed_message_hex")
    );

    let signature = sign_event(&key, &canonical);
    assert_eq!(
        b64.encode(signature.to_bytes()),
        text(&vector, "signature_base64")
    );
    assert!(verify_event(&key.verifying_key(), &canonical, &signature));

    let envelope = json!({"event": vector["event"], "sig": text(&vector, "signature_base64")});
    let signed = parse_signed_event(&envelope).expect("the vector event is valid");
    assert_eq!(signed.canonical, canonical);

    let entry = Entry::new(
        &canonical,
        &EntryHeader {
            seq: 0,
            prev: Hash32::ZERO,
            recorded_at: text(&vector, "recorded_at"),
            sig: text(&vector, "signature_base64"),
        },
    );
    assert_eq!(
        String::from_utf8(entry.bytes).expect("utf8"),
        text(&vector, "entry_bytes")
    );
    assert_eq!(entry.leaf_hash.to_hex(), text(&vector, "leaf_hash"));
}

fn openssl(args: &[&str]) -> std::process::Output {
    let output = Command::new("openssl").args(args).output().expect(
        "openssl must be installed for the interoperability tests (apt-get install openssl)",
    );
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn an_event_signed_by_openssl_verifies_and_equals_ours() {
    let vector = vector();
    let dir = tempfile::tempdir().expect("temp dir");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&key_file, text(&vector, "private_key_pem")).expect("write key");
    // The PEM the vector documents is the key we derive from the secret bytes.
    let loaded = ewaste_ledger::key_files::read_pem(&key_file).expect("PKCS#8 PEM loads");
    assert_eq!(loaded.to_bytes(), vector_key(&vector).to_bytes());

    let canonical = canonicalize(&vector["event"]).expect("canonical");
    let message_file = dir.path().join("message.bin");
    std::fs::write(&message_file, event_message(&canonical)).expect("write message");
    let signature_file = dir.path().join("sig.bin");
    openssl(&[
        "pkeyutl",
        "-sign",
        "-rawin",
        "-inkey",
        path(&key_file),
        "-in",
        path(&message_file),
        "-out",
        path(&signature_file),
    ]);
    let openssl_signature = std::fs::read(&signature_file).expect("signature");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&openssl_signature);
    assert_eq!(
        b64,
        text(&vector, "signature_base64"),
        "Ed25519 is deterministic"
    );

    let envelope = json!({"event": vector["event"], "sig": b64});
    let signed = parse_signed_event(&envelope).expect("valid submission");
    assert!(verify_event(
        &loaded.verifying_key(),
        &signed.canonical,
        &signed.signature
    ));
}

#[test]
fn keys_move_both_ways_between_openssl_and_the_ledger() {
    let dir = tempfile::tempdir().expect("temp dir");
    let theirs = dir.path().join("openssl.pem");
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", path(&theirs)]);
    let key = ewaste_ledger::key_files::read_pem(&theirs).expect("an openssl key loads");
    let der = openssl(&["pkey", "-in", path(&theirs), "-pubout", "-outform", "DER"]).stdout;
    assert_eq!(&der[der.len() - 32..], key.verifying_key().as_bytes());

    let ours = dir.path().join("ours.pem");
    let generated = ewaste_ledger::key_files::generate();
    ewaste_ledger::key_files::write_pem(&ours, &generated).expect("written");
    let der = openssl(&["pkey", "-in", path(&ours), "-pubout", "-outform", "DER"]).stdout;
    assert_eq!(&der[der.len() - 32..], generated.verifying_key().as_bytes());
}
