//! Every answer carries `X-Content-Type-Options: nosniff` and a deliberate `Cache-Control`
//! (issue 13 item 7, docs/operations.md "Caching"): immutable for entries and for proofs
//! between sizes the request fixed, `no-store` for POST answers, errors, the export, health
//! and metrics, `no-cache` for everything that changes as the log grows. One request per route
//! family, and the edge cases (a proof to the latest size, a short page of entries, an entry
//! not yet written).

use crate::support::db_test;
use crate::support::{labelled, setup, TestDb, CITY, GTIN};
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

db_test!(
    async fn every_answer_has_nosniff_and_a_deliberate_cache_policy(db: TestDb) {
        let env = setup(db).await;
        let product = labelled("HDR-1");
        let receipt = env
            .ok(
                &env.actor(Role::Manufacturer),
                Kind::Registered,
                Some(product),
                json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": "HDR-1"}),
            )
            .await;
        let size = env.log_size().await;
        assert!(receipt["seq"].is_number());
        let actor = env.actor(Role::Collector).id;

        let get =
            |uri: String, expected: &'static str| (TestRequest::get().uri(&uri), uri, expected);
        let cases = vec![
            // Fixed by the log: never changes.
            get("/v1/log/entries/0".into(), IMMUTABLE),
            get("/v1/log/entries?start=0&limit=2".into(), IMMUTABLE),
            get(
                format!("/v1/log/proof/inclusion?seq=0&size={size}"),
                IMMUTABLE,
            ),
            get(
                format!("/v1/log/proof/consistency?from=1&to={size}"),
                IMMUTABLE,
            ),
            // Follows the log as it grows.
            get(
                format!("/v1/log/entries?start=0&limit={}", size + 5),
                "no-cache",
            ),
            get("/v1/log/proof/inclusion?seq=0".into(), "no-cache"),
            get("/v1/log/proof/consistency?from=1".into(), "no-cache"),
            get("/v1/log/checkpoint".into(), "no-cache"),
            get("/v1/log/key".into(), "no-cache"),
            get(format!("/v1/products/{product}"), "no-cache"),
            get(format!("/v1/products/{product}/events"), "no-cache"),
            get(format!("/v1/products/{product}/label.svg"), "no-cache"),
            get(format!("/v1/products/{product}/label.png"), "no-cache"),
            get(format!("/p/{product}"), "no-cache"),
            get(format!("/01/{GTIN}/21/HDR-1"), "no-cache"),
            get("/scan".into(), "no-cache"),
            get("/assets/passport.js".into(), "no-cache"),
            get("/v1/actors".into(), "no-cache"),
            get(format!("/v1/actors/{actor}"), "no-cache"),
            get("/v1/cities".into(), "no-cache"),
            get("/cities".into(), "no-cache"),
            get("/cities.csv".into(), "no-cache"),
            get(format!("/cities/{CITY}"), "no-cache"),
            get(format!("/cities/{CITY}/flows.csv"), "no-cache"),
            get("/v1/stats".into(), "no-cache"),
            get(format!("/v1/stats/{CITY}"), "no-cache"),
            get(format!("/v1/stats/{CITY}.csv"), "no-cache"),
            get("/epcis/events".into(), "no-cache"),
            get("/epcis/context.jsonld".into(), "no-cache"),
            get("/openapi.json".into(), "no-cache"),
            // Not to be kept at all.
            get("/v1/log/export".into(), "no-store"),
            get("/healthz".into(), "no-store"),
            get("/metrics".into(), "no-store"),
            // Errors: an entry or a size not yet written, a bad query, no such route.
            get(format!("/v1/log/entries/{}", size + 10), "no-store"),
            get(
                format!("/v1/log/proof/inclusion?seq=0&size={}", size + 10),
                "no-store",
            ),
            get("/v1/log/entries?limit=0".into(), "no-store"),
            get("/nowhere".into(), "no-store"),
            get(format!("/v1/products/{}", labelled("NONE")), "no-store"),
            // State changes.
            (
                TestRequest::post()
                    .uri("/v1/events")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(env.signed_registration("HDR-2").await.to_string()),
                "POST /v1/events".into(),
                "no-store",
            ),
            (
                TestRequest::post()
                    .uri("/v1/events")
                    .insert_header(("content-type", "application/json"))
                    .set_payload("{"),
                "POST /v1/events (refused)".into(),
                "no-store",
            ),
            (
                TestRequest::post()
                    .uri("/v1/events/batch")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(format!("[{}]", env.signed_registration("HDR-3").await)),
                "POST /v1/events/batch".into(),
                "no-store",
            ),
            (
                TestRequest::post()
                    .uri("/epcis/capture")
                    .insert_header(("content-type", "application/json"))
                    .set_payload("{}"),
                "POST /epcis/capture".into(),
                "no-store",
            ),
            (
                TestRequest::post()
                    .uri("/v1/log/cosignature")
                    .set_payload("x"),
                "POST /v1/log/cosignature".into(),
                "no-store",
            ),
        ];
        for (request, what, expected) in cases {
            let (status, body, headers) = env.call_with_headers(request).await;
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            assert_eq!(
                header("x-content-type-options"),
                "nosniff",
                "{what} ({status})"
            );
            assert_eq!(
                header("cache-control"),
                expected,
                "{what} ({status}): {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            );
        }
    }
);
