//! Storage: URL parsing refuses what it cannot use, both migration folders match, and
//! migrations go up, down and up again cleanly on both backends.

use crate::support::{db_test, setup, TestDb};
use ewaste_ledger::storage::append::read_head;
use ewaste_ledger::storage::connection::{revert_all_migrations, run_migrations};
use ewaste_ledger::storage::{DatabaseTarget, StorageError};
use std::path::{Path, PathBuf};

#[test]
fn database_urls_are_parsed_strictly() {
    for url in [
        "mysql://x",
        "ledger.db",
        "sqlite://",
        "",
        "sqlite:ledger.db",
        "postgres:/x",
    ] {
        match DatabaseTarget::parse(url) {
            Err(StorageError::InvalidUrl { .. }) => {}
            other => panic!("`{url}` should be refused, got {other:?}"),
        }
    }
    assert_eq!(
        DatabaseTarget::parse("sqlite:///var/lib/ledger.sqlite").unwrap(),
        DatabaseTarget::Sqlite(PathBuf::from("/var/lib/ledger.sqlite"))
    );
    assert_eq!(
        DatabaseTarget::parse("sqlite://data/ledger.sqlite").unwrap(),
        DatabaseTarget::Sqlite(PathBuf::from("data/ledger.sqlite"))
    );
    for url in ["postgres://u@h/db", "postgresql://u@h/db?sslmode=disable"] {
        assert_eq!(
            DatabaseTarget::parse(url).unwrap(),
            DatabaseTarget::Postgres(url.into())
        );
    }
    // A password never appears in the error.
    let error = DatabaseTarget::parse("mysql://user:secret@host/db").unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
}

fn migration_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{} lacks {file}",
                    entry.path().display()
                );
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgres"));
}

db_test!(
    async fn migrations_go_up_down_and_up_again(db: TestDb) {
        let mut conn = db.target.connect().expect("connect");
        run_migrations(&mut conn).expect("up");
        assert_eq!(read_head(&mut conn).expect("head after up").size, 0);
        revert_all_migrations(&mut conn).expect("down");
        assert!(
            read_head(&mut conn).is_err(),
            "the tables are gone after down"
        );
        run_migrations(&mut conn).expect("up again");
        run_migrations(&mut conn).expect("up is idempotent");
        drop(conn);
        // The ledger works on the re-created schema, and its data goes with the next down.
        let env = setup(db).await;
        assert!(env.log_size().await > 0);
        let mut conn = env.db.target.connect().expect("connect");
        revert_all_migrations(&mut conn).expect("down with data");
        run_migrations(&mut conn).expect("up after data");
        assert_eq!(read_head(&mut conn).expect("fresh head").size, 0);
    }
);
