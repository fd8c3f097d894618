//! The binary's failures in the users' words, each with the same exit code in every command
//! (issue 15, item 3; the codes are in `--help` and docs/operations.md): a kind typo names the
//! nearest kind, a `--server` without a scheme is a usage error, an unreachable server is 4
//! everywhere, an unreadable input file 2 everywhere, a port in use names the address and
//! `--bind`, a `serve` that cannot open its database makes no keys, and a re-imported CSV
//! reports every refused row.

use crate::db::{db_test, TestDb};
use crate::process::{cli, database_url, free_port, start, BIN};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use std::path::Path;
use std::process::Output;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Runs `args` and expects exit `code` with every one of `says` on stderr.
#[track_caller]
fn expect(args: &[impl AsRef<str>], code: i32, says: &[&str]) -> String {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let out = cli(&args);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}\n{text}");
    for part in says {
        assert!(text.contains(part), "{args:?}: no {part:?} in\n{text}");
    }
    text
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Every command that talks to `--server`, with `server` as its value, signing with `key` and
/// reading the small input files it writes into `dir`.
fn server_commands(server: &str, key: &str, dir: &tempfile::TempDir) -> Vec<Vec<String>> {
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "gtin,serial,unu_key,weight_g\n09506000134352,U1,0303,1200\n",
    )
    .expect("csv");
    let baseline = dir.path().join("baseline.csv");
    std::fs::write(&baseline, "city,year,unu_key,kg\nDEBER,2019,0306,12.5\n").expect("csv");
    let export = dir.path().join("x.ndjson");
    let product = "6f9d1c3e-1e7a-4c8e-9a43-0b5b8f1e2a10";
    let log_key = VerifierKey::new(
        "ledger.test/log",
        KeyType::Ed25519,
        ewaste_ledger::key_files::generate().verifying_key(),
    )
    .expect("key")
    .to_text();
    let commands: [&[&str]; 10] = [
        &[
            "event",
            "collected",
            "--key",
            key,
            "--product",
            product,
            "--city",
            "DEBER",
        ],
        &[
            "product",
            "register",
            "--key",
            key,
            "--unu-key",
            "0303",
            "--weight-g",
            "1",
            "--city",
            "DEBER",
        ],
        &[
            "product",
            "import",
            "--key",
            key,
            "--city",
            "DEBER",
            utf8(&units),
        ],
        &[
            "city",
            "add",
            "--key",
            key,
            "--locode",
            "DEBER",
            "--name",
            "B",
            "--population",
            "1",
            "--population-year",
            "2024",
        ],
        &["stats", "import-baseline", "--key", key, utf8(&baseline)],
        &["stats"],
        &["label", "--product", product, "--out", "x.svg"],
        &["audit", "export", "--out", utf8(&export)],
        &["audit", "prove", "--event", product],
        &["audit", "verify", "--log-key", &log_key],
    ];
    commands
        .iter()
        .map(|args| {
            let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            args.extend(["--server".to_string(), server.to_string()]);
            args
        })
        .collect()
}

#[test]
fn help_lists_the_exit_codes() {
    let out = cli(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "Exit codes:",
        "0  success",
        "1  failure",
        "2  usage",
        "3  refused",
        "4  unavailable",
        "5  verification failed",
    ] {
        assert!(text.contains(line), "--help lacks {line:?}:\n{text}");
    }
    // docs/operations.md says the same.
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md"))
        .expect("docs/operations.md");
    assert!(
        docs.contains("## Exit codes"),
        "docs/operations.md has no exit codes"
    );
    for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |"] {
        assert!(docs.contains(code), "docs/operations.md lacks {code}");
    }
}

#[test]
fn usage_errors_exit_2_in_the_users_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("k.pem");
    assert!(cli(&["keygen", "--out", utf8(&key)]).status.success());
    let key = utf8(&key);
    let down = ["--server", "http://127.0.0.1:9"];

    // A kind typo: the nearest kind, and every kind by wire name.
    let text = expect(
        &[
            &["event", "colected"][..],
            &down,
            &["--key", key, "--product", "x", "--city", "DEBER"],
        ]
        .concat(),
        2,
        &[
            "unknown kind `colected`; did you mean `collected`?",
            "kinds: `placed_on_market`",
            "`exported`",
        ],
    );
    assert!(!text.contains("unavailable"), "{text}");

    // A hazard typo, on the command line and in a label sheet's CSV: the nearest code.
    expect(
        &[
            &["product", "register"][..],
            &down,
            &[
                "--key",
                key,
                "--unu-key",
                "0306",
                "--weight-g",
                "1",
                "--city",
                "DEBER",
                "--hazard",
                "battery:lion",
            ],
        ]
        .concat(),
        2,
        &[
            "Unknown hazard `battery:lion`",
            "did you mean `battery:li-ion`?",
        ],
    );
    let sheet = dir.path().join("sheet.csv");
    std::fs::write(&sheet, "gtin,serial,unu_key,weight_g,hazards\n09506000134352,S1,0306,212,battery:lion\n09506000134352,S2,0306,212,battery:li-ion\n09506000134353,S3,0306,212,\n").expect("csv");
    expect(
        &[
            "label",
            "--import",
            utf8(&sheet),
            "--out",
            utf8(&dir.path().join("sheet.pdf")),
        ],
        2,
        &["line 2: Unknown hazard `battery:lion`", "line 4: "],
    );

    // A --server without its scheme, in every command that takes one.
    for args in server_commands("127.0.0.1:8080", key, &dir) {
        expect(&args, 2, &["has no scheme; add http://"]);
    }

    // An input file that cannot be read is a usage error in every command.
    let log_key = VerifierKey::new(
        "ledger.test/log",
        KeyType::Ed25519,
        ewaste_ledger::key_files::generate().verifying_key(),
    )
    .expect("key")
    .to_text();
    let log_key = log_key.as_str();
    let missing = utf8(&dir.path().join("missing.csv")).to_string();
    let missing = missing.as_str();
    for args in [
        [
            &["product", "import"][..],
            &down,
            &["--key", key, "--city", "DEBER", missing],
        ]
        .concat(),
        [
            &["stats", "import-baseline"][..],
            &down,
            &["--key", key, missing],
        ]
        .concat(),
        vec!["label", "--import", missing, "--out", "x.pdf"],
        vec!["audit", "verify", "--export", missing, "--log-key", log_key],
        vec![
            "audit",
            "verify-proof",
            "--bundle",
            missing,
            "--log-key",
            log_key,
        ],
        [
            &["event", "collected"][..],
            &down,
            &[
                "--key",
                missing,
                "--product",
                "6f9d1c3e-1e7a-4c8e-9a43-0b5b8f1e2a10",
                "--city",
                "DEBER",
            ],
        ]
        .concat(),
    ] {
        expect(&args, 2, &["missing.csv"]);
    }
}

#[test]
fn an_unreachable_server_exits_4_in_every_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("k.pem");
    assert!(cli(&["keygen", "--out", utf8(&key)]).status.success());
    let key = utf8(&key);
    for args in server_commands("http://127.0.0.1:9", key, &dir) {
        expect(&args, 4, &["unavailable"]);
    }
}

#[test]
fn serve_names_an_address_in_use_and_makes_no_keys() {
    let port = free_port();
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let bind = format!("127.0.0.1:{port}");
    expect(
        &["serve", "--bind", &bind, "--data-dir", utf8(&data)],
        1,
        &[&format!("{bind} is already in use (another ewaste-ledger?); choose another address with --bind HOST:PORT")],
    );
    assert!(!data.join("log-key.pem").exists() && !data.join("admin-key.pem").exists());
}

/// `serve` on a database it cannot open fails before it writes a key file, in one sentence.
#[test]
fn serve_that_cannot_open_its_database_writes_no_keys() {
    let mut databases = vec!["sqlite:///no/such/directory/ledger.db".to_string()];
    if let Ok(url) = std::env::var("EWASTE_TEST_DATABASE_URL") {
        let (server, _) = url.rsplit_once('/').expect("a database URL");
        databases.push(format!("{server}/ewaste_no_such_database"));
    }
    for database in databases {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let out = std::process::Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
            .args(["--data-dir", utf8(&data), "--database-url", &database])
            .output()
            .expect("serve runs");
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{database}: {text}");
        assert!(
            text.contains("does not exist"),
            "{database}: the message names the cause: {text}"
        );
        assert!(
            !text.contains("\n."),
            "{database}: a stray line break: {text:?}"
        );
        assert!(
            text.contains("No key file was written."),
            "{database}: {text}"
        );
        for key in ["log-key.pem", "admin-key.pem"] {
            assert!(!data.join(key).exists(), "{database}: {key} was written");
        }
    }
}

db_test! {
    async fn a_reimport_reports_every_refused_row(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        let admin = server.data_dir.join("admin-key.pem");
        let (admin, maker) = (utf8(&admin).to_string(), dir.path().join("maker.pem"));
        let s = ["--server", server.url.as_str()];
        assert!(cli(&["keygen", "--out", utf8(&maker)]).status.success());
        let maker = utf8(&maker);
        let out = cli(&[&["actor", "add"][..], &s, &["--key", &admin, "--org", "Fairphone", "--name", "Line 1", "--roles", "manufacturer", "--key-file", maker]].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        let out = cli(&[&["city", "add"][..], &s, &["--key", &admin, "--locode", "DEBER", "--name", "Berlin", "--population", "3850000", "--population-year", "2024"]].concat());
        assert!(out.status.success(), "{}", stderr(&out));

        let csv = dir.path().join("units.csv");
        std::fs::write(&csv, "gtin,serial,unu_key,weight_g\n09506000134352,R1,0303,1200\n09506000134352,R2,0303,1200\n").expect("csv");
        let import = [&["product", "import"][..], &s, &["--key", maker, "--city", "DEBER", utf8(&csv)]].concat();
        let out = cli(&import);
        assert!(out.status.success(), "{}", stderr(&out));
        // The same file again, with one new row between: both old rows refused, by line.
        std::fs::write(&csv, "gtin,serial,unu_key,weight_g\n09506000134352,R1,0303,1200\n09506000134352,R3,0303,1200\n09506000134352,R2,0303,1200\n").expect("csv");
        let text = expect(&import, 3, &["2 rows refused", "nothing of the file was recorded"]);
        for line in ["line 2: Product R1 (", "line 4: Product R2 ("] {
            assert!(text.contains(line), "no {line:?} in\n{text}");
        }
        assert!(!text.contains("line 3"), "{text}");

        // Bad rows checked locally: every one by line, with the nearest hazard.
        std::fs::write(&csv, "gtin,serial,unu_key,weight_g,hazards\n09506000134352,R4,0303,1200,battery:lion\n09506000134352,R5,9999,1200,\n").expect("csv");
        expect(&import, 2, &["line 2: ", "did you mean `battery:li-ion`?", "line 3: ", "2 bad rows"]);

        // A baseline for a city the ledger does not know: every row refused, by line.
        let baseline = dir.path().join("baseline.csv");
        std::fs::write(&baseline, "city,year,unu_key,kg\nFRPAR,2019,0306,12.5\n\nFRPAR,2020,0306,13\n").expect("csv");
        expect(
            &[&["stats", "import-baseline"][..], &s, &["--key", &admin, utf8(&baseline)]].concat(),
            3,
            &["line 2: City FRPAR is not registered", "line 4: City FRPAR is not registered", "2 rows refused"],
        );
    }
}
