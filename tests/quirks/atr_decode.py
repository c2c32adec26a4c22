#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An ATR decoder of its own (ISO/IEC 7816-3 §8.2-8.3, TS 102 221 §6.3.3),
independent of veuicc's C code, to check the ATR quirks (docs/quirks.md).

  atr_decode.py HEX                 print what the ATR says
  atr_decode.py check-cli VEUICC    run `veuicc apdu --quirk ... --trace` for a
                                    table of quirk sets; decode the ATR each
                                    prints, compare with the expectation and
                                    with the CLI's own description lines
"""
import os
import re
import subprocess
import sys
import tempfile

FI = {0: 372, 1: 372, 2: 558, 3: 744, 4: 1116, 5: 1488, 6: 1860,
      9: 512, 10: 768, 11: 1024, 12: 1536, 13: 2048}
DI = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 32, 7: 64, 8: 12, 9: 20}


def decode(atr):
    """Return a dict: ts, ta1, fi, di, protocols (sorted list), first,
    classes (string of A/B/C), clock_stop, hist (bytes), tck_ok."""
    if len(atr) < 2 or atr[0] not in (0x3B, 0x3F):
        raise ValueError("bad TS")
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    pos, i, cur_t = 2, 1, None
    out = {"ts": atr[0], "ta1": None, "protocols": [], "first": None,
           "classes": None, "clock_stop": None}
    while True:
        ta = tb = tc = td = None
        if y & 1:
            ta = atr[pos]; pos += 1
        if y & 2:
            tb = atr[pos]; pos += 1
        if y & 4:
            tc = atr[pos]; pos += 1
        if y & 8:
            td = atr[pos]; pos += 1
        if i == 1 and ta is not None:
            out["ta1"] = ta
        if i > 2 and cur_t == 15 and ta is not None and out["classes"] is None:
            out["classes"] = "".join(c for b, c in ((1, "A"), (2, "B"), (4, "C")) if ta & b)
            out["clock_stop"] = ta >> 6
        if td is None:
            break
        cur_t = td & 0x0F
        if out["first"] is None:
            out["first"] = cur_t
        if cur_t not in out["protocols"]:
            out["protocols"].append(cur_t)
        y = td >> 4
        i += 1
    if not out["protocols"]:
        out["protocols"] = [0]
        out["first"] = 0
    out["hist"] = atr[pos:pos + k]
    pos += k
    real = [t for t in out["protocols"] if t != 0]
    if real:  # §8.2.5: TCK unless only T=0 is indicated
        if pos + 1 != len(atr):
            raise ValueError("TCK missing or trailing bytes")
        x = 0
        for b in atr[1:]:
            x ^= b
        out["tck_ok"] = x == 0
    else:
        if pos != len(atr):
            raise ValueError("trailing bytes")
        out["tck_ok"] = True
    ta1 = out["ta1"] if out["ta1"] is not None else 0x11
    out["fi"], out["di"] = FI.get(ta1 >> 4), DI.get(ta1 & 0x0F)
    out["protocols"] = sorted(out["protocols"])
    return out


# quirk set -> expected (TA1, Fi, Di, protocols, first, classes)
CASES = [
    ([], 0x96, 512, 32, [0, 1, 15], 0, "ABC"),
    (["atr-ta1=11"], 0x11, 372, 1, [0, 1, 15], 0, "ABC"),
    (["atr-ta1=13", "atr-protocols=t0"], 0x13, 372, 4, [0, 15], 0, "ABC"),
    (["atr-ta1=18", "atr-classes=C"], 0x18, 372, 12, [0, 1, 15], 0, "C"),
    (["atr-ta1=94", "atr-protocols=t1", "atr-classes=BC"], 0x94, 512, 8, [1, 15], 1, "BC"),
    (["atr-ta1=95", "atr-protocols=t0", "atr-classes=AB"], 0x95, 512, 16, [0, 15], 0, "AB"),
    (["atr-ta1=97", "atr-classes=A"], 0x97, 512, 64, [0, 1, 15], 0, "A"),
    (["atr-protocols=both", "atr-classes=AC"], 0x96, 512, 32, [0, 1, 15], 0, "AC"),
]


def check_cli(cli):
    fails = 0
    with tempfile.NamedTemporaryFile("w", suffix=".apdu", delete=False) as f:
        # one command that every protocol answers: SELECT ISD-R, no data
        f.write("00 A4 04 0C 10 A0000005591010FFFFFFFF8900000100 : 90 00\n")
        script = f.name
    try:
        for quirks, ta1, fi, di, protos, first, classes in CASES:
            args = [cli, "apdu", "--trace"]
            for q in quirks:
                args += ["--quirk", q]
            if first == 1:
                args += ["--protocol", "T=1"]
            r = subprocess.run(args + [script], capture_output=True, text=True)
            name = ",".join(quirks) or "default"
            if r.returncode != 0:
                print(f"not ok - {name}: exit {r.returncode}: {r.stderr}{r.stdout}")
                fails += 1
                continue
            m = re.search(r"^\s*ATR ((?:[0-9A-F]{2} ?)+)$", r.stdout, re.M)
            atr = bytes.fromhex(m.group(1)) if m else b""
            d = decode(atr)
            want = {"ta1": ta1, "fi": fi, "di": di, "protocols": protos, "first": first,
                    "classes": classes, "clock_stop": 3, "tck_ok": True}
            bad = {k: (d[k], v) for k, v in want.items() if d[k] != v}
            # ISO 7816-4 §8.1.1.2: category 80, card capabilities 73 xx xx xx;
            # its third byte's b7 (extended Lc/Le) only with T=1
            h = d["hist"]
            caps = h.find(b"\x73")
            if h[:1] != b"\x80" or caps < 0 or bool(h[caps + 3] & 0x40) != (1 in protos):
                bad["card capabilities"] = h.hex().upper()
            # the CLI's own description of the same ATR
            out = r.stdout
            plist = ", ".join(f"T={t}" for t in protos if t != 15)
            desc = [f"TA1 {ta1:02X}: Fi {fi}, Di {di}", f"protocols offered: {plist}",
                    ("classes " if len(classes) > 1 else "class ") + " ".join(classes),
                    "correct",
                    f"then T={first}"]
            missing = [s for s in desc if s not in out]
            if bad or missing:
                print(f"not ok - {name}: ATR {atr.hex().upper()} decoded {bad} "
                      f"CLI lacks {missing}")
                fails += 1
            else:
                print(f"ok - {name}: ATR {atr.hex().upper()}: Fi {fi} Di {di} "
                      f"T={protos} classes {classes}")
    finally:
        os.unlink(script)
    return 1 if fails else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "check-cli":
        return check_cli(sys.argv[2])
    if len(sys.argv) == 2:
        d = decode(bytes.fromhex(sys.argv[1].replace(":", "").replace(" ", "")))
        print(" ".join(f"{k}={v.hex().upper() if isinstance(v, bytes) else v}"
                       for k, v in d.items()))
        return 0 if d["tck_ok"] else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
