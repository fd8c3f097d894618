//! GS1 EPCIS 2.0 (JSON-LD) for ledger events (docs/epcis.md). The mapping is lossless: every
//! EPCIS event carries the signed event itself (`ewl:signedEvent`, the JCS object and its
//! signature) beside the standard fields, and the entry's `ewl:seq` and `ewl:leafHash`, so a
//! consumer can verify the signature and ask the log for an inclusion proof. docs/epcis.md
//! shows the mapping of every kind.

use super::kinds::{BizStep, Epcis, EpcisType, Kind};
use super::percent;
use serde_json::{json, Map, Value};

/// The namespace of our extension terms; `ewl:` in documents, declared by the context the
/// server serves at `/epcis/context.jsonld` ([`context`]).
pub const NAMESPACE: &str = "urn:ewaste-ledger:epcis:";
/// GS1's EPCIS 2.0 JSON-LD context, referenced (never fetched) by every document.
pub const GS1_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Our JSON-LD context: the extension properties and the extension vocabulary.
pub fn context() -> Value {
    json!({
        "@context": {
            "ewl": NAMESPACE,
            "ewl:signedEvent": {"@id": format!("{NAMESPACE}signedEvent"), "@type": "@json"},
            "ewl:seq": {"@id": format!("{NAMESPACE}seq"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            "ewl:leafHash": {"@id": format!("{NAMESPACE}leafHash")},
            "ewl:kind": {"@id": format!("{NAMESPACE}kind")},
        }
    })
}

/// One entry of the log as the mapping needs it.
pub struct EntryView<'a> {
    /// The signed event object, as logged.
    pub event: &'a Value,
    pub sig: &'a str,
    pub seq: i64,
    pub leaf_hash: &'a str,
    pub recorded_at: &'a str,
}

/// Where the mapping points: the resolver's base URL (label URIs, cities, actors).
pub struct Links<'a> {
    pub base: &'a str,
    /// The product's label URI (a Digital Link, or `{base}/p/{id}` when unlabelled).
    pub product_uri: &'a dyn Fn(&str) -> String,
}

fn vocabulary(term: &str) -> String {
    format!("{NAMESPACE}{term}")
}

/// The URI of the subject an object names in its member `product`, `lot` or `container`: a
/// product's label URI, a lot's or a container's page (docs/lifecycle.md §8).
fn subject_uri(object: &Value, links: &Links) -> Option<String> {
    let member = |name: &str| object.get(name).and_then(Value::as_str);
    if let Some(id) = member("product") {
        return Some((links.product_uri)(id));
    }
    if let Some(id) = member("lot") {
        return Some(format!("{}/l/{id}", links.base));
    }
    member("container").map(|id| format!("{}/c/{id}", links.base))
}

/// The business step of a kind, as a CBV term or one of ours in full.
fn biz_step(step: BizStep) -> String {
    match step {
        BizStep::Cbv(term) => term.to_string(),
        BizStep::Ours(term) => vocabulary(term),
    }
}

/// The EPCIS type and business step a kind maps to: what a captured EPCIS event must say.
pub fn type_and_step(kind: Kind) -> (&'static str, String) {
    let epcis = kind.spec().epcis;
    (epcis.event_type.as_str(), biz_step(epcis.biz_step))
}

/// The EPCIS 2.0 event of one entry.
pub fn epcis_event(entry: &EntryView, links: &Links) -> Value {
    let event = entry.event;
    let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
    let data = event.get("data").cloned().unwrap_or(Value::Null);
    let data_text = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default();
    let kind = Kind::parse(text("kind")).unwrap_or(Kind::ActorRegistered);
    let Epcis {
        event_type,
        action,
        biz_step: step,
        disposition,
    } = kind.spec().epcis;
    let mut out = Map::new();
    out.insert("type".into(), json!(event_type.as_str()));
    out.insert("eventID".into(), json!(format!("urn:uuid:{}", text("id"))));
    out.insert("eventTime".into(), json!(text("occurred_at")));
    out.insert("eventTimeZoneOffset".into(), json!("+00:00"));
    out.insert("recordTime".into(), json!(entry.recorded_at));
    let epcs: Vec<String> = subject_uri(event, links).into_iter().collect();
    // A transformation consumes its inputs and yields the output fractions (recycling).
    if event_type == EpcisType::AggregationEvent {
        // Packing and unpacking: the container is the parent, what it holds the children.
        if let Some(parent) = epcs.first() {
            out.insert("parentID".into(), json!(parent));
        }
        let children: Vec<String> = data
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|child| subject_uri(child, links))
            .collect();
        out.insert("childEPCs".into(), json!(children));
    } else if event_type == EpcisType::TransformationEvent {
        out.insert("inputEPCList".into(), json!(epcs));
        let outputs: Vec<Value> = data
            .get("fractions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|fraction| {
                let material = fraction
                    .get("material")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let grams = fraction.get("mass_g").and_then(Value::as_u64).unwrap_or(0);
                json!({"epcClass": format!("urn:ewaste-ledger:material:{}", percent::encode(material)),
                       "quantity": grams as f64 / 1000.0, "uom": "KGM"})
            })
            .collect();
        if !outputs.is_empty() {
            out.insert("outputQuantityList".into(), json!(outputs));
        }
    } else {
        out.insert("epcList".into(), json!(epcs));
    }
    if let Some(action) = action {
        out.insert("action".into(), json!(action));
    }
    out.insert("bizStep".into(), json!(biz_step(step)));
    if let Some(disposition) = disposition {
        out.insert("disposition".into(), json!(disposition));
    }
    let city = text("city");
    if !city.is_empty() {
        out.insert(
            "bizLocation".into(),
            json!({"id": format!("{}/cities/{city}", links.base)}),
        );
    }
    let mut transactions = Vec::new();
    let mut destinations = Vec::new();
    // Kinds whose data names a document or a destination say so; the others carry none.
    if kind == Kind::HandedOver {
        if !data_text("document").is_empty() {
            transactions.push(json!({"type": "bol",
                    "bizTransaction": format!("urn:ewaste-ledger:document:{}", percent::encode(data_text("document")))}));
        }
        destinations.push(json!({"type": "possessing_party",
                "destination": format!("{}/v1/actors/{}", links.base, data_text("to"))}));
    }
    if kind == Kind::Exported {
        transactions.push(json!({"type": vocabulary("btt:basel-notification"),
                "bizTransaction": format!("urn:ewaste-ledger:basel:{}:{}",
                    percent::encode(data_text("basel_entry")), percent::encode(data_text("notification")))}));
        destinations.push(json!({"type": "location",
                "destination": format!("urn:ewaste-ledger:country:{}", percent::encode(data_text("country")))}));
    }
    if !transactions.is_empty() {
        out.insert("bizTransactionList".into(), json!(transactions));
    }
    if !destinations.is_empty() {
        out.insert("destinationList".into(), json!(destinations));
    }
    out.insert("ewl:kind".into(), json!(kind.as_str()));
    out.insert("ewl:seq".into(), json!(entry.seq));
    out.insert("ewl:leafHash".into(), json!(entry.leaf_hash));
    out.insert(
        "ewl:signedEvent".into(),
        json!({"event": event, "sig": entry.sig}),
    );
    Value::Object(out)
}

/// The `@context` of our documents: GS1's, then ours (served at `{base}/epcis/context.jsonld`).
pub fn document_context(base: &str) -> Value {
    json!([GS1_CONTEXT, format!("{base}/epcis/context.jsonld")])
}

/// An `EPCISDocument` (a capture or an export) of `events`.
pub fn epcis_document(base: &str, created: &str, events: Vec<Value>) -> Value {
    json!({
        "@context": document_context(base),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"eventList": events},
    })
}

/// An `EPCISQueryDocument`: the answer of the query interface.
pub fn query_document(base: &str, created: &str, events: Vec<Value>) -> Value {
    json!({
        "@context": document_context(base),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Links<'static> {
        Links {
            base: "https://l.example",
            product_uri: &|id| format!("https://l.example/p/{id}"),
        }
    }

    #[test]
    fn recycling_is_a_transformation_with_the_fractions_in_kilograms() {
        let event = json!({"id": "7d0c1a52-3b7e-4c55-9a0e-1b2c3d4e5f60", "kind": "recycled",
            "actor": "0f1e2d3c-4b5a-4697-8877-665544332211", "occurred_at": "2026-03-01T10:00:00Z",
            "city": "DEBER", "product": "3a517dc7-bafa-53e6-969c-90c91884712e", "prev": "00",
            "data": {"operation": "R4", "fractions": [{"material": "printed circuit boards", "mass_g": 1250}]}});
        let mapped = epcis_event(
            &EntryView {
                event: &event,
                sig: "c2ln",
                seq: 7,
                leaf_hash: "ab",
                recorded_at: "2026-03-01T10:00:01.000Z",
            },
            &links(),
        );
        assert_eq!(mapped["type"], "TransformationEvent");
        assert_eq!(
            mapped["inputEPCList"],
            json!(["https://l.example/p/3a517dc7-bafa-53e6-969c-90c91884712e"])
        );
        assert_eq!(
            mapped["outputQuantityList"],
            json!([{"epcClass": "urn:ewaste-ledger:material:printed%20circuit%20boards", "quantity": 1.25, "uom": "KGM"}])
        );
        assert_eq!(
            mapped["bizStep"],
            "urn:ewaste-ledger:epcis:bizstep:recycling"
        );
        assert_eq!(mapped["disposition"], "destroyed");
        assert_eq!(
            mapped["eventID"],
            "urn:uuid:7d0c1a52-3b7e-4c55-9a0e-1b2c3d4e5f60"
        );
        assert_eq!(
            mapped["bizLocation"]["id"],
            "https://l.example/cities/DEBER"
        );
        // Lossless: the signed event rides along, byte for byte as a JSON value.
        assert_eq!(mapped["ewl:signedEvent"]["event"], event);
        assert_eq!(
            (mapped["ewl:seq"].clone(), mapped["ewl:leafHash"].clone()),
            (json!(7), json!("ab"))
        );
        assert!(
            mapped.get("action").is_none(),
            "transformations have no action"
        );
    }
}
