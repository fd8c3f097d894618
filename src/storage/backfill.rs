//! One-off work the server does at start for a database written by an older version: the
//! `pending_backfills` rows that migrations leave for what SQL alone cannot compute (see
//! ledger::backfill).

use super::rows::{key_history_text, time_text};
use super::schema::{actors, pending_backfills, products};
use super::{DbConnection, StorageError};
use crate::domain::records::KeyPeriod;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// The backfill of what the time rules need (registration times, latest `occurred_at`s, key
/// histories), left pending by the migration that added them.
pub const TIME_RULES: &str = "time-rules";

/// Whether the backfill `name` is still to be done.
pub fn is_pending(conn: &mut DbConnection, name: &str) -> Result<bool, StorageError> {
    let count: i64 = pending_backfills::table
        .filter(pending_backfills::name.eq(name))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Marks the backfill `name` done (in the transaction that did it).
pub fn mark_done(conn: &mut DbConnection, name: &str) -> Result<(), StorageError> {
    diesel::delete(pending_backfills::table.filter(pending_backfills::name.eq(name)))
        .execute(conn)?;
    Ok(())
}

/// Sets an actor's registration seq and time, and the keys it has held.
pub fn set_actor_registration(
    conn: &mut DbConnection,
    id: &Uuid,
    seq: i64,
    at: DateTime<Utc>,
    keys: &[KeyPeriod],
) -> Result<(), StorageError> {
    diesel::update(actors::table.filter(actors::id.eq(id.to_string())))
        .set((
            actors::registered_seq.eq(Some(seq)),
            actors::registered_at.eq(Some(time_text(at))),
            actors::key_history.eq(Some(key_history_text(keys))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets a product's latest `occurred_at`.
pub fn set_product_last_occurred(
    conn: &mut DbConnection,
    id: &Uuid,
    at: DateTime<Utc>,
) -> Result<(), StorageError> {
    diesel::update(products::table.filter(products::id.eq(id.to_string())))
        .set(products::last_occurred_at.eq(Some(time_text(at))))
        .execute(conn)?;
    Ok(())
}
