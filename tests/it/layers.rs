//! The layers of docs/architecture.md, enforced by reading the source: `domain` is pure and
//! `http` never talks to the database directly. Test modules (`#[cfg(test)]` onwards) may use
//! files, so only the code above them is read.

use std::path::Path;

fn production_code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("source file");
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut found = Vec::new();
    let entries = std::fs::read_dir(&root).expect("source directory");
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let code = production_code(&path);
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!("{} names `{word}`", path.display()));
                }
            }
        }
    }
    found
}

#[test]
fn domain_is_pure() {
    let found = offences(
        "src/domain",
        &[
            "diesel",
            "actix",
            "std::fs",
            "std::net",
            "Utc::now",
            "SystemTime",
            "Instant::now",
            "OsRng",
            "thread_rng",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn http_does_not_touch_the_database() {
    let found = offences("src/http", &["diesel", "storage::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_storage_names_diesel() {
    let found: Vec<String> = ["src", "src/ledger", "src/cli"]
        .into_iter()
        .flat_map(|dir| offences(dir, &["diesel"]))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_itself_catches_an_offence() {
    // Guard against a check that cannot fail: the storage layer does name diesel.
    assert!(!offences("src/storage", &["diesel"]).is_empty());
}
