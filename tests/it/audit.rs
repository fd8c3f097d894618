//! The offline audit against exports of real logs on both backends: an honest log verifies
//! (also when its replay state spills to disk), and every kind of tampering is caught with a
//! message that names the entry and what is wrong.

use crate::support::{db_test, log_signing_key, setup, Env, TestDb, ORIGIN};
use crate::tamper;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::checkpoint::verify_checkpoint;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::merkle;
use ewaste_ledger::domain::note::{cosign, KeyType, SignedNote, VerifierKey};
use ewaste_ledger::ledger::audit::{audit, AuditError, AuditFailure, AuditOptions, AuditReport};
use serde_json::json;
use uuid::Uuid;

fn log_key() -> VerifierKey {
    VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key()).unwrap()
}

fn options() -> AuditOptions {
    AuditOptions::new(log_key())
}

async fn export(env: &Env) -> Vec<u8> {
    let (status, body, _) = env.call_raw(TestRequest::get().uri("/v1/log/export")).await;
    assert!(status.is_success(), "{status}");
    body
}

fn verify(export: &[u8], options: &AuditOptions) -> Result<AuditReport, AuditFailure> {
    audit(export, options, &()).map_err(|error| match error {
        AuditError::Failed(failure) => failure,
        other => panic!("the audit itself failed: {other}"),
    })
}

/// Products `a` (a full life: sold, repaired, collected, handed over, recycled) and `b`
/// (sold), interleaved, in several batches so that there are several checkpoints.
async fn lifecycle(env: &Env) -> (Uuid, Uuid) {
    let (retailer, repairer, collector, recycler) = (
        env.actor(Role::Retailer),
        env.actor(Role::Repairer),
        env.actor(Role::Collector),
        env.actor(Role::Recycler),
    );
    let a = env.register("AUDIT-A").await;
    let b = env.register("AUDIT-B").await;
    env.ok(&retailer, Kind::PlacedOnMarket, Some(a), json!({}))
        .await;
    env.ok(&retailer, Kind::PlacedOnMarket, Some(b), json!({}))
        .await;
    env.ok(
        &repairer,
        Kind::Repaired,
        Some(a),
        json!({"description": "new battery"}),
    )
    .await;
    env.ok(
        &collector,
        Kind::Collected,
        Some(a),
        json!({"weight_g": 170}),
    )
    .await;
    env.hand_over(a, &collector, &recycler).await;
    env.ok(
        &recycler,
        Kind::Recycled,
        Some(a),
        json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 170}]}),
    )
    .await;
    (a, b)
}

/// The seq of the entry of `product` with `kind`.
fn seq_of(export: &[u8], product: Uuid, kind: &str) -> usize {
    let text = String::from_utf8_lossy(export);
    text.lines()
        .filter(|line| line.starts_with("{\"event\":"))
        .position(|line| {
            line.contains(&format!("\"kind\":\"{kind}\"")) && line.contains(&product.to_string())
        })
        .expect("the entry is in the export")
}

db_test! {
    /// An honest log verifies, with its size, root and checkpoints as served; it still verifies
    /// when the replay state is forced to spill to disk after every chunk.
    async fn an_honest_log_verifies(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let export = export(&env).await;
        let report = verify(&export, &options()).expect("verifies");
        assert_eq!(report.size as i64, env.log_size().await);
        let (_, note, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let checkpoint = verify_checkpoint(&String::from_utf8(note).unwrap(), &log_key()).unwrap();
        assert_eq!((report.size, report.root), (checkpoint.checkpoint.size, checkpoint.checkpoint.root));
        assert!(report.checkpoints > 1);
        assert!(!report.spilled);
        let tiny = AuditOptions { memory_budget: 1, chunk_entries: 3, ..options() };
        let spilled = verify(&export, &tiny).expect("verifies with spilling");
        assert!(spilled.spilled);
        assert_eq!(spilled.root, report.root);
    }

    /// Witnesses: a required witness that never cosigned fails the audit; once it cosigned a
    /// checkpoint through the API, the audit passes and reports how far it cosigned.
    async fn required_witnesses_must_have_cosigned(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let regulator = env.actor(Role::Regulator);
        let witness = VerifierKey::new("regulator-witness", KeyType::Cosignature, regulator.key.verifying_key()).unwrap();
        let required = AuditOptions { witness_keys: vec![witness.clone()], ..options() };
        let failure = verify(&export(&env).await, &required).unwrap_err();
        assert!(failure.what.contains("witness regulator-witness cosigned no checkpoint"), "{failure}");

        let (_, note, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let mut note = SignedNote::parse(&String::from_utf8(note).unwrap()).unwrap();
        note.signatures.push(cosign(&note.text, "regulator-witness", &regulator.key, 1_800_000_000).unwrap());
        let request = TestRequest::post().uri("/v1/log/cosignature").set_payload(note.render());
        let (status, body, _) = env.call_raw(request).await;
        assert_eq!(status.as_u16(), 201, "{}", String::from_utf8_lossy(&body));
        let report = verify(&export(&env).await, &required).expect("verifies");
        assert_eq!(report.witnessed.get("regulator-witness"), Some(&report.size));
    }

    /// One byte changed in a stored entry: its signature no longer verifies.
    async fn a_changed_byte_is_caught(db: TestDb) {
        let env = setup(db).await;
        let (a, _) = lifecycle(&env).await;
        let seq = seq_of(&export(&env).await, a, "repaired");
        let mut conn = tamper::connect(&env.db.target);
        let mut bytes = tamper::entry_bytes(&mut conn)[seq].clone();
        let at = String::from_utf8_lossy(&bytes).find("new battery").unwrap();
        bytes[at] = b'N';
        tamper::set_bytes(&mut conn, seq as i64, bytes);
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        assert_eq!(failure.seq, Some(seq as u64), "{failure}");
        assert!(failure.what.contains("signature does not verify"), "{failure}");
    }

    /// An entry deleted: the next one sits at the wrong seq.
    async fn a_deleted_entry_is_caught(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let mut conn = tamper::connect(&env.db.target);
        tamper::delete_entry(&mut conn, 5);
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        assert_eq!(failure.seq, Some(5), "{failure}");
        assert!(failure.what.contains("entries are missing"), "{failure}");
    }

    /// Two entries swapped: the first of them is out of order.
    async fn swapped_entries_are_caught(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let mut conn = tamper::connect(&env.db.target);
        let all = tamper::entry_bytes(&mut conn);
        tamper::set_bytes(&mut conn, 6, all[7].clone());
        tamper::set_bytes(&mut conn, 7, all[6].clone());
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        assert_eq!(failure.seq, Some(6), "{failure}");
        assert_eq!((failure.expected.as_deref(), failure.found.as_deref()), (Some("6"), Some("7")));
    }

    /// An entry inserted (a fabricated event under a new id, chain, seqs, tree and checkpoint
    /// fixed up and signed with the real log key): the operator has no actor's key, so the
    /// event's signature fails at the inserted entry.
    async fn an_inserted_entry_is_caught(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let mut conn = tamper::connect(&env.db.target);
        let mut all = tamper::entry_bytes(&mut conn);
        let fabricated = tamper::with_new_event_id(&all[9]);
        all.insert(9, fabricated);
        tamper::reseal(&mut conn, &all, ORIGIN, &log_signing_key());
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        assert_eq!(failure.seq, Some(9), "{failure}");
        assert!(failure.what.contains("signature does not verify"), "{failure}");
    }

    /// A checkpoint re-signed with another key is not the log's.
    async fn a_checkpoint_signed_by_another_key_is_caught(db: TestDb) {
        let env = setup(db).await;
        lifecycle(&env).await;
        let size = env.log_size().await;
        let (_, note, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let note = SignedNote::parse(&String::from_utf8(note).unwrap()).unwrap();
        let impostor = ed25519_dalek::SigningKey::from_bytes(&[0x66; 32]);
        let forged = ewaste_ledger::domain::note::sign_note(&note.text, ORIGIN, &impostor).unwrap();
        let mut conn = tamper::connect(&env.db.target);
        tamper::set_checkpoint_note(&mut conn, size, forged.render());
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        assert!(failure.what.contains("not signed by the log"), "{failure}");
        assert_eq!(failure.seq, None);
    }

    /// A product event dropped from its product's chain, and everything else rewritten to
    /// match (seqs, hash chain, tree, checkpoint signed with the real log key): the product's
    /// next event still names the dropped one as its `prev`.
    async fn a_dropped_product_event_is_caught(db: TestDb) {
        let env = setup(db).await;
        let (a, _) = lifecycle(&env).await;
        let export_before = export(&env).await;
        let repaired = seq_of(&export_before, a, "repaired");
        let mut conn = tamper::connect(&env.db.target);
        let mut all = tamper::entry_bytes(&mut conn);
        all.remove(repaired);
        tamper::reseal(&mut conn, &all, ORIGIN, &log_signing_key());
        let failure = verify(&export(&env).await, &options()).unwrap_err();
        // The product's next event (collected) now sits where `repaired` was.
        assert_eq!(failure.seq, Some(repaired as u64), "{failure}");
        assert!(failure.what.contains("stale-prev"), "{failure}");
    }

    /// The whole history rewritten and re-signed with the real log key, in a way that is
    /// consistent in itself (the last event of a product dropped): a plain audit cannot tell,
    /// but a checkpoint a witness kept can. The consistency proof from it fails, and an audit
    /// given that checkpoint refuses the log.
    async fn a_rewritten_history_is_caught_by_a_kept_checkpoint(db: TestDb) {
        let env = setup(db).await;
        let (a, _) = lifecycle(&env).await;
        let (_, held, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let held = String::from_utf8(held).unwrap();
        let kept = verify_checkpoint(&held, &log_key()).unwrap().checkpoint;
        let recycled = seq_of(&export(&env).await, a, "recycled");
        let mut conn = tamper::connect(&env.db.target);
        let mut all = tamper::entry_bytes(&mut conn);
        all.remove(recycled);
        tamper::reseal(&mut conn, &all, ORIGIN, &log_signing_key());
        // Growing again after the rewrite, as a live log would.
        env.register("AFTER-REWRITE").await;

        let rewritten = export(&env).await;
        verify(&rewritten, &options()).expect("consistent in itself");
        let (_, latest, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let latest = verify_checkpoint(&String::from_utf8(latest).unwrap(), &log_key()).unwrap().checkpoint;
        assert!(latest.size >= kept.size);
        let (_, proof) = env
            .get(&format!("/v1/log/proof/consistency?from={}&to={}", kept.size, latest.size))
            .await;
        let path: Vec<_> = proof["path"].as_array().unwrap().iter()
            .map(|h| ewaste_ledger::domain::hash::Hash32::from_hex(h.as_str().unwrap()).unwrap())
            .collect();
        assert!(!merkle::verify_consistency(kept.size, latest.size, &kept.root, &latest.root, &path));

        let trusting = AuditOptions { trusted_checkpoint: Some(held), ..options() };
        let failure = verify(&rewritten, &trusting).unwrap_err();
        assert!(failure.what.contains("not an extension of the trusted checkpoint"), "{failure}");
        assert_eq!(failure.seq, Some(kept.size - 1));
    }
}
