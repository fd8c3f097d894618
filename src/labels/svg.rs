//! One label as SVG: the QR code as a single path of dark runs, the text as SVG text.

use super::{xml_escape, Correction, Label, LabelError, QrMatrix, QUIET_ZONE};
use std::fmt::Write;

/// The label, drawn in QR-module units: the code with its quiet zone on the left, the text on
/// the right. Scales to any print size.
pub fn label_svg(label: &Label) -> Result<String, LabelError> {
    let matrix = QrMatrix::encode(&label.uri)?;
    let side = matrix.width + 2 * QUIET_ZONE;
    let (width, height) = (side * 3, side);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{}mm\" height=\"{}mm\" shape-rendering=\"crispEdges\">\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>",
        width * 2 / 3,
        height * 2 / 3,
    );
    svg.push_str(&qr_path(&matrix, QUIET_ZONE, QUIET_ZONE));
    let font = font_size(side, label.lines());
    for (i, line) in label.lines().iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.2}\" font-family=\"DejaVu Sans, Arial, sans-serif\" \
             font-size=\"{font:.2}\" fill=\"#000\">{}</text>",
            side,
            QUIET_ZONE as f64 + font * (1.0 + 1.4 * i as f64),
            xml_escape(line)
        );
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// A ninth of the code's height, or smaller when the longest line would not fit in the two
/// code-widths beside it (less a quiet zone): a container's `Container · SSCC …` line is 35
/// characters. A product's lines are rarely over 30, so its label keeps the ninth.
fn font_size(side: usize, lines: &[String]) -> f64 {
    let longest = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .max(1);
    let room = (2 * side - QUIET_ZONE) as f64;
    // Sans-serif glyphs average about 0.55 em, as the sheets assume.
    (side as f64 / 9.0).min(room / (0.55 * longest as f64))
}

/// A bare QR code of `text` with its quiet zone, for showing on screen (a station's key).
pub fn qr_svg(text: &str) -> Result<String, LabelError> {
    qr_svg_at(text, Correction::Medium)
}

/// [`qr_svg`] at another error correction (a receipt's proof, when M cannot hold it).
pub fn qr_svg_at(text: &str, correction: Correction) -> Result<String, LabelError> {
    let matrix = QrMatrix::encode_at(text, correction)?;
    let side = matrix.width + 2 * QUIET_ZONE;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>{}</svg>",
        qr_path(&matrix, QUIET_ZONE, QUIET_ZONE)
    ))
}

/// The dark modules as one path, offset by `(x0, y0)` modules.
pub(super) fn qr_path(matrix: &QrMatrix, x0: usize, y0: usize) -> String {
    let mut d = String::new();
    for (x, y, run) in matrix.dark_runs() {
        let _ = write!(d, "M{} {}h{run}v1h-{run}z", x + x0, y + y0);
    }
    format!("<path fill=\"#000\" d=\"{d}\"/>")
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    /// Reads the dark runs back out of the SVG path and decodes the QR code they draw.
    pub fn decode_svg(svg: &str) -> String {
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut cells = std::collections::HashSet::new();
        let mut max = 0;
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let n: usize = rest.split('v').next().unwrap().parse().unwrap();
            for i in 0..n {
                cells.insert((x + i, y));
                max = max.max(x + i).max(y);
            }
        }
        let side = max + 1 + QUIET_ZONE;
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_bitmap(side * scale, side * scale, |x, y| {
                cells.contains(&(x / scale, y / scale))
            });
        let grid = image.detect_grids().pop().expect("a QR code");
        grid.decode().expect("decodes").1
    }

    #[test]
    fn the_svg_qr_decodes_to_the_uri_and_text_is_escaped() {
        for uri in [
            "https://id.example/01/09506000134352/21/FP5-0001",
            "http://127.0.0.1:8080/01/04006381333931/21/A%2FB%25C",
            "https://ledger.example.org/p/3a517dc7-5b2d-4c9e-8f00-0123456789ab",
        ] {
            let svg = label_svg(&sample(uri)).unwrap();
            assert_eq!(decode_svg(&svg), uri);
            assert!(svg.contains("FP5 &lt;b&gt;&amp;&quot;x&quot;"));
            assert!(!svg.contains("<b>"));
        }
    }

    #[test]
    fn lot_and_container_labels_decode_and_their_lines_fit() {
        for label in super::super::tests::other_subjects() {
            let svg = label_svg(&label).unwrap();
            assert_eq!(decode_svg(&svg), label.uri);
            for line in label.lines() {
                assert!(svg.contains(&format!(">{line}</text>")), "{line}: {svg}");
            }
            // The longest line at about 0.55 em per glyph ends inside the label.
            let matrix = QrMatrix::encode(&label.uri).unwrap();
            let side = matrix.width + 2 * QUIET_ZONE;
            let longest = label
                .lines()
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap();
            let font = font_size(side, label.lines());
            assert!(side as f64 + 0.55 * font * longest as f64 <= (3 * side) as f64);
        }
    }

    #[test]
    fn a_product_label_keeps_its_font_size() {
        // What every product label used before lots and containers: a ninth of the code.
        let label = sample("https://id.example/01/09506000134352/21/FP5-0001");
        let side = QrMatrix::encode(&label.uri).unwrap().width + 2 * QUIET_ZONE;
        assert_eq!(font_size(side, label.lines()), side as f64 / 9.0);
    }

    #[test]
    fn a_bare_qr_svg_decodes_to_its_text() {
        let key = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=";
        assert_eq!(decode_svg(&qr_svg(key).unwrap()), key);
    }
}
