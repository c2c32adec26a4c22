#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for veuicc's GP-format (7F21) certificates.

Shares no code with src/: its own TLV reader/writer, python3-cryptography for
ECDSA. The layout it implements is the one documented in docs/certificates.md:

  7F21 { 93 serial, 42 CA id, 5F20 subject, 95 key usage, [5F25 date],
         [5F24 date], 73 { [C8 role], C9 AKI }, 7F49 { B0 point, F0 ref },
         5F37 r||s }
  signed data = the TLVs 93 .. 7F49 as they appear; ECDSA with SHA-256.

  cert_oracle.py verify CERT_DIR KEY_DIR
      check every certificate veuicc-pki minted (nist/ and brp/) field by field
      and verify its signature with the issuer's public key from the PEM files.
  cert_oracle.py mint OUT_DIR KEY_DIR
      mint the same chains with python (random k), plus negative samples, for
      the C test to verify (test_cert --pysigned OUT_DIR).
"""
import hashlib
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat, load_pem_private_key)

EID = bytes.fromhex("89049032123451234512345678901235")
CURVES = {"nist": (0x00, "NIST"), "brp": (0x03, "BRP")}
# role -> (key file stem, issuer role, serial, C8 role or None, key usage)
ROLES = {
    "ci": ("SK_CI_ECDSA", "ci", 1, None, b"\x82"),
    "eum": ("SK_EUM_ECDSA", "ci", 2, None, b"\x82"),
    "euicc": ("SK_EUICC_ECDSA", "eum", 3, None, b"\x00\x80"),
    "smdp": ("SK_S_SM_DPauth_ECDSA", "ci", 4, 1, b"\x82"),
    "smsr": ("SK_S_SM_DPpb_ECDSA", "ci", 5, 2, b"\x82"),
}
ORDER = [0x93, 0x42, 0x5F20, 0x95, 0x5F25, 0x5F24, 0x73, 0x7F49]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


# ---- minimal DER TLV (ISO 7816-4 / X.690) ----
def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def enc_tag(t):
    return t.to_bytes(2 if t > 0xFF else 1, "big")


def tlv(tag, value):
    return enc_tag(tag) + enc_len(len(value)) + value


def read_tlvs(buf):
    """List of (tag, value, raw) at one level; strict DER lengths."""
    out, i = [], 0
    while i < len(buf):
        start = i
        tag = buf[i]
        i += 1
        if tag & 0x1F == 0x1F:
            tag = (tag << 8) | buf[i]
            i += 1
        n = buf[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 2:
                raise ValueError("bad length form")
            n = int.from_bytes(buf[i:i + k], "big")
            if n < 0x80 or (k == 2 and n < 0x100):
                raise ValueError("non-minimal length")
            i += k
        if i + n > len(buf):
            raise ValueError("value past the end")
        out.append((tag, buf[i:i + n], buf[start:i + n]))
        i += n
    return out


# ---- keys ----
def load_key(key_dir, stem, curve):
    path = os.path.join(key_dir, "%s_%s.pem" % (stem, CURVES[curve][1]))
    with open(path, "rb") as f:
        return load_pem_private_key(f.read(), None)


def point(key):
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def ski(key):
    return hashlib.sha1(point(key)).digest()


def bcd_date(yyyymmdd):
    return bytes.fromhex("%08d" % yyyymmdd)


# ---- build (python-signed) ----
def build(role, keys, curve, eid=EID, dates=(20250101, 20491231), der_sig=False,
          subject_key=None, ref=None, issuer_key=None, ku=None, body_only=False):
    stem, iss, serial, c8, default_ku = ROLES[role]
    subj = subject_key or keys[role]
    issk = issuer_key or keys[iss]
    body = tlv(0x93, bytes([serial]))
    body += tlv(0x42, ski(issk))
    body += tlv(0x5F20, eid if role == "euicc" else ski(subj))
    body += tlv(0x95, ku or default_ku)
    if dates[0]:
        body += tlv(0x5F25, bcd_date(dates[0]))
    if dates[1]:
        body += tlv(0x5F24, bcd_date(dates[1]))
    dd = (tlv(0xC8, bytes([c8])) if c8 is not None else b"") + tlv(0xC9, ski(issk))
    body += tlv(0x73, dd)
    r = CURVES[curve][0] if ref is None else ref
    body += tlv(0x7F49, tlv(0xB0, point(subj)) + tlv(0xF0, bytes([r])))
    if body_only:
        return body
    der = issk.sign(body, ec.ECDSA(hashes.SHA256()))
    if der_sig:
        sig = der
    else:
        rr, ss = decode_dss_signature(der)
        sig = rr.to_bytes(32, "big") + ss.to_bytes(32, "big")
    return tlv(0x7F21, body + tlv(0x5F37, sig))


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def cmd_mint(out, key_dir):
    for curve in CURVES:
        keys = {r: load_key(key_dir, ROLES[r][0], curve) for r in ROLES}
        d = os.path.join(out, curve)
        os.makedirs(d, exist_ok=True)
        for r in ROLES:
            write(os.path.join(d, r + ".7f21"), build(r, keys, curve))
        # Negative / variant samples:
        other = "brp" if curve == "nist" else "nist"
        okey = load_key(key_dir, ROLES["smdp"][0], other)
        # valid CI signature over an SM-DP certificate whose key is on the other curve
        write(os.path.join(d, "smdp_othercurve.7f21"),
              build("smdp", keys, curve, subject_key=okey, ref=CURVES[other][0]))
        # DER signature in 5F37 (Njiwa's form)
        write(os.path.join(d, "smdp_dersig.7f21"), build("smdp", keys, curve, der_sig=True))
        # no dates at all (both optional)
        write(os.path.join(d, "smdp_nodates.7f21"), build("smdp", keys, curve, dates=(0, 0)))
        # signed by the EUM instead of the CI (another issuer)
        write(os.path.join(d, "smdp_by_eum.7f21"),
              build("smdp", keys, curve, issuer_key=keys["eum"]))
    print("minted python-signed chains in", out)


# ---- verify (veuicc-signed) ----
def check_cert(raw, role, keys, curve):
    stem, iss, serial, c8, ku = ROLES[role]
    top = read_tlvs(raw)
    if len(top) != 1 or top[0][0] != 0x7F21:
        fail("%s: not one 7F21 object" % role)
    items = read_tlvs(top[0][1])
    tags = [t for t, _, _ in items]
    if tags[-1] != 0x5F37:
        fail("%s: signature is not last" % role)
    expect = [t for t in ORDER if t in tags]
    if tags[:-1] != expect or not all(t in tags for t in (0x93, 0x42, 0x5F20, 0x95, 0x73, 0x7F49)):
        fail("%s: tags %s" % (role, [hex(t) for t in tags]))
    v = {t: val for t, val, _ in items}
    subj, issk = keys[role], keys[iss]
    if v[0x93] != bytes([serial]):
        fail("%s: serial" % role)
    if v[0x42] != ski(issk):
        fail("%s: CA id is not the issuer SKI" % role)
    if v[0x5F20] != (EID if role == "euicc" else ski(subj)):
        fail("%s: subject" % role)
    if v[0x95] != ku:
        fail("%s: key usage %s" % (role, v[0x95].hex()))
    dd = {t: val for t, val, _ in read_tlvs(v[0x73])}
    if dd.get(0xC9) != ski(issk) or (c8 is not None and dd.get(0xC8) != bytes([c8])):
        fail("%s: discretionary data %s" % (role, v[0x73].hex()))
    pk = read_tlvs(v[0x7F49])
    if [t for t, _, _ in pk] != [0xB0, 0xF0] or pk[0][1] != point(subj) or \
            pk[1][1] != bytes([CURVES[curve][0]]):
        fail("%s: public key template" % role)
    sig = v[0x5F37]
    if len(sig) != 64:
        fail("%s: signature is not raw r||s" % role)
    signed = b"".join(r for t, _, r in items[:-1])
    if signed != build(role, keys, curve, body_only=True):
        fail("%s (%s): signed data differs from the oracle's own encoding" % (role, curve))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        issk.public_key().verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except Exception:
        fail("%s (%s): signature does not verify with the issuer key" % (role, curve))
    # and a flipped byte of the signed data must not verify
    bad = bytearray(signed)
    bad[2] ^= 1
    try:
        issk.public_key().verify(der, bytes(bad), ec.ECDSA(hashes.SHA256()))
        fail("%s: oracle accepted modified data" % role)
    except Exception:
        pass


def cmd_verify(cert_dir, key_dir):
    n = 0
    for curve in CURVES:
        keys = {r: load_key(key_dir, ROLES[r][0], curve) for r in ROLES}
        for role in ROLES:
            path = os.path.join(cert_dir, curve, role + ".7f21")
            with open(path, "rb") as f:
                raw = f.read()
            check_cert(raw, role, keys, curve)
            hexpath = os.path.join(cert_dir, curve, role + ".hex")
            if os.path.exists(hexpath):
                with open(hexpath) as f:
                    if bytes.fromhex(f.read().strip()) != raw:
                        fail("%s: hex file differs from binary" % hexpath)
            n += 1
    print("oracle: %d veuicc certificates checked and verified" % n)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("verify", "mint"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "verify":
        cmd_verify(sys.argv[2], sys.argv[3])
    else:
        cmd_mint(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
