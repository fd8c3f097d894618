#!/usr/bin/env python3
"""Verifies Ed25519 signatures with third-party libraries, for tests/it/signature_rule.rs.

Reads a JSON list of {"public_key_hex", "message_hex", "signature_hex"} on standard input and
prints {"pyca": [...], "libsodium": [...]}: whether PyCA cryptography (OpenSSL) and libsodium
(through PyNaCl) accept each signature. .ci/run installs both (.ci/verifiers-requirements.txt).
"""
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import nacl.exceptions
import nacl.signing


def pyca(public, message, signature):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def libsodium(public, message, signature):
    try:
        nacl.signing.VerifyKey(public).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False


cases = [
    (bytes.fromhex(c["public_key_hex"]), bytes.fromhex(c["message_hex"]), bytes.fromhex(c["signature_hex"]))
    for c in json.load(sys.stdin)
]
json.dump({
    "pyca": [pyca(*c) for c in cases],
    "libsodium": [libsodium(*c) for c in cases],
}, sys.stdout)
