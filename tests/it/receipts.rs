//! Intake receipts (`GET /r/{seq}`, docs/audit.md "Checking an intake receipt") on both
//! backends: the page shows what was recorded, when, by whom, the seq and the checkpoint; its
//! QR code holds the entry's inclusion proof, which `audit verify-proof` checks offline with the
//! log key from a file of the code's text, and refuses once tampered; JSON with
//! `Accept: application/json`; problems and error pages for unknown and malformed seqs.

use crate::db::{db_test, TestDb};
use crate::process::cli;
use crate::station::html_page;
use crate::support::{assert_problem, setup, Env, ORIGIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::inclusion_bundle::{InclusionBundle, QR_PREFIX};
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::labels::short_id;
use serde_json::json;
use std::process::Output;

/// What a browser sends when it navigates.
const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    let to = html[from..].find(end).expect("the end") + from;
    &html[from..to]
}

/// Undoes the page's HTML escaping (askama escapes `&<>"'`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Decodes the page's inline QR code (a path of dark runs, as `labels::qr_svg` draws it).
fn decode_qr(html: &str) -> String {
    let svg = between(html, "<figure class=\"receipt-qr\">", "</svg>");
    let d = between(svg, " d=\"", "\"");
    let mut cells = std::collections::HashSet::new();
    let mut max = 0;
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').expect("a run");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
        let n: usize = rest.split('v').next().expect("length").parse().expect("n");
        for i in 0..n {
            cells.insert((x + i, y));
            max = max.max(x + i).max(y);
        }
    }
    let side = max + 1 + 4;
    let scale = 4;
    let mut image = rqrr::PreparedImage::prepare_from_bitmap(side * scale, side * scale, |x, y| {
        cells.contains(&(x / scale, y / scale))
    });
    let grid = image.detect_grids().pop().expect("a QR code");
    grid.decode().expect("decodes").1
}

/// Writes the log's verifier key to `dir/log.vkey` as an auditor would keep it.
async fn log_key_file(env: &Env, dir: &std::path::Path) -> String {
    let (status, key, _) = env.call_raw(TestRequest::get().uri("/v1/log/key")).await;
    assert_eq!(status, StatusCode::OK);
    let path = dir.join("log.vkey");
    std::fs::write(&path, key).expect("write the key");
    path.to_str().expect("utf-8").to_string()
}

fn verify_proof(file: &std::path::Path, key: &str) -> Output {
    cli(&[
        "audit",
        "verify-proof",
        "--bundle",
        file.to_str().expect("utf-8"),
        "--log-key",
        key,
    ])
}

db_test! {
    /// A collection's receipt shows the product, the measured weight in kg with its grams, the
    /// channel, the date, the collector, the seq and the checkpoint; the QR code and the text
    /// block hold the same proof, which verifies offline and fails once tampered with.
    async fn an_intake_receipt_shows_the_intake_and_its_proof_verifies_offline(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = env.in_use("RCPT-1").await;
        let receipt = env.ok(&collector, Kind::Collected, Some(id), json!({"channel": "municipal", "weight_g": 1_210})).await;
        let seq = receipt["seq"].as_i64().expect("seq");
        // Later entries grow the log past the receipt's entry; the proof is in the latest tree.
        env.in_use("RCPT-2").await;

        let (status, html) = html_page(&env, &format!("/r/{seq}")).await;
        assert_eq!(status, StatusCode::OK);
        let size = env.log_size().await;
        for expected in [
            "<h1>Receipt · Collected</h1>".to_string(),
            format!("<dt>Product</dt><dd><a href=\"/p/{id}\">{}</a></dd>", short_id(&id)),
            "<dt>Weight</dt><dd>1.21 kg (1,210 g)</dd>".into(),
            "<dt>Channel</dt><dd>municipal</dd>".into(),
            "<dt>Place</dt><dd>Berlin (DEBER)</dd>".into(),
            "<dt>Recorded by</dt><dd>collector GmbH (collector device)</dd>".into(),
            format!("<dd id=\"receipt-seq\">{seq}</dd>"),
            format!("<dt>Checkpoint</dt><dd>{size} entries, signed by {ORIGIN}</dd>"),
            "error correction M".into(),
            "<details class=\"receipt-proof\">".into(),
        ] {
            assert!(html.contains(&expected), "{expected} in {html}");
        }
        let when = between(&html, "<dt>Date</dt><dd>", "</dd>");
        assert!(when.ends_with(" UTC") && when.len() == "2026-12-04 18:35 UTC".len(), "{when}");

        // The code and the text block carry the same proof.
        let proof = unescape(between(&html, "<pre id=\"receipt-proof\">", "</pre>"));
        assert!(proof.starts_with(QR_PREFIX), "{proof}");
        assert_eq!(decode_qr(&html), proof);
        let bundle = InclusionBundle::from_compact(&proof).expect("a compact bundle");
        assert_eq!((bundle.seq, bundle.size), (seq as u64, size as u64));
        let (_, entry, _) = env.call_raw(TestRequest::get().uri(&format!("/v1/log/entries/{seq}"))).await;
        assert_eq!(bundle.entry, entry, "the entry exactly as logged");

        // Offline, with nothing but the text and the log key.
        let dir = tempfile::tempdir().expect("temp dir");
        let key = log_key_file(&env, dir.path()).await;
        let file = dir.path().join("receipt.txt");
        std::fs::write(&file, format!("{proof}\n")).expect("write");
        let out = verify_proof(&file, &key);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains(&format!("OK: the entry is in the log's tree of {size} entries, signed by {ORIGIN}")), "{}", text(&out));

        // A receipt whose recorded weight was changed no longer verifies.
        let mut doctored = bundle.clone();
        let entry_text = String::from_utf8(doctored.entry.clone()).expect("utf-8");
        assert!(entry_text.contains("\"weight_g\":1210"), "{entry_text}");
        doctored.entry = entry_text.replace("\"weight_g\":1210", "\"weight_g\":9210").into_bytes();
        std::fs::write(&file, doctored.to_compact()).expect("write");
        let out = verify_proof(&file, &key);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains("does not lead to the root"), "{}", text(&out));

        // A claim of a bigger tree than the checkpoint signs fails on the checkpoint.
        let mut grown = bundle.clone();
        grown.size += 1;
        std::fs::write(&file, grown.to_compact()).expect("write");
        assert_eq!(verify_proof(&file, &key).status.code(), Some(5));

        // A damaged text (one character changed) fails too, whichever check catches it.
        let position = proof.len() - 40;
        let swapped = if &proof[position..=position] == "A" { "B" } else { "A" };
        std::fs::write(&file, format!("{}{swapped}{}", &proof[..position], &proof[position + 1..])).expect("write");
        let out = verify_proof(&file, &key);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));

        // The JSON bundle `audit prove` prints still verifies as before.
        let (_, body) = env.get(&format!("/v1/log/proof/event/{}", receipt_event_id(&bundle))).await;
        std::fs::write(&file, body.to_string()).expect("write");
        assert!(verify_proof(&file, &key).status.success());
    }

    /// The same receipt as JSON: what was recorded, the signer, the checkpoint size and the
    /// proof text; an entry without a subject (the genesis) has a receipt too.
    async fn a_receipt_as_json_and_one_for_a_registry_entry(db: TestDb) {
        let env = setup(db).await;
        let collector = env.actor(Role::Collector);
        let id = env.in_use("RCPT-JSON").await;
        let receipt = env.ok(&collector, Kind::Collected, Some(id), json!({"channel": "retail_take_back"})).await;
        let seq = receipt["seq"].as_i64().expect("seq");
        let (status, body, content_type) = env
            .call(TestRequest::get().uri(&format!("/r/{seq}")).insert_header(("accept", "application/json")))
            .await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"));
        assert_eq!(body["seq"], seq);
        assert_eq!(body["kind"], "collected");
        assert_eq!(body["subject"], json!({"type": "product", "id": id, "short_id": short_id(&id)}));
        assert_eq!(body["signer"], json!({"id": collector.id, "org": "collector GmbH", "name": "collector device"}));
        assert_eq!(body["facts"], json!({"channel": "retail_take_back"}));
        assert_eq!(body["city"], "DEBER");
        assert_eq!(body["checkpoint_size"], env.log_size().await);
        let proof = body["proof"].as_str().expect("proof");
        assert_eq!(InclusionBundle::from_compact(proof).expect("compact").seq, seq as u64);

        let (status, html) = html_page(&env, "/r/0").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>Receipt · Actor registered</h1>"), "{html}");
        assert!(!html.contains("<dt>Product</dt>"), "the genesis has no subject");
        assert!(html.contains("<dt>Recorded by</dt><dd>admin GmbH (admin device)</dd>"), "{html}");
        let (_, body, _) = env.call(TestRequest::get().uri("/r/0").insert_header(("accept", "application/json"))).await;
        assert_eq!(body["subject"], json!(null));
        assert_eq!(body["facts"], json!({}));
    }

    /// An unknown seq is a 404 (a page for a browser, a problem for an API client); a seq not
    /// in plain decimal is a 400.
    async fn unknown_and_malformed_seqs(db: TestDb) {
        let env = setup(db).await;
        let (status, body) = env.get("/r/99999").await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        for bad in ["01", "-1", "x", "1.0"] {
            let (status, body) = env.get(&format!("/r/{bad}")).await;
            assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-seq");
        }
        let (status, body, headers) = env
            .call_with_headers(TestRequest::get().uri("/r/99999").insert_header(("accept", BROWSER)))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(String::from_utf8(body).expect("utf-8").contains("<a href=\"/\">"));
    }
}

/// The event id inside a bundle's entry.
fn receipt_event_id(bundle: &InclusionBundle) -> String {
    let entry: serde_json::Value = serde_json::from_slice(&bundle.entry).expect("JSON");
    entry["event"]["id"].as_str().expect("id").to_string()
}
