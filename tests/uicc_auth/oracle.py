#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for src/uicc/auth (ctest uicc_auth_oracle).

MILENAGE (3GPP TS 35.206 §4.1), the TS 34.108 §8.1.2 test algorithm, the
TS 33.102 §6.8.1.2 conversions c2/c3, the TS 33.102 §6.3.3 / Annex C
authentication flow and the TS 33.501 Annex C ECIES profiles are written
here again from the specifications, on python3-cryptography (AES, X25519,
P-256, X9.63 KDF, HMAC). The oracle first checks itself against the
published vectors in tests/data/uicc_auth, then sends random requests to
auth_oracle_io (the C code) and compares every output.

usage: oracle.py AUTH_ORACLE_IO DATA_DIR [CASES]
env:   VEUICC_ORACLE_SEED  random seed (default 6)
"""
import os
import random
import subprocess
import sys

try:
    from cryptography.hazmat.primitives import hashes, hmac, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, x25519
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
except ImportError:
    print("python3-cryptography is not installed: skipped")
    sys.exit(77)


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def aes(k, block):
    enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


# ---- MILENAGE, TS 35.206 §4.1 ------------------------------------------------

DEFAULT_R = bytes([64, 0, 32, 64, 96])
DEFAULT_C = b"".join((c).to_bytes(16, "big") for c in (0, 1, 2, 4, 8))


def rot(x, r):
    """Cyclic rotation of a 128-bit string by r bits towards the MSB."""
    v = int.from_bytes(x, "big")
    r %= 128
    v = ((v << r) | (v >> (128 - r))) & ((1 << 128) - 1)
    return v.to_bytes(16, "big")


def milenage_opc(k, op):
    return xor(aes(k, op), op)


def milenage(k, opc, rand, sqn, amf, r=DEFAULT_R, c=DEFAULT_C):
    cs = [c[16 * i:16 * i + 16] for i in range(5)]
    temp = aes(k, xor(rand, opc))
    in1 = sqn + amf + sqn + amf
    out1 = xor(aes(k, xor(xor(temp, rot(xor(in1, opc), r[0])), cs[0])), opc)
    outs = [xor(aes(k, xor(rot(xor(temp, opc), r[i]), cs[i])), opc) for i in range(1, 5)]
    out2, out3, out4, out5 = outs
    return {"mac_a": out1[:8], "mac_s": out1[8:], "res": out2[8:], "ck": out3,
            "ik": out4, "ak": out2[:6], "aks": out5[:6]}


# ---- test algorithm, TS 34.108 §8.1.2 ----------------------------------------

def testalg(k, rand, sqn, amf, res_len):
    x = xor(k, rand)
    return {"mac_a": xor(x[:8], sqn + amf), "mac_s_of": lambda s: xor(x[:8], s + b"\0\0"),
            "res": x[:res_len], "ck": x[1:] + x[:1], "ik": x[2:] + x[:2], "ak": x[3:9],
            "aks": x[3:9]}


# ---- conversions, TS 33.102 §6.8.1.2 -----------------------------------------

def c2(res):
    x = res + bytes(16 - len(res))
    return bytes(x[i] ^ x[i + 4] ^ x[i + 8] ^ x[i + 12] for i in range(4))


def c3(ck, ik):
    return bytes(ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8] for i in range(8))


# ---- ECIES, TS 33.501 Annex C.3 ----------------------------------------------

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def ecies(scheme, hn_pub, eph_priv, plaintext):
    if scheme == "A":
        e = x25519.X25519PrivateKey.from_private_bytes(eph_priv)
        pub = e.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        z = e.exchange(x25519.X25519PublicKey.from_public_bytes(hn_pub))
    else:
        e = ec.derive_private_key(int.from_bytes(eph_priv, "big"), ec.SECP256R1())
        pub = e.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.CompressedPoint)
        hn = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), hn_pub)
        z = e.exchange(ec.ECDH(), hn)
    keys = X963KDF(hashes.SHA256(), 64, pub).derive(z)
    enc = Cipher(algorithms.AES(keys[:16]), modes.CTR(keys[16:32])).encryptor()
    ct = enc.update(plaintext) + enc.finalize()
    h = hmac.HMAC(keys[32:], hashes.SHA256())
    h.update(ct)
    return pub + ct + h.finalize()[:8]


# ---- self-check on the published vectors -------------------------------------

def rows(path):
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.split()


def self_check(data_dir):
    n = 0
    for f in rows(os.path.join(data_dir, "milenage.txt")):
        k, rand, sqn, amf, op, opc = (bytes.fromhex(x) for x in f[1:7])
        want = [bytes.fromhex(x) for x in f[7:14]]
        assert milenage_opc(k, op) == opc, f"oracle OPc, set {f[0]}"
        m = milenage(k, opc, rand, sqn, amf)
        got = [m[x] for x in ("mac_a", "mac_s", "res", "ck", "ik", "ak", "aks")]
        assert got == want, f"oracle MILENAGE, set {f[0]}"
        n += 1
    for f in rows(os.path.join(data_dir, "suci_ts33501_c4.txt")):
        hn_pub, eph_priv, pt, out = (bytes.fromhex(f[i]) for i in (3, 4, 10, 13))
        assert ecies(f[1], hn_pub, eph_priv, pt) == out, f"oracle ECIES, {f[0]}"
        n += 1
    return n


# ---- random requests ---------------------------------------------------------

class Cases:
    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.checks = []

    def b(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def add(self, line, check):
        self.lines.append(line)
        self.checks.append(check)


def milenage_consts(rng, cases):
    if rng.random() < 0.5:
        return DEFAULT_R, DEFAULT_C
    return bytes(rng.randrange(128) for _ in range(5)), cases.b(80)


def gen(cases, count):
    rng = cases.rng
    h = bytes.hex
    for _ in range(count):
        # f1..f5* with random K, OPc, RAND, SQN, AMF and constants.
        k, opc, rand, sqn, amf = cases.b(16), cases.b(16), cases.b(16), cases.b(6), cases.b(2)
        r, c = milenage_consts(rng, cases)
        m = milenage(k, opc, rand, sqn, amf, r, c)
        want = " ".join(h(m[x]) for x in ("mac_a", "mac_s", "res", "ck", "ik", "ak", "aks"))
        cases.add(f"M {h(k)} {h(opc)} {h(rand)} {h(sqn)} {h(amf)} {h(r)} {h(c)}", want)
        op = cases.b(16)
        cases.add(f"O {h(k)} {h(op)}", h(milenage_opc(k, op)))
        # Test algorithm.
        rl = rng.randrange(4, 17)
        t = testalg(k, rand, sqn, amf, rl)
        cases.add(f"X {h(k)} {h(rand)} {h(sqn)} {h(amf)} {rl}",
                  " ".join(h(t[x]) for x in ("mac_a", "res", "ck", "ik", "ak")))
        # AUTHENTICATE, 3G context: TS 33.102 §6.3.3 and Annex C with IND of
        # 5 bits, Δ = 2^28 and every SEQ_MS(i) = seq0.
        alg = rng.choice("MX")
        rl = 8 if alg == "M" else rng.randrange(4, 17)
        seq0 = rng.randrange(0, 1 << 40)
        kind = rng.choice(["fresh", "fresh", "stale", "far", "badmac"])
        seq = {"fresh": seq0 + rng.randrange(1, 1 << 20), "stale": seq0 - rng.randrange(0, 1000),
               "far": seq0 + (1 << 28) + rng.randrange(1, 1000),
               "badmac": seq0 + 1}[kind]
        seq = max(seq, 0)
        sqn = ((seq << 5) | rng.randrange(32)).to_bytes(6, "big")
        if alg == "M":
            f = milenage(k, opc, rand, sqn, amf, r, c)
            pre = f"A M {h(k)} {h(opc)} {h(r)} {h(c)} {rl}"
            g = milenage(k, opc, rand, (seq0 << 5).to_bytes(6, "big"), b"\0\0", r, c)
            mac_s = g["mac_s"]
        else:
            f = testalg(k, rand, sqn, amf, rl)
            pre = f"A X {h(k)} - - - {rl}"
            mac_s = f["mac_s_of"]((seq0 << 5).to_bytes(6, "big"))
        mac = f["mac_a"]
        if kind == "badmac":
            mac = xor(mac, bytes([0] * 7 + [1 << rng.randrange(8)]))
        autn = xor(sqn, f["ak"]) + amf + mac
        if kind == "badmac":
            want = "MAC"
        elif kind == "fresh":
            want = f"OK {h(f['res'])} {h(f['ck'])} {h(f['ik'])} {h(c3(f['ck'], f['ik']))}"
        else:
            auts = xor((seq0 << 5).to_bytes(6, "big"), f["aks"]) + mac_s
            want = f"SYNC {h(auts)}"
        cases.add(f"{pre} {seq0:x} {h(rand)} {h(autn)}", want)
        # GSM context.
        cases.add(f"G {pre[2:]} {h(rand)}", f"{h(c2(f['res']))} {h(c3(f['ck'], f['ik']))}")
    # SUCI: random home network keys, ephemeral keys and inputs (1..40 bytes,
    # so the CTR keystream spans up to three blocks).
    for i in range(max(8, count // 10)):
        scheme = "AB"[i % 2]
        if scheme == "A":
            hn_pub = x25519.X25519PrivateKey.generate().public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            eph = cases.b(32)
        else:
            fmt = rng.choice([serialization.PublicFormat.CompressedPoint,
                              serialization.PublicFormat.UncompressedPoint])
            hn_pub = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
                serialization.Encoding.X962, fmt)
            eph = (rng.randrange(1, P256_N)).to_bytes(32, "big")
        pt = cases.b(rng.randrange(1, 41))
        cases.add(f"S {scheme} {h(hn_pub)} {h(eph)} {h(pt)}", h(ecies(scheme, hn_pub, eph, pt)))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    tool, data_dir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    seed = int(os.environ.get("VEUICC_ORACLE_SEED", "6"))
    print(f"oracle self-check: {self_check(data_dir)} published vectors reproduced")
    cases = Cases(random.Random(seed))
    gen(cases, count)
    proc = subprocess.run([tool], input="\n".join(cases.lines) + "\n", capture_output=True,
                          text=True, check=True)
    got = proc.stdout.splitlines()
    if len(got) != len(cases.lines):
        print(f"FAIL: {len(got)} answers to {len(cases.lines)} requests")
        return 1
    bad = 0
    kinds = {}
    for line, want, have in zip(cases.lines, cases.checks, got):
        k = line.split()[0] + (line.split()[1] if line[0] in "AGS" else "")
        if line[0] == "A":
            k += ":" + want.split()[0]
        kinds[k] = kinds.get(k, 0) + 1
        if have.strip() != want:
            bad += 1
            if bad <= 5:
                print(f"MISMATCH\n  request: {line}\n  oracle:  {want}\n  C:       {have}")
    print(f"seed {seed}: {len(cases.lines)} requests, {bad} mismatches; per kind: "
          + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
