//! GS1 EPCIS 2.0 (JSON-LD) for ledger events (docs/epcis.md). The mapping is lossless: every
//! EPCIS event carries the signed event itself (`ewl:signedEvent`, the JCS object and its
//! signature) beside the standard fields, and the entry's `ewl:seq` and `ewl:leafHash`, so a
//! consumer can verify the signature and ask the log for an inclusion proof. docs/epcis.md
//! shows the mapping of every kind.

use super::kinds::{BizStep, Epcis, EpcisType, Kind, SubjectKind};
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
            // Lots' master data (ILMD of `lot_collected`).
            "ewl:unuKey": {"@id": format!("{NAMESPACE}unuKey")},
            "ewl:eu6": {"@id": format!("{NAMESPACE}eu6")},
            "ewl:channel": {"@id": format!("{NAMESPACE}channel")},
            "ewl:aggregator": {"@id": format!("{NAMESPACE}aggregator")},
            "ewl:units": {"@id": format!("{NAMESPACE}units"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            // Receipts and corrections.
            "ewl:weightGrams": {"@id": format!("{NAMESPACE}weightGrams"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            "ewl:discrepancy": {"@id": format!("{NAMESPACE}discrepancy")},
            "ewl:reason": {"@id": format!("{NAMESPACE}reason")},
            "ewl:correctedSeq": {"@id": format!("{NAMESPACE}correctedSeq"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            "ewl:declarationSeq": {"@id": format!("{NAMESPACE}declarationSeq"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
            "ewl:declarationEventID": {"@id": format!("{NAMESPACE}declarationEventID"), "@type": "@id"},
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

/// Where the mapping points, and what it looks up that an event does not say.
pub struct Links<'a> {
    /// The resolver's base URL (cities, actors, fallback subject URIs).
    pub base: &'a str,
    /// The URI of a subject by kind and id: a product's label URI (a Digital Link, or
    /// `{base}/p/{id}` when unlabelled), a lot's `{base}/l/{id}`, a container's `{base}/00/{sscc}`
    /// or `{base}/c/{id}` (docs/lifecycle.md §8).
    pub subject_uri: &'a dyn Fn(SubjectKind, &str) -> String,
    /// A lot's weighed mass in grams, when the lot is known: events other than its
    /// `lot_collected` name the lot without its mass, and EPCIS states a lot as a quantity.
    pub lot_mass_g: &'a dyn Fn(&str) -> Option<u64>,
    /// The hand-over a `received` or `receipt_refused` entry (by seq) answers: a receipt does
    /// not repeat who sent it or the transport document, and the receiving event names both.
    pub shipment: &'a dyn Fn(i64) -> Option<Shipment>,
}

/// What the `handed_over` entry that a receipt answers said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    /// The sender's actor id.
    pub sender: String,
    pub document: Option<String>,
}

impl Links<'_> {
    /// The URIs a subject has when nothing is known about it but its kind and id (a label or
    /// an SSCC needs the subject's record).
    pub fn fallback_uri(base: &str, kind: SubjectKind, id: &str) -> String {
        let path = match kind {
            SubjectKind::Product => "p",
            SubjectKind::Lot => "l",
            SubjectKind::Container => "c",
        };
        format!("{base}/{path}/{id}")
    }
}

fn vocabulary(term: &str) -> String {
    format!("{NAMESPACE}{term}")
}

/// The business step of a kind, as a CBV term or one of ours in full.
fn biz_step(step: BizStep) -> String {
    match step {
        BizStep::Cbv(term) => term.to_string(),
        BizStep::Ours(term) => vocabulary(term),
    }
}

/// A disposition: a CBV term, or one of ours, which kinds.rs spells `ewaste:{term}` and
/// documents carry in full in our namespace (`urn:ewaste-ledger:epcis:{term}`).
fn disposition(term: &str) -> String {
    match term.strip_prefix("ewaste:") {
        Some(ours) => vocabulary(ours),
        None => term.to_string(),
    }
}

/// The EPCIS type and business step a kind maps to: what a captured EPCIS event must say.
pub fn type_and_step(kind: Kind) -> (&'static str, String) {
    let epcis = kind.spec().epcis;
    (epcis.event_type.as_str(), biz_step(epcis.biz_step))
}

/// The event's primary subject (docs/lifecycle.md §8): its kind and id as written.
pub fn primary_subject(event: &Value) -> Option<(SubjectKind, &str)> {
    SubjectKind::ALL.iter().find_map(|kind| {
        event
            .get(kind.as_str())
            .and_then(Value::as_str)
            .map(|id| (*kind, id))
    })
}

/// A mass in grams as EPCIS states it: kilograms, a decimal (`uom` `KGM`).
pub fn kilograms(grams: u64) -> f64 {
    grams as f64 / 1000.0
}

/// A lot as EPCIS states it: a quantity of the class its URI names, in kilograms when its mass
/// is known (the schema allows a quantity element of its class alone).
fn lot_quantity(uri: String, mass_g: Option<u64>) -> Value {
    match mass_g {
        Some(grams) => json!({"epcClass": uri, "quantity": kilograms(grams), "uom": "KGM"}),
        None => json!({"epcClass": uri}),
    }
}

/// What an event is about, as EPCIS lists it: instances (products, containers) by URI, lots as
/// quantities.
#[derive(Default)]
struct What {
    epcs: Vec<String>,
    quantities: Vec<Value>,
}

impl What {
    fn add(&mut self, kind: SubjectKind, id: &str, links: &Links, mass_g: Option<u64>) {
        let uri = (links.subject_uri)(kind, id);
        match kind {
            SubjectKind::Product | SubjectKind::Container => self.epcs.push(uri),
            SubjectKind::Lot => self
                .quantities
                .push(lot_quantity(uri, mass_g.or_else(|| (links.lot_mass_g)(id)))),
        }
    }
}

/// The subjects `data.children` names: what `packed` puts in and `unpacked` takes out.
fn children(data: &Value, links: &Links) -> What {
    let mut what = What::default();
    for child in data
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some((kind, id)) = primary_subject(child) {
            what.add(kind, id, links, None);
        }
    }
    what
}

/// The EPCIS 2.0 event of one entry. An `error_declared` entry maps to its own event here;
/// [`super::epcis_errors::epcis_events`] adds the error declaration of the entry it corrects.
pub fn epcis_event(entry: &EntryView, links: &Links) -> Value {
    let event = entry.event;
    let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
    let data = event.get("data").cloned().unwrap_or(Value::Null);
    let kind = Kind::parse(text("kind")).unwrap_or(Kind::ActorRegistered);
    let Epcis {
        event_type,
        action,
        biz_step: step,
        disposition: kind_disposition,
    } = kind.spec().epcis;
    let mut out = Map::new();
    out.insert("type".into(), json!(event_type.as_str()));
    out.insert("eventID".into(), json!(format!("urn:uuid:{}", text("id"))));
    out.insert("eventTime".into(), json!(text("occurred_at")));
    out.insert("eventTimeZoneOffset".into(), json!("+00:00"));
    out.insert("recordTime".into(), json!(entry.recorded_at));
    let mut what = What::default();
    if let Some((subject, id)) = primary_subject(event) {
        // A lot's intake states its mass; later events look it up.
        let mass_g = (kind == Kind::LotCollected)
            .then(|| data.get("mass_g").and_then(Value::as_u64))
            .flatten();
        what.add(subject, id, links, mass_g);
    }
    match event_type {
        // A transformation consumes its inputs and yields the output fractions (recycling).
        EpcisType::TransformationEvent => {
            out.insert("inputEPCList".into(), json!(what.epcs));
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
                           "quantity": kilograms(grams), "uom": "KGM"})
                })
                .collect();
            if !outputs.is_empty() {
                out.insert("outputQuantityList".into(), json!(outputs));
            }
        }
        // Packing and unpacking: the container is the parent, its children products by URI
        // and lots as quantities.
        EpcisType::AggregationEvent => {
            if let Some(parent) = what.epcs.first() {
                out.insert("parentID".into(), json!(parent));
            }
            let inside = children(&data, links);
            if !inside.epcs.is_empty() {
                out.insert("childEPCs".into(), json!(inside.epcs));
            }
            if !inside.quantities.is_empty() {
                out.insert("childQuantityList".into(), json!(inside.quantities));
            }
        }
        EpcisType::ObjectEvent => {
            // Registry events name no object: an empty epcList keeps them valid EPCIS.
            if !what.epcs.is_empty() || what.quantities.is_empty() {
                out.insert("epcList".into(), json!(what.epcs));
            }
            if !what.quantities.is_empty() {
                out.insert("quantityList".into(), json!(what.quantities));
            }
        }
    }
    if let Some(action) = action {
        out.insert("action".into(), json!(action));
    }
    out.insert("bizStep".into(), json!(biz_step(step)));
    if let Some(term) = kind_disposition {
        out.insert("disposition".into(), json!(disposition(term)));
    }
    let city = text("city");
    if !city.is_empty() {
        out.insert(
            "bizLocation".into(),
            json!({"id": format!("{}/cities/{city}", links.base)}),
        );
    }
    kind_members(kind, entry.seq, &data, links, &mut out);
    out.insert("ewl:kind".into(), json!(kind.as_str()));
    out.insert("ewl:seq".into(), json!(entry.seq));
    out.insert("ewl:leafHash".into(), json!(entry.leaf_hash));
    out.insert(
        "ewl:signedEvent".into(),
        json!({"event": event, "sig": entry.sig}),
    );
    Value::Object(out)
}

/// What a kind's data says beyond its subject, as EPCIS members: business transactions,
/// destinations, a lot's master data, our extension members. Every kind is named, so a new
/// kind decides what it adds.
fn kind_members(kind: Kind, seq: i64, data: &Value, links: &Links, out: &mut Map<String, Value>) {
    let data_text = |name: &str| data.get(name).and_then(Value::as_str);
    let mut transactions = Vec::new();
    let mut sources = Vec::new();
    let mut destinations = Vec::new();
    let mut ours = Map::new();
    let bill_of_lading = |document: &str| {
        json!({"type": "bol",
            "bizTransaction": format!("urn:ewaste-ledger:document:{}", percent::encode(document))})
    };
    let actor = |id: &str| format!("{}/v1/actors/{id}", links.base);
    // A receipt repeats its shipment's transport document and names its sender, so that
    // shipping and receiving correlate as CBV has them.
    let mut shipped = |transactions: &mut Vec<Value>| {
        if let Some(shipment) = (links.shipment)(seq) {
            if let Some(document) = shipment.document.as_deref().filter(|d| !d.is_empty()) {
                transactions.push(bill_of_lading(document));
            }
            sources.push(json!({"type": "possessing_party", "source": actor(&shipment.sender)}));
        }
    };
    match kind {
        Kind::HandedOver => {
            if let Some(document) = data_text("document").filter(|d| !d.is_empty()) {
                transactions.push(bill_of_lading(document));
            }
            destinations.push(json!({"type": "possessing_party",
                "destination": actor(data_text("to").unwrap_or_default())}));
        }
        Kind::Exported => {
            transactions.push(json!({"type": vocabulary("btt:basel-notification"),
                "bizTransaction": format!("urn:ewaste-ledger:basel:{}:{}",
                    percent::encode(data_text("basel_entry").unwrap_or_default()),
                    percent::encode(data_text("notification").unwrap_or_default()))}));
            destinations.push(json!({"type": "location",
                "destination": format!("urn:ewaste-ledger:country:{}",
                    percent::encode(data_text("country").unwrap_or_default()))}));
        }
        // A new lot's master data (ILMD, allowed with action ADD).
        Kind::LotCollected => {
            let mut ilmd = Map::new();
            for (member, term) in [
                ("unu_key", "ewl:unuKey"),
                ("eu6", "ewl:eu6"),
                ("channel", "ewl:channel"),
                ("aggregator", "ewl:aggregator"),
            ] {
                if let Some(value) = data_text(member) {
                    ilmd.insert(term.into(), json!(value));
                }
            }
            if let Some(units) = data.get("units").and_then(Value::as_u64) {
                ilmd.insert("ewl:units".into(), json!(units));
            }
            out.insert("ilmd".into(), Value::Object(ilmd));
        }
        Kind::Received => {
            shipped(&mut transactions);
            if let Some(grams) = data.get("weight_g").and_then(Value::as_u64) {
                ours.insert("ewl:weightGrams".into(), json!(grams));
            }
            if let Some(discrepancy) = data_text("discrepancy") {
                ours.insert("ewl:discrepancy".into(), json!(discrepancy));
            }
        }
        Kind::ReceiptRefused => {
            shipped(&mut transactions);
            ours.insert(
                "ewl:reason".into(),
                json!(data_text("reason").unwrap_or_default()),
            );
        }
        Kind::ErrorDeclared => {
            if let Some(seq) = data.get("seq").and_then(Value::as_u64) {
                ours.insert("ewl:correctedSeq".into(), json!(seq));
            }
            ours.insert(
                "ewl:reason".into(),
                json!(data_text("reason").unwrap_or_default()),
            );
        }
        Kind::Registered
        | Kind::PlacedOnMarket
        | Kind::Resold
        | Kind::Repaired
        | Kind::Collected
        | Kind::PreparedForReuse
        | Kind::Depolluted
        | Kind::Recycled
        | Kind::Disposed
        | Kind::Packed
        | Kind::Unpacked
        | Kind::ActorRegistered
        | Kind::ActorKeyRotated
        | Kind::ActorRevoked
        | Kind::CityRegistered
        | Kind::PomBaseline => {}
    }
    if !transactions.is_empty() {
        out.insert("bizTransactionList".into(), json!(transactions));
    }
    if !sources.is_empty() {
        out.insert("sourceList".into(), json!(sources));
    }
    if !destinations.is_empty() {
        out.insert("destinationList".into(), json!(destinations));
    }
    out.extend(ours);
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
            subject_uri: &|kind, id| Links::fallback_uri("https://l.example", kind, id),
            lot_mass_g: &|_| None,
            shipment: &|_| None,
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
