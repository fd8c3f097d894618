//! `error_declared` (docs/lifecycle.md §8.4): an entry declared a mistake by its signer or an
//! admin, while it is still the head of every subject it changed. The subjects return to their
//! state before it, its statistics are taken back, and it stays in the log. Everything needed
//! is in the subjects' records ([`Undo`]), so the writer and the audit decide it alike without
//! reading the log again.

use super::data::ErrorDeclared;
use super::event::Event;
use super::hash::Hash32;
use super::kinds::{ProductState, Role};
use super::records::{ActorRecord, SubjectRecord, Undo};
use super::rejection::Rejection;
use super::rules::{Change, LedgerView};
use super::stats::facts::Amount;
use super::subject_rules::{check_can_act, existing, subject_named};
use super::wording::Named;

pub fn correction(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    data: &ErrorDeclared,
) -> Result<Change, Rejection> {
    let Some(subject) = event.subject else {
        return Err(Rejection::MissingField {
            field: "event.product".into(),
        });
    };
    let seq = i64::try_from(data.seq).unwrap_or(i64::MAX);
    let current = existing(view, subject)?;
    check_can_act(view, actor, event, current)?;
    let undo = head_undo(current, seq, actor)?;
    if undo.primary != current.reference() {
        return Err(Rejection::CorrectionNotAllowed {
            seq,
            actor: Named::actor(actor),
            reason: format!(
                "its subject is {}: declare the error on that subject",
                subject_named(view, undo.primary.kind, undo.primary.id).spelled()
            ),
        });
    }
    if undo.signer != actor.id && !actor.has_role(Role::Admin) {
        return Err(Rejection::CorrectionNotAllowed {
            seq,
            actor: Named::actor(actor),
            reason: format!(
                "only its signer, actor {}, or an admin may",
                super::rules::actor_named(view, undo.signer)
            ),
        });
    }
    let listed = data.children.as_deref().unwrap_or_default();
    if listed.len() != undo.also.len() {
        return Err(Rejection::invalid(
            "event.data.children",
            format!(
                "lists {} subjects, but entry {seq} changed {} besides its subject: list each with its `prev`",
                listed.len(),
                undo.also.len()
            ),
        ));
    }
    let mut changed = vec![restored(current, undo)];
    for other in &undo.also {
        let record = view.subject(&other.id).ok_or(Rejection::UnknownSubject {
            subject: Named::unknown(other.kind, other.id),
        })?;
        let child_undo = head_undo(record, seq, actor)?;
        // Every subject the correction changes names its head, as in every event (§8).
        let id = other.id.to_string();
        let named = listed
            .iter()
            .find(|child| child.product.as_deref().or(child.lot.as_deref()) == Some(id.as_str()));
        match named {
            Some(child) if Hash32::from_hex(&child.prev) == Some(record.head()) => {}
            Some(child) => {
                return Err(Rejection::StalePrev {
                    product: Named::subject(record),
                    head: record.head().to_hex(),
                    head_seq: record.head_seq(),
                    found: child.prev.clone(),
                })
            }
            None => {
                return Err(Rejection::invalid(
                    "event.data.children",
                    format!(
                        "entry {seq} also changed {}: list it with its `prev`",
                        Named::subject(record).spelled()
                    ),
                ))
            }
        }
        changed.push(restored(record, child_undo));
    }
    for record in &mut changed {
        record.advance(event.occurred_at, None);
    }
    let facts = undo
        .facts
        .iter()
        .map(|(key, amount)| {
            let taken_back = Amount {
                mass_g: -amount.mass_g,
                units: -amount.units,
            };
            (key.clone(), taken_back)
        })
        .collect();
    Ok(Change::Subjects { changed, facts })
}

/// The undo of `subject`'s head entry, which must be entry `seq`.
fn head_undo<'a>(
    subject: &'a SubjectRecord,
    seq: i64,
    actor: &ActorRecord,
) -> Result<&'a Undo, Rejection> {
    match subject.undo() {
        Some(undo) if undo.seq == seq && subject.head_seq() == seq => Ok(undo),
        None if subject.head_seq() == seq => Err(Rejection::CorrectionNotAllowed {
            seq,
            actor: Named::actor(actor),
            reason: "it is itself a correction, and corrections are final".into(),
        }),
        _ => Err(Rejection::CorrectionNotHead {
            seq,
            subject: Named::subject(subject),
            head_seq: subject.head_seq(),
        }),
    }
}

/// The subject as it was before the erroneous entry, its chain continuing: a subject the entry
/// created is void (it stays in the log, with its pages, and counts nothing).
pub fn restored(current: &SubjectRecord, undo: &Undo) -> SubjectRecord {
    let mut back = match &undo.before {
        Some(before) => before.clone(),
        None => {
            let mut void = current.without_undo();
            void.set_state(ProductState::Voided);
            void.set_custodian(None);
            void.set_transit(None);
            void.set_inside(None);
            void
        }
    };
    back.take_chain_from(current);
    back
}
