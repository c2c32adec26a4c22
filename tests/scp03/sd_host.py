#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SCP03 sessions on the card's security domains, checked by the independent
off-card entity of host.py (python3-cryptography; no code shared with src/).

Drives sd_io (a whole virtual eUICC made from factory/default.json, kept in a
card file) and checks: the policy (plain ES5/ES8 refused with 6982 once keys
are set, GET DATA 00E0 open, test mode re-opens the plain path); sessions at
every level (01 03 11 13 33) on the ISD-R and on an ISD-P, on the basic and a
logical channel, with the card challenge, card cryptogram, R-MAC and R-ENC
verified here; CreateISDP over SCP03; wrong host cryptogram (6300, session
closed); wrong C-MAC (6982, session closed, command not executed); unknown KVN
(6A88); the sequence counter continuing after the card file is reopened; the
initial PUT KEY of an ISD-P (keys wrapped here under the ISD-R DEK); a TS.48
profile downloaded in SCP03 STORE DATA blocks (EUICCResponse decrypted here,
ISD-P DISABLED afterwards); UpdateConnectivityParameters (DGI 3A07) at level
33 and refused below C-DEC.

usage: sd_host.py SD_IO REPO_DIR
env:   VEUICC_SCP03_SEED  random seed (default 3)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import host  # noqa: E402  (exits 77 without python3-cryptography)
from host import Host, HostT, aes_cbc, aes_ecb  # noqa: E402

ISDR = bytes.fromhex("A0000005591010FFFFFFFF8900000100")
PFX = "A0000005591010FFFFFFFF89"
ELF, EM = bytes.fromhex(PFX + "00000D00"), bytes.fromhex(PFX + "00000E00")
ISDP11, ISDP12 = bytes.fromhex(PFX + "00001100"), bytes.fromhex(PFX + "00001200")
PROFILE_T = "tests/data/saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der"
PROFILE = "tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
FAILS = []


def check(what, got, want):
    if got != want:
        FAILS.append(f"{what}: got {got!r}, want {want!r}")
        print("FAIL", FAILS[-1])


class Card:
    """sd_io over a pipe."""

    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().split()
        if not r or r[0] == "ERR":
            raise RuntimeError(f"{line[:60]!r} -> {r}")
        return r

    def new(self, factory, state, test_mode):
        self.cmd(f"N {factory} {state} {test_mode}")

    def reopen(self):
        self.cmd("O")

    def tx(self, apdu):
        return bytes.fromhex(self.cmd("T " + apdu.hex())[0])


def sw(r):
    return r[-2:].hex().upper()


def select(card, aid, ch=0):
    check(f"SELECT {aid.hex()} ch {ch}", sw(card.tx(bytes([ch, 0xA4, 0x04, 0x0C, len(aid)]) + aid)),
          "9000")


def open_channel(card):
    r = card.tx(bytes.fromhex("0070000001"))
    assert sw(r) == "9000", r.hex()
    return r[0]


def open_session(card, rng, keys, aid, level, ch=0, kvn=0x30):
    """INITIALIZE UPDATE + EXTERNAL AUTHENTICATE; returns the host, the counter."""
    h = Host(kvn, keys["enc"], keys["mac"], keys["dek"])
    iu = bytearray(h.init_update(bytes(rng.getrandbits(8) for _ in range(8))))
    iu[0] |= ch
    r = card.tx(bytes(iu))
    assert sw(r) == "9000", f"INITIALIZE UPDATE {r.hex()}"
    h.parse_iu(r[:-2], aid)  # checks card challenge (counter ‖ AID) and cryptogram
    assert h.i == 0x70, hex(h.i)
    ea = bytearray(h.ext_auth(level))
    ea[0] |= ch
    r = card.tx(bytes(ea))
    check(f"EXTERNAL AUTHENTICATE {level:02x}", sw(r), "9000")
    return h, int.from_bytes(h.seq, "big")


def send(card, h, apdu, ch=0, corrupt_mac=False):
    a = bytearray(apdu)
    a[0] |= ch
    w = bytearray(h.wrap(bytes(a)))
    if corrupt_mac:
        lc = w[4]
        w[5 + lc - 1] ^= 0x01
    return h.unwrap_rsp(card.tx(bytes(w)))


def status_apdu(aid):
    return bytes([0x80, 0xF2, 0x40, 0x02, 0x17, 0x4F, 0x10]) + aid + bytes.fromhex("5C034F9F7000")


def create_apdu(aid):
    d = bytes([0x10]) + ELF + bytes([0x10]) + EM + bytes([0x10]) + aid + \
        bytes.fromhex("0380C000" "06C90481028100" "00")
    return bytes([0x80, 0xE6, 0x0C, 0x00, len(d)]) + d + b"\x00"


def put_key_apdu(dek, kvn, keys):
    """PUT KEY, new AES key set (GP CS §11.8, Amd D §7.2; GPPro key layout)."""
    d = bytes([kvn])
    for k in keys:
        cg = aes_cbc(dek, bytes(16), k, True)
        kcv = aes_ecb(k, b"\x01" * 16)[:3]
        d += bytes([0x88, len(cg) + 1, len(k)]) + cg + b"\x03" + kcv
    return bytes([0x80, 0xD8, 0x00, 0x81, len(d)]) + d + b"\x00", \
        bytes([kvn]) + b"".join(aes_ecb(k, b"\x01" * 16)[:3] for k in keys)


def isdr_tests(card, rng, keys):
    select(card, ISDR)
    # policy: the ISD-R has keys, the card is not in test mode
    check("plain GET STATUS", sw(card.tx(bytes.fromhex("80F28002024F0000"))), "6982")
    check("plain CreateISDP", sw(card.tx(create_apdu(ISDP12))), "6982")
    r = card.tx(bytes.fromhex("80CA00E000"))
    check("plain GET DATA 00E0 (open)", (r[:1].hex(), sw(r)), ("e0", "9000"))
    check("SM without a session",
          sw(card.tx(bytes.fromhex("84F280020A4F00010203040506070800"))), "6982")
    # unknown KVN
    check("IU unknown KVN", sw(card.tx(bytes.fromhex("80503F0008" + "11" * 8 + "00"))), "6A88")

    last = None
    ch1 = open_channel(card)
    select(card, ISDR, ch1)
    for ch in (0, ch1):
        for level in host.LEVELS:
            h, seq = open_session(card, rng, keys, ISDR, level, ch)
            if last is not None:
                check("counter +1", seq, last + 1)
            last = seq
            data, s = send(card, h, bytes.fromhex("80F28002024F0000"), ch)
            check(f"GET STATUS ISD-R level {level:02x} ch {ch}", (s.hex(), data[:2].hex(),
                  ISDR in data), ("9000", "e31b", True))
            data, s = send(card, h, bytes.fromhex("80CAFF2100"), ch)
            check(f"GET DATA FF21 level {level:02x}", (s.hex(), data[:2].hex()), ("9000", "ff21"))
            # a second GET STATUS: MAC chaining and the command counter go on
            data, s = send(card, h, bytes.fromhex("80F28002024F0000"), ch)
            check(f"GET STATUS again {level:02x}", s.hex(), "9000")
    # CreateISDP over SCP03 (C-MAC + C-DEC)
    h, seq = open_session(card, rng, keys, ISDR, 0x03)
    check("counter +1", seq, last + 1)
    data, s = send(card, h, create_apdu(ISDP11))
    check("CreateISDP over SCP03", (data.hex(), s.hex()), ("00", "9000"))
    # wrong C-MAC: 6982, session closed, ISD-P not created
    h, seq = open_session(card, rng, keys, ISDR, 0x33)
    data, s = send(card, h, create_apdu(ISDP12), corrupt_mac=True)
    check("wrong C-MAC", (data, s.hex()), (b"", "6982"))
    data, s = send(card, h, bytes.fromhex("80F28002024F0000"))
    check("session closed after wrong C-MAC", s.hex(), "6982")
    # wrong host cryptogram: 6300, no session
    h2 = Host(0x30, keys["enc"], keys["mac"], keys["dek"])
    r = card.tx(h2.init_update(bytes(8)))
    h2.parse_iu(r[:-2], ISDR)
    r = card.tx(h2.ext_auth(0x33, cryptogram=bytes(8)))
    check("wrong host cryptogram", sw(r), "6300")
    data, s = send(card, h2, bytes.fromhex("80F28002024F0000"))
    check("no session after 6300", s.hex(), "6982")
    h, seq = open_session(card, rng, keys, ISDR, 0x13)
    data, s = send(card, h, status_apdu(ISDP12))
    check("the MAC-failed CreateISDP did nothing", s.hex(), "6a88")
    data, s = send(card, h, status_apdu(ISDP11))
    check("ISD-P 1100 SELECTABLE", (s.hex(), data.hex()[-2:]), ("9000", "07"))
    # the counter continues after the card file is reopened
    card.reopen()
    select(card, ISDR)
    h, seq2 = open_session(card, rng, keys, ISDR, 0x01)
    check("counter after reopen", seq2, seq + 1)
    # PUT KEY in a session takes the DEK of the session's key set
    k31 = {n: bytes(rng.getrandbits(8) for _ in range(16)) for n in ("enc", "mac", "dek")}
    k32 = {n: bytes(rng.getrandbits(8) for _ in range(16)) for n in ("enc", "mac", "dek")}
    h, _ = open_session(card, rng, keys, ISDR, 0x03)
    apdu, want = put_key_apdu(keys["dek"], 0x31, [k31["enc"], k31["mac"], k31["dek"]])
    data, s = send(card, h, apdu)
    check("PUT KEY 31 in a KVN 30 session", (data, s.hex()), (want, "9000"))
    h, _ = open_session(card, rng, k31, ISDR, 0x33, kvn=0x31)
    apdu, _ = put_key_apdu(keys["dek"], 0x32, [k32["enc"], k32["mac"], k32["dek"]])
    data, s = send(card, h, apdu)
    check("PUT KEY under another set's DEK (KCV mismatch)", s.hex(), "6a80")
    apdu, want = put_key_apdu(k31["dek"], 0x32, [k32["enc"], k32["mac"], k32["dek"]])
    data, s = send(card, h, apdu)
    check("PUT KEY 32 in a KVN 31 session", (data, s.hex()), (want, "9000"))
    h, _ = open_session(card, rng, k32, ISDR, 0x11, kvn=0x32)
    data, s = send(card, h, bytes.fromhex("80F28002024F0000"))
    check("session with the new key set 32", s.hex(), "9000")
    return seq2


def isdp_tests(card, rng, keys, repo):
    ch = open_channel(card)
    select(card, ISDP11, ch)
    check("ISD-P plain STORE DATA", sw(card.tx(bytes([0x80 | ch]) + bytes.fromhex("E2900003A08100"))),
          "6982")
    # the ISD-P's first key set, wrapped under the ISD-R's DEK (S3-4)
    pk = {n: bytes(rng.getrandbits(8) for _ in range(16)) for n in ("enc", "mac", "dek")}
    apdu, want = put_key_apdu(keys["dek"], 0x30, [pk["enc"], pk["mac"], pk["dek"]])
    r = card.tx(bytes([0x80 | ch]) + apdu[1:])
    check("initial PUT KEY on the ISD-P", (r[:-2], sw(r)), (want, "9000"))
    check("second plain PUT KEY refused", sw(card.tx(bytes([0x80 | ch]) + apdu[1:])), "6982")
    # DGI 3A07 at every level: C-DEC needed
    conn = bytes.fromhex("3A07 0A A0 08 06 06 91 3306 0000 00".replace(" ", ""))
    for level in host.LEVELS:
        h, _ = open_session(card, rng, pk, ISDP11, level, ch)
        data, s = send(card, h, bytes([0x80, 0xE2, 0x88, 0x00, len(conn)]) + conn, ch)
        want = "9000" if level & host.C_DEC else "6982"
        check(f"UpdateConnectivityParameters level {level:02x}", (data, s.hex()), (b"", want))
    # the TS.48 profile in SCP03 STORE DATA blocks at level 33
    with open(os.path.join(repo, PROFILE), "rb") as f:
        der = f.read()
    h, _ = open_session(card, rng, pk, ISDP11, 0x33, ch)
    blocks = [der[i:i + 200] for i in range(0, len(der), 200)]
    for n, b in enumerate(blocks):
        p1 = 0x90 if n == len(blocks) - 1 else 0x10
        data, s = send(card, h, bytes([0x80, 0xE2, p1, n & 0xFF, len(b)]) + b + b"\x00", ch)
        if p1 == 0x10:
            check(f"block {n}", (data, s.hex()), (b"", "9000"))
    check("EUICCResponse (R-ENC decrypted here)", (data.hex(), s.hex()), ("3003800100", "9000"))
    select(card, ISDR)
    h, _ = open_session(card, rng, keys, ISDR, 0x33)
    data, s = send(card, h, status_apdu(ISDP11))
    check("ISD-P DISABLED after the download", (s.hex(), data.hex()[-2:]), ("9000", "1f"))
    print(f"ISD-P: {len(blocks)} protected STORE DATA blocks, {len(der)} bytes")


def store_tlvs(card, ch, stream, block=240):
    """One STORE DATA sequence (BER-TLV structure, GP CS §11.11) carrying
    the SCP03t stream; returns the response data of the last block."""
    parts = [stream[i:i + block] for i in range(0, len(stream), block)]
    for n, b in enumerate(parts):
        p1 = 0x90 if n == len(parts) - 1 else 0x10
        r = card.tx(bytes([0x80 | ch, 0xE2, p1, n, len(b)]) + b + b"\x00")
        if p1 == 0x10:
            check(f"SCP03t block {n}", r.hex(), "9000")
    assert sw(r) == "9000", r.hex()
    return r[:-2]


def isdp_state(card, rng, keys, aid):
    select(card, ISDR)
    h, _ = open_session(card, rng, keys, ISDR, 0x13)
    data, s = send(card, h, status_apdu(aid))
    return s.hex(), data.hex()[-2:]


def scp03t_tests(card, rng, keys, repo):
    """ES8 download in SCP03t (SGP.02 §4.1.3.3) into a new ISD-P 1200."""
    select(card, ISDR)
    h, _ = open_session(card, rng, keys, ISDR, 0x03)
    data, s = send(card, h, create_apdu(ISDP12))
    check("CreateISDP 1200", (data.hex(), s.hex()), ("00", "9000"))
    ch = open_channel(card)
    select(card, ISDP12, ch)
    pk = {n: bytes(rng.getrandbits(8) for _ in range(16)) for n in ("enc", "mac", "dek")}
    apdu, want = put_key_apdu(keys["dek"], 0x30, [pk["enc"], pk["mac"], pk["dek"]])
    r = card.tx(bytes([0x80 | ch]) + apdu[1:])
    check("PUT KEY ISD-P 1200", (r[:-2], sw(r)), (want, "9000"))
    with open(os.path.join(repo, PROFILE_T), "rb") as f:
        der = f.read()
    segs = [der[i:i + 1000] for i in range(0, len(der), 1000)]

    # errors on 84 / 85: unknown KVN, bad host cryptogram
    t = HostT(0x3F, pk["enc"], pk["mac"], pk["dek"])
    check("84 unknown KVN", store_tlvs(card, ch, t.tlv_iu(bytes(8))).hex(), "9f440103")
    t = HostT(0x30, pk["enc"], pk["mac"], pk["dek"])
    rest = t.parse_tlv_iu(store_tlvs(card, ch, t.tlv_iu(bytes(range(8)))), ISDP12)
    check("84 alone", rest, b"")
    seq = int.from_bytes(t.seq, "big")
    check("85 wrong host cryptogram", store_tlvs(card, ch, t.tlv_ea(cryptogram=bytes(8))).hex(),
          "9f450102")
    check("86 without a session", store_tlvs(card, ch, t.tlv_data(segs[0])).hex(), "9f460102")

    # 84 then 85, segments; a wrong C-MAC on the third: 9F46 02, nothing kept
    t = HostT(0x30, pk["enc"], pk["mac"], pk["dek"])
    t.parse_tlv_iu(store_tlvs(card, ch, t.tlv_iu(bytes(rng.getrandbits(8) for _ in range(8)))),
                   ISDP12)
    check("counter", int.from_bytes(t.seq, "big"), seq + 1)
    check("85", store_tlvs(card, ch, t.tlv_ea()).hex(), "8500")
    for n in range(2):
        data, rest = t.check_tlv_data(store_tlvs(card, ch, t.tlv_data(segs[n])))
        check(f"86 segment {n}", (data, rest), (b"", b""))
    check("86 wrong C-MAC", store_tlvs(card, ch, t.tlv_data(segs[2], corrupt=True)).hex(),
          "9f460102")
    check("86 after the MAC error", store_tlvs(card, ch, t.tlv_data(segs[3])).hex(), "9f460102")
    check("ISD-P 1200 unchanged", isdp_state(card, rng, keys, ISDP12), ("9000", "07"))

    # the whole stream again; 84 and 85 in one STORE DATA (the host predicts
    # the pseudo-random challenge of the next counter value)
    select(card, ISDP12, ch)
    t = HostT(0x30, pk["enc"], pk["mac"], pk["dek"])
    iu = t.tlv_iu(bytes(rng.getrandbits(8) for _ in range(8)))
    t.predict(seq + 2, ISDP12)
    ea = t.tlv_ea()
    r = store_tlvs(card, ch, iu + ea)
    mcv, ctr = t.mcv, t.ctr
    rest = t.parse_tlv_iu(r, ISDP12)  # checks the challenge and the card cryptogram
    t.mcv, t.ctr = mcv, ctr
    check("84+85 in one STORE DATA", rest.hex(), "8500")
    for n, seg in enumerate(segs):
        data, rest = t.check_tlv_data(store_tlvs(card, ch, t.tlv_data(seg)))
        if n < len(segs) - 1:
            check(f"86 segment {n}", (data, rest), (b"", b""))
    check("last 86: EUICCResponse (R-ENC, R-MAC checked here)", data.hex(), "3003800100")
    check("ISD-P 1200 DISABLED", isdp_state(card, rng, keys, ISDP12), ("9000", "1f"))
    print(f"SCP03t: {len(segs)} segments, {len(der)} bytes")


def test_mode(card, factory, state):
    card.new(factory, state, 1)
    select(card, ISDR)
    r = card.tx(bytes.fromhex("80F28002024F0000"))
    check("test mode: plain GET STATUS", (r[:2].hex(), sw(r)), ("e31b", "9000"))


def main():
    exe, repo = sys.argv[1], sys.argv[2]
    rng = random.Random(int(os.environ.get("VEUICC_SCP03_SEED", "3")))
    factory = os.path.join(repo, "factory", "default.json")
    with open(factory) as f:
        cfg = json.load(f)
    ks = [k for k in cfg["isdr"]["keysets"] if k["type"] == "scp03"][0]
    assert ks["kvn"] == 0x30
    keys = {n: bytes.fromhex(ks[n]) for n in ("enc", "mac", "dek")}
    with tempfile.TemporaryDirectory() as d:
        card = Card(exe)
        card.new(factory, os.path.join(d, "card.db"), 0)
        isdr_tests(card, rng, keys)
        isdp_tests(card, rng, keys, repo)
        scp03t_tests(card, rng, keys, repo)
        test_mode(card, factory, os.path.join(d, "card2.db"))
        card.p.stdin.close()
        card.p.wait()
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("SCP03 on the ISD-R and an ISD-P: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
