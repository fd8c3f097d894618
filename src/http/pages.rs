//! HTML responses: rendered from compiled templates, with a Content-Security-Policy that
//! lets a page load scripts, styles and images from this server only; and errors as pages
//! for people: a browser that asks for a page the server does not have gets an HTML page
//! with the same status and links home, while API clients keep their RFC 9457 problems.

use super::problem::Problem;
use crate::ledger::{Ledger, LedgerError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, ACCEPT};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use chrono::{DateTime, Utc};

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

/// `(locode, "name (locode)")` of every registered city, as the pages' city lists show them.
pub async fn city_choices(ledger: &Ledger) -> Result<Vec<(String, String)>, LedgerError> {
    Ok(ledger
        .cities()
        .await?
        .into_iter()
        .map(|city| {
            let shown = format!("{} ({})", city.name, city.locode);
            (city.locode, shown)
        })
        .collect())
}

/// A time as people read it: `2026-12-04 18:35 UTC` (no seconds, milliseconds or bare `Z`).
pub fn readable_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Whether the request's `Accept` prefers an HTML page to JSON: `text/html` (or XHTML) is
/// listed with a higher quality than any JSON type, or the same quality and first. A browser
/// navigating sends `text/html,…,*/*;q=0.8`; `curl`, `fetch()` and API clients send `*/*` or
/// a JSON type, and no `Accept` at all means no preference: those keep the JSON problem.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // The best (quality, position) of each family.
    let mut html: Option<(f32, usize)> = None;
    let mut json: Option<(f32, usize)> = None;
    for (position, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
        let Some(quality) = quality.filter(|q| *q > 0.0) else {
            continue;
        };
        let best = match media.as_str() {
            "text/html" | "application/xhtml+xml" => &mut html,
            "application/json" | "application/problem+json" => &mut json,
            _ => continue,
        };
        if best.is_none_or(|(q, _)| quality > q) {
            *best = Some((quality, position));
        }
    }
    match (html, json) {
        (Some(_), None) => true,
        (Some((hq, hp)), Some((jq, jp))) => hq > jq || (hq == jq && hp < jp),
        (None, _) => false,
    }
}

/// The routes a person opens in a browser (besides unknown paths), whose client errors are
/// answered as pages. The passport resolver renders its own pages; API routes never do.
const PAGE_ROUTES: [&str; 5] = ["/", "/search", "/cities", "/cities/{locode}", "/r/{seq}"];

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    detail: String,
    status: u16,
}

/// The middleware (wrapped around every route in `routes`): a client error on an unknown
/// path or a page route, asked for by a browser, becomes an HTML page with the same status.
pub async fn html_errors(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let browser = prefers_html(request.headers());
    let response = next.call(request).await?;
    if !browser {
        return Ok(response.map_into_left_body());
    }
    // An unknown path matches no route pattern.
    let page_route = response
        .request()
        .match_pattern()
        .is_none_or(|route| PAGE_ROUTES.contains(&route.as_str()));
    let problem = response
        .response()
        .error()
        .and_then(|error| error.as_error::<Problem>())
        .filter(|problem| page_route && problem.status.is_client_error())
        .cloned();
    let Some(problem) = problem else {
        return Ok(response.map_into_left_body());
    };
    let page = ErrorPage {
        title: match problem.status {
            StatusCode::NOT_FOUND => "Page not found".into(),
            _ => problem.title.into(),
        },
        detail: problem.detail.clone(),
        status: problem.status.as_u16(),
    };
    let answer = html(problem.status, &page).unwrap_or_else(|error| error.error_response());
    Ok(response.into_response(answer).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn prefers(accept: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
        }
        prefers_html(&headers)
    }

    #[test]
    fn browsers_prefer_pages_and_api_clients_problems() {
        // Chromium's and Firefox's navigation headers.
        assert!(prefers(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        )));
        assert!(prefers(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(prefers(Some("application/json;q=0.5, text/html")));
        assert!(prefers(Some("TEXT/HTML")));
        for api in [
            None,
            Some("*/*"),
            Some("application/json"),
            Some("application/problem+json"),
            Some("application/json, text/html"),
            Some("text/html;q=0.5, application/json"),
            Some("text/html;q=0"),
            Some("text/plain"),
            Some("text/*"),
        ] {
            assert!(!prefers(api), "{api:?}");
        }
    }

    #[test]
    fn times_read_as_people_write_them() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            readable_time(at("2026-12-04T18:35:00.000Z")),
            "2026-12-04 18:35 UTC"
        );
        assert_eq!(
            readable_time(at("2026-03-01T10:00:59.250Z")),
            "2026-03-01 10:00 UTC"
        );
    }
}
