//! The statistics of docs/kpis.md on both backends: a small scenario whose every KPI is
//! computed by hand below (the arithmetic is in the comments), attribution by city of sale and
//! of collection, the model against independently computed values, and the writer's
//! incremental facts against a rebuild from the log.

use crate::db::{db_test, TestDb};
use crate::state_machine::KINDS;
use crate::support::{assert_problem, labelled, setup, Env, GTIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

const PHONE: &str = "0306"; // EU-6 category 6; Weibull α 1.56, β 6.26 years
const FRIDGE: &str = "0108"; // EU-6 category 1; Weibull α 2.20, β 16.43 years

fn close(value: &Value, expected: f64, tolerance: f64) {
    let got = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    assert!(
        (got - expected).abs() <= tolerance,
        "got {got}, expected {expected}"
    );
}

/// Registers a labelled product of `unu_key` weighing `weight_g` (registered in Berlin).
/// Registered in 2019, before the histories the tests date (a product's events are in time
/// order, docs/ledger-format.md §1).
async fn product(env: &Env, serial: &str, unu_key: &str, weight_g: u64) -> uuid::Uuid {
    let id = labelled(serial);
    env.ok_at(
        &env.actor(Role::Manufacturer),
        Kind::Registered,
        id,
        ("DEBER", "2019-01-01T00:00:00Z"),
        json!({"unu_key": unu_key, "weight_g": weight_g, "gtin": GTIN, "serial": serial}),
    )
    .await;
    id
}

/// The scenario. Berlin (DEBER, 3,755,251 inhabitants) and Paris (FRPAR, 2,100,000).
///
/// | product | life |
/// |---|---|
/// | P1 phone 200 g | sold DEBER 2022-03-01; collected DEBER 2025-03-01, measured 210 g; handed to the recycler, who receives it; 40 g battery removed; recycled R4 in FRPAR 2025-06-01: copper 20 g, plastics 100 g |
/// | P2 phone 200 g | sold DEBER 2023-01-10; collected DEBER 2025-01-10; handed to the repairer, who receives it; prepared for re-use 2025-02-01; resold from re-use-ready 2025-03-01 |
/// | P3 phone 200 g | sold DEBER 2024-05-05; resold second-hand in DEBER 2025-02-01 |
/// | P4 fridge 40 kg | sold DEBER 2024-07-01; collected DEBER 2025-07-01, measured 42 kg; disposed D1 2025-08-01 |
/// | P5 fridge 40 kg | sold DEBER 2025-02-01; still in use |
/// | P6 phone 200 g | sold FRPAR 2025-02-01; collected DEBER 2025-04-01; exported to NG (A1181, R4) 2025-05-01 |
///
/// plus an admin's historical baseline: 1,000 kg of phones sold in DEBER in 2022.
pub(crate) async fn scenario(env: &Env) {
    let admin = env.actor(Role::Admin);
    env.ok(
        &admin,
        Kind::CityRegistered,
        None,
        json!({"locode": "FRPAR", "name": "Paris",
        "country": "FR", "population": 2_100_000, "population_year": 2024}),
    )
    .await;
    env.ok(
        &admin,
        Kind::PomBaseline,
        None,
        json!({"locode": "DEBER", "year": 2022, "unu_key": PHONE,
        "mass_g": 1_000_000}),
    )
    .await;
    let (maker, shop, repairer, collector, recycler) = (
        env.actor(Role::Manufacturer),
        env.actor(Role::Retailer),
        env.actor(Role::Repairer),
        env.actor(Role::Collector),
        env.actor(Role::Recycler),
    );
    let at = |city, day| (city, day);

    let p1 = product(env, "P1", PHONE, 200).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p1,
        at("DEBER", "2022-03-01T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::Collected,
        p1,
        at("DEBER", "2025-03-01T10:00:00Z"),
        json!({"weight_g": 210}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::HandedOver,
        p1,
        at("DEBER", "2025-03-02T10:00:00Z"),
        json!({"to": recycler.id}),
    )
    .await;
    env.ok_at(
        &recycler,
        Kind::Received,
        p1,
        at("DEBER", "2025-03-03T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &recycler,
        Kind::Depolluted,
        p1,
        at("FRPAR", "2025-05-01T10:00:00Z"),
        json!({"components": [{"component": "battery:li-ion", "mass_g": 40}]}),
    )
    .await;
    env.ok_at(&recycler, Kind::Recycled, p1, at("FRPAR", "2025-06-01T10:00:00Z"),
        json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 20}, {"material": "plastics", "mass_g": 100}]})).await;

    let p2 = product(env, "P2", PHONE, 200).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p2,
        at("DEBER", "2023-01-10T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::Collected,
        p2,
        at("DEBER", "2025-01-10T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::HandedOver,
        p2,
        at("DEBER", "2025-01-11T10:00:00Z"),
        json!({"to": repairer.id}),
    )
    .await;
    env.ok_at(
        &repairer,
        Kind::Received,
        p2,
        at("DEBER", "2025-01-12T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &repairer,
        Kind::PreparedForReuse,
        p2,
        at("DEBER", "2025-02-01T10:00:00Z"),
        json!({"grade": "A"}),
    )
    .await;
    env.ok_at(
        &repairer,
        Kind::Resold,
        p2,
        at("DEBER", "2025-03-01T10:00:00Z"),
        json!({}),
    )
    .await;

    let p3 = product(env, "P3", PHONE, 200).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p3,
        at("DEBER", "2024-05-05T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &shop,
        Kind::Resold,
        p3,
        at("DEBER", "2025-02-01T10:00:00Z"),
        json!({}),
    )
    .await;

    let p4 = product(env, "P4", FRIDGE, 40_000).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p4,
        at("DEBER", "2024-07-01T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::Collected,
        p4,
        at("DEBER", "2025-07-01T10:00:00Z"),
        json!({"weight_g": 42_000}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::Disposed,
        p4,
        at("DEBER", "2025-08-01T10:00:00Z"),
        json!({"operation": "D1"}),
    )
    .await;

    let p5 = product(env, "P5", FRIDGE, 40_000).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p5,
        at("DEBER", "2025-02-01T10:00:00Z"),
        json!({}),
    )
    .await;

    let p6 = product(env, "P6", PHONE, 200).await;
    env.ok_at(
        &maker,
        Kind::PlacedOnMarket,
        p6,
        at("FRPAR", "2025-02-01T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(
        &collector,
        Kind::Collected,
        p6,
        at("DEBER", "2025-04-01T10:00:00Z"),
        json!({}),
    )
    .await;
    env.ok_at(&collector, Kind::Exported, p6, at("DEBER", "2025-05-01T10:00:00Z"),
        json!({"country": "NG", "basel_entry": "A1181", "notification": "DE-2025-0001", "operation": "R4"})).await;
}

db_test! {
    /// Every KPI of Berlin in 2025, by hand.
    async fn every_kpi_of_a_small_scenario(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, stats) = env.get("/v1/stats/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        let total = &stats["total"];

        // POM(2025) = P5 = 40 kg, 1 unit (P6 was sold in Paris; resales are not POM).
        close(&total["pom_kg"], 40.0, 1e-9);
        assert_eq!(total["pom_units"], 1);
        // C(2025) = P1 210 g measured + P2 200 + P4 42,000 measured + P6 200 (collected here,
        // sold in Paris) = 42,610 g.
        close(&total["collected_kg"], 42.61, 1e-9);
        assert_eq!(total["collected_units"], 4);
        // No collection through channel `informal` (tests/it/stats_informal.rs has some).
        close(&total["collected_informal_kg"], 0.0, 1e-9);
        assert_eq!(total["collected_informal_units"], 0);
        close(&total["informal_share_pct"], 0.0, 1e-9);
        // POM(2024) = P3 0.2 + P4 40 = 40.2 kg; POM(2023) = P2 0.2 kg;
        // POM(2022) = P1 0.2 + the 1,000 kg baseline = 1,000.2 kg.
        // EU rate = 100 × 42.61 / ((40.2 + 0.2 + 1000.2) / 3) = 100 × 42.61 / 346.8667 = 12.28 %.
        close(&total["eu_collection_rate_pct"], 12.28, 1e-9);
        // WG(2025) = Σ_t POM(t)·f(2025 − t + 0.5):
        //   phones: 1,000,200 g·f(3.5) + 200·f(2.5) + 200·f(1.5) with α 1.56, β 6.26 = 120,241.300 g
        //   fridges: 40,000·f(1.5) + 40,000·f(0.5) with α 2.20, β 16.43 = 382.432 g
        //   (Python 3.11 math: (a/b)*(x/b)**(a-1)*exp(-(x/b)**a)), total 120.624 kg.
        close(&total["weee_generated_modelled_kg"], 120.624, 1e-9);
        // 100 × 42.61 / 120.6237 = 35.32 %; recycled = P1's input 210 g: 100 × 0.21 / 120.6237 = 0.17 %.
        close(&total["collection_rate_vs_generated_pct"], 35.32, 1e-9);
        close(&total["recycled_kg"], 0.21, 1e-9);
        assert_eq!(total["recycled_units"], 1);
        close(&total["recycling_rate_pct"], 0.17, 1e-9);
        // Fractions of P1, attributed to Berlin although recycled in Paris.
        assert_eq!(total["fractions_kg"], json!({"copper": 0.02, "plastics": 0.1}));
        // Prepared for re-use: P2, 200 g, 0.47 % of C; its later resale ends its waste status
        // and is not re-use of used EEE. Re-use: P3's second-hand sale, 200 g.
        close(&total["prepared_for_reuse_kg"], 0.2, 1e-9);
        assert_eq!(total["prepared_for_reuse_units"], 1);
        close(&total["prepared_for_reuse_share_pct"], 0.47, 1e-9);
        close(&total["reused_kg"], 0.2, 1e-9);
        assert_eq!(total["reused_units"], 1);
        // Disposed: P4's measured 42 kg by D1, 98.57 % of C. Exported: P6's 200 g to Nigeria.
        close(&total["disposed_kg"], 42.0, 1e-9);
        close(&total["disposed_share_pct"], 98.57, 1e-9);
        assert_eq!(total["disposed_kg_by_operation"], json!({"D1": 42.0}));
        assert_eq!(total["disposed_units"], 1);
        close(&total["exported_kg"], 0.2, 1e-9);
        assert_eq!(total["exported_units"], 1);
        close(&total["exported_share_pct"], 0.47, 1e-9);
        assert_eq!(total["exported_kg_by_destination"], json!({"NG/A1181": 0.2}));
        // Depollution: 40 g of batteries per 0.04261 t collected = 0.939 kg per tonne.
        assert_eq!(total["depolluted_kg_by_component"], json!({"battery:li-ion": 0.04}));
        close(&total["depolluted_kg_per_tonne_collected"], 0.939, 1e-9);
        // Recovery = (recycled 210 + prepared 200) / 42,610 = 0.96 %; no energy recovery (R1),
        // so re-use and recycling is the same 0.96 %.
        close(&total["recovery_rate_pct"], 0.96, 1e-9);
        close(&total["reuse_recycling_rate_pct"], 0.96, 1e-9);
        // In-use stock: sold here P1–P5 (80.6 kg, 5 units) − collected here (42.61 kg, 4 units).
        close(&total["in_use_stock_kg"], 37.99, 1e-9);
        assert_eq!(total["in_use_stock_units"], 1);
        // Per capita, Berlin's 3,755,251 inhabitants.
        close(&total["collected_kg_per_capita"], 42.61 / 3_755_251.0, 1e-6);
        close(&total["pom_kg_per_capita"], 40.0 / 3_755_251.0, 1e-6);
        for (kpi, kg) in [("weee_generated_modelled_kg", 120.624), ("recycled_kg", 0.21), ("prepared_for_reuse_kg", 0.2),
                          ("reused_kg", 0.2), ("disposed_kg", 42.0), ("exported_kg", 0.2)] {
            close(&total[format!("{kpi}_per_capita")], kg / 3_755_251.0, 1e-6);
        }
        // Targets: 65 % collection and 30 % recycling, both missed.
        assert_eq!(total["targets"]["eu_collection_rate_pct"]["met"], false);
        assert_eq!(total["targets"]["recycling_rate_pct"]["met"], false);

        // By UNU-KEY: phones collected P1 210 + P2 200 + P6 200 = 610 g; lifespans from first
        // sale to collection 36 (P1), 24 (P2) and 2 months (P6): mean 62/3 months = 1.72
        // years, median 24 months = 2 years; the model's mean β·Γ(1 + 1/α) = 5.63 years.
        let phones = &stats["by_unu_key"][PHONE];
        close(&phones["collected_kg"], 0.61, 1e-9);
        close(&phones["observed_lifespan_mean_years"], 1.72, 1e-9);
        close(&phones["observed_lifespan_median_years"], 2.0, 1e-9);
        assert_eq!(phones["observed_lifespan_units"], 3);
        close(&phones["weibull_mean_years"], 5.63, 1e-9);
        close(&phones["weee_generated_modelled_kg"], 120.241, 1e-9);
        let fridges = &stats["by_unu_key"][FRIDGE];
        close(&fridges["observed_lifespan_mean_years"], 1.0, 1e-9);
        close(&fridges["weibull_mean_years"], 14.55, 1e-9);

        // By EU-6 category 6 (phones): recovery = re-use and recycling = (210 + 200) / 610 =
        // 67.21 %, against Annex V's 75 % (missed) and 55 % (met).
        let small_it = &stats["by_eu6"]["6"];
        close(&small_it["recovery_rate_pct"], 67.21, 1e-9);
        close(&small_it["reuse_recycling_rate_pct"], 67.21, 1e-9);
        assert_eq!(small_it["targets"]["recovery_rate_pct"], json!({"target": 75, "met": false}));
        assert_eq!(small_it["targets"]["reuse_recycling_rate_pct"], json!({"target": 55, "met": true}));
        // Category 1 (fridges): P4 collected, nothing recovered: 0 %, targets 85 and 80 missed.
        close(&stats["by_eu6"]["1"]["recovery_rate_pct"], 0.0, 1e-9);
        assert_eq!(stats["by_eu6"]["1"]["targets"]["recovery_rate_pct"]["met"], false);
        // A category with nothing collected has no rate.
        assert_eq!(stats["by_eu6"]["2"]["recovery_rate_pct"], Value::Null);

        // Definitions: the KPI version and the tables' digests; which KPIs are modelled.
        assert_eq!(stats["definitions"]["kpis"], "ewaste-ledger/kpi/2");
        assert!(stats["definitions"]["unu-keys.csv"].as_str().unwrap().starts_with("sha256:"));
        assert!(stats["definitions"]["modelled"].as_array().unwrap().contains(&json!("weee_generated_modelled_kg")));

        // Paris in 2025: P6's sale only; no earlier sales, so no EU rate (null, not 0).
        let (_, paris) = env.get("/v1/stats/FRPAR?year=2025").await;
        close(&paris["total"]["pom_kg"], 0.2, 1e-9);
        close(&paris["total"]["collected_kg"], 0.0, 1e-9);
        assert_eq!(paris["total"]["eu_collection_rate_pct"], Value::Null);
        assert_eq!(paris["total"]["informal_share_pct"], Value::Null);
        assert_eq!(paris["total"]["fractions_kg"], json!({}));
    }

    /// CSV, all cities side by side, and clear errors.
    async fn csv_all_cities_and_errors(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, body, content_type) = env.call_raw(TestRequest::get().uri("/v1/stats/DEBER.csv?year=2025")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
        let csv = String::from_utf8(body).expect("utf-8");
        assert!(csv.starts_with("city,year,scope,group,kpi,value\n"), "{csv}");
        for row in ["DEBER,2025,total,,collected_kg,42.61\n", "DEBER,2025,total,,fractions_kg.copper,0.02\n",
                    "DEBER,2025,by_unu_key,0306,observed_lifespan_median_years,2.0\n",
                    "DEBER,2025,total,,eu_collection_rate_pct,12.28\n"] {
            assert!(csv.contains(row), "{row} in {csv}");
        }
        let (status, all) = env.get("/v1/stats?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        let cities: Vec<&str> = all["cities"].as_array().unwrap().iter().map(|c| c["city"].as_str().unwrap()).collect();
        assert_eq!(cities, ["DEBER", "FRPAR"]);
        close(&all["cities"][0]["total"]["collected_kg"], 42.61, 1e-9);

        let (status, body) = env.get("/v1/stats/XXXXX?year=2025").await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body) = env.get("/v1/stats/berlin").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-locode");
        let (status, body) = env.get("/v1/stats/DEBER?year=12").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-query");
        let (status, body) = env.get("/v1/stats/DEBER?year=next").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-query");
    }

    /// The facts the writer kept up to date equal a recomputation from the log alone.
    async fn incremental_statistics_equal_a_rebuild(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let ledger = &env.ledger;
        let before = ledger.statistics_facts().await.expect("facts");
        assert!(before.len() > 20, "{} facts", before.len());
        let report = ledger.rebuild_statistics().await.expect("rebuild");
        assert!(!report.changed, "the rebuild found different facts: {report:?}");
        assert_eq!(ledger.statistics_facts().await.expect("facts"), before);
        assert_eq!(report.facts, before.len());
    }

    /// Random lifecycles (kinds, signers, years, cities and masses drawn by proptest), accepted
    /// or refused as the rules decide: the incremental facts always equal a rebuild.
    async fn random_histories_keep_incremental_equal_to_rebuild(db: TestDb) {
        let env = setup(db).await;
        let admin = env.actor(Role::Admin);
        env.ok(&admin, Kind::CityRegistered, None, json!({"locode": "FRPAR", "name": "Paris",
            "country": "FR", "population": 2_100_000, "population_year": 2024})).await;
        let mut runner = TestRunner::deterministic();
        let step = (0..6usize, 0..KINDS.len(), 2019..2027i32, 1..13u32, proptest::bool::ANY, 1..60_000u64);
        let mut steps = proptest::collection::vec(step, 120..121)
            .new_tree(&mut runner)
            .expect("a sample")
            .current();
        // In time order, as a product's events must be (docs/ledger-format.md §1); the stable sort
        // keeps the drawn order within a month.
        steps.sort_by_key(|step| (step.2, step.3));
        let keys = [PHONE, FRIDGE, "0303", "0501"];
        let mut products = Vec::new();
        for n in 0..6 {
            products.push(product(&env, &format!("R{n}"), keys[n % keys.len()], 150 + 997 * n as u64).await);
        }
        let mut accepted = 0;
        for (p, k, year, month, paris, grams) in steps {
            let kind = KINDS[k];
            let id = products[p];
            let custodian = env.product(id).await.and_then(|v| v["custodian"].as_str().map(String::from));
            let signer = match custodian {
                Some(holder) if kind.needs_custody() => env.actors.iter().find(|a| a.id.to_string() == holder).cloned(),
                _ => env.actors.iter().find(|a| kind.allowed_roles().contains(&a.role)).cloned(),
            }
            .expect("a signer");
            let mut draft = env.draft(&signer, kind, Some(id), data(kind, grams, &env)).await;
            draft.city = Some(if paris { "FRPAR" } else { "DEBER" }.into());
            draft.occurred_at = format!("{year}-{month:02}-15T12:00:00Z");
            let (status, _) = env.post(&draft.sign(&signer.key).expect("sign")).await;
            accepted += usize::from(status == StatusCode::CREATED);
        }
        assert!(accepted > 20, "only {accepted} of 120 random events were accepted");
        let before = env.ledger.statistics_facts().await.expect("facts");
        let report = env.ledger.rebuild_statistics().await.expect("rebuild");
        assert!(!report.changed, "incremental facts differ from the rebuild after {accepted} events");
        assert_eq!(env.ledger.statistics_facts().await.expect("facts"), before);
    }
}

/// Plausible data of `kind`, masses from `grams`.
fn data(kind: Kind, grams: u64, env: &Env) -> Value {
    match kind {
        // A third through channel `informal`, so that its extra fact is rebuilt too.
        Kind::Collected => match (grams % 2 == 0, grams % 3 == 0) {
            (true, true) => json!({"weight_g": grams, "channel": "informal"}),
            (true, false) => json!({"weight_g": grams}),
            (false, true) => json!({"channel": "informal"}),
            (false, false) => json!({}),
        },
        Kind::HandedOver => {
            json!({"to": env.actor(if grams % 2 == 0 { Role::Recycler } else { Role::Repairer }).id})
        }
        Kind::PreparedForReuse => json!({"grade": "B"}),
        Kind::Depolluted => {
            json!({"components": [{"component": "battery:li-ion", "mass_g": grams % 50}]})
        }
        Kind::Recycled => json!({"operation": if grams % 3 == 0 { "R1" } else { "R4" },
            "fractions": [{"material": "copper", "mass_g": grams % 40}, {"material": "plastics", "mass_g": grams % 70}]}),
        Kind::Disposed => json!({"operation": "D10"}),
        Kind::Exported => {
            json!({"country": "GH", "basel_entry": "Y49", "notification": "N-1", "operation": "R4"})
        }
        _ => json!({}),
    }
}
