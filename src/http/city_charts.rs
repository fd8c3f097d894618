//! What the dashboards chart: the four charts of a city's dashboard (flows over the years,
//! rates against targets, materials recovered, lifespans against the model) and the comparison
//! of cities, each with the table it draws. Computed from the same KPIs as `GET /v1/stats`.

use super::charts::{bar_chart, line_chart, Line, PALETTE};
use super::problem::Problem;
use super::AppState;
use crate::domain::csv::Cell;
use crate::domain::records::CityRecord;
use crate::domain::reference;
use crate::domain::stats::facts::{Facts, Metric};
use crate::domain::stats::kpis::{
    city_statistics, EU_COLLECTION_TARGET_PCT, ITU_RECYCLING_TARGET_PCT,
};
use crate::ledger::stats::info;
use crate::ledger::LedgerError;
use serde_json::Value;

/// Years shown in the time series, at most.
pub const SERIES_YEARS: i32 = 12;

/// A chart, and the table it draws.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub note: &'static str,
    pub svg: String,
    pub columns: Vec<String>,
    /// Typed cells: the CSV neutralises text and leaves numbers usable (`domain::csv`).
    pub rows: Vec<Vec<Cell>>,
    pub csv: String,
}

/// A KPI's value as a table cell (empty when it cannot be computed).
pub fn cell(value: &Value) -> Cell {
    Cell::json(value)
}

pub fn chart_failed(error: String) -> Problem {
    LedgerError::Internal(error).into()
}

/// Every chart of a city's dashboard for `year`, and the year's statistics.
pub fn city_charts(
    city: &CityRecord,
    facts: &Facts,
    year: i32,
) -> Result<(Value, Vec<Chart>), Problem> {
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
                std::iter::once(Cell::int(i64::from(*y)))
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
                vec![
                    Cell::text(name.clone()),
                    cell(value),
                    target.map(Cell::float).unwrap_or_else(|| Cell::text("")),
                ]
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
            .map(|(m, kg)| vec![Cell::text(m.clone()), Cell::float(*kg)])
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
                    Cell::text(key.clone()),
                    Cell::text(
                        reference::unu_key(key)
                            .map(|k| k.description.clone())
                            .unwrap_or_default(),
                    ),
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

/// The cities side by side for `year`.
pub async fn comparison(state: &AppState, year: i32) -> Result<Chart, Problem> {
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
