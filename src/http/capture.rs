//! `POST /epcis/capture`: an EPCIS system records ledger events. Each event of the
//! `EPCISDocument` carries the signed ledger event it stands for in `ewl:signedEvent` (as every
//! event the ledger exports does), and its EPCIS fields must say the same (event id, time, type
//! and business step): any kind, an AggregationEvent for packing and unpacking too. An error
//! declaration is refused: its `error_declared` event records the correction. The document is
//! recorded all or nothing: one bad event and nothing is
//! recorded, and the answer lists every event's error by its index. docs/epcis.md.

use super::body::read_limited;
use super::epcis::exception;
use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::epcis::type_and_step;
use crate::domain::event::{parse_signed_event, SignedEvent};
use crate::domain::json::{self, JsonError};
use crate::domain::kinds::Kind;
use crate::ledger::Atomicity;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

fn invalid(detail: impl Into<String>) -> Problem {
    exception(StatusCode::BAD_REQUEST, "ValidationException", detail)
}

/// The signed ledger event an EPCIS event carries, checked against the EPCIS fields.
fn signed_event_of(event: &Value) -> Result<SignedEvent, String> {
    // An error declaration stands for no new entry: the ledger records a correction only as
    // the signed `error_declared` event that comes with it in an export (docs/epcis.md).
    if event.get("errorDeclaration").is_some() {
        return Err(
            "it is an error declaration (`errorDeclaration`): the ledger records a \
            correction only as its signed `error_declared` event (bizStep \
            `urn:ewaste-ledger:epcis:bizstep:error_declaration`); capture that one and leave \
            the declaration out"
                .into(),
        );
    }
    let envelope = event
        .get("ewl:signedEvent")
        .ok_or("it has no `ewl:signedEvent`: the signed ledger event it records")?;
    let signed = parse_signed_event(envelope).map_err(|rejection| rejection.to_string())?;
    let inner = &envelope["event"];
    let says = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
    let id = format!("urn:uuid:{}", inner["id"].as_str().unwrap_or_default());
    if says("eventID") != id {
        return Err(format!(
            "`eventID` is `{}` but the signed event is `{id}`",
            says("eventID")
        ));
    }
    let occurred_at = inner["occurred_at"].as_str().unwrap_or_default();
    if says("eventTime") != occurred_at {
        return Err(format!(
            "`eventTime` is `{}` but the signed event occurred at `{occurred_at}`",
            says("eventTime")
        ));
    }
    let kind = Kind::parse(inner["kind"].as_str().unwrap_or_default())
        .ok_or("the signed event has no known kind")?;
    let (event_type, step) = type_and_step(kind);
    if says("type") != event_type || says("bizStep") != step {
        return Err(format!(
            "a `{kind}` event is a {event_type} with bizStep `{step}`, not a {} with `{}`",
            says("type"),
            says("bizStep")
        ));
    }
    Ok(signed)
}

/// An error of one event, by its position in the document.
fn event_error(index: usize, event: &Value, problem: Value) -> Value {
    json!({"index": index, "eventID": event.get("eventID").cloned().unwrap_or(Value::Null), "problem": problem})
}

fn refused(errors: Vec<Value>) -> Problem {
    let mut problem = invalid(format!(
        "{} of the document cannot be recorded; nothing was recorded (see `errors`).",
        crate::domain::wording::count(errors.len() as u64, "event", "events")
    ));
    problem
        .members
        .insert("errors".into(), Value::Array(errors));
    problem
}

/// `POST /epcis/capture`.
pub async fn capture(
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let limits = state.limits;
    let body = read_limited(payload, limits.batch_body_bytes, limits.body_timeout).await?;
    // EPCIS answers its own exception form; a duplicate member is named in its detail.
    let document: Value = json::parse(&body).map_err(|e| match e {
        JsonError::Duplicate { .. } => invalid(e.to_string()),
        JsonError::Syntax(e) => invalid(format!("The body is not JSON: {e}.")),
    })?;
    if document["type"] != "EPCISDocument" {
        return Err(invalid(
            "The body must be an EPCISDocument (`\"type\": \"EPCISDocument\"`).",
        ));
    }
    let events = document["epcisBody"]["eventList"]
        .as_array()
        .ok_or_else(|| invalid("The document has no `epcisBody.eventList`."))?;
    if events.is_empty() || events.len() > limits.batch_items {
        return Err(invalid(format!(
            "A capture holds 1 to {} events, not {}.",
            limits.batch_items,
            events.len()
        )));
    }
    let mut errors = Vec::new();
    let mut signed = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        match signed_event_of(event) {
            Ok(one) => signed.push(one),
            Err(why) => errors.push(event_error(index, event, json!({"detail": why}))),
        }
    }
    if !errors.is_empty() {
        return Err(refused(errors));
    }
    let submissions = signed.into_iter().map(Ok).collect();
    let outcomes = state
        .ledger
        .record(submissions, Atomicity::AllOrNothing)
        .await?;
    let mut receipts = Vec::with_capacity(outcomes.len());
    for (index, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(receipt) => receipts.push(views::receipt(&receipt)),
            Err(rejection) => errors.push(event_error(
                index,
                &events[index],
                Problem::from(rejection).body(),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(refused(errors));
    }
    Ok(HttpResponse::Created().json(json!({"captured": receipts.len(), "receipts": receipts})))
}
