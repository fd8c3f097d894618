//! The label resolver (docs/lifecycle.md, "Identifiers and labels"): `GET /01/{gtin}/21/{serial}` and `GET /p/{id}`. A
//! browser gets the product passport, server-rendered from compiled templates (readable without
//! scripts, nothing from other hosts, everything escaped); `Accept: application/json` gets the
//! product and its history as JSON. The one script a passport loads, `/assets/passport.js`,
//! offers an enrolled device the next events the state machine allows.

use super::forms::{kind_label, next_kinds, EventForms, KindChoice};
use super::pages::html;
use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::company_prefix::BrandOwner;
use crate::domain::identifiers::ProductRef;
use crate::domain::kinds::{Kind, ProductState};
use crate::domain::reference;
use crate::ledger::passport::{ChainCheck, Passport};
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{json, Value};

#[derive(Template)]
#[template(path = "passport.html")]
struct PassportPage {
    title: String,
    category: String,
    state: String,
    terminal: bool,
    chain_ok: bool,
    chain_text: String,
    /// Whether the brand owner is verified by GS1 company prefix, and what to say about it.
    brand_ok: bool,
    brand_text: Option<String>,
    eu6: String,
    weight: String,
    custodian: Option<String>,
    gtin: Option<String>,
    serial: Option<String>,
    manufactured_on: Option<String>,
    id: String,
    hazards: Vec<(String, String)>,
    events: Vec<EventRow>,
    uri: String,
    json_link: String,
    /// What the recording panel needs: the product's head (the next `prev`), its custodian,
    /// and the kinds its state allows next.
    head: String,
    custodian_id: String,
    next_kinds: Vec<KindChoice>,
    forms: EventForms,
}

struct EventRow {
    kind: String,
    when: String,
    place: String,
    who: String,
    details: Vec<String>,
    seq: i64,
}

#[derive(Template)]
#[template(path = "missing.html")]
struct MissingPage {
    title: String,
    message: String,
    hint: String,
}

/// `GET /01/{gtin}/21/{serial}`: the label's own path, parsed as printed (percent-encoded).
pub async fn digital_link(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, Problem> {
    resolve(&state, &request, request.uri().path()).await
}

/// `GET /p/{id}`.
pub async fn by_id(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, Problem> {
    resolve(&state, &request, request.uri().path()).await
}

fn wants_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json") && !accept.contains("text/html"))
}

async fn resolve(
    state: &AppState,
    request: &HttpRequest,
    path: &str,
) -> Result<HttpResponse, Problem> {
    // GS1 Digital Link: `?linkType=gs1:epcis` asks for the product's EPCIS events.
    let link_type =
        web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
            .ok()
            .and_then(|q| q.get("linkType").cloned());
    if link_type.as_deref() == Some("gs1:epcis") {
        return super::epcis::product_document(state, path).await;
    }
    let json = wants_json(request);
    let id = match ProductRef::parse(path) {
        Ok(product) => product.product_id(),
        Err(error) if json => {
            return Err(Problem::bad_request(
                "invalid-product-id",
                format!("`{path}` is not a product label: {error}"),
            ))
        }
        Err(error) => {
            return missing(
                StatusCode::BAD_REQUEST,
                "Not a product label",
                format!("`{path}` is not a product label: {error}."),
            )
        }
    };
    let passport = match state.ledger.passport(id).await {
        Ok(passport) => passport,
        Err(LedgerError::NotFound { .. }) if !json => {
            return missing(
                StatusCode::NOT_FOUND,
                "Unknown product",
                format!("No product with id {id} is registered in this ledger."),
            )
        }
        Err(error) => return Err(error.into()),
    };
    if json {
        let mut body = json!({
            "product": views::product(&state.public_url, &passport.product),
            "events": passport.events.iter().map(views::logged_event).collect::<Vec<_>>(),
        });
        // Labelled products only; absent rather than null otherwise.
        if let Some(status) = &passport.brand_owner {
            body["brand_owner"] = brand_json(status);
        }
        return Ok(HttpResponse::Ok().json(body));
    }
    let forms = EventForms::new(&state.ledger.actors().await?);
    html(StatusCode::OK, &page(&state.public_url, &passport, forms))
}

fn missing(status: StatusCode, title: &str, message: String) -> Result<HttpResponse, Problem> {
    let page = MissingPage {
        title: title.into(),
        message,
        hint: "A label URI looks like …/01/{14-digit GTIN}/21/{serial} or …/p/{id}. Check that \
               the whole code was scanned, or ask the product's manufacturer or collector."
            .into(),
    };
    html(status, &page)
}

fn page(public_url: &str, passport: &Passport, forms: EventForms) -> PassportPage {
    let product = &passport.product;
    let unu = reference::unu_key(&product.unu_key);
    let eu6 = unu
        .and_then(|k| reference::weee_category(k.eu6_category))
        .map(|c| format!("{}: {}", c.category, c.name))
        .unwrap_or_else(|| "unknown".into());
    let actor_name = |id: &str| {
        uuid::Uuid::parse_str(id)
            .ok()
            .and_then(|id| passport.actors.get(&id))
            .map(|a| format!("{} ({})", a.org, a.name))
            .unwrap_or_else(|| id.to_string())
    };
    let title = match (&product.brand, &product.model) {
        (None, None) => format!("Product {}", crate::labels::short_id(&product.id)),
        (brand, model) => [brand, model]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let (chain_ok, chain_text) = match &passport.chain {
        ChainCheck::Verified {
            events,
            checkpoint_size,
        } => (
            true,
            format!(
                "Chain verified: {events} signed events linked by hash, the latest proven in the \
                 log's signed checkpoint of {checkpoint_size} entries."
            ),
        ),
        ChainCheck::Broken(why) => (false, format!("Chain does not verify: {why}.")),
    };
    PassportPage {
        title,
        category: unu
            .map(|k| format!("{} · {}", k.key, k.description))
            .unwrap_or_else(|| product.unu_key.clone()),
        state: state_label(product.state).into(),
        terminal: product.state.is_terminal(),
        chain_ok,
        chain_text,
        brand_ok: matches!(passport.brand_owner, Some(BrandOwner::Verified { .. })),
        brand_text: passport
            .brand_owner
            .as_ref()
            .map(|status| brand_text(status, &actor_name)),
        eu6,
        weight: match product.measured_weight_g {
            Some(measured) => format!("{} g declared, {measured} g measured", product.weight_g),
            None => format!("{} g", product.weight_g),
        },
        custodian: product.custodian.map(|c| actor_name(&c.to_string())),
        gtin: product.gtin.clone(),
        serial: product.serial.clone(),
        manufactured_on: product.manufactured_on.clone(),
        id: product.id.to_string(),
        hazards: product
            .hazards
            .iter()
            .map(|h| (h.clone(), removal(h).into()))
            .collect(),
        events: passport
            .events
            .iter()
            .map(|entry| {
                let event = &entry.event;
                let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
                EventRow {
                    kind: Kind::parse(text("kind")).map_or("event", kind_label).into(),
                    when: text("occurred_at").replace('T', " ").replace(".000Z", "Z"),
                    place: passport
                        .cities
                        .get(text("city"))
                        .map(|c| format!("{} ({})", c.name, c.locode))
                        .unwrap_or_else(|| text("city").to_string()),
                    who: actor_name(text("actor")),
                    details: details(event.get("data"), &actor_name),
                    seq: entry.seq,
                }
            })
            .collect(),
        uri: views::product_uri(public_url, product),
        json_link: format!("/v1/products/{}/events", product.id),
        head: product.head.to_hex(),
        custodian_id: product.custodian.map(|c| c.to_string()).unwrap_or_default(),
        // Empty for a terminal product: nothing can follow.
        next_kinds: next_kinds(product.state),
        forms,
    }
}

fn brand_text(status: &BrandOwner, actor_name: &dyn Fn(&str) -> String) -> String {
    match status {
        BrandOwner::Verified { prefix, owner } => format!(
            "Brand owner verified: the GTIN is under GS1 company prefix {prefix}, declared by \
             {}, who registered this product.",
            actor_name(&owner.to_string())
        ),
        BrandOwner::Unverified => "Brand owner unverified: the GTIN is under no GS1 company \
             prefix declared in this ledger, so any manufacturer could have registered it."
            .into(),
        BrandOwner::OtherOwner { prefix, owner } => format!(
            "Brand owner unverified: the GTIN is under GS1 company prefix {prefix}, declared by \
             {} after another actor registered this product.",
            actor_name(&owner.to_string())
        ),
    }
}

/// The passport JSON's `brand_owner` member.
fn brand_json(status: &BrandOwner) -> Value {
    match status {
        BrandOwner::Verified { prefix, owner } => {
            json!({"verified": true, "gs1_company_prefix": prefix, "owner": owner})
        }
        BrandOwner::Unverified => json!({"verified": false}),
        BrandOwner::OtherOwner { prefix, owner } => {
            json!({"verified": false, "gs1_company_prefix": prefix, "owner": owner})
        }
    }
}

fn state_label(state: ProductState) -> &'static str {
    match state {
        ProductState::Manufactured => "Manufactured, not yet sold",
        ProductState::InUse => "In use",
        ProductState::Collected => "Collected as waste",
        ProductState::ReuseReady => "Prepared for re-use",
        ProductState::Recycled => "Recycled",
        ProductState::Disposed => "Disposed of",
        ProductState::Exported => "Exported for treatment",
    }
}

/// What a recycler must do with a hazardous component (WEEE Directive Annex VII).
fn removal(hazard: &str) -> &'static str {
    match hazard.split(':').next().unwrap_or_default() {
        "battery" => "remove the battery before shredding and send it to battery recycling",
        "mercury" => "remove mercury-containing parts (lamps, switches) intact",
        "refrigerant" => "recover the refrigerant and oil before dismantling",
        "crt" => "remove the cathode-ray tube and its fluorescent coating",
        "pcb" => "remove printed circuit boards larger than 10 cm²",
        "toner" => "remove toner cartridges",
        "lcd" => "remove liquid-crystal displays larger than 100 cm²",
        _ => "remove before mechanical treatment (selective treatment, WEEE Annex VII)",
    }
}

/// The event's data as short readable lines.
fn details(data: Option<&Value>, actor_name: &dyn Fn(&str) -> String) -> Vec<String> {
    let Some(Value::Object(data)) = data else {
        return Vec::new();
    };
    data.iter()
        .filter(|(name, _)| !matches!(name.as_str(), "gtin" | "serial" | "brand" | "model"))
        .map(|(name, value)| {
            let shown = match (name.as_str(), value) {
                ("to", Value::String(id)) => actor_name(id),
                (_, Value::String(text)) => text.clone(),
                (_, Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::Object(part) => part
                            .values()
                            .map(|v| {
                                v.as_str()
                                    .map(String::from)
                                    .unwrap_or_else(|| v.to_string())
                            })
                            .collect::<Vec<_>>()
                            .join(" "),
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                (_, other) => other.to_string(),
            };
            format!("{}: {shown}", name.replace('_', " "))
        })
        .collect()
}
