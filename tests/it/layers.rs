//! The layers of docs/architecture.md, enforced by reading the source: `domain`, `labels` and
//! `demo` are pure (every file, at any depth) and `http` never talks to the database directly.
//! Test modules (`#[cfg(test)]` onwards) may use files, so only the code above them is read.

use std::path::Path;

fn production_code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("source file");
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Every `.rs` file under `dir`, at any depth, in a stable order.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("source directory")
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The forbidden words that `code` names, each reported against `name`.
fn offences_in(name: &str, code: &str, forbidden: &[&str]) -> Vec<String> {
    forbidden
        .iter()
        .filter(|word| code.contains(*word))
        .map(|word| format!("{name} names `{word}`"))
        .collect()
}

fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    rust_files(&root)
        .iter()
        .flat_map(|path| {
            offences_in(
                &path.display().to_string(),
                &production_code(path),
                forbidden,
            )
        })
        .collect()
}

/// What a pure module must not name: the database, the web framework, files, the network,
/// the clock and randomness.
const IMPURE: &[&str] = &[
    "diesel",
    "actix",
    "std::fs",
    "std::net",
    "Utc::now",
    "SystemTime",
    "Instant::now",
    "OsRng",
    "thread_rng",
];

#[test]
fn labels_and_demo_are_pure() {
    let found: Vec<String> = ["src/labels", "src/demo"]
        .into_iter()
        .flat_map(|dir| offences(dir, IMPURE))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_scanner_finds_a_violation_in_a_string() {
    let code = "use std::fs::read;\nfn f() { let _ = chrono::Utc::now(); }\n";
    let found = offences_in("synthetic.rs", code, IMPURE);
    assert_eq!(
        found,
        [
            "synthetic.rs names `std::fs`",
            "synthetic.rs names `Utc::now`"
        ]
    );
    assert!(offences_in("clean.rs", "fn f() {}", IMPURE).is_empty());
}

#[test]
fn the_scan_reaches_nested_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    assert!(rust_files(&root)
        .iter()
        .any(|path| path.parent().is_some_and(|p| p.ends_with("stats"))));
}

#[test]
fn domain_is_pure() {
    let found = offences("src/domain", IMPURE);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn http_does_not_touch_the_database() {
    let found = offences("src/http", &["diesel", "storage::"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// The commands reach the database only through the ledger (which owns the write sequence and
/// the migrations); naming the database's address (`storage::DatabaseTarget`) is allowed.
#[test]
fn cli_writes_and_reads_through_the_ledger() {
    let storage_modules = [
        "storage::append",
        "storage::backfill",
        "storage::connection",
        "storage::read",
        "storage::rows",
        "storage::schema",
        "storage::scratch",
        "storage::stats",
        "storage::tree",
        "diesel",
    ];
    let found = offences("src/cli", &storage_modules);
    assert!(found.is_empty(), "{found:#?}");
}

/// Dependencies point one way (docs/architecture.md): no layer names one above it.
#[test]
fn dependencies_point_one_way() {
    const ABOVE_DOMAIN: &[&str] = &[
        "crate::storage",
        "crate::ledger",
        "crate::http",
        "crate::cli",
        "crate::labels",
        "crate::demo",
    ];
    const ABOVE_PURE: &[&str] = &[
        "crate::storage",
        "crate::ledger",
        "crate::http",
        "crate::cli",
    ];
    let layers: [(&str, &[&str]); 6] = [
        ("src/domain", ABOVE_DOMAIN),
        ("src/labels", ABOVE_PURE),
        ("src/demo", ABOVE_PURE),
        (
            "src/storage",
            &["crate::ledger", "crate::http", "crate::cli"],
        ),
        ("src/ledger", &["crate::http", "crate::cli"]),
        ("src/http", &["crate::cli"]),
    ];
    let found: Vec<String> = layers
        .into_iter()
        .flat_map(|(dir, above)| offences(dir, above))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    // Guard against a check that cannot fail: http does name the ledger below it.
    assert!(!offences("src/http", &["crate::ledger"]).is_empty());
}

#[test]
fn only_storage_names_diesel() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let storage = src.join("storage");
    let found: Vec<String> = rust_files(&src)
        .iter()
        .filter(|path| !path.starts_with(&storage))
        .flat_map(|path| {
            offences_in(
                &path.display().to_string(),
                &production_code(path),
                &["diesel"],
            )
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_itself_catches_an_offence() {
    // Guard against a check that cannot fail: the storage layer does name diesel.
    assert!(!offences("src/storage", &["diesel"]).is_empty());
}

/// Configuration is built once and passed down to the server and the commands: it holds the
/// ledger's and the storage's settings, and depends on neither `http` nor `cli`, which use it.
#[test]
fn configuration_names_no_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found: Vec<String> = ["config.rs", "config_file.rs"]
        .iter()
        .flat_map(|name| {
            let path = src.join(name);
            offences_in(
                &path.display().to_string(),
                &production_code(&path),
                &["http::", "cli::"],
            )
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
