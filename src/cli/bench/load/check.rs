//! What `bench load` prepares before its clock starts (the passport products, the pre-signed
//! ingestion requests) and what it checks after: every acknowledged event is in the log at its
//! receipt's seq, and the latest signed checkpoint covers exactly the log.

use super::run::{Ack, Prepared};
use crate::cli::bench::pages::history_draft;
use crate::cli::bench::wire;
use crate::cli::client::Client;
use crate::cli::http_client::{agent, fetch_text};
use crate::domain::checkpoint::verify_checkpoint;
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::gtin::Gtin14;
use crate::domain::hash::{leaf_hash, Hash32};
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::merkle::Frontier;
use crate::domain::note::VerifierKey;
use crate::domain::serial::Serial;
use anyhow::Context;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

const GTIN: &str = "09506000134352";

/// Records `products` products with `events` events each (registered, placed on the market,
/// then resold), one batch request per round; returns their passport paths.
pub fn passport_products(
    client: &Client,
    maker_id: Uuid,
    products: usize,
    events: usize,
) -> anyhow::Result<Vec<String>> {
    let gtin = Gtin14::parse(GTIN).context("load GTIN")?;
    let serials: Vec<String> = (0..products).map(|n| format!("P{n:09}")).collect();
    let ids: Vec<Uuid> = serials
        .iter()
        .map(|s| Ok(identifiers::product_id(&gtin, &Serial::parse(s)?)))
        .collect::<anyhow::Result<_>>()?;
    let now = crate::cli::client::now();
    let mut heads: Vec<Option<Hash32>> = vec![None; products];
    for round in 0..events {
        let envelopes = (0..products)
            .map(|n| {
                let draft =
                    history_draft(round, maker_id, ids[n], &gtin, &serials[n], heads[n], &now);
                Ok(draft.sign(&client.key)?)
            })
            .collect::<anyhow::Result<Vec<Value>>>()?;
        let receipts = client.post("/v1/events/batch", &Value::Array(envelopes))?;
        for (head, receipt) in heads
            .iter_mut()
            .zip(receipts.as_array().into_iter().flatten())
        {
            *head = receipt["leaf_hash"].as_str().and_then(Hash32::from_hex);
            anyhow::ensure!(
                head.is_some(),
                "a passport product's event was refused: {receipt}"
            );
        }
    }
    Ok(ids
        .iter()
        .map(|id| format!("/p/{}", id.hyphenated()))
        .collect())
}

/// Pre-signed `registered` events for serials `first..first+count`, as ready requests to
/// `path` of `per_request` events (as one object when `array` is false, else as an array).
pub fn sign_requests(
    maker: &SigningKey,
    maker_id: Uuid,
    range: std::ops::Range<usize>,
    per_request: usize,
    path: &str,
    array: bool,
) -> anyhow::Result<Vec<Prepared>> {
    let gtin = Gtin14::parse(GTIN).context("load GTIN")?;
    let occurred_at = format_timestamp(chrono::Utc::now() - chrono::Duration::minutes(1));
    let per_request = per_request.max(1);
    let requests = range.len().div_ceil(per_request);
    (0..requests)
        .into_par_iter()
        .map(|r| {
            let start = range.start + r * per_request;
            let end = (start + per_request).min(range.end);
            let mut body = Vec::with_capacity((end - start) * 520 + 2);
            let mut ids = Vec::with_capacity(end - start);
            if array {
                body.push(b'[');
            }
            for n in start..end {
                let serial_text = format!("L{n:010}");
                let serial = Serial::parse(&serial_text).context("load serial")?;
                let draft = Draft {
                    id: Uuid::new_v4(),
                    kind: Kind::Registered,
                    actor: maker_id,
                    occurred_at: occurred_at.clone(),
                    city: Some("DEBER".into()),
                    product: Some(identifiers::product_id(&gtin, &serial)),
                    prev: None,
                    data: json!({"unu_key": "0303", "weight_g": 1_160, "gtin": GTIN, "serial": serial_text}),
                };
                if n > start {
                    body.push(b',');
                }
                serde_json::to_writer(&mut body, &draft.sign(maker)?)?;
                ids.push(draft.id);
            }
            if array {
                body.push(b']');
            }
            Ok(Prepared {
                request: wire::post_request(path, &body),
                ids,
            })
        })
        .collect()
}

/// The latest checkpoint, its signature checked with the log's key: (size, root).
pub fn checkpoint(url: &str) -> anyhow::Result<(u64, Hash32)> {
    let key = VerifierKey::parse(fetch_text(url, "/v1/log/key")?.trim())
        .map_err(|e| anyhow::anyhow!("the log key: {e}"))?;
    let note = fetch_text(url, "/v1/log/checkpoint")?;
    let verified =
        verify_checkpoint(&note, &key).map_err(|e| anyhow::anyhow!("the checkpoint: {e}"))?;
    Ok((verified.checkpoint.size, verified.checkpoint.root))
}

/// The end-of-run check.
#[derive(Debug, serde::Serialize)]
pub struct Verification {
    /// Events acknowledged with a receipt during the run.
    pub acknowledged: usize,
    /// Acknowledged events not found in the log at their receipt's seq with their id and
    /// leaf hash (or acknowledged twice at one seq).
    pub lost: usize,
    /// Entries read back through `GET /v1/log/entries`.
    pub log_size: u64,
    pub checkpoint_size: u64,
    /// Whether the checkpoint's root is the Merkle root of the entries read back.
    pub root_matches: bool,
    /// The first few lost events, for the report.
    pub lost_samples: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.log_size == self.checkpoint_size && self.root_matches
    }
}

#[derive(Deserialize)]
struct EntryHead {
    seq: u64,
    event: EventHead,
}

#[derive(Deserialize)]
struct EventHead {
    id: Uuid,
}

/// Reads the whole log back page by page and checks every acknowledged event against it.
pub fn verify(url: &str, mut acks: Vec<Ack>) -> anyhow::Result<Verification> {
    let (checkpoint_size, checkpoint_root) = checkpoint(url)?;
    acks.sort_unstable_by_key(|a| a.seq);
    let agent = agent();
    let mut frontier = Frontier::empty();
    let mut pending = acks.iter().peekable();
    let mut lost = Vec::new();
    let mut seq = 0u64;
    loop {
        let page = agent
            .get(&format!("{url}/v1/log/entries?start={seq}&limit=10000"))
            .call()?
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        let before = seq;
        for line in page.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let entry: EntryHead = serde_json::from_slice(line)
                .with_context(|| format!("entry {seq} is not an entry"))?;
            anyhow::ensure!(
                entry.seq == seq,
                "the log answered entry {} where {seq} belongs",
                entry.seq
            );
            let leaf = leaf_hash(line);
            frontier.push(leaf, |_, _| {});
            while let Some(ack) = pending.next_if(|a| a.seq <= seq) {
                if ack.seq < seq || ack.id != entry.event.id || ack.leaf_hash != leaf.0 {
                    lost.push(*ack);
                }
            }
            seq += 1;
        }
        if seq == before {
            break;
        }
    }
    lost.extend(pending.copied());
    Ok(Verification {
        acknowledged: acks.len(),
        lost: lost.len(),
        log_size: seq,
        checkpoint_size,
        root_matches: frontier.root() == checkpoint_root,
        lost_samples: lost
            .iter()
            .take(5)
            .map(|a| format!("seq {} event {}", a.seq, a.id))
            .collect(),
    })
}
