#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Print the hardening figures of issue 11 item 5 (docs/hardening.md).

Reads what tools/harden.sh produced; runs nothing itself.

  harden_figures.py fuzz STATS.tsv          fuzz executions and crashes per target
  harden_figures.py coverage GCOVR.json     line coverage of src/ (total, per folder,
                                            least-covered files when under target)
  harden_figures.py tear CTEST_LOG          tear (power-cut) points exercised and
                                            recovered, from the tests' own output
  harden_figures.py negatives ROOT          negative cases asserted by the test suite
                                            (static count, method in docs/hardening.md)

Exit status: 0, or 1 for `fuzz` when a target crashed, or 2 on bad input.
"""
import glob
import json
import os
import re
import sys

COVERAGE_TARGET = 90.0

# ---------------------------------------------------------------- fuzz


def fuzz(path):
    """STATS.tsv: target, seconds, executions, new units, crashes, exit status."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(line.rstrip("\n").split("\t"))
    print(f"{'fuzz target':<18} {'seconds':>7} {'executions':>12} {'exec/s':>8} "
          f"{'new units':>9} {'crashes':>7}")
    tot_x = tot_c = 0
    for name, secs, execs, new, crashes, rc in rows:
        x, c = int(execs), int(crashes)
        if c == 0 and rc != "0":
            c = 1  # a non-zero exit without an artifact is still a failure
        tot_x += x
        tot_c += c
        rate = x // max(int(secs), 1)
        print(f"{name:<18} {secs:>7} {x:>12} {rate:>8} {new:>9} {c:>7}")
    print(f"{'total':<18} {'':>7} {tot_x:>12} {'':>8} {'':>9} {tot_c:>7}")
    print(f"fuzz: {len(rows)} targets, {tot_x} executions, {tot_c} crashes: "
          + ("PASS" if tot_c == 0 else "FAIL"))
    return 1 if tot_c else 0


# ---------------------------------------------------------------- coverage


def coverage(path):
    """gcovr --json-summary of src/: total, per folder, worst files."""
    with open(path) as f:
        d = json.load(f)
    folders = {}
    for fe in d["files"]:
        parts = fe["filename"].split("/")
        key = "/".join(parts[:2]) if len(parts) > 2 else parts[0]
        c, t = folders.get(key, (0, 0))
        folders[key] = (c + fe["line_covered"], t + fe["line_total"])
    print(f"{'folder':<18} {'lines':>7} {'covered':>7} {'%':>6}")
    for k in sorted(folders):
        c, t = folders[k]
        print(f"{k:<18} {t:>7} {c:>7} {100.0 * c / t if t else 100.0:>6.1f}")
    cov, tot = d["line_covered"], d["line_total"]
    pct = 100.0 * cov / tot if tot else 100.0
    print(f"{'src/ total':<18} {tot:>7} {cov:>7} {pct:>6.1f}")
    ok = pct >= COVERAGE_TARGET
    print(f"line coverage of src/: {pct:.2f}% ({cov}/{tot} lines), target "
          f"{COVERAGE_TARGET:.0f}%: {'PASS' if ok else 'FAIL'}")
    if not ok:
        # where tests would pay most: the files with the most uncovered lines
        worst = sorted(d["files"], key=lambda fe: fe["line_covered"] - fe["line_total"])[:10]
        print("least-covered files (most lines not run by any test):")
        for fe in worst:
            miss = fe["line_total"] - fe["line_covered"]
            print(f"  {fe['filename']:<34} {fe['line_percent']:>5.1f}%  {miss:>4} lines not run")
    return 0


# ---------------------------------------------------------------- tear points

# Lines the tear tests print. A test that cuts the power at every store write
# of a scenario, checks the state after the power-up and carries on prints
# "cut points tried: N" (tests/state, tests/store); the ES8 download host
# prints its per-kind counters "…cuts…: N" (tests/download/download_host.py).
CUT_TRIED = re.compile(r"cut points tried: (\d+)")
CUT_COUNTER = re.compile(r"^((?:power )?cuts [^:]*): (\d+)\s*$")
TEST_NAME = re.compile(r'^\d+/\d+ Test: (\S+)')


def tear(path):
    """Sum the tear points the tests printed into ctest's LastTest.log."""
    per = {}
    test = "?"
    with open(path, errors="replace") as f:
        for line in f:
            m = TEST_NAME.match(line)
            if m:
                test = m.group(1)
                continue
            m = CUT_TRIED.search(line)
            if m:
                label = line.split("writes:")[0].strip() or "every store write"
                key = f"{test}: {label}".rstrip(": ")
                per[key] = per.get(key, 0) + int(m.group(1))
                continue
            m = CUT_COUNTER.match(line.strip())
            if m:
                key = f"{test}: {m.group(1)}"
                per[key] = per.get(key, 0) + int(m.group(2))
    total = sum(per.values())
    for k in sorted(per):
        print(f"  {k:<60} {per[k]:>6}")
    print(f"tear points exercised and recovered: {total} (in {len(per)} test scenarios)")
    return 0 if per else 2


# ---------------------------------------------------------------- negatives


def is_error_sw(sw1):
    """ISO 7816-4 §5.6 / TS 102 221 §10.2.1: warnings 62/63, errors 64-6F,
    TS 102 221 §10.2.1 security management 98xx (TS 31.102 §7.3 9862).
    61xx, 9000, 91xx, 92xx, 9Fxx are normal processing."""
    return (0x62 <= sw1 <= 0x6F) or sw1 == 0x98


def pattern_sw1(alt):
    """The fixed SW1 of one response pattern (docs/apdu-script.md), or None
    when its status word is not fixed (`*`, `$var` or a masked high nibble)."""
    units = []
    for tok in alt.split():
        if tok == "*" or tok.startswith("$"):
            units.append(None)
            continue
        if len(tok) % 2:
            return None
        for i in range(0, len(tok), 2):
            units.append(tok[i:i + 2])
    if len(units) < 2 or units[-2] is None:
        return None
    b = units[-2]
    if not re.fullmatch(r"[0-9A-Fa-f]{2}", b):
        return None
    return int(b, 16)


def script_negatives(path):
    """Steps of an APDU script whose every alternative expects an error SW."""
    n = 0
    pending = ""
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].rstrip()
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line, pending = pending + line, ""
            s = line.strip()
            if not s or s.startswith(".") or ":" not in s:
                continue
            pat = s.split(":", 1)[1]
            sws = [pattern_sw1(a) for a in pat.split("|")]
            if sws and all(x is not None and is_error_sw(x) for x in sws):
                n += 1
    return n


SW_LIT = (r'(?:0x(?:6[2-9A-Fa-f]|98)[0-9A-Fa-f]{2}|"(?:6[2-9A-F]|98)[0-9A-F]{2}"'
          r'|SW_(?!OK\b)[A-Z_]+)')
# a call whose last argument is an error status word: assert_int_equal(x, 0x6982),
# th_xfer(card, "80CA006600", "6A88"), es5(card, ..., "6A88")
C_CALL = re.compile(r"(\w+)\((?:[^()]|\([^()]*\))*,\s*" + SW_LIT + r"\s*\)")
PY_LINE = re.compile(r'\b0x(?:6[2-9A-Fa-f]|98)[0-9A-Fa-f]{2}\b|"(?:6[2-9A-F]|98)[0-9A-F]{2}"')


def negatives(root):
    tests = os.path.join(root, "tests")
    # 1. APDU scripts run as acceptance tests (tests/cli/data holds the CLI's
    #    own mismatch / syntax-error fixtures, which are not card checks)
    scripts = sorted(p for p in glob.glob(os.path.join(tests, "**", "*.apdu"), recursive=True)
                     if "/tests/cli/data/" not in p)
    n_script = sum(script_negatives(p) for p in scripts)
    # 2. C tests: checks whose expected value is an error SW
    n_c = 0
    for p in glob.glob(os.path.join(tests, "**", "*.c"), recursive=True):
        with open(p, errors="replace") as f:
            for line in f:
                for m in C_CALL.finditer(line):
                    # library calls take 6Fxx file ids as arguments, and
                    # assert_int_equal(node->fid, 0x6F07) compares a file id
                    if m.group(1).startswith("veuicc_") or m.group(1) == "sizeof":
                        continue
                    if "fid" in m.group(0).lower():
                        continue
                    n_c += 1
    # 3. independent hosts (Python) and shell tests: lines expecting an error SW
    n_py = 0
    for ext in ("py", "sh"):
        for p in glob.glob(os.path.join(tests, "**", "*." + ext), recursive=True):
            with open(p, errors="replace") as f:
                n_py += sum(1 for line in f if PY_LINE.search(line))
    total = n_script + n_c + n_py
    print(f"  {'APDU script steps expecting an error SW':<52} {n_script:>6}  ({len(scripts)} scripts)")
    print(f"  {'C test checks expecting an error SW':<52} {n_c:>6}")
    print(f"  {'Python/shell host lines expecting an error SW':<52} {n_py:>6}")
    print(f"negative cases answered per spec (static count of check sites): {total}")
    return 0


def main(argv):
    cmds = {"fuzz": fuzz, "coverage": coverage, "tear": tear, "negatives": negatives}
    if len(argv) != 3 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
