//! `stats`, `stats import-baseline` and `stats rebuild` against a real `serve`, on both backends.

use crate::db::{db_test, TestDb};
use crate::process::{cli, database_url, setup, start};
use serde_json::Value;

db_test! {
    async fn baseline_import_statistics_and_rebuild(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = database_url(&db.target);
        let server = start(&dir.path().join("data"), &url);
        setup(&server);
        let admin = server.data_dir.join("admin-key.pem");
        let s = ["--server", server.url.as_str(), "--key", admin.to_str().expect("utf-8")];

        // A file with bad rows: each reported by line, nothing recorded.
        let csv = dir.path().join("baseline.csv");
        std::fs::write(&csv, "city,year,unu_key,kg\nDEBER,2019,0306,1500\nDEBER,20x9,0306,1\nDEBER,2019,9999,1\n").expect("csv");
        let out = cli(&[&["stats", "import-baseline"][..], &s, &[csv.to_str().expect("utf-8")]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("line 3") && stderr.contains("line 4"), "{stderr}");

        // A good file: 1,500 kg of phones sold in Berlin in 2019 and 900 kg in 2020.
        std::fs::write(&csv, "city,year,unu_key,kg\nDEBER,2019,0306,1500\nDEBER,2020,0306,900\n").expect("csv");
        let out = cli(&[&["stats", "import-baseline"][..], &s, &[csv.to_str().expect("utf-8")]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("recorded 2 baseline rows"));

        // The baseline feeds the model: WG(2021) = 1,500,000 g·f(2.5) + 900,000 g·f(1.5), with
        // α 1.56, β 6.26 (Python 3.11 math: 176,065.3 + 90,483.0 g) = 266.548 kg.
        let out = cli(&["stats", "--server", server.url.as_str(), "--city", "DEBER", "--year", "2021"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stats: Value = serde_json::from_slice(&out.stdout).expect("json");
        let generated = stats["total"]["weee_generated_modelled_kg"].as_f64().expect("a number");
        assert!((generated - 266.548).abs() < 0.0015, "{generated}");
        assert_eq!(stats["total"]["pom_kg"], 0.0, "a baseline is not documented POM");

        let out = cli(&["stats", "--server", server.url.as_str(), "--city", "DEBER", "--year", "2021", "--format", "csv"]);
        let csv_out = String::from_utf8_lossy(&out.stdout);
        assert!(csv_out.contains("DEBER,2021,total,,weee_generated_modelled_kg,266.548\n"), "{csv_out}");

        // A rebuild from the log finds what the writer kept.
        let out = cli(&["stats", "rebuild", "--database-url", &url]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("the stored facts were equal"), "{stdout}");
    }
}
