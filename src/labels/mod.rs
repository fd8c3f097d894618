//! Product labels (docs/lifecycle.md, "Identifiers and labels"): a QR code of the product's URI (error correction M, a
//! four-module quiet zone) beside readable text (brand, model, serial, short id), as SVG or
//! PNG, and A4 sheets of labels for a whole import. Pure: URI and text in, bytes out.

mod pdf;
mod png;
mod sheet;
mod svg;

pub use self::png::label_png;
pub use pdf::sheet_pdf;
pub use sheet::{sheet_svg, SheetLayout};
pub use svg::{label_svg, qr_svg};

use qrcode::{EcLevel, QrCode};

/// The first 8 hex digits of a product's UUID: what people read out and type (the same
/// short id the ledger's messages use).
pub use crate::domain::wording::short_id;

/// Modules of blank margin around a QR code, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;

/// What one label shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The product's URI: its Digital Link, or `{base}/p/{uuid}` when unlabelled.
    pub uri: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    /// The first 8 hex digits of the product's UUID, for people to read out.
    pub short_id: String,
}

impl Label {
    /// The readable lines, in print order.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let name: Vec<&str> = [&self.brand, &self.model]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !name.is_empty() {
            lines.push(name.join(" "));
        }
        if let Some(serial) = &self.serial {
            lines.push(format!("S/N {serial}"));
        }
        lines.push(format!("ID {}", self.short_id));
        lines
    }
}

/// Why a label cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("The URI `{0}` does not fit in a QR code.")]
    TooLong(String),
    #[error("Encoding the PNG failed: {0}")]
    Png(String),
}

/// A QR code's modules: `width × width`, row by row, `true` for dark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `uri` with error correction M (15 % of the symbol may be damaged).
    pub fn encode(uri: &str) -> Result<QrMatrix, LabelError> {
        let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
            .map_err(|_| LabelError::TooLong(uri.to_string()))?;
        Ok(QrMatrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|color| color == qrcode::Color::Dark)
                .collect(),
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// Runs of dark modules per row, `(x, y, length)`: fewer shapes than one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// Escapes text for XML (SVG) content and attributes.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(uri: &str) -> Label {
        Label {
            uri: uri.to_string(),
            brand: Some("Fairphone".into()),
            model: Some("FP5 <b>&\"x\"".into()),
            serial: Some("FP5-0001".into()),
            short_id: "3a517dc7".into(),
        }
    }

    #[test]
    fn lines_and_escaping() {
        let label = sample("https://id.example/01/09506000134352/21/FP5-0001");
        assert_eq!(
            label.lines(),
            ["Fairphone FP5 <b>&\"x\"", "S/N FP5-0001", "ID 3a517dc7"]
        );
        assert_eq!(
            xml_escape("<a href='x'>&"),
            "&lt;a href=&#39;x&#39;&gt;&amp;"
        );
    }

    #[test]
    fn error_correction_is_m_and_runs_cover_every_dark_module() {
        let matrix =
            QrMatrix::encode("https://id.example/p/3a517dc7-0000-4000-8000-000000000000").unwrap();
        let covered: usize = matrix.dark_runs().iter().map(|(_, _, n)| n).sum();
        assert_eq!(covered, matrix.dark.iter().filter(|d| **d).count());
        assert!(QrMatrix::encode(&"x".repeat(5000)).is_err());
    }
}
