//! `ewaste-ledger bench`: the figures of the write path, measured in one run on this machine
//! so that they can be read as ratios to the machine's own limits:
//! (a) Ed25519 verification on all cores under the ledger's signature rule, (b) ingest through
//! `POST /v1/events/batch`, (c) ingest through single `POST /v1/events` from many clients,
//! (d) the disk's fsync rate, (e) `audit verify` of the log just written, (f) proof latency on
//! logs of 1,000 and 1,000,000 entries ([`audit`]), (g) labels rendered per second
//! ([`labels`]), (h) the passport page of a product with 50 events ([`pages`]). Events are
//! signed before any clock starts.

mod audit;
mod labels;
mod load;
mod pages;
mod stats;
mod wire;

use crate::cli::client::Client;
use crate::cli::serve::{run_server, ServeArgs};
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::gtin::Gtin14;
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::serial::Serial;
use crate::domain::signing;
use anyhow::Context;
use clap::Args;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use uuid::Uuid;

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

/// The core issue's `batch_ratio` (batch ingest over the verify rate of the same run), before
/// the Merkle tree and a checkpoint were written with every batch: commit 178c457's own bench
/// on this machine, 2026-11-29 (docs/benchmarks.md). As a ratio to the machine's verify rate it
/// carries over between runs even though this machine's speed varies by 2× from day to day.
pub(super) const CORE_BATCH_RATIO: f64 = 0.244;

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
    let batches = setup.sign_batches(0, args.batch_events, args.batch_size)?;
    let batch_ingest_per_s = ingest_batches(&server, batches, args.batch_events)?;
    eprintln!(
        "(c) {} events through POST /v1/events from {} clients…",
        args.single_events, args.clients
    );
    let singles = setup.sign_batches(args.batch_events, args.single_events, 1)?;
    let single_ingest_per_s = ingest_singles(&server, singles, args.clients)?;
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
    }
    Ok(())
}

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
fn fsync_rate(dir: &std::path::Path, duration: Duration) -> anyhow::Result<f64> {
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

pub(super) struct Server {
    pub(super) url: String,
    pub(super) address: SocketAddr,
}

pub(super) fn start_server(
    dir: &std::path::Path,
    database_url: Option<String>,
) -> anyhow::Result<Server> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let args = ServeArgs {
        bind: Some(address),
        data_dir: Some(dir.join("data")),
        database_url,
        ..ServeArgs::default()
    };
    let config = args.config()?;
    std::thread::spawn(move || {
        if let Err(error) =
            actix_web::rt::System::new().block_on(run_server(config, listener, None))
        {
            eprintln!("bench server failed: {error:#}");
        }
    });
    let server = Server {
        url: format!("http://{address}"),
        address,
    };
    let probe = ureq::Agent::new_with_defaults();
    for _ in 0..200 {
        if probe.get(&format!("{}/healthz", server.url)).call().is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    anyhow::bail!("the bench server did not start")
}

/// A manufacturer and a city, registered through the API with the bootstrap admin key.
pub(super) struct Setup {
    pub(super) maker: SigningKey,
    pub(super) maker_id: Uuid,
}

impl Setup {
    pub(super) fn new(server: &Server, dir: &std::path::Path) -> anyhow::Result<Setup> {
        let admin = Client::with_key(
            &server.url,
            crate::key_files::read_pem(&dir.join("data/admin-key.pem"))?,
        );
        admin.registry_event(
            Kind::CityRegistered,
            json!({"locode": "DEBER", "name": "Berlin", "country": "DE", "population": 3_850_000, "population_year": 2024}),
        )?;
        let maker = SigningKey::from_bytes(&[9; 32]);
        let maker_id = Uuid::new_v4();
        // Registered a day back: its events, dated a minute before signing, may not precede it.
        admin.registry_event_at(
            Kind::ActorRegistered,
            json!({"actor": maker_id, "org": "Bench Devices", "name": "line 1", "roles": ["manufacturer", "retailer"],
                   "public_key": crate::key_files::public_key_base64(&maker)}),
            &format_timestamp(chrono::Utc::now() - chrono::Duration::days(1)),
        )?;
        Ok(Setup { maker, maker_id })
    }

    /// Pre-signed `registered` events for serials `first..first+count`, as request bodies of
    /// `per_request` events (1 = a single event object, not an array).
    fn sign_batches(
        &self,
        first: usize,
        count: usize,
        per_request: usize,
    ) -> anyhow::Result<Vec<Vec<u8>>> {
        let gtin = Gtin14::parse("09506000134352").context("bench GTIN")?;
        let occurred_at = format_timestamp(chrono::Utc::now() - chrono::Duration::minutes(1));
        let envelopes: Vec<Value> = (first..first + count)
            .into_par_iter()
            .map(|n| {
                let serial_text = format!("B{n:010}");
                let serial = Serial::parse(&serial_text).context("bench serial")?;
                let draft = Draft {
                    id: Uuid::new_v4(),
                    kind: Kind::Registered,
                    actor: self.maker_id,
                    occurred_at: occurred_at.clone(),
                    city: Some("DEBER".into()),
                    product: Some(identifiers::product_id(&gtin, &serial)),
                    prev: None,
                    data: json!({"unu_key": "0303", "weight_g": 1_160, "gtin": gtin.as_str(), "serial": serial_text}),
                };
                Ok(draft.sign(&self.maker)?)
            })
            .collect::<anyhow::Result<_>>()?;
        envelopes
            .chunks(per_request)
            .map(|chunk| {
                Ok(if per_request == 1 {
                    serde_json::to_vec(&chunk[0])?
                } else {
                    serde_json::to_vec(chunk)?
                })
            })
            .collect()
    }
}

/// Sends prepared requests from `clients` threads, each with its own keep-alive connection
/// taking the next request; checks that every answer accepted `expect_each` events.
fn send_all(
    address: SocketAddr,
    requests: Vec<Vec<u8>>,
    clients: usize,
    expect_each: usize,
) -> anyhow::Result<Duration> {
    let queue = std::sync::Mutex::new(requests.into_iter());
    let start = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    let mut connection = wire::Connection::open(address)?;
                    loop {
                        let next = queue
                            .lock()
                            .map_err(|_| anyhow::anyhow!("queue poisoned"))?
                            .next();
                        let Some(request) = next else {
                            return Ok(());
                        };
                        let (status, body) = connection.exchange(&request)?;
                        let answer: Value = serde_json::from_slice(&body)?;
                        let accepted = match &answer {
                            Value::Array(items) => {
                                items.iter().filter(|i| i.get("seq").is_some()).count()
                            }
                            other => usize::from(other.get("seq").is_some()),
                        };
                        if !(200..300).contains(&status) || accepted != expect_each {
                            anyhow::bail!(
                                "the ledger refused bench events ({status}): {answer:.300}"
                            );
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a bench client panicked"))??;
        }
        Ok(())
    })?;
    Ok(start.elapsed())
}

/// (b) Two clients keep the batch endpoint busy so that parsing, verification and the
/// writer's commit overlap.
fn ingest_batches(server: &Server, batches: Vec<Vec<u8>>, events: usize) -> anyhow::Result<f64> {
    let per_request = events.div_ceil(batches.len().max(1));
    let requests = batches
        .iter()
        .map(|body| wire::post_request("/v1/events/batch", body))
        .collect();
    let elapsed = send_all(server.address, requests, 2, per_request)?;
    Ok(events as f64 / elapsed.as_secs_f64())
}

/// (c) Many clients, one event per request: group commit must beat one fsync per event.
fn ingest_singles(server: &Server, singles: Vec<Vec<u8>>, clients: usize) -> anyhow::Result<f64> {
    let count = singles.len();
    let requests = singles
        .iter()
        .map(|body| wire::post_request("/v1/events", body))
        .collect();
    let elapsed = send_all(server.address, requests, clients, 1)?;
    Ok(count as f64 / elapsed.as_secs_f64())
}
