//! Signed events (docs/ledger-format.md §1): the envelope `{"event": {...}, "sig": "<base64>"}`, parsed
//! strictly, canonicalised with JCS and checked for shape. Whether the event is allowed is
//! decided later, against the ledger's state, in [`super::rules`].

use super::data::{self, parse_data, parse_uuid, EventData};
use super::hash::Hash32;
use super::identifiers::Locode;
use super::jcs;
use super::kinds::{Kind, SubjectKind};
use super::records::SubjectRef;
use super::rejection::Rejection;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::Signature;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Deepest nesting accepted anywhere in a submission (`{"event":{"data":{"fractions":[{..}]}}}`
/// needs 5); refusing deeper input early keeps hostile documents cheap.
pub const MAX_DEPTH: usize = 6;
/// Longest string accepted anywhere in a submission, in bytes.
pub const MAX_STRING_BYTES: usize = 4096;

const EVENT_MEMBERS: &[&str] = &[
    "id",
    "kind",
    "actor",
    "occurred_at",
    "city",
    "product",
    "lot",
    "container",
    "prev",
    "data",
];

/// An event whose shape is valid. Its signature has not been checked yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub kind: Kind,
    pub actor: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub city: Option<Locode>,
    /// The primary subject: the one top-level `product`, `lot` or `container` member
    /// (docs/lifecycle.md §8).
    pub subject: Option<SubjectRef>,
    pub prev: Option<Hash32>,
    pub data: EventData,
}

impl Event {
    /// The product the event is about, when its subject is a product.
    pub fn product(&self) -> Option<Uuid> {
        self.subject
            .filter(|s| s.kind == SubjectKind::Product)
            .map(|s| s.id)
    }

    /// The id of its primary subject, whatever kind that is.
    pub fn subject_id(&self) -> Option<Uuid> {
        self.subject.map(|s| s.id)
    }
}

/// A parsed submission: the event, its canonical bytes (what was signed) and the signature.
#[derive(Clone, Debug)]
pub struct SignedEvent {
    pub event: Event,
    /// RFC 8785 canonical bytes of the event object, exactly as signed and as logged.
    pub canonical: Vec<u8>,
    pub signature: Signature,
    /// The signature as submitted (canonical padded base64), copied into the entry.
    pub signature_b64: String,
}

impl SignedEvent {
    /// SHA-256 of the canonical event: two submissions are "the identical event" when these match.
    pub fn event_hash(&self) -> Hash32 {
        Hash32::sha256(&self.canonical)
    }

    /// The exact bytes the signature covers.
    pub fn message(&self) -> Vec<u8> {
        super::signing::event_message(&self.canonical)
    }
}

/// Parses a submission `{"event": {...}, "sig": "..."}`.
pub fn parse_signed_event(envelope: &Value) -> Result<SignedEvent, Rejection> {
    check_limits(envelope)?;
    let object = envelope
        .as_object()
        .ok_or_else(|| Rejection::invalid("", "a submission must be a JSON object"))?;
    only_members(object, &["event", "sig"], "")?;
    let event_value = member(object, "event", "")?;
    let sig_text = string_member(object, "sig", "")?;
    let signature = parse_signature(sig_text)?;
    let canonical =
        jcs::canonicalize(event_value).map_err(|e| Rejection::invalid("event", e.to_string()))?;
    let event = parse_event(event_value)?;
    for (field, code) in event.data.hazard_codes() {
        super::data_fields::hazard(field, code)?;
    }
    Ok(SignedEvent {
        event,
        canonical,
        signature,
        signature_b64: sig_text.to_string(),
    })
}

/// Parses and shape-checks an event object.
pub fn parse_event(value: &Value) -> Result<Event, Rejection> {
    let object = value
        .as_object()
        .ok_or_else(|| Rejection::invalid("event", "must be a JSON object"))?;
    only_members(object, EVENT_MEMBERS, "event.")?;
    let kind_text = string_member(object, "kind", "event.")?;
    let kind = Kind::parse(kind_text).ok_or_else(|| {
        Rejection::invalid("event.kind", format!("`{kind_text}` is not an event kind"))
    })?;
    let id = parse_uuid("event.id", string_member(object, "id", "event.")?)?;
    let actor = parse_uuid("event.actor", string_member(object, "actor", "event.")?)?;
    let occurred_at = parse_timestamp(
        "event.occurred_at",
        string_member(object, "occurred_at", "event.")?,
    )?;

    let (city, subject, prev) = if kind.is_subject_kind() {
        let city = data::locode("event.city", string_member(object, "city", "event.")?)?;
        let subject = subject_member(object, kind)?;
        let prev = match (object.get("prev"), kind.creates_subject(), kind) {
            (None, true, _) | (None, false, Kind::Packed) => None,
            (Some(_), true, _) => {
                return Err(Rejection::invalid(
                    "event.prev",
                    format!("`{kind}` starts its subject's chain and has no `prev`"),
                ))
            }
            (_, _, _) => {
                let text = string_member(object, "prev", "event.")?;
                Some(Hash32::from_hex(text).ok_or_else(|| {
                    Rejection::invalid("event.prev", "must be 64 lowercase hex digits")
                })?)
            }
        };
        (Some(city), Some(subject), prev)
    } else {
        for name in ["city", "product", "lot", "container", "prev"] {
            if object.contains_key(name) {
                return Err(Rejection::invalid(
                    format!("event.{name}"),
                    format!("registry events (`{kind}`) carry no `{name}`"),
                ));
            }
        }
        (None, None, None)
    };

    let data = parse_data(kind, member(object, "data", "event.")?).map_err(prefix_event)?;
    Ok(Event {
        id,
        kind,
        actor,
        occurred_at,
        city,
        subject,
        prev,
        data,
    })
}

/// The event's one primary subject member, of a kind its kind allows (docs/lifecycle.md §8).
fn subject_member(object: &Map<String, Value>, kind: Kind) -> Result<SubjectRef, Rejection> {
    let allowed = kind.subject_kinds();
    let mut found = None;
    for subject_kind in SubjectKind::ALL {
        let name = subject_kind.as_str();
        if !object.contains_key(name) {
            continue;
        }
        if !allowed.contains(subject_kind) {
            return Err(Rejection::invalid(
                format!("event.{name}"),
                format!(
                    "`{kind}` is about a {}, not a {name}",
                    super::wording::or_list(allowed)
                ),
            ));
        }
        if let Some(first) = found.replace(*subject_kind) {
            return Err(Rejection::invalid(
                format!("event.{name}"),
                format!("an event has one subject, and this one already names a {first}"),
            ));
        }
    }
    let subject_kind = found.ok_or_else(|| Rejection::MissingField {
        field: format!(
            "event.{}",
            allowed.first().copied().unwrap_or(SubjectKind::Product)
        ),
    })?;
    // A static name: this runs for every submitted event.
    let field = match subject_kind {
        SubjectKind::Product => "event.product",
        SubjectKind::Lot => "event.lot",
        SubjectKind::Container => "event.container",
    };
    let id = parse_uuid(
        field,
        string_member(object, subject_kind.as_str(), "event.")?,
    )?;
    Ok(SubjectRef {
        kind: subject_kind,
        id,
    })
}

/// Data errors name `data.x`; in the context of a whole submission that is `event.data.x`.
fn prefix_event(rejection: Rejection) -> Rejection {
    let prefixed = |field: String| format!("event.{field}");
    match rejection {
        Rejection::InvalidField { field, reason } => Rejection::InvalidField {
            field: prefixed(field),
            reason,
        },
        Rejection::UnknownField { field } => Rejection::UnknownField {
            field: prefixed(field),
        },
        Rejection::MissingField { field } => Rejection::MissingField {
            field: prefixed(field),
        },
        Rejection::InvalidGtin { field, reason } => Rejection::InvalidGtin {
            field: prefixed(field),
            reason,
        },
        Rejection::InvalidLocode { field, value } => Rejection::InvalidLocode {
            field: prefixed(field),
            value,
        },
        Rejection::UnknownUnuKey { field, value } => Rejection::UnknownUnuKey {
            field: prefixed(field),
            value,
        },
        Rejection::UnknownOperation {
            field,
            value,
            expected,
        } => Rejection::UnknownOperation {
            field: prefixed(field),
            value,
            expected,
        },
        Rejection::UnknownHazard {
            field,
            value,
            suggestion,
        } => Rejection::UnknownHazard {
            field: prefixed(field),
            value,
            suggestion,
        },
        other => other,
    }
}

/// RFC 3339 in UTC with a `Z` (docs/ledger-format.md §1), e.g. `2026-03-01T09:30:00Z` or with fractions.
pub fn parse_timestamp(field: &str, text: &str) -> Result<DateTime<Utc>, Rejection> {
    let bad = || {
        Rejection::invalid(
            field,
            format!("`{text}` is not an RFC 3339 UTC timestamp ending in Z"),
        )
    };
    if !text.ends_with('Z') || text.as_bytes().get(10) != Some(&b'T') {
        return Err(bad());
    }
    let time = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad())?;
    if is_leap_second(&time) {
        return Err(Rejection::LeapSecond {
            field: field.into(),
            value: text.into(),
        });
    }
    Ok(time)
}

/// Whether `time` was written with second 60. chrono accepts a leap second anywhere and keeps
/// it as a nanosecond count past 999,999,999; Python, JavaScript and most verifiers refuse it,
/// so the ledger does too (docs/ledger-format.md §1): every timestamp it logs reads the same everywhere.
pub fn is_leap_second(time: &DateTime<Utc>) -> bool {
    chrono::Timelike::nanosecond(time) >= 1_000_000_000
}

/// Formats a timestamp the way the ledger writes `recorded_at`: UTC, milliseconds, `Z`.
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_signature(text: &str) -> Result<Signature, Rejection> {
    let engine = base64::engine::general_purpose::STANDARD;
    let bytes = engine
        .decode(text)
        .ok()
        .filter(|bytes| bytes.len() == 64 && engine.encode(bytes) == text)
        .ok_or_else(|| {
            Rejection::invalid(
                "sig",
                "must be the padded base64 of a 64-byte Ed25519 signature",
            )
        })?;
    let array: [u8; 64] = bytes
        .try_into()
        .map_err(|_| Rejection::invalid("sig", "must be 64 bytes"))?;
    Ok(Signature::from_bytes(&array))
}

fn only_members(
    object: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), Rejection> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(Rejection::UnknownField {
            field: format!("{prefix}{key}"),
        }),
        None => Ok(()),
    }
}

fn member<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    prefix: &str,
) -> Result<&'a Value, Rejection> {
    object.get(name).ok_or_else(|| Rejection::MissingField {
        field: format!("{prefix}{name}"),
    })
}

fn string_member<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    prefix: &str,
) -> Result<&'a str, Rejection> {
    member(object, name, prefix)?
        .as_str()
        .ok_or_else(|| Rejection::invalid(format!("{prefix}{name}"), "must be a string"))
}

/// One step of a path into a JSON document, kept as references so that a valid document
/// costs no allocation; the path is only spelled out for an error.
enum Step<'a> {
    Member(&'a str),
    Index(usize),
}

fn spell(path: &[Step<'_>]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Member(name) if text.is_empty() => text.push_str(name),
            Step::Member(name) => {
                text.push('.');
                text.push_str(name);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

/// Refuses nulls, floats, deep nesting and huge strings before any other work is done.
fn check_limits(value: &Value) -> Result<(), Rejection> {
    check_node(value, &mut Vec::new())
}

fn check_node<'a>(value: &'a Value, path: &mut Vec<Step<'a>>) -> Result<(), Rejection> {
    if path.len() > MAX_DEPTH {
        return Err(Rejection::invalid(
            spell(path),
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    match value {
        Value::Null => Err(Rejection::invalid(
            spell(path),
            "null is not allowed; omit absent members",
        )),
        Value::Number(n) if !(n.is_i64() || n.is_u64()) => Err(Rejection::invalid(
            spell(path),
            "floating-point numbers are not allowed; masses are integer grams",
        )),
        Value::String(s) if s.len() > MAX_STRING_BYTES => Err(Rejection::invalid(
            spell(path),
            format!("strings are limited to {MAX_STRING_BYTES} bytes"),
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                check_node(item, path)?;
                path.pop();
            }
            Ok(())
        }
        Value::Object(members) => {
            for (name, item) in members {
                path.push(Step::Member(name));
                check_node(item, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
