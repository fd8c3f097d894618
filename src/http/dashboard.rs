//! City dashboards: `GET /cities/{locode}?year=` (headline rates against their targets and the
//! charts of `city_charts.rs`, each with its table and CSV at `GET /cities/{locode}/{chart}.csv`)
//! and `GET /cities` comparing cities (CSV at `GET /cities.csv`).

// `Figure` is matched in templates/chart.html.
use super::charts::Figure;
use super::city_charts::{
    cell, city_charts, comparison, rate_notes, Chart, Note, RateRow, NEGATIVE_STOCK, SERIES_YEARS,
};
use super::numbers;
use super::pages::html;
use super::problem::Problem;
use super::stats::YearQuery;
use super::transit_page::TransitSummary;
use super::AppState;
use crate::demo::plan::{is_demo_city, POM_KG_PER_INHABITANT};
use crate::domain::csv::{self, Cell};
use crate::domain::identifiers::Locode;
use crate::domain::records::CityRecord;
use crate::domain::stats::facts::{Facts, Metric};
use crate::domain::stats::reading::{Reading, MIN_BASE_KG, MIN_BASE_UNITS};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde_json::Value;

/// A headline figure.
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    /// `ok`, `bad`, `small` (not judged) or empty when there is no target.
    pub status: &'static str,
    pub note: String,
    /// Short explanations under the figure, when it needs them.
    pub why: Vec<Note>,
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
    /// For a demo city: what its sample is, at what scale.
    demo: Option<String>,
    is_demo: bool,
    /// The small-base thresholds, as the notes state them.
    min_base_kg: String,
    min_base_units: String,
    /// The hand-overs from or to the city's actors still in transit.
    transit: TransitSummary,
}

#[derive(Template)]
#[template(path = "cities.html")]
struct CitiesPage {
    year: i32,
    years: Vec<i32>,
    chart: Chart,
    /// Whether any city is a demo city.
    is_demo: bool,
    min_base_kg: String,
    min_base_units: String,
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
    query.or(latest_year(facts))
}

fn latest_year(facts: &Facts) -> Option<i32> {
    facts
        .keys()
        .filter(|k| k.metric != Metric::PomBaseline)
        .map(|k| k.year)
        .max()
}

/// The years a page offers around `year`: four before it, up to the year after it or the
/// latest with figures, and never a year that has not begun (`this_year` is today's).
fn year_choices(year: i32, latest: Option<i32>, this_year: i32) -> Vec<i32> {
    let last = (year + 1).max(latest.unwrap_or(year)).min(this_year);
    let first = (year - 4).max(last - SERIES_YEARS);
    (first..=last).collect()
}

fn this_year() -> i32 {
    chrono::Utc::now().year()
}

/// A mass per inhabitant: grams below a kilogram (a sample's figures are tiny).
fn per_inhabitant(kg: f64) -> String {
    if kg.abs() >= 1.0 {
        format!("{} kg per inhabitant", numbers::kg(kg))
    } else {
        format!("{} g per inhabitant", numbers::significant(kg * 1000.0, 2))
    }
}

/// The part of the collected mass that came through channel `informal`, in plain words
/// beside the collection figure: "of which informal: 12.5 kg (3.1 %)".
fn informal_part(total: &Value) -> String {
    let kg = numbers::kg(total["collected_informal_kg"].as_f64().unwrap_or(0.0));
    match total["informal_share_pct"].as_f64() {
        Some(share) => format!("of which informal: {kg} kg ({})", numbers::percent(share)),
        None => format!("of which informal: {kg} kg"),
    }
}

/// A headline rate, read against its target.
fn rate_tile(label: &'static str, rate: &RateRow, what: &str) -> Tile {
    let judged = match rate.reading {
        Reading::SmallBase => format!("base too small ({} kg)", numbers::kg(rate.base.kg)),
        reading => reading.words().to_string(),
    };
    let note = match (rate.target, rate.reading) {
        (_, Reading::NoFigure) | (None, Reading::NoTarget) => what.to_string(),
        (Some(target), _) => format!("target {} % · {judged} · {what}", numbers::fixed(target, 0)),
        (None, _) => format!("{what} · {judged}"),
    };
    Tile {
        label,
        value: rate.shown(),
        status: rate.class(),
        note,
        why: rate_notes([rate]),
    }
}

fn tiles(total: &Value, rates: &[RateRow; 3], year: i32) -> Vec<Tile> {
    let [eu, recycling, prepared] = rates;
    let kg = |kpi: &str| {
        total[kpi]
            .as_f64()
            .map_or("n/a".into(), |v| format!("{} kg", numbers::kg(v)))
    };
    let stock = total["in_use_stock_kg"].as_f64().unwrap_or(0.0);
    vec![
        rate_tile("EU collection rate", eu, "documented"),
        rate_tile("Recycling rate", recycling, "of modelled WEEE generated"),
        Tile {
            label: "Collected",
            value: kg("collected_kg"),
            status: "",
            note: match total["collected_kg_per_capita"].as_f64() {
                Some(v) => per_inhabitant(v),
                None => "population not registered".into(),
            },
            why: vec![Note {
                text: informal_part(total),
                anchor: None,
            }],
        },
        rate_tile(
            "Prepared for re-use",
            prepared,
            "share of collected mass · documented",
        ),
        Tile {
            label: "In use",
            value: kg("in_use_stock_kg"),
            status: "",
            note: format!("sold minus collected, up to {year} · documented"),
            why: if stock < 0.0 {
                vec![Note {
                    text: "Below zero: the products collected weighed more, measured at collection, than declared when sold.".into(),
                    anchor: Some(NEGATIVE_STOCK),
                }]
            } else {
                Vec::new()
            },
        },
    ]
}

/// What a demo city's figures are: a sample, at a scale stated from the year's sales.
fn demo_scale(city: &CityRecord, total: &Value, year: i32) -> Option<String> {
    if !is_demo_city(&city.name) {
        return None;
    }
    let mut text = format!(
        "A demo city: its events are a simulated sample, not the city's real flows, divided by the city's real population ({} in {}).",
        numbers::count(city.population as i64),
        city.population_year
    );
    let sold_kg = total["pom_kg"].as_f64().unwrap_or(0.0);
    if sold_kg > 0.0 && city.population > 0 {
        let real_kg = city.population as f64 * POM_KG_PER_INHABITANT;
        text.push_str(&format!(
            " The sample's sales in {year}, {} kg, are about 1 in {} of the {} tonnes that many inhabitants buy at about {} kg of new equipment each a year.",
            numbers::kg(sold_kg),
            numbers::significant(real_kg / sold_kg, 2),
            numbers::kg(real_kg / 1000.0),
            numbers::fixed(POM_KG_PER_INHABITANT, 0),
        ));
    }
    text.push_str(" Totals and figures per inhabitant are that much smaller than the city's real ones; rates, shares and lifespans do not depend on the scale.");
    Some(text)
}

fn csv_of(chart: &Chart) -> String {
    let header: Vec<Cell> = chart.columns.iter().map(|c| Cell::text(&c.name)).collect();
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
    let (stats, charts, rates) = city_charts(&city, &facts, year);
    let latest = facts.keys().map(|k| k.year).max();
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
    let transit = super::transit_page::summary(&state, &city.locode).await?;
    html(
        StatusCode::OK,
        &CityPage {
            transit,
            tiles: tiles(&stats["total"], &rates, year),
            demo: demo_scale(&city, &stats["total"], year),
            is_demo: is_demo_city(&city.name),
            name: city.name.clone(),
            locode: city.locode.clone(),
            year,
            population: if city.population > 0 {
                format!(
                    "{} inhabitants ({})",
                    numbers::count(city.population as i64),
                    city.population_year
                )
            } else {
                "population not registered".into()
            },
            years: year_choices(year, latest, this_year()),
            charts,
            json_link: format!("/v1/stats/{}?year={year}", city.locode),
            definitions,
            min_base_kg: numbers::kg(MIN_BASE_KG),
            min_base_units: numbers::count(MIN_BASE_UNITS),
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
    let (_, charts, _) = city_charts(&city, &facts, year);
    let wanted = file.strip_suffix(".csv").unwrap_or(&file);
    let chart = charts.iter().find(|c| c.id == wanted).ok_or_else(|| {
        Problem::not_found(format!(
            "There is no chart `{file}`; the charts are flows, rates, materials and lifespans."
        ))
    })?;
    Ok(csv_response(csv_of(chart)))
}

/// `GET /cities`.
pub async fn cities(
    state: web::Data<AppState>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let facts = state.ledger.statistics_facts().await?;
    let year = chosen_year(&query, &facts)?;
    let (chart, is_demo) = comparison(&state, year, &facts).await?;
    html(
        StatusCode::OK,
        &CitiesPage {
            year,
            years: year_choices(year, latest_year(&facts), this_year()),
            chart,
            is_demo,
            min_base_kg: numbers::kg(MIN_BASE_KG),
            min_base_units: numbers::count(MIN_BASE_UNITS),
        },
    )
}

/// `GET /cities.csv`.
pub async fn cities_csv(
    state: web::Data<AppState>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, Problem> {
    let facts = state.ledger.statistics_facts().await?;
    let year = chosen_year(&query, &facts)?;
    Ok(csv_response(csv_of(
        &comparison(&state, year, &facts).await?.0,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_year_that_has_not_begun_is_offered() {
        assert_eq!(
            year_choices(2025, Some(2025), 2026),
            [2021, 2022, 2023, 2024, 2025, 2026]
        );
        assert_eq!(
            year_choices(2026, Some(2026), 2026),
            [2022, 2023, 2024, 2025, 2026]
        );
        assert_eq!(
            year_choices(2030, None, 2026),
            [2026],
            "a future year asked for is not offered"
        );
        assert_eq!(
            year_choices(2020, Some(2025), 2026),
            (2016..=2025).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_informal_part_reads_in_plain_words() {
        let total = serde_json::json!({"collected_informal_kg": 12.5, "informal_share_pct": 3.06});
        assert_eq!(informal_part(&total), "of which informal: 12.5 kg (3.1 %)");
        let nothing = serde_json::json!({"collected_informal_kg": 0.0, "informal_share_pct": null});
        assert_eq!(informal_part(&nothing), "of which informal: 0 kg");
    }

    #[test]
    fn per_inhabitant_masses_of_a_sample_are_grams() {
        assert_eq!(per_inhabitant(0.000182), "0.18 g per inhabitant");
        assert_eq!(per_inhabitant(11.346), "11.3 kg per inhabitant");
    }
}
