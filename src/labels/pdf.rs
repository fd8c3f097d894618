//! A4 label sheets as PDF 1.4, written directly: vector QR modules (one rectangle per dark
//! run), Helvetica text (a standard font every reader has, so nothing is embedded), grey cut
//! lines. Only printable ASCII and the `·` of lot and container lines are drawn as themselves;
//! other characters print as `?`.

use super::sheet::{place, SheetLayout};
use super::{Label, LabelError};
use std::fmt::Write;

/// PDF points per millimetre.
const PT: f64 = 72.0 / 25.4;

pub fn sheet_pdf(labels: &[Label], layout: &SheetLayout) -> Result<Vec<u8>, LabelError> {
    let page_height = layout.page_height * PT;
    let mut streams = Vec::new();
    for (page, chunk) in labels.chunks(layout.per_page()).enumerate() {
        let mut ops = String::from("0.75 G 0.3 w [2 2] 0 d\n");
        for (x1, y1, x2, y2) in layout.cut_lines() {
            let _ = writeln!(
                ops,
                "{:.2} {:.2} m {:.2} {:.2} l S",
                x1 * PT,
                page_height - y1 * PT,
                x2 * PT,
                page_height - y2 * PT
            );
        }
        ops.push_str("[] 0 d 0 g\n");
        for (index, label) in chunk.iter().enumerate() {
            let placed = place(label, layout, page * layout.per_page() + index)?;
            let module = placed.module * PT;
            let (qx, qy) = (placed.qr_origin.0 * PT, placed.qr_origin.1 * PT);
            for (x, y, run) in placed.matrix.dark_runs() {
                // PDF's y axis points up: a module row's bottom edge is one module lower.
                let _ = writeln!(
                    ops,
                    "{:.3} {:.3} {:.3} {:.3} re",
                    qx + x as f64 * module,
                    page_height - qy - (y + 1) as f64 * module,
                    run as f64 * module,
                    module
                );
            }
            ops.push_str("f\n");
            let size = placed.font_size * PT;
            for (i, line) in placed.lines.iter().enumerate() {
                let _ = writeln!(
                    ops,
                    "BT /F1 {size:.2} Tf {:.2} {:.2} Td ({}) Tj ET",
                    placed.text_origin.0 * PT,
                    page_height - (placed.text_origin.1 + i as f64 * placed.font_size * 1.4) * PT,
                    pdf_string(line)
                );
            }
        }
        streams.push(ops);
    }
    Ok(document(&streams, layout))
}

/// Printable ASCII with `(`, `)` and `\` escaped, `·` as its WinAnsi code `\267`; anything
/// else as `?`.
fn pdf_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            // The font's /WinAnsiEncoding has the middle dot at 0xB7.
            '\u{b7}' => out.push_str("\\267"),
            _ => out.push('?'),
        }
    }
    out
}

/// Assembles the objects and the cross-reference table.
fn document(streams: &[String], layout: &SheetLayout) -> Vec<u8> {
    let pages = streams.len();
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    for (i, stream) in streams.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            layout.page_width * PT,
            layout.page_height * PT,
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}endstream",
            stream.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        // Each cross-reference line is exactly 20 bytes, ending in a space and a newline.
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    /// The PDF as text, its binary-marker comment replaced by as many ASCII bytes so that
    /// byte offsets still hold.
    fn text(bytes: &[u8]) -> String {
        let mut bytes = bytes.to_vec();
        bytes[10..14].copy_from_slice(b"BBBB");
        String::from_utf8(bytes).expect("the rest is ASCII")
    }

    #[test]
    fn the_xref_table_points_at_every_object() {
        let labels: Vec<Label> = (0..25)
            .map(|n| sample(&format!("https://id.example/01/09506000134352/21/S{n}")))
            .collect();
        let pdf = sheet_pdf(&labels, &SheetLayout::A4).unwrap();
        let body = text(&pdf);
        assert!(body.starts_with("%PDF-1.4"));
        assert!(body.contains("/Count 2"));
        let startxref: usize = body
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(body[startxref..].starts_with("xref"));
        let offsets: Vec<usize> = body[startxref..]
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().unwrap())
            .collect();
        assert_eq!(offsets.len(), 3 + 2 * 2);
        for (i, offset) in offsets.iter().enumerate() {
            assert!(body[*offset..].starts_with(&format!("{} 0 obj", i + 1)));
        }
        // Stream lengths are exact.
        for part in body.split("<< /Length ").skip(1) {
            let length: usize = part.split(' ').next().unwrap().parse().unwrap();
            let stream = part.split_once("stream\n").unwrap().1;
            assert!(stream[length..].starts_with("endstream"));
        }
    }

    /// Rasterises the first label's rectangles and decodes the QR code they draw.
    #[test]
    fn the_first_pdf_label_decodes_to_its_uri() {
        let uri = "https://id.example/01/09506000134352/21/FP5-0001";
        let pdf = text(&sheet_pdf(&[sample(uri)], &SheetLayout::A4).unwrap());
        let rects: Vec<[f64; 4]> = pdf
            .lines()
            .filter(|l| l.ends_with(" re"))
            .map(|l| {
                let n: Vec<f64> = l.split(' ').take(4).map(|v| v.parse().unwrap()).collect();
                [n[0], n[1], n[2], n[3]]
            })
            .collect();
        let module = rects[0][3];
        let min_x = rects.iter().map(|r| r[0]).fold(f64::MAX, f64::min);
        let max_y = rects.iter().map(|r| r[1]).fold(f64::MIN, f64::max);
        let mut cells = std::collections::HashSet::new();
        for [x, y, w, _] in &rects {
            let (cx, cy) = (
                ((x - min_x) / module).round() as usize,
                ((max_y - y) / module).round() as usize,
            );
            for i in 0..(w / module).round() as usize {
                cells.insert((cx + i + QUIET, cy + QUIET));
            }
        }
        const QUIET: usize = 4;
        let side = cells.iter().map(|(x, y)| x.max(y)).max().unwrap() + 1 + QUIET;
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_bitmap(side * scale, side * scale, |x, y| {
                cells.contains(&(x / scale, y / scale))
            });
        let grid = image.detect_grids().pop().expect("a QR code");
        assert_eq!(grid.decode().expect("decodes").1, uri);
        assert!(pdf.contains("(Fairphone FP5 <b>&\"x\") Tj"));
        assert_eq!(pdf_string("a(b)c\\é"), "a\\(b\\)c\\\\?");
    }

    #[test]
    fn lot_and_container_lines_print_with_their_middle_dot() {
        let pdf =
            text(&sheet_pdf(&super::super::tests::other_subjects(), &SheetLayout::A4).unwrap());
        assert!(
            pdf.contains("(Lot \\267 EU-6 4 \\267 12,345.678 kg) Tj"),
            "{pdf}"
        );
        assert!(pdf.contains("(Container \\267 SSCC 106141411234567897) Tj"));
        assert!(pdf.contains("(Container) Tj"));
    }
}
