//! The read API (actors, cities, products, health, unknown routes) and the batch endpoint.

use crate::support::{
    assert_problem, db_test, labelled, registered_data, setup, TestDb, CITY, GTIN, ROLES,
};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;
use uuid::Uuid;

db_test!(
    async fn actors_and_cities_are_listed(db: TestDb) {
        let backend = db.backend();
        let env = setup(db).await;
        let (status, health) = env.get("/healthz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (health["status"].as_str(), health["backend"].as_str()),
            (Some("ok"), Some(backend))
        );
        assert_eq!(health["log_size"], 2 + ROLES.len());

        let (status, actors) = env.get("/v1/actors").await;
        assert_eq!(status, StatusCode::OK);
        let actors = actors.as_array().expect("an array of actors");
        assert_eq!(actors.len(), 1 + ROLES.len());
        for actor in env.actors.iter().chain([&env.admin]) {
            let view = actors
                .iter()
                .find(|a| a["id"] == json!(actor.id))
                .unwrap_or_else(|| panic!("{} is listed", actor.role));
            assert_eq!(view["roles"], json!([actor.role]));
            assert_eq!(view["public_key"], actor.public_key());
            assert_eq!(
                (view["city"].as_str(), &view["revoked"]),
                (Some(CITY), &json!(false))
            );
            assert!(view["org"].is_string() && view["name"].is_string());
            let (status, one) = env.get(&format!("/v1/actors/{}", actor.id)).await;
            assert_eq!((status, &one), (StatusCode::OK, view));
        }

        let (status, body) = env.get(&format!("/v1/actors/{}", Uuid::new_v4())).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body) = env.get("/v1/actors/not-a-uuid").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-actor-id");

        let (status, cities) = env.get("/v1/cities").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            cities,
            json!([{"locode": CITY, "name": "Berlin", "country": "DE", "population": 3_755_251, "population_year": 2023}])
        );
    }
);

db_test!(
    async fn products_are_found_by_uuid_and_digital_link(db: TestDb) {
        let env = setup(db).await;
        let id = env.register("ABC123").await;
        let (status, by_id) = env.get(&format!("/v1/products/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(by_id["id"], json!(id));
        assert_eq!(by_id["unu_key"], "0306");
        assert_eq!(by_id["hazards"], json!(["battery:li-ion"]));
        assert_eq!(
            (by_id["brand"].as_str(), by_id["model"].as_str()),
            (Some("Fairphone"), Some("FP5"))
        );
        let link = format!("%2F01%2F{GTIN}%2F21%2FABC123");
        let (status, by_link) = env.get(&format!("/v1/products/{link}")).await;
        assert_eq!((status, &by_link), (StatusCode::OK, &by_id));

        let (status, body) = env.get(&format!("/v1/products/{}", labelled("NOPE"))).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body) = env
            .get(&format!("/v1/products/{}/events", labelled("NOPE")))
            .await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body) = env.get("/v1/products/garbage").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-product-id");
    }
);

db_test!(
    async fn unknown_routes_are_problems(db: TestDb) {
        let env = setup(db).await;
        for request in [
            TestRequest::get().uri("/v1/nothing-here"),
            TestRequest::delete().uri("/v1/events"),
            // `/` is the home page now (tests/it/pages.rs); a path next to it is not.
            TestRequest::get().uri("/no-such-page"),
            TestRequest::post().uri("/"),
        ] {
            let (status, body, content_type) = env.call(request).await;
            assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
            assert_eq!(content_type, "application/problem+json");
        }
    }
);

db_test!(
    async fn a_batch_of_1200_events_gets_receipts_in_order(db: TestDb) {
        let env = setup(db).await;
        let before = env.log_size().await;
        let mut items = Vec::new();
        for i in 0..1200 {
            items.push(env.signed_registration(&format!("BULK{i:05}")).await);
        }
        let (status, receipts) = env.batch(&items, false).await;
        assert_eq!(status, StatusCode::OK);
        let receipts = receipts.as_array().expect("an array");
        assert_eq!(receipts.len(), 1200);
        for (i, receipt) in receipts.iter().enumerate() {
            assert_eq!(receipt["seq"], before + i as i64, "{receipt}");
        }
        assert_eq!(env.log_size().await, before + 1200);
        for i in [0usize, 599, 1199] {
            let product = env
                .product(labelled(&format!("BULK{i:05}")))
                .await
                .expect("registered");
            assert_eq!(product["head"]["leaf_hash"], receipts[i]["leaf_hash"]);
        }
        // The same batch again is 1,200 replays: same receipts, nothing new.
        let (status, again) = env.batch(&items, true).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again.as_array().unwrap(), receipts);
        assert_eq!(env.log_size().await, before + 1200);
    }
);

db_test!(
    async fn a_mixed_batch_answers_each_item_in_order(db: TestDb) {
        let env = setup(db).await;
        let before = env.log_size().await;
        let good = env.signed_registration("MIX1").await;
        let mut bad_gtin = env.signed_registration("MIX2").await;
        bad_gtin["event"]["data"]["gtin"] = json!("09506000134353");
        let retailer = env.actor(Role::Retailer);
        let not_allowed = env
            .draft(
                &retailer,
                Kind::Registered,
                Some(labelled("MIX3")),
                registered_data("MIX3"),
            )
            .await
            .sign(&retailer.key)
            .unwrap();
        let good2 = env.signed_registration("MIX4").await;
        let items = [
            good.clone(),
            bad_gtin,
            not_allowed,
            good2,
            good,
            json!({"event": {}}),
        ];
        let (status, results) = env.batch(&items, false).await;
        assert_eq!(status, StatusCode::OK);
        let results = results.as_array().expect("an array");
        assert_eq!(results.len(), items.len());
        assert_eq!(results[0]["seq"], before);
        assert_problem(
            &results[1],
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            "invalid-gtin",
        );
        assert_problem(
            &results[2],
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            "role-not-allowed",
        );
        assert_eq!(results[3]["seq"], before + 1);
        // The repeated item is a replay of the first.
        assert_eq!(results[4], results[0]);
        assert_problem(
            &results[5],
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            "missing-field",
        );
        assert_eq!(env.log_size().await, before + 2);
        assert!(env.product(labelled("MIX3")).await.is_none());
    }
);

db_test!(
    async fn an_atomic_batch_with_one_bad_item_records_nothing(db: TestDb) {
        let env = setup(db).await;
        let before = env.log_size().await;
        let retailer = env.actor(Role::Retailer);
        // Refused by the rules (in the writer): role not allowed at index 2.
        let items = [
            env.signed_registration("AT1").await,
            env.signed_registration("AT2").await,
            env.draft(
                &retailer,
                Kind::Registered,
                Some(labelled("AT3")),
                registered_data("AT3"),
            )
            .await
            .sign(&retailer.key)
            .unwrap(),
            env.signed_registration("AT4").await,
        ];
        let (status, results) = env.batch(&items, true).await;
        assert_eq!(status, StatusCode::OK);
        for (i, result) in results.as_array().unwrap().iter().enumerate() {
            if i == 2 {
                assert_problem(
                    result,
                    StatusCode::FORBIDDEN,
                    StatusCode::FORBIDDEN,
                    "role-not-allowed",
                );
            } else {
                assert_problem(
                    result,
                    StatusCode::CONFLICT,
                    StatusCode::CONFLICT,
                    "batch-aborted",
                );
                assert_eq!(result["failed_index"], 2);
            }
        }
        assert_eq!(env.log_size().await, before);
        assert!(env.product(labelled("AT1")).await.is_none());

        // Refused before the writer (bad check digit) at index 1.
        let mut bad = env.signed_registration("AT5").await;
        bad["event"]["data"]["gtin"] = json!("09506000134353");
        let items = [
            env.signed_registration("AT1").await,
            bad,
            env.signed_registration("AT6").await,
        ];
        let (_, results) = env.batch(&items, true).await;
        let results = results.as_array().unwrap();
        assert_problem(
            &results[1],
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            "invalid-gtin",
        );
        for i in [0, 2] {
            assert_problem(
                &results[i],
                StatusCode::CONFLICT,
                StatusCode::CONFLICT,
                "batch-aborted",
            );
            assert_eq!(results[i]["failed_index"], 1);
        }
        assert_eq!(env.log_size().await, before);

        // Without the bad item, the same events go in together.
        let items = [
            env.signed_registration("AT1").await,
            env.signed_registration("AT2").await,
        ];
        let (_, results) = env.batch(&items, true).await;
        assert_eq!(results[0]["seq"], before);
        assert_eq!(results[1]["seq"], before + 1);
    }
);

db_test!(
    async fn malformed_batches_are_refused_whole(db: TestDb) {
        let env = setup(db).await;
        let before = env.log_size().await;
        let (status, body) = env.batch(&[], false).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
        let request = TestRequest::post()
            .uri("/v1/events/batch")
            .set_payload("{}");
        let (status, body, _) = env.call(request).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
        assert_eq!(env.log_size().await, before);
    }
);
