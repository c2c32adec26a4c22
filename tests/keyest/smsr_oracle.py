#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent off-card SM-SR change (ctest smsr_oracle).

SGP.02 §3.8 as SM-SR1 (the card's current key sets) and SM-SR2 (new keys
through the ECASD) see it, written from the SGP.02 digest (§3.10, §3.11,
§4.1, §10) on python3-cryptography; no code is shared with src/. The
Scenario#3 helpers (KDF, receipt, ECDSA) are smdp_oracle.py's, the SCP80
command packets and PoRs tests/scp80/oracle.py's, the ENVELOPE coding
tests/cat/envelope_oracle.py's. Against keyest_io and a card file made from
factory/default.json (SCP80 KVN 01, SCP81 KVN 40, SCP03 KVN 30):

  1. EstablishISDRKeySet relayed by SM-SR1 in SCP80 packets under KVN 01:
     3A01 with CERT.SR.ECDSA -> RC; (restart: the challenge is gone, 6985);
     3A01 again, 3A02 with the A6 CRT of the WHTY SM-SR change (KVN 02, three
     keys), signed with SK.SR.ECDSA -> receipt checked against the oracle's
     ShS / KDF / CMAC; the card's new key set equals KIc, KID, DEK derived here
  2. negatives (state unchanged): SM-DP certificate, signature by another
     key, KVN already used, replayed 3A02
  3. restart; packets under KVN 01 (old) and KVN 02 (new, counter from 0)
     both accepted
  4. FinaliseISDRHandover under the new keys: deleting the set protecting
     the command 6985, an unknown set 6A88; then F203 010103 F203 400102
     -> 00 9000; a packet under KVN 01 is dropped silently (status 06,
     SGP.02 §2.4.3), KVN 02 still works; again after a restart; a replayed
     KVN 02 packet gets status 02; in an SCP03 session (tests/scp03/host.py)
     on KVN 30, deleting KVN 30 gives 6985
  5. UpdateSMSRAddressingParameters under the new keys
  6. brainpoolP256r1: the same EstablishISDRKeySet on an ECASD personalised
     with the SGP.26 BRP eUICC key (plain ES5, test mode), SCP03 KVN 31 set
     (95 5C, DR); an SCP03 session opens with it, sequence counter 1

usage: smsr_oracle.py KEYEST_IO DATA_DIR FACTORY_JSON WORK_DIR
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "scp80"))
sys.path.insert(0, os.path.join(HERE, "..", "cat"))
sys.path.insert(0, os.path.join(HERE, "..", "scp03"))
import smdp_oracle as so  # noqa: E402
import oracle as scp80  # noqa: E402
from envelope_oracle import OA, envelope, tlv  # noqa: E402
from host import Host  # noqa: E402  (tests/scp03: an independent SCP03 host)

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

ISDR_TAR = bytes([0, 0, 1])
SPI = bytes([0x16, 0x19])  # CC, ciphering, counter higher; PoR required, CC, ciphered
OLD = scp80.Keys(scp80.AES, bytes(range(16)), scp80.AES, bytes(range(0x10, 0x20)), 1)
# the WHTY SM-SR change CRT (digest §4.1 / H3): scenario 3 params 09, 3 keys,
# AES-128, key id 1, KVN 02 = an SCP80 key set, no initial counter
CRT_WHTY = bytes.fromhex("90020309 950110 800188 810110 820101 830102 9100")
check = so.check


class SmSr:
    """SM-SR2: one EstablishISDRKeySet, computed off-card."""

    def __init__(self, data_dir, curve, key="SK_S_SM_DPpb_ECDSA_%s.pem", cert="smsr"):
        self.ref, self.cv, self.stem = so.CURVES[curve]
        self.sk = so.load_key(data_dir, key % self.stem)
        self.cert = so.read_file(data_dir, "cert/minted/%s/%s.7f21" % (curve, cert))

    def params(self, crt, rc, pk_ecasd, signer=None):
        self.a6 = so.tlv(0xA6, crt)
        self.usage = crt[crt.index(b"\x95\x01") + 2]
        self.sp = crt[3]
        self.esk = ec.generate_private_key(self.cv)
        epk = so.tlv(0xB0, so.point(self.esk.public_key())) + bytes([0xF0, 0x01, self.ref])
        head = so.dgi(0x3A02, self.a6) + so.tlv(0x7F49, epk)
        sig = so.sign_raw(signer or self.sk, head + b"\x00\x85" + bytes([len(rc)]) + rc)
        self.shs = self.esk.exchange(ec.ECDH(), pk_ecasd)
        return head + so.tlv(0x5F37, sig)

    def expect(self, dr):
        si = bytes([self.usage, 0x88, 0x10]) + (dr if self.sp & 0x02 else b"")
        n = 3 if self.usage == 0x10 else 1
        kd = so.x963(self.shs, si, 16 * (1 + n))
        keys = [kd[16 * (1 + i):16 * (2 + i)] for i in range(n)]
        self.keys = keys if n == 3 else keys * 3
        return so.aes_cmac(kd[:16], self.a6 + (so.tlv(0x85, dr) if self.sp & 0x02 else b""))


def envelopes(pkt, ref):
    """The packet in one SMS-PP ENVELOPE, or in concatenated ones (TS 23.040
    §9.2.3.24.1 IE 00 before the command packet identifier 70 00 in part 1,
    140-octet UDs; TS 31.115 §4)."""
    if 3 + len(pkt) <= 140:
        return [envelope(pkt)]
    chunks, p = [], 0
    while p < len(pkt):
        n = 132 if not chunks else 134
        chunks.append(pkt[p:p + n])
        p += n
    out = []
    for i, c in enumerate(chunks):
        ie = bytes([0x00, 0x03, ref, len(chunks), i + 1]) + (b"\x70\x00" if i == 0 else b"")
        ud = bytes([len(ie)]) + ie + c
        tpdu = (bytes([0x40]) + OA + bytes([0x7F, 0xF6]) + bytes.fromhex("00112912000004") +
                bytes([len(ud)]) + ud)
        d1 = tlv(0xD1, tlv(0x82, bytes([0x83, 0x81])) + tlv(0x8B, tpdu))
        out.append(bytes([0x80, 0xC2, 0x00, 0x00, len(d1)]) + d1 + b"\x00")
    return out


class Ota:
    """SM-SR end of SCP80: one ISD-R script per SMS-PP ENVELOPE."""

    def __init__(self, card, keys):
        self.card, self.keys, self.cntr = card, keys, 0

    def send(self, capdus, cntr=None):
        """Returns the R-APDUs (data, SW) of the PoR, or None (no PoR)."""
        if cntr is None:
            self.cntr += 1
            cntr = self.cntr
        c5 = cntr.to_bytes(5, "big")
        script = so.tlv(0xAA, b"".join(so.tlv(0x22, bytes.fromhex(c)) for c in capdus))
        kic = self.keys.kvn << 4 | self.keys.kic_alg
        kid = self.keys.kvn << 4 | self.keys.kid_alg
        pkt = scp80.build_cmd(self.keys, SPI, kic, kid, ISDR_TAR, c5, script)
        self.ref = (getattr(self, "ref", 0) + 1) & 0xFF
        for e in envelopes(pkt, self.ref):
            r = bytes.fromhex(self.card.cmd("A " + e.hex()))
        self.last_sw = int.from_bytes(r[-2:], "big")
        por = r[:-2]
        if not por:
            return None
        # response packet: 02 71 00 RPL RHL TAR | CNTR PCNTR status CC data (ciphered)
        sec = scp80.dec(self.keys.kic_alg, self.keys.kic, por[9:])
        head, cps, chk, body = por[:9], sec[:7], sec[7:15], sec[15:]
        check("PoR CC", chk == scp80.cc(self.keys.kid_alg, self.keys.kid, head + cps + body))
        self.status = cps[6]
        body = body[:len(body) - cps[5]]
        out = []
        if self.status == 0 and body:
            for t, v in so.read_tlvs(so.find(body, 0xAB) or b""):
                if t == 0x23:
                    out.append((v[:-2], int.from_bytes(v[-2:], "big")))
        return out

    def one(self, capdu):
        r = self.send([capdu])
        return r[0] if r else (None, None)


def scp03_session(card, kvn, enc, mac, dek, tag):
    """INITIALIZE UPDATE / EXTERNAL AUTHENTICATE (C-MAC) on the ISD-R with
    tests/scp03/host.py; returns the host and the sequence counter."""
    card.ok("SELECT ISD-R", "00A4040C 10" + so.ISDR)
    h = Host(kvn, enc, mac, dek)
    rsp = card.ok(tag + ": INITIALIZE UPDATE", h.init_update(os.urandom(8)).hex())
    h.parse_iu(rsp, bytes.fromhex(so.ISDR))  # card challenge and cryptogram checked
    card.ok(tag + ": EXTERNAL AUTHENTICATE", h.ext_auth(0x01).hex())
    return h, int.from_bytes(h.seq, "big")


def scp03_send(card, h, apdu_hex):
    r = bytes.fromhex(card.cmd("A " + h.wrap(bytes.fromhex(apdu_hex)).hex()))
    data, sw = h.unwrap_rsp(r)
    return data, int.from_bytes(sw, "big")


def keysets(card):
    r = card.cmd("S")
    return [] if r == "NONE" else [tuple(x.split(":")) for x in r.split()]


def ecasd_pub(card):
    pub, _, _ = so.ecasd_info(card)
    return pub


def capdu(ins_p1p2, data):
    return ins_p1p2 + "%02X" % len(data) + data.hex() + "00"


def establish_ota(card, sr, ota, pk, crt, tag):
    """3A01 + 3A02 through SCP80 packets; returns the 3A02 C-APDU."""
    rsp, sw = ota.one(capdu("80E20900", so.dgi(0x3A01, sr.cert)))
    check(tag + ": 3A01 -> 85 10 RC 9000 (%s)" % sw, sw == 0x9000 and rsp[:2] == b"\x85\x10")
    rc = rsp[2:18]
    a = capdu("80E28901", sr.params(crt, rc, pk))
    rsp, sw = ota.one(a)
    check(tag + ": 3A02 9000 (%s)" % sw, sw == 0x9000)
    dr = so.find(rsp, 0x85) if sr.sp & 0x02 else b""
    check(tag + ": receipt", so.find(rsp, 0x86) == sr.expect(dr))
    return a


def run(exe, data_dir, factory, work):
    path = os.path.join(work, "card-smsr.db")
    if os.path.exists(path):
        os.remove(path)
    card = so.Card(exe)
    card.cmd("F %s %s" % (path, factory))
    before = keysets(card)
    check("factory key sets: SCP80 01, SCP81 40, SCP03 30",
          [(t, k) for t, k, *_ in before] == [("0", "01"), ("1", "40"), ("2", "30")])
    pk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ecasd_pub(card))
    old = Ota(card, OLD)

    # 1. the challenge does not survive a restart
    sr = SmSr(data_dir, "nist")
    rsp, sw = old.one(capdu("80E20900", so.dgi(0x3A01, sr.cert)))
    check("3A01 before restart (%s)" % sw, sw == 0x9000)
    card.cmd("R")
    rsp, sw = old.one(capdu("80E28901", sr.params(CRT_WHTY, rsp[2:18], pk)))
    check("3A02 after a restart -> 6985 (%s)" % sw, sw == 0x6985)
    check("no key set after 6985", keysets(card) == before)

    # 2. negatives, nothing changes
    dp = SmSr(data_dir, "nist", "SK_S_SM_DPauth_ECDSA_%s.pem", "smdp")
    _, sw = old.one(capdu("80E20900", so.dgi(0x3A01, dp.cert)))
    check("SM-DP certificate on the ISD-R -> 6A80 (%s)" % sw, sw == 0x6A80)
    rsp, sw = old.one(capdu("80E20900", so.dgi(0x3A01, sr.cert)))
    other = so.load_key(data_dir, "SK_S_SM_DPauth_ECDSA_NIST.pem")
    _, sw = old.one(capdu("80E28901", sr.params(CRT_WHTY, rsp[2:18], pk, signer=other)))
    check("3A02 signed by another key -> 6982 (%s)" % sw, sw == 0x6982)
    rsp, sw = old.one(capdu("80E20900", so.dgi(0x3A01, sr.cert)))
    crt_taken = CRT_WHTY.replace(bytes.fromhex("830102"), bytes.fromhex("830101"))
    _, sw = old.one(capdu("80E28901", sr.params(crt_taken, rsp[2:18], pk)))
    check("KVN 01 already used -> 6A80 (%s)" % sw, sw == 0x6A80)
    check("no key set after the refusals", keysets(card) == before)

    # the SM-SR change proper, relayed by SM-SR1
    a3a02 = establish_ota(card, sr, old, pk, CRT_WHTY, "nist/ota")
    after = keysets(card)
    check("new SCP80 set KVN 02 = KIc, KID, DEK derived off-card",
          after[:3] == before and
          after[3:] == [("0", "02", sr.keys[0].hex(), sr.keys[1].hex(), sr.keys[2].hex())])
    _, sw = old.one(a3a02)
    check("replayed 3A02 -> 6985 (%s)" % sw, sw == 0x6985)
    check("replay leaves the key sets", keysets(card) == after)

    # 3. both SM-SRs reach the card, also after a restart
    card.cmd("R")
    check("key sets after reopening", keysets(card) == after)
    new = Ota(card, scp80.Keys(scp80.AES, sr.keys[0], scp80.AES, sr.keys[1], 2))
    _, sw = old.one("80CA00E000")
    check("old keys still accepted before the handover (%s)" % sw, sw == 0x9000)
    info, sw = new.one("80CA00E000")
    check("NEW keys accepted, counter 1 (%s)" % sw, sw == 0x9000 and new.status == 0)
    check("key information lists KVN 02", info is not None and
          bytes.fromhex("C00401028810") in info)

    # 4. FinaliseISDRHandover
    _, sw = new.one("80E4000005F203020103" + "00")
    check("deleting the set protecting the command -> 6985 (%s)" % sw, sw == 0x6985)
    _, sw = new.one("80E4000005F203050103" + "00")
    check("deleting an unknown set -> 6A88 (%s)" % sw, sw == 0x6A88)
    check("no deletion on errors", keysets(card) == after)
    rsp, sw = new.one("80E400000AF203010103F203400102" + "00")
    check("FinaliseISDRHandover -> 00 9000 (%s)" % sw, sw == 0x9000 and rsp == b"\x00")
    left = keysets(card)
    check("SM-SR1's SCP80 and SCP81 sets gone", [k for _, k, *_ in left] == ["30", "02"])
    r = old.send(["80CA00E000"])
    check("old keys refused silently (no PoR, 9000)", r is None and old.last_sw == 0x9000)
    _, sw = new.one("80CA00E000")
    check("new keys after the handover (%s)" % sw, sw == 0x9000)
    card.cmd("R")
    check("deletion survives a restart", keysets(card) == left)
    r = old.send(["80CA00E000"])
    check("old keys refused after a restart", r is None and old.last_sw == 0x9000)
    _, sw = new.one("80CA00E000")
    check("new keys after a restart (%s)" % sw, sw == 0x9000)
    new.send(["80CA00E000"], cntr=new.cntr)
    check("replayed counter -> status 02", new.status == 0x02)

    # the SCP03 set of an ISD-R session cannot delete itself either
    h, _ = scp03_session(card, 0x30, bytes(range(0x30, 0x40)), bytes(range(0x40, 0x50)),
                         bytes(range(0x50, 0x60)), "SCP03 KVN 30")
    _, sw = scp03_send(card, h, "80E4000005F203300103")
    check("deleting the SCP03 session's own set -> 6985 (%04X)" % sw, sw == 0x6985)
    check("... nothing deleted", keysets(card) == left)
    card.ok("SELECT ISD-R (ends the session)", "00A4040C 10" + so.ISDR)

    # 5. the new SM-SR's address
    _, sw = new.one(capdu("80E28800", so.dgi(0x3A07, bytes.fromhex("A30781050691214365"))))
    check("UpdateSMSRAddressingParameters under the new keys (%s)" % sw, sw == 0x9000)
    card.close()

    # 6. brainpoolP256r1, plain ES5 in test mode, an SCP03 set
    path = os.path.join(work, "card-smsr-brp.db")
    if os.path.exists(path):
        os.remove(path)
    card = so.Card(exe)
    card.cmd("F %s %s" % (path, factory))
    euicc = so.load_key(data_dir, "SK_EUICC_ECDSA_BRP.pem")
    sk = euicc.private_numbers().private_value.to_bytes(32, "big")
    cert = so.read_file(data_dir, "cert/minted/brp/euicc.7f21")
    cis = []
    for st, ref in (("NIST", "00"), ("BRP", "03")):
        ci = so.load_key(data_dir, "SK_CI_ECDSA_%s.pem" % st)
        cis.append(ref + so.point(ci.public_key()).hex())
    card.cmd("I 03 %s %s %s" % (sk.hex(), cert.hex(), " ".join(cis)))
    pk = ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP256R1(), ecasd_pub(card))
    sr = SmSr(data_dir, "brp")
    card.ok("SELECT ISD-R", "00A4040C 10" + so.ISDR)
    rc = so.find(card.ok("3A01", so.apdu("80E20900", so.dgi(0x3A01, sr.cert))), 0x85)
    crt = bytes.fromhex("9002030A 95015C 800188 810110 820101 830131 9100")
    rsp = card.ok("3A02", so.apdu("80E28901", sr.params(crt, rc, pk)))
    dr = so.find(rsp, 0x85)
    check("brp: DR", dr is not None and len(dr) == 16)
    check("brp: receipt", so.find(rsp, 0x86) == sr.expect(dr))
    k = keysets(card)[-1]
    check("brp: SCP03 set KVN 31, one key as ENC, MAC, DEK",
          k == ("2", "31", sr.keys[0].hex(), sr.keys[0].hex(), sr.keys[0].hex()))
    h, seq = scp03_session(card, 0x31, sr.keys[0], sr.keys[0], sr.keys[0], "brp SCP03 KVN 31")
    check("brp: first session of the new set has sequence counter 1 (%d)" % seq, seq == 1)
    info, sw = scp03_send(card, h, "80CA00E000")
    check("brp: GET DATA E0 in the new session lists KVN 31 (%04X)" % sw,
          sw == 0x9000 and bytes.fromhex("C00401318810") in info)
    card.close()


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    run(*sys.argv[1:])
    if so.FAILS:
        print("%d failure(s)" % len(so.FAILS))
        return 1
    print("smsr oracle: EstablishISDRKeySet (P-256 over SCP80, brainpoolP256r1 plain), "
          "new keys proven by SCP80, FinaliseISDRHandover, old keys refused, restarts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
