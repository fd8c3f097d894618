//! The integration tests: one binary (docs/architecture.md). Every storage and HTTP test runs on
//! SQLite and on PostgreSQL through `db_test!` (see `support`): `name::sqlite` on a fresh file,
//! `name::postgres` in a fresh schema of `EWASTE_TEST_DATABASE_URL` (compiled as ignored when
//! it is unset, see build.rs; a failure when `CI` is set).

mod dashboard;
mod db;
mod demo;
mod duplicate_members;
mod epcis;
mod epcis_custody;
mod ingest;
mod key_material;
mod support;

mod audit;
mod audit_cli;
mod audit_served;
mod authorisation;
mod chain;
mod cli_errors;
mod config;
mod conflicts;
mod crash;
mod csv_injection;
mod custody;
mod data_dir;
mod escaping;
mod faults;
mod headers;
mod http_api;
mod kinds;
mod label_cli;
mod labels;
mod layers;
mod lifecycle;
mod limits;
mod load;
mod log_api;
mod log_cosignatures;
mod log_identity;
mod log_proofs;
mod metrics;
mod openapi;
mod pages;
mod passport;
mod prefixes;
mod process;
mod races;
mod readme;
mod receipts;
mod rejections;
mod replays;
mod roles;
mod signature_rule;
mod snapshots;
mod standards;
mod state_machine;
mod station;
mod stats;
mod stats_cli;
mod stats_informal;
mod storage;
mod subject_pages;
mod tamper;
mod time_rules;
mod vectors;
mod wording;
