//! Product identifiers, label URIs and place codes (docs/lifecycle.md).
//!
//! A labelled product's UUID is computable by anyone from its label: UUIDv5 over the
//! canonical Digital Link path (§2). Unlabelled products get a random UUID and a `/p/{uuid}`
//! label. [`ProductRef`] turns whatever a scanner read into that UUID.

use super::gtin::Gtin14;
use super::serial::Serial;
use std::fmt;
use uuid::Uuid;

/// Errors from parsing identifiers; shared by the GTIN, serial and product-reference parsers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// A GTIN contained a character that is not an ASCII digit.
    #[error("GTIN \"{input}\" has the non-digit character {character:?} at position {position}.")]
    GtinNotDigit {
        /// The rejected input.
        input: String,
        /// 1-based character position.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// A GTIN had a length other than 8, 12, 13 or 14 digits.
    #[error("GTIN \"{input}\" has {length} digits; a GTIN has 8, 12, 13 or 14 digits.")]
    GtinLength {
        /// The rejected input.
        input: String,
        /// Its length in digits.
        length: usize,
    },
    /// A GTIN's last digit is not its GS1 mod-10 check digit.
    #[error(
        "GTIN \"{input}\" has a wrong GS1 mod-10 check digit: expected {expected}, found {found}."
    )]
    GtinCheckDigit {
        /// The rejected input.
        input: String,
        /// The check digit computed from the other digits.
        expected: u8,
        /// The check digit in the input.
        found: u8,
    },
    /// An SSCC contained a character that is not an ASCII digit.
    #[error("SSCC \"{input}\" has the non-digit character {character:?} at position {position}.")]
    SsccNotDigit {
        /// The rejected input.
        input: String,
        /// 1-based character position.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// An SSCC had a length other than 18 digits.
    #[error("SSCC \"{input}\" has {length} digits; an SSCC has exactly 18 digits.")]
    SsccLength {
        /// The rejected input.
        input: String,
        /// Its length in digits.
        length: usize,
    },
    /// An SSCC's last digit is not its GS1 mod-10 check digit.
    #[error(
        "SSCC \"{input}\" has a wrong GS1 mod-10 check digit: expected {expected}, found {found}."
    )]
    SsccCheckDigit {
        /// The rejected input.
        input: String,
        /// The check digit computed from the first 17 digits.
        expected: u8,
        /// The check digit in the input.
        found: u8,
    },
    /// A serial was empty or longer than 20 characters (AI 21 is X..20).
    #[error("A GS1 serial has 1 to 20 characters, but this one has {length}.")]
    SerialLength {
        /// Length in characters after percent-decoding.
        length: usize,
    },
    /// A serial contained a character outside GS1 character set 82.
    #[error("The serial has the character {character:?} at position {position}, which is not in GS1 character set 82.")]
    SerialCharacter {
        /// 1-based character position in the decoded serial.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// A `%` not followed by two hex digits, or an escape that decodes to invalid UTF-8.
    #[error("\"{input}\" has a malformed percent-escape at byte {position}.")]
    PercentEncoding {
        /// The rejected (encoded) input.
        input: String,
        /// 1-based byte position of the problem.
        position: usize,
    },
    /// A product reference matched none of the accepted forms.
    #[error("\"{input}\" is not a product reference: {reason}.")]
    ProductRef {
        /// The rejected input.
        input: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A UN/LOCODE was not 2 country letters plus 3 characters of A-Z or 2-9.
    #[error("\"{input}\" is not a UN/LOCODE: expected 2 uppercase letters and 3 characters of A-Z or 2-9, e.g. DEBER.")]
    Locode {
        /// The rejected input.
        input: String,
    },
    /// A country code was not 2 uppercase ASCII letters.
    #[error("\"{input}\" is not a country code: expected 2 uppercase letters (ISO 3166-1 alpha-2), e.g. DE.")]
    CountryCode {
        /// The rejected input.
        input: String,
    },
}

/// Namespace for product UUIDs: UUIDv5(URL namespace, `urn:ewaste-ledger:product`) (§2).
pub const PRODUCT_NAMESPACE: Uuid = uuid::uuid!("b939036b-9578-5bf3-9402-78c4cec36272");

/// The canonical Digital Link path `/01/{gtin14}/21/{percent-encoded serial}` (§2, §5).
pub fn digital_link_path(gtin: &Gtin14, serial: &Serial) -> String {
    format!("/01/{}/21/{}", gtin.as_str(), serial.percent_encoded())
}

/// The product UUID of a labelled product: UUIDv5(PRODUCT_NAMESPACE, Digital Link path) (§2).
pub fn product_id(gtin: &Gtin14, serial: &Serial) -> Uuid {
    Uuid::new_v5(
        &PRODUCT_NAMESPACE,
        digital_link_path(gtin, serial).as_bytes(),
    )
}

/// The id of a container that carries a GS1 SSCC, from the SSCC as written: UUIDv5 of its
/// label path `/00/{sscc}` ([`super::sscc::Sscc::container_id`]), so that anyone can compute
/// it from the label, as for products (docs/lifecycle.md §8).
pub fn container_id_for_sscc(sscc: &str) -> Result<Uuid, String> {
    super::sscc::Sscc::parse(sscc)
        .map(|sscc| sscc.container_id())
        .map_err(|e| e.to_string())
}

/// The label path of a lot: `/l/{uuid}` (PRODUCT.md §8, "Subjects").
pub fn lot_path(id: &Uuid) -> String {
    format!("/l/{}", id.hyphenated())
}

/// The label path of a container that carries no SSCC: `/c/{uuid}` (PRODUCT.md §8). One
/// that carries an SSCC has the Digital Link path [`super::sscc::Sscc::path`] instead.
pub fn container_uuid_path(id: &Uuid) -> String {
    format!("/c/{}", id.hyphenated())
}

/// What a scanned label or typed reference names: a UUID or a GTIN plus serial.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductRef {
    /// A product UUID (bare, or from a `/p/{uuid}` label).
    Uuid(Uuid),
    /// A GS1 Digital Link `/01/{gtin}/21/{serial}`.
    Gs1 {
        /// The GTIN, padded to 14 digits.
        gtin: Gtin14,
        /// The decoded serial.
        serial: Serial,
    },
}

impl ProductRef {
    /// Parses a bare UUID, `/p/{uuid}`, `/01/{gtin}/21/{serial}`, or either path after an
    /// `http(s)://` base (which may itself have a path prefix). A `?query` or `#fragment`
    /// is ignored (§5: `?linkType=gs1:epcis`); surrounding whitespace is trimmed.
    pub fn parse(input: &str) -> Result<ProductRef, IdentifierError> {
        let fail = |reason: &str| IdentifierError::ProductRef {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(fail("it is empty"));
        }
        if let Ok(id) = Uuid::try_parse(trimmed) {
            return Ok(ProductRef::Uuid(id));
        }
        let without_query = trimmed.split(['?', '#']).next().unwrap_or(trimmed);
        let lower = without_query.to_ascii_lowercase();
        let (path, is_url) = if lower.starts_with("https://") || lower.starts_with("http://") {
            let after_scheme = &without_query[without_query.find("//").map_or(0, |i| i + 2)..];
            match after_scheme.find('/') {
                Some(i) if i > 0 => (&after_scheme[i..], true),
                Some(_) => return Err(fail("the URL has no host")),
                None => return Err(fail("the URL has no path")),
            }
        } else if without_query.starts_with('/') {
            (without_query, false)
        } else {
            return Err(fail(
                "expected a UUID, a /p/{uuid} or /01/{gtin}/21/{serial} path, or an http(s) URL",
            ));
        };
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        // A URL base may have its own path prefix, so match the tail; a bare path must match whole.
        let tail_from = |n: usize| -> Option<&[&str]> {
            let start = segments.len().checked_sub(n)?;
            (is_url || start == 0).then(|| &segments[start..])
        };
        if let Some([p, id]) = tail_from(2) {
            if *p == "p" {
                return Uuid::try_parse(id)
                    .map(ProductRef::Uuid)
                    .map_err(|_| fail("the segment after /p/ is not a UUID"));
            }
        }
        if let Some([ai01, gtin, ai21, serial]) = tail_from(4) {
            if *ai01 == "01" && *ai21 == "21" {
                let gtin = Gtin14::parse(gtin).map_err(|e| fail(&e.to_string()))?;
                let serial =
                    Serial::from_percent_encoded(serial).map_err(|e| fail(&e.to_string()))?;
                return Ok(ProductRef::Gs1 { gtin, serial });
            }
        }
        Err(fail(
            "the path does not end in /p/{uuid} or /01/{gtin}/21/{serial}",
        ))
    }

    /// The product UUID this reference names (computed for GS1 references, §2).
    pub fn product_id(&self) -> Uuid {
        match self {
            ProductRef::Uuid(id) => *id,
            ProductRef::Gs1 { gtin, serial } => product_id(gtin, serial),
        }
    }

    /// The canonical label path: `/p/{uuid}` or the Digital Link path.
    pub fn canonical_path(&self) -> String {
        match self {
            ProductRef::Uuid(id) => format!("/p/{}", id.hyphenated()),
            ProductRef::Gs1 { gtin, serial } => digital_link_path(gtin, serial),
        }
    }
}

/// A UN/LOCODE naming a city (§2): country code plus 3 characters of `A-Z` or `2-9`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Locode(String);

impl Locode {
    /// Parses exactly 5 characters, e.g. `DEBER`; no space between country and location.
    pub fn parse(input: &str) -> Result<Locode, IdentifierError> {
        let b = input.as_bytes();
        let ok = b.len() == 5
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..]
                .iter()
                .all(|c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(c));
        if ok {
            Ok(Locode(input.to_owned()))
        } else {
            Err(IdentifierError::Locode {
                input: input.to_owned(),
            })
        }
    }

    /// The 5-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO 3166-1 alpha-2 country part (first two letters).
    pub fn country(&self) -> &str {
        &self.0[..2]
    }
}

/// An ISO 3166-1 alpha-2 country code (2 uppercase ASCII letters).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses exactly 2 uppercase ASCII letters, e.g. `DE`.
    pub fn parse(input: &str) -> Result<CountryCode, IdentifierError> {
        if input.len() == 2 && input.bytes().all(|c| c.is_ascii_uppercase()) {
            Ok(CountryCode(input.to_owned()))
        } else {
            Err(IdentifierError::CountryCode {
                input: input.to_owned(),
            })
        }
    }

    /// The 2-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Implements Display, FromStr and the serde String conversions for a validated string type.
macro_rules! string_newtype {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $t {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $t::parse(s)
            }
        }
        impl TryFrom<String> for $t {
            type Error = IdentifierError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $t::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}
string_newtype!(Locode);
string_newtype!(CountryCode);

#[cfg(test)]
mod tests {
    use super::*;

    fn gs1(gtin: &str, serial: &str) -> ProductRef {
        ProductRef::Gs1 {
            gtin: Gtin14::parse(gtin).unwrap(),
            serial: Serial::parse(serial).unwrap(),
        }
    }

    #[test]
    fn namespace_is_uuid5_of_url_namespace() {
        assert_eq!(
            PRODUCT_NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:ewaste-ledger:product")
        );
        assert_eq!(
            PRODUCT_NAMESPACE.to_string(),
            "b939036b-9578-5bf3-9402-78c4cec36272"
        );
    }

    #[test]
    fn digital_link_path_and_product_id() {
        let g = Gtin14::parse("4006381333931").unwrap();
        let s = Serial::parse("AB/1").unwrap();
        assert_eq!(digital_link_path(&g, &s), "/01/04006381333931/21/AB%2F1");
        let expected = Uuid::new_v5(&PRODUCT_NAMESPACE, b"/01/04006381333931/21/AB%2F1");
        assert_eq!(product_id(&g, &s), expected);
        assert_eq!(product_id(&g, &s).get_version_num(), 5);
    }

    #[test]
    fn lot_and_container_paths() {
        let id = uuid::uuid!("01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(lot_path(&id), "/l/01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(
            container_uuid_path(&id),
            "/c/01234567-89ab-4def-8123-456789abcdef"
        );
    }

    #[test]
    fn parses_uuid_forms() {
        let id = uuid::uuid!("01234567-89ab-4def-8123-456789abcdef");
        let text = id.to_string();
        for input in [
            text.clone(),
            format!("/p/{text}"),
            format!("https://ledger.example.org/p/{text}"),
            format!("http://localhost:8080/base/p/{text}?x=1"),
            format!("  {text}\n"),
        ] {
            let r = ProductRef::parse(&input).unwrap();
            assert_eq!(r, ProductRef::Uuid(id), "{input}");
            assert_eq!(r.product_id(), id);
        }
        assert_eq!(ProductRef::Uuid(id).canonical_path(), format!("/p/{text}"));
    }

    #[test]
    fn parses_digital_link_forms() {
        let want = gs1("09506000134352", "AB/12");
        for input in [
            "/01/09506000134352/21/AB%2F12",
            "https://id.gs1.org/01/09506000134352/21/AB%2f12",
            "HTTPS://example.com/dl/01/9506000134352/21/AB%2F12?linkType=gs1:epcis",
        ] {
            assert_eq!(ProductRef::parse(input).unwrap(), want, "{input}");
        }
        let short = ProductRef::parse("/01/96385074/21/7").unwrap();
        assert_eq!(short, gs1("00000096385074", "7"));
        assert_eq!(short.canonical_path(), "/01/00000096385074/21/7");
        assert_eq!(
            short.product_id(),
            Uuid::new_v5(&PRODUCT_NAMESPACE, b"/01/00000096385074/21/7")
        );
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "",
            "not-a-uuid",
            "/p/1234",
            "/x/01/09506000134352/21/1",
            "/01/09506000134353/21/1",
            "/01/09506000134352/21/",
            "/01/09506000134352/10/1",
            "/01/09506000134352",
            "https:///p/0123",
            "https://example.org",
            "ftp://example.org/01/09506000134352/21/1",
        ] {
            let e = ProductRef::parse(bad).unwrap_err();
            assert!(
                matches!(e, IdentifierError::ProductRef { .. }),
                "{bad}: {e}"
            );
        }
        let e = ProductRef::parse("/01/09506000134353/21/1").unwrap_err();
        assert!(e.to_string().contains("expected 2"), "{e}");
    }

    #[test]
    fn locodes_and_country_codes() {
        let l = Locode::parse("DEBER").unwrap();
        assert_eq!((l.as_str(), l.country()), ("DEBER", "DE"));
        assert!(Locode::parse("KENBO").is_ok());
        assert!(Locode::parse("US2NY").is_ok());
        for bad in [
            "DE BER", "DE BE", "deber", "DEBE1", "DEBE0", "D1BER", "DEBERL", "DEBÉR",
        ] {
            assert!(Locode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(CountryCode::parse("KE").unwrap().to_string(), "KE");
        for bad in ["", "K", "ke", "KEN", "K1"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
        let l: Locode = serde_json::from_str("\"KENBO\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"KENBO\"");
        assert!(serde_json::from_str::<Locode>("\"kenbo\"").is_err());
    }
}
