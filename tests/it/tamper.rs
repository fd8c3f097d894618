//! What a dishonest operator (or a disk) could do to a stored log, done straight to the
//! database, for the audit tests to catch.

use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::entry::{parse_entry, Entry, EntryHeader};
use ewaste_ledger::domain::event::format_timestamp;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::domain::merkle::Frontier;
use ewaste_ledger::domain::records::LogHead;
use ewaste_ledger::ledger::tree::{self, LogIdentity};
use ewaste_ledger::storage::append::{self, BatchWrite};
use ewaste_ledger::storage::rows::EntryRow;
use ewaste_ledger::storage::schema::{checkpoints, cosignatures, entries, merkle_nodes};
use ewaste_ledger::storage::{self, DatabaseTarget, DbConnection};

pub fn connect(target: &DatabaseTarget) -> DbConnection {
    target.connect().expect("direct connection")
}

/// Every entry's bytes, in seq order.
pub fn entry_bytes(conn: &mut DbConnection) -> Vec<Vec<u8>> {
    entries::table
        .order(entries::seq)
        .select(entries::bytes)
        .load(conn)
        .expect("entries")
}

pub fn set_bytes(conn: &mut DbConnection, seq: i64, bytes: Vec<u8>) {
    diesel::update(entries::table.find(seq))
        .set(entries::bytes.eq(bytes))
        .execute(conn)
        .expect("update entry");
}

/// Adds `grams` to every stored statistics fact.
pub fn inflate_statistics(conn: &mut DbConnection, grams: i64) {
    use ewaste_ledger::storage::schema::stat_facts;
    diesel::update(stat_facts::table)
        .set(stat_facts::mass_g.eq(stat_facts::mass_g + grams))
        .execute(conn)
        .expect("update statistics");
}

pub fn delete_entry(conn: &mut DbConnection, seq: i64) {
    diesel::delete(entries::table.find(seq))
        .execute(conn)
        .expect("delete entry");
}

/// The same entry around an event that differs only in its id (its signature is then wrong).
pub fn with_new_event_id(bytes: &[u8]) -> Vec<u8> {
    let parsed = parse_entry(bytes).expect("an entry");
    let mut entry: serde_json::Value = serde_json::from_slice(bytes).expect("json");
    entry["event"]["id"] = serde_json::json!(uuid::Uuid::new_v4());
    let canonical = ewaste_ledger::domain::jcs::canonicalize(&entry["event"]).expect("jcs");
    Entry::new(
        &canonical,
        &EntryHeader {
            seq: parsed.seq,
            prev: parsed.prev,
            recorded_at: &format_timestamp(parsed.recorded_at),
            sig: &parsed.signed.signature_b64,
        },
    )
    .bytes
}

/// Replaces one checkpoint's note.
pub fn set_checkpoint_note(conn: &mut DbConnection, size: i64, note: String) {
    diesel::update(checkpoints::table.find(size))
        .set(checkpoints::note.eq(note))
        .execute(conn)
        .expect("update checkpoint");
}

/// Rewrites the whole log from `events` (entry bytes whose events and signatures are kept):
/// new seqs, a new hash chain, a new tree and one checkpoint signed with `log_key`. What is
/// left is a log that is consistent in itself and signed by the real log key.
pub fn reseal(conn: &mut DbConnection, events: &[Vec<u8>], origin: &str, log_key: &SigningKey) {
    let mut rows = Vec::new();
    let mut prev = Hash32::ZERO;
    let mut last_recorded_at = None;
    for (seq, bytes) in events.iter().enumerate() {
        let parsed = parse_entry(bytes).expect("an entry");
        let recorded_at = format_timestamp(parsed.recorded_at);
        let entry = Entry::new(
            &parsed.signed.canonical,
            &EntryHeader {
                seq: seq as i64,
                prev,
                recorded_at: &recorded_at,
                sig: &parsed.signed.signature_b64,
            },
        );
        let event = &parsed.signed.event;
        rows.push(EntryRow {
            seq: seq as i64,
            leaf_hash: entry.leaf_hash.0.to_vec(),
            event_id: event.id.as_bytes().to_vec(),
            event_hash: parsed.signed.event_hash().0.to_vec(),
            kind: event.kind.as_str().to_string(),
            actor_id: event.actor.to_string(),
            product_id: event.product().map(|p| p.to_string()),
            recorded_at: parsed.recorded_at.naive_utc(),
            bytes: entry.bytes,
        });
        prev = entry.leaf_hash;
        last_recorded_at = Some(parsed.recorded_at.naive_utc());
    }
    let identity = LogIdentity {
        origin: origin.into(),
        key: log_key.clone(),
        origin_explicit: true,
    };
    let head = LogHead {
        size: rows.len() as i64,
        head: prev,
        last_recorded_at,
    };
    append::in_transaction(conn, |conn| {
        diesel::delete(cosignatures::table).execute(conn)?;
        diesel::delete(checkpoints::table).execute(conn)?;
        diesel::delete(merkle_nodes::table).execute(conn)?;
        diesel::delete(entries::table).execute(conn)?;
        let mut frontier = Frontier::empty();
        let write = BatchWrite {
            entries: rows,
            ..BatchWrite::default()
        };
        tree::append_entries(conn, &mut frontier, &write, &head)?;
        let checkpoint = identity.checkpoint_row(
            frontier.size(),
            frontier.root(),
            chrono::Utc::now().naive_utc(),
        )?;
        storage::tree::write_checkpoint(conn, &checkpoint)?;
        Ok(())
    })
    .expect("reseal");
}

/// Runs one SQL statement straight on the database, as an operator with a SQL prompt would
/// (the statements the tests use are the same on SQLite and PostgreSQL).
pub fn execute(conn: &mut DbConnection, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Inserts a statistics fact no entry produced (with the writer's own key encoding).
pub fn forge_fact(
    conn: &mut DbConnection,
    locode: &str,
    year: i32,
    metric: ewaste_ledger::domain::stats::facts::Metric,
    mass_g: i64,
) {
    use ewaste_ledger::domain::stats::facts::{Amount, FactKey, Facts};
    let key = FactKey {
        locode: locode.into(),
        year,
        unu_key: "0303".into(),
        metric,
        detail: String::new(),
    };
    let facts = Facts::from([(key, Amount { mass_g, units: 1 })]);
    storage::stats::add_facts(conn, &facts).expect("forge a fact");
}
