//! The real binary, as operators and clients run it: the README walk-through through the CLI,
//! two `serve` processes on one PostgreSQL database (crash.rs kills servers while they ingest).

use crate::db::{db_test, TestDb};
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::event::format_timestamp;
use ewaste_ledger::domain::gtin::Gtin14;
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::identifiers;
use ewaste_ledger::domain::kinds::Kind;
use ewaste_ledger::domain::serial::Serial;
use ewaste_ledger::storage::{read, DatabaseTarget};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
use uuid::Uuid;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_ewaste-ledger");

/// A `serve` process, killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    pub(crate) data_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn database_url(target: &DatabaseTarget) -> String {
    match target {
        DatabaseTarget::Sqlite(path) => DatabaseTarget::sqlite_url(path),
        DatabaseTarget::Postgres(url) => url.clone(),
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

pub(crate) fn start(data_dir: &Path, database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        data_dir: data_dir.to_path_buf(),
    };
    let agent = agent();
    for _ in 0..300 {
        if let Ok(response) = agent.get(&format!("{}/healthz", server.url)).call() {
            if response.status().is_success() {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("serve did not become healthy at {}", server.url);
}

pub(crate) fn post(url: &str, body: &Value) -> (u16, Value) {
    let mut response = agent().post(url).send_json(body).expect("request sent");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().expect("JSON answer"),
    )
}

pub(crate) fn cli(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the CLI runs")
}

pub(crate) fn now() -> String {
    format_timestamp(chrono::Utc::now() - chrono::Duration::seconds(30))
}

/// The bootstrap admin of a server: its key and actor id.
fn admin_of(server: &Server) -> (SigningKey, Uuid) {
    let key = ewaste_ledger::key_files::read_pem(&server.data_dir.join("admin-key.pem"))
        .expect("admin key");
    let actors: Value = agent()
        .get(&format!("{}/v1/actors", server.url))
        .call()
        .expect("actors")
        .body_mut()
        .read_json()
        .expect("json");
    let id = serde_json::from_value(actors[0]["id"].clone()).expect("admin id");
    (key, id)
}

/// Signs a registry event with the server's admin key and posts it; it must be accepted.
pub(crate) fn admin_event(server: &Server, kind: Kind, data: Value) {
    let (admin, admin_id) = admin_of(server);
    let envelope = Draft::registry(Uuid::new_v4(), kind, admin_id, &now(), data)
        .sign(&admin)
        .expect("signed");
    let (status, body) = post(&format!("{}/v1/events", server.url), &envelope);
    assert_eq!(status, 201, "{body}");
}

/// Registers a city and a manufacturer with the server's bootstrap admin key.
pub(crate) fn setup(server: &Server) -> (SigningKey, Uuid) {
    let maker = SigningKey::from_bytes(&[77; 32]);
    let maker_id = Uuid::new_v4();
    admin_event(
        server,
        Kind::CityRegistered,
        json!({"locode": "DEBER", "name": "Berlin", "country": "DE", "population": 3_850_000, "population_year": 2024}),
    );
    admin_event(
        server,
        Kind::ActorRegistered,
        json!({"actor": maker_id, "org": "Maker", "name": "line", "roles": ["manufacturer"],
               "public_key": ewaste_ledger::key_files::public_key_base64(&maker)}),
    );
    (maker, maker_id)
}

pub(crate) fn registered(maker: &SigningKey, maker_id: Uuid, serial: &str) -> Value {
    let gtin = Gtin14::parse("09506000134352").expect("gtin");
    let product = identifiers::product_id(&gtin, &Serial::parse(serial).expect("serial"));
    Draft {
        id: Uuid::new_v4(),
        kind: Kind::Registered,
        actor: maker_id,
        occurred_at: now(),
        city: Some("DEBER".into()),
        product: Some(product),
        prev: None,
        data: json!({"unu_key": "0303", "weight_g": 1160, "gtin": gtin.as_str(), "serial": serial}),
    }
    .sign(maker)
    .expect("signed")
}

/// The manufacturer puts `product` on the market, after its head `prev`.
pub(crate) fn placed_on_market(
    maker: &SigningKey,
    maker_id: Uuid,
    product: Uuid,
    prev: Hash32,
) -> Value {
    Draft {
        id: Uuid::new_v4(),
        kind: Kind::PlacedOnMarket,
        actor: maker_id,
        occurred_at: now(),
        city: Some("DEBER".into()),
        product: Some(product),
        prev: Some(prev),
        data: json!({}),
    }
    .sign(maker)
    .expect("signed")
}

/// Reads the whole log straight from the database and checks the chain: seqs 0..n without a
/// gap, each `prev` the previous leaf hash, each leaf hash the hash of the stored bytes.
/// Returns event id → seq.
pub(crate) fn verify_chain(target: &DatabaseTarget) -> HashMap<String, i64> {
    let mut conn = target.connect().expect("connect");
    let rows = read::entries_range(&mut conn, 0, i64::MAX).expect("entries");
    let mut previous = Hash32::ZERO;
    let mut ids = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        assert_eq!(
            row.seq, index as i64,
            "gap in the chain before seq {}",
            row.seq
        );
        let entry: Value = serde_json::from_slice(&row.bytes).expect("entry JSON");
        assert_eq!(
            entry["prev"],
            previous.to_hex(),
            "broken prev link at seq {}",
            row.seq
        );
        assert_eq!(entry["seq"], row.seq);
        let leaf = leaf_hash(&row.bytes);
        assert_eq!(
            leaf.0.to_vec(),
            row.leaf_hash,
            "leaf hash of seq {}",
            row.seq
        );
        previous = leaf;
        ids.insert(row.event_uuid().expect("event id").to_string(), row.seq);
    }
    ids
}

db_test! {
    async fn cli_walk_through_and_csv_import(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        let admin_key = server.data_dir.join("admin-key.pem");
        let admin = admin_key.to_str().expect("utf-8");
        let maker_key = dir.path().join("maker.pem");
        let maker = maker_key.to_str().expect("utf-8");
        let s = ["--server", server.url.as_str()];

        let out = cli(&["keygen", "--out", maker]);
        assert!(out.status.success(), "{out:?}");
        let out = cli(&[&["actor", "add"][..], &s, &["--key", admin, "--org", "Fairphone", "--name", "Line 1", "--roles", "manufacturer,retailer", "--key-file", maker, "--gs1-prefix", "9506000", "--gs1-prefix", "87123456"]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // Another organisation cannot claim a prefix overlapping Fairphone's.
        let out = cli(&[&["actor", "add"][..], &s, &["--key", admin, "--org", "Copycat", "--name", "Line 1", "--roles", "manufacturer", "--key-file", maker, "--gs1-prefix", "95060001"]].concat());
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("gs1-prefix-overlap"), "{}", String::from_utf8_lossy(&out.stderr));
        let out = cli(&[&["city", "add"][..], &s, &["--key", admin, "--locode", "DEBER", "--name", "Berlin", "--population", "3850000", "--population-year", "2024"]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        let out = cli(&[&["product", "register"][..], &s, &["--key", maker, "--gtin", "09506000134352", "--serial", "FP5-0001", "--unu-key", "0306", "--weight-g", "212", "--city", "DEBER"]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(printed.contains("/01/09506000134352/21/FP5-0001"), "{printed}");
        let out = cli(&[&["event", "placed_on_market"][..], &s, &["--key", maker, "--product", printed.split_whitespace().nth(1).expect("uri"), "--city", "DEBER"]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        // A refused event exits 3 and names the problem.
        let out = cli(&[&["event", "placed_on_market"][..], &s, &["--key", maker, "--product", printed.split_whitespace().next().expect("id"), "--city", "DEBER"]].concat());
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("illegal-transition"));

        // Taken back at the shop and handed to a yard, which records the receipt with `event`.
        let yard_key = dir.path().join("yard.pem");
        let yard = yard_key.to_str().expect("utf-8");
        assert!(cli(&["keygen", "--out", yard]).status.success());
        let out = cli(&[&["actor", "add"][..], &s, &["--key", admin, "--org", "BSR", "--name", "Yard", "--roles", "collector,recycler", "--key-file", yard, "--city", "DEBER"]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let yard_id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let product = printed.split_whitespace().next().expect("id");
        let event = |key: &str, args: &[&str]| {
            cli(&[&["event"][..], &args[..1], &s, &["--key", key, "--product", product, "--city", "DEBER"], &args[1..]].concat())
        };
        for (key, args) in [
            (maker, &["collected", "--channel", "retail_take_back"][..]),
            (maker, &["handed_over", "--to", &yard_id, "--document", "CMR-9"]),
            (yard, &["receipt_refused", "--reason", "not announced"]),
            (maker, &["handed_over", "--to", &yard_id]),
            (yard, &["received", "--weight-g", "210", "--discrepancy", "no charger"]),
        ] {
            let out = event(key, args);
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let out = event(maker, &["handed_over", "--to", &yard_id]);
        assert_eq!(out.status.code(), Some(3), "the shop no longer holds it");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not-custodian"), "{}", String::from_utf8_lossy(&out.stderr));

        // A CSV with a bad row: reported by line number, nothing sent.
        let size_before = verify_chain(&db.target).len();
        let csv = dir.path().join("units.csv");
        std::fs::write(&csv, "gtin,serial,unu_key,weight_g,brand\n09506000134352,U1,0303,1200,Acme\n09506000134353,U2,0303,1200,Acme\n09506000134352,U3,9999,1200,Acme\n").expect("csv");
        let out = cli(&[&["product", "import"][..], &s, &["--key", maker, "--city", "DEBER", csv.to_str().expect("utf-8")]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("line 3") && stderr.contains("line 4"), "{stderr}");
        assert_eq!(verify_chain(&db.target).len(), size_before, "a bad file records nothing");

        // A row the server refuses (the product exists already): nothing of the file recorded.
        std::fs::write(&csv, "gtin,serial,unu_key,weight_g\n09506000134352,U1,0303,1200\n09506000134352,FP5-0001,0306,212\n").expect("csv");
        let out = cli(&[&["product", "import"][..], &s, &["--key", maker, "--city", "DEBER", csv.to_str().expect("utf-8")]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains("line 3") && stderr.contains("already registered"), "{stderr}");
        assert_eq!(verify_chain(&db.target).len(), size_before, "an all-or-nothing import records nothing");

        // A good file of 1,500 units.
        let mut rows = String::from("gtin,serial,unu_key,weight_g,hazards\n");
        for n in 0..1500 {
            rows.push_str(&format!("09506000134352,BULK{n:05},0303,1160,battery:li-ion;mercury\n"));
        }
        std::fs::write(&csv, rows).expect("csv");
        let out = cli(&[&["product", "import"][..], &s, &["--key", maker, "--city", "DEBER", csv.to_str().expect("utf-8")]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(verify_chain(&db.target).len(), size_before + 1500);
    }
}

/// Two `serve` processes on one PostgreSQL database, written to at the same time, keep one
/// gap-free chain whose every `prev` link holds.
#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set EWASTE_TEST_DATABASE_URL to run it on PostgreSQL"
)]
fn two_serve_processes_share_one_linear_chain() {
    let Some(db) = TestDb::postgres("two_serve_processes") else {
        return;
    };
    let url = database_url(&db.target);
    let dir = tempfile::tempdir().expect("temp dir");
    let first = start(&dir.path().join("a"), &url);
    // Servers sharing a database sign as one log: they share its key (a different key is
    // refused at start, see `a_second_server_with_another_log_key_is_refused`).
    std::fs::create_dir_all(dir.path().join("b")).expect("dir");
    std::fs::copy(
        dir.path().join("a/log-key.pem"),
        dir.path().join("b/log-key.pem"),
    )
    .expect("copy the log key");
    let second = start(&dir.path().join("b"), &url);
    let (maker, maker_id) = setup(&first);

    let mut acknowledged = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = [&first, &second, &first, &second]
            .into_iter()
            .enumerate()
            .map(|(worker, server)| {
                let maker = maker.clone();
                scope.spawn(move || {
                    let mut ids = Vec::new();
                    for n in 0..60 {
                        let envelope = registered(&maker, maker_id, &format!("W{worker}N{n}"));
                        let (status, body) = if n % 3 == 0 {
                            let (status, body) = post(
                                &format!("{}/v1/events/batch", server.url),
                                &json!([envelope]),
                            );
                            (status, body[0].clone())
                        } else {
                            post(&format!("{}/v1/events", server.url), &envelope)
                        };
                        assert!(status == 201 || status == 200, "{status} {body}");
                        assert!(body["seq"].is_i64(), "{body}");
                        ids.push((
                            envelope["event"]["id"].as_str().expect("id").to_string(),
                            body["seq"].as_i64().expect("seq"),
                        ));
                    }
                    ids
                })
            })
            .collect();
        for worker in workers {
            acknowledged.extend(worker.join().expect("worker"));
        }
    });
    let logged = verify_chain(&db.target);
    assert_eq!(
        logged.len(),
        1 + 2 + 240,
        "genesis, setup and every event, once"
    );
    for (id, seq) in acknowledged {
        assert_eq!(
            logged.get(&id),
            Some(&seq),
            "acknowledged event {id} is at its seq"
        );
    }

    // A key rotated through one process is the only key the other accepts, although the
    // other still caches the old key.
    let rotated = SigningKey::from_bytes(&[78; 32]);
    admin_event(
        &first,
        Kind::ActorKeyRotated,
        json!({"actor": maker_id, "public_key": ewaste_ledger::key_files::public_key_base64(&rotated)}),
    );
    let (status, body) = post(
        &format!("{}/v1/events", second.url),
        &registered(&maker, maker_id, "OLD-KEY"),
    );
    assert_eq!(
        (status, body["type"].as_str()),
        (403, Some("urn:ewaste-ledger:problem:bad-signature")),
        "{body}"
    );
    let (status, body) = post(
        &format!("{}/v1/events", second.url),
        &registered(&rotated, maker_id, "NEW-KEY"),
    );
    assert_eq!(status, 201, "{body}");
}
