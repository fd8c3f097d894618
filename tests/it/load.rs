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
#[cfg_attr(
    not(postgres_tests),
    ignore = "set EWASTE_TEST_DATABASE_URL to run it on PostgreSQL"
)]
fn bench_load_on_postgres() {
    let Some(db) = TestDb::postgres("bench_load") else {
        return;
    };
    let url = crate::process::database_url(&db.target);
    let report = short_run(Some(&url));
    assert_eq!(report["backend"], "postgres");
}

/// `bench` (not `load`) at the smallest sizes: it runs every part and reports every figure as
/// a positive number, so a change that breaks one part (a synthetic log the ledger can no
/// longer open, say) fails here and not in the next person's benchmark run.
#[test]
fn bench_reports_every_figure() {
    let output = Command::new(BIN)
        .args([
            "bench",
            "--json",
            "--verify",
            "500",
            "--batch-events",
            "200",
            "--batch-size",
            "100",
            "--single-events",
            "40",
            "--clients",
            "4",
            "--fsync-seconds",
            "1",
            "--proof-entries",
            "3000",
            "--proof-samples",
            "20",
            "--labels",
            "10",
            // Fewer units than 10 may leave a city-year with no collection to report.
            "--stats-units-small",
            "10",
            "--stats-units-large",
            "20",
            "--containers",
            "2",
        ])
        .output()
        .expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("one JSON report");
    let figures = [
        "/verify_per_s",
        "/batch_ingest_per_s",
        "/single_ingest_per_s",
        "/fsync_per_s",
        "/batch_ratio",
        "/single_ratio",
        "/audit_per_s",
        "/audit_ratio",
        "/writer_ratio",
        "/proofs_small/inclusion_us",
        "/proofs_small/consistency_us",
        "/proofs_large/inclusion_us",
        "/proofs_large/consistency_us",
        "/inclusion_ratio",
        "/consistency_ratio",
        "/label_svg_per_s",
        "/label_png_per_s",
        "/passport_ms",
        "/stats_small/demo_events_per_s",
        "/stats_small/stats_ms",
        "/stats_large/demo_events_per_s",
        "/stats_large/stats_ms",
        "/stats_ratio",
        "/containers/container_ms",
        "/containers/container_events_per_s",
        "/containers/items_moved_per_s",
    ];
    for figure in figures {
        let value = report.pointer(figure).and_then(Value::as_f64);
        assert!(value > Some(0.0), "{figure} is {value:?} in {report}");
    }
    assert_eq!(
        report["audit_entries"], 243,
        "genesis, the setup and every event ingested"
    );
}
