//! `GET /r/{seq}`: the printable receipt of one log entry (PRODUCT.md §8.2), for the person
//! who brought the material: what was recorded (kind, subject, masses, category, channel,
//! aggregator), when, by whom, the entry's seq and the log's checkpoint size, and a QR code
//! holding the entry's inclusion proof in compact form ([`crate::domain::inclusion_bundle`]),
//! which `ewaste-ledger audit verify-proof` checks offline with the log's key (docs/audit.md,
//! "Checking an intake receipt"). `Accept: application/json` gets the same as JSON.
//!
//! The facts are read from the entry's event as logged (its JSON members), not from a typed
//! kind: a receipt shows whichever of them an entry has, so new kinds get receipts as they come.

use super::forms::{channel_label, kind_label};
use super::log::parse_seq;
use super::pages::{html, readable_time};
use super::passport::{unu_key_label, wants_json};
use super::problem::Problem;
use super::AppState;
use crate::domain::data::Channel;
use crate::domain::inclusion_bundle::{log_signature_only, InclusionBundle};
use crate::domain::kinds::Kind;
use crate::domain::records::{ActorRecord, CityRecord};
use crate::domain::reference;
use crate::domain::wording::{count, exact_kg, short_id, thousands};
use crate::labels::{qr_svg_at, Correction};
use crate::ledger::read::LoggedEvent;
use crate::ledger::LedgerError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{json, Map, Value};
use uuid::Uuid;

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    seq: i64,
    kind: String,
    subject: Option<Subject>,
    facts: Vec<(&'static str, String)>,
    when: String,
    place: Option<String>,
    signer: String,
    checkpoint: String,
    /// The QR code as inline SVG (numbers and fixed markup only) and its error correction's
    /// letter, or `None` when no QR code can hold the proof.
    qr: Option<(String, char)>,
    proof: String,
    /// This receipt's URL, to ask for its JSON.
    json_link: String,
}

/// The entry's primary subject (PRODUCT.md §8: exactly one top-level member names it).
struct Subject {
    /// `product`, `lot`, `container` or `certificate`.
    member: &'static str,
    noun: &'static str,
    id: Uuid,
    short_id: String,
    /// Its page on this server.
    link: String,
}

/// The members that can name an entry's primary subject, with how a page names the subject
/// and the path prefix of its page.
const SUBJECTS: [(&str, &str, &str); 4] = [
    ("product", "Product", "/p/"),
    ("lot", "Lot", "/l/"),
    ("container", "Container", "/c/"),
    ("certificate", "Certificate", "/e/"),
];

fn subject(event: &Value) -> Option<Subject> {
    SUBJECTS.iter().find_map(|(member, noun, prefix)| {
        let id = event[*member]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())?;
        Some(Subject {
            member,
            noun,
            id,
            short_id: short_id(&id),
            link: format!("{prefix}{}", id.hyphenated()),
        })
    })
}

/// The data members a receipt shows, in order, each as a (label, text) pair; absent members
/// are left out. Masses are exact: kilograms with the grams they were weighed as.
fn facts(data: &Value) -> Vec<(&'static str, String)> {
    let mass = |grams: u64| format!("{} kg ({} g)", exact_kg(grams), thousands(grams));
    let mut facts = Vec::new();
    let text = |name: &str| data.get(name).and_then(Value::as_str);
    if let Some(grams) = data["mass_g"].as_u64() {
        facts.push(("Mass", mass(grams)));
    }
    if let Some(grams) = data["weight_g"].as_u64() {
        facts.push(("Weight", mass(grams)));
    }
    if let Some(units) = data["units"].as_u64() {
        facts.push(("Units", thousands(units)));
    }
    if let Some(key) = text("unu_key") {
        facts.push(("Category", unu_key_label(key)));
    }
    if let Some(eu6) = text("eu6") {
        let name = eu6
            .parse()
            .ok()
            .and_then(reference::weee_category)
            .map(|c| format!("EU-6 {eu6} · {}", c.name));
        facts.push(("Category", name.unwrap_or_else(|| format!("EU-6 {eu6}"))));
    }
    if let Some(channel) = text("channel") {
        let shown = Channel::parse(channel).map_or(channel, |c| channel_label(c));
        facts.push(("Channel", shown.to_string()));
    }
    if let Some(aggregator) = text("aggregator") {
        facts.push(("Aggregator", aggregator.to_string()));
    }
    facts
}

/// The members of `data` that [`facts`] shows, as logged (for the JSON answer).
fn fact_members(data: &Value) -> Map<String, Value> {
    [
        "mass_g",
        "weight_g",
        "units",
        "unu_key",
        "eu6",
        "channel",
        "aggregator",
    ]
    .into_iter()
    .filter_map(|name| Some((name.to_string(), data.get(name)?.clone())))
    .collect()
}

/// The proof as a QR code: at M, as every label, when it fits. A receipt's proof fits M for
/// logs of 2^20 entries and more (the budget pinned in domain::inclusion_bundle); only an
/// entry carrying unusually long free text (events accept strings of up to 4 KiB) can need L,
/// which holds a quarter more, and beyond L no QR code can hold it: the page then says so, and
/// the text block still carries the proof.
fn proof_qr(text: &str) -> Option<(String, char)> {
    [Correction::Medium, Correction::Low]
        .into_iter()
        .find_map(|correction| Some((qr_svg_at(text, correction).ok()?, correction.letter())))
}

/// What a receipt is made of: the entry, its proof bundle and who signed it.
struct Loaded {
    entry: LoggedEvent,
    bundle: InclusionBundle,
    signer_id: Uuid,
    /// `None` for an actor the registry does not know (never, for an accepted entry).
    signer: Option<ActorRecord>,
}

/// Reads the entry at `seq`, proves it in the latest signed tree, and finds its signer.
async fn load(state: &AppState, seq: i64) -> Result<Loaded, Problem> {
    let entry = state
        .ledger
        .entries(seq, 1)
        .await?
        .into_iter()
        .find(|entry| entry.seq == seq)
        .ok_or_else(|| LedgerError::NotFound {
            what: "Entry",
            id: seq.to_string(),
        })?;
    let uuid_member = |name: &str| {
        entry.event[name]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| LedgerError::Internal(format!("entry {seq} has no valid {name}")))
    };
    let (event_id, signer_id) = (uuid_member("id")?, uuid_member("actor")?);
    let (bytes, proof, note) = state.ledger.prove_event(event_id).await?;
    let checkpoint = log_signature_only(&note, state.ledger.log_key())
        .map_err(|e| LedgerError::Internal(format!("the latest checkpoint: {e}")))?;
    let bundle = InclusionBundle {
        entry: bytes,
        seq: proof.seq,
        size: proof.size,
        leaf_hash: proof.leaf_hash,
        root: proof.root,
        path: proof.path,
        checkpoint,
    };
    let signer = match state.ledger.actor(signer_id).await {
        Ok(actor) => Some(actor),
        Err(LedgerError::NotFound { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    Ok(Loaded {
        entry,
        bundle,
        signer_id,
        signer,
    })
}

/// The receipt as JSON (docs/api.md, `GET /r/{seq}`).
fn receipt_json(loaded: &Loaded) -> Value {
    let event = &loaded.entry.event;
    json!({
        "seq": loaded.entry.seq,
        "kind": event["kind"],
        "subject": subject(event).map(|s| json!({
            "type": s.member, "id": s.id, "short_id": s.short_id,
        })),
        "occurred_at": event["occurred_at"],
        "recorded_at": loaded.entry.recorded_at,
        "city": event["city"],
        "signer": match &loaded.signer {
            Some(actor) => json!({"id": actor.id, "org": actor.org, "name": actor.name}),
            None => json!({"id": loaded.signer_id}),
        },
        "facts": fact_members(&event["data"]),
        "checkpoint_size": loaded.bundle.size,
        "proof": loaded.bundle.to_compact(),
    })
}

/// The receipt as a page; `cities` names the entry's city.
fn receipt_page(state: &AppState, loaded: Loaded, cities: &[CityRecord]) -> ReceiptPage {
    let event = &loaded.entry.event;
    let seq = loaded.entry.seq;
    let kind = event["kind"].as_str().unwrap_or_default();
    let occurred_at = event["occurred_at"].as_str().unwrap_or_default();
    let proof = loaded.bundle.to_compact();
    ReceiptPage {
        seq,
        kind: Kind::parse(kind).map_or_else(|| kind.to_string(), |k| kind_label(k).to_string()),
        subject: subject(event),
        facts: facts(&event["data"]),
        when: occurred_at
            .parse()
            .map_or_else(|_| occurred_at.to_string(), readable_time),
        place: event["city"].as_str().map(|locode| {
            cities.iter().find(|c| c.locode == locode).map_or_else(
                || locode.to_string(),
                |c| format!("{} ({})", c.name, c.locode),
            )
        }),
        signer: match loaded.signer {
            Some(actor) => format!("{} ({})", actor.org, actor.name),
            None => loaded.signer_id.to_string(),
        },
        checkpoint: format!(
            "{}, signed by {}",
            count(loaded.bundle.size, "entry", "entries"),
            state.ledger.log_key().name
        ),
        qr: proof_qr(&proof),
        proof,
        json_link: format!("{}/r/{seq}", state.public_url),
    }
}

/// `GET /r/{seq}`.
pub async fn receipt(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let loaded = load(&state, parse_seq(&path)?).await?;
    if wants_json(&request) {
        return Ok(HttpResponse::Ok().json(receipt_json(&loaded)));
    }
    let cities = state.ledger.cities().await?;
    html(StatusCode::OK, &receipt_page(&state, loaded, &cities))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_with_units_and_names() {
        let data = json!({
            "mass_g": 12_345, "unu_key": "0306", "channel": "municipal",
            "aggregator": "agg-7f3a", "units": 3, "eu6": "4",
        });
        assert_eq!(
            facts(&data),
            [
                ("Mass", "12.345 kg (12,345 g)".to_string()),
                ("Units", "3".into()),
                (
                    "Category",
                    "UNU-KEY 0306 · Mobile Phones (incl. smartphones, pagers)".into()
                ),
                (
                    "Category",
                    "EU-6 4 · Large equipment (any external dimension more than 50 cm)".into()
                ),
                ("Channel", "municipal".into()),
                ("Aggregator", "agg-7f3a".into()),
            ]
        );
        assert_eq!(
            facts(&json!({"weight_g": 212, "channel": "a_new_channel"})),
            [
                ("Weight", "0.212 kg (212 g)".to_string()),
                ("Channel", "a_new_channel".into())
            ]
        );
        assert!(facts(&json!({})).is_empty());
        assert_eq!(
            fact_members(&json!({"mass_g": 5, "to": "x"})),
            json!({"mass_g": 5}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn the_subject_is_the_one_top_level_member_that_names_it() {
        let id = "01234567-89ab-4def-8123-456789abcdef";
        let lot = subject(&json!({"lot": id, "data": {}})).unwrap();
        assert_eq!(
            (lot.member, lot.noun, lot.short_id.as_str()),
            ("lot", "Lot", "01234567")
        );
        assert_eq!(lot.link, format!("/l/{id}"));
        assert_eq!(
            subject(&json!({"product": id})).unwrap().link,
            format!("/p/{id}")
        );
        assert!(subject(&json!({"data": {"actor": id}})).is_none());
    }

    #[test]
    fn a_proof_too_long_for_m_falls_back_to_l_then_to_none() {
        let level = |text: &str| proof_qr(text).map(|(_, level)| level);
        assert_eq!(level("EWLP1:ABC"), Some('M'));
        // Alphanumeric capacity of version 40: 3,391 characters at M, 4,296 at L.
        assert_eq!(level(&"A".repeat(3_391)), Some('M'));
        assert_eq!(level(&"A".repeat(3_392)), Some('L'));
        assert_eq!(level(&"A".repeat(4_296)), Some('L'));
        assert_eq!(level(&"A".repeat(4_297)), None);
    }
}
