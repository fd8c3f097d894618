//! `GET /v1/products` (every product, paged), `GET /v1/products/{id}` and
//! `GET /v1/products/{id}/events`.

use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::identifiers::ProductRef;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// The most products one page of `GET /v1/products` holds.
pub const MAX_PRODUCTS_PER_PAGE: i64 = 10_000;

/// `?after=&limit=` of `GET /v1/products`.
#[derive(Deserialize)]
pub struct ProductPage {
    after: Option<String>,
    limit: Option<i64>,
}

/// `GET /v1/products`: every product in id order, a page at a time (keyset paging: `next` is
/// the `after` of the next page, `null` on the last), so that anyone can read all served state.
pub async fn products(
    state: web::Data<AppState>,
    query: web::Query<ProductPage>,
) -> Result<HttpResponse, Problem> {
    let after = match &query.after {
        Some(text) => Some(Uuid::parse_str(text).map_err(|_| {
            Problem::bad_request(
                "invalid-query",
                format!("`after` must be a product id (a UUID), not `{text}`."),
            )
        })?),
        None => None,
    };
    let limit = query.limit.unwrap_or(1000);
    if !(1..=MAX_PRODUCTS_PER_PAGE).contains(&limit) {
        return Err(Problem::bad_request(
            "invalid-query",
            format!("`limit` must be between 1 and {MAX_PRODUCTS_PER_PAGE}, not {limit}."),
        ));
    }
    let products = state.ledger.products_after(after, limit).await?;
    let next = match products.last() {
        Some(last) if products.len() as i64 == limit => Some(last.id),
        _ => None,
    };
    let views: Vec<_> = products
        .iter()
        .map(|product| views::product(&state.public_url, product))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"products": views, "next": next})))
}

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
