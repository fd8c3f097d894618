//! A receipt's proof text, as `audit verify-proof` reads it from a file someone hands an
//! auditor or a phone scanned from a QR code: `InclusionBundle::from_compact` (the `EWLP1:`
//! prefix, base45 per RFC 9285, the binary form of docs/audit.md) and `InclusionBundle::verify`.
//!
//! Checks: nothing panics; base45 and the compact form each have one spelling, so what was read
//! encodes back to the input (trimmed) byte for byte; a read bundle's leaf hash is its entry's;
//! a bundle that verifies under the log key is in the tree its checkpoint signs (same size and
//! root). The seeds hold receipts signed by `LOG_KEY`, so mutations reach the proof and
//! signature checks.
#![no_main]

use ewaste_ledger::domain::base45;
use ewaste_ledger::domain::checkpoint::verify_checkpoint;
use ewaste_ledger::domain::hash::leaf_hash;
use ewaste_ledger::domain::inclusion_bundle::{InclusionBundle, QR_PREFIX};
use ewaste_ledger::domain::note::VerifierKey;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// RFC 8032 §7.1 TEST 1 public key as the log's key (as in the `note` target).
const LOG_KEY: &str =
    "ledger.example.org/log+b2136810+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";

static KEY: LazyLock<VerifierKey> = LazyLock::new(|| VerifierKey::parse(LOG_KEY).expect("log key"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = base45::decode(text) {
        assert_eq!(base45::encode(&bytes), text, "base45 has two spellings");
    }
    let Ok(bundle) = InclusionBundle::from_compact(text) else {
        return;
    };
    assert!(text.trim().starts_with(QR_PREFIX));
    assert_eq!(
        bundle.to_compact(),
        text.trim(),
        "the compact form has two spellings"
    );
    assert_eq!(bundle.leaf_hash, leaf_hash(&bundle.entry));
    if let Ok(size) = bundle.verify(&KEY) {
        assert_eq!(size, bundle.size);
        let signed = verify_checkpoint(&bundle.checkpoint, &KEY)
            .expect("a verified bundle's checkpoint verifies")
            .checkpoint;
        assert_eq!((signed.size, signed.root), (bundle.size, bundle.root));
    }
});
