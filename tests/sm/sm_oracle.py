#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent check of `veuicc sm run` (ctest sm/oracle; docs/sm.md).

For each curve (P-256, brainpoolP256r1) and each of two TS.48 profiles, a
fresh card file is made from tests/data/sm/factory_<curve>.json and
`veuicc sm run PROFILE --transcript T --json` is run. This script then, on
python3-cryptography and sharing no code with src/ or tools/:

- checks the SM-DP's 3A02 signature with PK.DP.ECDSA from its certificate,
  over 3A02 || 7F49 || 00 85 10 RC;
- computes ShS with the ECASD's private key (the test key of the factory
  file) and the SM-DP's ephemeral public key, SharedInfo, the X9.63 KDF and
  the receipt, and requires the card's receipt to be that one;
- opens the SCP03t session itself from the 84 exchange with those keys
  (card challenge, card cryptogram), checks the 85 C-MAC and every 86 C-MAC,
  deciphers every segment and requires the plaintext to be the profile file;
- reads `veuicc card status --json`: the new ISD-P ENABLED with the
  profile's ICCID, no notification left.

Negative: a flipped bit in segment 3 (--corrupt-segment 3): exit status 1,
the SCP03t error 9F46 02 named, the ISD-P still PERSONALIZED, no profile.

usage: sm_oracle.py VEUICC REPO WORK_DIR
"""
import hashlib
import json
import os
import subprocess
import sys

try:
    from cryptography.hazmat.primitives import cmac, hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    print("python3-cryptography is not installed: the oracle cannot run")
    sys.exit(1)

AID = "A0000005591010FFFFFFFF8900001100"
CURVES = {"nist": (ec.SECP256R1(), "NIST"), "brp": (ec.BrainpoolP256R1(), "BRP")}
PROFILES = ["TS48_V5.0_eSIM_GTP_SAIP2.3_NoBERTLV.der",
            "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"]
FAILS = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def read_tlvs(buf):
    out, p = [], 0
    while p < len(buf):
        t = buf[p]
        p += 1
        if t & 0x1F == 0x1F:
            t = t << 8 | buf[p]
            p += 1
        n = buf[p]
        p += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(buf[p:p + k], "big")
            p += k
        hdr_end = p
        out.append((t, buf[p:p + n], hdr_end))
        p += n
    return out


def find(buf, tag):
    for t, v, _ in read_tlvs(buf):
        if t == tag:
            return v
    return None


def aes_cmac(key, data):
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def kdf(key, const, ctx, n):
    out, i = b"", 1
    while len(out) < n:
        out += aes_cmac(key, bytes(11) + bytes([const, 0]) + (n * 8).to_bytes(2, "big") +
                        bytes([i]) + ctx)
        i += 1
    return out[:n]


def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def aes_cbc_dec(key, iv, data):
    d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return d.update(data) + d.finalize()


def x963(z, info, n):
    out, c = b"", 1
    while len(out) < n:
        out += hashlib.sha256(z + c.to_bytes(4, "big") + info).digest()
        c += 1
    return out[:n]


def scripts(path):
    """The transcript as [(C-APDUs, R-APDUs)], one entry per ES5 script."""
    out, cs, rs = [], [], []
    for line in open(path):
        d, h = line.split()
        b = bytes.fromhex(h)
        if d == "C":
            if rs:
                out.append((cs, rs))
                cs, rs = [], []
            cs.append(b)
        else:
            rs.append(b)
    if cs:
        out.append((cs, rs))
    return out


def store_data_stream(cs):
    """SCP03t TLV streams of the STORE DATA sequences (P1 10/90) of a script."""
    streams, cur = [], b""
    for c in cs:
        if c[1] == 0xE2 and c[2] in (0x10, 0x90):
            cur += c[5:5 + c[4]]
            if c[2] == 0x90:
                streams.append(cur)
                cur = b""
    return streams


def run_card(exe, repo, work, curve, profile, extra=()):
    db = os.path.join(work, "sm-%s-%s.db" % (curve, profile[:8]))
    for f in (db, db + ".sm"):
        if os.path.exists(f):
            os.remove(f)
    tr = db + ".tr"
    cmd = [exe, "sm", "--card", db, "--factory",
           os.path.join(repo, "tests/data/sm/factory_%s.json" % curve),
           "--pki", os.path.join(repo, "tests/data/cert/minted", curve),
           "--transcript", tr, "--json", *extra, "run",
           os.path.join(repo, "tests/data/saip/profiles", profile)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p, db, tr


def card_status(exe, db):
    p = subprocess.run([exe, "card", "--card", db, "status", "--json"], capture_output=True,
                       text=True)
    return json.loads(p.stdout)


def verify(exe, repo, work, curve, profile):
    tag = "%s/%s" % (curve, profile)
    cv, stem = CURVES[curve]
    p, db, tr = run_card(exe, repo, work, curve, profile)
    check(tag + ": veuicc sm run exits 0 (%d)" % p.returncode, p.returncode == 0)
    if p.returncode:
        print(p.stdout, p.stderr)
        return
    js = json.loads(p.stdout)
    check(tag + ": 10 steps, all ok", len(js["steps"]) == 10 and all(s["ok"] for s in js["steps"]))
    sc = scripts(tr)
    keys = os.path.join(repo, "tests/data/cert/keys")
    sk_ecasd = serialization.load_pem_private_key(
        open(os.path.join(keys, "SK_EUICC_ECDSA_%s.pem" % stem), "rb").read(), None)
    cert = open(os.path.join(repo, "tests/data/cert/minted", curve, "smdp.7f21"), "rb").read()
    pk_dp = ec.EllipticCurvePublicKey.from_encoded_point(
        cv, find(find(find(cert, 0x7F21), 0x7F49), 0xB0))

    # key establishment: the script with 3A01, then the one with 3A02
    i01 = next(i for i, (cs, _) in enumerate(sc) if any(c[1] == 0xE2 and c[5:7] == b"\x3a\x01"
                                                         for c in cs))
    cs, rs = sc[i01]
    check(tag + ": 3A01 carries the SM-DP certificate", cs[1][8:8 + len(cert)] == cert or
          cert in cs[1])
    rc = find(rs[1][:-2], 0x85)
    cs, rs = sc[i01 + 1]
    d = cs[1][5:5 + cs[1][4]]
    check(tag + ": 3A02 follows after INSTALL [for personalization]",
          cs[0][:4] == bytes.fromhex("80E62000") and d[:2] == b"\x3a\x02")
    n = d[2]
    a6 = d[3:3 + n]
    rest = d[3 + n:]
    t7f49 = rest[:3 + rest[2]]
    sig = find(rest[len(t7f49):], 0x5F37)
    epk = find(find(t7f49, 0x7F49), 0xB0)
    signed = d[:3 + n] + t7f49 + b"\x00\x85\x10" + rc
    try:
        pk_dp.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                          int.from_bytes(sig[32:], "big")),
                     signed, ec.ECDSA(hashes.SHA256()))
        good = True
    except Exception:  # noqa: BLE001
        good = False
    check(tag + ": 3A02 signature verifies with PK.DP.ECDSA", good)
    shs = sk_ecasd.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(cv, epk))
    rsp = rs[1][:-2]
    dr, receipt = find(rsp, 0x85), find(rsp, 0x86)
    crt = find(a6, 0xA6)
    usage, ktype, klen = find(crt, 0x95), find(crt, 0x80), find(crt, 0x81)
    kd = x963(shs, usage + ktype + klen + dr, 64)
    check(tag + ": the card's receipt = the oracle's (ShS, X9.63 KDF, CMAC)",
          receipt == aes_cmac(kd[:16], a6 + b"\x85\x10" + dr))
    enc, mac = kd[16:32], kd[32:48]

    # SCP03t: 84 exchange, 85, then every 86
    plain, mcv, ctr, s_enc, s_mac, nseg = b"", None, 0, None, None, 0
    for cs, rs in sc[i01 + 2:]:
        for st in store_data_stream(cs):
            for t, v, h in read_tlvs(st):
                if t == 0x84:
                    hc = v[2:10]
                    r84 = find(rs[-1][:-2], 0x84)
                    cc, ccrypt, seq = r84[13:21], r84[21:29], r84[29:32]
                    check(tag + ": pseudo-random card challenge",
                          cc == kdf(enc, 0x02, seq + bytes.fromhex(AID), 8))
                    ctx = hc + cc
                    s_enc, s_mac = kdf(enc, 0x04, ctx, 16), kdf(mac, 0x06, ctx, 16)
                    check(tag + ": card cryptogram", ccrypt == kdf(s_mac, 0x00, ctx, 8))
                elif t == 0x85:
                    m = aes_cmac(s_mac, bytes(16) + st[:h] + v[:-8])
                    check(tag + ": 85 host cryptogram and C-MAC",
                          v[1:9] == kdf(s_mac, 0x01, hc + cc, 8) and v[-8:] == m[:8])
                    mcv = m
                elif t == 0x86:
                    hdr = st[:h]  # one TLV per STORE DATA sequence
                    m = aes_cmac(s_mac, mcv + hdr + v[:-8])
                    if v[-8:] != m[:8]:
                        check(tag + ": 86 C-MAC of segment %d" % (nseg + 1), False)
                    mcv = m
                    ctr += 1
                    iv = aes_ecb(s_enc, ctr.to_bytes(16, "big"))
                    p = aes_cbc_dec(s_enc, iv, v[:-8]).rstrip(b"\x00")
                    plain += p[:-1]
                    nseg += 1
    want = open(os.path.join(repo, "tests/data/saip/profiles", profile), "rb").read()
    check(tag + ": the %d deciphered segments are the profile file (%d bytes)"
          % (nseg, len(want)), plain == want)
    st = card_status(exe, db)
    isdp = [x for x in st["isdps"] if x["aid"] == AID]
    check(tag + ": ISD-P enabled with the profile", isdp and isdp[0]["state"] == "enabled")
    check(tag + ": no notification left", st["notifications"] == [])


def negative(exe, repo, work):
    p, db, _ = run_card(exe, repo, work, "nist", PROFILES[0], ("--corrupt-segment", "3"))
    check("corrupt segment 3: exit status 1 (%d)" % p.returncode, p.returncode == 1)
    js = json.loads(p.stdout)
    last = js["steps"][-1]
    check("corrupt segment 3: the download step fails with 9F46 02",
          last["function"].startswith("ES8 Download") and "9F46 02" in last["detail"] and
          "segment 3" in last["detail"])
    st = card_status(exe, db)
    isdp = [x for x in st["isdps"] if x["aid"] == AID]
    check("corrupt segment 3: the ISD-P stays PERSONALIZED without a profile",
          isdp and isdp[0]["state"] == "personalised" and not isdp[0].get("iccid"))


def main():
    exe, repo, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    for curve in CURVES:
        for prof in PROFILES:
            verify(exe, repo, work, curve, prof)
    negative(exe, repo, work)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
