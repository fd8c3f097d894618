//! Crash safety: `serve` is killed with SIGKILL at random moments while four clients ingest,
//! then restarted, many times, on both backends. After every restart each acknowledged event
//! is in the log at the seq its receipt named, nothing unacknowledged is half-written, the
//! chain, tree and checkpoint pass `audit verify`, and the statistics equal those recomputed
//! from the log.
//!
//! Rounds: `EWASTE_CRASH_ROUNDS` (default 4; `.ci/run --long` uses 40). The random moments come
//! from `EWASTE_CRASH_SEED` (default: the clock), printed so that a failure can be replayed.

use crate::db::{db_test, TestDb};
use crate::ingest::{check_nothing_lost, Ingestion};
use crate::process::{agent, cli, database_url, setup, start, Server};
use std::time::Duration;

fn rounds() -> usize {
    std::env::var("EWASTE_CRASH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}

/// A small xorshift generator: the kill moments need to be varied and replayable, not secure.
struct Moments(u64);

impl Moments {
    fn new() -> Moments {
        let seed = std::env::var("EWASTE_CRASH_SEED")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        println!("EWASTE_CRASH_SEED={seed}");
        Moments(seed)
    }

    /// A delay between 0 and `max_ms` milliseconds.
    fn next(&mut self, max_ms: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(self.0 % (max_ms + 1))
    }
}

/// `audit verify` against the running server: entries, chain, tree, checkpoint signature and
/// the server's statistics against those recomputed from the entries.
pub(crate) fn audit_verify(server: &Server) {
    let log_key = agent()
        .get(&format!("{}/v1/log/key", server.url))
        .call()
        .expect("log key")
        .body_mut()
        .read_to_string()
        .expect("text");
    let out = cli(&[
        "audit",
        "verify",
        "--server",
        &server.url,
        "--log-key",
        log_key.trim(),
    ]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "audit verify failed: {printed}");
    assert!(printed.contains("equal those recomputed"), "{printed}");
}

db_test! {
    async fn sigkill_at_random_moments_loses_nothing_acknowledged(db: TestDb) {
        let url = database_url(&db.target);
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut server = start(&data, &url);
        let (maker, maker_id) = setup(&server);
        let mut moments = Moments::new();
        let mut size = 0;
        for round in 0..rounds() {
            let ingestion = Ingestion::start(&server.url, &maker, maker_id, &format!("R{round}"));
            // Some acknowledgements first, so that every round kills a server that has
            // answered; then a random moment within the next second and a half.
            ingestion.wait_for(20);
            std::thread::sleep(moments.next(1500));
            server.child.kill().expect("SIGKILL");
            server.child.wait().expect("reaped");
            let outcomes = ingestion.finish();

            server = start(&data, &url);
            let grown = check_nothing_lost(&db.target, &server.url, &outcomes);
            assert!(grown > size, "round {round} recorded nothing");
            size = grown;
            audit_verify(&server);
        }
    }
}
