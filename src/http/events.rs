//! `POST /v1/events` and `POST /v1/events/batch`: parse, record (`Ledger::record`), answer
//! with receipts only after commit.

use super::body::read_limited;
use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::event::parse_signed_event;
use crate::domain::json::{self, JsonError};
use crate::domain::rejection::Rejection;
use crate::ledger::{Atomicity, LedgerError, Receipt, Submission};
use actix_web::{web, HttpResponse};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

fn invalid_json(error: serde_json::Error) -> Rejection {
    Rejection::InvalidJson {
        detail: error.to_string(),
    }
}

/// One JSON value, duplicate member names refused (`domain::json`).
fn strict_json(bytes: &[u8]) -> Result<Value, Rejection> {
    json::parse(bytes).map_err(|error| match error {
        JsonError::Duplicate { field } => Rejection::DuplicateMember { field },
        JsonError::Syntax(detail) => Rejection::InvalidJson { detail },
    })
}

fn receipt_response(receipt: &Receipt) -> HttpResponse {
    let mut response = if receipt.replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    response.json(views::receipt(receipt))
}

/// One signed event → its receipt (201, or 200 for a replay of an identical event).
pub async fn submit_one(
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let body = read_limited(
        payload,
        state.limits.single_body_bytes,
        state.limits.body_timeout,
    )
    .await?;
    let value = strict_json(&body)?;
    let signed = parse_signed_event(&value)?;
    let receipt = state.ledger.record_one(signed).await?;
    Ok(receipt_response(&receipt))
}

#[derive(Deserialize)]
pub struct BatchQuery {
    /// All or nothing: when any event is refused, none is recorded.
    #[serde(default)]
    atomic: bool,
}

/// A JSON array of signed events → a JSON array, in the same order, of receipts or problems.
pub async fn submit_batch(
    state: web::Data<AppState>,
    query: web::Query<BatchQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let limits = state.limits;
    let body = read_limited(payload, limits.batch_body_bytes, limits.body_timeout).await?;
    // Parsing megabytes of JSON is CPU work: keep it off the async workers, spread on all cores.
    let parsed = tokio::task::spawn_blocking(move || parse_batch(&body, limits.batch_items))
        .await
        .map_err(|e| LedgerError::Internal(format!("batch parsing panicked: {e}")))??;

    let atomicity = if query.atomic {
        Atomicity::AllOrNothing
    } else {
        Atomicity::EachOnItsOwn
    };
    let outcomes = state.ledger.record(parsed, atomicity).await?;
    let body: Vec<Value> = outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(receipt) => views::receipt(&receipt),
            Err(rejection) => Problem::from(rejection).body(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Splits a batch body into submissions, each parsed independently.
fn parse_batch(body: &[u8], max_items: usize) -> Result<Vec<Submission>, Problem> {
    // Split the array without building its items (a fast scan), then parse the items in
    // parallel: a single-threaded parse of megabytes would stall the pipeline.
    let items: Vec<&RawValue> = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Problem::from(Rejection::invalid(
            "",
            "a batch must be a JSON array of signed events",
        )),
        _ => Problem::from(invalid_json(e)),
    })?;
    if items.is_empty() || items.len() > max_items {
        return Err(Rejection::invalid(
            "",
            format!("a batch holds 1 to {max_items} events, not {}", items.len()),
        )
        .into());
    }
    Ok(items
        .par_iter()
        .map(|item| {
            let value = strict_json(item.get().as_bytes())?;
            parse_signed_event(&value)
        })
        .collect())
}
