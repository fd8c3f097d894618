//! Known answers from the standards themselves (tests/vectors/README.md says where each file
//! comes from): RFC 9162 trees and proofs as transparency-dev/merkle publishes them, and C2SP
//! signed notes, checkpoints and cosignatures from the C2SP specs and Go's note package.

use base64::Engine;
use ewaste_ledger::domain::checkpoint::Checkpoint;
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::merkle::{self, Frontier, NodeId};
use ewaste_ledger::domain::note::{self, SignedNote, VerifierKey};
use serde_json::Value;
use std::collections::HashMap;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("json")
}

fn hash(value: &Value) -> Hash32 {
    Hash32::from_hex(value.as_str().expect("hex string")).expect("32-byte hex")
}

/// A hash as the probe states it; probes use deliberately malformed (non-32-byte) values.
fn probe_hash(value: &Value) -> Option<Hash32> {
    hex::decode(value.as_str()?)
        .ok()
        .and_then(|b| Hash32::from_slice(&b))
}

fn path(value: &Value) -> Vec<Hash32> {
    value.as_array().expect("path").iter().map(hash).collect()
}

fn u64_of(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// The 8-leaf tree, with every node stored as the writer stores them.
fn reference_tree(vectors: &Value) -> (Vec<Hash32>, HashMap<NodeId, Hash32>) {
    let leaves: Vec<Hash32> = vectors["leaves_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|data| leaf_hash(&hex::decode(data.as_str().unwrap()).unwrap()))
        .collect();
    let mut stored = HashMap::new();
    let mut frontier = Frontier::empty();
    for (seq, leaf) in leaves.iter().enumerate() {
        stored.insert(NodeId::leaf(seq as u64), *leaf);
        frontier.push(*leaf, |id, node| {
            stored.insert(id, node);
        });
    }
    (leaves, stored)
}

#[test]
fn rfc9162_roots_and_proofs_match_the_published_vectors() {
    let vectors = load("rfc9162-merkle.json");
    let (leaves, stored) = reference_tree(&vectors);
    assert_eq!(leaves, path(&vectors["leaf_hashes"]));
    for root in vectors["roots"].as_array().unwrap() {
        let size = u64_of(root, "size");
        assert_eq!(
            merkle::root_of_leaves(&leaves[..size as usize]),
            hash(&root["root"])
        );
        assert_eq!(
            merkle::root_from(size, &stored),
            Some(hash(&root["root"])),
            "size {size}"
        );
    }
    for (level, nodes) in vectors["node_hashes_by_level"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (index, node) in nodes.as_array().unwrap().iter().enumerate() {
            let id = NodeId {
                level: level as u8,
                index: index as u64,
            };
            assert_eq!(stored[&id], hash(node), "{id:?}");
        }
    }
    for proof in vectors["inclusion"].as_array().unwrap() {
        let (seq, size) = (u64_of(proof, "index"), u64_of(proof, "size"));
        let ours = merkle::inclusion_plan(seq, size)
            .unwrap()
            .assemble(&stored)
            .unwrap();
        assert_eq!(ours, path(&proof["path"]), "inclusion {seq} in {size}");
        let root = merkle::root_from(size, &stored).unwrap();
        assert!(merkle::verify_inclusion(
            seq,
            size,
            &leaves[seq as usize],
            &ours,
            &root
        ));
    }
    for proof in vectors["consistency"].as_array().unwrap() {
        let (from, to) = (u64_of(proof, "from"), u64_of(proof, "to"));
        let ours = merkle::consistency_plan(from, to)
            .unwrap()
            .assemble(&stored)
            .unwrap();
        assert_eq!(ours, path(&proof["path"]), "consistency {from} to {to}");
        let (old, new) = (
            merkle::root_from(from, &stored).unwrap(),
            merkle::root_from(to, &stored).unwrap(),
        );
        assert!(merkle::verify_consistency(from, to, &old, &new, &ours));
    }
}

#[test]
fn rfc9162_verifiers_agree_with_every_published_probe() {
    let vectors = load("rfc9162-merkle.json");
    let mut checked = 0;
    for probe in vectors["inclusion_probes"].as_array().unwrap() {
        let path: Option<Vec<Hash32>> = probe["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(probe_hash)
            .collect();
        let ours = match (
            probe_hash(&probe["leaf_hash"]),
            probe_hash(&probe["root"]),
            path,
        ) {
            (Some(leaf), Some(root), Some(path)) => merkle::verify_inclusion(
                u64_of(probe, "index"),
                u64_of(probe, "size"),
                &leaf,
                &path,
                &root,
            ),
            // A hash that is not 32 bytes cannot even be represented: refused.
            _ => false,
        };
        assert_eq!(
            ours,
            probe["want_valid"].as_bool().unwrap(),
            "{}",
            probe["desc"]
        );
        checked += 1;
    }
    for probe in vectors["consistency_probes"].as_array().unwrap() {
        let path: Option<Vec<Hash32>> = probe["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(probe_hash)
            .collect();
        let (from, to) = (u64_of(probe, "from"), u64_of(probe, "to"));
        let ours = match (
            probe_hash(&probe["root1"]),
            probe_hash(&probe["root2"]),
            path,
        ) {
            (Some(old), Some(new), Some(path)) => {
                merkle::verify_consistency(from, to, &old, &new, &path)
            }
            // Go compares equal-size roots as bytes whatever their length; so do we.
            (_, _, Some(path)) if from == to && from > 0 => {
                path.is_empty() && probe["root1"] == probe["root2"]
            }
            _ => false,
        };
        assert_eq!(
            ours,
            probe["want_valid"].as_bool().unwrap(),
            "{}",
            probe["desc"]
        );
        checked += 1;
    }
    assert_eq!(checked, 196);
}

fn note_text(entry: &Value) -> String {
    match entry.get("signed_note").and_then(Value::as_str) {
        Some(text) => text.to_string(),
        None => String::from_utf8_lossy(
            &hex::decode(entry["signed_note_hex"].as_str().expect("note")).unwrap(),
        )
        .into_owned(),
    }
}

/// Go's signer-key text: `PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)`.
fn go_signer_key(text: &str) -> ed25519_dalek::SigningKey {
    // The base64 part may itself contain `+`: split off the first four fields only.
    let encoded = text.splitn(5, '+').nth(4).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(bytes[0], 1);
    ed25519_dalek::SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
}

#[test]
fn c2sp_signed_notes_verify_exactly_as_published() {
    let vectors = load("c2sp-signed-note.json");
    for entry in vectors["notes"].as_array().unwrap() {
        let key = VerifierKey::parse(entry["verifier_key"].as_str().unwrap()).unwrap();
        let text = note_text(entry);
        let outcome = SignedNote::parse(&text).and_then(|note| note.verify(&key).map(|_| note));
        let valid = entry["valid"].as_bool().unwrap();
        assert_eq!(outcome.is_ok(), valid, "{}: {outcome:?}", entry["comment"]);
        if let Some(signer) = entry["signer_key"].as_str() {
            // Ed25519 is deterministic: signing the text again gives the published note.
            let body = entry["text"].as_str().unwrap();
            let ours = note::sign_note(body, &key.name, &go_signer_key(signer)).unwrap();
            assert_eq!(ours.render(), text);
        }
        if let (true, Some(stated)) = (valid, entry.get("checkpoint")) {
            let checkpoint = Checkpoint::parse_text(&outcome.unwrap().text).unwrap();
            assert_eq!(checkpoint.origin, stated["origin"].as_str().unwrap());
            assert_eq!(checkpoint.size, u64_of(stated, "size"));
            let root = base64::engine::general_purpose::STANDARD
                .decode(stated["root_hash_b64"].as_str().unwrap())
                .unwrap();
            assert_eq!(checkpoint.root.0.as_slice(), root.as_slice());
        }
    }
    for entry in vectors["verifier_keys"].as_array().unwrap() {
        let text = entry["vkey"].as_str().unwrap();
        let parsed = VerifierKey::parse(text);
        assert_eq!(
            parsed.is_ok(),
            entry["valid"].as_bool().unwrap(),
            "{text}: {parsed:?}"
        );
        if let Ok(key) = parsed {
            assert_eq!(key.to_text(), text);
        }
    }
}

#[test]
fn c2sp_cosignatures_verify_and_are_reproduced_byte_for_byte() {
    let vectors = load("c2sp-signed-note.json");
    let mut valid_seen = 0;
    for entry in vectors["cosignatures"].as_array().unwrap() {
        let key = VerifierKey::parse(entry["verifier_key"].as_str().unwrap()).unwrap();
        let checkpoint = entry["checkpoint"].as_str().unwrap();
        let line = entry["signature_line"].as_str().unwrap();
        // A note made of the checkpoint and only the cosignature line.
        let note = SignedNote::parse(&format!("{checkpoint}\n{line}\n"));
        let cosigned = note.ok().and_then(|note| note.cosigned_at(&key));
        let valid = entry["valid"].as_bool().unwrap();
        assert_eq!(cosigned.is_some(), valid, "{}", entry["comment"]);
        if valid {
            valid_seen += 1;
            let timestamp = u64_of(entry, "timestamp");
            assert_eq!(cosigned, Some(timestamp));
            let seed = hex::decode(entry["signer_seed_hex"].as_str().unwrap()).unwrap();
            let signer = ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap());
            let ours = note::cosign(checkpoint, &key.name, &signer, timestamp).unwrap();
            assert_eq!(ours.line(), format!("{line}\n"));
        }
    }
    assert_eq!(valid_seen, 2);
    // The spec's own example line: only its framing can be checked (its key is unpublished).
    for entry in vectors["framing_only"].as_array().unwrap() {
        let line = match entry["line"].as_str() {
            Some(line) => line.to_string(),
            None => format!("\u{2014} witness {}", entry["base64"].as_str().unwrap()),
        };
        let note = SignedNote::parse(&format!("origin\n\n{line}\n")).unwrap();
        let signature = &note.signatures[0];
        assert_eq!(
            hex::encode(signature.key_id),
            entry["key_id"].as_str().unwrap()
        );
        let signature_bytes = entry["signature_bytes"].as_u64().unwrap() as usize;
        match entry["timestamp"].as_u64() {
            Some(timestamp) => {
                assert_eq!(signature.payload[..8], timestamp.to_be_bytes());
                assert_eq!(signature.payload.len(), 8 + signature_bytes);
            }
            None => assert_eq!(signature.payload.len(), signature_bytes),
        }
    }
}
