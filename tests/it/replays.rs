//! Concurrency and idempotency: a stale `prev` names the current head, an identical
//! resubmission answers the original receipt, and duplicates of ids, products, actors and
//! cities are conflicts that change nothing (docs/ledger-format.md §1).

use crate::support::{db_test, labelled, registered_data, setup, TestDb, CITY};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;

db_test!(
    async fn stale_prev_names_the_current_head(db: TestDb) {
        let env = setup(db).await;
        let (retailer, repairer) = (env.actor(Role::Retailer), env.actor(Role::Repairer));
        let id = env.in_use("S1").await;
        // Two clients read the same head; the first to record wins.
        let first = env
            .draft(&repairer, Kind::Repaired, Some(id), json!({}))
            .await;
        let second = env
            .draft(&retailer, Kind::Resold, Some(id), json!({}))
            .await;
        let (status, receipt) = env.post(&first.sign(&repairer.key).unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        let body = env
            .refused(
                &second.sign(&retailer.key).unwrap(),
                StatusCode::CONFLICT,
                "stale-prev",
                Some(id),
            )
            .await;
        assert_eq!(body["head"], receipt["leaf_hash"]);
        assert_eq!(body["head_seq"], receipt["seq"]);
        assert_eq!(body["found"], second.prev.unwrap().to_hex());
        assert_eq!(body["product"], json!(id));
        // A `prev` that was never a head of this product is just as stale.
        let mut wrong = env
            .draft(&retailer, Kind::Resold, Some(id), json!({}))
            .await;
        wrong.prev = Some(Hash32::sha256(b"made up"));
        env.refused(
            &wrong.sign(&retailer.key).unwrap(),
            StatusCode::CONFLICT,
            "stale-prev",
            Some(id),
        )
        .await;
        // Re-read and retry works.
        env.ok(&retailer, Kind::Resold, Some(id), json!({})).await;
    }
);

db_test!(
    async fn duplicates_replays_and_event_id_conflicts(db: TestDb) {
        let env = setup(db).await;
        let maker = env.actor(Role::Manufacturer);
        let id = labelled("D1");
        let draft = env
            .draft(&maker, Kind::Registered, Some(id), registered_data("D1"))
            .await;
        let envelope = draft.sign(&maker.key).unwrap();
        let (status, first) = env.post(&envelope).await;
        assert_eq!(status, StatusCode::CREATED);
        let size = env.log_size().await;

        // The identical signed event again: the original receipt, 200, nothing new.
        let (status, replay) = env.post(&envelope).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replay, first);
        assert_eq!(env.log_size().await, size);

        // Same id, different content.
        let mut other = draft.clone();
        other.data["weight_g"] = json!(200);
        let body = env
            .refused(
                &other.sign(&maker.key).unwrap(),
                StatusCode::CONFLICT,
                "duplicate-event-id",
                Some(id),
            )
            .await;
        assert_eq!(
            (&body["id"], &body["seq"]),
            (&json!(draft.id), &first["seq"])
        );

        // Same product, new event id.
        let body = env
            .reject(
                &maker,
                Kind::Registered,
                Some(id),
                registered_data("D1"),
                StatusCode::CONFLICT,
                "duplicate-product",
            )
            .await;
        assert_eq!(body["product"], json!(id));

        // The replay still answers after the product moved on.
        env.ok(
            &env.actor(Role::Retailer),
            Kind::PlacedOnMarket,
            Some(id),
            json!({}),
        )
        .await;
        let (status, replay) = env.post(&envelope).await;
        assert_eq!((status, replay), (StatusCode::OK, first));

        let retailer = env.actor(Role::Retailer);
        let body = env
            .reject(
                &env.admin,
                Kind::ActorRegistered,
                None,
                env.actor_data(&retailer, Role::Retailer),
                StatusCode::CONFLICT,
                "duplicate-actor",
            )
            .await;
        assert_eq!(body["actor"], json!(retailer.id));
        let body = env
            .reject(&env.admin, Kind::CityRegistered, None,
                    json!({"locode": CITY, "name": "Berlin", "country": "DE", "population": 1, "population_year": 2024}),
                    StatusCode::CONFLICT, "duplicate-city")
            .await;
        assert_eq!(body["locode"], CITY);
    }
);
