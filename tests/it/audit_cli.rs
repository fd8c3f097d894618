//! A regulator's walk-through with the real binary (docs/audit.md): witness the log, export
//! it, verify it offline, prove one event; then the operator rewrites history with the real
//! log key, and the witness refuses to cosign (exit 5), as does an audit given the checkpoint
//! the witness kept.

use crate::db::{db_test, TestDb};
use crate::process::{agent, cli, database_url, post, registered, setup, start};
use crate::tamper;
use std::process::Output;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

db_test! {
    async fn regulator_walk_through_and_a_refused_rewrite(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        let s = ["--server", server.url.as_str()];
        let (maker, maker_id) = setup(&server);
        let mut ids = Vec::new();
        for n in 0..5 {
            let envelope = registered(&maker, maker_id, &format!("AUD{n}"));
            let (status, body) = post(&format!("{}/v1/events", server.url), &envelope);
            assert_eq!(status, 201, "{body}");
            ids.push(envelope["event"]["id"].as_str().expect("id").to_string());
        }

        // The regulator gets a key and an actor; the log key comes out of band (here: the API).
        let (regulator, admin) = (path("regulator.pem"), path("data/admin-key.pem"));
        assert!(cli(&["keygen", "--out", &regulator]).status.success());
        let out = cli(&[&["actor", "add"][..], &s, &["--key", &admin, "--org", "Environment Agency", "--name", "Auditor", "--roles", "regulator", "--key-file", &regulator]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let log_key = agent().get(&format!("{}/v1/log/key", server.url)).call().expect("key")
            .body_mut().read_to_string().expect("text");
        std::fs::write(path("log.vkey"), &log_key).expect("write");

        // The witness cosigns, the log grows, the witness checks consistency and cosigns again.
        let witness = |expect: Option<i32>| {
            let out = cli(&[&["audit", "witness"][..], &s, &["--key", &regulator, "--state", &path("witness")]].concat());
            assert_eq!(out.status.code(), expect.or(Some(0)), "{}", text(&out));
            out
        };
        let out = witness(None);
        let witness_key = String::from_utf8_lossy(&out.stdout).split_whitespace().last().expect("key").to_string();
        let envelope = registered(&maker, maker_id, "AUD-LATER");
        assert_eq!(post(&format!("{}/v1/events", server.url), &envelope).0, 201);
        witness(None);

        // Export, verify offline with the witness required, and straight from the server.
        let out = cli(&[&["audit", "export"][..], &s, &["--out", &path("export.ndjson")]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let out = cli(&["audit", "verify", "--export", &path("export.ndjson"), "--log-key", &path("log.vkey"), "--witness-key", &witness_key]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("OK: 10 entries"), "{}", text(&out));
        let out = cli(&[&["audit", "verify"][..], &s, &["--log-key", log_key.trim()]].concat());
        assert!(out.status.success(), "{}", text(&out));

        // One event's inclusion proof, checked offline; a doctored bundle fails with exit 5.
        let out = cli(&[&["audit", "prove"][..], &s, &["--event", &ids[2]]].concat());
        assert!(out.status.success(), "{}", text(&out));
        std::fs::write(path("bundle.json"), &out.stdout).expect("write");
        let out = cli(&["audit", "verify-proof", "--bundle", &path("bundle.json"), "--log-key", &path("log.vkey")]);
        assert!(out.status.success(), "{}", text(&out));
        let doctored = String::from_utf8_lossy(&std::fs::read(path("bundle.json")).expect("read")).replace("AUD2", "AUD9");
        std::fs::write(path("bundle.json"), doctored).expect("write");
        let out = cli(&["audit", "verify-proof", "--bundle", &path("bundle.json"), "--log-key", &path("log.vkey")]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));

        // The operator drops an event and re-signs a consistent history with the real key.
        let mut conn = tamper::connect(&db.target);
        let mut entries = tamper::entry_bytes(&mut conn);
        let dropped = entries.iter().position(|e| String::from_utf8_lossy(e).contains("AUD1")).expect("AUD1");
        entries.remove(dropped);
        let log_signing = ewaste_ledger::key_files::read_pem(&dir.path().join("data/log-key.pem")).expect("log key");
        let origin = log_key.split('+').next().expect("origin");
        tamper::reseal(&mut conn, &entries, origin, &log_signing);
        let envelope = registered(&maker, maker_id, "AUD-AFTER");
        assert_eq!(post(&format!("{}/v1/events", server.url), &envelope).0, 201);

        let out = witness(Some(5));
        assert!(text(&out).contains("refusing to cosign"), "{}", text(&out));
        let out = cli(&[&["audit", "export"][..], &s, &["--out", &path("rewritten.ndjson")]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let out = cli(&["audit", "verify", "--export", &path("rewritten.ndjson"), "--log-key", &path("log.vkey"), "--checkpoint", &path("witness/checkpoint")]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains("not an extension of the trusted checkpoint"), "{}", text(&out));
    }

    /// The audit recomputes the statistics from the entries and compares them with the
    /// server's; a doctored statistics table fails it, naming the city and year.
    async fn doctored_statistics_fail_the_audit(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        setup(&server);
        let admin = dir.path().join("data/admin-key.pem");
        let csv = dir.path().join("baseline.csv");
        std::fs::write(&csv, "city,year,unu_key,kg\nDEBER,2019,0306,1500\nDEBER,2020,0108,900\n").expect("csv");
        let out = cli(&["stats", "import-baseline", "--server", &server.url, "--key", admin.to_str().expect("utf-8"), csv.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", text(&out));
        let log_key = agent().get(&format!("{}/v1/log/key", server.url)).call().expect("key")
            .body_mut().read_to_string().expect("text");
        let verify = || cli(&["audit", "verify", "--server", &server.url, "--log-key", log_key.trim()]);
        let out = verify();
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("statistics: 2 city-years on the server equal those recomputed from the entries"), "{}", text(&out));

        let mut conn = tamper::connect(&db.target);
        tamper::inflate_statistics(&mut conn, 5_000);
        let out = verify();
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains("the server's statistics for DEBER in 2019 differ from those recomputed from the entries"), "{}", text(&out));
    }
}
