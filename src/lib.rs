//! # ewaste-ledger
//!
//! An open, verifiable ledger of electronic products from first sale through repair, reuse,
//! collection and recycling. Where things live (ARCHITECTURE.md, one-way layers):
//!
//! - [`domain`]: pure formats and rules: events, JCS, signatures, entries, state machine.
//! - [`storage`]: SQLite and PostgreSQL through one code path; the only module that uses the
//!   database library.
//! - [`ledger`]: the single-writer appender (group commit) and the read side.
//! - [`http`]: actix-web routes, handlers and RFC 9457 problems.
//! - [`cli`]: the `ewaste-ledger` subcommands; client commands call the HTTP API.
//! - [`config`]: validated configuration, built once and passed down.
//! - [`keys`], [`permissions`]: key files (PKCS#8 PEM) and the modes of the data directory.

pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod demo;
pub mod domain;
pub mod http;
pub mod keys;
pub mod labels;
pub mod ledger;
pub mod metrics;
pub mod permissions;
pub mod storage;
