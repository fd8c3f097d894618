#!/usr/bin/env python3
"""Independent check of tests/vectors/rfc9162-merkle.json.

Uses only the Python standard library (hashlib) and none of the ledger's Rust code.

1. MTH, PATH and PROOF are written as the recursive definitions of RFC 9162 §2.1.1, §2.1.3.1
   and §2.1.4.1. Every published root, inclusion path and consistency path in the JSON must equal
   what the definitions give for the published leaves. The published NodeHashes are checked too.
2. The verification algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) are
   run on every published proof. They must accept it. Then they run on every golden probe of
   transparency-dev/merkle, and the result must equal the probe's expected result. These probes
   encode a few rules of the Go verifier that go beyond the RFC algorithm. The JSON's
   "probes_note" lists them, and verify_* below apply them.

Run:  python3 tests/vectors/make_rfc9162_check.py   (exit status 0 and "OK" on success)
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HASH_SIZE = 32


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_pow2_below(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1), as in RFC 9162 §2.1.1."""
    assert n > 1
    k = 1
    while k * 2 < n:
        k *= 2
    return k


# ---- RFC 9162 §2.1.1: MTH --------------------------------------------------------------------
def MTH(D):
    n = len(D)
    if n == 0:
        return H(b"")                                   # MTH({}) = HASH()
    if n == 1:
        return H(b"\x00" + D[0])                        # MTH({d(0)}) = HASH(0x00 || d(0))
    k = largest_pow2_below(n)
    return H(b"\x01" + MTH(D[:k]) + MTH(D[k:]))         # HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))


# ---- RFC 9162 §2.1.3.1: PATH(m, D[n]) --------------------------------------------------------
def PATH(m, D):
    n = len(D)
    assert 0 <= m < n
    if n == 1:
        return []                                       # PATH(0, {d(0)}) = {}
    k = largest_pow2_below(n)
    if m < k:
        return PATH(m, D[:k]) + [MTH(D[k:])]            # PATH(m, D[0:k]) : MTH(D[k:n])
    return PATH(m - k, D[k:]) + [MTH(D[:k])]            # PATH(m - k, D[k:n]) : MTH(D[0:k])


# ---- RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) ------------------------------
def SUBPROOF(m, D, b):
    n = len(D)
    if m == n:
        return [] if b else [MTH(D)]                    # {} if b, else {MTH(D[m])}
    k = largest_pow2_below(n)
    if m <= k:
        return SUBPROOF(m, D[:k], b) + [MTH(D[k:])]     # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
    return SUBPROOF(m - k, D[k:], False) + [MTH(D[:k])]  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])


def PROOF(m, D):
    assert 0 < m <= len(D)
    return SUBPROOF(m, D, True)


# ---- RFC 9162 §2.1.3.2: verifying an inclusion proof ------------------------------------------
def verify_inclusion(leaf_index, tree_size, leaf_hash, path, root):
    if len(leaf_hash) != HASH_SIZE:                     # Go rule: the leaf hash is a 32-byte hash
        return False
    if leaf_index >= tree_size:                         # step 1
        return False
    fn, sn = leaf_index, tree_size - 1                  # step 2
    r = leaf_hash                                       # step 3
    for p in path:                                      # step 4
        if sn == 0:                                     # 4a
            return False
        if fn & 1 or fn == sn:                          # 4b
            r = H(b"\x01" + p + r)
            if not fn & 1:
                while not (fn & 1) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = H(b"\x01" + r + p)
        fn >>= 1                                        # 4c
        sn >>= 1
    return sn == 0 and r == root                        # step 5


# ---- RFC 9162 §2.1.4.2: verifying consistency between two tree heads --------------------------
def verify_consistency(first, second, first_hash, second_hash, path):
    # The RFC algorithm assumes 0 < first < second. The other cases follow the Go verifier
    # (see "probes_note"): first == 0 or first > second fails, first == second needs an empty
    # path and equal roots.
    if first == 0 or first > second:
        return False
    if first == second:
        return len(path) == 0 and first_hash == second_hash
    if len(path) == 0:                                  # step 1
        return False
    path = list(path)
    if first & (first - 1) == 0:                        # step 2: first is an exact power of 2
        path = [first_hash] + path
    fn, sn = first - 1, second - 1                      # step 3
    while fn & 1:                                       # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]                                   # step 5
    for c in path[1:]:                                  # step 6
        if sn == 0:                                     # 6a
            return False
        if fn & 1 or fn == sn:                          # 6b
            fr = H(b"\x01" + c + fr)
            sr = H(b"\x01" + c + sr)
            if not fn & 1:
                while not (fn & 1) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = H(b"\x01" + sr + c)
        fn >>= 1                                        # 6c
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0   # step 7


def main():
    with open(os.path.join(HERE, "rfc9162-merkle.json")) as f:
        v = json.load(f)
    x = bytes.fromhex
    D = [x(s) for s in v["leaves_hex"]]
    assert len(D) == 8
    checks = 0

    roots = {}
    for e in v["roots"]:
        got = MTH(D[: e["size"]]).hex()
        assert got == e["root"], ("root", e["size"], got)
        roots[e["size"]] = e["root"]
        checks += 1
    assert sorted(roots) == list(range(9))

    for level, hashes in enumerate(v["node_hashes_by_level"]):
        w = 1 << level
        for i, hx in enumerate(hashes):
            assert MTH(D[i * w:(i + 1) * w]).hex() == hx, ("node", level, i)
            checks += 1
    assert v["leaf_hashes"] == v["node_hashes_by_level"][0]

    for e in v["inclusion"]:
        m, n = e["index"], e["size"]
        want = [h.hex() for h in PATH(m, D[:n])]
        assert want == e["path"], ("PATH", m, n, want)
        assert verify_inclusion(m, n, MTH(D[m:m + 1]), [x(p) for p in e["path"]], x(roots[n]))
        checks += 2

    for e in v["consistency"]:
        m, n = e["from"], e["to"]
        want = [h.hex() for h in PROOF(m, D[:n])]
        assert want == e["path"], ("PROOF", m, n, want)
        assert verify_consistency(m, n, x(roots[m]), x(roots[n]), [x(p) for p in e["path"]])
        checks += 2

    # Beyond the published proofs: every (index, size) and (from, to) over the 8 leaves must
    # round-trip through the verifiers (generation and verification agree).
    for n in range(1, 9):
        for m in range(n):
            assert verify_inclusion(m, n, MTH(D[m:m + 1]), PATH(m, D[:n]), MTH(D[:n]))
        for m in range(1, n + 1):
            assert verify_consistency(m, n, MTH(D[:m]), MTH(D[:n]), PROOF(m, D[:n]))

    for p in v["inclusion_probes"]:
        got = verify_inclusion(p["index"], p["size"], x(p["leaf_hash"]), [x(h) for h in p["path"]], x(p["root"]))
        assert got == p["want_valid"], ("inclusion probe", p["file"], got)
        checks += 1

    for p in v["consistency_probes"]:
        got = verify_consistency(p["from"], p["to"], x(p["root1"]), x(p["root2"]), [x(h) for h in p["path"]])
        assert got == p["want_valid"], ("consistency probe", p["file"], got)
        checks += 1

    print(f"OK: {checks} checks ({len(v['roots'])} roots, {len(v['inclusion'])} inclusion proofs, "
          f"{len(v['consistency'])} consistency proofs, {len(v['inclusion_probes'])} inclusion probes, "
          f"{len(v['consistency_probes'])} consistency probes)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
