#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent off-card SM-DP for ES8.EstablishISDPKeySet (ctest keyest_oracle).

Written from the SGP.02 digest (§4.1, §9, §10) on python3-cryptography; it
shares no code with src/. Against the card driver keyest_io (stdin/stdout) it
plays SM-SR and SM-DP:

  CreateISDP, INSTALL [for personalization], STORE DATA 3A01 (CERT.DP.ECDSA,
  the committed veuicc-pki certificate), STORE DATA 3A02 (A6 CRT, its own
  ephemeral key, signature with SK.DP.ECDSA over 3A02 || 7F49 || 0085 L RC)

then computes ShS (ECDH with PK.ECASD.ECKA read from the card's certificate),
SharedInfo, the X9.63 KDF, the key split and the receipt itself and checks the
card's receipt; reads the key set the card stored for the ISD-P; opens an
SCP03 session with its own derived keys (checks the pseudo-random card
challenge and card cryptogram, sends its host cryptogram and C-MAC); checks
the ISD-P is PERSONALIZED; reopens the card file and checks the keys are
still there; replays the 3A02 (6985). Both curves (NIST P-256 on the default
card, brainpoolP256r1 after personalising the ECASD with the SGP.26 BRP key),
two CRT styles (three keys 10/KVN 30 as WHTY, one key 5C/KVN 03 with DR,
HostID, SIN and SDIN as Njiwa), and the two compatibility options
(ephemeral-key signature, Njiwa's padded receipt).

usage: smdp_oracle.py KEYEST_IO DATA_DIR WORK_DIR
       smdp_oracle.py seeds DATA_DIR OUT_DIR   (writes the fuzz_keyest seeds)
"""
import hashlib
import os
import subprocess
import sys

try:
    from cryptography.hazmat.primitives import cmac, hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.hazmat.primitives.ciphers import algorithms
except ImportError:
    print("python3-cryptography is not installed: the oracle cannot run")
    sys.exit(1)

PFX = "A0000005591010FFFFFFFF89"
ISDR = PFX + "00000100"
ECASD = PFX + "00000200"
ELF = PFX + "00000D00"
EM = PFX + "00000E00"
CURVES = {"nist": (0x00, ec.SECP256R1(), "NIST"), "brp": (0x03, ec.BrainpoolP256R1(), "BRP")}
FAILS = []


def check(what, ok):
    if not ok:
        FAILS.append(what)
        print("FAIL", what)


# ---- encodings ---------------------------------------------------------------

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag, value):
    t = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    return t + enc_len(len(value)) + value


def dgi(tag, value):
    """GP DGI: 2-byte tag, length 00-FE or FF xx xx."""
    n = len(value)
    ln = bytes([n]) if n < 0xFF else b"\xff" + n.to_bytes(2, "big")
    return tag.to_bytes(2, "big") + ln + value


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
        out.append((t, buf[p:p + n]))
        p += n
    return out


def find(buf, tag):
    for t, v in read_tlvs(buf):
        if t == tag:
            return v
    return None


# ---- crypto (the SM-DP's own) --------------------------------------------------

def x963(z, shared_info, n):
    """ANSI X9.63 / BSI TR-03111 §4.3.3 KDF with SHA-256."""
    out, ctr = b"", 1
    while len(out) < n:
        out += hashlib.sha256(z + ctr.to_bytes(4, "big") + shared_info).digest()
        ctr += 1
    return out[:n]


def aes_cmac(key, data):
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def pad80(b):
    b += b"\x80"
    while len(b) % 16:
        b += b"\x00"
    return b


def sign_raw(sk, data):
    r, s = decode_dss_signature(sk.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def point(pk):
    return pk.public_bytes(serialization.Encoding.X962,
                           serialization.PublicFormat.UncompressedPoint)


def scp03_kdf(key, const, context, nbytes):
    """GP Amd D §6.2.1 (SP 800-108 counter mode, AES-CMAC, GP field order)."""
    out, i = b"", 1
    while len(out) < nbytes:
        out += aes_cmac(key, bytes(11) + bytes([const]) + b"\x00" +
                        (nbytes * 8).to_bytes(2, "big") + bytes([i]) + context)
        i += 1
    return out[:nbytes]


# ---- the card ---------------------------------------------------------------------

class Card:
    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().strip()
        if r.startswith("ERR"):
            raise RuntimeError("%s -> %s" % (line[:40], r))
        return r

    def apdu(self, hexstr):
        r = bytes.fromhex(self.cmd("A " + hexstr.replace(" ", "")))
        return r[:-2], int.from_bytes(r[-2:], "big")

    def ok(self, what, hexstr):
        data, sw = self.apdu(hexstr)
        check("%s: SW %04X" % (what, sw), sw == 0x9000)
        return data

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def apdu(cla_ins_p1p2, data):
    """Case 4 with Le 00 (T=1 returns the data at once)."""
    return cla_ins_p1p2 + "%02X" % len(data) + data.hex() + "00"


def load_key(data_dir, name):
    with open(os.path.join(data_dir, "cert", "keys", name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def read_file(data_dir, rel):
    with open(os.path.join(data_dir, rel), "rb") as f:
        return f.read()


class SmDp:
    """One EstablishISDPKeySet run, computed off-card."""

    def __init__(self, data_dir, curve):
        self.ref, self.cv, self.stem = CURVES[curve]
        self.sk_dp = load_key(data_dir, "SK_S_SM_DPauth_ECDSA_%s.pem" % self.stem)
        self.cert_dp = read_file(data_dir, "cert/minted/%s/smdp.7f21" % curve)

    def crt(self, style, sdin):
        if style == "whty":  # three keys, KVN 30, scenario 09, no DR
            self.usage, self.kvn, self.sp, self.host_id = 0x10, 0x30, 0x09, None
            body = bytes.fromhex("9002 0309 950110 800188 810110 820101 830130 9100")
        else:  # Njiwa: one key, KVN 03, DR + HostID/SIN/SDIN + cert
            self.usage, self.kvn, self.sp = 0x5C, 0x03, 0x0E
            self.host_id = os.urandom(16)
            body = (bytes.fromhex("9002030E 95015C 800188 810110 820101 830103 9100") +
                    tlv(0x45, sdin) + tlv(0x84, self.host_id))
        self.a6 = tlv(0xA6, body)
        return self.a6

    def params(self, rc, pk_ecasd, ephemeral_sig=False, garble_sig=False):
        self.esk = ec.generate_private_key(self.cv)
        epk = tlv(0xB0, point(self.esk.public_key())) + bytes([0xF0, 0x01, self.ref])
        head = dgi(0x3A02, self.a6) + tlv(0x7F49, epk)
        signed = head + b"\x00\x85" + bytes([len(rc)]) + rc
        sig = sign_raw(self.esk if ephemeral_sig else self.sk_dp, signed)
        if garble_sig:
            sig = bytes([sig[0] ^ 1]) + sig[1:]
        self.shs = self.esk.exchange(ec.ECDH(), pk_ecasd)
        return head + tlv(0x5F37, sig)

    def expect(self, dr, sin, sdin, pad=False):
        si = bytes([self.usage, 0x88, 0x10])
        if self.sp & 0x02:
            si += dr
        if self.sp & 0x04:
            si += bytes([len(self.host_id)]) + self.host_id + bytes([len(sin)]) + sin + \
                bytes([len(sdin)]) + sdin
        nkeys = 3 if self.usage == 0x10 else 1
        kd = x963(self.shs, si, 16 * (1 + nkeys))
        self.receipt_key = kd[:16]
        keys = [kd[16 * (1 + i):16 * (2 + i)] for i in range(nkeys)]
        self.enc, self.mac, self.dek = (keys * 3)[:3] if nkeys == 1 else keys
        m = self.a6 + (tlv(0x85, dr) if self.sp & 0x02 else b"")
        return aes_cmac(self.receipt_key, pad80(m) if pad else m)


def ecasd_info(card):
    card.ok("SELECT ECASD", "00A4040C 10" + ECASD)
    cert = card.ok("GET DATA 7F21", "80CA7F2100")
    sin = find(card.ok("GET DATA 42", "80CA004200"), 0x42)
    sdin = find(card.ok("GET DATA 45", "80CA004500"), 0x45)
    body = find(cert, 0x7F21)
    pub = find(find(body, 0x7F49), 0xB0)
    return pub, sin, sdin


def create_isdp(card, aid):
    card.ok("SELECT ISD-R", "00A4040C 10" + ISDR)
    data = ("10" + ELF + "10" + EM + "10" + aid + "0380C000" + "06C90481028100" + "00")
    card.ok("CreateISDP", apdu("80E60C00", bytes.fromhex(data)))


def lcs(card, aid):
    card.ok("SELECT ISD-R", "00A4040C 10" + ISDR)
    d = card.ok("GET STATUS", apdu("80F24002", bytes.fromhex("4F10" + aid + "5C034F9F70")))
    return find(find(d, 0xE3), 0x9F70)


def scp03_open(card, aid, dp, tag):
    """INITIALIZE UPDATE / EXTERNAL AUTHENTICATE with the oracle's keys."""
    hc = os.urandom(8)
    r = card.cmd("U %s 8050%02X0008%s00" % (aid, dp.kvn, hc.hex())).split()
    check(tag + ": INITIALIZE UPDATE SW " + r[0], r[0] == "9000")
    rsp = bytes.fromhex(r[1])
    kvn, scp, i = rsp[10], rsp[11], rsp[12]
    cc, ccrypt, seq = rsp[13:21], rsp[21:29], rsp[29:32]
    check(tag + ": IU KVN/SCP/i", (kvn, scp, i) == (dp.kvn, 0x03, 0x70))
    check(tag + ": sequence counter 1 after a fresh key set", seq == b"\x00\x00\x01")
    check(tag + ": pseudo-random card challenge",
          cc == scp03_kdf(dp.enc, 0x02, seq + bytes.fromhex(aid), 8))
    ctx = hc + cc
    s_mac = scp03_kdf(dp.mac, 0x06, ctx, 16)
    check(tag + ": card cryptogram", ccrypt == scp03_kdf(s_mac, 0x00, ctx, 8))
    hcrypt = scp03_kdf(s_mac, 0x01, ctx, 8)
    hdr = bytes.fromhex("8482330010")
    mac = aes_cmac(s_mac, bytes(16) + hdr + hcrypt)[:8]
    sw = card.cmd("E " + (hdr + hcrypt + mac).hex())
    check(tag + ": EXTERNAL AUTHENTICATE SW " + sw, sw == "9000")


def establish(card, data_dir, curve, style, aid, opts=0, tag=""):
    """One whole EstablishISDPKeySet; returns the SmDp and the 3A02 APDU."""
    pub, sin, sdin = ecasd_info(card)
    dp = SmDp(data_dir, curve)
    pk_ecasd = ec.EllipticCurvePublicKey.from_encoded_point(dp.cv, pub)
    create_isdp(card, aid)
    check(tag + ": new ISD-P SELECTABLE", lcs(card, aid) == b"\x07")
    card.ok("INSTALL perso", apdu("80E62000", bytes.fromhex("0000 10" + aid + "000000")))
    rsp = card.ok("3A01", apdu("80E20900", dgi(0x3A01, dp.cert_dp)))
    rc = find(rsp, 0x85)
    check(tag + ": 3A01 answers 85 10 RC", rsp[:2] == b"\x85\x10" and len(rsp) == 18)
    dp.crt(style, sdin)
    data = dp.params(rc, pk_ecasd, ephemeral_sig=bool(opts & 1))
    a3a02 = apdu("80E28901", data)
    rsp = card.ok("3A02", a3a02)
    dr = find(rsp, 0x85) if dp.sp & 0x02 else b""
    check(tag + ": DR present exactly when asked",
          (dr is not None and len(dr) == 16) if dp.sp & 0x02 else find(rsp, 0x85) is None)
    receipt = dp.expect(dr, sin, sdin, pad=bool(opts & 2))
    check(tag + ": receipt", find(rsp, 0x86) == receipt)
    check(tag + ": ISD-P PERSONALIZED", lcs(card, aid) == b"\x0f")
    ks = card.cmd("K " + aid).split()
    check(tag + ": stored key set = the oracle's keys",
          ks[:5] == ["%02x" % dp.kvn, "10", dp.enc.hex(), dp.mac.hex(), dp.dek.hex()])
    check(tag + ": sequence counter reset", ks[5:] == ["000000"])
    return dp, a3a02


def run(exe, data_dir, work):
    n = 0
    for curve in ("nist", "brp"):
        for style in ("whty", "njiwa"):
            for opts in (0, 1, 2):
                tag = "%s/%s/opts %d" % (curve, style, opts)
                path = os.path.join(work, "card-%s-%s-%d.db" % (curve, style, opts))
                if os.path.exists(path):
                    os.remove(path)
                card = Card(exe)
                card.cmd("N " + path)
                if curve == "brp":
                    euicc = load_key(data_dir, "SK_EUICC_ECDSA_BRP.pem")
                    sk = euicc.private_numbers().private_value.to_bytes(32, "big")
                    cert = read_file(data_dir, "cert/minted/brp/euicc.7f21")
                    cis = []
                    for st, ref in (("NIST", "00"), ("BRP", "03")):
                        ci = load_key(data_dir, "SK_CI_ECDSA_%s.pem" % st)
                        cis.append(ref + point(ci.public_key()).hex())
                    card.cmd("I 03 %s %s %s" % (sk.hex(), cert.hex(), " ".join(cis)))
                if opts:
                    card.cmd("O %x" % opts)
                aid = PFX + "00001000"
                dp, a3a02 = establish(card, data_dir, curve, style, aid, opts, tag)
                if opts == 0:
                    # the card file keeps the key set; a replayed 3A02 finds no challenge
                    card.cmd("R")
                    ks = card.cmd("K " + aid).split()
                    check(tag + ": key set after reopening",
                          ks[2:5] == [dp.enc.hex(), dp.mac.hex(), dp.dek.hex()])
                    card.ok("SELECT ISD-R", "00A4040C 10" + ISDR)
                    card.ok("INSTALL perso", apdu("80E62000",
                                                  bytes.fromhex("0000 10" + aid + "000000")))
                    _, sw = card.apdu(a3a02)
                    check(tag + ": replayed 3A02 -> 6985 (%04X)" % sw, sw == 0x6985)
                    check(tag + ": replay leaves the keys",
                          card.cmd("K " + aid).split()[2:5] ==
                          [dp.enc.hex(), dp.mac.hex(), dp.dek.hex()])
                if opts == 1:
                    # the spec form is refused while the option expects eSK signing
                    aid2 = PFX + "00001100"
                    create_isdp(card, aid2)
                    card.ok("INSTALL perso", apdu("80E62000",
                                                  bytes.fromhex("0000 10" + aid2 + "000000")))
                    pub, sin, sdin = ecasd_info(card)
                    card.ok("SELECT ISD-R", "00A4040C 10" + ISDR)
                    card.ok("INSTALL perso", apdu("80E62000",
                                                  bytes.fromhex("0000 10" + aid2 + "000000")))
                    rc = find(card.ok("3A01", apdu("80E20900", dgi(0x3A01, dp.cert_dp))), 0x85)
                    d2 = SmDp(data_dir, curve)
                    d2.crt(style, sdin)
                    pk = ec.EllipticCurvePublicKey.from_encoded_point(d2.cv, pub)
                    _, sw = card.apdu(apdu("80E28901", d2.params(rc, pk)))
                    check(tag + ": SK.DP signature with the eSK option -> 6982 (%04X)" % sw,
                          sw == 0x6982)
                    check(tag + ": no key set after 6982", card.cmd("K " + aid2) == "NONE")
                scp03_open(card, aid, dp, tag)
                card.close()
                n += 1
    return n


def seeds(data_dir, out):
    """Seed corpus of fuzz/fuzz_keyest.c: mode byte (0 3A01, 1 3A02 NIST,
    2 3A02 brainpool) followed by a STORE DATA data field."""
    os.makedirs(out, exist_ok=True)
    sdin = bytes.fromhex("89049032123451234512345678901235")
    for curve, mode in (("nist", 1), ("brp", 2)):
        dp = SmDp(data_dir, curve)
        with open(os.path.join(out, "3a01_%s" % curve), "wb") as f:
            f.write(b"\x00" + dgi(0x3A01, dp.cert_dp))
        peer = ec.generate_private_key(dp.cv).public_key()
        for style in ("whty", "njiwa"):
            dp.crt(style, sdin)
            data = dp.params(os.urandom(16), peer)
            with open(os.path.join(out, "3a02_%s_%s" % (curve, style)), "wb") as f:
                f.write(bytes([mode]) + data)
        # WHTY's raw X||Y form of 7F49
        dp.crt("whty", sdin)
        xy = point(ec.generate_private_key(dp.cv).public_key())[1:]
        head = dgi(0x3A02, dp.a6) + tlv(0x7F49, xy)
        with open(os.path.join(out, "3a02_%s_rawxy" % curve), "wb") as f:
            f.write(bytes([mode]) + head + tlv(0x5F37, bytes(64)))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "seeds":
        seeds(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    n = run(*sys.argv[1:])
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("keyest oracle: %d key establishments checked (both curves, both CRT styles, "
          "options), receipts, keys, SCP03 sessions, persistence, replay" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
