//! Signed-event envelopes, exactly as `POST /v1/events` reads a request body: JSON bytes into
//! `parse_signed_event` (strict shape, limits, JCS canonicalisation of the event).
//!
//! Checks, because the signature covers the canonical bytes and the event hash identifies the
//! event:
//! - JCS on any JSON value is valid JSON that means the same value and re-canonicalises to the
//!   same bytes (RFC 8785 output is a fixpoint);
//! - an accepted envelope's canonical bytes, re-parsed, canonicalise to themselves and describe
//!   the same event, and re-submitting that canonical event with the same signature gives the
//!   identical event (same bytes, same hash).
#![no_main]

use ewaste_ledger::domain::event::{parse_event, parse_signed_event};
use ewaste_ledger::domain::jcs;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };

    if let Ok(canonical) = jcs::canonicalize(&value) {
        let reparsed: Value = serde_json::from_slice(&canonical).expect("JCS output is not JSON");
        assert_eq!(reparsed, value, "JCS changed the value");
        assert_eq!(
            jcs::canonicalize(&reparsed),
            Ok(canonical),
            "JCS is not idempotent"
        );
    }

    let Ok(signed) = parse_signed_event(&value) else {
        return;
    };
    let event: Value =
        serde_json::from_slice(&signed.canonical).expect("canonical event is not JSON");
    assert_eq!(jcs::canonicalize(&event).as_ref(), Ok(&signed.canonical));
    assert_eq!(parse_event(&event).as_ref(), Ok(&signed.event));
    let again = parse_signed_event(&json!({ "event": event, "sig": signed.signature_b64 }))
        .expect("the canonical form of an accepted event is refused");
    assert_eq!(again.canonical, signed.canonical);
    assert_eq!(again.event, signed.event);
    assert_eq!(again.event_hash(), signed.event_hash());
});
