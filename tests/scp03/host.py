#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent SCP03 off-card (host) entity for the card side in src/scp/scp03.c
(ctest scp03_host).

Written again from GP Card Spec v2.3 Amendment D (S8 mode) on
python3-cryptography (AES, CMAC); shares no code with src/. It first checks
itself against the nine pySim traces in tests/data/scp03/pysim_scp03.txt
(host side: wrapped commands, R-MAC / R-ENC unwrapping, card cryptogram,
pseudo-random challenge), then opens random sessions against scp03_io (the C
card) at every security level (01, 03, 11, 13, 33) with random AES-128/192/256
keys, sends random commands of all four cases, verifies the card's R-MAC and
decrypts its R-ENC itself, and runs the negative catalogue with exact SWs.

usage: host.py SCP03_IO DATA_DIR [SESSIONS]
env:   VEUICC_SCP03_SEED  random seed (default 3)
"""
import os
import random
import subprocess
import sys

try:
    from cryptography.hazmat.primitives import cmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    print("python3-cryptography is not installed: skipped")
    sys.exit(77)

RND = random.Random(0)  # reseeded in main(): reproducible runs
LEVELS = (0x01, 0x03, 0x11, 0x13, 0x33)
C_MAC, C_DEC, R_MAC, R_ENC = 0x01, 0x02, 0x10, 0x20


def aes_cmac(key, data):
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def aes_cbc(key, iv, data, encrypt):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    x = c.encryptor() if encrypt else c.decryptor()
    return x.update(data) + x.finalize()


def kdf(key, const, context, nbytes):
    """Amd D §6.2.1: SP 800-108 counter mode, CMAC, GP field order."""
    out = b""
    i = 1
    while len(out) < nbytes:
        data = bytes(11) + bytes([const]) + b"\x00" + (nbytes * 8).to_bytes(2, "big") \
            + bytes([i]) + context
        out += aes_cmac(key, data)
        i += 1
    return out[:nbytes]


def pad80(b):
    b += b"\x80"
    return b + bytes((-len(b)) % 16)


def unpad80(b):
    s = b.rstrip(b"\x00")
    if not s or s[-1] != 0x80 or len(b) - len(s) + 1 > 16:
        raise ValueError("bad padding")
    return s[:-1]


class Host:
    """Off-card entity of one SCP03 session (Amd D §6.2)."""

    def __init__(self, kvn, enc, mac, dek=b""):
        self.kvn, self.enc, self.mac, self.dek = kvn, enc, mac, dek

    def init_update(self, host_challenge, p1=None):
        self.hc = host_challenge
        return bytes([0x80, 0x50, self.kvn if p1 is None else p1, 0x00, 8]) + host_challenge + b"\x00"

    def parse_iu(self, rsp, aid=None):
        """Check the INITIALIZE UPDATE response; derive the session keys."""
        assert len(rsp) in (29, 32), rsp.hex()
        self.kdd = rsp[:10]
        assert rsp[10] == self.kvn and rsp[11] == 0x03, rsp.hex()
        self.i = rsp[12]
        self.cc = rsp[13:21]
        if self.i & 0x10:
            assert len(rsp) == 32
            self.seq = rsp[29:32]
            if aid is not None:  # Amd D §6.2.2.1 pseudo-random challenge
                assert kdf(self.enc, 0x02, self.seq + aid, 8) == self.cc, "card challenge"
        else:
            assert len(rsp) == 29
        ctx = self.hc + self.cc
        n = len(self.enc)
        self.s_enc = kdf(self.enc, 0x04, ctx, n)
        self.s_mac = kdf(self.mac, 0x06, ctx, n)
        self.s_rmac = kdf(self.mac, 0x07, ctx, n)
        assert kdf(self.s_mac, 0x00, ctx, 8) == rsp[21:29], "card cryptogram"
        self.mcv = bytes(16)
        self.ctr = 0

    def host_cryptogram(self):
        return kdf(self.s_mac, 0x01, self.hc + self.cc, 8)

    def ext_auth(self, level, cryptogram=None, cla=0x84):
        hcr = self.host_cryptogram() if cryptogram is None else cryptogram
        hdr = bytes([cla, 0x82, level, 0x00, 0x10])
        m = aes_cmac(self.s_mac, self.mcv + hdr + hcr)
        self.mcv = m
        self.level = level
        return hdr + hcr + m[:8]

    def wrap(self, apdu, bad_pad=None):
        """Protect a short C-APDU (Amd D §6.2.4-6.2.6); returns the bytes sent."""
        cla, ins, p1, p2 = apdu[:4]
        data, le = b"", b""
        if len(apdu) == 5:
            le = apdu[4:5]
        elif len(apdu) > 5:
            lc = apdu[4]
            data = apdu[5:5 + lc]
            le = apdu[5 + lc:]
        self.ctr += 1
        if self.level & C_DEC and data:
            icv = aes_ecb(self.s_enc, self.ctr.to_bytes(16, "big"))
            padded = pad80(data) if bad_pad is None else bad_pad
            data = aes_cbc(self.s_enc, icv, padded, True)
        mcla = (cla | 0x04) & 0xFC  # SM bit, channel bits cleared for the MAC
        hdr = bytes([mcla, ins, p1, p2, len(data) + 8])
        m = aes_cmac(self.s_mac, self.mcv + hdr + data)
        self.mcv = m
        return bytes([cla | 0x04]) + hdr[1:] + data + m[:8] + le

    def wrap_ext(self, hdr, data, le=None):
        """Protect an extended-length C-APDU (Lc = 00 hi lo, Le 2 bytes)."""
        self.ctr += 1
        if self.level & C_DEC and data:
            icv = aes_ecb(self.s_enc, self.ctr.to_bytes(16, "big"))
            data = aes_cbc(self.s_enc, icv, pad80(data), True)
        cla = hdr[0]
        lc = (len(data) + 8).to_bytes(3, "big")
        mhdr = bytes([(cla | 0x04) & 0xFC]) + hdr[1:4] + lc
        m = aes_cmac(self.s_mac, self.mcv + mhdr + data)
        self.mcv = m
        return bytes([cla | 0x04]) + hdr[1:4] + lc + data + m[:8] + (le or b"")

    def unwrap_rsp(self, rapdu):
        """Verify R-MAC, decrypt R-ENC (Amd D §6.2.7-6.2.8); returns data, sw."""
        sw = rapdu[-2:]
        body = rapdu[:-2]
        if not self.level & R_MAC:
            return body, sw
        if not (sw == b"\x90\x00" or sw[0] in (0x62, 0x63)):
            assert body == b"", "error SW must come bare"
            return body, sw
        assert len(body) >= 8, rapdu.hex()
        data, rm = body[:-8], body[-8:]
        assert aes_cmac(self.s_rmac, self.mcv + data + sw)[:8] == rm, "R-MAC"
        if self.level & R_ENC and data:
            icv = aes_ecb(self.s_enc, b"\x80" + self.ctr.to_bytes(15, "big"))
            data = unpad80(aes_cbc(self.s_enc, icv, data, False))
        return data, sw


def ber_len(n):
    """BER length field (ISO 7816-4 §5.2)."""
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


def split_tlv(b):
    """First BER-TLV of b (one-byte tag or 9F xx): (tag bytes, header, value, rest)."""
    t = 2 if b[0] == 0x9F else 1
    if b[t] < 0x80:
        n, h = b[t], t + 1
    else:
        k = b[t] & 0x7F
        n, h = int.from_bytes(b[t + 1:t + 1 + k], "big"), t + 1 + k
    return b[:t], b[:h], b[h:h + n], b[h + n:]


class HostT(Host):
    """Off-card entity of SCP03t (SGP.02 §4.1.3.3, digest sgp02-euicc.md §4.2):
    the same session with TLVs; the MACed header is tag ‖ length."""

    def tlv_iu(self, host_challenge, key_id=0x01):
        self.hc = host_challenge
        return b"\x84\x0a" + bytes([self.kvn, key_id]) + host_challenge

    def parse_tlv_iu(self, rsp, aid):
        tag, _, v, rest = split_tlv(rsp)
        assert tag == b"\x84" and len(v) == 32, rsp.hex()
        self.parse_iu(v, aid)
        return rest

    def predict(self, seq, aid):
        """The pseudo-random card challenge is known in advance (Amd D
        §6.2.2.1): derive the session for counter seq without the 84 reply."""
        self.cc = kdf(self.enc, 0x02, seq.to_bytes(3, "big") + aid, 8)
        ctx = self.hc + self.cc
        n = len(self.enc)
        self.s_enc = kdf(self.enc, 0x04, ctx, n)
        self.s_mac = kdf(self.mac, 0x06, ctx, n)
        self.s_rmac = kdf(self.mac, 0x07, ctx, n)
        self.mcv, self.ctr = bytes(16), 0

    def tlv_ea(self, level=0x33, cryptogram=None):
        v = bytes([level]) + (self.host_cryptogram() if cryptogram is None else cryptogram)
        hdr = b"\x85" + ber_len(len(v) + 8)
        m = aes_cmac(self.s_mac, bytes(16) + hdr + v)
        self.mcv, self.level = m, level
        return hdr + v + m[:8]

    def tlv_data(self, plain, corrupt=False):
        """86 { C-DEC(plain) ‖ C-MAC }; the counter advances per segment."""
        self.ctr += 1
        icv = aes_ecb(self.s_enc, self.ctr.to_bytes(16, "big"))
        enc = aes_cbc(self.s_enc, icv, pad80(plain), True)
        hdr = b"\x86" + ber_len(len(enc) + 8)
        m = aes_cmac(self.s_mac, self.mcv + hdr + enc)
        self.mcv = m
        mac = bytes([m[0] ^ 0x01]) + m[1:8] if corrupt else m[:8]
        return hdr + enc + mac

    def check_tlv_data(self, rsp):
        """Verify the R-MAC of an 86 response (over MCV ‖ 86 ‖ L ‖ data'),
        decrypt its R-ENC data; returns (plain, rest)."""
        tag, hdr, v, rest = split_tlv(rsp)
        assert tag == b"\x86" and len(v) >= 8, rsp.hex()
        data, rm = v[:-8], v[-8:]
        assert aes_cmac(self.s_rmac, self.mcv + hdr + data)[:8] == rm, "SCP03t R-MAC"
        if data:
            icv = aes_ecb(self.s_enc, b"\x80" + self.ctr.to_bytes(15, "big"))
            data = unpad80(aes_cbc(self.s_enc, icv, data, False))
        return data, rest


class Card:
    """scp03_io over a pipe."""

    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().split()
        if not r or r[0] == "ERR":
            raise RuntimeError(f"{line!r} -> {r}")
        return r

    def keyset(self, kvn, enc, mac, dek, seq):
        self.cmd(f"K {kvn:02x} {len(enc):02x} {enc.hex()} {mac.hex()} {dek.hex()} {seq:06x}")

    def new(self, aid, kdd=bytes(10), random_mode=False):
        self.cmd(f"C {'R' if random_mode else 'P'} {aid.hex()} {kdd.hex()}")

    @staticmethod
    def _b(t):
        return b"" if t == "-" else bytes.fromhex(t)

    def iu(self, apdu):
        r = self.cmd("I " + apdu.hex())
        return int(r[0], 16), self._b(r[1])

    def ea(self, apdu):
        return int(self.cmd("E " + apdu.hex())[0], 16)

    def unwrap(self, apdu):
        r = self.cmd("U " + apdu.hex())
        return int(r[0], 16), self._b(r[1])

    def wrap(self, rapdu):
        return self._b(self.cmd("W " + rapdu.hex())[0])

    def query(self, kvn):
        r = self.cmd(f"Q {kvn:02x}")
        return int(r[0], 16), int(r[1]), int(r[2], 16)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ---- self-check on the pySim traces ------------------------------------------

def load_vectors(path):
    common, sets, cur = {}, [], None
    for line in open(path):
        t = line.split()
        if not t or t[0].startswith("#"):
            continue
        if t[0] == "set":
            cur = {"name": t[1]}
        elif t[0] == "end":
            sets.append(cur)
            cur = None
        elif t[0] == "derived":
            continue
        elif cur is None:
            common[t[0]] = bytes.fromhex(t[1])
        else:
            cur[t[0]] = bytes.fromhex(t[1])
    return common, sets


def self_check(common, sets):
    for v in sets:
        h = Host(v["init_upd_cmd"][2], v["enc"], v["mac"])
        assert h.init_update(v["init_upd_cmd"][5:13]) == v["init_upd_cmd"]
        h.parse_iu(v["init_upd_rsp"], common["aid"])
        assert h.ext_auth(v["ext_auth_cmd"][2]) == v["ext_auth_cmd"], v["name"]
        assert h.wrap(common["get_eid_plain"]) == v["get_eid_cmd"], v["name"]
        data, sw = h.unwrap_rsp(v["get_eid_rsp"] + b"\x90\x00")
        assert data == common["get_eid_rsp_plain"] and sw == b"\x90\x00", v["name"]
        for i in range(1, 5):
            assert h.wrap(common[f"case{i}_plain"]) == v[f"case{i}"], (v["name"], i)
    print(f"host self-check: {len(sets)} pySim traces reproduced")


# ---- random sessions ---------------------------------------------------------

def random_apdu(rng, level):
    """A plain GP-class short C-APDU of a random case, on channel 0..3."""
    cla = 0x80 | rng.randrange(4)
    ins = rng.choice([0xCA, 0xE2, 0xF2, 0xD8, 0xE6, 0xE8])
    hdr = bytes([cla, ins, rng.randrange(256), rng.randrange(256)])
    case = rng.randrange(1, 5)
    maxd = 239 if level & C_DEC else 247  # wrapped Lc must fit in one byte
    data = RND.randbytes(rng.randrange(1, maxd + 1)) if case in (3, 4) else b""
    le = bytes([rng.randrange(256)]) if case in (2, 4) else b""
    return hdr + (bytes([len(data)]) + data if data else b"") + le


def open_session(card, rng, level, random_mode=False):
    kl = rng.choice([16, 24, 32])
    kvn = rng.randrange(0x30, 0x40)
    enc, mac, dek = RND.randbytes(kl), RND.randbytes(kl), RND.randbytes(kl)
    seq = rng.randrange(0, 0xFFFF00)
    aid = RND.randbytes(rng.randrange(5, 17))
    kdd = RND.randbytes(10)
    card.keyset(kvn, enc, mac, dek, seq)
    card.new(aid, kdd, random_mode)
    h = Host(kvn, enc, mac, dek)
    sw, rsp = card.iu(h.init_update(RND.randbytes(8)))
    assert sw == 0x9000, hex(sw)
    assert rsp[:10] == kdd
    assert rsp[12] == (0x60 if random_mode else 0x70), rsp.hex()
    h.parse_iu(rsp, None if random_mode else aid)
    if not random_mode:
        assert int.from_bytes(h.seq, "big") == seq + 1
        assert card.query(kvn)[0] == seq + 1
    assert card.ea(h.ext_auth(level)) == 0x9000
    assert card.query(kvn)[1:] == (2, level)
    return h


def exchange(card, h, rng, apdu):
    sw, plain = card.unwrap(h.wrap(apdu))
    assert sw == 0x9000, hex(sw)
    assert plain == apdu, (apdu.hex(), plain.hex())
    # the "application" answers; the host checks what the card protects
    if rng.random() < 0.15:
        rsw = rng.choice([b"\x6a\x88", b"\x69\x85", b"\x6a\x80"])
        rdata = b""
    else:
        rsw = rng.choice([b"\x90\x00", b"\x90\x00", b"\x62\x83", b"\x63\x10"])
        rdata = RND.randbytes(rng.randrange(0, 200))
    prot = card.wrap(rdata + rsw)
    if h.level & R_MAC and rsw not in (b"\x6a\x88", b"\x69\x85", b"\x6a\x80"):
        exp = len(rdata) + 10 if not (h.level & R_ENC and rdata) else \
            len(pad80(rdata)) + 10
        assert len(prot) == exp, (len(prot), exp)
    data, sw2 = h.unwrap_rsp(prot)
    assert sw2 == rsw and data == rdata, (h.level, prot.hex())


def sessions(card, rng, n):
    count = {lv: 0 for lv in LEVELS}
    cmds = 0
    for k in range(n):
        level = LEVELS[k % len(LEVELS)]
        h = open_session(card, rng, level, random_mode=(k % 7 == 3))
        for _ in range(rng.randrange(3, 12)):
            exchange(card, h, rng, random_apdu(rng, level))
            cmds += 1
        count[level] += 1
        card.cmd("R")
    print("random sessions per level:", {f"{lv:02x}": c for lv, c in count.items()},
          f"({cmds} commands)")


# ---- negative catalogue --------------------------------------------------------

def expect(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: got {got:04x}, want {want:04x}")
    print(f"  {what}: {want:04x}")


def negatives(card, rng):
    print("negative catalogue:")
    # wrong host cryptogram, correct C-MAC over it -> 6300, no session
    kl = 16
    enc, mac = RND.randbytes(kl), RND.randbytes(kl)
    card.keyset(0x30, enc, mac, RND.randbytes(kl), 0)
    card.new(bytes.fromhex("A0000005591010FFFFFFFF8900000100"))
    h = Host(0x30, enc, mac)
    sw, rsp = card.iu(h.init_update(RND.randbytes(8)))
    h.parse_iu(rsp)
    bad = bytes(b ^ 0xFF for b in h.host_cryptogram())
    expect("wrong host cryptogram", card.ea(h.ext_auth(0x33, cryptogram=bad)), 0x6300)
    assert card.query(0x30)[1] == 0
    # wrong C-MAC on EXTERNAL AUTHENTICATE -> 6982
    sw, rsp = card.iu(h.init_update(RND.randbytes(8)))
    h.parse_iu(rsp)
    c = bytearray(h.ext_auth(0x33))
    c[-1] ^= 1
    expect("wrong EXTERNAL AUTHENTICATE C-MAC", card.ea(bytes(c)), 0x6982)
    # unknown KVN -> 6A88
    sw, _ = card.iu(Host(0x7F, enc, mac).init_update(RND.randbytes(8)))
    expect("unknown KVN 7F", sw, 0x6A88)
    # wrong C-MAC on a command -> 6982, session closed
    for level in LEVELS:
        h = open_session(card, rng, level)
        c = bytearray(h.wrap(random_apdu(rng, level)))
        c[5 + c[4] - 1] ^= 0x40
        sw, _ = card.unwrap(bytes(c))
        expect(f"wrong C-MAC at level {level:02x}", sw, 0x6982)
        assert card.query(h.kvn)[1] == 0, "session must be closed"
        sw, _ = card.unwrap(h.wrap(random_apdu(rng, level)))
        expect(f"  next good command after it", sw, 0x6982)
    # command without SM in an open session -> 6982, closed
    for level in LEVELS:
        h = open_session(card, rng, level)
        sw, _ = card.unwrap(random_apdu(rng, level))
        expect(f"plain command at level {level:02x}", sw, 0x6982)
        assert card.query(h.kvn)[1] == 0
    # replayed EXTERNAL AUTHENTICATE: in the open session, and on a new one
    h = open_session(card, rng, 0x33)
    # rebuild the EA that opened it: MCV 0
    h.mcv = bytes(16)
    ea = h.ext_auth(0x33)
    expect("replayed EXTERNAL AUTHENTICATE in session", card.ea(ea), 0x6985)
    sw, rsp = card.iu(h.init_update(RND.randbytes(8)))
    assert sw == 0x9000
    expect("old EXTERNAL AUTHENTICATE on a new session", card.ea(ea), 0x6982)
    # bad padding (valid MAC over the ciphertext) -> 6982
    cases = {
        "no 80": bytes([0x11] * 16),
        "all-zero block": bytes(16),
        "80 then non-zero": bytes([0x4F, 0x00, 0x80]) + bytes(12) + b"\x01",
        "padding longer than a block": bytes([0x4F]) + bytes(13) + b"\x80" + bytes(17),
    }
    for name, pt in cases.items():
        for level in (0x03, 0x13, 0x33):
            h = open_session(card, rng, level)
            sw, _ = card.unwrap(h.wrap(bytes([0x80, 0xF2, 0x20, 0x02, 2, 0x4F, 0]),
                                       bad_pad=pt))
            expect(f"bad padding ({name}) at {level:02x}", sw, 0x6982)
            assert card.query(h.kvn)[1] == 0
    # truncated wrapped commands at every length
    h = open_session(card, rng, 0x33)
    full = h.wrap(bytes([0x80, 0xCA, 0x00, 0x66, 3, 1, 2, 3, 0x00]))
    for n in range(len(full)):
        h = open_session(card, rng, 0x33)
        wrapped = h.wrap(bytes([0x80, 0xCA, 0x00, 0x66, 3, 1, 2, 3, 0x00]))
        sw, plain = card.unwrap(wrapped[:n])
        want = 0x9000 if n == len(wrapped) - 1 else 0x6982 if n in (4, 5) else 0x6700
        if sw != want:
            raise AssertionError(f"truncated to {n}: {sw:04x} != {want:04x}")
    print(f"  truncated 33-level command at every length 0..{len(full) - 1}: ok")
    # extended length (ISO 7816-3 §12.1.3): Lc' and Le keep the extended form
    for level in LEVELS:
        h = open_session(card, rng, level)
        data = RND.randbytes(rng.randrange(250, 1000))
        hdr = bytes([0x80, 0xE2, 0x91, 0x00])
        sw, plain = card.unwrap(h.wrap_ext(hdr, data, b"\x00\x00"))
        assert sw == 0x9000, hex(sw)
        assert plain == hdr + b"\x00" + len(data).to_bytes(2, "big") + data + b"\x00\x00"
        rdata = RND.randbytes(700)
        got, rsw = h.unwrap_rsp(card.wrap(rdata + b"\x90\x00"))
        assert got == rdata and rsw == b"\x90\x00"
    print("  extended-length commands and long responses at every level: ok")
    # error SW: bare SW, no R-MAC
    h = open_session(card, rng, 0x33)
    sw, _ = card.unwrap(h.wrap(bytes([0x80, 0xCA, 0x00, 0x66, 0x00])))
    assert sw == 0x9000
    assert card.wrap(bytes.fromhex("6a88")) == bytes.fromhex("6a88")
    print("  error SW returned bare: ok")
    # sequence counter exhausted -> 6985
    card.keyset(0x31, enc, mac, enc, 0xFFFFFF)
    card.new(b"\xA0\x00\x00\x05\x59")
    sw, _ = card.iu(Host(0x31, enc, mac).init_update(RND.randbytes(8)))
    expect("sequence counter exhausted", sw, 0x6985)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, data = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    seed = int(os.environ.get("VEUICC_SCP03_SEED", "3"))
    rng = random.Random(seed)
    RND.seed(seed + 1)
    common, sets = load_vectors(os.path.join(data, "pysim_scp03.txt"))
    self_check(common, sets)
    card = Card(exe)
    try:
        sessions(card, rng, n)
        negatives(card, rng)
    finally:
        card.close()
    print("scp03 host: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
