//! Refusals that depend on the ledger's state: the state machine, custody, `prev`, duplicates,
//! replays and masses. Each names the specifics and changes nothing.

use crate::support::{db_test, labelled, registered_data, setup, Env, TestDb};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};
use uuid::Uuid;

/// A product in `state` (manufactured, in_use, collected with the collector as custodian,
/// reuse_ready with the repairer as custodian).
async fn product_in(env: &Env, state: &str, serial: &str) -> Uuid {
    let collector = env.actor(Role::Collector);
    match state {
        "manufactured" => env.register(serial).await,
        "in_use" => env.in_use(serial).await,
        "collected" => env.collected_by(serial, &collector).await,
        "reuse_ready" => {
            let repairer = env.actor(Role::Repairer);
            let id = env.collected_by(serial, &collector).await;
            env.hand_over(id, &collector, &repairer).await;
            env.ok(&repairer, Kind::PreparedForReuse, Some(id), json!({}))
                .await;
            id
        }
        other => panic!("no fixture for {other}"),
    }
}

db_test!(
    async fn illegal_transitions_name_both_states(db: TestDb) {
        let env = setup(db).await;
        // (kind, signer, state the product is in, data, states the kind needs)
        let cases: [(Kind, Role, &str, Value, &[&str]); 9] = [
            (
                Kind::PlacedOnMarket,
                Role::Retailer,
                "in_use",
                json!({}),
                &["manufactured"],
            ),
            (
                Kind::Resold,
                Role::Retailer,
                "manufactured",
                json!({}),
                &["in_use", "reuse_ready"],
            ),
            (
                Kind::Repaired,
                Role::Repairer,
                "manufactured",
                json!({}),
                &["in_use"],
            ),
            (
                Kind::Repaired,
                Role::Repairer,
                "collected",
                json!({}),
                &["in_use"],
            ),
            (
                Kind::Collected,
                Role::Collector,
                "collected",
                json!({}),
                &["manufactured", "in_use"],
            ),
            (
                Kind::HandedOver,
                Role::Collector,
                "in_use",
                json!({"to": Uuid::nil()}),
                &["collected"],
            ),
            (
                Kind::PreparedForReuse,
                Role::Repairer,
                "in_use",
                json!({}),
                &["collected"],
            ),
            (
                Kind::Depolluted,
                Role::Recycler,
                "manufactured",
                json!({"components": [{"component": "battery", "mass_g": 1}]}),
                &["collected"],
            ),
            (
                Kind::Recycled,
                Role::Recycler,
                "in_use",
                json!({"operation": "R4", "fractions": [{"material": "steel", "mass_g": 1}]}),
                &["collected", "reuse_ready"],
            ),
        ];
        for (i, (kind, role, state, data, allowed)) in cases.into_iter().enumerate() {
            let id = product_in(&env, state, &format!("IT{i}")).await;
            let body = env
                .reject(
                    &env.actor(role),
                    kind,
                    Some(id),
                    data,
                    StatusCode::CONFLICT,
                    "illegal-transition",
                )
                .await;
            assert_eq!(body["state"], state, "{body}");
            assert_eq!(body["allowed_from"], json!(allowed), "{body}");
            assert_eq!(body["kind"], kind.as_str());
            assert_eq!(body["product"], json!(id));
        }
        // Treatment of a product that was never collected.
        let recycler = env.actor(Role::Recycler);
        for (kind, data) in [
            (Kind::Disposed, json!({"operation": "D1"})),
            (
                Kind::Exported,
                json!({"country": "GH", "basel_entry": "Y49", "notification": "N", "operation": "D1"}),
            ),
        ] {
            let id = product_in(&env, "manufactured", &format!("ITX-{}", kind.as_str())).await;
            let body = env
                .reject(
                    &recycler,
                    kind,
                    Some(id),
                    data,
                    StatusCode::CONFLICT,
                    "illegal-transition",
                )
                .await;
            assert_eq!(body["allowed_from"], json!(["collected", "reuse_ready"]));
        }
    }
);

db_test!(
    async fn terminal_states_accept_nothing(db: TestDb) {
        let env = setup(db).await;
        let (collector, recycler) = (env.actor(Role::Collector), env.actor(Role::Recycler));
        let recycled = env.collected_by("T1", &collector).await;
        env.hand_over(recycled, &collector, &recycler).await;
        env.ok(
            &recycler,
            Kind::Recycled,
            Some(recycled),
            json!({"operation": "R4", "fractions": [{"material": "glass", "mass_g": 100}]}),
        )
        .await;
        let disposed = env.collected_by("T2", &collector).await;
        env.ok(
            &collector,
            Kind::Disposed,
            Some(disposed),
            json!({"operation": "D1"}),
        )
        .await;
        let exported = env.collected_by("T3", &collector).await;
        env.ok(&collector, Kind::Exported, Some(exported),
               json!({"country": "NG", "basel_entry": "Y49", "notification": "N-1", "operation": "R4"})).await;
        for (id, state) in [
            (recycled, "recycled"),
            (disposed, "disposed"),
            (exported, "exported"),
        ] {
            for (actor, kind, data) in [
                (&collector, Kind::Collected, json!({})),
                (&collector, Kind::Disposed, json!({"operation": "D1"})),
                (
                    &recycler,
                    Kind::Recycled,
                    json!({"operation": "R4", "fractions": [{"material": "x", "mass_g": 1}]}),
                ),
            ] {
                let body = env
                    .reject(
                        actor,
                        kind,
                        Some(id),
                        data,
                        StatusCode::CONFLICT,
                        "terminal-state",
                    )
                    .await;
                assert_eq!(
                    (&body["state"], &body["product"]),
                    (&json!(state), &json!(id))
                );
            }
        }
    }
);

db_test!(
    async fn custody_events_need_the_custodian(db: TestDb) {
        let env = setup(db).await;
        let (collector, recycler, repairer) = (
            env.actor(Role::Collector),
            env.actor(Role::Recycler),
            env.actor(Role::Repairer),
        );
        let id = env.collected_by("C1", &collector).await;
        for (actor, kind, data) in [
            (
                &recycler,
                Kind::Depolluted,
                json!({"components": [{"component": "battery", "mass_g": 5}]}),
            ),
            (
                &recycler,
                Kind::Recycled,
                json!({"operation": "R4", "fractions": [{"material": "x", "mass_g": 1}]}),
            ),
            (&recycler, Kind::Disposed, json!({"operation": "D1"})),
            (
                &recycler,
                Kind::Exported,
                json!({"country": "GH", "basel_entry": "Y49", "notification": "N", "operation": "R4"}),
            ),
            (&recycler, Kind::HandedOver, json!({"to": repairer.id})),
            (&repairer, Kind::PreparedForReuse, json!({})),
        ] {
            let body = env
                .reject(
                    actor,
                    kind,
                    Some(id),
                    data,
                    StatusCode::FORBIDDEN,
                    "not-custodian",
                )
                .await;
            assert_eq!(body["custodian"], json!(collector.id), "{body}");
            assert_eq!(body["actor"], json!(actor.id));
        }
        // Custody moves with the hand-over: the former custodian is refused afterwards.
        env.hand_over(id, &collector, &recycler).await;
        let body = env
            .reject(
                &collector,
                Kind::Disposed,
                Some(id),
                json!({"operation": "D1"}),
                StatusCode::FORBIDDEN,
                "not-custodian",
            )
            .await;
        assert_eq!(body["custodian"], json!(recycler.id));
        // Custody goes only to someone who can hold waste, never to oneself.
        for to in [
            recycler.id,
            env.actor(Role::Manufacturer).id,
            env.actor(Role::Regulator).id,
            env.admin.id,
        ] {
            let body = env
                .reject(
                    &recycler,
                    Kind::HandedOver,
                    Some(id),
                    json!({"to": to}),
                    StatusCode::BAD_REQUEST,
                    "invalid-field",
                )
                .await;
            assert_eq!(body["field"], "event.data.to");
        }
    }
);

db_test!(
    async fn unknown_products_and_cities(db: TestDb) {
        let env = setup(db).await;
        let retailer = env.actor(Role::Retailer);
        let ghost = labelled("GHOST");
        let body = env
            .reject(
                &retailer,
                Kind::PlacedOnMarket,
                Some(ghost),
                json!({}),
                StatusCode::NOT_FOUND,
                "unknown-product",
            )
            .await;
        assert_eq!(body["product"], json!(ghost));

        let maker = env.actor(Role::Manufacturer);
        let id = labelled("CITY1");
        let mut draft = env
            .draft(&maker, Kind::Registered, Some(id), registered_data("CITY1"))
            .await;
        draft.city = Some("FRPAR".into());
        let body = env
            .refused(
                &draft.sign(&maker.key).unwrap(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-city",
                Some(id),
            )
            .await;
        assert_eq!(
            (body["field"].as_str(), body["locode"].as_str()),
            (Some("event.city"), Some("FRPAR"))
        );
        assert!(env.product(id).await.is_none());

        let body = env
            .reject(
                &env.admin,
                Kind::PomBaseline,
                None,
                json!({"locode": "FRPAR", "year": 2022, "unu_key": "0306", "mass_g": 1}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-city",
            )
            .await;
        assert_eq!(body["field"], "event.data.locode");
    }
);

db_test!(
    async fn outputs_never_outweigh_the_input(db: TestDb) {
        let env = setup(db).await;
        let (collector, recycler, repairer) = (
            env.actor(Role::Collector),
            env.actor(Role::Recycler),
            env.actor(Role::Repairer),
        );
        // Declared 180 g, nothing measured.
        let id = env.collected_by("M1", &collector).await;
        env.hand_over(id, &collector, &recycler).await;
        let fractions = |a: u64, b: u64| {
            json!({"operation": "R4", "fractions": [
            {"material": "copper", "mass_g": a}, {"material": "plastics", "mass_g": b}]})
        };
        let body = env
            .reject(
                &recycler,
                Kind::Recycled,
                Some(id),
                fractions(100, 81),
                StatusCode::UNPROCESSABLE_ENTITY,
                "mass-exceeds-input",
            )
            .await;
        assert_eq!(
            (body["total_g"].as_u64(), body["available_g"].as_u64()),
            (Some(181), Some(180))
        );
        assert_eq!(body["field"], "event.data.fractions");
        let body = env
            .reject(
                &recycler,
                Kind::Depolluted,
                Some(id),
                json!({"components": [{"component": "battery", "mass_g": 181}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "mass-exceeds-input",
            )
            .await;
        assert_eq!(body["field"], "event.data.components");
        // After removing 50 g, 130 g are left.
        env.ok(
            &recycler,
            Kind::Depolluted,
            Some(id),
            json!({"components": [{"component": "battery", "mass_g": 50}]}),
        )
        .await;
        let body = env
            .reject(
                &recycler,
                Kind::Recycled,
                Some(id),
                fractions(100, 31),
                StatusCode::UNPROCESSABLE_ENTITY,
                "mass-exceeds-input",
            )
            .await;
        assert_eq!(body["available_g"], 130);
        env.ok(&recycler, Kind::Recycled, Some(id), fractions(100, 30))
            .await;

        // A measured weight at collection replaces the declared one.
        let id = env.in_use("M2").await;
        env.ok(
            &collector,
            Kind::Collected,
            Some(id),
            json!({"weight_g": 150}),
        )
        .await;
        env.hand_over(id, &collector, &repairer).await;
        let body = env
            .reject(
                &repairer,
                Kind::PreparedForReuse,
                Some(id),
                json!({"weight_g": 151}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "mass-exceeds-input",
            )
            .await;
        assert_eq!(body["available_g"], 150);
        env.ok(
            &repairer,
            Kind::PreparedForReuse,
            Some(id),
            json!({"weight_g": 150}),
        )
        .await;
    }
);

db_test!(
    /// A hand-over takes two entries (docs/lifecycle.md): while the product is in transit the
    /// sender stays custodian and nothing but the receiver's answer is accepted; a refused
    /// receipt leaves it with the sender, a receipt makes the receiver custodian.
    async fn a_product_in_transit_accepts_only_its_receivers_answer(db: TestDb) {
        let env = setup(db).await;
        let (collector, recycler, shop) = (
            env.actor(Role::Collector),
            env.actor(Role::Recycler),
            env.actor(Role::Retailer),
        );
        let id = env.collected_by("TRANSIT-1", &collector).await;
        let sent = env
            .ok(
                &collector,
                Kind::HandedOver,
                Some(id),
                json!({"to": recycler.id}),
            )
            .await;
        let product = env.product(id).await.expect("product");
        assert_eq!(
            product["custodian"],
            json!(collector.id),
            "the sender still holds it"
        );

        for (kind, data) in [
            (Kind::Disposed, json!({"operation": "D1"})),
            (Kind::HandedOver, json!({"to": shop.id})),
        ] {
            let body = env
                .reject(
                    &collector,
                    kind,
                    Some(id),
                    data,
                    StatusCode::CONFLICT,
                    "in-transit",
                )
                .await;
            assert_eq!(body["to"], json!(recycler.id), "{body}");
            assert_eq!(body["since_seq"], sent["seq"], "{body}");
        }
        let body = env
            .reject(
                &shop,
                Kind::Received,
                Some(id),
                json!({}),
                StatusCode::FORBIDDEN,
                "not-receiver",
            )
            .await;
        assert_eq!(
            (&body["actor"], &body["to"]),
            (&json!(shop.id), &json!(recycler.id)),
            "{body}"
        );

        // Refused: back with the sender, who may hand it over again.
        env.ok(
            &recycler,
            Kind::ReceiptRefused,
            Some(id),
            json!({"reason": "not announced"}),
        )
        .await;
        let product = env.product(id).await.expect("product");
        assert_eq!(
            (product["state"].as_str(), &product["custodian"]),
            (Some("collected"), &json!(collector.id))
        );
        env.reject(
            &recycler,
            Kind::Received,
            Some(id),
            json!({}),
            StatusCode::CONFLICT,
            "not-in-transit",
        )
        .await;

        env.ok(
            &collector,
            Kind::HandedOver,
            Some(id),
            json!({"to": recycler.id}),
        )
        .await;
        env.ok(
            &recycler,
            Kind::Received,
            Some(id),
            json!({"weight_g": 178, "discrepancy": "no charger"}),
        )
        .await;
        let product = env.product(id).await.expect("product");
        assert_eq!(
            product["custodian"],
            json!(recycler.id),
            "the receiver holds it now"
        );
        env.ok(
            &recycler,
            Kind::Depolluted,
            Some(id),
            json!({"components": [{"component": "battery:li-ion", "mass_g": 40}]}),
        )
        .await;
    }
);
