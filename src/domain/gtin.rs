//! GS1 Global Trade Item Numbers, normalised to GTIN-14 (docs/lifecycle.md, "Identifiers and labels").
//!
//! The product UUID is derived from the Digital Link path, which must use the 14-digit form
//! (docs/lifecycle.md), so every accepted GTIN-8/12/13 is zero-padded on the left; padding does not change
//! the GS1 mod-10 check digit because leading zeros add nothing to the weighted sum.

use super::identifiers::IdentifierError;
use std::fmt;
use std::str::FromStr;

/// A GTIN with a valid GS1 check digit, stored as exactly 14 ASCII digits.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin14(String);

impl Gtin14 {
    /// Parses a GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) or GTIN-14, checks its check digit
    /// and zero-pads it to 14 digits.
    pub fn parse(input: &str) -> Result<Gtin14, IdentifierError> {
        if let Some((position, character)) =
            input.chars().enumerate().find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(IdentifierError::GtinNotDigit {
                input: input.to_owned(),
                position: position + 1,
                character,
            });
        }
        // All ASCII digits, so byte length equals character count.
        if !matches!(input.len(), 8 | 12 | 13 | 14) {
            return Err(IdentifierError::GtinLength {
                input: input.to_owned(),
                length: input.len(),
            });
        }
        let padded = format!("{input:0>14}");
        let (body, check) = padded.split_at(13);
        let found = check.as_bytes()[0] - b'0';
        // `body` is 13 ASCII digits, so check_digit always returns Some.
        let expected = check_digit(body).unwrap_or(u8::MAX);
        if expected != found {
            return Err(IdentifierError::GtinCheckDigit {
                input: input.to_owned(),
                expected,
                found,
            });
        }
        Ok(Gtin14(padded))
    }

    /// The 14-digit form used in Digital Link URIs and product UUIDs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Computes the GS1 mod-10 check digit for `body` (all digits except the check digit): the
/// one check of every GS1 key here, GTINs and SSCCs (`super::sscc`) alike.
///
/// GS1 General Specifications §7.9.1: weights 3 and 1 alternate starting with 3 at the
/// digit next to the check digit. Returns `None` if `body` is empty or has a non-digit.
pub fn check_digit(body: &str) -> Option<u8> {
    if body.is_empty() {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, b) in body.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum += u32::from(b - b'0') * weight;
    }
    // (10 - sum mod 10) mod 10 is always < 10, so it fits in u8.
    Some(((10 - sum % 10) % 10) as u8)
}

impl fmt::Display for Gtin14 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Gtin14 {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gtin14::parse(s)
    }
}

impl TryFrom<String> for Gtin14 {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Gtin14::parse(&s)
    }
}

impl From<Gtin14> for String {
    fn from(g: Gtin14) -> String {
        g.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_gtins_of_every_length() {
        // EAN-13 (Faber-Castell pencil barcode, widely used as an EAN-13 example).
        assert_eq!(
            Gtin14::parse("4006381333931").unwrap().as_str(),
            "04006381333931"
        );
        // UPC-A (GTIN-12) example from the UPC article on Wikipedia.
        assert_eq!(
            Gtin14::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        // EAN-8 example.
        assert_eq!(
            Gtin14::parse("96385074").unwrap().as_str(),
            "00000096385074"
        );
        // GTIN-14 used throughout the GS1 Digital Link standard.
        let g = Gtin14::parse("09506000134352").unwrap();
        assert_eq!(g.to_string(), "09506000134352");
    }

    #[test]
    fn check_digit_values() {
        assert_eq!(check_digit("400638133393"), Some(1));
        assert_eq!(check_digit("03600029145"), Some(2));
        assert_eq!(check_digit("9638507"), Some(4));
        assert_eq!(check_digit("0950600013435"), Some(2));
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a"), None);
    }

    #[test]
    fn wrong_check_digit_says_expected_and_found() {
        let e = Gtin14::parse("4006381333932").unwrap_err();
        assert_eq!(
            e,
            IdentifierError::GtinCheckDigit {
                input: "4006381333932".into(),
                expected: 1,
                found: 2
            }
        );
        assert!(e.to_string().contains("expected 1"), "{e}");
        assert!(Gtin14::parse("09506000134353").is_err());
        assert!(Gtin14::parse("96385075").is_err());
    }

    #[test]
    fn rejects_letters_and_wrong_lengths() {
        assert_eq!(
            Gtin14::parse("40063813339X1"),
            Err(IdentifierError::GtinNotDigit {
                input: "40063813339X1".into(),
                position: 12,
                character: 'X'
            })
        );
        assert!(Gtin14::parse(" 4006381333931").is_err());
        for bad in ["", "1234567", "123456789", "12345678901", "123456789012345"] {
            assert!(
                matches!(Gtin14::parse(bad), Err(IdentifierError::GtinLength { .. })),
                "{bad}"
            );
        }
        // Non-ASCII digits are not GTIN digits.
        assert!(Gtin14::parse("٤٠٠٦٣٨١٣٣٣٩٣١").is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let g: Gtin14 = serde_json::from_str("\"96385074\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"00000096385074\"");
        assert!(serde_json::from_str::<Gtin14>("\"96385075\"").is_err());
    }
}
