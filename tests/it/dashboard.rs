//! City dashboards on both backends: headline rates against targets, charts each with its
//! table and CSV, and the comparison of cities; rates over a base too small are not judged,
//! figures that look wrong (above 100 %, negative stock) are explained where they show,
//! numbers are formatted for reading, one year of figures still draws, and no page offers a
//! year that has not begun.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::stats::scenario;
use crate::support::{assert_problem, labelled, setup, Env, GTIN};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chrono::Datelike;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::json;

/// The README walk-through's history in one year: one phone of 200 g registered, sold,
/// collected weighing 203 g, handed to the recycler and recycled, all in DEBER in 2025.
async fn one_phone(env: &Env) {
    let (maker, collector, recycler) = (
        env.actor(Role::Manufacturer),
        env.actor(Role::Collector),
        env.actor(Role::Recycler),
    );
    let id = labelled("W1");
    let at = |day: &str| ("DEBER", format!("2025-{day}T10:00:00Z"));
    let steps = [
        (
            &maker,
            Kind::Registered,
            "01-02",
            json!({"unu_key": "0306", "weight_g": 200, "gtin": GTIN, "serial": "W1"}),
        ),
        (&maker, Kind::PlacedOnMarket, "02-01", json!({})),
        (
            &collector,
            Kind::Collected,
            "03-01",
            json!({"weight_g": 203}),
        ),
        (
            &collector,
            Kind::HandedOver,
            "03-02",
            json!({"to": recycler.id}),
        ),
        (&recycler, Kind::Received, "03-03", json!({})),
        (
            &recycler,
            Kind::Depolluted,
            "04-01",
            json!({"components": [{"component": "battery:li-ion", "mass_g": 40}]}),
        ),
        (
            &recycler,
            Kind::Recycled,
            "05-01",
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 20}]}),
        ),
    ];
    for (actor, kind, day, data) in steps {
        let (city, time) = at(day);
        env.ok_at(actor, kind, id, (city, time.as_str()), data)
            .await;
    }
}

db_test! {
    async fn a_city_dashboard_shows_its_kpis_charts_and_tables(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, html) = html_page(&env, "/cities/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        for expected in [
            "<title>Berlin · circular-economy statistics 2025</title>",
            // Thousands grouped.
            "3,755,251 inhabitants (2023)",
            // The EU collection rate of the hand-computed scenario, against its 65 % target,
            // over mean sales of 346.9 kg in 2022–2024: judged, and not met.
            "<div class=\"value bad\">12.3 %</div>", "target 65 % · not met · documented",
            "<div class=\"value\">42.6 kg</div>", "0.011 g per inhabitant",
            "Flows per year, 2022–2025 (kg)", "Rates against their targets, 2025 (%)",
            "Material recovered by fraction, 2025 (kg)", "Observed lifespans against the model, 2025 (years)",
            // Tables show kg with 0 or 1 decimals, and small masses with two significant digits.
            "<td>copper</td><td>0.02</td>", "<td>2025</td><td>40.0</td><td>42.6</td><td>0.21</td>",
            "<td>EU collection rate</td><td>12.3</td><td>65.0</td><td>347</td><td>not met</td>",
            "href=\"/cities/DEBER/flows.csv?year=2025\"", "href=\"/v1/stats/DEBER?year=2025\"",
            "Mobile Phones",
        ] {
            assert!(html.contains(expected), "{expected} in the dashboard");
        }
        assert_eq!(html.matches("<figure class=\"chart\">").count(), 4, "four charts");
        // Bars, target ticks and their labels are cells of one row.
        assert!(html.contains("<span class=\"bar-label\">EU collection rate</span>"));
        // A tick per target: the two headline rates, the two categories collected (phones,
        // fridges) and the model's lifespan of each of the two UNU-KEYs collected.
        assert_eq!(html.matches("<line class=\"target\"").count(), 6);
        // The prepared-for-re-use share divides by 42.6 kg collected from 4 products: not judged.
        assert!(html.contains("share of collected mass · documented · base too small (42.6 kg)"), "{html}");
        assert!(html.contains("href=\"#small-base\">Why?</a>"));
        assert!(html.contains("id=\"small-base\""));
        // Nothing here is above 100 % or below zero, so those notes do not show under a figure.
        assert!(!html.contains("href=\"#over-100\"") && !html.contains("href=\"#negative-stock\""));
        // Not a demo city: no note about samples.
        assert!(!html.contains("demo-note"));

        let (status, body, content_type) = env.call_raw(TestRequest::get().uri("/cities/DEBER/flows.csv?year=2025")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
        let csv = String::from_utf8(body).expect("utf-8");
        assert!(csv.starts_with("year,placed on the market (kg),collected (kg),recycled (kg)"), "{csv}");
        // The CSV keeps the KPIs' digits; only the page rounds.
        assert!(csv.contains("\n2025,40.0,42.61,0.21,0.2,0.2,42.0\n"), "{csv}");
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/cities/DEBER/rates.csv?year=2025")).await;
        let rates = String::from_utf8(body).expect("utf-8");
        assert!(rates.starts_with("rate,value (%),target (%),base (kg),reading\n"), "{rates}");
        assert!(rates.contains("\nEU collection rate,12.28,65,346.867,not met\n"), "{rates}");
        assert!(rates.contains("\nRecycling rate (modelled),0.17,30,120.624,not met\n"), "{rates}");

        // Without a year: the latest year with documented figures.
        let (_, latest) = html_page(&env, "/cities/DEBER").await;
        assert!(latest.contains("Berlin (DEBER) · 2025"));

        let (status, body, _) = env.call(TestRequest::get().uri("/cities/DEBER/pie.csv")).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body, _) = env.call(TestRequest::get().uri("/cities/XXXXX")).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
        let (status, body, _) = env.call(TestRequest::get().uri("/cities/berlin")).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "invalid-locode");
    }

    async fn a_rate_over_a_tiny_base_is_not_judged_and_odd_figures_are_explained(db: TestDb) {
        let env = setup(db).await;
        one_phone(&env).await;
        // The JSON API keeps its plain comparison: 0.2 kg recycled over a modelled 0.01 kg.
        let (_, stats, _) = env.call(TestRequest::get().uri("/v1/stats/DEBER?year=2025")).await;
        let rate = stats["total"]["recycling_rate_pct"].as_f64().expect("a recycling rate");
        assert!(rate > 1_000.0, "{rate}");
        assert_eq!(stats["total"]["targets"]["recycling_rate_pct"]["met"], true);
        assert_eq!(stats["total"]["in_use_stock_kg"], json!(-0.003));

        let (status, html) = html_page(&env, "/cities/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        // Shown with its value, grey, and "base too small" where "met" would be.
        let tile = html.split("Recycling rate</div>").nth(1).expect("the recycling tile");
        let tile = &tile[..tile.find("<div class=\"tile\">").unwrap_or(tile.len())];
        assert!(tile.starts_with("<div class=\"value small\">"), "{tile}");
        assert!(tile.contains("target 30 % · base too small (0.0"), "{tile}");
        assert!(!tile.contains("· met"), "{tile}");
        assert!(tile.contains("href=\"#small-base\">Why?</a>"), "{tile}");
        assert!(tile.contains("href=\"#over-100\">Why?</a>"), "a rate above 100 % is explained under it: {tile}");
        // In the rates chart: no bar for it, the value and the words instead.
        let row = html.split("<span class=\"bar-label\">Recycling rate (modelled)</span>").nth(1).expect("its row");
        let row = &row[..row.find("</div>").expect("the row's end")];
        assert!(!row.contains("<rect class=\"bar\""), "{row}");
        assert!(row.contains("<small>base too small</small>"), "{row}");
        assert!(html.contains("<td>Recycling rate (modelled)</td>") && html.contains("<td>base too small</td>"));
        // The stock below zero, explained under it and in the notes.
        assert!(html.contains("<div class=\"value\">-0.003 kg</div>"), "{html}");
        assert!(html.contains("href=\"#negative-stock\">Why?</a>"));
        for anchor in ["id=\"small-base\"", "id=\"over-100\"", "id=\"negative-stock\""] {
            assert!(html.contains(anchor), "{anchor}");
        }

        // One year of figures: the flows are dots, and the page says why there is no trend.
        assert!(html.contains("Flows in 2025 (kg)"));
        let flows = html.split("id=\"flows\"").nth(1).expect("the flows chart");
        let flows = &flows[..flows.find("</section>").expect("its end")];
        assert_eq!(flows.matches("<circle").count(), 6, "one dot per flow");
        assert!(flows.contains("a trend needs at least two years"));
        assert!(!flows.contains("chart-empty"));
    }

    async fn a_ledger_without_figures_says_so(db: TestDb) {
        let env = setup(db).await;
        let (status, html) = html_page(&env, "/cities/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<p class=\"chart-empty\">No sales, collection or treatment recorded up to 2025.</p>"), "{html}");
        assert!(html.contains("<p class=\"chart-empty\">No recycling output recorded in 2025.</p>"));
        assert!(html.contains("<div class=\"value\">n/a</div>"), "a rate that cannot be computed");
    }

    async fn no_page_offers_a_year_that_has_not_begun(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let this_year = chrono::Utc::now().year();
        for path in ["/cities", "/cities/DEBER"] {
            for asked in [this_year - 1, this_year, this_year + 3] {
                let (status, html) = html_page(&env, &format!("{path}?year={asked}")).await;
                assert_eq!(status, StatusCode::OK);
                let nav = html.split("<nav class=\"years\"").nth(1).expect("the year selector");
                let nav = &nav[..nav.find("</nav>").expect("its end")];
                let offered: Vec<i32> = nav.split("?year=").skip(1)
                    .map(|rest| rest[..4].parse().expect("a year"))
                    .collect();
                assert!(!offered.is_empty(), "{path}?year={asked}: {nav}");
                assert!(offered.iter().all(|y| *y <= this_year), "{path}?year={asked} offers {offered:?}");
                assert!(offered.contains(&this_year.min(asked)) || asked > this_year, "{path}?year={asked} offers {offered:?}");
            }
        }
        // The year before this one offers this one, which has begun.
        let (_, html) = html_page(&env, &format!("/cities?year={}", this_year - 1)).await;
        assert!(html.contains(&format!("href=\"/cities?year={this_year}\"")));
    }

    async fn cities_are_compared(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, html) = html_page(&env, "/cities").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Cities compared · 2025"), "the latest year with figures");
        assert!(html.contains("href=\"/cities/DEBER?year=2025\"") && html.contains("href=\"/cities/FRPAR?year=2025\""));
        assert_eq!(html.matches("<figure class=\"chart\">").count(), 1);
        // Per inhabitant in grams (0.000011 kg would read as nothing), and formatted tables.
        assert!(html.contains("Collected per inhabitant, 2025 (g)"), "{html}");
        assert!(html.contains("<td>DEBER</td><td>42.6</td><td>0.000011</td><td>12.3</td><td>0.2</td>"), "{html}");
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/cities.csv?year=2025")).await;
        let csv = String::from_utf8(body).expect("utf-8");
        assert!(csv.starts_with("city,collected (kg),"), "{csv}");
        assert!(csv.contains("\nDEBER,42.61,"), "{csv}");
        assert!(csv.contains("\nFRPAR,0.0,"), "{csv}");
    }
}
