//! Whether an event may be appended, given the ledger's current state: genesis, actors and
//! keys, roles, custody, the product state machine and the checks that need state (docs/lifecycle.md
//! §3.1). Pure: the caller passes the state, the verified signer key and the clock.

use super::company_prefix::PrefixOwners;
use super::data::{parse_uuid, EventData, RegistryData};
use super::event::{format_timestamp, Event};
use super::kinds::Role;
use super::records::{ActorRecord, CityRecord, KeyPeriod, ProductRecord, SubjectRecord};
use super::rejection::Rejection;
use super::stats::facts::{Amount, FactKey};
use super::wording::Named;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// What the rules need to know about the ledger.
pub trait LedgerView {
    /// Number of entries in the log.
    fn log_size(&self) -> i64;
    fn actor(&self, id: &Uuid) -> Option<&ActorRecord>;
    /// A product, lot or container by id.
    fn subject(&self, id: &Uuid) -> Option<&SubjectRecord>;
    /// A product by id.
    fn product(&self, id: &Uuid) -> Option<&ProductRecord> {
        self.subject(id).and_then(SubjectRecord::product)
    }
    fn city(&self, locode: &str) -> Option<&CityRecord>;
    /// Number of admins that are not revoked (asked only when an admin is being revoked).
    fn active_admins(&self) -> usize;
    /// Every declared GS1 company prefix and its owner.
    fn prefixes(&self) -> &PrefixOwners;
}

/// The state change an accepted event causes. The appender records the entry's seq and leaf
/// hash in every changed subject (`entry_seqs`, `head`) once the entry has its sequence number.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Actor(ActorRecord),
    City(CityRecord),
    /// Every subject the event changes, its primary subject first, and what it adds to the
    /// statistics (a correction's facts are negative).
    Subjects {
        changed: Vec<SubjectRecord>,
        facts: Vec<(FactKey, Amount)>,
    },
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
    if event.kind.is_subject_kind() {
        not_before_signer(actor, event)?;
        super::subject_rules::subject_change(view, actor, event)
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

/// A subject's events are in time order: none precedes an earlier entry of the subject. The
/// record keeps the latest `occurred_at`, so this is one comparison (docs/ledger-format.md §1).
pub(super) fn not_before_previous(subject: &SubjectRecord, event: &Event) -> Result<(), Rejection> {
    if event.occurred_at < subject.last_occurred_at() {
        return Err(Rejection::OccurredBeforePrevious {
            product: Named::subject(subject),
            occurred_at: format_timestamp(event.occurred_at),
            previous_seq: subject.head_seq(),
            previous_occurred_at: format_timestamp(subject.last_occurred_at()),
        });
    }
    Ok(())
}

/// A labelled product under another actor's GS1 company prefix is that actor's to register
/// (docs/lifecycle.md, "Identifiers and labels"); a GTIN under no declared prefix may be registered by any manufacturer.
pub(super) fn prefix_allows(
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
pub(super) fn actor_named(view: &impl LedgerView, id: Uuid) -> Named {
    view.actor(&id).map_or(Named::from(id), Named::actor)
}

#[cfg(test)]
#[path = "rules_time_tests.rs"]
mod tests;
