//! One label as PNG: the QR code at 6 pixels per module, the text in an 8×8 bitmap font at
//! twice its size, black on white, 1-bit greyscale.

use super::{Label, LabelError, QrMatrix, QUIET_ZONE};

/// Pixels per QR module.
const MODULE_PX: usize = 6;
/// The bitmap font's glyphs are drawn at this many pixels per font pixel.
const FONT_SCALE: usize = 2;
const GLYPH_PX: usize = 8 * FONT_SCALE;
/// Characters of text per line, at least: a product's lines fit, and the label is this wide.
const TEXT_COLUMNS: usize = 24;
/// Characters of text per line at most: a longer line widens the label up to this (a
/// container's `Container · SSCC …` line is 35), and beyond it is cut with `…` drawn as `~`.
const MAX_TEXT_COLUMNS: usize = 40;
/// `·`, which separates the parts of a lot's and a container's first line.
const MIDDLE_DOT: char = '\u{b7}';

pub fn label_png(label: &Label) -> Result<Vec<u8>, LabelError> {
    let matrix = QrMatrix::encode(&label.uri)?;
    let code_px = (matrix.width + 2 * QUIET_ZONE) * MODULE_PX;
    let lines = label.lines();
    let columns = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(TEXT_COLUMNS, MAX_TEXT_COLUMNS);
    let width = code_px + columns * GLYPH_PX + QUIET_ZONE * MODULE_PX;
    let height = code_px.max(QUIET_ZONE * MODULE_PX * 2 + lines.len() * GLYPH_PX * 3 / 2);
    let mut canvas = Canvas::new(width, height, columns);
    for (x, y, run) in matrix.dark_runs() {
        canvas.fill(
            (x + QUIET_ZONE) * MODULE_PX,
            (y + QUIET_ZONE) * MODULE_PX,
            run * MODULE_PX,
            MODULE_PX,
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let y = QUIET_ZONE * MODULE_PX + i * GLYPH_PX * 3 / 2;
        canvas.text(code_px, y, line);
    }
    canvas.encode()
}

/// A white 8-bit greyscale image being drawn on.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    /// Characters of text a line may have.
    columns: usize,
}

impl Canvas {
    fn new(width: usize, height: usize, columns: usize) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; width * height],
            columns,
        }
    }

    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..(y + h).min(self.height) {
            let start = row * self.width + x.min(self.width);
            let end = row * self.width + (x + w).min(self.width);
            self.pixels[start..end].fill(0);
        }
    }

    /// Draws printable ASCII and the `·` of lot and container lines; anything else shows as
    /// `?`, overlong lines end in `~`.
    fn text(&mut self, x: usize, y: usize, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let columns = self.columns;
        for (column, c) in chars.iter().take(columns).enumerate() {
            let c = if column == columns - 1 && chars.len() > columns {
                '~'
            } else if c.is_ascii_graphic() || *c == ' ' || *c == MIDDLE_DOT {
                *c
            } else {
                '?'
            };
            let glyph = match c {
                // Latin-1's table starts at U+00A0.
                MIDDLE_DOT => font8x8::legacy::LATIN_LEGACY[0xb7 - 0xa0],
                c => font8x8::legacy::BASIC_LEGACY[c as usize],
            };
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..8 {
                    if bits & (1 << gx) != 0 {
                        self.fill(
                            x + column * GLYPH_PX + gx * FONT_SCALE,
                            y + gy * FONT_SCALE,
                            FONT_SCALE,
                            FONT_SCALE,
                        );
                    }
                }
            }
        }
    }

    fn encode(self) -> Result<Vec<u8>, LabelError> {
        let mut out = Vec::new();
        let mut encoder = ::png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(::png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| LabelError::Png(e.to_string()))?;
        writer
            .write_image_data(&self.pixels)
            .map_err(|e| LabelError::Png(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| LabelError::Png(e.to_string()))?;
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::sample;
    use super::*;

    /// Decodes a PNG and the QR code in it.
    pub fn decode_png(bytes: &[u8]) -> String {
        let decoder = ::png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        let width = info.width as usize;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(width, info.height as usize, |x, y| {
                pixels[y * width + x]
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one QR code");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn the_png_qr_decodes_to_the_uri() {
        for uri in [
            "https://id.example/01/09506000134352/21/FP5-0001",
            "https://ledger.example.org/p/3a517dc7-5b2d-4c9e-8f00-0123456789ab",
        ] {
            assert_eq!(decode_png(&label_png(&sample(uri)).unwrap()), uri);
        }
    }

    /// The width of a PNG, from its header.
    fn png_width(bytes: &[u8]) -> u32 {
        u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]])
    }

    #[test]
    fn lot_and_container_pngs_decode_and_widen_for_their_lines() {
        let product = label_png(&sample(
            "https://ledger.example.org/p/3a517dc7-5b2d-4c9e-8f00-0123456789ab",
        ))
        .unwrap();
        for label in super::super::tests::other_subjects() {
            let png = label_png(&label).unwrap();
            assert_eq!(decode_png(&png), label.uri);
            let longest = label
                .lines()
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap();
            if longest > TEXT_COLUMNS {
                assert!(png_width(&png) > png_width(&product), "{:?}", label.lines());
            }
        }
    }

    #[test]
    fn the_middle_dot_is_drawn_not_replaced() {
        let mut dotted = Canvas::new(GLYPH_PX, GLYPH_PX, 1);
        dotted.text(0, 0, "\u{b7}");
        let mut unknown = Canvas::new(GLYPH_PX, GLYPH_PX, 1);
        unknown.text(0, 0, "?");
        assert_ne!(dotted.pixels, unknown.pixels);
        assert!(dotted.pixels.contains(&0));
    }
}
