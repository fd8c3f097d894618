//! The HTTP API (docs/api.md), actix-web only. Routes are registered in one place,
//! [`routes`]; handlers are thin and call the ledger.

mod assets;
mod body;
mod capture;
mod charts;
mod city_charts;
mod dashboard;
mod epcis;
mod epcis_map;
mod events;
mod forms;
mod headers;
mod history;
mod home;
mod labels;
mod log;
mod metrics;
mod numbers;
mod openapi;
mod pages;
mod passport;
pub mod problem;
mod products;
mod receipt;
mod registry;
mod station;
mod stats;
mod subject_pages;
mod subjects;
mod transit_page;
pub mod views;

use crate::config::Limits;
use crate::ledger::Ledger;
use actix_web::web;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ledger: Ledger,
    /// Base of label URIs, without a trailing slash.
    pub public_url: String,
    pub limits: Limits,
}

/// Registers every route. The server and the tests build the app with this same function.
pub fn routes(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                problem::Problem::bad_request(
                    "invalid-query",
                    format!("The query string is invalid: {error}."),
                )
                .into()
            }))
            // Every route inside one scope, so that one middleware times them all and one
            // sets the headers every answer carries (the outer one, registered last).
            .service(
                web::scope("")
                    // Innermost: the other two see the page it may put in a problem's place.
                    .wrap(actix_web::middleware::from_fn(pages::html_errors))
                    .wrap(actix_web::middleware::from_fn(metrics::timed))
                    .wrap(actix_web::middleware::from_fn(
                        headers::security_and_caching,
                    ))
                    .route("/", web::get().to(home::home))
                    .route("/search", web::get().to(home::search))
                    .route("/healthz", web::get().to(registry::health))
                    .route("/openapi.json", web::get().to(openapi::openapi))
                    .route("/metrics", web::get().to(metrics::metrics))
                    .route("/v1/events", web::post().to(events::submit_one))
                    .route("/v1/events/batch", web::post().to(events::submit_batch))
                    .route("/v1/products", web::get().to(products::products))
                    .route("/v1/products/{id}", web::get().to(products::product))
                    .route(
                        "/v1/products/{id}/events",
                        web::get().to(products::product_events),
                    )
                    .route("/v1/lots", web::get().to(subjects::lots))
                    .route("/v1/containers", web::get().to(subjects::containers))
                    .route("/v1/lots/{id}", web::get().to(subjects::lot))
                    .route("/v1/lots/{id}/events", web::get().to(subjects::lot_events))
                    .route("/v1/containers/{id}", web::get().to(subjects::container))
                    .route(
                        "/v1/containers/{id}/events",
                        web::get().to(subjects::container_events),
                    )
                    .route("/v1/transit", web::get().to(subjects::transit))
                    .route("/v1/lots/{id}/label.svg", web::get().to(labels::lot_svg))
                    .route("/v1/lots/{id}/label.png", web::get().to(labels::lot_png))
                    .route(
                        "/v1/containers/{id}/label.svg",
                        web::get().to(labels::container_svg),
                    )
                    .route(
                        "/v1/containers/{id}/label.png",
                        web::get().to(labels::container_png),
                    )
                    .route("/transit", web::get().to(transit_page::page))
                    .route("/v1/products/{id}/label.svg", web::get().to(labels::svg))
                    .route("/v1/products/{id}/label.png", web::get().to(labels::png))
                    .route(
                        "/01/{gtin}/21/{serial}",
                        web::get().to(passport::digital_link),
                    )
                    .route("/p/{id}", web::get().to(passport::by_id))
                    .route("/l/{id}", web::get().to(subject_pages::lot))
                    .route("/c/{id}", web::get().to(subject_pages::container))
                    .route("/00/{sscc}", web::get().to(subject_pages::sscc))
                    .route("/r/{seq}", web::get().to(receipt::receipt))
                    .route("/scan", web::get().to(station::page))
                    .route("/scan/key.svg", web::get().to(station::key_qr))
                    .route("/assets/{name}", web::get().to(assets::asset))
                    .route("/v1/actors", web::get().to(registry::actors))
                    .route("/v1/actors/{id}", web::get().to(registry::actor))
                    .route("/v1/cities", web::get().to(registry::cities))
                    .route("/cities", web::get().to(dashboard::cities))
                    .route("/cities.csv", web::get().to(dashboard::cities_csv))
                    .route("/cities/{locode}", web::get().to(dashboard::city))
                    .route(
                        "/cities/{locode}/{chart}",
                        web::get().to(dashboard::chart_csv),
                    )
                    .route(
                        "/epcis/context.jsonld",
                        web::get().to(epcis::context_document),
                    )
                    .route("/epcis/events", web::get().to(epcis::events))
                    .route("/epcis/capture", web::post().to(capture::capture))
                    .route("/epcis/events/{id}", web::get().to(epcis::event))
                    .route("/epcis/epcs/{epc}/events", web::get().to(epcis::epc_events))
                    .route("/v1/stats", web::get().to(stats::all))
                    // Before `{locode}`, which would take `years` for a LOCODE.
                    .route("/v1/stats/years", web::get().to(stats::years))
                    .route("/v1/stats/{locode}", web::get().to(stats::city))
                    .route("/v1/log/checkpoint", web::get().to(log::checkpoint))
                    .route("/v1/log/key", web::get().to(log::key))
                    .route("/v1/log/entries", web::get().to(log::entries))
                    .route("/v1/log/entries/{seq}", web::get().to(log::entry))
                    .route("/v1/log/proof/inclusion", web::get().to(log::inclusion))
                    .route("/v1/log/proof/consistency", web::get().to(log::consistency))
                    .route("/v1/log/proof/event/{id}", web::get().to(log::event_proof))
                    .route("/v1/log/cosignature", web::post().to(log::cosignature))
                    .route("/v1/log/export", web::get().to(log::export))
                    .default_service(web::to(registry::no_route)),
            );
    }
}
