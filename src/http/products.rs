//! `GET /v1/products/{id}` and `GET /v1/products/{id}/events`.

use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::identifiers::ProductRef;
use actix_web::{web, HttpResponse};
use uuid::Uuid;

/// A product id in a path: its UUID, or a label URI path such as a Digital Link.
pub fn product_id(text: &str) -> Result<Uuid, Problem> {
    ProductRef::parse(text)
        .map(|r| r.product_id())
        .map_err(|e| {
            Problem::bad_request(
                "invalid-product-id",
                format!("`{text}` is not a product id: {e}"),
            )
        })
}

pub async fn product(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let product = state.ledger.product(product_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(views::product(&state.public_url, &product)))
}

pub async fn product_events(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let events = state.ledger.product_events(product_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(events.iter().map(views::logged_event).collect::<Vec<_>>()))
}
