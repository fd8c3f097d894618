//! `ewaste-ledger demo` and `serve --demo`: a realistic, deterministic (seeded) history for
//! several cities over several years, so that a newcomer sees living dashboards. The plan is
//! pure ([`plan`]); the CLI signs each event with its actor's own key and records it through
//! the public API (`cli/demo.rs`).

pub mod categories;
pub mod life;
pub mod plan;
pub mod rng;
