//! The EPCIS 2.0 query interface (a subset of the REST binding; docs/epcis.md):
//! `GET /epcis/events` with the SimpleEventQuery parameters of `domain::epcis_query` and
//! `nextPageToken` paging, `GET /epcis/events/{eventID}` (with its error declaration when it
//! was declared in error), `GET /epcis/epcs/{epc}/events` (a product, lot or container),
//! and our JSON-LD context at `GET /epcis/context.jsonld`. Answers are `EPCISQueryDocument`s;
//! errors are problems typed as the binding's exceptions.

use super::epcis_map::{correction_of, mapped, mapped_entries};
use super::problem::Problem;
use super::AppState;
use crate::domain::epcis::{context, query_document};
use crate::domain::epcis_query::{EventQuery, QueryParameterError};
use crate::domain::event::format_timestamp;
use crate::domain::identifiers::ProductRef;
use crate::domain::kinds::SubjectKind;
use crate::domain::percent;
use crate::domain::records::SubjectRef;
use crate::domain::subject_uri::parse_subject;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Entries read per page of the log while filtering.
const SCAN_PAGE: i64 = 2_000;
/// Entries one request reads at most; a sparse query answers a short page and a token.
const SCAN_LIMIT: i64 = 50_000;

/// A problem typed as the binding's exception (`epcisException:…`).
pub fn exception(
    status: StatusCode,
    exception: &'static str,
    detail: impl Into<String>,
) -> Problem {
    let mut problem = Problem::new(status, exception, "EPCIS exception", detail);
    problem.foreign_type = Some(match exception {
        "QueryParameterException" => "epcisException:QueryParameterException",
        "NoSuchResourceException" => "epcisException:NoSuchResourceException",
        "ValidationException" => "epcisException:ValidationException",
        _ => "epcisException:ImplementationException",
    });
    problem
}

fn parameter_error(error: QueryParameterError) -> Problem {
    let mut problem = exception(
        StatusCode::BAD_REQUEST,
        "QueryParameterException",
        error.to_string(),
    );
    problem
        .members
        .insert("parameter".into(), Value::String(error.parameter));
    problem
}

fn no_such(detail: String) -> Problem {
    exception(StatusCode::NOT_FOUND, "NoSuchResourceException", detail)
}

fn document(state: &AppState, events: Vec<Value>) -> HttpResponse {
    let now = format_timestamp(chrono::Utc::now());
    HttpResponse::Ok()
        .content_type("application/ld+json")
        .json(query_document(&state.public_url, &now, events))
}

/// `GET /epcis/context.jsonld`.
pub async fn context_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/ld+json")
        .json(context())
}

/// `GET /epcis/events`.
pub async fn events(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(request.query_string())
            .map_err(|e| {
                exception(
                    StatusCode::BAD_REQUEST,
                    "QueryParameterException",
                    format!("The query string is invalid: {e}."),
                )
            })?
            .into_inner();
    let query = EventQuery::parse(&pairs).map_err(parameter_error)?;
    let size = state.ledger.head().await?.size;
    let mut next = query.next_page.unwrap_or(0);
    // Tokens are seqs of this log, which only grows: a larger one was never issued (and would
    // overflow the scan's end).
    if next > size {
        return Err(parameter_error(QueryParameterError {
            parameter: "nextPageToken".into(),
            reason: format!(
                "`{next}` is not a token this server issued (the log has {size} entries)"
            ),
        }));
    }
    let scan_end = (next + SCAN_LIMIT).min(size);
    let mut found = Vec::new();
    'scan: while next < scan_end {
        let page = state
            .ledger
            .entries(next, SCAN_PAGE.min(scan_end - next))
            .await?;
        if page.is_empty() {
            break;
        }
        for (entry, events) in page.iter().zip(mapped_entries(&state, &page).await?) {
            let matching: Vec<Value> = events.into_iter().filter(|e| query.matches(e)).collect();
            // A correction's two events share one entry, so one token: they stay on one page,
            // the next one when this page has no room for both.
            if !found.is_empty() && found.len() + matching.len() > query.per_page {
                break 'scan;
            }
            next = entry.seq + 1;
            found.extend(matching);
            if found.len() >= query.per_page {
                break 'scan;
            }
        }
    }
    let mut response = document(&state, found);
    if next < size {
        // The binding's paging: the next page is the same query with this token.
        let mut pairs: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| k != "nextPageToken")
            .collect();
        pairs.push(("nextPageToken".into(), next.to_string()));
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent::encode(k), percent::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let link = format!("<{}/epcis/events?{query}>; rel=\"next\"", state.public_url);
        response.headers_mut().insert(
            actix_web::http::header::LINK,
            actix_web::http::header::HeaderValue::from_str(&link)
                .map_err(|e| Problem::from(LedgerError::Internal(e.to_string())))?,
        );
    }
    Ok(response)
}

/// `GET /epcis/events/{eventID}`: `urn:uuid:…` or the bare UUID.
pub async fn event(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let text = path.trim_start_matches("urn:uuid:");
    let id = uuid::Uuid::parse_str(text).map_err(|_| {
        no_such(format!(
            "`{path}` is not an event id this ledger issues (urn:uuid:…)."
        ))
    })?;
    let entry = match state.ledger.logged_event(id).await {
        Ok(entry) => entry,
        Err(LedgerError::NotFound { .. }) => {
            return Err(no_such(format!("No event {path} is in the log.")))
        }
        Err(other) => return Err(other.into()),
    };
    // The events of this eventID: a correction's own (not the declaration it maps to as
    // well, which bears the erroneous event's id) ...
    let mut events = mapped(&state, std::slice::from_ref(&entry)).await?;
    events.truncate(1);
    // ... and for an event declared in error, its declaration after it.
    if let Some(correction) = correction_of(&state, &entry).await? {
        let declared = mapped(&state, std::slice::from_ref(&correction)).await?;
        events.extend(declared.into_iter().skip(1));
    }
    Ok(document(&state, events))
}

/// The EPCIS events of the product a label URI (or id) names.
pub async fn product_document(state: &AppState, epc: &str) -> Result<HttpResponse, Problem> {
    let id = ProductRef::parse(epc)
        .map_err(|e| no_such(format!("`{epc}` is not a product EPC of this ledger: {e}.")))?
        .product_id();
    let entries = match state.ledger.product_events(id).await {
        Ok(entries) => entries,
        Err(LedgerError::NotFound { .. }) => {
            return Err(no_such(format!("No product {epc} is registered.")))
        }
        Err(other) => return Err(other.into()),
    };
    let events = mapped(state, &entries).await?;
    Ok(document(state, events))
}

/// `GET /epcis/epcs/{epc}/events`: `{epc}` is the label URI, percent-encoded once (taken from
/// the raw path, because the router keeps an encoded `/` encoded).
pub async fn epc_events(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let raw = request
        .uri()
        .path()
        .strip_prefix("/epcis/epcs/")
        .and_then(|rest| rest.strip_suffix("/events"))
        .unwrap_or_default();
    let epc = percent::decode(raw)
        .map_err(|_| no_such(format!("`{raw}` is not a percent-encoded EPC.")))?;
    // A lot's or container's URI names its events as a product's label does.
    match parse_subject(&epc, SubjectKind::Product) {
        Ok(SubjectRef { kind, id }) if kind != SubjectKind::Product => {
            let entries = match state.ledger.subject_events(kind, id).await {
                Ok(entries) => entries,
                Err(LedgerError::NotFound { .. }) => {
                    return Err(no_such(format!("No {kind} {epc} is in the ledger.")))
                }
                Err(other) => return Err(other.into()),
            };
            let events = mapped(&state, &entries).await?;
            Ok(document(&state, events))
        }
        _ => product_document(&state, &epc).await,
    }
}
