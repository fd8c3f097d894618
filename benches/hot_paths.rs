//! Criterion benchmarks of the functions on the write and audit paths: parsing and
//! canonicalising a submission, verifying its signature under the ledger's rule, building
//! an entry, parsing it back for an audit, and the Merkle tree (appending a leaf, verifying
//! proofs). Run with `cargo bench`; `ewaste-ledger bench` measures the whole service, and
//! `benches/signature_rules.rs` the candidate signature rules.

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::entry::{parse_entry, Entry, EntryHeader};
use ewaste_ledger::domain::event::parse_signed_event;
use ewaste_ledger::domain::hash::leaf_hash;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::jcs::canonicalize;
use ewaste_ledger::domain::kinds::Kind;
use ewaste_ledger::domain::merkle::{self, Frontier, NodeId};
use ewaste_ledger::domain::signing::verify_event;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

fn envelope(key: &SigningKey, n: u32) -> Value {
    Draft {
        id: Uuid::from_u128(u128::from(n)),
        kind: Kind::Recycled,
        actor: Uuid::from_u128(7),
        occurred_at: "2026-03-01T10:00:00Z".into(),
        city: Some("DEBER".into()),
        product: Some(Uuid::from_u128(1_000 + u128::from(n))),
        prev: Some(Hash32::sha256(&n.to_be_bytes())),
        data: json!({"operation": "R4", "fractions": [
            {"material": "copper", "mass_g": 120}, {"material": "plastics", "mass_g": 800}]}),
    }
    .sign(key)
    .expect("the bench event is canonicalisable")
}

fn write_path(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[3; 32]);
    let submission = envelope(&key, 1);
    let bytes = serde_json::to_vec(&submission).expect("serialisable");
    let signed = parse_signed_event(&submission).expect("valid");

    c.bench_function("parse_json_and_signed_event", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_slice(&bytes).expect("json");
            parse_signed_event(&value).expect("valid")
        })
    });
    c.bench_function("jcs_canonicalize_event", |b| {
        b.iter(|| canonicalize(&submission["event"]).expect("canonical"))
    });
    c.bench_function("ed25519_verify_one", |b| {
        b.iter(|| verify_event(&key.verifying_key(), &signed.canonical, &signed.signature))
    });

    c.bench_function("entry_bytes_and_leaf_hash", |b| {
        b.iter(|| {
            Entry::new(
                &signed.canonical,
                &EntryHeader {
                    seq: 123_456,
                    prev: Hash32::ZERO,
                    recorded_at: "2026-03-01T10:00:01.000Z",
                    sig: &signed.signature_b64,
                },
            )
        })
    });
}

fn audit_path(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[3; 32]);
    let signed = parse_signed_event(&envelope(&key, 1)).expect("valid");
    let entry = Entry::new(
        &signed.canonical,
        &EntryHeader {
            seq: 123_456,
            prev: Hash32::ZERO,
            recorded_at: "2026-03-01T10:00:01.000Z",
            sig: &signed.signature_b64,
        },
    );
    c.bench_function("parse_entry", |b| {
        b.iter(|| parse_entry(&entry.bytes).expect("valid"))
    });

    // A tree of 2^20 + 12345 leaves, every node stored, as the writer stores them.
    let size = (1u64 << 20) + 12_345;
    let mut stored = HashMap::new();
    let mut frontier = Frontier::empty();
    for seq in 0..size {
        let leaf = leaf_hash(&seq.to_be_bytes());
        stored.insert(NodeId::leaf(seq), leaf);
        frontier.push(leaf, |id, hash| {
            stored.insert(id, hash);
        });
    }
    let root = frontier.root();
    c.bench_function("merkle_frontier_push", |b| {
        let mut frontier = frontier.clone();
        b.iter(|| frontier.push(Hash32::ZERO, |_, _| {}))
    });
    let seq = 777_777;
    let path = merkle::inclusion_plan(seq, size)
        .map(|plan| plan.assemble(&stored).expect("stored"))
        .expect("in range");
    c.bench_function("merkle_verify_inclusion_1m", |b| {
        b.iter(|| merkle::verify_inclusion(seq, size, &stored[&NodeId::leaf(seq)], &path, &root))
    });
    let from = 654_321;
    let old = merkle::root_from(from, &stored).expect("stored");
    let proof = merkle::consistency_plan(from, size)
        .map(|plan| plan.assemble(&stored).expect("stored"))
        .expect("in range");
    c.bench_function("merkle_verify_consistency_1m", |b| {
        b.iter(|| merkle::verify_consistency(from, size, &old, &root, &proof))
    });
}

fn labels(c: &mut Criterion) {
    let label = ewaste_ledger::labels::Label::product(
        "https://ledger.example.org/01/09506000134352/21/FP5-0001".into(),
        Some("Fairphone"),
        Some("FP5"),
        Some("FP5-0001"),
        &uuid::uuid!("3a517dc7-5b2d-4c9e-8f00-0123456789ab"),
    );
    c.bench_function("label_svg", |b| {
        b.iter(|| ewaste_ledger::labels::label_svg(&label).expect("label"))
    });
    c.bench_function("label_png", |b| {
        b.iter(|| ewaste_ledger::labels::label_png(&label).expect("label"))
    });
}

criterion_group!(benches, write_path, audit_path, labels);
criterion_main!(benches);
