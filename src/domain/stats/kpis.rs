//! The KPIs of docs/kpis.md for one city and year, from the city's facts of every year:
//! in total, by EU-6 category and by UNU-KEY, in kg and units, per capita where the population
//! is known, with the definitions' versions and the targets they are compared with.
//! docs/kpis.md gives each definition and formula.

use super::eu6_key;
use super::facts::{Amount, FactKey, Metric};
use super::weibull;
use crate::domain::reference;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The version of these definitions; a change of any formula, or a new fact the stored facts
/// lack (2: `collected_informal`), changes it, and the server rebuilds the facts at start.
pub const KPI_DEFINITIONS: &str = "ewaste-ledger/kpi/2";
/// EU collection target (Directive 2012/19/EU Art. 7(1)), percent.
pub const EU_COLLECTION_TARGET_PCT: f64 = 65.0;
/// ITU Global E-waste Monitor target for the documented recycling rate, percent.
pub const ITU_RECYCLING_TARGET_PCT: f64 = 30.0;

/// The metrics whose earlier years a year's KPIs need (the model, the collection rate's
/// denominator, the in-use stock); of every other metric only the year itself counts.
pub const SERIES_METRICS: [Metric; 3] = [Metric::Pom, Metric::PomBaseline, Metric::Collected];

/// KPIs from events, and KPIs from the sales-lifespan model.
pub const MODELLED: &[&str] = &[
    "weee_generated_modelled_kg",
    "collection_rate_vs_generated_pct",
    "recycling_rate_pct",
    "weibull_mean_years",
];

/// The additive quantities of a group (a UNU-KEY, an EU-6 category or the city) for year n.
#[derive(Clone, Debug, Default)]
struct Sums {
    pom: Amount,
    /// POM including any historical baseline in n−1, n−2 and n−3, grams.
    pom_before: [i64; 3],
    collected: Amount,
    /// The part of `collected` collected through channel `informal`.
    collected_informal: Amount,
    generated_g: f64,
    recycled: Amount,
    /// Recycled by R1 (energy recovery): recovery, but not recycling.
    energy_recovery_g: i64,
    prepared: Amount,
    reused: Amount,
    disposed: Amount,
    exported: Amount,
    removed_g: i64,
    /// Sold minus collected up to and including n.
    stock: Amount,
    fractions: BTreeMap<String, i64>,
    disposed_by: BTreeMap<String, i64>,
    exported_by: BTreeMap<String, i64>,
    removed_by: BTreeMap<String, i64>,
    /// Whole months from first sale to collection → units collected in n.
    lifespans: BTreeMap<i64, i64>,
}

fn merge(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) {
    for (key, value) in from {
        *into.entry(key.clone()).or_default() += value;
    }
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.pom += other.pom;
        for (mine, theirs) in self.pom_before.iter_mut().zip(other.pom_before) {
            *mine += theirs;
        }
        self.collected += other.collected;
        self.collected_informal += other.collected_informal;
        self.generated_g += other.generated_g;
        self.recycled += other.recycled;
        self.energy_recovery_g += other.energy_recovery_g;
        self.prepared += other.prepared;
        self.reused += other.reused;
        self.disposed += other.disposed;
        self.exported += other.exported;
        self.removed_g += other.removed_g;
        self.stock += other.stock;
        merge(&mut self.fractions, &other.fractions);
        merge(&mut self.disposed_by, &other.disposed_by);
        merge(&mut self.exported_by, &other.exported_by);
        merge(&mut self.removed_by, &other.removed_by);
        for (months, units) in &other.lifespans {
            *self.lifespans.entry(*months).or_default() += units;
        }
    }

    /// The sums of one UNU-KEY in year `n` from its facts of every year.
    fn of_key<'a>(
        unu_key: &str,
        n: i32,
        facts: impl Iterator<Item = (&'a FactKey, &'a Amount)>,
    ) -> Sums {
        let mut sums = Sums::default();
        // POM (documented and baseline) by year, for the lifespan model.
        let mut sold_by_year: BTreeMap<i32, i64> = BTreeMap::new();
        for (key, amount) in facts {
            let in_n = key.year == n;
            let before = n - key.year; // 1, 2, 3 for the collection rate's denominator
            match key.metric {
                Metric::Pom | Metric::PomBaseline => {
                    if key.year <= n {
                        *sold_by_year.entry(key.year).or_default() += amount.mass_g;
                    }
                    if (1..=3).contains(&before) {
                        sums.pom_before[(before - 1) as usize] += amount.mass_g;
                    }
                    if key.metric == Metric::Pom {
                        if in_n {
                            sums.pom += *amount;
                        }
                        if key.year <= n {
                            sums.stock += *amount;
                        }
                    }
                }
                Metric::Collected => {
                    if in_n {
                        sums.collected += *amount;
                    }
                    if key.year <= n {
                        sums.stock.mass_g -= amount.mass_g;
                        sums.stock.units -= amount.units;
                    }
                }
                _ if !in_n => {}
                Metric::CollectedInformal => sums.collected_informal += *amount,
                Metric::Recycled => {
                    sums.recycled += *amount;
                    if key.detail == "R1" {
                        sums.energy_recovery_g += amount.mass_g;
                    }
                }
                Metric::Fraction => {
                    *sums.fractions.entry(key.detail.clone()).or_default() += amount.mass_g
                }
                Metric::PreparedForReuse => sums.prepared += *amount,
                Metric::Reused => sums.reused += *amount,
                Metric::Disposed => {
                    sums.disposed += *amount;
                    *sums.disposed_by.entry(key.detail.clone()).or_default() += amount.mass_g;
                }
                Metric::Exported => {
                    sums.exported += *amount;
                    *sums.exported_by.entry(key.detail.clone()).or_default() += amount.mass_g;
                }
                Metric::Depolluted => {
                    sums.removed_g += amount.mass_g;
                    *sums.removed_by.entry(key.detail.clone()).or_default() += amount.mass_g;
                }
                Metric::Lifespan => {
                    if let Ok(months) = key.detail.parse::<i64>() {
                        *sums.lifespans.entry(months).or_default() += amount.units;
                    }
                }
            }
        }
        if let Some(k) = reference::unu_key(unu_key) {
            // WG(n) = Σ_t POM(t) · f(n − t + 0.5): mid-year convention (docs/kpis.md).
            sums.generated_g = sold_by_year
                .iter()
                .map(|(t, grams)| {
                    *grams as f64
                        * weibull::pdf((n - t) as f64 + 0.5, k.weibull_shape, k.weibull_scale)
                })
                .sum();
        }
        sums
    }

    /// The group's KPIs as JSON members.
    fn kpis(&self, population: Option<u64>) -> Map<String, Value> {
        let mut out = Map::new();
        let kg = |grams: i64| json!(round(grams as f64 / 1000.0, 3));
        let pct = |part: f64, whole: f64| {
            if whole > 0.0 {
                json!(round(100.0 * part / whole, 2))
            } else {
                Value::Null
            }
        };
        let kg_map = |map: &BTreeMap<String, i64>| {
            Value::Object(map.iter().map(|(k, g)| (k.clone(), kg(*g))).collect())
        };
        let collected = self.collected.mass_g as f64;
        let mean_pom_before = self.pom_before.iter().sum::<i64>() as f64 / 3.0;
        let recycling =
            (self.recycled.mass_g - self.energy_recovery_g + self.prepared.mass_g) as f64;
        let recovery = (self.recycled.mass_g + self.prepared.mass_g) as f64;
        let mass_kpis = [
            ("pom_kg", self.pom.mass_g as f64),
            ("collected_kg", collected),
            (
                "collected_informal_kg",
                self.collected_informal.mass_g as f64,
            ),
            ("weee_generated_modelled_kg", self.generated_g),
            ("recycled_kg", self.recycled.mass_g as f64),
            ("prepared_for_reuse_kg", self.prepared.mass_g as f64),
            ("reused_kg", self.reused.mass_g as f64),
            ("disposed_kg", self.disposed.mass_g as f64),
            ("exported_kg", self.exported.mass_g as f64),
        ];
        for (name, grams) in mass_kpis {
            out.insert(name.into(), json!(round(grams / 1000.0, 3)));
        }
        for (name, units) in [
            ("pom_units", self.pom.units),
            ("collected_units", self.collected.units),
            ("collected_informal_units", self.collected_informal.units),
            ("recycled_units", self.recycled.units),
            ("prepared_for_reuse_units", self.prepared.units),
            ("reused_units", self.reused.units),
            ("disposed_units", self.disposed.units),
            ("exported_units", self.exported.units),
        ] {
            out.insert(name.into(), json!(units));
        }
        out.insert(
            "eu_collection_rate_pct".into(),
            pct(collected, mean_pom_before),
        );
        out.insert(
            "collection_rate_vs_generated_pct".into(),
            pct(collected, self.generated_g),
        );
        out.insert(
            "recycling_rate_pct".into(),
            pct(self.recycled.mass_g as f64, self.generated_g),
        );
        out.insert(
            "informal_share_pct".into(),
            pct(self.collected_informal.mass_g as f64, collected),
        );
        out.insert(
            "prepared_for_reuse_share_pct".into(),
            pct(self.prepared.mass_g as f64, collected),
        );
        out.insert(
            "disposed_share_pct".into(),
            pct(self.disposed.mass_g as f64, collected),
        );
        out.insert(
            "exported_share_pct".into(),
            pct(self.exported.mass_g as f64, collected),
        );
        out.insert("recovery_rate_pct".into(), pct(recovery, collected));
        out.insert("reuse_recycling_rate_pct".into(), pct(recycling, collected));
        out.insert("fractions_kg".into(), kg_map(&self.fractions));
        out.insert("disposed_kg_by_operation".into(), kg_map(&self.disposed_by));
        out.insert(
            "exported_kg_by_destination".into(),
            kg_map(&self.exported_by),
        );
        out.insert(
            "depolluted_kg_by_component".into(),
            kg_map(&self.removed_by),
        );
        out.insert(
            "depolluted_kg_per_tonne_collected".into(),
            if collected > 0.0 {
                json!(round(
                    self.removed_g as f64 / (collected / 1_000_000.0) / 1000.0,
                    3
                ))
            } else {
                Value::Null
            },
        );
        out.insert("in_use_stock_kg".into(), kg(self.stock.mass_g));
        out.insert("in_use_stock_units".into(), json!(self.stock.units));
        let (mean, median, count) = lifespan(&self.lifespans);
        out.insert(
            "observed_lifespan_mean_years".into(),
            mean.map_or(Value::Null, |y| json!(round(y, 2))),
        );
        out.insert(
            "observed_lifespan_median_years".into(),
            median.map_or(Value::Null, |y| json!(round(y, 2))),
        );
        out.insert("observed_lifespan_units".into(), json!(count));
        for (name, grams) in mass_kpis {
            out.insert(
                format!("{name}_per_capita"),
                match population {
                    Some(people) if people > 0 => json!(round(grams / 1000.0 / people as f64, 6)),
                    _ => Value::Null,
                },
            );
        }
        out
    }
}

/// Mean and median years from first sale to collection, and how many units they cover.
fn lifespan(months: &BTreeMap<i64, i64>) -> (Option<f64>, Option<f64>, i64) {
    let count: i64 = months.values().sum();
    if count == 0 {
        return (None, None, 0);
    }
    let total: i64 = months.iter().map(|(m, units)| m * units).sum();
    let mean = total as f64 / count as f64 / 12.0;
    // The middle unit (or the mean of the two middle units) in month order.
    let at = |rank: i64| {
        let mut seen = 0;
        for (m, units) in months {
            seen += units;
            if seen > rank {
                return *m as f64;
            }
        }
        0.0
    };
    let median = if count % 2 == 1 {
        at(count / 2)
    } else {
        (at(count / 2 - 1) + at(count / 2)) / 2.0
    };
    (Some(mean), Some(median / 12.0), count)
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    // Adding 0.0 turns a rounded −0.0 into 0.0.
    (value * scale).round() / scale + 0.0
}

/// A city as the statistics need it.
pub struct CityInfo<'a> {
    pub locode: &'a str,
    pub name: &'a str,
    pub population: Option<u64>,
}

/// The statistics of `city` in year `n`, from the city's facts of every year (docs/api.md's
/// answer shape).
pub fn city_statistics<'a>(
    city: &CityInfo,
    n: i32,
    facts: impl IntoIterator<Item = (&'a FactKey, &'a Amount)>,
) -> Value {
    // Later years never count, and a UNU-KEY without facts up to n is not shown, whichever
    // facts the caller loaded.
    let mut by_key: BTreeMap<&str, Vec<(&FactKey, &Amount)>> = BTreeMap::new();
    for (key, amount) in facts.into_iter().filter(|(key, _)| key.year <= n) {
        by_key
            .entry(key.unu_key.as_str())
            .or_default()
            .push((key, amount));
    }
    let mut total = Sums::default();
    let mut by_eu6: BTreeMap<u8, Sums> = (1..=6).map(|c| (c, Sums::default())).collect();
    let mut by_unu_key = Map::new();
    for (unu_key, facts) in by_key {
        let mut sums = Sums::of_key(unu_key, n, facts.into_iter());
        if let Some(category) = eu6_key::category(unu_key) {
            // A bulk lot weighed by category only: no UNU-KEY, so no model (of_key found no
            // Weibull parameters) and no in-use stock, which counts products sold per UNU-KEY.
            sums.stock = Amount::default();
            total.add(&sums);
            by_eu6.entry(category).or_default().add(&sums);
            continue;
        }
        total.add(&sums);
        let mut kpis = sums.kpis(city.population);
        if let Some(k) = reference::unu_key(unu_key) {
            by_eu6.entry(k.eu6_category).or_default().add(&sums);
            kpis.insert("eu6_category".into(), json!(k.eu6_category));
            kpis.insert(
                "weibull_mean_years".into(),
                json!(round(weibull::mean(k.weibull_shape, k.weibull_scale), 2)),
            );
        }
        by_unu_key.insert(unu_key.to_string(), Value::Object(kpis));
    }
    let by_eu6: Map<String, Value> = by_eu6
        .iter()
        .map(|(category, sums)| {
            let mut kpis = sums.kpis(city.population);
            if let Some(c) = reference::weee_category(*category) {
                add_annex_v_targets(&mut kpis, c);
            }
            (category.to_string(), Value::Object(kpis))
        })
        .collect();
    let mut total_kpis = total.kpis(city.population);
    let met = |kpi: &str, target: f64| {
        total_kpis
            .get(kpi)
            .and_then(Value::as_f64)
            .map(|v| v >= target)
    };
    let targets = json!({
        "eu_collection_rate_pct": {"target": EU_COLLECTION_TARGET_PCT, "met": met("eu_collection_rate_pct", EU_COLLECTION_TARGET_PCT),
            "source": "Directive 2012/19/EU Art. 7(1)"},
        "recycling_rate_pct": {"target": ITU_RECYCLING_TARGET_PCT, "met": met("recycling_rate_pct", ITU_RECYCLING_TARGET_PCT),
            "source": "ITU Global E-waste Monitor target for 2023"},
    });
    total_kpis.insert("targets".into(), targets);
    let mut definitions = Map::new();
    definitions.insert("kpis".into(), json!(KPI_DEFINITIONS));
    for (table, digest) in reference::table_versions() {
        definitions.insert(table.into(), json!(format!("sha256:{digest}")));
    }
    definitions.insert(
        "lifespan_profile".into(),
        json!("default (weibull_shape, weibull_scale)"),
    );
    definitions.insert("modelled".into(), json!(MODELLED));
    definitions.insert(
        "documented".into(),
        json!("every other KPI: sums of signed events in the log"),
    );
    json!({
        "city": city.locode,
        "name": city.name,
        "year": n,
        "population": city.population,
        "definitions": definitions,
        "total": total_kpis,
        "by_eu6": by_eu6,
        "by_unu_key": by_unu_key,
    })
}

/// Annex V Part 3 targets of the category, and whether its rates meet them.
fn add_annex_v_targets(kpis: &mut Map<String, Value>, category: &reference::WeeeCategory) {
    let targets = [
        ("recovery_rate_pct", category.recovery_target_pct),
        (
            "reuse_recycling_rate_pct",
            category.reuse_recycling_target_pct,
        ),
        // Lamps: 80 % recycled, which excludes energy recovery like the re-use and recycling rate.
        ("reuse_recycling_rate_pct", category.recycling_target_pct),
    ];
    let mut out = Map::new();
    for (kpi, target) in targets {
        if let Some(target) = target {
            let value = kpis.get(kpi).and_then(Value::as_f64);
            out.insert(
                kpi.into(),
                json!({"target": target, "met": value.map(|v| v >= f64::from(target))}),
            );
        }
    }
    kpis.insert("targets".into(), Value::Object(out));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::facts::Facts;

    fn fact(
        year: i32,
        unu_key: &str,
        metric: Metric,
        mass_g: i64,
        units: i64,
    ) -> (FactKey, Amount) {
        let key = FactKey {
            locode: "DEBER".into(),
            year,
            unu_key: unu_key.into(),
            metric,
            detail: String::new(),
        };
        (key, Amount { mass_g, units })
    }

    /// A bulk lot weighed by EU-6 category only (`eu6:1`, 10 kg, uncounted, informal) counts in
    /// the total and in category 1, but in no UNU-KEY, the model or the in-use stock.
    #[test]
    fn an_eu6_pseudo_key_counts_in_total_and_its_category_only() {
        let facts: Facts = [
            fact(2024, "0306", Metric::Pom, 200, 1),
            fact(2025, "0306", Metric::Collected, 200, 1),
            fact(2025, "eu6:1", Metric::Collected, 10_000, 0),
            fact(2025, "eu6:1", Metric::CollectedInformal, 10_000, 0),
        ]
        .into_iter()
        .collect();
        let city = CityInfo {
            locode: "DEBER",
            name: "Berlin",
            population: Some(1_000),
        };
        let stats = city_statistics(&city, 2025, &facts);
        let only_phones = city_statistics(
            &city,
            2025,
            facts.iter().filter(|(k, _)| k.unu_key == "0306"),
        );
        let (total, phones_only) = (&stats["total"], &only_phones["total"]);

        assert_eq!(total["collected_kg"], json!(10.2));
        assert_eq!(total["collected_units"], json!(1));
        assert_eq!(total["collected_informal_kg"], json!(10.0));
        assert_eq!(total["collected_informal_units"], json!(0));
        // 100 × 10,000 / 10,200 = 98.039… %.
        assert_eq!(total["informal_share_pct"], json!(98.04));
        assert_eq!(total["collected_informal_kg_per_capita"], json!(0.01));
        let category = &stats["by_eu6"]["1"];
        assert_eq!(category["collected_kg"], json!(10.0));
        assert_eq!(category["collected_informal_kg"], json!(10.0));
        assert_eq!(category["informal_share_pct"], json!(100.0));
        assert_eq!(category["in_use_stock_kg"], json!(0.0));
        assert_eq!(stats["by_eu6"]["6"]["collected_kg"], json!(0.2));
        assert_eq!(stats["by_eu6"]["6"]["informal_share_pct"], json!(0.0));
        let keys: Vec<&String> = stats["by_unu_key"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["0306"], "no pseudo key among the UNU-KEYs");
        // The model and the stock are the phones' alone: sold 200 g, collected 200 g.
        assert_eq!(total["in_use_stock_kg"], json!(0.0));
        assert_eq!(total["in_use_stock_units"], json!(0));
        for kpi in ["weee_generated_modelled_kg", "in_use_stock_kg", "pom_kg"] {
            assert_eq!(total[kpi], phones_only[kpi], "{kpi}");
        }
        assert_ne!(total["weee_generated_modelled_kg"], json!(0.0));
    }

    /// No collection, no share: `null`, not 0.
    #[test]
    fn the_informal_share_of_nothing_collected_is_null() {
        let facts: Facts = [fact(2025, "0306", Metric::Pom, 200, 1)]
            .into_iter()
            .collect();
        let city = CityInfo {
            locode: "DEBER",
            name: "Berlin",
            population: None,
        };
        let stats = city_statistics(&city, 2025, &facts);
        assert_eq!(stats["total"]["collected_informal_kg"], json!(0.0));
        assert_eq!(stats["total"]["informal_share_pct"], Value::Null);
        assert_eq!(
            stats["total"]["collected_informal_kg_per_capita"],
            Value::Null
        );
    }
}
