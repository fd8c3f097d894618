#!/usr/bin/env python3
"""Independent generator of tests/vectors/ledger-v1.json.

Computes the documented test vector without any of the ledger's Rust code: JCS with Python's
json module (equal to RFC 8785 for this input: ASCII member names, no floats), SHA-256 with
hashlib, and Ed25519 with the `cryptography` package (OpenSSL). The key is the secret key of
RFC 8032 section 7.1, TEST 1. Run it to check or regenerate the file:
    python3 tests/vectors/make_ledger_v1.py > tests/vectors/ledger-v1.json
"""
import base64, hashlib, json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
key = Ed25519PrivateKey.from_private_bytes(SECRET)
public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

def jcs(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

actor = "0f1e2d3c-4b5a-4697-8877-665544332211"
event = {
    "id": "7d0c1a52-3b7e-4c55-9a0e-1b2c3d4e5f60",
    "kind": "actor_registered",
    "actor": actor,
    "occurred_at": "2026-01-15T09:30:00Z",
    "data": {
        "actor": actor,
        "org": "Ledger operator",
        "name": "First admin",
        "roles": ["admin"],
        "public_key": base64.b64encode(public).decode(),
    },
}
canonical = jcs(event)
message = b"ewaste-ledger/event/v1\n" + canonical
signature = key.sign(message)
sig_b64 = base64.b64encode(signature).decode()
entry = {"event": event, "prev": "0" * 64, "recorded_at": "2026-01-15T09:30:01.000Z", "seq": 0, "sig": sig_b64, "v": 1}
entry_bytes = jcs(entry)
leaf = hashlib.sha256(b"\x00" + entry_bytes).hexdigest()
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()

print(json.dumps({
    "provenance": "tests/vectors/make_ledger_v1.py (Python json + hashlib + cryptography/OpenSSL); key = RFC 8032 section 7.1 TEST 1",
    "secret_key_hex": SECRET.hex(),
    "private_key_pem": pem,
    "public_key_base64": base64.b64encode(public).decode(),
    "event": event,
    "canonical_event": canonical.decode(),
    "signed_message_hex": message.hex(),
    "signature_base64": sig_b64,
    "recorded_at": entry["recorded_at"],
    "entry_bytes": entry_bytes.decode(),
    "leaf_hash": leaf,
}, indent=2))
