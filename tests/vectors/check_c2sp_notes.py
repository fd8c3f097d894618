#!/usr/bin/env python3
"""Independent check of tests/vectors/c2sp-signed-note.json.

It follows the text of c2sp.org/signed-note, c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature
(see README-c2sp.md) and uses none of the ledger's Rust code and none of the generator's functions.
Ed25519 verification uses `cryptography` (OpenSSL). If PyNaCl (libsodium) is installed, every
signature is verified with it as well.

For every entry:
  * verifier keys: parse "<name>+<hex id>+<base64(type || key)>" and recompute
    key ID = SHA-256(name || 0x0A || type || key)[:4]. Valid keys must parse; invalid ones must not.
  * notes: open the signed note against the single verifier key. A valid note must open, with the
    expected text. A negative note must be rejected for the stated reason. If a signer key is given,
    re-signing the text must reproduce the signature line byte for byte. A checkpoint body must
    parse as origin / decimal size / base64 32-byte root hash.
  * cosignatures: type-0x04 key ID, payload = key ID(4) || u64 big-endian timestamp(8) || sig(64),
    message = "cosignature/v1\\ntime <T>\\n" || checkpoint. Valid ones must verify; negative ones must fail
    for the stated reason.
  * framing_only: decode, check the key ID, the timestamp and the length. The signatures are not checked.

Run:  python3 tests/vectors/check_c2sp_notes.py   (exit status 0 and "OK" on success)
"""
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import unicodedata

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:  # optional second implementation
    nacl = None

HERE = os.path.dirname(os.path.abspath(__file__))
EM_DASH = "\u2014"
MAX_SIGNATURES = 100  # Go's limit; the spec: SHOULD limit, MUST accept at least 16


class Reject(Exception):
    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def b64decode_strict(s: str) -> bytes:
    """RFC 4648 §4 standard base64 with padding, no whitespace, no other characters."""
    if not re.fullmatch(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", s):
        raise ValueError("not canonical std base64")
    return base64.b64decode(s, validate=True)


def valid_key_name(name: str) -> bool:
    # "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B) characters."
    return name != "" and "+" not in name and not any(c.isspace() or unicodedata.category(c) == "Zs" for c in name)


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    # key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
    return hashlib.sha256(name.encode("utf-8") + b"\x0a" + bytes([sig_type]) + public_key).digest()[:4]


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        ok = True
    except InvalidSignature:
        ok = False
    if nacl is not None:
        try:
            nacl.signing.VerifyKey(public_key).verify(message, signature)
            ok2 = True
        except nacl.exceptions.BadSignatureError:
            ok2 = False
        assert ok == ok2, "OpenSSL and libsodium disagree"
    return ok


def parse_vkey(vkey: str):
    """<key name>+<hex(32-bit key ID)>+<base64(signature type || public key)>"""
    parts = vkey.split("+", 2)  # the base64 part may itself contain '+'
    if len(parts) != 3:
        raise ValueError("wrong number of parts")
    name, id_hex, key_b64 = parts
    if not valid_key_name(name):
        raise ValueError("bad key name")
    if not re.fullmatch(r"[0-9a-f]{8}", id_hex):
        raise ValueError("key ID is not 8 lowercase hex digits")
    raw = b64decode_strict(key_b64)
    if len(raw) < 1:
        raise ValueError("empty key")
    sig_type, public_key = raw[0], raw[1:]
    if sig_type not in (0x01, 0x04):
        raise ValueError(f"unsupported signature type {sig_type:#04x}")
    if len(public_key) != 32:
        raise ValueError("Ed25519 public key is not 32 bytes")
    if key_id(name, sig_type, public_key).hex() != id_hex:
        raise ValueError("key ID does not match the key")
    return {"name": name, "id": bytes.fromhex(id_hex), "type": sig_type, "key": public_key}


def split_note(data: bytes):
    """Return (text, [(name, raw signature bytes)]) or raise Reject('malformed')."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject("malformed", "not UTF-8")
    if any(ord(c) < 0x20 and c != "\n" for c in s):
        raise Reject("malformed", "control character")
    # The text is separated from the signatures by the last empty line in the note.
    split = s.rfind("\n\n")
    if split < 0:
        raise Reject("malformed", "no blank line")
    text, block = s[: split + 1], s[split + 2:]
    if block == "" or not block.endswith("\n"):
        raise Reject("malformed", "signature block empty or not newline-terminated")
    sigs = []
    for line in block[:-1].split("\n"):
        # em dash (U+2014), space (U+0020), key name, space, base64-encoded signature
        if not line.startswith(EM_DASH + " "):
            raise Reject("malformed", f"not a signature line: {line!r}")
        name, sep, sig_b64 = line[2:].partition(" ")
        if not sep or not valid_key_name(name):
            raise Reject("malformed", "bad key name")
        try:
            raw = b64decode_strict(sig_b64)
        except (ValueError, binascii.Error):
            raise Reject("malformed", "bad base64")
        if len(raw) < 5:
            raise Reject("malformed", "signature shorter than key ID + 1 byte")
        sigs.append((name, raw))
    if len(sigs) > MAX_SIGNATURES:
        raise Reject("malformed_too_many_signatures", str(len(sigs)))
    return text, sigs


def open_note(data: bytes, vkey):
    """Open a type-0x01 Ed25519 signed note against one verifier key."""
    text, sigs = split_note(data)
    verified = False
    seen = set()
    for name, raw in sigs:
        if (name, raw[:4]) != (vkey["name"], vkey["id"]):
            continue  # "Verifiers MUST ignore signatures from unknown keys"
        if raw in seen:
            continue  # repeated identical signature (Go drops it)
        seen.add(raw)
        if not ed25519_verify(vkey["key"], text.encode("utf-8"), raw[4:]):
            raise Reject("invalid_signature", name)  # "clients SHOULD reject the whole note"
        verified = True
    if not verified:
        raise Reject("no_verified_signature")  # "clients MUST reject the note"
    return text


def parse_checkpoint(text: str):
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) >= 4, "checkpoint needs at least three newline-terminated lines"
    origin, size, root = lines[0], lines[1], lines[2]
    assert origin != ""
    assert re.fullmatch(r"0|[1-9][0-9]*", size), "tree size: ASCII decimal, no leading zeroes"
    assert len(b64decode_strict(root)) == 32
    assert all(line != "" for line in lines[3:-1]), "extension lines must be non-empty"
    return {"origin": origin, "size": int(size), "root_hash_b64": root}


def note_bytes(e) -> bytes:
    if e.get("signed_note_hex") is not None:
        b = bytes.fromhex(e["signed_note_hex"])
        if e["signed_note"] is not None:
            assert b == e["signed_note"].encode("utf-8")
        return b
    return e["signed_note"].encode("utf-8")


def sign_with_go_skey(skey: str, text: str) -> str:
    # PRIVATE+KEY+<name>+<hex id>+base64(0x01 || 32-byte seed)   (golang.org/x/mod convention)
    p1, p2, name, id_hex, key_b64 = skey.split("+", 4)
    assert (p1, p2) == ("PRIVATE", "KEY")
    raw = b64decode_strict(key_b64)
    assert raw[0] == 0x01 and len(raw) == 33
    priv = Ed25519PrivateKey.from_private_bytes(raw[1:])
    pub = priv.public_key().public_bytes_raw()
    assert key_id(name, 0x01, pub).hex() == id_hex
    sig = priv.sign(text.encode("utf-8"))
    return f"{EM_DASH} {name} {base64.b64encode(bytes.fromhex(id_hex) + sig).decode()}\n"


def check_cosignature(e):
    vkey = parse_vkey(e["verifier_key"])
    assert vkey["type"] == 0x04, "cosignature/v1 keys have signature type 0x04"
    checkpoint = e["checkpoint"]
    parse_checkpoint(checkpoint)
    line = e["signature_line"]
    assert line.startswith(EM_DASH + " ")
    name, _, sig_b64 = line[2:].partition(" ")
    raw = b64decode_strict(sig_b64)
    if name != vkey["name"] or raw[:4] != vkey["id"]:
        raise Reject("key_id_mismatch", raw[:4].hex())
    if len(raw) != 4 + 8 + 64:
        raise Reject("malformed", "cosignature/v1 payload is not 76 bytes")
    ts = int.from_bytes(raw[4:12], "big")
    assert ts <= 2**63 - 1
    assert ts == e["timestamp"], ("timestamp field", ts)
    message = f"cosignature/v1\ntime {ts}\n".encode() + checkpoint.encode("utf-8")
    if not ed25519_verify(vkey["key"], message, raw[12:]):
        raise Reject("invalid_signature")
    if e["valid"]:
        assert e["signed_message"].encode("utf-8") == message
    return ts


def main():
    with open(os.path.join(HERE, "c2sp-signed-note.json"), encoding="utf-8") as f:
        v = json.load(f)
    sources = {p["id"] for p in v["provenance"]}
    n_ok = 0

    for e in v["verifier_keys"]:
        try:
            parse_vkey(e["vkey"])
            ok = True
        except (ValueError, binascii.Error):
            ok = False
        assert ok == e["valid"], ("vkey", e["vkey"])
        assert e["source"] in sources
        n_ok += 1

    for e in v["notes"]:
        assert e["source"] in sources
        vkey = parse_vkey(e["verifier_key"])
        assert vkey["name"] == e["name"]
        data = note_bytes(e)
        try:
            text = open_note(data, vkey)
            result = ("valid", text)
        except Reject as r:
            result = (r.reason, None)
        if e["valid"]:
            assert result == ("valid", e["text"]), (e["comment"], result)
            assert e["text"].endswith("\n")
            if e.get("checkpoint"):
                assert parse_checkpoint(e["text"]) == e["checkpoint"]
        else:
            assert result[0] == e["reason"], (e["comment"], result)
        if e.get("signer_key"):
            line = sign_with_go_skey(e["signer_key"], e["text"])
            assert line in e["signed_note"], "re-signing did not reproduce the signature line"
        n_ok += 1

    for e in v["cosignatures"]:
        try:
            check_cosignature(e)
            result = "valid"
        except Reject as r:
            result = r.reason
        if e["valid"]:
            assert result == "valid", (e["comment"], result)
            if "cosigned_note" in e:  # both the log's signature and the cosignature verify
                log_key = parse_vkey(e["log_verifier_key"])
                assert open_note(e["cosigned_note"].encode(), log_key) == e["checkpoint"]
                assert e["cosigned_note"].endswith(e["signature_line"] + "\n")
            # the cosigner key ID differs from the plain Ed25519 (0x01) key ID for the same key
            k = parse_vkey(e["verifier_key"])
            assert key_id(k["name"], 0x01, k["key"]) != k["id"]
        else:
            assert result == e["reason"], (e["comment"], result)
        n_ok += 1

    for e in v["framing_only"]:
        if e.get("line"):
            assert e["line"].startswith(EM_DASH + " ")
            name, _, sig_b64 = e["line"][2:].partition(" ")
            assert name == e["name"]
        else:
            sig_b64 = e["base64"]
        raw = b64decode_strict(sig_b64)
        assert raw[:4].hex() == e["key_id"]
        if e["timestamp"] is None:
            assert len(raw) == 4 + e["signature_bytes"]
        else:
            assert len(raw) == 4 + 8 + e["signature_bytes"]
            assert int.from_bytes(raw[4:12], "big") == e["timestamp"]
        if e.get("note"):
            text, sigs = split_note(e["note"].encode("utf-8"))
            assert sigs[0][1] == raw and "\n\n" in text  # the text keeps its own empty line
        n_ok += 1

    print(f"OK: {n_ok} entries ({len(v['verifier_keys'])} verifier keys, {len(v['notes'])} notes, "
          f"{len(v['cosignatures'])} cosignatures, {len(v['framing_only'])} framing-only); "
          f"Ed25519 via OpenSSL{' + libsodium' if nacl else ''}")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, Reject) as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
