//! What each accepted event adds to the statistics (docs/kpis.md): amounts keyed by city,
//! year, UNU-KEY, metric and a detail (material, R/D-code, destination, component, lifespan).
//! The writer adds them in the append transaction; a rebuild adds them again from the log.

use crate::domain::data::{Channel, EventData};
use crate::domain::event::Event;
use crate::domain::kinds::ProductState;
use crate::domain::records::{Milestone, ProductRecord, SubjectRecord};
use crate::domain::reference;
use chrono::Datelike;
use std::collections::BTreeMap;

pub use super::metric::Metric;

/// Where a fact is counted. `detail` is the material (fraction), R- or D-code (recycled,
/// disposed), `country/basel entry` (exported), component (depolluted), whole months from
/// first sale to collection (lifespan), or empty.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FactKey {
    pub locode: String,
    pub year: i32,
    pub unu_key: String,
    pub metric: Metric,
    pub detail: String,
}

/// Grams and units (a fraction or a removed component counts mass only, a lifespan units only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Amount {
    pub mass_g: i64,
    pub units: i64,
}

impl std::ops::AddAssign for Amount {
    fn add_assign(&mut self, other: Amount) {
        self.mass_g += other.mass_g;
        self.units += other.units;
    }
}

/// Facts summed by key.
pub type Facts = BTreeMap<FactKey, Amount>;

/// What the statistics need to know about a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFacts {
    pub unu_key: String,
    pub state: ProductState,
    pub declared_g: u64,
    pub measured_g: Option<u64>,
    pub sold: Option<Milestone>,
    pub collected: Option<Milestone>,
    /// Units it counts as: 1 for a product; for a lot, the units counted at intake (0 when
    /// they were not counted).
    pub units: i64,
}

impl ProductFacts {
    pub fn of(record: &ProductRecord) -> ProductFacts {
        ProductFacts {
            unu_key: record.unu_key.clone(),
            state: record.state,
            declared_g: record.weight_g,
            measured_g: record.measured_weight_g,
            sold: record.sold.clone(),
            collected: record.collected.clone(),
            units: 1,
        }
    }

    /// A product, or a lot by its category (a UNU-KEY or `eu6:N`) and weighed mass; `None`
    /// for a container, whose contents count on their own.
    pub fn of_subject(record: &SubjectRecord) -> Option<ProductFacts> {
        match record {
            SubjectRecord::Product(product) => Some(ProductFacts::of(product)),
            SubjectRecord::Lot(lot) => Some(ProductFacts {
                unu_key: lot.category.clone(),
                state: lot.state,
                declared_g: lot.mass_g,
                measured_g: None,
                sold: None,
                collected: Some(lot.collected.clone()),
                units: lot
                    .units
                    .map_or(0, |u| i64::try_from(u).unwrap_or(i64::MAX)),
            }),
            SubjectRecord::Container(_) => None,
        }
    }

    /// The measured weight at collection when recorded, else the declared weight, else the
    /// UNU-KEY's default unit weight (docs/kpis.md).
    pub fn mass_g(&self) -> i64 {
        let known = self.measured_g.unwrap_or(self.declared_g);
        let grams = if known > 0 {
            known
        } else {
            reference::unu_key(&self.unu_key).map_or(0, |k| k.avg_weight_g)
        };
        i64::try_from(grams).unwrap_or(i64::MAX)
    }
}

/// Whole months from `from` to `to` (not negative).
pub fn months_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> i64 {
    let months = (to.year() - from.year()) as i64 * 12 + to.month() as i64 - from.month() as i64;
    let months = if to.day() < from.day() {
        months - 1
    } else {
        months
    };
    months.max(0)
}

fn grams(mass: u64) -> i64 {
    i64::try_from(mass).unwrap_or(i64::MAX)
}

/// The facts an accepted event adds. `before` and `after` are the product around a product
/// event (`before` is `None` for a registration); registry events pass `None` for both.
pub fn facts_of(
    event: &Event,
    before: Option<&ProductFacts>,
    after: Option<&ProductFacts>,
) -> Vec<(FactKey, Amount)> {
    let year = event.occurred_at.year();
    if let EventData::PomBaseline(data) = &event.data {
        let key = FactKey {
            locode: data.locode.clone(),
            year: i32::from(data.year),
            unu_key: data.unu_key.clone(),
            metric: Metric::PomBaseline,
            detail: String::new(),
        };
        return vec![(
            key,
            Amount {
                mass_g: grams(data.mass_g),
                units: 0,
            },
        )];
    }
    let (Some(before), Some(after), Some(city)) = (before, after, event.city.as_ref()) else {
        return Vec::new();
    };
    // Sales count where they happen; waste counts where it was collected (docs/kpis.md).
    let here = city.as_str();
    let collected_in = before.collected.as_ref().map_or(here, |m| m.city.as_str());
    let fact = |locode: &str, metric: Metric, detail: &str, mass_g: i64, units: i64| {
        let key = FactKey {
            locode: locode.to_string(),
            year,
            unu_key: before.unu_key.clone(),
            metric,
            detail: detail.to_string(),
        };
        (key, Amount { mass_g, units })
    };
    let unit = before.mass_g();
    let units = before.units;
    match &event.data {
        EventData::PlacedOnMarket => vec![fact(here, Metric::Pom, "", unit, units)],
        // Re-use counts used EEE that never became waste: a resale from `in_use` only; waste
        // prepared for re-use was counted when it was prepared (docs/kpis.md).
        EventData::Resold if before.state == ProductState::InUse => {
            vec![fact(here, Metric::Reused, "", unit, units)]
        }
        EventData::Resold => Vec::new(),
        EventData::Collected(data) => {
            let mass = after.mass_g();
            let mut facts = vec![fact(here, Metric::Collected, "", mass, units)];
            // The informal part of C(n) is a second fact with the same key and amount, so that
            // `collected` alone stays C(n) (docs/kpis.md, informal_share_pct).
            if data.channel == Some(Channel::Informal) {
                facts.push(fact(here, Metric::CollectedInformal, "", mass, units));
            }
            if let (Some(sold), Some(collected)) = (&before.sold, &after.collected) {
                let months = months_between(sold.on, collected.on).to_string();
                facts.push(fact(here, Metric::Lifespan, &months, 0, 1));
            }
            facts
        }
        EventData::PreparedForReuse(data) => {
            let mass = data.weight_g.map_or(unit, grams);
            vec![fact(
                collected_in,
                Metric::PreparedForReuse,
                "",
                mass,
                units,
            )]
        }
        EventData::Depolluted(data) => data
            .components
            .iter()
            .map(|c| {
                fact(
                    collected_in,
                    Metric::Depolluted,
                    &c.component,
                    grams(c.mass_g),
                    0,
                )
            })
            .collect(),
        EventData::Recycled(data) => {
            let mut facts = vec![fact(
                collected_in,
                Metric::Recycled,
                &data.operation,
                unit,
                units,
            )];
            facts.extend(data.fractions.iter().map(|f| {
                fact(
                    collected_in,
                    Metric::Fraction,
                    &f.material,
                    grams(f.mass_g),
                    0,
                )
            }));
            facts
        }
        EventData::Disposed(data) => {
            vec![fact(
                collected_in,
                Metric::Disposed,
                &data.operation,
                unit,
                units,
            )]
        }
        EventData::Exported(data) => {
            let destination = format!("{}/{}", data.country, data.basel_entry);
            vec![fact(
                collected_in,
                Metric::Exported,
                &destination,
                unit,
                units,
            )]
        }
        // A lot counts as collected by its weighed mass, in the city where it was weighed in.
        EventData::LotCollected(data) => {
            let mut facts = vec![fact(here, Metric::Collected, "", unit, units)];
            if data.channel == Channel::Informal {
                facts.push(fact(here, Metric::CollectedInformal, "", unit, units));
            }
            facts
        }
        // Baselines returned above; the others count nothing.
        EventData::Registered(_)
        | EventData::Repaired(_)
        | EventData::HandedOver(_)
        | EventData::Received(_)
        | EventData::ReceiptRefused(_)
        | EventData::Packed(_)
        | EventData::Unpacked(_)
        | EventData::ErrorDeclared(_)
        | EventData::PomBaseline(_)
        | EventData::ActorRegistered(_)
        | EventData::ActorKeyRotated(_)
        | EventData::ActorRevoked(_)
        | EventData::CityRegistered(_) => Vec::new(),
    }
}

/// The facts of an event the rules accepted with `change` (the writer and the auditor both
/// call this, with the same rules' outcome).
pub fn facts_of_change(
    event: &Event,
    change: &crate::domain::rules::Change,
) -> Vec<(FactKey, Amount)> {
    use crate::domain::rules::Change;
    let facts = match change {
        Change::Subjects { facts, .. } => facts.clone(),
        Change::LogOnly => facts_of(event, None, None),
        Change::Actor(_) | Change::City(_) => Vec::new(),
    };
    // Every test that records an event checks the kind's declaration (KindSpec::facts).
    debug_assert!(
        facts
            .iter()
            .all(|(key, _)| event.kind.spec().facts.contains(&key.metric)),
        "{} produced a metric its KindSpec does not declare: {facts:?}",
        event.kind
    );
    facts
}

/// Adds `facts` to `totals`.
pub fn add_all(totals: &mut Facts, facts: impl IntoIterator<Item = (FactKey, Amount)>) {
    use std::collections::btree_map::Entry;
    for (key, amount) in facts {
        // A correction can take a fact back to nothing: then it is as if it had never been.
        match totals.entry(key) {
            Entry::Occupied(mut total) => {
                *total.get_mut() += amount;
                if *total.get() == Amount::default() {
                    total.remove();
                }
            }
            Entry::Vacant(slot) => {
                if amount != Amount::default() {
                    slot.insert(amount);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn months_count_whole_months() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(months_between(d(2020, 1, 15), d(2020, 2, 14)), 0);
        assert_eq!(months_between(d(2020, 1, 15), d(2020, 2, 15)), 1);
        assert_eq!(months_between(d(2020, 11, 30), d(2023, 2, 1)), 26);
        assert_eq!(months_between(d(2023, 1, 1), d(2020, 1, 1)), 0);
    }
}
