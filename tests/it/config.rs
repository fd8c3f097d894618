//! `serve --config FILE.toml` on both backends: the file configures the server, flags override
//! it, JSON logs on request, and a bad file stops the server at start naming file and key.

use crate::db::{db_test, TestDb};
use crate::process::{agent, database_url, free_port, BIN};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

fn healthy(url: &str) -> Option<Value> {
    for _ in 0..300 {
        if let Ok(mut response) = agent().get(&format!("{url}/healthz")).call() {
            if response.status().is_success() {
                return response.body_mut().read_json().ok();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

db_test! {
    async fn a_configuration_file_with_flags_over_it(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (file_port, flag_port) = (free_port(), free_port());
        let config = dir.path().join("ewaste.toml");
        std::fs::write(&config, format!(
            "bind = \"127.0.0.1:{file_port}\"\ndata_dir = {:?}\ndatabase_url = {:?}\npublic_url = \"https://ledger.example.org\"\nworkers = 2\n\n[limits]\nbatch_items = 50\n\n[ledger]\nqueue_depth = 16\nclock_skew_seconds = 120\n",
            dir.path().join("data"), database_url(&db.target))).expect("config");

        // The file alone: it listens where the file says, with JSON logs on request.
        let mut child = Command::new(BIN)
            .args(["serve", "--log-format", "json", "--config"]).arg(&config)
            .stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("serve");
        let health = healthy(&format!("http://127.0.0.1:{file_port}"));
        let _ = child.kill();
        let output = child.wait_with_output().expect("output");
        assert!(health.is_some(), "serve did not listen on the file's address: {}", String::from_utf8_lossy(&output.stderr));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let json_line = stderr.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON log line in {stderr}"));
        let record: Value = serde_json::from_str(json_line).expect("a JSON log line");
        assert!(record["level"].is_string() && record["fields"].is_object(), "{record}");
        assert!(stderr.contains("https://ledger.example.org"), "the public URL came from the file: {stderr}");

        // A flag wins over the file.
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{flag_port}"), "--config"]).arg(&config)
            .stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("serve");
        let health = healthy(&format!("http://127.0.0.1:{flag_port}"));
        let _ = child.kill();
        let _ = child.wait();
        assert!(health.is_some(), "serve did not listen on the flag's address");
    }
}

/// Mistakes in the file stop the server at start, naming the file, the key and the reason.
#[test]
fn a_bad_configuration_file_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, expected) in [
        ("bnd = \"127.0.0.1:1\"\n", "bnd"),
        ("bind = \"nowhere\"\n", "`bind` `nowhere` is not an address"),
        (
            "[ledger]\nqueue_depth = 0\n",
            "`ledger.queue_depth` must be at least 1",
        ),
        ("[limits]\nbatch_items = \"many\"\n", "batch_items"),
    ] {
        let config = dir.path().join("bad.toml");
        std::fs::write(&config, text).expect("config");
        let output = Command::new(BIN)
            .args(["serve", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--config")
            .arg(&config)
            .output()
            .expect("serve");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text}");
        assert!(
            stderr.contains("bad.toml") && stderr.contains(expected),
            "{text}: {stderr}"
        );
    }
}
