//! The demo's history, planned from a seed: cities, actors with their own keys, a historical
//! sales baseline, and products whose lives follow the reference data (unit weights, Weibull
//! lifespans) and plausible shares of repair, resale, collection, preparation for re-use,
//! recycling with material fractions, disposal and export. Pure: submitting it is the CLI's job.

use super::rng::Rng;
use crate::domain::gtin::{check_digit, Gtin14};
use crate::domain::identifiers::product_id;
use crate::domain::kinds::{Kind, Role};
use crate::domain::reference;
use crate::domain::serial::Serial;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

/// New EEE placed on the market per inhabitant and year, kg: the demo sizes each city's
/// population so that its sample of units is what a neighbourhood of that size buys.
const POM_KG_PER_INHABITANT: f64 = 20.0;

/// (locode, name, country).
const CITIES: [(&str, &str, &str); 4] = [
    ("DEBER", "Berlin (demo)", "DE"),
    ("NLAMS", "Amsterdam (demo)", "NL"),
    ("KENBO", "Nairobi (demo)", "KE"),
    ("INBLR", "Bengaluru (demo)", "IN"),
];

/// A demo category: UNU-KEY, share of units sold, hazards, and its material fractions as
/// shares of the unit's mass.
struct Category {
    unu_key: &'static str,
    share: f64,
    hazards: &'static [(&'static str, f64)],
    fractions: &'static [(&'static str, f64)],
}

const CATEGORIES: [Category; 8] = [
    Category {
        unu_key: "0306",
        share: 0.30,
        hazards: &[("battery:li-ion", 0.22)],
        fractions: &[
            ("plastics", 0.35),
            ("glass", 0.15),
            ("copper", 0.08),
            ("aluminium", 0.08),
            ("printed circuit boards", 0.10),
        ],
    },
    Category {
        unu_key: "0303",
        share: 0.14,
        hazards: &[("battery:li-ion", 0.12), ("lcd", 0.10)],
        fractions: &[
            ("plastics", 0.30),
            ("aluminium", 0.15),
            ("ferrous metals", 0.10),
            ("copper", 0.05),
            ("printed circuit boards", 0.08),
        ],
    },
    Category {
        unu_key: "0108",
        share: 0.06,
        hazards: &[("refrigerant:r600a", 0.002)],
        fractions: &[
            ("ferrous metals", 0.55),
            ("plastics", 0.20),
            ("copper", 0.04),
            ("aluminium", 0.03),
        ],
    },
    Category {
        unu_key: "0104",
        share: 0.07,
        hazards: &[],
        fractions: &[
            ("ferrous metals", 0.50),
            ("concrete", 0.25),
            ("plastics", 0.12),
            ("copper", 0.03),
        ],
    },
    Category {
        unu_key: "0408",
        share: 0.10,
        hazards: &[("lcd", 0.15)],
        fractions: &[
            ("plastics", 0.35),
            ("ferrous metals", 0.20),
            ("glass", 0.12),
            ("printed circuit boards", 0.06),
        ],
    },
    Category {
        unu_key: "0202",
        share: 0.15,
        hazards: &[],
        fractions: &[
            ("plastics", 0.45),
            ("ferrous metals", 0.25),
            ("copper", 0.08),
        ],
    },
    Category {
        unu_key: "0505",
        share: 0.12,
        hazards: &[],
        fractions: &[("plastics", 0.40), ("aluminium", 0.25), ("glass", 0.15)],
    },
    Category {
        unu_key: "0702",
        share: 0.06,
        hazards: &[],
        fractions: &[
            ("plastics", 0.45),
            ("ferrous metals", 0.15),
            ("printed circuit boards", 0.15),
            ("copper", 0.05),
        ],
    },
];

/// What the demo plans.
pub struct Settings {
    pub seed: u64,
    /// Units sold per city and year.
    pub units_per_city_year: usize,
    /// Years of documented sales, the last ending at `until`.
    pub years: i32,
    /// Nothing is planned after this instant (events from the future are refused).
    pub until: DateTime<Utc>,
}

pub struct DemoCity {
    pub locode: &'static str,
    pub name: &'static str,
    pub country: &'static str,
    pub population: u64,
}

pub struct DemoActor {
    pub id: Uuid,
    pub key: SigningKey,
    pub org: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub city: &'static str,
}

/// One event of a product's life, before its `prev` is known.
pub struct Step {
    pub kind: Kind,
    /// Index into [`Plan::actors`].
    pub actor: usize,
    pub city: &'static str,
    pub at: DateTime<Utc>,
    pub data: Value,
}

pub struct ProductPlan {
    pub id: Uuid,
    pub steps: Vec<Step>,
}

pub struct Plan {
    /// When the registry events (cities, actors, baseline) are dated: before every sale.
    pub registry_at: DateTime<Utc>,
    pub cities: Vec<DemoCity>,
    pub actors: Vec<DemoActor>,
    /// `pom_baseline` data for the years before the documented ones.
    pub baselines: Vec<Value>,
    pub products: Vec<ProductPlan>,
}

impl Plan {
    pub fn events(&self) -> usize {
        self.products.iter().map(|p| p.steps.len()).sum()
    }
}

/// The actors of one city, by role.
struct CityActors {
    retailer: usize,
    repairer: usize,
    collector: usize,
    recycler: usize,
}

fn actor(seed: u64, org: &str, name: &str, roles: &[Role], city: &'static str) -> DemoActor {
    let label = format!("{seed}/{org}/{name}");
    let digest = crate::domain::hash::Hash32::sha256(label.as_bytes());
    DemoActor {
        id: Uuid::new_v5(&Uuid::NAMESPACE_OID, label.as_bytes()),
        key: SigningKey::from_bytes(&digest.0),
        org: org.into(),
        name: name.into(),
        roles: roles.to_vec(),
        city,
    }
}

fn gtin_for(index: usize) -> Gtin14 {
    // GS1's documentation prefix 0950600 with an item reference per category.
    let body = format!("09506000{:05}", 13_000 + index);
    let digit = check_digit(&body).unwrap_or(0);
    Gtin14::parse(&format!("{body}{digit}")).expect("a valid demo GTIN")
}

fn day(at: DateTime<Utc>, days: f64) -> DateTime<Utc> {
    at + Duration::seconds((days * 86_400.0) as i64)
}

/// A product's planned events; nothing is planned at or after `until`, nor after a step that
/// could not be (a life is cut short, never given a gap).
struct Life {
    city: &'static str,
    until: DateTime<Utc>,
    steps: Vec<Step>,
}

impl Life {
    /// Plans a step; refused (and the life cut there) at or after `until` or out of order.
    fn push(&mut self, kind: Kind, actor: usize, at: DateTime<Utc>, data: Value) -> bool {
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

/// Collection at `end` and what follows: preparation for re-use, export, disposal, or
/// depollution and recycling with the category's fractions.
fn end_of_life(
    rng: &mut Rng,
    life: &mut Life,
    local: &CityActors,
    actors: &[DemoActor],
    category: &Category,
    weight_g: u64,
    end: DateTime<Utc>,
) {
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
        return;
    }
    let next = |days: f64| day(end, days);
    let fate = rng.unit();
    if fate < 0.07 {
        life.push(
            Kind::HandedOver,
            local.collector,
            next(5.0),
            json!({"to": actors[local.repairer].id}),
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
    } else {
        life.push(
            Kind::HandedOver,
            local.collector,
            next(3.0),
            json!({"to": actors[local.recycler].id}),
        );
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
}

/// Plans the whole demo from `settings`.
pub fn plan(settings: &Settings) -> Plan {
    let mut rng = Rng::new(settings.seed);
    let seed = settings.seed;
    let mut actors = vec![
        actor(
            seed,
            "Fairphone",
            "Assembly line",
            &[Role::Manufacturer],
            "NLAMS",
        ),
        actor(
            seed,
            "Miele",
            "Factory Gütersloh",
            &[Role::Manufacturer],
            "DEBER",
        ),
        actor(
            seed,
            "Environment Agency",
            "Auditor",
            &[Role::Regulator],
            "DEBER",
        ),
    ];
    let makers = [0usize, 1];
    let mut by_city = Vec::new();
    for (locode, city_name, _) in CITIES {
        let name = city_name.trim_end_matches(" (demo)");
        let mut add = |org: String, who: &str, roles: &[Role]| {
            actors.push(actor(seed, &org, who, roles, locode));
            actors.len() - 1
        };
        by_city.push(CityActors {
            retailer: add(
                format!("{name} Electronics"),
                "Shop counter",
                &[Role::Retailer],
            ),
            repairer: add(
                format!("{name} Repair Café"),
                "Workbench",
                &[Role::Repairer, Role::Retailer],
            ),
            collector: add(
                format!("{name} Municipal Collection"),
                "Yard scanner",
                &[Role::Collector],
            ),
            recycler: add(
                format!("{name} Recycling"),
                "Treatment plant",
                &[Role::Recycler],
            ),
        });
    }

    let mean_unit_kg: f64 = CATEGORIES
        .iter()
        .map(|c| {
            c.share * reference::unu_key(c.unu_key).map_or(1.0, |k| k.avg_weight_g as f64 / 1000.0)
        })
        .sum();
    let population = (settings.units_per_city_year as f64 * mean_unit_kg / POM_KG_PER_INHABITANT)
        .round()
        .max(1.0) as u64;
    let cities = CITIES
        .iter()
        .map(|(locode, name, country)| DemoCity {
            locode,
            name,
            country,
            population,
        })
        .collect();

    let until = settings.until;
    let last_year = chrono::Datelike::year(&until);
    let first_year = last_year - settings.years + 1;
    let mut baselines = Vec::new();
    for (locode, _, _) in CITIES {
        for year in (first_year - 10)..first_year {
            // Sales grew by about 3 % a year.
            let growth = 0.97f64.powi(first_year - year);
            for category in &CATEGORIES {
                let unit_g =
                    reference::unu_key(category.unu_key).map_or(1000, |k| k.avg_weight_g) as f64;
                let mass_g = settings.units_per_city_year as f64 * category.share * unit_g * growth;
                baselines.push(
                    json!({"locode": locode, "year": year, "unu_key": category.unu_key,
                    "mass_g": mass_g.round() as u64}),
                );
            }
        }
    }

    let shares: Vec<f64> = CATEGORIES.iter().map(|c| c.share).collect();
    let mut products = Vec::new();
    for (city_index, (locode, _, _)) in CITIES.iter().enumerate() {
        let local = &by_city[city_index];
        for year in first_year..=last_year {
            let start = NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .map(|d| d.and_utc())
                .unwrap_or(until);
            for _ in 0..settings.units_per_city_year {
                let sold = day(start, rng.unit() * 365.0);
                if sold >= until {
                    continue;
                }
                let which = rng.weighted(&shares);
                let category = &CATEGORIES[which];
                let Some(key) = reference::unu_key(category.unu_key) else {
                    continue;
                };
                let serial = format!("D{}{:07}", city_index, products.len());
                let gtin = gtin_for(which);
                let id = product_id(&gtin, &Serial::parse(&serial).expect("a valid serial"));
                let weight_g = ((key.avg_weight_g as f64) * (0.85 + 0.3 * rng.unit()))
                    .round()
                    .max(1.0) as u64;
                let maker = makers[usize::from(category.unu_key.starts_with("01"))];
                let mut life = Life {
                    city: locode,
                    until,
                    steps: Vec::new(),
                };
                let mut registration = json!({"unu_key": category.unu_key, "weight_g": weight_g,
                    "gtin": gtin.as_str(), "serial": serial, "brand": actors[maker].org});
                if !category.hazards.is_empty() {
                    let hazards: Vec<&str> = category.hazards.iter().map(|(h, _)| *h).collect();
                    registration["hazards"] = json!(hazards);
                }
                life.push(
                    Kind::Registered,
                    maker,
                    day(sold, -30.0 - rng.unit() * 90.0),
                    registration,
                );
                life.push(Kind::PlacedOnMarket, local.retailer, sold, json!({}));
                let years_of_use = rng.weibull(key.weibull_shape, key.weibull_scale);
                if rng.chance(0.12) {
                    life.push(Kind::Repaired, local.repairer, day(sold, years_of_use * 182.0),
                        json!({"description": "replaced a worn part", "parts_replaced": ["battery"]}));
                }
                if rng.chance(0.08) {
                    life.push(
                        Kind::Resold,
                        local.repairer,
                        day(sold, years_of_use * 240.0),
                        json!({}),
                    );
                }
                // About 40 % of waste equipment is never formally collected (kept, or lost to
                // informal channels).
                if rng.chance(0.62) {
                    end_of_life(
                        &mut rng,
                        &mut life,
                        local,
                        &actors,
                        category,
                        weight_g,
                        day(sold, years_of_use * 365.25),
                    );
                }
                products.push(ProductPlan {
                    id,
                    steps: life.steps,
                });
            }
            // Equipment sold before the ledger reaches its end of life too: collectors register
            // it at intake, unlabelled, as the stock from before the ledger runs out.
            let intake = (settings.units_per_city_year as f64
                * 0.5
                * 0.85f64.powi(year - first_year)) as usize;
            for n in 0..intake {
                let collected = day(start, rng.unit() * 365.0);
                if collected >= until {
                    continue;
                }
                let category = &CATEGORIES[rng.weighted(&shares)];
                let Some(key) = reference::unu_key(category.unu_key) else {
                    continue;
                };
                let id = Uuid::new_v5(
                    &Uuid::NAMESPACE_OID,
                    format!("demo {seed} intake {locode} {year} {n}").as_bytes(),
                );
                let weight_g = ((key.avg_weight_g as f64) * (0.8 + 0.3 * rng.unit()))
                    .round()
                    .max(1.0) as u64;
                let mut life = Life {
                    city: locode,
                    until,
                    steps: Vec::new(),
                };
                let mut registration =
                    json!({"unu_key": category.unu_key, "weight_g": weight_g, "intake": true});
                if !category.hazards.is_empty() {
                    let hazards: Vec<&str> = category.hazards.iter().map(|(h, _)| *h).collect();
                    registration["hazards"] = json!(hazards);
                }
                life.push(
                    Kind::Registered,
                    local.collector,
                    day(collected, -0.01),
                    registration,
                );
                end_of_life(
                    &mut rng, &mut life, local, &actors, category, weight_g, collected,
                );
                products.push(ProductPlan {
                    id,
                    steps: life.steps,
                });
            }
        }
    }
    let registry_at = NaiveDate::from_ymd_opt(first_year - 1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(until);
    Plan {
        registry_at,
        cities,
        actors,
        baselines,
        products,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(seed: u64) -> Settings {
        Settings {
            seed,
            units_per_city_year: 50,
            years: 6,
            until: "2026-06-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_plan_depends_on_the_seed_alone_and_stays_in_the_past() {
        let (a, b) = (plan(&settings(1)), plan(&settings(1)));
        assert_eq!(a.events(), b.events());
        assert!(a
            .products
            .iter()
            .zip(&b.products)
            .all(|(x, y)| x.id == y.id && x.steps.len() == y.steps.len()));
        assert_ne!(
            plan(&settings(2)).events(),
            a.events(),
            "another seed, another history"
        );
        let until = settings(1).until;
        for product in &a.products {
            assert_eq!(product.steps[0].kind, Kind::Registered);
            assert!(product.steps.iter().all(|s| s.at < until));
            assert!(
                product.steps.windows(2).all(|w| w[0].at <= w[1].at),
                "a life runs forward"
            );
        }
        // Every fate occurs.
        for kind in [
            Kind::Repaired,
            Kind::Resold,
            Kind::Collected,
            Kind::PreparedForReuse,
            Kind::Depolluted,
            Kind::Recycled,
            Kind::Disposed,
            Kind::Exported,
        ] {
            assert!(
                a.products
                    .iter()
                    .any(|p| p.steps.iter().any(|s| s.kind == kind)),
                "{kind}"
            );
        }
    }
}
