//! GS1 Serial Shipping Container Codes (AI 00), the identifier a container may carry
//! (PRODUCT.md §8, "Subjects"; GS1 General Specifications §2.2.1 and §3.3.1).
//!
//! A container that carries an SSCC gets the GS1 Digital Link `{base}/00/{sscc}` as its URI
//! and, exactly as a labelled product's UUID is computed from `/01/{gtin}/21/{serial}`
//! ([`super::identifiers::product_id`]), the UUIDv5 of that path as its id, under its own
//! namespace: anyone holding the container's label can compute its id, and an SSCC can never
//! collide with a product's id. A container without an SSCC gets a random UUID and a
//! `/c/{uuid}` label ([`super::identifiers::container_uuid_path`]).

use super::gtin::check_digit;
use super::identifiers::IdentifierError;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// An SSCC: exactly 18 ASCII digits (extension digit, GS1 company prefix, serial reference,
/// check digit) whose last digit is the GS1 mod-10 check digit of the other 17.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Sscc(String);

/// Namespace for container UUIDs: UUIDv5(URL namespace, `urn:ewaste-ledger:container`), as
/// [`super::identifiers::PRODUCT_NAMESPACE`] is for products.
pub const CONTAINER_NAMESPACE: Uuid = uuid::uuid!("a494be6f-b6bf-5f08-a14d-66bb1a37b85f");

impl Sscc {
    /// Parses 18 digits and checks the check digit. No padding: unlike a GTIN, an SSCC has
    /// one length only (AI 00 is N18).
    pub fn parse(input: &str) -> Result<Sscc, IdentifierError> {
        if let Some((position, character)) =
            input.chars().enumerate().find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(IdentifierError::SsccNotDigit {
                input: input.to_owned(),
                position: position + 1,
                character,
            });
        }
        // All ASCII digits, so byte length equals character count.
        if input.len() != 18 {
            return Err(IdentifierError::SsccLength {
                input: input.to_owned(),
                length: input.len(),
            });
        }
        let (body, check) = input.split_at(17);
        let found = check.as_bytes()[0] - b'0';
        // The same mod-10 check digit as a GTIN's (GS1 General Specifications §7.9.1): weights
        // 3 and 1 alternate from the digit next to the check digit. `body` is 17 digits, so
        // this is always Some.
        let expected = check_digit(body).unwrap_or(u8::MAX);
        if expected != found {
            return Err(IdentifierError::SsccCheckDigit {
                input: input.to_owned(),
                expected,
                found,
            });
        }
        Ok(Sscc(input.to_owned()))
    }

    /// The 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GS1 Digital Link path of the container: `/00/{sscc}`.
    pub fn path(&self) -> String {
        format!("/00/{}", self.0)
    }

    /// The container's UUID: UUIDv5(CONTAINER_NAMESPACE, `/00/{sscc}`).
    pub fn container_id(&self) -> Uuid {
        Uuid::new_v5(&CONTAINER_NAMESPACE, self.path().as_bytes())
    }
}

impl fmt::Display for Sscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Sscc {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sscc::parse(s)
    }
}

impl TryFrom<String> for Sscc {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sscc::parse(&s)
    }
}

impl From<Sscc> for String {
    fn from(s: Sscc) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published SSCCs, each with the check digit its source prints.
    const PUBLISHED: [&str; 3] = [
        // The GS1 Digital Link standard's SSCC example, https://id.gs1.org/00/106141411234567897.
        "106141411234567897",
        // BWIPP's SSCC-18 example, (00)095287654321012346 (github.com/bwipp/postscriptbarcode wiki).
        "095287654321012346",
        // The GS1 EPC Tag Data Standard's SSCC-96 example, urn:epc:id:sscc:0614141.1234567890.
        "106141412345678908",
    ];

    #[test]
    fn namespace_is_uuid5_of_url_namespace() {
        assert_eq!(
            CONTAINER_NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:ewaste-ledger:container")
        );
        assert_eq!(
            CONTAINER_NAMESPACE.to_string(),
            "a494be6f-b6bf-5f08-a14d-66bb1a37b85f"
        );
        assert_ne!(
            CONTAINER_NAMESPACE,
            super::super::identifiers::PRODUCT_NAMESPACE
        );
    }

    #[test]
    fn published_ssccs_parse_and_their_check_digits_are_computed() {
        for text in PUBLISHED {
            let sscc = Sscc::parse(text).unwrap();
            assert_eq!(sscc.as_str(), text);
            assert_eq!(sscc.to_string(), text);
            assert_eq!(
                check_digit(&text[..17]),
                Some(text.as_bytes()[17] - b'0'),
                "{text}"
            );
        }
        assert_eq!(check_digit("10614141123456789"), Some(7));
    }

    #[test]
    fn path_and_container_id() {
        let sscc = Sscc::parse("106141411234567897").unwrap();
        assert_eq!(sscc.path(), "/00/106141411234567897");
        let id = sscc.container_id();
        assert_eq!(
            id,
            Uuid::new_v5(&CONTAINER_NAMESPACE, b"/00/106141411234567897")
        );
        assert_eq!(id.get_version_num(), 5);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            Sscc::parse("106141411234567898").unwrap_err(),
            IdentifierError::SsccCheckDigit {
                input: "106141411234567898".into(),
                expected: 7,
                found: 8
            }
        );
        let e = Sscc::parse("106141411234567898").unwrap_err().to_string();
        assert!(e.contains("expected 7, found 8"), "{e}");
        assert_eq!(
            Sscc::parse("10614141123456789").unwrap_err(),
            IdentifierError::SsccLength {
                input: "10614141123456789".into(),
                length: 17
            }
        );
        assert!(matches!(
            Sscc::parse("1061414112345678977"),
            Err(IdentifierError::SsccLength { length: 19, .. })
        ));
        assert!(matches!(
            Sscc::parse(""),
            Err(IdentifierError::SsccLength { length: 0, .. })
        ));
        assert_eq!(
            Sscc::parse("(00)106141411234567897").unwrap_err(),
            IdentifierError::SsccNotDigit {
                input: "(00)106141411234567897".into(),
                position: 1,
                character: '('
            }
        );
        // Not ASCII digits, though Unicode calls them digits.
        assert!(matches!(
            Sscc::parse("١٠٦١٤١٤١١٢٣٤٥٦٧٨٩٧"),
            Err(IdentifierError::SsccNotDigit { position: 1, .. })
        ));
    }

    #[test]
    fn serde_validates() {
        let sscc: Sscc = serde_json::from_str("\"106141411234567897\"").unwrap();
        assert_eq!(
            serde_json::to_string(&sscc).unwrap(),
            "\"106141411234567897\""
        );
        assert!(serde_json::from_str::<Sscc>("\"106141411234567890\"").is_err());
    }

    proptest! {
        /// Changing any one digit of a valid SSCC to another digit is always caught: the
        /// weights 3 and 1 are both prime to 10, so one changed digit changes the sum mod 10.
        #[test]
        fn a_changed_digit_is_caught(body in "[0-9]{17}", position in 0usize..18, delta in 1u8..10) {
            let check = check_digit(&body).unwrap();
            let valid = format!("{body}{check}");
            prop_assert!(Sscc::parse(&valid).is_ok());
            let mut digits = valid.into_bytes();
            digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(digits).unwrap();
            prop_assert!(
                matches!(Sscc::parse(&changed), Err(IdentifierError::SsccCheckDigit { .. })),
                "{changed}"
            );
        }
    }
}
