//! The label resolver for lots and containers (docs/lifecycle.md §8): `GET /l/{uuid}` (a lot),
//! `GET /c/{uuid}` and `GET /00/{sscc}` (a container). A browser gets the subject's page, with
//! the same chain verification as a product passport; `Accept: application/json` gets the
//! subject and its events as JSON (`{"lot" | "container": ..., "events": [...]}`, as the
//! passport answers `{"product": ..., "events": [...]}`).

use super::history::{self, actor_name, city_name, EventRow};
use super::pages::{html, readable_time};
use super::passport::{state_label, unu_key_label, wants_json};
use super::problem::Problem;
use super::views;
use super::AppState;
use crate::domain::data::Channel;
use crate::domain::kinds::SubjectKind;
use crate::domain::records::{SubjectRecord, Transit};
use crate::domain::reference;
use crate::domain::sscc::Sscc;
use crate::domain::wording::{count, exact_kg, short_id, thousands};
use crate::ledger::passport::ChainCheck;
use crate::ledger::subject_chain::SubjectPage;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "lot.html")]
struct LotPage {
    title: String,
    state: String,
    terminal: bool,
    chain_ok: bool,
    chain_text: String,
    mass: String,
    category: String,
    units: Option<String>,
    channel: String,
    aggregator: Option<String>,
    collected: String,
    custody: Custody,
    id: String,
    uri: String,
    json_link: String,
    events: Vec<EventRow>,
    history_title: &'static str,
}

#[derive(Template)]
#[template(path = "container.html")]
struct ContainerPage {
    title: String,
    state: String,
    terminal: bool,
    chain_ok: bool,
    chain_text: String,
    sscc: Option<String>,
    custody: Custody,
    contents: Vec<ContentRow>,
    contents_summary: String,
    id: String,
    uri: String,
    json_link: String,
    events: Vec<EventRow>,
    history_title: &'static str,
}

/// Who holds a subject, where it is going and what it is packed in, as the pages show it.
pub(super) struct Custody {
    pub custodian: Option<String>,
    pub transit: Option<TransitShown>,
    /// The container it is in: its page and its name.
    pub inside: Option<(String, String)>,
}

pub(super) struct TransitShown {
    pub to: String,
    pub since: String,
    pub document: Option<String>,
    pub seq: i64,
}

struct ContentRow {
    link: String,
    name: String,
    mass: String,
}

#[derive(Template)]
#[template(path = "missing.html")]
struct MissingPage {
    title: String,
    message: String,
    hint: String,
}

/// `GET /l/{uuid}`.
pub async fn lot(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = by_uuid(&request, SubjectKind::Lot, &path)?;
    match id {
        Ok(id) => resolve(&state, &request, SubjectKind::Lot, id).await,
        Err(page) => Ok(page),
    }
}

/// `GET /c/{uuid}`.
pub async fn container(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = by_uuid(&request, SubjectKind::Container, &path)?;
    match id {
        Ok(id) => resolve(&state, &request, SubjectKind::Container, id).await,
        Err(page) => Ok(page),
    }
}

/// `GET /00/{sscc}`: the GS1 Digital Link of a container that carries an SSCC; its id is the
/// UUIDv5 of that path. A wrong length or check digit is a 400 (a page, or a problem).
pub async fn sscc(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match Sscc::parse(&path) {
        Ok(sscc) => {
            resolve(
                &state,
                &request,
                SubjectKind::Container,
                sscc.container_id(),
            )
            .await
        }
        Err(error) if wants_json(&request) => Err(Problem::bad_request(
            "invalid-sscc",
            format!("`{}` is not an SSCC: {error}", path.as_str()),
        )),
        Err(error) => missing(
            StatusCode::BAD_REQUEST,
            "Not a container label",
            format!("`{}` is not an SSCC: {error}.", path.as_str()),
        ),
    }
}

/// The id in a `/l/` or `/c/` path: `Err` holds the page that says it is not one.
fn by_uuid(
    request: &HttpRequest,
    kind: SubjectKind,
    text: &str,
) -> Result<Result<Uuid, HttpResponse>, Problem> {
    match Uuid::parse_str(text) {
        Ok(id) => Ok(Ok(id)),
        Err(_) if wants_json(request) => Err(Problem::bad_request(
            "invalid-id",
            format!("`{text}` is not a {kind} id (a UUID)."),
        )),
        Err(_) => missing(
            StatusCode::BAD_REQUEST,
            &format!("Not a {kind} label"),
            format!("`{text}` is not a {kind} id (a UUID)."),
        )
        .map(Err),
    }
}

fn missing(status: StatusCode, title: &str, message: String) -> Result<HttpResponse, Problem> {
    let page = MissingPage {
        title: title.into(),
        message,
        hint: "A lot's label URI looks like …/l/{id}, a container's …/c/{id} or …/00/{18-digit \
               SSCC}. Check that the whole code was scanned, or ask the yard that labelled it."
            .into(),
    };
    html(status, &page)
}

async fn resolve(
    state: &AppState,
    request: &HttpRequest,
    kind: SubjectKind,
    id: Uuid,
) -> Result<HttpResponse, Problem> {
    let json = wants_json(request);
    let page = match state.ledger.subject_page(kind, id).await {
        Ok(page) => page,
        Err(LedgerError::NotFound { .. }) if !json => {
            let noun = kind.as_str();
            return missing(
                StatusCode::NOT_FOUND,
                &format!("Unknown {noun}"),
                format!("No {noun} with id {id} is recorded in this ledger."),
            );
        }
        Err(error) => return Err(error.into()),
    };
    if json {
        let body = json!({
            kind.as_str(): views::subject(&state.public_url, &page.subject),
            "events": page.events.iter().map(views::logged_event).collect::<Vec<_>>(),
        });
        return Ok(HttpResponse::Ok().json(body));
    }
    match &page.subject {
        SubjectRecord::Lot(_) => html(StatusCode::OK, &lot_page(&state.public_url, &page)),
        SubjectRecord::Container(_) => {
            html(StatusCode::OK, &container_page(&state.public_url, &page))
        }
        // `subject_page` reads lots and containers only.
        SubjectRecord::Product(_) => Err(LedgerError::Internal("a product as a lot".into()).into()),
    }
}

/// The chain line every subject's page shows, as the passport words it.
pub(super) fn chain_shown(chain: &ChainCheck) -> (bool, String) {
    match chain {
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
    }
}

/// `12.345 kg (12,345 g)`.
pub(super) fn mass_shown(grams: u64) -> String {
    format!("{} kg ({} g)", exact_kg(grams), thousands(grams))
}

/// A lot's category: its UNU-KEY with its name, or its EU-6 category with its name.
fn category_shown(category: &str) -> String {
    match category.strip_prefix("eu6:") {
        Some(eu6) => {
            let name = eu6
                .parse::<u8>()
                .ok()
                .and_then(reference::weee_category)
                .map(|c| format!("EU-6 category {eu6} · {}", c.name));
            name.unwrap_or_else(|| format!("EU-6 category {eu6}"))
        }
        None => unu_key_label(category),
    }
}

/// Custodian, transit and container of a subject; a packed subject is held by whoever holds
/// its container (docs/lifecycle.md §8.1).
pub(super) fn custody(
    public_url: &str,
    subject: &SubjectRecord,
    container: Option<&SubjectRecord>,
    actors: &HashMap<Uuid, crate::domain::records::ActorRecord>,
) -> Custody {
    let holder = container.map_or(subject.custodian(), SubjectRecord::custodian);
    let transit = subject
        .transit()
        .or(container.and_then(SubjectRecord::transit));
    Custody {
        custodian: holder.map(|c| actor_name(actors, &c.to_string())),
        transit: transit.map(|t| transit_shown(t, actors)),
        inside: container.map(|c| (page_path(public_url, c), subject_name(c))),
    }
}

fn transit_shown(
    transit: &Transit,
    actors: &HashMap<Uuid, crate::domain::records::ActorRecord>,
) -> TransitShown {
    TransitShown {
        to: actor_name(actors, &transit.to.to_string()),
        since: readable_time(transit.since),
        document: transit.document.clone(),
        seq: transit.seq,
    }
}

/// A subject's page on this server: its label URI without the base.
pub(super) fn page_path(public_url: &str, subject: &SubjectRecord) -> String {
    let uri = views::subject_uri(public_url, subject);
    uri.strip_prefix(public_url).unwrap_or(&uri).to_string()
}

/// How a page names a subject: a product by brand, model and serial, a lot by its short id, a
/// container by SSCC; each with its short id.
pub(super) fn subject_name(subject: &SubjectRecord) -> String {
    let short = short_id(&subject.id());
    match subject {
        SubjectRecord::Product(p) => {
            let words: Vec<&str> = [&p.brand, &p.model, &p.serial]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            if words.is_empty() {
                format!("Product {short}")
            } else {
                format!("{} ({short})", words.join(" "))
            }
        }
        SubjectRecord::Lot(_) => format!("Lot {short}"),
        SubjectRecord::Container(c) => match &c.sscc {
            Some(sscc) => format!("Container SSCC {sscc} ({short})"),
            None => format!("Container {short}"),
        },
    }
}

fn lot_page(public_url: &str, page: &SubjectPage) -> LotPage {
    let SubjectRecord::Lot(lot) = &page.subject else {
        unreachable!("lot_page is called with a lot");
    };
    let (chain_ok, chain_text) = chain_shown(&page.chain);
    LotPage {
        title: format!("Lot {}", short_id(&lot.id)),
        state: state_label(lot.state).into(),
        terminal: lot.state.is_terminal(),
        chain_ok,
        chain_text,
        mass: mass_shown(lot.mass_g),
        category: category_shown(&lot.category),
        units: lot.units.map(|u| count(u, "unit", "units")),
        channel: Channel::parse(&lot.channel).map_or_else(
            || lot.channel.clone(),
            |c| super::forms::channel_label(c).into(),
        ),
        aggregator: lot.aggregator.clone(),
        collected: format!(
            "{} on {}",
            city_name(&page.cities, &lot.collected.city),
            lot.collected.on
        ),
        custody: custody(
            public_url,
            &page.subject,
            page.container.as_ref(),
            &page.actors,
        ),
        id: lot.id.to_string(),
        uri: views::subject_uri(public_url, &page.subject),
        json_link: format!("/v1/lots/{}/events", lot.id),
        events: history::rows(&page.entries, &page.actors, &page.cities),
        history_title: "History",
    }
}

/// The mass a page counts for a subject inside a container: a lot's weighed mass, a product's
/// measured weight, else its declared one.
fn known_mass(subject: &SubjectRecord) -> Option<u64> {
    match subject {
        SubjectRecord::Product(p) => Some(p.remaining_mass_g()),
        SubjectRecord::Lot(lot) => Some(lot.mass_g),
        SubjectRecord::Container(_) => None,
    }
}

fn container_page(public_url: &str, page: &SubjectPage) -> ContainerPage {
    let SubjectRecord::Container(container) = &page.subject else {
        unreachable!("container_page is called with a container");
    };
    let (chain_ok, chain_text) = chain_shown(&page.chain);
    let contents: Vec<ContentRow> = page
        .contents
        .iter()
        .map(|child| ContentRow {
            link: page_path(public_url, child),
            name: subject_name(child),
            mass: known_mass(child).map(mass_shown).unwrap_or_default(),
        })
        .collect();
    let total: u64 = page.contents.iter().filter_map(known_mass).sum();
    let missing = container.children.len() - page.contents.len();
    let mut contents_summary = format!(
        "{}, {} known",
        count(container.children.len() as u64, "item", "items"),
        mass_shown(total)
    );
    if missing > 0 {
        contents_summary.push_str(&format!(
            " ({} not found in this ledger)",
            count(missing as u64, "item", "items")
        ));
    }
    let title = match &container.sscc {
        Some(sscc) => format!("Container {sscc}"),
        None => format!("Container {}", short_id(&container.id)),
    };
    ContainerPage {
        title,
        state: state_label(container.state).into(),
        terminal: container.state.is_terminal(),
        chain_ok,
        chain_text,
        sscc: container.sscc.clone(),
        custody: custody(public_url, &page.subject, None, &page.actors),
        contents,
        contents_summary,
        id: container.id.to_string(),
        uri: views::subject_uri(public_url, &page.subject),
        json_link: format!("/v1/containers/{}/events", container.id),
        events: history::rows(&page.entries, &page.actors, &page.cities),
        history_title: "History",
    }
}
