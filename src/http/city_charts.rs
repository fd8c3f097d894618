//! What the dashboards chart: the four charts of a city's dashboard (flows over the years,
//! rates against targets, materials recovered, lifespans against the model) and the comparison
//! of cities, each with the table it draws and the short notes its figures need. Computed from
//! the same KPIs as `GET /v1/stats`; the CSV of a table keeps the KPIs' digits, the page shows
//! them formatted (`numbers`).

use super::charts::{bar_chart, line_chart, Bar, Figure, Line};
use super::numbers;
use super::problem::Problem;
use super::AppState;
use crate::demo::plan::is_demo_city;
use crate::domain::csv::Cell;
use crate::domain::records::CityRecord;
use crate::domain::reference;
use crate::domain::stats::facts::{Facts, Metric};
use crate::domain::stats::kpis::{
    city_statistics, EU_COLLECTION_TARGET_PCT, ITU_RECYCLING_TARGET_PCT,
};
use crate::domain::stats::reading::{
    eu_collection_base_kg, read, Base, Rate, Reading, MIN_BASE_KG, MIN_BASE_UNITS,
};
use crate::ledger::stats::info;
use serde_json::Value;

/// Years shown in the time series, at most.
pub const SERIES_YEARS: i32 = 12;

/// How a page shows a column's numbers (its CSV keeps them as the KPIs give them).
#[derive(Clone, Copy, Debug)]
pub enum Format {
    Text,
    /// A year: no thousands separator.
    Year,
    Kg,
    /// A percentage or a number of years: one decimal.
    OneDecimal,
    Count,
    /// Two significant digits: per-inhabitant masses of a sample are tiny.
    Small,
}

pub struct Column {
    pub name: String,
    pub format: Format,
}

fn column(name: impl Into<String>, format: Format) -> Column {
    Column {
        name: name.into(),
        format,
    }
}

/// A short explanation under a figure; `anchor` links the page's longer note (the notes
/// follow docs/kpis.md's sections of the same names).
pub struct Note {
    pub text: String,
    pub anchor: Option<&'static str>,
}

/// The anchors of the notes at the foot of a dashboard.
pub const SMALL_BASE: &str = "small-base";
pub const OVER_100: &str = "over-100";
pub const NEGATIVE_STOCK: &str = "negative-stock";

pub fn small_base_note() -> Note {
    Note {
        text: format!(
            "Base too small: a rate over less than {} kg (or fewer than {} products) is shown but not judged against its target.",
            numbers::kg(MIN_BASE_KG),
            numbers::count(MIN_BASE_UNITS)
        ),
        anchor: Some(SMALL_BASE),
    }
}

pub fn over_100_note() -> Note {
    Note {
        text: "Above 100 %: a year can treat products collected the year before, and a modelled base can fall short of what was really recycled.".into(),
        anchor: Some(OVER_100),
    }
}

/// A chart, and the table it draws.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub note: String,
    pub figure: Figure,
    pub notes: Vec<Note>,
    pub columns: Vec<Column>,
    /// Typed cells: the CSV neutralises text and leaves numbers usable (`domain::csv`).
    pub rows: Vec<Vec<Cell>>,
    /// The same cells as the page shows them, formatted by their column.
    pub shown: Vec<Vec<String>>,
    pub csv: String,
}

impl Chart {
    fn new(
        id: &'static str,
        title: String,
        note: impl Into<String>,
        figure: Figure,
        columns: Vec<Column>,
        rows: Vec<Vec<Cell>>,
        csv: String,
    ) -> Chart {
        let shown = rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&columns)
                    .map(|(cell, column)| shown(cell, column.format))
                    .collect()
            })
            .collect();
        Chart {
            id,
            title,
            note: note.into(),
            figure,
            notes: Vec::new(),
            columns,
            rows,
            shown,
            csv,
        }
    }
}

/// A cell as a page shows it in a column of `format`.
fn shown(cell: &Cell, format: Format) -> String {
    let Some(value) = cell.number() else {
        return cell.to_string();
    };
    match format {
        Format::Text | Format::Year => cell.to_string(),
        Format::Kg => numbers::kg(value),
        Format::OneDecimal => numbers::fixed(value, 1),
        Format::Count => numbers::fixed(value, 0),
        Format::Small => numbers::significant(value, 2),
    }
}

/// A KPI's value as a table cell (empty when it cannot be computed).
pub fn cell(value: &Value) -> Cell {
    Cell::json(value)
}

/// A mass to the gram, as the CSV gives a base.
fn grams_cell(kg: f64) -> Cell {
    Cell::float((kg * 1000.0).round() / 1000.0)
}

/// A rate of a dashboard, read against its target.
pub struct RateRow {
    pub name: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub base: Base,
    pub reading: Reading,
}

impl RateRow {
    fn new(
        name: impl Into<String>,
        group: &Value,
        rate: Rate,
        target: Option<f64>,
        eu_base: f64,
    ) -> RateRow {
        let value = group[rate.kpi()].as_f64();
        let base = rate.base(group, eu_base);
        RateRow {
            name: name.into(),
            value,
            target,
            base,
            reading: read(value, base, target),
        }
    }

    /// The style of its figure: green when met, red when not, grey when not judged.
    pub fn class(&self) -> &'static str {
        match self.reading {
            Reading::Met => "ok",
            Reading::NotMet => "bad",
            Reading::SmallBase => "small",
            Reading::NoFigure | Reading::NoTarget => "",
        }
    }

    /// Its value as a page shows it.
    pub fn shown(&self) -> String {
        self.value.map_or("n/a".into(), numbers::percent)
    }

    /// Whether the figure is one to draw and compare (not over a base too small).
    fn drawn(&self) -> Option<f64> {
        match self.reading {
            Reading::Met | Reading::NotMet | Reading::NoTarget => self.value,
            Reading::SmallBase | Reading::NoFigure => None,
        }
    }
}

/// The notes a set of rates needs under it.
pub fn rate_notes<'a>(rates: impl IntoIterator<Item = &'a RateRow>) -> Vec<Note> {
    let rates: Vec<&RateRow> = rates.into_iter().collect();
    let mut notes = Vec::new();
    if rates.iter().any(|r| r.reading == Reading::SmallBase) {
        notes.push(small_base_note());
    }
    if rates.iter().any(|r| r.value.is_some_and(|v| v > 100.0)) {
        notes.push(over_100_note());
    }
    notes
}

/// Every chart of a city's dashboard for `year`, the year's statistics, and its headline rates
/// (EU collection, recycling, prepared for re-use share) read against their targets.
pub fn city_charts(
    city: &CityRecord,
    facts: &Facts,
    year: i32,
) -> (Value, Vec<Chart>, [RateRow; 3]) {
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
    let total = &stats["total"];
    let eu_base = eu_collection_base_kg(year, facts);

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
        .map(|(name, kpi)| Line {
            name,
            points: series
                .iter()
                .map(|(y, s)| (*y, s["total"][kpi].as_f64().unwrap_or(0.0)))
                .collect(),
        })
        .collect();
    let nothing = lines.iter().all(|l| l.points.iter().all(|p| p.1 == 0.0));
    let mut flows_chart = Chart::new(
        "flows",
        if first == year {
            format!("Flows in {year} (kg)")
        } else {
            format!("Flows per year, {first}–{year} (kg)")
        },
        "Documented: sums of signed events. Sales count where they happened; collection and treatment where the product was collected.",
        if nothing {
            Figure::Empty(format!("No sales, collection or treatment recorded up to {year}."))
        } else {
            Figure::Lines(line_chart(&lines))
        },
        std::iter::once(column("year", Format::Year))
            .chain(flows.iter().map(|(name, _)| column(format!("{name} (kg)"), Format::Kg)))
            .collect(),
        series
            .iter()
            .map(|(y, s)| {
                std::iter::once(Cell::int(i64::from(*y)))
                    .chain(flows.iter().map(|(_, kpi)| cell(&s["total"][kpi])))
                    .collect()
            })
            .collect(),
        csv("flows"),
    );
    if first == year && !nothing {
        flows_chart.notes.push(Note {
            text: format!("Only {year} has figures: a trend needs at least two years, so each flow is one dot. The figures are in the table."),
            anchor: None,
        });
    }

    let mut rates = vec![
        RateRow::new(
            "EU collection rate",
            total,
            Rate::EuCollection,
            Some(EU_COLLECTION_TARGET_PCT),
            eu_base,
        ),
        RateRow::new(
            "Collected vs generated (modelled)",
            total,
            Rate::CollectedVsGenerated,
            None,
            eu_base,
        ),
        RateRow::new(
            "Recycling rate (modelled)",
            total,
            Rate::Recycling,
            Some(ITU_RECYCLING_TARGET_PCT),
            eu_base,
        ),
    ];
    for category in reference::weee_categories() {
        let group = &stats["by_eu6"][category.category.to_string()];
        if group["collected_kg"].as_f64().unwrap_or(0.0) > 0.0 {
            rates.push(RateRow::new(
                format!("Recovery, EU-6 cat. {}", category.category),
                group,
                Rate::Recovery,
                category.recovery_target_pct.map(f64::from),
                eu_base,
            ));
        }
    }
    let mut rates_chart = Chart::new(
        "rates",
        format!("Rates against their targets, {year} (%)"),
        "Bars are the city's rates; black ticks the targets: 65 % collection (Directive 2012/19/EU Art. 7), 30 % recycling (ITU), Annex V recovery per category.",
        Figure::Bars(bar_chart(
            "%",
            rates
                .iter()
                .map(|rate| Bar {
                    label: rate.name.clone(),
                    value: rate.drawn(),
                    shown: rate.shown(),
                    verdict: match rate.reading {
                        Reading::NoTarget | Reading::NoFigure => None,
                        reading => Some(reading.words().to_string()),
                    },
                    target: rate.target,
                    class: rate.class(),
                })
                .collect(),
        )),
        vec![
            column("rate", Format::Text),
            column("value (%)", Format::OneDecimal),
            column("target (%)", Format::OneDecimal),
            column("base (kg)", Format::Kg),
            column("reading", Format::Text),
        ],
        rates
            .iter()
            .map(|rate| {
                vec![
                    Cell::text(rate.name.clone()),
                    rate.value.map(Cell::float).unwrap_or_else(|| Cell::text("")),
                    rate.target.map(Cell::float).unwrap_or_else(|| Cell::text("")),
                    grams_cell(rate.base.kg),
                    Cell::text(rate.reading.words()),
                ]
            })
            .collect(),
        csv("rates"),
    );
    rates_chart.notes = rate_notes(&rates);

    let materials: Vec<(String, f64)> = total["fractions_kg"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    let materials_chart = Chart::new(
        "materials",
        format!("Material recovered by fraction, {year} (kg)"),
        "Output fractions of recycling operations attributed to this city.",
        if materials.is_empty() {
            Figure::Empty(format!("No recycling output recorded in {year}."))
        } else {
            Figure::Bars(bar_chart(
                "kg",
                materials
                    .iter()
                    .map(|(m, kg)| Bar {
                        label: m.clone(),
                        value: Some(*kg),
                        shown: format!("{} kg", numbers::kg(*kg)),
                        verdict: None,
                        target: None,
                        class: "",
                    })
                    .collect(),
            ))
        },
        vec![column("material", Format::Text), column("kg", Format::Kg)],
        materials
            .iter()
            .map(|(m, kg)| vec![Cell::text(m.clone()), Cell::float(*kg)])
            .collect(),
        csv("materials"),
    );

    let mut lifespans = Vec::new();
    if let Some(keys) = stats["by_unu_key"].as_object() {
        for (key, group) in keys {
            if group["observed_lifespan_units"].as_i64().unwrap_or(0) > 0 {
                lifespans.push((key.clone(), group.clone()));
            }
        }
    }
    let lifespan_chart = Chart::new(
        "lifespans",
        format!("Observed lifespans against the model, {year} (years)"),
        "Mean years from first sale to collection of the units collected this year; black ticks the Weibull model's mean lifespan for the category.",
        if lifespans.is_empty() {
            Figure::Empty(format!("No product with a recorded first sale was collected in {year}."))
        } else {
            Figure::Bars(bar_chart(
                "years",
                lifespans
                    .iter()
                    .map(|(key, g)| {
                        let mean = g["observed_lifespan_mean_years"].as_f64();
                        Bar {
                            label: match reference::unu_key(key) {
                                Some(k) => format!("{key} {}", k.description),
                                None => key.clone(),
                            },
                            value: mean,
                            shown: mean.map_or("n/a".into(), |y| format!("{} years", numbers::fixed(y, 1))),
                            verdict: None,
                            target: g["weibull_mean_years"].as_f64(),
                            class: "",
                        }
                    })
                    .collect(),
            ))
        },
        vec![
            column("UNU-KEY", Format::Text),
            column("category", Format::Text),
            column("units", Format::Count),
            column("mean (years)", Format::OneDecimal),
            column("median (years)", Format::OneDecimal),
            column("model mean (years)", Format::OneDecimal),
        ],
        lifespans
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
        csv("lifespans"),
    );
    let mut headline = rates.into_iter();
    let eu = headline.next().expect("the EU collection rate");
    let recycling = headline.nth(1).expect("the recycling rate");
    let prepared = RateRow::new(
        "Prepared for re-use",
        total,
        Rate::PreparedShare,
        None,
        eu_base,
    );
    (
        stats,
        vec![flows_chart, rates_chart, materials_chart, lifespan_chart],
        [eu, recycling, prepared],
    )
}

/// The cities side by side for `year`, and whether any of them is a demo city; `facts` are
/// every city's (for the EU collection rate's base, which is no KPI of its own).
pub async fn comparison(
    state: &AppState,
    year: i32,
    facts: &Facts,
) -> Result<(Chart, bool), Problem> {
    let all = state.ledger.all_statistics(year).await?;
    let cities = all["cities"].as_array().cloned().unwrap_or_default();
    let kpis = [
        ("collected (kg)", "collected_kg", Format::Kg),
        (
            "collected per inhabitant (kg)",
            "collected_kg_per_capita",
            Format::Small,
        ),
        (
            "EU collection rate (%)",
            "eu_collection_rate_pct",
            Format::OneDecimal,
        ),
        (
            "recycling rate (%)",
            "recycling_rate_pct",
            Format::OneDecimal,
        ),
        (
            "prepared for re-use (kg)",
            "prepared_for_reuse_kg",
            Format::Kg,
        ),
        ("placed on the market (kg)", "pom_kg", Format::Kg),
    ];
    let per_capita: Vec<Option<f64>> = cities
        .iter()
        .map(|c| c["total"]["collected_kg_per_capita"].as_f64())
        .collect();
    // A sample's figures per inhabitant are grams: the chart says so rather than show 0.0002 kg.
    let max = per_capita.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
    let (unit, scale) = if max < 1.0 {
        ("g", 1000.0)
    } else {
        ("kg", 1.0)
    };
    let mut chart = Chart::new(
        "cities",
        format!("Collected per inhabitant, {year} ({unit})"),
        "Each city's documented collection divided by its registered population.",
        if cities.is_empty() {
            Figure::Empty("No city is registered yet.".into())
        } else {
            Figure::Bars(bar_chart(
                &format!("{unit} per inhabitant"),
                cities
                    .iter()
                    .zip(&per_capita)
                    .map(|(c, value)| Bar {
                        label: format!("{} ({})", cell(&c["name"]), cell(&c["city"])),
                        value: value.map(|v| v * scale),
                        shown: value.map_or("no population".into(), |v| {
                            format!("{} {unit}", numbers::significant(v * scale, 2))
                        }),
                        verdict: None,
                        target: None,
                        class: "",
                    })
                    .collect(),
            ))
        },
        std::iter::once(column("city", Format::Text))
            .chain(kpis.iter().map(|(name, _, format)| column(*name, *format)))
            .collect(),
        cities
            .iter()
            .map(|c| {
                std::iter::once(cell(&c["city"]))
                    .chain(kpis.iter().map(|(_, kpi, _)| cell(&c["total"][kpi])))
                    .collect()
            })
            .collect(),
        format!("/cities.csv?year={year}"),
    );
    // The rates of each city, marked in the table where their base is too small; a row's
    // cells are the city, then the KPIs in `kpis` order.
    let column_of = |rate: Rate| {
        1 + kpis
            .iter()
            .position(|(_, kpi, _)| *kpi == rate.kpi())
            .unwrap_or(0)
    };
    let mut all_rates = Vec::new();
    for (row, c) in cities.iter().enumerate() {
        let locode = c["city"].as_str().unwrap_or_default();
        let eu_base = eu_collection_base_kg(year, facts.iter().filter(|(k, _)| k.locode == locode));
        for (rate, target) in [
            (Rate::EuCollection, EU_COLLECTION_TARGET_PCT),
            (Rate::Recycling, ITU_RECYCLING_TARGET_PCT),
        ] {
            let read = RateRow::new("", &c["total"], rate, Some(target), eu_base);
            if read.reading == Reading::SmallBase {
                chart.shown[row][column_of(rate)].push_str(" (base too small)");
            }
            all_rates.push(read);
        }
    }
    chart.notes = rate_notes(&all_rates);
    let demo = cities
        .iter()
        .any(|c| is_demo_city(c["name"].as_str().unwrap_or_default()));
    Ok((chart, demo))
}
