//! Concurrency: clients race to record conflicting events on the same products while other
//! clients keep ingesting. Exactly one contender wins each race; every other gets 409
//! `stale-prev` naming the winner's entry as the product's current head. On PostgreSQL the
//! contenders are spread over two `serve` processes sharing the database, and the log stays one
//! linear chain.

use crate::db::{db_test, TestDb};
use crate::ingest::{check_nothing_lost, Ingestion};
use crate::process::{database_url, placed_on_market, post, registered, setup, start, Server};
use ewaste_ledger::domain::hash::Hash32;
use ewaste_ledger::storage::DatabaseTarget;
use serde_json::Value;
use std::sync::Barrier;
use uuid::Uuid;

const PRODUCTS: usize = 12;
const CONTENDERS: usize = 6;

/// The servers to race on: one for SQLite, two sharing the database (and its log key) for
/// PostgreSQL.
fn servers(dir: &std::path::Path, target: &DatabaseTarget) -> Vec<Server> {
    let url = database_url(target);
    let first = start(&dir.join("a"), &url);
    if matches!(target, DatabaseTarget::Sqlite(_)) {
        return vec![first];
    }
    std::fs::create_dir_all(dir.join("b")).expect("dir");
    std::fs::copy(dir.join("a/log-key.pem"), dir.join("b/log-key.pem")).expect("log key");
    let second = start(&dir.join("b"), &url);
    vec![first, second]
}

db_test! {
    async fn conflicting_events_have_exactly_one_winner(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let servers = servers(dir.path(), &db.target);
        let (maker, maker_id) = setup(&servers[0]);
        let products: Vec<(Uuid, Hash32)> = (0..PRODUCTS)
            .map(|n| {
                let registration = registered(&maker, maker_id, &format!("RACE{n}"));
                let (status, receipt) = post(&format!("{}/v1/events", servers[0].url), &registration);
                assert_eq!(status, 201, "{receipt}");
                let product = registration["event"]["product"].as_str().and_then(|p| Uuid::parse_str(p).ok());
                let head = receipt["leaf_hash"].as_str().and_then(Hash32::from_hex);
                (product.expect("product"), head.expect("head"))
            })
            .collect();
        let load: Vec<Ingestion> = servers
            .iter()
            .enumerate()
            .map(|(n, server)| Ingestion::start(&server.url, &maker, maker_id, &format!("LOAD{n}")))
            .collect();

        // Every contender waits at the barrier, so that each race starts at one instant.
        let barrier = Barrier::new(CONTENDERS);
        let answers: Vec<Vec<(u16, Value)>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..CONTENDERS)
                .map(|k| {
                    let (barrier, maker, products) = (&barrier, &maker, &products);
                    let url = format!("{}/v1/events", servers[k % servers.len()].url);
                    scope.spawn(move || {
                        products
                            .iter()
                            .map(|(product, head)| {
                                let event = placed_on_market(maker, maker_id, *product, *head);
                                barrier.wait();
                                post(&url, &event)
                            })
                            .collect()
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().expect("contender")).collect()
        });

        for (p, (product, _)) in products.iter().enumerate() {
            let race: Vec<&(u16, Value)> = answers.iter().map(|a| &a[p]).collect();
            let winners: Vec<&Value> = race.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
            assert_eq!(winners.len(), 1, "product {product}: one winner, not {race:?}");
            let winner = winners[0];
            for (status, body) in race.iter().filter(|(s, _)| *s != 201) {
                assert_eq!(
                    (*status, body["type"].as_str()),
                    (409, Some("urn:ewaste-ledger:problem:stale-prev")),
                    "product {product}: {body}"
                );
                assert_eq!(body["head"], winner["leaf_hash"], "the loser is told the current head");
                assert_eq!(body["head_seq"], winner["seq"], "and its seq");
            }
        }

        let mut outcomes = Vec::new();
        for ingestion in load {
            outcomes.push(ingestion.finish());
        }
        for (server, outcome) in servers.iter().zip(&outcomes) {
            check_nothing_lost(&db.target, &server.url, outcome);
        }
    }
}
