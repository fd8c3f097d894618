//! Request limits and timeouts (docs/api.md): every limit answers a problem and records
//! nothing.

use crate::db::{db_test, TestDb};
use crate::support::{assert_problem, labelled, registered_data, setup_with};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::{App, HttpServer};
use ewaste_ledger::config::Limits;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::http::{routes, AppState};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::Duration;

fn small_limits() -> Limits {
    Limits {
        single_body_bytes: 16 * 1024,
        batch_body_bytes: 16 * 1024,
        batch_items: 3,
        ..Limits::default()
    }
}

fn raw_batch(body: &str, query: &str) -> TestRequest {
    TestRequest::post()
        .uri(&format!("/v1/events/batch{query}"))
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
}

db_test! {
    async fn oversized_and_malformed_requests_are_refused(db: TestDb) {
        let env = setup_with(db, small_limits()).await;
        let maker = env.actor(Role::Manufacturer);
        let size = env.log_size().await;

        // A body over the limit.
        let (status, body) = env.post_raw(vec![b' '; 16 * 1024 + 1]).await;
        assert_problem(&body, status, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");

        // More events than a batch may hold; an empty batch; not an array; not JSON.
        let draft = env.draft(&maker, Kind::Registered, Some(labelled("L1")), registered_data("L1")).await;
        let event = draft.sign(&maker.key).expect("signed");
        for (payload, code) in [
            (json!([event, event, event, event]).to_string(), "invalid-field"),
            ("[]".to_string(), "invalid-field"),
            ("{}".to_string(), "invalid-field"),
            ("[{".to_string(), "invalid-json"),
        ] {
            let (status, body, _) = env.call(raw_batch(&payload, "")).await;
            assert_problem(&body, status, StatusCode::BAD_REQUEST, code);
        }
        let (status, body, _) = env.call(raw_batch(&json!([event]).to_string(), "?atomic=perhaps")).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-query");

        // Nesting deeper than a submission ever needs, and a string over 4 KiB.
        let mut deep = json!(1);
        for _ in 0..8 {
            deep = json!([deep]);
        }
        let mut nested = event.clone();
        nested["event"]["data"]["hazards"] = deep;
        let (status, body) = env.post(&nested).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
        assert!(body["reason"].as_str().unwrap_or_default().contains("nesting"), "{body}");
        let mut long = event.clone();
        long["event"]["data"]["model"] = json!("x".repeat(5000));
        let (status, body) = env.post(&long).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-field");
        assert_eq!(body["field"], "event.data.model");

        assert_eq!(env.log_size().await, size, "nothing was recorded");
        // The same event within the limits is accepted.
        let (status, body) = env.post(&event).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

db_test! {
    /// A client that stops sending its body is answered 408 once the deadline passes.
    async fn a_stalled_body_times_out(db: TestDb) {
        let ledger = crate::support::open_ledger(&db);
        let state = AppState {
            ledger,
            public_url: "http://ledger.test".into(),
            limits: Limits { body_timeout: Duration::from_millis(300), ..Limits::default() },
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        let address = listener.local_addr().expect("address");
        let server = HttpServer::new(move || App::new().configure(routes(state.clone())))
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        let answer = actix_web::rt::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(address).expect("connect");
            stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
            stream
                .write_all(b"POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"eve")
                .expect("send part of a body");
            let mut answer = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read until the answer's JSON body is complete (the connection may stay open).
            while !String::from_utf8_lossy(&answer).ends_with('}') {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buffer[..n]),
                }
            }
            String::from_utf8_lossy(&answer).to_string()
        })
        .await
        .expect("client thread");
        handle.stop(false).await;

        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        let body: Value = serde_json::from_str(&answer[answer.find("\r\n\r\n").expect("headers end") + 4..])
            .expect("a JSON problem");
        assert_eq!(body["type"], "urn:ewaste-ledger:problem:body-timeout");
    }
}

db_test! {
    /// Slowloris: hundreds of clients that send half a request head and then nothing hold no
    /// worker. A normal client is served meanwhile, and the server answers each
    /// slow one 408 and closes it after its 10 s request timeout.
    async fn slow_clients_time_out_and_block_no_one(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = crate::process::start(&dir.path().join("data"), &crate::process::database_url(&db.target));
        let address = server.url.trim_start_matches("http://").to_string();
        let started = std::time::Instant::now();
        let mut slow: Vec<std::net::TcpStream> = (0..300)
            .map(|_| {
                let mut stream = std::net::TcpStream::connect(&address).expect("connect");
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: sl").expect("a partial header");
                stream
            })
            .collect();
        let (status, body) = {
            let mut response = crate::process::agent().get(&format!("{}/healthz", server.url)).call().expect("served");
            (response.status().as_u16(), response.body_mut().read_to_string().expect("body"))
        };
        assert_eq!(status, 200, "{body}");
        assert!(started.elapsed() < Duration::from_secs(5), "the normal client waited {:?}", started.elapsed());

        for stream in &mut slow {
            stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
            let mut answer = Vec::new();
            // The server answers 408 and closes: read to the end.
            let _ = stream.read_to_end(&mut answer);
            let answer = String::from_utf8_lossy(&answer);
            assert!(answer.starts_with("HTTP/1.1 408"), "a slow client got {answer:?}");
        }
        assert!(started.elapsed() < Duration::from_secs(19), "cut off after {:?}", started.elapsed());
    }
}
