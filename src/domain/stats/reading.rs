//! How a page reads a rate against its target (docs/kpis.md, "Small bases"). A rate divides by
//! a base; over a few products the rate says more about those products than about the city
//! (the README walk-through's one phone gives a recycling rate of 1,708 %), so a rate whose
//! base is too small is shown as "base too small" and never as met or not met. The JSON API
//! keeps its plain comparison (`targets.*.met`); this is the pages' reading of it.

use super::facts::{Amount, FactKey, Metric};
use serde_json::Value;

/// A base of less mass than this (kg) is too small: about 500 phones or two fridges.
pub const MIN_BASE_KG: f64 = 100.0;
/// A base of fewer products than this is too small, where the base counts products (the
/// collected units behind the rates over collection): one product moves the rate by 10 points.
pub const MIN_BASE_UNITS: i64 = 10;

/// The rates of docs/kpis.md that a page judges, and what each divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// Over the mean sales of the three years before (baseline included).
    EuCollection,
    /// Over the modelled WEEE generated.
    CollectedVsGenerated,
    /// Over the modelled WEEE generated.
    Recycling,
    /// Over the mass collected.
    Recovery,
    /// Over the mass collected.
    PreparedShare,
}

impl Rate {
    /// The rate's KPI.
    pub fn kpi(self) -> &'static str {
        match self {
            Rate::EuCollection => "eu_collection_rate_pct",
            Rate::CollectedVsGenerated => "collection_rate_vs_generated_pct",
            Rate::Recycling => "recycling_rate_pct",
            Rate::Recovery => "recovery_rate_pct",
            Rate::PreparedShare => "prepared_for_reuse_share_pct",
        }
    }

    /// The rate's base in `group` (the KPIs of a city's total, an EU-6 category or a UNU-KEY).
    /// The EU collection rate's base is no KPI of its own: it is `eu_collection_base_kg`.
    pub fn base(self, group: &Value, eu_collection_base_kg: f64) -> Base {
        let kg = |kpi: &str| group[kpi].as_f64().unwrap_or(0.0);
        match self {
            Rate::EuCollection => Base {
                kg: eu_collection_base_kg,
                units: None,
            },
            Rate::CollectedVsGenerated | Rate::Recycling => Base {
                kg: kg("weee_generated_modelled_kg"),
                units: None,
            },
            Rate::Recovery | Rate::PreparedShare => Base {
                kg: kg("collected_kg"),
                units: Some(group["collected_units"].as_i64().unwrap_or(0)),
            },
        }
    }
}

/// What a rate divides by: a mass, and a count of products where the base counts them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Base {
    pub kg: f64,
    pub units: Option<i64>,
}

impl Base {
    pub fn too_small(&self) -> bool {
        self.kg < MIN_BASE_KG || self.units.is_some_and(|units| units < MIN_BASE_UNITS)
    }
}

/// A rate as a page reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The rate cannot be computed (its base is zero).
    NoFigure,
    /// A figure, but over a base too small to judge it.
    SmallBase,
    Met,
    NotMet,
    /// A figure with no target to meet.
    NoTarget,
}

impl Reading {
    /// The words a page shows.
    pub fn words(self) -> &'static str {
        match self {
            Reading::NoFigure => "no figure",
            Reading::SmallBase => "base too small",
            Reading::Met => "met",
            Reading::NotMet => "not met",
            Reading::NoTarget => "no target",
        }
    }
}

/// Reads `value` (percent, `None` when it cannot be computed) over `base` against `target`.
pub fn read(value: Option<f64>, base: Base, target: Option<f64>) -> Reading {
    match (value, target) {
        (None, _) => Reading::NoFigure,
        (Some(_), _) if base.too_small() => Reading::SmallBase,
        (Some(_), None) => Reading::NoTarget,
        (Some(value), Some(target)) if value >= target => Reading::Met,
        (Some(_), Some(_)) => Reading::NotMet,
    }
}

/// The EU collection rate's base for year `n`, kg: mean(POM(n−1), POM(n−2), POM(n−3)), the
/// historical baseline included (docs/kpis.md), from the city's facts.
pub fn eu_collection_base_kg<'a>(
    n: i32,
    facts: impl IntoIterator<Item = (&'a FactKey, &'a Amount)>,
) -> f64 {
    let grams: i64 = facts
        .into_iter()
        .filter(|(key, _)| matches!(key.metric, Metric::Pom | Metric::PomBaseline))
        .filter(|(key, _)| (1..=3).contains(&(n - key.year)))
        .map(|(_, amount)| amount.mass_g)
        .sum();
    grams as f64 / 3.0 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_base_is_never_met_or_not_met() {
        let big = Base {
            kg: 2_000.0,
            units: None,
        };
        let tiny = Base {
            kg: 0.012,
            units: None,
        };
        assert_eq!(read(Some(1_708.0), tiny, Some(30.0)), Reading::SmallBase);
        assert_eq!(read(Some(1.0), tiny, Some(30.0)), Reading::SmallBase);
        assert_eq!(read(Some(31.0), big, Some(30.0)), Reading::Met);
        assert_eq!(read(Some(30.0), big, Some(30.0)), Reading::Met);
        assert_eq!(read(Some(29.9), big, Some(30.0)), Reading::NotMet);
        assert_eq!(read(Some(29.9), big, None), Reading::NoTarget);
        assert_eq!(read(None, big, Some(30.0)), Reading::NoFigure);
        // The thresholds themselves: 100 kg, and 10 products where products are counted.
        let just = |kg, units| Base { kg, units }.too_small();
        assert!(!just(100.0, None) && just(99.9, None));
        assert!(!just(500.0, Some(10)) && just(500.0, Some(9)));
    }

    #[test]
    fn each_rate_divides_by_its_own_base() {
        let group = json!({"weee_generated_modelled_kg": 120.6, "collected_kg": 42.61, "collected_units": 4});
        assert_eq!(Rate::Recycling.base(&group, 1.0).kg, 120.6);
        assert_eq!(Rate::CollectedVsGenerated.base(&group, 1.0).kg, 120.6);
        assert_eq!(
            Rate::Recovery.base(&group, 1.0),
            Base {
                kg: 42.61,
                units: Some(4)
            }
        );
        assert_eq!(Rate::PreparedShare.base(&group, 1.0).units, Some(4));
        assert_eq!(Rate::EuCollection.base(&group, 347.0).kg, 347.0);
    }
}
