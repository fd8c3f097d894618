//! `GET /`: the home page a person opens first (what this ledger is, the log's size and latest
//! checkpoint, the cities, the scan station, the API and the docs), and `GET /search?q=`: its
//! product search, a plain GET form answered here so that it works without scripts.

use super::pages::{city_choices, html, readable_time};
use super::passport::state_label;
use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::identifiers::ProductRef;
use crate::domain::records::ProductRecord;
use crate::domain::serial::Serial;
use crate::domain::wording::count;
use crate::labels::short_id;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    log_size: String,
    /// `size · root · time` of the latest checkpoint, or why there is none.
    checkpoint: Option<Checkpoint>,
    /// `(locode, "name (locode)")` of every registered city.
    cities: Vec<(String, String)>,
    query: String,
}

struct Checkpoint {
    size: String,
    root: String,
    signed_at: String,
}

/// `GET /`.
pub async fn home(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let head = state.ledger.head().await?;
    let checkpoint = state
        .ledger
        .checkpoint_summary()
        .await?
        .map(|c| Checkpoint {
            size: count(c.size as u64, "entry", "entries"),
            root: c.root_hex[..12].to_string(),
            signed_at: readable_time(c.signed_at.and_utc()),
        });
    let cities = city_choices(&state.ledger).await?;
    html(
        StatusCode::OK,
        &HomePage {
            log_size: count(head.size as u64, "entry", "entries"),
            checkpoint,
            cities,
            query: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    query: String,
    /// What the page says above the results.
    heading: String,
    message: String,
    found: Vec<Found>,
}

struct Found {
    path: String,
    title: String,
    facts: String,
}

/// Longest search text considered: a label URI with a long base fits many times over.
const MAX_QUERY_CHARS: usize = 500;
/// Most products one search lists.
const MAX_FOUND: i64 = 20;

/// `GET /search?q=`: one product found redirects to its passport (303); several are listed;
/// none is a 404 page that says what was searched and what a search can find.
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    let text = query.q.as_deref().unwrap_or("").trim().to_string();
    let page = |status, heading: String, message: String, found| {
        html(
            status,
            &SearchPage {
                query: text.clone(),
                heading,
                message,
                found,
            },
        )
    };
    if text.is_empty() {
        return page(
            StatusCode::OK,
            "Find a product".into(),
            "Type or paste what a label shows.".into(),
            Vec::new(),
        );
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return page(
            StatusCode::BAD_REQUEST,
            "Search text too long".into(),
            format!(
                "A search is at most {MAX_QUERY_CHARS} characters; a label URI is far shorter."
            ),
            Vec::new(),
        );
    }
    let found = find(&state, &text).await?;
    match found.as_slice() {
        [] => page(
            StatusCode::NOT_FOUND,
            "Nothing found".into(),
            format!(
                "No product in this ledger has the label URI, product id, short id or serial \
                 “{text}”."
            ),
            Vec::new(),
        ),
        [product] => {
            let path = views::product_path(product);
            // The body is the short note a 303 should carry, for clients that do not follow;
            // the path needs no escaping (a GTIN, and a serial percent-encoded outside A-Z a-z
            // 0-9 - . _ ~, or a UUID).
            let note = format!("<p>Found: <a href=\"{path}\">{path}</a></p>\n");
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, path))
                .content_type("text/html; charset=utf-8")
                .body(note))
        }
        several => page(
            StatusCode::OK,
            format!("{} products found", several.len()),
            format!("Several products match “{text}”: choose one."),
            several.iter().map(shown).collect(),
        ),
    }
}

/// Every product `text` can name: as a label URI, a `/p/{id}` path or a product id; as the
/// short id printed on labels (the id's first 8 hex digits); and as a serial, under any GTIN.
async fn find(state: &AppState, text: &str) -> Result<Vec<ProductRecord>, Problem> {
    let mut found = Vec::new();
    if let Ok(reference) = ProductRef::parse(text) {
        found.extend(
            state
                .ledger
                .products(vec![reference.product_id().to_string()])
                .await?,
        );
    }
    let lower = text.to_ascii_lowercase();
    if lower.len() == 8 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        // Ids are stored hyphenated and sorted as text: those with this prefix come right
        // after `{prefix}-0000-0000-0000-000000000000`.
        let start = Uuid::parse_str(&format!("{lower}-0000-0000-0000-000000000000"))
            .map_err(|e| Problem::bad_request("invalid-query", e.to_string()))?;
        let after = state.ledger.products_after(Some(start), MAX_FOUND).await?;
        found.extend(
            after
                .into_iter()
                .take_while(|product| product.id.to_string().starts_with(&lower)),
        );
    }
    if Serial::parse(text).is_ok() {
        found.extend(
            state
                .ledger
                .products_with_serial(text.to_string(), MAX_FOUND)
                .await?,
        );
    }
    found.sort_by_key(|product| product.id);
    found.dedup_by_key(|product| product.id);
    Ok(found)
}

fn shown(product: &ProductRecord) -> Found {
    let title = [&product.brand, &product.model]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let mut facts = vec![format!("ID {}", short_id(&product.id))];
    if let (Some(gtin), Some(serial)) = (&product.gtin, &product.serial) {
        facts.push(format!("GTIN {gtin}, serial {serial}"));
    }
    facts.push(state_label(product.state).into());
    Found {
        path: views::product_path(product),
        title: if title.is_empty() {
            format!("Product {}", short_id(&product.id))
        } else {
            title
        },
        facts: facts.join(" · "),
    }
}
