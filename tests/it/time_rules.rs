//! The time rules (docs/ledger-format.md §1): no leap second, no product event dated before the
//! product's previous entry or before its signer's registration, registry events dated in the
//! past still accepted; the same rules in the offline audit, and in a database written before
//! them once it is opened.

use crate::support::{
    db_test, empty, labelled, log_signing_key, registered_data, setup, Actor, Env, TestDb, ORIGIN,
};
use crate::tamper;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use ewaste_ledger::domain::entry::{Entry, EntryHeader};
use ewaste_ledger::domain::event::{format_timestamp, parse_signed_event};
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use ewaste_ledger::ledger::audit::{audit, AuditError, AuditFailure, AuditOptions};
use serde_json::{json, Value};
use uuid::Uuid;

/// Signs a product event by `actor` dated `at` (with `prev` = the product's head).
async fn dated(
    env: &Env,
    actor: &Actor,
    kind: Kind,
    product: Uuid,
    at: &str,
    data: Value,
) -> Value {
    let mut draft = env.draft(actor, kind, Some(product), data).await;
    draft.occurred_at = at.into();
    draft.sign(&actor.key).expect("sign")
}

/// A product registered in 2009 and sold in 2010: collecting it in 2005 or recycling it on
/// 1970-01-01 would rewrite those years' statistics, so both are refused, naming both times.
async fn out_of_order_history(db: TestDb) {
    let env = setup(db).await;
    let (maker, shop, collector, recycler) = (
        env.actor(Role::Manufacturer),
        env.actor(Role::Retailer),
        env.actor(Role::Collector),
        env.actor(Role::Recycler),
    );
    let id = labelled("OLD-1");
    let registered = dated(
        &env,
        &maker,
        Kind::Registered,
        id,
        "2009-05-01T10:00:00Z",
        registered_data("OLD-1"),
    )
    .await;
    assert_eq!(env.post(&registered).await.0, StatusCode::CREATED);
    let sold = dated(
        &env,
        &shop,
        Kind::PlacedOnMarket,
        id,
        "2010-03-01T10:00:00Z",
        json!({}),
    )
    .await;
    let (status, receipt) = env.post(&sold).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let facts = env.ledger.statistics_facts().await.expect("facts");

    let collected = dated(
        &env,
        &collector,
        Kind::Collected,
        id,
        "2005-06-01T10:00:00Z",
        json!({"channel": "municipal"}),
    )
    .await;
    let body = env
        .refused(
            &collected,
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred-before-previous",
            Some(id),
        )
        .await;
    assert_eq!(body["product"], id.to_string(), "{body}");
    assert_eq!(body["occurred_at"], "2005-06-01T10:00:00.000Z", "{body}");
    assert_eq!(body["previous_seq"], receipt["seq"], "{body}");
    assert_eq!(
        body["previous_occurred_at"], "2010-03-01T10:00:00.000Z",
        "{body}"
    );

    let recycled = dated(
        &env,
        &recycler,
        Kind::Recycled,
        id,
        "1970-01-01T00:00:00Z",
        json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 20}]}),
    )
    .await;
    // 1970 is also before the recycler's own registration (2000), which is checked first.
    let body = env
        .refused(
            &recycled,
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred-before-signer",
            Some(id),
        )
        .await;
    assert_eq!(body["registered_at"], "2000-01-01T00:00:00.000Z", "{body}");
    assert_eq!(
        env.ledger.statistics_facts().await.expect("facts"),
        facts,
        "statistics changed"
    );

    // The same instant as the previous entry is not earlier: accepted.
    let collected = dated(
        &env,
        &collector,
        Kind::Collected,
        id,
        "2010-03-01T10:00:00Z",
        json!({"channel": "municipal"}),
    )
    .await;
    assert_eq!(env.post(&collected).await.0, StatusCode::CREATED);
}

/// Second 60 is refused wherever the ledger reads a client's time, naming the field.
async fn leap_seconds(db: TestDb) {
    let env = setup(db).await;
    let maker = env.actor(Role::Manufacturer);
    for (n, at) in [
        "2025-06-30T23:59:60Z",
        "2025-03-01T12:34:60Z",
        "2025-03-01T12:34:60.5Z",
    ]
    .iter()
    .enumerate()
    {
        let serial = format!("LEAP-{n}");
        let id = labelled(&serial);
        let envelope = dated(
            &env,
            &maker,
            Kind::Registered,
            id,
            at,
            registered_data(&serial),
        )
        .await;
        let body = env
            .refused(&envelope, StatusCode::BAD_REQUEST, "leap-second", Some(id))
            .await;
        assert_eq!(body["field"], "event.occurred_at", "{body}");
        assert_eq!(body["value"], *at, "{body}");
    }
    let (status, body, _) = env
        .call(TestRequest::get().uri("/epcis/events?GE_eventTime=2025-06-30T23:59:60Z"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("leap second"), "{body}");
}

/// An actor the admin registers as of 2024 (a registry event dated in the past, accepted)
/// records nothing dated before it; a registry event an admin dates long ago is accepted.
async fn before_the_signer(db: TestDb) {
    let env = setup(db).await;
    let admin = env.actor(Role::Admin);
    let maker = Actor::new(40, Role::Manufacturer);
    let mut draft = env
        .draft(
            &admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&maker, Role::Manufacturer),
        )
        .await;
    draft.occurred_at = "2024-01-01T00:00:00Z".into();
    let (status, registration) = env.post(&draft.sign(&admin.key).expect("sign")).await;
    assert_eq!(status, StatusCode::CREATED, "{registration}");

    let id = labelled("NEW-1");
    let early = dated(
        &env,
        &maker,
        Kind::Registered,
        id,
        "2023-12-31T23:59:59Z",
        registered_data("NEW-1"),
    )
    .await;
    let body = env
        .refused(
            &early,
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred-before-signer",
            Some(id),
        )
        .await;
    assert_eq!(body["actor"], maker.id.to_string(), "{body}");
    assert_eq!(body["occurred_at"], "2023-12-31T23:59:59.000Z", "{body}");
    assert_eq!(body["registered_seq"], registration["seq"], "{body}");
    assert_eq!(body["registered_at"], "2024-01-01T00:00:00.000Z", "{body}");
    let on_time = dated(
        &env,
        &maker,
        Kind::Registered,
        id,
        "2024-01-01T00:00:00Z",
        registered_data("NEW-1"),
    )
    .await;
    assert_eq!(env.post(&on_time).await.0, StatusCode::CREATED);

    // The admin, registered in 2000, records a city's registration dated 1990: registry events
    // may be dated in the past, even before their signer.
    let mut city = env
        .draft(
            &admin,
            Kind::CityRegistered,
            None,
            json!({"locode": "FRPAR", "name": "Paris",
            "country": "FR", "population": 2_100_000, "population_year": 2024}),
        )
        .await;
    city.occurred_at = "1990-01-01T00:00:00Z".into();
    assert_eq!(
        env.post(&city.sign(&admin.key).expect("sign")).await.0,
        StatusCode::CREATED
    );
}

fn audit_options() -> AuditOptions {
    AuditOptions::new(
        VerifierKey::new(ORIGIN, KeyType::Ed25519, log_signing_key().verifying_key()).unwrap(),
    )
}

async fn audited(env: &Env) -> Result<(), AuditFailure> {
    let (status, export, _) = env.call_raw(TestRequest::get().uri("/v1/log/export")).await;
    assert!(status.is_success(), "{status}");
    audit(&export[..], &audit_options(), &())
        .map(|_| ())
        .map_err(|error| match error {
            AuditError::Failed(failure) => failure,
            other => panic!("the audit itself failed: {other}"),
        })
}

/// Appends a signed event to the stored log behind the ledger's back, as a dishonest operator
/// (or an older ledger without the rule) could, and re-seals the log with the real log key.
/// Returns the forged entry's seq.
pub async fn forge(env: &Env, envelope: &Value) -> i64 {
    let signed = parse_signed_event(envelope).expect("a well-formed event");
    let mut conn = tamper::connect(&env.db.target);
    let mut all = tamper::entry_bytes(&mut conn);
    let seq = all.len() as i64;
    let entry = Entry::new(
        &signed.canonical,
        &EntryHeader {
            seq,
            prev: Hash32::ZERO,
            recorded_at: &format_timestamp(chrono::Utc::now()),
            sig: &signed.signature_b64,
        },
    );
    all.push(entry.bytes);
    tamper::reseal(&mut conn, &all, ORIGIN, &log_signing_key());
    seq
}

/// Forges `envelope` into the log and expects the audit to fail at it with `code`.
pub async fn audit_refuses(env: &Env, envelope: &Value, code: &str) {
    audited(env).await.expect("an honest log verifies");
    let seq = forge(env, envelope).await;
    let failure = audited(env).await.unwrap_err();
    assert_eq!(failure.seq, Some(seq as u64), "{failure}");
    assert!(failure.what.contains(code), "{failure}");
}

/// The audit replays the same rule: an entry dated before its product's previous entry.
async fn audit_before_previous(db: TestDb) {
    let env = setup(db).await;
    let id = env.register("AUD-1").await;
    let shop = env.actor(Role::Retailer);
    let sold = dated(
        &env,
        &shop,
        Kind::PlacedOnMarket,
        id,
        "2005-01-01T00:00:00Z",
        json!({}),
    )
    .await;
    audit_refuses(&env, &sold, "occurred-before-previous").await;
}

/// The audit replays the same rule: an entry dated before its signer's registration.
async fn audit_before_signer(db: TestDb) {
    let env = setup(db).await;
    let maker = env.actor(Role::Manufacturer);
    let early = dated(
        &env,
        &maker,
        Kind::Registered,
        labelled("AUD-2"),
        "1999-12-31T00:00:00Z",
        registered_data("AUD-2"),
    )
    .await;
    audit_refuses(&env, &early, "occurred-before-signer").await;
}

/// A database written before the time rules: opening it fills in every actor's registration
/// and every product's latest `occurred_at` from the log, and the rules then hold for it.
async fn backfilled_at_start(db: TestDb) {
    let env = setup(db).await;
    let (shop, collector) = (env.actor(Role::Retailer), env.actor(Role::Collector));
    let maker = env.actor(Role::Manufacturer);
    let id = labelled("LEGACY-1");
    let registered = dated(
        &env,
        &maker,
        Kind::Registered,
        id,
        "2012-01-01T00:00:00Z",
        registered_data("LEGACY-1"),
    )
    .await;
    assert_eq!(env.post(&registered).await.0, StatusCode::CREATED);
    let sold = dated(
        &env,
        &shop,
        Kind::PlacedOnMarket,
        id,
        "2015-01-01T00:00:00Z",
        json!({}),
    )
    .await;
    assert_eq!(env.post(&sold).await.0, StatusCode::CREATED);
    let (_, actors_before) = env.get("/v1/actors").await;
    let Env { db, .. } = env;

    // What the migration leaves in a database from before: the columns empty, the work pending.
    let mut conn = tamper::connect(&db.target);
    for statement in [
        "UPDATE products SET last_occurred_at = NULL",
        "UPDATE actors SET registered_seq = NULL, registered_at = NULL, key_history = NULL",
        "INSERT INTO pending_backfills (name) VALUES ('time-rules')",
    ] {
        diesel::sql_query(statement)
            .execute(&mut conn)
            .expect(statement);
    }
    drop(conn);

    let env = empty(db).await;
    // The key histories are back as they were, from the log.
    assert_eq!(env.get("/v1/actors").await.1, actors_before);
    let collected = dated(
        &env,
        &collector,
        Kind::Collected,
        id,
        "2014-01-01T00:00:00Z",
        json!({"channel": "municipal"}),
    )
    .await;
    let body = env
        .refused(
            &collected,
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred-before-previous",
            Some(id),
        )
        .await;
    assert_eq!(
        body["previous_occurred_at"], "2015-01-01T00:00:00.000Z",
        "{body}"
    );
    let early = dated(
        &env,
        &maker,
        Kind::Registered,
        labelled("LEGACY-2"),
        "1999-01-01T00:00:00Z",
        registered_data("LEGACY-2"),
    )
    .await;
    let body = env
        .refused(
            &early,
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred-before-signer",
            None,
        )
        .await;
    assert_eq!(body["registered_at"], "2000-01-01T00:00:00.000Z", "{body}");
    let collected = dated(
        &env,
        &collector,
        Kind::Collected,
        id,
        "2016-01-01T00:00:00Z",
        json!({"channel": "municipal"}),
    )
    .await;
    assert_eq!(env.post(&collected).await.0, StatusCode::CREATED);
}

db_test!(
    async fn a_history_out_of_time_order_is_refused(db: TestDb) {
        out_of_order_history(db).await;
    }
);

db_test!(
    async fn leap_seconds_are_refused(db: TestDb) {
        leap_seconds(db).await;
    }
);

db_test!(
    async fn nothing_is_dated_before_its_signer_was_registered(db: TestDb) {
        before_the_signer(db).await;
    }
);

db_test!(
    async fn the_audit_refuses_an_entry_before_its_products_previous(db: TestDb) {
        audit_before_previous(db).await;
    }
);

db_test!(
    async fn the_audit_refuses_an_entry_before_its_signers_registration(db: TestDb) {
        audit_before_signer(db).await;
    }
);

db_test!(
    async fn an_older_database_is_backfilled_at_start(db: TestDb) {
        backfilled_at_start(db).await;
    }
);
