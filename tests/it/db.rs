//! A fresh database per test on both backends, and the `db_test!` macro that runs a test body
//! on each (docs/architecture.md).

use diesel::connection::SimpleConnection;
use diesel::Connection;
use ewaste_ledger::storage::DatabaseTarget;
use uuid::Uuid;

/// The environment variable naming the PostgreSQL server for the `postgres` variant of tests.
pub const PG_URL_VAR: &str = "EWASTE_TEST_DATABASE_URL";

/// Runs each async test body `async fn name(db: TestDb)` twice: as `name::sqlite` on a fresh
/// SQLite file and as `name::postgres` in a fresh PostgreSQL schema.
macro_rules! db_test {
    ($($(#[$meta:meta])* async fn $name:ident($db:ident: $ty:ty) $body:block)+) => {$(
        $(#[$meta])*
        async fn $name($db: $ty) $body

        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::db::TestDb::sqlite()).await;
            }

            #[actix_web::test]
            #[cfg_attr(not(postgres_tests), ignore = "set EWASTE_TEST_DATABASE_URL to run it on PostgreSQL")]
            async fn postgres() {
                if let Some(db) = $crate::db::TestDb::postgres(stringify!($name)) {
                    super::$name(db).await;
                }
            }
        }
    )+};
}
pub(crate) use db_test;

/// A fresh, empty database. Dropping it removes the PostgreSQL schema (the SQLite file goes
/// with its temporary directory).
pub struct TestDb {
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        TestDb {
            target: DatabaseTarget::Sqlite(dir.path().join("ledger.sqlite")),
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// A fresh schema on the server named by `EWASTE_TEST_DATABASE_URL`; `None` (with a printed
    /// skip) when it is not set, except in CI, where a missing PostgreSQL is a failure. Tests
    /// that call this are compiled as ignored without a server (`build.rs`), so `None` is only
    /// seen by a run with `--ignored`.
    pub fn postgres(test: &str) -> Option<TestDb> {
        let Ok(base) = std::env::var(PG_URL_VAR) else {
            if std::env::var_os("CI").is_some() {
                panic!("{PG_URL_VAR} is not set: PostgreSQL tests cannot be skipped in CI");
            }
            // Straight to stderr, past libtest's capture, so that the skip is always seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}::postgres: set {PG_URL_VAR} to run it on PostgreSQL"
            );
            return None;
        };
        let schema = format!("t_{}", Uuid::new_v4().simple());
        let mut conn = diesel::PgConnection::establish(&base)
            .unwrap_or_else(|e| panic!("cannot connect to {PG_URL_VAR} ({base}): {e}"));
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create the test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        Some(TestDb {
            target: DatabaseTarget::Postgres(url),
            _dir: None,
            pg_schema: Some((base, schema)),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self.target {
            DatabaseTarget::Sqlite(_) => "sqlite",
            DatabaseTarget::Postgres(_) => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut conn) = diesel::PgConnection::establish(base) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}
