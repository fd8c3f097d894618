//! At start: fills in what the time rules need (each actor's registration seq and time, each
//! product's latest `occurred_at`) for a database written before them. Those values live inside
//! the entries' signed bytes, which SQL cannot read portably, so the migration only marks the
//! work pending and this replays the log once, in one transaction that holds the log head.

use crate::domain::data::EventData;
use crate::domain::entry::parse_entry;
use crate::domain::records::KeyPeriod;
use crate::storage::backfill::{self, TIME_RULES};
use crate::storage::{append, read, DbConnection, StorageError};
use base64::Engine;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// Entries read per query.
const PAGE: i64 = 5_000;

pub(crate) fn prepare(conn: &mut DbConnection) -> Result<(), StorageError> {
    if !backfill::is_pending(conn, TIME_RULES)? {
        return Ok(());
    }
    append::in_transaction(conn, |conn| {
        let head = append::lock_head(conn)?;
        let mut actors: HashMap<Uuid, (i64, DateTime<Utc>)> = HashMap::new();
        let mut keys: HashMap<Uuid, Vec<KeyPeriod>> = HashMap::new();
        let mut products: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        let mut start = 0;
        while start < head.size {
            let rows = read::entries_range(conn, start, PAGE)?;
            if rows.is_empty() {
                return Err(StorageError::Corrupt(format!("entry {start} is missing")));
            }
            for row in &rows {
                let parsed = parse_entry(&row.bytes)
                    .map_err(|why| StorageError::Corrupt(format!("entry {}: {why}", row.seq)))?;
                let event = &parsed.signed.event;
                if let EventData::ActorRegistered(data) = &event.data {
                    if let Ok(id) = Uuid::parse_str(&data.actor) {
                        actors.entry(id).or_insert((row.seq, event.occurred_at));
                    }
                }
                let new_key = event.data.registered_key();
                if let Some((actor, key)) = new_key {
                    let id = Uuid::parse_str(actor);
                    // As recorded: a key the rule refuses today stays in the history as it was.
                    let key = base64::engine::general_purpose::STANDARD
                        .decode(key)
                        .ok()
                        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
                    if let (Ok(id), Some(public_key)) = (id, key) {
                        keys.entry(id).or_default().push(KeyPeriod {
                            from_seq: row.seq,
                            public_key,
                        });
                    }
                }
                if let Some(product) = event.product() {
                    // The latest, not the last: an older ledger did not keep them in order.
                    let latest = products.entry(product).or_insert(event.occurred_at);
                    *latest = (*latest).max(event.occurred_at);
                }
            }
            start += rows.len() as i64;
        }
        for (id, (seq, at)) in &actors {
            let history = keys.get(id).map(Vec::as_slice).unwrap_or_default();
            backfill::set_actor_registration(conn, id, *seq, *at, history)?;
        }
        for (id, at) in &products {
            backfill::set_product_last_occurred(conn, id, *at)?;
        }
        backfill::mark_done(conn, TIME_RULES)?;
        if head.size > 0 {
            tracing::warn!(
                entries = head.size,
                actors = actors.len(),
                products = products.len(),
                "filled in registration times and latest occurred_at from the log (a database from before the time rules)"
            );
        }
        Ok(())
    })
}
