//! The `data` member of each event kind (docs/lifecycle.md), parsed strictly: unknown members
//! are refused, masses are integer grams, codes are checked against the reference tables.

use super::data_fields::*;
pub use super::data_fields::{locode, parse_date, parse_uuid, public_key, text};
use super::gtin::Gtin14;
use super::kinds::{Kind, Role};
use super::reference::OperationKind;
use super::rejection::Rejection;
use super::serial::Serial;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest free-text member we accept (names, models, descriptions), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most items in any list inside `data` (hazards, fractions, roles...).
pub const MAX_LIST_ITEMS: usize = 64;

/// Validated `data`, one variant per kind. It serializes as its members (null for a kind
/// without data, and for an absent optional member), for pages that list them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
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
    LotCollected(LotCollected),
    Packed(Packed),
    Unpacked(Unpacked),
    Received(Received),
    ReceiptRefused(ReceiptRefused),
    ErrorDeclared(ErrorDeclared),
    ActorRegistered(ActorRegistered),
    ActorKeyRotated(ActorKeyRotated),
    ActorRevoked(ActorRevoked),
    CityRegistered(CityRegistered),
    PomBaseline(PomBaseline),
}

/// Mass an event takes out of what is left of its product: never more than is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MassOut {
    /// The member of the event that states it, for the rejection.
    pub field: &'static str,
    pub grams: u64,
    /// Whether what is left shrinks by it (removed components), or the product is only
    /// weighed or split into outputs.
    pub removes: bool,
}

/// The registry member of a registry event's data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RegistryData<'a> {
    ActorRegistered(&'a ActorRegistered),
    ActorKeyRotated(&'a ActorKeyRotated),
    ActorRevoked(&'a ActorRevoked),
    CityRegistered(&'a CityRegistered),
    PomBaseline(&'a PomBaseline),
}

/// What each kind's data says beyond its kind: every `match` here names every kind, so a new
/// kind's data decides each of these.
/// Where in an event's data a hazard code stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HazardAt {
    /// `event.data.hazards[i]` of `registered`.
    Hazards(usize),
    /// `event.data.components[i].component` of `depolluted`.
    Component(usize),
}

impl std::fmt::Display for HazardAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HazardAt::Hazards(i) => write!(f, "event.data.hazards[{i}]"),
            HazardAt::Component(i) => write!(f, "event.data.components[{i}].component"),
        }
    }
}

impl EventData {
    /// The mass the event takes out of its product, checked against what is left.
    pub fn mass_out(&self) -> Option<MassOut> {
        let out = |field, grams, removes| {
            Some(MassOut {
                field,
                grams,
                removes,
            })
        };
        match self {
            EventData::PreparedForReuse(d) => d
                .weight_g
                .and_then(|grams| out("event.data.weight_g", grams, false)),
            EventData::Depolluted(d) => out(
                "event.data.components",
                d.components.iter().map(|c| c.mass_g).sum(),
                true,
            ),
            EventData::Recycled(d) => out(
                "event.data.fractions",
                d.fractions.iter().map(|f| f.mass_g).sum(),
                false,
            ),
            EventData::Registered(_)
            | EventData::PlacedOnMarket
            | EventData::Resold
            | EventData::Repaired(_)
            | EventData::Collected(_)
            | EventData::HandedOver(_)
            | EventData::Disposed(_)
            | EventData::Exported(_)
            | EventData::LotCollected(_)
            | EventData::Packed(_)
            | EventData::Unpacked(_)
            | EventData::Received(_)
            | EventData::ReceiptRefused(_)
            | EventData::ErrorDeclared(_)
            | EventData::ActorRegistered(_)
            | EventData::ActorKeyRotated(_)
            | EventData::ActorRevoked(_)
            | EventData::CityRegistered(_)
            | EventData::PomBaseline(_) => None,
        }
    }

    /// The actor the data names (the recipient of a hand-over, the actor of an actor event).
    pub fn named_actor(&self) -> Option<&str> {
        match self {
            EventData::HandedOver(d) => Some(&d.to),
            EventData::ActorRegistered(d) => Some(&d.actor),
            EventData::ActorKeyRotated(d) => Some(&d.actor),
            EventData::ActorRevoked(d) => Some(&d.actor),
            EventData::Registered(_)
            | EventData::PlacedOnMarket
            | EventData::Resold
            | EventData::Repaired(_)
            | EventData::Collected(_)
            | EventData::PreparedForReuse(_)
            | EventData::Depolluted(_)
            | EventData::Recycled(_)
            | EventData::Disposed(_)
            | EventData::Exported(_)
            | EventData::LotCollected(_)
            | EventData::Packed(_)
            | EventData::Unpacked(_)
            | EventData::Received(_)
            | EventData::ReceiptRefused(_)
            | EventData::ErrorDeclared(_)
            | EventData::CityRegistered(_)
            | EventData::PomBaseline(_) => None,
        }
    }

    /// The city the data names (registry events about a city).
    pub fn named_city(&self) -> Option<&str> {
        self.registry().and_then(|registry| match registry {
            RegistryData::CityRegistered(d) => Some(d.locode.as_str()),
            RegistryData::PomBaseline(d) => Some(d.locode.as_str()),
            RegistryData::ActorRegistered(_)
            | RegistryData::ActorKeyRotated(_)
            | RegistryData::ActorRevoked(_) => None,
        })
    }

    /// The key the data gives an actor: `(actor, public key)`, both as written.
    pub fn registered_key(&self) -> Option<(&str, &str)> {
        self.registry().and_then(|registry| match registry {
            RegistryData::ActorRegistered(d) => Some((d.actor.as_str(), d.public_key.as_str())),
            RegistryData::ActorKeyRotated(d) => Some((d.actor.as_str(), d.public_key.as_str())),
            RegistryData::ActorRevoked(_)
            | RegistryData::CityRegistered(_)
            | RegistryData::PomBaseline(_) => None,
        })
    }

    /// Every hazard code the data states, with the member that states it: the `hazards` of
    /// `registered` and the components removed by `depolluted`. New submissions must use the
    /// vocabulary of `reference/hazards.csv` ([`super::event::parse_signed_event`]); entries
    /// already in a log are read as they were written, so a log recorded before the vocabulary
    /// stays verifiable.
    ///
    /// The member's path is only written out for a refusal (`HazardAt`'s `Display`): this runs
    /// for every submitted event.
    pub fn hazard_codes(&self) -> Vec<(HazardAt, &str)> {
        match self {
            EventData::Registered(d) => d
                .hazards
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, h)| (HazardAt::Hazards(i), h.as_str()))
                .collect(),
            EventData::Depolluted(d) => d
                .components
                .iter()
                .enumerate()
                .map(|(i, c)| (HazardAt::Component(i), c.component.as_str()))
                .collect(),
            EventData::PlacedOnMarket
            | EventData::Resold
            | EventData::Repaired(_)
            | EventData::Collected(_)
            | EventData::HandedOver(_)
            | EventData::PreparedForReuse(_)
            | EventData::Recycled(_)
            | EventData::Disposed(_)
            | EventData::Exported(_)
            | EventData::LotCollected(_)
            | EventData::Packed(_)
            | EventData::Unpacked(_)
            | EventData::Received(_)
            | EventData::ReceiptRefused(_)
            | EventData::ErrorDeclared(_)
            | EventData::ActorRegistered(_)
            | EventData::ActorKeyRotated(_)
            | EventData::ActorRevoked(_)
            | EventData::CityRegistered(_)
            | EventData::PomBaseline(_) => Vec::new(),
        }
    }

    /// The registry member, for registry kinds.
    pub fn registry(&self) -> Option<RegistryData<'_>> {
        match self {
            EventData::ActorRegistered(d) => Some(RegistryData::ActorRegistered(d)),
            EventData::ActorKeyRotated(d) => Some(RegistryData::ActorKeyRotated(d)),
            EventData::ActorRevoked(d) => Some(RegistryData::ActorRevoked(d)),
            EventData::CityRegistered(d) => Some(RegistryData::CityRegistered(d)),
            EventData::PomBaseline(d) => Some(RegistryData::PomBaseline(d)),
            EventData::Registered(_)
            | EventData::PlacedOnMarket
            | EventData::Resold
            | EventData::Repaired(_)
            | EventData::Collected(_)
            | EventData::HandedOver(_)
            | EventData::PreparedForReuse(_)
            | EventData::Depolluted(_)
            | EventData::Recycled(_)
            | EventData::Disposed(_)
            | EventData::Exported(_)
            | EventData::LotCollected(_)
            | EventData::Packed(_)
            | EventData::Unpacked(_)
            | EventData::Received(_)
            | EventData::ReceiptRefused(_)
            | EventData::ErrorDeclared(_) => None,
        }
    }

    /// The children the data lists, by kind and id (unparseable ids are left out: the shape
    /// checks refused them already).
    pub fn listed_subject_refs(&self) -> Vec<super::records::SubjectRef> {
        use super::kinds::SubjectKind;
        self.listed_subjects()
            .iter()
            .filter_map(|child| {
                let (kind, text) = match (&child.product, &child.lot) {
                    (Some(id), _) => (SubjectKind::Product, id),
                    (None, Some(id)) => (SubjectKind::Lot, id),
                    (None, None) => return None,
                };
                let id = uuid::Uuid::parse_str(text).ok()?;
                Some(super::records::SubjectRef { kind, id })
            })
            .collect()
    }

    /// The subjects other than the primary one that the event changes, each with the `prev`
    /// it names (docs/lifecycle.md §8): the children of `packed` and `unpacked`.
    pub fn listed_subjects(&self) -> &[Child] {
        match self {
            EventData::Packed(d) => &d.children,
            EventData::Unpacked(d) => &d.children,
            EventData::ErrorDeclared(d) => d.children.as_deref().unwrap_or_default(),
            _ => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Repaired {
    pub description: Option<String>,
    pub parts_replaced: Option<Vec<String>>,
}

super::named_enum::named_enum!(
    /// How a product came back (docs/lifecycle.md).
    Channel {
        Municipal => "municipal",
        RetailTakeBack => "retail_take_back",
        ProducerTakeBack => "producer_take_back",
        // From the informal sector (waste pickers, aggregators); counted apart (docs/kpis.md).
        Informal => "informal",
        Other => "other",
    }
);

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Collected {
    pub channel: Option<Channel>,
    /// Only with channel `informal` (docs/lifecycle.md §8.2).
    pub aggregator: Option<String>,
    pub weight_g: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HandedOver {
    pub to: String,
    pub document: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreparedForReuse {
    pub grade: Option<String>,
    pub component: Option<String>,
    pub weight_g: Option<u64>,
}

/// A mass of one named component or material.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentMass {
    pub component: String,
    pub mass_g: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Depolluted {
    pub components: Vec<ComponentMass>,
}

/// One output fraction of recycling.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fraction {
    pub material: String,
    pub mass_g: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recycled {
    pub operation: String,
    pub fractions: Vec<Fraction>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Disposed {
    pub operation: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exported {
    pub country: String,
    pub basel_entry: String,
    pub notification: String,
    pub operation: String,
}

/// Weighed bulk intake (docs/lifecycle.md §8.2): a new lot of uncounted WEEE.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LotCollected {
    pub unu_key: Option<String>,
    /// EU-6 category `"1"`…`"6"`, when the lot is not sorted by UNU-KEY.
    pub eu6: Option<String>,
    pub mass_g: u64,
    pub channel: Channel,
    pub units: Option<u64>,
    pub aggregator: Option<String>,
}

/// A subject inside a container, with the head its chain had (docs/lifecycle.md §8.1).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    pub product: Option<String>,
    pub lot: Option<String>,
    pub prev: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Packed {
    pub children: Vec<Child>,
    /// The container's GS1 SSCC, on its first packing.
    pub sscc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unpacked {
    pub children: Vec<Child>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Received {
    /// Measured on arrival.
    pub weight_g: Option<u64>,
    pub discrepancy: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRefused {
    pub reason: String,
}

/// A declaration that an earlier entry was a mistake (docs/lifecycle.md §8.4).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDeclared {
    pub seq: u64,
    pub reason: String,
    /// The other subjects the erroneous entry changed (the children it packed or unpacked),
    /// each with its `prev`: they return to their state before it too (§8).
    pub children: Option<Vec<Child>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRegistered {
    pub actor: String,
    pub org: String,
    pub name: String,
    pub roles: Vec<String>,
    pub public_key: String,
    pub city: Option<String>,
    /// The GS1 company prefixes licensed to the organisation (docs/lifecycle.md, "Identifiers and labels").
    pub gs1_company_prefixes: Option<Vec<String>>,
}

impl ActorRegistered {
    /// The roles, parsed (validated at parse time).
    pub fn parsed_roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorKeyRotated {
    pub actor: String,
    pub public_key: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRevoked {
    pub actor: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CityRegistered {
    pub locode: String,
    pub name: String,
    pub country: String,
    pub population: u64,
    pub population_year: u16,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
            super::pseudonym::check_aggregator(d.channel, &d.aggregator)?;
            EventData::Collected(d)
        }
        Kind::LotCollected => {
            let d: LotCollected = typed(data)?;
            match (&d.unu_key, &d.eu6) {
                (Some(key), None) => unu_key("data.unu_key", key)?,
                (None, Some(eu6)) => eu6_category("data.eu6", eu6)?,
                (Some(_), Some(_)) => {
                    return Err(Rejection::invalid(
                        "data.eu6",
                        "name the lot's category once: `unu_key` or `eu6`, not both",
                    ))
                }
                (None, None) => return Err(missing("data.unu_key")),
            }
            mass("data.mass_g", d.mass_g)?;
            super::pseudonym::check_aggregator(Some(d.channel), &d.aggregator)?;
            EventData::LotCollected(d)
        }
        Kind::Packed => {
            let d: Packed = typed(data)?;
            children("data.children", &d.children)?;
            EventData::Packed(d)
        }
        Kind::Unpacked => {
            let d: Unpacked = typed(data)?;
            children("data.children", &d.children)?;
            EventData::Unpacked(d)
        }
        Kind::Received => {
            let d: Received = typed(data)?;
            optional_mass("data.weight_g", d.weight_g)?;
            optional_text("data.discrepancy", &d.discrepancy, 1000)?;
            EventData::Received(d)
        }
        Kind::ReceiptRefused => {
            let d: ReceiptRefused = typed(data)?;
            text("data.reason", &d.reason, 1000)?;
            EventData::ReceiptRefused(d)
        }
        Kind::ErrorDeclared => {
            let d: ErrorDeclared = typed(data)?;
            text("data.reason", &d.reason, 1000)?;
            if let Some(listed) = &d.children {
                children("data.children", listed)?;
            }
            EventData::ErrorDeclared(d)
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
    // Intake is for unlabelled items (docs/lifecycle.md): a labelled product's id belongs to its
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
