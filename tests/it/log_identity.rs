//! Start-up checks of the log (ledger::tree::prepare) on both backends: a server with another
//! log key is refused, a server without `--origin` keeps the stored one, and a database whose
//! stored tree is missing gets it rebuilt from the entries.

use crate::db::{db_test, TestDb};
use crate::support::{log_signing_key, open_ledger, setup, ORIGIN};
use crate::tamper;
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use ewaste_ledger::ledger::audit::{audit, AuditOptions};
use ewaste_ledger::ledger::{Ledger, LedgerSettings, LogIdentity, OpenError};
use ewaste_ledger::storage::schema::merkle_nodes;

fn open_as(
    db: &TestDb,
    origin: &str,
    key: SigningKey,
    explicit: bool,
) -> Result<Ledger, OpenError> {
    let log = LogIdentity {
        origin: origin.into(),
        key,
        origin_explicit: explicit,
    };
    Ledger::open(&db.target, &LedgerSettings::default(), log)
}

db_test! {
    /// Another key, or another explicit origin, cannot sign this log; without `--origin` the
    /// stored origin is kept.
    async fn a_log_is_signed_by_one_key_and_origin(db: TestDb) {
        let env = setup(db).await;
        let other = SigningKey::from_bytes(&[0x55; 32]);
        let refused = open_as(&env.db, ORIGIN, other, true).err().expect("another key is refused");
        assert!(refused.to_string().contains("same log-key.pem"), "{refused}");
        let refused = open_as(&env.db, "elsewhere/log", log_signing_key(), true)
            .err()
            .expect("another explicit origin is refused");
        assert!(refused.to_string().contains("`ledger.test/log`"), "{refused}");
        let adopted = open_as(&env.db, "127.0.0.1:9999/log", log_signing_key(), false)
            .expect("a default origin gives way to the stored one");
        assert_eq!(adopted.log_key().name, ORIGIN);
    }

    /// A database whose stored Merkle nodes are gone (written before the tree existed, or
    /// damaged) gets them rebuilt from the entries at start, and then audits clean.
    async fn a_missing_tree_is_rebuilt_at_start(db: TestDb) {
        let env = setup(db).await;
        env.register("REBUILD-1").await;
        let size = env.log_size().await;
        let mut conn = tamper::connect(&env.db.target);
        diesel::delete(merkle_nodes::table).execute(&mut conn).expect("delete nodes");

        let reopened = open_ledger(&env.db);
        let nodes: i64 = merkle_nodes::table.count().get_result(&mut conn).expect("count");
        // A tree of n leaves has n − popcount(n) complete subtrees above its leaves.
        assert_eq!(nodes, size - i64::from(size.count_ones()), "nodes for {size} entries");
        let proof = reopened.inclusion_proof(1, size as u64).await.expect("a proof");
        let (mut export, first) = reopened.export_start().await.expect("export");
        let mut cursor = Some(first);
        while let Some(at) = cursor {
            let page = reopened.export_page(at).await.expect("page");
            export.extend_from_slice(&page.bytes);
            cursor = page.next;
        }
        let key = reopened.log_key().clone();
        let report = audit(&export[..], &AuditOptions::new(key), &()).expect("audits clean");
        assert_eq!(report.root, proof.root);
    }
}
