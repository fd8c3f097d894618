//! One product's planned life, and its end: collection and what follows it, with the
//! receiver confirming every hand-over (docs/lifecycle.md §8.3), an occasional refused receipt
//! and an occasional mis-scan declared an error (§8.4).

use super::categories::Category;
use super::plan::{DemoActor, Step};
use super::rng::Rng;
use crate::domain::kinds::Kind;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// The actors of one city, by role.
pub struct CityActors {
    pub retailer: usize,
    pub repairer: usize,
    pub collector: usize,
    pub recycler: usize,
}

pub fn day(at: DateTime<Utc>, days: f64) -> DateTime<Utc> {
    at + Duration::seconds((days * 86_400.0) as i64)
}

/// A product's planned events; nothing is planned at or after `until`, nor after a step that
/// could not be (a life is cut short, never given a gap).
pub struct Life {
    pub city: &'static str,
    pub until: DateTime<Utc>,
    pub steps: Vec<Step>,
}

impl Life {
    /// Plans a step; refused (and the life cut there) at or after `until` or out of order.
    pub fn push(&mut self, kind: Kind, actor: usize, at: DateTime<Utc>, data: Value) -> bool {
        let in_order = self.steps.last().is_none_or(|last| last.at <= at);
        if at >= self.until || !in_order {
            self.until = DateTime::<Utc>::MIN_UTC;
            return false;
        }
        self.steps.push(Step {
            kind,
            actor,
            city: self.city,
            at,
            data,
        });
        true
    }
}

/// `from` hands the subject to `to` at `at`, and `to` confirms the receipt a day later,
/// sometimes weighing it on arrival (when it has a mass of its own). False when the life is
/// cut.
pub fn hand_over(
    life: &mut Life,
    rng: &mut Rng,
    (from, to): (usize, usize),
    actors: &[DemoActor],
    at: DateTime<Utc>,
    mass_g: Option<u64>,
) -> bool {
    if !life.push(
        Kind::HandedOver,
        from,
        at,
        json!({"to": actors[to].id, "document": format!("CMR-{}", rng.below(1000, 99_999))}),
    ) {
        return false;
    }
    let data = match mass_g {
        Some(grams) if rng.chance(0.3) => json!({"weight_g": grams}),
        _ => json!({}),
    };
    life.push(Kind::Received, to, day(at, 1.0), data)
}

/// The entry an `error_declared` corrects is its subject's previous one, whose seq is known
/// only once recorded: the demo's writer puts it in place of this.
pub const SEQ_OF_PREVIOUS: u64 = 0;

/// What became of a collected product.
pub enum Fate {
    /// Its life is planned to the end (or cut short).
    Planned,
    /// It waits in the collector's cage from this time on, to be packed and shipped.
    AwaitsPacking(DateTime<Utc>),
}

/// Collection at `end` and what follows: preparation for re-use, export, disposal, a cage to
/// be shipped, or depollution and recycling with the category's fractions.
pub fn end_of_life(
    rng: &mut Rng,
    life: &mut Life,
    local: &CityActors,
    actors: &[DemoActor],
    category: &Category,
    weight_g: u64,
    end: DateTime<Utc>,
) -> Fate {
    let channel = *rng.pick(&[
        "municipal",
        "municipal",
        "municipal",
        "retail_take_back",
        "producer_take_back",
    ]);
    let measured = rng
        .chance(0.5)
        .then(|| ((weight_g as f64) * (0.95 + 0.1 * rng.unit())).round() as u64);
    let mass = measured.unwrap_or(weight_g);
    let mut data = json!({"channel": channel});
    if let Some(measured) = measured {
        data["weight_g"] = json!(measured);
    }
    if !life.push(Kind::Collected, local.collector, end, data) {
        return Fate::Planned;
    }
    let next = |days: f64| day(end, days);
    let fate = rng.unit();
    if fate < 0.07 {
        hand_over(
            life,
            rng,
            (local.collector, local.repairer),
            actors,
            next(5.0),
            Some(mass),
        );
        life.push(
            Kind::PreparedForReuse,
            local.repairer,
            next(30.0),
            json!({"grade": *rng.pick(&["A", "B", "C"])}),
        );
        if rng.chance(0.8) {
            life.push(Kind::Resold, local.repairer, next(90.0), json!({}));
        }
    } else if fate < 0.11 {
        let notification = format!(
            "{}-{}-{:04}",
            &life.city[..2],
            chrono::Datelike::year(&end),
            rng.below(1, 9999)
        );
        life.push(
            Kind::Exported,
            local.collector,
            next(20.0),
            json!({
            "country": *rng.pick(&["GH", "NG", "PK"]), "basel_entry": "A1181",
            "notification": notification, "operation": "R4"}),
        );
    } else if fate < 0.14 {
        life.push(
            Kind::Disposed,
            local.collector,
            next(15.0),
            json!({"operation": *rng.pick(&["D1", "D10"])}),
        );
    } else if fate < 0.18 {
        return Fate::AwaitsPacking(end);
    } else {
        if rng.chance(0.05) {
            // Sent without notice: the recycler refuses it, and it comes again with papers.
            life.push(
                Kind::HandedOver,
                local.collector,
                next(2.0),
                json!({"to": actors[local.recycler].id}),
            );
            life.push(
                Kind::ReceiptRefused,
                local.recycler,
                next(2.5),
                json!({"reason": "not announced, no transport document"}),
            );
        }
        hand_over(
            life,
            rng,
            (local.collector, local.recycler),
            actors,
            next(3.0),
            Some(mass),
        );
        if rng.chance(0.04) {
            // The wrong label scanned at the disposal line, and the mistake declared.
            life.push(
                Kind::Disposed,
                local.recycler,
                next(5.0),
                json!({"operation": "D10"}),
            );
            life.push(
                Kind::ErrorDeclared,
                local.recycler,
                next(5.1),
                json!({"seq": SEQ_OF_PREVIOUS, "reason": "scanned the wrong item at the disposal line"}),
            );
        }
        let mut removed = 0;
        if !category.hazards.is_empty() {
            let components: Vec<Value> = category
                .hazards
                .iter()
                .map(|(component, share)| {
                    let grams = ((mass as f64) * share).round().max(1.0) as u64;
                    removed += grams;
                    json!({"component": component, "mass_g": grams})
                })
                .collect();
            life.push(
                Kind::Depolluted,
                local.recycler,
                next(15.0),
                json!({"components": components}),
            );
        }
        let left = mass.saturating_sub(removed) as f64;
        let fractions: Vec<Value> = category.fractions.iter().map(|(material, share)| {
            json!({"material": material, "mass_g": (left * share * (0.9 + 0.1 * rng.unit())).floor() as u64})
        }).collect();
        let operation = if rng.chance(0.05) { "R1" } else { "R4" };
        life.push(
            Kind::Recycled,
            local.recycler,
            next(45.0),
            json!({"operation": operation, "fractions": fractions}),
        );
    }
    Fate::Planned
}
