//! The pages of lots and containers, on both backends (docs/lifecycle.md §8): `/l/{id}`,
//! `/c/{id}` and `/00/{sscc}` give a page to a browser and the subject with its events to JSON
//! clients; each page shows the same chain verification as a passport, and says "does not
//! verify" when a served row was doctored in the database; an entry declared an error is struck
//! through; a passport shows the container its product is in, who holds it and its transit.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::support::setup;
use crate::support::{now_minus_minute, sign_value, Actor, Env, CITY};
use crate::tamper;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::sscc::Sscc;
use serde_json::{json, Value};
use uuid::Uuid;

/// A valid SSCC (GS1 company prefix 0614141, check digit 7).
pub const SSCC: &str = "106141411234567897";

/// A signed event whose primary subject is `member` (`product`, `lot`, `container`) `id`.
pub fn event(
    actor: &Actor,
    kind: Kind,
    member: &str,
    id: Uuid,
    prev: Option<&str>,
    data: Value,
) -> Value {
    let mut event = json!({
        "id": Uuid::new_v4(), "kind": kind, "actor": actor.id,
        "occurred_at": now_minus_minute(), "city": CITY, member: id, "data": data,
    });
    if let Some(prev) = prev {
        event["prev"] = json!(prev);
    }
    sign_value(event, &actor.key)
}

/// Submits `envelope`, which must be accepted: its receipt.
pub async fn accepted(env: &Env, envelope: &Value) -> Value {
    let (status, body) = env.post(envelope).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// The head leaf hash of the subject whose JSON is at `path`.
pub async fn head(env: &Env, path: &str) -> String {
    let (status, body) = env.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["head"]["leaf_hash"]
        .as_str()
        .expect("head")
        .to_string()
}

/// How pages name a fixture actor.
pub fn shown(role: Role) -> String {
    format!("{role} GmbH ({role} device)")
}

/// An informal intake of 12,345 g of EU-6 category 6, by `collector`: the lot's id.
pub async fn intake(env: &Env, collector: &Actor) -> Uuid {
    intake_as(env, collector, Uuid::new_v4()).await
}

/// The same intake, as the lot `lot`.
pub async fn intake_as(env: &Env, collector: &Actor, lot: Uuid) -> Uuid {
    let data = json!({"eu6": "6", "mass_g": 12_345, "channel": "informal", "aggregator": "AGG-0042", "units": 3});
    accepted(
        env,
        &event(collector, Kind::LotCollected, "lot", lot, None, data),
    )
    .await;
    lot
}

/// Two collected phones and a lot packed by `collector` in a cage labelled with [`SSCC`]:
/// (phones, lot, cage).
pub async fn packed_cage(env: &Env, collector: &Actor) -> (Vec<Uuid>, Uuid, Uuid) {
    let phones = vec![
        env.collected_by("CAGE-PAGE-1", collector).await,
        env.collected_by("CAGE-PAGE-2", collector).await,
    ];
    // A fixed id, so that snapshots show the same short id every run.
    let lot = intake_as(
        env,
        collector,
        uuid::uuid!("10710710-0000-4000-8000-000000000001"),
    )
    .await;
    let mut children = Vec::new();
    for phone in &phones {
        children.push(json!({"product": phone, "prev": env.head(*phone).await.to_hex()}));
    }
    children.push(json!({"lot": lot, "prev": head(env, &format!("/v1/lots/{lot}")).await}));
    let cage = Sscc::parse(SSCC).expect("SSCC").container_id();
    accepted(
        env,
        &event(
            collector,
            Kind::Packed,
            "container",
            cage,
            None,
            json!({"children": children, "sscc": SSCC}),
        ),
    )
    .await;
    (phones, lot, cage)
}

async fn page(env: &Env, path: &str) -> String {
    let (status, html) = html_page(env, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    html
}

async fn json_of(env: &Env, path: &str) -> (StatusCode, Value) {
    let request = TestRequest::get()
        .uri(path)
        .insert_header(("accept", "application/json"));
    let (status, body, _) = env.call(request).await;
    (status, body)
}

db_test! {
    /// A lot's page shows what the person who brought it and the yard need: mass in kg with
    /// grams, category by name, channel, the pseudonymous aggregator, where and when, who holds
    /// it, its transit, each entry with its receipt, and a verified chain; JSON clients get the
    /// lot and its events. A mass doctored in the database makes the page say it does not verify.
    async fn a_lot_page_shows_the_intake_and_its_verified_chain(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let lot = intake(&env, &collector).await;
        let path = format!("/l/{lot}");
        let html = page(&env, &path).await;
        for expected in [
            "<dd id=\"mass\">12.345 kg (12,345 g)</dd>",
            "EU-6 category 6 · ",
            "<dd>informal sector</dd>",
            "AGG-0042 <span class=\"muted\">(pseudonymous id)</span>",
            "Berlin (DEBER) on ",
            "3 units",
            "✓ Chain verified: 1 signed event linked by hash",
            "Weighed 12345 g",
        ] {
            assert!(html.contains(expected), "{expected} on the lot page: {html}");
        }
        assert!(html.contains(&format!("<dd id=\"custodian\">{}</dd>", shown(Role::Collector))), "{html}");
        let seq = env.log_size().await - 1;
        assert!(html.contains(&format!("<a href=\"/r/{seq}\">receipt</a>")), "{html}");

        let (status, body) = json_of(&env, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["lot"]["mass_g"], 12_345, "{body}");
        assert_eq!(body["lot"]["id"], json!(lot), "{body}");
        assert_eq!(body["events"].as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body["events"][0]["seq"], seq, "{body}");

        let lot_json = format!("/v1/lots/{lot}");
        accepted(&env, &event(&collector, Kind::HandedOver, "lot", lot, Some(&head(&env, &lot_json).await),
            json!({"to": recycler.id, "document": "CMR-77"}))).await;
        let html = page(&env, &path).await;
        assert!(html.contains(&format!("to {} since ", shown(Role::Recycler))), "{html}");
        assert!(html.contains(", transport document CMR-77</dd>"), "{html}");
        assert!(html.contains("✓ Chain verified: 2 signed events"), "{html}");

        let mut conn = tamper::connect(&env.db.target);
        tamper::execute(&mut conn, &format!(
            "UPDATE subjects SET record = REPLACE(record, '\"mass_g\":12345', '\"mass_g\":99000') WHERE id = '{lot}'"));
        let html = page(&env, &path).await;
        assert!(html.contains("✗ Chain does not verify: the stored state differs from what its entries give: mass (g) is 99000, its entries give 12345."), "{html}");
        assert!(!html.contains("✓ Chain verified"), "{html}");
    }

    /// A container's page, by its SSCC and by its id: the SSCC, who holds it, its contents
    /// linked (products by passport, lots by page) with the count and total known mass, and its
    /// history; a passport shows the container its product is in, who holds it and its transit.
    /// A child removed from the stored row makes the page say it does not verify.
    async fn a_container_page_lists_its_contents(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let (phones, lot, cage) = packed_cage(&env, &collector).await;
        let html = page(&env, &format!("/00/{SSCC}")).await;
        let by_id = page(&env, &format!("/c/{cage}")).await;
        assert_eq!(html, by_id, "both label paths show the same page");
        let phone_path = format!("/01/{}/21/CAGE-PAGE-1", crate::support::GTIN);
        for expected in [
            format!("<dt>SSCC</dt><dd>{SSCC}</dd>"),
            format!("<dd id=\"custodian\">{}</dd>", shown(Role::Collector)),
            "3 items, 12.705 kg (12,705 g) known".to_string(),
            format!("<a href=\"{phone_path}\">"),
            format!("<a href=\"/l/{lot}\">Lot "),
            "✓ Chain verified: 1 signed event".to_string(),
            "3 items packed".to_string(),
        ] {
            assert!(html.contains(&expected), "{expected} on the container page: {html}");
        }
        let (status, body) = json_of(&env, &format!("/00/{SSCC}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["container"]["sscc"], SSCC, "{body}");
        assert_eq!(body["container"]["children"].as_array().map(Vec::len), Some(3), "{body}");

        let passport = page(&env, &phone_path).await;
        assert!(passport.contains(&format!("<dd id=\"container\"><a href=\"/00/{SSCC}\">Container SSCC {SSCC}")), "{passport}");
        assert!(passport.contains(&format!("<dd id=\"custodian\">{}</dd>", shown(Role::Collector))), "{passport}");
        assert!(passport.contains("✓ Chain verified"), "{passport}");
        let lot_page = page(&env, &format!("/l/{lot}")).await;
        assert!(lot_page.contains(&format!("<dd id=\"container\"><a href=\"/00/{SSCC}\">")), "{lot_page}");
        assert!(lot_page.contains("✓ Chain verified: 2 signed events"), "{lot_page}");

        let container_json = format!("/v1/containers/{cage}");
        accepted(&env, &event(&collector, Kind::HandedOver, "container", cage, Some(&head(&env, &container_json).await),
            json!({"to": recycler.id, "document": "TRUCK-9"}))).await;
        let passport = page(&env, &phone_path).await;
        assert!(passport.contains(&format!("<dd id=\"transit\">to {} since ", shown(Role::Recycler))), "{passport}");
        assert!(passport.contains("transport document TRUCK-9"), "{passport}");
        accepted(&env, &event(&recycler, Kind::Received, "container", cage, Some(&head(&env, &container_json).await),
            json!({}))).await;
        let passport = page(&env, &phone_path).await;
        assert!(passport.contains(&format!("<dd id=\"custodian\">{}</dd>", shown(Role::Recycler))), "the container's holder holds what is inside: {passport}");
        let html = page(&env, &format!("/c/{cage}")).await;
        assert!(html.contains("✓ Chain verified: 3 signed events"), "{html}");

        let mut conn = tamper::connect(&env.db.target);
        tamper::execute(&mut conn, &format!(
            "UPDATE subjects SET record = REPLACE(record, '{}', '{}') WHERE id = '{cage}'", phones[1], Uuid::nil()));
        let html = page(&env, &format!("/c/{cage}")).await;
        assert!(html.contains("✗ Chain does not verify: the stored state differs from what its entries give: contents is "), "{html}");
        assert!(!html.contains("✓ Chain verified"), "{html}");
    }

    /// A label that is not one gets a 400 page, an unknown subject a 404 page (problems for
    /// JSON clients).
    async fn wrong_labels_get_pages_that_say_so(db: TestDb) {
        let env = setup(db).await;
        for (path, status, words) in [
            ("/00/106141411234567890".to_string(), StatusCode::BAD_REQUEST, "is not an SSCC"),
            ("/00/123".to_string(), StatusCode::BAD_REQUEST, "is not an SSCC"),
            (format!("/00/{SSCC}"), StatusCode::NOT_FOUND, "No container with id"),
            ("/l/not-a-uuid".to_string(), StatusCode::BAD_REQUEST, "is not a lot id"),
            (format!("/l/{}", Uuid::new_v4()), StatusCode::NOT_FOUND, "No lot with id"),
            (format!("/c/{}", Uuid::new_v4()), StatusCode::NOT_FOUND, "No container with id"),
        ] {
            let (got, html) = html_page(&env, &path).await;
            assert_eq!(got, status, "{path}: {html}");
            assert!(html.contains(words), "{path}: {html}");
            let (got, body) = json_of(&env, &path).await;
            assert_eq!(got, status, "{path}: {body}");
            assert_eq!(body["status"], status.as_u16(), "{path}: a problem: {body}");
        }
    }

    /// An entry declared an error is struck through with the reason and a link to the
    /// correction, which reads "Declared entry N an error: reason"; the chain still verifies.
    async fn a_corrected_entry_is_struck_through(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let lot = intake(&env, &collector).await;
        let lot_json = format!("/v1/lots/{lot}");
        let sent = accepted(&env, &event(&collector, Kind::HandedOver, "lot", lot, Some(&head(&env, &lot_json).await),
            json!({"to": recycler.id}))).await;
        let seq = sent["seq"].as_i64().expect("seq");
        let fixed = accepted(&env, &event(&collector, Kind::ErrorDeclared, "lot", lot, Some(&head(&env, &lot_json).await),
            json!({"seq": seq, "reason": "wrong truck"}))).await;
        let correction = fixed["seq"].as_i64().expect("seq");
        let html = page(&env, &format!("/l/{lot}")).await;
        assert!(html.contains(&format!("<li id=\"entry-{seq}\" class=\"struck\">")), "{html}");
        assert!(html.contains(&format!("Declared an error in <a href=\"#entry-{correction}\">entry {correction}</a>: wrong truck")), "{html}");
        assert!(html.contains(&format!("<div>Declared entry {seq} an error: wrong truck</div>")), "{html}");
        assert!(html.contains("<del>Handed over"), "{html}");
        assert!(!html.contains("id=\"transit\""), "the hand-over is taken back: {html}");
        assert!(html.contains("✓ Chain verified: 3 signed events"), "{html}");
    }
}

db_test! {
    /// A lot's and a container's label, as SVG and PNG: the QR code holds the label URI, the
    /// text says what it is.
    async fn lots_and_containers_have_labels(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let (_, lot, cage) = packed_cage(&env, &collector).await;
        for (path, uri_end, text) in [
            (format!("/v1/lots/{lot}/label"), format!("/l/{lot}"), "Lot · EU-6 6 · 12.345 kg".to_string()),
            (format!("/v1/containers/{cage}/label"), format!("/00/{SSCC}"), format!("Container · SSCC {SSCC}")),
        ] {
            let (status, png, content_type) = env.call_raw(TestRequest::get().uri(&format!("{path}.png"))).await;
            assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/png"), "{path}");
            let uri = crate::labels::decode_png(&png);
            assert!(uri.ends_with(&uri_end), "{path}: {uri}");
            let (status, svg, content_type) = env.call_raw(TestRequest::get().uri(&format!("{path}.svg"))).await;
            assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/svg+xml"), "{path}");
            let svg = String::from_utf8(svg).expect("utf-8");
            assert!(svg.contains(&text), "{text} on {path}: {svg}");
        }
        let (status, body) = env.get(&format!("/v1/lots/{}/label.svg", Uuid::new_v4())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = env.get("/v1/containers/nope/label.png").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["type"], "urn:ewaste-ledger:problem:invalid-id", "{body}");
    }

    /// `/transit` lists the hand-overs waiting for their receiver, oldest first, with who sent
    /// them, to whom and the document; `?to=` and `?older_than=` narrow it; the navigation and
    /// the city's dashboard link it, the dashboard with a count and the oldest.
    async fn the_transit_page_lists_what_waits_for_its_receiver(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let (_, _, cage) = packed_cage(&env, &collector).await;
        let loose = intake(&env, &collector).await;
        let container_json = format!("/v1/containers/{cage}");
        accepted(&env, &event(&collector, Kind::HandedOver, "container", cage, Some(&head(&env, &container_json).await),
            json!({"to": recycler.id, "document": "TRUCK-1"}))).await;
        let lot_json = format!("/v1/lots/{loose}");
        accepted(&env, &event(&collector, Kind::HandedOver, "lot", loose, Some(&head(&env, &lot_json).await),
            json!({"to": recycler.id, "document": "CMR-2"}))).await;

        let html = page(&env, "/transit").await;
        assert!(html.contains("2 hand-overs waiting for the receiver; the oldest for "), "{html}");
        let truck = html.find("TRUCK-1").expect("the container's hand-over");
        let cmr = html.find("CMR-2").expect("the lot's hand-over");
        assert!(truck < cmr, "oldest first: {html}");
        assert!(html.contains(&format!("<a href=\"/00/{SSCC}\">Container SSCC {SSCC}")), "{html}");
        assert!(html.contains(&format!("<td>{}</td><td>{}</td>", shown(Role::Collector), shown(Role::Recycler))), "{html}");
        assert!(html.contains("<a href=\"/transit\">In transit</a>"), "the navigation links it: {html}");

        let html = page(&env, &format!("/transit?to={}", recycler.id)).await;
        assert!(html.contains("2 hand-overs waiting"), "{html}");
        let html = page(&env, &format!("/transit?to={}", collector.id)).await;
        assert!(html.contains("No hand-over is waiting for its receiver."), "{html}");
        let html = page(&env, "/transit?older_than=48h").await;
        assert!(html.contains("No hand-over is waiting for its receiver."), "{html}");
        let (status, body) = env.get("/transit?older_than=soon").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let html = page(&env, "/cities/DEBER").await;
        assert!(html.contains("2 hand-overs from or to this city&#39;s actors waiting for the receiver."), "{html}");
        assert!(html.contains(&format!("The oldest: <a href=\"/00/{SSCC}\">")), "{html}");
        assert!(html.contains("<a href=\"/transit\">Every hand-over in transit</a>"), "{html}");
    }
}

db_test! {
    /// A product's passport strikes through an entry declared an error, with the reason and a
    /// link to the correction, and shows its transit while it is in transit; its chain, replayed
    /// with the correction, verifies.
    async fn a_passport_strikes_through_a_corrected_hand_over(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let recycler = env.actor(Role::Recycler);
        let id = env.collected_by("FIX-1", &collector).await;
        env.send(id, &collector, &recycler).await;
        let path = format!("/01/{}/21/FIX-1", crate::support::GTIN);
        let html = page(&env, &path).await;
        assert!(html.contains(&format!("<dd id=\"transit\">to {} since ", shown(Role::Recycler))), "{html}");
        assert!(html.contains("transport document CMR-1"), "{html}");
        assert!(html.contains("✓ Chain verified"), "a product in transit verifies: {html}");
        let seq = env.log_size().await - 1;
        let fixed = env.ok(&collector, Kind::ErrorDeclared, Some(id), json!({"seq": seq, "reason": "wrong receiver"})).await;
        let correction = fixed["seq"].as_i64().expect("seq");
        let html = page(&env, &path).await;
        assert!(html.contains(&format!("<li id=\"entry-{seq}\" class=\"struck\">")), "{html}");
        assert!(html.contains(&format!("Declared an error in <a href=\"#entry-{correction}\">entry {correction}</a>: wrong receiver")), "{html}");
        assert!(html.contains(&format!("Declared entry {seq} an error: wrong receiver")), "{html}");
        assert!(!html.contains("id=\"transit\""), "{html}");
        assert!(html.contains("✓ Chain verified"), "a corrected product verifies: {html}");
    }
}
