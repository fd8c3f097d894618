//! Clients that keep recording events into a `serve` process while a test breaks something
//! (kills the server, stops its database, fills its disk), and the checks that follow: every
//! acknowledged event is in the log at the seq its receipt named, and every event that was
//! sent but not acknowledged is, when sent again, either recorded now or answered with the
//! receipt of an earlier, complete recording (never half-written).

use crate::process::{agent, placed_on_market, post, registered, verify_chain};
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::storage::DatabaseTarget;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use uuid::Uuid;

pub(crate) const UNAVAILABLE: &str = "urn:ewaste-ledger:problem:unavailable";

/// What the clients saw.
#[derive(Default)]
pub(crate) struct Outcomes {
    /// Event id → the seq its receipt named.
    pub(crate) acknowledged: Vec<(String, i64)>,
    /// Events sent without an answer (the server died) or answered 503, in the order sent.
    pub(crate) unsettled: Vec<Value>,
    /// How many requests were answered 503 with the `unavailable` problem.
    pub(crate) unavailable: usize,
    /// Any other answer: each a description. A test expects none.
    pub(crate) unexpected: Vec<String>,
}

impl Outcomes {
    fn merge(&mut self, other: Outcomes) {
        self.acknowledged.extend(other.acknowledged);
        self.unsettled.extend(other.unsettled);
        self.unavailable += other.unavailable;
        self.unexpected.extend(other.unexpected);
    }
}

/// Four clients: one sends batches of 20, one atomic batches of 5, two send single events,
/// each registration followed by the product's `placed_on_market` (so the products' chains
/// and the statistics move too).
pub(crate) struct Ingestion {
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    clients: Vec<JoinHandle<Outcomes>>,
}

impl Ingestion {
    pub(crate) fn start(url: &str, maker: &SigningKey, maker_id: Uuid, tag: &str) -> Ingestion {
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Counts::default());
        let clients = (0..4)
            .map(|client| {
                let mut state = Client {
                    url: url.to_string(),
                    maker: maker.clone(),
                    maker_id,
                    tag: format!("{tag}C{client}"),
                    stop: stop.clone(),
                    counts: counts.clone(),
                    outcomes: Outcomes::default(),
                };
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !state.stop.load(Ordering::Relaxed) {
                        match client {
                            0 => state.batch(n, 20, false),
                            1 => state.batch(n, 5, true),
                            _ => state.single_with_sale(n),
                        }
                        n += 1;
                    }
                    state.outcomes
                })
            })
            .collect();
        Ingestion {
            stop,
            counts,
            clients,
        }
    }

    /// Events acknowledged so far.
    pub(crate) fn acknowledged(&self) -> usize {
        self.counts.acknowledged.load(Ordering::Relaxed)
    }

    /// Requests answered 503 so far.
    pub(crate) fn unavailable(&self) -> usize {
        self.counts.unavailable.load(Ordering::Relaxed)
    }

    /// Waits until at least `count` events are acknowledged (at most a minute).
    pub(crate) fn wait_for(&self, count: usize) {
        wait_until(&self.counts.acknowledged, count, "events acknowledged");
    }

    /// Waits until at least `count` requests were answered 503 (at most a minute).
    pub(crate) fn wait_for_unavailable(&self, count: usize) {
        wait_until(&self.counts.unavailable, count, "503 answers");
    }

    pub(crate) fn finish(self) -> Outcomes {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Outcomes::default();
        for client in self.clients {
            all.merge(client.join().expect("client thread"));
        }
        all
    }
}

/// Running totals the test can watch while the clients work.
#[derive(Default)]
struct Counts {
    acknowledged: AtomicUsize,
    unavailable: AtomicUsize,
}

fn wait_until(counter: &AtomicUsize, count: usize, what: &str) {
    for _ in 0..600 {
        if counter.load(Ordering::Relaxed) >= count {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "only {} of {count} {what} within a minute",
        counter.load(Ordering::Relaxed)
    );
}

struct Client {
    url: String,
    maker: SigningKey,
    maker_id: Uuid,
    tag: String,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    outcomes: Outcomes,
}

/// One request's fate.
enum Answer {
    Acknowledged(Value),
    Unsettled,
    Refused,
}

impl Client {
    fn batch(&mut self, n: usize, size: usize, atomic: bool) {
        let events: Vec<Value> = (0..size)
            .map(|k| registered(&self.maker, self.maker_id, &format!("{}N{n}B{k}", self.tag)))
            .collect();
        let url = format!("{}/v1/events/batch?atomic={atomic}", self.url);
        match self.send(&url, &json!(events), &events) {
            Answer::Acknowledged(body) => {
                let answers = body.as_array().cloned().unwrap_or_default();
                for (event, answer) in events.iter().zip(&answers) {
                    self.settle(event, answer);
                }
            }
            Answer::Unsettled | Answer::Refused => {}
        }
    }

    fn single_with_sale(&mut self, n: usize) {
        let registration = registered(&self.maker, self.maker_id, &format!("{}N{n}", self.tag));
        let url = format!("{}/v1/events", self.url);
        let Answer::Acknowledged(receipt) = self.send(&url, &registration, &[&registration]) else {
            return;
        };
        if !self.settle(&registration, &receipt) {
            return;
        }
        let product = registration["event"]["product"]
            .as_str()
            .and_then(|p| Uuid::parse_str(p).ok());
        let head = receipt["leaf_hash"].as_str().and_then(Hash32::from_hex);
        let (Some(product), Some(head)) = (product, head) else {
            self.outcomes
                .unexpected
                .push(format!("receipt without a leaf hash: {receipt}"));
            return;
        };
        let sale = placed_on_market(&self.maker, self.maker_id, product, head);
        if let Answer::Acknowledged(receipt) = self.send(&url, &sale, &[&sale]) {
            self.settle(&sale, &receipt);
        }
    }

    /// Sends one request. A lost connection or a 503 leaves `events` unsettled; a lost
    /// connection also pauses a little (the server is down: do not spin).
    fn send<E: std::borrow::Borrow<Value>>(
        &mut self,
        url: &str,
        body: &Value,
        events: &[E],
    ) -> Answer {
        let response = agent().post(url).send_json(body);
        let unsettled = |outcomes: &mut Outcomes| {
            outcomes
                .unsettled
                .extend(events.iter().map(|e| e.borrow().clone()));
        };
        let Ok(mut response) = response else {
            unsettled(&mut self.outcomes);
            std::thread::sleep(Duration::from_millis(20));
            return Answer::Unsettled;
        };
        let status = response.status().as_u16();
        let Ok(answer) = response.body_mut().read_json::<Value>() else {
            unsettled(&mut self.outcomes);
            return Answer::Unsettled;
        };
        match status {
            200 | 201 => Answer::Acknowledged(answer),
            503 if answer["type"] == UNAVAILABLE => {
                self.outcomes.unavailable += 1;
                self.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                unsettled(&mut self.outcomes);
                // Retry-After says 2 s; a tenth of that keeps the test short.
                std::thread::sleep(Duration::from_millis(200));
                Answer::Unsettled
            }
            _ => {
                self.outcomes
                    .unexpected
                    .push(format!("{url} answered {status}: {answer}"));
                Answer::Refused
            }
        }
    }

    /// Records a receipt; anything else for a valid event is unexpected.
    fn settle(&mut self, event: &Value, answer: &Value) -> bool {
        let id = event["event"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match answer["seq"].as_i64() {
            Some(seq) => {
                self.outcomes.acknowledged.push((id, seq));
                self.counts.acknowledged.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => {
                self.outcomes
                    .unexpected
                    .push(format!("event {id} was answered {answer}"));
                false
            }
        }
    }
}

/// After the fault: the chain is intact, every acknowledged event is at its seq, and every
/// unsettled event sent again (in its original order) is recorded now or was recorded whole
/// before. Returns the log size.
pub(crate) fn check_nothing_lost(
    target: &DatabaseTarget,
    server_url: &str,
    outcomes: &Outcomes,
) -> usize {
    println!(
        "{} acknowledged, {} requests answered 503, {} events unsettled",
        outcomes.acknowledged.len(),
        outcomes.unavailable,
        outcomes.unsettled.len()
    );
    assert!(
        outcomes.unexpected.is_empty(),
        "unexpected answers: {:#?}",
        outcomes.unexpected
    );
    let logged = verify_chain(target);
    for (id, seq) in &outcomes.acknowledged {
        assert_eq!(
            logged.get(id),
            Some(seq),
            "acknowledged event {id} is in the log at its seq"
        );
    }
    let mut recorded_after_all = 0;
    for event in &outcomes.unsettled {
        let id = event["event"]["id"].as_str().expect("id").to_string();
        let (status, answer) = post(&format!("{server_url}/v1/events"), event);
        match status {
            200 => {
                assert_eq!(
                    logged.get(&id),
                    answer["seq"].as_i64().as_ref(),
                    "a replayed event {id} was recorded whole at the seq of its receipt"
                );
                recorded_after_all += 1;
            }
            201 => assert!(!logged.contains_key(&id), "event {id} is recorded twice"),
            _ => panic!("resending {id} was answered {status}: {answer}"),
        }
    }
    println!(
        "resent: {recorded_after_all} had been recorded (200), {} had not (201)",
        outcomes.unsettled.len() - recorded_after_all
    );
    verify_chain(target).len()
}
