//! The ingestion part of `bench`: (b) events per second through `POST /v1/events/batch` and
//! (c) through single `POST /v1/events` from many clients, sent with the benches' own load
//! generator ([`super::wire`]) from events signed before the clock starts.

use super::rig::{Server, Setup};
use super::wire;
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::gtin::Gtin14;
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::serial::Serial;
use anyhow::Context;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Pre-signed `registered` events of `setup`'s manufacturer for serials `first..first+count`,
/// as request bodies of `per_request` events (1 = a single event object, not an array).
pub(super) fn sign_batches(
    setup: &Setup,
    first: usize,
    count: usize,
    per_request: usize,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let gtin = Gtin14::parse("09506000134352").context("bench GTIN")?;
    let occurred_at = format_timestamp(chrono::Utc::now() - chrono::Duration::minutes(1));
    let envelopes: Vec<Value> = (first..first + count)
            .into_par_iter()
            .map(|n| {
                let serial_text = format!("B{n:010}");
                let serial = Serial::parse(&serial_text).context("bench serial")?;
                let draft = Draft {
                    id: Uuid::new_v4(),
                    kind: Kind::Registered,
                    actor: setup.maker_id,
                    occurred_at: occurred_at.clone(),
                    city: Some("DEBER".into()),
                    product: Some(identifiers::product_id(&gtin, &serial)),
                    prev: None,
                    data: json!({"unu_key": "0303", "weight_g": 1_160, "gtin": gtin.as_str(), "serial": serial_text}),
                };
                Ok(draft.sign(&setup.maker)?)
            })
            .collect::<anyhow::Result<_>>()?;
    envelopes
        .chunks(per_request)
        .map(|chunk| {
            Ok(if per_request == 1 {
                serde_json::to_vec(&chunk[0])?
            } else {
                serde_json::to_vec(chunk)?
            })
        })
        .collect()
}

/// Sends prepared requests from `clients` threads, each with its own keep-alive connection
/// taking the next request; checks that every answer accepted `expect_each` events.
fn send_all(
    address: SocketAddr,
    requests: Vec<Vec<u8>>,
    clients: usize,
    expect_each: usize,
) -> anyhow::Result<Duration> {
    let queue = std::sync::Mutex::new(requests.into_iter());
    let start = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    let mut connection = wire::Connection::open(address)?;
                    loop {
                        let next = queue
                            .lock()
                            .map_err(|_| anyhow::anyhow!("queue poisoned"))?
                            .next();
                        let Some(request) = next else {
                            return Ok(());
                        };
                        let (status, body) = connection.exchange(&request)?;
                        let answer: Value = serde_json::from_slice(&body)?;
                        let accepted = match &answer {
                            Value::Array(items) => {
                                items.iter().filter(|i| i.get("seq").is_some()).count()
                            }
                            other => usize::from(other.get("seq").is_some()),
                        };
                        if !(200..300).contains(&status) || accepted != expect_each {
                            anyhow::bail!(
                                "the ledger refused bench events ({status}): {answer:.300}"
                            );
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a bench client panicked"))??;
        }
        Ok(())
    })?;
    Ok(start.elapsed())
}

/// (b) Two clients keep the batch endpoint busy so that parsing, verification and the
/// writer's commit overlap.
pub(super) fn ingest_batches(
    server: &Server,
    batches: Vec<Vec<u8>>,
    events: usize,
) -> anyhow::Result<f64> {
    let per_request = events.div_ceil(batches.len().max(1));
    let requests = batches
        .iter()
        .map(|body| wire::post_request("/v1/events/batch", body))
        .collect();
    let elapsed = send_all(server.address, requests, 2, per_request)?;
    Ok(events as f64 / elapsed.as_secs_f64())
}

/// (c) Many clients, one event per request: group commit must beat one fsync per event.
pub(super) fn ingest_singles(
    server: &Server,
    singles: Vec<Vec<u8>>,
    clients: usize,
) -> anyhow::Result<f64> {
    let count = singles.len();
    let requests = singles
        .iter()
        .map(|body| wire::post_request("/v1/events", body))
        .collect();
    let elapsed = send_all(server.address, requests, clients, 1)?;
    Ok(count as f64 / elapsed.as_secs_f64())
}
