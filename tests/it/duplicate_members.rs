//! JSON with a duplicate member name is refused wherever the ledger parses JSON (issue 13 item
//! 7; RFC 8785 canonicalises I-JSON, RFC 7493 §2.3). Before, `serde_json` kept the last of two
//! equal names, so a signed event with `"brand":"Evil","brand":"Fairphone"` was recorded as a
//! Fairphone while a first-wins reader of the same bytes saw "Evil". Each entry point is given
//! such a body; each must refuse it naming the member, and record nothing.

use crate::support::db_test;
use crate::support::{assert_problem, setup, TestDb};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::Value;

/// The signed envelope's text with a first `"brand"` added in front of the real one.
fn with_duplicate(envelope: &Value) -> String {
    let text = envelope.to_string();
    assert!(text.contains("\"brand\":\"Fairphone\""), "{text}");
    text.replacen(
        "\"brand\":\"Fairphone\"",
        "\"brand\":\"Evil\",\"brand\":\"Fairphone\"",
        1,
    )
}

db_test!(
    async fn duplicate_member_names_are_refused_everywhere(db: TestDb) {
        let env = setup(db).await;
        let size = env.log_size().await;

        // One event: in the signed data, and at the top of the envelope.
        let envelope = env.signed_registration("DUP-1").await;
        let (status, body) = env.post_raw(with_duplicate(&envelope)).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "duplicate-member");
        assert_eq!(body["field"], "event.data.brand", "{body}");
        let text = envelope.to_string();
        let sig = format!(",\"sig\":{}", envelope["sig"]);
        let doubled = text.replacen(&sig, &format!("{sig}{sig}"), 1);
        assert_ne!(doubled, text);
        let (status, body) = env.post_raw(doubled).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "duplicate-member");
        assert_eq!(body["field"], "sig", "{body}");

        // A batch: the item with the duplicate is refused, the others are not affected.
        let good = env.signed_registration("DUP-2").await;
        let batch = format!("[{},{}]", good, with_duplicate(&envelope));
        let (status, body, _) = env
            .call(
                TestRequest::post()
                    .uri("/v1/events/batch")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(batch),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body[0]["seq"].is_number(), "{body}");
        assert_problem(
            &body[1],
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            "duplicate-member",
        );
        assert_eq!(body[1]["field"], "event.data.brand", "{body}");
        assert_eq!(env.log_size().await, size + 1);

        // An EPCIS capture document carrying the event.
        let document = format!(
            "{{\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\"2026-11-29T10:00:00Z\",\
              \"epcisBody\":{{\"eventList\":[{{\"type\":\"ObjectEvent\",\"ewl:signedEvent\":{}}}]}}}}",
            with_duplicate(&envelope)
        );
        let (status, body, _) = env
            .call(
                TestRequest::post()
                    .uri("/epcis/capture")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(document),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d
                .contains("epcisBody.eventList[0].ewl:signedEvent.event.data.brand")
                && d.contains("more than once")),
            "{body}"
        );
        assert_eq!(env.log_size().await, size + 1, "nothing else was recorded");
        assert!(env
            .product(crate::support::labelled("DUP-1"))
            .await
            .is_none());
    }
);
