//! The log's RFC 9162 proofs over a log of singles and batches, their edges and refusals; each
//! proof is checked with the domain's own verifiers against roots recomputed from the entries
//! the API serves (helpers in `log_api`).

use crate::log_api::*;
use crate::support::{db_test, labelled, setup, TestDb};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::merkle::{root_of_leaves, verify_consistency, verify_inclusion};
use serde_json::{json, Value};

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
