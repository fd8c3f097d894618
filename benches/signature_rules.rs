//! The candidate signature rules of docs/ledger-format.md, measured on one core with the same
//! 64 event signatures: the shipped rule (cofactorless, one at a time), ed25519-dalek's strict
//! check, ed25519-dalek's batch verification (refused: it accepts signatures with a
//! small-order component in R about half the time), and the cofactored ZIP 215 rule of
//! ed25519-zebra, alone and batched. Each runs with one signer (a manufacturer's batch) and
//! with 64 signers (single submissions from many stations): batch verifiers combine the terms
//! of a repeated key, so they gain most with one. Run with `cargo bench --bench signature_rules`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use ewaste_ledger::domain::signing::{event_message, sign_event, verify_event, verifying_key};

const BATCH: usize = 64;

/// 64 signed events from `signers` distinct keys, in the forms each library takes.
struct Signed {
    events: Vec<Vec<u8>>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Signature>,
    keys: Vec<VerifyingKey>,
    zebra_keys: Vec<ed25519_zebra::VerificationKey>,
    zebra_bytes: Vec<ed25519_zebra::VerificationKeyBytes>,
}

fn signed(signers: usize) -> Signed {
    let signing: Vec<SigningKey> = (0..signers)
        .map(|n| SigningKey::from_bytes(&[n as u8 + 1; 32]))
        .collect();
    let events: Vec<Vec<u8>> = (0..BATCH)
        .map(|n| format!("{{\"kind\":\"recycled\",\"n\":{n}}}").into_bytes())
        .collect();
    let key_of = |n: usize| &signing[n % signers];
    let signatures = (0..BATCH)
        .map(|n| sign_event(key_of(n), &events[n]))
        .collect();
    let public = |n: usize| key_of(n).verifying_key().to_bytes();
    Signed {
        messages: events.iter().map(|e| event_message(e)).collect(),
        signatures,
        keys: (0..BATCH)
            .map(|n| verifying_key(&public(n)).expect("a prime-order key"))
            .collect(),
        zebra_keys: (0..BATCH)
            .map(|n| ed25519_zebra::VerificationKey::try_from(public(n)).expect("a valid key"))
            .collect(),
        zebra_bytes: (0..BATCH).map(|n| public(n).into()).collect(),
        events,
    }
}

fn candidates(c: &mut Criterion) {
    let mut group = c.benchmark_group("signature_rule");
    group.throughput(Throughput::Elements(BATCH as u64));
    for signers in [1, BATCH] {
        let s = signed(signers);
        let id = |name: &str| BenchmarkId::new(name, format!("{signers}_signers"));
        group.bench_function(id("shipped_cofactorless_one_by_one"), |b| {
            b.iter(|| (0..BATCH).all(|n| verify_event(&s.keys[n], &s.events[n], &s.signatures[n])))
        });
        group.bench_function(id("dalek_verify_strict_one_by_one"), |b| {
            b.iter(|| {
                (0..BATCH).all(|n| {
                    s.keys[n]
                        .verify_strict(&s.messages[n], &s.signatures[n])
                        .is_ok()
                })
            })
        });
        group.bench_function(id("dalek_verify_batch_64_unsound"), |b| {
            let refs: Vec<&[u8]> = s.messages.iter().map(Vec::as_slice).collect();
            b.iter(|| ed25519_dalek::verify_batch(&refs, &s.signatures, &s.keys).is_ok())
        });
        group.bench_function(id("zebra_zip215_cofactored_one_by_one"), |b| {
            b.iter(|| {
                (0..BATCH).all(|n| {
                    s.zebra_keys[n]
                        .verify(&s.signatures[n], &s.messages[n])
                        .is_ok()
                })
            })
        });
        group.bench_function(id("zebra_zip215_cofactored_batch_64"), |b| {
            b.iter(|| {
                let mut batch = ed25519_zebra::batch::Verifier::new();
                for n in 0..BATCH {
                    batch.queue((s.zebra_bytes[n], s.signatures[n], &s.messages[n]));
                }
                batch.verify(rand_core::OsRng).is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, candidates);
criterion_main!(benches);
