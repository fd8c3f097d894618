//! What users see, as reviewed snapshots (insta): the passport, the scan station, the cities,
//! a city's dashboard, and the main JSON answers (product, events, receipt, statistics,
//! problem). Both backends must give the same snapshot. Ids, hashes, signatures, times and
//! ports are redacted, so a snapshot changes only when what users see changes; such a change
//! fails the test until it is reviewed and accepted (docs/architecture.md, "Snapshot tests").

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::stats::scenario;
use crate::support::{labelled, setup, Env};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};

/// Redactions of what differs between runs: ids, hashes, signatures, times and ports.
fn redacted() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    for (pattern, replacement) in [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"\b[0-9a-f]{64}\b", "[hash]"),
        (r"[A-Za-z0-9+/]{40,}={0,2}", "[base64]"),
        (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]"),
        // As pages show times (src/http/pages.rs `readable_time`).
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[time]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings
}

/// `text` as the snapshot `name`, redacted.
fn snapshot(name: &str, text: &str) {
    redacted().bind(|| insta::assert_snapshot!(name, text));
}

/// `value` pretty-printed as the snapshot `name`, redacted.
fn json_snapshot(name: &str, value: &Value) {
    snapshot(name, &serde_json::to_string_pretty(value).expect("JSON"));
}

async fn page(env: &Env, path: &str) -> String {
    let (status, html) = html_page(env, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    html
}

async fn json(env: &Env, path: &str) -> Value {
    let (status, body) = env.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

db_test! {
    /// The pages people open: a finished product's passport, a product in use as an enrolled
    /// device would record on, the scan station, the cities and Berlin's dashboard.
    async fn pages_look_as_reviewed(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let in_use = env.in_use("SNAP-1").await;
        snapshot("passport_recycled", &page(&env, &format!("/p/{}", labelled("P1"))).await);
        snapshot("passport_in_use", &page(&env, &format!("/p/{in_use}")).await);
        snapshot("scan_station", &page(&env, "/scan").await);
        snapshot("cities", &page(&env, "/cities?year=2025").await);
        snapshot("city_dashboard", &page(&env, "/cities/DEBER?year=2025").await);
    }

    /// The main JSON answers: a receipt, a product, its events, a city's statistics and a
    /// problem.
    async fn json_answers_look_as_reviewed(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let recycled = labelled("P1");
        let receipt = env
            .ok(&env.actor(Role::Manufacturer), Kind::Registered, Some(labelled("SNAP-2")),
                crate::support::registered_data("SNAP-2"))
            .await;
        json_snapshot("receipt", &receipt);
        json_snapshot("product", &json(&env, &format!("/v1/products/{recycled}")).await);
        json_snapshot("product_events", &json(&env, &format!("/v1/products/{recycled}/events")).await);
        json_snapshot("city_statistics", &json(&env, "/v1/stats/DEBER?year=2025").await);
        let (status, problem) = env
            .submit(&env.actor(Role::Recycler), Kind::Recycled, Some(recycled),
                    json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 1}]}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        json_snapshot("problem", &problem);
    }
}

/// `html` with the receipt's QR code and proof text cut out: they change with every id, time
/// and signature, and tests/it/receipts.rs checks them by decoding and verifying.
fn without_proof(html: &str) -> String {
    let cut = |text: &str, start: &str, end: &str| -> String {
        let from = text.find(start).expect("the start") + start.len();
        let to = text[from..].find(end).expect("the end") + from;
        format!("{}[proof]{}", &text[..from], &text[to..])
    };
    let html = cut(html, "<figure class=\"receipt-qr\">\n  ", "</svg>");
    cut(&html, "<pre id=\"receipt-proof\">", "</pre>")
}

db_test! {
    /// An intake's receipt page and its JSON (the proof itself cut out).
    async fn a_receipt_looks_as_reviewed(db: TestDb) {
        let env = setup(db).await;
        let id = env.in_use("SNAP-R").await;
        let receipt = env
            .ok(&env.actor(Role::Collector), Kind::Collected, Some(id),
                json!({"channel": "municipal", "weight_g": 2_350}))
            .await;
        let seq = receipt["seq"].as_i64().expect("seq");
        snapshot("receipt_page", &without_proof(&page(&env, &format!("/r/{seq}")).await));
        let request = actix_web::test::TestRequest::get()
            .uri(&format!("/r/{seq}"))
            .insert_header(("accept", "application/json"));
        let mut body = env.call(request).await.1;
        body["proof"] = json!("[proof]");
        json_snapshot("receipt_json", &body);
    }
}

/// `text` as the snapshot `name`, redacted, dates too (a lot's page says when it was collected).
fn dated_snapshot(name: &str, text: &str) {
    let mut settings = redacted();
    settings.add_filter(r"\b\d{4}-\d{2}-\d{2}\b", "[date]");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

db_test! {
    /// A lot's page and a container's page as yards and regulators see them: the lot packed in
    /// a cage with two phones, the cage handed over and on its way, the lot's intake receipt
    /// linked (docs/lifecycle.md §8).
    async fn lot_and_container_pages_look_as_reviewed(db: TestDb) {
        use crate::subject_pages::{accepted, event, head, packed_cage};
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let (_, lot, cage) = packed_cage(&env, &collector).await;
        accepted(&env, &event(&collector, Kind::HandedOver, "container", cage,
            Some(&head(&env, &format!("/v1/containers/{cage}")).await),
            json!({"to": recycler.id, "document": "TRUCK-7"}))).await;
        dated_snapshot("lot_page", &page(&env, &format!("/l/{lot}")).await);
        dated_snapshot("container_page", &page(&env, &format!("/c/{cage}")).await);
    }
}
