//! Property test of the rules (docs/lifecycle.md) against a reference model written from the
//! product contract's table, not from the code: random sequences of product events by random
//! actors must be accepted exactly when the model allows them, refused with the model's
//! reason otherwise, and leave the product in the model's state with the model's custodian
//! and the model's transit (the two-party hand-over of docs/lifecycle.md §8.3).

use chrono::{Duration, TimeZone, Utc};
use ewaste_ledger::domain::company_prefix::PrefixOwners;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::event::parse_event;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::{Kind, ProductState, Role};
use ewaste_ledger::domain::records::{
    ActorRecord, CityRecord, KeyPeriod, ProductRecord, SubjectRecord,
};
use ewaste_ledger::domain::rules::{decide, Change, Clock, LedgerView};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The product kinds after registration, in docs/lifecycle.md order.
pub(crate) const KINDS: [Kind; 12] = [
    Kind::PlacedOnMarket,
    Kind::Resold,
    Kind::Repaired,
    Kind::Collected,
    Kind::HandedOver,
    Kind::Received,
    Kind::ReceiptRefused,
    Kind::PreparedForReuse,
    Kind::Depolluted,
    Kind::Recycled,
    Kind::Disposed,
    Kind::Exported,
];

/// The actors: one per role, plus one holding two roles.
fn actor_roles() -> Vec<Vec<Role>> {
    vec![
        vec![Role::Manufacturer],
        vec![Role::Retailer],
        vec![Role::Repairer],
        vec![Role::Collector],
        vec![Role::Recycler],
        vec![Role::Regulator],
        vec![Role::Collector, Role::Recycler],
    ]
}

/// docs/lifecycle.md, transcribed: who may sign, from which states, to which state, and
/// whether only the custodian may sign. `received` and `receipt_refused` are signed by the
/// actor the product is in transit to instead, which the model checks on its own.
fn contract(kind: Kind) -> (&'static [Role], &'static [ProductState], ProductState, bool) {
    use ProductState::*;
    use Role::*;
    match kind {
        Kind::PlacedOnMarket => (&[Manufacturer, Retailer], &[Manufactured], InUse, false),
        Kind::Resold => (&[Retailer, Repairer], &[InUse, ReuseReady], InUse, false),
        Kind::Repaired => (&[Repairer], &[InUse], InUse, false),
        Kind::Collected => (
            &[Collector, Recycler, Retailer],
            &[Manufactured, InUse],
            Collected,
            false,
        ),
        Kind::HandedOver => (
            &[Collector, Recycler, Repairer, Retailer],
            &[Collected],
            Collected,
            true,
        ),
        Kind::Received | Kind::ReceiptRefused => (
            &[Collector, Recycler, Repairer, Retailer],
            &[Collected],
            Collected,
            false,
        ),
        Kind::PreparedForReuse => (&[Repairer], &[Collected], ReuseReady, true),
        Kind::Depolluted => (&[Recycler], &[Collected], Collected, true),
        Kind::Recycled => (&[Recycler], &[Collected, ReuseReady], Recycled, true),
        Kind::Disposed => (
            &[Recycler, Collector],
            &[Collected, ReuseReady],
            Disposed,
            true,
        ),
        Kind::Exported => (
            &[Collector, Recycler],
            &[Collected, ReuseReady],
            Exported,
            true,
        ),
        _ => unreachable!("only product kinds after registration are generated"),
    }
}

struct View {
    actors: HashMap<Uuid, ActorRecord>,
    city: CityRecord,
    product: SubjectRecord,
    prefixes: PrefixOwners,
}

impl LedgerView for View {
    fn log_size(&self) -> i64 {
        100
    }
    fn actor(&self, id: &Uuid) -> Option<&ActorRecord> {
        self.actors.get(id)
    }
    fn subject(&self, id: &Uuid) -> Option<&SubjectRecord> {
        (*id == self.product.id()).then_some(&self.product)
    }
    fn city(&self, locode: &str) -> Option<&CityRecord> {
        (locode == self.city.locode).then_some(&self.city)
    }
    fn active_admins(&self) -> usize {
        1
    }
    fn prefixes(&self) -> &PrefixOwners {
        &self.prefixes
    }
}

fn data(kind: Kind, to: Uuid) -> Value {
    match kind {
        Kind::Repaired => json!({"description": "screen"}),
        Kind::Collected => json!({"channel": "municipal"}),
        Kind::HandedOver => json!({"to": to}),
        Kind::Received => json!({"weight_g": 990}),
        Kind::ReceiptRefused => json!({"reason": "not announced"}),
        Kind::PreparedForReuse => json!({"grade": "A"}),
        Kind::Depolluted => json!({"components": [{"component": "battery", "mass_g": 1}]}),
        Kind::Recycled => {
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 1}]})
        }
        Kind::Disposed => json!({"operation": "D1"}),
        Kind::Exported => {
            json!({"country": "GH", "basel_entry": "A1181", "notification": "GH-1", "operation": "R4"})
        }
        _ => json!({}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rules_follow_the_contract(steps in proptest::collection::vec((0..KINDS.len(), 0..7usize, 0..7usize), 1..40)) {
        let roles = actor_roles();
        let ids: Vec<Uuid> = (0..roles.len()).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
        let keys: Vec<[u8; 32]> = (0..roles.len()).map(|i| [i as u8 + 1; 32]).collect();
        let actors = roles.iter().enumerate().map(|(i, roles)| (ids[i], ActorRecord {
            id: ids[i], org: "org".into(), name: format!("actor {i}"), roles: roles.clone(),
            public_key: keys[i], city: None, revoked: false, registered_seq: i as i64,
            registered_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("a valid time"),
            gs1_prefixes: vec![],
            key_history: vec![KeyPeriod { from_seq: i as i64, public_key: keys[i] }],
        })).collect();
        let product_id = Uuid::from_u128(999);
        let mut view = View {
            actors,
            city: CityRecord { locode: "DEBER".into(), name: "Berlin".into(), country: "DE".into(), population: 1, population_year: 2024 },
            product: SubjectRecord::Product(Box::new(ProductRecord {
                id: product_id, state: ProductState::Manufactured, custodian: None, gtin: None, serial: None,
                unu_key: "0303".into(), weight_g: 1_000, measured_weight_g: None, removed_g: 0, brand: None,
                model: None, manufactured_on: None, hazards: vec![], entry_seqs: vec![1], head: Hash32::sha256(b"0"),
                last_occurred_at: Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).single().expect("a valid time"),
                sold: None, collected: None, transit: None, inside: None, undo: None,
            })),
            prefixes: PrefixOwners::new(),
        };
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().expect("a valid time");
        let clock = Clock { now, skew: Duration::minutes(5) };
        // The model: the product's state, custodian and the actor it is in transit to.
        let (mut state, mut custodian) = (ProductState::Manufactured, None::<Uuid>);
        let mut transit = None::<Uuid>;

        for (n, (kind_index, signer, target)) in steps.into_iter().enumerate() {
            let kind = KINDS[kind_index];
            let (allowed_roles, from, to_state, custody) = contract(kind);
            let signer_roles = &roles[signer];
            let mut draft = Draft::registry(Uuid::from_u128(10_000 + n as u128), kind, ids[signer], "2026-06-01T11:00:00Z", data(kind, ids[target]));
            draft.city = Some("DEBER".into());
            draft.product = Some(product_id);
            draft.prev = Some(view.product.head());
            let event = parse_event(&draft.to_json()).expect("generated events are well-formed");

            let target_can_hold = roles[target].iter().any(|r| contract(Kind::HandedOver).0.contains(r));
            let answers = matches!(kind, Kind::Received | Kind::ReceiptRefused);
            let expected = if !signer_roles.iter().any(|r| allowed_roles.contains(r)) {
                Err("role-not-allowed")
            } else if state.is_terminal() {
                Err("terminal-state")
            } else if transit.is_some() && !answers {
                Err("in-transit")
            } else if answers && transit.is_none() {
                Err("not-in-transit")
            } else if answers && transit != Some(ids[signer]) {
                Err("not-receiver")
            } else if !from.contains(&state) {
                Err("illegal-transition")
            } else if custody && custodian != Some(ids[signer]) {
                Err("not-custodian")
            } else if kind == Kind::HandedOver && (target == signer || !target_can_hold) {
                Err("invalid-field")
            } else {
                Ok(())
            };

            match (decide(&view, &event, &keys[signer], clock), expected) {
                (Ok(Change::Subjects { mut changed, .. }), Ok(())) => {
                    state = to_state;
                    // A hand-over leaves the sender custodian until the receiver answers.
                    custodian = match kind {
                        Kind::Collected | Kind::Received => Some(ids[signer]),
                        _ if to_state == ProductState::InUse => None,
                        _ => custodian,
                    };
                    transit = match kind {
                        Kind::HandedOver => Some(ids[target]),
                        Kind::Received | Kind::ReceiptRefused => None,
                        _ => transit,
                    };
                    prop_assert_eq!(changed.len(), 1, "{} changes the product alone", kind);
                    let mut next = changed.remove(0);
                    prop_assert_eq!(next.state(), state, "{} by {:?}", kind, signer_roles);
                    prop_assert_eq!(next.custodian(), custodian, "{} by {:?}", kind, signer_roles);
                    prop_assert_eq!(next.transit().map(|t| t.to), transit, "{} by {:?}", kind, signer_roles);
                    next.chain_entry(100, Hash32::sha256(&(n as u64).to_be_bytes()));
                    view.product = next;
                }
                (Err(rejection), Err(code)) => prop_assert_eq!(rejection.code(), code, "{} by {:?} in {}", kind, signer_roles, state),
                (outcome, expected) => prop_assert!(false, "{} by {:?} in {}: got {:?}, the contract says {:?}", kind, signer_roles, state, outcome, expected),
            }
        }
    }
}
