//! C2SP signed notes, checkpoints and verifier keys, as a witness or an auditor receives them
//! from an untrusted log (`SignedNote::parse`, `Checkpoint::parse_text`, `VerifierKey::parse`,
//! `verify_checkpoint`).
//!
//! Checks: nothing panics; every accepted form has exactly one spelling, so rendering what was
//! parsed gives back the input byte for byte and parses to the same value (a note, a checkpoint
//! text, a key); a checkpoint that verifies under the log key is the one its text states. The
//! seeds include a checkpoint signed by `LOG_KEY` and cosigned by `WITNESS_KEY`, so mutations
//! reach the signature checks.
#![no_main]

use ewaste_ledger::domain::checkpoint::{verify_checkpoint, Checkpoint};
use ewaste_ledger::domain::note::{SignedNote, VerifierKey};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// RFC 8032 §7.1 TEST 1 public key (tests/vectors/ledger-v1.json) as a log key.
const LOG_KEY: &str =
    "ledger.example.org/log+b2136810+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
/// RFC 8032 §7.1 TEST 2 public key as a cosigner (tests/vectors/c2sp-signed-note.json).
const WITNESS_KEY: &str =
    "witness.example.com/w1+e8498172+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM";

static KEYS: LazyLock<(VerifierKey, VerifierKey)> = LazyLock::new(|| {
    (
        VerifierKey::parse(LOG_KEY).expect("log key"),
        VerifierKey::parse(WITNESS_KEY).expect("witness key"),
    )
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (log_key, witness_key) = &*KEYS;

    if let Ok(note) = SignedNote::parse(text) {
        assert_eq!(note.render(), text, "a note has two spellings");
        assert_eq!(SignedNote::parse(&note.render()).as_ref(), Ok(&note));
        let _ = note.verify(log_key);
        let _ = note.cosigned_at(witness_key);
    }

    if let Ok(checkpoint) = Checkpoint::parse_text(text) {
        // Extension lines are ignored, so the canonical text is a prefix of the input.
        let canonical = checkpoint.text();
        assert!(
            text.starts_with(&canonical),
            "{canonical:?} is not a prefix of {text:?}"
        );
        assert_eq!(Checkpoint::parse_text(&canonical).as_ref(), Ok(&checkpoint));
    }

    if let Ok(key) = VerifierKey::parse(text) {
        assert_eq!(
            key.to_text(),
            text.trim_end_matches('\n'),
            "a key has two spellings"
        );
        assert_eq!(VerifierKey::parse(&key.to_text()).as_ref(), Ok(&key));
    }

    if let Ok(verified) = verify_checkpoint(text, log_key) {
        assert_eq!(verified.checkpoint.origin, log_key.name);
        assert_eq!(
            Checkpoint::parse_text(&verified.note.text).as_ref(),
            Ok(&verified.checkpoint)
        );
        assert!(verified.note.verify(log_key).is_ok());
    }
});
