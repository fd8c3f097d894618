//! # ewaste-ledger
//!
//! An open, verifiable ledger of electronic products from first sale through repair, reuse,
//! collection and recycling. Where things live (docs/architecture.md, one-way layers):
//!
//! - [`domain`]: pure formats and rules: events, JCS, signatures, entries, state machine.
//! - [`storage`]: SQLite and PostgreSQL through one code path; the only module that uses the
//!   database library.
//! - [`ledger`]: the single-writer appender (group commit) and the read side.
//! - [`http`]: actix-web routes, handlers and RFC 9457 problems.
//! - [`cli`]: the `ewaste-ledger` subcommands; client commands call the HTTP API.
//! - [`config`]: validated configuration, built once and passed down.
//! - [`config_file`]: the optional TOML configuration file of `serve`, beneath flags and
//!   environment variables.
//! - [`bootstrap`]: first start: the data directory, the log key, the first admin and genesis.
//! - [`key_files`], [`permissions`]: key files (PKCS#8 PEM) and the modes of the data directory.
//! - [`labels`]: labels of products, lots and containers (QR code and readable lines) as SVG,
//!   PNG and A4 sheets; pure.
//! - [`demo`]: the seeded, deterministic demo history behind `demo` and `serve --demo`.
//! - [`metrics`]: operational metrics in the Prometheus text format (`GET /metrics`).

pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod demo;
pub mod domain;
pub mod http;
pub mod key_files;
pub mod labels;
pub mod ledger;
pub mod metrics;
pub mod permissions;
pub mod storage;
