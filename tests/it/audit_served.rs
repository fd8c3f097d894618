//! `audit verify --server` compares everything the server serves with what the entries give
//! (docs/audit.md, docs/audit.md): every city and year of statistics it reports, every
//! product, actor and city. Each case doctors the database as a dishonest operator would, and
//! the audit must fail naming the difference, then pass again once the row is put back.

use crate::db::{db_test, TestDb};
use crate::process::{
    admin_event, agent, cli, database_url, now, placed_on_market, post, registered, setup, start,
    Server,
};
use crate::tamper;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::Kind;
use ewaste_ledger::domain::stats::facts::Metric;
use ewaste_ledger::storage::DbConnection;
use serde_json::{json, Value};
use std::process::Output;
use uuid::Uuid;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A server with a ledger, its log key, and a direct line to its database.
struct Audited {
    server: Server,
    log_key: String,
    conn: DbConnection,
    _dir: tempfile::TempDir,
}

impl Audited {
    fn start(db: &TestDb) -> Audited {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        let log_key = agent()
            .get(&format!("{}/v1/log/key", server.url))
            .call()
            .expect("key")
            .body_mut()
            .read_to_string()
            .expect("text");
        Audited {
            server,
            log_key: log_key.trim().to_string(),
            conn: tamper::connect(&db.target),
            _dir: dir,
        }
    }

    fn verify(&self) -> Output {
        self.verify_with(&[])
    }

    fn verify_with(&self, extra: &[&str]) -> Output {
        let args = [
            "audit",
            "verify",
            "--server",
            &self.server.url,
            "--log-key",
            &self.log_key,
        ];
        cli(&[&args[..], extra].concat())
    }

    /// The audit passes.
    fn holds(&self) -> String {
        let out = self.verify();
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    }

    /// The audit fails (exit 5) with a message that contains every one of `needles`.
    fn fails_naming(&self, needles: &[&str]) {
        let out = self.verify();
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        for needle in needles {
            assert!(
                text(&out).contains(needle),
                "`{needle}` not in: {}",
                text(&out)
            );
        }
    }

    fn sql(&mut self, statement: &str) {
        tamper::execute(&mut self.conn, statement);
    }

    fn post(&self, envelope: &Value) -> Hash32 {
        let (status, body) = post(&format!("{}/v1/events", self.server.url), envelope);
        assert_eq!(status, 201, "{body}");
        Hash32::from_hex(body["leaf_hash"].as_str().expect("leaf hash")).expect("hex")
    }

    /// A product registered and sold by the maker, then collected by `collector`.
    fn collected(
        &self,
        maker: &(SigningKey, Uuid),
        collector: &(SigningKey, Uuid),
        serial: &str,
    ) -> Uuid {
        let envelope = registered(&maker.0, maker.1, serial);
        let id: Uuid = serde_json::from_value(envelope["event"]["product"].clone()).expect("id");
        let head = self.post(&envelope);
        let head = self.post(&placed_on_market(&maker.0, maker.1, id, head));
        let draft = Draft {
            id: Uuid::new_v4(),
            kind: Kind::Collected,
            actor: collector.1,
            occurred_at: now(),
            city: Some("DEBER".into()),
            product: Some(id),
            prev: Some(head),
            data: json!({"channel": "municipal"}),
        };
        self.post(&draft.sign(&collector.0).expect("signed"));
        id
    }
}

/// Registers a collector with the server's admin key.
fn collector(server: &Server) -> (SigningKey, Uuid) {
    let key = SigningKey::from_bytes(&[78; 32]);
    let id = Uuid::new_v4();
    admin_event(
        server,
        Kind::ActorRegistered,
        json!({"actor": id, "org": "Yard", "name": "gate", "roles": ["collector"],
               "public_key": ewaste_ledger::key_files::public_key_base64(&key), "city": "DEBER"}),
    );
    (key, id)
}

db_test! {
    /// Statistics rows for years no entry produces (a future 2030 collection, a 2015
    /// disposal), a city no entry registers and a doctored city: each fails the audit.
    async fn forged_statistics_years_and_cities_fail_the_audit(db: TestDb) {
        let mut audited = Audited::start(&db);
        let maker = setup(&audited.server);
        let collector = collector(&audited.server);
        audited.collected(&maker, &collector, "FORGED-1");
        let out = audited.holds();
        assert!(out.contains("equal those recomputed from the entries"), "{out}");

        tamper::forge_fact(&mut audited.conn, "DEBER", 2030, Metric::Collected, 5_000_000);
        // The comparison defaults to the forged year (its 5,000 kg): what the audit must catch.
        let csv = agent().get(&format!("{}/cities.csv", audited.server.url)).call().expect("csv")
            .body_mut().read_to_string().expect("text");
        assert!(csv.contains("DEBER,5000.0,"), "{csv}");
        audited.fails_naming(&["DEBER", "2030", "no entry produces"]);
        audited.sql("DELETE FROM stat_facts WHERE year = 2030");
        audited.holds();

        tamper::forge_fact(&mut audited.conn, "DEBER", 2015, Metric::Disposed, 7_000_000);
        audited.fails_naming(&["DEBER", "2015", "no entry produces"]);
        audited.sql("DELETE FROM stat_facts WHERE year = 2015");
        audited.holds();

        // Facts of a city no entry registers move the comparison pages' default year too.
        tamper::forge_fact(&mut audited.conn, "FRPAR", 2031, Metric::Pom, 9_000_000);
        audited.fails_naming(&["FRPAR", "2031", "no entry produces"]);
        audited.sql("DELETE FROM stat_facts WHERE locode = 'FRPAR'");
        audited.holds();

        audited.sql("INSERT INTO cities (locode, name, country, population, population_year, registered_seq) VALUES ('FRPAR', 'Paris', 'FR', 2100000, 2024, 1)");
        audited.fails_naming(&["city FRPAR", "no entry registers"]);
        audited.sql("DELETE FROM cities WHERE locode = 'FRPAR'");
        audited.holds();

        audited.sql("UPDATE cities SET population = 1 WHERE locode = 'DEBER'");
        audited.fails_naming(&["city DEBER", "population: recomputed 3850000, server 1"]);
    }

    /// A product's row doctored (state collected → recycled with another brand and model; its
    /// custodian; a product no entry registers): each fails the audit, naming the product.
    async fn doctored_products_fail_the_audit(db: TestDb) {
        let mut audited = Audited::start(&db);
        let maker = setup(&audited.server);
        let collector = collector(&audited.server);
        let id = audited.collected(&maker, &collector, "DOCTORED-1");
        audited.collected(&maker, &collector, "DOCTORED-2");
        let out = audited.holds();
        assert!(out.contains("3 actors, 1 cities, 2 products and 0 lots and containers on the server equal what the entries give"), "{out}");
        // The same when the replayed products are spilled to the audit's scratch store.
        let spilled = ["--memory-budget", "1", "--chunk-entries", "2"];
        let out = audited.verify_with(&spilled);
        assert!(out.status.success() && text(&out).contains("2 products and 0 lots and containers on the server"), "{}", text(&out));

        audited.sql(&format!("UPDATE products SET state = 'recycled', brand = 'Forged', model = 'X9' WHERE id = '{id}'"));
        audited.fails_naming(&[&format!("product {id} differs from what its entries give"), "state: recomputed \"collected\", server \"recycled\""]);
        let out = audited.verify_with(&spilled);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains(&format!("product {id} differs")), "{}", text(&out));
        audited.sql(&format!("UPDATE products SET state = 'collected' WHERE id = '{id}'"));
        audited.fails_naming(&[&format!("product {id}"), "brand: recomputed null, server \"Forged\""]);
        audited.sql(&format!("UPDATE products SET brand = NULL, model = NULL WHERE id = '{id}'"));
        audited.holds();

        audited.sql(&format!("UPDATE products SET custodian = '{}' WHERE id = '{id}'", maker.1));
        audited.fails_naming(&[&format!("product {id}"), &format!("custodian: recomputed \"{}\", server \"{}\"", collector.1, maker.1)]);
        audited.sql(&format!("UPDATE products SET custodian = '{}' WHERE id = '{id}'", collector.1));
        audited.holds();

        let forged = Uuid::new_v4();
        audited.sql(&format!("INSERT INTO products (id, state, custodian, gtin, serial, unu_key, weight_g, measured_weight_g, removed_g, brand, model, manufactured_on, hazards, entry_seqs, head, milestones, last_occurred_at) SELECT '{forged}', state, custodian, gtin, serial, unu_key, weight_g, measured_weight_g, removed_g, brand, model, manufactured_on, hazards, entry_seqs, head, milestones, last_occurred_at FROM products WHERE id = '{id}'"));
        audited.fails_naming(&[&format!("product {forged}"), "no entry registers"]);
    }

    /// An actor's row doctored (its organisation; revoked) fails the audit, naming the actor.
    async fn doctored_actors_fail_the_audit(db: TestDb) {
        let mut audited = Audited::start(&db);
        let maker = setup(&audited.server);
        audited.holds();

        audited.sql(&format!("UPDATE actors SET org = 'Someone Else' WHERE id = '{}'", maker.1));
        audited.fails_naming(&[&format!("actor {} differs from what its entries give", maker.1), "org: recomputed \"Maker\", server \"Someone Else\""]);
        audited.sql(&format!("UPDATE actors SET org = 'Maker' WHERE id = '{}'", maker.1));
        audited.holds();

        audited.sql(&format!("UPDATE actors SET revoked = TRUE WHERE id = '{}'", maker.1));
        audited.fails_naming(&[&format!("actor {}", maker.1), "revoked: recomputed false, server true"]);
    }

    /// A lot's weighed mass and a container's contents doctored in their rows fail the audit,
    /// naming the lot or container and the member.
    async fn doctored_lots_and_containers_fail_the_audit(db: TestDb) {
        let mut audited = Audited::start(&db);
        let maker = setup(&audited.server);
        let collector = collector(&audited.server);
        let phones = [
            audited.collected(&maker, &collector, "CAGED-1"),
            audited.collected(&maker, &collector, "CAGED-2"),
        ];
        let lot = Uuid::new_v4();
        let sign = |event: Value| {
            ewaste_ledger::domain::signing::sign_envelope(event, &collector.0).expect("signed")
        };
        let lot_head = audited.post(&sign(json!({
            "id": Uuid::new_v4(), "kind": "lot_collected", "actor": collector.1, "occurred_at": now(),
            "city": "DEBER", "lot": lot,
            "data": {"unu_key": "0108", "mass_g": 12_500, "channel": "informal", "aggregator": "AGG-7"},
        })));
        let mut children = Vec::new();
        for id in phones {
            let view: Value = agent().get(&format!("{}/v1/products/{id}", audited.server.url)).call()
                .expect("product").body_mut().read_json().expect("json");
            children.push(json!({"product": id, "prev": view["head"]["leaf_hash"]}));
        }
        children.push(json!({"lot": lot, "prev": lot_head.to_hex()}));
        let cage = Uuid::new_v4();
        audited.post(&sign(json!({
            "id": Uuid::new_v4(), "kind": "packed", "actor": collector.1, "occurred_at": now(),
            "city": "DEBER", "container": cage, "data": {"children": children},
        })));
        let out = audited.holds();
        assert!(out.contains("2 products and 2 lots and containers on the server equal"), "{out}");

        audited.sql(&format!("UPDATE subjects SET record = REPLACE(record, '\"mass_g\":12500', '\"mass_g\":99500') WHERE id = '{lot}'"));
        audited.fails_naming(&[&format!("lot {lot} differs from what its entries give"), "mass_g: recomputed 12500, server 99500"]);
        audited.sql(&format!("UPDATE subjects SET record = REPLACE(record, '\"mass_g\":99500', '\"mass_g\":12500') WHERE id = '{lot}'"));
        audited.holds();

        let second = format!(",{{\"kind\":\"product\",\"id\":\"{}\"}}", phones[1]);
        audited.sql(&format!("UPDATE subjects SET record = REPLACE(record, '{second}', '') WHERE id = '{cage}'"));
        audited.fails_naming(&[&format!("container {cage} differs from what its entries give"), "children"]);
    }
}
