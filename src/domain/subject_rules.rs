//! The rules for events about subjects (products, lots, containers): the state machine, custody,
//! the two-party hand-over and containers (docs/lifecycle.md §3.1, §8). One custody rule for
//! every kind of subject; corrections are in [`super::corrections`]. Pure, like
//! [`super::rules`], which calls it once the signer, its role and its key are checked.

use super::data::{parse_uuid, Child, EventData, LotCollected, Registered};
use super::event::Event;
use super::gtin::Gtin14;
use super::hash::Hash32;
use super::identifiers;
use super::kinds::{Custody, Kind, Mark, ProductState, SubjectKind};
use super::records::{
    ActorRecord, ContainerRecord, LotRecord, Milestone, ProductRecord, SubjectRecord, SubjectRef,
    Transit, Undo,
};
use super::rejection::Rejection;
use super::rules::{actor_named, not_before_previous, prefix_allows, Change, LedgerView};
use super::serial::Serial;
use super::stats::facts::{facts_of, Amount, FactKey, ProductFacts};
use super::wording::{or_list, Named};
use uuid::Uuid;

/// Decides an event about a subject; the signer is known, active, allowed and on time.
pub fn subject_change(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
) -> Result<Change, Rejection> {
    // Shape checks guarantee subject kinds carry both; refuse rather than panic if not.
    let (Some(subject), Some(city)) = (event.subject, event.city.as_ref()) else {
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
    let here = Milestone {
        city: city.as_str().to_string(),
        on: event.occurred_at.date_naive(),
    };
    let seq = view.log_size();
    let created = match &event.data {
        EventData::Registered(data) => Some(registered(view, actor, event, subject.id, data)?),
        EventData::LotCollected(data) => {
            Some(lot_collected(view, actor, event, subject.id, data, &here)?)
        }
        EventData::Packed(_) if view.subject(&subject.id).is_none() => {
            Some(new_container(event, subject.id)?)
        }
        EventData::ErrorDeclared(data) => {
            return super::corrections::correction(view, actor, event, data);
        }
        _ => None,
    };
    let (current, primary) = match created {
        Some(new) => (None, new),
        None => {
            let current = existing(view, subject)?;
            check_can_act(view, actor, event, current)?;
            (
                Some(current),
                next_state(view, actor, event, current, &here, seq)?,
            )
        }
    };

    let mut changed = vec![primary];
    // The children's records before the event (none for most events: no allocation).
    let mut child_befores: Vec<&SubjectRecord> = Vec::new();
    match &event.data {
        EventData::Packed(data) => pack(
            view,
            actor,
            event,
            &data.children,
            &mut changed,
            current,
            &mut child_befores,
        )?,
        EventData::Unpacked(data) => {
            unpack(view, &data.children, &mut changed, &mut child_befores)?
        }
        _ => {}
    }

    let befores = std::iter::once(current).chain(child_befores.iter().copied().map(Some));
    let mut facts = contents_follow(view, event, &changed[0])?;
    for (before, after) in befores.clone().zip(&changed) {
        facts.extend(facts_between(event, before, after));
    }
    let also: Vec<SubjectRef> = changed[1..].iter().map(SubjectRecord::reference).collect();
    let primary_ref = changed[0].reference();
    for (i, (before, after)) in befores.zip(changed.iter_mut()).enumerate() {
        let undo = Undo {
            seq,
            signer: actor.id,
            primary: primary_ref,
            before: before.map(SubjectRecord::without_undo),
            also: if i == 0 { also.clone() } else { Vec::new() },
            facts: if i == 0 { facts.clone() } else { Vec::new() },
        };
        after.advance(event.occurred_at, Some(Box::new(undo)));
    }
    Ok(Change::Subjects { changed, facts })
}

/// The subjects an event changes beyond those it names, which the records say: the contents
/// of a container it exports, and the other subjects of the entry a correction takes back.
/// The writer and the audit load them before deciding.
pub fn also_touched(event: &Event, primary: &SubjectRecord) -> Vec<SubjectRef> {
    debug_assert!(
        may_touch_more(event),
        "{} touches only what it names",
        event.kind
    );
    let mut touched = Vec::new();
    match (&event.data, primary) {
        (EventData::Exported(_), SubjectRecord::Container(container)) => {
            touched.extend(container.children.iter().copied());
        }
        (EventData::ErrorDeclared(_), _) => {
            touched.extend(
                primary
                    .undo()
                    .iter()
                    .flat_map(|undo| undo.also.iter().copied()),
            );
        }
        _ => {}
    }
    touched
}

/// Whether [`also_touched`] can name anything for this event: only an export (of a container)
/// and a correction can. Checked first because the writer and the audit ask for every event.
pub fn may_touch_more(event: &Event) -> bool {
    matches!(
        event.data,
        EventData::Exported(_) | EventData::ErrorDeclared(_)
    )
}

/// The subject an event names, which must be recorded.
pub(super) fn existing(
    view: &impl LedgerView,
    subject: SubjectRef,
) -> Result<&SubjectRecord, Rejection> {
    match view.subject(&subject.id) {
        Some(found) if found.kind() == subject.kind => Ok(found),
        _ if subject.kind == SubjectKind::Product => Err(Rejection::UnknownProduct {
            product: subject.id,
        }),
        _ => Err(Rejection::UnknownSubject {
            subject: Named::unknown(subject.kind, subject.id),
        }),
    }
}

/// What any event on an existing subject needs: a live subject, loose (not packed), not in
/// transit unless the event answers the hand-over, the right `prev`, time order, a legal
/// transition and custody.
pub(super) fn check_can_act(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    current: &SubjectRecord,
) -> Result<(), Rejection> {
    if event.kind == Kind::ErrorDeclared {
        // A mis-scanned final event is what corrections are for: only the head matters.
        if let Some(container) = current.inside() {
            return Err(Rejection::InContainer {
                subject: Named::subject(current),
                container: subject_named(view, SubjectKind::Container, container),
            });
        }
    } else {
        check_alive_and_loose(view, current)?;
        check_transit(view, actor, event.kind, current)?;
    }
    if event.prev != Some(current.head()) {
        return Err(stale(current, event.prev));
    }
    not_before_previous(current, event)?;
    if event.kind == Kind::ErrorDeclared {
        return Ok(());
    }
    let Some((allowed_from, _)) = event.kind.transition() else {
        return Err(Rejection::invalid("event.kind", "does not move a subject"));
    };
    if !allowed_from.contains(&current.state()) {
        return Err(Rejection::IllegalTransition {
            product: Named::subject(current),
            kind: event.kind,
            state: current.state(),
            allowed_from: allowed_from.to_vec(),
        });
    }
    if event.kind.needs_custody() && current.custodian() != Some(actor.id) {
        return Err(not_custodian(view, actor, event.kind, current));
    }
    Ok(())
}

/// A subject in a final state, or packed in a container, accepts no event of its own.
fn check_alive_and_loose(view: &impl LedgerView, current: &SubjectRecord) -> Result<(), Rejection> {
    if current.state().is_terminal() {
        return Err(Rejection::TerminalState {
            product: Named::subject(current),
            state: current.state(),
        });
    }
    if let Some(container) = current.inside() {
        return Err(Rejection::InContainer {
            subject: Named::subject(current),
            container: subject_named(view, SubjectKind::Container, container),
        });
    }
    Ok(())
}

/// A subject in transit accepts only the receiver's answer (and a correction of the hand-over);
/// the answer needs a subject in transit to the signer (docs/lifecycle.md §8.3).
fn check_transit(
    view: &impl LedgerView,
    actor: &ActorRecord,
    kind: Kind,
    current: &SubjectRecord,
) -> Result<(), Rejection> {
    let answers = matches!(kind.spec().custody, Custody::Accepts | Custody::Declines);
    match (current.transit(), answers) {
        (Some(transit), true) if transit.to != actor.id => Err(Rejection::NotReceiver {
            subject: Named::subject(current),
            kind,
            actor: Named::actor(actor),
            to: actor_named(view, transit.to),
        }),
        (Some(transit), false) => Err(Rejection::InTransit {
            subject: Named::subject(current),
            to: actor_named(view, transit.to),
            since_seq: transit.seq,
        }),
        (None, true) => Err(Rejection::NotInTransit {
            subject: Named::subject(current),
            kind,
        }),
        _ => Ok(()),
    }
}

fn stale(current: &SubjectRecord, found: Option<Hash32>) -> Rejection {
    Rejection::StalePrev {
        product: Named::subject(current),
        head: current.head().to_hex(),
        head_seq: current.head_seq(),
        found: found.map(|h| h.to_hex()).unwrap_or_default(),
    }
}

fn not_custodian(
    view: &impl LedgerView,
    actor: &ActorRecord,
    kind: Kind,
    subject: &SubjectRecord,
) -> Rejection {
    Rejection::NotCustodian {
        product: Named::subject(subject),
        kind,
        actor: Named::actor(actor),
        custodian: subject.custodian().map(|holder| actor_named(view, holder)),
    }
}

/// A subject as a message names it, from what the view knows.
pub(super) fn subject_named(view: &impl LedgerView, kind: SubjectKind, id: Uuid) -> Named {
    view.subject(&id)
        .map_or(Named::unknown(kind, id), Named::subject)
}

/// The subject after the event: state, custody, transit, milestones and masses.
fn next_state(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    current: &SubjectRecord,
    here: &Milestone,
    seq: i64,
) -> Result<SubjectRecord, Rejection> {
    let spec = event.kind.spec();
    let mut next = current.clone();
    if let Some((_, to)) = event.kind.transition() {
        next.set_state(to);
    }
    match spec.custody {
        Custody::Untouched | Custody::Holder | Custody::Declines => {}
        Custody::Takes | Custody::Accepts => next.set_custodian(Some(actor.id)),
        Custody::Ends => next.set_custodian(None),
        Custody::Sends => {
            let EventData::HandedOver(data) = &event.data else {
                return Err(Rejection::MissingField {
                    field: "event.data.to".into(),
                });
            };
            let to = handover_target(view, actor, &data.to)?;
            next.set_transit(Some(Transit {
                to,
                seq,
                since: event.occurred_at,
                document: data.document.clone(),
            }));
        }
    }
    if matches!(spec.custody, Custody::Accepts | Custody::Declines) {
        next.set_transit(None);
    }
    if let SubjectRecord::Product(product) = &mut next {
        match spec.marks {
            Some(Mark::Sold) => product.sold = Some(here.clone()),
            Some(Mark::Collected) => product.collected = Some(here.clone()),
            None => {}
        }
        if let EventData::Collected(data) = &event.data {
            product.measured_weight_g = data.weight_g;
        }
        if let Some(out) = event.data.mass_out() {
            let grams = within_mass(product, out.field, out.grams)?;
            if out.removes {
                product.removed_g += grams;
            }
        }
    }
    if !next.state().has_custodian() && !next.state().is_terminal() {
        next.set_custodian(None);
    }
    Ok(next)
}

/// `registered`: a new product, whose id is derived from its GTIN and serial when labelled.
fn registered(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    product_id: Uuid,
    data: &Registered,
) -> Result<SubjectRecord, Rejection> {
    if let Some(existing) = view.subject(&product_id) {
        return Err(Rejection::DuplicateProduct {
            product: Named::subject(existing),
        });
    }
    prefix_allows(view, actor, data)?;
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
    Ok(SubjectRecord::Product(Box::new(ProductRecord {
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
        transit: None,
        inside: None,
        undo: None,
    })))
}

/// `lot_collected`: a new lot in the collector's custody (docs/lifecycle.md §8.2).
fn lot_collected(
    view: &impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    lot_id: Uuid,
    data: &LotCollected,
    here: &Milestone,
) -> Result<SubjectRecord, Rejection> {
    if let Some(existing) = view.subject(&lot_id) {
        return Err(Rejection::invalid(
            "event.lot",
            format!("{} is already recorded", Named::subject(existing).spelled()),
        ));
    }
    let category = match (&data.unu_key, &data.eu6) {
        (Some(key), _) => key.clone(),
        (None, Some(eu6)) => format!("eu6:{eu6}"),
        (None, None) => {
            return Err(Rejection::MissingField {
                field: "event.data.unu_key".into(),
            })
        }
    };
    Ok(SubjectRecord::Lot(Box::new(LotRecord {
        id: lot_id,
        state: ProductState::Collected,
        custodian: Some(actor.id),
        category,
        mass_g: data.mass_g,
        units: data.units,
        channel: data.channel.as_str().to_string(),
        aggregator: data.aggregator.clone(),
        collected: here.clone(),
        entry_seqs: Vec::new(),
        head: Hash32::ZERO,
        last_occurred_at: event.occurred_at,
        transit: None,
        inside: None,
        undo: None,
    })))
}

/// The first `packed` creates its container, held by the signer (docs/lifecycle.md §8.1).
fn new_container(event: &Event, id: Uuid) -> Result<SubjectRecord, Rejection> {
    let EventData::Packed(data) = &event.data else {
        return Err(Rejection::invalid(
            "event.kind",
            "only `packed` creates a container",
        ));
    };
    if event.prev.is_some() {
        return Err(Rejection::UnknownSubject {
            subject: Named::unknown(SubjectKind::Container, id),
        });
    }
    let sscc = data.sscc.clone();
    if let Some(sscc) = &sscc {
        let expected = identifiers::container_id_for_sscc(sscc)
            .map_err(|e| Rejection::invalid("event.data.sscc", e))?;
        if expected != id {
            return Err(Rejection::invalid(
                "event.container",
                format!("a container with SSCC {sscc} has the id {expected}, derived from its label path /00/{sscc}, not {id}"),
            ));
        }
    }
    Ok(SubjectRecord::Container(Box::new(ContainerRecord {
        id,
        state: ProductState::Collected,
        custodian: Some(event.actor),
        sscc,
        children: Vec::new(),
        entry_seqs: Vec::new(),
        head: Hash32::ZERO,
        last_occurred_at: event.occurred_at,
        transit: None,
        inside: None,
        undo: None,
    })))
}

/// `packed`: every child is loose, held by the signer, alive, at the `prev` it names; it goes
/// inside the container.
fn pack<'a>(
    view: &'a impl LedgerView,
    actor: &ActorRecord,
    event: &Event,
    children: &[Child],
    changed: &mut Vec<SubjectRecord>,
    container_before: Option<&SubjectRecord>,
    befores: &mut Vec<&'a SubjectRecord>,
) -> Result<(), Rejection> {
    if let (Some(SubjectRecord::Container(_)), Some(_)) = (container_before, sscc_of(event)) {
        return Err(Rejection::invalid(
            "event.data.sscc",
            "an SSCC is given on a container's first packing only",
        ));
    }
    let container_id = changed[0].id();
    for (i, child) in children.iter().enumerate() {
        let (reference, current) = listed_child(view, i, child)?;
        check_alive_and_loose(view, current)?;
        check_transit(view, actor, Kind::Packed, current)?;
        check_child_prev(current, child)?;
        not_before_previous(current, event)?;
        if !matches!(
            current.state(),
            ProductState::Collected | ProductState::ReuseReady
        ) {
            return Err(Rejection::IllegalTransition {
                product: Named::subject(current),
                kind: Kind::Packed,
                state: current.state(),
                allowed_from: vec![ProductState::Collected, ProductState::ReuseReady],
            });
        }
        if current.custodian() != Some(actor.id) {
            return Err(not_custodian(view, actor, Kind::Packed, current));
        }
        let mut next = current.clone();
        next.set_inside(Some(container_id));
        if let SubjectRecord::Container(container) = &mut changed[0] {
            container.children.push(reference);
        }
        changed.push(next);
        befores.push(current);
    }
    Ok(())
}

fn sscc_of(event: &Event) -> Option<&str> {
    match &event.data {
        EventData::Packed(data) => data.sscc.as_deref(),
        _ => None,
    }
}

/// `unpacked`: every child listed is in this container, at the `prev` it names; it is loose
/// again, held by the container's custodian.
fn unpack<'a>(
    view: &'a impl LedgerView,
    children: &[Child],
    changed: &mut Vec<SubjectRecord>,
    befores: &mut Vec<&'a SubjectRecord>,
) -> Result<(), Rejection> {
    let container_id = changed[0].id();
    let holder = changed[0].custodian();
    for (i, child) in children.iter().enumerate() {
        let (reference, current) = listed_child(view, i, child)?;
        if current.inside() != Some(container_id) {
            return Err(Rejection::NotInContainer {
                subject: Named::subject(current),
                container: Named::subject(&changed[0]),
            });
        }
        check_child_prev(current, child)?;
        let mut next = current.clone();
        next.set_inside(None);
        next.set_custodian(holder);
        if let SubjectRecord::Container(container) = &mut changed[0] {
            container.children.retain(|inside| *inside != reference);
        }
        changed.push(next);
        befores.push(current);
    }
    Ok(())
}

/// Export of a container exports everything inside it: the children's records stay as they
/// are (they follow their container, which is terminal now), and each counts in the
/// statistics as exported (docs/lifecycle.md §8.1).
fn contents_follow(
    view: &impl LedgerView,
    event: &Event,
    container: &SubjectRecord,
) -> Result<Vec<(FactKey, Amount)>, Rejection> {
    let (EventData::Exported(_), SubjectRecord::Container(container)) = (&event.data, container)
    else {
        return Ok(Vec::new());
    };
    let mut facts = Vec::new();
    for child in &container.children {
        let current = existing(view, *child)?;
        let mut exported = current.clone();
        exported.set_state(container.state);
        facts.extend(facts_between(event, Some(current), &exported));
    }
    Ok(facts)
}

/// The subject a `children[i]` names, which must be recorded.
fn listed_child<'a>(
    view: &'a impl LedgerView,
    i: usize,
    child: &Child,
) -> Result<(SubjectRef, &'a SubjectRecord), Rejection> {
    let (kind, field, text) = match (&child.product, &child.lot) {
        (Some(id), _) => (SubjectKind::Product, "product", id),
        (None, Some(id)) => (SubjectKind::Lot, "lot", id),
        (None, None) => {
            return Err(Rejection::MissingField {
                field: format!("event.data.children[{i}].product"),
            })
        }
    };
    let id = parse_uuid(&format!("event.data.children[{i}].{field}"), text)?;
    let reference = SubjectRef { kind, id };
    Ok((reference, existing(view, reference)?))
}

fn check_child_prev(current: &SubjectRecord, child: &Child) -> Result<(), Rejection> {
    let named = Hash32::from_hex(&child.prev);
    if named != Some(current.head()) {
        return Err(stale(current, named));
    }
    Ok(())
}

/// The statistics one subject's change adds: products and lots count (a lot by its weighed
/// mass), containers do not (their contents count on their own).
fn facts_between(
    event: &Event,
    before: Option<&SubjectRecord>,
    after: &SubjectRecord,
) -> Vec<(FactKey, Amount)> {
    let (Some(after_facts), before_facts) = (
        ProductFacts::of_subject(after),
        before.and_then(ProductFacts::of_subject),
    ) else {
        return Vec::new();
    };
    match (before, &event.data) {
        // A new lot counts as collected where it was weighed in.
        (None, EventData::LotCollected(_)) => {
            facts_of(event, Some(&after_facts), Some(&after_facts))
        }
        (None, _) => Vec::new(),
        (Some(_), _) => facts_of(event, before_facts.as_ref(), Some(&after_facts)),
    }
}

/// Custody passes only to an active actor who can hold waste, and never to oneself.
pub(super) fn handover_target(
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
