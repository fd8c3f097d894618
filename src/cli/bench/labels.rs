//! The labels part of `bench`: (g) labels rendered per second, as SVG and as PNG, on all
//! cores (a manufacturer printing an import's worth of labels).

use crate::labels::{label_png, label_svg, Label};
use rayon::prelude::*;
use std::time::Instant;

fn sample_labels(count: usize) -> Vec<Label> {
    (0..count)
        .map(|n| {
            let serial = format!("BENCH{n:08}");
            Label::product(
                format!("https://ledger.example.org/01/09506000134352/21/{serial}"),
                Some("Fairphone"),
                Some("FP5"),
                Some(&serial),
                // Short id `{n:08x}`: the first 8 hex digits of the id.
                &uuid::Uuid::from_u128((n as u128) << 96),
            )
        })
        .collect()
}

/// Labels per second as (SVG, PNG).
pub fn label_rates(count: usize) -> anyhow::Result<(f64, f64)> {
    let labels = sample_labels(count);
    let started = Instant::now();
    let svg_bytes: usize = labels
        .par_iter()
        .map(|label| label_svg(label).map(|svg| svg.len()))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum();
    let svg_per_s = count as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let png_bytes: usize = labels
        .par_iter()
        .map(|label| label_png(label).map(|png| png.len()))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum();
    let png_per_s = count as f64 / started.elapsed().as_secs_f64();
    // Nothing may be optimised away: the sizes are used.
    anyhow::ensure!(svg_bytes > 0 && png_bytes > 0, "no labels were rendered");
    Ok((svg_per_s, png_per_s))
}
