//! (j) Containers (docs/lifecycle.md §8.1): a cage of 100 collected items packed in one entry,
//! handed over and received, one request each, as a yard does it. The items are registered
//! and collected before the clock starts; only the three requests per cage are timed.

use super::rig::{Server, Setup};
use crate::cli::client::Client;
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::gtin::Gtin14;
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::serial::Serial;
use crate::domain::signing::sign_envelope;
use anyhow::Context;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Items per container.
pub(super) const ITEMS: usize = 100;

#[derive(serde::Serialize)]
pub(super) struct ContainerTimes {
    pub containers: usize,
    pub items: usize,
    /// Milliseconds per container: packing, hand-over and receipt.
    pub container_ms: f64,
    /// Those three events per second, one request at a time.
    pub container_events_per_s: f64,
    /// Items moved from one custodian to another per second.
    pub items_moved_per_s: f64,
}

pub(super) fn container_times(
    server: &Server,
    setup: &Setup,
    admin_key: &std::path::Path,
    containers: usize,
) -> anyhow::Result<ContainerTimes> {
    let admin = Client::with_key(&server.url, crate::key_files::read_pem(admin_key)?);
    let receiver = SigningKey::from_bytes(&[11; 32]);
    let receiver_id = Uuid::new_v4();
    admin.registry_event_at(
        Kind::ActorRegistered,
        json!({"actor": receiver_id, "org": "Bench Recycling", "name": "gate 2", "roles": ["recycler"],
               "public_key": crate::key_files::public_key_base64(&receiver)}),
        &format_timestamp(chrono::Utc::now() - chrono::Duration::days(1)),
    )?;
    let sender = Client::with_key(&server.url, setup.maker.clone());
    let occurred_at = format_timestamp(chrono::Utc::now() - chrono::Duration::minutes(1));
    let mut cages = Vec::with_capacity(containers);
    for cage in 0..containers {
        cages.push(collected_items(&sender, setup, cage, &occurred_at)?);
    }
    let mut timed = Duration::ZERO;
    for children in cages {
        let container = Uuid::new_v4();
        let event = |kind: Kind, actor: Uuid, prev: Option<&str>, data: Value| {
            let mut event = json!({"id": Uuid::new_v4(), "kind": kind, "actor": actor,
                "occurred_at": occurred_at, "city": "DEBER", "container": container, "data": data});
            if let Some(prev) = prev {
                event["prev"] = json!(prev);
            }
            event
        };
        let packed = sign_envelope(
            event(
                Kind::Packed,
                setup.maker_id,
                None,
                json!({ "children": children }),
            ),
            &setup.maker,
        )?;
        let head = post(&sender, &packed, &mut timed)?;
        let handed = sign_envelope(
            event(
                Kind::HandedOver,
                setup.maker_id,
                Some(&head),
                json!({"to": receiver_id, "document": "CMR-BENCH"}),
            ),
            &setup.maker,
        )?;
        let head = post(&sender, &handed, &mut timed)?;
        let received = sign_envelope(
            event(Kind::Received, receiver_id, Some(&head), json!({})),
            &receiver,
        )?;
        post(&sender, &received, &mut timed)?;
    }
    let seconds = timed.as_secs_f64().max(f64::EPSILON);
    Ok(ContainerTimes {
        containers,
        items: ITEMS,
        container_ms: seconds * 1000.0 / containers as f64,
        container_events_per_s: (3 * containers) as f64 / seconds,
        items_moved_per_s: (ITEMS * containers) as f64 / seconds,
    })
}

/// Posts one signed event, timing only the request; answers the new head.
fn post(client: &Client, envelope: &Value, timed: &mut Duration) -> anyhow::Result<String> {
    let started = Instant::now();
    let receipt = client.post("/v1/events", envelope)?;
    *timed += started.elapsed();
    receipt["leaf_hash"]
        .as_str()
        .map(String::from)
        .context("a receipt without a leaf hash")
}

/// `ITEMS` products registered and collected by the bench's manufacturer (a retailer too, so
/// it takes them back), as the `children` of a packing with their heads.
fn collected_items(
    client: &Client,
    setup: &Setup,
    cage: usize,
    occurred_at: &str,
) -> anyhow::Result<Vec<Value>> {
    let gtin = Gtin14::parse("09506000134352").context("bench GTIN")?;
    let mut ids = Vec::with_capacity(ITEMS);
    let mut registrations = Vec::with_capacity(ITEMS);
    for n in 0..ITEMS {
        let serial_text = format!("C{cage:05}-{n:03}");
        let id = identifiers::product_id(&gtin, &Serial::parse(&serial_text)?);
        ids.push(id);
        registrations.push(draft(setup, Kind::Registered, id, None, occurred_at,
            json!({"unu_key": "0306", "weight_g": 180, "gtin": gtin.as_str(), "serial": serial_text}))
            .sign(&setup.maker)?);
    }
    let receipts = client.post("/v1/events/batch?atomic=true", &Value::Array(registrations))?;
    let collections = heads(&receipts)?
        .iter()
        .zip(&ids)
        .map(|(head, id)| {
            let prev = crate::domain::hash::Hash32::from_hex(head).context("a hex head")?;
            Ok(draft(
                setup,
                Kind::Collected,
                *id,
                Some(prev),
                occurred_at,
                json!({"channel": "retail_take_back"}),
            )
            .sign(&setup.maker)?)
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    let receipts = client.post("/v1/events/batch?atomic=true", &Value::Array(collections))?;
    Ok(heads(&receipts)?
        .into_iter()
        .zip(ids)
        .map(|(prev, id)| json!({"product": id, "prev": prev}))
        .collect())
}

fn draft(
    setup: &Setup,
    kind: Kind,
    product: Uuid,
    prev: Option<crate::domain::hash::Hash32>,
    occurred_at: &str,
    data: Value,
) -> Draft {
    Draft {
        id: Uuid::new_v4(),
        kind,
        actor: setup.maker_id,
        occurred_at: occurred_at.to_string(),
        city: Some("DEBER".into()),
        product: Some(product),
        prev,
        data,
    }
}

fn heads(receipts: &Value) -> anyhow::Result<Vec<String>> {
    receipts
        .as_array()
        .context("a batch answer is an array")?
        .iter()
        .map(|r| {
            r["leaf_hash"]
                .as_str()
                .map(String::from)
                .context("a refused bench event")
        })
        .collect()
}
