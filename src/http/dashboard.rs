//! City dashboards: `GET /cities/{locode}?year=` (headline rates against their targets and the
//! charts of `city_charts.rs`, each with its table and CSV at `GET /cities/{locode}/{chart}.csv`)
//! and `GET /cities` comparing cities (CSV at `GET /cities.csv`).

use super::city_charts::{cell, city_charts, comparison, Chart, SERIES_YEARS};
use super::pages::html;
use super::problem::Problem;
use super::stats::YearQuery;
use super::AppState;
use crate::domain::csv::{self, Cell};
use crate::domain::identifiers::Locode;
use crate::domain::stats::facts::{Facts, Metric};
use crate::domain::stats::kpis::{EU_COLLECTION_TARGET_PCT, ITU_RECYCLING_TARGET_PCT};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::Value;

/// A headline figure.
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    /// `ok`, `bad` or empty when there is no target.
    pub status: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "city.html")]
struct CityPage {
    name: String,
    locode: String,
    year: i32,
    population: String,
    years: Vec<i32>,
    tiles: Vec<Tile>,
    charts: Vec<Chart>,
    json_link: String,
    definitions: String,
}

#[derive(Template)]
#[template(path = "cities.html")]
struct CitiesPage {
    year: i32,
    chart: Chart,
}

fn number(value: &Value, unit: &str) -> String {
    match value.as_f64() {
        Some(v) if unit == "%" => format!("{v:.1} %"),
        Some(v) if v.abs() >= 1000.0 => format!("{:.0} {unit}", v),
        Some(v) => format!("{v:.2} {unit}"),
        None => "n/a".into(),
    }
    .trim_end()
    .to_string()
}

fn locode_of(text: &str) -> Result<Locode, Problem> {
    Locode::parse(text).map_err(|e| {
        Problem::bad_request(
            "invalid-locode",
            format!("`{text}` is not a UN/LOCODE: {e}"),
        )
    })
}

/// The year asked for, else the latest with documented figures, else the current one.
fn chosen_year(query: &YearQuery, facts: &Facts) -> Result<i32, Problem> {
    let latest = facts
        .keys()
        .filter(|k| k.metric != Metric::PomBaseline)
        .map(|k| k.year)
        .max();
    query.or(latest)
}

fn tiles(total: &Value) -> Vec<Tile> {
    let against = |kpi: &str, target: f64| match total[kpi].as_f64() {
        Some(v) if v >= target => "ok",
        Some(_) => "bad",
        None => "",
    };
    vec![
        Tile {
            label: "EU collection rate",
            value: number(&total["eu_collection_rate_pct"], "%"),
            status: against("eu_collection_rate_pct", EU_COLLECTION_TARGET_PCT),
            note: format!("target {EU_COLLECTION_TARGET_PCT} % · documented"),
        },
        Tile {
            label: "Recycling rate",
            value: number(&total["recycling_rate_pct"], "%"),
            status: against("recycling_rate_pct", ITU_RECYCLING_TARGET_PCT),
            note: format!("target {ITU_RECYCLING_TARGET_PCT} % · of modelled WEEE generated"),
        },
        Tile {
            label: "Collected",
            value: number(&total["collected_kg"], "kg"),
            status: "",
            note: match total["collected_kg_per_capita"].as_f64() {
                Some(v) => format!("{v:.3} kg per inhabitant"),
                None => "population not registered".into(),
            },
        },
        Tile {
            label: "Prepared for re-use",
            value: number(&total["prepared_for_reuse_share_pct"], "%"),
            status: "",
            note: "share of collected mass · documented".into(),
        },
    ]
}

fn csv_of(chart: &Chart) -> String {
    let header: Vec<Cell> = chart.columns.iter().map(Cell::text).collect();
    csv::write(std::iter::once(header.as_slice()).chain(chart.rows.iter().map(Vec::as_slice)))
}

fn csv_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(body)
}

/// `GET /cities/{locode}`.
pub async fn city(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let locode = locode_of(&path)?;
    let (city, facts) = state.ledger.city_facts(locode.as_str().to_string()).await?;
    let year = chosen_year(&query, &facts)?;
    let (stats, charts) = city_charts(&city, &facts, year)?;
    let last = facts.keys().map(|k| k.year).max().unwrap_or(year).max(year);
    let definitions = stats["definitions"]
        .as_object()
        .map(|d| {
            d.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| format!("{k}: {}", cell(v)))
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    html(
        StatusCode::OK,
        &CityPage {
            tiles: tiles(&stats["total"]),
            name: city.name.clone(),
            locode: city.locode.clone(),
            year,
            population: if city.population > 0 {
                format!("{} inhabitants ({})", city.population, city.population_year)
            } else {
                "population not registered".into()
            },
            years: ((year - 4).max(last - SERIES_YEARS)..=last.max(year)).collect(),
            charts,
            json_link: format!("/v1/stats/{}?year={year}", city.locode),
            definitions,
        },
    )
}

/// `GET /cities/{locode}/{chart}.csv`: the table under a chart.
pub async fn chart_csv(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let (code, file) = path.into_inner();
    let locode = locode_of(&code)?;
    let (city, facts) = state.ledger.city_facts(locode.as_str().to_string()).await?;
    let year = chosen_year(&query, &facts)?;
    let (_, charts) = city_charts(&city, &facts, year)?;
    let wanted = file.strip_suffix(".csv").unwrap_or(&file);
    let chart = charts.iter().find(|c| c.id == wanted).ok_or_else(|| {
        Problem::not_found(format!(
            "There is no chart `{file}`; the charts are flows, rates, materials and lifespans."
        ))
    })?;
    Ok(csv_response(csv_of(chart)))
}

/// The year asked for, else the latest with documented figures in any city.
async fn comparison_year(state: &AppState, query: &YearQuery) -> Result<i32, Problem> {
    let facts = if query.year.is_some() {
        Facts::new()
    } else {
        state.ledger.statistics_facts().await?
    };
    chosen_year(query, &facts)
}

/// `GET /cities`.
pub async fn cities(
    state: web::Data<AppState>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let year = comparison_year(&state, &query).await?;
    let chart = comparison(&state, year).await?;
    html(StatusCode::OK, &CitiesPage { year, chart })
}

/// `GET /cities.csv`.
pub async fn cities_csv(
    state: web::Data<AppState>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let year = comparison_year(&state, &query).await?;
    Ok(csv_response(csv_of(&comparison(&state, year).await?)))
}
