//! Problem details are written for people (issue 15, item 3): no Rust `Debug` output (`Some(…)`,
//! `None`, `[Collector, Recycler]`), no Rust names of kinds, roles and states (`InUse`), but
//! the wire names the API uses (`in_use`), products by serial and short id and actors by
//! organisation and name.
//!
//! [`debug_formatting`] is the one check. `support` runs it on every problem the test suite
//! reads (every `application/problem+json` answer and every problem inside a batch answer), so
//! each test that provokes a refusal checks its words too. Here: the checker rejects bad samples;
//! one value of every [`Rejection`] variant (the list is kept exhaustive by a `match` without
//! `_`) reads as words; and through the HTTP API on both backends, the refusals that depend on
//! the ledger's state name what they are about.

use crate::support::{db_test, labelled, registered_data, setup, Env, TestDb};
use ewaste_ledger::domain::kinds::{Kind, ProductState, Role, SubjectKind};
use ewaste_ledger::domain::rejection::Rejection;
use ewaste_ledger::domain::wording::Named;
use ewaste_ledger::http::problem::Problem;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The Rust names (`Debug`) of every kind, role and state that differ from their wire names.
fn rust_names() -> Vec<String> {
    let kinds = Kind::ALL.iter().map(|v| format!("{v:?}"));
    let roles = Role::ALL.iter().map(|v| format!("{v:?}"));
    let states = ProductState::ALL.iter().map(|v| format!("{v:?}"));
    kinds.chain(roles).chain(states).collect()
}

/// `text` without its backtick-quoted parts (what the client sent, echoed as it was).
fn unquoted(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// What in `detail` is Rust debug formatting rather than words, or `None` when it reads well.
pub fn debug_formatting(detail: &str) -> Option<String> {
    if detail.contains("Some(") {
        return Some("`Some(`".into());
    }
    let outside = unquoted(detail);
    let words: Vec<&str> = outside
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.contains(&"None") {
        return Some("`None`".into());
    }
    // A Debug list of enum values: `[Collector, Recycler]`, `[InUse]`.
    for (start, _) in detail.match_indices('[') {
        let rest = &detail[start + 1..];
        if let Some(end) = rest.find(']') {
            let inside = &rest[..end];
            let is_list = inside.starts_with(|c: char| c.is_ascii_uppercase())
                && inside
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ',' || c == ' ');
            if is_list {
                return Some(format!("the bracketed list `[{inside}]`"));
            }
        }
    }
    rust_names()
        .into_iter()
        .find(|name| words.contains(&name.as_str()))
        .map(|name| format!("the Rust name `{name}`"))
}

/// Panics with `context` when `detail` holds debug formatting.
#[track_caller]
pub fn assert_plain(detail: &str, context: &str) {
    if let Some(found) = debug_formatting(detail) {
        panic!("a problem detail shows {found}: {detail:?} ({context})");
    }
}

/// Checks the detail of a problem body (and of every problem inside a batch answer).
#[track_caller]
pub fn assert_plain_body(body: &Value) {
    match body {
        Value::Array(items) => items.iter().for_each(assert_plain_body),
        Value::Object(members) if members.contains_key("type") => {
            if let Some(detail) = members.get("detail").and_then(Value::as_str) {
                assert_plain(detail, &body.to_string());
            }
        }
        _ => {}
    }
}

#[test]
fn the_checker_rejects_debug_formatting() {
    for bad in [
        "Actor x (roles [Collector, Recycler]) may not record `registered`; allowed roles: [Manufacturer].",
        "the custodian is Some(441cbcdd-0000-4000-8000-000000000000), not y.",
        "the custodian is None, not y.",
        "it needs one of [Manufactured, InUse].",
        "product x is InUse.",
        "recorded by a PlacedOnMarket event",
    ] {
        assert!(debug_formatting(bad).is_some(), "not caught: {bad}");
    }
    for good in [
        "`collected` is not allowed for product FP5-0001 (3a517dc7), which is `manufactured`; `collected` needs it to be one of `placed_on_market` or `in_use`.",
        "The member `data.fractions[0].mass_g` is invalid: must be at least 1 gram.",
        "`Manufacturer` is not a role; roles are `admin` or `manufacturer`",
        "Nothing of this all-or-nothing batch was recorded because item 1 was refused.",
    ] {
        assert_eq!(debug_formatting(good), None, "{good}");
    }
}

/// The index of each variant: a new variant does not compile here until it is given one, and
/// [`samples`] must then hold a value of it.
fn variant(rejection: &Rejection) -> usize {
    use Rejection::*;
    match rejection {
        InvalidJson { .. } => 0,
        DuplicateMember { .. } => 1,
        UnknownField { .. } => 2,
        MissingField { .. } => 3,
        InvalidField { .. } => 4,
        InvalidGtin { .. } => 5,
        InvalidLocode { .. } => 6,
        UnknownUnuKey { .. } => 7,
        UnknownOperation { .. } => 8,
        UnknownHazard { .. } => 9,
        ProductIdMismatch { .. } => 10,
        BadSignature { .. } => 11,
        UnknownSigner { .. } => 12,
        UnknownActor { .. } => 13,
        ActorRevoked { .. } => 14,
        RoleNotAllowed { .. } => 15,
        NotCustodian { .. } => 16,
        GenesisRequired => 17,
        UnknownProduct { .. } => 18,
        UnknownCity { .. } => 19,
        IllegalTransition { .. } => 20,
        TerminalState { .. } => 21,
        StalePrev { .. } => 22,
        DuplicateProduct { .. } => 23,
        DuplicateEventId { .. } => 24,
        DuplicateActor { .. } => 25,
        DuplicateCity { .. } => 26,
        MassExceedsInput { .. } => 27,
        FromTheFuture { .. } => 28,
        LeapSecond { .. } => 29,
        OccurredBeforePrevious { .. } => 30,
        OccurredBeforeSigner { .. } => 31,
        GtinPrefixOwned { .. } => 32,
        PrefixOverlap { .. } => 33,
        LastAdmin { .. } => 34,
        BatchAborted { .. } => 35,
        PersonalAggregator { .. } => 36,
        UnknownSubject { .. } => 37,
        InContainer { .. } => 38,
        NotInContainer { .. } => 39,
        InTransit { .. } => 40,
        NotInTransit { .. } => 41,
        NotReceiver { .. } => 42,
        CorrectionNotHead { .. } => 43,
        CorrectionNotAllowed { .. } => 44,
    }
}
const VARIANTS: usize = 45;

/// One value of every variant, with the labels the rules give them.
fn samples() -> Vec<Rejection> {
    let id = Uuid::parse_str("3a517dc7-1111-4222-8333-444455556666").unwrap();
    // Subjects are named as the rules name them: with what they are (`Named::subject`).
    let product = || Named::of(SubjectKind::Product, id, "FP5-0001");
    let actor = || Named::new(id, "BSR / Recycling yard scanner");
    let subject = product;
    let container = || Named::of(SubjectKind::Container, id, "SSCC 095060001234567895");
    let text = |s: &str| s.to_string();
    use Rejection::*;
    vec![
        InvalidJson {
            detail: text("expected value at line 1 column 2"),
        },
        DuplicateMember {
            field: text("event.kind"),
        },
        UnknownField {
            field: text("event.note"),
        },
        MissingField {
            field: text("event.data.weight_g"),
        },
        Rejection::invalid("event.data.weight_g", "a mass must be at least 1 gram"),
        InvalidGtin {
            field: text("event.data.gtin"),
            reason: text("the check digit is wrong"),
        },
        InvalidLocode {
            field: text("event.city"),
            value: text("DE BER"),
        },
        UnknownUnuKey {
            field: text("event.data.unu_key"),
            value: text("9999"),
        },
        UnknownOperation {
            field: text("event.data.operation"),
            value: text("R99"),
            expected: text("R (recovery)"),
        },
        UnknownHazard {
            field: text("event.data.hazards[0]"),
            value: text("battery:lion"),
            suggestion: Some(text("battery:li-ion")),
        },
        ProductIdMismatch {
            expected: id,
            found: Uuid::nil(),
        },
        BadSignature { actor: actor() },
        UnknownSigner {
            field: text("event.actor"),
            actor: id,
        },
        UnknownActor {
            field: text("event.data.to"),
            actor: id,
        },
        ActorRevoked { actor: actor() },
        RoleNotAllowed {
            actor: actor(),
            kind: Kind::Registered,
            roles: vec![Role::Collector, Role::Recycler],
            allowed: vec![Role::Manufacturer],
        },
        NotCustodian {
            product: product(),
            kind: Kind::HandedOver,
            actor: actor(),
            custodian: None,
        },
        GenesisRequired,
        UnknownProduct { product: id },
        UnknownCity {
            field: text("event.city"),
            locode: text("FRPAR"),
        },
        IllegalTransition {
            product: product(),
            kind: Kind::Collected,
            state: ProductState::Manufactured,
            allowed_from: vec![ProductState::InUse],
        },
        TerminalState {
            product: product(),
            state: ProductState::Recycled,
        },
        StalePrev {
            product: product(),
            head: "ab".repeat(32),
            head_seq: 4,
            found: "cd".repeat(32),
        },
        DuplicateProduct { product: product() },
        DuplicateEventId { id, seq: 3 },
        DuplicateActor { actor: actor() },
        DuplicateCity {
            locode: text("DEBER"),
        },
        MassExceedsInput {
            product: product(),
            field: text("event.data.fractions"),
            total_g: 200,
            available_g: 180,
        },
        FromTheFuture {
            occurred_at: text("2030-01-01T00:00:00.000Z"),
            now: text("2026-01-01T00:00:00.000Z"),
            skew_seconds: 300,
        },
        LeapSecond {
            field: text("event.occurred_at"),
            value: text("2016-12-31T23:59:60Z"),
        },
        OccurredBeforePrevious {
            product: product(),
            occurred_at: text("2020-01-01T00:00:00.000Z"),
            previous_seq: 4,
            previous_occurred_at: text("2021-01-01T00:00:00.000Z"),
        },
        OccurredBeforeSigner {
            actor: actor(),
            occurred_at: text("2020-01-01T00:00:00.000Z"),
            registered_seq: 2,
            registered_at: text("2021-01-01T00:00:00.000Z"),
        },
        GtinPrefixOwned {
            gtin: text("09506000134352"),
            prefix: text("9506000"),
            owner: actor(),
        },
        PrefixOverlap {
            field: text("event.data.gs1_company_prefixes[0]"),
            prefix: text("950600"),
            declared: text("9506000"),
            owner: actor(),
        },
        LastAdmin { actor: actor() },
        BatchAborted { failed_index: 1 },
        PersonalAggregator {
            field: text("event.data.aggregator"),
            reason: text("it looks like an e-mail address"),
        },
        UnknownSubject {
            subject: Named::unknown(SubjectKind::Lot, id),
        },
        InContainer {
            subject: subject(),
            container: container(),
        },
        NotInContainer {
            subject: subject(),
            container: container(),
        },
        InTransit {
            subject: subject(),
            to: actor(),
            since_seq: 7,
        },
        NotInTransit {
            subject: subject(),
            kind: Kind::Received,
        },
        NotReceiver {
            subject: subject(),
            kind: Kind::ReceiptRefused,
            actor: actor(),
            to: actor(),
        },
        CorrectionNotHead {
            seq: 7,
            subject: subject(),
            head_seq: 9,
        },
        CorrectionNotAllowed {
            seq: 7,
            actor: actor(),
            reason: text("only its signer or an admin may declare it an error"),
        },
    ]
}

#[test]
fn every_rejection_reads_as_words() {
    let samples = samples();
    let covered: BTreeSet<usize> = samples.iter().map(variant).collect();
    assert_eq!(covered, (0..VARIANTS).collect(), "a variant has no sample");
    for rejection in samples {
        let problem = Problem::from(rejection.clone());
        assert_plain(&problem.detail, rejection.code());
        assert_plain_body(&problem.body());
        // What each rule has at hand is named the way people know it.
        let detail = &problem.detail;
        let expect = |part: &str| assert!(detail.contains(part), "{detail:?} lacks {part:?}");
        match &rejection {
            Rejection::RoleNotAllowed { .. } => {
                expect("BSR / Recycling yard scanner (3a517dc7)");
                expect("`collector` and `recycler`");
                expect("`manufacturer`");
            }
            Rejection::NotCustodian { .. } => {
                expect("product FP5-0001 (3a517dc7)");
                expect("no custodian");
            }
            Rejection::InTransit { .. } => {
                expect("Product FP5-0001 (3a517dc7)");
                expect("BSR / Recycling yard scanner (3a517dc7)");
                expect("`received`");
            }
            Rejection::InContainer { .. } => {
                expect("container SSCC 095060001234567895 (3a517dc7)");
            }
            Rejection::IllegalTransition { .. } => {
                expect("`manufactured`");
                expect("`in_use`");
            }
            Rejection::UnknownHazard { .. } => {
                expect("did you mean `battery:li-ion`?");
                expect("`battery:nimh`");
            }
            _ => {}
        }
    }
}

/// The product's name in messages: its serial and short id.
fn product_name(serial: &str) -> String {
    let id = labelled(serial);
    format!("{serial} ({})", &id.simple().to_string()[..8])
}

/// The fixture actor's name in messages: organisation / name (short id).
fn actor_name(env: &Env, role: Role) -> String {
    let id = env.actor(role).id;
    format!(
        "{role} GmbH / {role} device ({})",
        &id.simple().to_string()[..8]
    )
}

/// Posts and expects a refusal of `code`; returns its detail.
async fn refused_detail(
    env: &Env,
    role: Role,
    kind: Kind,
    product: Option<Uuid>,
    data: Value,
    code: &str,
) -> String {
    let actor = env.actor(role);
    let (status, body) = env.submit(&actor, kind, product, data).await;
    assert!(status.is_client_error(), "{code}: {status} {body}");
    assert_eq!(
        body["type"],
        format!("urn:ewaste-ledger:problem:{code}"),
        "{body}"
    );
    let detail = body["detail"].as_str().expect("detail").to_string();
    assert_plain(&detail, code);
    detail
}

db_test!(
    async fn refusals_name_products_actors_and_states_as_people_know_them(db: TestDb) {
        let env = setup(db).await;
        let has = |detail: &str, parts: &[&str]| {
            for part in parts {
                assert!(detail.contains(part), "{detail:?} lacks {part:?}");
            }
        };

        // A collector may not register a labelled product: roles by wire name, in words.
        let detail = refused_detail(
            &env,
            Role::Collector,
            Kind::Registered,
            Some(labelled("W-1")),
            registered_data("W-1"),
            "role-not-allowed",
        )
        .await;
        has(
            &detail,
            &[
                &actor_name(&env, Role::Collector),
                "`collector`",
                "`manufacturer`",
                "`registered`",
            ],
        );

        // Resold before it was sold: the state and the states it needs, by wire name.
        let id = env.register("W-2").await;
        let detail = refused_detail(
            &env,
            Role::Retailer,
            Kind::Resold,
            Some(id),
            json!({}),
            "illegal-transition",
        )
        .await;
        has(
            &detail,
            &[
                &product_name("W-2"),
                "`manufactured`",
                "one of `in_use` or `reuse_ready`",
                "`resold`",
            ],
        );

        // Handed over by someone who does not hold it: both actors by name.
        let collector = env.actor(Role::Collector);
        let id = env.collected_by("W-3", &collector).await;
        let detail = refused_detail(
            &env,
            Role::Recycler,
            Kind::HandedOver,
            Some(id),
            json!({"to": env.actor(Role::Collector).id}),
            "not-custodian",
        )
        .await;
        has(
            &detail,
            &[
                &product_name("W-3"),
                &actor_name(&env, Role::Collector),
                &actor_name(&env, Role::Recycler),
            ],
        );

        // Registered twice: the product by serial.
        let detail = refused_detail(
            &env,
            Role::Manufacturer,
            Kind::Registered,
            Some(labelled("W-2")),
            registered_data("W-2"),
            "duplicate-product",
        )
        .await;
        has(&detail, &[&product_name("W-2")]);

        // More recovered than the product weighs.
        env.hand_over(id, &collector, &env.actor(Role::Recycler))
            .await;
        let detail = refused_detail(
            &env,
            Role::Recycler,
            Kind::Recycled,
            Some(id),
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 181}]}),
            "mass-exceeds-input",
        )
        .await;
        has(&detail, &[&product_name("W-3"), "181 g"]);

        // A hazard typo, on registration and on depollution: the nearest code.
        let mut data = registered_data("W-4");
        data["hazards"] = json!(["battery:lion"]);
        let detail = refused_detail(
            &env,
            Role::Manufacturer,
            Kind::Registered,
            Some(labelled("W-4")),
            data,
            "unknown-hazard",
        )
        .await;
        has(
            &detail,
            &["`battery:lion`", "did you mean `battery:li-ion`?", "`lcd`"],
        );
        let detail = refused_detail(
            &env,
            Role::Recycler,
            Kind::Depolluted,
            Some(id),
            json!({"components": [{"component": "batery", "mass_g": 40}]}),
            "unknown-hazard",
        )
        .await;
        has(
            &detail,
            &[
                "`batery`",
                "did you mean `battery`?",
                "event.data.components[0].component",
            ],
        );

        // A final state.
        env.ok(
            &env.actor(Role::Recycler),
            Kind::Recycled,
            Some(id),
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 100}]}),
        )
        .await;
        let detail = refused_detail(
            &env,
            Role::Recycler,
            Kind::Disposed,
            Some(id),
            json!({"operation": "D1"}),
            "terminal-state",
        )
        .await;
        has(&detail, &[&product_name("W-3"), "`recycled`"]);

        // An actor registered twice, and the last admin: by organisation and name.
        let detail = refused_detail(
            &env,
            Role::Admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&env.actor(Role::Retailer), Role::Retailer),
            "duplicate-actor",
        )
        .await;
        has(&detail, &[&actor_name(&env, Role::Retailer)]);
        let detail = refused_detail(
            &env,
            Role::Admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": env.admin.id}),
            "last-admin",
        )
        .await;
        has(&detail, &["admin GmbH / admin device"]);

        // A revoked signer.
        env.ok(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": env.actor(Role::Repairer).id}),
        )
        .await;
        let detail = refused_detail(
            &env,
            Role::Repairer,
            Kind::Repaired,
            Some(labelled("W-2")),
            json!({"description": "screen"}),
            "actor-revoked",
        )
        .await;
        has(&detail, &[&actor_name(&env, Role::Repairer)]);

        // An unknown role in a registration lists the roles by wire name.
        let mut data = env.actor_data(
            &crate::support::Actor::new(99, Role::Retailer),
            Role::Retailer,
        );
        data["roles"] = json!(["Retailer"]);
        let detail = refused_detail(
            &env,
            Role::Admin,
            Kind::ActorRegistered,
            None,
            data,
            "invalid-field",
        )
        .await;
        has(&detail, &["`manufacturer`", "`regulator`"]);
        assert_eq!(env.product(labelled("W-4")).await, None);
    }
);

/// A change made to a draft registration before it is signed.
type DraftChange = Box<dyn FnMut(&mut ewaste_ledger::domain::draft::Draft)>;

/// Every problem code in `body` (a problem, or a batch answer holding problems).
fn codes_in(body: &Value, seen: &mut BTreeSet<String>) {
    match body {
        Value::Array(items) => items.iter().for_each(|item| codes_in(item, seen)),
        Value::Object(members) => {
            if let Some(code) = members
                .get("type")
                .and_then(Value::as_str)
                .and_then(|t| t.strip_prefix("urn:ewaste-ledger:problem:"))
            {
                seen.insert(code.to_string());
            }
        }
        _ => {}
    }
}

db_test!(
    /// Every variant of [`Rejection`] is reached through the HTTP API (the support hook checks
    /// each detail's words), so a variant cannot be worded only where no test reads it.
    async fn every_rejection_is_reached_through_http(db: TestDb) {
        use crate::support::{about, empty, sign_value, Actor, CITY, REGISTRY_AT};
        use ewaste_ledger::domain::hash::Hash32;
        let mut seen = BTreeSet::new();
        let env = empty(db).await;
        let admin = env.admin.clone();
        // Before the genesis.
        let (_, body) = env
            .submit(
                &admin,
                Kind::CityRegistered,
                None,
                json!({"locode": CITY,
            "name": "Berlin", "country": "DE", "population": 1, "population_year": 2023}),
            )
            .await;
        codes_in(&body, &mut seen);
        crate::support::register_fixtures(&env).await;
        let maker = env.actor(Role::Manufacturer);
        let (collector, recycler) = (env.actor(Role::Collector), env.actor(Role::Recycler));
        let stranger = Actor::new(77, Role::Manufacturer);

        // Malformed submissions.
        for raw in [&b"{"[..], br#"{"event": {}, "event": {}, "sig": ""}"#] {
            codes_in(&env.post_raw(raw.to_vec()).await.1, &mut seen);
        }
        let mut envelope = env.signed_registration("H-0").await;
        envelope["extra"] = json!(1);
        codes_in(&env.post(&envelope).await.1, &mut seen);
        let registration = |serial: &str, change: &dyn Fn(&mut Value)| {
            let mut data = registered_data(serial);
            change(&mut data);
            data
        };
        for (serial, change) in [
            (
                "H-1",
                &(|d: &mut Value| {
                    d.as_object_mut().unwrap().remove("weight_g");
                }) as &dyn Fn(&mut Value),
            ),
            ("H-2", &|d: &mut Value| d["weight_g"] = json!(0)),
            ("H-3", &|d: &mut Value| d["gtin"] = json!("09506000134353")),
            ("H-4", &|d: &mut Value| d["unu_key"] = json!("9999")),
            ("H-5", &|d: &mut Value| {
                d["hazards"] = json!(["battery:lion"])
            }),
            ("H-6", &|d: &mut Value| d["serial"] = json!("H-6-other")),
        ] {
            let data = registration(serial, change);
            codes_in(
                &env.submit(&maker, Kind::Registered, Some(labelled(serial)), data)
                    .await
                    .1,
                &mut seen,
            );
        }
        let send = |mut change: DraftChange, serial: &'static str, signer: Actor| {
            let env = &env;
            async move {
                let mut draft = env.registration(serial).await;
                change(&mut draft);
                env.post(&draft.sign(&signer.key).expect("sign")).await.1
            }
        };
        let in_an_hour = ewaste_ledger::domain::event::format_timestamp(
            chrono::Utc::now() + chrono::Duration::hours(1),
        );
        let changes: [(&'static str, DraftChange); 5] = [
            ("H-7", Box::new(|d| d.city = Some("de ber".into()))),
            ("H-8", Box::new(|d| d.city = Some("FRPAR".into()))),
            (
                "H-9",
                Box::new(|d| d.occurred_at = "2016-12-31T23:59:60Z".into()),
            ),
            (
                "H-10",
                Box::new(|d| d.occurred_at = "1999-01-01T00:00:00Z".into()),
            ),
            (
                "H-11",
                Box::new(move |d| d.occurred_at = in_an_hour.clone()),
            ),
        ];
        for (serial, change) in changes {
            codes_in(&send(change, serial, maker.clone()).await, &mut seen);
        }
        codes_in(
            &send(Box::new(|_| {}), "H-12", env.actor(Role::Retailer)).await,
            &mut seen,
        );
        codes_in(
            &send(
                Box::new(|d| d.actor = Uuid::from_u128(77)),
                "H-13",
                stranger.clone(),
            )
            .await,
            &mut seen,
        );
        let (_, body) = env
            .submit(
                &stranger,
                Kind::Registered,
                Some(labelled("H-14")),
                registered_data("H-14"),
            )
            .await;
        codes_in(&body, &mut seen);
        codes_in(
            &env.submit(
                &admin,
                Kind::ActorRevoked,
                None,
                json!({"actor": stranger.id}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &recycler,
                Kind::Recycled,
                Some(labelled("H-15")),
                json!({"operation": "R99", "fractions": []}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &env.actor(Role::Retailer),
                Kind::PlacedOnMarket,
                Some(labelled("H-16")),
                json!({}),
            )
            .await
            .1,
            &mut seen,
        );

        // Refusals that depend on the ledger's state.
        let id = env.collected_by("H-17", &collector).await;
        codes_in(
            &env.submit(
                &collector,
                Kind::Registered,
                Some(labelled("H-18")),
                registered_data("H-18"),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &recycler,
                Kind::HandedOver,
                Some(id),
                json!({"to": collector.id}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &env.actor(Role::Retailer),
                Kind::Resold,
                Some(labelled("H-17")),
                json!({}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(&maker, Kind::Registered, Some(id), registered_data("H-17"))
                .await
                .1,
            &mut seen,
        );
        let mut stale = env
            .draft(
                &collector,
                Kind::HandedOver,
                Some(id),
                json!({"to": recycler.id}),
            )
            .await;
        stale.prev = Some(Hash32::sha256(b"not the head"));
        codes_in(
            &env.post(&stale.sign(&collector.key).expect("sign")).await.1,
            &mut seen,
        );
        let mut early = env
            .draft(
                &collector,
                Kind::HandedOver,
                Some(id),
                json!({"to": recycler.id}),
            )
            .await;
        early.occurred_at = "2001-01-01T00:00:00Z".into();
        codes_in(
            &env.post(&early.sign(&collector.key).expect("sign")).await.1,
            &mut seen,
        );
        env.hand_over(id, &collector, &recycler).await;
        codes_in(
            &env.submit(
                &recycler,
                Kind::Recycled,
                Some(id),
                json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 181}]}),
            )
            .await
            .1,
            &mut seen,
        );
        env.ok(
            &recycler,
            Kind::Recycled,
            Some(id),
            json!({"operation": "R4", "fractions": [{"material": "copper", "mass_g": 100}]}),
        )
        .await;
        codes_in(
            &env.submit(
                &recycler,
                Kind::Disposed,
                Some(id),
                json!({"operation": "D1"}),
            )
            .await
            .1,
            &mut seen,
        );
        // Bulk intake, the two-party hand-over, containers and corrections (docs/lifecycle.md §8).
        let informal = env.in_use("H-23").await;
        codes_in(
            &env.submit(
                &collector,
                Kind::Collected,
                Some(informal),
                json!({"channel": "informal", "aggregator": "jane.doe@example.com"}),
            )
            .await
            .1,
            &mut seen,
        );
        let no_lot = env
            .draft(
                &collector,
                Kind::HandedOver,
                Some(Uuid::new_v4()),
                json!({"to": recycler.id}),
            )
            .await;
        let no_lot = about(&no_lot, "lot", Some(Hash32::sha256(b"no such lot")));
        codes_in(
            &env.post(&sign_value(no_lot, &collector.key)).await.1,
            &mut seen,
        );
        let sent = env.collected_by("H-24", &collector).await;
        codes_in(
            &env.submit(&recycler, Kind::Received, Some(sent), json!({}))
                .await
                .1,
            &mut seen,
        );
        let handed = env
            .ok(
                &collector,
                Kind::HandedOver,
                Some(sent),
                json!({"to": recycler.id}),
            )
            .await;
        codes_in(
            &env.submit(
                &collector,
                Kind::Disposed,
                Some(sent),
                json!({"operation": "D1"}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &env.actor(Role::Retailer),
                Kind::Received,
                Some(sent),
                json!({}),
            )
            .await
            .1,
            &mut seen,
        );
        let received = env
            .ok(&recycler, Kind::Received, Some(sent), json!({}))
            .await;
        codes_in(
            &env.submit(
                &collector,
                Kind::ErrorDeclared,
                Some(sent),
                json!({"seq": received["seq"], "reason": "not mine to take back"}),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(
            &env.submit(
                &collector,
                Kind::ErrorDeclared,
                Some(sent),
                json!({"seq": handed["seq"], "reason": "too late"}),
            )
            .await
            .1,
            &mut seen,
        );
        let cage = Uuid::new_v4();
        let packing = env
            .draft(
                &recycler,
                Kind::Packed,
                Some(cage),
                json!({"children": [{"product": sent, "prev": env.head(sent).await.to_hex()}]}),
            )
            .await;
        let (status, packed) = env
            .post(&sign_value(
                about(&packing, "container", None),
                &recycler.key,
            ))
            .await;
        assert_eq!(status, actix_web::http::StatusCode::CREATED, "{packed}");
        codes_in(
            &env.submit(
                &recycler,
                Kind::Depolluted,
                Some(sent),
                json!({"components": [{"component": "battery:li-ion", "mass_g": 10}]}),
            )
            .await
            .1,
            &mut seen,
        );
        let loose = env.collected_by("H-25", &recycler).await;
        let unpacking = env
            .draft(
                &recycler,
                Kind::Unpacked,
                Some(cage),
                json!({"children": [{"product": loose, "prev": env.head(loose).await.to_hex()}]}),
            )
            .await;
        let cage_head = Hash32::from_hex(packed["leaf_hash"].as_str().expect("leaf hash"));
        let unpacking = about(&unpacking, "container", cage_head);
        codes_in(
            &env.post(&sign_value(unpacking, &recycler.key)).await.1,
            &mut seen,
        );

        // The same event id for a different event.
        let first = env.registration("H-19").await;
        env.post(&first.sign(&maker.key).expect("sign")).await;
        let mut second = env.registration("H-20").await;
        second.id = first.id;
        codes_in(
            &env.post(&second.sign(&maker.key).expect("sign")).await.1,
            &mut seen,
        );
        // An atomic batch with one bad item.
        let good = env.signed_registration("H-21").await;
        let bad = sign_value(env.registration("H-19").await.to_json(), &maker.key);
        codes_in(&env.batch(&[good, bad], true).await.1, &mut seen);

        // The registry.
        codes_in(
            &env.submit(
                &admin,
                Kind::ActorRegistered,
                None,
                env.actor_data(&maker, Role::Manufacturer),
            )
            .await
            .1,
            &mut seen,
        );
        codes_in(&env.submit(&admin, Kind::CityRegistered, None, json!({"locode": CITY, "name": "Berlin", "country": "DE", "population": 1, "population_year": 2023})).await.1, &mut seen);
        codes_in(
            &env.submit(&admin, Kind::ActorRevoked, None, json!({"actor": admin.id}))
                .await
                .1,
            &mut seen,
        );
        env.ok(
            &admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": env.actor(Role::Repairer).id}),
        )
        .await;
        codes_in(
            &env.submit(
                &env.actor(Role::Repairer),
                Kind::Repaired,
                Some(labelled("H-19")),
                json!({"description": "screen"}),
            )
            .await
            .1,
            &mut seen,
        );
        // GS1 company prefixes: another actor owns the fixtures' GTIN prefix.
        let owner = Actor::new(78, Role::Manufacturer);
        let mut data = env.actor_data(&owner, Role::Manufacturer);
        data["gs1_company_prefixes"] = json!(["9506000"]);
        let mut draft = env.draft(&admin, Kind::ActorRegistered, None, data).await;
        draft.occurred_at = REGISTRY_AT.into();
        env.post(&draft.sign(&admin.key).expect("sign")).await;
        codes_in(
            &env.submit(
                &maker,
                Kind::Registered,
                Some(labelled("H-22")),
                registered_data("H-22"),
            )
            .await
            .1,
            &mut seen,
        );
        let copycat = Actor::new(79, Role::Manufacturer);
        let mut data = env.actor_data(&copycat, Role::Manufacturer);
        data["gs1_company_prefixes"] = json!(["95060001"]);
        codes_in(
            &env.submit(&admin, Kind::ActorRegistered, None, data)
                .await
                .1,
            &mut seen,
        );

        let all: BTreeSet<String> = samples().iter().map(|r| r.code().to_string()).collect();
        let missing: Vec<&String> = all.difference(&seen).collect();
        assert!(missing.is_empty(), "not reached through HTTP: {missing:?}");
    }
);

/// The vocabulary binds new submissions only: an entry already in a log (read with
/// `parse_event`, as audits, passports and rebuilds read them) keeps parsing, so a log recorded
/// before `reference/hazards.csv` stays verifiable.
#[test]
fn the_hazard_vocabulary_binds_submissions_not_the_log() {
    use ewaste_ledger::domain::draft::Draft;
    use ewaste_ledger::domain::event::{parse_event, parse_signed_event};
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let mut data = registered_data("OLD-1");
    data["hazards"] = json!(["battery:lithium-polymer-old"]);
    let mut draft = Draft::registry(
        Uuid::from_u128(1),
        Kind::Registered,
        Uuid::from_u128(2),
        "2020-01-01T00:00:00Z",
        data,
    );
    draft.city = Some("DEBER".into());
    draft.product = Some(labelled("OLD-1"));
    let envelope = draft.sign(&key).expect("sign");
    assert!(
        parse_event(&envelope["event"]).is_ok(),
        "a logged entry is read as written"
    );
    let Err(Rejection::UnknownHazard { field, .. }) = parse_signed_event(&envelope) else {
        panic!("a new submission is held to the vocabulary");
    };
    assert_eq!(field, "event.data.hazards[0]");
}
