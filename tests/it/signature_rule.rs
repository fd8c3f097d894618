//! The one signature rule (docs/ledger-format.md, docs/ledger-format.md §1): what single requests, batch
//! requests, the writer and the offline audit accept is the same set, tested with the
//! published Ed25519 edge cases and with signatures crafted to carry a small-order component
//! in R (which a cofactored or batch verifier takes, and the rule refuses), many times over.

use crate::support::{assert_problem, db_test, labelled, log_signing_key, setup, Actor, Env};
use crate::support::{TestDb, ORIGIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use base64::Engine;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, SigningKey};
use ewaste_ledger::domain::jcs::canonicalize;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use ewaste_ledger::domain::signing::{
    check_public_key, event_message, verify, verifying_key, KeyDefect,
};
use ewaste_ledger::ledger::audit::{audit, AuditOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The secret scalar `a` of a key (RFC 8032 §5.1.5: the clamped first half of SHA-512(seed)).
fn secret_scalar(key: &SigningKey) -> Scalar {
    let digest = Sha512::digest(key.to_bytes());
    let mut half: [u8; 32] = digest[..32].try_into().expect("32 bytes");
    half[0] &= 248;
    half[31] &= 127;
    half[31] |= 64;
    Scalar::from_bytes_mod_order(half)
}

/// `k = SHA-512(R || A || M) mod L`.
fn challenge(r: &[u8; 32], public: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(public);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

fn signature(r: [u8; 32], s: Scalar) -> Signature {
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&r);
    bytes[32..].copy_from_slice(s.as_bytes());
    Signature::from_bytes(&bytes)
}

/// A signature whose R is an honest nonce point plus `torsion`, with S computed for that R: the
/// cofactored equation `[8][S]B = [8]R + [8][k]A` holds, the cofactorless one does not.
fn with_torsion_in_r(
    key: &SigningKey,
    message: &[u8],
    torsion: EdwardsPoint,
    nonce: u64,
) -> Signature {
    let r = Scalar::from_bytes_mod_order_wide(&Sha512::digest(nonce.to_be_bytes()).into());
    let big_r = (EdwardsPoint::mul_base(&r) + torsion).compress().to_bytes();
    let k = challenge(&big_r, key.verifying_key().as_bytes(), message);
    signature(big_r, r + k * secret_scalar(key))
}

/// R = the identity and S = k·a: `[S]B = R + [k]A` holds exactly (only the key's holder can
/// make one). The rule refuses it, as libsodium does.
fn identity_r(key: &SigningKey, message: &[u8]) -> Signature {
    let big_r = EdwardsPoint::default().compress().to_bytes();
    let k = challenge(&big_r, key.verifying_key().as_bytes(), message);
    signature(big_r, k * secret_scalar(key))
}

/// An honest signature with S + L in place of S (the same point equation, a non-canonical S).
fn unreduced_s(key: &SigningKey, message: &[u8]) -> Signature {
    let honest = ed25519_dalek::Signer::sign(key, message).to_bytes();
    // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut bytes = honest;
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(honest[32 + i]) + u16::from(L[i]) + carry;
        bytes[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    Signature::from_bytes(&bytes)
}

/// The crafted variants, in turn: the seven non-identity small-order components, R = identity,
/// and a non-canonical S.
fn crafted(key: &SigningKey, message: &[u8], n: u64) -> Signature {
    match n % 9 {
        i @ 0..=6 => with_torsion_in_r(key, message, EIGHT_TORSION[i as usize + 1], n),
        7 => identity_r(key, message),
        _ => unreduced_s(key, message),
    }
}

fn hex32(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex")
}

#[test]
fn the_published_edge_cases_are_all_refused() {
    let vectors: Value =
        serde_json::from_str(include_str!("../vectors/ed25519-speccheck.json")).expect("JSON");
    let cases = vectors["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 12);
    let (mut dalek, mut zebra, mut ours) = (String::new(), String::new(), String::new());
    for case in cases {
        let message = hex32(case["message_hex"].as_str().unwrap());
        let public: [u8; 32] = hex32(case["public_key_hex"].as_str().unwrap())
            .try_into()
            .unwrap();
        let sig = Signature::from_slice(&hex32(case["signature_hex"].as_str().unwrap())).unwrap();
        let verdict = |ok: bool| if ok { 'V' } else { 'X' };
        dalek.push(verdict(
            ed25519_dalek::VerifyingKey::from_bytes(&public)
                .is_ok_and(|key| ed25519_dalek::Verifier::verify(&key, &message, &sig).is_ok()),
        ));
        zebra.push(verdict(
            ed25519_zebra::VerificationKey::try_from(public)
                .is_ok_and(|key| key.verify(&sig, &message).is_ok()),
        ));
        ours.push(verdict(
            verifying_key(&public).is_some_and(|key| verify(&key, &message, &sig)),
        ));
    }
    // The vectors are typed in right: both libraries give their published verdicts.
    assert_eq!(dalek, vectors["published_dalek_verify"].as_str().unwrap());
    assert_eq!(zebra, vectors["published_zebra"].as_str().unwrap());
    // Every case has a small-order key, a non-canonical encoding or an unreduced S.
    assert_eq!(ours, "XXXXXXXXXXXX");
}

#[test]
fn crafted_signatures_fool_cofactored_and_batch_verifiers_but_not_the_rule() {
    let key = SigningKey::from_bytes(&[0x51; 32]);
    let public = verifying_key(key.verifying_key().as_bytes()).expect("a prime-order key");
    let zebra = ed25519_zebra::VerificationKey::try_from(key.verifying_key().to_bytes()).unwrap();
    let honest_message = event_message(b"{\"honest\":true}");
    let honest = ed25519_dalek::Signer::sign(&key, &honest_message);
    let mut fooled_batches = 0;
    for n in 0..64u64 {
        let message = event_message(format!("{{\"n\":{n}}}").as_bytes());
        let order_two = with_torsion_in_r(&key, &message, EIGHT_TORSION[4], n);
        assert!(!verify(&public, &message, &order_two), "case {n}");
        // A cofactored verifier (ZIP 215) accepts it: it is the kind of signature at stake.
        assert!(zebra.verify(&order_two, &message).is_ok(), "case {n}");
        // ed25519-dalek's batch verification accepts it whenever its random scalar is even.
        let batch_ok = ed25519_dalek::verify_batch(
            &[honest_message.as_slice(), message.as_slice()],
            &[honest, order_two],
            &[public, public],
        )
        .is_ok();
        fooled_batches += usize::from(batch_ok);
        for variant in 0..9 {
            let sig = crafted(&key, &message, n * 9 + variant);
            assert!(!verify(&public, &message, &sig), "variant {variant}");
        }
    }
    // Each try is a fair coin: the chance that none of 64 fooled it is 2^-64.
    assert!(fooled_batches > 0, "batch verification never fooled");
    assert!(verify(&public, &honest_message, &honest));
}

#[test]
fn keys_with_a_small_order_component_are_refused() {
    let honest = SigningKey::from_bytes(&[0x52; 32])
        .verifying_key()
        .to_edwards();
    for (i, torsion) in EIGHT_TORSION.iter().enumerate().skip(1) {
        let mixed = (honest + torsion).compress();
        assert_eq!(
            check_public_key(mixed.as_bytes()).err(),
            Some(KeyDefect::SmallOrderComponent),
            "torsion point {i}"
        );
        assert_eq!(
            check_public_key(torsion.compress().as_bytes()).err(),
            Some(KeyDefect::SmallOrder),
            "torsion point {i}"
        );
    }
    assert!(check_public_key(honest.compress().as_bytes()).is_ok());
    assert!(CompressedEdwardsY(ED25519_BASEPOINT_POINT.compress().0)
        .decompress()
        .is_some_and(|b| b.is_torsion_free()));
}

/// Runs tests/vectors/check_signature_rule.py over `cases`: PyCA's and libsodium's verdicts.
/// Without the Python packages the test is skipped locally and fails in CI.
fn third_party_verdicts(cases: &[Value]) -> Option<(Vec<bool>, Vec<bool>)> {
    use std::io::Write;
    let python = std::env::var("EWASTE_VERIFIERS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/check_signature_rule.py"
    );
    let mut child = std::process::Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(cases).expect("JSON"))
        .expect("write the cases");
    let output = child.wait_with_output().expect("python ran");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            std::env::var_os("CI").is_none() || !stderr.contains("ModuleNotFoundError"),
            "CI needs PyCA cryptography and PyNaCl (.ci/verifiers-requirements.txt): {stderr}"
        );
        assert!(stderr.contains("ModuleNotFoundError"), "{stderr}");
        eprintln!("skipped: {python} lacks PyCA cryptography or PyNaCl (.ci/run installs them)");
        return None;
    }
    let verdicts: Value = serde_json::from_slice(&output.stdout).expect("JSON verdicts");
    let list = |name: &str| -> Vec<bool> {
        verdicts[name]
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_bool().expect("a verdict"))
            .collect()
    };
    Some((list("pyca"), list("libsodium")))
}

#[test]
fn openssl_and_libsodium_agree_with_the_rule_on_every_crafted_signature() {
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    let mut identity_r = Vec::new();
    for seed in 0x70..0x74u8 {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let public = verifying_key(key.verifying_key().as_bytes()).expect("a prime-order key");
        for n in 0..10u64 {
            let message = event_message(format!("{{\"seed\":{seed},\"n\":{n}}}").as_bytes());
            let sig = if n == 9 {
                ed25519_dalek::Signer::sign(&key, &message)
            } else {
                crafted(&key, &message, u64::from(seed) * 9 + n)
            };
            identity_r.push(sig.r_bytes() == EdwardsPoint::default().compress().as_bytes());
            ours.push(verify(&public, &message, &sig));
            cases.push(json!({
                "public_key_hex": hex::encode(key.verifying_key().as_bytes()),
                "message_hex": hex::encode(&message),
                "signature_hex": hex::encode(sig.to_bytes()),
            }));
        }
    }
    let Some((pyca, libsodium)) = third_party_verdicts(&cases) else {
        return;
    };
    assert_eq!(ours.iter().filter(|ok| **ok).count(), 4, "the honest ones");
    // libsodium decides exactly as the rule does.
    assert_eq!(libsodium, ours);
    // OpenSSL too, except that it accepts R = identity, which only the key's holder can make:
    // everything the ledger accepts, OpenSSL accepts.
    for (i, (&openssl, &rule)) in pyca.iter().zip(&ours).enumerate() {
        assert_eq!(openssl, rule || identity_r[i], "case {i}");
    }
    assert!(identity_r.iter().any(|&r| r));
}

/// A registration by the fixture manufacturer, signed with `sig` made over its bytes.
async fn registration_signed(
    env: &Env,
    serial: &str,
    sign: impl Fn(&SigningKey, &[u8]) -> Signature,
) -> Value {
    let maker = env.actor(Role::Manufacturer);
    let event = env.registration(serial).await.to_json();
    let message = event_message(&canonicalize(&event).expect("canonical"));
    json!({"event": event, "sig": B64.encode(sign(&maker.key, &message).to_bytes())})
}

fn assert_bad_signature(item: &Value) {
    assert_eq!(
        item["type"], "urn:ewaste-ledger:problem:bad-signature",
        "{item}"
    );
    assert_eq!(item["status"], 403, "{item}");
}

async fn audit_passes(env: &Env) -> u64 {
    let (status, export, _) = env.call_raw(TestRequest::get().uri("/v1/log/export")).await;
    assert!(status.is_success(), "{status}");
    let key = VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key())
        .expect("log key");
    let report = audit(export.as_slice(), &AuditOptions::new(key), &()).expect("the audit passes");
    report.size
}

db_test!(
    async fn crafted_signatures_are_refused_alike_by_single_and_batch_requests(db: TestDb) {
        let env = setup(db).await;
        let honest = |key: &SigningKey, message: &[u8]| ed25519_dalek::Signer::sign(key, message);
        let size_before = env.log_size().await;
        let (mut crafted_sent, mut honest_sent) = (0u64, 0i64);
        for round in 0..100u64 {
            let serial = |what: &str| format!("SIG{round}{what}");
            let forged = |n: u64| move |key: &SigningKey, message: &[u8]| crafted(key, message, n);

            // Alone.
            let single = registration_signed(&env, &serial("S"), forged(round * 3)).await;
            let (status, body) = env.post(&single).await;
            assert_problem(&body, status, StatusCode::FORBIDDEN, "bad-signature");
            assert!(env.product(labelled(&serial("S"))).await.is_none());

            // In a batch, between honest events: refused with the same problem, the rest recorded.
            let items = vec![
                registration_signed(&env, &serial("A"), honest).await,
                registration_signed(&env, &serial("B"), forged(round * 3 + 1)).await,
                registration_signed(&env, &serial("C"), honest).await,
            ];
            let (status, body) = env.batch(&items, false).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(body[0]["seq"].is_i64(), "{body}");
            assert_bad_signature(&body[1]);
            assert!(body[2]["seq"].is_i64(), "{body}");

            // In an atomic batch: the whole batch is refused, naming the forged event.
            let items = vec![
                registration_signed(&env, &serial("D"), honest).await,
                registration_signed(&env, &serial("E"), forged(round * 3 + 2)).await,
            ];
            let (status, body) = env.batch(&items, true).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(
                body[0]["type"], "urn:ewaste-ledger:problem:batch-aborted",
                "{body}"
            );
            assert_bad_signature(&body[1]);
            crafted_sent += 3;
            honest_sent += 2;
        }
        assert_eq!(crafted_sent, 300);
        // Only the honest events were recorded, and the audit accepts every one of them.
        assert_eq!(env.log_size().await, size_before + honest_sent);
        assert_eq!(audit_passes(&env).await as i64, size_before + honest_sent);
    }
);

db_test!(
    async fn small_order_keys_are_refused_at_registration_and_rotation(db: TestDb) {
        let env = setup(db).await;
        let newcomer = Actor::new(0x61, Role::Collector);
        let honest = newcomer.key.verifying_key().to_edwards();
        let size = env.log_size().await;
        for torsion in &EIGHT_TORSION[1..] {
            let mixed = B64.encode((honest + torsion).compress().as_bytes());
            let mut data = env.actor_data(&newcomer, Role::Collector);
            data["public_key"] = json!(mixed);
            let (status, body) = env
                .submit(&env.admin, Kind::ActorRegistered, None, data)
                .await;
            assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
            assert_eq!(body["field"], "event.data.public_key", "{body}");
            assert!(
                body["reason"]
                    .as_str()
                    .unwrap()
                    .contains("small-order component"),
                "{body}"
            );

            let existing = env.actor(Role::Recycler);
            let data = json!({"actor": existing.id, "public_key": mixed});
            let (status, body) = env
                .submit(&env.admin, Kind::ActorKeyRotated, None, data)
                .await;
            assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
        }
        assert_eq!(env.log_size().await, size);
    }
);

db_test!(
    async fn a_replay_answers_its_original_receipt_after_rotation_and_revocation(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let original = env.signed_registration("REPLAY-1").await;
        let (status, receipt) = env.post(&original).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");

        let rotated = SigningKey::from_bytes(&[0x62; 32]);
        let data = json!({"actor": maker.id, "public_key": B64.encode(rotated.verifying_key().as_bytes())});
        env.ok(&env.admin, Kind::ActorKeyRotated, None, data).await;
        let (status, again) = env.post(&original).await;
        assert_eq!(status, StatusCode::OK, "after the rotation: {again}");
        assert_eq!(again["seq"], receipt["seq"]);
        assert_eq!(again["leaf_hash"], receipt["leaf_hash"]);
        assert_eq!(again["checkpoint"], receipt["checkpoint"]);
        let (status, body) = env.batch(std::slice::from_ref(&original), false).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body[0]["seq"], receipt["seq"], "{body}");
        // A new event under the old key is still refused.
        let (status, body) = env.post(&env.signed_registration("REPLAY-2").await).await;
        assert_problem(&body, status, StatusCode::FORBIDDEN, "bad-signature");

        env.ok(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": maker.id, "reason": "lost"}),
        )
        .await;
        let (status, again) = env.post(&original).await;
        assert_eq!(status, StatusCode::OK, "after the revocation: {again}");
        assert_eq!(again["seq"], receipt["seq"]);
        assert_eq!(again["checkpoint"], receipt["checkpoint"]);
    }
);
