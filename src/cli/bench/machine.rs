//! The machine's own limits, which `bench` and `bench load` give their figures as ratios to:
//! (a) Ed25519 verification on all cores under the ledger's signature rule and (d) the disk's
//! fsync rate; and the core issue's batch ingest as a ratio to (a).

use crate::domain::signing;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use std::io::Write;
use std::time::{Duration, Instant};

/// The core issue's `batch_ratio` (batch ingest over the verify rate of the same run), before
/// the Merkle tree and a checkpoint were written with every batch: commit 178c457's own bench
/// on this machine, 2026-11-29 (docs/benchmarks.md). As a ratio to the machine's verify rate it
/// carries over between runs even though this machine's speed varies by 2× from day to day.
pub(super) const CORE_BATCH_RATIO: f64 = 0.244;

/// (a) Signatures per second over all cores under the ledger's signature rule
/// (`signing::verify_event`, one at a time: the rule has no batch verification).
pub(super) fn verification_rate(count: usize) -> anyhow::Result<f64> {
    let key = SigningKey::from_bytes(&[42; 32]);
    let events: Vec<Vec<u8>> = (0..count)
        .map(|i| format!("{{\"bench\":{i}}}").into_bytes())
        .collect();
    let signatures: Vec<_> = events
        .par_iter()
        .map(|event| signing::sign_event(&key, event))
        .collect();
    let verifying = signing::verifying_key(key.verifying_key().as_bytes())
        .ok_or_else(|| anyhow::anyhow!("the bench's own key is refused"))?;
    let start = Instant::now();
    let valid = events
        .par_iter()
        .zip(&signatures)
        .filter(|(event, signature)| signing::verify_event(&verifying, event, signature))
        .count();
    let elapsed = start.elapsed().as_secs_f64();
    // Every signature must verify, or the figure would time a shortcut.
    anyhow::ensure!(valid == count, "the bench's own signatures did not verify");
    Ok(count as f64 / elapsed)
}

/// (d) 4 KiB write + fsync, as often as possible for `duration`.
pub(super) fn fsync_rate(dir: &std::path::Path, duration: Duration) -> anyhow::Result<f64> {
    let mut file = std::fs::File::create(dir.join("fsync-probe"))?;
    let block = vec![7u8; 4096];
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < duration {
        file.write_all(&block)?;
        file.sync_all()?;
        count += 1;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}
