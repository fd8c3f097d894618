//! The `data` member of each event kind (PRODUCT.md §3.2), parsed strictly: unknown members
//! are refused, masses are integer grams, codes are checked against the reference tables.

use super::gtin::Gtin14;
use super::identifiers::{CountryCode, Locode};
use super::kinds::{Kind, Role};
use super::reference::{self, OperationKind};
use super::rejection::Rejection;
use super::serial::Serial;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// Longest free-text member we accept (names, models, descriptions), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most items in any list inside `data` (hazards, fractions, roles...).
pub const MAX_LIST_ITEMS: usize = 64;

/// Validated `data`, one variant per kind.
#[derive(Clone, Debug, PartialEq)]
pub enum EventData {
    Registered(Registered),
    PlacedOnMarket,
    Resold,
    Repaired(Repaired),
    Collected(Collected),
    HandedOver(HandedOver),
    PreparedForReuse(PreparedForReuse),
    Depolluted(Depolluted),
    Recycled(Recycled),
    Disposed(Disposed),
    Exported(Exported),
    ActorRegistered(ActorRegistered),
    ActorKeyRotated(ActorKeyRotated),
    ActorRevoked(ActorRevoked),
    CityRegistered(CityRegistered),
    PomBaseline(PomBaseline),
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registered {
    pub unu_key: String,
    pub weight_g: u64,
    pub gtin: Option<String>,
    pub serial: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub manufactured_on: Option<String>,
    pub hazards: Option<Vec<String>>,
    pub intake: Option<bool>,
}

impl Registered {
    /// The GTIN padded to 14 digits, when the product is labelled.
    pub fn gtin14(&self) -> Option<Gtin14> {
        self.gtin.as_deref().and_then(|g| Gtin14::parse(g).ok())
    }

    /// Whether a collector or recycler registers an unlabelled item at intake.
    pub fn is_intake(&self) -> bool {
        self.intake == Some(true)
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repaired {
    pub description: Option<String>,
    pub parts_replaced: Option<Vec<String>>,
}

/// How a product came back (PRODUCT.md §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Municipal,
    RetailTakeBack,
    ProducerTakeBack,
    Other,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collected {
    pub channel: Option<Channel>,
    pub weight_g: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandedOver {
    pub to: String,
    pub document: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreparedForReuse {
    pub grade: Option<String>,
    pub component: Option<String>,
    pub weight_g: Option<u64>,
}

/// A mass of one named component or material.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentMass {
    pub component: String,
    pub mass_g: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Depolluted {
    pub components: Vec<ComponentMass>,
}

/// One output fraction of recycling.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fraction {
    pub material: String,
    pub mass_g: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recycled {
    pub operation: String,
    pub fractions: Vec<Fraction>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposed {
    pub operation: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exported {
    pub country: String,
    pub basel_entry: String,
    pub notification: String,
    pub operation: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRegistered {
    pub actor: String,
    pub org: String,
    pub name: String,
    pub roles: Vec<String>,
    pub public_key: String,
    pub city: Option<String>,
    /// The GS1 company prefixes licensed to the organisation (PRODUCT.md §5).
    pub gs1_company_prefixes: Option<Vec<String>>,
}

impl ActorRegistered {
    /// The roles, parsed (validated at parse time).
    pub fn parsed_roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorKeyRotated {
    pub actor: String,
    pub public_key: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRevoked {
    pub actor: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityRegistered {
    pub locode: String,
    pub name: String,
    pub country: String,
    pub population: u64,
    pub population_year: u16,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PomBaseline {
    pub locode: String,
    pub year: u16,
    pub unu_key: String,
    pub mass_g: u64,
}

/// Parses and validates `data` for `kind`. Checks that need no ledger state happen here
/// (shapes, codes, check digits); the rest happens in [`super::rules`].
pub fn parse_data(kind: Kind, data: &Value) -> Result<EventData, Rejection> {
    Ok(match kind {
        Kind::Registered => EventData::Registered(validate_registered(typed(data)?)?),
        Kind::PlacedOnMarket => typed::<Empty>(data).map(|_| EventData::PlacedOnMarket)?,
        Kind::Resold => typed::<Empty>(data).map(|_| EventData::Resold)?,
        Kind::Repaired => {
            let d: Repaired = typed(data)?;
            optional_text("data.description", &d.description, 1000)?;
            optional_text_list("data.parts_replaced", &d.parts_replaced)?;
            EventData::Repaired(d)
        }
        Kind::Collected => {
            let d: Collected = typed(data)?;
            optional_mass("data.weight_g", d.weight_g)?;
            EventData::Collected(d)
        }
        Kind::HandedOver => {
            let d: HandedOver = typed(data)?;
            parse_uuid("data.to", &d.to)?;
            optional_text("data.document", &d.document, MAX_TEXT_CHARS)?;
            EventData::HandedOver(d)
        }
        Kind::PreparedForReuse => {
            let d: PreparedForReuse = typed(data)?;
            optional_text("data.grade", &d.grade, MAX_TEXT_CHARS)?;
            optional_text("data.component", &d.component, MAX_TEXT_CHARS)?;
            optional_mass("data.weight_g", d.weight_g)?;
            EventData::PreparedForReuse(d)
        }
        Kind::Depolluted => {
            let d: Depolluted = typed(data)?;
            list_len("data.components", d.components.len())?;
            for (i, c) in d.components.iter().enumerate() {
                text(
                    &format!("data.components[{i}].component"),
                    &c.component,
                    MAX_TEXT_CHARS,
                )?;
                mass(&format!("data.components[{i}].mass_g"), c.mass_g)?;
            }
            EventData::Depolluted(d)
        }
        Kind::Recycled => {
            let d: Recycled = typed(data)?;
            operation(
                "data.operation",
                &d.operation,
                Some(OperationKind::Recovery),
            )?;
            list_len("data.fractions", d.fractions.len())?;
            for (i, f) in d.fractions.iter().enumerate() {
                text(
                    &format!("data.fractions[{i}].material"),
                    &f.material,
                    MAX_TEXT_CHARS,
                )?;
                mass(&format!("data.fractions[{i}].mass_g"), f.mass_g)?;
            }
            EventData::Recycled(d)
        }
        Kind::Disposed => {
            let d: Disposed = typed(data)?;
            operation(
                "data.operation",
                &d.operation,
                Some(OperationKind::Disposal),
            )?;
            EventData::Disposed(d)
        }
        Kind::Exported => {
            let d: Exported = typed(data)?;
            country("data.country", &d.country)?;
            if d.basel_entry != "A1181" && d.basel_entry != "Y49" {
                return Err(Rejection::invalid(
                    "data.basel_entry",
                    format!("`{}` is neither A1181 nor Y49", d.basel_entry),
                ));
            }
            text("data.notification", &d.notification, MAX_TEXT_CHARS)?;
            operation("data.operation", &d.operation, None)?;
            EventData::Exported(d)
        }
        Kind::ActorRegistered => {
            let d: ActorRegistered = typed(data)?;
            parse_uuid("data.actor", &d.actor)?;
            text("data.org", &d.org, MAX_TEXT_CHARS)?;
            text("data.name", &d.name, MAX_TEXT_CHARS)?;
            roles("data.roles", &d.roles)?;
            public_key("data.public_key", &d.public_key)?;
            if let Some(city) = &d.city {
                locode("data.city", city)?;
            }
            if let Some(prefixes) = &d.gs1_company_prefixes {
                super::company_prefix::validate("data.gs1_company_prefixes", prefixes)?;
            }
            EventData::ActorRegistered(d)
        }
        Kind::ActorKeyRotated => {
            let d: ActorKeyRotated = typed(data)?;
            parse_uuid("data.actor", &d.actor)?;
            public_key("data.public_key", &d.public_key)?;
            EventData::ActorKeyRotated(d)
        }
        Kind::ActorRevoked => {
            let d: ActorRevoked = typed(data)?;
            parse_uuid("data.actor", &d.actor)?;
            optional_text("data.reason", &d.reason, 1000)?;
            EventData::ActorRevoked(d)
        }
        Kind::CityRegistered => {
            let d: CityRegistered = typed(data)?;
            let code = locode("data.locode", &d.locode)?;
            text("data.name", &d.name, MAX_TEXT_CHARS)?;
            country("data.country", &d.country)?;
            if code.country() != d.country {
                return Err(Rejection::invalid(
                    "data.country",
                    format!(
                        "`{}` differs from the country of LOCODE {}",
                        d.country, d.locode
                    ),
                ));
            }
            year("data.population_year", d.population_year)?;
            EventData::CityRegistered(d)
        }
        Kind::PomBaseline => {
            let d: PomBaseline = typed(data)?;
            locode("data.locode", &d.locode)?;
            year("data.year", d.year)?;
            unu_key("data.unu_key", &d.unu_key)?;
            EventData::PomBaseline(d)
        }
    })
}

fn validate_registered(d: Registered) -> Result<Registered, Rejection> {
    unu_key("data.unu_key", &d.unu_key)?;
    mass("data.weight_g", d.weight_g)?;
    match (&d.gtin, &d.serial) {
        (Some(gtin), Some(serial)) => {
            Gtin14::parse(gtin).map_err(|e| Rejection::InvalidGtin {
                field: "data.gtin".into(),
                reason: e.to_string(),
            })?;
            Serial::parse(serial).map_err(|e| Rejection::invalid("data.serial", e.to_string()))?;
        }
        (None, None) => {}
        (Some(_), None) => return Err(missing("data.serial")),
        (None, Some(_)) => return Err(missing("data.gtin")),
    }
    // Intake is for unlabelled items (PRODUCT.md §3.1): a labelled product's id belongs to its
    // manufacturer's registration, so a collector or recycler may not claim it.
    if d.is_intake() && d.gtin.is_some() {
        return Err(Rejection::invalid(
            "data.intake",
            "an intake registration is for an unlabelled item and carries no gtin or serial",
        ));
    }
    optional_text("data.brand", &d.brand, MAX_TEXT_CHARS)?;
    optional_text("data.model", &d.model, MAX_TEXT_CHARS)?;
    if let Some(date) = &d.manufactured_on {
        parse_date("data.manufactured_on", date)?;
    }
    optional_text_list("data.hazards", &d.hazards)?;
    Ok(d)
}

/// Deserialises `data` into its kind's struct, turning serde's messages into rejections that
/// name the member.
fn typed<T: DeserializeOwned>(data: &Value) -> Result<T, Rejection> {
    if !data.is_object() {
        return Err(Rejection::invalid("data", "must be a JSON object"));
    }
    T::deserialize(data).map_err(|e| serde_rejection(&e.to_string()))
}

/// serde names the member between backticks: "unknown field `x`, expected ...",
/// "missing field `x`", "invalid type: ... expected u64".
fn serde_rejection(message: &str) -> Rejection {
    let quoted = message.split('`').nth(1).map(|name| format!("data.{name}"));
    if message.starts_with("unknown field") {
        Rejection::UnknownField {
            field: quoted.unwrap_or_else(|| "data".into()),
        }
    } else if message.starts_with("missing field") {
        missing(quoted.as_deref().unwrap_or("data"))
    } else {
        Rejection::invalid("data", message.to_string())
    }
}

fn missing(field: &str) -> Rejection {
    Rejection::MissingField {
        field: field.into(),
    }
}

/// Parses a UUID in its canonical lowercase hyphenated spelling only, so that every id has
/// exactly one spelling in the log.
pub fn parse_uuid(field: &str, value: &str) -> Result<Uuid, Rejection> {
    match Uuid::parse_str(value) {
        Ok(id) if id.hyphenated().to_string() == value => Ok(id),
        _ => Err(Rejection::invalid(
            field,
            format!("`{value}` is not a lowercase hyphenated UUID"),
        )),
    }
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(field: &str, value: &str) -> Result<chrono::NaiveDate, Rejection> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| Rejection::invalid(field, format!("`{value}` is not a YYYY-MM-DD date")))
}

/// Parses a UN/LOCODE.
pub fn locode(field: &str, value: &str) -> Result<Locode, Rejection> {
    Locode::parse(value).map_err(|_| Rejection::InvalidLocode {
        field: field.into(),
        value: value.into(),
    })
}

fn country(field: &str, value: &str) -> Result<CountryCode, Rejection> {
    CountryCode::parse(value).map_err(|e| Rejection::invalid(field, e.to_string()))
}

fn unu_key(field: &str, value: &str) -> Result<(), Rejection> {
    match reference::unu_key(value) {
        Some(_) => Ok(()),
        None => Err(Rejection::UnknownUnuKey {
            field: field.into(),
            value: value.into(),
        }),
    }
}

fn operation(field: &str, value: &str, expected: Option<OperationKind>) -> Result<(), Rejection> {
    match reference::operation(value) {
        Some(op) if expected.is_none_or(|kind| op.kind == kind) => Ok(()),
        _ => Err(Rejection::UnknownOperation {
            field: field.into(),
            value: value.into(),
            expected: match expected {
                Some(OperationKind::Recovery) => "R (recovery)".into(),
                Some(OperationKind::Disposal) => "D (disposal)".into(),
                None => "R or D".into(),
            },
        }),
    }
}

fn roles(field: &str, values: &[String]) -> Result<(), Rejection> {
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        if Role::parse(value).is_none() {
            return Err(Rejection::invalid(
                format!("{field}[{i}]"),
                format!("`{value}` is not a role; roles are {:?}", Role::ALL),
            ));
        }
        if values[..i].contains(value) {
            return Err(Rejection::invalid(
                format!("{field}[{i}]"),
                format!("`{value}` is repeated"),
            ));
        }
    }
    Ok(())
}

/// Decodes a base64 Ed25519 public key (32 raw bytes) that the signature rule accepts: a
/// canonical encoding of a point of prime order (see `signing::check_public_key`).
pub fn public_key(field: &str, value: &str) -> Result<[u8; 32], Rejection> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| Rejection::invalid(field, "is not standard base64 of 32 bytes"))?;
    super::signing::check_public_key(&bytes)
        .map(|key| key.to_bytes())
        .map_err(|defect| Rejection::invalid(field, format!("the Ed25519 public key {defect}")))
}

fn mass(field: &str, grams: u64) -> Result<(), Rejection> {
    if grams == 0 {
        return Err(Rejection::invalid(field, "a mass must be at least 1 gram"));
    }
    Ok(())
}

fn optional_mass(field: &str, grams: Option<u64>) -> Result<(), Rejection> {
    grams.map_or(Ok(()), |g| mass(field, g))
}

fn year(field: &str, year: u16) -> Result<(), Rejection> {
    if !(1900..=2200).contains(&year) {
        return Err(Rejection::invalid(
            field,
            format!("{year} is not a plausible year"),
        ));
    }
    Ok(())
}

fn list_len(field: &str, len: usize) -> Result<(), Rejection> {
    if len == 0 || len > MAX_LIST_ITEMS {
        return Err(Rejection::invalid(
            field,
            format!("must hold 1 to {MAX_LIST_ITEMS} items, not {len}"),
        ));
    }
    Ok(())
}

/// Free text: not blank, at most `max` characters, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Rejection> {
    if value.trim().is_empty() {
        return Err(Rejection::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(Rejection::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Rejection::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn optional_text(field: &str, value: &Option<String>, max: usize) -> Result<(), Rejection> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, max))
}

fn optional_text_list(field: &str, values: &Option<Vec<String>>) -> Result<(), Rejection> {
    let Some(values) = values else { return Ok(()) };
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        text(&format!("{field}[{i}]"), value, MAX_TEXT_CHARS)?;
    }
    Ok(())
}
