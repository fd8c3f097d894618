//! Happy paths: every product kind and every registry kind accepted, with the product's state,
//! custodian and masses checked after each step (docs/lifecycle.md).

use crate::support::{db_test, labelled, setup, Actor, Env, TestDb, CITY, GTIN};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;
use uuid::Uuid;

async fn expect_state(env: &Env, id: Uuid, state: &str, custodian: Option<&Actor>) {
    let product = env.product(id).await.expect("product exists");
    assert_eq!(product["state"], state, "{product}");
    match custodian {
        Some(actor) => assert_eq!(product["custodian"], json!(actor.id), "{product}"),
        None => assert!(product.get("custodian").is_none(), "{product}"),
    }
}

db_test!(
    async fn registered_to_recycled_with_fractions(db: TestDb) {
        let env = setup(db).await;
        let (maker, retailer, repairer) = (
            env.actor(Role::Manufacturer),
            env.actor(Role::Retailer),
            env.actor(Role::Repairer),
        );
        let (collector, recycler) = (env.actor(Role::Collector), env.actor(Role::Recycler));
        let id = labelled("ABC123");
        let first = env
            .ok(
                &maker,
                Kind::Registered,
                Some(id),
                crate::support::registered_data("ABC123"),
            )
            .await;
        let product = env.product(id).await.expect("registered");
        assert_eq!(product["state"], "manufactured");
        assert_eq!(product["gtin"], GTIN);
        assert_eq!(product["serial"], "ABC123");
        assert_eq!(product["weight_g"], 180);
        assert_eq!(
            product["uri"],
            format!("http://ledger.test/01/{GTIN}/21/ABC123")
        );
        assert_eq!(product["head"]["leaf_hash"], first["leaf_hash"]);
        assert_eq!(product["head"]["seq"], first["seq"]);

        env.ok(&retailer, Kind::PlacedOnMarket, Some(id), json!({}))
            .await;
        expect_state(&env, id, "in_use", None).await;
        env.ok(
            &repairer,
            Kind::Repaired,
            Some(id),
            json!({"description": "new screen", "parts_replaced": ["display"]}),
        )
        .await;
        expect_state(&env, id, "in_use", None).await;
        env.ok(
            &collector,
            Kind::Collected,
            Some(id),
            json!({"channel": "municipal", "weight_g": 175}),
        )
        .await;
        expect_state(&env, id, "collected", Some(&collector)).await;
        env.hand_over(id, &collector, &recycler).await;
        expect_state(&env, id, "collected", Some(&recycler)).await;
        env.ok(
            &recycler,
            Kind::Depolluted,
            Some(id),
            json!({"components": [{"component": "battery", "mass_g": 40}]}),
        )
        .await;
        let product = env.product(id).await.unwrap();
        assert_eq!(product["measured_weight_g"], 175);
        assert_eq!(product["removed_g"], 40);
        // 175 g measured - 40 g removed = 135 g left: exactly that much may come out.
        let last = env
            .ok(
                &recycler,
                Kind::Recycled,
                Some(id),
                json!({"operation": "R4", "fractions": [
                    {"material": "copper", "mass_g": 35}, {"material": "plastics", "mass_g": 100}]}),
            )
            .await;
        expect_state(&env, id, "recycled", Some(&recycler)).await;
        let (status, events) = env.get(&format!("/v1/products/{id}/events")).await;
        assert_eq!(status, StatusCode::OK);
        let kinds: Vec<_> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["kind"].clone())
            .collect();
        assert_eq!(
            kinds,
            [
                "registered",
                "placed_on_market",
                "repaired",
                "collected",
                "handed_over",
                "received",
                "depolluted",
                "recycled"
            ]
        );
        assert_eq!(events[7]["leaf_hash"], last["leaf_hash"]);
    }
);

db_test!(
    async fn collected_prepared_for_reuse_and_resold(db: TestDb) {
        let env = setup(db).await;
        let (collector, repairer) = (env.actor(Role::Collector), env.actor(Role::Repairer));
        let id = env.collected_by("REUSE1", &collector).await;
        env.hand_over(id, &collector, &repairer).await;
        expect_state(&env, id, "collected", Some(&repairer)).await;
        env.ok(
            &repairer,
            Kind::PreparedForReuse,
            Some(id),
            json!({"grade": "A", "weight_g": 170}),
        )
        .await;
        expect_state(&env, id, "reuse_ready", Some(&repairer)).await;
        env.ok(&repairer, Kind::Resold, Some(id), json!({})).await;
        // Resold from reuse_ready ends the waste status: in use again, nobody's custody.
        expect_state(&env, id, "in_use", None).await;
        // ...and it can be used, repaired and collected again.
        env.ok(&repairer, Kind::Repaired, Some(id), json!({})).await;
        env.ok(&collector, Kind::Collected, Some(id), json!({}))
            .await;
        expect_state(&env, id, "collected", Some(&collector)).await;
    }
);

db_test!(
    async fn collected_then_disposed(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("DISP1", &collector).await;
        env.ok(
            &collector,
            Kind::Disposed,
            Some(id),
            json!({"operation": "D10"}),
        )
        .await;
        expect_state(&env, id, "disposed", Some(&collector)).await;
    }
);

db_test!(
    async fn collected_then_exported(db: TestDb) {
        let env = setup(db).await;
        let (collector, recycler) = (env.actor(Role::Collector), env.actor(Role::Recycler));
        let id = env.collected_by("EXP1", &collector).await;
        env.hand_over(id, &collector, &recycler).await;
        env.ok(
            &recycler,
            Kind::Exported,
            Some(id),
            json!({"country": "GH", "basel_entry": "A1181", "notification": "DE-2026-0001", "operation": "R4"}),
        )
        .await;
        expect_state(&env, id, "exported", Some(&recycler)).await;
    }
);

db_test!(
    async fn unlabelled_intake_by_collector(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = Uuid::new_v4();
        env.ok(
            &collector,
            Kind::Registered,
            Some(id),
            json!({"unu_key": "0302", "weight_g": 9000, "intake": true}),
        )
        .await;
        let product = env.product(id).await.expect("registered at intake");
        assert_eq!(product["state"], "manufactured");
        assert!(
            product.get("gtin").is_none() && product.get("serial").is_none(),
            "{product}"
        );
        assert_eq!(product["uri"], format!("http://ledger.test/p/{id}"));
        assert_eq!(product["eu6_category"], 6);
        // Collected straight from `manufactured` (never sold), then disposed.
        env.ok(
            &collector,
            Kind::Collected,
            Some(id),
            json!({"channel": "other"}),
        )
        .await;
        env.ok(
            &collector,
            Kind::Disposed,
            Some(id),
            json!({"operation": "D1"}),
        )
        .await;
        expect_state(&env, id, "disposed", Some(&collector)).await;
        // Intake cannot claim a labelled product: its id is the manufacturer's to register.
        let mut data = crate::support::registered_data("INTAKE1");
        data["intake"] = json!(true);
        let body = env
            .reject(
                &collector,
                Kind::Registered,
                Some(labelled("INTAKE1")),
                data,
                StatusCode::BAD_REQUEST,
                "invalid-field",
            )
            .await;
        assert_eq!(body["field"], "event.data.intake");
        env.register("INTAKE1").await;
    }
);

db_test!(
    async fn resold_from_in_use_by_retailer(db: TestDb) {
        let env = setup(db).await;
        let retailer = env.actor(Role::Retailer);
        let maker = env.actor(Role::Manufacturer);
        let id = env.register("RESALE1").await;
        // The manufacturer may record the first sale too.
        env.ok(&maker, Kind::PlacedOnMarket, Some(id), json!({}))
            .await;
        env.ok(&retailer, Kind::Resold, Some(id), json!({})).await;
        expect_state(&env, id, "in_use", None).await;
        // A retailer takes it back, hands it to the collector.
        let collector = env.actor(Role::Collector);
        env.ok(
            &retailer,
            Kind::Collected,
            Some(id),
            json!({"channel": "retail_take_back"}),
        )
        .await;
        expect_state(&env, id, "collected", Some(&retailer)).await;
        env.hand_over(id, &retailer, &collector).await;
        expect_state(&env, id, "collected", Some(&collector)).await;
    }
);

db_test!(
    async fn pom_baseline_is_logged_without_a_product(db: TestDb) {
        let env = setup(db).await;
        let size = env.log_size().await;
        let receipt = env
            .ok(
                &env.admin,
                Kind::PomBaseline,
                None,
                json!({"locode": CITY, "year": 2022, "unu_key": "0306", "mass_g": 1_250_000}),
            )
            .await;
        assert_eq!(receipt["seq"], size);
        assert_eq!(env.log_size().await, size + 1);
    }
);

db_test!(
    async fn key_rotation_refuses_the_old_key(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let mut rotated = maker.clone();
        rotated.key = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
        env.ok(
            &env.admin,
            Kind::ActorKeyRotated,
            None,
            json!({"actor": maker.id, "public_key": rotated.public_key()}),
        )
        .await;
        let (status, actor) = env.get(&format!("/v1/actors/{}", maker.id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(actor["public_key"], rotated.public_key());

        let id = labelled("ROT1");
        let data = crate::support::registered_data("ROT1");
        let body = env
            .reject(
                &maker,
                Kind::Registered,
                Some(id),
                data.clone(),
                StatusCode::FORBIDDEN,
                "bad-signature",
            )
            .await;
        assert_eq!(body["actor"], json!(maker.id));
        env.ok(&rotated, Kind::Registered, Some(id), data).await;
        // Rotating to the key it already has is refused.
        env.reject(
            &env.admin,
            Kind::ActorKeyRotated,
            None,
            json!({"actor": maker.id, "public_key": rotated.public_key()}),
            StatusCode::BAD_REQUEST,
            "invalid-field",
        )
        .await;
    }
);

db_test!(
    async fn revoked_actor_is_refused(db: TestDb) {
        let env = setup(db).await;
        let retailer = env.actor(Role::Retailer);
        let id = env.register("REV1").await;
        let collector = env.actor(Role::Collector);
        let collected = env.collected_by("REV2", &collector).await;
        env.ok(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": retailer.id, "reason": "device lost"}),
        )
        .await;
        let (_, view) = env.get(&format!("/v1/actors/{}", retailer.id)).await;
        assert_eq!(view["revoked"], true);
        let body = env
            .reject(
                &retailer,
                Kind::PlacedOnMarket,
                Some(id),
                json!({}),
                StatusCode::FORBIDDEN,
                "actor-revoked",
            )
            .await;
        assert_eq!(body["actor"], json!(retailer.id));
        // Revoking again names the same problem; custody cannot go to a revoked actor either.
        env.reject(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": retailer.id}),
            StatusCode::FORBIDDEN,
            "actor-revoked",
        )
        .await;
        env.reject(
            &collector,
            Kind::HandedOver,
            Some(collected),
            json!({"to": retailer.id}),
            StatusCode::FORBIDDEN,
            "actor-revoked",
        )
        .await;
    }
);

db_test!(
    async fn the_last_admin_cannot_be_revoked(db: TestDb) {
        let env = setup(db).await;
        let admin = env.admin.clone();
        let body = env
            .reject(
                &admin,
                Kind::ActorRevoked,
                None,
                json!({"actor": admin.id}),
                StatusCode::CONFLICT,
                "last-admin",
            )
            .await;
        assert_eq!(body["actor"], json!(admin.id));
        // With a second admin, the first may go; then it can no longer sign.
        let second = Actor::new(2, Role::Admin);
        env.ok(
            &admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&second, Role::Admin),
        )
        .await;
        env.ok(
            &second,
            Kind::ActorRevoked,
            None,
            json!({"actor": admin.id}),
        )
        .await;
        env.reject(
            &admin,
            Kind::CityRegistered,
            None,
            json!({"locode": "KENBO", "name": "Nairobi", "country": "KE", "population": 4_397_073, "population_year": 2019}),
            StatusCode::FORBIDDEN,
            "actor-revoked",
        )
        .await;
        env.reject(
            &second,
            Kind::ActorRevoked,
            None,
            json!({"actor": second.id}),
            StatusCode::CONFLICT,
            "last-admin",
        )
        .await;
    }
);

db_test!(
    async fn reuse_ready_products_can_be_treated_by_a_multi_role_custodian(db: TestDb) {
        let env = setup(db).await;
        // Custody cannot be handed over out of reuse_ready, so treatment from there needs a
        // custodian that both prepares (repairer) and treats (recycler, collector).
        let workshop = Actor::new(60, Role::Repairer);
        let mut data = env.actor_data(&workshop, Role::Repairer);
        data["roles"] = json!(["repairer", "recycler", "collector"]);
        env.ok(&env.admin, Kind::ActorRegistered, None, data).await;
        let treatments = [
            (
                Kind::Recycled,
                json!({"operation": "R4", "fractions": [{"material": "steel", "mass_g": 90}]}),
                "recycled",
            ),
            (Kind::Disposed, json!({"operation": "D10"}), "disposed"),
            (
                Kind::Exported,
                json!({"country": "GH", "basel_entry": "A1181", "notification": "N-2", "operation": "R4"}),
                "exported",
            ),
        ];
        for (i, (kind, data, state)) in treatments.into_iter().enumerate() {
            let id = env.collected_by(&format!("RR{i}"), &workshop).await;
            env.ok(
                &workshop,
                Kind::PreparedForReuse,
                Some(id),
                json!({"grade": "B"}),
            )
            .await;
            expect_state(&env, id, "reuse_ready", Some(&workshop)).await;
            env.ok(&workshop, kind, Some(id), data).await;
            expect_state(&env, id, state, Some(&workshop)).await;
        }
    }
);
