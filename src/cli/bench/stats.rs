//! The statistics part of `bench`: (i) the demo's generation rate, and how long
//! `GET /v1/stats/{city}` takes for one city on a ledger of about 10,000 events and on one of
//! about 1,000,000 (goal: within 2× of each other, since the answer is computed from the
//! city's facts, never from the log).

use crate::cli::client::Client;
use crate::cli::demo::{run, DemoSettings};
use crate::cli::http_client::agent;
use std::time::Instant;

/// One ledger filled by the demo, and the statistics endpoint timed on it.
#[derive(serde::Serialize)]
pub struct StatsTimes {
    pub events: usize,
    pub demo_events_per_s: f64,
    pub stats_ms: f64,
}

/// Fills a fresh ledger served at `url` (admin key `admin`) with the demo at `units` per
/// city and year, then times `samples` statistics requests for Berlin's last full year.
pub fn stats_times(
    url: &str,
    admin: &std::path::Path,
    units: usize,
    samples: usize,
) -> anyhow::Result<StatsTimes> {
    let client = Client::with_key(url, crate::key_files::read_pem(admin)?);
    let report = run(
        &client,
        &DemoSettings {
            seed: 2026,
            units,
            years: 8,
        },
    )?;
    let year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let path = format!("{url}/v1/stats/DEBER?year={year}");
    let agent = agent();
    let check: serde_json::Value = agent.get(&path).call()?.body_mut().read_json()?;
    anyhow::ensure!(
        check["total"]["collected_kg"].as_f64().unwrap_or(0.0) > 0.0,
        "the demo's statistics are empty"
    );
    let started = Instant::now();
    for _ in 0..samples {
        let body = agent.get(&path).call()?.body_mut().read_to_string()?;
        anyhow::ensure!(!body.is_empty(), "an empty statistics answer");
    }
    Ok(StatsTimes {
        events: report.events,
        demo_events_per_s: report.events as f64 / report.seconds,
        stats_ms: started.elapsed().as_secs_f64() * 1000.0 / samples.max(1) as f64,
    })
}
