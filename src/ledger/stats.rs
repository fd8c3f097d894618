//! The statistics' read side (docs/kpis.md–7) and their rebuild from the log. The writer keeps
//! the facts current in every append transaction (appender.rs); this module reads them and
//! recomputes them from the log alone when asked, or at start when the stored facts were
//! computed with other definitions (or before there were statistics).

use super::audit::replay::Replay;
use super::{Ledger, LedgerError};
use crate::domain::entry::parse_entry;
use crate::domain::records::CityRecord;
use crate::domain::rules::{decide, Clock, LedgerView};
use crate::domain::stats::facts::Facts;
use crate::domain::stats::facts::{add_all, facts_of_change};
use crate::domain::stats::kpis::{city_statistics, CityInfo, KPI_DEFINITIONS, SERIES_METRICS};
use crate::storage::{append, connection, read, stats, DatabaseTarget, DbConnection, StorageError};
use serde_json::{json, Value};

/// Entries read per query during a rebuild.
const REBUILD_PAGE: i64 = 5_000;

/// What a rebuild did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebuildReport {
    /// Log entries replayed.
    pub entries: i64,
    /// Facts (stored rows) computed.
    pub facts: usize,
    /// Whether the stored facts differed from the rebuilt ones.
    pub changed: bool,
}

/// Rebuilds the statistics of the database at `target` without a running ledger (for
/// `stats rebuild`): applies pending migrations, then [`rebuild`].
pub fn rebuild_offline(target: &DatabaseTarget) -> Result<RebuildReport, StorageError> {
    let mut conn = target.connect()?;
    connection::run_migrations(&mut conn)?;
    rebuild(&mut conn)
}

/// Recomputes every fact and every product's milestones from the log, inside one transaction
/// that holds the log head, so no append interleaves.
pub fn rebuild(conn: &mut DbConnection) -> Result<RebuildReport, StorageError> {
    append::in_transaction(conn, |conn| {
        let head = append::lock_head(conn)?;
        // The log holds only accepted events: replaying it with the writer's own rules gives
        // the writer's facts (every subject in memory: a rebuild runs at start, rarely).
        let mut replay = Replay::new(usize::MAX, None);
        let mut facts = Facts::new();
        let trust = Clock {
            now: chrono::Utc::now(),
            skew: chrono::Duration::days(365 * 1000),
        };
        let mut start = 0;
        while start < head.size {
            let rows = read::entries_range(conn, start, REBUILD_PAGE)?;
            if rows.is_empty() {
                return Err(StorageError::Corrupt(format!("entry {start} is missing")));
            }
            for row in &rows {
                let parsed = parse_entry(&row.bytes)
                    .map_err(|why| StorageError::Corrupt(format!("entry {}: {why}", row.seq)))?;
                let event = &parsed.signed.event;
                // The signatures were checked when the entries were appended; the key the rules
                // compare is the signer's own (for the genesis, the one it registers).
                let key = replay
                    .actor(&event.actor)
                    .map(|actor| actor.public_key)
                    .or_else(|| {
                        let (_, key) = event.data.registered_key()?;
                        crate::domain::data::public_key("", key).ok()
                    })
                    .unwrap_or([0; 32]);
                let change = decide(&replay, event, &key, trust).map_err(|why| {
                    StorageError::Corrupt(format!("entry {} does not replay: {why}", row.seq))
                })?;
                add_all(&mut facts, facts_of_change(event, &change));
                replay.apply(change, parsed.seq, parsed.leaf_hash);
            }
            start += rows.len() as i64;
        }
        let changed = stats::all_facts(conn)? != facts;
        if changed {
            let mut products = replay.into_products()?;
            let mut after = None;
            loop {
                let page = products.page(after.as_ref(), 1000)?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                for product in &page {
                    stats::set_milestones(
                        conn,
                        &product.id,
                        product.sold.as_ref(),
                        product.collected.as_ref(),
                    )?;
                }
            }
        }
        stats::replace_all(conn, &facts, KPI_DEFINITIONS, head.size)?;
        Ok(RebuildReport {
            entries: head.size,
            facts: facts.len(),
            changed,
        })
    })
}

/// At start: rebuilds the facts when they were computed with other definitions or never.
pub(crate) fn prepare(conn: &mut DbConnection) -> Result<(), StorageError> {
    if stats::definitions(conn)?.as_deref() != Some(KPI_DEFINITIONS) {
        let report = rebuild(conn)?;
        if report.entries > 0 {
            tracing::warn!(
                entries = report.entries,
                facts = report.facts,
                "statistics rebuilt from the log (they were computed with other definitions, or never)"
            );
        }
    }
    Ok(())
}

impl Ledger {
    /// A registered city and its facts of every year.
    pub async fn city_facts(&self, locode: String) -> Result<(CityRecord, Facts), LedgerError> {
        self.city_and_facts(locode, stats::city_facts).await
    }

    /// The statistics of one city in `year`, from only the facts that year needs.
    pub async fn city_statistics(&self, locode: String, year: i32) -> Result<Value, LedgerError> {
        let (city, facts) = self
            .city_and_facts(locode, move |conn, locode| {
                stats::city_facts_for_year(conn, locode, year, &SERIES_METRICS)
            })
            .await?;
        Ok(city_statistics(&info(&city), year, &facts))
    }

    /// A registered city and the facts `facts_of` reads of it, in one connection; 404 for a
    /// LOCODE no city has.
    async fn city_and_facts<F>(
        &self,
        locode: String,
        facts_of: F,
    ) -> Result<(CityRecord, Facts), LedgerError>
    where
        F: FnOnce(&mut DbConnection, &str) -> Result<Facts, StorageError> + Send + 'static,
    {
        let wanted = locode.clone();
        let (city, facts) = self
            .with_conn(move |conn| {
                let city = read::all_cities(conn)?
                    .into_iter()
                    .find(|c| c.locode == locode);
                let facts = match &city {
                    Some(city) => facts_of(conn, &city.locode)?,
                    None => Facts::new(),
                };
                Ok((city, facts))
            })
            .await?;
        let city = city.ok_or(LedgerError::NotFound {
            what: "City",
            id: wanted,
        })?;
        Ok((city, facts))
    }

    /// Every registered city's statistics in `year`, side by side.
    pub async fn all_statistics(&self, year: i32) -> Result<Value, LedgerError> {
        let (cities, facts) = self
            .with_conn(|conn| Ok((read::all_cities(conn)?, stats::all_facts(conn)?)))
            .await?;
        Ok(all_city_statistics(&cities, year, &facts))
    }

    /// Every city and year with statistics, as `{"cities": [{"locode", "years": [...]}]}`.
    pub async fn statistics_years(&self) -> Result<Value, LedgerError> {
        let pairs = self.with_conn(stats::city_years).await?;
        Ok(city_years_view(pairs))
    }

    /// Recomputes the statistics from the log (`stats rebuild`).
    pub async fn rebuild_statistics(&self) -> Result<RebuildReport, LedgerError> {
        self.with_conn(rebuild).await
    }

    /// Every stored fact (for comparing the incremental facts with a rebuild).
    pub async fn statistics_facts(&self) -> Result<Facts, LedgerError> {
        self.with_conn(stats::all_facts).await
    }
}

/// `GET /v1/stats?year=`: every city's statistics side by side (the audit recomputes it too).
pub fn all_city_statistics(cities: &[CityRecord], year: i32, facts: &Facts) -> Value {
    let answers: Vec<Value> = cities
        .iter()
        .map(|city| {
            let own = facts.iter().filter(|(key, _)| key.locode == city.locode);
            city_statistics(&info(city), year, own)
        })
        .collect();
    json!({"year": year, "cities": answers})
}

/// `GET /v1/stats/years` from `(locode, year)` pairs in order (the audit builds it too).
pub fn city_years_view(pairs: impl IntoIterator<Item = (String, i32)>) -> Value {
    let mut cities: Vec<(String, Vec<i32>)> = Vec::new();
    for (locode, year) in pairs {
        match cities.last_mut() {
            Some((last, years)) if *last == locode => years.push(year),
            _ => cities.push((locode, vec![year])),
        }
    }
    let cities: Vec<Value> = cities
        .into_iter()
        .map(|(locode, years)| json!({"locode": locode, "years": years}))
        .collect();
    json!({ "cities": cities })
}

/// A city as the KPI computation takes it (no population: no per-capita figures).
pub fn info(city: &CityRecord) -> CityInfo<'_> {
    CityInfo {
        locode: &city.locode,
        name: &city.name,
        population: (city.population > 0).then_some(city.population),
    }
}
