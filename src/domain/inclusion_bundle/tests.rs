use super::*;
use crate::domain::checkpoint::Checkpoint;
use crate::domain::merkle::{inclusion_plan, Frontier, NodeId};
use crate::domain::note::{cosign, KeyType};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use qrcode::{EcLevel, QrCode};
use std::collections::HashMap;

const ORIGIN: &str = "ledger.example.org/log";

fn log_key() -> (SigningKey, VerifierKey) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let verifier = VerifierKey::new(ORIGIN, KeyType::Ed25519, key.verifying_key()).unwrap();
    (key, verifier)
}

/// A bundle for entry `seq` of a real tree of `size` entries, signed by the test log.
fn bundle(seq: u64, size: u64) -> InclusionBundle {
    let entries: Vec<Vec<u8>> = (0..size)
        .map(|n| format!("{{\"event\":{{\"n\":{n}}},\"sig\":\"x\"}}").into_bytes())
        .collect();
    let mut frontier = Frontier::empty();
    let mut stored = HashMap::new();
    for (n, entry) in entries.iter().enumerate() {
        let leaf = leaf_hash(entry);
        // Leaves are stored nodes too, as the writer keeps them.
        stored.insert(NodeId::leaf(n as u64), leaf);
        frontier.push(leaf, |id, hash| {
            stored.insert(id, hash);
        });
    }
    let path = inclusion_plan(seq, size)
        .unwrap()
        .assemble(&stored)
        .unwrap();
    let root = frontier.root();
    let (key, _) = log_key();
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root,
    }
    .sign(&key)
    .unwrap()
    .render();
    InclusionBundle {
        entry: entries[seq as usize].clone(),
        seq,
        size,
        leaf_hash: leaf_hash(&entries[seq as usize]),
        root,
        path,
        checkpoint,
    }
}

#[test]
fn the_compact_form_round_trips_and_verifies() {
    let (_, key) = log_key();
    for (seq, size) in [(0, 1), (3, 7), (12, 13), (100, 257)] {
        let original = bundle(seq, size);
        assert_eq!(original.verify(&key), Ok(size));
        let text = original.to_compact();
        assert!(text.starts_with(QR_PREFIX), "{text}");
        let read = InclusionBundle::from_compact(&format!("  {text}\n")).unwrap();
        assert_eq!(read, original);
        assert_eq!(read.to_compact(), text);
        assert_eq!(read.verify(&key), Ok(size));
    }
}

#[test]
fn the_json_form_reads_as_audit_prove_prints_it() {
    let original = bundle(3, 7);
    let json = serde_json::json!({
        "entry": String::from_utf8(original.entry.clone()).unwrap(),
        "inclusion": {
            "seq": 3, "size": 7,
            "leaf_hash": original.leaf_hash.to_hex(),
            "root": original.root.to_hex(),
            "path": crate::domain::export::hex_path(&original.path),
        },
        "checkpoint": original.checkpoint,
    });
    assert_eq!(InclusionBundle::from_json(&json), Ok(original));
    let mut broken = json.clone();
    broken["inclusion"]["root"] = "zz".into();
    assert_eq!(
        InclusionBundle::from_json(&broken),
        Err("inclusion.root is not a hex hash".into())
    );
}

#[test]
fn a_tampered_bundle_fails_and_says_where() {
    let (_, key) = log_key();
    let original = bundle(3, 7);

    let mut entry = original.clone();
    entry.entry[10] ^= 1;
    entry.leaf_hash = leaf_hash(&entry.entry);
    let e = entry.verify(&key).unwrap_err();
    assert!(e.contains("does not lead to the root"), "{e}");

    let mut seq = original.clone();
    seq.seq = 4;
    assert!(seq
        .verify(&key)
        .unwrap_err()
        .contains("inclusion proof of seq 4"));

    let mut checkpoint = original.clone();
    checkpoint.checkpoint = checkpoint.checkpoint.replacen("\n7\n", "\n8\n", 1);
    let e = checkpoint.verify(&key).unwrap_err();
    assert!(e.contains("signature") || e.contains("signed"), "{e}");

    let other = VerifierKey::new(
        ORIGIN,
        KeyType::Ed25519,
        SigningKey::from_bytes(&[8; 32]).verifying_key(),
    )
    .unwrap();
    assert!(original.verify(&other).is_err());

    // A changed character of the compact text: caught by the proof or the signature, or the
    // text no longer decodes.
    let text = original.to_compact();
    let middle = text.len() / 2;
    let changed = format!(
        "{}{}{}",
        &text[..middle],
        if &text[middle..=middle] == "0" {
            "1"
        } else {
            "0"
        },
        &text[middle + 1..]
    );
    match InclusionBundle::from_compact(&changed) {
        Ok(read) => assert!(read.verify(&key).is_err()),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

#[test]
fn malformed_compact_texts_are_refused_with_their_reason() {
    let text = bundle(3, 7).to_compact();
    assert_eq!(
        InclusionBundle::from_compact("{\"entry\":1}"),
        Err(CompactError::Prefix)
    );
    assert!(matches!(
        InclusionBundle::from_compact(&text.to_lowercase()),
        Err(CompactError::Prefix)
    ));
    assert!(matches!(
        InclusionBundle::from_compact(&format!("{QR_PREFIX}abc")),
        Err(CompactError::Base45(_))
    ));
    let body = |bytes: &[u8]| format!("{QR_PREFIX}{}", base45::encode(bytes));
    assert_eq!(
        InclusionBundle::from_compact(&body(&[2])),
        Err(CompactError::Version(2))
    );
    assert_eq!(
        InclusionBundle::from_compact(&body(&[1, 0x80])),
        Err(CompactError::Truncated("seq"))
    );
    assert_eq!(
        InclusionBundle::from_compact(&body(&[1, 0x85, 0x00])),
        Err(CompactError::LongInteger("seq"))
    );
    let mut bytes = vec![1, 3, 7];
    bytes.extend_from_slice(&[0; 32]);
    bytes.push(65);
    assert_eq!(
        InclusionBundle::from_compact(&body(&bytes)),
        Err(CompactError::PathLength(65))
    );
    bytes.pop();
    bytes.push(1);
    assert_eq!(
        InclusionBundle::from_compact(&body(&bytes)),
        Err(CompactError::Truncated("path"))
    );
    bytes.extend_from_slice(&[0; 32]);
    bytes.extend_from_slice(&[5, b'a']);
    assert_eq!(
        InclusionBundle::from_compact(&body(&bytes)),
        Err(CompactError::Truncated("entry"))
    );
    bytes.pop();
    bytes.extend_from_slice(b"abcde\xff");
    assert_eq!(
        InclusionBundle::from_compact(&body(&bytes)),
        Err(CompactError::CheckpointText)
    );
}

#[test]
fn integers_have_one_spelling() {
    for value in [0, 1, 127, 128, 300, 1 << 20, u64::MAX] {
        let mut bytes = Vec::new();
        push_integer(&mut bytes, value);
        let mut reader = Reader { rest: &bytes };
        assert_eq!(reader.integer("n"), Ok(value));
        assert!(reader.rest.is_empty());
    }
    // Eleven bytes, or a tenth byte with more than the one bit left.
    let mut too_long = vec![0xff; 9];
    too_long.push(0x02);
    assert_eq!(
        Reader { rest: &too_long }.integer("n"),
        Err(CompactError::LongInteger("n"))
    );
}

#[test]
fn only_the_log_signature_is_kept() {
    let (_, key) = log_key();
    let original = bundle(3, 7);
    let witness = SigningKey::from_bytes(&[9; 32]);
    let mut note = SignedNote::parse(&original.checkpoint).unwrap();
    let line = cosign(&note.text, "witness.example", &witness, 1_700_000_000).unwrap();
    note.signatures.push(line);
    let cosigned = note.render();
    assert_ne!(cosigned, original.checkpoint);
    assert_eq!(
        log_signature_only(&cosigned, &key).unwrap(),
        original.checkpoint
    );
}

/// The entry bytes the QR budget allows with `path` hashes, a note from an origin of
/// `origin_len` characters and one signature line, at error correction M.
fn fits_at_m(entry_len: usize, path: usize, size: u64) -> bool {
    let (key, _) = log_key();
    let origin = "recycling.example.gov/ewaste-ledger/log";
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size,
        root: Hash32::sha256(b"root"),
    }
    .sign(&key)
    .unwrap()
    .render();
    let bundle = InclusionBundle {
        // Worst case for base45 and JSON alike: no two bytes repeat in a pattern.
        entry: (0..entry_len)
            .map(|n| b"{\"event\":abcdefgh}"[n % 18])
            .collect(),
        seq: size - 1,
        size,
        leaf_hash: Hash32::sha256(b"leaf"),
        root: Hash32::sha256(b"root"),
        path: (0..path).map(|n| Hash32::sha256(&[n as u8])).collect(),
        checkpoint,
    };
    QrCode::with_error_correction_level(bundle.to_compact().as_bytes(), EcLevel::M).is_ok()
}

/// The budget the module documents: a log of 2^20 entries (20 path hashes) leaves room at M
/// for an entry of 1,200 bytes, about twice an intake's; 2^30 entries for 1,000 bytes.
#[test]
fn a_receipt_proof_fits_one_qr_code_at_m() {
    assert!(fits_at_m(1_200, 20, 1 << 20));
    assert!(fits_at_m(1_000, 30, 1 << 30));
    // And the bound is real: the budget ends about where the module says.
    assert!(!fits_at_m(1_450, 20, 1 << 20));
}

proptest! {
    /// Any bundle's compact text reads back to it.
    #[test]
    fn any_bundle_round_trips(
        entry in proptest::collection::vec(any::<u8>(), 0..200),
        seq in any::<u64>(),
        size in any::<u64>(),
        path in proptest::collection::vec(any::<[u8; 32]>(), 0..=64),
        checkpoint in "\\PC{0,80}",
    ) {
        let bundle = InclusionBundle {
            leaf_hash: leaf_hash(&entry),
            entry,
            seq,
            size,
            root: Hash32::sha256(b"r"),
            path: path.into_iter().map(Hash32).collect(),
            checkpoint,
        };
        let text = bundle.to_compact();
        prop_assert_eq!(InclusionBundle::from_compact(&text), Ok(bundle));
    }
}
