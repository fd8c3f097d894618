//! How messages name things to people: lists in words (never a Rust `Debug` list), products
//! and actors by what a person recognises, the nearest known word for a typo, and counts and
//! numbers as people write them.

use std::fmt::Display;
use uuid::Uuid;

/// `a`, `` `a` or `b` ``, `` `a`, `b` or `c` ``: wire names in backticks, joined as a sentence.
pub fn or_list<T: Display>(values: &[T]) -> String {
    joined(values, "or")
}

/// As [`or_list`], joined with "and".
pub fn and_list<T: Display>(values: &[T]) -> String {
    joined(values, "and")
}

fn joined<T: Display>(values: &[T], word: &str) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// `n` and the noun in the number `n` needs, with thousands separators: "1 entry",
/// "1,234 entries", never "1 entries" or "entry(s)".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `n` with a comma between each group of three digits.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A string of decimal digits with a comma between each group of three.
pub fn group_digits(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Integer grams as exact kilograms, thousands grouped and no trailing zeros: 12345 →
/// "12.345", 1250000 → "1,250", 500 → "0.5". Exact because a label or a receipt states a
/// weighed mass: it must never round one delivery into another.
pub fn exact_kg(grams: u64) -> String {
    let whole = group_digits(&(grams / 1000).to_string());
    let fraction = format!("{:03}", grams % 1000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    }
}

/// The first 8 hex digits of an id, as labels and pages print it.
pub fn short_id(id: &Uuid) -> String {
    id.simple().to_string()[..8].to_string()
}

/// A product or an actor as a message names it. It serialises as its id alone (the member
/// clients read stays a UUID); it displays as what a person recognises: a product's serial or
/// an actor's organisation and name, with the short id (`FP5-0001 (3a517dc7)`), or the whole
/// id when the ledger knows nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: Uuid,
    /// What a person recognises, and what kind of thing it is; boxed to keep
    /// [`super::rejection::Rejection`] small (it travels in every `Result`).
    label: Option<Box<Label>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Label {
    text: Option<String>,
    /// `product`, `lot`, `container`, or empty: [`Named::spelled`] puts it in front.
    noun: &'static str,
}

impl Named {
    fn with(id: Uuid, text: Option<String>, noun: &'static str) -> Named {
        Named {
            id,
            label: Some(Box::new(Label { text, noun })),
        }
    }

    pub fn new(id: Uuid, label: impl Into<String>) -> Named {
        Named::with(id, Some(label.into()), "")
    }

    /// Any subject: a product by its serial, a container by its SSCC, a lot by its mass and
    /// category.
    pub fn subject(record: &super::records::SubjectRecord) -> Named {
        use super::records::SubjectRecord;
        match record {
            SubjectRecord::Product(p) => Named::product(p),
            SubjectRecord::Lot(lot) => Named::with(
                lot.id,
                Some(format!("{} kg of {}", exact_kg(lot.mass_g), lot.category)),
                "lot",
            ),
            SubjectRecord::Container(c) => Named::with(
                c.id,
                c.sscc.as_deref().map(|sscc| format!("SSCC {sscc}")),
                "container",
            ),
        }
    }

    /// A subject of this kind, named by `text` (a serial, an SSCC).
    pub fn of(kind: super::kinds::SubjectKind, id: Uuid, text: impl Into<String>) -> Named {
        Named::with(id, Some(text.into()), kind.as_str())
    }

    /// A subject of this kind known only by its id.
    pub fn unknown(kind: super::kinds::SubjectKind, id: Uuid) -> Named {
        Named::with(id, None, kind.as_str())
    }

    /// What kind of thing it is (`product`, `lot`, `container`), or empty for an actor.
    pub fn noun(&self) -> &'static str {
        self.label.as_ref().map_or("", |label| label.noun)
    }

    /// `product FP5-0001 (3a517dc7)`, `lot 12.5 kg of 0108 (1a2b3c4d)`: with what it is.
    pub fn spelled(&self) -> String {
        match self.noun() {
            "" => self.to_string(),
            noun => format!("{noun} {self}"),
        }
    }

    /// An actor: `Org / Name`.
    pub fn actor(record: &super::records::ActorRecord) -> Named {
        Named::new(record.id, format!("{} / {}", record.org, record.name))
    }

    /// A product: its serial, when it has one.
    pub fn product(record: &super::records::ProductRecord) -> Named {
        Named::with(record.id, record.serial.clone(), "product")
    }
}

impl From<Uuid> for Named {
    fn from(id: Uuid) -> Named {
        Named { id, label: None }
    }
}

impl Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.label.as_ref().and_then(|label| label.text.as_ref()) {
            Some(text) => write!(f, "{text} ({})", short_id(&self.id)),
            None => write!(f, "{}", self.id),
        }
    }
}

impl serde::Serialize for Named {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.id.serialize(serializer)
    }
}

/// The known word nearest to `typed` (edit distance), when it is near enough to be a typo:
/// at most a third of the word's length, and at least one edit.
pub fn nearest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (typed.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|word| (distance(typed, word), word))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, word)| word)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_read_as_exact_kilograms() {
        assert_eq!(exact_kg(12_345), "12.345");
        assert_eq!(exact_kg(12_500), "12.5");
        assert_eq!(exact_kg(1_250_000), "1,250");
        assert_eq!(exact_kg(500), "0.5");
        assert_eq!(exact_kg(7), "0.007");
        assert_eq!(exact_kg(0), "0");
    }

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(0, "entry", "entries"), "0 entries");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(2, "page", "pages"), "2 pages");
        assert_eq!(count(1_234_567, "entry", "entries"), "1,234,567 entries");
    }

    #[test]
    fn digits_in_groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(7578), "7,578");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn lists_read_as_words() {
        assert_eq!(or_list::<&str>(&[]), "nothing");
        assert_eq!(or_list(&["in_use"]), "`in_use`");
        assert_eq!(
            or_list(&["manufactured", "in_use"]),
            "`manufactured` or `in_use`"
        );
        assert_eq!(and_list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn named_shows_label_and_short_id_and_serialises_as_the_id() {
        let id = Uuid::parse_str("3a517dc7-0000-4000-8000-000000000000").unwrap();
        assert_eq!(
            Named::new(id, "FP5-0001").to_string(),
            "FP5-0001 (3a517dc7)"
        );
        assert_eq!(Named::from(id).to_string(), id.to_string());
        assert_eq!(
            serde_json::to_value(Named::new(id, "x")).unwrap(),
            serde_json::json!(id)
        );
    }

    #[test]
    fn nearest_finds_typos_and_not_strangers() {
        let kinds = ["collected", "recycled", "disposed"];
        assert_eq!(nearest("colected", kinds), Some("collected"));
        assert_eq!(nearest("recyled", kinds), Some("recycled"));
        assert_eq!(nearest("banana", kinds), None);
        assert_eq!(
            nearest("battery:lion", ["battery:li-ion", "battery:nimh"]),
            Some("battery:li-ion")
        );
    }
}
