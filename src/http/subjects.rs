//! `GET /v1/lots/{id}[/events]`, `GET /v1/containers/{id}[/events]` and `GET /v1/transit`
//! (docs/lifecycle.md §8, docs/api.md).

use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::event::parse_timestamp;
use crate::domain::kinds::SubjectKind;
use crate::domain::records::SubjectRecord;
use actix_web::{web, HttpResponse};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

fn subject_id(kind: SubjectKind, text: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text).map_err(|_| {
        Problem::bad_request(
            "invalid-id",
            format!("`{text}` is not a {kind} id (a UUID)."),
        )
    })
}

async fn one(state: &AppState, kind: SubjectKind, id: &str) -> Result<Value, Problem> {
    let subject = state.ledger.subject(kind, subject_id(kind, id)?).await?;
    Ok(views::subject(&state.public_url, &subject))
}

async fn events(state: &AppState, kind: SubjectKind, id: &str) -> Result<Value, Problem> {
    let events = state
        .ledger
        .subject_events(kind, subject_id(kind, id)?)
        .await?;
    Ok(json!(events
        .iter()
        .map(views::logged_event)
        .collect::<Vec<_>>()))
}

/// `GET /v1/lots` and `GET /v1/containers`: every one, in id order (they are few beside
/// products; the audit reads them all to compare).
async fn all(state: &AppState, kind: SubjectKind) -> Result<Value, Problem> {
    let found = state.ledger.subjects_of_kind(kind).await?;
    Ok(json!(found
        .iter()
        .map(|subject| views::subject(&state.public_url, subject))
        .collect::<Vec<_>>()))
}

pub async fn lots(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(all(&state, SubjectKind::Lot).await?))
}

pub async fn containers(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(all(&state, SubjectKind::Container).await?))
}

pub async fn lot(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(one(&state, SubjectKind::Lot, &path).await?))
}

pub async fn lot_events(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(events(&state, SubjectKind::Lot, &path).await?))
}

pub async fn container(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(one(&state, SubjectKind::Container, &path).await?))
}

pub async fn container_events(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(events(&state, SubjectKind::Container, &path).await?))
}

/// `?older_than=&to=` of `GET /v1/transit`.
#[derive(Deserialize)]
pub struct TransitQuery {
    /// An age (`48h`, `7d`, `30m`) or an RFC 3339 time: hand-overs made before it.
    pub(super) older_than: Option<String>,
    /// Only hand-overs to this actor.
    pub(super) to: Option<String>,
}

/// `GET /v1/transit`: every hand-over still waiting for its receiver, oldest first.
pub async fn transit(
    state: web::Data<AppState>,
    query: web::Query<TransitQuery>,
) -> Result<HttpResponse, Problem> {
    let (to, older_than) = query.parsed()?;
    let found = state.ledger.in_transit(to, older_than).await?;
    let listed: Vec<Value> = found
        .iter()
        .map(|subject| transit_view(&state.public_url, subject))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"in_transit": listed})))
}

fn transit_view(public_url: &str, subject: &SubjectRecord) -> Value {
    json!({
        "subject": views::subject(public_url, subject),
        "transit": subject.transit(),
        "from": subject.custodian(),
    })
}

/// `48h`, `7d`, `30m` before now, or an RFC 3339 time.
pub(super) fn cutoff(text: &str) -> Result<chrono::DateTime<chrono::Utc>, Problem> {
    let bad = || {
        Problem::bad_request(
            "invalid-query",
            format!(
                "`older_than` must be an age such as `48h`, `7d` or `30m`, or an RFC 3339 time, not `{text}`."
            ),
        )
    };
    if let Ok(time) = parse_timestamp("older_than", text) {
        return Ok(time);
    }
    // The unit is the last character, which need not be one byte in what a client sends.
    let unit_at = text.char_indices().last().map_or(0, |(at, _)| at);
    let (number, unit) = text.split_at(unit_at);
    let amount: i64 = number.parse().map_err(|_| bad())?;
    let age = match unit {
        "m" => Duration::minutes(amount),
        "h" => Duration::hours(amount),
        "d" => Duration::days(amount),
        _ => return Err(bad()),
    };
    Ok(chrono::Utc::now() - age)
}
