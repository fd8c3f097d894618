//! The log API (docs/api.md): receipts' checkpoints, `GET /v1/log/{checkpoint,key,entries}`,
//! RFC 9162 inclusion and consistency proofs, witness cosignatures and the streamed export.
//! Every proof and note is checked with the domain's own verifiers, against roots recomputed
//! from the entry bytes the API serves.

use crate::support::{assert_problem, db_test, empty, log_signing_key, setup, Env, TestDb, ORIGIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::checkpoint::{verify_checkpoint, Checkpoint};
use ewaste_ledger::domain::export::ExportHeader;
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::merkle::{self, verify_inclusion};
use ewaste_ledger::domain::note::{cosign, KeyType, SignedNote, VerifierKey};
use ewaste_ledger::storage::read::entries_range;
use ewaste_ledger::storage::tree;
use serde_json::{json, Value};

/// The name the fixture regulator cosigns under.
pub(crate) const WITNESS: &str = "witness.test/regulator";

// ---------------------------------------------------------------------------------------------
// Helpers

/// The test log's verifier key.
pub(crate) fn log_key() -> VerifierKey {
    VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key()).expect("key")
}

/// The cosignature verifier key of `key` under witness name `name`.
pub(crate) fn witness_key(name: &str, key: &SigningKey) -> VerifierKey {
    VerifierKey::new(name, KeyType::Cosignature, key.verifying_key()).expect("witness key")
}

/// What a checkpoint note says, after checking the log's signature and origin.
pub(crate) fn checkpoint_of(note: &str) -> Checkpoint {
    verify_checkpoint(note, &log_key())
        .unwrap_or_else(|e| panic!("not a checkpoint of the test log ({e}): {note:?}"))
        .checkpoint
}

pub(crate) fn hash(value: &Value) -> Hash32 {
    value
        .as_str()
        .and_then(Hash32::from_hex)
        .unwrap_or_else(|| panic!("not a hex hash: {value}"))
}

pub(crate) fn hashes(value: &Value) -> Vec<Hash32> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(hash)
        .collect()
}

/// The keys of a JSON object, sorted.
pub(crate) fn keys(value: &Value) -> Vec<&str> {
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
pub(crate) async fn get_raw(env: &Env, path: &str) -> (StatusCode, Vec<u8>, String) {
    env.call_raw(TestRequest::get().uri(path)).await
}

/// GET that must answer 200 with text; returns the text.
pub(crate) async fn get_text(env: &Env, path: &str) -> String {
    let (status, body, content_type) = get_raw(env, path).await;
    let body = String::from_utf8(body).expect("UTF-8 text");
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(content_type, "text/plain; charset=utf-8", "{path}");
    body
}

/// GET that must be refused with a problem of this status and code.
pub(crate) async fn get_problem(env: &Env, path: &str, status: StatusCode, code: &str) {
    let (got, body, content_type) = env.call(TestRequest::get().uri(path)).await;
    assert_eq!(content_type, "application/problem+json", "{path}: {body}");
    assert_problem(&body, got, status, code);
}

/// The lines of an NDJSON body (which must end with a newline unless empty).
pub(crate) fn ndjson_lines(body: &[u8]) -> Vec<Vec<u8>> {
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
pub(crate) async fn entry_page(env: &Env, query: &str) -> Vec<Vec<u8>> {
    let (status, body, content_type) = get_raw(env, &format!("/v1/log/entries{query}")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, "application/x-ndjson");
    ndjson_lines(&body)
}

/// Every entry's bytes, through the API.
pub(crate) async fn all_entries(env: &Env) -> Vec<Vec<u8>> {
    entry_page(env, "?start=0&limit=10000").await
}

/// Every stored checkpoint `(size, note)`, smallest first, straight from the database.
pub(crate) fn stored_checkpoints(env: &Env) -> Vec<(u64, String)> {
    let mut conn = env.db.target.connect().expect("direct connection");
    tree::checkpoints_after(&mut conn, 0, 1_000_000)
        .expect("read checkpoints")
        .into_iter()
        .map(|row| (row.size as u64, row.note))
        .collect()
}

/// The stored checkpoint note of the tree of `size` entries.
pub(crate) fn stored_note(env: &Env, size: u64) -> String {
    stored_checkpoints(env)
        .into_iter()
        .find(|(s, _)| *s == size)
        .unwrap_or_else(|| panic!("no checkpoint of size {size}"))
        .1
}

/// A served inclusion proof.
pub(crate) struct Inclusion {
    pub(crate) leaf: Hash32,
    pub(crate) root: Hash32,
    pub(crate) path: Vec<Hash32>,
}

/// `GET /v1/log/proof/inclusion?<query>`: must answer 200 for `seq` at `size`.
pub(crate) async fn inclusion(env: &Env, query: &str, seq: u64, size: u64) -> Inclusion {
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
pub(crate) struct Consistency {
    pub(crate) from_root: Hash32,
    pub(crate) to_root: Hash32,
    pub(crate) path: Vec<Hash32>,
}

/// `GET /v1/log/proof/consistency?<query>`: must answer 200 from `from` to `to`.
pub(crate) async fn consistency(env: &Env, query: &str, from: u64, to: u64) -> Consistency {
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
pub(crate) async fn assert_proven(env: &Env, seq: u64, leaf: &Hash32, checkpoint: &Checkpoint) {
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
pub(crate) async fn registrations(env: &Env, prefix: &str, n: usize) -> Vec<Value> {
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        items.push(env.signed_registration(&format!("{prefix}{i}")).await);
    }
    items
}

/// Posts one registration, which must be accepted; returns the receipt.
pub(crate) async fn single(env: &Env, serial: &str) -> Value {
    let (status, receipt) = env.post(&env.signed_registration(serial).await).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    receipt
}

/// Checks the receipts of one request: all share one checkpoint, of the log as it now is.
pub(crate) async fn assert_one_checkpoint(env: &Env, receipts: &[Value]) {
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
pub(crate) fn cosigned(note: &str, witnesses: &[(&str, &SigningKey, u64)]) -> String {
    let mut note = SignedNote::parse(note).expect("a signed note");
    for (name, key, time) in witnesses {
        note.signatures
            .push(cosign(&note.text, name, key, *time).expect("cosign"));
    }
    note.render()
}

/// `POST /v1/log/cosignature`.
pub(crate) async fn post_cosignature(env: &Env, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
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
pub(crate) async fn accepted(env: &Env, note: &str, names: &[&str]) {
    let (status, body) = post_cosignature(env, note).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({ "accepted": names }));
}

/// The latest cosigned checkpoint, or None when the API answers 404 (a problem).
pub(crate) async fn witnessed(env: &Env) -> Option<String> {
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
