//! Row structs and their conversion to and from domain records.

use super::schema::{actors, cities, entries, products, subjects};
use super::StorageError;
use crate::domain::hash::Hash32;
use crate::domain::kinds::{ProductState, Role};
use crate::domain::records::{
    ActorRecord, CityRecord, EntryRecord, KeyPeriod, Milestone, ProductRecord, SubjectRecord,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = entries, treat_none_as_default_value = false)]
pub struct EntryRow {
    pub seq: i64,
    pub leaf_hash: Vec<u8>,
    /// The UUID's 16 bytes.
    pub event_id: Vec<u8>,
    pub event_hash: Vec<u8>,
    pub kind: String,
    pub actor_id: String,
    pub product_id: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub bytes: Vec<u8>,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = actors, treat_none_as_default_value = false)]
pub struct ActorRow {
    pub id: String,
    pub org: String,
    pub name: String,
    pub roles: String,
    pub public_key: Vec<u8>,
    pub city: Option<String>,
    pub revoked: bool,
    pub updated_seq: i64,
    /// NULL only in a database written before the time rules, until the start-up backfill.
    pub registered_seq: Option<i64>,
    pub registered_at: Option<String>,
    /// Comma-separated; NULL when the actor declared none.
    pub gs1_company_prefixes: Option<String>,
    /// `seq:base64` of every key the actor held, oldest first, comma-separated; NULL only in a
    /// database written before it, until the start-up backfill.
    pub key_history: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = cities, treat_none_as_default_value = false)]
pub struct CityRow {
    pub locode: String,
    pub name: String,
    pub country: String,
    pub population: i64,
    pub population_year: i32,
    pub registered_seq: i64,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = products, treat_none_as_default_value = false)]
pub struct ProductRow {
    pub id: String,
    pub state: String,
    pub custodian: Option<String>,
    pub gtin: Option<String>,
    pub serial: Option<String>,
    pub unu_key: String,
    pub weight_g: i64,
    pub measured_weight_g: Option<i64>,
    pub removed_g: i64,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub manufactured_on: Option<String>,
    pub hazards: String,
    /// Comma-separated seqs, oldest first.
    pub entry_seqs: String,
    pub head: Vec<u8>,
    /// `{"sold": {"city", "on"}, "collected": {...}}`, members present when known.
    pub milestones: Option<String>,
    /// NULL only in a database written before the time rules, until the start-up backfill.
    pub last_occurred_at: Option<String>,
    /// JSON of the hand-over waiting for its receiver, and the receiver alone.
    pub transit: Option<String>,
    pub transit_to: Option<String>,
    /// The container it is packed in.
    pub inside: Option<String>,
    /// JSON of how to take back its latest entry.
    pub undo: Option<String>,
}

/// A lot or a container: the record as JSON, with the columns the reads filter on.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = subjects, treat_none_as_default_value = false)]
pub struct SubjectRow {
    pub id: String,
    pub kind: String,
    pub custodian: Option<String>,
    pub transit_to: Option<String>,
    pub record: String,
}

impl SubjectRow {
    pub fn from_record(record: &SubjectRecord) -> Result<SubjectRow, StorageError> {
        Ok(SubjectRow {
            id: record.id().to_string(),
            kind: record.kind().as_str().to_string(),
            custodian: record.custodian().map(|c| c.to_string()),
            transit_to: record.transit().map(|t| t.to.to_string()),
            record: serde_json::to_string(record)
                .map_err(|e| corrupt(format!("a subject cannot be stored: {e}")))?,
        })
    }

    pub fn into_record(self) -> Result<SubjectRecord, StorageError> {
        serde_json::from_str(&self.record)
            .map_err(|e| corrupt(format!("stored subject {} is malformed: {e}", self.id)))
    }
}

/// Optional JSON members of a row, read back.
fn json_back<T: serde::de::DeserializeOwned>(
    text: Option<&str>,
    what: &str,
) -> Result<Option<T>, StorageError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| corrupt(format!("stored {what} is malformed: {e}")))
    })
    .transpose()
}

fn json_text<T: serde::Serialize>(value: Option<&T>) -> Option<String> {
    // Records hold only strings, integers and lists: serialising them cannot fail.
    value.and_then(|v| serde_json::to_string(v).ok())
}

/// How the time rules' columns hold a time: RFC 3339 UTC with all nine fraction digits, exact
/// on both backends and in the same order as the times (see the migration).
pub fn time_text(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

fn time_back(text: Option<&str>, what: &str) -> Result<DateTime<Utc>, StorageError> {
    let text = text.ok_or_else(|| {
        corrupt(format!(
            "{what} is not filled in (the start-up backfill did not run)"
        ))
    })?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(format!("{what} `{text}` is not an RFC 3339 time")))
}

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corrupt(what.into())
}

fn uuid(text: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(text).map_err(|_| corrupt(format!("`{text}` is not a UUID")))
}

fn hash(bytes: &[u8]) -> Result<Hash32, StorageError> {
    Hash32::from_slice(bytes).ok_or_else(|| corrupt("a stored hash is not 32 bytes"))
}

/// Masses are at most 2^53 - 1 (the JCS integer range), so they always fit in a BIGINT.
fn grams(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn grams_back(value: i64) -> Result<u64, StorageError> {
    u64::try_from(value).map_err(|_| corrupt(format!("negative mass {value}")))
}

impl ActorRow {
    pub fn from_record(record: &ActorRecord, updated_seq: i64) -> ActorRow {
        ActorRow {
            id: record.id.to_string(),
            org: record.org.clone(),
            name: record.name.clone(),
            roles: record
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
            public_key: record.public_key.to_vec(),
            city: record.city.clone(),
            revoked: record.revoked,
            updated_seq,
            registered_seq: Some(record.registered_seq),
            registered_at: Some(time_text(record.registered_at)),
            gs1_company_prefixes: (!record.gs1_prefixes.is_empty())
                .then(|| record.gs1_prefixes.join(",")),
            key_history: Some(key_history_text(&record.key_history)),
        }
    }

    pub fn into_record(self) -> Result<ActorRecord, StorageError> {
        let roles = self
            .roles
            .split(',')
            .map(|r| Role::parse(r).ok_or_else(|| corrupt(format!("unknown role `{r}`"))))
            .collect::<Result<_, _>>()?;
        Ok(ActorRecord {
            id: uuid(&self.id)?,
            org: self.org,
            name: self.name,
            roles,
            public_key: self
                .public_key
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("a stored public key is not 32 bytes"))?,
            city: self.city,
            revoked: self.revoked,
            registered_seq: self
                .registered_seq
                .ok_or_else(|| corrupt(format!("actor {} has no registration seq", self.id)))?,
            registered_at: time_back(
                self.registered_at.as_deref(),
                "an actor's registration time",
            )?,
            gs1_prefixes: self
                .gs1_company_prefixes
                .as_deref()
                .map(|list| list.split(',').map(String::from).collect())
                .unwrap_or_default(),
            key_history: key_history_back(self.key_history.as_deref(), &self.id)?,
        })
    }
}

/// `seq:base64` of each key, comma-separated (base64 has neither `:` nor `,`).
pub fn key_history_text(history: &[KeyPeriod]) -> String {
    use base64::Engine;
    history
        .iter()
        .map(|period| {
            let key = base64::engine::general_purpose::STANDARD.encode(period.public_key);
            format!("{}:{key}", period.from_seq)
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn key_history_back(text: Option<&str>, actor: &str) -> Result<Vec<KeyPeriod>, StorageError> {
    use base64::Engine;
    let bad = || corrupt(format!("actor {actor}'s key history is malformed"));
    let text = text.ok_or_else(|| corrupt(format!("actor {actor} has no key history")))?;
    text.split(',')
        .map(|item| {
            let (seq, key) = item.split_once(':').ok_or_else(bad)?;
            let key = base64::engine::general_purpose::STANDARD
                .decode(key)
                .map_err(|_| bad())?;
            Ok(KeyPeriod {
                from_seq: seq.parse().map_err(|_| bad())?,
                public_key: key.as_slice().try_into().map_err(|_| bad())?,
            })
        })
        .collect()
}

impl CityRow {
    pub fn from_record(record: &CityRecord, registered_seq: i64) -> CityRow {
        CityRow {
            locode: record.locode.clone(),
            name: record.name.clone(),
            country: record.country.clone(),
            population: grams(record.population),
            population_year: i32::from(record.population_year),
            registered_seq,
        }
    }

    pub fn into_record(self) -> Result<CityRecord, StorageError> {
        Ok(CityRecord {
            locode: self.locode,
            name: self.name,
            country: self.country,
            population: grams_back(self.population)?,
            population_year: u16::try_from(self.population_year)
                .map_err(|_| corrupt("population year out of range"))?,
        })
    }
}

impl ProductRow {
    pub fn from_record(record: &ProductRecord) -> ProductRow {
        ProductRow {
            id: record.id.to_string(),
            state: record.state.as_str().to_string(),
            custodian: record.custodian.map(|c| c.to_string()),
            gtin: record.gtin.clone(),
            serial: record.serial.clone(),
            unu_key: record.unu_key.clone(),
            weight_g: grams(record.weight_g),
            measured_weight_g: record.measured_weight_g.map(grams),
            removed_g: grams(record.removed_g),
            brand: record.brand.clone(),
            model: record.model.clone(),
            manufactured_on: record.manufactured_on.clone(),
            hazards: serde_json::to_string(&record.hazards).unwrap_or_else(|_| "[]".into()),
            entry_seqs: record
                .entry_seqs
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            head: record.head.0.to_vec(),
            milestones: milestones_json(record.sold.as_ref(), record.collected.as_ref()),
            last_occurred_at: Some(time_text(record.last_occurred_at)),
            transit: json_text(record.transit.as_ref()),
            transit_to: record.transit.as_ref().map(|t| t.to.to_string()),
            inside: record.inside.map(|c| c.to_string()),
            undo: undo_text(record),
        }
    }

    pub fn into_record(self) -> Result<ProductRecord, StorageError> {
        let stored: Option<serde_json::Value> = self
            .milestones
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("stored milestones are not JSON"))?;
        let undo_text = self.undo.clone();
        let mut record = ProductRecord {
            id: uuid(&self.id)?,
            state: ProductState::parse(&self.state)
                .ok_or_else(|| corrupt(format!("unknown product state `{}`", self.state)))?,
            custodian: self.custodian.as_deref().map(uuid).transpose()?,
            gtin: self.gtin,
            serial: self.serial,
            unu_key: self.unu_key,
            weight_g: grams_back(self.weight_g)?,
            measured_weight_g: self.measured_weight_g.map(grams_back).transpose()?,
            removed_g: grams_back(self.removed_g)?,
            brand: self.brand,
            model: self.model,
            manufactured_on: self.manufactured_on,
            hazards: serde_json::from_str(&self.hazards)
                .map_err(|_| corrupt("stored hazards are not a JSON list"))?,
            entry_seqs: self
                .entry_seqs
                .split(',')
                .map(|seq| {
                    seq.parse()
                        .map_err(|_| corrupt(format!("bad entry seq `{seq}`")))
                })
                .collect::<Result<_, _>>()?,
            head: hash(&self.head)?,
            last_occurred_at: time_back(
                self.last_occurred_at.as_deref(),
                "a product's latest occurred_at",
            )?,
            sold: milestone(stored.as_ref(), "sold")?,
            collected: milestone(stored.as_ref(), "collected")?,
            transit: json_back(self.transit.as_deref(), "transit")?,
            inside: self.inside.as_deref().map(uuid).transpose()?,
            undo: None,
        };
        record.undo = undo_back(undo_text.as_deref(), &record)?;
        Ok(record)
    }
}

/// How a product row keeps its `undo`. Most products were just registered: their undo says
/// only who registered them (nothing before, no other subject, no statistics), which is
/// written as `created-by:{signer}` rather than JSON, so that a registration's row stays
/// small (every byte of it is written to the log's transaction per registered unit).
const CREATED_BY: &str = "created-by:";

fn undo_text(record: &ProductRecord) -> Option<String> {
    let undo = record.undo.as_deref()?;
    let just_created = undo.before.is_none()
        && undo.also.is_empty()
        && undo.facts.is_empty()
        && undo.primary == crate::domain::records::SubjectRef::product(record.id)
        && record.entry_seqs.len() == 1
        && record.entry_seqs.first() == Some(&undo.seq);
    if just_created {
        Some(format!("{CREATED_BY}{}", undo.signer))
    } else {
        json_text(Some(undo))
    }
}

fn undo_back(
    text: Option<&str>,
    record: &ProductRecord,
) -> Result<Option<Box<crate::domain::records::Undo>>, StorageError> {
    let Some(text) = text else { return Ok(None) };
    if let Some(signer) = text.strip_prefix(CREATED_BY) {
        return Ok(Some(Box::new(crate::domain::records::Undo {
            seq: record.entry_seqs.first().copied().unwrap_or_default(),
            signer: uuid(signer)?,
            primary: crate::domain::records::SubjectRef::product(record.id),
            before: None,
            also: Vec::new(),
            facts: Vec::new(),
        })));
    }
    json_back(Some(text), "undo")
}

/// The stored form of a product's milestones; `None` when there are none.
pub fn milestones_json(sold: Option<&Milestone>, collected: Option<&Milestone>) -> Option<String> {
    let mut members = serde_json::Map::new();
    for (name, milestone) in [("sold", sold), ("collected", collected)] {
        if let Some(m) = milestone {
            members.insert(
                name.into(),
                serde_json::json!({"city": m.city, "on": m.on.to_string()}),
            );
        }
    }
    (!members.is_empty()).then(|| serde_json::Value::Object(members).to_string())
}

fn milestone(
    stored: Option<&serde_json::Value>,
    name: &str,
) -> Result<Option<Milestone>, StorageError> {
    let Some(member) = stored.and_then(|s| s.get(name)) else {
        return Ok(None);
    };
    let (Some(city), Some(on)) = (member["city"].as_str(), member["on"].as_str()) else {
        return Err(corrupt(format!("stored milestone `{name}` is malformed")));
    };
    Ok(Some(Milestone {
        city: city.to_string(),
        on: on
            .parse()
            .map_err(|_| corrupt(format!("stored date `{on}` is not YYYY-MM-DD")))?,
    }))
}

impl From<EntryRecord> for EntryRow {
    fn from(entry: EntryRecord) -> EntryRow {
        EntryRow {
            seq: entry.seq,
            leaf_hash: entry.leaf_hash.0.to_vec(),
            event_id: entry.event_id.as_bytes().to_vec(),
            event_hash: entry.event_hash.0.to_vec(),
            kind: entry.kind.as_str().to_string(),
            actor_id: entry.actor.to_string(),
            product_id: entry.product.map(|p| p.to_string()),
            recorded_at: entry.recorded_at,
            bytes: entry.bytes,
        }
    }
}

impl EntryRow {
    pub fn event_uuid(&self) -> Result<Uuid, StorageError> {
        Uuid::from_slice(&self.event_id)
            .map_err(|_| corrupt(format!("entry {} has a bad event id", self.seq)))
    }

    pub fn leaf(&self) -> Result<Hash32, StorageError> {
        hash(&self.leaf_hash)
    }

    pub fn event_hash(&self) -> Result<Hash32, StorageError> {
        hash(&self.event_hash)
    }
}
