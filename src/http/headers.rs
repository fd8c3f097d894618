//! The headers every answer carries, set in one middleware so that no route can forget them
//! (issue 13 item 7; docs/operations.md "Caching" says what a CDN may keep):
//!
//! - `X-Content-Type-Options: nosniff`: a browser never runs a CSV, an SVG label or an NDJSON
//!   page as something else than its content type says.
//! - `Cache-Control`, deliberately per answer:
//!   - `public, max-age=31536000, immutable` for what can never change in an append-only log:
//!     an entry, a complete page of entries, and proofs whose sizes the request fixed (the
//!     handler marks such an answer with [`immutable`]; an answer is only that when it
//!     succeeded, so the sizes were within the log);
//!   - `no-store` where state changes or nothing should be kept: answers to POST, every error
//!     (a 404 for an entry not yet written must not outlive its writing), the export, the
//!     health and metrics endpoints;
//!   - `no-cache` for everything else, which changes as the log grows (the checkpoint,
//!     products, statistics, pages, EPCIS queries): a cache may keep it but must revalidate.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// Marks a successful answer that the log guarantees never changes.
#[derive(Clone, Copy)]
struct Immutable;

/// Marks `response` as immutable (see the module docs for what qualifies).
pub fn immutable(mut response: HttpResponse) -> HttpResponse {
    response.extensions_mut().insert(Immutable);
    response
}

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const NO_STORE: &str = "no-store";
pub const NO_CACHE: &str = "no-cache";

/// Routes whose successful answers are not to be kept at all.
const NOT_STORED: [&str; 3] = ["/v1/log/export", "/healthz", "/metrics"];

/// The `Cache-Control` of an answer.
fn policy(
    method: &Method,
    route: Option<&str>,
    status: StatusCode,
    immutable: bool,
) -> &'static str {
    let read = method == Method::GET || method == Method::HEAD;
    if !read || !status.is_success() {
        NO_STORE
    } else if immutable {
        IMMUTABLE
    } else if route.is_some_and(|r| NOT_STORED.contains(&r)) {
        NO_STORE
    } else {
        NO_CACHE
    }
}

/// The middleware (wrapped around every route in `routes`).
pub async fn security_and_caching(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = request.method().clone();
    let mut response = next.call(request).await?;
    let route = response.request().match_pattern();
    let immutable = response.response().extensions().contains::<Immutable>();
    let cache = policy(&method, route.as_deref(), response.status(), immutable);
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_table() {
        let get = &Method::GET;
        assert_eq!(
            policy(get, Some("/v1/log/entries/{seq}"), StatusCode::OK, true),
            IMMUTABLE
        );
        assert_eq!(
            policy(
                get,
                Some("/v1/log/entries/{seq}"),
                StatusCode::NOT_FOUND,
                true
            ),
            NO_STORE
        );
        assert_eq!(
            policy(
                &Method::POST,
                Some("/v1/events"),
                StatusCode::CREATED,
                false
            ),
            NO_STORE
        );
        assert_eq!(
            policy(get, Some("/v1/log/export"), StatusCode::OK, false),
            NO_STORE
        );
        assert_eq!(
            policy(get, Some("/v1/log/checkpoint"), StatusCode::OK, false),
            NO_CACHE
        );
        assert_eq!(policy(get, None, StatusCode::NOT_FOUND, false), NO_STORE);
    }
}
