//! Actors, cities and health.

use super::problem::Problem;
use super::views;
use super::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use uuid::Uuid;

pub async fn actors(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let actors = state.ledger.actors().await?;
    Ok(HttpResponse::Ok().json(actors.iter().map(views::actor).collect::<Vec<_>>()))
}

pub async fn actor(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = Uuid::parse_str(&path).map_err(|_| {
        Problem::bad_request("invalid-actor-id", format!("`{path}` is not a UUID."))
    })?;
    Ok(HttpResponse::Ok().json(views::actor(&state.ledger.actor(id).await?)))
}

pub async fn cities(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let cities = state.ledger.cities().await?;
    Ok(HttpResponse::Ok().json(cities.iter().map(views::city).collect::<Vec<_>>()))
}

/// Healthy when the database answers; reports the log size so probes can watch progress.
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let head = state.ledger.head().await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ok",
        "backend": state.ledger.backend(),
        "log_size": head.size,
        "head": head.head.to_hex(),
    })))
}

pub async fn no_route(request: HttpRequest) -> Result<HttpResponse, Problem> {
    Err(Problem::not_found(format!(
        "There is no resource at {} {}.",
        request.method(),
        request.path()
    )))
}
