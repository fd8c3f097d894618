//! The audit side of `bench`: (e) how fast `audit verify` checks an export of the log the
//! bench just ingested, and (f) how long inclusion and consistency proofs take on a log of
//! 1,000 entries and on one of 1,000,000 (they should cost O(log n) row reads either way).

use crate::ledger::audit::{audit, AuditOptions};
use crate::ledger::tree::LogIdentity;
use crate::ledger::{Ledger, LedgerSettings};
use crate::storage::DatabaseTarget;
use anyhow::Context;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

/// (e) Downloads the export of the server at `url` and audits it; entries per second.
pub fn audit_rate(url: &str, dir: &Path) -> anyhow::Result<(f64, u64)> {
    let key = crate::cli::key_args::verifier_key(
        "the log's verifier key",
        crate::cli::http_client::fetch_text(url, "/v1/log/key")?.trim(),
    )?;
    let path = dir.join("bench-export.ndjson");
    crate::cli::audit::export::export_ledger(url, &path)?;
    let started = Instant::now();
    let report = audit(
        BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?),
        &AuditOptions::new(key),
        &(),
    )
    .context("the bench's own log did not verify")?;
    Ok((
        report.size as f64 / started.elapsed().as_secs_f64(),
        report.size,
    ))
}

/// Mean time of one inclusion and one consistency proof, served by the ledger.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct ProofTimes {
    pub entries: u64,
    pub inclusion_us: f64,
    pub consistency_us: f64,
}

/// (f) Builds a log of `entries` synthetic entries (tree and checkpoint as the writer stores
/// them, without signed events: proofs never look inside entries) and times `samples` proofs
/// of each kind, spread over the whole log.
pub fn proof_times(dir: &Path, entries: u64, samples: u64) -> anyhow::Result<ProofTimes> {
    let target = DatabaseTarget::Sqlite(dir.join(format!("proofs-{entries}.sqlite")));
    let log = LogIdentity {
        origin: "bench.example/log".into(),
        key: crate::key_files::generate(),
        origin_explicit: true,
    };
    crate::ledger::synthetic_log::build(&target, &log, entries)?;
    let ledger = Ledger::open(&target, &LedgerSettings::default(), log)?;
    actix_web::rt::System::new().block_on(async {
        // Warm the cache the way a running server's would be.
        for i in 0..samples.min(100) {
            ledger
                .inclusion_proof(spread(i, samples, entries), entries)
                .await?;
        }
        let started = Instant::now();
        for i in 0..samples {
            ledger
                .inclusion_proof(spread(i, samples, entries), entries)
                .await?;
        }
        let inclusion = per_call(started.elapsed(), samples);
        let started = Instant::now();
        for i in 0..samples {
            let from = spread(i, samples, entries).max(1);
            ledger.consistency_proof(from, entries).await?;
        }
        let consistency = per_call(started.elapsed(), samples);
        Ok(ProofTimes {
            entries,
            inclusion_us: inclusion,
            consistency_us: consistency,
        })
    })
}

/// The i-th of `samples` positions spread over `[0, entries)`, not aligned to powers of two.
fn spread(i: u64, samples: u64, entries: u64) -> u64 {
    (i * 7919 + i * entries / samples.max(1)) % entries
}

fn per_call(elapsed: Duration, calls: u64) -> f64 {
    elapsed.as_secs_f64() * 1e6 / calls.max(1) as f64
}
