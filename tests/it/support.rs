//! Shared test machinery: a fresh database per test on both backends, the app exactly as the
//! server builds it, deterministic actors and helpers that sign, post and read through HTTP.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use ed25519_dalek::SigningKey;
use ewaste_ledger::config::Limits;
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::event::format_timestamp;
use ewaste_ledger::domain::gtin::Gtin14;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::identifiers;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::serial::Serial;
use ewaste_ledger::http::{routes, AppState};
use ewaste_ledger::ledger::{Ledger, LedgerSettings, LogIdentity};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use uuid::Uuid;

pub(crate) use crate::db::db_test;
pub use crate::db::TestDb;

/// The GTIN used for labelled test products (valid check digit).
pub const GTIN: &str = "09506000134352";
/// The city every fixture registers.
pub const CITY: &str = "DEBER";

/// A signing identity with a deterministic key.
#[derive(Clone)]
pub struct Actor {
    pub id: Uuid,
    pub key: SigningKey,
    pub role: Role,
}

impl Actor {
    pub fn new(seed: u8, role: Role) -> Actor {
        Actor {
            id: Uuid::from_u128(0xacc0_0000_0000_4000_8000_0000_0000_0000 | u128::from(seed)),
            key: SigningKey::from_bytes(&[seed; 32]),
            role,
        }
    }

    pub fn public_key(&self) -> String {
        public_key_b64(&self.key)
    }
}

pub fn public_key_b64(key: &SigningKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes())
}

/// The roles a product actor can have, each given to one fixture actor.
pub const ROLES: [Role; 6] = [
    Role::Manufacturer,
    Role::Retailer,
    Role::Repairer,
    Role::Collector,
    Role::Recycler,
    Role::Regulator,
];

/// `occurred_at` of the fixtures' registry events: admins may date those in the past
/// (docs/ledger-format.md §1), and nothing an actor signs may precede its registration, so the fixture
/// actors exist early enough for every dated history the tests record.
pub const REGISTRY_AT: &str = "2000-01-01T00:00:00Z";

/// `occurred_at` one minute ago: recent, never in the future.
pub fn now_minus_minute() -> String {
    format_timestamp(chrono::Utc::now() - chrono::Duration::minutes(1))
}

/// The product id of a labelled product with our GTIN.
pub fn labelled(serial: &str) -> Uuid {
    identifiers::product_id(
        &Gtin14::parse(GTIN).expect("valid GTIN"),
        &Serial::parse(serial).expect("valid serial"),
    )
}

/// `data` of a labelled `registered` event.
pub fn registered_data(serial: &str) -> Value {
    json!({"unu_key": "0306", "weight_g": 180, "gtin": GTIN, "serial": serial,
           "brand": "Fairphone", "model": "FP5", "hazards": ["battery:li-ion"]})
}

/// A signed submission of an arbitrary event object. When the object cannot be signed (it
/// holds something JCS refuses) the signature is zeros: the shape check refuses it first.
pub fn sign_value(event: Value, key: &SigningKey) -> Value {
    ewaste_ledger::domain::signing::sign_envelope(event.clone(), key).unwrap_or_else(|_| {
        use base64::Engine;
        json!({"event": event, "sig": base64::engine::general_purpose::STANDARD.encode([0u8; 64])})
    })
}

/// Sends one request through the app and answers its response.
type Caller = Box<dyn Fn(TestRequest) -> Pin<Box<dyn Future<Output = ServiceResponse>>>>;

/// The app as the server builds it, over a fresh database, plus the fixture actors.
pub struct Env {
    svc: Caller,
    /// The ledger behind the app, for what the HTTP API does not offer (a statistics rebuild).
    pub ledger: Ledger,
    pub admin: Actor,
    pub actors: Vec<Actor>,
    pub db: TestDb,
}

/// The origin of the test log's checkpoints.
pub const ORIGIN: &str = "ledger.test/log";

/// The test log's signing key.
pub fn log_signing_key() -> SigningKey {
    SigningKey::from_bytes(&[0x10; 32])
}

/// Opens the ledger over `db` as the test log.
pub fn open_ledger(db: &TestDb) -> Ledger {
    let log = LogIdentity {
        origin: ORIGIN.into(),
        key: log_signing_key(),
        origin_explicit: true,
    };
    Ledger::open(&db.target, &LedgerSettings::default(), log).expect("open the ledger")
}

/// Builds the app over `db` without writing anything.
pub async fn empty(db: TestDb) -> Env {
    empty_with(db, Limits::default()).await
}

/// [`empty`] with other request limits.
pub async fn empty_with(db: TestDb, limits: Limits) -> Env {
    let ledger = open_ledger(&db);
    let state = AppState {
        ledger: ledger.clone(),
        public_url: "http://ledger.test".into(),
        limits,
    };
    let app = Rc::new(test::init_service(App::new().configure(routes(state))).await);
    let svc: Caller = Box::new(move |request: TestRequest| {
        let app = app.clone();
        Box::pin(async move { test::call_service(&*app, request.to_request()).await })
    });
    Env {
        svc,
        ledger,
        admin: Actor::new(1, Role::Admin),
        actors: ROLES
            .iter()
            .enumerate()
            .map(|(i, role)| Actor::new(10 + i as u8, *role))
            .collect(),
        db,
    }
}

/// Builds the app and writes the genesis, the city DEBER and one actor per role.
pub async fn setup(db: TestDb) -> Env {
    setup_with(db, Limits::default()).await
}

/// [`setup`] with other request limits.
pub async fn setup_with(db: TestDb, limits: Limits) -> Env {
    let env = empty_with(db, limits).await;
    register_fixtures(&env).await;
    env
}

/// Writes what [`setup`] adds to an empty ledger: the genesis (the first admin), the city
/// DEBER and one actor per role.
pub async fn register_fixtures(env: &Env) {
    let admin = env.admin.clone();
    env.ok(
        &admin,
        Kind::ActorRegistered,
        None,
        env.actor_data(&admin, Role::Admin),
    )
    .await;
    env.ok(
        &admin,
        Kind::CityRegistered,
        None,
        json!({"locode": CITY, "name": "Berlin", "country": "DE",
               "population": 3_755_251, "population_year": 2023}),
    )
    .await;
    for actor in env.actors.clone() {
        env.ok(
            &admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&actor, actor.role),
        )
        .await;
    }
}

impl Env {
    /// The fixture actor with this role.
    pub fn actor(&self, role: Role) -> Actor {
        if role == Role::Admin {
            return self.admin.clone();
        }
        self.actors
            .iter()
            .find(|a| a.role == role)
            .cloned()
            .expect("one fixture actor per role")
    }

    /// `data` of an `actor_registered` event for `actor`.
    pub fn actor_data(&self, actor: &Actor, role: Role) -> Value {
        json!({"actor": actor.id, "org": format!("{role} GmbH"), "name": format!("{role} device"),
               "roles": [role], "public_key": actor.public_key(), "city": CITY})
    }

    /// Sends a request; returns the status, the body's exact bytes and every header.
    pub async fn call_with_headers(
        &self,
        request: TestRequest,
    ) -> (StatusCode, Vec<u8>, actix_web::http::header::HeaderMap) {
        let response = (self.svc)(request).await;
        let (status, headers) = (response.status(), response.headers().clone());
        let body = test::read_body(response).await;
        (status, body.to_vec(), headers)
    }

    /// Sends a request; returns the status, the body's exact bytes and the content type.
    pub async fn call_raw(&self, request: TestRequest) -> (StatusCode, Vec<u8>, String) {
        let (status, body, headers) = self.call_with_headers(request).await;
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, body, content_type)
    }

    /// Sends a request; returns the status, the JSON body (Null when not JSON) and content type.
    /// Every problem read here, and every problem inside a batch answer, is checked for Rust
    /// debug formatting (`crate::wording`), so that each test that provokes a refusal checks
    /// its words too.
    pub async fn call(&self, request: TestRequest) -> (StatusCode, Value, String) {
        let (status, body, content_type) = self.call_raw(request).await;
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if content_type.starts_with("application/problem+json") || body.is_array() {
            crate::wording::assert_plain_body(&body);
        }
        (status, body, content_type)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, body, _) = self.call(TestRequest::get().uri(path)).await;
        (status, body)
    }

    /// POSTs a signed submission to `/v1/events`.
    pub async fn post(&self, envelope: &Value) -> (StatusCode, Value) {
        self.post_raw(envelope.to_string()).await
    }

    pub async fn post_raw(&self, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
        let request = TestRequest::post()
            .uri("/v1/events")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.into());
        let (status, body, content_type) = self.call(request).await;
        if !status.is_success() {
            assert_eq!(content_type, "application/problem+json", "{body}");
        }
        (status, body)
    }

    /// POSTs a batch; returns the status and the body.
    pub async fn batch(&self, items: &[Value], atomic: bool) -> (StatusCode, Value) {
        let uri = if atomic {
            "/v1/events/batch?atomic=true"
        } else {
            "/v1/events/batch"
        };
        let request = TestRequest::post()
            .uri(uri)
            .insert_header(("content-type", "application/json"))
            .set_payload(serde_json::to_vec(items).expect("serialise batch"));
        let (status, body, _) = self.call(request).await;
        (status, body)
    }

    /// `log_size` from `/healthz`.
    pub async fn log_size(&self) -> i64 {
        let (status, body) = self.get("/healthz").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["log_size"].as_i64().expect("log_size")
    }

    /// The product view, or None when it is not found.
    pub async fn product(&self, id: Uuid) -> Option<Value> {
        let (status, body) = self.get(&format!("/v1/products/{id}")).await;
        match status {
            StatusCode::OK => Some(body),
            StatusCode::NOT_FOUND => None,
            other => panic!("GET product answered {other}: {body}"),
        }
    }

    /// The leaf hash of a product's latest entry (what the next event's `prev` names).
    pub async fn head(&self, id: Uuid) -> Hash32 {
        let product = self.product(id).await.expect("product exists");
        Hash32::from_hex(product["head"]["leaf_hash"].as_str().expect("head hash"))
            .expect("head is hex")
    }

    pub async fn state(&self, id: Uuid) -> String {
        let product = self.product(id).await.expect("product exists");
        product["state"].as_str().expect("state").to_string()
    }

    /// A draft by `actor`: registry kinds without city/product/prev, dated [`REGISTRY_AT`];
    /// product kinds a minute ago in DEBER with `prev` = the product's current head (none for
    /// `registered`).
    pub async fn draft(
        &self,
        actor: &Actor,
        kind: Kind,
        product: Option<Uuid>,
        data: Value,
    ) -> Draft {
        let at = if kind.is_subject_kind() {
            now_minus_minute()
        } else {
            REGISTRY_AT.to_string()
        };
        let mut draft = Draft::registry(Uuid::new_v4(), kind, actor.id, &at, data);
        if let Some(product) = product {
            draft.city = Some(CITY.into());
            draft.product = Some(product);
            if kind != Kind::Registered {
                draft.prev = Some(match self.product(product).await {
                    Some(view) => Hash32::from_hex(view["head"]["leaf_hash"].as_str().unwrap())
                        .expect("hex head"),
                    None => Hash32::sha256(b"no such product"),
                });
            }
        }
        draft
    }

    /// The fixture manufacturer's `registered` draft for a labelled product with `serial`.
    pub async fn registration(&self, serial: &str) -> Draft {
        let maker = self.actor(Role::Manufacturer);
        self.draft(
            &maker,
            Kind::Registered,
            Some(labelled(serial)),
            registered_data(serial),
        )
        .await
    }

    /// The same, signed by the manufacturer.
    pub async fn signed_registration(&self, serial: &str) -> Value {
        let maker = self.actor(Role::Manufacturer);
        self.registration(serial)
            .await
            .sign(&maker.key)
            .expect("sign")
    }

    /// Builds, signs and posts one event.
    pub async fn submit(
        &self,
        actor: &Actor,
        kind: Kind,
        product: Option<Uuid>,
        data: Value,
    ) -> (StatusCode, Value) {
        let draft = self.draft(actor, kind, product, data).await;
        self.post(&draft.sign(&actor.key).expect("sign")).await
    }

    /// Posts an event that must be accepted (201); returns the receipt.
    pub async fn ok(&self, actor: &Actor, kind: Kind, product: Option<Uuid>, data: Value) -> Value {
        let (status, body) = self.submit(actor, kind, product, data).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{kind} by {}: {body}",
            actor.role
        );
        assert!(
            body["seq"].is_i64() && body["leaf_hash"].is_string(),
            "{body}"
        );
        body
    }

    /// Posts an event that must be accepted, recorded as happening at `occurred_at` in `city`.
    pub async fn ok_at(
        &self,
        actor: &Actor,
        kind: Kind,
        product: Uuid,
        (city, occurred_at): (&str, &str),
        data: Value,
    ) -> Value {
        let mut draft = self.draft(actor, kind, Some(product), data).await;
        draft.city = Some(city.into());
        draft.occurred_at = occurred_at.into();
        let (status, body) = self.post(&draft.sign(&actor.key).expect("sign")).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{kind} by {}: {body}",
            actor.role
        );
        body
    }

    /// Posts `envelope`, expects a problem of this status and code, and checks that nothing
    /// changed: the log size and (when given) the product's head.
    pub async fn refused(
        &self,
        envelope: &Value,
        status: StatusCode,
        code: &str,
        product: Option<Uuid>,
    ) -> Value {
        let size = self.log_size().await;
        let head = match product {
            Some(id) => self.product(id).await.map(|p| p["head"].clone()),
            None => None,
        };
        let (got, body) = self.post(envelope).await;
        assert_problem(&body, got, status, code);
        assert_eq!(
            self.log_size().await,
            size,
            "a refused event changed the log: {body}"
        );
        if let Some(id) = product {
            let after = self.product(id).await.map(|p| p["head"].clone());
            assert_eq!(after, head, "a refused event changed the product: {body}");
        }
        body
    }

    /// Builds, signs and posts an event that must be refused with this status and code.
    pub async fn reject(
        &self,
        actor: &Actor,
        kind: Kind,
        product: Option<Uuid>,
        data: Value,
        status: StatusCode,
        code: &str,
    ) -> Value {
        let draft = self.draft(actor, kind, product, data).await;
        self.refused(
            &draft.sign(&actor.key).expect("sign"),
            status,
            code,
            product,
        )
        .await
    }

    /// Registers a labelled product (manufacturer) and returns its id.
    pub async fn register(&self, serial: &str) -> Uuid {
        let id = labelled(serial);
        let maker = self.actor(Role::Manufacturer);
        self.ok(&maker, Kind::Registered, Some(id), registered_data(serial))
            .await;
        id
    }

    /// Registers a product and sells it (state `in_use`).
    pub async fn in_use(&self, serial: &str) -> Uuid {
        let id = self.register(serial).await;
        self.ok(
            &self.actor(Role::Retailer),
            Kind::PlacedOnMarket,
            Some(id),
            json!({}),
        )
        .await;
        id
    }

    /// A product in use, collected by `collector` (state `collected`, custodian `collector`).
    pub async fn collected_by(&self, serial: &str, collector: &Actor) -> Uuid {
        let id = self.in_use(serial).await;
        self.ok(
            collector,
            Kind::Collected,
            Some(id),
            json!({"channel": "municipal"}),
        )
        .await;
        id
    }

    /// Hands a collected product from its custodian `from` to `to`, who receives it: two
    /// entries, after which `to` is the custodian (docs/lifecycle.md §8.3).
    pub async fn hand_over(&self, id: Uuid, from: &Actor, to: &Actor) {
        self.send(id, from, to).await;
        self.ok(to, Kind::Received, Some(id), json!({})).await;
    }

    /// Only the `handed_over`: the product is in transit to `to`, `from` stays custodian.
    pub async fn send(&self, id: Uuid, from: &Actor, to: &Actor) {
        self.ok(
            from,
            Kind::HandedOver,
            Some(id),
            json!({"to": to.id, "document": "CMR-1"}),
        )
        .await;
    }
}

/// The draft's event about a subject of another kind: `member` (`lot`, `container`) names it
/// instead of `product`, with `prev` its head (none when the event creates it).
pub fn about(draft: &Draft, member: &str, prev: Option<Hash32>) -> Value {
    let mut event = draft.to_json();
    let object = event.as_object_mut().expect("an object");
    let id = object.remove("product").expect("a subject");
    object.insert(member.into(), id);
    object.remove("prev");
    if let Some(prev) = prev {
        object.insert("prev".into(), json!(prev.to_hex()));
    }
    event
}

/// A signed event about a subject of kind `member` (`product`, `lot`, `container`), a minute
/// ago in [`CITY`].
pub fn subject_event(
    actor: &Actor,
    kind: Kind,
    member: &str,
    id: Uuid,
    prev: Option<&str>,
    data: Value,
) -> Value {
    let mut event = json!({
        "id": Uuid::new_v4(), "kind": kind, "actor": actor.id,
        "occurred_at": now_minus_minute(), "city": CITY, member: id, "data": data,
    });
    if let Some(prev) = prev {
        event["prev"] = json!(prev);
    }
    sign_value(event, &actor.key)
}

impl Env {
    /// The head leaf hash of the subject at `path` (`/v1/lots/{id}`, `/v1/containers/{id}`, …).
    pub async fn subject_head(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["head"]["leaf_hash"]
            .as_str()
            .expect("head")
            .to_string()
    }
}

/// Checks a problem body: status, `type`, and the `status` member.
pub fn assert_problem(body: &Value, got: StatusCode, status: StatusCode, code: &str) {
    assert_eq!(
        body["type"],
        format!("urn:ewaste-ledger:problem:{code}"),
        "expected {code}, got {got}: {body}"
    );
    assert_eq!(got, status, "{code}: {body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    crate::wording::assert_plain_body(body);
}
