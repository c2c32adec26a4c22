#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for src/scp/scp80 (ctest scp80_oracle).

ETSI TS 102 225 §5 secured packets in the 3GPP TS 31.115 SMS dialect,
written again here on python3-cryptography (AES, 3DES, DES, AES-CMAC) and
zlib (CRC32): command packets, CC / RC, counters and response packets (PoR).
The oracle first checks itself against every record of
tests/data/scp80/packets.txt, then runs random key sets and SPI options both
ways through scp80_oracle_io (the C code):
  python builds a command  -> C unwraps it and builds the PoR -> python checks
  C builds a command       -> python unwraps it
  python builds a PoR      -> C (host side) checks it
plus random single-byte corruptions (status 01, counter unchanged).

usage: oracle.py SCP80_ORACLE_IO DATA_DIR [CASES]
env:   VEUICC_ORACLE_SEED  random seed (default 80)
"""
import os
import random
import subprocess
import sys
import warnings
import zlib

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.cmac import CMAC
except ImportError:
    print("python3-cryptography is not installed: skipped")
    sys.exit(77)
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    TripleDES = algorithms.TripleDES
warnings.filterwarnings("ignore")

DES, AES, DES3_2, DES3_3 = 0x1, 0x2, 0x5, 0x9
NAMES = {"des": DES, "aes": AES, "3des2": DES3_2, "3des3": DES3_3}


def block(alg):
    return 16 if alg == AES else 8


def _cipher(alg, key):
    if alg == AES:
        return Cipher(algorithms.AES(key), modes.CBC(bytes(16)))
    if alg == DES:  # single DES = 3DES with K1 = K2 = K3
        key = key * 3
    return Cipher(TripleDES(key), modes.CBC(bytes(8)))


def enc(alg, key, data):
    e = _cipher(alg, key).encryptor()
    return e.update(data) + e.finalize()


def dec(alg, key, data):
    d = _cipher(alg, key).decryptor()
    return d.update(data) + d.finalize()


def cc(alg, key, msg, n=8):
    """TS 102 225 §5.1.3.1: AES-CMAC, or CBC-MAC (IV 0, zero padding to 8)."""
    if alg == AES:
        c = CMAC(algorithms.AES(key))
        c.update(msg)
        return c.finalize()[:n]
    msg = msg + bytes(-len(msg) % 8)
    return enc(alg, key, msg)[-8:][:n]


def crc32(msg):
    return zlib.crc32(msg).to_bytes(4, "big")


class Keys:
    def __init__(self, kic_alg, kic, kid_alg, kid, kvn, cc_len=8):
        self.kic_alg, self.kic, self.kid_alg, self.kid = kic_alg, kic, kid_alg, kid
        self.kvn, self.cc_len = kvn, cc_len

    def io(self):
        return "%x %s %x %s %x %d" % (self.kic_alg, self.kic.hex(), self.kid_alg,
                                      self.kid.hex(), self.kvn, self.cc_len)


def chk_len(spi1, ks):
    return {0: 0, 1: 4, 2: ks.cc_len}[spi1 & 3]


def build_cmd(ks, spi, kic, kid, tar, cntr, data):
    """TS 31.115 §4.2 command packet from CPL on."""
    spi1 = spi[0]
    n = chk_len(spi1, ks)
    ciph = bool(spi1 & 4)
    pad = (-(6 + n + len(data)) % block(ks.kic_alg)) if ciph else 0
    cpl = 1 + 2 + 1 + 1 + 3 + 6 + n + len(data) + pad
    hdr = cpl.to_bytes(2, "big") + bytes([13 + n]) + spi + bytes([kic, kid]) + tar
    cp = cntr + bytes([pad])
    body = data + bytes(pad)
    if spi1 & 3 == 2:
        chk = cc(ks.kid_alg, ks.kid, hdr + cp + body, n)
    elif spi1 & 3 == 1:
        chk = crc32(hdr + cp + body)
    else:
        chk = b""
    sec = cp + chk + body
    if ciph:
        sec = enc(ks.kic_alg, ks.kic, sec)
    return hdr + sec


def open_cmd(ks, pkt):
    """Host-independent decoder: returns (spi, tar, cntr, data) or raises."""
    cpl = int.from_bytes(pkt[:2], "big")
    assert cpl == len(pkt) - 2
    chl, spi, tar = pkt[2], pkt[3:5], pkt[7:10]
    n = chl - 13
    sec = pkt[10:]
    if spi[0] & 4:
        sec = dec(ks.kic_alg, ks.kic, sec)
    cntr, pcntr, chk, body = sec[:5], sec[5], sec[6:6 + n], sec[6 + n:]
    msg = pkt[:10] + sec[:6] + body
    if spi[0] & 3 == 2:
        assert chk == cc(ks.kid_alg, ks.kid, msg, n), "CC"
    elif spi[0] & 3 == 1:
        assert chk == crc32(msg), "RC"
    return spi, tar, cntr, body[:len(body) - pcntr]


def build_por(ks, spi, tar, cntr, status, data, secured=True):
    """TS 31.115 §4.2 response packet TP-UD, 00 padding; the CC covers the UDH."""
    spi2 = spi[1]
    kind = (spi2 >> 2) & 3 if secured else 0
    ciph = secured and bool(spi2 & 0x10)
    n = {0: 0, 1: 4, 2: ks.cc_len}[kind]
    pad = (-(7 + n + len(data)) % block(ks.kic_alg)) if ciph else 0
    rpl = 1 + 3 + 7 + n + len(data) + pad
    udh = bytes([0x02, 0x71, 0x00])
    head = udh + rpl.to_bytes(2, "big") + bytes([10 + n]) + tar
    cps = cntr + bytes([pad, status])
    body = data + bytes(pad)
    if kind == 2:
        chk = cc(ks.kid_alg, ks.kid, head + cps + body, n)
    elif kind == 1:
        chk = crc32(head + cps + body)
    else:
        chk = b""
    sec = cps + chk + body
    if ciph:
        sec = enc(ks.kic_alg, ks.kic, sec)
    return head + sec


def unhex(s):
    return b"" if s == "-" else bytes.fromhex(s)


def self_check(path):
    count = 0
    for line in open(path):
        t = line.split()
        if not t or t[0].startswith("#"):
            continue
        if t[0] == "cmd":
            ks = Keys(NAMES[t[2]], unhex(t[3]), NAMES[t[4]], unhex(t[5]), 0)
            pkt = build_cmd(ks, unhex(t[7]), int(t[8], 16), int(t[9], 16), unhex(t[6]),
                            unhex(t[10]), unhex(t[11]))
            assert pkt == unhex(t[12]), "self-check %s: %s" % (t[1], pkt.hex())
            assert open_cmd(ks, pkt)[3] == unhex(t[11])
        elif t[0] == "por":
            ks = Keys(NAMES[t[2]], unhex(t[3]), NAMES[t[4]], unhex(t[5]), 0)
            por = build_por(ks, unhex(t[7]), unhex(t[6]), unhex(t[8]), 0, unhex(t[9]))
            assert por == unhex(t[10]), "self-check %s: %s" % (t[1], por.hex())
        elif t[0] == "cc":
            assert cc(NAMES[t[2]], unhex(t[3]), unhex(t[4])) == unhex(t[5]), t[1]
        else:
            raise AssertionError("bad record " + t[0])
        count += 1
    assert count == 20, count
    return count


class Io:
    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().split()


def h(b):
    return b.hex() if b else "-"


def rand_keys(rng):
    def one():
        alg = rng.choice([AES, AES, AES, DES3_2, DES3_3, DES])
        ln = rng.choice([16, 24, 32]) if alg == AES else {DES: 8, DES3_2: 16, DES3_3: 24}[alg]
        return alg, rng.randbytes(ln)
    ca, kc = one()
    da, kd = one()
    cc_len = rng.choice([4, 8]) if da == AES else 8
    return Keys(ca, kc, da, kd, rng.randint(1, 15), cc_len)


def rand_case(rng, ks):
    kind = rng.choice([0, 1, 2, 2])
    spi1 = kind | rng.choice([0, 4]) | rng.choice([0, 0x08, 0x10, 0x18])
    por_kind = rng.choice([0, 1, 2]) if kind != 1 else rng.choice([0, 1])
    spi2 = rng.choice([0, 1, 2]) | por_kind << 2 | rng.choice([0, 0x10]) | rng.choice([0, 0x20])
    kic = ks.kvn << 4 | rng.choice([ks.kic_alg, 0])
    kid = ks.kvn << 4 | (5 if kind == 1 else rng.choice([ks.kid_alg, 0]))
    return bytes([spi1, spi2]), kic, kid


def main():
    exe, data_dir = sys.argv[1], sys.argv[2]
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    rng = random.Random(int(os.environ.get("VEUICC_ORACLE_SEED", "80")))
    n_vec = self_check(os.path.join(data_dir, "packets.txt"))
    io = Io(exe)
    checked = 0
    for i in range(cases):
        ks = rand_keys(rng)
        spi, kic, kid = rand_case(rng, ks)
        tar = rng.randbytes(3)
        stored = rng.randint(0, 1 << 32)
        mode = spi[0] & 0x18
        nxt = stored + 1 if mode == 0x18 else stored + rng.randint(1, 1000)
        cntr = nxt.to_bytes(5, "big")
        data = rng.randbytes(rng.randint(0, 100))
        resp = rng.randbytes(rng.randint(0, 60))
        ctx = "case %d ks=%s spi=%s kic=%02x kid=%02x" % (i, ks.io(), spi.hex(), kic, kid)

        # python -> C card side -> python
        pkt = build_cmd(ks, spi, kic, kid, tar, cntr, data)
        r = io.ask("U %s %s %s 0 %s %s" % (ks.io(), tar.hex(), stored.to_bytes(5, "big").hex(),
                                          pkt.hex(), h(resp)))
        assert r[0] == "00", ctx + " status " + " ".join(r)
        assert unhex(r[1]) == data, ctx + " data"
        want_cntr = cntr if mode in (0x10, 0x18) else stored.to_bytes(5, "big")
        assert unhex(r[2]) == want_cntr, ctx + " counter"
        assert r[3] == ("1" if spi[1] & 3 == 1 else "0"), ctx + " por_wanted"
        assert unhex(r[4]) == build_por(ks, spi, tar, cntr, 0, resp), ctx + " PoR " + r[4]

        # C host side -> python
        r = io.ask("W %s %s %02x %02x %s %s %s" % (ks.io(), spi.hex(), kic, kid, tar.hex(),
                                                  cntr.hex(), h(data)))
        pkt_c = unhex(r[0])
        assert pkt_c == pkt, ctx + " wrap_cmd"
        assert open_cmd(ks, pkt_c) == (spi, tar, cntr, data)

        # python PoR -> C host side
        por = build_por(ks, spi, tar, cntr, 0, resp)
        r = io.ask("P %s %s %s %s %s" % (ks.io(), spi.hex(), tar.hex(), cntr.hex(), por.hex()))
        assert r[0] == "00" and unhex(r[1] if len(r) > 1 else "-") == resp, ctx + " unwrap_por"

        # one corrupted byte of the secured part of a CC packet: 01, counter kept
        if spi[0] & 3 == 2:
            bad = bytearray(pkt)
            pos = rng.randrange(10, len(bad))
            bad[pos] ^= 1 << rng.randrange(8)
            r = io.ask("U %s %s %s 0 %s -" % (ks.io(), tar.hex(),
                                              stored.to_bytes(5, "big").hex(), bytes(bad).hex()))
            assert r[0] == "01", ctx + " corrupted at %d: %s" % (pos, " ".join(r))
            assert unhex(r[2]) == stored.to_bytes(5, "big"), ctx + " counter moved"
            assert r[1] == "-"
            # the error PoR is secured like any other (keys were identified) and
            # echoes the counter as received (deciphered)
            sec = bytes(bad[10:])
            if spi[0] & 4:
                sec = dec(ks.kic_alg, ks.kic, sec)
            assert unhex(r[4]) == build_por(ks, spi, tar, sec[:5], 1, b""), ctx + " error PoR"
        checked += 1
    io.p.stdin.close()
    io.p.wait()
    print("scp80 oracle: %d vectors self-checked, %d random cases both ways" % (n_vec, checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
