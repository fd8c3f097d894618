//! City dashboards on both backends: headline rates against targets, server-rendered SVG
//! charts each with its table and CSV, and the comparison of cities.

use crate::db::{db_test, TestDb};
use crate::station::html_page;
use crate::stats::scenario;
use crate::support::{assert_problem, setup};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

db_test! {
    async fn a_city_dashboard_shows_its_kpis_charts_and_tables(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, html) = html_page(&env, "/cities/DEBER?year=2025").await;
        assert_eq!(status, StatusCode::OK);
        for expected in [
            "<title>Berlin · circular-economy statistics 2025</title>",
            // The EU collection rate of the hand-computed scenario, against its 65 % target.
            "<div class=\"value bad\">12.3 %</div>", "target 65 % · documented",
            "Flows per year, 2022–2025 (kg)", "Rates against their targets, 2025 (%)",
            "Material recovered by fraction, 2025 (kg)", "Observed lifespans against the model, 2025 (years)",
            "<td>copper</td><td>0.02</td>", "<td>2025</td><td>40.0</td><td>42.61</td>",
            "href=\"/cities/DEBER/flows.csv?year=2025\"", "href=\"/v1/stats/DEBER?year=2025\"",
            "Mobile Phones",
        ] {
            assert!(html.contains(expected), "{expected} in the dashboard");
        }
        assert_eq!(html.matches("<svg").count(), 4, "four charts");

        let (status, body, content_type) = env.call_raw(TestRequest::get().uri("/cities/DEBER/flows.csv?year=2025")).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
        let csv = String::from_utf8(body).expect("utf-8");
        assert!(csv.starts_with("year,placed on the market (kg),collected (kg),recycled (kg)"), "{csv}");
        assert!(csv.contains("\n2025,40.0,42.61,0.21,0.2,0.2,42.0\n"), "{csv}");
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/cities/DEBER/rates.csv?year=2025")).await;
        assert!(String::from_utf8(body).expect("utf-8").contains("EU collection rate,12.28,65"));

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

    async fn cities_are_compared(db: TestDb) {
        let env = setup(db).await;
        scenario(&env).await;
        let (status, html) = html_page(&env, "/cities").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Cities compared · 2025"), "the latest year with figures");
        assert!(html.contains("href=\"/cities/DEBER?year=2025\"") && html.contains("href=\"/cities/FRPAR?year=2025\""));
        assert!(html.contains("<svg"));
        let (_, body, _) = env.call_raw(TestRequest::get().uri("/cities.csv?year=2025")).await;
        let csv = String::from_utf8(body).expect("utf-8");
        assert!(csv.starts_with("city,collected (kg),"), "{csv}");
        assert!(csv.contains("\nDEBER,42.61,"), "{csv}");
        assert!(csv.contains("\nFRPAR,0.0,"), "{csv}");
    }
}
