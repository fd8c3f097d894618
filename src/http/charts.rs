//! The geometry of the dashboards' charts; `templates/chart.html` draws it as HTML and small
//! inline SVGs, styled by `assets/ledger.css` ("Charts").
//!
//! Why not one scaled picture: an SVG with a `viewBox` scaled to the screen shrinks its text
//! with it (7 px on a phone) and grows it on a desktop. Here every text is HTML, or SVG text in
//! an SVG without a `viewBox`, so it renders at its CSS size at any width; positions along an
//! axis are percentages of the plot, which the browser resolves at the width it has. A bar's
//! label, its bar and its target tick are cells of one grid row, so they cannot drift apart;
//! the legend is a list below the plot, so it cannot cover a line. Every chart comes with its
//! data as a table and a CSV link on the page, so nothing is only a picture.

use super::numbers::fixed;

/// One mark along an axis: where (a percentage of the axis) and what it says.
pub struct Tick {
    pub at: String,
    pub label: String,
    /// SVG `text-anchor`: the end ticks are anchored inwards so that no label sticks out.
    pub anchor: &'static str,
    /// `minor` ticks are hidden on narrow screens (every other year).
    pub class: &'static str,
}

/// A bar to draw.
pub struct Bar {
    pub label: String,
    /// `None`: no bar (no figure, or one not to compare).
    pub value: Option<f64>,
    /// What the row says beside its bar ("12.3 %").
    pub shown: String,
    /// The verdict under the value ("not met"), if any.
    pub verdict: Option<String>,
    pub target: Option<f64>,
    /// A style of the row: `ok`, `bad`, `small` or empty.
    pub class: &'static str,
}

/// A bar as the template draws it.
pub struct BarRow {
    pub label: String,
    pub shown: String,
    pub verdict: Option<String>,
    /// Length as a percentage of the plot.
    pub width: Option<String>,
    /// Position of the target tick, a percentage of the plot.
    pub target: Option<String>,
    pub class: &'static str,
}

/// Horizontal bars, one row per label, each with its target as a tick.
pub struct Bars {
    pub rows: Vec<BarRow>,
    pub ticks: Vec<Tick>,
    /// The axis's unit, under the labels.
    pub unit: String,
}

/// A series of a line chart; its colour is the CSS class `s{index}`.
pub struct Series {
    pub name: String,
    pub index: usize,
    /// `(x1, y1, x2, y2)`, percentages of the plot.
    pub segments: Vec<(String, String, String, String)>,
    /// `(x, y)` of every point, drawn as a dot so that a single year still shows.
    pub points: Vec<(String, String)>,
}

/// Lines over years.
pub struct Lines {
    pub series: Vec<Series>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
}

/// What a chart draws.
pub enum Figure {
    Bars(Bars),
    Lines(Lines),
    /// Nothing to draw: the words say why.
    Empty(String),
}

/// A round step for about `marks` marks from 0 to `max`, and the axis's end (a multiple of it).
fn scale(max: f64, marks: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / marks;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw * 0.999_999)
        .unwrap_or(10.0 * magnitude);
    (step, (max / step - 1e-9).ceil().max(1.0) * step)
}

/// Decimals that show `step` exactly (2.5 → 1, 0.25 → 2, 50 → 0).
fn decimals_of(step: f64) -> usize {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6)
}

fn percent_of(value: f64, end: f64) -> String {
    format!("{:.2}%", (100.0 * value / end).clamp(0.0, 100.0))
}

/// Ticks from 0 to `end` every `step`, placed by `at`.
fn ticks(step: f64, end: f64, at: impl Fn(f64) -> String, inward: bool) -> Vec<Tick> {
    let count = (end / step).round() as usize;
    let decimals = decimals_of(step);
    (0..=count)
        .map(|i| {
            let value = step * i as f64;
            Tick {
                at: at(value),
                label: fixed(value, decimals),
                anchor: match (inward, i) {
                    (true, 0) => "start",
                    (true, i) if i == count => "end",
                    _ => "middle",
                },
                // On a narrow plot every other mark is labelled, from 0.
                class: if i % 2 == 1 { "minor" } else { "" },
            }
        })
        .collect()
}

/// Horizontal bars on one axis from 0, long enough for every value and target.
pub fn bar_chart(unit: &str, bars: Vec<Bar>) -> Bars {
    let max = bars
        .iter()
        .flat_map(|bar| [bar.value, bar.target])
        .flatten()
        .fold(0.0f64, f64::max);
    let (step, end) = scale(max, 4.0);
    Bars {
        ticks: ticks(step, end, |v| percent_of(v, end), true),
        rows: bars
            .into_iter()
            .map(|bar| BarRow {
                width: bar.value.map(|v| percent_of(v, end)),
                target: bar.target.map(|t| percent_of(t, end)),
                label: bar.label,
                shown: bar.shown,
                verdict: bar.verdict,
                class: bar.class,
            })
            .collect(),
        unit: unit.to_string(),
    }
}

/// One line of a time series.
pub struct Line<'a> {
    pub name: &'a str,
    pub points: Vec<(i32, f64)>,
}

/// Lines over the years they have points in. Years run across the plot with a margin at each
/// end for their dots; a single year sits in the middle.
pub fn line_chart(lines: &[Line]) -> Lines {
    let years: Vec<i32> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    let first = years.iter().copied().min().unwrap_or(0);
    let last = years.iter().copied().max().unwrap_or(0);
    let x = |year: i32| {
        if last == first {
            "50.00%".to_string()
        } else {
            format!(
                "{:.2}%",
                4.0 + 92.0 * f64::from(year - first) / f64::from(last - first)
            )
        }
    };
    let max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0f64, f64::max);
    let (step, end) = scale(max, 4.0);
    let y = |value: f64| format!("{:.2}%", 100.0 - 100.0 * (value / end).clamp(0.0, 1.0));
    let series = lines
        .iter()
        .enumerate()
        .map(|(index, line)| Series {
            name: line.name.to_string(),
            index,
            segments: line
                .points
                .windows(2)
                .map(|pair| (x(pair[0].0), y(pair[0].1), x(pair[1].0), y(pair[1].1)))
                .collect(),
            points: line.points.iter().map(|(yr, v)| (x(*yr), y(*v))).collect(),
        })
        .collect();
    let x_ticks = if years.is_empty() {
        Vec::new()
    } else {
        (first..=last)
            .map(|year| Tick {
                at: x(year),
                label: year.to_string(),
                anchor: "middle",
                // Every other year, counted back from the last, which always shows.
                class: if last - first >= 6 && (last - year) % 2 == 1 {
                    "minor"
                } else {
                    ""
                },
            })
            .collect()
    };
    Lines {
        series,
        x_ticks,
        y_ticks: ticks(step, end, y, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(scale(1_708.0, 4.0), (500.0, 2_000.0));
        assert_eq!(scale(65.0, 4.0), (20.0, 80.0));
        assert_eq!(scale(100.0, 4.0), (25.0, 100.0));
        assert_eq!(scale(0.00016, 4.0), (0.00005, 0.0002));
        assert_eq!(
            scale(0.0, 4.0),
            (0.25, 1.0),
            "an empty chart still has an axis"
        );
        assert_eq!(decimals_of(2.5), 1);
        assert_eq!(decimals_of(0.25), 2);
        assert_eq!(decimals_of(500.0), 0);
    }

    #[test]
    fn bars_and_targets_share_one_axis() {
        let bar = |value, target| Bar {
            label: "EU collection rate".into(),
            value,
            shown: String::new(),
            verdict: None,
            target,
            class: "",
        };
        let bars = bar_chart(
            "%",
            vec![bar(Some(40.0), Some(65.0)), bar(None, Some(65.0))],
        );
        // 0 to 80 in steps of 20.
        let labels: Vec<&str> = bars.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "20", "40", "60", "80"]);
        assert_eq!(bars.rows[0].width.as_deref(), Some("50.00%"));
        assert_eq!(bars.rows[0].target.as_deref(), Some("81.25%"));
        assert_eq!(bars.rows[1].width, None, "no figure, no bar");
        assert_eq!(
            (bars.ticks[0].anchor, bars.ticks[4].anchor),
            ("start", "end")
        );
    }

    #[test]
    fn one_year_draws_dots_in_the_middle() {
        let lines = line_chart(&[Line {
            name: "collected",
            points: vec![(2026, 30.0)],
        }]);
        let series = &lines.series[0];
        assert!(series.segments.is_empty());
        assert_eq!(
            series.points,
            [("50.00%".to_string(), "0.00%".to_string())],
            "in the middle, at the top of an axis that ends at its value"
        );
        assert_eq!(lines.x_ticks.len(), 1);

        let lines = line_chart(&[Line {
            name: "collected",
            points: (2015..=2026).map(|y| (y, 10.0)).collect(),
        }]);
        assert_eq!(lines.series[0].segments.len(), 11);
        assert_eq!(lines.x_ticks[0].at, "4.00%");
        assert_eq!(lines.x_ticks[11].at, "96.00%");
        assert_eq!(lines.x_ticks[11].class, "", "the last year always shows");
        assert_eq!(lines.x_ticks[10].class, "minor");
    }
}
