//! `ewaste-ledger bench load`, briefly, through the real binary: every route of the mix gets
//! requests, none fails, and no acknowledged event is missing from the log afterwards.

use crate::db::TestDb;
use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ewaste-ledger");

/// Runs a three-second mixed load (on a fresh SQLite ledger without `database_url`) and
/// returns its JSON report after checking what every run must show.
fn short_run(database_url: Option<&str>) -> Value {
    let mut command = Command::new(BIN);
    command.args([
        "bench",
        "load",
        "--json",
        "--seconds",
        "3",
        "--verify",
        "2000",
        "--max-events",
        "20000",
        "--batch-size",
        "50",
        "--single-clients",
        "4",
        "--products",
        "4",
        "--passport-events",
        "3",
    ]);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let output = command.output().expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench load failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("one JSON report");
    let routes = report["routes"].as_array().expect("routes");
    assert_eq!(routes.len(), 7, "{report}");
    for route in routes {
        assert!(route["requests"].as_u64() > Some(0), "no requests: {route}");
        assert_eq!(route["errors"], 0, "{route}");
    }
    for ingest in &routes[..2] {
        assert!(ingest["events"].as_u64() > Some(0), "no events: {ingest}");
    }
    assert_eq!(report["errors"], 0, "{report}");
    let verification = &report["verification"];
    assert_eq!(verification["lost"], 0, "{verification}");
    let acknowledged = verification["acknowledged"].as_u64().expect("acknowledged");
    let ingested = routes[0]["events"].as_u64().unwrap() + routes[1]["events"].as_u64().unwrap();
    assert_eq!(acknowledged, ingested, "{report}");
    // The log also holds the genesis, the city, the maker and the passport products.
    assert!(
        verification["log_size"].as_u64() > Some(acknowledged),
        "{verification}"
    );
    assert_eq!(
        verification["log_size"], verification["checkpoint_size"],
        "{verification}"
    );
    assert_eq!(verification["root_matches"], true, "{verification}");
    assert!(report["ingest_ratio"].as_f64() > Some(0.0), "{report}");
    report
}

#[test]
fn bench_load_on_sqlite() {
    let report = short_run(None);
    assert_eq!(report["backend"], "sqlite");
}

#[test]
fn bench_load_on_postgres() {
    let Some(db) = TestDb::postgres("bench_load") else {
        return;
    };
    let url = crate::process::database_url(&db.target);
    let report = short_run(Some(&url));
    assert_eq!(report["backend"], "postgres");
}
