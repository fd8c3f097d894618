//! EPCIS 2.0 on both backends: every kind mapped and validated against the official JSON Schema
//! (`reference/epcis/EPCIS-JSON-Schema.json`, with format checks), the mapping lossless, and the
//! query interface: filters, paging, single events, a product's events and the resolver.

use crate::db::{db_test, TestDb};
use crate::stats::scenario;
use crate::support::{labelled, setup, Env};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::percent::encode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The official schema, with formats (date-time, uri) checked.
pub(crate) fn validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reference/epcis/EPCIS-JSON-Schema.json"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the official schema compiles")
}

pub(crate) fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

/// The validator is not vacuous: GS1's own examples pass, a damaged one does not.
#[test]
fn the_official_schema_accepts_gs1_examples_and_refuses_a_broken_one() {
    let validator = validator();
    for example in [
        "Example_9.6.1-ObjectEventWithDigitalLink.jsonld",
        "Example_9.6.4-TransformationEvent.jsonld",
    ] {
        let path = format!("{}/reference/epcis/{example}", env!("CARGO_MANIFEST_DIR"));
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("json");
        assert_eq!(
            schema_errors(&validator, &document),
            Vec::<String>::new(),
            "{example}"
        );
        let mut broken = document.clone();
        broken["epcisBody"]["eventList"][0]
            .as_object_mut()
            .expect("an event")
            .remove("eventTimeZoneOffset");
        assert!(
            !schema_errors(&validator, &broken).is_empty(),
            "{example} without eventTimeZoneOffset"
        );
    }
}

/// The scenario of tests/it/stats.rs plus the kinds it lacks (the custody kinds of
/// tests/it/epcis_custody.rs among them): every kind is in the log.
async fn every_kind(env: &Env) {
    scenario(env).await;
    crate::epcis_custody::custody(env).await;
    let admin = env.actor(Role::Admin);
    env.ok(
        &env.actor(Role::Repairer),
        Kind::Repaired,
        Some(labelled("P5")),
        json!({"description": "door seal", "parts_replaced": ["seal"]}),
    )
    .await;
    let regulator = env.actor(Role::Regulator);
    let new_key = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
    env.ok(
        &admin,
        Kind::ActorKeyRotated,
        None,
        json!({"actor": regulator.id,
        "public_key": crate::support::public_key_b64(&new_key)}),
    )
    .await;
    env.ok(
        &admin,
        Kind::ActorRevoked,
        None,
        json!({"actor": regulator.id, "reason": "left"}),
    )
    .await;
}

pub(crate) async fn query(env: &Env, query: &str) -> (StatusCode, Value, Option<String>) {
    let (status, body, headers) = env
        .call_with_headers(TestRequest::get().uri(&format!("/epcis/events{query}")))
        .await;
    let link = headers
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        link,
    )
}

pub(crate) fn events(document: &Value) -> Vec<Value> {
    document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

db_test! {
    /// Every kind, mapped as docs/epcis.md says, valid against the official schema, and
    /// carrying its signed event exactly as logged.
    async fn every_kind_maps_to_valid_epcis(db: TestDb) {
        let env = setup(db).await;
        every_kind(&env).await;
        let (status, document, link) = query(&env, "?perPage=1000").await;
        assert_eq!(status, StatusCode::OK, "{document}");
        assert_eq!(link, None, "one page holds the whole log");
        assert_eq!(schema_errors(&validator(), &document), Vec::<String>::new());
        assert_eq!(document["type"], "EPCISQueryDocument");
        assert_eq!(document["@context"][1], "http://ledger.test/epcis/context.jsonld");

        let list = events(&document);
        // One event per entry, and the error declaration of the one corrected entry.
        assert_eq!(list.len() as i64, env.log_size().await + 1);
        assert_eq!(list.iter().filter(|e| e.get("errorDeclaration").is_some()).count(), 1);
        let kinds: BTreeSet<&str> = list.iter().filter_map(|e| e["ewl:kind"].as_str()).collect();
        assert_eq!(kinds, Kind::ALL.iter().map(|k| k.as_str()).collect(), "every kind is exported");
        for event in &list {
            let seq = event["ewl:seq"].as_i64().expect("seq");
            let (_, entry, _) = env.call(TestRequest::get().uri(&format!("/v1/log/entries/{seq}"))).await;
            assert_eq!(event["ewl:signedEvent"]["event"], entry["event"], "entry {seq} is carried whole");
            assert_eq!(event["ewl:signedEvent"]["sig"], entry["sig"]);
            // An error declaration is recorded when its correction was.
            let recorded = match event["errorDeclaration"]["ewl:declarationSeq"].as_i64() {
                Some(declared) => env.call(TestRequest::get().uri(&format!("/v1/log/entries/{declared}"))).await.1["recorded_at"].clone(),
                None => entry["recorded_at"].clone(),
            };
            assert_eq!(event["recordTime"], recorded);
            assert_eq!(event["eventTime"], entry["event"]["occurred_at"]);
        }
        let by_kind = |kind: &str| list.iter().find(|e| e["ewl:kind"] == kind).expect(kind).clone();
        let sold = by_kind("placed_on_market");
        assert_eq!((sold["type"].as_str(), sold["action"].as_str(), sold["bizStep"].as_str(), sold["disposition"].as_str()),
            (Some("ObjectEvent"), Some("OBSERVE"), Some("retail_selling"), Some("retail_sold")));
        assert_eq!(by_kind("registered")["action"], "ADD");
        assert_eq!(by_kind("registered")["bizStep"], "commissioning");
        assert_eq!(by_kind("collected")["bizStep"], "collecting");
        assert_eq!(by_kind("depolluted")["bizStep"], "removing");
        assert_eq!(by_kind("disposed")["bizStep"], "destroying");
        assert_eq!(by_kind("prepared_for_reuse")["bizStep"], "urn:ewaste-ledger:epcis:bizstep:refurbishing");
        let recycled = by_kind("recycled");
        assert_eq!(recycled["type"], "TransformationEvent");
        assert_eq!(recycled["inputEPCList"], json!(["http://ledger.test/01/09506000134352/21/P1"]));
        assert_eq!(recycled["outputQuantityList"], json!([
            {"epcClass": "urn:ewaste-ledger:material:copper", "quantity": 0.02, "uom": "KGM"},
            {"epcClass": "urn:ewaste-ledger:material:plastics", "quantity": 0.1, "uom": "KGM"}]));
        // The custody kinds field by field: tests/it/epcis_custody.rs.
        let packed = by_kind("packed");
        assert_eq!((packed["type"].as_str(), packed["action"].as_str(), packed["bizStep"].as_str()),
            (Some("AggregationEvent"), Some("ADD"), Some("packing")));
        assert_eq!(by_kind("unpacked")["action"], "DELETE");
        assert_eq!(by_kind("received")["bizStep"], "receiving");
        assert_eq!(by_kind("receipt_refused")["bizStep"], "receiving");
        let exported = by_kind("exported");
        assert_eq!(exported["bizStep"], "shipping");
        assert_eq!(exported["bizTransactionList"][0]["bizTransaction"], "urn:ewaste-ledger:basel:A1181:DE-2025-0001");
        assert_eq!(exported["destinationList"][0]["destination"], "urn:ewaste-ledger:country:NG");

        // Our context declares the extension terms.
        let (status, context, content_type) = env.call(TestRequest::get().uri("/epcis/context.jsonld")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/ld+json"));
        assert_eq!(context["@context"]["ewl"], "urn:ewaste-ledger:epcis:");
        assert_eq!(context["@context"]["ewl:signedEvent"]["@type"], "@json");
    }

    /// The query parameters, paging, one event, one product, the resolver and the errors.
    async fn the_query_interface(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let count = |document: &Value| events(document).len();

        // Paging: five at a time, following the binding's Link header, gives every event once.
        let mut seen = Vec::new();
        let mut next = Some("?perPage=5".to_string());
        while let Some(query_string) = next.take() {
            let (status, document, link) = query(&env, &query_string).await;
            assert_eq!(status, StatusCode::OK, "{document}");
            assert!(count(&document) <= 5);
            seen.extend(events(&document).iter().map(|e| e["eventID"].as_str().expect("id").to_string()));
            next = link.map(|l| {
                let url = l.trim_start_matches('<').split('>').next().expect("url").to_string();
                format!("?{}", url.split_once('?').expect("a query").1)
            });
        }
        assert_eq!(seen.len() as i64, env.log_size().await);
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len(), "no event twice");

        let p1 = "http://ledger.test/01/09506000134352/21/P1";
        for (query_string, expected) in [
            ("?EQ_bizStep=collecting", 4),
            ("?eventType=TransformationEvent", 1),
            (&format!("?MATCH_epc={}", encode(p1)) as &str, 6),
            (&format!("?MATCH_anyEPC={}", encode(p1)), 7),
            ("?GE_eventTime=2025-01-01T00:00:00Z&LT_eventTime=2025-01-12T00:00:00Z", 2),
            (&format!("?EQ_bizLocation={}", encode("http://ledger.test/cities/FRPAR")), 4),
            // Six first sales and two resales are retail_sold; one disposal is disposed.
            ("?EQ_disposition=retail_sold|disposed&eventType=ObjectEvent", 9),
        ] {
            let (status, document, _) = query(&env, query_string).await;
            assert_eq!(status, StatusCode::OK, "{query_string}: {document}");
            assert_eq!(count(&document), expected, "{query_string}");
        }

        for (query_string, parameter) in [("?perPage=0", "perPage"), ("?GE_eventTime=soon", "GE_eventTime"), ("?EQ_color=red", "EQ_color")] {
            let (status, problem, _) = query(&env, query_string).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query_string}");
            assert_eq!(problem["type"], "epcisException:QueryParameterException");
            assert_eq!(problem["parameter"], parameter);
        }

        // One event, by its EPCIS event id.
        let first = &events(&query(&env, "?eventType=TransformationEvent").await.1)[0];
        let id = first["eventID"].as_str().expect("id");
        let (status, document, _) = env.call(TestRequest::get().uri(&format!("/epcis/events/{id}"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(events(&document), vec![first.clone()]);
        let (status, problem, _) = env.call(TestRequest::get().uri(&format!("/epcis/events/urn:uuid:{}", uuid::Uuid::new_v4()))).await;
        assert_eq!((status, problem["type"].as_str()), (StatusCode::NOT_FOUND, Some("epcisException:NoSuchResourceException")));

        // A product's events, by EPC and through the resolver's linkType.
        let (status, by_epc, _) = env.call(TestRequest::get().uri(&format!("/epcis/epcs/{}/events", encode(p1)))).await;
        assert_eq!(status, StatusCode::OK, "{by_epc}");
        assert_eq!(count(&by_epc), 7);
        assert_eq!(schema_errors(&validator(), &by_epc), Vec::<String>::new());
        let (status, resolved, content_type) = env.call(TestRequest::get().uri("/01/09506000134352/21/P1?linkType=gs1:epcis")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/ld+json"));
        assert_eq!(events(&resolved), events(&by_epc));
        let (status, problem, _) = env.call(TestRequest::get().uri(&format!("/epcis/epcs/{}/events", encode("http://ledger.test/01/09506000134352/21/NOPE")))).await;
        assert_eq!((status, problem["type"].as_str()), (StatusCode::NOT_FOUND, Some("epcisException:NoSuchResourceException")));
    }

    /// Capture: an EPCISDocument whose events carry their signed ledger events is recorded all
    /// or nothing; an event whose EPCIS fields disagree with its signed event, one without a
    /// signed event, or one the rules refuse stops the whole document, named by its index.
    async fn capture_records_signed_epcis_events_all_or_nothing(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let registration = |serial: &str| {
            let env = &env;
            let maker = maker.clone();
            let serial = serial.to_string();
            async move {
                let draft = env.registration(&serial).await;
                let envelope = draft.sign(&maker.key).expect("sign");
                json!({"type": "ObjectEvent", "eventID": format!("urn:uuid:{}", draft.id),
                       "eventTime": draft.occurred_at, "eventTimeZoneOffset": "+00:00",
                       "epcList": [format!("http://ledger.test/01/09506000134352/21/{serial}")],
                       "action": "ADD", "bizStep": "commissioning", "disposition": "active",
                       "ewl:signedEvent": envelope})
            }
        };
        let document = |events: Vec<Value>| json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "http://ledger.test/epcis/context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-29T10:00:00Z",
            "epcisBody": {"eventList": events}});
        let capture = |body: Value| {
            let env = &env;
            async move {
                let (status, body, _) = env.call(TestRequest::post().uri("/epcis/capture").set_json(body)).await;
                (status, body)
            }
        };

        let events = vec![registration("CAP-1").await, registration("CAP-2").await, registration("CAP-3").await];
        let good = document(events.clone());
        assert_eq!(schema_errors(&validator(), &good), Vec::<String>::new(), "a capture document is valid EPCIS");

        // Refused before anything is recorded: the second event says another time, the third
        // carries no signed event.
        let size = env.log_size().await;
        let mut bad = events.clone();
        bad[1]["eventTime"] = json!("2020-01-01T00:00:00Z");
        bad[2].as_object_mut().expect("object").remove("ewl:signedEvent");
        let (status, problem) = capture(document(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["type"], "epcisException:ValidationException");
        let errors = problem["errors"].as_array().expect("errors");
        assert_eq!(errors.iter().map(|e| e["index"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2]);
        assert!(errors[0]["problem"]["detail"].as_str().unwrap().contains("`eventTime` is `2020-01-01T00:00:00Z`"));
        assert!(errors[1]["problem"]["detail"].as_str().unwrap().contains("ewl:signedEvent"));
        assert_eq!(env.log_size().await, size, "nothing recorded");

        // A valid document is recorded whole.
        let (status, answer) = capture(good.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["captured"], 3);
        assert_eq!(env.log_size().await, size + 3);
        assert_eq!(env.state(labelled("CAP-2")).await, "manufactured");

        // The rules refuse one (a product already registered): nothing of the document is
        // recorded, and the refused event is named with the ledger's own problem.
        let again = document(vec![registration("CAP-4").await, registration("CAP-1").await, registration("CAP-5").await]);
        let (status, problem) = capture(again).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        let types: Vec<(u64, &str)> = problem["errors"].as_array().expect("errors").iter()
            .map(|e| (e["index"].as_u64().unwrap(), e["problem"]["type"].as_str().unwrap()))
            .collect();
        assert_eq!(types, [(0, "urn:ewaste-ledger:problem:batch-aborted"), (1, "urn:ewaste-ledger:problem:duplicate-product"),
                           (2, "urn:ewaste-ledger:problem:batch-aborted")], "{problem}");
        assert_eq!(env.log_size().await, size + 3, "nothing of the refused document recorded");

        // The same document again is a replay: the original receipts, nothing recorded twice.
        let (status, answer) = capture(good).await;
        assert_eq!((status, answer["captured"].as_u64()), (StatusCode::CREATED, Some(3)), "{answer}");
        assert_eq!(env.log_size().await, size + 3);

        let (status, problem) = capture(json!({"type": "EPCISQueryDocument"})).await;
        assert_eq!((status, problem["type"].as_str()), (StatusCode::BAD_REQUEST, Some("epcisException:ValidationException")));
    }
}
