//! Circular-economy statistics per city and year (docs/kpis.md), pure: the facts each event
//! adds (the writer adds them, a rebuild replays the log with the same rules), the KPIs computed from them, the
//! sales-lifespan model, the CSV form and how a page reads a rate against its target.

pub mod csv;
pub mod eu6_key;
pub mod facts;
pub mod kpis;
pub mod metric;
pub mod reading;
pub mod weibull;
