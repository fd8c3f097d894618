//! GS1 serial numbers (Application Identifier 21) as used in Digital Link paths (docs/lifecycle.md, "Identifiers and labels").
//!
//! AI 21 is "X..20": 1 to 20 characters of GS1 AI encodable character set 82 (GS1 General
//! Specifications, figure 7.11-1). On labels and in the product-UUID name the serial is
//! percent-encoded with the unreserved set only (docs/lifecycle.md), so anyone can recompute it.

use super::identifiers::IdentifierError;
use std::fmt;
use std::str::FromStr;

/// Maximum serial length in characters (AI 21 format X..20).
pub const MAX_SERIAL_LEN: usize = 20;

/// A decoded GS1 serial: 1 to 20 characters of character set 82.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Serial(String);

/// True for the 82 characters of GS1 character set 82:
/// `! " % & ' ( ) * + , - . /`, digits, `: ; < = > ?`, `A-Z`, `_`, `a-z`.
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

impl Serial {
    /// Parses a decoded (not percent-encoded) serial.
    pub fn parse(input: &str) -> Result<Serial, IdentifierError> {
        let length = input.chars().count();
        if length == 0 || length > MAX_SERIAL_LEN {
            return Err(IdentifierError::SerialLength { length });
        }
        if let Some((position, character)) = input.chars().enumerate().find(|(_, c)| !is_cset82(*c))
        {
            return Err(IdentifierError::SerialCharacter {
                position: position + 1,
                character,
            });
        }
        Ok(Serial(input.to_owned()))
    }

    /// Decodes a percent-encoded serial as found in a Digital Link path, then validates it.
    ///
    /// Lowercase hex digits are accepted (RFC 3986 §2.1 says they are equivalent); characters
    /// left unencoded are accepted as long as they are in character set 82.
    pub fn from_percent_encoded(input: &str) -> Result<Serial, IdentifierError> {
        let decoded =
            super::percent::decode(input).map_err(|e| IdentifierError::PercentEncoding {
                input: input.to_owned(),
                position: e.position,
            })?;
        Serial::parse(&decoded)
    }

    /// The decoded serial, as printed in human-readable label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The serial with every character outside `A-Z a-z 0-9 - . _ ~` written as `%XX`
    /// with uppercase hex (docs/lifecycle.md); this form goes into paths and the UUID name.
    pub fn percent_encoded(&self) -> String {
        super::percent::encode(&self.0)
    }
}

impl fmt::Display for Serial {
    /// Displays the decoded serial (use [`Serial::percent_encoded`] for URIs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Serial {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Serial::parse(s)
    }
}

impl TryFrom<String> for Serial {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Serial::parse(&s)
    }
}

impl From<Serial> for String {
    fn from(s: Serial) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_set_82_has_82_characters() {
        let n = (0u8..=127).filter(|b| is_cset82(char::from(*b))).count();
        assert_eq!(n, 82);
        for c in [
            ' ', '#', '$', '@', '[', '\\', ']', '^', '`', '{', '|', '}', '~', 'é',
        ] {
            assert!(!is_cset82(c), "{c:?}");
        }
    }

    #[test]
    fn parses_valid_serials() {
        assert_eq!(Serial::parse("12345").unwrap().as_str(), "12345");
        let twenty = "ABCdef_-./:;<=>?!\"%&";
        assert_eq!(twenty.len(), 20);
        assert_eq!(Serial::parse(twenty).unwrap().as_str(), twenty);
        assert!(Serial::parse(&format!("{twenty}1")).is_err());
        assert!(Serial::parse("'()*+,").is_ok());
    }

    #[test]
    fn rejects_bad_length_and_characters() {
        assert_eq!(
            Serial::parse(""),
            Err(IdentifierError::SerialLength { length: 0 })
        );
        assert_eq!(
            Serial::parse("123456789012345678901"),
            Err(IdentifierError::SerialLength { length: 21 })
        );
        let e = Serial::parse("AB C").unwrap_err();
        assert_eq!(
            e,
            IdentifierError::SerialCharacter {
                position: 3,
                character: ' '
            }
        );
        assert!(e.to_string().contains("position 3"), "{e}");
        assert!(Serial::parse("a~b").is_err());
        assert!(Serial::parse("ü").is_err());
    }

    #[test]
    fn percent_encoding_uses_unreserved_set_and_uppercase_hex() {
        let s = Serial::parse("AB/12%x\"!_-.").unwrap();
        assert_eq!(s.percent_encoded(), "AB%2F12%25x%22%21_-.");
        let all = Serial::parse("!\"%&'()*+,/:;<=>?").unwrap();
        assert_eq!(
            all.percent_encoded(),
            "%21%22%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F"
        );
    }

    #[test]
    fn percent_decoding() {
        let s = Serial::parse("AB/12%x\"!").unwrap();
        assert_eq!(
            Serial::from_percent_encoded(&s.percent_encoded()),
            Ok(s.clone())
        );
        // Lowercase hex and unencoded set-82 characters are accepted.
        assert_eq!(Serial::from_percent_encoded("AB%2f12%25x%22!"), Ok(s));
        assert_eq!(
            Serial::from_percent_encoded("A%2"),
            Err(IdentifierError::PercentEncoding {
                input: "A%2".into(),
                position: 2
            })
        );
        assert!(Serial::from_percent_encoded("%G1").is_err());
        assert!(Serial::from_percent_encoded("%").is_err());
        // Decodes to a space, which is not in set 82.
        assert!(Serial::from_percent_encoded("A%20B").is_err());
        // Invalid UTF-8 after decoding.
        assert!(Serial::from_percent_encoded("%FF").is_err());
        // Length is counted after decoding: 20 encoded slashes are fine.
        assert!(Serial::from_percent_encoded(&"%2F".repeat(20)).is_ok());
    }
}
