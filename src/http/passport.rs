//! The label resolver (docs/lifecycle.md, "Identifiers and labels"): `GET /01/{gtin}/21/{serial}` and `GET /p/{id}`. A
//! browser gets the product passport, server-rendered from compiled templates (readable without
//! scripts, nothing from other hosts, everything escaped); `Accept: application/json` gets the
//! product and its history as JSON. The one script a passport loads, `/assets/passport.js`,
//! offers an enrolled device the next events the state machine allows.

use super::forms::{channel_label, next_kinds, EventForms, KindChoice};
use super::history::{self, EventRow};
use super::pages::html;
use super::problem::Problem;
use super::subject_pages::{custody, Custody};
use super::views;
use super::AppState;
use crate::domain::annex_vii;
use crate::domain::company_prefix::BrandOwner;
use crate::domain::data::EventData;
use crate::domain::identifiers::ProductRef;
use crate::domain::kinds::ProductState;
use crate::domain::records::SubjectRecord;
use crate::domain::reference;
use crate::domain::wording::count;
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
    custody: Custody,
    gtin: Option<String>,
    serial: Option<String>,
    manufactured_on: Option<String>,
    id: String,
    hazards: Vec<(String, String)>,
    events: Vec<EventRow>,
    history_title: &'static str,
    uri: String,
    json_link: String,
    /// What the recording panel needs: the product's head (the next `prev`), its custodian,
    /// and the kinds its state allows next.
    head: String,
    custodian_id: String,
    /// The actor the product is in transit to, who alone may answer the hand-over.
    receiver_id: String,
    next_kinds: Vec<KindChoice>,
    forms: EventForms,
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

pub(super) fn wants_json(request: &HttpRequest) -> bool {
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
    // The container it is packed in, and so who holds it (docs/lifecycle.md §8.1).
    let as_subject = SubjectRecord::Product(Box::new(passport.product.clone()));
    let container = state.ledger.container_of(&as_subject).await?;
    let custody = custody(
        &state.public_url,
        &as_subject,
        container.as_ref(),
        &passport.actors,
    );
    html(
        StatusCode::OK,
        &page(&state.public_url, &passport, forms, custody),
    )
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

fn page(
    public_url: &str,
    passport: &Passport,
    forms: EventForms,
    custody: Custody,
) -> PassportPage {
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
                "Chain verified: {} linked by hash, the latest proven in the log's signed \
                 checkpoint of {}.",
                count(*events as u64, "signed event", "signed events"),
                count(*checkpoint_size, "entry", "entries"),
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
        custody,
        gtin: product.gtin.clone(),
        serial: product.serial.clone(),
        manufactured_on: product.manufactured_on.clone(),
        id: product.id.to_string(),
        hazards: product
            .hazards
            .iter()
            .map(|h| (h.clone(), annex_vii::removal(h).into()))
            .collect(),
        events: history::rows(&passport.entries, &passport.actors, &passport.cities),
        history_title: "Lifecycle",
        uri: views::product_uri(public_url, product),
        json_link: format!("/v1/products/{}/events", product.id),
        head: product.head.to_hex(),
        custodian_id: product.custodian.map(|c| c.to_string()).unwrap_or_default(),
        receiver_id: product
            .transit
            .as_ref()
            .map(|t| t.to.to_string())
            .unwrap_or_default(),
        // Empty for a terminal product: nothing can follow.
        next_kinds: next_kinds(product.state, product.transit.is_some()),
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

/// A product's state as a page names it.
pub(super) fn state_label(state: ProductState) -> &'static str {
    match state {
        ProductState::Manufactured => "Manufactured, not yet sold",
        ProductState::InUse => "In use",
        ProductState::Collected => "Collected as waste",
        ProductState::ReuseReady => "Prepared for re-use",
        ProductState::Recycled => "Recycled",
        ProductState::Disposed => "Disposed of",
        ProductState::Exported => "Exported for treatment",
        ProductState::Voided => "Void (its recording was declared an error)",
    }
}

/// The event's data as short readable lines with their units, one per member present. The
/// label's own members (GTIN, serial, brand, model) are shown as the product's facts.
pub(super) fn details(data: &EventData, actor_name: &dyn Fn(&str) -> String) -> Vec<String> {
    let grams = |label: &str, g: u64| format!("{label} {g} g");
    let masses = |items: Vec<(&str, u64)>| {
        items
            .iter()
            .map(|(name, g)| format!("{name} {g} g"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    let mut line = |shown: Option<String>| lines.extend(shown);
    match data {
        EventData::Registered(d) => {
            line(Some(unu_key_label(&d.unu_key)));
            line(Some(grams("Weight", d.weight_g)));
            line(d.manufactured_on.as_ref().map(|on| format!("Made on {on}")));
            line(
                d.hazards
                    .as_ref()
                    .filter(|h| !h.is_empty())
                    .map(|h| format!("Hazardous components declared: {}", h.join(", "))),
            );
            line(
                d.is_intake()
                    .then(|| "Registered at intake, without a label".into()),
            );
        }
        EventData::PlacedOnMarket | EventData::Resold => {}
        EventData::Repaired(d) => {
            line(d.description.as_ref().map(|text| format!("Repair: {text}")));
            line(
                d.parts_replaced
                    .as_ref()
                    .filter(|p| !p.is_empty())
                    .map(|parts| format!("Parts replaced: {}", parts.join(", "))),
            );
        }
        EventData::Collected(d) => {
            line(d.channel.map(|c| format!("Channel: {}", channel_label(c))));
            line(d.aggregator.as_ref().map(|a| format!("Aggregator {a}")));
            line(d.weight_g.map(|g| grams("Measured weight", g)));
        }
        EventData::LotCollected(d) => {
            line(Some(match (&d.unu_key, &d.eu6) {
                (Some(key), _) => unu_key_label(key),
                (None, eu6) => format!("EU-6 category {}", eu6.as_deref().unwrap_or("?")),
            }));
            line(Some(grams("Weighed", d.mass_g)));
            line(d.units.map(|u| format!("{u} units counted")));
            line(Some(format!("Channel: {}", channel_label(d.channel))));
            line(d.aggregator.as_ref().map(|a| format!("Aggregator {a}")));
        }
        EventData::Packed(d) => {
            line(Some(format!("{} items packed", d.children.len())));
            line(d.sscc.as_ref().map(|sscc| format!("SSCC {sscc}")));
        }
        EventData::Unpacked(d) => line(Some(format!("{} items unpacked", d.children.len()))),
        EventData::Received(d) => {
            line(d.weight_g.map(|g| grams("Weighed on arrival", g)));
            line(
                d.discrepancy
                    .as_ref()
                    .map(|text| format!("Discrepancy: {text}")),
            );
        }
        EventData::ReceiptRefused(d) => line(Some(format!("Refused: {}", d.reason))),
        EventData::ErrorDeclared(d) => {
            line(Some(format!(
                "Declared entry {} an error: {}",
                d.seq, d.reason
            )));
        }
        EventData::HandedOver(d) => {
            line(Some(format!("To {}", actor_name(&d.to))));
            line(
                d.document
                    .as_ref()
                    .map(|doc| format!("Transport document {doc}")),
            );
        }
        EventData::PreparedForReuse(d) => {
            line(d.grade.as_ref().map(|grade| format!("Grade {grade}")));
            line(
                d.component
                    .as_ref()
                    .map(|part| format!("Component: {part}")),
            );
            line(d.weight_g.map(|g| grams("Weight", g)));
        }
        EventData::Depolluted(d) => line(Some(format!(
            "Removed: {}",
            masses(
                d.components
                    .iter()
                    .map(|c| (c.component.as_str(), c.mass_g))
                    .collect()
            )
        ))),
        EventData::Recycled(d) => {
            line(Some(operation_label(&d.operation)));
            line(Some(format!(
                "Fractions: {}",
                masses(
                    d.fractions
                        .iter()
                        .map(|f| (f.material.as_str(), f.mass_g))
                        .collect()
                )
            )));
        }
        EventData::Disposed(d) => line(Some(operation_label(&d.operation))),
        EventData::Exported(d) => {
            line(Some(format!("Destination country {}", d.country)));
            line(Some(format!("Basel entry {}", d.basel_entry)));
            line(Some(format!("Consent notification {}", d.notification)));
            line(Some(operation_label(&d.operation)));
        }
        // Registry events are about actors, cities and baselines: never on a passport.
        EventData::ActorRegistered(_)
        | EventData::ActorKeyRotated(_)
        | EventData::ActorRevoked(_)
        | EventData::CityRegistered(_)
        | EventData::PomBaseline(_) => {}
    }
    lines
}

/// `UNU-KEY 0306 · Mobile Phones (incl. smartphones, pagers)`, the name from the reference
/// table when the key is in it.
pub(super) fn unu_key_label(key: &str) -> String {
    match reference::unu_key(key) {
        Some(known) => format!("UNU-KEY {key} · {}", known.description),
        None => format!("UNU-KEY {key}"),
    }
}

/// `Operation R4 · Recycling/reclamation of metals and metal compounds`.
fn operation_label(code: &str) -> String {
    match reference::operation(code) {
        Some(known) => format!("Operation {code} · {}", known.description),
        None => format!("Operation {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::data::{Collected, Fraction, Recycled, Registered};

    fn shown(data: EventData) -> Vec<String> {
        details(&data, &|id| format!("actor {id}"))
    }

    #[test]
    fn details_read_with_labels_and_units() {
        let registered = EventData::Registered(Registered {
            unu_key: "0306".into(),
            weight_g: 212,
            gtin: Some("09506000134352".into()),
            serial: Some("A1".into()),
            brand: None,
            model: None,
            manufactured_on: None,
            hazards: Some(vec!["battery:li-ion".into()]),
            intake: None,
        });
        assert_eq!(
            shown(registered),
            [
                "UNU-KEY 0306 · Mobile Phones (incl. smartphones, pagers)",
                "Weight 212 g",
                "Hazardous components declared: battery:li-ion",
            ]
        );
        let collected = EventData::Collected(Collected {
            channel: Some(crate::domain::data::Channel::ProducerTakeBack),
            aggregator: None,
            weight_g: Some(210),
        });
        assert_eq!(
            shown(collected),
            ["Channel: producer take-back", "Measured weight 210 g"]
        );
        let recycled = EventData::Recycled(Recycled {
            operation: "R4".into(),
            fractions: vec![
                Fraction {
                    material: "copper".into(),
                    mass_g: 19,
                },
                Fraction {
                    material: "plastics".into(),
                    mass_g: 90,
                },
            ],
        });
        let lines = shown(recycled);
        assert!(lines[0].starts_with("Operation R4 · "), "{lines:?}");
        assert_eq!(lines[1], "Fractions: copper 19 g, plastics 90 g");
        assert_eq!(
            unu_key_label("9999"),
            "UNU-KEY 9999",
            "a key outside the table"
        );
    }
}
