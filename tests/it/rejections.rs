//! Refusals of malformed submissions (shape, identifiers, codes, signatures, actors): each one
//! with its status, problem `type` and the member that names what was wrong, and each one
//! changing nothing.

use crate::support::{
    db_test, empty, labelled, registered_data, setup, sign_value, Actor, Env, TestDb,
};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};
use uuid::Uuid;

/// Signs `event` with the manufacturer's key and expects a 400 of `code` naming `field`.
async fn expect_400(env: &Env, event: Value, code: &str, field: &str) -> Value {
    let maker = env.actor(Role::Manufacturer);
    let body = env
        .refused(
            &sign_value(event, &maker.key),
            StatusCode::BAD_REQUEST,
            code,
            None,
        )
        .await;
    assert_eq!(body["field"], field, "{body}");
    body
}

db_test!(
    async fn invalid_json_is_refused(db: TestDb) {
        let env = setup(db).await;
        let size = env.log_size().await;
        let (status, body) = env.post_raw(&b"{\"event\": "[..]).await;
        crate::support::assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-json");
        let (status, body) = env.post_raw(&b"\xff\xfe"[..]).await;
        crate::support::assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-json");
        let request = actix_web::test::TestRequest::post()
            .uri("/v1/events/batch")
            .set_payload("[{]");
        let (status, body, _) = env.call(request).await;
        crate::support::assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-json");
        assert_eq!(env.log_size().await, size);
    }
);

db_test!(
    async fn unknown_members_are_refused_at_every_level(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let event = env.registration("UF1").await.to_json();
        let mut envelope = sign_value(event.clone(), &maker.key);
        envelope["extra"] = json!(1);
        let body = env
            .refused(&envelope, StatusCode::BAD_REQUEST, "unknown-field", None)
            .await;
        assert_eq!(body["field"], "extra");

        let mut top = event.clone();
        top["note"] = json!("hi");
        expect_400(&env, top, "unknown-field", "event.note").await;

        let mut in_data = event.clone();
        in_data["data"]["colour"] = json!("green");
        expect_400(&env, in_data, "unknown-field", "event.data.colour").await;

        // A registry event carries no product members.
        let mut city = env
            .draft(&env.admin, Kind::CityRegistered, None, json!({}))
            .await
            .to_json();
        city["product"] = json!(Uuid::new_v4());
        let body = env
            .refused(
                &sign_value(city, &env.admin.key),
                StatusCode::BAD_REQUEST,
                "invalid-field",
                None,
            )
            .await;
        assert_eq!(body["field"], "event.product");
    }
);

db_test!(
    async fn missing_members_are_named(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let event = env.registration("MF1").await.to_json();

        let body = env
            .refused(
                &json!({"event": event.clone()}),
                StatusCode::BAD_REQUEST,
                "missing-field",
                None,
            )
            .await;
        assert_eq!(body["field"], "sig");

        let mut no_weight = event.clone();
        no_weight["data"]
            .as_object_mut()
            .unwrap()
            .remove("weight_g");
        expect_400(&env, no_weight, "missing-field", "event.data.weight_g").await;

        let mut no_serial = event.clone();
        no_serial["data"].as_object_mut().unwrap().remove("serial");
        expect_400(&env, no_serial, "missing-field", "event.data.serial").await;

        let mut no_city = event.clone();
        no_city.as_object_mut().unwrap().remove("city");
        expect_400(&env, no_city, "missing-field", "event.city").await;

        // Every product kind but `registered` needs `prev`.
        let id = env.register("MF2").await;
        let mut no_prev = env
            .draft(&maker, Kind::PlacedOnMarket, Some(id), json!({}))
            .await
            .to_json();
        no_prev.as_object_mut().unwrap().remove("prev");
        let body = env
            .refused(
                &sign_value(no_prev, &maker.key),
                StatusCode::BAD_REQUEST,
                "missing-field",
                Some(id),
            )
            .await;
        assert_eq!(body["field"], "event.prev");
    }
);

db_test!(
    async fn invalid_members_are_named(db: TestDb) {
        let env = setup(db).await;
        let event = env.registration("IF1").await.to_json();
        let broken = |path: &[&str], value: Value| {
            let mut copy = event.clone();
            let mut slot = &mut copy;
            for name in path {
                slot = &mut slot[*name];
            }
            *slot = value;
            copy
        };
        let cases = [
            (
                broken(&["data", "weight_g"], json!(180.5)),
                "event.data.weight_g",
            ),
            (broken(&["data", "brand"], Value::Null), "event.data.brand"),
            (
                broken(&["data", "weight_g"], json!(0)),
                "event.data.weight_g",
            ),
            (broken(&["data", "weight_g"], json!(-3)), "event.data"),
            (
                broken(&["data", "manufactured_on"], json!("2026-13-01")),
                "event.data.manufactured_on",
            ),
            (
                broken(&["data", "serial"], json!("has space")),
                "event.data.serial",
            ),
            (
                broken(&["occurred_at"], json!("2026-01-01T10:00:00")),
                "event.occurred_at",
            ),
            (
                broken(&["occurred_at"], json!("2026-01-01T10:00:00+01:00")),
                "event.occurred_at",
            ),
            (broken(&["kind"], json!("sold")), "event.kind"),
            (broken(&["prev"], json!("00".repeat(32))), "event.prev"),
        ];
        for (event, field) in cases {
            expect_400(&env, event, "invalid-field", field).await;
        }
        let upper = event["id"].as_str().unwrap().to_uppercase();
        expect_400(
            &env,
            broken(&["id"], json!(upper)),
            "invalid-field",
            "event.id",
        )
        .await;
        let upper = event["product"].as_str().unwrap().to_uppercase();
        expect_400(
            &env,
            broken(&["product"], json!(upper)),
            "invalid-field",
            "event.product",
        )
        .await;

        // A signature that is not canonical base64 of 64 bytes.
        let maker = env.actor(Role::Manufacturer);
        let mut envelope = sign_value(event.clone(), &maker.key);
        envelope["sig"] = json!("AAAA");
        let body = env
            .refused(&envelope, StatusCode::BAD_REQUEST, "invalid-field", None)
            .await;
        assert_eq!(body["field"], "sig");
    }
);

db_test!(
    async fn codes_and_identifiers_are_checked(db: TestDb) {
        let env = setup(db).await;
        let mut event = env.registration("ID1").await.to_json();
        event["data"]["gtin"] = json!("09506000134353");
        expect_400(&env, event, "invalid-gtin", "event.data.gtin").await;

        let mut event = env.registration("ID1").await.to_json();
        event["city"] = json!("deber");
        let body = expect_400(&env, event, "invalid-locode", "event.city").await;
        assert_eq!(body["value"], "deber");

        let mut event = env.registration("ID1").await.to_json();
        event["data"]["unu_key"] = json!("9999");
        let body = expect_400(&env, event, "unknown-unu-key", "event.data.unu_key").await;
        assert_eq!(body["value"], "9999");

        let mut event = env.registration("ID1").await.to_json();
        event["product"] = json!(Uuid::new_v4());
        // No `field` for this one: it names both ids instead.
        let maker = env.actor(Role::Manufacturer);
        let body = env
            .refused(
                &sign_value(event.clone(), &maker.key),
                StatusCode::BAD_REQUEST,
                "product-id-mismatch",
                None,
            )
            .await;
        assert_eq!(body["expected"], json!(labelled("ID1")));
        assert_eq!(body["found"], event["product"]);

        // Operations: recycling takes an R-code, disposal a D-code.
        let recycler = env.actor(Role::Recycler);
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("OP1", &collector).await;
        env.hand_over(id, &collector, &recycler).await;
        let body = env
            .reject(
                &recycler,
                Kind::Recycled,
                Some(id),
                json!({"operation": "D1", "fractions": [{"material": "steel", "mass_g": 10}]}),
                StatusCode::BAD_REQUEST,
                "unknown-operation",
            )
            .await;
        assert_eq!(
            (body["field"].as_str(), body["value"].as_str()),
            (Some("event.data.operation"), Some("D1"))
        );
        env.reject(
            &recycler,
            Kind::Disposed,
            Some(id),
            json!({"operation": "R4"}),
            StatusCode::BAD_REQUEST,
            "unknown-operation",
        )
        .await;
        env.reject(
            &recycler,
            Kind::Disposed,
            Some(id),
            json!({"operation": "X9"}),
            StatusCode::BAD_REQUEST,
            "unknown-operation",
        )
        .await;
        let body = env
            .reject(
                &recycler,
                Kind::Exported,
                Some(id),
                json!({"country": "GH", "basel_entry": "B1110", "notification": "N1", "operation": "R4"}),
                StatusCode::BAD_REQUEST,
                "invalid-field",
            )
            .await;
        assert_eq!(body["field"], "event.data.basel_entry");
        assert_eq!(env.state(id).await, "collected");
    }
);

db_test!(
    async fn signatures_must_cover_the_event(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let event = env.registration("SIG1").await.to_json();
        let mut other = event.clone();
        other["data"]["weight_g"] = json!(181);
        let mut envelope = sign_value(event.clone(), &maker.key);
        envelope["sig"] = sign_value(other, &maker.key)["sig"].clone();
        let body = env
            .refused(
                &envelope,
                StatusCode::FORBIDDEN,
                "bad-signature",
                Some(labelled("SIG1")),
            )
            .await;
        assert_eq!(body["actor"], json!(maker.id));
        // Signed by another registered actor's key.
        let envelope = sign_value(event.clone(), &env.actor(Role::Retailer).key);
        env.refused(&envelope, StatusCode::FORBIDDEN, "bad-signature", None)
            .await;
        assert!(env.product(labelled("SIG1")).await.is_none());
    }
);

db_test!(
    async fn unknown_actors_are_refused(db: TestDb) {
        let env = setup(db).await;
        let stranger = Actor::new(77, Role::Manufacturer);
        let id = labelled("UA1");
        let body = env
            .reject(
                &stranger,
                Kind::Registered,
                Some(id),
                registered_data("UA1"),
                StatusCode::FORBIDDEN,
                "unknown-actor",
            )
            .await;
        assert_eq!(
            (body["field"].as_str(), &body["actor"]),
            (Some("event.actor"), &json!(stranger.id))
        );
        // Naming an unknown actor in data is a 422 that names the member.
        let body = env
            .reject(
                &env.admin,
                Kind::ActorRevoked,
                None,
                json!({"actor": stranger.id}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-actor",
            )
            .await;
        assert_eq!(body["field"], "event.data.actor");
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("UA2", &collector).await;
        let body = env
            .reject(
                &collector,
                Kind::HandedOver,
                Some(id),
                json!({"to": stranger.id}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-actor",
            )
            .await;
        assert_eq!(body["field"], "event.data.to");
    }
);

db_test!(
    async fn the_first_event_must_be_the_admin_genesis(db: TestDb) {
        let env = empty(db).await;
        let admin = env.admin.clone();
        // A city before any admin exists.
        env.reject(
            &admin,
            Kind::CityRegistered,
            None,
            json!({"locode": "DEBER", "name": "Berlin", "country": "DE", "population": 1, "population_year": 2023}),
            StatusCode::CONFLICT,
            "genesis-required",
        )
        .await;
        // A self-registration without the admin role.
        let maker = env.actor(Role::Manufacturer);
        env.reject(
            &maker,
            Kind::ActorRegistered,
            None,
            env.actor_data(&maker, Role::Manufacturer),
            StatusCode::CONFLICT,
            "genesis-required",
        )
        .await;
        // An admin registered by someone else (not a self-registration).
        env.reject(
            &maker,
            Kind::ActorRegistered,
            None,
            env.actor_data(&admin, Role::Admin),
            StatusCode::CONFLICT,
            "genesis-required",
        )
        .await;
        // A self-registration signed by a key other than the one it registers.
        let mut data = env.actor_data(&admin, Role::Admin);
        data["public_key"] = json!(maker.public_key());
        env.reject(
            &admin,
            Kind::ActorRegistered,
            None,
            data,
            StatusCode::FORBIDDEN,
            "bad-signature",
        )
        .await;
        assert_eq!(env.log_size().await, 0);
        let receipt = env
            .ok(
                &admin,
                Kind::ActorRegistered,
                None,
                env.actor_data(&admin, Role::Admin),
            )
            .await;
        assert_eq!(receipt["seq"], 0);
        // After the genesis, a second self-registration is just an unknown actor.
        env.reject(
            &maker,
            Kind::ActorRegistered,
            None,
            env.actor_data(&maker, Role::Manufacturer),
            StatusCode::FORBIDDEN,
            "unknown-actor",
        )
        .await;
    }
);

db_test!(
    async fn events_from_the_future_are_refused(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let id = labelled("FUT1");
        let mut draft = env
            .draft(&maker, Kind::Registered, Some(id), registered_data("FUT1"))
            .await;
        draft.occurred_at = ewaste_ledger::domain::event::format_timestamp(
            chrono::Utc::now() + chrono::Duration::hours(1),
        );
        let body = env
            .refused(
                &draft.sign(&maker.key).unwrap(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "event-from-future",
                Some(id),
            )
            .await;
        assert_eq!(body["skew_seconds"], 300);
        assert_eq!(body["occurred_at"], draft.occurred_at);
        // Within the allowed skew is fine.
        draft.occurred_at = ewaste_ledger::domain::event::format_timestamp(
            chrono::Utc::now() + chrono::Duration::minutes(2),
        );
        assert_eq!(
            env.post(&draft.sign(&maker.key).unwrap()).await.0,
            StatusCode::CREATED
        );
    }
);
