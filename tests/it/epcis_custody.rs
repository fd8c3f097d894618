//! EPCIS 2.0 of the custody kinds (docs/epcis.md, docs/lifecycle.md §8) on both backends: a log
//! with bulk intake, a cage with an SSCC packed with a phone and a lot, shipped, received,
//! unpacked, a lot whose receipt is refused and an intake declared in error maps field by field
//! as docs/epcis.md says, validates against the official schema, pages without splitting a
//! correction, answers by lot and container URI, and a packing captured as an AggregationEvent
//! comes back as it was sent.

use crate::db::{db_test, TestDb};
use crate::epcis::{events, query, schema_errors, validator};
use crate::support::{setup, subject_event, Actor, Env, CITY};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::percent::encode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use uuid::Uuid;

const SSCC: &str = "106141411234567897";
const BASE: &str = "http://ledger.test";

/// What [`custody`] recorded.
pub(crate) struct Custody {
    pub lot: Uuid,
    pub collector: Actor,
    pub recycler: Actor,
    /// The intake declared in error, its entry and the correction's.
    pub wrong_intake: Value,
    pub wrong_seq: i64,
    pub correction_seq: i64,
}

async fn accepted(env: &Env, envelope: &Value) -> i64 {
    let (status, body) = env.post(envelope).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["seq"].as_i64().expect("seq")
}

/// The children of the cage, each with its head.
async fn cage_children(env: &Env, phone: Uuid, lot: Uuid) -> Value {
    json!([{"product": phone, "prev": env.subject_head(&format!("/v1/products/{phone}")).await},
           {"lot": lot, "prev": env.subject_head(&format!("/v1/lots/{lot}")).await}])
}

/// The container id of an SSCC: UUIDv5 of its label path (docs/lifecycle.md §8).
pub(crate) fn sscc_container() -> Uuid {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:ewaste-ledger:container");
    Uuid::new_v5(&namespace, format!("/00/{SSCC}").as_bytes())
}

/// Every custody kind, once at least: intake, packing, shipping, receipt, unpacking, a refused
/// receipt and a correction.
pub(crate) async fn custody(env: &Env) -> Custody {
    let collector = env.actor(Role::Collector);
    let recycler = env.actor(Role::Recycler);
    let phone = env.collected_by("EPC-1", &collector).await;
    let lot = Uuid::new_v4();
    accepted(env, &subject_event(&collector, Kind::LotCollected, "lot", lot, None,
        json!({"eu6": "6", "mass_g": 12_500, "channel": "informal", "aggregator": "AGG-7", "units": 30}))).await;
    let cage = sscc_container();
    let children = cage_children(env, phone, lot).await;
    accepted(
        env,
        &subject_event(
            &collector,
            Kind::Packed,
            "container",
            cage,
            None,
            json!({"children": children, "sscc": SSCC}),
        ),
    )
    .await;
    let cage_path = format!("/v1/containers/{cage}");
    accepted(
        env,
        &subject_event(
            &collector,
            Kind::HandedOver,
            "container",
            cage,
            Some(&env.subject_head(&cage_path).await),
            json!({"to": recycler.id, "document": "CMR-7"}),
        ),
    )
    .await;
    accepted(
        env,
        &subject_event(
            &recycler,
            Kind::Received,
            "container",
            cage,
            Some(&env.subject_head(&cage_path).await),
            json!({"weight_g": 12_700, "discrepancy": "lid missing"}),
        ),
    )
    .await;
    let children = cage_children(env, phone, lot).await;
    accepted(
        env,
        &subject_event(
            &recycler,
            Kind::Unpacked,
            "container",
            cage,
            Some(&env.subject_head(&cage_path).await),
            json!({"children": children}),
        ),
    )
    .await;
    let lot_path = format!("/v1/lots/{lot}");
    accepted(
        env,
        &subject_event(
            &recycler,
            Kind::HandedOver,
            "lot",
            lot,
            Some(&env.subject_head(&lot_path).await),
            json!({"to": collector.id}),
        ),
    )
    .await;
    accepted(
        env,
        &subject_event(
            &collector,
            Kind::ReceiptRefused,
            "lot",
            lot,
            Some(&env.subject_head(&lot_path).await),
            json!({"reason": "not ours"}),
        ),
    )
    .await;
    // An intake weighed twice, declared in error.
    let twice = Uuid::new_v4();
    let wrong_intake = subject_event(
        &collector,
        Kind::LotCollected,
        "lot",
        twice,
        None,
        json!({"unu_key": "0108", "mass_g": 40_000, "channel": "municipal"}),
    );
    let wrong_seq = accepted(env, &wrong_intake).await;
    let correction_seq = accepted(
        env,
        &subject_event(
            &collector,
            Kind::ErrorDeclared,
            "lot",
            twice,
            Some(&env.subject_head(&format!("/v1/lots/{twice}")).await),
            json!({"seq": wrong_seq, "reason": "weighed twice"}),
        ),
    )
    .await;
    Custody {
        lot,
        collector,
        recycler,
        wrong_intake,
        wrong_seq,
        correction_seq,
    }
}

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().filter_map(|e| e["ewl:kind"].as_str()).collect()
}

db_test! {
    /// Each custody kind, field by field, in a document the official schema accepts; the
    /// erroneous intake is followed by its error declaration.
    async fn custody_kinds_map_field_by_field(db: TestDb) {
        let env = setup(db).await;
        let done = custody(&env).await;
        let (status, document, link) = query(&env, "?perPage=1000").await;
        assert_eq!(status, StatusCode::OK, "{document}");
        assert_eq!(link, None);
        assert_eq!(schema_errors(&validator(), &document), Vec::<String>::new());
        let list = events(&document);
        assert_eq!(list.len() as i64, env.log_size().await + 1, "one entry per event, and the declaration");

        let cage_uri = format!("{BASE}/00/{SSCC}");
        let lot_uri = format!("{BASE}/l/{}", done.lot);
        let phone_uri = format!("{BASE}/01/09506000134352/21/EPC-1");
        let lot_kg = json!([{"epcClass": lot_uri, "quantity": 12.5, "uom": "KGM"}]);
        let of_kind = |kind: &str| -> Vec<Value> { list.iter().filter(|e| e["ewl:kind"] == kind).cloned().collect() };
        let one = |kind: &str, subject: &str| -> Value {
            of_kind(kind).into_iter().find(|e| e["ewl:signedEvent"]["event"].get(subject).is_some()).expect(kind)
        };

        let intake = of_kind("lot_collected").into_iter()
            .find(|e| e["ewl:signedEvent"]["event"]["lot"] == json!(done.lot)).expect("intake");
        assert_eq!((intake["type"].as_str(), intake["action"].as_str(), intake["bizStep"].as_str(), intake["disposition"].as_str()),
            (Some("ObjectEvent"), Some("ADD"), Some("collecting"), Some("active")));
        assert_eq!(intake["quantityList"], lot_kg);
        assert_eq!(intake["ilmd"], json!({"ewl:eu6": "6", "ewl:channel": "informal", "ewl:aggregator": "AGG-7", "ewl:units": 30}));
        assert_eq!(intake["bizLocation"]["id"], format!("{BASE}/cities/{CITY}"));

        let packed = one("packed", "container");
        assert_eq!((packed["type"].as_str(), packed["action"].as_str(), packed["bizStep"].as_str()),
            (Some("AggregationEvent"), Some("ADD"), Some("packing")));
        assert_eq!(packed["parentID"], cage_uri);
        assert_eq!(packed["childEPCs"], json!([phone_uri]));
        assert_eq!(packed["childQuantityList"], lot_kg, "the lot by its weighed mass");
        let unpacked = one("unpacked", "container");
        assert_eq!((unpacked["type"].as_str(), unpacked["action"].as_str(), unpacked["bizStep"].as_str()),
            (Some("AggregationEvent"), Some("DELETE"), Some("unpacking")));
        assert_eq!((&unpacked["parentID"], &unpacked["childEPCs"], &unpacked["childQuantityList"]),
            (&packed["parentID"], &packed["childEPCs"], &packed["childQuantityList"]));

        let shipped = one("handed_over", "container");
        assert_eq!((shipped["bizStep"].as_str(), shipped["disposition"].as_str()), (Some("shipping"), Some("in_transit")));
        assert_eq!(shipped["epcList"], json!([cage_uri]));
        assert_eq!(shipped["bizTransactionList"], json!([{"type": "bol", "bizTransaction": "urn:ewaste-ledger:document:CMR-7"}]));
        assert_eq!(shipped["destinationList"], json!([{"type": "possessing_party",
            "destination": format!("{BASE}/v1/actors/{}", done.recycler.id)}]));
        let received = one("received", "container");
        assert_eq!((received["bizStep"].as_str(), received["disposition"].as_str()), (Some("receiving"), Some("in_progress")));
        assert_eq!(received["epcList"], json!([cage_uri]));
        assert_eq!(received["bizTransactionList"], shipped["bizTransactionList"], "the receipt names the shipment's document");
        assert_eq!(received["sourceList"], json!([{"type": "possessing_party",
            "source": format!("{BASE}/v1/actors/{}", done.collector.id)}]));
        assert_eq!((received["ewl:weightGrams"].as_u64(), received["ewl:discrepancy"].as_str()), (Some(12_700), Some("lid missing")));

        let lot_sent = one("handed_over", "lot");
        assert_eq!(lot_sent["quantityList"], lot_kg, "a lot ships as its quantity");
        assert!(lot_sent.get("bizTransactionList").is_none(), "{lot_sent}");
        let refused = one("receipt_refused", "lot");
        assert_eq!((refused["type"].as_str(), refused["bizStep"].as_str(), refused["disposition"].as_str()),
            (Some("ObjectEvent"), Some("receiving"), Some("urn:ewaste-ledger:epcis:disp:receipt_refused")));
        assert_eq!(refused["quantityList"], lot_kg);
        assert_eq!(refused["ewl:reason"], "not ours");
        assert!(refused.get("bizTransactionList").is_none(), "its shipment had no document: {refused}");
        assert_eq!(refused["sourceList"], json!([{"type": "possessing_party",
            "source": format!("{BASE}/v1/actors/{}", done.recycler.id)}]));

        // The correction maps whole, and the erroneous intake has its declaration after it.
        let correction = one("error_declared", "lot");
        assert_eq!((correction["type"].as_str(), correction["action"].as_str(), correction["bizStep"].as_str()),
            (Some("ObjectEvent"), Some("OBSERVE"), Some("urn:ewaste-ledger:epcis:bizstep:error_declaration")));
        assert_eq!((correction["ewl:correctedSeq"].as_i64(), correction["ewl:reason"].as_str()), (Some(done.wrong_seq), Some("weighed twice")));
        let wrong_id = format!("urn:uuid:{}", done.wrong_intake["event"]["id"].as_str().expect("id"));
        let same_id: Vec<&Value> = list.iter().filter(|e| e["eventID"] == wrong_id.as_str()).collect();
        assert_eq!(same_id.len(), 2, "the erroneous event, then its declaration");
        let (original, declared) = (same_id[0], same_id[1]);
        assert!(original.get("errorDeclaration").is_none());
        let position = |e: &Value| list.iter().position(|x| x == e).expect("listed");
        assert_eq!(position(declared), position(&correction) + 1, "the declaration follows the correction");
        assert_eq!(declared["errorDeclaration"], json!({
            "declarationTime": correction["eventTime"], "reason": "incorrect_data", "ewl:reason": "weighed twice",
            "ewl:declarationEventID": correction["eventID"], "ewl:declarationSeq": done.correction_seq}));
        assert_eq!(declared["recordTime"], correction["recordTime"]);
        assert_eq!((&declared["ewl:signedEvent"], &declared["ewl:seq"]), (&original["ewl:signedEvent"], &original["ewl:seq"]));
        assert_eq!(declared["ewl:signedEvent"], done.wrong_intake, "the erroneous event, as signed");

        // By id, the erroneous event comes with its declaration; the correction alone.
        let (status, by_id, _) = env.call(TestRequest::get().uri(&format!("/epcis/events/{wrong_id}"))).await;
        assert_eq!(status, StatusCode::OK, "{by_id}");
        assert_eq!(events(&by_id), vec![original.clone(), declared.clone()]);
        let (_, by_id, _) = env.call(TestRequest::get().uri(&format!("/epcis/events/{}", correction["eventID"].as_str().unwrap()))).await;
        assert_eq!(events(&by_id), vec![correction.clone()]);
    }

    /// Filters over aggregations and lots, events by lot and container URI, and paging one
    /// event at a time that never splits a correction from its declaration.
    async fn custody_events_are_found_by_parent_class_and_uri(db: TestDb) {
        let env = setup(db).await;
        let done = custody(&env).await;
        let cage_uri = format!("{BASE}/00/{SSCC}");
        let lot_uri = format!("{BASE}/l/{}", done.lot);
        for (query_string, expected) in [
            (format!("?MATCH_parentID={}", encode(&cage_uri)), vec!["packed", "unpacked"]),
            (format!("?MATCH_epcClass={}", encode(&lot_uri)),
                vec!["lot_collected", "packed", "unpacked", "handed_over", "receipt_refused"]),
            (format!("?MATCH_epc={}", encode(&cage_uri)), vec!["handed_over", "received"]),
            (format!("?MATCH_anyEPC={}", encode(&cage_uri)), vec!["packed", "handed_over", "received", "unpacked"]),
            ("?eventType=AggregationEvent".to_string(), vec!["packed", "unpacked"]),
            (format!("?EQ_disposition={}", encode("urn:ewaste-ledger:epcis:disp:receipt_refused")), vec!["receipt_refused"]),
        ] {
            let (status, document, _) = query(&env, &query_string).await;
            assert_eq!(status, StatusCode::OK, "{query_string}: {document}");
            assert_eq!(kinds(&events(&document)), expected, "{query_string}");
        }

        for (uri, expected) in [
            (cage_uri.clone(), vec!["packed", "handed_over", "received", "unpacked"]),
            (lot_uri.clone(), vec!["lot_collected", "packed", "handed_over", "received", "unpacked", "handed_over", "receipt_refused"]),
        ] {
            let (status, document, _) = env.call(TestRequest::get().uri(&format!("/epcis/epcs/{}/events", encode(&uri)))).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {document}");
            assert_eq!(schema_errors(&validator(), &document), Vec::<String>::new());
            // A child's chain holds the entries that changed it; compare with the lot's own list.
            let listed = kinds(&events(&document)).into_iter().map(String::from).collect::<Vec<_>>();
            if uri == cage_uri {
                assert_eq!(listed, expected, "{uri}");
            } else {
                let (_, lot_events) = env.get(&format!("/v1/lots/{}/events", done.lot)).await;
                let chain: Vec<String> = lot_events.as_array().expect("events")
                    .iter().map(|e| e["event"]["kind"].as_str().expect("kind").to_string()).collect();
                assert_eq!(listed, chain, "{uri}");
                assert!(listed.iter().any(|k| k == "packed") && listed.iter().any(|k| k == "receipt_refused"), "{listed:?}");
            }
        }
        let (status, problem, _) = env.call(TestRequest::get().uri(&format!("/epcis/epcs/{}/events", encode(&format!("{BASE}/l/{}", Uuid::new_v4()))))).await;
        assert_eq!((status, problem["type"].as_str()), (StatusCode::NOT_FOUND, Some("epcisException:NoSuchResourceException")));

        // One per page: every event once, the correction's two on one page.
        let mut seen = Vec::new();
        let mut next = Some("?perPage=1".to_string());
        let mut pages = 0;
        while let Some(query_string) = next.take() {
            let (status, document, link) = query(&env, &query_string).await;
            assert_eq!(status, StatusCode::OK, "{document}");
            let page = events(&document);
            if page.len() == 2 {
                assert_eq!(kinds(&page), ["error_declared", "lot_collected"], "only a correction shares a page");
            } else {
                assert!(page.len() <= 1, "{document}");
            }
            seen.extend(page.iter().map(|e| (e["eventID"].as_str().expect("id").to_string(), e.get("errorDeclaration").is_some())));
            pages += 1;
            next = link.map(|l| {
                let url = l.trim_start_matches('<').split('>').next().expect("url").to_string();
                format!("?{}", url.split_once('?').expect("a query").1)
            });
        }
        let size = env.log_size().await;
        assert_eq!(pages, size, "one page per entry");
        assert_eq!(seen.len() as i64, size + 1);
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len(), "no event twice");
    }

    /// A packing captured as the AggregationEvent the ledger exports is recorded and comes
    /// back identical; the same packing as an ObjectEvent, and an error declaration, are refused.
    async fn a_packing_round_trips_through_capture(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let phone = env.collected_by("EPC-9", &collector).await;
        let cage = Uuid::new_v4();
        let prev = env.subject_head(&format!("/v1/products/{phone}")).await;
        let envelope = subject_event(&collector, Kind::Packed, "container", cage, None,
            json!({"children": [{"product": phone, "prev": prev}]}));
        let inner = &envelope["event"];
        let sent = json!({"type": "AggregationEvent", "eventID": format!("urn:uuid:{}", inner["id"].as_str().unwrap()),
            "eventTime": inner["occurred_at"], "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "packing",
            "disposition": "in_progress", "parentID": format!("{BASE}/c/{cage}"),
            "childEPCs": [format!("{BASE}/01/09506000134352/21/EPC-9")],
            "bizLocation": {"id": format!("{BASE}/cities/{CITY}")}, "ewl:signedEvent": envelope});
        let document = |events: Vec<Value>| json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", format!("{BASE}/epcis/context.jsonld")],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-29T10:00:00Z",
            "epcisBody": {"eventList": events}});
        assert_eq!(schema_errors(&validator(), &document(vec![sent.clone()])), Vec::<String>::new());
        let capture = |body: Value| {
            let env = &env;
            async move {
                let (status, body, _) = env.call(TestRequest::post().uri("/epcis/capture").set_json(body)).await;
                (status, body)
            }
        };

        let size = env.log_size().await;
        let mut as_object = sent.clone();
        as_object["type"] = json!("ObjectEvent");
        let (status, problem) = capture(document(vec![as_object])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert!(problem["errors"][0]["problem"]["detail"].as_str().unwrap()
            .contains("a `packed` event is a AggregationEvent with bizStep `packing`"), "{problem}");
        assert_eq!(env.log_size().await, size);

        let (status, answer) = capture(document(vec![sent.clone()])).await;
        assert_eq!((status, answer["captured"].as_u64()), (StatusCode::CREATED, Some(1)), "{answer}");
        let (_, exported, _) = env.call(TestRequest::get().uri(&format!("/epcis/events/{}", sent["eventID"].as_str().unwrap()))).await;
        let exported = events(&exported).pop().expect("the captured packing");
        for field in ["type", "eventID", "eventTime", "action", "bizStep", "disposition", "parentID", "childEPCs", "bizLocation", "ewl:signedEvent"] {
            assert_eq!(exported[field], sent[field], "{field}");
        }

        // An error declaration is refused: the correction is its signed error_declared event.
        let mut declaration = exported.clone();
        declaration["errorDeclaration"] = json!({"declarationTime": "2026-11-29T10:00:00Z", "reason": "incorrect_data"});
        let (status, problem) = capture(document(vec![declaration])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert!(problem["errors"][0]["problem"]["detail"].as_str().unwrap().contains("error_declared"), "{problem}");
        assert_eq!(env.log_size().await, size + 1);
    }
}
