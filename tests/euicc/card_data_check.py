#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GET DATA 66 (Card Data / Card Recognition Data, GP CS v2.3 §H.2) of a
keyed card, decoded here by a decoder written for this test (BER-TLV and
X.690 §8.19 OIDs; no code shared with src/), and checked against facts
independent of veuicc's encoder:

  - the template is 66 { 73 { 06, 60, 63, 64... } } with the GlobalPlatform
    OIDs {globalPlatform 1}, {globalPlatform 2 2 3} (GP CS v2.3) and
    {globalPlatform 3} (GP CS Table H-1);
  - the 64 entries end with the SCP identifier and its i parameter as raw
    bytes (SCP80 i=00 is `80 00`, as GlobalPlatformPro reads it: the last two
    bytes). The ISD-R lists SCP03 and SCP80, an ISD-P SCP03 only;
  - the SCP03 entry agrees with what the card's INITIALIZE UPDATE answers
    (SCP identifier and i in bytes 11-12 of the response, GP Amd D §7.1.1.6);
  - it is readable without a secure channel on a keyed card (test mode off),
    as is the ISD-R's CPLC, which equals the ECASD's; the ECASD answers 66
    with 6A88.

Drives sd_io (tests/scp03/sd_io.c), a card made from factory/default.json.
usage: card_data_check.py SD_IO REPO_DIR
"""
import os
import subprocess
import sys
import tempfile

PFX = "A0000005591010FFFFFFFF89"
ISDR = bytes.fromhex(PFX + "00000100")
ECASD = bytes.fromhex(PFX + "00000200")
ISDP10 = bytes.fromhex(PFX + "00001000")
GP_RID = (1, 2, 840, 114283)
FAILS = []


def check(what, got, want):
    if got != want:
        FAILS.append(f"{what}: got {got!r}, want {want!r}")
        print("FAIL", FAILS[-1])


class Card:
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

    def tx(self, hexstr):
        r = bytes.fromhex(self.cmd("T " + hexstr.replace(" ", ""))[0])
        return r[:-2], r[-2:].hex().upper()


def tlvs(b):
    """BER-TLV list (ISO 7816-4 §5.2, X.690 §8.1): [(tag, value)]."""
    out, i = [], 0
    while i < len(b):
        tag = b[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = tag << 8 | b[i]
                i += 1
                if not b[i - 1] & 0x80:
                    break
        n = b[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        if i + n > len(b):
            raise ValueError("TLV overruns its container")
        out.append((tag, b[i:i + n]))
        i += n
    return out


def oid_arcs(v):
    """X.690 §8.19: the arcs of a minimal OID encoding."""
    arcs, x = [], 0
    for k, c in enumerate(v):
        if x == 0 and c == 0x80:
            raise ValueError("non-minimal subidentifier")
        x = x << 7 | (c & 0x7F)
        if not c & 0x80:
            arcs.append(x)
            x = 0
        elif k == len(v) - 1:
            raise ValueError("truncated subidentifier")
    first = arcs[0]
    return tuple([min(first // 40, 2), first - 40 * min(first // 40, 2)] + arcs[1:])


def gp_rid_bytes():
    # the encoding of 1.2.840.114283 per X.690, built here from the arcs
    out = bytes([40 * 1 + 2])
    for a in GP_RID[2:]:
        enc = [a & 0x7F]
        a >>= 7
        while a:
            enc.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(enc))
    return out


def decode_card_data(b):
    """-> dict(version=(...), scheme=bool, scps=[(scp, i)]). Raises on bad form."""
    top = tlvs(b)
    assert len(top) == 1 and top[0][0] == 0x66, f"not one 66 template: {top}"
    inner = tlvs(top[0][1])
    assert len(inner) == 1 and inner[0][0] == 0x73, f"66 holds {inner}"
    items = tlvs(inner[0][1])
    assert items[0][0] == 0x06 and oid_arcs(items[0][1]) == GP_RID + (1,), \
        f"first object is not the GP card recognition OID: {items[0]}"
    res = {"version": None, "scheme": False, "scps": [], "tags": [t for t, _ in items]}
    rid = gp_rid_bytes()
    for tag, v in items[1:]:
        sub = tlvs(v)
        assert len(sub) == 1 and sub[0][0] == 0x06, f"{tag:02X} does not hold one OID"
        o = sub[0][1]
        if tag == 0x60:
            arcs = oid_arcs(o)
            assert arcs[:5] == GP_RID + (2,), arcs  # {globalPlatform 2 v}
            res["version"] = arcs[5:]
        elif tag == 0x63:
            res["scheme"] = oid_arcs(o) == GP_RID + (3,)
        elif tag == 0x64:
            # {globalPlatform 4} then the SCP id and i as raw bytes (GPPro
            # takes the last two; SCP80 i=00 is not a minimal arc)
            assert o[:len(rid) + 1] == rid + b"\x04" and len(o) == len(rid) + 3, o.hex()
            res["scps"].append((o[-2], o[-1]))
        else:
            raise AssertionError(f"unexpected tag {tag:02X}")
    return res


def select(card, aid):
    check(f"SELECT {aid.hex()}", card.tx("00A4040C%02X" % len(aid) + aid.hex())[1], "9000")


def main():
    exe, repo = sys.argv[1], sys.argv[2]
    factory = os.path.join(repo, "factory", "default.json")
    with tempfile.TemporaryDirectory() as d:
        card = Card(exe)
        card.cmd(f"N {factory} {os.path.join(d, 'card.db')} 0")  # keyed, test mode off

        select(card, ISDR)
        data, sw = card.tx("80CA006600")
        check("ISD-R GET DATA 66 SW", sw, "9000")
        crd = decode_card_data(data)
        check("ISD-R tags", crd["tags"], [0x06, 0x60, 0x63, 0x64, 0x64])
        check("GP version", crd["version"], (2, 3))
        check("GP card identification scheme", crd["scheme"], True)
        check("ISD-R SCPs", crd["scps"], [(0x03, 0x70), (0x80, 0x00)])
        # the SCP03 entry is what INITIALIZE UPDATE reports (Amd D §7.1.1.6:
        # KDD 10 | KVN | SCP id | i | card challenge | card cryptogram ...)
        r, sw = card.tx("8050000008" + "0102030405060708" + "00")
        check("INITIALIZE UPDATE SW", sw, "9000")
        check("INITIALIZE UPDATE SCP id / i", (r[11], r[12]), crd["scps"][0])
        # the plain path stays closed for the ES5 capability audit
        check("FF21 without a session", card.tx("80CAFF2100")[1], "6982")
        select(card, ISDR)  # a new selection ends the half-open session
        cplc_isdr, sw = card.tx("80CA9F7F00")
        check("ISD-R CPLC SW", sw, "9000")
        check("CPLC tag/length", cplc_isdr[:3].hex().upper(), "9F7F2A")

        select(card, ECASD)
        check("ECASD GET DATA 66", card.tx("80CA006600")[1], "6A88")
        cplc_ecasd, sw = card.tx("80CA9F7F00")
        check("ECASD CPLC SW", sw, "9000")
        check("CPLC ISD-R = ECASD", cplc_isdr, cplc_ecasd)

        select(card, ISDP10)
        data, sw = card.tx("80CA006600")
        check("ISD-P GET DATA 66 SW", sw, "9000")
        crd = decode_card_data(data)
        check("ISD-P tags", crd["tags"], [0x06, 0x60, 0x63, 0x64])
        check("ISD-P SCPs", crd["scps"], [(0x03, 0x70)])
        check("ISD-P CPLC", card.tx("80CA9F7F00")[1], "6982")  # not open, not its object
        check("ISD-P GET DATA 45 without a session", card.tx("80CA004500")[1], "6982")
        card.p.stdin.close()
        card.p.wait()
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("card recognition data: decoded and checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
