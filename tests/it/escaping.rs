//! Every page the server renders escapes what signers wrote. Hostile strings go in as an
//! actor's organisation and name, a product's brand, model and hazards, a repair description,
//! a recycled material, a city's name, and a serial made only of GS1 character-set-82
//! characters that are dangerous in HTML; then the passport (by id and by Digital Link), the
//! scan station, the city comparison and dashboard (with their SVG charts), the SVG label and
//! the error pages that echo their input are read back. Each must show every value it shows
//! escaped: the value is there once character references are decoded, each dangerous character
//! of it was written as a reference, and the raw hostile markup is nowhere in the body.

use crate::station::html_page;
use crate::support::db_test;
use crate::support::{labelled, setup, Actor, Env, TestDb};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::percent;
use serde_json::json;
use uuid::Uuid;

/// Markup that would run or break out of its context if written unescaped.
const HOSTILE: [&str; 4] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'&amp;",
    "</textarea>",
];

/// A serial of GS1 character set 82 only (15 of at most 20 characters).
const SERIAL: &str = "<script>\"'&amp;";

/// The GTIN of the test products.
const GTIN: &str = crate::support::GTIN;

/// The city with the hostile name.
const LOCODE: &str = "DEXSS";

/// A field value: a marker naming the field, then every hostile string.
fn hostile(field: &str) -> String {
    format!("{field}:{}", HOSTILE.concat())
}

/// The text of HTML or XML with its character references decoded, each character with whether
/// it was written as a reference.
fn decode(raw: &str) -> Vec<(char, bool)> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            if let Some(end) = rest[1..].find(';').filter(|end| *end <= 10) {
                let name = &rest[1..=end];
                let decoded = match name {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => name
                        .strip_prefix("#x")
                        .or_else(|| name.strip_prefix("#X"))
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                        .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(decoded) = decoded {
                    out.push((decoded, true));
                    rest = &rest[end + 2..];
                    continue;
                }
            }
        }
        out.push((c, false));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Checks that `value` is shown in `body`, escaped, and answers how many times.
fn shown_escaped(what: &str, body: &str, value: &str) -> usize {
    let text = decode(body);
    let wanted: Vec<char> = value.chars().collect();
    let mut found = 0;
    for (at, window) in text.windows(wanted.len()).enumerate() {
        if window.iter().map(|(c, _)| *c).eq(wanted.iter().copied()) {
            for (offset, (c, referenced)) in window.iter().enumerate() {
                assert!(
                    *referenced || !matches!(c, '<' | '>' | '"' | '\'' | '&'),
                    "{what}: {c:?} of {value:?} is written raw (character {} of the match at {at})",
                    offset + 1
                );
            }
            found += 1;
        }
    }
    assert!(
        found > 0,
        "{what}: {value:?} is not shown (neither raw nor escaped)"
    );
    found
}

/// Checks that no hostile markup is in `body` as markup.
fn no_raw_markup(what: &str, body: &str, extra: &[&str]) {
    for raw in HOSTILE.iter().filter(|h| **h != "</textarea>").chain(extra) {
        assert!(
            !body.contains(raw),
            "{what}: {raw:?} is in the body unescaped"
        );
    }
    // The pages have real text areas: every `</textarea>` must close one of them.
    assert_eq!(
        body.matches("</textarea>").count(),
        body.matches("<textarea").count(),
        "{what}: a `</textarea>` that closes no text area"
    );
}

/// Reads an HTML page; answers its status and body after checking the content type.
async fn page(env: &Env, path: &str) -> (StatusCode, String) {
    let (status, body, content_type) = env.call_raw(TestRequest::get().uri(path)).await;
    assert_eq!(content_type, "text/html; charset=utf-8", "{path}: {status}");
    (status, String::from_utf8(body).expect("utf-8"))
}

/// Everything hostile in the ledger: a city, a collector, and two products.
struct Fixture {
    /// Labelled with the hostile serial, brand and model; repaired with a hostile
    /// description; collected in the hostile city by the hostile collector, who holds it.
    shown: Uuid,
    /// Collected by the hostile collector, handed over, recycled into a hostile material.
    recycled: Uuid,
}

async fn fixture(env: &Env) -> Fixture {
    env.ok(
        &env.admin,
        Kind::CityRegistered,
        None,
        json!({"locode": LOCODE, "name": hostile("city"), "country": "DE",
               "population": 50_000, "population_year": 2023}),
    )
    .await;
    let evil = Actor::new(90, Role::Collector);
    env.ok(
        &env.admin,
        Kind::ActorRegistered,
        None,
        json!({"actor": evil.id, "org": hostile("org"), "name": hostile("name"),
               "roles": ["collector"], "public_key": evil.public_key(), "city": LOCODE}),
    )
    .await;
    let (maker, shop, repairer, recycler) = (
        env.actor(Role::Manufacturer),
        env.actor(Role::Retailer),
        env.actor(Role::Repairer),
        env.actor(Role::Recycler),
    );
    let now = crate::support::now_minus_minute();
    let here = (LOCODE, now.as_str());

    let shown = labelled(SERIAL);
    // Hazards are a closed vocabulary (reference/hazards.csv): hostile text cannot become one.
    let mut draft = env
        .draft(
            &maker,
            Kind::Registered,
            Some(shown),
            json!({"unu_key": "0306",
        "weight_g": 180, "gtin": GTIN, "serial": SERIAL, "hazards": [hostile("hazard")]}),
        )
        .await;
    draft.city = Some(LOCODE.into());
    env.refused(
        &draft.sign(&maker.key).expect("sign"),
        StatusCode::BAD_REQUEST,
        "unknown-hazard",
        Some(shown),
    )
    .await;
    env.ok_at(
        &maker,
        Kind::Registered,
        shown,
        here,
        json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": SERIAL,
               "brand": hostile("brand"), "model": hostile("model"),
               "hazards": ["battery:li-ion"]}),
    )
    .await;
    env.ok_at(&shop, Kind::PlacedOnMarket, shown, here, json!({}))
        .await;
    env.ok_at(
        &repairer,
        Kind::Repaired,
        shown,
        here,
        json!({"description": hostile("repair"), "parts_replaced": [hostile("part")]}),
    )
    .await;
    env.ok_at(
        &evil,
        Kind::Collected,
        shown,
        here,
        json!({"channel": "municipal"}),
    )
    .await;

    let recycled = labelled("SAFE-1");
    env.ok_at(
        &maker,
        Kind::Registered,
        recycled,
        here,
        json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": "SAFE-1"}),
    )
    .await;
    env.ok_at(&shop, Kind::PlacedOnMarket, recycled, here, json!({}))
        .await;
    env.ok_at(&evil, Kind::Collected, recycled, here, json!({}))
        .await;
    env.ok_at(
        &evil,
        Kind::HandedOver,
        recycled,
        here,
        json!({"to": recycler.id, "document": hostile("document")}),
    )
    .await;
    env.ok_at(
        &recycler,
        Kind::Received,
        recycled,
        here,
        json!({"discrepancy": hostile("discrepancy")}),
    )
    .await;
    env.ok_at(
        &recycler,
        Kind::Recycled,
        recycled,
        here,
        json!({"operation": "R4", "fractions": [{"material": hostile("material"), "mass_g": 20}]}),
    )
    .await;
    Fixture { shown, recycled }
}

db_test!(
    async fn pages_escape_everything_signers_wrote(db: TestDb) {
        let env = setup(db).await;
        let fixture = fixture(&env).await;
        let (org, name, city) = (hostile("org"), hostile("name"), hostile("city"));

        let passport_values = [
            hostile("brand"),
            hostile("model"),
            hostile("repair"),
            hostile("part"),
            org.clone(),
            name.clone(),
            city.clone(),
            SERIAL.to_string(),
        ];
        let digital_link = format!("/01/{GTIN}/21/{}", percent::encode(SERIAL));
        for path in [format!("/p/{}", fixture.shown), digital_link] {
            let (status, html) = html_page(&env, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {html}");
            for value in &passport_values {
                shown_escaped(&path, &html, value);
            }
            // The custodian, and the author of the collection, is the hostile collector.
            assert!(
                shown_escaped(&path, &html, &format!("{org} ({name})")) >= 2,
                "{path}"
            );
            no_raw_markup(&path, &html, &[SERIAL]);
        }

        let path = format!("/p/{}", fixture.recycled);
        let (status, html) = html_page(&env, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        for value in [
            hostile("material"),
            hostile("document"),
            hostile("discrepancy"),
            org.clone(),
            name.clone(),
        ] {
            shown_escaped(&path, &html, &value);
        }
        no_raw_markup(&path, &html, &[]);

        // The station lists the cities and the actors a product can be handed over to.
        let (status, html) = html_page(&env, "/scan").await;
        assert_eq!(status, StatusCode::OK);
        for value in [&org, &name, &city] {
            shown_escaped("/scan", &html, value);
        }
        no_raw_markup("/scan", &html, &[]);

        // The comparison's chart names the cities; the dashboard its city and materials.
        let (status, html) = html_page(&env, "/cities").await;
        assert_eq!(status, StatusCode::OK);
        shown_escaped("/cities", &html, &format!("{city} ({LOCODE})"));
        no_raw_markup("/cities", &html, &[]);
        let path = format!("/cities/{LOCODE}");
        let (status, html) = html_page(&env, &path).await;
        assert_eq!(status, StatusCode::OK);
        shown_escaped(&path, &html, &city);
        // In the materials chart (SVG) and in its table.
        assert!(
            shown_escaped(&path, &html, &hostile("material")) >= 2,
            "{path}"
        );
        no_raw_markup(&path, &html, &[]);

        // The printable labels.
        for (id, values) in [
            (
                fixture.shown,
                vec![
                    format!("{} {}", hostile("brand"), hostile("model")),
                    format!("S/N {SERIAL}"),
                ],
            ),
            (fixture.recycled, vec!["S/N SAFE-1".to_string()]),
        ] {
            let path = format!("/v1/products/{id}/label.svg");
            let (status, body, content_type) = env.call_raw(TestRequest::get().uri(&path)).await;
            assert_eq!(
                (status, content_type.as_str()),
                (StatusCode::OK, "image/svg+xml")
            );
            let svg = String::from_utf8(body).expect("utf-8");
            for value in values {
                shown_escaped(&path, &svg, &value);
            }
            no_raw_markup(&path, &svg, &[SERIAL]);
        }
    }
);

db_test!(
    async fn error_pages_escape_what_they_echo(db: TestDb) {
        let env = setup(db).await;
        // Pages that echo the path they could not read (browsers send `<` and `>` encoded;
        // `"`, `'` and `&` arrive as they are).
        for (path, status) in [
            ("/p/x\"onmouseover='alert(1)'&amp;", StatusCode::BAD_REQUEST),
            (
                "/p/%3Cscript%3Ealert(1)%3C%2Fscript%3E\"'&amp;",
                StatusCode::BAD_REQUEST,
            ),
            ("/01/%3Cscript%3E\"'&amp;/21/x", StatusCode::BAD_REQUEST),
            (
                "/01/09506000134352/21/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                StatusCode::BAD_REQUEST,
            ),
            (
                "/01/09506000134352/21/\"'&amp;%3Cb%3E~",
                StatusCode::BAD_REQUEST,
            ),
        ] {
            let (got, html) = page(&env, path).await;
            assert_eq!(got, status, "{path}: {html}");
            shown_escaped(path, &html, path);
            no_raw_markup(path, &html, &["<script", "<b>", "='alert(1)'"]);
        }
        // A valid serial of dangerous characters that names no product: a 404 page that does
        // not show the decoded serial raw.
        for path in [
            "/01/09506000134352/21/%3Cscript%3E",
            "/01/09506000134352/21/%22'&amp;%3Cb%3E",
        ] {
            let (got, html) = page(&env, path).await;
            assert_eq!(got, StatusCode::NOT_FOUND, "{path}: {html}");
            no_raw_markup(path, &html, &["<script", "<b>", "\"'&amp;"]);
        }
        // Unknown routes answer JSON problems, never HTML.
        let (got, body, content_type) = env
            .call_raw(TestRequest::get().uri("/x\"'&amp;%3Cscript%3E"))
            .await;
        assert_eq!(
            (got, content_type.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(problem["type"], "urn:ewaste-ledger:problem:not-found");
    }
);

/// The checks themselves fail both ways: on a value written raw and on a value not shown.
mod checks {
    use super::{decode, no_raw_markup, shown_escaped};

    #[test]
    fn references_decode_and_escaped_values_pass() {
        let text: String = decode("&lt;a&#62;&#x27;&amp;amp;&quot;&apos;&#39;&unknown;")
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(text, "<a>'&amp;\"''&unknown;");
        assert_eq!(
            shown_escaped("t", "<p>&lt;b&gt;&#39;x&#39;</p>", "<b>'x'"),
            1
        );
        no_raw_markup("t", "<textarea></textarea><p>&lt;script&gt;</p>", &[]);
    }

    #[test]
    #[should_panic(expected = "is written raw")]
    fn a_raw_value_fails() {
        shown_escaped("t", "<p>&lt;b&gt;\"</p>", "<b>\"");
    }

    #[test]
    #[should_panic(expected = "is not shown")]
    fn a_missing_value_fails() {
        shown_escaped("t", "<p>&lt;i&gt;</p>", "<b>");
    }

    #[test]
    #[should_panic(expected = "closes no text area")]
    fn a_stray_textarea_end_fails() {
        no_raw_markup("t", "<textarea></textarea></textarea>", &[]);
    }
}
