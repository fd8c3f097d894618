//! Product references as a scanner reads them from a label or a person types them:
//! `ProductRef::parse` (bare UUID, `/p/{uuid}`, GS1 Digital Link `/01/{gtin}/21/{serial}`, either
//! under any `http(s)://` base), with `Gtin14::parse` and the serial's percent-decoding.
//!
//! Checks: nothing panics; a parsed reference's canonical path, bare or under any resolver base,
//! parses back to the same reference and has no other spelling, and for a GS1 reference the
//! product UUID is UUIDv5 of exactly that path (docs/lifecycle.md), so every label of one product
//! resolves to one product.
#![no_main]

use ewaste_ledger::domain::gtin::Gtin14;
use ewaste_ledger::domain::identifiers::{ProductRef, PRODUCT_NAMESPACE};
use ewaste_ledger::domain::serial::Serial;
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // A GTIN of any accepted length is its 14-digit form with leading zeros.
    if let Ok(gtin) = Gtin14::parse(text) {
        assert!(gtin.as_str().len() == 14 && gtin.as_str().ends_with(text));
    }

    let Ok(reference) = ProductRef::parse(text) else {
        return;
    };
    let path = reference.canonical_path();
    for uri in [
        path.clone(),
        format!("https://id.gs1.org{path}"),
        format!("HTTP://ledger.example.org/base{path}?linkType=gs1:epcis#x"),
    ] {
        let again = ProductRef::parse(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(again, reference, "{uri}");
        assert_eq!(again.canonical_path(), path);
        assert_eq!(again.product_id(), reference.product_id());
    }
    if let ProductRef::Gs1 { gtin, serial } = &reference {
        assert_eq!(
            reference.product_id(),
            Uuid::new_v5(&PRODUCT_NAMESPACE, path.as_bytes())
        );
        assert_eq!(Gtin14::parse(gtin.as_str()).as_ref(), Ok(gtin));
        assert_eq!(Serial::parse(serial.as_str()).as_ref(), Ok(serial));
        assert_eq!(
            Serial::from_percent_encoded(&serial.percent_encoded()).as_ref(),
            Ok(serial)
        );
    }
});
