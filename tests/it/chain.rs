//! The hash chain (docs/ledger-format.md §2), recomputed from what the API and the `entries` table
//! hold: leaf hash = SHA-256(0x00 || JCS entry), `prev` = the previous entry's leaf hash, and
//! each product event's `prev` = that product's previous entry.

use crate::support::{db_test, setup, TestDb};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::jcs::canonicalize;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::storage::read::entries_range;
use serde_json::{json, Value};

db_test!(
    async fn product_events_and_the_log_form_one_hash_chain(db: TestDb) {
        let env = setup(db).await;
        let (retailer, repairer, collector, recycler) = (
            env.actor(Role::Retailer),
            env.actor(Role::Repairer),
            env.actor(Role::Collector),
            env.actor(Role::Recycler),
        );
        // Interleave two products so that the per-product and global chains differ.
        let a = env.register("CHAIN-A").await;
        let b = env.register("CHAIN-B").await;
        env.ok(&retailer, Kind::PlacedOnMarket, Some(a), json!({}))
            .await;
        env.ok(&retailer, Kind::PlacedOnMarket, Some(b), json!({}))
            .await;
        env.ok(
            &repairer,
            Kind::Repaired,
            Some(a),
            json!({"description": "Ünïcode \"quoted\" € text"}),
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
            json!({"operation": "R5", "fractions": [{"material": "glass", "mass_g": 170}]}),
        )
        .await;

        // Every entry of the log, straight from the database.
        let target = env.db.target.clone();
        let mut conn = target.connect().expect("direct connection");
        let rows = entries_range(&mut conn, 0, 10_000).expect("entries");
        let size = env.log_size().await;
        assert_eq!(rows.len() as i64, size);
        let mut prev = Hash32::ZERO;
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.seq, i as i64);
            let entry: Value = serde_json::from_slice(&row.bytes).expect("entry is JSON");
            assert_eq!(
                canonicalize(&entry).expect("canonical"),
                row.bytes,
                "entry {i} is JCS"
            );
            assert_eq!(entry["v"], 1);
            assert_eq!(entry["seq"], row.seq);
            assert_eq!(
                entry["prev"],
                prev.to_hex(),
                "entry {i} links to entry {}",
                i as i64 - 1
            );
            let leaf = leaf_hash(&row.bytes);
            assert_eq!(
                leaf.0.as_slice(),
                row.leaf_hash.as_slice(),
                "leaf hash of entry {i}"
            );
            assert_eq!(
                entry["event"]["id"],
                row.event_uuid().expect("event id").to_string()
            );
            assert_eq!(entry["event"]["kind"], row.kind);
            prev = leaf;
        }
        let (_, health) = env.get("/healthz").await;
        assert_eq!(health["head"], prev.to_hex());

        // What the API shows of product A recomputes to the same leaves.
        let (status, events) = env.get(&format!("/v1/products/{a}/events")).await;
        assert_eq!(status, StatusCode::OK);
        let events = events.as_array().expect("array");
        assert_eq!(events.len(), 7);
        let mut product_prev: Option<String> = None;
        for item in events {
            let seq = item["seq"].as_i64().expect("seq");
            assert!(
                item["event"].is_object() && item["sig"].is_string(),
                "{item}"
            );
            let global_prev = if seq == 0 {
                Hash32::ZERO.to_hex()
            } else {
                hex::encode(&rows[seq as usize - 1].leaf_hash)
            };
            let entry = json!({
                "event": item["event"], "prev": global_prev, "recorded_at": item["recorded_at"],
                "seq": seq, "sig": item["sig"], "v": 1,
            });
            let bytes = canonicalize(&entry).expect("canonical");
            assert_eq!(
                bytes, rows[seq as usize].bytes,
                "entry {seq} rebuilt from the API"
            );
            assert_eq!(item["leaf_hash"], leaf_hash(&bytes).to_hex());
            // The signed event's own `prev` names the product's previous entry.
            match &product_prev {
                None => assert!(item["event"].get("prev").is_none()),
                Some(p) => assert_eq!(&item["event"]["prev"], p),
            }
            assert_eq!(item["event"]["product"], json!(a));
            product_prev = Some(item["leaf_hash"].as_str().unwrap().to_string());
        }
        assert_eq!(env.head(a).await.to_hex(), product_prev.unwrap());
        // Entries of B sit between A's: A's chain skips them, the log's does not.
        let (_, b_events) = env.get(&format!("/v1/products/{b}/events")).await;
        let b_seqs: Vec<i64> = b_events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        let a_seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(
            b_seqs[0] > a_seqs[0] && b_seqs[1] > a_seqs[1] && b_seqs[1] < a_seqs[2],
            "{a_seqs:?} {b_seqs:?}"
        );
    }
);
