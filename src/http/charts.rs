//! Server-rendered SVG charts for the city dashboards, drawn with plotters' SVG backend. The
//! text is SVG `<text>` the browser lays out (no font files on the server). Every chart comes
//! with its data as a table and a CSV link on the page, so nothing is only a picture.

use plotters::prelude::*;

/// One line of a time series.
pub struct Line<'a> {
    pub name: &'a str,
    pub color: RGBColor,
    pub points: Vec<(i32, f64)>,
}

/// The dashboard's palette: distinguishable, and readable on white.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(26, 115, 232),
    RGBColor(27, 127, 59),
    RGBColor(179, 38, 30),
    RGBColor(138, 90, 0),
    RGBColor(111, 66, 193),
    RGBColor(95, 99, 104),
];

/// Drawn at about a phone's width, so that the text stays readable when the chart is scaled
/// to the screen.
const SIZE: (u32, u32) = (480, 320);
const FONT: (&str, u32) = ("sans-serif", 15);

fn failed(error: impl std::fmt::Display) -> String {
    format!("the chart could not be drawn: {error}")
}

/// Lines over years, with a legend.
pub fn line_chart(y_label: &str, lines: &[Line]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let years = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (first, last) = years.fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let (first, last) = if first > last {
            (0, 1)
        } else {
            (first, last.max(first + 1))
        };
        let top = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .fold(0.0f64, f64::max)
            .max(1.0)
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(72)
            .build_cartesian_2d(first..last, 0.0..top)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_labels((last - first + 1).min(12) as usize)
            .x_label_formatter(&|year| year.to_string())
            .y_desc(y_label)
            .label_style(FONT)
            .axis_desc_style(FONT)
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(failed)?;
        for line in lines {
            let color = line.color;
            chart
                .draw_series(LineSeries::new(line.points.clone(), color.stroke_width(3)))
                .map_err(failed)?
                .label(line.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(FONT)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(218, 220, 224))
            .draw()
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Horizontal bars, one per label, each with an optional target marked as a dark tick.
pub fn bar_chart(x_label: &str, bars: &[(String, f64, Option<f64>)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let height = (60 + 38 * bars.len().max(1)) as u32;
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let top = bars
            .iter()
            .flat_map(|(_, value, target)| [*value, target.unwrap_or(0.0)])
            .fold(0.0f64, f64::max)
            .max(1.0)
            * 1.1;
        let count = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(175)
            .build_cartesian_2d(0.0..top, 0..count)
            .map_err(failed)?;
        let names: Vec<String> = bars.iter().map(|(name, _, _)| name.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|index| {
                // Bars run top to bottom in the given order.
                let at = (count - 1 - *index) as usize;
                names.get(at).cloned().unwrap_or_default()
            })
            .x_desc(x_label)
            .label_style(FONT)
            .axis_desc_style(FONT)
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(failed)?;
        let row = |i: usize| count - 1 - i as i32;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value, _))| {
                let y = row(i);
                let mut bar = Rectangle::new([(0.0, y), (*value, y + 1)], PALETTE[0].filled());
                bar.set_margin(6, 6, 0, 0);
                bar
            }))
            .map_err(failed)?;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, (_, _, target))| {
                target.map(|t| {
                    let y = row(i);
                    PathElement::new(vec![(t, y), (t, y + 1)], BLACK.stroke_width(3))
                })
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels() {
        let svg = line_chart(
            "kg",
            &[Line {
                name: "collected",
                color: PALETTE[0],
                points: vec![(2023, 10.0), (2024, 30.0), (2025, 20.0)],
            }],
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("collected") && svg.contains("2024"),
            "{svg}"
        );
        let svg = bar_chart("%", &[("EU collection rate".into(), 40.0, Some(65.0))]).unwrap();
        assert!(
            svg.contains("EU collection rate") && svg.contains("<rect"),
            "{svg}"
        );
        assert!(line_chart("kg", &[]).is_ok(), "an empty chart still draws");
        // Labels come from events (materials, components): plotters escapes them.
        let hostile = bar_chart("kg", &[("<script>x</script>&".into(), 1.0, None)]).unwrap();
        assert!(!hostile.contains("<script>"), "{hostile}");
    }
}
