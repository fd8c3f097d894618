//! The demo's history, planned from a seed: cities, actors with their own keys, a historical
//! sales baseline, and products whose lives follow the reference data (unit weights, Weibull
//! lifespans) and plausible shares of repair, resale, collection, preparation for re-use,
//! recycling with material fractions, disposal and export; weighed lots of informal collection,
//! and cages of collected products packed, shipped and unpacked (docs/lifecycle.md §8). Pure:
//! submitting it is the CLI's job.

use super::categories::CATEGORIES;
use super::life::{day, end_of_life, hand_over, CityActors, Fate, Life};
use super::rng::Rng;
use crate::domain::gtin::{check_digit, Gtin14};
use crate::domain::identifiers::{container_id_for_sscc, product_id};
use crate::domain::kinds::{Kind, Role, SubjectKind};
use crate::domain::reference;
use crate::domain::serial::Serial;
use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

/// New EEE placed on the market per inhabitant and year, kg: what a page compares the demo's
/// sample with to state its scale (docs/kpis.md, "The demo").
pub const POM_KG_PER_INHABITANT: f64 = 20.0;

/// What marks a demo city's name: the dashboards explain that its figures are a sample.
pub const DEMO_MARK: &str = " (demo)";

/// Whether `name` is a demo city's.
pub fn is_demo_city(name: &str) -> bool {
    name.ends_with(DEMO_MARK)
}

/// A demo city: (locode, name, country, population, the population's year). The populations
/// are the real, published ones, so that per-inhabitant figures divide by the city's real size:
/// - Berlin: 3,897,145 registered residents on 31 December 2024 (Amt für Statistik
///   Berlin-Brandenburg);
/// - Amsterdam: 918,117 inhabitants of the municipality on 1 January 2023 (CBS StatLine);
/// - Nairobi: 4,397,073 in the 2019 Kenya Population and Housing Census (KNBS, volume I);
/// - Bengaluru: 8,443,675 in the Census of India 2011 (Bruhat Bengaluru Mahanagara Palike,
///   the municipal corporation).
const CITIES: [(&str, &str, &str, u64, i32); 4] = [
    ("DEBER", "Berlin (demo)", "DE", 3_897_145, 2024),
    ("NLAMS", "Amsterdam (demo)", "NL", 918_117, 2023),
    ("KENBO", "Nairobi (demo)", "KE", 4_397_073, 2019),
    ("INBLR", "Bengaluru (demo)", "IN", 8_443_675, 2011),
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
    pub population_year: i32,
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

/// One subject's planned events: a product's or a lot's life, or a container's trip.
pub struct ProductPlan {
    pub id: Uuid,
    /// What the events are about: the top-level member that names `id`.
    pub subject: SubjectKind,
    pub steps: Vec<Step>,
    /// The products a container's `packed` and `unpacked` list (their `prev` is known only
    /// when recorded).
    pub children: Vec<Uuid>,
}

pub struct Plan {
    /// When the registry events (cities, actors, baseline) are dated: before every sale.
    pub registry_at: DateTime<Utc>,
    pub cities: Vec<DemoCity>,
    pub actors: Vec<DemoActor>,
    /// An actor whose key is rotated and who is then revoked (signs nothing), and its second key.
    pub retired: DemoActor,
    pub retired_new_key: SigningKey,
    /// `pom_baseline` data for the years before the documented ones.
    pub baselines: Vec<Value>,
    /// Products and lots, recorded in rounds.
    pub products: Vec<ProductPlan>,
    /// Containers, recorded once every product's life is: they pack products as they are
    /// then.
    pub containers: Vec<ProductPlan>,
}

impl Plan {
    pub fn events(&self) -> usize {
        self.products
            .iter()
            .chain(&self.containers)
            .map(|p| p.steps.len())
            .sum()
    }
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
    for (locode, city_name, ..) in CITIES {
        let name = city_name.trim_end_matches(DEMO_MARK);
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

    let cities = CITIES
        .iter()
        .map(
            |(locode, name, country, population, population_year)| DemoCity {
                locode,
                name,
                country,
                population: *population,
                population_year: *population_year,
            },
        )
        .collect();

    let until = settings.until;
    let last_year = chrono::Datelike::year(&until);
    let first_year = last_year - settings.years + 1;
    let mut baselines = Vec::new();
    for (locode, ..) in CITIES {
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
    let mut containers = Vec::new();
    for (city_index, (locode, ..)) in CITIES.iter().enumerate() {
        let local = &by_city[city_index];
        // Collected products waiting in the collector's cage: (since when, product).
        let mut caged = Vec::new();
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
                    let fate = end_of_life(
                        &mut rng,
                        &mut life,
                        local,
                        &actors,
                        category,
                        weight_g,
                        day(sold, years_of_use * 365.25),
                    );
                    if let Fate::AwaitsPacking(since) = fate {
                        caged.push((since, id));
                    }
                }
                products.push(ProductPlan::of(id, SubjectKind::Product, life.steps));
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
                let fate = end_of_life(
                    &mut rng, &mut life, local, &actors, category, weight_g, collected,
                );
                if let Fate::AwaitsPacking(since) = fate {
                    caged.push((since, id));
                }
                products.push(ProductPlan::of(id, SubjectKind::Product, life.steps));
            }
            for n in 0..(settings.units_per_city_year / 10).max(1) {
                let collected = day(start, rng.unit() * 365.0);
                if let Some(lot) = informal_lot(
                    &mut rng,
                    (seed, locode, year, n),
                    local,
                    &actors,
                    (collected, until),
                ) {
                    products.push(lot);
                }
            }
        }
        containers.extend(cages(seed, locode, local, &actors, &mut caged, until));
    }
    let registry_at = NaiveDate::from_ymd_opt(first_year - 1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(until);
    let lost = |name: &str| {
        actor(
            seed,
            "Berlin Municipal Collection",
            name,
            &[Role::Collector],
            "DEBER",
        )
    };
    Plan {
        registry_at,
        cities,
        actors,
        retired: lost("Lost scanner"),
        retired_new_key: lost("Lost scanner, second key").key,
        baselines,
        products,
        containers,
    }
}

impl ProductPlan {
    fn of(id: Uuid, subject: SubjectKind, steps: Vec<Step>) -> ProductPlan {
        ProductPlan {
            id,
            subject,
            steps,
            children: Vec::new(),
        }
    }
}

/// Informal collection weighed in as a lot (docs/lifecycle.md §8.2): an aggregator, known by a
/// pseudonym, brings uncounted small equipment to the collector, who hands it to the recycler.
fn informal_lot(
    rng: &mut Rng,
    (seed, locode, year, n): (u64, &'static str, i32, usize),
    local: &CityActors,
    actors: &[DemoActor],
    (collected, until): (DateTime<Utc>, DateTime<Utc>),
) -> Option<ProductPlan> {
    let id = Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("demo {seed} lot {locode} {year} {n}").as_bytes(),
    );
    let mut life = Life {
        city: locode,
        until,
        steps: Vec::new(),
    };
    let mass_g = rng.below(20_000, 400_000);
    let mut data = json!({"eu6": *rng.pick(&["5", "6"]), "mass_g": mass_g, "channel": "informal",
        "aggregator": format!("AGG-{:04}", rng.below(1, 60))});
    if rng.chance(0.5) {
        data["units"] = json!(mass_g / 900 + 1);
    }
    if !life.push(Kind::LotCollected, local.collector, collected, data) {
        return None;
    }
    hand_over(
        &mut life,
        rng,
        (local.collector, local.recycler),
        actors,
        day(collected, 2.0),
        Some(mass_g),
    );
    Some(ProductPlan::of(id, SubjectKind::Lot, life.steps))
}

/// The waiting products packed into cages of up to eight, in the order they were collected,
/// each cage shipped to the recycler and unpacked there. A cage is packed the day after its
/// last product came in; one that would be packed after `until` is not (its products wait).
fn cages(
    seed: u64,
    locode: &'static str,
    local: &CityActors,
    actors: &[DemoActor],
    caged: &mut [(DateTime<Utc>, Uuid)],
    until: DateTime<Utc>,
) -> Vec<ProductPlan> {
    caged.sort();
    let mut plans = Vec::new();
    let mut rng = Rng::new(seed ^ 0xca9e);
    for (n, cage) in caged.chunks(8).enumerate() {
        let Some(&(last, _)) = cage.last() else {
            continue;
        };
        let children: Vec<Uuid> = cage.iter().map(|(_, id)| *id).collect();
        // An SSCC under GS1's documentation prefix: extension 0, 0950600, a serial reference.
        let city_number = CITIES.iter().position(|c| c.0 == locode).unwrap_or(0);
        let body = format!("00950600{city_number}{:08}", n);
        let sscc = format!("{body}{}", check_digit(&body).unwrap_or(0));
        let Ok(id) = container_id_for_sscc(&sscc) else {
            continue;
        };
        let packed = day(last, 1.0);
        let mut life = Life {
            city: locode,
            until,
            steps: Vec::new(),
        };
        // `children` (with each child's `prev`) is filled in when recorded.
        if !life.push(Kind::Packed, local.collector, packed, json!({"sscc": sscc})) {
            continue;
        }
        if hand_over(
            &mut life,
            &mut rng,
            (local.collector, local.recycler),
            actors,
            day(packed, 1.0),
            None,
        ) {
            life.push(Kind::Unpacked, local.recycler, day(packed, 3.0), json!({}));
        }
        plans.push(ProductPlan {
            id,
            subject: SubjectKind::Container,
            steps: life.steps,
            children,
        });
    }
    plans
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
    fn demo_cities_are_marked_and_have_their_real_population() {
        let plan = plan(&settings(1));
        assert_eq!(plan.cities.len(), 4);
        for city in &plan.cities {
            assert!(is_demo_city(city.name), "{}", city.name);
            assert!(
                city.population > 900_000,
                "{}: {}",
                city.name,
                city.population
            );
        }
        assert!(!is_demo_city("Berlin"));
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
        for product in a.products.iter().chain(&a.containers) {
            let creates = match product.subject {
                SubjectKind::Product => Kind::Registered,
                SubjectKind::Lot => Kind::LotCollected,
                SubjectKind::Container => Kind::Packed,
            };
            assert_eq!(product.steps[0].kind, creates);
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
            Kind::Received,
            Kind::ReceiptRefused,
            Kind::ErrorDeclared,
            Kind::LotCollected,
            Kind::Packed,
            Kind::Unpacked,
        ] {
            assert!(
                a.products
                    .iter()
                    .chain(&a.containers)
                    .any(|p| p.steps.iter().any(|s| s.kind == kind)),
                "{kind}"
            );
        }
        // Every hand-over is answered by the actor it names.
        for plan in a.products.iter().chain(&a.containers) {
            for pair in plan.steps.windows(2) {
                if pair[0].kind == Kind::HandedOver {
                    assert!(matches!(
                        pair[1].kind,
                        Kind::Received | Kind::ReceiptRefused
                    ));
                    assert_eq!(pair[0].data["to"], json!(a.actors[pair[1].actor].id));
                }
            }
        }
    }
}
