//! The one CSV writer of the ledger: every CSV it serves (`/v1/stats/{locode}.csv`,
//! `/cities.csv`, `/cities/{locode}/{chart}.csv`) is written here, so that the rules below hold
//! for all of them.
//!
//! - RFC 4180: fields holding a comma, a quote or a line break are quoted, quotes doubled, and
//!   records end with CRLF-free `\n` (what the routes always served).
//! - Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`,
//!   `+`, `-` or `@` as a formula (`=HYPERLINK(…)`, `@SUM(…)|cmd`), and a leading tab or
//!   carriage return can hide such a start. A *text* cell starting with one of these is written
//!   with a leading `'`, which spreadsheets show as text. Signers choose text such as a
//!   recycler's fraction names, so every text cell goes through this rule.
//! - Numbers stay numbers: a [`Cell::Number`] can only be made from a number, so `-0.003`
//!   is a figure a spreadsheet can sum, never text to neutralise. A negative figure cannot run
//!   anything: a spreadsheet reads it as a number, not as a formula.

use serde_json::Value;
use std::fmt;

/// One cell: text (neutralised when written) or a number (written as it is).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// The decimal text of a number; private so that only numbers make one.
    Number(Numeral),
}

/// A number's decimal text, made only from numeric types.
#[derive(Clone, Debug, PartialEq)]
pub struct Numeral(String);

/// The characters that make a spreadsheet read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    pub fn int(value: i64) -> Cell {
        Cell::Number(Numeral(value.to_string()))
    }

    /// A finite float as its shortest round-trip text; a non-finite one is no figure: empty.
    pub fn float(value: f64) -> Cell {
        if value.is_finite() {
            Cell::Number(Numeral(value.to_string()))
        } else {
            Cell::Text(String::new())
        }
    }

    /// A JSON value of a statistics answer: numbers as numbers, `null` empty, anything else
    /// as text.
    pub fn json(value: &Value) -> Cell {
        match value {
            Value::Null => Cell::Text(String::new()),
            Value::Number(number) => Cell::Number(Numeral(number.to_string())),
            Value::String(text) => Cell::Text(text.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// The number a cell holds, for a page to format; `None` for text.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(Numeral(number)) => number.parse().ok(),
            Cell::Text(_) => None,
        }
    }

    /// The cell as a CSV field: neutralised if it is text, then quoted where RFC 4180 needs it.
    pub fn to_field(&self) -> String {
        let text = match self {
            Cell::Number(Numeral(number)) => return number.clone(),
            Cell::Text(text) if text.starts_with(FORMULA_STARTS) => format!("'{text}"),
            Cell::Text(text) => text.clone(),
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    }
}

/// What a page shows of the cell (HTML escaping is the template's job): the value unchanged.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Number(Numeral(number)) => f.write_str(number),
        }
    }
}

/// Rows written as CSV, one record per line.
pub fn write<'a>(rows: impl IntoIterator<Item = &'a [Cell]>) -> String {
    let mut out = String::new();
    for row in rows {
        let fields: Vec<String> = row.iter().map(Cell::to_field).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_that_starts_a_formula_is_neutralised() {
        for (text, field) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("@SUM(1+1)|cmd", "'@SUM(1+1)|cmd"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("copper", "copper"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(Cell::text(text).to_field(), field, "{text:?}");
        }
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(Cell::float(-0.003).to_field(), "-0.003");
        assert_eq!(Cell::int(-5).to_field(), "-5");
        assert_eq!(Cell::json(&json!(-12.5)).to_field(), "-12.5");
        assert_eq!(Cell::json(&json!(null)).to_field(), "");
        assert_eq!(Cell::json(&json!("-12.5")).to_field(), "'-12.5");
        assert_eq!(Cell::float(f64::NAN).to_field(), "");
    }

    #[test]
    fn rows_are_rfc_4180() {
        let rows = [
            vec![Cell::text("material"), Cell::text("kg")],
            vec![Cell::text("a, \"b\""), Cell::float(0.5)],
        ];
        assert_eq!(
            write(rows.iter().map(Vec::as_slice)),
            "material,kg\n\"a, \"\"b\"\"\",0.5\n"
        );
        assert_eq!(Cell::text("=x").to_string(), "=x");
    }
}
