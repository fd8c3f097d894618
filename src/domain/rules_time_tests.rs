//! Unit tests of the time rules and the GS1 prefix rule in [`super::decide`] (docs/ledger-format.md §1,
//! "Time rules" and "GS1 company prefixes"), against a small in-memory ledger.

use super::*;
use crate::domain::draft::Draft;
use crate::domain::event::{parse_event, parse_timestamp};
use crate::domain::gtin::Gtin14;
use crate::domain::hash::Hash32;
use crate::domain::identifiers;
use crate::domain::kinds::{Kind, ProductState, SubjectKind};
use crate::domain::serial::Serial;
use serde_json::json;

const MAKER: Uuid = Uuid::from_u128(1);
const OWNER: Uuid = Uuid::from_u128(2);
const PRODUCT: Uuid = Uuid::from_u128(3);
const KEY: [u8; 32] = [7; 32];

struct View {
    actors: Vec<ActorRecord>,
    product: Option<SubjectRecord>,
    city: CityRecord,
    prefixes: PrefixOwners,
}

impl LedgerView for View {
    fn log_size(&self) -> i64 {
        10
    }
    fn actor(&self, id: &Uuid) -> Option<&ActorRecord> {
        self.actors.iter().find(|a| a.id == *id)
    }
    fn subject(&self, id: &Uuid) -> Option<&SubjectRecord> {
        self.product.as_ref().filter(|p| p.id() == *id)
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

fn time(text: &str) -> DateTime<Utc> {
    parse_timestamp("t", text).expect("a valid time")
}

fn actor(id: Uuid, roles: Vec<Role>, registered_at: &str) -> ActorRecord {
    ActorRecord {
        id,
        org: "org".into(),
        name: "name".into(),
        roles,
        public_key: KEY,
        city: None,
        revoked: false,
        registered_seq: 4,
        registered_at: time(registered_at),
        gs1_prefixes: Vec::new(),
        key_history: vec![KeyPeriod {
            from_seq: 4,
            public_key: KEY,
        }],
    }
}

fn view() -> View {
    let product = ProductRecord {
        id: PRODUCT,
        state: ProductState::Manufactured,
        custodian: None,
        gtin: None,
        serial: None,
        unu_key: "0306".into(),
        weight_g: 200,
        measured_weight_g: None,
        removed_g: 0,
        brand: None,
        model: None,
        manufactured_on: None,
        hazards: Vec::new(),
        entry_seqs: vec![5, 8],
        head: Hash32::sha256(b"head"),
        last_occurred_at: time("2010-03-01T10:00:00Z"),
        sold: None,
        collected: None,
        transit: None,
        inside: None,
        undo: None,
    };
    View {
        actors: vec![
            actor(
                MAKER,
                vec![Role::Manufacturer, Role::Retailer],
                "2009-01-01T00:00:00Z",
            ),
            actor(
                OWNER,
                vec![Role::Manufacturer, Role::Admin],
                "2000-01-01T00:00:00Z",
            ),
        ],
        product: Some(SubjectRecord::Product(Box::new(product))),
        city: CityRecord {
            locode: "DEBER".into(),
            name: "Berlin".into(),
            country: "DE".into(),
            population: 1,
            population_year: 2024,
        },
        prefixes: PrefixOwners::new(),
    }
}

fn clock() -> Clock {
    Clock {
        now: time("2026-06-01T00:00:00Z"),
        skew: Duration::minutes(5),
    }
}

fn product_event(
    view: &View,
    signer: Uuid,
    kind: Kind,
    at: &str,
    data: serde_json::Value,
) -> Event {
    let mut draft = Draft::registry(Uuid::from_u128(99), kind, signer, at, data);
    draft.city = Some("DEBER".into());
    draft.product = Some(PRODUCT);
    if kind != Kind::Registered {
        draft.prev = view.product.as_ref().map(SubjectRecord::head);
    }
    parse_event(&draft.to_json()).expect("a well-formed event")
}

fn code(result: Result<Change, Rejection>) -> &'static str {
    result.err().map(|r| r.code()).unwrap_or("accepted")
}

#[test]
fn a_product_event_may_not_precede_the_products_latest_entry() {
    let view = view();
    let sold = |at| product_event(&view, MAKER, Kind::PlacedOnMarket, at, json!({}));
    let refused = decide(
        &view,
        &sold("2010-02-28T23:59:59.999999999Z"),
        &KEY,
        clock(),
    );
    assert_eq!(
        refused,
        Err(Rejection::OccurredBeforePrevious {
            product: Named::unknown(SubjectKind::Product, PRODUCT),
            occurred_at: "2010-02-28T23:59:59.999Z".into(),
            previous_seq: 8,
            previous_occurred_at: "2010-03-01T10:00:00.000Z".into(),
        })
    );
    let Ok(Change::Subjects { changed, .. }) =
        decide(&view, &sold("2010-03-01T10:00:00Z"), &KEY, clock())
    else {
        panic!("the same instant is not earlier");
    };
    assert_eq!(changed[0].last_occurred_at(), time("2010-03-01T10:00:00Z"));
    let Ok(Change::Subjects { changed, .. }) =
        decide(&view, &sold("2011-01-01T00:00:00Z"), &KEY, clock())
    else {
        panic!("a later event is accepted");
    };
    assert_eq!(changed[0].last_occurred_at(), time("2011-01-01T00:00:00Z"));
}

#[test]
fn a_product_event_may_not_precede_its_signers_registration() {
    let mut view = view();
    view.product = None;
    let data = json!({"unu_key": "0306", "weight_g": 200});
    let early = product_event(
        &view,
        MAKER,
        Kind::Registered,
        "2008-12-31T23:59:59Z",
        data.clone(),
    );
    assert_eq!(
        decide(&view, &early, &KEY, clock()),
        Err(Rejection::OccurredBeforeSigner {
            actor: Named::new(MAKER, "org / name"),
            occurred_at: "2008-12-31T23:59:59.000Z".into(),
            registered_seq: 4,
            registered_at: "2009-01-01T00:00:00.000Z".into(),
        })
    );
    let on_time = product_event(&view, MAKER, Kind::Registered, "2009-01-01T00:00:00Z", data);
    assert_eq!(code(decide(&view, &on_time, &KEY, clock())), "accepted");
}

#[test]
fn registry_events_may_be_dated_before_their_signer() {
    let view = view();
    let data = json!({"locode": "FRPAR", "name": "Paris", "country": "FR", "population": 1, "population_year": 2024});
    let draft = Draft::registry(
        Uuid::from_u128(98),
        Kind::CityRegistered,
        OWNER,
        "1990-01-01T00:00:00Z",
        data,
    );
    let event = parse_event(&draft.to_json()).expect("a well-formed event");
    assert_eq!(code(decide(&view, &event, &KEY, clock())), "accepted");
}

#[test]
fn a_new_actor_records_its_registration_and_prefixes() {
    let view = view();
    let data = json!({"actor": Uuid::from_u128(5), "org": "o", "name": "n", "roles": ["manufacturer"],
        "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "gs1_company_prefixes": ["4006381"]});
    let draft = Draft::registry(
        Uuid::from_u128(97),
        Kind::ActorRegistered,
        OWNER,
        "2015-01-01T00:00:00Z",
        data,
    );
    let event = parse_event(&draft.to_json()).expect("a well-formed event");
    let Ok(Change::Actor(record)) = decide(&view, &event, &KEY, clock()) else {
        panic!("an actor registration is accepted");
    };
    assert_eq!(
        record.registered_seq, 10,
        "the seq the entry is about to get"
    );
    assert_eq!(record.registered_at, time("2015-01-01T00:00:00Z"));
    assert_eq!(record.gs1_prefixes, ["4006381"]);

    let mut view = view;
    view.prefixes.insert(OWNER, &["400638".to_string()]);
    assert_eq!(
        code(decide(&view, &event, &KEY, clock())),
        "gs1-prefix-overlap"
    );
}

#[test]
fn a_gtin_under_another_actors_prefix_is_its_owners_to_register() {
    let mut view = view();
    view.product = None;
    view.prefixes.insert(OWNER, &["9506000".to_string()]);
    // The product id derived from GTIN 09506000134352 and serial S1.
    let gtin = Gtin14::parse("09506000134352").expect("a GTIN");
    let id = identifiers::product_id(&gtin, &Serial::parse("S1").expect("a serial"));
    let data =
        json!({"unu_key": "0306", "weight_g": 200, "gtin": "09506000134352", "serial": "S1"});
    let registration = |signer| {
        let mut draft = Draft::registry(
            Uuid::from_u128(96),
            Kind::Registered,
            signer,
            "2020-01-01T00:00:00Z",
            data.clone(),
        );
        draft.city = Some("DEBER".into());
        draft.product = Some(id);
        parse_event(&draft.to_json()).expect("a well-formed event")
    };
    assert_eq!(
        decide(&view, &registration(MAKER), &KEY, clock()).err(),
        Some(Rejection::GtinPrefixOwned {
            gtin: "09506000134352".into(),
            prefix: "9506000".into(),
            owner: Named::new(OWNER, "org / name"),
        })
    );
    assert_eq!(
        code(decide(&view, &registration(OWNER), &KEY, clock())),
        "accepted"
    );
}

#[test]
fn a_leap_second_is_refused_naming_the_field() {
    for text in ["2016-12-31T23:59:60Z", "2025-03-01T12:34:60.250Z"] {
        assert_eq!(
            parse_timestamp("event.occurred_at", text),
            Err(Rejection::LeapSecond {
                field: "event.occurred_at".into(),
                value: text.into(),
            })
        );
    }
    assert!(parse_timestamp("event.occurred_at", "2016-12-31T23:59:59.999Z").is_ok());
}
