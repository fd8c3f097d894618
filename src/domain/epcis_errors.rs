//! Corrections in EPCIS 2.0 (docs/epcis.md, "Corrections"). EPCIS communicates that an event
//! was in error by an *error declaration*: a later event identical to the erroneous one (same
//! type, same `eventID`, same fields) with `errorDeclaration` added. The ledger's log is in
//! order and a correction comes after the entry it corrects, so a streaming export cannot
//! amend the earlier event; instead the `error_declared` entry maps to two EPCIS events, its
//! own (so the log maps whole) and the error declaration of the entry it corrects.

use super::epcis::{epcis_event, EntryView, Links};
use super::kinds::Kind;
use serde_json::{json, Value};

/// CBV 2.0's error reason for an event whose data was wrong; the ledger does not know whether
/// the event did not occur or was mis-recorded, and the free-text reason says which
/// (`ewl:reason`).
pub const ERROR_REASON: &str = "incorrect_data";

/// The seq of the entry an `error_declared` event corrects.
pub fn corrected_seq(event: &Value) -> Option<i64> {
    if event.get("kind").and_then(Value::as_str) != Some(Kind::ErrorDeclared.as_str()) {
        return None;
    }
    event
        .get("data")
        .and_then(|d| d.get("seq"))
        .and_then(Value::as_i64)
}

/// The error declaration of `erroneous`, declared by the `error_declared` entry `declaration`:
/// the erroneous event as mapped, recorded when the declaration was, with `errorDeclaration`.
/// Its `ewl:signedEvent`, `ewl:seq` and `ewl:leafHash` stay the erroneous entry's (the event
/// is identical to it); the declaring entry is named inside `errorDeclaration`.
pub fn error_declaration(erroneous: &EntryView, declaration: &EntryView, links: &Links) -> Value {
    let mut copy = epcis_event(erroneous, links);
    let said = |name: &str| declaration.event.get(name).cloned().unwrap_or(Value::Null);
    let reason = declaration
        .event
        .get("data")
        .and_then(|d| d.get("reason"))
        .cloned()
        .unwrap_or(Value::Null);
    copy["recordTime"] = json!(declaration.recorded_at);
    copy["errorDeclaration"] = json!({
        "declarationTime": said("occurred_at"),
        "reason": ERROR_REASON,
        "ewl:reason": reason,
        "ewl:declarationEventID": format!("urn:uuid:{}", said("id").as_str().unwrap_or_default()),
        "ewl:declarationSeq": declaration.seq,
    });
    copy
}

/// The EPCIS events of one entry, in the order a document lists them: one, or for an
/// `error_declared` entry its own event and then the error declaration of the entry it
/// corrects (`erroneous`, when the caller found it).
pub fn epcis_events(entry: &EntryView, erroneous: Option<&EntryView>, links: &Links) -> Vec<Value> {
    let own = epcis_event(entry, links);
    match erroneous.filter(|_| corrected_seq(entry.event).is_some()) {
        Some(erroneous) => vec![own, error_declaration(erroneous, entry, links)],
        None => vec![own],
    }
}
