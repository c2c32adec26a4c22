#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`veuicc ota --hex` and `veuicc ota decode-por` against an independent oracle.

The command packets and PoRs come from tests/scp80/oracle.py (TS 31.115 §4
on python3-cryptography); the remote APDU scripts (TS 102 226 §5), the
SMS-DELIVER TPDU (TS 23.040 §9.2.2.1, concatenation §9.2.3.24.1) and the
SMS-PP download ENVELOPE (TS 102 223 §7.1.1.2) are written again here. The
tool's output must equal them byte for byte; then the bad inputs get exit
status 2 and a message naming the problem.
Usage: ota_oracle.py VEUICC FACTORY.json
"""
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scp80"))
import oracle  # noqa: E402  (exits 77 without python3-cryptography)

FACTORY_KEYS = oracle.Keys(oracle.AES, bytes(range(16)), oracle.AES, bytes(range(0x10, 0x20)), 1)
SCTS = bytes.fromhex("00111212000004")
FAILS = []


def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + ln + value


def script(apdus, expanded):
    if expanded:
        return tlv(0xAA, b"".join(tlv(0x22, a) for a in apdus))
    return b"".join(apdus)


def address(number):
    ton = 0x81
    if number.startswith("+"):
        ton, number = 0x91, number[1:]
    digits = number + ("F" if len(number) % 2 else "")
    bcd = bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))
    return bytes([len(number), ton]) + bcd


def envelope(origin, ud):
    tpdu = bytes([0x40]) + address(origin) + bytes([0x7F, 0xF6]) + SCTS + bytes([len(ud)]) + ud
    d1 = tlv(0xD1, bytes([0x82, 0x02, 0x83, 0x81]) + tlv(0x8B, tpdu))
    return bytes([0x80, 0xC2, 0x00, 0x00, len(d1)]) + d1


def envelopes(pkt, origin="+1234", ref=0):
    if 3 + len(pkt) <= 140:
        return [envelope(origin, bytes([0x02, 0x70, 0x00]) + pkt)]
    parts = [pkt[:132]]
    rest = pkt[132:]
    while rest:
        parts.append(rest[:134])
        rest = rest[134:]
    out = []
    for i, part in enumerate(parts):
        if i == 0:
            udh = bytes([0x07, 0x00, 0x03, ref, len(parts), 1, 0x70, 0x00])
        else:
            udh = bytes([0x05, 0x00, 0x03, ref, len(parts), i + 1])
        out.append(envelope(origin, udh + part))
    return out


def run(exe, args):
    p = subprocess.run([exe, "ota"] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(name, ok, detail=""):
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        FAILS.append(name)
        if detail:
            print("#  " + detail.replace("\n", "\n#  "))


def hex_case(exe, name, args, ks, spi, kic, kid, tar, cntr, apdus, expanded, origin="+1234",
             ref=0):
    pkt = oracle.build_cmd(ks, spi, kic, kid, tar, cntr.to_bytes(5, "big"),
                           script(apdus, expanded))
    want = [e.hex().upper() for e in envelopes(pkt, origin, ref)]
    rc, out, err = run(exe, args + ["--hex"] + [a.hex() for a in apdus])
    got = out.split()
    check("%s: %d ENVELOPE(s) byte for byte" % (name, len(want)), rc == 0 and got == want,
          "rc %d\ngot    %s\nexpect %s\n%s" % (rc, got, want, err))
    rc, out, err = run(exe, args + ["--packet"] + [a.hex() for a in apdus])
    check("%s: the command packet" % name, rc == 0 and out.split() == [pkt.hex().upper()],
          out + err)
    return len(want)


def main():
    exe, factory = sys.argv[1], sys.argv[2]
    rng = random.Random(8)
    get_status = bytes.fromhex("80F28002024F0000")
    pfx = "A0000005591010FFFFFFFF89"
    # CreateISDP (INSTALL for install and make selectable) of ISD-P ...1100
    create = bytes.fromhex("80E60C0047 10" + pfx + "00000D00 10" + pfx + "00000E00 10" + pfx +
                           "00001100 0380C000 0EC90481028100EF0683040000A000 00")
    tar = bytes([0, 0, 1])

    # 1. the factory keys, defaults (SPI 1619, KIc/KID 12, TAR 000001), expanded
    hex_case(exe, "factory keys, expanded GET STATUS", ["--factory", factory, "--counter", "7"],
             FACTORY_KEYS, bytes([0x16, 0x19]), 0x12, 0x12, tar, 7, [get_status], True)
    # 2. compact, two commands, another origin and SPI
    hex_case(exe, "compact, origin 0612345, SPI 1209",
             ["--factory", factory, "--counter", "0x0102030405", "--format", "compact",
              "--origin", "0612345", "--spi", "1209"],
             FACTORY_KEYS, bytes([0x12, 0x09]), 0x12, 0x12, tar, 0x0102030405,
             [bytes.fromhex("00A4040C10A0000005591010FFFFFFFF8900000100"), get_status], False,
             origin="0612345")
    # 3. explicit 3DES-2 keys, KVN 3, another TAR, CC only, 4-byte header-only APDU
    k1, k2 = rng.randbytes(16), rng.randbytes(16)
    ks = oracle.Keys(oracle.DES3_2, k1, oracle.DES3_2, k2, 3)
    hex_case(exe, "3DES 2-key keys on the command line",
             ["--kic", "35", "--kid", "35", "--kic-key", k1.hex(), "--kid-key", k2.hex(),
              "--tar", "B00010", "--spi", "0601", "--counter", "300"],
             ks, bytes([0x06, 0x01]), 0x35, 0x35, bytes.fromhex("B00010"), 300,
             [bytes.fromhex("00A40000023F00"), bytes.fromhex("00B0000010")], True)
    # 4. AES-256 keys; a script too long for one SMS: concatenated, IE 00
    k1, k2 = rng.randbytes(32), rng.randbytes(32)
    ks = oracle.Keys(oracle.AES, k1, oracle.AES, k2, 2)
    big = [bytes.fromhex("80E29100") + bytes([200]) + rng.randbytes(200), create]
    n = hex_case(exe, "AES-256, a 2-command script over concatenated SMS",
                 ["--kic", "22", "--kid", "22", "--kic-key", k1.hex(), "--kid-key", k2.hex(),
                  "--counter", "9", "--ref", "77"],
                 ks, bytes([0x16, 0x19]), 0x22, 0x22, tar, 9, big, True, ref=77)
    check("the long script takes more than one SMS (%d)" % n, n >= 2)

    # 4b. --script FILE (comments, blank lines, spaces) gives the same packet as arguments
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("# audit, then select\n\n  80 F2 40 02 02 4F00 00  # GET STATUS\n"
                "00A4040C10 A0000005591010FFFFFFFF8900000100\n")
        path = f.name
    try:
        pkt = oracle.build_cmd(FACTORY_KEYS, bytes([0x16, 0x19]), 0x12, 0x12, tar,
                               (11).to_bytes(5, "big"),
                               script([bytes.fromhex("80F24002024F0000"),
                                       bytes.fromhex("00A4040C10A0000005591010FFFFFFFF8900000100")],
                                      True))
        rc, out, err = run(exe, ["--factory", factory, "--counter", "11", "--packet",
                                 "--script", path])
        check("--script FILE: the same packet as the oracle's", rc == 0 and
              out.split() == [pkt.hex().upper()], out + err)
        with open(path, "a") as f:
            f.write("80F2 zz\n")
        rc, out, err = run(exe, ["--factory", factory, "--counter", "11", "--packet",
                                 "--script", path])
        check("--script FILE: a bad line is named", rc == 2 and ":5: 'z' at position 6" in err,
              err)
    finally:
        os.unlink(path)

    # 5. decode-por: PoRs built by the oracle, decoded by the tool
    resp = tlv(0xAB, bytes([0x80, 0x01, 0x01]) +
               tlv(0x23, bytes.fromhex("E31B4F10A0000005591010FFFFFFFF89000001009F70010FC50380C000")
                   + b"\x90\x00"))
    por = oracle.build_por(FACTORY_KEYS, bytes([0x16, 0x19]), tar, (5).to_bytes(5, "big"), 0, resp)
    rc, out, err = run(exe, ["decode-por", "--factory", factory, "--counter", "5", por.hex()])
    check("decode-por: an expanded PoR", rc == 0 and
          "PoR: TAR 000001, counter 0000000005, status 00 (PoR OK)" in out and
          "CC verified; ciphered" in out and "commands executed: 1" in out and
          "R-APDU 1: SW 9000 (normal processing), 29 data bytes:" in out, out + err)
    por = oracle.build_por(FACTORY_KEYS, bytes([0x16, 0x19]), tar, (5).to_bytes(5, "big"), 0,
                           bytes.fromhex("016A88"))
    rc, out, err = run(exe, ["decode-por", "--factory", factory, "--counter", "5", por.hex()])
    check("decode-por: a compact PoR with an error SW exits 1", rc == 1 and
          "compact response: 1 command(s) executed" in out and "SW 6A88" in out, out + err)
    por = oracle.build_por(FACTORY_KEYS, bytes([0x16, 0x19]), tar, (6).to_bytes(5, "big"), 2, b"")
    rc, out, err = run(exe, ["decode-por", "--factory", factory, "--counter", "6", por.hex()])
    check("decode-por: status 02", rc == 1 and "status 02 (CNTR low)" in out, out + err)
    bad = bytearray(oracle.build_por(FACTORY_KEYS, bytes([0x16, 0x19]), tar,
                                     (5).to_bytes(5, "big"), 0, resp))
    bad[-1] ^= 1
    rc, out, err = run(exe, ["decode-por", "--factory", factory, "--counter", "5", bad.hex()])
    check("decode-por: a corrupted PoR does not verify", rc == 1 and
          "does not verify" in out, out + err)

    # 6. bad input: exit 2 and a message
    base = ["--factory", factory, "--counter", "1", "--hex"]
    for name, args, msg in [
        ("bad hex in a C-APDU", base + ["80F2XX"], "'X' at position 5 is not a hex digit"),
        ("odd hex", base + ["80F280020"], "an odd number of hex digits"),
        ("a 3-byte C-APDU", base + ["80F280"], "a short C-APDU has 4 to 261 bytes, not 3"),
        ("a 15-byte AES key", ["--kic-key", "00" * 15, "--kid-key", "00" * 16, "--kic", "12",
                               "--kid", "12", "--counter", "1", "--hex", "80F28002024F0000"],
         "the KIc key has 15 bytes; KIc 12 means AES (16, 24 or 32-byte key)"),
        ("no keys for a CC", ["--counter", "1", "--hex", "80F28002024F0000"],
         "asks for ciphering: give --kic-key or --factory"),
        ("no counter", ["--factory", factory, "--hex", "80F28002024F0000"],
         "give --counter N or --counter-file F"),
        ("a counter over 2^40", ["--factory", factory, "--counter", str(1 << 40), "--hex",
                                 "80F28002024F0000"], "a number from 0 to 2^40-1 expected"),
        ("a 2-byte TAR", base[:-1] + ["--tar", "0001", "--hex", "80F28002024F0000"],
         "--tar '0001': 3 bytes expected, not 2"),
        ("no output chosen", ["--factory", factory, "--counter", "1", "80F28002024F0000"],
         "choose one of --hex, --packet, --card FILE, --reader NAME"),
        ("a missing factory file", ["--factory", "/nonexistent.json", "--counter", "1", "--hex",
                                    "80F28002024F0000"], "--factory /nonexistent.json"),
        ("a KVN the factory lacks", ["--factory", factory, "--kvn", "2", "--counter", "1", "--hex",
                                     "80F28002024F0000"], "has no SCP80 key set with KVN 2"),
    ]:
        rc, out, err = run(exe, args)
        check("bad input: %s -> exit 2" % name, rc == 2 and msg in err,
              "rc %d, stderr: %s" % (rc, err))

    if FAILS:
        print("# %d failed" % len(FAILS))
        return 1
    print("# veuicc ota matches the independent oracle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
