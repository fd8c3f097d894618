//! The CSV readers of the CLI, on the same bytes: the product file of `product import` and
//! `label --import` (csv records through `row_fields` and `ProductFields::label`), and the city
//! baseline of `stats import-baseline` (`baseline_rows`).
//!
//! Checks: nothing panics; every error names a line that exists (the CLI promises to report
//! each bad row by its line, before anything is sent); and what the readers accept is usable:
//! a product row's label URI resolves to the product whose short id is printed beside it, and
//! a baseline row becomes a signed `pom_baseline` event that the ledger's own parser accepts
//! (otherwise the server would refuse it without saying which line).
#![no_main]

use ed25519_dalek::SigningKey;
use ewaste_ledger::cli::{baseline_rows, row_fields};
use ewaste_ledger::domain::draft::Draft;
use ewaste_ledger::domain::event::parse_signed_event;
use ewaste_ledger::domain::identifiers::ProductRef;
use ewaste_ledger::domain::kinds::Kind;
use ewaste_ledger::labels::short_id;
use libfuzzer_sys::fuzz_target;
use uuid::uuid;

fuzz_target!(|data: &[u8]| {
    products(data);
    if let Ok(text) = std::str::from_utf8(data) {
        baseline(text);
    }
});

/// As `product import` and `label --import` read a file.
fn products(data: &[u8]) {
    let mut reader = csv::Reader::from_reader(data);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => return assert_names_line(&e),
    };
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => return assert_names_line(&e),
        };
        assert!(record.position().is_some_and(|p| p.line() >= 1));
        let Ok((fields, _city)) = row_fields(&headers, &record) else {
            continue;
        };
        if let Ok(label) = fields.label("https://ledger.example.org") {
            let reference = ProductRef::parse(&label.uri).expect("a label URI does not parse");
            let id_line = format!("ID {}", short_id(&reference.product_id()));
            assert_eq!(label.lines().last(), Some(&id_line));
            if let ProductRef::Gs1 { serial, .. } = &reference {
                let serial_line = format!("S/N {}", serial.as_str());
                assert!(label.lines().contains(&serial_line), "{:?}", label.lines());
            }
        }
    }
}

/// A malformed CSV (bad UTF-8, ragged rows) stops the import with csv's message: it must say where.
fn assert_names_line(e: &csv::Error) {
    assert!(
        e.to_string().contains("line"),
        "a CSV error names no line: {e}"
    );
}

/// As `stats import-baseline` reads and then signs a file.
fn baseline(text: &str) {
    let lines = text.lines().count().max(1);
    match baseline_rows(text) {
        Err(errors) => {
            for error in errors {
                let line: usize = error
                    .strip_prefix("line ")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("the error names no line: {error}"));
                assert!(
                    (1..=lines).contains(&line),
                    "line {line} of {lines}: {error}"
                );
            }
        }
        Ok(rows) => {
            let key = SigningKey::from_bytes(&[7; 32]);
            let id = uuid!("7d0c1a52-3b7e-4c55-9a0e-1b2c3d4e5f60");
            for row in rows {
                let draft = Draft::registry(id, Kind::PomBaseline, id, "2026-01-01T00:00:00Z", row);
                let envelope = draft
                    .sign(&key)
                    .unwrap_or_else(|e| panic!("an accepted row cannot be signed: {e}"));
                if let Err(e) = parse_signed_event(&envelope) {
                    panic!("an accepted row is refused by the ledger: {e}: {envelope}");
                }
            }
        }
    }
}
