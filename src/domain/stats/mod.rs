//! Circular-economy statistics per city and year (docs/kpis.md), pure: the facts each event
//! adds, the fold that recomputes them from the log, the KPIs computed from them, the
//! sales-lifespan model and the CSV form.

pub mod csv;
pub mod facts;
pub mod fold;
pub mod kpis;
pub mod metric;
pub mod weibull;
