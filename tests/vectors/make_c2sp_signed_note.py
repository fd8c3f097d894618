#!/usr/bin/env python3
"""Generator of tests/vectors/c2sp-signed-note.json.

Two kinds of values go into the file:

* Published values, copied verbatim from the sources in PROVENANCE. These are the C2SP spec
  examples, the golang.org/x/mod sumdb/note tests and the real sum.golang.org checkpoints quoted
  in transparency-dev/formats and FiloSottile/litetlog tests. The negative notes are built here
  with the same byte operations the Go test applies (e.g. peterSig[:60]+"ABCD"+peterSig[60:] on
  UTF-8 bytes).
* Derived values ("derived": true). No source publishes an Ed25519 cosignature/v1 together with
  its cosigner public key. The spec example's witness key is not published. So the cosignature
  vectors are computed here with a published key: RFC 8032 §7.1 TEST 2. Ed25519 is
  deterministic, so every derived signature is computed twice, with `cryptography` (OpenSSL) and
  with PyNaCl (libsodium), and the two results must be byte-identical.

Run:  python3 tests/vectors/make_c2sp_signed_note.py > tests/vectors/c2sp-signed-note.json
Then: python3 tests/vectors/check_c2sp_notes.py
"""
import base64
import hashlib
import json

import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

EM = "\u2014"  # em dash

PROVENANCE = [
    {"id": "c2sp-signed-note", "repo": "github.com/C2SP/C2SP", "path": "signed-note.md",
     "commit": "5ba5ee830903e91240fc6f9f3a7a9293d49e69c9",
     "what": "Verifier keys §Example (example.com/foo vkey and signed note); quasimodo example at the top (no key published)"},
    {"id": "c2sp-tlog-checkpoint", "repo": "github.com/C2SP/C2SP", "path": "tlog-checkpoint.md",
     "commit": "5ba5ee830903e91240fc6f9f3a7a9293d49e69c9",
     "what": "behind-the-sofa checkpoint example (no key published; its signature's key ID 033de0ae is sum.golang.org's, so it cannot verify under that name)"},
    {"id": "c2sp-tlog-cosignature", "repo": "github.com/C2SP/C2SP", "path": "tlog-cosignature.md",
     "commit": "5ba5ee830903e91240fc6f9f3a7a9293d49e69c9",
     "what": "cosigned checkpoint example (witness.example.com/w1 line, key not published) and the signed-message example 'cosignature/v1\\ntime 1679315147\\n...'"},
    {"id": "go-note-test", "repo": "github.com/golang/mod (golang.org/x/mod)", "path": "sumdb/note/note_test.go",
     "commit": "fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db",
     "what": "TestNewVerifier, TestNewSigner, TestSign, TestOpen: PeterNeumann and EnochRoot keys and signatures, bad keys, malformed notes"},
    {"id": "go-note-doc", "repo": "github.com/golang/mod (golang.org/x/mod)", "path": "sumdb/note/note.go",
     "commit": "fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db",
     "what": "package doc example: PeterNeumann note, and the doubly signed PeterNeumann+EnochRoot note"},
    {"id": "formats-log-note-test", "repo": "github.com/transparency-dev/formats", "path": "log/note_test.go",
     "commit": "0b850f1a7b4a5b70deeacac6535e4b8023809d21",
     "what": "TestSumDBNoteParsing: real sum.golang.org checkpoint (size 6476701) and the sum.golang.org vkey; BenchmarkParse: monkeys/bananas/witness vkeys and their signatures on that checkpoint"},
    {"id": "formats-cosigv1-test", "repo": "github.com/transparency-dev/formats", "path": "note/note_cosigv1_test.go",
     "commit": "0b850f1a7b4a5b70deeacac6535e4b8023809d21",
     "what": "TestCoSigV1NewVerifier: real type-0x04 vkey remora.n621.de+da77ade7, type-0x01 vkey TEST+7997405c, malformed vkeys; TestCoSigV1Timestamp: cosignature blob with timestamp 1727964367"},
    {"id": "litetlog-sumdb-txt", "repo": "github.com/FiloSottile/litetlog", "path": "cmd/litewitness/testdata/sumdb.txt",
     "commit": "3195373f7620fde5e62977689fbaabd0e43e255d",
     "what": "real sum.golang.org checkpoint (size 35225469) with its signature"},
    {"id": "rfc8032", "repo": "RFC 8032", "path": "§7.1 TEST 2", "commit": None,
     "what": "Ed25519 secret key 4ccd089b...a6fb used as the cosigner key of the derived cosignature vectors"},
]

# ---------------------------------------------------------------------------------------------
# Published keys and notes (verbatim).
FOO_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
FOO_TEXT = "This is an example message.\n"
FOO_SIG = f"{EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = ("If you think cryptography is the answer to your problem,\n"
              "then you don't know what your problem is.\n")
PETER_SIG = f"{EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = f"{EM} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CP1 = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
SUMDB_SIG1 = f"{EM} sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
SUMDB_CP2 = "go.sum database tree\n35225469\nvt5T6GaLCXvyHFl9VUvvItR43XZxfLgftEcTyO3eJCQ=\n"
SUMDB_SIG2 = f"{EM} sum.golang.org Az3grpukl5AXaVfYkLiDGORx/DN2nlcS5kZHR5uYOBV2KA2HgXpD+gu9HHONebHLAyaKbbTM75QTtPydhKCExixSfwQ=\n"
BENCH_KEYS = {
    "monkeys": ("monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT",
                f"{EM} monkeys 202ffh9ve46Mqbhuyb4wnC2Pwdan5EsXQym/tF1ggXJqhjGosU4T5intH4iKMRgDLxrnXuIjRaU2NbvAnaepM6Y+8ww=\n"),
    "bananas": ("bananas+cf639f13+AaPjhFnPCQnid/Ql32KWhmh+uk72FVRfK+2DLmO3BI3M",
                f"{EM} bananas z2OfE+2bbsBZ7NLgfuslc0v7NFW2QyexJ7fhePpoL2N/P7N/COd5S+JNHbQEAlYzz2C5sg0E+x/MggS1mDR6t3/9rQw=\n"),
    "witness": ("witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN",
                f"{EM} witness 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDbGgCdcpR8SVSoqAU=\n"),
}

SOFA_CP = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_LOG_SIG = f"{EM} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
SOFA_WITNESS_SIG = f"{EM} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
QUASIMODO_NOTE = ("Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned\u00e8 subito sera.\n\n"
                  f"{EM} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n")
FORMATS_TS_BLOB = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="

RFC8032_TEST2_SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
RFC8032_TEST2_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")


# ---------------------------------------------------------------------------------------------
def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def key_id(name: str, type_and_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + type_and_key).digest()[:4]


def sign_twice(seed: bytes, msg: bytes) -> bytes:
    """Ed25519 with OpenSSL and with libsodium. The two results must be identical."""
    a = Ed25519PrivateKey.from_private_bytes(seed).sign(msg)
    b = nacl.signing.SigningKey(seed).sign(msg).signature
    assert a == b, "cryptography and PyNaCl disagree"
    return a


def public_of(seed: bytes) -> bytes:
    a = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert a == bytes(nacl.signing.SigningKey(seed).verify_key)
    return a


def note(source, name, vkey, text, signed, valid, comment, skey=None, reason=None, checkpoint=None):
    e = {"source": source, "name": name, "verifier_key": vkey, "signer_key": skey, "text": text}
    if isinstance(signed, bytes):
        try:
            e["signed_note"] = signed.decode("utf-8")
        except UnicodeDecodeError:
            e["signed_note"] = None
        e["signed_note_hex"] = signed.hex()
    else:
        e["signed_note"] = signed
    e["valid"] = valid
    if reason:
        e["reason"] = reason
    if checkpoint:
        e["checkpoint"] = checkpoint
    e["comment"] = comment
    return e


def main():
    notes = []
    # ---- valid notes -------------------------------------------------------------------------
    notes.append(note("c2sp-signed-note", "example.com/foo", FOO_VKEY, FOO_TEXT, FOO_TEXT + "\n" + FOO_SIG, True,
                      "The signed-note spec's own example (§Verifier keys, Example)."))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT, PETER_TEXT + "\n" + PETER_SIG, True,
                      "TestSign output and note.go's doc example. Signing TEXT with signer_key must reproduce this "
                      "exact note (Ed25519 is deterministic).", skey=PETER_SKEY))
    notes.append(note("go-note-doc", "EnochRoot", ENOCH_VKEY, PETER_TEXT, PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG, True,
                      "The doubly signed note (note.go doc, TestOpen 'Check both verified'). It is opened with the "
                      "EnochRoot key only, so the PeterNeumann line comes from an unknown key and is ignored. With "
                      "both keys, both signatures verify."))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT,
                      PETER_TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG
                      + (ENOCH_SIG.encode()[:60] + b"ABCD" + ENOCH_SIG.encode()[60:]).decode(), True,
                      "TestOpen 'Duplicated verified and unverified signatures': Go drops a repeated signature by "
                      "the same key and repeated identical unknown lines, and accepts. The spec says nothing about "
                      "duplicates, so this behaviour is Go's, not a spec requirement."))
    cp1 = {"origin": "go.sum database tree", "size": 6476701, "root_hash_b64": "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="}
    notes.append(note("formats-log-note-test", "sum.golang.org", SUMDB_VKEY, SUMDB_CP1, SUMDB_CP1 + "\n" + SUMDB_SIG1, True,
                      "A real tlog-checkpoint signed by sum.golang.org. The key name differs from the origin line, "
                      "which the checkpoint spec allows (SHOULD match).", checkpoint=cp1))
    notes.append(note("litetlog-sumdb-txt", "sum.golang.org", SUMDB_VKEY, SUMDB_CP2, SUMDB_CP2 + "\n" + SUMDB_SIG2, True,
                      "A second real sum.golang.org checkpoint.",
                      checkpoint={"origin": "go.sum database tree", "size": 35225469,
                                  "root_hash_b64": "vt5T6GaLCXvyHFl9VUvvItR43XZxfLgftEcTyO3eJCQ="}))
    multi = SUMDB_CP1 + "\n" + SUMDB_SIG1 + "".join(s for _, s in BENCH_KEYS.values())
    for nm, (vk, _) in BENCH_KEYS.items():
        notes.append(note("formats-log-note-test", nm, vk, SUMDB_CP1, multi, True,
                          f"BenchmarkParse 'many verifiers': the sum.golang.org checkpoint with four Ed25519 "
                          f"signatures. Opened with the {nm} key only, the other three lines come from unknown keys.",
                          checkpoint=cp1))

    # ---- negative notes (TestOpen) -------------------------------------------------------------
    t, p = PETER_TEXT.encode(), PETER_SIG.encode()
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT, (t + b"\n" + p[:60] + b"ABCD" + p[60:]), False,
                      "TestOpen 'Invalid signature': 4 base64 characters inserted into the known key's signature "
                      "(the signature becomes 67 bytes). Go: 'invalid signature for key PeterNeumann+c74f20a3'.",
                      reason="invalid_signature"))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT, PETER_TEXT + "\n" + ENOCH_SIG, False,
                      "TestOpen 'Check one signature verified, one not' reduced to the EnochRoot line only. Nothing "
                      "is signed by a known key. Go: UnverifiedNoteError 'note has no verifiable signatures'.",
                      reason="no_verified_signature"))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT,
                      PETER_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "CarmenSandiego"), False,
                      "TestOpen: the signature line renamed to CarmenSandiego. With a correct verifier lookup the "
                      "(name, key ID) pair is unknown, so there is no verifiable signature.",
                      reason="no_verified_signature"))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT,
                      PETER_TEXT + "\n" + PETER_SIG.replace("x08g", "xxxx"), False,
                      "TestOpen: 'x08g' replaced by 'xxxx', which changes the key ID. The (name, key ID) pair is "
                      "unknown, so there is no verifiable signature.", reason="no_verified_signature"))
    bad_msgs = [
        (t, "text only: no blank line, no signature block"),
        (t + b"\n", "blank line but no signature lines"),
        (t + b"\n" + p[:-1], "last signature line has no final newline"),
        (b"\x01" + t + b"\n" + p, "ASCII control character U+0001"),
        (b"\xff" + t + b"\n" + p, "invalid UTF-8 (0xFF); signed_note is null, see signed_note_hex"),
        (t + b"\n" + (EM + " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").encode(),
         "key name contains a space (and no final newline)"),
        (t + b"\n" + p + b"Unexpected line.\n", "a line in the signature block that is not a signature line"),
    ]
    for msg, why in bad_msgs:
        notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT, msg, False,
                          f"TestOpen badMsgs: {why}. Go: 'malformed note'.", reason="malformed"))
    notes.append(note("go-note-test", "PeterNeumann", PETER_VKEY, PETER_TEXT, PETER_TEXT + "\n" + PETER_SIG * 101, False,
                      "TestOpen 'too many signatures': 101 signature lines. Go rejects more than 100 ('malformed "
                      "note'). The spec only says verifiers SHOULD have a limit and MUST accept at least 16, so "
                      "the exact limit is a policy choice.", reason="malformed_too_many_signatures"))

    # ---- verifier keys ----------------------------------------------------------------------------
    vkeys = [
        {"source": "c2sp-signed-note", "vkey": FOO_VKEY, "valid": True},
        {"source": "go-note-test", "vkey": PETER_VKEY, "valid": True},
        {"source": "go-note-test", "vkey": ENOCH_VKEY, "valid": True},
        {"source": "formats-log-note-test", "vkey": SUMDB_VKEY, "valid": True,
         "comment": "The base64 part contains '+' characters. Split the vkey only at the first two '+'."},
        *({"source": "formats-log-note-test", "vkey": vk, "valid": True} for vk, _ in BENCH_KEYS.values()),
        {"source": "formats-cosigv1-test", "vkey": "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "valid": True},
        {"source": "formats-cosigv1-test", "vkey": "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
         "valid": True, "comment": "A real witness cosigner key of type 0x04. Its key ID is SHA-256(name || 0x0A || 0x04 || key)[:4]."},
        {"source": "go-note-test", "vkey": "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
         "valid": False, "reason": "wrong length key (key ID adjusted to match)"},
        {"source": "go-note-test", "vkey": "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "valid": False, "reason": "unknown signature type 0x65 (key ID adjusted to match)"},
        {"source": "go-note-test", "vkey": "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "valid": False, "reason": "key ID does not match the key (TestNewVerifier byte mangling: last hex digit + 1)"},
        {"source": "formats-cosigv1-test", "vkey": "bananas.sigstore.dev+12344556", "valid": False, "reason": "wrong number of parts"},
        {"source": "formats-cosigv1-test", "vkey": "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!", "valid": False, "reason": "invalid base64"},
        {"source": "formats-cosigv1-test", "vkey": "rekor.sigstore.dev+12345678+AwEB", "valid": False,
         "reason": "signature type 0x03 (reserved) with a 2-byte key"},
    ]

    # ---- cosignatures: derived with RFC 8032 TEST 2 as the cosigner key -------------------------------
    seed, pub = RFC8032_TEST2_SECRET, public_of(RFC8032_TEST2_SECRET)
    assert pub == RFC8032_TEST2_PUBLIC
    wname = "witness.example.com/w1"
    kid4 = key_id(wname, b"\x04" + pub)
    kid1 = key_id(wname, b"\x01" + pub)
    wvkey = wname + "+" + kid4.hex() + "+" + b64(b"\x04" + pub)

    def cosig(checkpoint: str, ts: int, *, msg=None, blob_ts=None, kid=kid4):
        m = msg if msg is not None else f"cosignature/v1\ntime {ts}\n{checkpoint}".encode()
        sig = sign_twice(seed, m)
        blob = kid + (blob_ts if blob_ts is not None else ts).to_bytes(8, "big") + sig
        return m, f"{EM} {wname} {b64(blob)}"

    cos = []

    def add(src, checkpoint, ts, line, msg, valid, comment, reason=None, log_sig=None):
        e = {"source": src, "derived": True, "name": wname, "verifier_key": wvkey, "signer_key": None,
             "signer_seed_hex": seed.hex(), "checkpoint": checkpoint, "timestamp": ts,
             "signed_message": msg.decode(), "signature_line": line, "valid": valid}
        if reason:
            e["reason"] = reason
        if log_sig:
            e["cosigned_note"] = checkpoint + "\n" + log_sig + line + "\n"
            e["log_verifier_key"] = SUMDB_VKEY
        e["comment"] = comment
        cos.append(e)

    m, line = cosig(SOFA_CP, 1679315147)
    add(["c2sp-tlog-cosignature", "rfc8032"], SOFA_CP, 1679315147, line, m, True,
        "The spec's example checkpoint and timestamp, cosigned with the RFC 8032 TEST 2 key. The spec's "
        "own witness line cannot be checked because its key is not published.")
    m, line = cosig(SUMDB_CP1, 1727964367)
    add(["formats-log-note-test", "rfc8032"], SUMDB_CP1, 1727964367, line, m, True,
        "A cosignature on the real sum.golang.org checkpoint. cosigned_note is the full note (log signature "
        "plus cosignature) and verifies with log_verifier_key and verifier_key.", log_sig=SUMDB_SIG1)
    # negatives
    m, _ = cosig(SOFA_CP, 1679315147)
    _, line = cosig(SOFA_CP, 1679315147, blob_ts=1679315148)
    add(["rfc8032"], SOFA_CP, 1679315148, line, m, False,
        "The timestamp field says 1679315148, but the signature covers 'time 1679315147'.", reason="invalid_signature")
    m, line = cosig(SOFA_CP, 1679315147, msg=SOFA_CP.encode())
    add(["rfc8032"], SOFA_CP, 1679315147, line, m, False,
        "Ed25519 over the bare checkpoint text, without the 'cosignature/v1' and 'time' lines.",
        reason="invalid_signature")
    m, line = cosig(SOFA_CP, 1679315147, msg=f"cosignature/v1\ntime 01679315147\n{SOFA_CP}".encode())
    add(["rfc8032"], SOFA_CP, 1679315147, line, m, False,
        "The signed time line has a leading zero ('time 01679315147'). The spec requires no leading zeroes.",
        reason="invalid_signature")
    m, line = cosig(SOFA_CP, 1679315147, msg=f"cosignature/v1\ntime 1679315147\n{SOFA_CP}\n{SOFA_LOG_SIG}".encode())
    add(["c2sp-tlog-cosignature", "rfc8032"], SOFA_CP, 1679315147, line, m, False,
        "Signed over the whole note (blank line and log signature included) instead of the note body.",
        reason="invalid_signature")
    m, line = cosig(SOFA_CP, 1679315147, kid=kid1)
    add(["rfc8032"], SOFA_CP, 1679315147, line, m, False,
        "The signature is correct, but the key ID is computed with type byte 0x01 (plain signed-note "
        f"Ed25519: {kid1.hex()}) instead of 0x04 ({kid4.hex()}). The (name, key ID) pair does not "
        "match the cosigner key, so the line must be ignored and does not count as a cosignature.",
        reason="key_id_mismatch")

    framing = [
        {"source": "c2sp-tlog-cosignature", "line": SOFA_WITNESS_SIG.rstrip("\n"), "name": wname,
         "key_id": "8d66cf3f", "timestamp": 1679315147, "signature_bytes": 64,
         "comment": "The spec's example cosignature line. It decodes to 76 bytes: key ID(4) || u64 timestamp(8) || "
                    "Ed25519 signature(64). The timestamp equals the spec's 'time 1679315147' example. The key is "
                    "not published, so the signature cannot be checked."},
        {"source": "formats-cosigv1-test", "line": None, "base64": FORMATS_TS_BLOB, "key_id": "646846b9",
         "timestamp": 1727964367, "signature_bytes": 64,
         "comment": "TestCoSigV1Timestamp 'works': a cosignature blob whose timestamp is 1727964367. The key and the "
                    "checkpoint are not published."},
        {"source": "c2sp-tlog-checkpoint", "line": SOFA_LOG_SIG.rstrip("\n"), "name": "example.com/behind-the-sofa",
         "key_id": "033de0ae", "timestamp": None, "signature_bytes": 64,
         "comment": "The checkpoint spec's example log signature (type 0x01 framing: key ID(4) || sig(64)). It "
                    "cannot be verified: no key is published, and its key ID is sum.golang.org's."},
        {"source": "c2sp-signed-note", "line": QUASIMODO_NOTE.rstrip("\n").split("\n")[-1],
         "name": "quasimodo.example/salvatore", "key_id": "367ba04b", "timestamp": None, "signature_bytes": 64,
         "note": QUASIMODO_NOTE,
         "comment": "The signed-note spec's opening example. The text contains an empty line, so the signatures "
                    "begin after the LAST blank line. No key is published."},
    ]

    out = {
        "provenance": PROVENANCE,
        "formats": {
            "signature_line": "U+2014 em dash, U+0020, key name, U+0020, base64(4-byte big-endian key ID || signature), U+000A",
            "ed25519_key_id": "SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]",
            "cosignature_v1_key_id": "SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]",
            "cosignature_v1_message": "'cosignature/v1\\n' || 'time ' || decimal timestamp (no leading zeroes) || '\\n' || checkpoint note body (with final newline, without signature lines)",
            "cosignature_v1_signature": "base64(key ID (4) || u64 big-endian timestamp (8) || Ed25519 signature (64)), 76 bytes",
            "verifier_key": "<key name>+<8 lowercase hex key ID>+base64(signature type byte || public key)",
            "signer_key_go": "PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte Ed25519 seed): golang.org/x/mod convention, not part of the C2SP spec",
        },
        "notes": notes,
        "verifier_keys": vkeys,
        "cosignatures": cos,
        "framing_only": framing,
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
