//! The authorisation matrix of docs/lifecycle.md, written out from the contract (not from the
//! code): every event kind signed by every role, each in a product state where the kind is
//! legal and, for custody kinds (†), with the signer holding the product whenever its role can
//! hold one (for the answers to a hand-over, `received` and `receipt_refused`, with the product
//! in transit to the signer), so that the role is the only thing that can fail. Then, for every
//! cell the contract accepts, the other reasons to refuse a signer: a revoked actor, a rotated
//! key, a non-custodian (or a non-receiver) with the right role, a signature by another key, a
//! signature over other bytes, a replay and a reused id, and an event from the future. Every
//! refusal is checked for its status, its problem `type` and an unchanged log (and product head).
//!
//! Lots and containers are in it too (`lot_collected` creates a lot; `packed` puts a product the
//! signer holds into a new container; `unpacked` takes it out of a container the signer holds).
//! `error_declared` is not: who may sign it depends on the entry it corrects (its signer, or an
//! admin), not on a role, and tests/it/custody.rs covers it.

use crate::state_machine::KINDS;
use crate::support::db_test;
use crate::support::{
    about, labelled, now_minus_minute, registered_data, setup, sign_value, Actor, Env, TestDb, CITY,
};
use actix_web::http::StatusCode;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::event::format_timestamp;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use uuid::Uuid;

use Role::{Admin, Collector, Manufacturer, Recycler, Regulator, Repairer, Retailer};

/// What is signed: a kind, with `registered` split in its two forms (docs/lifecycle.md: a
/// manufacturer registers labelled products; collectors and recyclers register unlabelled
/// items at intake).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    Labelled,
    Intake,
    Kind(Kind),
}

impl What {
    fn kind(self) -> Kind {
        match self {
            What::Labelled | What::Intake => Kind::Registered,
            What::Kind(kind) => kind,
        }
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Labelled => f.write_str("registered (labelled)"),
            What::Intake => f.write_str("registered (unlabelled intake)"),
            What::Kind(kind) => f.write_str(kind.as_str()),
        }
    }
}

/// The columns of [`EXPECTED`].
const COLUMNS: [Role; 7] = [
    Manufacturer,
    Retailer,
    Repairer,
    Collector,
    Recycler,
    Regulator,
    Admin,
];

const Y: bool = true;
const N: bool = false;

/// docs/lifecycle.md "signed by role", transcribed by hand, with a state the "from state" column
/// allows and whether the kind is a custody kind (†). `handed_over` is signed by "custodian":
/// the roles that can hold a collected product, i.e. those that may collect (collector,
/// recycler, retailer) and the repairer, who must hold a product to prepare it for re-use.
/// `received` and `receipt_refused` answer a hand-over: signed by the actor the product is in
/// transit to, which is any role that can hold it (legal state `in_transit`: collected and
/// handed over to the signer). A lot is weighed in by a collector or recycler; the roles that
/// can hold waste pack it (`loose`: a collected product the signer holds, packed into a new
/// container) and unpack it (`packed`: a container the signer holds, with that product
/// inside). Registry events are signed by `admin` only.
#[rustfmt::skip]
const EXPECTED: [(What, Option<&str>, bool, [bool; 7]); 22] = [
    // what                             legal state           †   manuf   retail  repair  collect recycl  regul   admin
    (What::Labelled,                     None,                 N, [Y,      N,      N,      N,      N,      N,      N]),
    (What::Intake,                       None,                 N, [N,      N,      N,      Y,      Y,      N,      N]),
    (What::Kind(Kind::PlacedOnMarket),   Some("manufactured"), N, [Y,      Y,      N,      N,      N,      N,      N]),
    (What::Kind(Kind::Resold),           Some("in_use"),       N, [N,      Y,      Y,      N,      N,      N,      N]),
    (What::Kind(Kind::Repaired),         Some("in_use"),       N, [N,      N,      Y,      N,      N,      N,      N]),
    (What::Kind(Kind::Collected),        Some("in_use"),       N, [N,      Y,      N,      Y,      Y,      N,      N]),
    (What::Kind(Kind::HandedOver),       Some("collected"),    Y, [N,      Y,      Y,      Y,      Y,      N,      N]),
    (What::Kind(Kind::Received),         Some("in_transit"),   N, [N,      Y,      Y,      Y,      Y,      N,      N]),
    (What::Kind(Kind::ReceiptRefused),   Some("in_transit"),   N, [N,      Y,      Y,      Y,      Y,      N,      N]),
    (What::Kind(Kind::PreparedForReuse), Some("collected"),    Y, [N,      N,      Y,      N,      N,      N,      N]),
    (What::Kind(Kind::Depolluted),       Some("collected"),    Y, [N,      N,      N,      N,      Y,      N,      N]),
    (What::Kind(Kind::Recycled),         Some("collected"),    Y, [N,      N,      N,      N,      Y,      N,      N]),
    (What::Kind(Kind::Disposed),         Some("collected"),    Y, [N,      N,      N,      Y,      Y,      N,      N]),
    (What::Kind(Kind::Exported),         Some("collected"),    Y, [N,      N,      N,      Y,      Y,      N,      N]),
    (What::Kind(Kind::LotCollected),     Some("new_lot"),      N, [N,      N,      N,      Y,      Y,      N,      N]),
    (What::Kind(Kind::Packed),           Some("loose"),        Y, [N,      Y,      Y,      Y,      Y,      N,      N]),
    (What::Kind(Kind::Unpacked),         Some("packed"),       Y, [N,      Y,      Y,      Y,      Y,      N,      N]),
    (What::Kind(Kind::ActorRegistered),  None,                 N, [N,      N,      N,      N,      N,      N,      Y]),
    (What::Kind(Kind::ActorKeyRotated),  None,                 N, [N,      N,      N,      N,      N,      N,      Y]),
    (What::Kind(Kind::ActorRevoked),     None,                 N, [N,      N,      N,      N,      N,      N,      Y]),
    (What::Kind(Kind::CityRegistered),   None,                 N, [N,      N,      N,      N,      N,      N,      Y]),
    (What::Kind(Kind::PomBaseline),      None,                 N, [N,      N,      N,      N,      N,      N,      Y]),
];

/// The roles [`EXPECTED`] allows for `what`.
fn allowed(what: What) -> Vec<Role> {
    let (_, _, _, row) = EXPECTED
        .iter()
        .find(|(w, ..)| *w == what)
        .unwrap_or_else(|| panic!("{what} is not in the table"));
    COLUMNS
        .iter()
        .zip(row)
        .filter(|(_, yes)| **yes)
        .map(|(role, _)| *role)
        .collect()
}

/// Roles that can hold a collected product (the signers of `handed_over`).
fn can_hold(role: Role) -> bool {
    allowed(What::Kind(Kind::HandedOver)).contains(&role)
}

/// Every (what, role) the contract accepts.
fn accepted_cells() -> Vec<(What, Role)> {
    EXPECTED
        .iter()
        .flat_map(|(what, ..)| allowed(*what).into_iter().map(move |role| (*what, role)))
        .collect()
}

fn is_custody_kind(what: What) -> bool {
    EXPECTED
        .iter()
        .any(|(w, _, custody, _)| *w == what && *custody)
}

/// The answers to a hand-over, signed by the actor the product is in transit to.
fn is_receiver_kind(what: What) -> bool {
    EXPECTED
        .iter()
        .any(|(w, state, ..)| *w == what && *state == Some("in_transit"))
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn next() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A key no other actor has.
fn fresh_key() -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..20].copy_from_slice(&next().to_be_bytes());
    SigningKey::from_bytes(&bytes)
}

/// A LOCODE in Germany that no test registers yet (never `DEBER`).
fn fresh_locode() -> String {
    let n = next() as usize % (10 * 26 * 26);
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    format!(
        "DE{}{}{}",
        char::from(b'Q' + (n / 676) as u8),
        char::from(letters[n / 26 % 26]),
        char::from(letters[n % 26])
    )
}

/// Registers a new actor with `role` (signed by the fixture admin).
async fn enrol(env: &Env, role: Role) -> Actor {
    let actor = Actor {
        id: Uuid::new_v4(),
        key: fresh_key(),
        role,
    };
    env.ok(
        &env.admin,
        Kind::ActorRegistered,
        None,
        env.actor_data(&actor, role),
    )
    .await;
    actor
}

/// Someone who can take custody from `signer` in a hand-over (never the signer).
fn recipient(env: &Env, signer: &Actor) -> Uuid {
    let recycler = env.actor(Recycler);
    if recycler.id == signer.id {
        env.actor(Collector).id
    } else {
        recycler.id
    }
}

/// Prepares everything `what` needs to be legal (a product in the right state, held by
/// `holder` when collected, in transit to `holder` from someone else when `in_transit`; a
/// registry target) and answers the product and valid `data`.
async fn prepare(env: &Env, what: What, signer: &Actor, holder: &Actor) -> Prepared {
    let serial = format!("AZ{}", next());
    let state = EXPECTED
        .iter()
        .find(|(w, ..)| *w == what)
        .and_then(|(_, state, ..)| *state);
    // A container's only child: a product and its head.
    let mut child = None;
    // The head of a subject that is not a product (the API serves products' heads only).
    let mut head = None;
    let product = match (what, state) {
        (What::Labelled, _) => Some(labelled(&serial)),
        (What::Intake, _) => Some(Uuid::new_v4()),
        (_, Some("manufactured")) => Some(env.register(&serial).await),
        (_, Some("in_use")) => Some(env.in_use(&serial).await),
        (_, Some("collected")) => {
            let collector = env.actor(Collector);
            let id = env.collected_by(&serial, &collector).await;
            if holder.id != collector.id {
                env.hand_over(id, &collector, holder).await;
            }
            Some(id)
        }
        (_, Some("in_transit")) => {
            let (collector, recycler) = (env.actor(Collector), env.actor(Recycler));
            let sender = if holder.id == recycler.id {
                collector
            } else {
                recycler
            };
            let id = env.collected_by(&serial, &sender).await;
            env.send(id, &sender, holder).await;
            Some(id)
        }
        (_, Some("new_lot")) => Some(Uuid::new_v4()),
        (_, Some(state @ ("loose" | "packed"))) => {
            let collector = env.actor(Collector);
            let id = env.collected_by(&serial, &collector).await;
            if holder.id != collector.id {
                env.hand_over(id, &collector, holder).await;
            }
            let container = Uuid::new_v4();
            child = Some((id, env.head(id).await));
            if state == "packed" {
                let packing = env
                    .draft(holder, Kind::Packed, Some(container), children(child))
                    .await;
                let envelope = sign_value(about(&packing, "container", None), &holder.key);
                let receipt = accepted(env, "packing the fixture", &envelope).await;
                let leaf = Hash32::from_hex(receipt["leaf_hash"].as_str().expect("leaf"));
                head = leaf;
                child = leaf.map(|leaf| (id, leaf));
            }
            Some(container)
        }
        (_, Some(other)) => panic!("no fixture for state {other}"),
        (_, None) => None,
    };
    let data = match what {
        What::Labelled => registered_data(&serial),
        What::Intake => json!({"unu_key": "0302", "weight_g": 8000, "intake": true}),
        What::Kind(kind) => match kind {
            Kind::PlacedOnMarket | Kind::Resold => json!({}),
            Kind::Repaired => json!({"description": "display", "parts_replaced": ["display"]}),
            Kind::Collected => json!({"channel": "municipal", "weight_g": 190}),
            Kind::HandedOver => json!({"to": recipient(env, signer), "document": "CMR-7"}),
            Kind::Received => json!({"weight_g": 185, "discrepancy": "scuffed casing"}),
            Kind::ReceiptRefused => json!({"reason": "not announced"}),
            Kind::PreparedForReuse => json!({"grade": "A"}),
            Kind::Depolluted => {
                json!({"components": [{"component": "battery:li-ion", "mass_g": 20}]})
            }
            Kind::Recycled => {
                json!({"operation": "R4", "fractions": [{"material": "steel", "mass_g": 20}]})
            }
            Kind::Disposed => json!({"operation": "D1"}),
            Kind::Exported => json!({"country": "GH", "basel_entry": "A1181",
                                     "notification": "DE-1", "operation": "R4"}),
            Kind::ActorRegistered => {
                let key = fresh_key();
                json!({"actor": Uuid::new_v4(), "org": "New GmbH", "name": "new device",
                       "roles": ["manufacturer"], "public_key": crate::support::public_key_b64(&key),
                       "city": CITY})
            }
            Kind::ActorKeyRotated => {
                let target = enrol(env, Manufacturer).await;
                json!({"actor": target.id, "public_key": crate::support::public_key_b64(&fresh_key())})
            }
            Kind::ActorRevoked => {
                let target = enrol(env, Manufacturer).await;
                json!({"actor": target.id, "reason": "device lost"})
            }
            Kind::CityRegistered => json!({"locode": fresh_locode(), "name": "Somewhere",
                                           "country": "DE", "population": 10_000,
                                           "population_year": 2023}),
            Kind::PomBaseline => {
                json!({"locode": CITY, "year": 2021, "unu_key": "0303", "mass_g": 5000})
            }
            Kind::LotCollected => json!({"unu_key": "0306", "mass_g": 25_000,
                                         "channel": "municipal", "units": 110}),
            Kind::Packed | Kind::Unpacked => children(child),
            Kind::Registered => unreachable!("registrations are Labelled or Intake"),
            Kind::ErrorDeclared => {
                unreachable!("{kind} is not in this matrix (tests/it/custody.rs)")
            }
        },
    };
    Prepared {
        subject: product,
        data,
        head,
    }
}

/// What [`prepare`] made: the subject, valid data, and the head of a subject other than a
/// product.
struct Prepared {
    subject: Option<Uuid>,
    data: Value,
    head: Option<Hash32>,
}

/// `data.children` listing one product at its head.
fn children(child: Option<(Uuid, Hash32)>) -> Value {
    let (product, head) = child.expect("a fixture product");
    json!({"children": [{"product": product, "prev": head.to_hex()}]})
}

/// The top-level member that names the subject of `kind`'s events.
fn member(kind: Kind) -> &'static str {
    kind.subject_kinds()
        .first()
        .map_or("product", |k| k.as_str())
}

/// A draft of `what` by `signer`, legal in every respect, with the product held by `holder`.
async fn case_held_by(env: &Env, what: What, signer: &Actor, holder: &Actor) -> Draft {
    let prepared = prepare(env, what, signer, holder).await;
    let mut draft = env
        .draft(signer, what.kind(), prepared.subject, prepared.data)
        .await;
    if member(what.kind()) != "product" {
        draft.prev = prepared.head;
    }
    draft
}

/// [`case_held_by`] with the signer as the holder (or receiver) when its role can hold a
/// product. A manufacturer, regulator or admin can never become a custodian (nobody may hand
/// waste to them), so for a custody kind the fixture collector holds (or receives) the product:
/// the contract refuses them the kind by role whoever holds it.
async fn case(env: &Env, what: What, signer: &Actor) -> Draft {
    let holder = if can_hold(signer.role) {
        signer.clone()
    } else {
        env.actor(Collector)
    };
    case_held_by(env, what, signer, &holder).await
}

/// The signed envelope, its subject in the member its kind names (`product`, `lot`, `container`).
fn sign(draft: &Draft, key: &SigningKey) -> Value {
    match member(draft.kind) {
        "product" => draft.sign(key).expect("sign"),
        other => sign_value(about(draft, other, draft.prev), key),
    }
}

/// Posts `envelope`, which must be accepted (201) as the next entry of the log.
async fn accepted(env: &Env, cell: &str, envelope: &Value) -> Value {
    let size = env.log_size().await;
    let (status, body) = env.post(envelope).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{cell}: expected 201, got {status}: {body}"
    );
    assert_eq!(body["seq"], size, "{cell}: {body}");
    assert_eq!(env.log_size().await, size + 1, "{cell}: {body}");
    body
}

/// Posts `envelope`, which must be refused with `status` and problem `code`, leaving the log
/// and the product's head as they were.
async fn refused(env: &Env, cell: &str, envelope: &Value, status: StatusCode, code: &str) -> Value {
    let product = envelope["event"]["product"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok());
    let size = env.log_size().await;
    let head = match product {
        Some(id) => env.product(id).await.map(|p| p["head"].clone()),
        None => None,
    };
    let (got, body) = env.post(envelope).await;
    let expected_type = format!("urn:ewaste-ledger:problem:{code}");
    assert_eq!(
        (got, body["type"].as_str()),
        (status, Some(expected_type.as_str())),
        "{cell}: expected {status} {code}, got {got}: {body}"
    );
    assert_eq!(body["status"], status.as_u16(), "{cell}: {body}");
    assert_eq!(
        env.log_size().await,
        size,
        "{cell}: a refused event changed the log: {body}"
    );
    if let Some(id) = product {
        let after = env.product(id).await.map(|p| p["head"].clone());
        assert_eq!(
            after, head,
            "{cell}: a refused event changed the product: {body}"
        );
    }
    body
}

fn sorted(mut roles: Vec<Role>) -> Vec<Role> {
    roles.sort();
    roles
}

db_test!(
    /// The whole matrix: 22 rows (21 kinds, `registered` in its two forms) × 7 roles.
    async fn every_kind_signed_by_every_role_follows_the_contract(db: TestDb) {
        let env = setup(db).await;
        // The table covers every kind and every role the code knows, but those about lots,
        // containers and corrections (see the top of this file).
        let elsewhere = [Kind::ErrorDeclared];
        for kind in Kind::ALL
            .iter()
            .chain(KINDS.iter())
            .filter(|k| !elsewhere.contains(k))
        {
            assert!(
                EXPECTED.iter().any(|(what, ..)| what.kind() == *kind),
                "{kind} is missing from the table"
            );
        }
        assert_eq!(sorted(COLUMNS.to_vec()), sorted(Role::ALL.to_vec()));

        let (mut accepted_count, mut refused_count) = (0, 0);
        for (what, ..) in EXPECTED {
            let allowed_roles = allowed(what);
            for role in COLUMNS {
                let cell = format!("{what} signed by {role}");
                let signer = env.actor(role);
                let draft = case(&env, what, &signer).await;
                let envelope = sign(&draft, &signer.key);
                if allowed_roles.contains(&role) {
                    accepted(&env, &cell, &envelope).await;
                    accepted_count += 1;
                } else {
                    let body = refused(
                        &env,
                        &cell,
                        &envelope,
                        StatusCode::FORBIDDEN,
                        "role-not-allowed",
                    )
                    .await;
                    assert_eq!(body["actor"], json!(signer.id), "{cell}: {body}");
                    assert_eq!(body["kind"], what.kind().as_str(), "{cell}: {body}");
                    let named: Vec<Role> = serde_json::from_value(body["allowed"].clone())
                        .unwrap_or_else(|e| {
                            panic!("{cell}: `allowed` is not a role list ({e}): {body}")
                        });
                    assert_eq!(
                        sorted(named),
                        sorted(allowed_roles.clone()),
                        "{cell}: the problem names other allowed roles than the contract: {body}"
                    );
                    refused_count += 1;
                }
            }
        }
        assert_eq!((accepted_count, refused_count), (45, 109));
        assert_eq!(accepted_cells().len(), 45);
    }
);

db_test!(
    /// A revoked actor can sign nothing it was allowed to sign: 403 `actor-revoked`.
    async fn a_revoked_actor_is_refused_for_every_kind_it_may_sign(db: TestDb) {
        let env = setup(db).await;
        for (what, role) in accepted_cells() {
            let cell = format!("{what} signed by a revoked {role}");
            let signer = enrol(&env, role).await;
            let draft = case(&env, what, &signer).await;
            env.ok(
                &env.admin,
                Kind::ActorRevoked,
                None,
                json!({"actor": signer.id, "reason": "device stolen"}),
            )
            .await;
            let body = refused(
                &env,
                &cell,
                &sign(&draft, &signer.key),
                StatusCode::FORBIDDEN,
                "actor-revoked",
            )
            .await;
            assert_eq!(body["actor"], json!(signer.id), "{cell}: {body}");
        }
    }
);

db_test!(
    /// After a key rotation the old key signs nothing (403 `bad-signature`) and the new key
    /// signs what the role allows.
    async fn after_a_rotation_only_the_new_key_signs(db: TestDb) {
        let env = setup(db).await;
        for (what, role) in accepted_cells() {
            let cell = format!("{what} signed by a {role} whose key was rotated");
            let mut signer = enrol(&env, role).await;
            let draft = case(&env, what, &signer).await;
            let new_key = fresh_key();
            env.ok(
                &env.admin,
                Kind::ActorKeyRotated,
                None,
                json!({"actor": signer.id, "public_key": crate::support::public_key_b64(&new_key)}),
            )
            .await;
            let body = refused(
                &env,
                &format!("{cell}, with the old key"),
                &sign(&draft, &signer.key),
                StatusCode::FORBIDDEN,
                "bad-signature",
            )
            .await;
            assert_eq!(body["actor"], json!(signer.id), "{cell}: {body}");
            signer.key = new_key;
            accepted(
                &env,
                &format!("{cell}, with the new key"),
                &sign(&draft, &signer.key),
            )
            .await;
        }
    }
);

db_test!(
    /// A custody kind signed by an actor with the right role who does not hold the product:
    /// 403 `not-custodian`; the holder (same role) may sign the same event.
    async fn a_non_custodian_with_the_right_role_is_refused(db: TestDb) {
        let env = setup(db).await;
        let mut checked = 0;
        for (what, role) in accepted_cells()
            .into_iter()
            .filter(|(what, _)| is_custody_kind(*what))
        {
            let cell = format!("{what} signed by a {role} that is not the custodian");
            let signer = env.actor(role);
            let holder = enrol(&env, role).await;
            let draft = case_held_by(&env, what, &signer, &holder).await;
            let body = refused(
                &env,
                &cell,
                &sign(&draft, &signer.key),
                StatusCode::FORBIDDEN,
                "not-custodian",
            )
            .await;
            assert_eq!(body["actor"], json!(signer.id), "{cell}: {body}");
            assert_eq!(body["custodian"], json!(holder.id), "{cell}: {body}");
            // The custodian itself may record it.
            let mut by_holder = draft.clone();
            by_holder.id = Uuid::new_v4();
            by_holder.actor = holder.id;
            accepted(
                &env,
                &format!("{what} signed by the custodian {role}"),
                &sign(&by_holder, &holder.key),
            )
            .await;
            checked += 1;
        }
        // handed_over ×4, prepared_for_reuse, depolluted, recycled, disposed ×2, exported ×2,
        // packed ×4, unpacked ×4.
        assert_eq!(checked, 19);
    }
);

db_test!(
    /// An answer to a hand-over signed by an actor with the right role to whom the product is
    /// not in transit: 403 `not-receiver`; the receiver (same role) may sign the same event.
    async fn a_non_receiver_with_the_right_role_is_refused(db: TestDb) {
        let env = setup(db).await;
        let mut checked = 0;
        for (what, role) in accepted_cells()
            .into_iter()
            .filter(|(what, _)| is_receiver_kind(*what))
        {
            let cell = format!("{what} signed by a {role} the product is not in transit to");
            let signer = env.actor(role);
            let receiver = enrol(&env, role).await;
            let draft = case_held_by(&env, what, &signer, &receiver).await;
            let body = refused(
                &env,
                &cell,
                &sign(&draft, &signer.key),
                StatusCode::FORBIDDEN,
                "not-receiver",
            )
            .await;
            assert_eq!(body["actor"], json!(signer.id), "{cell}: {body}");
            assert_eq!(body["to"], json!(receiver.id), "{cell}: {body}");
            let mut by_receiver = draft.clone();
            by_receiver.id = Uuid::new_v4();
            by_receiver.actor = receiver.id;
            accepted(
                &env,
                &format!("{what} signed by the receiver {role}"),
                &sign(&by_receiver, &receiver.key),
            )
            .await;
            checked += 1;
        }
        // received ×4, receipt_refused ×4.
        assert_eq!(checked, 8);
    }
);

db_test!(
    /// A signature by another registered actor's key, and a signature over other bytes (the
    /// event changed after signing), are 403 `bad-signature`; the genuine event is accepted.
    async fn signatures_must_be_the_signers_over_these_bytes(db: TestDb) {
        let env = setup(db).await;
        for (what, role) in accepted_cells() {
            let signer = env.actor(role);
            let draft = case(&env, what, &signer).await;
            let other = env.actor(if role == Regulator {
                Manufacturer
            } else {
                Regulator
            });
            refused(
                &env,
                &format!("{what} by {role}, signed with the {}'s key", other.role),
                &sign(&draft, &other.key),
                StatusCode::FORBIDDEN,
                "bad-signature",
            )
            .await;

            let genuine = sign(&draft, &signer.key);
            let mut later = genuine.clone();
            later["event"]["occurred_at"] = json!(format_timestamp(
                chrono::Utc::now() - chrono::Duration::seconds(1)
            ));
            assert_ne!(
                later["event"]["occurred_at"],
                genuine["event"]["occurred_at"]
            );
            let mut other_id = genuine.clone();
            other_id["event"]["id"] = json!(Uuid::new_v4());
            for (field, tampered) in [("occurred_at", later), ("id", other_id)] {
                refused(
                    &env,
                    &format!("{what} by {role}, `{field}` changed after signing"),
                    &tampered,
                    StatusCode::FORBIDDEN,
                    "bad-signature",
                )
                .await;
            }
            accepted(&env, &format!("{what} by {role}, as signed"), &genuine).await;
        }
    }
);

db_test!(
    /// The identical signed event again answers 200 with the original receipt; another event
    /// with the same id is 409 `duplicate-event-id`; neither changes the log.
    async fn replays_answer_the_receipt_and_reused_ids_conflict(db: TestDb) {
        let env = setup(db).await;
        for (what, role) in accepted_cells() {
            let cell = format!("{what} by {role}");
            let signer = env.actor(role);
            let draft = case(&env, what, &signer).await;
            let envelope = sign(&draft, &signer.key);
            let receipt = accepted(&env, &cell, &envelope).await;

            let size = env.log_size().await;
            let (status, replay) = env.post(&envelope).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{cell}, replayed: expected 200, got {status}: {replay}"
            );
            assert_eq!(
                replay, receipt,
                "{cell}, replayed: not the original receipt"
            );
            assert_eq!(env.log_size().await, size, "{cell}, replayed: the log grew");

            let mut changed = draft.clone();
            changed.occurred_at = now_minus_minute();
            if changed.occurred_at == draft.occurred_at {
                changed.occurred_at = format_timestamp(chrono::Utc::now());
            }
            let body = refused(
                &env,
                &format!("{cell}, same id with other content"),
                &sign(&changed, &signer.key),
                StatusCode::CONFLICT,
                "duplicate-event-id",
            )
            .await;
            assert_eq!(body["id"], json!(draft.id), "{cell}: {body}");
            assert_eq!(body["seq"], receipt["seq"], "{cell}: {body}");
        }
    }
);

db_test!(
    /// An event dated beyond the clock-skew allowance (5 minutes) is 422
    /// `event-from-future`; the same event dated now is accepted.
    async fn events_from_beyond_the_clock_skew_are_refused(db: TestDb) {
        let env = setup(db).await;
        for (what, role) in accepted_cells() {
            let cell = format!("{what} by {role}");
            let signer = env.actor(role);
            let mut draft = case(&env, what, &signer).await;
            let now = draft.occurred_at.clone();
            draft.occurred_at =
                format_timestamp(chrono::Utc::now() + chrono::Duration::seconds(6 * 60));
            let body = refused(
                &env,
                &format!("{cell}, dated 6 minutes ahead"),
                &sign(&draft, &signer.key),
                StatusCode::UNPROCESSABLE_ENTITY,
                "event-from-future",
            )
            .await;
            assert_eq!(
                body["occurred_at"],
                json!(draft.occurred_at),
                "{cell}: {body}"
            );
            draft.occurred_at = now;
            accepted(
                &env,
                &format!("{cell}, dated now"),
                &sign(&draft, &signer.key),
            )
            .await;
        }
    }
);
