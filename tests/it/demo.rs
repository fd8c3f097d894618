//! `ewaste-ledger demo` against a real `serve` on both backends: a history that the rules
//! accept in full, statistics in every city, an audit that passes, and a second run that
//! records nothing twice.

use crate::db::{db_test, TestDb};
use crate::process::{agent, cli, database_url, start};
use serde_json::Value;

fn get(url: &str) -> Value {
    agent()
        .get(url)
        .call()
        .expect("GET")
        .body_mut()
        .read_json()
        .expect("json")
}

db_test! {
    async fn the_demo_fills_a_ledger_with_an_auditable_history(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = database_url(&db.target);
        let server = start(&dir.path().join("data"), &url);
        let admin = server.data_dir.join("admin-key.pem");
        let args = ["demo", "--server", server.url.as_str(), "--key", admin.to_str().expect("utf-8"),
                    "--units", "25", "--years", "4", "--seed", "7"];
        let out = cli(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("demo recorded"), "{stdout}");
        let size = get(&format!("{}/healthz", server.url))["log_size"].as_i64().expect("size");
        assert!(size > 400, "{size} entries");

        let cities = get(&format!("{}/v1/cities", server.url));
        assert_eq!(cities.as_array().map(Vec::len), Some(4));
        let year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
        let stats = get(&format!("{}/v1/stats/DEBER?year={year}", server.url));
        let total = &stats["total"];
        for kpi in ["pom_kg", "collected_kg", "weee_generated_modelled_kg"] {
            assert!(total[kpi].as_f64().unwrap_or(0.0) > 0.0, "{kpi} in {total}");
        }

        let key = agent().get(&format!("{}/v1/log/key", server.url)).call().expect("key")
            .body_mut().read_to_string().expect("text");
        let out = cli(&["audit", "verify", "--server", server.url.as_str(), "--log-key", key.trim()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = cli(&["stats", "rebuild", "--database-url", &url]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("were equal"));

        // The whole demo as one EPCIS document, valid against the official schema.
        let epcis = dir.path().join("demo.epcis.jsonld");
        let out = cli(&["audit", "export", "--server", server.url.as_str(), "--format", "epcis", "--out", epcis.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let document: Value = serde_json::from_slice(&std::fs::read(&epcis).expect("export")).expect("json");
        assert_eq!(document["type"], "EPCISDocument");
        let events = document["epcisBody"]["eventList"].as_array().expect("events");
        // Every entry once, and an error declaration for each entry a correction declared in
        // error (docs/epcis.md, "Corrections").
        let declarations = events.iter().filter(|e| e.get("errorDeclaration").is_some()).count() as i64;
        let corrections = events.iter().filter(|e| e["ewl:kind"] == "error_declared" && e.get("errorDeclaration").is_none()).count() as i64;
        assert_eq!(declarations, corrections, "each correction declares its entry");
        assert_eq!(events.len() as i64 - declarations, size, "every entry, once");
        let kinds: std::collections::BTreeSet<&str> = events.iter().filter_map(|e| e["ewl:kind"].as_str()).collect();
        let every: std::collections::BTreeSet<&str> = ewaste_ledger::domain::kinds::Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, every, "the demo covers every kind");
        assert_eq!(crate::epcis::schema_errors(&crate::epcis::validator(), &document), Vec::<String>::new());

        // The same seed again: every event is a replay of one already recorded.
        let out = cli(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(get(&format!("{}/healthz", server.url))["log_size"].as_i64(), Some(size));
    }
}
