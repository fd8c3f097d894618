//! The clients of `bench load`: one thread and one keep-alive connection per client, each a
//! closed loop (the next request as soon as the answer is in) on its routes until the clock
//! runs out. Every answer is checked against what it must be; latencies are kept per route.

use crate::cli::bench::wire::{self, Connection};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The routes of the mix, in the order of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Batch,
    Single,
    PassportHtml,
    PassportJson,
    Inclusion,
    Consistency,
    Stats,
}

impl Route {
    pub const ALL: [Route; 7] = [
        Route::Batch,
        Route::Single,
        Route::PassportHtml,
        Route::PassportJson,
        Route::Inclusion,
        Route::Consistency,
        Route::Stats,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Route::Batch => "POST /v1/events/batch",
            Route::Single => "POST /v1/events",
            Route::PassportHtml => "GET /p/{id} (HTML)",
            Route::PassportJson => "GET /p/{id} (JSON)",
            Route::Inclusion => "GET /v1/log/proof/inclusion",
            Route::Consistency => "GET /v1/log/proof/consistency",
            Route::Stats => "GET /v1/stats/{locode}",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A pre-signed ingestion request and the ids of its events, in order.
pub struct Prepared {
    pub request: Vec<u8>,
    pub ids: Vec<Uuid>,
}

/// An event the ledger acknowledged: its receipt's seq and leaf hash, and the id we sent.
#[derive(Clone, Copy, Debug)]
pub struct Ack {
    pub seq: u64,
    pub id: Uuid,
    pub leaf_hash: [u8; 32],
}

/// What one route saw.
#[derive(Default)]
pub struct Tally {
    pub latencies_us: Vec<u32>,
    /// Events (ingestion routes) or answered requests (reads) per second of the run.
    pub per_second: Vec<u64>,
    pub errors: u64,
    /// Events acknowledged (ingestion routes only).
    pub events: u64,
    /// The first few errors, for the report.
    pub samples: Vec<String>,
    /// When the route's pre-signed pool ran out (ingestion routes only).
    pub exhausted: Option<Duration>,
    pub clients: usize,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 5 {
            self.samples.push(what);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        if self.per_second.len() < other.per_second.len() {
            self.per_second.resize(other.per_second.len(), 0);
        }
        for (total, count) in self.per_second.iter_mut().zip(other.per_second) {
            *total += count;
        }
        self.errors += other.errors;
        self.events += other.events;
        for sample in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(sample);
            }
        }
        self.exhausted = match (self.exhausted, other.exhausted) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.clients += other.clients;
    }
}

/// What a client does.
pub enum Client<'a> {
    /// Takes pre-signed requests from a shared queue until it is empty.
    Ingest {
        route: Route,
        queue: &'a Mutex<std::vec::IntoIter<Prepared>>,
    },
    /// Cycles through read routes.
    Read(Vec<Route>),
}

/// What the readers ask for.
pub struct Targets {
    /// Passport paths (`/p/{id}`) and the number of events each product has.
    pub passports: Vec<String>,
    pub passport_events: usize,
    pub stats_path: String,
    /// The log size every proof may use: the highest acknowledged seq + 1 (a receipt comes
    /// after the commit of a checkpoint that covers it).
    pub known_size: AtomicU64,
}

/// The outcome of a run.
pub struct Outcome {
    pub tallies: Vec<Tally>,
    pub acks: Vec<Ack>,
    pub elapsed: Duration,
}

/// Runs every client for `duration` (from when all are connected) and collects the tallies.
pub fn run(
    address: SocketAddr,
    clients: Vec<Client<'_>>,
    targets: &Targets,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let barrier = Barrier::new(clients.len() + 1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(n, client)| {
                let barrier = &barrier;
                scope.spawn(move || worker(address, client, targets, barrier, duration, n as u64))
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let mut tallies: Vec<Tally> = Route::ALL.iter().map(|_| Tally::default()).collect();
        let mut acks = Vec::new();
        for worker in workers {
            let (mine, acked) = worker
                .join()
                .map_err(|_| anyhow::anyhow!("a load client panicked"))??;
            for (total, tally) in tallies.iter_mut().zip(mine) {
                total.merge(tally);
            }
            acks.extend(acked);
        }
        Ok(Outcome {
            tallies,
            acks,
            elapsed: start.elapsed(),
        })
    })
}

type WorkerResult = anyhow::Result<(Vec<Tally>, Vec<Ack>)>;

fn worker(
    address: SocketAddr,
    client: Client<'_>,
    targets: &Targets,
    barrier: &Barrier,
    duration: Duration,
    seed: u64,
) -> WorkerResult {
    let connected = Connection::open(address);
    barrier.wait();
    let mut connection = connected?;
    let start = Instant::now();
    let deadline = start + duration;
    let mut tallies: Vec<Tally> = Route::ALL.iter().map(|_| Tally::default()).collect();
    let mut acks = Vec::new();
    let mut random = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    let mut turn = 0usize;
    match &client {
        Client::Ingest { route, .. } => tallies[route.index()].clients = 1,
        Client::Read(routes) => {
            for route in routes {
                tallies[route.index()].clients = 1;
            }
        }
    }
    while Instant::now() < deadline {
        let (route, request, ids) = match &client {
            Client::Ingest { route, queue } => {
                let next = queue
                    .lock()
                    .map_err(|_| anyhow::anyhow!("queue poisoned"))?
                    .next();
                let Some(prepared) = next else {
                    tallies[route.index()].exhausted = Some(start.elapsed());
                    break;
                };
                (*route, prepared.request, prepared.ids)
            }
            Client::Read(routes) => {
                let route = routes[turn % routes.len()];
                turn += 1;
                (route, read_request(route, targets, &mut random), Vec::new())
            }
        };
        let sent = Instant::now();
        let answer = connection.exchange(&request);
        let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        let second = start.elapsed().as_secs() as usize;
        let tally = &mut tallies[route.index()];
        tally.latencies_us.push(micros);
        if tally.per_second.len() <= second {
            tally.per_second.resize(second + 1, 0);
        }
        let (status, body) = match answer {
            Ok(answer) => answer,
            Err(error) => {
                tally.error(format!("no answer: {error:#}"));
                // The connection may be half-used: start a new one.
                connection = Connection::open(address)?;
                continue;
            }
        };
        let checked = check(route, status, &body, &ids, targets);
        let done = match &checked {
            Ok(acked) | Err((_, acked)) if !ids.is_empty() => acked.len() as u64,
            _ => 1,
        };
        tally.per_second[second] += done;
        match checked {
            Ok(acked) => {
                tally.events += acked.len() as u64;
                if let Some(top) = acked.iter().map(|a| a.seq + 1).max() {
                    targets.known_size.fetch_max(top, Ordering::Relaxed);
                }
                acks.extend(acked);
            }
            Err((what, acked)) => {
                tally.error(format!("{status}: {what}"));
                tally.events += acked.len() as u64;
                acks.extend(acked);
            }
        }
    }
    Ok((tallies, acks))
}

fn read_request(route: Route, targets: &Targets, random: &mut Rng) -> Vec<u8> {
    let size = targets.known_size.load(Ordering::Relaxed).max(1);
    match route {
        Route::PassportHtml | Route::PassportJson => {
            let path = &targets.passports[random.below(targets.passports.len() as u64) as usize];
            let accept = if route == Route::PassportHtml {
                "text/html"
            } else {
                "application/json"
            };
            wire::get_request(path, Some(accept))
        }
        Route::Inclusion => {
            let seq = random.below(size);
            wire::get_request(
                &format!("/v1/log/proof/inclusion?seq={seq}&size={size}"),
                None,
            )
        }
        Route::Consistency => {
            let from = 1 + random.below(size);
            wire::get_request(
                &format!("/v1/log/proof/consistency?from={from}&to={size}"),
                None,
            )
        }
        Route::Stats => wire::get_request(&targets.stats_path, None),
        Route::Batch | Route::Single => unreachable!("ingestion requests are pre-signed"),
    }
}

#[derive(Deserialize)]
struct Receipt {
    seq: Option<u64>,
    leaf_hash: Option<String>,
    detail: Option<String>,
}

fn ack(receipt: &Receipt, id: Uuid) -> Option<Ack> {
    let leaf = receipt
        .leaf_hash
        .as_deref()
        .and_then(|h| hex::decode(h).ok())?;
    Some(Ack {
        seq: receipt.seq?,
        id,
        leaf_hash: leaf.try_into().ok()?,
    })
}

type Checked = Result<Vec<Ack>, (String, Vec<Ack>)>;

/// The expected outcomes: every pre-signed event is new and valid, so a single submission
/// must get 201 with a receipt, and a batch 200 with a receipt for every item (a problem item,
/// a 200 replay of a single event, a 409 or a 5xx is an error); every read must get 200, a
/// passport page must say that its chain verified.
fn check(route: Route, status: u16, body: &[u8], ids: &[Uuid], targets: &Targets) -> Checked {
    let text = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    match route {
        Route::Single => {
            let receipt: Option<Receipt> = serde_json::from_slice(body).ok();
            match (status, receipt.as_ref().and_then(|r| ack(r, ids[0]))) {
                (201, Some(acked)) => Ok(vec![acked]),
                _ => Err((text(), Vec::new())),
            }
        }
        Route::Batch => {
            let receipts: Vec<Receipt> = match serde_json::from_slice(body) {
                Ok(receipts) if status == 200 => receipts,
                _ => return Err((text(), Vec::new())),
            };
            let acked: Vec<Ack> = receipts
                .iter()
                .zip(ids)
                .filter_map(|(r, id)| ack(r, *id))
                .collect();
            if receipts.len() == ids.len() && acked.len() == ids.len() {
                Ok(acked)
            } else {
                let detail = receipts
                    .iter()
                    .find_map(|r| r.detail.clone())
                    .unwrap_or_else(text);
                Err((
                    format!(
                        "{} of {} events acknowledged: {detail}",
                        acked.len(),
                        ids.len()
                    ),
                    acked,
                ))
            }
        }
        Route::PassportHtml => {
            let verified = format!("Chain verified: {} signed events", targets.passport_events);
            let page = String::from_utf8_lossy(body);
            if status == 200 && page.contains(&verified) {
                Ok(Vec::new())
            } else {
                Err((text(), Vec::new()))
            }
        }
        Route::PassportJson | Route::Inclusion | Route::Consistency | Route::Stats => {
            if status == 200 && body.first() == Some(&b'{') {
                Ok(Vec::new())
            } else {
                Err((text(), Vec::new()))
            }
        }
    }
}

/// xorshift64*: cheap, and good enough to spread proofs and passports.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound.max(1)
    }
}
