//! GS1 company prefixes (docs/lifecycle.md, "Identifiers and labels"): a GTIN under a prefix an actor declared is that
//! actor's to register, declared prefixes never overlap, the passport says whether the brand
//! owner is verified, and the audit replays the same rule.

use crate::support::{db_test, labelled, setup, Actor, Env, TestDb, GTIN};
use crate::time_rules::audit_refuses;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};
use uuid::Uuid;

/// The company prefix of the test GTIN 09506000134352 (digits 2 onward: 9506000134352).
const PREFIX: &str = "9506000";

/// Registers `actor` as a manufacturer declaring `prefixes`; answers the status and body.
async fn register_maker(env: &Env, actor: &Actor, prefixes: Value) -> (StatusCode, Value) {
    let mut data = env.actor_data(actor, Role::Manufacturer);
    data["gs1_company_prefixes"] = prefixes;
    env.submit(&env.actor(Role::Admin), Kind::ActorRegistered, None, data)
        .await
}

/// `data` of a `registered` of the test GTIN with `serial`.
fn product_data(serial: &str) -> Value {
    json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": serial, "brand": "Fairphone", "model": "FP5"})
}

/// The brand owner registers its GTINs; the fixture manufacturer, also a manufacturer, is
/// refused with `gtin-prefix-owned` naming the GTIN, the prefix and its owner.
async fn owned_gtins(db: TestDb) {
    let env = setup(db).await;
    let owner = Actor::new(41, Role::Manufacturer);
    let (status, body) = register_maker(&env, &owner, json!([PREFIX, "40063819"])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, actor) = env.get(&format!("/v1/actors/{}", owner.id)).await;
    assert_eq!(
        actor["gs1_company_prefixes"],
        json!([PREFIX, "40063819"]),
        "{actor}"
    );

    let other = env.actor(Role::Manufacturer);
    let id = labelled("OWN-1");
    let draft = env
        .draft(&other, Kind::Registered, Some(id), product_data("OWN-1"))
        .await;
    let body = env
        .refused(
            &draft.sign(&other.key).expect("sign"),
            StatusCode::FORBIDDEN,
            "gtin-prefix-owned",
            Some(id),
        )
        .await;
    assert_eq!(body["gtin"], GTIN, "{body}");
    assert_eq!(body["prefix"], PREFIX, "{body}");
    assert_eq!(body["owner"], owner.id.to_string(), "{body}");

    let draft = env
        .draft(&owner, Kind::Registered, Some(id), product_data("OWN-1"))
        .await;
    let (status, body) = env.post(&draft.sign(&owner.key).expect("sign")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A GTIN under no declared prefix: any manufacturer may register it.
    let free = "4006381333931";
    let free_id = ewaste_ledger::domain::identifiers::product_id(
        &ewaste_ledger::domain::gtin::Gtin14::parse(free).unwrap(),
        &ewaste_ledger::domain::serial::Serial::parse("FREE-1").unwrap(),
    );
    let data = json!({"unu_key": "0306", "weight_g": 180, "gtin": free, "serial": "FREE-1"});
    env.ok(&other, Kind::Registered, Some(free_id), data).await;
}

/// Prefixes are digits, 6 to 12 of them, never repeated in a list, and never overlapping a
/// prefix another actor declared (in either direction).
async fn overlapping_prefixes(db: TestDb) {
    let env = setup(db).await;
    let (status, body) =
        register_maker(&env, &Actor::new(42, Role::Manufacturer), json!([PREFIX])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let size = env.log_size().await;

    for (prefixes, field, code, status) in [
        (
            json!(["95060001"]),
            "event.data.gs1_company_prefixes[0]",
            "gs1-prefix-overlap",
            StatusCode::CONFLICT,
        ),
        (
            json!(["123456", "950600"]),
            "event.data.gs1_company_prefixes[1]",
            "gs1-prefix-overlap",
            StatusCode::CONFLICT,
        ),
        (
            json!([PREFIX]),
            "event.data.gs1_company_prefixes[0]",
            "gs1-prefix-overlap",
            StatusCode::CONFLICT,
        ),
        (
            json!(["123456", "123456"]),
            "data.gs1_company_prefixes[1]",
            "invalid-field",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!(["12345a"]),
            "data.gs1_company_prefixes[0]",
            "invalid-field",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!(["12345"]),
            "data.gs1_company_prefixes[0]",
            "invalid-field",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!(["1234567890123"]),
            "data.gs1_company_prefixes[0]",
            "invalid-field",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!([]),
            "data.gs1_company_prefixes",
            "invalid-field",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (got, body) =
            register_maker(&env, &Actor::new(43, Role::Manufacturer), prefixes.clone()).await;
        crate::support::assert_problem(&body, got, status, code);
        assert!(
            body["field"].as_str().is_some_and(|f| f.ends_with(field)),
            "{prefixes}: {body}"
        );
        if code == "gs1-prefix-overlap" {
            assert_eq!(body["declared"], PREFIX, "{body}");
        }
        assert_eq!(
            env.log_size().await,
            size,
            "a refused registration changed the log"
        );
    }
    let (status, body) = register_maker(
        &env,
        &Actor::new(43, Role::Manufacturer),
        json!(["9506001", "950599"]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "neighbours do not overlap: {body}"
    );
}

async fn passport(env: &Env, id: Uuid) -> (Value, String) {
    let (status, json, _) = env
        .call(
            TestRequest::get()
                .uri(&format!("/p/{id}"))
                .insert_header(("Accept", "application/json")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let (status, page, _) = env
        .call_raw(TestRequest::get().uri(&format!("/p/{id}")))
        .await;
    assert_eq!(status, StatusCode::OK);
    (json, String::from_utf8(page).expect("utf-8"))
}

/// The passport of a product under its registrant's prefix says the brand owner is verified;
/// one under no declared prefix says it is unverified.
async fn brand_owner_on_the_passport(db: TestDb) {
    let env = setup(db).await;
    let unverified = env.register("FREE-2").await;
    let (json, page) = passport(&env, unverified).await;
    assert_eq!(json["brand_owner"], json!({"verified": false}), "{json}");
    assert!(page.contains("Brand owner unverified"), "{page}");

    let owner = Actor::new(44, Role::Manufacturer);
    let (status, body) = register_maker(&env, &owner, json!([PREFIX])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = labelled("OWN-2");
    let draft = env
        .draft(&owner, Kind::Registered, Some(id), product_data("OWN-2"))
        .await;
    assert_eq!(
        env.post(&draft.sign(&owner.key).expect("sign")).await.0,
        StatusCode::CREATED
    );
    let (json, page) = passport(&env, id).await;
    assert_eq!(
        json["brand_owner"],
        json!({"verified": true, "gs1_company_prefix": PREFIX, "owner": owner.id}),
        "{json}"
    );
    assert!(page.contains("Brand owner verified"), "{page}");
    // The product registered before the prefix was declared is under another's prefix now.
    let (json, _) = passport(&env, unverified).await;
    assert_eq!(json["brand_owner"]["verified"], false, "{json}");
    assert_eq!(json["brand_owner"]["owner"], owner.id.to_string(), "{json}");
}

/// The audit replays the rule: a registration under another actor's prefix fails it.
async fn audit_enforces_prefixes(db: TestDb) {
    let env = setup(db).await;
    let owner = Actor::new(45, Role::Manufacturer);
    let (status, body) = register_maker(&env, &owner, json!([PREFIX])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let other = env.actor(Role::Manufacturer);
    let id = labelled("AUD-P");
    let draft = env
        .draft(&other, Kind::Registered, Some(id), product_data("AUD-P"))
        .await;
    audit_refuses(
        &env,
        &draft.sign(&other.key).expect("sign"),
        "gtin-prefix-owned",
    )
    .await;
}

db_test!(
    async fn a_gtin_under_another_actors_prefix_is_refused(db: TestDb) {
        owned_gtins(db).await;
    }
);

db_test!(
    async fn overlapping_or_malformed_prefixes_are_refused(db: TestDb) {
        overlapping_prefixes(db).await;
    }
);

db_test!(
    async fn the_passport_says_whether_the_brand_owner_is_verified(db: TestDb) {
        brand_owner_on_the_passport(db).await;
    }
);

db_test!(
    async fn the_audit_enforces_prefix_ownership(db: TestDb) {
        audit_enforces_prefixes(db).await;
    }
);
