//! SSCCs as a scanner reads them from a container's label or a person types them:
//! `Sscc::parse` (18 digits, GS1 mod-10 check digit).
//!
//! Checks: nothing panics; an accepted SSCC is exactly its input (one spelling), 18 ASCII digits
//! whose last is the check digit of the first 17, its Digital Link path is `/00/{sscc}`, and the
//! container UUID is UUIDv5 of exactly that path (PRODUCT.md §8); changing its last digit makes
//! it invalid, naming the expected digit.
#![no_main]

use ewaste_ledger::domain::gtin::check_digit;
use ewaste_ledger::domain::identifiers::IdentifierError;
use ewaste_ledger::domain::sscc::{Sscc, CONTAINER_NAMESPACE};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sscc) = Sscc::parse(text) else {
        return;
    };
    assert_eq!(sscc.as_str(), text);
    assert!(text.len() == 18 && text.bytes().all(|b| b.is_ascii_digit()));
    let check = text.as_bytes()[17] - b'0';
    assert_eq!(check_digit(&text[..17]), Some(check));
    assert_eq!(sscc.path(), format!("/00/{text}"));
    assert_eq!(
        sscc.container_id(),
        Uuid::new_v5(&CONTAINER_NAMESPACE, sscc.path().as_bytes())
    );
    let wrong = (check + 1) % 10;
    let changed = format!("{}{wrong}", &text[..17]);
    assert_eq!(
        Sscc::parse(&changed),
        Err(IdentifierError::SsccCheckDigit {
            input: changed.clone(),
            expected: check,
            found: wrong,
        })
    );
});
