//! What a statistics fact counts (docs/kpis.md): each kind declares the metrics it produces in
//! its [`KindSpec`](crate::domain::kinds::KindSpec).

crate::domain::named_enum::named_enum!(
    /// What a fact counts.
    Metric {
        Pom => "pom",
        PomBaseline => "pom_baseline",
        Collected => "collected",
        // Collected through channel `informal`: emitted beside, never instead of, `Collected`.
        CollectedInformal => "collected_informal",
        Recycled => "recycled",
        Fraction => "fraction",
        PreparedForReuse => "prepared_for_reuse",
        Reused => "reused",
        Disposed => "disposed",
        Exported => "exported",
        Depolluted => "depolluted",
        Lifespan => "lifespan",
    }
);
