//! The scan station's server side on both backends: the page (kinds, cities, forms, a strict
//! Content-Security-Policy, no inline script), its static assets, and the key QR code. The
//! station itself runs in a browser: tests/browser/station.test.mjs drives it in Chromium.

use crate::db::{db_test, TestDb};
use crate::support::{assert_problem, setup, Env};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use base64::Engine;
use ewaste_ledger::domain::identifiers::PRODUCT_NAMESPACE;
use ewaste_ledger::domain::kinds::Role;
use ewaste_ledger::domain::signing::EVENT_SIGNATURE_CONTEXT;

/// The page, its CSP header, and a check that every script and style it loads is a same-origin
/// file.
pub(crate) async fn html_page(env: &Env, path: &str) -> (StatusCode, String) {
    let (status, body, headers) = env.call_with_headers(TestRequest::get().uri(path)).await;
    let html = String::from_utf8(body).expect("utf-8");
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && csp.contains("style-src 'self'")
            && !csp.contains("unsafe-inline"),
        "{path}: {csp}"
    );
    // Styles come from the one style sheet: an inline one would be refused by that policy.
    assert!(
        !html.contains("<style") && !html.contains(" style=\""),
        "{path}: no inline styles"
    );
    assert!(
        html.contains("<link rel=\"stylesheet\" href=\"/assets/ledger.css\">"),
        "{path}: the style sheet"
    );
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=\"/assets/")
            .count(),
        "{path}: no inline scripts"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "{path}: nothing from other hosts"
    );
    (status, html)
}

db_test! {
    /// The station offers every product kind with the roles that may sign it, the registered
    /// cities, and the data fields of each kind with the reference tables' codes.
    async fn the_scan_page_offers_kinds_cities_and_forms(db: TestDb) {
        let env = setup(db).await;
        let (status, html) = html_page(&env, "/scan").await;
        assert_eq!(status, StatusCode::OK);
        for expected in [
            "<option value=\"collected\" data-roles=\"collector recycler retailer\">Collected</option>",
            "<option value=\"recycled\" data-roles=\"recycler\">Recycled</option>",
            "<option value=\"placed_on_market\" data-roles=\"manufacturer retailer\">",
            "<option value=\"DEBER\">Berlin (DEBER)</option>",
            "<fieldset data-kind=\"recycled\" hidden>",
            "<option value=\"R4\"",
            "<option value=\"D10\"",
            "name=\"fractions\" data-type=\"masses\" data-item=\"material\"",
            "<script type=\"module\" src=\"/assets/station.js\"></script>",
        ] {
            assert!(html.contains(expected), "{expected} in the station page");
        }
        assert!(!html.contains("value=\"registered\""), "registration is not a scan");
        // A hand-over can go to any active actor who may hold waste, not to a regulator.
        let collector = env.actor(Role::Collector);
        assert!(html.contains(&format!("<option value=\"{}\">collector GmbH (collector device)</option>", collector.id)));
        assert!(!html.contains(&env.actor(Role::Regulator).id.to_string()));
    }

    /// The yard modes (docs/scan-station.md): containers, bulk intake with both category
    /// tables and every channel, the aggregator id explained, and Receive; each mode enabled
    /// for the roles that may sign its kinds.
    async fn the_scan_page_offers_the_yard_modes(db: TestDb) {
        let env = setup(db).await;
        let (status, html) = html_page(&env, "/scan").await;
        assert_eq!(status, StatusCode::OK);
        let holders = "collector recycler repairer retailer";
        for expected in [
            format!("data-mode=\"container\" data-roles=\"{holders}\""),
            "data-mode=\"intake\" data-roles=\"collector recycler\"".to_string(),
            format!("data-mode=\"receive\" data-roles=\"{holders}\""),
            "<option value=\"packed\">Pack a container</option>".to_string(),
            "<option value=\"unpacked\">Unpack a container</option>".to_string(),
            "<option value=\"handed_over\">Hand over a container</option>".to_string(),
            "<option value=\"eu6:6\">6 · ".to_string(),
            "<option value=\"unu_key:0306\">0306 · Mobile Phones (incl. smartphones, pagers)</option>".to_string(),
            "<option value=\"informal\">informal sector</option>".to_string(),
            "never a name, a phone number or an e-mail address".to_string(),
            "id=\"transit\"".to_string(),
        ] {
            assert!(html.contains(&expected), "{expected} in the station page");
        }
        assert_eq!(html.matches("<option value=\"eu6:").count(), 6, "the six EU-6 categories");
        assert_eq!(html.matches("<option value=\"unu_key:").count(), 54, "the 54 UNU-KEYs");
        let collector = env.actor(Role::Collector);
        let to = &html[html.find("id=\"container-to\"").expect("the recipients")..];
        assert!(to[..to.find("</select>").expect("closed")].contains(&collector.id.to_string()));
    }

    /// The scripts are served from the binary; the browser code signs with the same context
    /// string and derives product ids from the same namespace as the ledger.
    async fn station_assets_are_served(db: TestDb) {
        let env = setup(db).await;
        for (name, content_type) in [
            ("ledger.js", "text/javascript; charset=utf-8"),
            ("forms.js", "text/javascript; charset=utf-8"),
            ("station.js", "text/javascript; charset=utf-8"),
            ("passport.js", "text/javascript; charset=utf-8"),
            ("container.js", "text/javascript; charset=utf-8"),
            ("intake.js", "text/javascript; charset=utf-8"),
            ("receive.js", "text/javascript; charset=utf-8"),
            ("ledger.css", "text/css; charset=utf-8"),
        ] {
            let (status, body, got) = env.call_raw(TestRequest::get().uri(&format!("/assets/{name}"))).await;
            assert_eq!((status, got.as_str()), (StatusCode::OK, content_type), "{name}");
            assert!(!body.is_empty());
        }
        let (_, ledger_js, _) = env.call_raw(TestRequest::get().uri("/assets/ledger.js")).await;
        let ledger_js = String::from_utf8(ledger_js).expect("utf-8");
        let context = std::str::from_utf8(EVENT_SIGNATURE_CONTEXT).expect("utf-8").replace('\n', "\\n");
        assert!(ledger_js.contains(&format!("SIGNING_PREFIX = \"{context}\"")));
        assert!(ledger_js.contains(&format!("PRODUCT_NAMESPACE = \"{PRODUCT_NAMESPACE}\"")));

        let (status, body, _) = env.call(TestRequest::get().uri("/assets/secrets.pem")).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body, _) = env.call(TestRequest::get().uri("/assets/..%2FCargo.toml")).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
    }

    /// A station shows its public key as a QR code; only a real Ed25519 key is drawn.
    async fn the_key_qr_code_takes_only_a_public_key(db: TestDb) {
        let env = setup(db).await;
        let key = env.actor(Role::Collector).public_key();
        let uri = format!("/scan/key.svg?public_key={}", key.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D"));
        let (status, body, content_type) = env.call_raw(TestRequest::get().uri(&uri)).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/svg+xml"));
        assert!(String::from_utf8(body).expect("utf-8").contains("<path fill=\"#000\" d=\"M"));
        let short_key = base64::engine::general_purpose::STANDARD.encode([7u8; 31]).replace('=', "%3D");
        for bad in ["hello", "AAAA", short_key.as_str()] {
            let (status, body, _) = env.call(TestRequest::get().uri(&format!("/scan/key.svg?public_key={bad}"))).await;
            assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-public-key");
        }
        let (status, body, _) = env.call(TestRequest::get().uri("/scan/key.svg")).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-query");
    }
}
