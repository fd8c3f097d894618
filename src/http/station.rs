//! `GET /scan`: the scan station page, and `GET /scan/key.svg`: a station's public key as a
//! QR code for the admin who registers it. The station's work happens in the browser
//! (`assets/station.js`, and `assets/yard.js` for containers, bulk intake and receiving,
//! docs/scan-station.md): its key never leaves the device.

use super::forms::{self, product_kinds, Choice, EventForms, KindChoice};
use super::pages::{city_choices, html};
use super::problem::Problem;
use super::AppState;
use crate::domain::kinds::Kind;
use crate::domain::reference;
use crate::labels;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use base64::Engine;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "scan.html")]
struct ScanPage {
    kinds: Vec<KindChoice>,
    forms: EventForms,
    /// `(locode, "name (locode)")` of every registered city.
    cities: Vec<(String, String)>,
    /// Who a container may be handed over to.
    recipients: Vec<Choice>,
    /// The bulk intake's choices: channels, and the categories by UNU-KEY and by EU-6.
    channels: Vec<Choice>,
    unu_keys: Vec<Choice>,
    eu6: Vec<Choice>,
    /// Space-separated roles that may record a bulk intake, and that may pack, hand over and
    /// receive: the page enables each mode for the device's roles.
    intake_roles: String,
    holder_roles: String,
}

fn role_names(kind: Kind) -> String {
    kind.allowed_roles()
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The 54 UNU-KEYs as `0302 · Desktop PCs`, for a lot sorted by product category.
fn unu_key_choices() -> Vec<Choice> {
    reference::unu_keys()
        .iter()
        .map(|key| Choice {
            value: key.key.clone(),
            text: format!("{} · {}", key.key, key.description),
            title: String::new(),
        })
        .collect()
}

/// The six EU-6 categories (Directive 2012/19/EU Annex III), for unsorted mixed WEEE.
fn eu6_choices() -> Vec<Choice> {
    reference::weee_categories()
        .iter()
        .map(|category| Choice {
            value: category.category.to_string(),
            text: format!("{} · {}", category.category, category.name),
            title: String::new(),
        })
        .collect()
}

/// `GET /scan`.
pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let actors = state.ledger.actors().await?;
    let cities = city_choices(&state.ledger).await?;
    html(
        StatusCode::OK,
        &ScanPage {
            kinds: product_kinds(),
            forms: EventForms::new(&actors),
            cities,
            recipients: forms::recipients(&actors),
            channels: forms::channels(),
            unu_keys: unu_key_choices(),
            eu6: eu6_choices(),
            intake_roles: role_names(Kind::LotCollected),
            holder_roles: role_names(Kind::Packed),
        },
    )
}

#[derive(Deserialize)]
pub struct KeyQuery {
    public_key: String,
}

/// `GET /scan/key.svg?public_key=…`: only a well-formed Ed25519 public key is drawn, so the
/// endpoint cannot be used to put arbitrary text on this server's pages.
pub async fn key_qr(query: web::Query<KeyQuery>) -> Result<HttpResponse, Problem> {
    let decoded = base64::engine::general_purpose::STANDARD.decode(&query.public_key);
    if !matches!(&decoded, Ok(bytes) if bytes.len() == 32) {
        // Says what was given (a private key, for instance) without echoing it.
        return Err(Problem::bad_request(
            "invalid-public-key",
            format!(
                "`public_key` must be the base64 of a 32-byte Ed25519 public key; it {}.",
                crate::domain::data_fields::not_a_public_key(&query.public_key)
            ),
        ));
    }
    let svg = labels::qr_svg(&query.public_key)
        .map_err(|e| Problem::from(LedgerError::Internal(e.to_string())))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}
