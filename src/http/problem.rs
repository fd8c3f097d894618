//! RFC 9457 problem details. Every error the API returns is one of these, with a stable
//! `type` and the specifics (field, state, seq...) as members.

use crate::domain::rejection::Rejection;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Map, Value};
use std::fmt;

/// The prefix of every problem `type`; the rest is the stable code (docs/api.md lists them).
pub const PROBLEM_TYPE_PREFIX: &str = "urn:ewaste-ledger:problem:";

/// An error response.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub members: Map<String, Value>,
    /// A `type` another standard prescribes (EPCIS exceptions), instead of our URN.
    pub foreign_type: Option<&'static str>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            status,
            code,
            title,
            detail: detail.into(),
            members: Map::new(),
            foreign_type: None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = self.members.clone();
        let kind = match self.foreign_type {
            Some(foreign) => foreign.to_string(),
            None => format!("{PROBLEM_TYPE_PREFIX}{}", self.code),
        };
        body.insert("type".into(), json!(kind));
        body.insert("title".into(), json!(self.title));
        body.insert("status".into(), json!(self.status.as_u16()));
        body.insert("detail".into(), json!(self.detail));
        Value::Object(body)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // The database is usually back within seconds (a restart, freed disk space).
            response.insert_header(("Retry-After", "2"));
        }
        response
            .content_type("application/problem+json")
            .json(self.body())
    }
}

/// The HTTP status of each rejection. Exhaustive on purpose: a new rejection must be placed.
fn rejection_status(rejection: &Rejection) -> (StatusCode, &'static str) {
    use Rejection::*;
    match rejection {
        InvalidJson { .. }
        | DuplicateMember { .. }
        | UnknownField { .. }
        | MissingField { .. }
        | InvalidField { .. }
        | InvalidGtin { .. }
        | InvalidLocode { .. }
        | UnknownUnuKey { .. }
        | UnknownOperation { .. }
        | UnknownHazard { .. }
        | LeapSecond { .. }
        | PersonalAggregator { .. }
        | ProductIdMismatch { .. } => (StatusCode::BAD_REQUEST, "Invalid event"),
        UnknownSigner { .. }
        | BadSignature { .. }
        | ActorRevoked { .. }
        | RoleNotAllowed { .. }
        | NotCustodian { .. }
        | NotReceiver { .. }
        | CorrectionNotAllowed { .. }
        | GtinPrefixOwned { .. } => (StatusCode::FORBIDDEN, "Not allowed"),
        UnknownProduct { .. } => (StatusCode::NOT_FOUND, "Unknown product"),
        UnknownSubject { .. } => (StatusCode::NOT_FOUND, "Unknown subject"),
        UnknownActor { .. }
        | UnknownCity { .. }
        | MassExceedsInput { .. }
        | FromTheFuture { .. }
        | OccurredBeforePrevious { .. }
        | OccurredBeforeSigner { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Event not acceptable"),
        GenesisRequired
        | IllegalTransition { .. }
        | TerminalState { .. }
        | StalePrev { .. }
        | InContainer { .. }
        | NotInContainer { .. }
        | InTransit { .. }
        | NotInTransit { .. }
        | CorrectionNotHead { .. }
        | DuplicateProduct { .. }
        | DuplicateEventId { .. }
        | DuplicateActor { .. }
        | DuplicateCity { .. }
        | LastAdmin { .. }
        | PrefixOverlap { .. }
        | BatchAborted { .. } => (StatusCode::CONFLICT, "Conflict with the ledger's state"),
    }
}

impl From<Rejection> for Problem {
    fn from(rejection: Rejection) -> Problem {
        let (status, title) = rejection_status(&rejection);
        let mut problem = Problem::new(status, rejection.code(), title, rejection.to_string());
        if let Ok(Value::Object(members)) = serde_json::to_value(&rejection) {
            problem.members = members;
        }
        problem
    }
}

impl From<LedgerError> for Problem {
    fn from(error: LedgerError) -> Problem {
        match error {
            LedgerError::Rejected(rejection) => rejection.into(),
            LedgerError::NotFound { .. } => Problem::not_found(error.to_string()),
            LedgerError::Invalid { code, message } => Problem::bad_request(code, message),
            LedgerError::Unavailable(reason) => {
                tracing::warn!(%reason, "answering 503");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    "The ledger's database is unavailable, so this request was not acknowledged. \
                     Send it again shortly: an event that was recorded after all is then answered \
                     with its original receipt.",
                )
            }
            LedgerError::Internal(cause) => {
                // The cause goes to the log, never to the client.
                tracing::error!(%cause, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "The ledger failed unexpectedly; nothing was changed. The operator's log has the cause.",
                )
            }
        }
    }
}
