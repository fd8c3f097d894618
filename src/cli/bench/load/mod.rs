//! `ewaste-ledger bench load`: a sustained mixed load on a server started in this process on
//! loopback. Before the clock starts it registers a city, a manufacturer and the products whose
//! passports are read, measures the machine's Ed25519 verification rate (`bench`'s (a)) and
//! pre-signs the events to ingest. Then, for `--seconds`, a fixed set of closed-loop clients
//! runs at once: batch and single ingestion, passport pages (HTML and JSON), inclusion and
//! consistency proofs, city statistics ([`run`]). At the end every acknowledged event is
//! looked up in the log at its receipt's seq, and the signed checkpoint must cover exactly the
//! log ([`check`]). The CPU the run used is read from /proc ([`cpu`]).

mod check;
mod cpu;
mod run;

use super::machine::{verification_rate, CORE_BATCH_RATIO};
use super::rig::{start_server, Setup};
use crate::cli::CliError;
use check::Verification;
use clap::Args;
use cpu::CpuUse;
use run::{Client, Prepared, Route, Targets};
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// How long the mixed load runs.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Run on this (empty) database instead of a fresh SQLite file, e.g. a new PostgreSQL
    /// database.
    #[arg(long)]
    database_url: Option<String>,
    /// Signatures verified for the machine's reference rate (`bench`'s (a)).
    #[arg(long, default_value_t = 20_000)]
    verify: usize,
    /// Clients posting to `POST /v1/events/batch`.
    #[arg(long, default_value_t = 2)]
    batch_clients: usize,
    /// Events per batch request.
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Clients posting one event per request to `POST /v1/events`.
    #[arg(long, default_value_t = 8)]
    single_clients: usize,
    /// Clients reading passports, each alternating HTML and JSON.
    #[arg(long, default_value_t = 2)]
    passport_clients: usize,
    /// Clients asking for proofs, each alternating inclusion and consistency.
    #[arg(long, default_value_t = 2)]
    proof_clients: usize,
    /// Clients reading a city's statistics.
    #[arg(long, default_value_t = 1)]
    stats_clients: usize,
    /// Products whose passports are read.
    #[arg(long, default_value_t = 20)]
    products: usize,
    /// Events of each of those products.
    #[arg(long, default_value_t = 10)]
    passport_events: usize,
    /// Most events pre-signed for ingestion, 4/5 for batches and 1/5 for singles [default:
    /// enough for --seconds at 1/4 of the verification rate]. When they run out, the ingestion
    /// clients stop early and the report says when.
    #[arg(long)]
    max_events: Option<usize>,
}

/// The events pre-signed per second of run, as a fraction of the verification rate: the
/// ledger ingests about a quarter of it with batches alone and nothing else to do (`bench`'s
/// `batch_ratio`), less under a mix.
const POOL_FRACTION: f64 = 0.25;

/// One row of the table.
#[derive(serde::Serialize)]
struct Row {
    route: &'static str,
    clients: usize,
    requests: usize,
    requests_per_s: f64,
    events: u64,
    events_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: u64,
    error_samples: Vec<String>,
    /// When the pre-signed pool ran out, seconds after the start (rates are over that time).
    pool_exhausted_s: Option<f64>,
    /// Events (ingestion) or answered requests (reads) in each second of the run.
    per_second: Vec<u64>,
}

#[derive(serde::Serialize)]
struct Report {
    backend: &'static str,
    cores: usize,
    seconds: f64,
    /// The mean of the verification rates measured just before and just after the load.
    verify_per_s: f64,
    verify_before_per_s: f64,
    verify_after_per_s: f64,
    /// CPU used during the load (Linux only).
    cpu: Option<CpuUse>,
    routes: Vec<Row>,
    ingest_per_s: f64,
    /// Ingestion (batch and single) over the verification rate of this run.
    ingest_ratio: f64,
    batch_ratio: f64,
    /// `ingest_ratio` over the core issue's `batch_ratio` (batch ingestion alone).
    ingest_vs_core: f64,
    errors: u64,
    verification: Verification,
}

pub fn load(args: LoadArgs) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "Ed25519 verification of {} signatures under the signature rule on {cores} cores…",
        args.verify
    );
    // Sizes the pool of pre-signed events; measured again right before and after the load.
    let verify_first_per_s = verification_rate(args.verify)?;
    let dir = tempfile::Builder::new().prefix("ewaste-load").tempdir()?;
    eprintln!("starting a server on a fresh ledger…");
    let server = start_server(dir.path(), args.database_url.clone())?;
    let setup = Setup::new(&server, dir.path())?;
    eprintln!(
        "{} products of {} events for the passport readers…",
        args.products, args.passport_events
    );
    let maker = crate::cli::client::Client::with_key(&server.url, setup.maker.clone());
    let passports = check::passport_products(
        &maker,
        setup.maker_id,
        args.products.max(1),
        args.passport_events.max(1),
    )?;

    let pool = args.max_events.unwrap_or_else(|| {
        (verify_first_per_s * POOL_FRACTION * args.seconds as f64).ceil() as usize
    });
    let batch_pool = if args.single_clients == 0 {
        pool
    } else if args.batch_clients == 0 {
        0
    } else {
        pool * 4 / 5
    };
    eprintln!(
        "pre-signing {batch_pool} events for batches of {} and {} single events…",
        args.batch_size,
        pool - batch_pool
    );
    let started = Instant::now();
    let batches = check::sign_requests(
        &setup.maker,
        setup.maker_id,
        0..batch_pool,
        args.batch_size,
        "/v1/events/batch",
        true,
    )?;
    let singles = check::sign_requests(
        &setup.maker,
        setup.maker_id,
        batch_pool..pool,
        1,
        "/v1/events",
        false,
    )?;
    eprintln!("  signed in {:.1} s", started.elapsed().as_secs_f64());

    let year = chrono::Datelike::year(&chrono::Utc::now());
    let targets = Targets {
        passports,
        passport_events: args.passport_events.max(1),
        stats_path: format!("/v1/stats/DEBER?year={year}"),
        known_size: AtomicU64::new(check::checkpoint(&server.url)?.0),
    };
    let batch_queue: Mutex<std::vec::IntoIter<Prepared>> = Mutex::new(batches.into_iter());
    let single_queue = Mutex::new(singles.into_iter());
    let mut clients = Vec::new();
    let ingest = |route, queue| Client::Ingest { route, queue };
    clients.extend((0..args.batch_clients).map(|_| ingest(Route::Batch, &batch_queue)));
    clients.extend((0..args.single_clients).map(|_| ingest(Route::Single, &single_queue)));
    clients.extend((0..args.passport_clients).map(|n| {
        // Alternating, and starting on different routes, so that both are always read.
        let mut routes = vec![Route::PassportHtml, Route::PassportJson];
        routes.rotate_left(n % 2);
        Client::Read(routes)
    }));
    clients.extend((0..args.proof_clients).map(|n| {
        let mut routes = vec![Route::Inclusion, Route::Consistency];
        routes.rotate_left(n % 2);
        Client::Read(routes)
    }));
    clients.extend((0..args.stats_clients).map(|_| Client::Read(vec![Route::Stats])));
    eprintln!(
        "mixed load for {} s from {} clients…",
        args.seconds,
        clients.len()
    );
    let verify_before_per_s = verification_rate(args.verify)?;
    let ticks = cpu::cpu_ticks();
    let outcome = run::run(
        server.address,
        clients,
        &targets,
        Duration::from_secs(args.seconds),
    )?;
    let cpu = ticks
        .zip(cpu::cpu_ticks())
        .map(|(before, after)| cpu::cpu_use(before, after, cores));
    drop((batch_queue, single_queue));
    // Again after the load: this machine's speed drifts, and a ratio to a rate measured at
    // another speed would mislead; the report gives both.
    let verify_after_per_s = verification_rate(args.verify)?;
    let verify_per_s = (verify_before_per_s + verify_after_per_s) / 2.0;

    eprintln!(
        "checking {} acknowledged events against the log…",
        outcome.acks.len()
    );
    let verification = check::verify(&server.url, outcome.acks)?;
    let elapsed = outcome.elapsed.as_secs_f64();
    let routes: Vec<Row> = Route::ALL
        .iter()
        .zip(outcome.tallies)
        .map(|(route, mut tally)| {
            tally.latencies_us.sort_unstable();
            let active = tally.exhausted.map_or(elapsed, |t| t.as_secs_f64());
            let active = active.max(1e-3);
            let at = |q: f64| {
                let n = tally.latencies_us.len();
                if n == 0 {
                    return 0.0;
                }
                let index = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
                f64::from(tally.latencies_us[index]) / 1000.0
            };
            Row {
                route: route.name(),
                clients: tally.clients,
                requests: tally.latencies_us.len(),
                requests_per_s: tally.latencies_us.len() as f64 / active,
                events: tally.events,
                events_per_s: tally.events as f64 / active,
                p50_ms: at(0.50),
                p99_ms: at(0.99),
                max_ms: at(1.0),
                errors: tally.errors,
                error_samples: tally.samples,
                pool_exhausted_s: tally.exhausted.map(|t| t.as_secs_f64()),
                per_second: tally.per_second,
            }
        })
        .collect();
    let batch_per_s = routes[0].events_per_s;
    let ingest_per_s = batch_per_s + routes[1].events_per_s;
    let errors = routes.iter().map(|r| r.errors).sum();
    let report = Report {
        backend: match &args.database_url {
            Some(url) if url.starts_with("postgres") => "postgres",
            _ => "sqlite",
        },
        cores,
        seconds: elapsed,
        verify_per_s,
        verify_before_per_s,
        verify_after_per_s,
        cpu,
        ingest_per_s,
        ingest_ratio: ingest_per_s / verify_per_s,
        batch_ratio: batch_per_s / verify_per_s,
        ingest_vs_core: ingest_per_s / verify_per_s / CORE_BATCH_RATIO,
        errors,
        routes,
        verification,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_table(&report);
    }
    if errors > 0 || !report.verification.ok() {
        return Err(CliError::Verification(format!(
            "the mixed load saw {errors} errors and {} lost events (log {} entries, checkpoint {}, root {})",
            report.verification.lost,
            report.verification.log_size,
            report.verification.checkpoint_size,
            if report.verification.root_matches { "matches" } else { "differs" }
        ))
        .into());
    }
    Ok(())
}

fn print_table(report: &Report) {
    println!(
        "mixed load: {:.1} s on {}, {} cores; Ed25519 verification {:.0}/s in this run ({:.0} before the load, {:.0} after)",
        report.seconds,
        report.backend,
        report.cores,
        report.verify_per_s,
        report.verify_before_per_s,
        report.verify_after_per_s
    );
    if let Some(cpu) = report.cpu {
        println!(
            "CPU during the load: {:.2} cores by this process (server and clients), {:.2} by everything else",
            cpu.process_cores, cpu.other_cores
        );
    }
    println!(
        "{:<30} {:>7} {:>9} {:>9} {:>10} {:>8} {:>8} {:>8} {:>6}",
        "route", "clients", "requests", "req/s", "events/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for row in &report.routes {
        let events = if row.events > 0 {
            format!("{:.0}", row.events_per_s)
        } else {
            String::new()
        };
        println!(
            "{:<30} {:>7} {:>9} {:>9.1} {:>10} {:>8.2} {:>8.2} {:>8.2} {:>6}",
            row.route,
            row.clients,
            row.requests,
            row.requests_per_s,
            events,
            row.p50_ms,
            row.p99_ms,
            row.max_ms,
            row.errors
        );
        if let Some(at) = row.pool_exhausted_s {
            println!("  (its pre-signed events ran out after {at:.1} s; rates are over that time)");
        }
        for sample in &row.error_samples {
            println!("  error: {sample}");
        }
    }
    println!(
        "ingestion {:.0} events/s: {:.3} of the verification rate (batches alone {:.3}); {:.2}× the core issue's batch_ratio {CORE_BATCH_RATIO}",
        report.ingest_per_s, report.ingest_ratio, report.batch_ratio, report.ingest_vs_core
    );
    // Sustained or not: ingestion over the run, in ten slices (or seconds, if fewer).
    let seconds: Vec<u64> = (0..report.routes[0]
        .per_second
        .len()
        .max(report.routes[1].per_second.len()))
        .map(|s| {
            report.routes[..2]
                .iter()
                .map(|r| r.per_second.get(s).copied().unwrap_or(0))
                .sum()
        })
        .take(report.seconds.floor().max(1.0) as usize)
        .collect();
    let slice = seconds.len().div_ceil(10).max(1);
    let slices: Vec<String> = seconds
        .chunks(slice)
        .map(|chunk| {
            format!(
                "{:.0}",
                chunk.iter().sum::<u64>() as f64 / chunk.len() as f64
            )
        })
        .collect();
    println!(
        "ingestion events/s by {slice} s of the run: {}",
        slices.join(" ")
    );
    let v = &report.verification;
    println!(
        "acknowledged {} events, lost {}; log {} entries, checkpoint {} ({}), root {}",
        v.acknowledged,
        v.lost,
        v.log_size,
        v.checkpoint_size,
        if v.log_size == v.checkpoint_size {
            "equal"
        } else {
            "DIFFERENT"
        },
        if v.root_matches { "matches" } else { "DIFFERS" }
    );
    for sample in &v.lost_samples {
        println!("  lost: {sample}");
    }
}
