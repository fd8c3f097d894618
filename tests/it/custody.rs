//! Custody as yards work (docs/lifecycle.md §8), on both backends: weighed bulk intake with
//! informal collectors, containers, two-party hand-overs and corrections, each refusal with its
//! problem type and nothing changed, and the offline audit replaying all of it.

use crate::support::{
    db_test, log_signing_key, now_minus_minute, registered_data, setup, subject_event, Actor, Env,
    TestDb, CITY, ORIGIN,
};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use ewaste_ledger::ledger::audit::{audit, AuditOptions};
use serde_json::{json, Value};
use uuid::Uuid;

async fn accepted(env: &Env, envelope: &Value) -> Value {
    let (status, body) = env.post(envelope).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A labelled product registered and collected by `collector`, by batch; returns (id, head).
async fn collected_products(
    env: &Env,
    collector: &Actor,
    serials: &[String],
) -> Vec<(Uuid, String)> {
    let maker = env.actor(Role::Manufacturer);
    let ids: Vec<Uuid> = serials
        .iter()
        .map(|s| crate::support::labelled(s))
        .collect();
    let registrations: Vec<Value> = serials
        .iter()
        .zip(&ids)
        .map(|(serial, id)| {
            subject_event(
                &maker,
                Kind::Registered,
                "product",
                *id,
                None,
                registered_data(serial),
            )
        })
        .collect();
    let (status, receipts) = env.batch(&registrations, true).await;
    assert_eq!(status, StatusCode::OK, "{receipts}");
    let collections: Vec<Value> = ids
        .iter()
        .zip(receipts.as_array().expect("receipts"))
        .map(|(id, receipt)| {
            let prev = receipt["leaf_hash"].as_str().expect("leaf hash");
            subject_event(
                collector,
                Kind::Collected,
                "product",
                *id,
                Some(prev),
                json!({"channel": "municipal"}),
            )
        })
        .collect();
    let (status, receipts) = env.batch(&collections, true).await;
    assert_eq!(status, StatusCode::OK, "{receipts}");
    ids.into_iter()
        .zip(receipts.as_array().expect("receipts"))
        .map(|(id, receipt)| (id, receipt["leaf_hash"].as_str().expect("hash").to_string()))
        .collect()
}

fn children(products: &[(Uuid, String)]) -> Value {
    json!(products
        .iter()
        .map(|(id, prev)| json!({"product": id, "prev": prev}))
        .collect::<Vec<_>>())
}

fn serials(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:03}")).collect()
}

async fn assert_refused(env: &Env, envelope: &Value, status: StatusCode, code: &str) -> Value {
    env.refused(envelope, status, code, None).await
}

fn audit_options() -> AuditOptions {
    AuditOptions::new(
        VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key())
            .expect("verifier key"),
    )
}

/// The export audits clean and its statistics equal the server's.
async fn audits_clean(env: &Env) {
    let (status, export, _) = env.call_raw(TestRequest::get().uri("/v1/log/export")).await;
    assert!(status.is_success(), "{status}");
    let audited = audit(&export[..], &audit_options(), &()).expect("the log audits clean");
    let facts = env.ledger.statistics_facts().await.expect("facts");
    assert_eq!(
        audited.statistics, facts,
        "the audit recomputes the server's facts"
    );
    let report = env.ledger.rebuild_statistics().await.expect("rebuild");
    assert!(
        !report.changed,
        "a rebuild gives the writer's facts: {report:?}"
    );
}

db_test! {
    /// Weighed bulk from an informal collector counts in C(n) by mass, with its share; an
    /// aggregator that is an e-mail address or a phone number is refused.
    async fn bulk_intake_counts_by_mass_and_keeps_aggregators_pseudonymous(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let lot = Uuid::new_v4();
        let intake = json!({"eu6": "6", "mass_g": 12_500, "channel": "informal", "aggregator": "AGG-0042", "units": 30});
        let receipt = accepted(&env, &subject_event(&collector, Kind::LotCollected, "lot", lot, None, intake)).await;
        let (status, view) = env.get(&format!("/v1/lots/{lot}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["state"], "collected");
        assert_eq!(view["custodian"], json!(collector.id));
        assert_eq!(view["mass_g"], 12_500);
        assert_eq!(view["category"], "eu6:6");
        assert_eq!(view["aggregator"], "AGG-0042");
        assert_eq!(view["head"]["seq"], receipt["seq"]);
        assert!(view["uri"].as_str().expect("uri").ends_with(&format!("/l/{lot}")), "{view}");
        let year = &now_minus_minute()[..4];
        let (_, stats) = env.get(&format!("/v1/stats/{CITY}?year={year}")).await;
        assert_eq!(stats["total"]["collected_kg"], json!(12.5), "{stats}");
        assert_eq!(stats["total"]["collected_informal_kg"], json!(12.5), "{stats}");
        assert_eq!(stats["total"]["informal_share_pct"], json!(100.0), "{stats}");
        assert_eq!(stats["by_eu6"]["6"]["collected_units"], json!(30), "{stats}");

        for personal in ["jane@example.org", "+254 712 345678"] {
            let data = json!({"unu_key": "0302", "mass_g": 900, "channel": "informal", "aggregator": personal});
            let body = assert_refused(&env, &subject_event(&collector, Kind::LotCollected, "lot", Uuid::new_v4(), None, data),
                StatusCode::BAD_REQUEST, "aggregator-not-pseudonymous").await;
            assert_eq!(body["field"], "data.aggregator", "{body}");
        }
        let formal = json!({"unu_key": "0302", "mass_g": 900, "channel": "municipal", "aggregator": "AGG-1"});
        assert_refused(&env, &subject_event(&collector, Kind::LotCollected, "lot", Uuid::new_v4(), None, formal),
            StatusCode::BAD_REQUEST, "invalid-field").await;
        let manufacturer = env.actor(Role::Manufacturer);
        let data = json!({"unu_key": "0302", "mass_g": 900, "channel": "municipal"});
        assert_refused(&env, &subject_event(&manufacturer, Kind::LotCollected, "lot", Uuid::new_v4(), None, data),
            StatusCode::FORBIDDEN, "role-not-allowed").await;
        audits_clean(&env).await;
    }

    /// Eighty phones in one cage: packed in one entry, handed over and received with one scan
    /// each; a packed child accepts no event of its own and cannot go in a second container;
    /// unpacking gives the children back to the container's custodian.
    async fn a_cage_of_eighty_moves_with_one_scan(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let phones = collected_products(&env, &collector, &serials("CAGE", 80)).await;
        let cage = Uuid::new_v4();

        // A stale prev of one child among eighty: the 409 names that child.
        let mut stale = phones.clone();
        stale[41].1 = Hash32::sha256(b"not the head").to_hex();
        let body = assert_refused(&env, &subject_event(&collector, Kind::Packed, "container", cage, None,
            json!({"children": children(&stale)})), StatusCode::CONFLICT, "stale-prev").await;
        assert_eq!(body["product"], json!(phones[41].0), "{body}");
        assert_eq!(body["head"], json!(phones[41].1), "{body}");

        let packed = accepted(&env, &subject_event(&collector, Kind::Packed, "container", cage, None,
            json!({"children": children(&phones)}))).await;
        let (_, container) = env.get(&format!("/v1/containers/{cage}")).await;
        assert_eq!(container["children"].as_array().expect("children").len(), 80, "{container}");
        assert_eq!(container["custodian"], json!(collector.id));
        let phone = env.product(phones[7].0).await.expect("phone");
        assert_eq!(phone["inside"], json!(cage), "{phone}");
        assert_eq!(phone["head"]["seq"], packed["seq"], "the packing is in each child's chain");

        // An event on a packed child, and a second container for it, are refused.
        let phone_head = phone["head"]["leaf_hash"].as_str().expect("head").to_string();
        let body = assert_refused(&env, &subject_event(&collector, Kind::HandedOver, "product", phones[7].0, Some(&phone_head),
            json!({"to": recycler.id})), StatusCode::CONFLICT, "packed-in-container").await;
        assert_eq!(body["container"], json!(cage), "{body}");
        assert_refused(&env, &subject_event(&collector, Kind::Packed, "container", Uuid::new_v4(), None,
            json!({"children": [{"product": phones[7].0, "prev": phone_head}]})), StatusCode::CONFLICT, "packed-in-container").await;

        // One hand-over, one receipt: the cage and everything in it change hands.
        let sent = accepted(&env, &subject_event(&collector, Kind::HandedOver, "container", cage,
            Some(&env.subject_head(&format!("/v1/containers/{cage}")).await), json!({"to": recycler.id, "document": "CMR-80"}))).await;
        let (_, in_transit) = env.get(&format!("/v1/transit?to={}", recycler.id)).await;
        let listed = in_transit["in_transit"].as_array().expect("list");
        assert_eq!(listed.len(), 1, "{in_transit}");
        assert_eq!(listed[0]["transit"]["seq"], sent["seq"]);
        assert_eq!(listed[0]["subject"]["id"], json!(cage));
        let (_, none_old) = env.get("/v1/transit?older_than=2d").await;
        assert_eq!(none_old["in_transit"], json!([]), "nothing was handed over two days ago");
        let (_, unfiltered) = env.get("/v1/transit").await;
        let (_, to_anyone) = env.get("/v1/transit?to=&older_than=").await;
        assert_eq!(to_anyone, unfiltered, "empty filters, as the page's form sends them, keep everything");
        // An age whose last character is more than one byte is refused, not a panic.
        let (status, body) = env.get("/v1/transit?older_than=%C2%80").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("`older_than`")), "{body}");

        // While in transit, the sender cannot act on it.
        let cage_head = env.subject_head(&format!("/v1/containers/{cage}")).await;
        let body = assert_refused(&env, &subject_event(&collector, Kind::Unpacked, "container", cage, Some(&cage_head),
            json!({"children": children(&phones[..1])})), StatusCode::CONFLICT, "in-transit").await;
        assert_eq!(body["to"], json!(recycler.id), "{body}");
        // Only the named receiver may receive it.
        let repairer = env.actor(Role::Repairer);
        let body = assert_refused(&env, &subject_event(&repairer, Kind::Received, "container", cage, Some(&cage_head), json!({})),
            StatusCode::FORBIDDEN, "not-receiver").await;
        assert_eq!(body["to"], json!(recycler.id), "{body}");
        accepted(&env, &subject_event(&recycler, Kind::Received, "container", cage, Some(&cage_head),
            json!({"weight_g": 15_900, "discrepancy": "one phone missing a back cover"}))).await;
        let (_, container) = env.get(&format!("/v1/containers/{cage}")).await;
        assert_eq!(container["custodian"], json!(recycler.id), "{container}");
        assert!(container.get("transit").is_none(), "{container}");
        // A second receipt finds nothing in transit.
        let cage_head = env.subject_head(&format!("/v1/containers/{cage}")).await;
        assert_refused(&env, &subject_event(&recycler, Kind::Received, "container", cage, Some(&cage_head), json!({})),
            StatusCode::CONFLICT, "not-in-transit").await;

        // Unpacking: the children are loose again, held by the container's custodian.
        let phone_heads: Vec<(Uuid, String)> = {
            let mut heads = Vec::new();
            for (id, _) in &phones[..2] {
                let view = env.product(*id).await.expect("phone");
                heads.push((*id, view["head"]["leaf_hash"].as_str().expect("head").to_string()));
            }
            heads
        };
        accepted(&env, &subject_event(&recycler, Kind::Unpacked, "container", cage, Some(&cage_head),
            json!({"children": children(&phone_heads)}))).await;
        let phone = env.product(phones[0].0).await.expect("phone");
        assert_eq!(phone["custodian"], json!(recycler.id), "{phone}");
        assert!(phone.get("inside").is_none(), "{phone}");
        let (_, container) = env.get(&format!("/v1/containers/{cage}")).await;
        assert_eq!(container["children"].as_array().expect("children").len(), 78);
        audits_clean(&env).await;
    }

    /// A refused receipt returns the subject to its sender; a product hand-over moves custody
    /// only when the receiver confirms.
    async fn a_hand_over_is_real_when_the_receiver_confirms(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let id = env.collected_by("HO-1", &collector).await;
        let path = format!("/v1/products/{id}");
        accepted(&env, &subject_event(&collector, Kind::HandedOver, "product", id, Some(&env.subject_head(&path).await), json!({"to": recycler.id}))).await;
        let view = env.product(id).await.expect("product");
        assert_eq!(view["custodian"], json!(collector.id), "the sender holds it until the receiver acts");
        assert_eq!(view["transit"]["to"], json!(recycler.id), "{view}");
        accepted(&env, &subject_event(&recycler, Kind::ReceiptRefused, "product", id, Some(&env.subject_head(&path).await),
            json!({"reason": "no consent notification"}))).await;
        let view = env.product(id).await.expect("product");
        assert_eq!(view["custodian"], json!(collector.id));
        assert!(view.get("transit").is_none(), "{view}");
        accepted(&env, &subject_event(&collector, Kind::HandedOver, "product", id, Some(&env.subject_head(&path).await), json!({"to": recycler.id}))).await;
        accepted(&env, &subject_event(&recycler, Kind::Received, "product", id, Some(&env.subject_head(&path).await), json!({}))).await;
        assert_eq!(env.product(id).await.expect("product")["custodian"], json!(recycler.id));
        audits_clean(&env).await;
    }

    /// A mis-scanned final event is taken back: the product returns to its state before it and
    /// the statistics forget it; an entry that is no longer the head cannot be corrected, and
    /// only its signer or an admin may correct it.
    async fn corrections_take_back_the_head_entry(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let id = env.collected_by("FIX-1", &collector).await;
        let path = format!("/v1/products/{id}");
        accepted(&env, &subject_event(&collector, Kind::HandedOver, "product", id, Some(&env.subject_head(&path).await), json!({"to": recycler.id}))).await;
        accepted(&env, &subject_event(&recycler, Kind::Received, "product", id, Some(&env.subject_head(&path).await), json!({}))).await;
        let year = &now_minus_minute()[..4];
        let stats_path = format!("/v1/stats/{CITY}?year={year}");
        let (_, before) = env.get(&stats_path).await;
        let recycled = accepted(&env, &subject_event(&recycler, Kind::Recycled, "product", id, Some(&env.subject_head(&path).await),
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 20}]}))).await;
        assert_eq!(env.state(id).await, "recycled");
        let seq = recycled["seq"].as_i64().expect("seq");

        let body = assert_refused(&env, &subject_event(&collector, Kind::ErrorDeclared, "product", id, Some(&env.subject_head(&path).await),
            json!({"seq": seq, "reason": "wrong product scanned"})), StatusCode::FORBIDDEN, "correction-not-allowed").await;
        assert!(body["detail"].as_str().expect("detail").contains("only its signer"), "{body}");
        accepted(&env, &subject_event(&recycler, Kind::ErrorDeclared, "product", id, Some(&env.subject_head(&path).await),
            json!({"seq": seq, "reason": "wrong product scanned"}))).await;
        let view = env.product(id).await.expect("product");
        assert_eq!(view["state"], "collected", "{view}");
        assert_eq!(view["custodian"], json!(recycler.id), "{view}");
        let (_, after) = env.get(&stats_path).await;
        assert_eq!(after["total"]["recycled_kg"], before["total"]["recycled_kg"], "{after}");
        assert_eq!(after["total"]["fractions_kg"], before["total"]["fractions_kg"], "{after}");

        // Recycled again; then a depollution entry follows the hand-over: the hand-over is no
        // longer the head, so it cannot be corrected.
        let id2 = env.collected_by("FIX-2", &collector).await;
        let path2 = format!("/v1/products/{id2}");
        let sent = accepted(&env, &subject_event(&collector, Kind::HandedOver, "product", id2, Some(&env.subject_head(&path2).await), json!({"to": recycler.id}))).await;
        accepted(&env, &subject_event(&recycler, Kind::Received, "product", id2, Some(&env.subject_head(&path2).await), json!({}))).await;
        let body = assert_refused(&env, &subject_event(&collector, Kind::ErrorDeclared, "product", id2, Some(&env.subject_head(&path2).await),
            json!({"seq": sent["seq"], "reason": "sent to the wrong yard"})), StatusCode::CONFLICT, "correction-not-head").await;
        assert_eq!(body["seq"], sent["seq"], "{body}");

        // A registration declared an error by its signer: the product is void (its row keeps
        // only who registered it, storage's compact undo).
        let maker = env.actor(Role::Manufacturer);
        let typo = env.register("FIX-TYPO").await;
        let registration = env.subject_head(&format!("/v1/products/{typo}")).await;
        let (_, events) = env.get(&format!("/v1/products/{typo}/events")).await;
        let seq = events[0]["seq"].clone();
        assert_refused(&env, &subject_event(&collector, Kind::ErrorDeclared, "product", typo, Some(&registration),
            json!({"seq": seq, "reason": "typo in the serial"})), StatusCode::FORBIDDEN, "correction-not-allowed").await;
        accepted(&env, &subject_event(&maker, Kind::ErrorDeclared, "product", typo, Some(&registration),
            json!({"seq": seq, "reason": "typo in the serial"}))).await;
        assert_eq!(env.state(typo).await, "voided");

        // A weighed intake declared an error: the lot is void and C(n) forgets it.
        let lot = Uuid::new_v4();
        let (_, before) = env.get(&stats_path).await;
        let intake = accepted(&env, &subject_event(&collector, Kind::LotCollected, "lot", lot, None,
            json!({"unu_key": "0108", "mass_g": 40_000, "channel": "municipal"}))).await;
        accepted(&env, &subject_event(&collector, Kind::ErrorDeclared, "lot", lot, Some(&env.subject_head(&format!("/v1/lots/{lot}")).await),
            json!({"seq": intake["seq"], "reason": "weighed twice"}))).await;
        let (_, view) = env.get(&format!("/v1/lots/{lot}")).await;
        assert_eq!(view["state"], "voided", "{view}");
        let (_, after) = env.get(&stats_path).await;
        assert_eq!(after["total"]["collected_kg"], before["total"]["collected_kg"], "{after}");
        audits_clean(&env).await;
    }

    /// Correcting a packing unpacks every child and voids the container it created.
    async fn correcting_a_packing_restores_every_child(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let phones = collected_products(&env, &collector, &serials("UNDO", 5)).await;
        let cage = Uuid::new_v4();
        let packed = accepted(&env, &subject_event(&collector, Kind::Packed, "container", cage, None, json!({"children": children(&phones)}))).await;
        let cage_head = env.subject_head(&format!("/v1/containers/{cage}")).await;
        let mut heads = Vec::new();
        for (id, _) in &phones {
            heads.push((*id, env.subject_head(&format!("/v1/products/{id}")).await));
        }
        // Every child the packing changed is listed with its head, as in every event.
        let body = assert_refused(&env, &subject_event(&collector, Kind::ErrorDeclared, "container", cage, Some(&cage_head),
            json!({"seq": packed["seq"], "reason": "wrong cage", "children": children(&heads[..4])})),
            StatusCode::BAD_REQUEST, "invalid-field").await;
        assert_eq!(body["field"], "event.data.children", "{body}");
        accepted(&env, &subject_event(&collector, Kind::ErrorDeclared, "container", cage, Some(&cage_head),
            json!({"seq": packed["seq"], "reason": "wrong cage", "children": children(&heads)}))).await;
        let (_, container) = env.get(&format!("/v1/containers/{cage}")).await;
        assert_eq!(container["state"], "voided", "{container}");
        for (id, _) in &phones {
            let phone = env.product(*id).await.expect("phone");
            assert!(phone.get("inside").is_none(), "{phone}");
            assert_eq!(phone["custodian"], json!(collector.id));
        }
        // The children's chains go on from the correction.
        let phone = env.product(phones[0].0).await.expect("phone");
        let next = accepted(&env, &subject_event(&collector, Kind::Packed, "container", Uuid::new_v4(), None,
            json!({"children": [{"product": phones[0].0, "prev": phone["head"]["leaf_hash"]}]}))).await;
        assert!(next["seq"].as_i64().expect("seq") > packed["seq"].as_i64().expect("seq"));
        audits_clean(&env).await;
    }

    /// A container with an SSCC has the id derived from its label path, like a product.
    async fn a_container_with_an_sscc_has_its_derived_id(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let phones = collected_products(&env, &collector, &serials("SSCC", 2)).await;
        let sscc = "106141411234567897";
        let wrong = Uuid::new_v4();
        assert_refused(&env, &subject_event(&collector, Kind::Packed, "container", wrong, None,
            json!({"children": children(&phones), "sscc": sscc})), StatusCode::BAD_REQUEST, "invalid-field").await;
        let bad_digit = json!({"children": children(&phones), "sscc": "106141411234567898"});
        assert_refused(&env, &subject_event(&collector, Kind::Packed, "container", wrong, None, bad_digit),
            StatusCode::BAD_REQUEST, "invalid-field").await;
        let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:ewaste-ledger:container");
        let id = Uuid::new_v5(&namespace, format!("/00/{sscc}").as_bytes());
        accepted(&env, &subject_event(&collector, Kind::Packed, "container", id, None,
            json!({"children": children(&phones), "sscc": sscc}))).await;
        let (_, container) = env.get(&format!("/v1/containers/{id}")).await;
        assert!(container["uri"].as_str().expect("uri").ends_with(&format!("/00/{sscc}")), "{container}");
    }
}
