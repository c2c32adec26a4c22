#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extract the key facts of every SAIP test profile into tests/data/saip/facts.txt.

Independent of veuicc's decoder: for the 17 profiles published with ASN.1 value
notation (tests/data/saip/profiles/*.txt) the facts are read from that text with
the small value-notation parser below; for the other 14 they are read from the
per-profile table and the shared-facts bullets of tests/data/saip/FACTS.md.

Usage (from the repository root):  python3 tests/saip/extract_facts.py
test_saip.c checks the decoded .der files against the output.

Output format, one block per profile, one fact per line:
    profile <file.der>
    source txt|facts
    iccid <hex of the header iccid, as in the value notation>
    pes <ProfileElement alternative names in order>
    services <eUICC-Mandatory-services names>
    gfste <number of eUICC-Mandatory-GFSTEList OIDs>
    aka <algorithmID name of each akaParameter PE>
    sd <instance AID> keys <n> [kvn <keyVersionNumber of each key in order>]
    rfm <instance AID> tars <n> [<TAR> ...] adf <0|1>
    end
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "saip"


# ---- ASN.1 value notation (X.680 clause 17 subset used by the TS.48 files) ----

TOKEN = re.compile(r"""\s*(?:
    (?P<hstr>'[0-9A-Fa-f\s]*'H) |
    (?P<cstr>"(?:[^"]|"")*") |
    (?P<num>-?\d+) |
    (?P<ident>[A-Za-z][A-Za-z0-9-]*) |
    (?P<punct>::=|[{}:,])
)""", re.X)


def tokenize(text):
    pos, out = 0, []
    text = text.lstrip("\ufeff")
    while True:
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].strip()
            if rest:
                raise ValueError("cannot tokenize at: %r" % rest[:40])
            return out
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))


class Parser:
    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self, want=None):
        tok = self.t[self.i]
        if want and tok[1] != want:
            raise ValueError("expected %s, got %s" % (want, tok))
        self.i += 1
        return tok

    def value(self):
        kind, v = self.peek()
        if v == "{":
            return self.block()
        self.take()
        if kind == "hstr":
            return bytes.fromhex(re.sub(r"\s", "", v[1:-2]))
        if kind == "cstr":
            return v[1:-1].replace('""', '"')
        if kind == "num":
            return int(v)
        if kind == "ident":
            if self.peek()[1] == ":":  # CHOICE value: alternative : value
                self.take(":")
                return ("choice", v, self.value())
            return ("name", v)  # NULL or a named number
        raise ValueError("unexpected %s" % v)

    def block(self):
        self.take("{")
        if self.peek()[1] == "}":
            self.take("}")
            return []
        # OBJECT IDENTIFIER value: { 2 23 143 ... }
        if self.peek()[0] == "num" and self.peek(1)[0] == "num":
            arcs = []
            while self.peek()[1] != "}":
                arcs.append(int(self.take()[1]))
            self.take("}")
            return ("oid", tuple(arcs))
        items = []
        while True:
            kind, v = self.peek()
            nxt = self.peek(1)[1]
            if kind == "ident" and nxt not in (",", "}", ":"):
                self.take()
                items.append((v, self.value()))  # named component
            else:
                items.append((None, self.value()))  # SEQUENCE OF element
            if self.peek()[1] == ",":
                self.take(",")
                continue
            self.take("}")
            return items


def parse_txt(path):
    p = Parser(tokenize(path.read_text(encoding="utf-8-sig")))
    pes = []
    while p.peek()[0]:
        p.take()  # valueN
        p.take()  # ProfileElement
        p.take("::=")
        pes.append(p.value())  # ("choice", type, body)
    return pes


def get(items, name):
    for k, v in items:
        if k == name:
            return v
    return None


def facts_from_txt(path):
    pes = parse_txt(path)
    f = {"source": "txt", "pes": [pe[1] for pe in pes], "aka": [], "sd": [], "rfm": []}
    for _, typ, body in pes:
        if typ == "header":
            f["iccid"] = get(body, "iccid").hex().upper()
            f["services"] = [k for k, _ in get(body, "eUICC-Mandatory-services")]
            f["gfste"] = len(get(body, "eUICC-Mandatory-GFSTEList"))
        elif typ == "akaParameter":
            conf = get(body, "algoConfiguration")
            assert conf[0] == "choice"
            f["aka"].append(get(conf[2], "algorithmID")[1] if conf[1] == "algoParameter"
                            else "mappingParameter")
        elif typ == "securityDomain":
            inst = get(body, "instance")
            keys = get(body, "keyList") or []
            kvn = [get(k, "keyVersionNumber").hex().upper() for _, k in keys]
            f["sd"].append((get(inst, "instanceAID").hex().upper(), len(keys), kvn))
        elif typ == "rfm":
            tars = [t.hex().upper() for _, t in (get(body, "tarList") or [])]
            f["rfm"].append((get(body, "instanceAID").hex().upper(), len(tars), tars,
                             get(body, "adfRFMAccess") is not None))
    return f


# ---- FACTS.md --------------------------------------------------------------------

def facts_md():
    text = (DATA / "FACTS.md").read_text(encoding="utf-8")
    classes, rows = {}, {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[A-Z]", cells[0]) and cells[1].isdigit():
            classes[cells[0]] = cells[2].split()
        if len(cells) >= 16 and cells[1].startswith("`") and cells[1].endswith(".der`"):
            rows[cells[1].strip("`")] = cells
    m = re.search(r"TARs ([0-9A-F]{6}) \(UICC\), ([0-9A-F]{6}), ([0-9A-F]{6}), ([0-9A-F]{6})", text)
    rfm_tars = list(m.groups())
    return classes, rows, rfm_tars


def facts_from_md(name, classes, rows, rfm_tars):
    c = rows[name]
    # columns: location, file, bytes, class, #PEs, hdr ver, profileType, ICCID, services,
    #          #GFSTE, PUKs, pin, aka, sd, rfm, decode
    f = {"source": "facts", "iccid": c[7], "pes": classes[c[3]],
         "services": [s.strip() for s in c[8].split(",")], "gfste": int(c[9]),
         "aka": [a.strip() for a in c[12].split(",")], "sd": [], "rfm": []}
    assert len(f["pes"]) == int(c[4])
    for aid, n in re.findall(r"([0-9A-F]+)\((\d+)keys\)", c[13]):
        f["sd"].append((aid, int(n), None))
    rfms = re.findall(r"([0-9A-F]+)\((\d+)TAR(,ADF)?\)", c[14])
    for k, (aid, n, adf) in enumerate(rfms):
        tars = [rfm_tars[k]] if len(rfms) == len(rfm_tars) and int(n) == 1 else []
        f["rfm"].append((aid, int(n), tars, bool(adf)))
    return f


def main():
    classes, rows, rfm_tars = facts_md()
    ders = sorted(p.name for p in (DATA / "profiles").glob("*.der"))
    out = ["# GENERATED by tests/saip/extract_facts.py from the .txt value notation and",
           "# FACTS.md in tests/data/saip; do not edit."]
    for name in ders:
        txt = (DATA / "profiles" / name).with_suffix(".txt")
        f = facts_from_txt(txt) if txt.exists() else facts_from_md(name, classes, rows, rfm_tars)
        out.append("profile " + name)
        out.append("source " + f["source"])
        out.append("iccid " + f["iccid"])
        out.append("pes " + " ".join(f["pes"]))
        out.append("services " + " ".join(f["services"]))
        out.append("gfste %d" % f["gfste"])
        out.append("aka " + " ".join(f["aka"]))
        for aid, n, kvn in f["sd"]:
            out.append("sd %s keys %d" % (aid, n) + (" kvn " + " ".join(kvn) if kvn is not None else ""))
        for aid, n, tars, adf in f["rfm"]:
            out.append("rfm %s tars %d %s adf %d" % (aid, n, " ".join(tars), adf))
        out.append("end")
    (DATA / "facts.txt").write_text("\n".join(out) + "\n")
    print("wrote %d profiles to %s" % (len(ders), DATA / "facts.txt"), file=sys.stderr)


if __name__ == "__main__":
    main()
