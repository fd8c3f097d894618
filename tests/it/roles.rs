//! The role matrix of docs/lifecycle.md, written out from the spec (not from the code): every
//! role allowed for a kind is accepted, every other role gets 403 `role-not-allowed`, with the
//! product already in a state the kind accepts so that the role is what fails.

use crate::support::{db_test, registered_data, setup, Actor, Env, TestDb, CITY};
use actix_web::http::StatusCode;
use ewaste_ledger::domain::kinds::{Kind, Role};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use uuid::Uuid;

use Role::{Admin, Collector, Manufacturer, Recycler, Regulator, Repairer, Retailer};

/// Product kinds after registration: who may sign, and a state the kind accepts.
const PRODUCT_KINDS: [(Kind, &[Role], &str); 10] = [
    (
        Kind::PlacedOnMarket,
        &[Manufacturer, Retailer],
        "manufactured",
    ),
    (Kind::Resold, &[Retailer, Repairer], "in_use"),
    (Kind::Repaired, &[Repairer], "in_use"),
    (Kind::Collected, &[Collector, Recycler, Retailer], "in_use"),
    (
        Kind::HandedOver,
        &[Collector, Recycler, Repairer, Retailer],
        "collected",
    ),
    (Kind::PreparedForReuse, &[Repairer], "collected"),
    (Kind::Depolluted, &[Recycler], "collected"),
    (Kind::Recycled, &[Recycler], "collected"),
    (Kind::Disposed, &[Recycler, Collector], "collected"),
    (Kind::Exported, &[Collector, Recycler], "collected"),
];

const REGISTRY_KINDS: [Kind; 5] = [
    Kind::ActorRegistered,
    Kind::ActorKeyRotated,
    Kind::ActorRevoked,
    Kind::CityRegistered,
    Kind::PomBaseline,
];

static SERIALS: AtomicU32 = AtomicU32::new(0);

fn fresh_serial() -> String {
    format!("R{}", SERIALS.fetch_add(1, Ordering::Relaxed))
}

/// Valid `data` for a kind signed by `signer` (hand-overs go to someone else who can hold waste).
fn data_for(env: &Env, kind: Kind, signer: Role) -> Value {
    match kind {
        Kind::HandedOver => {
            let to = if signer == Recycler {
                Collector
            } else {
                Recycler
            };
            json!({"to": env.actor(to).id})
        }
        Kind::Depolluted => json!({"components": [{"component": "battery", "mass_g": 20}]}),
        Kind::Recycled => {
            json!({"operation": "R4", "fractions": [{"material": "steel", "mass_g": 20}]})
        }
        Kind::Disposed => json!({"operation": "D1"}),
        Kind::Exported => {
            json!({"country": "GH", "basel_entry": "A1181", "notification": "DE-1", "operation": "R4"})
        }
        Kind::ActorRegistered => {
            let fresh = Actor::new(
                200 + (SERIALS.fetch_add(1, Ordering::Relaxed) % 50) as u8,
                Manufacturer,
            );
            json!({"actor": Uuid::new_v4(), "org": "New", "name": "new", "roles": ["manufacturer"],
                   "public_key": fresh.public_key()})
        }
        Kind::ActorKeyRotated => json!({"actor": env.actor(Regulator).id,
                                         "public_key": Actor::new(250, Regulator).public_key()}),
        Kind::ActorRevoked => json!({"actor": env.actor(Regulator).id}),
        Kind::CityRegistered => json!({"locode": "KENBO", "name": "Nairobi", "country": "KE",
                                        "population": 4_397_073, "population_year": 2019}),
        Kind::PomBaseline => {
            json!({"locode": CITY, "year": 2021, "unu_key": "0303", "mass_g": 5000})
        }
        _ => json!({}),
    }
}

/// A fresh product in `state`; when collected, held by `custodian` (collected by the collector,
/// then handed over).
async fn product_in(env: &Env, state: &str, custodian: Role) -> Uuid {
    let serial = fresh_serial();
    match state {
        "manufactured" => env.register(&serial).await,
        "in_use" => env.in_use(&serial).await,
        "collected" => {
            let collector = env.actor(Collector);
            let id = env.collected_by(&serial, &collector).await;
            if custodian != Collector {
                env.hand_over(id, &collector, &env.actor(custodian)).await;
            }
            id
        }
        other => panic!("no fixture for {other}"),
    }
}

async fn refuse_role(
    env: &Env,
    actor: &Actor,
    kind: Kind,
    product: Option<Uuid>,
    data: Value,
    allowed: &[Role],
) {
    let body = env
        .reject(
            actor,
            kind,
            product,
            data,
            StatusCode::FORBIDDEN,
            "role-not-allowed",
        )
        .await;
    assert_eq!(body["actor"], json!(actor.id), "{body}");
    assert_eq!(body["kind"], kind.as_str(), "{body}");
    assert_eq!(body["roles"], json!([actor.role]), "{body}");
    let mut named: Vec<Role> =
        serde_json::from_value(body["allowed"].clone()).expect("allowed roles");
    let mut expected = allowed.to_vec();
    named.sort();
    expected.sort();
    assert_eq!(named, expected, "{kind}: {body}");
}

db_test!(
    async fn roles_not_allowed_are_refused_for_every_kind(db: TestDb) {
        let env = setup(db).await;
        let mut refused = 0;
        for (kind, allowed, state) in PRODUCT_KINDS {
            let product = product_in(&env, state, Collector).await;
            for role in Role::ALL.iter().filter(|r| !allowed.contains(r)) {
                let data = data_for(&env, kind, *role);
                refuse_role(&env, &env.actor(*role), kind, Some(product), data, allowed).await;
                refused += 1;
            }
            assert_eq!(env.state(product).await, state, "{kind}");
        }
        // Labelled registration: manufacturers only; unlabelled intake: collectors and recyclers.
        for role in [Admin, Retailer, Repairer, Collector, Recycler, Regulator] {
            let serial = fresh_serial();
            let id = crate::support::labelled(&serial);
            refuse_role(
                &env,
                &env.actor(role),
                Kind::Registered,
                Some(id),
                registered_data(&serial),
                &[Manufacturer],
            )
            .await;
            refused += 1;
        }
        for role in [Admin, Manufacturer, Retailer, Repairer, Regulator] {
            let data = json!({"unu_key": "0302", "weight_g": 8000, "intake": true});
            refuse_role(
                &env,
                &env.actor(role),
                Kind::Registered,
                Some(Uuid::new_v4()),
                data,
                &[Collector, Recycler],
            )
            .await;
            refused += 1;
        }
        for kind in REGISTRY_KINDS {
            for role in Role::ALL.iter().filter(|r| **r != Admin) {
                let data = data_for(&env, kind, *role);
                refuse_role(&env, &env.actor(*role), kind, None, data, &[Admin]).await;
                refused += 1;
            }
        }
        // 10 product kinds x their non-allowed roles, 6 + 5 registrations, 5 x 6 registry.
        assert_eq!(refused, 51 + 11 + 30);
    }
);

db_test!(
    async fn every_allowed_role_is_accepted(db: TestDb) {
        let env = setup(db).await;
        for (kind, allowed, state) in PRODUCT_KINDS {
            for role in allowed {
                let product = product_in(&env, state, *role).await;
                let data = data_for(&env, kind, *role);
                env.ok(&env.actor(*role), kind, Some(product), data).await;
            }
        }
        let serial = fresh_serial();
        env.ok(
            &env.actor(Manufacturer),
            Kind::Registered,
            Some(crate::support::labelled(&serial)),
            registered_data(&serial),
        )
        .await;
        for role in [Collector, Recycler] {
            let data = json!({"unu_key": "0302", "weight_g": 8000, "intake": true});
            env.ok(
                &env.actor(role),
                Kind::Registered,
                Some(Uuid::new_v4()),
                data,
            )
            .await;
        }
        for kind in REGISTRY_KINDS {
            let data = data_for(&env, kind, Admin);
            env.ok(&env.admin, kind, None, data).await;
        }
        // The regulator may sign nothing; it was revoked by the last registry event above.
        let (_, regulator) = env
            .get(&format!("/v1/actors/{}", env.actor(Regulator).id))
            .await;
        assert_eq!(regulator["revoked"], true);
    }
);
