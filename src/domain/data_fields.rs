//! The checks every member of `data` goes through: strict deserialisation with rejections that
//! name the member, and the field validators (UUIDs, dates, codes, masses, texts, lists).

use super::data::{MAX_LIST_ITEMS, MAX_TEXT_CHARS};
use super::identifiers::{CountryCode, Locode};
use super::kinds::Role;
use super::reference::{self, OperationKind};
use super::rejection::Rejection;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

/// Deserialises `data` into its kind's struct, turning serde's messages into rejections that
/// name the member.
pub(super) fn typed<T: DeserializeOwned>(data: &Value) -> Result<T, Rejection> {
    if !data.is_object() {
        return Err(Rejection::invalid("data", "must be a JSON object"));
    }
    T::deserialize(data).map_err(|e| serde_rejection(&e.to_string()))
}

/// serde names the member between backticks: "unknown field `x`, expected ...",
/// "missing field `x`", "invalid type: ... expected u64".
pub(super) fn serde_rejection(message: &str) -> Rejection {
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

pub(super) fn missing(field: &str) -> Rejection {
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

pub(super) fn country(field: &str, value: &str) -> Result<CountryCode, Rejection> {
    CountryCode::parse(value).map_err(|e| Rejection::invalid(field, e.to_string()))
}

pub(super) fn unu_key(field: &str, value: &str) -> Result<(), Rejection> {
    match reference::unu_key(value) {
        Some(_) => Ok(()),
        None => Err(Rejection::UnknownUnuKey {
            field: field.into(),
            value: value.into(),
        }),
    }
}

/// A hazard of the vocabulary (`reference/hazards.csv`); a typo is answered with the nearest
/// known code.
pub fn hazard(field: impl std::fmt::Display, value: &str) -> Result<(), Rejection> {
    if reference::hazard(value).is_some() {
        return Ok(());
    }
    let known = reference::hazards().iter().map(|h| h.code.as_str());
    Err(Rejection::UnknownHazard {
        field: field.to_string(),
        value: value.into(),
        suggestion: super::wording::nearest(value, known).map(String::from),
    })
}

pub(super) fn operation(
    field: &str,
    value: &str,
    expected: Option<OperationKind>,
) -> Result<(), Rejection> {
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

pub(super) fn roles(field: &str, values: &[String]) -> Result<(), Rejection> {
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        if Role::parse(value).is_none() {
            return Err(Rejection::invalid(
                format!("{field}[{i}]"),
                format!(
                    "`{value}` is not a role; roles are {}",
                    super::wording::or_list(Role::ALL)
                ),
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
        .map_err(|_| Rejection::invalid(field, not_a_public_key(value)))?;
    super::signing::check_public_key(&bytes)
        .map(|key| key.to_bytes())
        .map_err(|defect| {
            use super::key_text::KeyText;
            match KeyText::of(value) {
                KeyText::PrivateKeyPem | KeyText::PrivateKeyDer => {
                    Rejection::invalid(field, not_a_public_key(value))
                }
                _ => Rejection::invalid(field, format!("the Ed25519 public key {defect}")),
            }
        })
}

/// Why text given as a public key is not one, naming what it looks like and never quoting it
/// (it may be a private key pasted in the wrong place: docs/operations.md, key material).
pub fn not_a_public_key(value: &str) -> String {
    use super::key_text::KeyText;
    match KeyText::of(value) {
        found @ (KeyText::PrivateKeyPem | KeyText::PrivateKeyDer) => format!(
            "is not a public key: it looks like {found}, which must stay secret; \
             give the public key (`ewaste-ledger keygen` prints it)"
        ),
        found => format!("is not standard base64 of 32 bytes: it is {found}"),
    }
}

pub(super) fn mass(field: &str, grams: u64) -> Result<(), Rejection> {
    if grams == 0 {
        return Err(Rejection::invalid(field, "a mass must be at least 1 gram"));
    }
    Ok(())
}

pub(super) fn optional_mass(field: &str, grams: Option<u64>) -> Result<(), Rejection> {
    grams.map_or(Ok(()), |g| mass(field, g))
}

pub(super) fn year(field: &str, year: u16) -> Result<(), Rejection> {
    if !(1900..=2200).contains(&year) {
        return Err(Rejection::invalid(
            field,
            format!("{year} is not a plausible year"),
        ));
    }
    Ok(())
}

pub(super) fn list_len(field: &str, len: usize) -> Result<(), Rejection> {
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

pub(super) fn optional_text(
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Result<(), Rejection> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, max))
}

pub(super) fn optional_text_list(
    field: &str,
    values: &Option<Vec<String>>,
) -> Result<(), Rejection> {
    let Some(values) = values else { return Ok(()) };
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        text(&format!("{field}[{i}]"), value, MAX_TEXT_CHARS)?;
    }
    Ok(())
}

/// An EU-6 WEEE category, `"1"` to `"6"` (Directive 2012/19/EU Annex III).
pub(super) fn eu6_category(field: &str, value: &str) -> Result<(), Rejection> {
    if reference::weee_categories()
        .iter()
        .any(|category| category.category.to_string() == value)
    {
        return Ok(());
    }
    Err(Rejection::invalid(
        field,
        format!("`{value}` is not an EU-6 WEEE category (\"1\" to \"6\")"),
    ))
}

/// Most children one `packed` or `unpacked` lists: a truck of pallets of phones, not a
/// warehouse (each child costs one subject read in the writer's batch).
pub const MAX_CHILDREN: usize = 1000;

/// The children of `packed` and `unpacked`: each a product or a lot with its `prev`, none twice.
pub(super) fn children(field: &str, children: &[super::data::Child]) -> Result<(), Rejection> {
    if children.is_empty() || children.len() > MAX_CHILDREN {
        return Err(Rejection::invalid(
            field,
            format!(
                "must hold 1 to {MAX_CHILDREN} items, not {}",
                children.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(children.len());
    for (i, child) in children.iter().enumerate() {
        let id = match (&child.product, &child.lot) {
            (Some(id), None) => parse_uuid(&format!("{field}[{i}].product"), id)?,
            (None, Some(id)) => parse_uuid(&format!("{field}[{i}].lot"), id)?,
            (None, None) => return Err(missing(&format!("{field}[{i}].product"))),
            (Some(_), Some(_)) => {
                return Err(Rejection::invalid(
                    format!("{field}[{i}]"),
                    "names a product or a lot, not both",
                ))
            }
        };
        if super::hash::Hash32::from_hex(&child.prev).is_none() {
            return Err(Rejection::invalid(
                format!("{field}[{i}].prev"),
                "must be 64 lowercase hex digits",
            ));
        }
        if !seen.insert(id) {
            return Err(Rejection::invalid(
                format!("{field}[{i}]"),
                format!("lists {id} a second time"),
            ));
        }
    }
    Ok(())
}
