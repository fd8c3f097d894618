//! `GET /v1/products/{id}/label.svg` and `.png`: the product's printable label; the same for
//! lots (`/v1/lots/{id}/label.*`) and containers (`/v1/containers/{id}/label.*`).

use super::problem::Problem;
use super::products::product_id;
use super::views::{product_uri, subject_uri};
use super::AppState;
use crate::domain::kinds::SubjectKind;
use crate::domain::records::{ProductRecord, SubjectRecord};
use crate::domain::sscc::Sscc;
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

/// The label of a lot or a container as the ledger knows it (docs/lifecycle.md §8): its URI,
/// and a lot's category and mass or a container's SSCC.
pub fn subject_label_for(public_url: &str, subject: &SubjectRecord) -> Label {
    let uri = subject_uri(public_url, subject);
    match subject {
        SubjectRecord::Product(product) => label_for(public_url, product),
        SubjectRecord::Lot(lot) => {
            let category = match lot.category.strip_prefix("eu6:") {
                Some(eu6) => format!("EU-6 {eu6}"),
                None => lot.category.clone(),
            };
            Label::lot(uri, &category, lot.mass_g, &lot.id)
        }
        SubjectRecord::Container(container) => {
            // Recorded SSCCs passed their check digit, so they parse again.
            let sscc = container.sscc.as_deref().and_then(|s| Sscc::parse(s).ok());
            Label::container(uri, sscc.as_ref(), &container.id)
        }
    }
}

fn subject_id(kind: SubjectKind, text: &str) -> Result<uuid::Uuid, Problem> {
    uuid::Uuid::parse_str(text).map_err(|_| {
        Problem::bad_request(
            "invalid-id",
            format!("`{text}` is not a {kind} id (a UUID)."),
        )
    })
}

async fn subject_label(state: &AppState, kind: SubjectKind, id: &str) -> Result<Label, Problem> {
    let subject = state.ledger.subject(kind, subject_id(kind, id)?).await?;
    Ok(subject_label_for(&state.public_url, &subject))
}

fn svg_answer(label: &Label) -> Result<HttpResponse, Problem> {
    let svg = labels::label_svg(label).map_err(failed)?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

fn png_answer(label: &Label) -> Result<HttpResponse, Problem> {
    let png = labels::label_png(label).map_err(failed)?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// `GET /v1/lots/{id}/label.svg`.
pub async fn lot_svg(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    svg_answer(&subject_label(&state, SubjectKind::Lot, &path).await?)
}

/// `GET /v1/lots/{id}/label.png`.
pub async fn lot_png(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    png_answer(&subject_label(&state, SubjectKind::Lot, &path).await?)
}

/// `GET /v1/containers/{id}/label.svg`.
pub async fn container_svg(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    svg_answer(&subject_label(&state, SubjectKind::Container, &path).await?)
}

/// `GET /v1/containers/{id}/label.png`.
pub async fn container_png(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    png_answer(&subject_label(&state, SubjectKind::Container, &path).await?)
}
