//! `ewaste-ledger bench`: the figures of the write path, measured in one run on this machine
//! so that they can be read as ratios to the machine's own limits:
//! (a) Ed25519 verification on all cores under the ledger's signature rule, (b) ingest through
//! `POST /v1/events/batch`, (c) ingest through single `POST /v1/events` from many clients,
//! (d) the disk's fsync rate, (e) `audit verify` of the log just written, (f) proof latency on
//! logs of 1,000 and 1,000,000 entries ([`audit`]), (g) labels rendered per second
//! ([`labels`]), (h) the passport page of a product with 50 events ([`pages`]), (i) city
//! statistics on a small and a large ledger ([`stats`]), (j) a container of 100 items packed,
//! handed over and received ([`containers`]). Events are signed before any clock
//! starts. (a) and (d) are the machine's own limits ([`machine`]); (b) and (c) are in
//! [`ingest`]; every part runs on the in-process server of [`rig`]. `bench load` ([`load`]) is
//! a sustained mixed load instead.

mod audit;
mod containers;
mod ingest;
mod labels;
mod load;
mod machine;
mod pages;
mod rig;
mod stats;
mod wire;

use crate::cli::client::Client;
use anyhow::Context;
use clap::Args;
use machine::{fsync_rate, verification_rate, CORE_BATCH_RATIO};
use rig::{start_server, Setup};
use std::time::Duration;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Signatures verified for (a).
    #[arg(long, default_value_t = 100_000)]
    verify: usize,
    /// Events ingested through the batch endpoint for (b).
    #[arg(long, default_value_t = 40_000)]
    batch_events: usize,
    /// Events per batch request.
    #[arg(long, default_value_t = 1_000)]
    batch_size: usize,
    /// Events ingested one per request for (c).
    #[arg(long, default_value_t = 20_000)]
    single_events: usize,
    /// Concurrent clients for (c).
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Ingest into this (empty) database instead of a fresh SQLite file, e.g. a new
    /// PostgreSQL database; the ratio goals are defined for SQLite.
    #[arg(long)]
    database_url: Option<String>,
    /// How long to measure fsync for (d), in seconds.
    #[arg(long, default_value_t = 3)]
    fsync_seconds: u64,
    /// Entries of the large synthetic log for (f); the small one has 1,000.
    #[arg(long, default_value_t = 1_000_000)]
    proof_entries: u64,
    /// Proofs of each kind timed for (f).
    #[arg(long, default_value_t = 2_000)]
    proof_samples: u64,
    /// Labels rendered for (g), per format.
    #[arg(long, default_value_t = 5_000)]
    labels: usize,
    /// Containers of 100 items packed, handed over and received for (j).
    #[arg(long, default_value_t = 20)]
    containers: usize,
    /// Demo units per city and year of the small ledger of (i) (about 10,000 events).
    #[arg(long, default_value_t = 78)]
    stats_units_small: usize,
    /// Demo units per city and year of the large ledger of (i) (about 1,000,000 events).
    #[arg(long, default_value_t = 7_800)]
    stats_units_large: usize,
}

/// Other benchmarks, run instead of the figures above.
#[derive(clap::Subcommand, Debug)]
enum BenchCommand {
    /// A sustained mixed load (ingestion, passports, proofs, statistics) for a bounded time,
    /// with latency per route and a check that no acknowledged event was lost.
    Load(load::LoadArgs),
}

/// The figures, as printed by `--json`.
#[derive(serde::Serialize)]
struct Figures {
    verify_per_s: f64,
    batch_ingest_per_s: f64,
    single_ingest_per_s: f64,
    fsync_per_s: f64,
    batch_ratio: f64,
    single_ratio: f64,
    audit_per_s: f64,
    audit_entries: u64,
    audit_ratio: f64,
    writer_ratio: f64,
    proofs_small: audit::ProofTimes,
    proofs_large: audit::ProofTimes,
    inclusion_ratio: f64,
    consistency_ratio: f64,
    label_svg_per_s: f64,
    label_png_per_s: f64,
    passport_ms: f64,
    stats_small: stats::StatsTimes,
    stats_large: stats::StatsTimes,
    stats_ratio: f64,
    containers: containers::ContainerTimes,
    cores: usize,
    batch_events: usize,
    single_events: usize,
    clients: usize,
}

pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(BenchCommand::Load(load)) = args.command {
        return load::load(load);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = tempfile::Builder::new().prefix("ewaste-bench").tempdir()?;
    eprintln!("(a) Ed25519 verification under the signature rule on {cores} cores…");
    let verify_per_s = verification_rate(args.verify)?;
    eprintln!("(d) fsync rate of {}…", dir.path().display());
    let fsync_per_s = fsync_rate(dir.path(), Duration::from_secs(args.fsync_seconds))?;

    eprintln!("starting a server on a fresh ledger…");
    let server = start_server(dir.path(), args.database_url.clone())?;
    let setup = Setup::new(&server, dir.path())?;
    eprintln!(
        "(b) {} events through POST /v1/events/batch…",
        args.batch_events
    );
    let batches = ingest::sign_batches(&setup, 0, args.batch_events, args.batch_size)?;
    let batch_ingest_per_s = ingest::ingest_batches(&server, batches, args.batch_events)?;
    eprintln!(
        "(c) {} events through POST /v1/events from {} clients…",
        args.single_events, args.clients
    );
    let singles = ingest::sign_batches(&setup, args.batch_events, args.single_events, 1)?;
    let single_ingest_per_s = ingest::ingest_singles(&server, singles, args.clients)?;
    eprintln!("(e) audit verify of the export of the log just written…");
    let (audit_per_s, audit_entries) = audit::audit_rate(&server.url, dir.path())?;
    eprintln!(
        "(f) proofs on synthetic logs of 1,000 and {} entries…",
        args.proof_entries
    );
    let proofs_small = audit::proof_times(dir.path(), 1_000, args.proof_samples)?;
    let proofs_large = audit::proof_times(dir.path(), args.proof_entries, args.proof_samples)?;
    eprintln!("(g) {} labels as SVG and as PNG…", args.labels);
    let (label_svg_per_s, label_png_per_s) = labels::label_rates(args.labels)?;
    eprintln!(
        "(h) passport page of a product with {} events…",
        pages::PASSPORT_EVENTS
    );
    let maker = Client::with_key(&server.url, setup.maker.clone());
    let passport_ms = pages::passport_render_ms(&maker, setup.maker_id, 200)?;
    eprintln!(
        "(j) {} containers of {} items packed, handed over and received…",
        args.containers,
        containers::ITEMS
    );
    let containers = containers::container_times(
        &server,
        &setup,
        &dir.path().join("data/admin-key.pem"),
        args.containers,
    )?;
    let mut stats = Vec::new();
    for (name, units) in [
        ("small", args.stats_units_small),
        ("large", args.stats_units_large),
    ] {
        eprintln!("(i) the demo at {units} units per city and year into a fresh ledger ({name}), then GET /v1/stats…");
        let dir = dir.path().join(format!("stats-{name}"));
        let server = start_server(&dir, None)?;
        let admin = dir.join("data/admin-key.pem");
        stats.push(stats::stats_times(&server.url, &admin, units, 200)?);
    }
    let stats_large = stats.pop().context("the large statistics run")?;
    let stats_small = stats.pop().context("the small statistics run")?;

    let figures = Figures {
        verify_per_s,
        batch_ingest_per_s,
        single_ingest_per_s,
        fsync_per_s,
        batch_ratio: batch_ingest_per_s / verify_per_s,
        single_ratio: single_ingest_per_s / fsync_per_s,
        audit_per_s,
        audit_entries,
        audit_ratio: audit_per_s / verify_per_s,
        writer_ratio: batch_ingest_per_s / verify_per_s / CORE_BATCH_RATIO,
        inclusion_ratio: proofs_large.inclusion_us / proofs_small.inclusion_us,
        consistency_ratio: proofs_large.consistency_us / proofs_small.consistency_us,
        proofs_small,
        proofs_large,
        label_svg_per_s,
        label_png_per_s,
        passport_ms,
        stats_ratio: stats_large.stats_ms / stats_small.stats_ms,
        stats_small,
        stats_large,
        containers,
        cores,
        batch_events: args.batch_events,
        single_events: args.single_events,
        clients: args.clients,
    };
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        println!("(a) verify_per_s        {:>10.0}  Ed25519 verifications/s, {cores} cores, the ledger's signature rule", figures.verify_per_s);
        println!(
            "(b) batch_ingest_per_s  {:>10.0}  events/s via POST /v1/events/batch ({} per request)",
            figures.batch_ingest_per_s, args.batch_size
        );
        println!(
            "(c) single_ingest_per_s {:>10.0}  events/s via POST /v1/events, {} clients",
            figures.single_ingest_per_s, args.clients
        );
        println!(
            "(d) fsync_per_s         {:>10.0}  fsyncs/s of a 4 KiB write",
            figures.fsync_per_s
        );
        println!(
            "    batch_ratio  (b)/(a) {:>9.3}  goal >= 0.25",
            figures.batch_ratio
        );
        println!(
            "    single_ratio (c)/(d) {:>9.3}  goal >= 2",
            figures.single_ratio
        );
        println!(
            "(e) audit_per_s         {:>10.0}  entries/s verified by `audit verify` ({} entries)",
            figures.audit_per_s, figures.audit_entries
        );
        println!(
            "    audit_ratio  (e)/(a) {:>9.3}  goal >= 0.8",
            figures.audit_ratio
        );
        println!(
            "    writer_ratio ((b)/(a))/{CORE_BATCH_RATIO} {:>5.3}  goal >= 0.8 (batch ingest with the tree vs the core issue's, as ratios to (a))",
            figures.writer_ratio
        );
        for proofs in [&figures.proofs_small, &figures.proofs_large] {
            println!(
                "(f) proofs at {:>9} entries: inclusion {:>7.1} µs, consistency {:>7.1} µs",
                proofs.entries, proofs.inclusion_us, proofs.consistency_us
            );
        }
        println!(
            "    inclusion_ratio {:>14.2}  consistency_ratio {:.2}  goal <= 2",
            figures.inclusion_ratio, figures.consistency_ratio
        );
        println!(
            "(g) labels per second    {:>9.0} SVG, {:.0} PNG ({cores} cores)",
            figures.label_svg_per_s, figures.label_png_per_s
        );
        println!(
            "(h) passport_ms         {:>10.2}  ms per passport page, {} events, over HTTP",
            figures.passport_ms,
            pages::PASSPORT_EVENTS
        );
        for run in [&figures.stats_small, &figures.stats_large] {
            println!(
                "(i) stats at {:>9} events: {:>7.2} ms per GET /v1/stats/DEBER; demo {:.0} events/s",
                run.events, run.stats_ms, run.demo_events_per_s
            );
        }
        println!(
            "    stats_ratio {:>18.2}  goal <= 2 (large over small)",
            figures.stats_ratio
        );
        println!(
            "(j) container_ms        {:>10.2}  ms per container of {} items: packed, handed over, received ({:.0} events/s, {:.0} items moved/s)",
            figures.containers.container_ms,
            figures.containers.items,
            figures.containers.container_events_per_s,
            figures.containers.items_moved_per_s
        );
    }
    Ok(())
}
