//! The EPCIS mapping of the custody kinds (docs/epcis.md), field by field: packing and
//! unpacking as aggregations, bulk intake as a quantity with its master data, the two-party
//! hand-over, and corrections as error declarations.

use super::epcis::{epcis_event, EntryView, Links, Shipment};
use super::epcis_errors::epcis_events;
use super::kinds::SubjectKind;
use serde_json::{json, Value};

const BASE: &str = "https://l.example";
const CAGE: &str = "6a1f0b2c-3d4e-5f60-8172-93a4b5c6d7e8";
const LOT: &str = "0f1e2d3c-4b5a-4697-8877-665544332211";
const PHONE: &str = "3a517dc7-bafa-53e6-969c-90c91884712e";
const ACTOR: &str = "4f6c2d4e-8a0b-4c55-9d31-2d8f7a0b6c11";

/// The cage carries an SSCC, the phone a Digital Link; the lot weighs 12.5 kg.
fn uri(kind: SubjectKind, id: &str) -> String {
    match (kind, id) {
        (SubjectKind::Container, CAGE) => format!("{BASE}/00/106141411234567897"),
        (SubjectKind::Product, PHONE) => format!("{BASE}/01/09506000134352/21/A1"),
        (kind, id) => Links::fallback_uri(BASE, kind, id),
    }
}

fn mass(id: &str) -> Option<u64> {
    (id == LOT).then_some(12_500)
}

/// Entry 9, when a receipt, answers a hand-over by the actor with the document `CMR 80`.
fn shipment(seq: i64) -> Option<Shipment> {
    (seq == 9).then(|| Shipment {
        sender: ACTOR.into(),
        document: Some("CMR 80".into()),
    })
}

fn links() -> Links<'static> {
    Links {
        base: BASE,
        subject_uri: &uri,
        lot_mass_g: &mass,
        shipment: &shipment,
    }
}

fn event(kind: &str, member: &str, id: &str, data: Value) -> Value {
    json!({"id": "7d0c1a52-3b7e-4c55-9a0e-1b2c3d4e5f60", "kind": kind, "actor": ACTOR,
        "occurred_at": "2026-03-01T10:00:00.000Z", "city": "DEBER", member: id, "prev": "00", "data": data})
}

fn entry(event: &Value, seq: i64) -> EntryView<'_> {
    EntryView {
        event,
        sig: "c2ln",
        seq,
        leaf_hash: "ab",
        recorded_at: "2026-03-01T10:00:01.000Z",
    }
}

fn mapped(event: &Value) -> Value {
    epcis_event(&entry(event, 9), &links())
}

fn children() -> Value {
    json!({"children": [{"product": PHONE, "prev": "01"}, {"lot": LOT, "prev": "02"}]})
}

#[test]
fn packing_is_an_aggregation_of_products_by_uri_and_lots_by_mass() {
    let packed = mapped(&event("packed", "container", CAGE, children()));
    assert_eq!(packed["type"], "AggregationEvent");
    assert_eq!(packed["action"], "ADD");
    assert_eq!(packed["bizStep"], "packing");
    assert_eq!(packed["disposition"], "in_progress");
    assert_eq!(packed["parentID"], format!("{BASE}/00/106141411234567897"));
    assert_eq!(
        packed["childEPCs"],
        json!([format!("{BASE}/01/09506000134352/21/A1")])
    );
    assert_eq!(
        packed["childQuantityList"],
        json!([{"epcClass": format!("{BASE}/l/{LOT}"), "quantity": 12.5, "uom": "KGM"}])
    );
    assert!(packed.get("epcList").is_none(), "{packed}");
    assert_eq!(packed["bizLocation"]["id"], format!("{BASE}/cities/DEBER"));

    let unpacked = mapped(&event("unpacked", "container", CAGE, children()));
    assert_eq!(unpacked["type"], "AggregationEvent");
    assert_eq!(
        (unpacked["action"].as_str(), unpacked["bizStep"].as_str()),
        (Some("DELETE"), Some("unpacking"))
    );
    assert_eq!(unpacked["parentID"], packed["parentID"]);
    assert_eq!(unpacked["childEPCs"], packed["childEPCs"]);
    assert_eq!(unpacked["childQuantityList"], packed["childQuantityList"]);
}

#[test]
fn a_lot_whose_mass_is_unknown_is_its_class_alone() {
    let other = "11111111-2222-4333-8444-555555555555";
    let packed = mapped(&event(
        "packed",
        "container",
        CAGE,
        json!({"children": [{"lot": other, "prev": "02"}]}),
    ));
    assert_eq!(
        packed["childQuantityList"],
        json!([{"epcClass": format!("{BASE}/l/{other}")}])
    );
    assert!(packed.get("childEPCs").is_none(), "{packed}");
}

#[test]
fn bulk_intake_is_a_quantity_with_its_master_data() {
    let intake = mapped(&event(
        "lot_collected",
        "lot",
        LOT,
        json!({"eu6": "6", "mass_g": 12_345, "channel": "informal", "aggregator": "AGG-0042", "units": 30}),
    ));
    assert_eq!(
        (
            intake["type"].as_str(),
            intake["action"].as_str(),
            intake["bizStep"].as_str(),
            intake["disposition"].as_str()
        ),
        (
            Some("ObjectEvent"),
            Some("ADD"),
            Some("collecting"),
            Some("active")
        )
    );
    // The intake's own mass, not the lookup's.
    assert_eq!(
        intake["quantityList"],
        json!([{"epcClass": format!("{BASE}/l/{LOT}"), "quantity": 12.345, "uom": "KGM"}])
    );
    assert!(intake.get("epcList").is_none(), "{intake}");
    assert_eq!(
        intake["ilmd"],
        json!({"ewl:eu6": "6", "ewl:channel": "informal", "ewl:aggregator": "AGG-0042", "ewl:units": 30})
    );
    let by_key = mapped(&event(
        "lot_collected",
        "lot",
        LOT,
        json!({"unu_key": "0302", "mass_g": 900, "channel": "municipal"}),
    ));
    assert_eq!(
        by_key["ilmd"],
        json!({"ewl:unuKey": "0302", "ewl:channel": "municipal"})
    );
}

#[test]
fn a_hand_over_ships_and_the_receiver_receives_or_refuses() {
    let to = "acc00000-0000-4000-8000-00000000000e";
    let shipped = mapped(&event(
        "handed_over",
        "container",
        CAGE,
        json!({"to": to, "document": "CMR 80"}),
    ));
    assert_eq!(
        (shipped["bizStep"].as_str(), shipped["disposition"].as_str()),
        (Some("shipping"), Some("in_transit"))
    );
    assert_eq!(
        shipped["epcList"],
        json!([format!("{BASE}/00/106141411234567897")])
    );
    assert_eq!(
        shipped["bizTransactionList"],
        json!([{"type": "bol", "bizTransaction": "urn:ewaste-ledger:document:CMR%2080"}])
    );
    assert_eq!(
        shipped["destinationList"],
        json!([{"type": "possessing_party", "destination": format!("{BASE}/v1/actors/{to}")}])
    );
    // A lot travels as its quantity.
    let lot = mapped(&event("handed_over", "lot", LOT, json!({"to": to})));
    assert_eq!(
        lot["quantityList"],
        json!([{"epcClass": format!("{BASE}/l/{LOT}"), "quantity": 12.5, "uom": "KGM"}])
    );
    assert!(
        lot.get("bizTransactionList").is_none(),
        "no document, no transaction"
    );

    let received = mapped(&event(
        "received",
        "container",
        CAGE,
        json!({"weight_g": 15_900, "discrepancy": "one cover missing"}),
    ));
    assert_eq!(
        (
            received["type"].as_str(),
            received["action"].as_str(),
            received["bizStep"].as_str(),
            received["disposition"].as_str()
        ),
        (
            Some("ObjectEvent"),
            Some("OBSERVE"),
            Some("receiving"),
            Some("in_progress")
        )
    );
    assert_eq!(received["epcList"], shipped["epcList"]);
    // The receipt names its shipment's document and sender.
    assert_eq!(
        received["bizTransactionList"],
        shipped["bizTransactionList"]
    );
    assert_eq!(
        received["sourceList"],
        json!([{"type": "possessing_party", "source": format!("{BASE}/v1/actors/{ACTOR}")}])
    );
    assert_eq!(received["ewl:weightGrams"], 15_900);
    assert_eq!(received["ewl:discrepancy"], "one cover missing");
    let plain = mapped(&event("received", "product", PHONE, json!({})));
    assert!(
        plain.get("ewl:weightGrams").is_none() && plain.get("ewl:discrepancy").is_none(),
        "{plain}"
    );

    let refused = mapped(&event(
        "receipt_refused",
        "product",
        PHONE,
        json!({"reason": "no consent"}),
    ));
    assert_eq!(refused["bizStep"], "receiving");
    assert_eq!(
        refused["disposition"],
        "urn:ewaste-ledger:epcis:disp:receipt_refused"
    );
    assert_eq!(refused["ewl:reason"], "no consent");
    assert_eq!(refused["bizTransactionList"], shipped["bizTransactionList"]);
    let unknown = epcis_event(
        &entry(&event("received", "product", PHONE, json!({})), 10),
        &links(),
    );
    assert!(
        unknown.get("sourceList").is_none() && unknown.get("bizTransactionList").is_none(),
        "no shipment found, none named: {unknown}"
    );
    assert_eq!(
        refused["epcList"],
        json!([format!("{BASE}/01/09506000134352/21/A1")])
    );
}

#[test]
fn a_correction_maps_whole_and_declares_the_erroneous_event() {
    let erroneous = event("packed", "container", CAGE, children());
    let mut declaration = event(
        "error_declared",
        "container",
        CAGE,
        json!({"seq": 9, "reason": "wrong cage scanned", "children": children()["children"]}),
    );
    declaration["id"] = json!("99999999-8888-4777-8666-555555555555");
    declaration["occurred_at"] = json!("2026-03-02T08:00:00.000Z");
    let declaring = EntryView {
        event: &declaration,
        sig: "c2ln",
        seq: 12,
        leaf_hash: "cd",
        recorded_at: "2026-03-02T08:00:00.500Z",
    };
    let events = epcis_events(&declaring, Some(&entry(&erroneous, 9)), &links());
    assert_eq!(events.len(), 2, "its own event, then the declaration");

    let own = &events[0];
    assert_eq!(
        (
            own["type"].as_str(),
            own["action"].as_str(),
            own["bizStep"].as_str()
        ),
        (
            Some("ObjectEvent"),
            Some("OBSERVE"),
            Some("urn:ewaste-ledger:epcis:bizstep:error_declaration")
        )
    );
    assert_eq!(
        own["epcList"],
        json!([format!("{BASE}/00/106141411234567897")])
    );
    assert_eq!(own["ewl:correctedSeq"], 9);
    assert_eq!(own["ewl:reason"], "wrong cage scanned");
    assert_eq!(own["ewl:seq"], 12);
    assert!(own.get("errorDeclaration").is_none());

    // The declaration is the erroneous event itself, with errorDeclaration added and
    // recorded when the declaration was.
    let declared = &events[1];
    let original = mapped(&erroneous);
    assert_eq!(declared["eventID"], original["eventID"]);
    assert_eq!(declared["recordTime"], "2026-03-02T08:00:00.500Z");
    assert_eq!(
        declared["errorDeclaration"],
        json!({"declarationTime": "2026-03-02T08:00:00.000Z", "reason": "incorrect_data",
            "ewl:reason": "wrong cage scanned",
            "ewl:declarationEventID": "urn:uuid:99999999-8888-4777-8666-555555555555",
            "ewl:declarationSeq": 12})
    );
    let mut without = declared.clone();
    let fields = without.as_object_mut().expect("object");
    fields.remove("errorDeclaration");
    fields.insert("recordTime".into(), original["recordTime"].clone());
    assert_eq!(
        without, original,
        "otherwise identical to the erroneous event"
    );

    // Without the erroneous entry (not found), the correction maps to its own event alone.
    assert_eq!(epcis_events(&declaring, None, &links()), vec![own.clone()]);
}
