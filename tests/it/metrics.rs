//! `GET /metrics` on both backends: appends, events by kind and outcome, HTTP latency by route
//! pattern, and the gauges, in the Prometheus text format.

use crate::db::{db_test, TestDb};
use crate::support::setup;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;

/// The value of the sample `series` (name and labels exactly as exposed).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .unwrap_or_else(|| panic!("{series} not in\n{text}"))
        .parse()
        .expect("a number")
}

db_test! {
    async fn metrics_count_appends_events_and_requests(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("MET-1", &collector).await;
        // Refused: a collected product cannot be sold again.
        env.reject(&env.actor(Role::Retailer), Kind::PlacedOnMarket, Some(id), json!({}), StatusCode::CONFLICT, "illegal-transition").await;
        let series = "ewaste_http_request_duration_seconds_count{route=\"/v1/products/{id}\",method=\"GET\",status=\"200\"}";
        let (_, before, _) = env.call_raw(TestRequest::get().uri("/metrics")).await;
        let before = sample(&String::from_utf8(before).expect("utf-8"), series);
        for _ in 0..3 {
            assert_eq!(env.get(&format!("/v1/products/{id}")).await.0, StatusCode::OK);
        }

        let (status, body, content_type) = env.call_raw(TestRequest::get().uri("/metrics")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8"));
        let text = String::from_utf8(body).expect("utf-8");
        assert_eq!(sample(&text, "ewaste_events_total{kind=\"collected\",outcome=\"recorded\"}"), 1.0);
        assert_eq!(sample(&text, "ewaste_events_total{kind=\"placed_on_market\",outcome=\"illegal-transition\"}"), 1.0);
        assert!(sample(&text, "ewaste_events_total{kind=\"actor_registered\",outcome=\"recorded\"}") >= 6.0);
        assert_eq!(sample(&text, series), before + 3.0, "one series per route pattern, not per product");
        let appends = sample(&text, "ewaste_append_batch_seconds_count");
        assert!(appends >= 10.0, "{appends} append transactions");
        assert_eq!(sample(&text, "ewaste_append_batch_events_bucket{le=\"+Inf\"}"), appends);
        let size = env.log_size().await as f64;
        assert_eq!(sample(&text, "ewaste_log_size"), size);
        assert_eq!(sample(&text, "ewaste_writer_queue_depth"), 0.0);
        assert!(sample(&text, "ewaste_db_pool_connections") >= 1.0);
        assert!(text.contains("# TYPE ewaste_append_batch_seconds histogram"));
        assert_eq!(sample(&text, "ewaste_in_transit"), 0.0);
        assert_eq!(sample(&text, "ewaste_oldest_transit_seconds"), 0.0);

        // A hand-over waits for its receiver: it shows until the receiver answers.
        let recycler = env.actor(Role::Recycler);
        env.ok(&collector, Kind::HandedOver, Some(id), json!({"to": recycler.id})).await;
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/metrics")).await;
        let text = String::from_utf8(body).expect("utf-8");
        assert_eq!(sample(&text, "ewaste_in_transit"), 1.0);
        assert!(sample(&text, "ewaste_oldest_transit_seconds") >= 60.0, "handed over a minute ago");
        env.ok(&recycler, Kind::Received, Some(id), json!({})).await;
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/metrics")).await;
        assert_eq!(sample(&String::from_utf8(body).expect("utf-8"), "ewaste_in_transit"), 0.0);
    }
}
