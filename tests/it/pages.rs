//! The pages a person opens first, on both backends: the home page (what the ledger is, its
//! log size and checkpoint, links to every part), the product search behind its form, the
//! shared navigation, and HTML error pages for browsers where API clients keep their RFC 9457
//! problems.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::support::{assert_problem, labelled, setup, Env};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::labels::short_id;

/// What Chromium sends when it navigates to a page.
const BROWSER: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// `GET path` as a browser asks for it: status, body, content type and `Location`.
async fn browse(env: &Env, path: &str) -> (StatusCode, String, String, Option<String>) {
    let request = TestRequest::get()
        .uri(path)
        .insert_header(("accept", BROWSER));
    let (status, body, headers) = env.call_with_headers(request).await;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    (
        status,
        String::from_utf8(body).expect("utf-8"),
        header("content-type").unwrap_or_default(),
        header("location"),
    )
}

/// The shared navigation every page carries.
fn assert_navigation(html: &str, path: &str) {
    for link in [
        "<a href=\"/\">",
        "<a href=\"/cities\">",
        "<a href=\"/scan\">",
        "<a href=\"/openapi.json\">",
    ] {
        assert!(html.contains(link), "{path}: the navigation links {link}");
    }
}

db_test! {
    /// The home page says what the ledger is, shows the log's size and its latest checkpoint,
    /// and links the cities, the scan station, the API and the search; it grows with the log.
    async fn the_home_page_shows_the_log_and_links_everything(db: TestDb) {
        let env = setup(db).await;
        let (status, html) = html_page(&env, "/").await;
        assert_eq!(status, StatusCode::OK);
        let size = env.log_size().await;
        assert!(size > 1, "the fixtures wrote entries");
        assert!(html.contains(&format!("<dd id=\"log-size\">{size} entries</dd>")), "{html}");
        let (_, note, _) = env.call_raw(TestRequest::get().uri("/v1/log/checkpoint")).await;
        let note = String::from_utf8(note).expect("utf-8");
        let root = base64_hex(note.lines().nth(2).expect("the note's root line"));
        assert!(html.contains(&format!("{size} entries · root {}… · signed ", &root[..12])), "{html}");
        assert!(regex_like_time(&html), "a time like 2026-12-04 18:35 UTC: {html}");
        for expected in [
            "An open record of electrical and electronic products",
            "<a href=\"/cities/DEBER\">Berlin (DEBER)</a>",
            "<a href=\"/cities\">All cities compared</a>",
            "<a href=\"/scan\">Open the scan station</a>",
            "<a href=\"/openapi.json\">/openapi.json</a>",
            "docs/",
            "api.md",
            "<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">",
            "name=\"q\"",
        ] {
            assert!(html.contains(expected), "{expected} on the home page");
        }
        assert_navigation(&html, "/");

        env.in_use("HOME-1").await;
        let (_, html) = html_page(&env, "/").await;
        assert!(html.contains(&format!("<dd id=\"log-size\">{} entries</dd>", size + 2)), "the size follows the log");
    }

    /// Every page carries the shared navigation.
    async fn every_page_has_the_navigation(db: TestDb) {
        let env = setup(db).await;
        let id = env.in_use("NAV-1").await;
        for path in ["/", "/scan", "/cities", "/cities/DEBER", &format!("/p/{id}"), "/search?q=NOTHING-LIKE-IT"] {
            let (_, html, _, _) = browse(&env, path).await;
            assert_navigation(&html, path);
        }
    }

    /// The search finds a product by its label URI, its product id, its short id and its
    /// serial, and redirects to its passport; a serial two products share lists both.
    async fn the_search_finds_a_product_by_label_id_short_id_or_serial(db: TestDb) {
        let env = setup(db).await;
        let id = env.in_use("FIND-1").await;
        assert_eq!(id, labelled("FIND-1"));
        let passport = "/01/09506000134352/21/FIND-1";
        let encode = |text: &str| url_encode(text);
        for query in [
            format!("http://ledger.test{passport}"),
            passport.to_string(),
            id.to_string(),
            format!("  {}  ", id.to_string().to_uppercase()),
            short_id(&id),
            short_id(&id).to_uppercase(),
            "FIND-1".to_string(),
        ] {
            let (status, _, _, location) = browse(&env, &format!("/search?q={}", encode(&query))).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{query}");
            assert_eq!(location.as_deref(), Some(passport), "{query}");
        }
        // The same serial under another GTIN: both are listed, each linked to its passport.
        let maker = env.actor(ewaste_ledger::domain::kinds::Role::Manufacturer);
        let other_gtin = "04006381333931";
        let other = ewaste_ledger::domain::identifiers::product_id(
            &ewaste_ledger::domain::gtin::Gtin14::parse(other_gtin).unwrap(),
            &ewaste_ledger::domain::serial::Serial::parse("FIND-1").unwrap(),
        );
        let mut data = crate::support::registered_data("FIND-1");
        data["gtin"] = serde_json::json!(other_gtin);
        env.ok(&maker, ewaste_ledger::domain::kinds::Kind::Registered, Some(other), data).await;
        let (status, html, content_type, _) = browse(&env, "/search?q=FIND-1").await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
        assert!(html.contains("2 products found"), "{html}");
        assert!(html.contains(&format!("<a href=\"{passport}\">")), "{html}");
        assert!(html.contains(&format!("<a href=\"/01/{other_gtin}/21/FIND-1\">")), "{html}");
    }

    /// A search that finds nothing is a 404 page that says what was searched (escaped) and
    /// offers the form again; an empty search is the form.
    async fn a_search_miss_says_what_was_searched(db: TestDb) {
        let env = setup(db).await;
        env.in_use("MISS-1").await;
        for (query, shown) in [
            ("NO-SUCH-SERIAL", "NO-SUCH-SERIAL"),
            ("deadbeef", "deadbeef"),
            ("%3Cb%3Ebold%3C%2Fb%3E", "&#60;b&#62;bold&#60;/b&#62;"),
            ("http%3A%2F%2Fledger.test%2F01%2F09506000134352%2F21%2FMISS-2", "http://ledger.test/01/09506000134352/21/MISS-2"),
        ] {
            let (status, html, content_type, location) = browse(&env, &format!("/search?q={query}")).await;
            assert_eq!((status, content_type.as_str()), (StatusCode::NOT_FOUND, "text/html; charset=utf-8"), "{query}");
            assert_eq!(location, None);
            assert!(html.contains("<h1>Nothing found</h1>"), "{html}");
            assert!(html.contains(&format!("You searched for <strong id=\"searched\">{shown}</strong>")), "{query}: {html}");
            assert!(html.contains(&format!("value=\"{shown}\"")), "the form keeps the text: {html}");
            assert!(!html.contains("<b>"), "escaped");
        }
        // An API client asking the same gets the same page: the search is a page.
        let (status, _, content_type) = env.call_raw(TestRequest::get().uri("/search?q=NOPE")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::NOT_FOUND, "text/html; charset=utf-8"));
        let (status, html) = html_page(&env, "/search").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>Find a product</h1>"), "{html}");
        let (status, html, _, _) = browse(&env, &format!("/search?q={}", "A".repeat(501))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("at most 500 characters"), "{html}");
    }

    /// A browser asking for an unknown path or an unknown city gets an HTML page with the 404
    /// status and links home; API clients (JSON, `*/*`, no Accept) keep the JSON problem.
    async fn browsers_get_error_pages_and_api_clients_problems(db: TestDb) {
        let env = setup(db).await;
        for (path, detail) in [
            ("/no/such/page", "There is no resource at GET /no/such/page."),
            ("/cities/XXXXX", "XXXXX"),
        ] {
            let (status, html, content_type, _) = browse(&env, path).await;
            assert_eq!((status, content_type.as_str()), (StatusCode::NOT_FOUND, "text/html; charset=utf-8"), "{path}");
            assert!(html.contains("<h1>Page not found</h1>"), "{path}: {html}");
            assert!(html.contains(detail), "{path}: {html}");
            assert!(html.contains("<a href=\"/\">Go to the home page</a>"), "{path}: {html}");
            assert_navigation(&html, path);
            let (_, _, headers) = env
                .call_with_headers(TestRequest::get().uri(path).insert_header(("accept", BROWSER)))
                .await;
            assert!(headers.get("content-security-policy").is_some(), "{path}: a page's CSP");
            assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{path}");

            for accept in [None, Some("*/*"), Some("application/json"), Some("application/problem+json"), Some("text/html;q=0.5, application/json")] {
                let mut request = TestRequest::get().uri(path);
                if let Some(accept) = accept {
                    request = request.insert_header(("accept", accept));
                }
                let (status, body, content_type) = env.call(request).await;
                assert_eq!(content_type, "application/problem+json", "{path} {accept:?}");
                assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
            }
        }
        // A malformed LOCODE is a 400 page for a browser, a problem for the API.
        let (status, html, _, _) = browse(&env, "/cities/berlin").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("is not a UN/LOCODE"), "{html}");
        let (status, body) = env.get("/cities/berlin").await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-locode");
        // API routes answer problems even to a browser.
        let (status, _, content_type, _) = browse(&env, "/v1/products/not-a-uuid").await;
        assert_eq!((status, content_type.as_str()), (StatusCode::BAD_REQUEST, "application/problem+json"));
    }
}

/// `text` percent-encoded for a query string.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The hex of a base64 text.
fn base64_hex(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .expect("base64")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `html` shows a time as `YYYY-MM-DD HH:MM UTC`.
fn regex_like_time(html: &str) -> bool {
    html.split("signed ").skip(1).any(|rest| {
        let b = rest.as_bytes();
        b.len() >= 20
            && rest[..4].bytes().all(|c| c.is_ascii_digit())
            && b[4] == b'-'
            && b[10] == b' '
            && b[13] == b':'
            && &rest[16..20] == " UTC"
    })
}
