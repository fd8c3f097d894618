//! `GET /v1/products/{id}/label.svg` and `.png`: the product's printable label.

use super::problem::Problem;
use super::products::product_id;
use super::views::product_uri;
use super::AppState;
use crate::domain::records::ProductRecord;
use crate::labels::{self, Label, LabelError};
use crate::ledger::LedgerError;
use actix_web::{web, HttpResponse};

/// The label of a product as the ledger knows it.
pub fn label_for(public_url: &str, product: &ProductRecord) -> Label {
    Label::product(
        product_uri(public_url, product),
        product.brand.as_deref(),
        product.model.as_deref(),
        product.serial.as_deref(),
        &product.id,
    )
}

fn failed(error: LabelError) -> Problem {
    LedgerError::Internal(error.to_string()).into()
}

pub async fn svg(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let product = state.ledger.product(product_id(&path)?).await?;
    let svg = labels::label_svg(&label_for(&state.public_url, &product)).map_err(failed)?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

pub async fn png(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let product = state.ledger.product(product_id(&path)?).await?;
    let png = labels::label_png(&label_for(&state.public_url, &product)).map_err(failed)?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}
