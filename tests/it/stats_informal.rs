//! Informal collection in the statistics (docs/kpis.md, "Informal collection") on both
//! backends: collections through channel `informal` and `municipal`, the informal mass and
//! share computed by hand in total, by EU-6 category, by UNU-KEY, per capita and in the CSV;
//! the dashboard's plain words; the offline audit's recomputation; and the rebuild at start of
//! facts computed with the definitions before `collected_informal` existed.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::support::{labelled, log_signing_key, open_ledger, setup, Env, GTIN, ORIGIN};
use crate::tamper;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use ewaste_ledger::domain::stats::facts::Metric;
use ewaste_ledger::domain::stats::kpis::KPI_DEFINITIONS;
use ewaste_ledger::ledger::audit::{audit, AuditOptions};
use ewaste_ledger::storage::schema::{stat_facts, stats_state};
use serde_json::{json, Value};

const PHONE: &str = "0306"; // EU-6 category 6
const FRIDGE: &str = "0108"; // EU-6 category 1
/// Berlin's population as `setup` registers it.
const BERLIN: f64 = 3_755_251.0;

/// Three collections in Berlin in 2025:
///
/// | product | declared | collected through | measured |
/// |---|---|---|---|
/// | phone I1 | 200 g | `informal` | 190 g |
/// | phone M1 | 200 g | `municipal` | none (the declared 200 g count) |
/// | fridge I2 | 40,000 g | `informal` | 41,250 g |
///
/// C = 190 + 200 + 41,250 = 41,640 g in 3 units; informal 190 + 41,250 = 41,440 g in 2 units.
async fn collections(env: &Env) {
    let (maker, collector) = (env.actor(Role::Manufacturer), env.actor(Role::Collector));
    let products = [
        (
            "I1",
            PHONE,
            200,
            json!({"channel": "informal", "weight_g": 190}),
        ),
        ("M1", PHONE, 200, json!({"channel": "municipal"})),
        (
            "I2",
            FRIDGE,
            40_000,
            json!({"channel": "informal", "weight_g": 41_250}),
        ),
    ];
    for (serial, unu_key, weight_g, collected) in products {
        let id = labelled(serial);
        env.ok_at(
            &maker,
            Kind::Registered,
            id,
            ("DEBER", "2025-01-02T10:00:00Z"),
            json!({"unu_key": unu_key, "weight_g": weight_g, "gtin": GTIN, "serial": serial}),
        )
        .await;
        env.ok_at(
            &collector,
            Kind::Collected,
            id,
            ("DEBER", "2025-06-01T10:00:00Z"),
            collected,
        )
        .await;
    }
}

fn audit_options() -> AuditOptions {
    AuditOptions::new(
        VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key()).unwrap(),
    )
}

db_test! {
    /// The informal mass and share, exactly, in every group and in the CSV.
    async fn informal_collection_and_its_share(db: TestDb) {
        let env = setup(db).await;
        collections(&env).await;
        let (status, stats) = env.get("/v1/stats/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        let total = &stats["total"];
        assert_eq!(total["collected_kg"], json!(41.64));
        assert_eq!(total["collected_units"], json!(3));
        assert_eq!(total["collected_informal_kg"], json!(41.44));
        assert_eq!(total["collected_informal_units"], json!(2));
        // 100 × 41,440 / 41,640 = 99.5197 %.
        assert_eq!(total["informal_share_pct"], json!(99.52));
        // 41.44 kg / 3,755,251 inhabitants = 0.0000110 kg, at the six decimals of per-capita figures.
        assert_eq!(total["collected_informal_kg_per_capita"], json!(0.000011));
        let per_capita = total["collected_informal_kg_per_capita"].as_f64().unwrap();
        assert!((per_capita - 41.44 / BERLIN).abs() < 1e-6, "{per_capita}");

        // Phones (category 6): 390 g collected, of which the 190 g informal: 48.72 %.
        for phones in [&stats["by_eu6"]["6"], &stats["by_unu_key"][PHONE]] {
            assert_eq!(phones["collected_kg"], json!(0.39));
            assert_eq!(phones["collected_informal_kg"], json!(0.19));
            assert_eq!(phones["collected_informal_units"], json!(1));
            assert_eq!(phones["informal_share_pct"], json!(48.72));
        }
        // The fridge (category 1): all of it informal.
        for fridges in [&stats["by_eu6"]["1"], &stats["by_unu_key"][FRIDGE]] {
            assert_eq!(fridges["collected_informal_kg"], json!(41.25));
            assert_eq!(fridges["informal_share_pct"], json!(100.0));
        }
        // Nothing collected in category 2: no share (null, not 0).
        assert_eq!(stats["by_eu6"]["2"]["collected_informal_kg"], json!(0.0));
        assert_eq!(stats["by_eu6"]["2"]["informal_share_pct"], Value::Null);
        assert_eq!(stats["definitions"]["kpis"], json!("ewaste-ledger/kpi/2"));

        let (status, body, _) = env.call_raw(TestRequest::get().uri("/v1/stats/DEBER.csv?year=2025")).await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(body).expect("utf-8");
        for row in ["DEBER,2025,total,,collected_informal_kg,41.44\n", "DEBER,2025,total,,collected_informal_units,2\n",
                    "DEBER,2025,total,,informal_share_pct,99.52\n", "DEBER,2025,by_eu6,6,informal_share_pct,48.72\n",
                    "DEBER,2025,by_unu_key,0108,collected_informal_kg,41.25\n",
                    "DEBER,2025,by_eu6,2,informal_share_pct,\n"] {
            assert!(csv.contains(row), "{row} in {csv}");
        }

        // The dashboard says it in plain words beside the collected mass.
        let (status, html) = html_page(&env, "/cities/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<div class=\"value\">41.6 kg</div>"), "{html}");
        assert!(html.contains("of which informal: 41.4 kg (99.5 %)"), "{html}");
    }

    /// The writer's facts, a rebuild from the log and the offline audit's recomputation from
    /// the export agree, `collected_informal` facts included.
    async fn informal_facts_agree_with_a_rebuild_and_the_audit(db: TestDb) {
        let env = setup(db).await;
        collections(&env).await;
        let facts = env.ledger.statistics_facts().await.expect("facts");
        let informal: i64 = facts.iter().filter(|(k, _)| k.metric == Metric::CollectedInformal).map(|(_, a)| a.mass_g).sum();
        assert_eq!(informal, 41_440);
        let report = env.ledger.rebuild_statistics().await.expect("rebuild");
        assert!(!report.changed, "{report:?}");
        let (status, export, _) = env.call_raw(TestRequest::get().uri("/v1/log/export")).await;
        assert!(status.is_success(), "{status}");
        let audited = audit(&export[..], &audit_options(), &()).expect("the log audits clean");
        assert_eq!(audited.statistics, facts, "the audit recomputes the same facts");
    }

    /// Facts stored under definitions version 1 (which had no `collected_informal`) are
    /// rebuilt when the ledger opens, and the stored version becomes the current one.
    async fn facts_of_older_definitions_are_rebuilt_at_start(db: TestDb) {
        let env = setup(db).await;
        collections(&env).await;
        let current = env.ledger.statistics_facts().await.expect("facts");
        let mut conn = tamper::connect(&env.db.target);
        // As version 1 left them: no informal facts, and its version recorded.
        diesel::delete(stat_facts::table.filter(stat_facts::metric.eq("collected_informal")))
            .execute(&mut conn)
            .expect("delete the informal facts");
        diesel::update(stats_state::table)
            .set(stats_state::definitions.eq("ewaste-ledger/kpi/1"))
            .execute(&mut conn)
            .expect("the old version");
        assert_ne!(env.ledger.statistics_facts().await.expect("facts"), current);

        let reopened = open_ledger(&env.db);
        assert_eq!(reopened.statistics_facts().await.expect("facts"), current);
        let stored: String = stats_state::table.select(stats_state::definitions).first(&mut conn).expect("state");
        assert_eq!(stored, KPI_DEFINITIONS);
        assert_eq!(KPI_DEFINITIONS, "ewaste-ledger/kpi/2");
    }
}
