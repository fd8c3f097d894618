//! The pure core: formats, identifiers, rules and cryptography. No database, no web, no files,
//! no clock and no randomness here: time and keys come in as values, so that everything in
//! this module is deterministic and unit-testable (a test in `tests/` enforces this).

pub mod annex_vii;
pub mod base45;
pub mod checkpoint;
pub mod company_prefix;
pub mod corrections;
pub mod csv;
pub mod data;
pub mod data_fields;
pub mod draft;
pub mod entry;
pub mod epcis;
pub mod epcis_errors;
pub mod epcis_query;
#[cfg(test)]
mod epcis_tests;
pub mod event;
pub mod export;
pub mod gtin;
pub mod hash;
pub mod identifiers;
pub mod inclusion_bundle;
pub mod jcs;
pub mod json;
pub mod key_text;
pub mod kinds;
pub mod merkle;
pub mod named_enum;
pub mod note;
pub mod percent;
pub mod pseudonym;
pub mod records;
pub mod reference;
pub mod rejection;
pub mod rules;
pub mod serial;
pub mod signing;
pub mod sscc;
pub mod stats;
pub mod subject_rules;
pub mod subject_uri;
pub mod wording;
