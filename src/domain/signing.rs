//! Event signatures: Ed25519 over `"ewaste-ledger/event/v1\n" || JCS(event)` (PRODUCT.md §4.1).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// The domain-separation prefix; it keeps an event signature from ever being valid as anything else.
pub const EVENT_SIGNATURE_CONTEXT: &[u8] = b"ewaste-ledger/event/v1\n";

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

/// Verifies one event signature.
pub fn verify_event(key: &VerifyingKey, canonical_event: &[u8], signature: &Signature) -> bool {
    key.verify(&event_message(canonical_event), signature)
        .is_ok()
}

/// Verifies many signatures at once with Ed25519 batch verification (about twice as fast as
/// one by one). Returns true only if every signature is valid; callers then fall back to
/// [`verify_event`] to find which one failed.
pub fn verify_batch(messages: &[&[u8]], signatures: &[Signature], keys: &[VerifyingKey]) -> bool {
    ed25519_dalek::verify_batch(messages, signatures, keys).is_ok()
}

/// Parses a raw 32-byte Ed25519 public key, refusing weak (small-order) points.
pub fn verifying_key(bytes: &[u8]) -> Option<VerifyingKey> {
    let array: [u8; 32] = bytes.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&array).ok()?;
    (!key.is_weak()).then_some(key)
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
        let messages = [event_message(b"{\"a\":1}")];
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        assert!(verify_batch(&refs, &[signature], &[key.verifying_key()]));
    }

    #[test]
    fn weak_and_malformed_keys_are_refused() {
        assert!(verifying_key(&[0u8; 31]).is_none());
        // The identity point is of small order: a signature under it proves nothing.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(verifying_key(&identity).is_none());
    }
}
