//! Event signatures: Ed25519 over `"ewaste-ledger/event/v1\n" || JCS(event)` (docs/ledger-format.md §1),
//! and the ledger's one signature rule (docs/ledger-format.md, "The signature rule").
//!
//! The rule is RFC 8032 §5.1.7 with the cofactorless equation `[S]B = R + [k]A`, checked the
//! way Go, OpenSSL, BoringSSL and PyCA check it: `S` must be below the group order, and the
//! encoding of `[S]B - [k]A` must equal the 32 bytes of `R`, so a non-canonical `R` never
//! verifies. Public keys are checked once, when they are registered: canonically encoded, of
//! prime order (no small-order component). With such keys, `[S]B - [k]A` always lies in the
//! prime-order subgroup, so the only small-order `R` that could verify is the identity, which
//! is refused; everything this module accepts is then accepted by libsodium too.
//!
//! There is deliberately no batch verification: a random linear combination of cofactorless
//! equations cannot see a small-order component in `R` (an order-2 component vanishes whenever
//! the batch's random scalar is even), so `ed25519_dalek::verify_batch` accepts about half of
//! the signatures this rule refuses. Every caller (ingress, the writer, the audit, the passport)
//! verifies one signature at a time with [`verify`], in parallel where there are many.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// The domain-separation prefix; it keeps an event signature from ever being valid as anything else.
pub const EVENT_SIGNATURE_CONTEXT: &[u8] = b"ewaste-ledger/event/v1\n";

/// The encoding of the identity point (x = 0, y = 1).
const IDENTITY: [u8; 32] = {
    let mut bytes = [0u8; 32];
    bytes[0] = 1;
    bytes
};

/// The exact bytes that are signed for an event whose canonical JSON is `canonical_event`.
pub fn event_message(canonical_event: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(EVENT_SIGNATURE_CONTEXT.len() + canonical_event.len());
    message.extend_from_slice(EVENT_SIGNATURE_CONTEXT);
    message.extend_from_slice(canonical_event);
    message
}

/// Signs an event's canonical bytes.
pub fn sign_event(key: &SigningKey, canonical_event: &[u8]) -> Signature {
    key.sign(&event_message(canonical_event))
}

/// Verifies one event signature under the ledger's signature rule.
pub fn verify_event(key: &VerifyingKey, canonical_event: &[u8], signature: &Signature) -> bool {
    verify(key, &event_message(canonical_event), signature)
}

/// The ledger's one signature rule (module docs), for any message: events, signed notes and
/// cosignatures alike. `key` must come from [`verifying_key`].
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    // ed25519-dalek's `verify` is the cofactorless check: canonical S, and the recomputed R
    // compared byte for byte with the signature's.
    signature.r_bytes() != &IDENTITY && key.verify(message, signature).is_ok()
}

/// Why 32 bytes are not a public key the ledger accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyDefect {
    #[error("is not 32 bytes long")]
    Length,
    #[error("is not the encoding of a point on the Ed25519 curve")]
    NotAPoint,
    #[error("is not the canonical encoding of its point (RFC 8032 §5.1.3)")]
    NonCanonical,
    #[error("is a point of small order, under which any message verifies")]
    SmallOrder,
    #[error("has a small-order component (it is not in the prime-order subgroup)")]
    SmallOrderComponent,
}

/// Checks raw public-key bytes against the rule: a canonical encoding of a point of prime order.
pub fn check_public_key(bytes: &[u8]) -> Result<VerifyingKey, KeyDefect> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| KeyDefect::Length)?;
    let point = curve25519_dalek::edwards::CompressedEdwardsY(array)
        .decompress()
        .ok_or(KeyDefect::NotAPoint)?;
    if point.compress().0 != array {
        return Err(KeyDefect::NonCanonical);
    }
    if point.is_small_order() {
        return Err(KeyDefect::SmallOrder);
    }
    // As costly as one verification; keys are checked once each and then cached.
    if !point.is_torsion_free() {
        return Err(KeyDefect::SmallOrderComponent);
    }
    VerifyingKey::from_bytes(&array).map_err(|_| KeyDefect::NotAPoint)
}

/// A public key the rule accepts, or `None`.
pub fn verifying_key(bytes: &[u8]) -> Option<VerifyingKey> {
    check_public_key(bytes).ok()
}

/// Wraps an event object into a signed submission `{"event": ..., "sig": ...}`.
pub fn sign_envelope(
    event: serde_json::Value,
    key: &SigningKey,
) -> Result<serde_json::Value, super::jcs::JcsError> {
    use base64::Engine;
    let canonical = super::jcs::canonicalize(&event)?;
    let signature = sign_event(key, &canonical);
    Ok(serde_json::json!({
        "event": event,
        "sig": base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_reject_other_bytes() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let signature = sign_event(&key, b"{\"a\":1}");
        assert!(verify_event(&key.verifying_key(), b"{\"a\":1}", &signature));
        assert!(!verify_event(
            &key.verifying_key(),
            b"{\"a\":2}",
            &signature
        ));
    }

    #[test]
    fn weak_and_malformed_keys_are_refused() {
        assert_eq!(check_public_key(&[0u8; 31]).err(), Some(KeyDefect::Length));
        // The identity point is of small order: a signature under it proves nothing.
        assert_eq!(
            check_public_key(&IDENTITY).err(),
            Some(KeyDefect::SmallOrder)
        );
        // y = p + 1 encodes the identity non-canonically.
        let mut p_plus_one = [0xffu8; 32];
        p_plus_one[0] = 0xee;
        p_plus_one[31] = 0x7f;
        assert_eq!(
            check_public_key(&p_plus_one).err(),
            Some(KeyDefect::NonCanonical)
        );
    }

    #[test]
    fn a_key_plus_a_small_order_point_is_refused() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let honest = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(check_public_key(honest.as_bytes()).is_ok());
        // (0, -1), the point of order 2.
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let order_two = CompressedEdwardsY(minus_one).decompress().unwrap();
        let mixed = (honest.to_edwards() + order_two).compress();
        assert_eq!(
            check_public_key(mixed.as_bytes()).err(),
            Some(KeyDefect::SmallOrderComponent)
        );
    }
}
