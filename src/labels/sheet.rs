//! A4 sheets of labels: a grid with gutters to cut along, the cut lines drawn in light grey.
//! Both the SVG and the PDF sheets use this layout, in millimetres.

use super::svg::qr_path;
use super::{xml_escape, Label, LabelError, QrMatrix, QUIET_ZONE};
use std::fmt::Write;

/// Where labels go on a page, in millimetres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SheetLayout {
    pub page_width: f64,
    pub page_height: f64,
    pub columns: usize,
    pub rows: usize,
    pub label_width: f64,
    pub label_height: f64,
    /// The space between labels, cut along its middle.
    pub gutter: f64,
}

impl SheetLayout {
    /// A4 portrait, 3 × 7 labels of 60 × 36 mm with 5 mm gutters.
    pub const A4: SheetLayout = SheetLayout {
        page_width: 210.0,
        page_height: 297.0,
        columns: 3,
        rows: 7,
        label_width: 60.0,
        label_height: 36.0,
        gutter: 5.0,
    };

    pub fn per_page(&self) -> usize {
        self.columns * self.rows
    }

    /// The top-left corner of the `index`-th label of a page; the grid is centred.
    pub fn origin(&self, index: usize) -> (f64, f64) {
        let (column, row) = (index % self.columns, index / self.columns);
        let grid_width = self.columns as f64 * (self.label_width + self.gutter) - self.gutter;
        let grid_height = self.rows as f64 * (self.label_height + self.gutter) - self.gutter;
        (
            (self.page_width - grid_width) / 2.0 + column as f64 * (self.label_width + self.gutter),
            (self.page_height - grid_height) / 2.0 + row as f64 * (self.label_height + self.gutter),
        )
    }

    /// Cut lines through the middle of every gutter and around the grid: `(x1, y1, x2, y2)`.
    pub fn cut_lines(&self) -> Vec<(f64, f64, f64, f64)> {
        let (left, top) = self.origin(0);
        let half = self.gutter / 2.0;
        let mut lines = Vec::new();
        for column in 0..=self.columns {
            let x = left - half + column as f64 * (self.label_width + self.gutter);
            lines.push((x, 0.0, x, self.page_height));
        }
        for row in 0..=self.rows {
            let y = top - half + row as f64 * (self.label_height + self.gutter);
            lines.push((0.0, y, self.page_width, y));
        }
        lines
    }
}

/// A label placed on a sheet: its QR code and text, sized to the label, in millimetres.
pub(super) struct Placed {
    pub matrix: QrMatrix,
    /// Millimetres per QR module.
    pub module: f64,
    pub qr_origin: (f64, f64),
    pub text_origin: (f64, f64),
    pub font_size: f64,
    pub lines: Vec<String>,
}

/// Fits a label into its cell: the QR code (with quiet zone) fills the height, the text takes
/// the rest of the width at a size that fits its longest line.
pub(super) fn place(
    label: &Label,
    layout: &SheetLayout,
    index: usize,
) -> Result<Placed, LabelError> {
    let matrix = QrMatrix::encode(&label.uri)?;
    let (x, y) = layout.origin(index % layout.per_page());
    let module = layout.label_height / (matrix.width + 2 * QUIET_ZONE) as f64;
    let text_x = x + layout.label_height;
    let text_width = layout.label_width - layout.label_height - 1.0;
    let lines = label.lines();
    let longest = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .max(1);
    // Sans-serif glyphs average about 0.55 em.
    let font_size = (text_width / (0.55 * longest as f64)).min(3.5);
    Ok(Placed {
        qr_origin: (
            x + QUIET_ZONE as f64 * module,
            y + QUIET_ZONE as f64 * module,
        ),
        text_origin: (text_x, y + QUIET_ZONE as f64 * module + font_size),
        module,
        matrix,
        font_size,
        lines: lines.to_vec(),
    })
}

/// The labels as SVG pages (one document per page).
pub fn sheet_svg(labels: &[Label], layout: &SheetLayout) -> Result<Vec<String>, LabelError> {
    let mut pages = Vec::new();
    for (page, chunk) in labels.chunks(layout.per_page()).enumerate() {
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" \
             viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>",
            w = layout.page_width,
            h = layout.page_height
        );
        for (x1, y1, x2, y2) in layout.cut_lines() {
            let _ = write!(
                svg,
                "<line x1=\"{x1:.2}\" y1=\"{y1:.2}\" x2=\"{x2:.2}\" y2=\"{y2:.2}\" \
                 stroke=\"#bbb\" stroke-width=\"0.1\" stroke-dasharray=\"1 1\"/>"
            );
        }
        for (index, label) in chunk.iter().enumerate() {
            let placed = place(label, layout, page * layout.per_page() + index)?;
            let _ = write!(
                svg,
                "<g transform=\"translate({:.3} {:.3}) scale({:.5})\">{}</g>",
                placed.qr_origin.0,
                placed.qr_origin.1,
                placed.module,
                qr_path(&placed.matrix, 0, 0)
            );
            for (i, line) in placed.lines.iter().enumerate() {
                let _ = write!(
                    svg,
                    "<text x=\"{:.2}\" y=\"{:.2}\" font-family=\"DejaVu Sans, Arial, sans-serif\" \
                     font-size=\"{:.2}\">{}</text>",
                    placed.text_origin.0,
                    placed.text_origin.1 + i as f64 * placed.font_size * 1.4,
                    placed.font_size,
                    xml_escape(line)
                );
            }
        }
        svg.push_str("</svg>");
        pages.push(svg);
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn the_a4_grid_fits_the_page_and_pages_hold_21_labels() {
        let layout = SheetLayout::A4;
        let (left, top) = layout.origin(0);
        let (right, bottom) = layout.origin(layout.per_page() - 1);
        assert!(left > 0.0 && top > 0.0);
        assert!(right + layout.label_width < layout.page_width);
        assert!(bottom + layout.label_height < layout.page_height);
        let labels: Vec<Label> = (0..22)
            .map(|n| sample(&format!("https://id.example/01/09506000134352/21/S{n}")))
            .collect();
        let pages = sheet_svg(&labels, &layout).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].matches("<path").count(), 21);
        assert_eq!(pages[1].matches("<path").count(), 1);
        // Lots and containers share a sheet with products.
        let mixed = [labels, super::super::tests::other_subjects()].concat();
        let pages = sheet_svg(&mixed, &layout).unwrap();
        assert_eq!(pages[1].matches("<path").count(), 4);
        assert!(pages[1].contains("Container · SSCC 106141411234567897"));
        assert!(pages[1].contains("Lot · EU-6 4 · 12,345.678 kg"));
    }
}
