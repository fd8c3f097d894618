//! Labels (docs/lifecycle.md, "Identifiers and labels"): a QR code of a subject's URI (error
//! correction M, a four-module quiet zone) beside readable lines (for a product its brand,
//! model, serial and short id; for a lot or a container what it is and its short id), as SVG
//! or PNG, and A4 sheets of labels for a whole import. Pure: URI and text in, bytes out.

mod pdf;
mod png;
mod sheet;
mod svg;

pub use self::png::label_png;
pub use pdf::sheet_pdf;
pub use sheet::{sheet_svg, SheetLayout};
pub use svg::{label_svg, qr_svg, qr_svg_at};

use qrcode::{EcLevel, QrCode};

/// The first 8 hex digits of a product's UUID: what people read out and type (the same
/// short id the ledger's messages use).
pub use crate::domain::wording::short_id;

use crate::domain::sscc::Sscc;
use crate::domain::wording::exact_kg;

/// Modules of blank margin around a QR code, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;

/// What one label shows: the subject's URI as a QR code, and readable lines beside it. Every
/// subject has one (PRODUCT.md §8, "Subjects"); the constructors write its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The subject's URI: a product's Digital Link or `{base}/p/{uuid}`, a lot's
    /// `{base}/l/{uuid}`, a container's `{base}/00/{sscc}` or `{base}/c/{uuid}`.
    pub uri: String,
    /// The readable lines, in print order; the last is always `ID <short id>`.
    pub lines: Vec<String>,
}

impl Label {
    /// A product's label: brand and model, `S/N <serial>`, `ID <short id>` (each line only
    /// when known, the id always).
    pub fn product(
        uri: String,
        brand: Option<&str>,
        model: Option<&str>,
        serial: Option<&str>,
        id: &uuid::Uuid,
    ) -> Label {
        let mut lines = Vec::new();
        let name: Vec<&str> = [brand, model].into_iter().flatten().collect();
        if !name.is_empty() {
            lines.push(name.join(" "));
        }
        if let Some(serial) = serial {
            lines.push(format!("S/N {serial}"));
        }
        lines.push(format!("ID {}", short_id(id)));
        Label { uri, lines }
    }

    /// A lot's label: `Lot · <category> · <kg> kg`, then `ID <short id>`. `category` is the
    /// lot's UNU-KEY (`0306`) or EU-6 category (`EU-6 4`) as the caller names it; the mass is
    /// exact (integer grams shown as kilograms without rounding).
    pub fn lot(uri: String, category: &str, mass_g: u64, id: &uuid::Uuid) -> Label {
        Label {
            uri,
            lines: vec![
                format!("Lot \u{b7} {category} \u{b7} {} kg", exact_kg(mass_g)),
                format!("ID {}", short_id(id)),
            ],
        }
    }

    /// A container's label: `Container · SSCC <sscc>` when it carries one, else `Container`,
    /// then `ID <short id>`.
    pub fn container(uri: String, sscc: Option<&Sscc>, id: &uuid::Uuid) -> Label {
        let kind = match sscc {
            Some(sscc) => format!("Container \u{b7} SSCC {sscc}"),
            None => "Container".to_string(),
        };
        Label {
            uri,
            lines: vec![kind, format!("ID {}", short_id(id))],
        }
    }

    /// The readable lines, in print order.
    pub fn lines(&self) -> &[String] {
        &self.lines
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

/// How much of a QR code may be damaged and still read (ISO/IEC 18004 error correction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    /// L: 7 %. Only where M cannot hold the text.
    Low,
    /// M: 15 %, what every label uses.
    Medium,
}

impl Correction {
    /// The level's letter, as QR documentation names it.
    pub fn letter(self) -> char {
        match self {
            Correction::Low => 'L',
            Correction::Medium => 'M',
        }
    }
}

impl QrMatrix {
    /// Encodes `uri` with error correction M (15 % of the symbol may be damaged).
    pub fn encode(uri: &str) -> Result<QrMatrix, LabelError> {
        QrMatrix::encode_at(uri, Correction::Medium)
    }

    /// Encodes `text` with error correction `correction`. The encoder picks the densest mode
    /// the text allows: base45 text goes in alphanumeric mode, 5.5 bits a character.
    pub fn encode_at(text: &str, correction: Correction) -> Result<QrMatrix, LabelError> {
        let level = match correction {
            Correction::Low => EcLevel::L,
            Correction::Medium => EcLevel::M,
        };
        let code = QrCode::with_error_correction_level(text.as_bytes(), level)
            .map_err(|_| LabelError::TooLong(text.to_string()))?;
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

    /// A lot's and a container's labels, with the longest lines their kinds print.
    pub fn other_subjects() -> Vec<Label> {
        let sscc = Sscc::parse("106141411234567897").unwrap();
        vec![
            Label::lot(
                "https://ledger.example.org/l/5c0ffee0-1234-4abc-8def-0123456789ab".into(),
                "EU-6 4",
                12_345_678,
                &ID,
            ),
            Label::container(
                "https://ledger.example.org/00/106141411234567897".into(),
                Some(&sscc),
                &sscc.container_id(),
            ),
            Label::container(
                "https://ledger.example.org/c/5c0ffee0-1234-4abc-8def-0123456789ab".into(),
                None,
                &ID,
            ),
        ]
    }

    pub fn sample(uri: &str) -> Label {
        Label::product(
            uri.to_string(),
            Some("Fairphone"),
            Some("FP5 <b>&\"x\""),
            Some("FP5-0001"),
            &uuid::uuid!("3a517dc7-5b2d-4c9e-8f00-0123456789ab"),
        )
    }

    const ID: uuid::Uuid = uuid::uuid!("5c0ffee0-1234-4abc-8def-0123456789ab");

    #[test]
    fn product_lines_leave_out_what_is_unknown() {
        let bare = Label::product("https://l.example/p/x".into(), None, None, None, &ID);
        assert_eq!(bare.lines(), ["ID 5c0ffee0"]);
        let model = Label::product("u".into(), None, Some("FP5"), Some("7"), &ID);
        assert_eq!(model.lines(), ["FP5", "S/N 7", "ID 5c0ffee0"]);
    }

    #[test]
    fn lot_lines_give_category_and_exact_mass() {
        let label = Label::lot(
            "https://l.example/l/5c0ffee0-1234-4abc-8def-0123456789ab".into(),
            "0306",
            1_234_567,
            &ID,
        );
        assert_eq!(label.lines(), ["Lot · 0306 · 1,234.567 kg", "ID 5c0ffee0"]);
        let eu6 = Label::lot("u".into(), "EU-6 4", 500, &ID);
        assert_eq!(eu6.lines(), ["Lot · EU-6 4 · 0.5 kg", "ID 5c0ffee0"]);
    }

    #[test]
    fn container_lines_give_the_sscc_when_there_is_one() {
        let sscc = Sscc::parse("106141411234567897").unwrap();
        let label = Label::container(
            "https://l.example/00/106141411234567897".into(),
            Some(&sscc),
            &sscc.container_id(),
        );
        assert_eq!(
            label.lines(),
            [
                "Container · SSCC 106141411234567897".to_string(),
                format!("ID {}", short_id(&sscc.container_id()))
            ]
        );
        let plain = Label::container("https://l.example/c/x".into(), None, &ID);
        assert_eq!(plain.lines(), ["Container", "ID 5c0ffee0"]);
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
