//! The label resolver and passport pages on both backends: HTML for browsers (escaped, no
//! scripts, nothing from other hosts), JSON on request, helpful errors, and the chain check.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::support::{assert_problem, labelled, registered_data, setup, Env};
use crate::tamper;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};

async fn page(env: &Env, path: &str) -> (StatusCode, String, String) {
    let (status, body, content_type) = env.call_raw(TestRequest::get().uri(path)).await;
    (
        status,
        String::from_utf8(body).expect("utf-8"),
        content_type,
    )
}

/// A product taken back, depolluted and recycled in Berlin.
async fn recycled(env: &Env, serial: &str) -> uuid::Uuid {
    let (collector, recycler) = (env.actor(Role::Collector), env.actor(Role::Recycler));
    let id = env.collected_by(serial, &collector).await;
    env.hand_over(id, &collector, &recycler).await;
    env.ok(
        &recycler,
        Kind::Depolluted,
        Some(id),
        json!({"components": [{"component": "battery:li-ion", "mass_g": 40}]}),
    )
    .await;
    env.ok(
        &recycler,
        Kind::Recycled,
        Some(id),
        json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 20}]}),
    )
    .await;
    id
}

db_test! {
    /// The label URI shows the passport: facts, hazards with what to remove, the lifecycle in
    /// order with who and where, a verified chain, the final state.
    async fn a_label_resolves_to_its_passport(db: TestDb) {
        let env = setup(db).await;
        let id = recycled(&env, "PASS-1").await;
        let (status, html, content_type) = page(&env, "/01/09506000134352/21/PASS-1").await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
        for expected in [
            "<title>Fairphone FP5 · product passport</title>",
            "Recycled",
            "reached the end of its recorded life",
            "Chain verified: 7 signed events",
            "remove the battery before shredding",
            "Registered", "Sold (placed on the market)", "Collected", "Handed over", "Depolluted",
            "Berlin (DEBER)",
            // Members read with labels and units, times without seconds or a bare Z.
            "Operation R4 · ",
            "Fractions: copper 20 g",
            "Removed: battery:li-ion 40 g",
            "UNU-KEY 0306 · Mobile Phones",
            "Weight 180 g",
            " UTC · Berlin (DEBER)",
            &id.to_string(),
        ] {
            assert!(html.contains(expected), "{expected} in the passport");
        }
        let sold = html.find("Sold (placed on the market)").unwrap();
        assert!(html.find("Registered").unwrap() < sold && sold < html.find("Depolluted").unwrap());
        for raw in ["operation:", "unu key", "weight g", "fractions:", "Z · "] {
            assert!(!html.contains(raw), "no raw member names or bare Z: {raw}");
        }
        assert!(!html.contains("<script"), "no scripts");
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing from other hosts");

        // The same product by id; and as JSON when asked.
        let (status, by_id, _) = page(&env, &format!("/p/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(by_id.contains("Chain verified"));
        let request = TestRequest::get().uri("/01/09506000134352/21/PASS-1").insert_header(("accept", "application/json"));
        let (status, body, _) = env.call(request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["product"]["id"], json!(id));
        assert_eq!(body["events"].as_array().map(Vec::len), Some(7));
    }

    /// A product that can go on offers its next kinds, with who may sign them, to the page's
    /// one script; the custodian and head it needs are on the panel. A terminal product offers
    /// nothing and loads no script.
    async fn the_passport_offers_the_next_steps(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("NEXT-1", &collector).await;
        let (status, html) = html_page(&env, "/01/09506000134352/21/NEXT-1").await;
        assert_eq!(status, StatusCode::OK);
        let head = env.head(id).await.to_hex();
        assert!(html.contains(&format!("data-product=\"{id}\" data-head=\"{head}\" data-custodian=\"{}\"", collector.id)), "{html}");
        let offered: Vec<&str> = html
            .split("<button type=\"button\" data-kind=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().expect("kind"))
            .collect();
        assert_eq!(offered, ["handed_over", "prepared_for_reuse", "depolluted", "recycled", "disposed", "exported"]);
        assert!(html.contains("data-kind=\"depolluted\" data-roles=\"recycler\" data-custody=\"true\" data-receiver=\"false\" hidden>Depolluted</button>"));

        // Handed over, it is in transit: only the receiver's answers are offered, to the receiver.
        let recycler = env.actor(Role::Recycler);
        env.send(id, &collector, &recycler).await;
        let (_, html) = html_page(&env, "/01/09506000134352/21/NEXT-1").await;
        let head = env.head(id).await.to_hex();
        assert!(html.contains(&format!("data-product=\"{id}\" data-head=\"{head}\" data-custodian=\"{}\" data-receiver=\"{}\"", collector.id, recycler.id)), "{html}");
        let offered: Vec<&str> = html
            .split("<button type=\"button\" data-kind=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().expect("kind"))
            .collect();
        assert_eq!(offered, ["received", "receipt_refused"]);
        assert!(html.contains("data-custody=\"false\" data-receiver=\"true\" hidden>Received</button>"), "{html}");
        assert!(html.contains("<dt>In transit</dt><dd id=\"transit\">to recycler GmbH (recycler device) since "), "{html}");
        assert!(html.contains("<script type=\"module\" src=\"/assets/passport.js\"></script>"));

        let recycled = recycled(&env, "NEXT-2").await;
        let (_, html) = html_page(&env, &format!("/p/{recycled}")).await;
        assert!(!html.contains("id=\"record\"") && !html.contains("<script"), "nothing to record");
    }

    /// Everything a page shows is escaped.
    async fn passport_text_is_escaped(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let id = labelled("ESC-1");
        let mut data = registered_data("ESC-1");
        data["model"] = json!("<script>alert(1)</script>");
        env.ok(&maker, Kind::Registered, Some(id), data).await;
        let (_, html, _) = page(&env, "/01/09506000134352/21/ESC-1").await;
        // Escaped (askama writes `<` as `&#60;`), never raw.
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{html}");
        assert!(!html.contains("<script>"));
    }

    /// Unknown and malformed labels get a helpful page (or a problem for JSON clients).
    async fn unknown_and_malformed_labels(db: TestDb) {
        let env = setup(db).await;
        let (status, html, _) = page(&env, "/01/09506000134352/21/NOBODY").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("Unknown product") && html.contains("/01/{14-digit GTIN}/21/{serial}"));
        let (status, html, _) = page(&env, "/01/09506000134353/21/X").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("Not a product label") && html.contains("check digit"), "{html}");
        let request = TestRequest::get().uri("/p/not-a-uuid").insert_header(("accept", "application/json"));
        let (status, body, _) = env.call(request).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-product-id");
        let unknown = uuid::Uuid::new_v4();
        let request = TestRequest::get().uri(&format!("/p/{unknown}")).insert_header(("accept", "application/json"));
        let (status, body, _) = env.call(request).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
    }

    /// A stored entry of the product altered: the passport says the chain does not verify.
    async fn a_tampered_chain_is_shown_as_broken(db: TestDb) {
        let env = setup(db).await;
        let id = env.in_use("TAMPER-1").await;
        let events = env.get(&format!("/v1/products/{id}/events")).await.1;
        let seq = events[1]["seq"].as_i64().expect("seq");
        let mut conn = tamper::connect(&env.db.target);
        let mut bytes = tamper::entry_bytes(&mut conn)[seq as usize].clone();
        let at = bytes.iter().position(|b| *b == b'Z').expect("a timestamp");
        bytes[at - 1] = if bytes[at - 1] == b'1' { b'2' } else { b'1' };
        tamper::set_bytes(&mut conn, seq, bytes);
        let (_, html, _) = page(&env, "/01/09506000134352/21/TAMPER-1").await;
        assert!(html.contains(&format!("Chain does not verify: entry {seq} does not hash to its leaf hash")), "{html}");
        let _: Value = events;
    }
}

db_test! {
    /// A product's row doctored (collected → recycled, another brand and model, another
    /// custodian) while its entries are intact: the passport does not call it verified, and says
    /// what its entries give.
    async fn a_doctored_product_is_not_shown_as_verified(db: TestDb) {
        let env = setup(db).await;
        let (collector, maker) = (env.actor(Role::Collector), env.actor(Role::Manufacturer));
        let id = env.collected_by("DOCTOR-1", &collector).await;
        let path = "/01/09506000134352/21/DOCTOR-1";
        let (_, html, _) = page(&env, path).await;
        assert!(html.contains("Chain verified"), "{html}");

        let mut conn = tamper::connect(&env.db.target);
        tamper::execute(&mut conn, &format!("UPDATE products SET state = 'recycled', brand = 'Forged', model = 'X9' WHERE id = '{id}'"));
        let (_, html, _) = page(&env, path).await;
        assert!(!html.contains("Chain verified"), "{html}");
        assert!(html.contains("the stored state differs from what its entries give: state is recycled, its entries give collected"), "{html}");
        assert!(html.contains("brand is Forged, its entries give Fairphone"), "{html}");

        tamper::execute(&mut conn, &format!("UPDATE products SET state = 'collected', brand = 'Fairphone', model = 'FP5', custodian = '{}' WHERE id = '{id}'", maker.id));
        let (_, html, _) = page(&env, path).await;
        assert!(!html.contains("Chain verified"), "{html}");
        assert!(html.contains(&format!("custodian is {}, its entries give {}", maker.id, collector.id)), "{html}");
    }
}

db_test! {
    /// The passport checks every signature with the signer's key as of its entry (the same
    /// rule as ingress and the audit): a product recorded before and after its maker's key was
    /// rotated verifies; a key history doctored in the database does not.
    async fn the_passport_checks_signatures_with_the_key_of_their_time(db: TestDb) {
        use base64::Engine;
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let id = env.register("ROTATE-1").await;
        let rotated = ed25519_dalek::SigningKey::from_bytes(&[0x63; 32]);
        let new_key = base64::engine::general_purpose::STANDARD.encode(rotated.verifying_key().as_bytes());
        env.ok(&env.admin, Kind::ActorKeyRotated, None, json!({"actor": maker.id, "public_key": new_key})).await;
        let maker_now = crate::support::Actor { key: rotated.clone(), ..maker.clone() };
        env.ok(&maker_now, Kind::PlacedOnMarket, Some(id), json!({})).await;
        let path = "/01/09506000134352/21/ROTATE-1";
        let (_, html, _) = page(&env, path).await;
        assert!(html.contains("Chain verified"), "{html}");

        // The maker's first key replaced by the rotated one: the registration no longer verifies.
        let mut conn = tamper::connect(&env.db.target);
        let (_, actor) = env.get(&format!("/v1/actors/{}", maker.id)).await;
        let first_seq = actor["key_history"][0]["from_seq"].as_i64().expect("a key history");
        tamper::execute(&mut conn, &format!("UPDATE actors SET key_history = '{first_seq}:{new_key}' WHERE id = '{}'", maker.id));
        let (_, html, _) = page(&env, path).await;
        assert!(!html.contains("Chain verified"), "{html}");
        assert!(html.contains("the signature of entry 8 does not verify under its signer&#39;s key as of that entry"), "{html}");
    }
}
