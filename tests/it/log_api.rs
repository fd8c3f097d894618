//! The log API (docs/api.md): receipts' checkpoints, `GET /v1/log/{checkpoint,key,entries}`,
//! RFC 9162 inclusion and consistency proofs, witness cosignatures and the streamed export.
//! Every proof and note is checked with the domain's own verifiers, against roots recomputed
//! from the entry bytes the API serves.

use crate::support::{
    assert_problem, db_test, empty, labelled, log_signing_key, setup, Actor, Env, TestDb, ORIGIN,
};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::checkpoint::{verify_checkpoint, Checkpoint};
use ewaste_ledger::domain::export::{self, classify, ExportHeader, ExportLine};
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::merkle::{self, root_of_leaves, verify_consistency, verify_inclusion};
use ewaste_ledger::domain::note::{cosign, KeyType, SignedNote, VerifierKey};
use ewaste_ledger::storage::read::entries_range;
use ewaste_ledger::storage::tree;
use serde_json::{json, Value};

/// The name the fixture regulator cosigns under.
const WITNESS: &str = "witness.test/regulator";

// ---------------------------------------------------------------------------------------------
// Helpers

/// The test log's verifier key.
fn log_key() -> VerifierKey {
    VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key()).expect("key")
}

/// The cosignature verifier key of `key` under witness name `name`.
fn witness_key(name: &str, key: &SigningKey) -> VerifierKey {
    VerifierKey::new(name, KeyType::Cosignature, key.verifying_key()).expect("witness key")
}

/// What a checkpoint note says, after checking the log's signature and origin.
fn checkpoint_of(note: &str) -> Checkpoint {
    verify_checkpoint(note, &log_key())
        .unwrap_or_else(|e| panic!("not a checkpoint of the test log ({e}): {note:?}"))
        .checkpoint
}

fn hash(value: &Value) -> Hash32 {
    value
        .as_str()
        .and_then(Hash32::from_hex)
        .unwrap_or_else(|| panic!("not a hex hash: {value}"))
}

fn hashes(value: &Value) -> Vec<Hash32> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(hash)
        .collect()
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// GET returning the status, the exact body bytes and the content type.
async fn get_raw(env: &Env, path: &str) -> (StatusCode, Vec<u8>, String) {
    env.call_raw(TestRequest::get().uri(path)).await
}

/// GET that must answer 200 with text; returns the text.
async fn get_text(env: &Env, path: &str) -> String {
    let (status, body, content_type) = get_raw(env, path).await;
    let body = String::from_utf8(body).expect("UTF-8 text");
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(content_type, "text/plain; charset=utf-8", "{path}");
    body
}

/// GET that must be refused with a problem of this status and code.
async fn get_problem(env: &Env, path: &str, status: StatusCode, code: &str) {
    let (got, body, content_type) = env.call(TestRequest::get().uri(path)).await;
    assert_eq!(content_type, "application/problem+json", "{path}: {body}");
    assert_problem(&body, got, status, code);
}

/// The lines of an NDJSON body (which must end with a newline unless empty).
fn ndjson_lines(body: &[u8]) -> Vec<Vec<u8>> {
    if body.is_empty() {
        return Vec::new();
    }
    assert_eq!(body.last(), Some(&b'\n'), "NDJSON ends with a newline");
    body[..body.len() - 1]
        .split(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// `GET /v1/log/entries?<query>`: must answer 200 NDJSON; returns its lines.
async fn entry_page(env: &Env, query: &str) -> Vec<Vec<u8>> {
    let (status, body, content_type) = get_raw(env, &format!("/v1/log/entries{query}")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, "application/x-ndjson");
    ndjson_lines(&body)
}

/// Every entry's bytes, through the API.
async fn all_entries(env: &Env) -> Vec<Vec<u8>> {
    entry_page(env, "?start=0&limit=10000").await
}

/// Every stored checkpoint `(size, note)`, smallest first, straight from the database.
fn stored_checkpoints(env: &Env) -> Vec<(u64, String)> {
    let mut conn = env.db.target.connect().expect("direct connection");
    tree::checkpoints_after(&mut conn, 0, 1_000_000)
        .expect("read checkpoints")
        .into_iter()
        .map(|row| (row.size as u64, row.note))
        .collect()
}

/// The stored checkpoint note of the tree of `size` entries.
fn stored_note(env: &Env, size: u64) -> String {
    stored_checkpoints(env)
        .into_iter()
        .find(|(s, _)| *s == size)
        .unwrap_or_else(|| panic!("no checkpoint of size {size}"))
        .1
}

/// A served inclusion proof.
struct Inclusion {
    leaf: Hash32,
    root: Hash32,
    path: Vec<Hash32>,
}

/// `GET /v1/log/proof/inclusion?<query>`: must answer 200 for `seq` at `size`.
async fn inclusion(env: &Env, query: &str, seq: u64, size: u64) -> Inclusion {
    let (status, body) = env.get(&format!("/v1/log/proof/inclusion?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    assert_eq!(keys(&body), ["leaf_hash", "path", "root", "seq", "size"]);
    assert_eq!(
        (body["seq"].as_u64(), body["size"].as_u64()),
        (Some(seq), Some(size))
    );
    Inclusion {
        leaf: hash(&body["leaf_hash"]),
        root: hash(&body["root"]),
        path: hashes(&body["path"]),
    }
}

/// A served consistency proof.
struct Consistency {
    from_root: Hash32,
    to_root: Hash32,
    path: Vec<Hash32>,
}

/// `GET /v1/log/proof/consistency?<query>`: must answer 200 from `from` to `to`.
async fn consistency(env: &Env, query: &str, from: u64, to: u64) -> Consistency {
    let (status, body) = env.get(&format!("/v1/log/proof/consistency?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    assert_eq!(keys(&body), ["from", "from_root", "path", "to", "to_root"]);
    assert_eq!(
        (body["from"].as_u64(), body["to"].as_u64()),
        (Some(from), Some(to))
    );
    Consistency {
        from_root: hash(&body["from_root"]),
        to_root: hash(&body["to_root"]),
        path: hashes(&body["path"]),
    }
}

/// Checks that entry `seq` has leaf hash `leaf` and is proven in the checkpoint `checkpoint`.
async fn assert_proven(env: &Env, seq: u64, leaf: &Hash32, checkpoint: &Checkpoint) {
    let size = checkpoint.size;
    assert!(
        size > seq,
        "checkpoint of size {size} does not cover seq {seq}"
    );
    let (status, bytes, _) = get_raw(env, &format!("/v1/log/entries/{seq}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&leaf_hash(&bytes), leaf, "entry {seq}'s bytes");
    let proof = inclusion(env, &format!("seq={seq}&size={size}"), seq, size).await;
    assert_eq!(&proof.leaf, leaf);
    assert_eq!(proof.root, checkpoint.root);
    assert!(
        verify_inclusion(seq, size, leaf, &proof.path, &checkpoint.root),
        "inclusion of {seq} in {size}"
    );
}

/// The signed registration of `n` labelled products `<prefix>0`, `<prefix>1`, …
async fn registrations(env: &Env, prefix: &str, n: usize) -> Vec<Value> {
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        items.push(env.signed_registration(&format!("{prefix}{i}")).await);
    }
    items
}

/// Posts one registration, which must be accepted; returns the receipt.
async fn single(env: &Env, serial: &str) -> Value {
    let (status, receipt) = env.post(&env.signed_registration(serial).await).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    receipt
}

/// Checks the receipts of one request: all share one checkpoint, of the log as it now is.
async fn assert_one_checkpoint(env: &Env, receipts: &[Value]) {
    let size = env.log_size().await as u64;
    for receipt in receipts {
        assert_eq!(keys(receipt), ["checkpoint", "leaf_hash", "seq"]);
        assert_eq!(
            receipt["checkpoint"], receipts[0]["checkpoint"],
            "{receipt}"
        );
        assert!(receipt["seq"].as_u64().expect("seq") < size);
    }
    let checkpoint = checkpoint_of(receipts[0]["checkpoint"].as_str().expect("note"));
    assert_eq!(
        checkpoint.size, size,
        "the request's checkpoint is of the log after it"
    );
}

/// The checkpoint `note` with cosignature lines by these witnesses appended.
fn cosigned(note: &str, witnesses: &[(&str, &SigningKey, u64)]) -> String {
    let mut note = SignedNote::parse(note).expect("a signed note");
    for (name, key, time) in witnesses {
        note.signatures
            .push(cosign(&note.text, name, key, *time).expect("cosign"));
    }
    note.render()
}

/// `POST /v1/log/cosignature`.
async fn post_cosignature(env: &Env, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
    let request = TestRequest::post()
        .uri("/v1/log/cosignature")
        .insert_header(("content-type", "text/plain"))
        .set_payload(body.into());
    let (status, body, content_type) = env.call(request).await;
    if !status.is_success() {
        assert_eq!(content_type, "application/problem+json", "{body}");
    }
    (status, body)
}

/// Posts a cosigned note that must be accepted; checks the witnesses named.
async fn accepted(env: &Env, note: &str, names: &[&str]) {
    let (status, body) = post_cosignature(env, note).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({ "accepted": names }));
}

/// The latest cosigned checkpoint, or None when the API answers 404 (a problem).
async fn witnessed(env: &Env) -> Option<String> {
    let (status, body, content_type) = get_raw(env, "/v1/log/checkpoint?witnessed=true").await;
    if status == StatusCode::NOT_FOUND {
        let body: Value = serde_json::from_slice(&body).expect("a problem");
        assert_eq!(content_type, "application/problem+json");
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        return None;
    }
    assert_eq!(status, StatusCode::OK);
    Some(String::from_utf8(body).expect("UTF-8"))
}

// ---------------------------------------------------------------------------------------------
// Receipts

db_test!(
    /// Proves that a receipt's checkpoint is a note signed by the log whose tree includes the
    /// entry: the entry's inclusion proof at that size verifies against its root, with the
    /// receipt's leaf hash. A lone event's checkpoint ends with it, a batch's receipts share the
    /// batch's checkpoint, the latest one is `GET /v1/log/checkpoint`, and replays (alone or
    /// from a batch) answer the original receipt although the log has grown since.
    async fn receipts_carry_a_checkpoint_that_proves_their_entry(db: TestDb) {
        let env = setup(db).await;
        let envelope = env.signed_registration("RCPT").await;
        let (status, receipt) = env.post(&envelope).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        assert_one_checkpoint(&env, std::slice::from_ref(&receipt)).await;
        let seq = receipt["seq"].as_u64().unwrap();
        let note = receipt["checkpoint"].as_str().unwrap();
        let checkpoint = checkpoint_of(note);
        assert_eq!(checkpoint.origin, ORIGIN);
        assert_eq!(
            checkpoint.size,
            seq + 1,
            "a lone event's batch ends with it"
        );
        assert_proven(&env, seq, &hash(&receipt["leaf_hash"]), &checkpoint).await;
        assert_eq!(get_text(&env, "/v1/log/checkpoint").await, note);
        assert_eq!(
            get_text(&env, "/v1/log/key").await,
            format!("{}\n", log_key().to_text())
        );

        let items = registrations(&env, "RCPTB", 3).await;
        let (status, receipts) = env.batch(&items, false).await;
        assert_eq!(status, StatusCode::OK);
        let receipts = receipts.as_array().unwrap().clone();
        assert_one_checkpoint(&env, &receipts).await;
        let batch_checkpoint = checkpoint_of(receipts[0]["checkpoint"].as_str().unwrap());
        assert_eq!(batch_checkpoint.size, seq + 4);
        assert_ne!(batch_checkpoint.root, checkpoint.root);
        for receipt in &receipts {
            let seq = receipt["seq"].as_u64().unwrap();
            assert_proven(&env, seq, &hash(&receipt["leaf_hash"]), &batch_checkpoint).await;
        }

        // Later entries move the latest checkpoint on; replays keep their original receipt.
        env.register("RCPT-LATER").await;
        assert_ne!(get_text(&env, "/v1/log/checkpoint").await, note);
        let (status, again) = env.post(&envelope).await;
        assert_eq!((status, &again), (StatusCode::OK, &receipt));
        let (status, again) = env.post(&items[1]).await;
        assert_eq!((status, &again), (StatusCode::OK, &receipts[1]));
        let (status, again) = env.batch(&items, true).await;
        assert_eq!((status, &again), (StatusCode::OK, &json!(receipts)));
    }
);

// ---------------------------------------------------------------------------------------------
// Proofs

db_test!(
    /// Proves, over a log of 40 entries written by single posts and batches (atomic, partly
    /// refused, of one), that there is one checkpoint per request; that each checkpoint's root
    /// is MTH of the leaf hashes recomputed from the entry bytes `GET /v1/log/entries` serves;
    /// that the inclusion proof of every seq in every tree size up to 40 verifies against
    /// that root; and that the consistency proof between every two checkpoints verifies with
    /// both checkpoints' roots.
    async fn every_proof_verifies_over_a_log_of_singles_and_batches(db: TestDb) {
        let env = setup(db).await;
        let mut receipts: Vec<Value> = Vec::new();
        for serial in ["P01", "P02"] {
            let receipt = single(&env, serial).await;
            assert_one_checkpoint(&env, std::slice::from_ref(&receipt)).await;
            receipts.push(receipt);
        }
        let (status, batch) = env.batch(&registrations(&env, "PA", 5).await, true).await;
        assert_eq!(status, StatusCode::OK);
        assert_one_checkpoint(&env, batch.as_array().unwrap()).await;
        receipts.extend(batch.as_array().unwrap().iter().cloned());
        let retailer = env.actor(Role::Retailer);
        let sold = env
            .ok(
                &retailer,
                Kind::PlacedOnMarket,
                Some(labelled("P01")),
                json!({}),
            )
            .await;
        assert_one_checkpoint(&env, std::slice::from_ref(&sold)).await;
        receipts.push(sold);
        // A partly refused batch: the refused item leaves no entry and no gap.
        let mut items = registrations(&env, "PB", 6).await;
        items.insert(3, env.signed_registration("P02").await);
        let (status, batch) = env.batch(&items, false).await;
        assert_eq!(status, StatusCode::OK);
        let batch = batch.as_array().unwrap();
        assert_eq!(
            batch[3]["type"], "urn:ewaste-ledger:problem:duplicate-product",
            "{}",
            batch[3]
        );
        let batch: Vec<Value> = batch
            .iter()
            .filter(|r| r.get("seq").is_some())
            .cloned()
            .collect();
        assert_eq!(batch.len(), 6);
        assert_one_checkpoint(&env, &batch).await;
        receipts.extend(batch);
        let (status, batch) = env.batch(&registrations(&env, "PC", 1).await, false).await;
        assert_eq!(status, StatusCode::OK);
        assert_one_checkpoint(&env, batch.as_array().unwrap()).await;
        receipts.extend(batch.as_array().unwrap().iter().cloned());
        for serial in ["P03", "P04", "P05"] {
            receipts.push(single(&env, serial).await);
        }
        let (status, batch) = env.batch(&registrations(&env, "PD", 10).await, false).await;
        assert_eq!(status, StatusCode::OK);
        assert_one_checkpoint(&env, batch.as_array().unwrap()).await;
        receipts.extend(batch.as_array().unwrap().iter().cloned());
        for serial in ["P06", "P07", "P08", "P09"] {
            receipts.push(single(&env, serial).await);
        }
        assert_eq!(env.log_size().await, 40);

        // One checkpoint per request: the eight of the fixture, then ours.
        let checkpoints = stored_checkpoints(&env);
        let sizes: Vec<u64> = checkpoints.iter().map(|(size, _)| *size).collect();
        let expected: Vec<u64> = (1..=10)
            .chain([15, 16, 22, 23, 24, 25, 26, 36, 37, 38, 39, 40])
            .collect();
        assert_eq!(sizes, expected);
        for receipt in &receipts {
            let note = receipt["checkpoint"].as_str().unwrap();
            assert!(checkpoints.iter().any(|(_, n)| n == note), "{receipt}");
        }
        assert_eq!(
            get_text(&env, "/v1/log/checkpoint").await,
            checkpoints.last().unwrap().1
        );

        // The leaves, recomputed from the served bytes, are the receipts' leaf hashes.
        let leaves: Vec<Hash32> = all_entries(&env)
            .await
            .iter()
            .map(|b| leaf_hash(b))
            .collect();
        assert_eq!(leaves.len(), 40);
        for receipt in &receipts {
            let seq = receipt["seq"].as_u64().unwrap() as usize;
            assert_eq!(leaves[seq], hash(&receipt["leaf_hash"]), "leaf {seq}");
        }

        let mut roots = std::collections::BTreeMap::new();
        for (size, note) in &checkpoints {
            let checkpoint = checkpoint_of(note);
            assert_eq!(checkpoint.size, *size);
            assert_eq!(
                checkpoint.root,
                root_of_leaves(&leaves[..*size as usize]),
                "root of checkpoint {size}"
            );
            roots.insert(*size, checkpoint.root);
        }

        for size in 1..=40u64 {
            let root = root_of_leaves(&leaves[..size as usize]);
            for seq in 0..size {
                let proof = inclusion(&env, &format!("seq={seq}&size={size}"), seq, size).await;
                assert_eq!(proof.leaf, leaves[seq as usize], "leaf {seq} in {size}");
                assert_eq!(proof.root, root, "root of {size}");
                assert!(
                    verify_inclusion(seq, size, &proof.leaf, &proof.path, &root),
                    "inclusion of {seq} in {size}"
                );
            }
        }

        for (&from, from_root) in &roots {
            for (&to, to_root) in roots.range(from..) {
                let proof = consistency(&env, &format!("from={from}&to={to}"), from, to).await;
                assert_eq!((&proof.from_root, &proof.to_root), (from_root, to_root));
                assert_eq!(proof.path.is_empty(), from == to, "{from} → {to}");
                assert!(
                    verify_consistency(from, to, from_root, to_root, &proof.path),
                    "consistency {from} → {to}"
                );
            }
        }
    }
);

db_test!(
    /// Proves the edges of the proof endpoints on a log of 10 entries: sizes default to the
    /// latest checkpoint, a one-leaf tree's proof is empty, equal sizes give an empty
    /// consistency path; a seq outside the tree, `from == 0` and `from > to` are
    /// `invalid-proof-range`, a size beyond the latest checkpoint is `tree-too-large`, and
    /// malformed queries are `invalid-query`. Altering a served proof makes it fail.
    async fn proof_edges_and_refusals(db: TestDb) {
        let env = setup(db).await;
        single(&env, "EDGE1").await;
        single(&env, "EDGE2").await;
        let latest = checkpoint_of(&get_text(&env, "/v1/log/checkpoint").await);
        assert_eq!(latest.size, 10);
        let at = |size: u64| checkpoint_of(&stored_note(&env, size));
        let leaves: Vec<Hash32> = all_entries(&env)
            .await
            .iter()
            .map(|b| leaf_hash(b))
            .collect();

        // Defaults: the latest checkpoint's size.
        let proof = inclusion(&env, "seq=3", 3, 10).await;
        assert_eq!(proof.root, latest.root);
        assert!(verify_inclusion(
            3,
            10,
            &leaves[3],
            &proof.path,
            &latest.root
        ));
        let mut bad = proof.path.clone();
        bad[0].0[0] ^= 1;
        assert!(!verify_inclusion(3, 10, &leaves[3], &bad, &latest.root));
        assert!(!verify_inclusion(
            4,
            10,
            &leaves[3],
            &proof.path,
            &latest.root
        ));
        let proof = consistency(&env, "from=3", 3, 10).await;
        assert_eq!((proof.from_root, proof.to_root), (at(3).root, latest.root));
        assert!(verify_consistency(
            3,
            10,
            &at(3).root,
            &latest.root,
            &proof.path
        ));
        let mut bad = proof.path.clone();
        bad[0].0[0] ^= 1;
        assert!(!verify_consistency(3, 10, &at(3).root, &latest.root, &bad));

        // A one-leaf tree: the root is the leaf and the path is empty.
        let proof = inclusion(&env, "seq=0&size=1", 0, 1).await;
        assert_eq!((proof.leaf, proof.root), (leaves[0], leaves[0]));
        assert_eq!(at(1).root, leaves[0]);
        assert!(proof.path.is_empty());

        // Equal sizes: an empty path between equal roots.
        for (query, size) in [("from=5&to=5", 5), ("from=10", 10), ("from=1&to=1", 1)] {
            let proof = consistency(&env, query, size, size).await;
            assert!(proof.path.is_empty(), "{query}");
            assert_eq!(
                (proof.from_root, proof.to_root),
                (at(size).root, at(size).root)
            );
            assert!(verify_consistency(
                size,
                size,
                &proof.from_root,
                &proof.to_root,
                &[]
            ));
        }
        let proof = consistency(&env, "from=1&to=10", 1, 10).await;
        assert!(verify_consistency(
            1,
            10,
            &at(1).root,
            &latest.root,
            &proof.path
        ));

        let bad_request = StatusCode::BAD_REQUEST;
        for query in [
            "seq=10",
            "seq=10&size=10",
            "seq=5&size=5",
            "seq=6&size=5",
            "seq=0&size=0",
            "seq=18446744073709551615",
        ] {
            let path = format!("/v1/log/proof/inclusion?{query}");
            get_problem(&env, &path, bad_request, "invalid-proof-range").await;
        }
        for query in [
            "seq=0&size=11",
            "seq=20&size=11",
            "seq=0&size=18446744073709551615",
        ] {
            let path = format!("/v1/log/proof/inclusion?{query}");
            get_problem(&env, &path, bad_request, "tree-too-large").await;
        }
        for query in [
            "",
            "seq=-1",
            "seq=x",
            "seq=1&size=-1",
            "seq=1&extra=2",
            "size=3",
        ] {
            let path = format!("/v1/log/proof/inclusion?{query}");
            get_problem(&env, &path, bad_request, "invalid-query").await;
        }
        for query in [
            "from=0",
            "from=0&to=5",
            "from=0&to=0",
            "from=6&to=5",
            "from=11",
        ] {
            let path = format!("/v1/log/proof/consistency?{query}");
            get_problem(&env, &path, bad_request, "invalid-proof-range").await;
        }
        for query in ["from=1&to=11", "from=3&to=18446744073709551615"] {
            let path = format!("/v1/log/proof/consistency?{query}");
            get_problem(&env, &path, bad_request, "tree-too-large").await;
        }
        for query in ["", "to=5", "from=-1", "from=a&to=5", "from=1&size=5"] {
            let path = format!("/v1/log/proof/consistency?{query}");
            get_problem(&env, &path, bad_request, "invalid-query").await;
        }
    }
);

db_test!(
    /// Proves what the log API answers before the first entry: the key, no checkpoint (404,
    /// witnessed or not), no proofs (`invalid-proof-range` at size 0, `tree-too-large` above),
    /// no entries, an export of a header of size 0 alone, and a 404 for a checkpoint the log
    /// never signed (even one carrying the log's signature).
    async fn an_empty_log_has_a_key_and_nothing_else(db: TestDb) {
        let env = empty(db).await;
        assert_eq!(
            get_text(&env, "/v1/log/key").await,
            format!("{}\n", log_key().to_text())
        );
        let not_found = StatusCode::NOT_FOUND;
        get_problem(&env, "/v1/log/checkpoint", not_found, "not-found").await;
        assert_eq!(witnessed(&env).await, None);
        let bad_request = StatusCode::BAD_REQUEST;
        for path in [
            "/v1/log/proof/inclusion?seq=0",
            "/v1/log/proof/consistency?from=0",
        ] {
            get_problem(&env, path, bad_request, "invalid-proof-range").await;
        }
        for path in [
            "/v1/log/proof/inclusion?seq=0&size=1",
            "/v1/log/proof/consistency?from=1&to=1",
        ] {
            get_problem(&env, path, bad_request, "tree-too-large").await;
        }
        assert!(entry_page(&env, "").await.is_empty());
        get_problem(&env, "/v1/log/entries/0", not_found, "not-found").await;

        let (status, body, _) = get_raw(&env, "/v1/log/export").await;
        assert_eq!(status, StatusCode::OK);
        let lines = ndjson_lines(&body);
        assert_eq!(lines.len(), 1, "{}", String::from_utf8_lossy(&body));
        let header: ExportHeader = serde_json::from_slice(&lines[0]).expect("header");
        assert_eq!(header.size, 0);

        let note = Checkpoint {
            origin: ORIGIN.into(),
            size: 0,
            root: merkle::empty_root(),
        }
        .sign(&log_signing_key())
        .unwrap()
        .render();
        let regulator = SigningKey::from_bytes(&[0x42; 32]);
        let (status, body) =
            post_cosignature(&env, cosigned(&note, &[(WITNESS, &regulator, 1)])).await;
        assert_problem(&body, status, not_found, "not-found");
    }
);

// ---------------------------------------------------------------------------------------------
// Entries

db_test!(
    /// Proves that `GET /v1/log/entries/{seq}` and the NDJSON pages serve exactly the bytes
    /// stored in the database, whose leaf hashes are the receipts'; that pages of any start and
    /// limit tile the log; and that bad sequence numbers and queries are refused.
    async fn entries_are_served_exactly_as_logged(db: TestDb) {
        let env = setup(db).await;
        let mut receipts = Vec::new();
        for serial in ["ENT1", "ENT2", "ENT3"] {
            receipts.push(single(&env, serial).await);
        }
        let (_, batch) = env
            .batch(&registrations(&env, "ENTB", 4).await, false)
            .await;
        receipts.extend(batch.as_array().unwrap().iter().cloned());
        assert_eq!(env.log_size().await, 15);
        let mut conn = env.db.target.connect().expect("direct connection");
        let stored: Vec<Vec<u8>> = entries_range(&mut conn, 0, 10_000)
            .expect("entries")
            .into_iter()
            .map(|row| row.bytes)
            .collect();
        assert_eq!(stored.len(), 15);

        for receipt in &receipts {
            let seq = receipt["seq"].as_u64().unwrap();
            assert_eq!(
                leaf_hash(&stored[seq as usize]),
                hash(&receipt["leaf_hash"]),
                "{receipt}"
            );
        }
        for (seq, bytes) in stored.iter().enumerate() {
            let (status, body, content_type) =
                get_raw(&env, &format!("/v1/log/entries/{seq}")).await;
            assert_eq!(
                (status, content_type.as_str()),
                (StatusCode::OK, "application/json")
            );
            assert_eq!(&body, bytes, "entry {seq}");
            let entry: Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(entry["seq"], seq);
        }

        assert_eq!(
            entry_page(&env, "").await,
            stored,
            "the default page holds all 15"
        );
        assert_eq!(all_entries(&env).await, stored);
        assert_eq!(entry_page(&env, "?start=3&limit=4").await, stored[3..7]);
        assert_eq!(entry_page(&env, "?start=14&limit=10").await, stored[14..]);
        assert_eq!(entry_page(&env, "?limit=1").await, stored[..1]);
        assert!(entry_page(&env, "?start=15").await.is_empty());
        assert!(entry_page(&env, "?start=9223372036854775807&limit=10000")
            .await
            .is_empty());
        let mut tiled = Vec::new();
        let mut start = 0;
        loop {
            let page = entry_page(&env, &format!("?start={start}&limit=4")).await;
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 4);
            start += page.len();
            tiled.extend(page);
        }
        assert_eq!(tiled, stored);

        let (bad_request, not_found) = (StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND);
        get_problem(&env, "/v1/log/entries/15", not_found, "not-found").await;
        get_problem(
            &env,
            "/v1/log/entries/9223372036854775807",
            not_found,
            "not-found",
        )
        .await;
        for seq in ["abc", "-1", "1.5", "0x1", "9223372036854775808"] {
            let path = format!("/v1/log/entries/{seq}");
            get_problem(&env, &path, bad_request, "invalid-seq").await;
        }
        for query in [
            "?limit=0",
            "?limit=10001",
            "?limit=-5",
            "?start=-1",
            "?start=x",
            "?limit=1&page=2",
        ] {
            let path = format!("/v1/log/entries{query}");
            get_problem(&env, &path, bad_request, "invalid-query").await;
        }
    }
);

// ---------------------------------------------------------------------------------------------
// Cosignatures

db_test!(
    /// Proves that an active regulator's cosignature is accepted (201 naming it) and served:
    /// `?witnessed=true` answers the checkpoint with the cosignature line appended, which the
    /// domain verifies for that witness; it stays the witnessed one as the log grows, a second
    /// cosignature by the same witness replaces the first (one line), two witnesses in one note
    /// are both kept, and cosigning an older checkpoint does not move `witnessed` back.
    async fn regulator_cosignatures_are_accepted_and_served(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let key = witness_key(WITNESS, &regulator.key);
        assert_eq!(witnessed(&env).await, None);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(checkpoint_of(&note).size, 8);

        let first = cosigned(&note, &[(WITNESS, &regulator.key, 1_700_000_000)]);
        accepted(&env, &first, &[WITNESS]).await;
        let served = witnessed(&env).await.expect("a witnessed checkpoint");
        assert_eq!(served, first);
        assert!(
            served.starts_with(&note),
            "the log's note, then the cosignature"
        );
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_000));
        assert_eq!(checkpoint_of(&served).size, 8);
        assert_eq!(get_text(&env, "/v1/log/checkpoint").await, first);

        // The log grows: the latest checkpoint is not cosigned, the witnessed one stays.
        let grown = single(&env, "WIT1").await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(latest, grown["checkpoint"].as_str().unwrap());
        assert_eq!(SignedNote::parse(&latest).unwrap().signatures.len(), 1);
        assert_eq!(witnessed(&env).await.as_deref(), Some(first.as_str()));

        // The same witness again: its line is replaced, not added.
        let again = cosigned(&note, &[(WITNESS, &regulator.key, 1_700_000_100)]);
        accepted(&env, &again, &[WITNESS]).await;
        let served = witnessed(&env).await.unwrap();
        assert_eq!(served, again);
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.signatures.len(), 2, "{served}");
        assert_eq!(served.matches(&format!("\u{2014} {WITNESS} ")).count(), 1);
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_100));

        // A second regulator; both cosign the latest checkpoint in one note.
        let second = Actor::new(60, Role::Regulator);
        let second_name = "witness.test/second";
        env.ok(
            &env.admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&second, Role::Regulator),
        )
        .await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(checkpoint_of(&latest).size, 10);
        let both = cosigned(
            &latest,
            &[
                (WITNESS, &regulator.key, 1_700_000_200),
                (second_name, &second.key, 1_700_000_300),
            ],
        );
        accepted(&env, &both, &[WITNESS, second_name]).await;
        let served = witnessed(&env).await.unwrap();
        assert_eq!(served, both);
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.signatures.len(), 3);
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_200));
        let second_key = witness_key(second_name, &second.key);
        assert_eq!(parsed.cosigned_at(&second_key), Some(1_700_000_300));

        // Cosigning an older checkpoint is accepted but does not move `witnessed` back.
        let older = cosigned(
            grown["checkpoint"].as_str().unwrap(),
            &[(second_name, &second.key, 1_700_000_400)],
        );
        accepted(&env, &older, &[second_name]).await;
        assert_eq!(witnessed(&env).await.as_deref(), Some(both.as_str()));
    }
);

db_test!(
    /// Proves that cosignatures that do not check out are refused, each with its problem, and
    /// store nothing: a note with no cosignature or a bad one (`invalid-cosignature`), by a key
    /// that is not an active regulator's (`unknown-witness`: another role, a stranger, a
    /// revoked regulator), on a note the log did not sign or whose text was altered, of
    /// another origin, or not a note at all (`invalid-checkpoint`), and on a size the log
    /// never signed (404).
    async fn cosignatures_that_do_not_check_out_are_refused(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        let checkpoint = checkpoint_of(&note);
        let bad_request = StatusCode::BAD_REQUEST;
        let refused = |body: Vec<u8>, status: StatusCode, code: &'static str| {
            let env = &env;
            async move {
                let (got, problem) = post_cosignature(env, body).await;
                assert_problem(&problem, got, status, code);
                assert_eq!(
                    witnessed(env).await,
                    None,
                    "a refused cosignature was stored"
                );
            }
        };
        let by_regulator = |note: &str| cosigned(note, &[(WITNESS, &regulator.key, 1_700_000_000)]);

        refused(note.clone().into(), bad_request, "invalid-cosignature").await;
        let mut tampered = SignedNote::parse(&by_regulator(&note)).unwrap();
        tampered.signatures[1].payload[20] ^= 1;
        refused(tampered.render().into(), bad_request, "invalid-cosignature").await;
        let mut short = SignedNote::parse(&by_regulator(&note)).unwrap();
        short.signatures[1].payload.truncate(20);
        refused(short.render().into(), bad_request, "invalid-cosignature").await;
        // A cosignature of the previous checkpoint, appended to this one.
        let previous = SignedNote::parse(&stored_note(&env, 7)).unwrap();
        let mut moved = SignedNote::parse(&note).unwrap();
        moved
            .signatures
            .push(cosign(&previous.text, WITNESS, &regulator.key, 1_700_000_000).unwrap());
        refused(moved.render().into(), bad_request, "invalid-cosignature").await;

        let recycler = env.actor(Role::Recycler);
        let stranger = SigningKey::from_bytes(&[0x77; 32]);
        for key in [&recycler.key, &env.admin.key, &stranger] {
            let body = cosigned(&note, &[(WITNESS, key, 1_700_000_000)]);
            refused(body.into(), bad_request, "unknown-witness").await;
        }

        // The text altered after the log signed it (the cosignature is over the new text).
        let mut altered = SignedNote::parse(&note).unwrap();
        altered.text = Checkpoint {
            root: Hash32::sha256(b"another root"),
            ..checkpoint.clone()
        }
        .text();
        let altered = cosigned(
            &altered.render(),
            &[(WITNESS, &regulator.key, 1_700_000_000)],
        );
        refused(altered.into(), bad_request, "invalid-checkpoint").await;
        // Signed for our origin by another key; our size and root, signed for another origin.
        let impostor = checkpoint
            .sign(&SigningKey::from_bytes(&[0x66; 32]))
            .unwrap();
        let foreign = Checkpoint {
            origin: "other.test/log".into(),
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        for forged in [impostor, foreign] {
            let body = by_regulator(&forged.render());
            refused(body.into(), bad_request, "invalid-checkpoint").await;
        }
        // Signed by the log's key but not what the log signed at that size (a split view).
        let split = Checkpoint {
            root: Hash32::sha256(b"split view"),
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        refused(
            by_regulator(&split.render()).into(),
            bad_request,
            "invalid-checkpoint",
        )
        .await;
        for junk in [b"hello\n".to_vec(), b"\xff\xfe\n\n".to_vec(), Vec::new()] {
            refused(junk, bad_request, "invalid-checkpoint").await;
        }

        // Signed by the log's key, but for a size it never signed.
        let unsigned = Checkpoint {
            size: 99,
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        let body = by_regulator(&unsigned.render());
        refused(body.into(), StatusCode::NOT_FOUND, "not-found").await;

        // A revoked regulator is no witness.
        env.ok(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": regulator.id}),
        )
        .await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        refused(by_regulator(&latest).into(), bad_request, "unknown-witness").await;
        refused(by_regulator(&note).into(), bad_request, "unknown-witness").await;
    }
);

db_test!(
    /// Proves that a note refused because one of its cosignatures is bad stores none of its
    /// cosignatures, not even a valid one that comes before the bad one: a 400 changes nothing.
    async fn a_refused_cosignature_note_stores_none_of_its_lines(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let stranger = SigningKey::from_bytes(&[0x77; 32]);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        let mixed = cosigned(
            &note,
            &[
                (WITNESS, &regulator.key, 1_700_000_000),
                ("witness.test/stranger", &stranger, 1_700_000_000),
            ],
        );
        let (status, body) = post_cosignature(&env, mixed).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "unknown-witness");
        assert_eq!(
            witnessed(&env).await,
            None,
            "the refused note's first line was stored"
        );
        assert_eq!(get_text(&env, "/v1/log/checkpoint").await, note);
    }
);

// ---------------------------------------------------------------------------------------------
// Export

db_test!(
    /// Proves the export of a 2,006-entry log (one checkpoint exactly at the 2,000-entry page
    /// boundary, two cosigned checkpoints): a header naming the log's key, origin and latest
    /// size; every entry's exact bytes in order; after the entry that completes each stored
    /// checkpoint's tree, that checkpoint (with its cosignatures), carrying a consistency proof
    /// from the previous one that verifies (none on the first); and the checkpoint of the
    /// header's size last.
    async fn the_export_holds_every_entry_and_checkpoint_with_consistency_steps(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        single(&env, "EXP1").await;
        let ten = single(&env, "EXP2").await;
        let cosigned_ten = cosigned(
            ten["checkpoint"].as_str().unwrap(),
            &[(WITNESS, &regulator.key, 1_700_000_000)],
        );
        accepted(&env, &cosigned_ten, &[WITNESS]).await;
        let (status, _) = env
            .batch(&registrations(&env, "EXPB", 1990).await, false)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(env.log_size().await, 2000);
        let cosigned_2000 = cosigned(
            &get_text(&env, "/v1/log/checkpoint").await,
            &[(WITNESS, &regulator.key, 1_700_000_100)],
        );
        accepted(&env, &cosigned_2000, &[WITNESS]).await;
        single(&env, "EXP3").await;
        env.batch(&registrations(&env, "EXPC", 5).await, false)
            .await;
        assert_eq!(env.log_size().await, 2006);

        let (status, body, content_type) = get_raw(&env, "/v1/log/export").await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "application/x-ndjson")
        );
        let lines = ndjson_lines(&body);
        let header: ExportHeader = serde_json::from_slice(&lines[0]).expect("a header line");
        assert_eq!(
            header,
            ExportHeader {
                export: export::EXPORT_FORMAT.into(),
                log_key: log_key().to_text(),
                origin: ORIGIN.into(),
                size: 2006,
            }
        );
        let key = VerifierKey::parse(&header.log_key).expect("the header's key");

        let mut entries: Vec<Vec<u8>> = Vec::new();
        let mut leaves: Vec<Hash32> = Vec::new();
        let mut notes: Vec<(u64, String)> = Vec::new();
        let mut previous: Option<Checkpoint> = None;
        for (i, line) in lines.iter().enumerate().skip(1) {
            match classify(line).unwrap_or_else(|e| panic!("line {i}: {e}")) {
                ExportLine::Entry(bytes) => {
                    leaves.push(leaf_hash(bytes));
                    entries.push(bytes.to_vec());
                }
                ExportLine::Checkpoint(line) => {
                    let checkpoint = verify_checkpoint(&line.checkpoint, &key)
                        .expect("signed by the header's key")
                        .checkpoint;
                    let size = checkpoint.size;
                    assert_eq!(
                        size,
                        leaves.len() as u64,
                        "checkpoint {size} after entry {}",
                        size - 1
                    );
                    assert_eq!(checkpoint.root, root_of_leaves(&leaves), "root of {size}");
                    match (&previous, &line.consistency) {
                        (None, None) => {}
                        (Some(from), Some(step)) => {
                            assert_eq!(step.from, from.size, "step to {size}");
                            let path = export::parse_path(&step.path).expect("hex path");
                            assert!(
                                verify_consistency(
                                    from.size,
                                    size,
                                    &from.root,
                                    &checkpoint.root,
                                    &path
                                ),
                                "consistency {} → {size}",
                                from.size
                            );
                        }
                        (from, step) => panic!("checkpoint {size}: step {step:?} after {from:?}"),
                    }
                    notes.push((size, line.checkpoint));
                    previous = Some(checkpoint);
                }
            }
        }
        assert_eq!(entries.len() as u64, header.size);
        assert_eq!(entries, all_entries(&env).await);
        assert!(
            matches!(
                classify(lines.last().unwrap()),
                Ok(ExportLine::Checkpoint(_))
            ),
            "the export ends with a checkpoint"
        );
        assert_eq!(previous.map(|c| c.size), Some(header.size));

        // Every stored checkpoint, once, with its cosignatures.
        let stored = stored_checkpoints(&env);
        let sizes = |list: &[(u64, String)]| list.iter().map(|(s, _)| *s).collect::<Vec<_>>();
        assert_eq!(sizes(&notes), sizes(&stored));
        assert_eq!(
            sizes(&notes),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2000, 2001, 2006]
        );
        for ((size, exported), (_, note)) in notes.iter().zip(&stored) {
            match size {
                10 => assert_eq!(exported, &cosigned_ten),
                2000 => assert_eq!(exported, &cosigned_2000),
                _ => assert_eq!(exported, note, "checkpoint {size}"),
            }
        }
        let witness = witness_key(WITNESS, &regulator.key);
        let cosigned_at = |size: u64| {
            let (_, note) = notes.iter().find(|(s, _)| *s == size).unwrap();
            SignedNote::parse(note).unwrap().cosigned_at(&witness)
        };
        assert_eq!(
            (cosigned_at(10), cosigned_at(2000), cosigned_at(2006)),
            (Some(1_700_000_000), Some(1_700_000_100), None)
        );
    }
);
