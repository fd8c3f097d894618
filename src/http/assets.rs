//! The few static files the scan station and the passport's recording panel need, compiled
//! into the binary so a station loads nothing from other hosts and works from any data dir.

use super::problem::Problem;
use actix_web::{web, HttpResponse};

/// `(name, content type, body)`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "ledger.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/ledger.css"),
    ),
    (
        "ledger.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/ledger.js"),
    ),
    (
        "forms.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/forms.js"),
    ),
    (
        "station.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/station.js"),
    ),
    (
        "container.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/container.js"),
    ),
    (
        "intake.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/intake.js"),
    ),
    (
        "receive.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/receive.js"),
    ),
    (
        "passport.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/passport.js"),
    ),
];

/// `GET /assets/{name}`.
pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, Problem> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(known, _, _)| *known == name.as_str())
        .ok_or_else(|| Problem::not_found(format!("There is no asset named `{name}`.")))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        // `no-cache` (from `headers`): a station must not keep running yesterday's signing code.
        .body(*body))
}
