//! The log API (docs/api.md): checkpoints, the verifier key, entries, proofs, cosignatures
//! and the streamed export.

use super::body::read_limited;
use super::headers::immutable;
use super::problem::Problem;
use super::AppState;
use crate::domain::export::hex_path;
use crate::ledger::log::{ConsistencyProof, ExportCursor, InclusionProof};
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

const TEXT: &str = "text/plain; charset=utf-8";
const NDJSON: &str = "application/x-ndjson";

/// Most entries one `GET /v1/log/entries` returns.
pub const MAX_ENTRIES_PER_PAGE: i64 = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// The latest checkpoint a witness cosigned, instead of the latest.
    #[serde(default)]
    witnessed: bool,
}

pub async fn checkpoint(
    state: web::Data<AppState>,
    query: web::Query<CheckpointQuery>,
) -> Result<HttpResponse, Problem> {
    let note = state.ledger.checkpoint(query.witnessed).await?;
    Ok(HttpResponse::Ok().content_type(TEXT).body(note))
}

pub async fn key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(TEXT)
        .body(format!("{}\n", state.ledger.log_key().to_text()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    #[serde(default)]
    start: i64,
    limit: Option<i64>,
}

pub async fn entries(
    state: web::Data<AppState>,
    query: web::Query<EntriesQuery>,
) -> Result<HttpResponse, Problem> {
    let limit = query.limit.unwrap_or(1000);
    if query.start < 0 || !(1..=MAX_ENTRIES_PER_PAGE).contains(&limit) {
        return Err(Problem::bad_request(
            "invalid-query",
            format!("start must be ≥ 0 and limit between 1 and {MAX_ENTRIES_PER_PAGE}."),
        ));
    }
    let mut body = Vec::new();
    let entries = state.ledger.entries_bytes(query.start, limit).await?;
    // A full page can never change; a short one grows as the log does.
    let complete = entries.len() as i64 == limit;
    for bytes in entries {
        body.extend_from_slice(&bytes);
        body.push(b'\n');
    }
    let response = HttpResponse::Ok().content_type(NDJSON).body(body);
    Ok(if complete {
        immutable(response)
    } else {
        response
    })
}

/// A sequence number from a path: plain decimal only, one seq, one spelling (no sign, no
/// leading zeros).
pub(super) fn parse_seq(path: &str) -> Result<i64, Problem> {
    let canonical = !path.is_empty()
        && path.bytes().all(|b| b.is_ascii_digit())
        && (path.len() == 1 || !path.starts_with('0'));
    path.parse().ok().filter(|_| canonical).ok_or_else(|| {
        Problem::bad_request("invalid-seq", format!("`{path}` is not a sequence number."))
    })
}

pub async fn entry(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let seq = parse_seq(&path)?;
    let bytes = state.ledger.entry_bytes(seq).await?;
    // An entry, once written, never changes (the log is append-only).
    Ok(immutable(
        HttpResponse::Ok()
            .content_type("application/json")
            .body(bytes),
    ))
}

/// Sizes default to the latest signed tree.
async fn size_or_latest(state: &AppState, size: Option<u64>) -> Result<u64, Problem> {
    Ok(match size {
        Some(size) => size,
        None => state.ledger.signed_size().await?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    seq: u64,
    size: Option<u64>,
}

fn inclusion_json(proof: &InclusionProof) -> serde_json::Value {
    json!({
        "seq": proof.seq,
        "size": proof.size,
        "leaf_hash": proof.leaf_hash.to_hex(),
        "root": proof.root.to_hex(),
        "path": hex_path(&proof.path),
    })
}

pub async fn inclusion(
    state: web::Data<AppState>,
    query: web::Query<InclusionQuery>,
) -> Result<HttpResponse, Problem> {
    let size = size_or_latest(&state, query.size).await?;
    let proof = state.ledger.inclusion_proof(query.seq, size).await?;
    let response = HttpResponse::Ok().json(inclusion_json(&proof));
    // Fixed by the request's size (within the log, or it would have failed): never changes.
    Ok(if query.size.is_some() {
        immutable(response)
    } else {
        response
    })
}

/// An inclusion proof bundle for one event: its entry, the proof, the checkpoint
/// (`audit prove` prints it, `audit verify-proof` checks it offline).
pub async fn event_proof(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = uuid::Uuid::parse_str(&path).map_err(|_| {
        Problem::bad_request("invalid-event-id", format!("`{path}` is not a UUID."))
    })?;
    let (bytes, proof, checkpoint) = state.ledger.prove_event(id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "entry": String::from_utf8_lossy(&bytes),
        "inclusion": inclusion_json(&proof),
        "checkpoint": checkpoint,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

fn consistency_json(proof: &ConsistencyProof) -> serde_json::Value {
    json!({
        "from": proof.from,
        "to": proof.to,
        "from_root": proof.from_root.to_hex(),
        "to_root": proof.to_root.to_hex(),
        "path": hex_path(&proof.path),
    })
}

pub async fn consistency(
    state: web::Data<AppState>,
    query: web::Query<ConsistencyQuery>,
) -> Result<HttpResponse, Problem> {
    let to = size_or_latest(&state, query.to).await?;
    let proof = state.ledger.consistency_proof(query.from, to).await?;
    let response = HttpResponse::Ok().json(consistency_json(&proof));
    Ok(if query.to.is_some() {
        immutable(response)
    } else {
        response
    })
}

/// A witness posts one of our checkpoints with its cosignature line appended.
pub async fn cosignature(
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let body = read_limited(
        payload,
        state.limits.single_body_bytes,
        state.limits.body_timeout,
    )
    .await?;
    let note = String::from_utf8(body.to_vec())
        .map_err(|_| Problem::bad_request("invalid-checkpoint", "The body is not UTF-8 text."))?;
    let accepted = state.ledger.add_cosignatures(note).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({ "accepted": accepted })))
}

/// The whole log as of its latest checkpoint, streamed page by page (constant memory).
pub async fn export(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let (header, cursor) = state.ledger.export_start().await?;
    let ledger = state.ledger.clone();
    let pages = futures_util::stream::unfold(
        (Some(header), Some(cursor)),
        move |(header, cursor): (Option<Vec<u8>>, Option<ExportCursor>)| {
            let ledger = ledger.clone();
            async move {
                if let Some(header) = header {
                    return Some((Ok(web::Bytes::from(header)), (None, cursor)));
                }
                let page = match ledger.export_page(cursor?).await {
                    Ok(page) => page,
                    // The status is already sent: cut the stream, so the file is visibly
                    // incomplete (it lacks its final checkpoint) rather than silently short.
                    Err(error) => return Some((Err(ExportFailed(error)), (None, None))),
                };
                Some((Ok(web::Bytes::from(page.bytes)), (None, page.next)))
            }
        },
    );
    Ok(HttpResponse::Ok().content_type(NDJSON).streaming(pages))
}

/// A failure in the middle of an export stream.
#[derive(Debug, thiserror::Error)]
#[error("the export stopped: {0}")]
pub struct ExportFailed(LedgerError);
