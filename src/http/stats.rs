//! `GET /v1/stats/{locode}?year=` (JSON, or CSV as `{locode}.csv`) and `GET /v1/stats?year=`
//! (every city side by side): the KPIs of docs/kpis.md from the stored facts; and
//! `GET /v1/stats/years`, every city and year they report.

use super::problem::Problem;
use super::AppState;
use crate::domain::identifiers::Locode;
use crate::domain::stats::csv::statistics_csv;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;

/// `?year=`, shared by the statistics API and the dashboards.
#[derive(Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
}

impl YearQuery {
    /// The year asked for, else `default` (the current UTC year when there is none), checked.
    pub fn or(&self, default: Option<i32>) -> Result<i32, Problem> {
        let year = self
            .year
            .or(default)
            .unwrap_or_else(|| chrono::Utc::now().year());
        if !(1950..=2200).contains(&year) {
            return Err(Problem::bad_request(
                "invalid-query",
                format!("`year` must be between 1950 and 2200, not {year}."),
            ));
        }
        Ok(year)
    }
}

/// `GET /v1/stats/{locode}` and `GET /v1/stats/{locode}.csv`.
pub async fn city(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let (code, csv) = match path.strip_suffix(".csv") {
        Some(code) => (code, true),
        None => (path.as_str(), false),
    };
    let locode = Locode::parse(code).map_err(|e| {
        Problem::bad_request(
            "invalid-locode",
            format!("`{code}` is not a UN/LOCODE: {e}"),
        )
    })?;
    let stats = state
        .ledger
        .city_statistics(locode.as_str().to_string(), query.or(None)?)
        .await?;
    Ok(if csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(statistics_csv(&stats))
    } else {
        HttpResponse::Ok().json(stats)
    })
}

/// `GET /v1/stats/years`: every city and year the statistics report (any with stored facts),
/// so that an audit can hold each of them against the entries.
pub async fn years(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(state.ledger.statistics_years().await?))
}

/// `GET /v1/stats`.
pub async fn all(
    state: web::Data<AppState>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(state.ledger.all_statistics(query.or(None)?).await?))
}
