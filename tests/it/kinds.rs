//! Every kind is whole: it has a label, an EPCIS mapping the official schema accepts, a form
//! on the scan station where its signers record at the station, and a place in the demo. A new
//! kind that misses one of them fails here, naming the kind (docs/architecture.md, "How to add
//! a kind").

use crate::db::{db_test, TestDb};
use crate::epcis::{schema_errors, validator};
use crate::station::html_page;
use crate::support::{setup, Env};
use actix_web::http::StatusCode;
use chrono::{TimeZone, Utc};
use ewaste_ledger::demo::plan::{plan, Settings};
use ewaste_ledger::domain::epcis::{self, EntryView, Links};
use ewaste_ledger::domain::kinds::{Custody, Form, Kind, SubjectKind, Transition};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn every_kind_has_its_own_label() {
    let mut seen = BTreeMap::new();
    for kind in Kind::ALL {
        let label = kind.spec().label;
        assert!(!label.trim().is_empty(), "{kind} has no label");
        if let Some(other) = seen.insert(label, kind) {
            panic!("{kind} and {other} both read \"{label}\" on pages");
        }
    }
}

/// The data of the first event of each kind the demo plans.
fn planned_data() -> BTreeMap<Kind, Value> {
    let demo = plan(&Settings {
        seed: 7,
        units_per_city_year: 40,
        years: 3,
        until: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
    });
    let mut samples = BTreeMap::new();
    for step in demo
        .products
        .iter()
        .chain(&demo.containers)
        .flat_map(|plan| &plan.steps)
    {
        samples
            .entry(step.kind)
            .or_insert_with(|| step.data.clone());
    }
    samples
}

/// The demo's own events for product kinds; registry kinds as the admin commands write them.
fn sample_data() -> BTreeMap<Kind, Value> {
    let mut samples = planned_data();
    // The demo's writer lists a container's children with the heads it then knows.
    for kind in [Kind::Packed, Kind::Unpacked] {
        if let Some(data) = samples.get_mut(&kind) {
            data["children"] = json!([{"product": "0b6c114f-6c2d-4e8a-8b4c-559d312d8f7b",
                "prev": "cd".repeat(32)}]);
        }
    }
    let actor = "4f6c2d4e-8a0b-4c55-9d31-2d8f7a0b6c11";
    let key = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=";
    samples.insert(Kind::ActorRegistered, json!({"actor": actor, "org": "Org", "name": "Device", "roles": ["collector"], "public_key": key}));
    samples.insert(
        Kind::ActorKeyRotated,
        json!({"actor": actor, "public_key": key}),
    );
    samples.insert(
        Kind::ActorRevoked,
        json!({"actor": actor, "reason": "left"}),
    );
    // The custody kinds the demo does not plan (docs/lifecycle.md §8).
    let child = "0b6c114f-6c2d-4e8a-8b4c-559d312d8f7b";
    let lot = "0b6c114f-6c2d-4e8a-8b4c-559d312d8f7c";
    let children =
        json!([{"product": child, "prev": "ab".repeat(32)}, {"lot": lot, "prev": "cd".repeat(32)}]);
    for (kind, data) in [
        (
            Kind::LotCollected,
            json!({"eu6": "6", "mass_g": 12_500, "channel": "informal", "aggregator": "AGG-1", "units": 3}),
        ),
        (
            Kind::Packed,
            json!({"children": children, "sscc": "106141411234567897"}),
        ),
        (Kind::Unpacked, json!({"children": children})),
        (
            Kind::Received,
            json!({"weight_g": 900, "discrepancy": "lid missing"}),
        ),
        (Kind::ReceiptRefused, json!({"reason": "no consent"})),
        (
            Kind::ErrorDeclared,
            json!({"seq": 3, "reason": "wrong cage"}),
        ),
    ] {
        samples.entry(kind).or_insert(data);
    }
    samples.insert(Kind::CityRegistered, json!({"locode": "DEBER", "name": "Berlin", "country": "DE", "population": 3_900_000, "population_year": 2024}));
    samples.insert(
        Kind::PomBaseline,
        json!({"locode": "DEBER", "year": 2020, "unu_key": "0303", "mass_g": 1_000}),
    );
    samples
}

/// The demo plans every kind about a product, lot or container (the registry kinds are
/// written by `demo` itself, and tests/it/demo.rs checks the whole demo log holds every kind).
#[test]
fn the_demo_plans_every_kind_about_a_subject() {
    let planned: BTreeSet<Kind> = planned_data().into_keys().collect();
    for kind in Kind::ALL.iter().filter(|kind| kind.is_subject_kind()) {
        assert!(planned.contains(kind), "the demo never records {kind}");
    }
}

#[test]
fn every_kind_maps_to_epcis_the_official_schema_accepts() {
    let samples = sample_data();
    let subject_uri = |kind, id: &str| Links::fallback_uri("http://ledger.test", kind, id);
    let lot_mass_g = |_: &str| Some(12_500);
    let links = Links {
        base: "http://ledger.test",
        subject_uri: &subject_uri,
        lot_mass_g: &lot_mass_g,
        shipment: &|_| None,
    };
    let validator = validator();
    for (seq, kind) in Kind::ALL.iter().enumerate() {
        let product = kind.is_subject_kind();
        let mut event = json!({
            "v": 1, "id": uuid::Uuid::new_v4().to_string(), "kind": kind.as_str(),
            "actor": "4f6c2d4e-8a0b-4c55-9d31-2d8f7a0b6c11", "occurred_at": "2026-11-30T10:00:00.000Z",
            "data": samples[kind],
        });
        if product {
            // The subject's own member: `product`, or `lot` or `container` for their kinds.
            let member = kind.subject_kinds()[0].as_str();
            event[member] = json!("0b6c114f-6c2d-4e8a-8b4c-559d312d8f7a");
            event["city"] = json!("DEBER");
        }
        let entry = EntryView {
            event: &event,
            sig: "c2ln",
            seq: seq as i64,
            leaf_hash: &"ab".repeat(32),
            recorded_at: "2026-11-30T10:00:01.000Z",
        };
        let mapped = epcis::epcis_event(&entry, &links);
        let (event_type, step) = epcis::type_and_step(*kind);
        assert_eq!(mapped["type"], event_type, "{kind}");
        assert_eq!(mapped["bizStep"], step, "{kind}");
        assert_eq!(mapped["ewl:kind"], kind.as_str());
        let document =
            epcis::epcis_document("http://ledger.test", "2026-11-30T10:00:02Z", vec![mapped]);
        assert_eq!(
            schema_errors(&validator, &document),
            Vec::<String>::new(),
            "{kind}"
        );
    }
}

/// Station users (everyone but admins) record every kind that moves a product on the station
/// (the station scans a product's label); registration, bulk intake, packing, corrections and
/// registry events are written elsewhere.
#[test]
fn kinds_that_move_a_product_are_recorded_at_the_station() {
    for kind in Kind::ALL {
        let spec = kind.spec();
        let at_station = matches!(spec.form, Form::Station(_));
        let moves = matches!(spec.transition, Transition::Moves { .. });
        assert_eq!(
            at_station,
            moves && kind.subject_kinds().contains(&SubjectKind::Product),
            "{kind}'s form"
        );
    }
}

async fn station_has_every_form(env: &Env) {
    let (status, html) = html_page(env, "/scan").await;
    assert_eq!(status, StatusCode::OK);
    for kind in Kind::ALL {
        let Form::Station(fields) = kind.spec().form else {
            continue;
        };
        let option = format!(
            "<option value=\"{kind}\" data-roles=\"{}\">{}</option>",
            kind.spec()
                .signers
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            kind.spec().label
        );
        assert!(
            html.contains(&option),
            "the station offers {kind}: {option}"
        );
        if fields.is_empty() {
            assert!(
                !html.contains(&format!("data-kind=\"{kind}\"")),
                "{kind} has no data"
            );
            continue;
        }
        let start = html
            .find(&format!("<fieldset data-kind=\"{kind}\" hidden>"))
            .unwrap_or_else(|| panic!("{kind}'s fieldset"));
        let fieldset = &html[start..start + html[start..].find("</fieldset>").expect("closed")];
        for field in fields {
            let at = fieldset
                .find(&format!("name=\"{}\"", field.name))
                .unwrap_or_else(|| panic!("{kind}: {}", field.name));
            let tag = &fieldset[at..at + fieldset[at..].find('>').expect("tag")];
            assert!(fieldset.contains(field.label), "{kind}: {}", field.label);
            assert_eq!(
                tag.contains("data-optional"),
                field.optional,
                "{kind}: is {} optional? {tag}",
                field.name
            );
        }
    }
}

db_test! {
    async fn the_station_shows_every_kinds_form(db: TestDb) {
        let env = setup(db).await;
        station_has_every_form(&env).await;
    }
}

/// The kinds table of docs/lifecycle.md, as the specs declare it.
fn kinds_table() -> String {
    let list = |items: Vec<&str>| {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut table = String::from(
        "| kind | reads | subject | signed by | custody | from → to |\n|---|---|---|---|---|---|\n",
    );
    for kind in Kind::ALL {
        let spec = kind.spec();
        let custody = match spec.custody {
            Custody::Untouched => "",
            Custody::Takes => "signer takes custody",
            Custody::Ends => "custody ends",
            Custody::Holder => "custodian only †",
            Custody::Sends => "custodian only †, in transit to `to`",
            Custody::Accepts => "only `to` of the open hand-over; takes custody",
            Custody::Declines => "only `to` of the open hand-over; back to the sender",
        };
        let moves = match spec.transition {
            // A new product is manufactured; a new lot is weighed-in waste.
            Transition::Creates if kind.subject_kinds() == [SubjectKind::Product] => {
                "(new) → `manufactured`".to_string()
            }
            Transition::Creates => "(new) → `collected`".to_string(),
            Transition::Moves { from, to } => format!(
                "{} → `{to}`",
                list(from.iter().map(|s| s.as_str()).collect())
            ),
            Transition::Reverts => "back to the state before the entry".to_string(),
            Transition::Registry => "(registry)".to_string(),
        };
        let signers = list(spec.signers.iter().map(|r| r.as_str()).collect());
        let subjects = list(kind.subject_kinds().iter().map(|s| s.as_str()).collect());
        table.push_str(&format!(
            "| `{kind}` | {} | {subjects} | {signers} | {custody} | {moves} |\n",
            spec.label
        ));
    }
    table
}

/// docs/lifecycle.md shows the kinds as the code declares them.
#[test]
fn the_lifecycle_doc_shows_every_kind_as_declared() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lifecycle.md");
    let doc = std::fs::read_to_string(path).expect("docs/lifecycle.md");
    let table = kinds_table();
    assert!(
        doc.contains(&table),
        "docs/lifecycle.md should hold this table:\n{table}"
    );
}
