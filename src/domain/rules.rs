//! Whether an event may be appended, given the ledger's current state: genesis, actors and
//! keys, roles, custody, the product state machine and the checks that need state (docs/lifecycle.md
//! §3.1). Pure: the caller passes the state, the verified signer key and the clock.

use super::company_prefix::PrefixOwners;
use super::data::{parse_uuid, EventData, RegistryData};
use super::event::{format_timestamp, Event};
use super::gtin::Gtin14;
use super::hash::Hash32;
use super::identifiers;
use super::kinds::{Custody, Kind, Mark, ProductState, Role};
use super::records::{ActorRecord, CityRecord, KeyPeriod, Milestone, ProductRecord};
use super::rejection::Rejection;
use super::serial::Serial;
use super::wording::{or_list, Named};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// What the rules need to know about the ledger.
pub trait LedgerView {
    /// Number of entries in the log.
    fn log_size(&self) -> i64;
    fn actor(&self, id: &Uuid) -> Option<&ActorRecord>;
    fn product(&self, id: &Uuid) -> Option<&ProductRecord>;
    fn city(&self, locode: &str) -> Option<&CityRecord>;
    /// Number of admins that are not revoked (asked only when an admin is being revoked).
    fn active_admins(&self) -> usize;
    /// Every declared GS1 company prefix and its owner.
    fn prefixes(&self) -> &PrefixOwners;
}

/// The state change an accepted event causes. The appender records the entry's seq and leaf
/// hash in products (`entry_seqs`, `head`) once the entry has its sequence number.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Actor(ActorRecord),
    City(CityRecord),
    Product(Box<ProductRecord>),
    /// The event is recorded in the log but changes no current state (historical baselines).
    LogOnly,
}

/// The clock and its allowance, passed in because the domain has no clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub now: DateTime<Utc>,
    pub skew: Duration,
}

/// Decides whether `event`, whose signature verified with `signer_key`, may be appended.
pub fn decide(
    view: &impl LedgerView,
    event: &Event,
    signer_key: &[u8; 32],
    clock: Clock,
) -> Result<Change, Rejection> {
    if event.occurred_at > clock.now + clock.skew {
        return Err(Rejection::FromTheFuture {
            occurred_at: format_timestamp(event.occurred_at),
            now: format_timestamp(clock.now),
            skew_seconds: clock.skew.num_seconds(),
        });
    }
    if view.log_size() == 0 {
        return genesis(event, signer_key);
    }
    let actor = view.actor(&event.actor).ok_or(Rejection::UnknownSigner {
        field: "event.actor".into(),
        actor: event.actor,
    })?;
    if actor.revoked {
        return Err(Rejection::ActorRevoked {
            actor: Named::actor(actor),
        });
    }
    if &actor.public_key != signer_key {
        return Err(Rejection::BadSignature {
            actor: Named::actor(actor),
        });
    }
    check_role(actor, event)?;
    if event.kind.is_product_kind() {
        not_before_signer(actor, event)?;
        product_change(view, actor, event).map(|product| Change::Product(Box::new(product)))
    } else {
        // Registry events are exempt from the time order: admins may date them in the past, to
        // record an organisation's history before it joined (docs/ledger-format.md §1).
        registry_change(view, event)
    }
}

/// An actor records nothing dated before its own registration (docs/ledger-format.md §1).
fn not_before_signer(actor: &ActorRecord, event: &Event) -> Result<(), Rejection> {
    if event.occurred_at < actor.registered_at {
        return Err(Rejection::OccurredBeforeSigner {
            actor: Named::actor(actor),
            occurred_at: format_timestamp(event.occurred_at),
            registered_seq: actor.registered_seq,
            registered_at: format_timestamp(actor.registered_at),
        });
    }
    Ok(())
}

/// A product's events are in time order: none precedes an earlier entry of the product. The
/// record keeps the latest `occurred_at`, so this is one comparison (docs/ledger-format.md §1).
fn not_before_previous(product: &ProductRecord, event: &Event) -> Result<(), Rejection> {
    if event.occurred_at < product.last_occurred_at {
        return Err(Rejection::OccurredBeforePrevious {
            product: Named::product(product),
            occurred_at: format_timestamp(event.occurred_at),
            previous_seq: product.head_seq(),
            previous_occurred_at: format_timestamp(product.last_occurred_at),
        });
    }
    Ok(())
}

/// A labelled product under another actor's GS1 company prefix is that actor's to register
/// (docs/lifecycle.md, "Identifiers and labels"); a GTIN under no declared prefix may be registered by any manufacturer.
fn prefix_allows(
    view: &impl LedgerView,
    actor: &ActorRecord,
    data: &super::data::Registered,
) -> Result<(), Rejection> {
    let Some(gtin) = data.gtin14() else {
        return Ok(());
    };
    match view.prefixes().owner_of(&gtin) {
        Some((prefix, owner)) if owner != actor.id => Err(Rejection::GtinPrefixOwned {
            gtin: gtin.to_string(),
            prefix: prefix.to_string(),
            owner: actor_named(view, owner),
        }),
        _ => Ok(()),
    }
}

/// The first entry registers the first admin, signed by that admin's own key (docs/lifecycle.md).
fn genesis(event: &Event, signer_key: &[u8; 32]) -> Result<Change, Rejection> {
    let EventData::ActorRegistered(data) = &event.data else {
        return Err(Rejection::GenesisRequired);
    };
    let record = new_actor(data, event, 0)?;
    if record.id != event.actor || !record.has_role(Role::Admin) || &record.public_key != signer_key
    {
        return Err(Rejection::GenesisRequired);
    }
    Ok(Change::Actor(record))
}

fn check_role(actor: &ActorRecord, event: &Event) -> Result<(), Rejection> {
    let allowed: &[Role] = if let EventData::Registered(d) = &event.data {
        // Collectors and recyclers register only unlabelled items they take in.
        if d.is_intake() {
            &[Role::Collector, Role::Recycler]
        } else {
            &[Role::Manufacturer]
        }
    } else {
        event.kind.allowed_roles()
    };
    if allowed.iter().any(|role| actor.has_role(*role)) {
        Ok(())
    } else {
        Err(Rejection::RoleNotAllowed {
            actor: Named::actor(actor),
            kind: event.kind,
            roles: actor.roles.clone(),
            allowed: allowed.to_vec(),
        })
    }
}

fn product_change(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
) -> Result<ProductRecord, Rejection> {
    // Shape checks guarantee product kinds carry both; refuse rather than panic if not.
    let (Some(product_id), Some(city)) = (event.product, event.city.as_ref()) else {
        return Err(Rejection::MissingField {
            field: "event.product".into(),
        });
    };
    if view.city(city.as_str()).is_none() {
        return Err(Rejection::UnknownCity {
            field: "event.city".into(),
            locode: city.as_str().into(),
        });
    }
    if let EventData::Registered(data) = &event.data {
        if let Some(existing) = view.product(&product_id) {
            return Err(Rejection::DuplicateProduct {
                product: Named::product(existing),
            });
        }
        prefix_allows(view, actor, data)?;
        return registered_product(product_id, event, data);
    }

    let current = view.product(&product_id).ok_or(Rejection::UnknownProduct {
        product: product_id,
    })?;
    if current.state.is_terminal() {
        return Err(Rejection::TerminalState {
            product: Named::product(current),
            state: current.state,
        });
    }
    if event.prev != Some(current.head) {
        return Err(Rejection::StalePrev {
            product: Named::product(current),
            head: current.head.to_hex(),
            head_seq: current.head_seq(),
            found: event.prev.map(|h| h.to_hex()).unwrap_or_default(),
        });
    }
    not_before_previous(current, event)?;
    let Some((allowed_from, next_state)) = event.kind.transition() else {
        return Err(Rejection::invalid("event.kind", "is not a product event"));
    };
    if !allowed_from.contains(&current.state) {
        return Err(Rejection::IllegalTransition {
            product: Named::product(current),
            kind: event.kind,
            state: current.state,
            allowed_from: allowed_from.to_vec(),
        });
    }
    if event.kind.needs_custody() && current.custodian != Some(actor.id) {
        return Err(Rejection::NotCustodian {
            product: Named::product(current),
            kind: event.kind,
            actor: Named::actor(actor),
            custodian: current.custodian.map(|holder| actor_named(view, holder)),
        });
    }

    let mut next = current.clone();
    next.state = next_state;
    next.last_occurred_at = event.occurred_at;
    let here = Milestone {
        city: city.as_str().to_string(),
        on: event.occurred_at.date_naive(),
    };
    let spec = event.kind.spec();
    match spec.marks {
        Some(Mark::Sold) => next.sold = Some(here),
        Some(Mark::Collected) => next.collected = Some(here),
        None => {}
    }
    match spec.custody {
        Custody::Untouched | Custody::Holder => {}
        Custody::Takes => next.custodian = Some(actor.id),
        Custody::Ends => next.custodian = None,
        Custody::Passes => {
            let to = event
                .data
                .named_actor()
                .ok_or_else(|| Rejection::MissingField {
                    field: "event.data.to".into(),
                })?;
            next.custodian = Some(handover_target(view, actor, to)?);
        }
    }
    if let EventData::Collected(data) = &event.data {
        next.measured_weight_g = data.weight_g;
    }
    if let Some(out) = event.data.mass_out() {
        let grams = within_mass(current, out.field, out.grams)?;
        if out.removes {
            next.removed_g += grams;
        }
    }
    if !next_state.has_custodian() && !next_state.is_terminal() {
        next.custodian = None;
    }
    Ok(next)
}

fn registered_product(
    product_id: Uuid,
    event: &Event,
    data: &super::data::Registered,
) -> Result<ProductRecord, Rejection> {
    let gtin = data.gtin14();
    if let (Some(gtin), Some(serial)) = (&gtin, &data.serial) {
        let serial = Serial::parse(serial)
            .map_err(|e| Rejection::invalid("event.data.serial", e.to_string()))?;
        let expected = identifiers::product_id(gtin, &serial);
        if expected != product_id {
            return Err(Rejection::ProductIdMismatch {
                expected,
                found: product_id,
            });
        }
    }
    Ok(ProductRecord {
        id: product_id,
        state: ProductState::Manufactured,
        custodian: None,
        gtin: gtin.as_ref().map(Gtin14::to_string),
        serial: data.serial.clone(),
        unu_key: data.unu_key.clone(),
        weight_g: data.weight_g,
        measured_weight_g: None,
        removed_g: 0,
        brand: data.brand.clone(),
        model: data.model.clone(),
        manufactured_on: data.manufactured_on.clone(),
        hazards: data.hazards.clone().unwrap_or_default(),
        entry_seqs: Vec::new(),
        head: Hash32::ZERO,
        last_occurred_at: event.occurred_at,
        sold: None,
        collected: None,
    })
}

/// Custody passes only to an active actor who can hold waste, and never to oneself.
fn handover_target(
    view: &impl LedgerView,
    from: &ActorRecord,
    to: &str,
) -> Result<Uuid, Rejection> {
    let to = parse_uuid("event.data.to", to)?;
    let target = view.actor(&to).ok_or(Rejection::UnknownActor {
        field: "event.data.to".into(),
        actor: to,
    })?;
    if target.revoked {
        return Err(Rejection::ActorRevoked {
            actor: Named::actor(target),
        });
    }
    if to == from.id {
        return Err(Rejection::invalid(
            "event.data.to",
            "a custodian cannot hand over to itself",
        ));
    }
    let holders = Kind::HandedOver.allowed_roles();
    if !holders.iter().any(|role| target.has_role(*role)) {
        return Err(Rejection::invalid(
            "event.data.to",
            format!(
                "actor {} holds none of the roles that can take custody: {}",
                Named::actor(target),
                or_list(holders)
            ),
        ));
    }
    Ok(to)
}

/// Output masses can never exceed what is left of the product.
fn within_mass(product: &ProductRecord, field: &str, total_g: u64) -> Result<u64, Rejection> {
    let available_g = product.remaining_mass_g();
    if total_g > available_g {
        return Err(Rejection::MassExceedsInput {
            product: Named::product(product),
            field: field.into(),
            total_g,
            available_g,
        });
    }
    Ok(total_g)
}

fn registry_change(view: &impl LedgerView, event: &Event) -> Result<Change, Rejection> {
    let Some(registry) = event.data.registry() else {
        return Err(Rejection::invalid("event.kind", "is not a registry event"));
    };
    match registry {
        RegistryData::ActorRegistered(data) => {
            // The entry about to be appended gets seq = the log's size.
            let record = new_actor(data, event, view.log_size())?;
            if let Some(existing) = view.actor(&record.id) {
                return Err(Rejection::DuplicateActor {
                    actor: Named::actor(existing),
                });
            }
            for (i, prefix) in record.gs1_prefixes.iter().enumerate() {
                if let Some((declared, owner)) = view.prefixes().overlap(prefix) {
                    return Err(Rejection::PrefixOverlap {
                        field: format!("event.data.gs1_company_prefixes[{i}]"),
                        prefix: prefix.clone(),
                        declared: declared.to_string(),
                        owner: actor_named(view, owner),
                    });
                }
            }
            Ok(Change::Actor(record))
        }
        RegistryData::ActorKeyRotated(data) => {
            let mut record = existing_actor(view, &data.actor)?;
            let key = super::data::public_key("event.data.public_key", &data.public_key)?;
            if key == record.public_key {
                return Err(Rejection::invalid(
                    "event.data.public_key",
                    "is already the actor's current key",
                ));
            }
            record.public_key = key;
            // The entry about to be appended gets seq = the log's size.
            record.key_history.push(KeyPeriod {
                from_seq: view.log_size(),
                public_key: key,
            });
            Ok(Change::Actor(record))
        }
        RegistryData::ActorRevoked(data) => {
            let mut record = existing_actor(view, &data.actor)?;
            if record.has_role(Role::Admin) && view.active_admins() <= 1 {
                return Err(Rejection::LastAdmin {
                    actor: Named::actor(&record),
                });
            }
            record.revoked = true;
            Ok(Change::Actor(record))
        }
        RegistryData::CityRegistered(data) => {
            if view.city(&data.locode).is_some() {
                return Err(Rejection::DuplicateCity {
                    locode: data.locode.clone(),
                });
            }
            Ok(Change::City(CityRecord {
                locode: data.locode.clone(),
                name: data.name.clone(),
                country: data.country.clone(),
                population: data.population,
                population_year: data.population_year,
            }))
        }
        RegistryData::PomBaseline(data) => {
            if view.city(&data.locode).is_none() {
                return Err(Rejection::UnknownCity {
                    field: "event.data.locode".into(),
                    locode: data.locode.clone(),
                });
            }
            Ok(Change::LogOnly)
        }
    }
}

fn new_actor(
    data: &super::data::ActorRegistered,
    event: &Event,
    seq: i64,
) -> Result<ActorRecord, Rejection> {
    let public_key = super::data::public_key("event.data.public_key", &data.public_key)?;
    Ok(ActorRecord {
        id: parse_uuid("event.data.actor", &data.actor)?,
        org: data.org.clone(),
        name: data.name.clone(),
        roles: data.parsed_roles(),
        public_key,
        city: data.city.clone(),
        revoked: false,
        registered_seq: seq,
        registered_at: event.occurred_at,
        gs1_prefixes: data.gs1_company_prefixes.clone().unwrap_or_default(),
        key_history: vec![KeyPeriod {
            from_seq: seq,
            public_key,
        }],
    })
}

/// An actor named in `data.actor` that exists and is not revoked.
fn existing_actor(view: &impl LedgerView, id: &str) -> Result<ActorRecord, Rejection> {
    let id = parse_uuid("event.data.actor", id)?;
    let record = view.actor(&id).ok_or(Rejection::UnknownActor {
        field: "event.data.actor".into(),
        actor: id,
    })?;
    if record.revoked {
        return Err(Rejection::ActorRevoked {
            actor: Named::actor(record),
        });
    }
    Ok(record.clone())
}

/// An actor the ledger knows, by organisation and name; by its id alone otherwise.
fn actor_named(view: &impl LedgerView, id: Uuid) -> Named {
    view.actor(&id).map_or(Named::from(id), Named::actor)
}

#[cfg(test)]
#[path = "rules_time_tests.rs"]
mod tests;
