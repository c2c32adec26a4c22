#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent check of `veuicc sm smsr-change` (ctest sm/smsr_change; docs/sm.md).

For P-256 and brainpoolP256r1 (tests/data/sm/factory_<curve>.json, the
minted PKI of tests/data/cert/minted/<curve>), on a fresh card file:

- `veuicc sm smsr-change --transcript T --json`: exit 0, five steps ok;
- from the transcript, on python3-cryptography and sharing no code with
  src/ or tools/: 3A01 carries CERT.SR.ECDSA; the 3A02 signature verifies
  with PK.SR.ECDSA of that certificate over 3A02 || 7F49 || 00 85 10 RC;
  ShS from the ECASD's private key (the factory's test key) and ePK.SR.ECKA,
  the X9.63 KDF and the receipt equal the card's receipt; the KIc, KID, DEK
  derived here are the state file's new SM-SR keys, and their key check
  values are those `veuicc card status --json` shows for the card's only
  key set left (the new KVN); the DELETE names every old set (F2 03 KVN 01
  last) and was answered 00 9000;
- `veuicc sm audit` with the state file (new keys) succeeds; with a fresh
  state (the factory's SM-SR1 keys) it fails: no PoR;
- `--new-kvn 5 --keep-old`: three steps, the card keeps KVN 01, 30 and 05,
  both the old and the new keys are answered;
- P-256: afterwards SM-SR2 runs the card with its keys (address, CreateISDP,
  key establishment, download, enable); the notification comes by SMS under
  the new key set and is confirmed;
- `run --smsr-change` on brainpoolP256r1: the whole chain, then the change.

Negative: an SM-DP certificate and key as SM-SR2: exit 1, 6A80 named with
"not an SM-SR certificate", the key sets (KVN and check values) and the
state file's keys unchanged, the old keys still answered.

usage: smsr_change_oracle.py VEUICC REPO WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sm_oracle as so  # noqa: E402  (TLV, KDF, CMAC helpers; python3-cryptography)

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

check = so.check


def kcv(key):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return (e.update(bytes([1] * 16)) + e.finalize())[:3].hex().upper()


class Env:
    def __init__(self, exe, repo, work, curve):
        self.exe, self.repo, self.curve = exe, repo, curve
        self.factory = os.path.join(repo, "tests/data/sm/factory_%s.json" % curve)
        self.pki = os.path.join(repo, "tests/data/cert/minted", curve)
        self.db = os.path.join(work, "smsr-%s.db" % curve)

    def fresh(self, name):
        self.db = os.path.join(os.path.dirname(self.db), "smsr-%s-%s.db" % (self.curve, name))
        for f in (self.db, self.db + ".sm", self.db + ".tr", self.db + ".old"):
            if os.path.exists(f):
                os.remove(f)
        subprocess.run([self.exe, "card", "--card", self.db, "create", "--factory", self.factory],
                       check=True, capture_output=True)
        # SM-SR1 in another process: a counter above any the run used
        with open(self.db + ".old", "w") as f:
            f.write("counter 9000000000\n")

    def sm(self, *args, state=None, pki=None):
        cmd = [self.exe, "sm", "--card", self.db, "--factory", self.factory,
               "--pki", pki or self.pki]
        if state:
            cmd += ["--state", state]
        return subprocess.run(cmd + list(args), capture_output=True, text=True)

    def status(self):
        p = subprocess.run([self.exe, "card", "--card", self.db, "status", "--json"],
                           capture_output=True, text=True)
        return json.loads(p.stdout)

    def keysets(self):
        return [(k["type"], k["kvn"], tuple(k["kcv"])) for k in self.status()["isdr"]["keysets"]]


def state_smsr(path):
    for line in open(path):
        w = line.split()
        if w and w[0] == "smsr":
            return int(w[1], 16), [bytes.fromhex(x) for x in w[2:5]]
    return None


def verify_transcript(env, tag, tr):
    """Re-derive SM-SR2's keys from the transcript; returns (KVN, [KIc, KID, DEK])."""
    cv, stem = so.CURVES[env.curve]
    sc = so.scripts(tr)
    cert = open(os.path.join(env.pki, "smsr.7f21"), "rb").read()
    i01 = next(i for i, (cs, _) in enumerate(sc) if cs[0][1] == 0xE2 and cs[0][5:7] == b"\x3a\x01")
    cs, rs = sc[i01]
    check(tag + ": 3A01 carries CERT.SR.ECDSA", cs[0][8:8 + len(cert)] == cert)
    rc = so.find(rs[0][:-2], 0x85)
    cs, rs = sc[i01 + 1]
    d = cs[0][5:5 + cs[0][4]]
    check(tag + ": 3A02 straight to the ISD-R (STORE DATA 89 01, no INSTALL)",
          cs[0][:4] == bytes.fromhex("80E28901") and d[:2] == b"\x3a\x02")
    n = d[2]
    a6 = d[3:3 + n]
    rest = d[3 + n:]
    t7f49 = rest[:3 + rest[2]]
    sig = so.find(rest[len(t7f49):], 0x5F37)
    epk = so.find(so.find(t7f49, 0x7F49), 0xB0)
    pk_sr = ec.EllipticCurvePublicKey.from_encoded_point(
        cv, so.find(so.find(so.find(cert, 0x7F21), 0x7F49), 0xB0))
    try:
        pk_sr.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                          int.from_bytes(sig[32:], "big")),
                     d[:3 + n] + t7f49 + b"\x00\x85\x10" + rc, ec.ECDSA(hashes.SHA256()))
        good = True
    except Exception:  # noqa: BLE001
        good = False
    check(tag + ": 3A02 signature verifies with PK.SR.ECDSA", good)
    crt = so.find(a6, 0xA6)
    usage, ktype, klen, kvn = (so.find(crt, t) for t in (0x95, 0x80, 0x81, 0x83))
    sp = so.find(crt, 0x90)[1]
    check(tag + ": CRT asks for three AES-128 keys of an SCP80 set",
          usage == b"\x10" and ktype == b"\x88" and klen == b"\x10" and 1 <= kvn[0] <= 15)
    sk = serialization.load_pem_private_key(open(os.path.join(
        env.repo, "tests/data/cert/keys/SK_EUICC_ECDSA_%s.pem" % stem), "rb").read(), None)
    shs = sk.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(cv, epk))
    rsp = rs[0][:-2]
    dr = so.find(rsp, 0x85) if sp & 0x02 else b""
    kd = so.x963(shs, usage + ktype + klen + dr, 64)
    check(tag + ": the card's receipt = the oracle's (ShS, X9.63 KDF, CMAC)",
          so.find(rsp, 0x86) == so.aes_cmac(kd[:16], a6 + (b"\x85\x10" + dr if dr else b"")))
    # FinaliseISDRHandover: DELETE of the old sets, answered 00
    dele = [(cs, rs) for cs, rs in sc if cs[0][1] == 0xE4]
    return kvn[0], [kd[16:32], kd[32:48], kd[48:64]], dele


def change(env):
    tag = env.curve
    env.fresh("change")
    before = env.keysets()
    check(tag + ": factory key sets SCP80 01, SCP03 30",
          [(t, k) for t, k, _ in before] == [("scp80", 1), ("scp03", 48)])
    tr = env.db + ".tr"
    p = env.sm("--transcript", tr, "--json", "smsr-change")
    check(tag + ": smsr-change exits 0 (%d)" % p.returncode, p.returncode == 0)
    if p.returncode:
        print(p.stdout, p.stderr)
        return
    js = json.loads(p.stdout)
    check(tag + ": 5 steps, all ok, the last one the old keys refused",
          len(js["steps"]) == 5 and all(s["ok"] for s in js["steps"]) and
          "no PoR" in js["steps"][4]["detail"])
    kvn, keys, dele = verify_transcript(env, tag, tr)
    check(tag + ": new KVN 02 (the first free SCP80 KVN)", kvn == 2)
    check(tag + ": the state file holds the keys derived here",
          state_smsr(env.db + ".sm") == (kvn, keys))
    check(tag + ": the card's only key set is SCP80 KVN 02 with the derived keys' KCVs",
          env.keysets() == [("scp80", 2, tuple(kcv(k) for k in keys))])
    # the factory SCP80 set has KIc and KID only (GET DATA E0: key ids 01-02)
    check(tag + ": one DELETE F203 010102 F203 300103 answered 00 9000",
          len(dele) == 1 and dele[0][0][0][5:5 + dele[0][0][0][4]] ==
          bytes.fromhex("F203010102F203300103") and dele[0][1][0] == b"\x00\x90\x00")
    p = env.sm("audit")
    check(tag + ": audit under the new keys (state file) exits 0 (%d)" % p.returncode,
          p.returncode == 0)
    p = env.sm("audit", state=env.db + ".old")
    check(tag + ": audit under SM-SR1's keys: exit 1, no PoR (%d)" % p.returncode,
          p.returncode == 1 and "no PoR" in p.stdout and "KVN 01 unknown" in p.stdout)
    if env.curve == "nist":
        manage_after(env)


def manage_after(env):
    """SM-SR2 runs the card with its own keys: SCP80 scripts, ES8 through them,
    the notification comes by SMS under the new key set and is confirmed."""
    tag = env.curve + "/after the change"
    aid = "A0000005591010FFFFFFFF8900001200"
    prof = os.path.join(env.repo, "tests/data/saip/profiles",
                        "TS48_V6.0_eSIM_GTP_SAIP2.3_NoBERTLV.der")
    for args in (("smsr-address", "+4479000002"), ("create-isdp", aid),
                 ("establish-keys", aid), ("download", prof, aid), ("enable", aid)):
        p = env.sm(*args)
        check(tag + ": %s exits 0 (%d)" % (args[0], p.returncode), p.returncode == 0)
    p = env.sm("notifications")
    check(tag + ": the notification arrives under SM-SR2's keys and is confirmed",
          p.returncode == 0 and "sequence 1, ISD-P " + aid in p.stdout and
          "1 notification(s) confirmed" in p.stdout)
    st = env.status()
    check(tag + ": the new profile enabled, nothing pending",
          [x["state"] for x in st["isdps"] if x["aid"] == aid] == ["enabled"] and
          st["notifications"] == [])


def keep_old(env):
    tag = env.curve + "/keep-old"
    env.fresh("keep")
    p = env.sm("--json", "--new-kvn", "5", "--keep-old", "smsr-change")
    check(tag + ": exit 0 (%d)" % p.returncode, p.returncode == 0)
    js = json.loads(p.stdout) if p.stdout else {"steps": []}
    check(tag + ": 3 steps, no FinaliseISDRHandover",
          len(js["steps"]) == 3 and "keep-old" in js["steps"][2]["detail"])
    kvn, keys = state_smsr(env.db + ".sm")
    check(tag + ": KVN 01, 30 kept, 05 added with the state file's keys",
          kvn == 5 and [(t, k) for t, k, _ in env.keysets()] ==
          [("scp80", 1), ("scp03", 48), ("scp80", 5)] and
          env.keysets()[2][2] == tuple(kcv(k) for k in keys))
    check(tag + ": new keys answered", env.sm("audit").returncode == 0)
    check(tag + ": old keys still answered",
          env.sm("audit", state=env.db + ".old").returncode == 0)
    p = env.sm("--new-kvn", "1", "smsr-change")
    check(tag + ": --new-kvn of a set in use: exit 1, said (%d)" % p.returncode,
          p.returncode == 1 and "KVN 01 is in use" in p.stdout)
    check(tag + ": --new-kvn 16 is a usage error",
          env.sm("--new-kvn", "16", "smsr-change").returncode == 2)


def negative(env, work):
    tag = env.curve + "/SM-DP as SM-SR"
    env.fresh("neg")
    bad = os.path.join(work, "pki-dp-as-sr-" + env.curve)
    os.makedirs(bad, exist_ok=True)
    shutil.copy(os.path.join(env.pki, "smdp.7f21"), os.path.join(bad, "smsr.7f21"))
    shutil.copy(os.path.join(env.repo, "tests/data/cert/keys/SK_S_SM_DPauth_ECDSA_%s.pem"
                             % so.CURVES[env.curve][1]), os.path.join(bad, "smsr.pem"))
    before = env.keysets()
    p = env.sm("smsr-change", pki=bad)
    check(tag + ": exit 1 (%d)" % p.returncode, p.returncode == 1)
    check(tag + ": 6A80 named, not an SM-SR certificate, nothing changed",
          "6A80" in p.stdout and "not an SM-SR certificate" in p.stdout and
          "unchanged" in p.stdout)
    check(tag + ": the key sets (KVN, KCV) are the factory's", env.keysets() == before)
    check(tag + ": the state file keeps SM-SR1's keys", state_smsr(env.db + ".sm") is None)
    check(tag + ": SM-SR1's keys still answered", env.sm("audit").returncode == 0)


def run_chain(env):
    tag = env.curve + "/run --smsr-change"
    env.fresh("run")
    p = env.sm("--json", "--smsr-change", "run",
               os.path.join(env.repo, "tests/data/saip/profiles",
                            "TS48_V5.0_eSIM_GTP_SAIP2.3_NoBERTLV.der"))
    check(tag + ": exit 0 (%d)" % p.returncode, p.returncode == 0)
    js = json.loads(p.stdout) if p.stdout else {"steps": []}
    check(tag + ": 15 steps, all ok", len(js["steps"]) == 15 and all(s["ok"] for s in js["steps"]))
    st = env.status()
    check(tag + ": the profile enabled, only SCP80 KVN 02 left",
          any(x["state"] == "enabled" for x in st["isdps"]) and
          [(k["type"], k["kvn"]) for k in st["isdr"]["keysets"]] == [("scp80", 2)])


def main():
    exe, repo, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    for curve in ("nist", "brp"):
        env = Env(exe, repo, work, curve)
        change(env)
        negative(env, work)
    keep_old(Env(exe, repo, work, "nist"))
    run_chain(Env(exe, repo, work, "brp"))
    print("%d failure(s)" % len(so.FAILS))
    return 1 if so.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
