//! The statistics' stored facts (`stat_facts`) and the version they were computed with
//! (`stats_state`).

use super::schema::{products, stat_facts, stats_state};
use super::{in_chunks, DbConnection, StorageError, CHUNK};
use crate::domain::records::Milestone;
use crate::domain::stats::facts::{Amount, FactKey, Facts, Metric};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = stat_facts)]
struct FactRow {
    fact_key: String,
    locode: String,
    year: i32,
    unu_key: String,
    metric: String,
    detail: String,
    mass_g: i64,
    units: i64,
}

/// The five parts of a key as one JSON array: unambiguous whatever a detail contains.
fn encode(key: &FactKey) -> String {
    serde_json::json!([
        key.locode,
        key.year,
        key.unu_key,
        key.metric.as_str(),
        key.detail
    ])
    .to_string()
}

impl FactRow {
    fn new(key: &FactKey, amount: Amount) -> FactRow {
        FactRow {
            fact_key: encode(key),
            locode: key.locode.clone(),
            year: key.year,
            unu_key: key.unu_key.clone(),
            metric: key.metric.as_str().to_string(),
            detail: key.detail.clone(),
            mass_g: amount.mass_g,
            units: amount.units,
        }
    }

    fn into_fact(self) -> Result<(FactKey, Amount), StorageError> {
        let metric = Metric::parse(&self.metric).ok_or_else(|| {
            StorageError::Corrupt(format!("unknown statistics metric `{}`", self.metric))
        })?;
        Ok((
            FactKey {
                locode: self.locode,
                year: self.year,
                unu_key: self.unu_key,
                metric,
                detail: self.detail,
            },
            Amount {
                mass_g: self.mass_g,
                units: self.units,
            },
        ))
    }
}

/// Adds a batch's facts to the stored ones: reads the rows they touch, then replaces them
/// (DELETE and multi-row INSERT; MultiConnection has no `ON CONFLICT`). Runs inside the append
/// transaction, after the log head is locked, so no other writer interleaves.
pub fn add_facts(conn: &mut DbConnection, deltas: &Facts) -> Result<(), StorageError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = deltas.keys().map(encode).collect();
    let stored = in_chunks(&keys, |chunk| {
        stat_facts::table
            .filter(stat_facts::fact_key.eq_any(chunk))
            .select(FactRow::as_select())
            .load(conn)
    })?;
    let mut totals = deltas.clone();
    for row in stored {
        let (key, amount) = row.into_fact()?;
        *totals.entry(key).or_default() += amount;
    }
    // A correction can take a fact back to nothing: no row then, as if it had never been.
    totals.retain(|_, amount| *amount != Amount::default());
    for chunk in keys.chunks(CHUNK) {
        diesel::delete(stat_facts::table.filter(stat_facts::fact_key.eq_any(chunk)))
            .execute(conn)?;
    }
    write(conn, &totals)
}

fn write(conn: &mut DbConnection, facts: &Facts) -> Result<(), StorageError> {
    let rows: Vec<FactRow> = facts.iter().map(|(k, a)| FactRow::new(k, *a)).collect();
    for chunk in rows.chunks(CHUNK) {
        insert_rows!(conn, stat_facts::table, chunk)?;
    }
    Ok(())
}

/// Every stored fact of one city (all years).
pub fn city_facts(conn: &mut DbConnection, locode: &str) -> Result<Facts, StorageError> {
    stat_facts::table
        .filter(stat_facts::locode.eq(locode))
        .select(FactRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FactRow::into_fact)
        .collect()
}

/// What the KPIs of `year` need of one city: every fact of the year, and the earlier years of
/// `series` metrics. Two indexed queries whose size does not grow with the log.
pub fn city_facts_for_year(
    conn: &mut DbConnection,
    locode: &str,
    year: i32,
    series: &[Metric],
) -> Result<Facts, StorageError> {
    let mut rows = stat_facts::table
        .filter(stat_facts::locode.eq(locode).and(stat_facts::year.eq(year)))
        .select(FactRow::as_select())
        .load(conn)?;
    let series: Vec<&str> = series.iter().map(|m| m.as_str()).collect();
    rows.extend(
        stat_facts::table
            .filter(
                stat_facts::locode
                    .eq(locode)
                    .and(stat_facts::metric.eq_any(series))
                    .and(stat_facts::year.lt(year)),
            )
            .select(FactRow::as_select())
            .load(conn)?,
    );
    rows.into_iter().map(FactRow::into_fact).collect()
}

/// Every city and year with stored facts (any LOCODE, registered or not), in order: what the
/// statistics report, and what an audit checks against the entries.
pub fn city_years(conn: &mut DbConnection) -> Result<Vec<(String, i32)>, StorageError> {
    Ok(stat_facts::table
        .select((stat_facts::locode, stat_facts::year))
        .distinct()
        .order((stat_facts::locode, stat_facts::year))
        .load(conn)?)
}

/// Every stored fact.
pub fn all_facts(conn: &mut DbConnection) -> Result<Facts, StorageError> {
    stat_facts::table
        .select(FactRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FactRow::into_fact)
        .collect()
}

/// The definitions version the stored facts were computed with, if any.
pub fn definitions(conn: &mut DbConnection) -> Result<Option<String>, StorageError> {
    Ok(stats_state::table
        .select(stats_state::definitions)
        .first(conn)
        .optional()?)
}

/// Replaces every fact (a rebuild) and records the definitions version and log size.
pub fn replace_all(
    conn: &mut DbConnection,
    facts: &Facts,
    definitions: &str,
    log_size: i64,
) -> Result<(), StorageError> {
    diesel::delete(stat_facts::table).execute(conn)?;
    write(conn, facts)?;
    diesel::delete(stats_state::table).execute(conn)?;
    let state = (
        stats_state::id.eq(1),
        stats_state::definitions.eq(definitions),
        stats_state::rebuilt_at_size.eq(log_size),
    );
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(stats_state::table)
            .values(state)
            .execute(c),
        DbConnection::Pg(c) => diesel::insert_into(stats_state::table)
            .values(state)
            .execute(c),
    }?;
    Ok(())
}

/// Sets a product's milestones (a rebuild backfilling products that predate them).
pub fn set_milestones(
    conn: &mut DbConnection,
    id: &uuid::Uuid,
    sold: Option<&Milestone>,
    collected: Option<&Milestone>,
) -> Result<(), StorageError> {
    diesel::update(products::table.filter(products::id.eq(id.to_string())))
        .set(products::milestones.eq(super::rows::milestones_json(sold, collected)))
        .execute(conn)?;
    Ok(())
}
