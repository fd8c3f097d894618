//! Official reference data compiled into the binary (docs/lifecycle.md "category", docs/kpis.md).
//!
//! The CSV files in `reference/` (provenance in `reference/SOURCES.md`) are embedded with
//! `include_str!` so that the server, the CLI and an offline auditor all use byte-identical
//! definitions; no value is retyped here. Each table is parsed once, on first use.

use std::sync::OnceLock;

const UNU_KEYS_CSV: &str = include_str!("../../reference/unu-keys.csv");
const WEEE_CATEGORIES_CSV: &str = include_str!("../../reference/weee-categories.csv");
const BASEL_OPERATIONS_CSV: &str = include_str!("../../reference/basel-operations.csv");
const HAZARDS_CSV: &str = include_str!("../../reference/hazards.csv");

/// The versions of the tables a statistic was computed with: each file's name and the first
/// 12 hex digits of its SHA-256, so that a reader can tell exactly which definitions applied.
pub fn table_versions() -> [(&'static str, String); 2] {
    let digest =
        |text: &str| super::hash::Hash32::sha256(text.as_bytes()).to_hex()[..12].to_string();
    [
        ("unu-keys.csv", digest(UNU_KEYS_CSV)),
        ("weee-categories.csv", digest(WEEE_CATEGORIES_CSV)),
    ]
}

/// One UNU-KEY product category (54 keys; `reference/unu-keys.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct UnuKey {
    /// Four-digit key, e.g. `0303` (laptops).
    pub key: String,
    /// Official description.
    pub description: String,
    /// EU-6 WEEE category (Directive 2012/19/EU Annex III), 1..=6.
    pub eu6_category: u8,
    /// `4a`/`4b` reporting split of category 4 (Implementing Decision (EU) 2019/2193);
    /// empty for keys outside category 4.
    pub eu6_reporting_subcategory: String,
    /// EU-10 category (Directive 2012/19/EU Annex I), 1..=10.
    pub eu10_category: u8,
    /// Default average unit weight in integer grams (the ledger has no floats),
    /// converted exactly from the file's decimal kilograms (2014 EU default).
    pub avg_weight_g: u64,
    /// Weibull lifespan shape α (NL/FR/BE profile).
    pub weibull_shape: f64,
    /// Weibull lifespan scale β in years (NL/FR/BE profile).
    pub weibull_scale: f64,
}

/// Whether a Basel Annex IV operation recovers resources or disposes of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// Annex IV section B, `R` codes: may lead to resource recovery.
    Recovery,
    /// Annex IV section A, `D` codes: no resource recovery.
    Disposal,
}

/// One Basel Convention Annex IV operation (`reference/basel-operations.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Code such as `R4` or `D10`.
    pub code: String,
    /// Recovery (R) or disposal (D).
    pub kind: OperationKind,
    /// Treaty text.
    pub description: String,
}

/// One EU-6 WEEE category with its Annex V Part 3 minimum targets (percent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeeCategory {
    /// Category number, 1..=6.
    pub category: u8,
    /// Name from Directive 2012/19/EU Annex III.
    pub name: String,
    /// Minimum recovery target, if the directive sets one.
    pub recovery_target_pct: Option<u8>,
    /// Minimum prepared-for-re-use-and-recycled target, if set.
    pub reuse_recycling_target_pct: Option<u8>,
    /// Minimum recycling target (category 3 lamps only), if set.
    pub recycling_target_pct: Option<u8>,
}

/// One hazardous component a product may declare and a recycler removes
/// (`reference/hazards.csv`): the vocabulary of `hazards` and of depollution's `components`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    /// `family` or `family:detail`, e.g. `battery:li-ion`.
    pub code: String,
    /// What the component is, in words.
    pub component: String,
    /// The point of WEEE Directive 2012/19/EU Annex VII that lists it.
    pub annex_vii: String,
    /// What a recycler does with it (selective treatment).
    pub handling: String,
}

/// Why an embedded CSV file could not be read; only a bad edit of `reference/` causes this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ReferenceError {
    #[error("{file} has a quoted field starting on line {line} that is never closed.")]
    UnterminatedQuote { file: &'static str, line: usize },
    #[error("{file} has no column named {column:?}.")]
    MissingColumn {
        file: &'static str,
        column: &'static str,
    },
    #[error("{file} line {line} has {found} fields, but the header has {expected}.")]
    FieldCount {
        file: &'static str,
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("{file} line {line}, column {column:?}: {value:?} is not {wanted}.")]
    BadValue {
        file: &'static str,
        line: usize,
        column: &'static str,
        value: String,
        wanted: &'static str,
    },
}

/// Splits CSV text into records (RFC 4180 quoting: `"a,b"` and doubled `""`).
/// Returns each record with the 1-based line it starts on; blank lines are skipped.
fn parse_csv(file: &'static str, text: &str) -> Result<Vec<(usize, Vec<String>)>, ReferenceError> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut line, mut record_line) = (1, 1);
    let (mut in_quotes, mut quoted_from) = (false, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                c => {
                    line += usize::from(c == '\n');
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => (in_quotes, quoted_from) = (true, line),
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push((record_line, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                record_line = line;
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(ReferenceError::UnterminatedQuote {
            file,
            line: quoted_from,
        });
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

/// A parsed CSV table with fields looked up by header name, so column order may change.
struct Table {
    file: &'static str,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// One data row of a [`Table`], remembering its line for error messages.
struct Row<'a> {
    table: &'a Table,
    line: usize,
    fields: &'a [String],
}

impl Table {
    fn parse(file: &'static str, text: &str) -> Result<Table, ReferenceError> {
        let mut rows = parse_csv(file, text)?.into_iter();
        let header = rows.next().map(|(_, h)| h).unwrap_or_default();
        let rows: Vec<_> = rows.collect();
        for (line, row) in &rows {
            if row.len() != header.len() {
                return Err(ReferenceError::FieldCount {
                    file,
                    line: *line,
                    found: row.len(),
                    expected: header.len(),
                });
            }
        }
        Ok(Table { file, header, rows })
    }

    /// Converts every row with `f`, stopping at the first error.
    fn map<T>(
        &self,
        f: impl Fn(&Row<'_>) -> Result<T, ReferenceError>,
    ) -> Result<Vec<T>, ReferenceError> {
        self.rows
            .iter()
            .map(|(line, fields)| {
                f(&Row {
                    table: self,
                    line: *line,
                    fields,
                })
            })
            .collect()
    }
}

impl<'a> Row<'a> {
    /// The field in the column named `column`.
    fn get(&self, column: &'static str) -> Result<&'a str, ReferenceError> {
        let file = self.table.file;
        let index = self.table.header.iter().position(|h| h == column);
        index
            .and_then(|i| self.fields.get(i))
            .map(String::as_str)
            .ok_or(ReferenceError::MissingColumn { file, column })
    }

    /// The field in `column` converted by `convert`; `wanted` describes valid values.
    fn convert<T>(
        &self,
        column: &'static str,
        wanted: &'static str,
        convert: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ReferenceError> {
        let value = self.get(column)?;
        convert(value).ok_or_else(|| ReferenceError::BadValue {
            file: self.table.file,
            line: self.line,
            column,
            value: value.to_owned(),
            wanted,
        })
    }

    /// The field in `column` parsed with [`str::parse`].
    fn parse<T: std::str::FromStr>(
        &self,
        column: &'static str,
        wanted: &'static str,
    ) -> Result<T, ReferenceError> {
        self.convert(column, wanted, |v| v.parse().ok())
    }

    /// An optional percentage: empty means the directive sets no target.
    fn percent(&self, column: &'static str) -> Result<Option<u8>, ReferenceError> {
        self.convert(column, "empty or a percentage", |v| match v {
            "" => Some(None),
            v => v.parse::<u8>().ok().filter(|p| *p <= 100).map(Some),
        })
    }
}

/// Converts decimal kilograms (e.g. `30.85`) to integer grams without floating point.
///
/// The data has at most 2 decimals today; if a value ever has more than 3, the grams are
/// rounded half up on the 4th decimal (weights are positive, so that is round-half-up).
fn kg_to_grams(kg: &str) -> Option<u64> {
    let (int, frac) = kg.split_once('.').unwrap_or((kg, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let mut grams = int.parse::<u64>().ok()?.checked_mul(1000)?;
    let mut frac_bytes = frac.bytes().map(|b| u64::from(b - b'0'));
    for scale in [100, 10, 1] {
        grams = grams.checked_add(frac_bytes.next().unwrap_or(0) * scale)?;
    }
    if frac_bytes.next().is_some_and(|d| d >= 5) {
        grams = grams.checked_add(1)?;
    }
    Some(grams)
}

fn load_unu_keys() -> Result<Vec<UnuKey>, ReferenceError> {
    Table::parse("unu-keys.csv", UNU_KEYS_CSV)?.map(|r| {
        Ok(UnuKey {
            key: r.get("unu_key")?.to_owned(),
            description: r.get("description")?.to_owned(),
            eu6_category: r.parse("eu6_category", "an integer")?,
            eu6_reporting_subcategory: r.get("eu6_reporting_subcategory")?.to_owned(),
            eu10_category: r.parse("eu10_category", "an integer")?,
            avg_weight_g: r.convert("avg_weight_kg", "a decimal weight", kg_to_grams)?,
            weibull_shape: r.parse("weibull_shape", "a number")?,
            weibull_scale: r.parse("weibull_scale", "a number")?,
        })
    })
}

fn load_operations() -> Result<Vec<Operation>, ReferenceError> {
    Table::parse("basel-operations.csv", BASEL_OPERATIONS_CSV)?.map(|r| {
        Ok(Operation {
            code: r.get("code")?.to_owned(),
            kind: r.convert("kind", "R or D", |v| match v {
                "R" => Some(OperationKind::Recovery),
                "D" => Some(OperationKind::Disposal),
                _ => None,
            })?,
            description: r.get("description")?.to_owned(),
        })
    })
}

fn load_weee_categories() -> Result<Vec<WeeeCategory>, ReferenceError> {
    Table::parse("weee-categories.csv", WEEE_CATEGORIES_CSV)?.map(|r| {
        Ok(WeeeCategory {
            category: r.parse("category", "an integer")?,
            name: r.get("name")?.to_owned(),
            recovery_target_pct: r.percent("recovery_target_pct")?,
            reuse_recycling_target_pct: r.percent("reuse_recycling_target_pct")?,
            recycling_target_pct: r.percent("recycling_target_pct")?,
        })
    })
}

fn load_hazards() -> Result<Vec<Hazard>, ReferenceError> {
    Table::parse("hazards.csv", HAZARDS_CSV)?.map(|r| {
        Ok(Hazard {
            code: r.convert("code", "a lowercase code such as battery:li-ion", |v| {
                let well_formed = !v.is_empty()
                    && v.split(':').count() <= 2
                    && v.split(':').all(|part| {
                        !part.is_empty()
                            && part
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    });
                well_formed.then(|| v.to_owned())
            })?,
            component: r.get("component")?.to_owned(),
            annex_vii: r.get("annex_vii")?.to_owned(),
            handling: r.get("handling")?.to_owned(),
        })
    })
}

/// Parses an embedded table once. The input is compile-time constant and the unit tests
/// parse every table, so a failure here can only be a bad edit caught by `cargo test`.
fn once<T>(
    cell: &'static OnceLock<Vec<T>>,
    load: fn() -> Result<Vec<T>, ReferenceError>,
) -> &'static [T] {
    cell.get_or_init(|| match load() {
        Ok(rows) => rows,
        Err(e) => panic!("embedded reference data is invalid: {e}"),
    })
}

/// All 54 UNU-KEYs in file order.
pub fn unu_keys() -> &'static [UnuKey] {
    static CELL: OnceLock<Vec<UnuKey>> = OnceLock::new();
    once(&CELL, load_unu_keys)
}

/// The UNU-KEY with code `code` (e.g. `"0303"`), if it exists.
pub fn unu_key(code: &str) -> Option<&'static UnuKey> {
    unu_keys().iter().find(|k| k.key == code)
}

/// All Basel Annex IV operations (D1..D15, R1..R13) in file order.
pub fn operations() -> &'static [Operation] {
    static CELL: OnceLock<Vec<Operation>> = OnceLock::new();
    once(&CELL, load_operations)
}

/// The Basel operation with code `code` (e.g. `"R4"`), if it exists.
pub fn operation(code: &str) -> Option<&'static Operation> {
    operations().iter().find(|o| o.code == code)
}

/// The six EU WEEE categories with their targets, in category order.
pub fn weee_categories() -> &'static [WeeeCategory] {
    static CELL: OnceLock<Vec<WeeeCategory>> = OnceLock::new();
    once(&CELL, load_weee_categories)
}

/// Every hazard code a product may declare, in file order.
pub fn hazards() -> &'static [Hazard] {
    static CELL: OnceLock<Vec<Hazard>> = OnceLock::new();
    once(&CELL, load_hazards)
}

/// The hazard with code `code` (e.g. `"battery:li-ion"`), if it is in the vocabulary.
pub fn hazard(code: &str) -> Option<&'static Hazard> {
    hazards().iter().find(|h| h.code == code)
}

/// The WEEE category numbered `category` (1..=6), if it exists.
pub fn weee_category(category: u8) -> Option<&'static WeeeCategory> {
    weee_categories().iter().find(|c| c.category == category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_54_unu_keys_with_valid_categories() {
        let keys = unu_keys();
        assert_eq!(keys.len(), 54);
        assert_eq!(
            (keys[0].key.as_str(), keys[53].key.as_str()),
            ("0001", "1002")
        );
        for k in keys {
            assert!((1..=6).contains(&k.eu6_category), "{}", k.key);
            assert!((1..=10).contains(&k.eu10_category), "{}", k.key);
            assert!(k.avg_weight_g > 0 && k.weibull_shape > 0.0 && k.weibull_scale > 0.0);
            let sub = k.eu6_reporting_subcategory.as_str();
            assert_eq!(k.eu6_category == 4, sub == "4a" || sub == "4b", "{}", k.key);
        }
    }

    #[test]
    fn laptops_0303_and_other_rows_match_the_file() {
        let k = unu_key("0303").unwrap();
        assert_eq!(k.description, "Laptops (incl. tablets)");
        assert_eq!(
            (k.eu6_category, k.eu10_category, k.avg_weight_g),
            (2, 3, 1160)
        );
        assert_eq!((k.weibull_shape, k.weibull_scale), (1.60, 6.57));
        assert_eq!(unu_key("0001").unwrap().avg_weight_g, 30850);
        assert_eq!(unu_key("0002").unwrap().avg_weight_g, 17000);
        assert_eq!(unu_key("0002").unwrap().eu6_reporting_subcategory, "4b");
        assert!(unu_key("0107").is_none() && unu_key("303").is_none() && unu_key("").is_none());
    }

    #[test]
    fn kg_to_grams_is_exact_and_rounds_half_up() {
        assert_eq!(kg_to_grams("30.85"), Some(30850));
        assert_eq!(kg_to_grams("17"), Some(17000));
        assert_eq!(kg_to_grams("0.09"), Some(90));
        assert_eq!(kg_to_grams("0.005"), Some(5));
        assert_eq!(kg_to_grams("1.2345"), Some(1235));
        assert_eq!(kg_to_grams("1.23449"), Some(1234));
        assert_eq!(kg_to_grams("0.9995"), Some(1000));
        for bad in ["", ".5", "5.", "-1", "1e3", "1,5", "a"] {
            assert_eq!(kg_to_grams(bad), None, "{bad}");
        }
    }

    #[test]
    fn basel_operations() {
        assert_eq!(operations().len(), 28);
        assert_eq!(operation("R4").unwrap().kind, OperationKind::Recovery);
        assert_eq!(operation("D10").unwrap().kind, OperationKind::Disposal);
        assert_eq!(
            operation("D10").unwrap().description,
            "Incineration on land"
        );
        for (prefix, kind, n) in [
            ("R", OperationKind::Recovery, 13),
            ("D", OperationKind::Disposal, 15),
        ] {
            for i in 1..=n {
                assert_eq!(operation(&format!("{prefix}{i}")).unwrap().kind, kind);
            }
        }
        assert!(
            operation("R14").is_none() && operation("D0").is_none() && operation("r4").is_none()
        );
    }

    #[test]
    fn six_weee_categories() {
        let cats = weee_categories();
        let numbers: Vec<u8> = cats.iter().map(|c| c.category).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
        let lamps = weee_category(3).unwrap();
        assert_eq!(
            (lamps.recovery_target_pct, lamps.recycling_target_pct),
            (None, Some(80))
        );
        let screens = weee_category(2).unwrap();
        assert!(
            screens.name.starts_with("Screens, monitors,"),
            "{}",
            screens.name
        );
        assert_eq!(screens.reuse_recycling_target_pct, Some(70));
        assert!(weee_category(7).is_none() && weee_category(0).is_none());
    }

    #[test]
    fn csv_parser_handles_quotes_and_errors() {
        let rows = parse_csv("t", "a,b\r\n\"x,\"\"y\"\"\",\n\n\"multi\nline\",z").unwrap();
        let fields: Vec<&Vec<String>> = rows.iter().map(|(_, r)| r).collect();
        assert_eq!(
            fields,
            [
                &vec!["a", "b"],
                &vec!["x,\"y\"", ""],
                &vec!["multi\nline", "z"]
            ]
        );
        assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(
            parse_csv("t", "a\n\"open"),
            Err(ReferenceError::UnterminatedQuote { file: "t", line: 2 })
        );
        assert!(matches!(
            Table::parse("t", "a,b\n1\n"),
            Err(ReferenceError::FieldCount {
                line: 2,
                found: 1,
                ..
            })
        ));
    }

    #[test]
    fn hazards_are_unique_codes_each_with_advice() {
        let all = hazards();
        assert!(all.len() >= 30, "{}", all.len());
        let mut codes: Vec<&str> = all.iter().map(|h| h.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "a code is listed twice");
        for h in all {
            assert!(
                !h.component.is_empty() && !h.handling.is_empty(),
                "{}",
                h.code
            );
            assert!(h.annex_vii.starts_with(['1', '2']), "{}", h.code);
        }
        // The hazards the demo and the documentation use are known.
        for used in ["battery", "battery:li-ion", "lcd", "refrigerant:r600a"] {
            assert!(hazard(used).is_some(), "{used}");
        }
        assert!(hazard("battery:lion").is_none() && hazard("Battery").is_none());
    }

    /// The embedded copies must equal the shared reference folder they were copied from.
    #[test]
    fn embedded_files_match_shared_reference() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
        if !dir.is_dir() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is absent; CI must check the byte identity",
                dir.display()
            );
            println!(
                "note: {} is absent; skipping the byte-identity check",
                dir.display()
            );
            return;
        }
        for (name, embedded) in [
            ("unu-keys.csv", UNU_KEYS_CSV),
            ("weee-categories.csv", WEEE_CATEGORIES_CSV),
            ("basel-operations.csv", BASEL_OPERATIONS_CSV),
        ] {
            let shared = std::fs::read(dir.join(name)).unwrap();
            assert!(
                shared == embedded.as_bytes(),
                "{name} differs from {}",
                dir.display()
            );
        }
    }
}
