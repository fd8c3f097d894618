//! City dashboards: `GET /cities/{locode}?year=` (headline rates against their targets, flows
//! over the years, rates by category, materials recovered, lifespans against the model, each
//! chart with its table and CSV at `GET /cities/{locode}/{chart}.csv`) and `GET /cities`
//! comparing cities (CSV at `GET /cities.csv`). Everything comes from the same KPIs as
//! `GET /v1/stats`.

use super::charts::{bar_chart, line_chart, Line, PALETTE};
use super::pages::html;
use super::problem::Problem;
use super::AppState;
use crate::domain::identifiers::Locode;
use crate::domain::records::CityRecord;
use crate::domain::reference;
use crate::domain::stats::facts::{Facts, Metric};
use crate::domain::stats::kpis::{
    city_statistics, EU_COLLECTION_TARGET_PCT, ITU_RECYCLING_TARGET_PCT,
};
use crate::ledger::stats::info;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;
use serde_json::Value;

/// Years shown in the time series, at most.
const SERIES_YEARS: i32 = 12;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

/// A chart, and the table it draws.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub note: &'static str,
    pub svg: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub csv: String,
}

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

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn chart_failed(error: String) -> Problem {
    LedgerError::Internal(error).into()
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
    let year = query
        .year
        .or(latest)
        .unwrap_or_else(|| chrono::Utc::now().year());
    if !(1950..=2200).contains(&year) {
        return Err(Problem::bad_request(
            "invalid-query",
            format!("`year` must be between 1950 and 2200, not {year}."),
        ));
    }
    Ok(year)
}

/// Every chart of a city's dashboard for `year`.
fn charts(city: &CityRecord, facts: &Facts, year: i32) -> Result<(Value, Vec<Chart>), Problem> {
    let first = facts
        .keys()
        .filter(|k| k.metric != Metric::PomBaseline)
        .map(|k| k.year)
        .min()
        .unwrap_or(year)
        .max(year - SERIES_YEARS + 1)
        .min(year);
    let series: Vec<(i32, Value)> = (first..=year)
        .map(|y| (y, city_statistics(&info(city), y, facts)))
        .collect();
    let stats = series.last().map(|(_, s)| s.clone()).unwrap_or(Value::Null);
    let csv = |id: &str| format!("/cities/{}/{id}.csv?year={year}", city.locode);

    let flows = [
        ("placed on the market", "pom_kg"),
        ("collected", "collected_kg"),
        ("recycled", "recycled_kg"),
        ("prepared for re-use", "prepared_for_reuse_kg"),
        ("exported", "exported_kg"),
        ("disposed", "disposed_kg"),
    ];
    let lines: Vec<Line> = flows
        .iter()
        .zip(PALETTE)
        .map(|((name, kpi), color)| Line {
            name,
            color,
            points: series
                .iter()
                .map(|(y, s)| (*y, s["total"][kpi].as_f64().unwrap_or(0.0)))
                .collect(),
        })
        .collect();
    let flows_chart = Chart {
        id: "flows",
        title: format!("Flows per year, {first}–{year} (kg)"),
        note: "Documented: sums of signed events. Sales count where they happened; collection and treatment where the product was collected.",
        svg: line_chart("kg", &lines).map_err(chart_failed)?,
        columns: std::iter::once("year".to_string())
            .chain(flows.iter().map(|(name, _)| format!("{name} (kg)")))
            .collect(),
        rows: series
            .iter()
            .map(|(y, s)| {
                std::iter::once(y.to_string())
                    .chain(flows.iter().map(|(_, kpi)| cell(&s["total"][kpi])))
                    .collect()
            })
            .collect(),
        csv: csv("flows"),
    };

    let total = &stats["total"];
    let mut rates: Vec<(String, Value, Option<f64>)> = vec![
        (
            "EU collection rate".into(),
            total["eu_collection_rate_pct"].clone(),
            Some(EU_COLLECTION_TARGET_PCT),
        ),
        (
            "Collected vs generated (modelled)".into(),
            total["collection_rate_vs_generated_pct"].clone(),
            None,
        ),
        (
            "Recycling rate (modelled)".into(),
            total["recycling_rate_pct"].clone(),
            Some(ITU_RECYCLING_TARGET_PCT),
        ),
    ];
    for category in reference::weee_categories() {
        let group = &stats["by_eu6"][category.category.to_string()];
        if group["collected_kg"].as_f64().unwrap_or(0.0) > 0.0 {
            rates.push((
                format!("Recovery, EU-6 cat. {}", category.category),
                group["recovery_rate_pct"].clone(),
                category.recovery_target_pct.map(f64::from),
            ));
        }
    }
    let rates_chart = Chart {
        id: "rates",
        title: format!("Rates against their targets, {year} (%)"),
        note: "Bars are the city's rates; black ticks the targets: 65 % collection (Directive 2012/19/EU Art. 7), 30 % recycling (ITU), Annex V recovery per category.",
        svg: bar_chart(
            "%",
            &rates
                .iter()
                .map(|(name, value, target)| (name.clone(), value.as_f64().unwrap_or(0.0), *target))
                .collect::<Vec<_>>(),
        )
        .map_err(chart_failed)?,
        columns: vec!["rate".into(), "value (%)".into(), "target (%)".into()],
        rows: rates
            .iter()
            .map(|(name, value, target)| {
                vec![name.clone(), cell(value), target.map(|t| t.to_string()).unwrap_or_default()]
            })
            .collect(),
        csv: csv("rates"),
    };

    let materials: Vec<(String, f64)> = total["fractions_kg"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    let materials_chart = Chart {
        id: "materials",
        title: format!("Material recovered by fraction, {year} (kg)"),
        note: "Output fractions of recycling operations attributed to this city.",
        svg: bar_chart(
            "kg",
            &materials
                .iter()
                .map(|(m, kg)| (m.clone(), *kg, None))
                .collect::<Vec<_>>(),
        )
        .map_err(chart_failed)?,
        columns: vec!["material".into(), "kg".into()],
        rows: materials
            .iter()
            .map(|(m, kg)| vec![m.clone(), kg.to_string()])
            .collect(),
        csv: csv("materials"),
    };

    let mut lifespans = Vec::new();
    if let Some(keys) = stats["by_unu_key"].as_object() {
        for (key, group) in keys {
            if group["observed_lifespan_units"].as_i64().unwrap_or(0) > 0 {
                lifespans.push((key.clone(), group.clone()));
            }
        }
    }
    let lifespan_chart = Chart {
        id: "lifespans",
        title: format!("Observed lifespans against the model, {year} (years)"),
        note: "Mean years from first sale to collection of the units collected this year; black ticks the Weibull model's mean lifespan for the category.",
        svg: bar_chart(
            "years",
            &lifespans
                .iter()
                .map(|(key, g)| {
                    (
                        key.clone(),
                        g["observed_lifespan_mean_years"].as_f64().unwrap_or(0.0),
                        g["weibull_mean_years"].as_f64(),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .map_err(chart_failed)?,
        columns: ["UNU-KEY", "category", "units", "mean (years)", "median (years)", "model mean (years)"]
            .map(String::from)
            .to_vec(),
        rows: lifespans
            .iter()
            .map(|(key, g)| {
                vec![
                    key.clone(),
                    reference::unu_key(key).map(|k| k.description.clone()).unwrap_or_default(),
                    cell(&g["observed_lifespan_units"]),
                    cell(&g["observed_lifespan_mean_years"]),
                    cell(&g["observed_lifespan_median_years"]),
                    cell(&g["weibull_mean_years"]),
                ]
            })
            .collect(),
        csv: csv("lifespans"),
    };
    Ok((
        stats,
        vec![flows_chart, rates_chart, materials_chart, lifespan_chart],
    ))
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
    let quote = |text: &str| {
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for row in std::iter::once(&chart.columns).chain(&chart.rows) {
        out.push_str(&row.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
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
    let (stats, charts) = charts(&city, &facts, year)?;
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
    let (_, charts) = charts(&city, &facts, year)?;
    let wanted = file.strip_suffix(".csv").unwrap_or(&file);
    let chart = charts.iter().find(|c| c.id == wanted).ok_or_else(|| {
        Problem::not_found(format!(
            "There is no chart `{file}`; the charts are flows, rates, materials and lifespans."
        ))
    })?;
    Ok(csv_response(csv_of(chart)))
}

/// The cities side by side for `year`.
async fn comparison(state: &AppState, year: i32) -> Result<Chart, Problem> {
    let all = state.ledger.all_statistics(year).await?;
    let cities = all["cities"].as_array().cloned().unwrap_or_default();
    let kpis = [
        ("collected (kg)", "collected_kg"),
        ("collected per inhabitant (kg)", "collected_kg_per_capita"),
        ("EU collection rate (%)", "eu_collection_rate_pct"),
        ("recycling rate (%)", "recycling_rate_pct"),
        ("prepared for re-use (kg)", "prepared_for_reuse_kg"),
        ("placed on the market (kg)", "pom_kg"),
    ];
    Ok(Chart {
        id: "cities",
        title: format!("Collected per inhabitant, {year} (kg)"),
        note: "Each city's documented collection divided by its registered population.",
        svg: bar_chart(
            "kg per inhabitant",
            &cities
                .iter()
                .map(|c| {
                    (
                        format!("{} ({})", cell(&c["name"]), cell(&c["city"])),
                        c["total"]["collected_kg_per_capita"]
                            .as_f64()
                            .unwrap_or(0.0),
                        None,
                    )
                })
                .collect::<Vec<_>>(),
        )
        .map_err(chart_failed)?,
        columns: std::iter::once("city".to_string())
            .chain(kpis.iter().map(|(name, _)| name.to_string()))
            .collect(),
        rows: cities
            .iter()
            .map(|c| {
                std::iter::once(cell(&c["city"]))
                    .chain(kpis.iter().map(|(_, kpi)| cell(&c["total"][kpi])))
                    .collect()
            })
            .collect(),
        csv: format!("/cities.csv?year={year}"),
    })
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
