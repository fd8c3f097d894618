//! The candidate signature rules of docs/ledger-format.md, measured on one core with the same
//! 64 event signatures: the shipped rule (cofactorless, one at a time), ed25519-dalek's strict
//! check, ed25519-dalek's batch verification (refused: it accepts signatures with a
//! small-order component in R about half the time), and the cofactored ZIP 215 rule of
//! ed25519-zebra, alone and batched. Run with `cargo bench --bench signature_rules`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signature, SigningKey};
use ewaste_ledger::domain::signing::{event_message, sign_event, verify_event, verifying_key};

const BATCH: usize = 64;

fn candidates(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[3; 32]);
    let events: Vec<Vec<u8>> = (0..BATCH)
        .map(|n| format!("{{\"kind\":\"recycled\",\"n\":{n}}}").into_bytes())
        .collect();
    let messages: Vec<Vec<u8>> = events.iter().map(|e| event_message(e)).collect();
    let signatures: Vec<Signature> = events.iter().map(|e| sign_event(&key, e)).collect();
    let verifying = verifying_key(key.verifying_key().as_bytes()).expect("a prime-order key");
    let zebra_key = ed25519_zebra::VerificationKey::try_from(key.verifying_key().to_bytes())
        .expect("a valid key");
    let zebra_bytes = ed25519_zebra::VerificationKeyBytes::from(key.verifying_key().to_bytes());

    let mut group = c.benchmark_group("signature_rule");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("shipped_cofactorless_one_by_one", |b| {
        b.iter(|| {
            events
                .iter()
                .zip(&signatures)
                .all(|(e, s)| verify_event(&verifying, e, s))
        })
    });
    group.bench_function("dalek_verify_strict_one_by_one", |b| {
        b.iter(|| {
            messages
                .iter()
                .zip(&signatures)
                .all(|(m, s)| verifying.verify_strict(m, s).is_ok())
        })
    });
    group.bench_function("dalek_verify_batch_64_unsound", |b| {
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let keys = vec![verifying; BATCH];
        b.iter(|| ed25519_dalek::verify_batch(&refs, &signatures, &keys).is_ok())
    });
    group.bench_function("zebra_zip215_cofactored_one_by_one", |b| {
        b.iter(|| {
            messages
                .iter()
                .zip(&signatures)
                .all(|(m, s)| zebra_key.verify(s, m).is_ok())
        })
    });
    group.bench_function("zebra_zip215_cofactored_batch_64", |b| {
        b.iter(|| {
            let mut batch = ed25519_zebra::batch::Verifier::new();
            for (m, s) in messages.iter().zip(&signatures) {
                batch.queue((zebra_bytes, *s, m));
            }
            batch.verify(rand_core::OsRng).is_ok()
        })
    });
    group.finish();
}

criterion_group!(benches, candidates);
criterion_main!(benches);
