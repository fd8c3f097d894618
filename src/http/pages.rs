//! HTML responses: rendered from compiled templates, with a Content-Security-Policy that
//! lets a page load scripts, styles and images from this server only.

use super::problem::Problem;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

/// Same-origin only, and no inline code of any kind: scripts and styles come from this
/// server's own assets (every page links the one style sheet, `/assets/ledger.css`), so
/// nothing injected into a page can run or restyle it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; style-src 'self'; \
     img-src 'self' data:; script-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Renders `page` as a complete HTML response with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, Problem> {
    let body = page
        .render()
        .map_err(|e| Problem::from(LedgerError::Internal(format!("page template: {e}"))))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", CONTENT_SECURITY_POLICY))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(body))
}
