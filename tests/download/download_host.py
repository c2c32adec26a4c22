#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ES8 download failures (issue 9 item 2; SGP.02 §3.1.3-3.1.4, digest
sgp02-euicc.md §4.2, §4.4, §7 item 7), ctest download_failures.

An independent SM-DP sharing no code with src/: the key establishment of
tests/keyest/smdp_oracle.py and the SCP03t host HostT of tests/scp03/host.py
(python3-cryptography). It drives dl_io (a persistent card in test mode, the
SM-SR's ES5 part sent plain) through the real ES8 path: SELECT ISD-R,
INSTALL [for personalization] of the ISD-P, STORE DATA forwarded by the ISD-R
(one "script" per SCP03t command, as WHTY sends them), a TS.48 package in
1024-byte segments. Every case ends with the card checked consistent:

  partial ISD-P: PERSONALIZED (0F), its key set kept, no profile installed,
  EnableProfile 6985; ES5.DeleteProfile of it answers 00 9000 and leaves the
  card as before CreateISDP (ISD-P and profile counts, free NVM of GET DATA
  FF21, no key set); a fresh download into a new ISD-P then succeeds.

Cases: every bit of the 84 value (9F44 03 for the KVN / key id; a flipped
host challenge is answered, the SM-DP then detects the card cryptogram and
its 85 gets 9F45 02) and of the 85 value (9F45 01 / 02, no session); a bit
flipped in the ciphertext and in the C-MAC of every segment
(9F46 02, session closed: the next segment 9F46 02 too); every bit of the
TLV header of the first, a middle and the last segment (6A80 framing error
with nothing processed, then the genuine segment continues the download,
or an error TLV); every segment replayed (9F46 02); every segment sent one
early and two early (9F46 02); an 86 of an earlier session (9F46 02);
replayed 3A02, 3A01 and 3A01+3A02 after the key establishment (6985, keys
unchanged); an old 84 (new session, new challenge) followed by the old 85
(9F45 02), and the old 84+85 in one STORE DATA; a power cut (card file
reopened) at every segment boundary, before the 84 and after it (no session
after the power-up: 9F46 02), then both the SM-DP's error management
(DeleteProfile + fresh download) and a new session on the same ISD-P;
a power cut between the STORE DATA blocks of one segment (6A86); packages
protected correctly but refused by the installer (an unknown PE, a second
copy of an installed profile: error result, partial ISD-P); a power cut at
every store write point of the command carrying the last segment (the
installation) and of the 3A02 (the key set).

usage: download_host.py DL_IO DATA_DIR WORK_DIR
env:   VEUICC_DL_SEED  random seed (default 5)
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "keyest"))
sys.path.insert(0, os.path.join(HERE, "..", "scp03"))
import smdp_oracle as so  # noqa: E402  (exits without python3-cryptography)
from host import HostT  # noqa: E402

PROFILE = "saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der"
SEG = 1024  # WHTY's segment size (digest §4.2)
OK_RESULT = "3003800100"  # EUICCResponse-like result: status 0
FAILS = []
COUNT = {}


def check(what, got, want):
    if got != want:
        FAILS.append(f"{what}: got {got!r}, want {want!r}")
        print("FAIL", FAILS[-1])


def count(what):
    COUNT[what] = COUNT.get(what, 0) + 1


class Card(so.Card):
    """dl_io over a pipe (smdp_oracle's Card: A APDU -> data, SW)."""

    def raw(self, hexstr):
        """A C-APDU whose answer may be ERR (dead card): None then."""
        self.p.stdin.write("A " + hexstr + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().strip()
        if r.startswith("ERR"):
            return None
        b = bytes.fromhex(r)
        return b[:-2], int.from_bytes(b[-2:], "big")

    def dead(self):
        return self.cmd("D") == "DEAD"

    def counts(self):
        p, i = self.cmd("C").split()
        return int(p), int(i)


def aidhex(n):
    return so.PFX + "%06X00" % n


class World:
    """The card and the SM-DP's view of it."""

    def __init__(self, exe, data_dir, work, rng):
        self.card = Card(exe)
        self.path = os.path.join(work, "download.db")
        self.card.cmd("N " + self.path)
        self.data_dir = data_dir
        self.rng = rng
        with open(os.path.join(data_dir, PROFILE), "rb") as f:
            self.der = f.read()
        self.next_aid = 0x1000
        self.base = self.card.counts()
        self.base_nvm = self.free_nvm()

    def free_nvm(self):
        self.card.ok("SELECT ISD-R", "00A4040C10" + so.ISDR)
        d = self.card.ok("GET DATA FF21", "80CAFF2100")
        return so.find(so.find(d, 0xFF21), 0x82)

    def new_isdp(self, tag):
        """CreateISDP + EstablishISDPKeySet (the oracle checks the receipt
        and the keys); returns (aid, dp)."""
        aid = aidhex(self.next_aid)
        self.next_aid += 0x100
        dp, a3a02 = so.establish(self.card, self.data_dir, "nist", "whty", aid, 0, tag)
        dp.a3a02 = a3a02
        return aid, dp

    # ---- ES8 scripts through the ISD-R --------------------------------------

    def perso(self, aid):
        self.card.ok("SELECT ISD-R", "00A4040C10" + so.ISDR)
        self.card.ok("INSTALL perso", so.apdu("80E62000", bytes.fromhex("000010" + aid + "000000")))

    def script(self, aid, stream, block=240, perso=True):
        """One script: INSTALL [for personalization] then the STORE DATA
        sequence (BER-TLV structure) carrying \\p stream; the response data
        and SW of the last block (None: the card died)."""
        if perso:
            self.perso(aid)
        parts = [stream[i:i + block] for i in range(0, len(stream), block)]
        for n, b in enumerate(parts):
            last = n == len(parts) - 1
            r = self.card.raw("%02X" % 0x80 + "E2" + ("90" if last else "10") + "%02X" % n +
                              "%02X" % len(b) + b.hex() + "00")
            if r is None:
                return None
            if not last and r != (b"", 0x9000):
                return r
        return r

    def session(self, aid, dp, tag):
        """84 then 85 in two scripts; returns the HostT."""
        t = HostT(dp.kvn, dp.enc, dp.mac, dp.dek)
        d, sw = self.script(aid, t.tlv_iu(bytes(self.rng.getrandbits(8) for _ in range(8))))
        check(tag + ": 84 SW", sw, 0x9000)
        rest = t.parse_tlv_iu(d, bytes.fromhex(aid))  # challenge, card cryptogram
        check(tag + ": 84 alone", rest, b"")
        check(tag + ": 85", self.script(aid, t.tlv_ea()), (b"\x85\x00", 0x9000))
        return t

    def segments(self, t, der=None):
        """Every 86 of the package, computed in order; with the MAC
        chaining value and counter each response is checked with."""
        der = self.der if der is None else der
        out = []
        for i in range(0, len(der), SEG):
            tlv = t.tlv_data(der[i:i + SEG])
            out.append((tlv, t.mcv, t.ctr))
        return out

    def send_seg(self, aid, t, segs, i, tlv=None, perso=True):
        """Send segment i (or \\p tlv in its place); a success response is
        checked (R-MAC, R-ENC) and returns (plain result, 0x9000)."""
        r = self.script(aid, segs[i][0] if tlv is None else tlv, perso=perso)
        if r is None or r[1] != 0x9000 or not r[0].startswith(b"\x86"):
            return r
        t.mcv, t.ctr = segs[i][1], segs[i][2]
        plain, rest = t.check_tlv_data(r[0])
        check("86 response: one TLV", rest, b"")
        return plain, 0x9000

    def finish(self, aid, t, segs, first, tag):
        """Segments first.. to the end: the result of the last one."""
        for i in range(first, len(segs)):
            r = self.send_seg(aid, t, segs, i)
            want = (bytes.fromhex(OK_RESULT), 0x9000) if i == len(segs) - 1 else (b"", 0x9000)
            check(f"{tag}: segment {i}", r, want)

    # ---- the card's state ----------------------------------------------------

    def partial(self, aid, dp, tag):
        """The ISD-P of an interrupted download (digest §7 item 7)."""
        check(tag + ": ISD-P PERSONALIZED", so.lcs(self.card, aid), b"\x0f")
        ks = self.card.cmd("K " + aid).split()
        check(tag + ": key set kept", ks[:5],
              ["%02x" % dp.kvn, "10", dp.enc.hex(), dp.mac.hex(), dp.dek.hex()])
        check(tag + ": no profile", self.card.counts(), (self.base[0], self.base[1] + 1))
        self.card.ok("SELECT ISD-R", "00A4040C10" + so.ISDR)
        _, sw = self.card.apdu("80E2880015" + "3A0312" + "4F10" + aid + "00")
        check(tag + ": EnableProfile of the partial ISD-P", sw, 0x6985)

    def delete(self, aid, tag):
        """ES5.DeleteProfile (the SM-DP's error management, §3.1.4)."""
        self.card.ok("SELECT ISD-R", "00A4040C10" + so.ISDR)
        d, sw = self.card.apdu("80E4004012" + "4F10" + aid + "00")
        check(tag + ": DeleteProfile", (d, sw), (b"\x00", 0x9000))
        _, sw = self.card.apdu(so.apdu("80F24002", bytes.fromhex("4F10" + aid + "5C034F9F70")))
        check(tag + ": ISD-P gone", sw, 0x6A88)
        check(tag + ": key set gone", self.card.cmd("K " + aid), "NONE")
        check(tag + ": card as before", (self.card.counts(), self.free_nvm()),
              (self.base, self.base_nvm))

    def fresh(self, tag):
        """A complete download into a new ISD-P, then deleted again."""
        aid, dp = self.new_isdp(tag + " fresh")
        t = self.session(aid, dp, tag + " fresh")
        self.finish(aid, t, self.segments(t), 0, tag + " fresh")
        check(tag + ": fresh download DISABLED", so.lcs(self.card, aid), b"\x1f")
        check(tag + ": fresh download installed", self.card.counts(),
              (self.base[0] + 1, self.base[1] + 1))
        self.delete(aid, tag + " fresh")
        count("fresh downloads")

    def error_management(self, aid, dp, tag, fresh=True):
        self.partial(aid, dp, tag)
        self.delete(aid, tag)
        if fresh:
            self.fresh(tag)


def flip(b, bit):
    b = bytearray(b)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def hdr_len(tlv):
    return 2 if tlv[1] < 0x80 else 2 + (tlv[1] & 0x7F)


def test_flips(w):
    """A bit flipped in the ciphertext / the C-MAC of every segment."""
    n = (len(w.der) + SEG - 1) // SEG
    for where in ("ciphertext", "C-MAC"):
        for i in range(n):
            tag = f"flip {where} segment {i}"
            aid, dp = w.new_isdp(tag)
            t = w.session(aid, dp, tag)
            segs = w.segments(t)
            n = len(segs)
            for k in range(i):
                check(f"{tag}: segment {k}", w.send_seg(aid, t, segs, k), (b"", 0x9000))
            tlv = segs[i][0]
            h = hdr_len(tlv)
            lo, hi = (h, len(tlv) - 8) if where == "ciphertext" else (len(tlv) - 8, len(tlv))
            bit = w.rng.randrange(lo * 8, hi * 8)
            check(tag, w.send_seg(aid, t, segs, i, flip(tlv, bit)), (bytes.fromhex("9f460102"),
                                                                    0x9000))
            # the session is closed: the genuine segment (or the next) fails too
            nxt = i + 1 if i + 1 < n else i
            check(tag + ": session closed", w.send_seg(aid, t, segs, nxt),
                  (bytes.fromhex("9f460102"), 0x9000))
            w.error_management(aid, dp, tag, fresh=(i % 4 == 0 or i == n - 1))
            count("flipped segments")
    return n


def test_header_flips(w, n):
    """Every bit of the 86 header (tag, length) of the first, a middle and
    the last segment."""
    for i in sorted({0, n // 2, n - 1}):
        aid, dp = w.new_isdp(f"header flips segment {i}")
        t = w.session(aid, dp, "header")
        segs = w.segments(t)
        for k in range(i):
            w.send_seg(aid, t, segs, k)
        tlv = segs[i][0]
        for bit in range(hdr_len(tlv) * 8):
            tag = f"header segment {i} bit {bit}"
            bad = flip(tlv, bit)
            r = w.send_seg(aid, t, segs, i, bad)
            if r == (b"", 0x6A80):
                count("header flips: framing 6A80, nothing processed")
                continue  # the session is intact: go on with the next bit
            if bad[0] not in (0x84, 0x85, 0x86):
                # no longer an SCP03t stream: in test mode the plain path
                # takes it as a SAIP package and refuses it (status 5,
                # nothing installed); without test mode the ISD-P, whose
                # keys are set, refuses a plain STORE DATA (S3-3)
                check(tag + ": test mode, plain package refused", r,
                      (bytes.fromhex("3003800105"), 0x9000))
                w.card.cmd("M 0")
                check(tag + ": without test mode", w.send_seg(aid, t, segs, i, bad),
                      (b"", 0x6982))
                w.card.cmd("M 1")
                check(tag + ": nothing installed", w.card.counts(), (w.base[0], w.base[1] + 1))
                count("header flips: not SCP03t any more, 6982 (plain path refused)")
                continue  # the SCP03t session is intact
            # a tag turned into 84/85: its error TLV, the session is gone
            ok = r is not None and r[1] == 0x9000 and r[0][:2] in (b"\x9f\x44", b"\x9f\x45")
            check(tag + ": an error TLV", (ok, r), (True, r))
            count("header flips: 84/85 error TLV")
            w.error_management(aid, dp, tag, fresh=False)
            aid, dp = w.new_isdp(tag + " again")
            t = w.session(aid, dp, tag)
            segs = w.segments(t)
            for k in range(i):
                w.send_seg(aid, t, segs, k)
        # after the 6A80s the genuine segment continues the download
        w.finish(aid, t, segs, i, f"header segment {i}: genuine after 6A80")
        check(f"header segment {i}: installed", so.lcs(w.card, aid), b"\x1f")
        w.delete(aid, f"header segment {i}")


def test_session_flips(w, n):
    """Every bit of the 84 value and of the 85 value flipped (the session
    opening of a download): the error TLVs, no session afterwards, and the
    genuine session on the same ISD-P completes the download."""
    aid, dp = w.new_isdp("session flips")
    for bit in range(10 * 8):
        t = HostT(dp.kvn, dp.enc, dp.mac, dp.dek)
        iu = t.tlv_iu(bytes(w.rng.getrandbits(8) for _ in range(8)))
        bad = flip(iu, 16 + bit)
        tag = f"84 value bit {bit}"
        d, sw = w.script(aid, bad)
        check(tag + ": SW", sw, 0x9000)
        if bit < 8 or (8 <= bit < 16 and bad[3] not in (0x00, 0x01)):
            check(tag, d, bytes.fromhex("9f440103"))  # KVN / key id: no such key
            count("84 flips: 9F44 03")
            continue
        if bad[3] == 0x00:
            t.parse_tlv_iu(d, bytes.fromhex(aid))  # key id 00 = the set's first key
            count("84 flips: key id 00 accepted")
            continue
        # host challenge: the card answers for the challenge it received; the
        # SM-DP sees a card cryptogram it did not expect, its 85 is refused
        try:
            t.parse_tlv_iu(d, bytes.fromhex(aid))
            check(tag + ": card cryptogram mismatch detected by the SM-DP", False, True)
        except AssertionError:
            pass
        t.hc = iu[4:]
        t.predict(int.from_bytes(d[2 + 29:2 + 32], "big"), bytes.fromhex(aid))
        check(tag + ": the SM-DP's 85", w.script(aid, t.tlv_ea()),
              (bytes.fromhex("9f450102"), 0x9000))
        count("84 flips: host challenge, 85 refused")
    for bit in range(17 * 8):
        t = HostT(dp.kvn, dp.enc, dp.mac, dp.dek)
        d, sw = w.script(aid, t.tlv_iu(bytes(w.rng.getrandbits(8) for _ in range(8))))
        t.parse_tlv_iu(d, bytes.fromhex(aid))
        tag = f"85 value bit {bit}"
        want = "9f450101" if bit < 8 else "9f450102"  # level byte / cryptogram, C-MAC
        check(tag, w.script(aid, flip(t.tlv_ea(), 16 + bit)), (bytes.fromhex(want), 0x9000))
        segs = w.segments(t)
        check(tag + ": no session", w.send_seg(aid, t, segs, 0),
              (bytes.fromhex("9f460102"), 0x9000))
        count("85 flips")
    w.partial(aid, dp, "session flips")
    t = w.session(aid, dp, "session flips: genuine")
    w.finish(aid, t, w.segments(t), 0, "session flips: genuine")
    check("session flips: installed", so.lcs(w.card, aid), b"\x1f")
    w.delete(aid, "session flips")


def test_replay_and_order(w, n):
    """Each segment replayed; sent one and two early; an old session's 86."""
    for i in range(n):
        for kind in ("replay", "early", "early2"):
            if kind == "replay" and i == n - 1:
                continue  # the last one installs: replaying it is the state test
            if kind.startswith("early") and i + (2 if kind == "early2" else 1) >= n:
                continue
            tag = f"{kind} segment {i}"
            aid, dp = w.new_isdp(tag)
            t = w.session(aid, dp, tag)
            segs = w.segments(t)
            for k in range(i + (1 if kind == "replay" else 0)):
                check(f"{tag}: segment {k}", w.send_seg(aid, t, segs, k), (b"", 0x9000))
            j = i if kind == "replay" else i + (2 if kind == "early2" else 1)
            check(tag, w.send_seg(aid, t, segs, i, segs[j][0]),
                  (bytes.fromhex("9f460102"), 0x9000))
            w.error_management(aid, dp, tag, fresh=(i % 5 == 0 and kind == "replay"))
            count("replayed / reordered segments")
    # a replayed last segment after the installation: no session any more? The
    # session stays open after the package; the replay fails its C-MAC
    aid, dp = w.new_isdp("replay last")
    t = w.session(aid, dp, "replay last")
    segs = w.segments(t)
    w.finish(aid, t, segs, 0, "replay last")
    check("replay last: 6985 (no more packages)", w.send_seg(aid, t, segs, n - 1),
          (b"", 0x6985))
    check("replay last: still DISABLED, one profile", (so.lcs(w.card, aid), w.card.counts()),
          (b"\x1f", (w.base[0] + 1, w.base[1] + 1)))
    w.delete(aid, "replay last")
    # an 86 of an earlier session on the same ISD-P
    aid, dp = w.new_isdp("old session 86")
    t1 = w.session(aid, dp, "old session")
    segs1 = w.segments(t1)
    w.send_seg(aid, t1, segs1, 0)
    t2 = w.session(aid, dp, "new session")
    segs2 = w.segments(t2)
    check("old session's 86 0", w.send_seg(aid, t2, segs2, 0, segs1[0][0]),
          (bytes.fromhex("9f460102"), 0x9000))
    check("old session's 86 1", w.send_seg(aid, t2, segs2, 0, segs1[1][0]),
          (bytes.fromhex("9f460102"), 0x9000))
    w.error_management(aid, dp, "old session 86", fresh=False)


def test_key_replay(w):
    """Replayed key establishment messages and SCP03t session openings."""
    aid, dp = w.new_isdp("keyest replay")
    keys = w.card.cmd("K " + aid)
    w.perso(aid)
    _, sw = w.card.apdu(dp.a3a02)
    check("replayed 3A02", sw, 0x6985)
    w.perso(aid)
    _, sw = w.card.apdu(so.apdu("80E20900", so.dgi(0x3A01, dp.cert_dp)))
    check("replayed 3A01 on the PERSONALIZED ISD-P", sw, 0x6985)
    _, sw = w.card.apdu(dp.a3a02)
    check("then the 3A02", sw, 0x6985)
    check("keys unchanged after the replays", w.card.cmd("K " + aid), keys)
    # old 84 / 85: session A with two segments, then A's 84 and 85 again
    ta = w.session(aid, dp, "session A")
    iu_a = ta.tlv_iu(ta.hc)  # the same 84 bytes as sent (same host challenge)
    cc_a = ta.cc
    ea_a = HostT.tlv_ea(ta)  # recomputed from A's session keys: A's 85 bytes
    segs_a = w.segments(ta)
    w.send_seg(aid, ta, segs_a, 0)
    w.send_seg(aid, ta, segs_a, 1)
    d, sw = w.script(aid, iu_a)
    check("old 84: a new session", (sw, d[:2]), (0x9000, b"\x84\x20"))
    check("old 84: a new card challenge", d[2 + 13:2 + 21] != cc_a, True)
    check("old 85 after it", w.script(aid, ea_a), (bytes.fromhex("9f450102"), 0x9000))
    check("A's segment 2 after it", w.send_seg(aid, ta, segs_a, 2),
          (bytes.fromhex("9f460102"), 0x9000))
    d, sw = w.script(aid, iu_a + ea_a)
    check("old 84+85 in one STORE DATA", (sw, d[:2], d[34:]),
          (0x9000, b"\x84\x20", bytes.fromhex("9f450102")))
    w.partial(aid, dp, "old 84/85")
    # the SM-DP opens a genuine session on the same ISD-P and completes
    t = w.session(aid, dp, "after replays")
    w.finish(aid, t, w.segments(t), 0, "after replays")
    check("download after the replays", so.lcs(w.card, aid), b"\x1f")
    w.delete(aid, "after replays")


def test_power_cuts(w, n):
    """A power cut (card file reopened) at every segment boundary."""
    for k in range(-2, n - 1):  # -2: after the keys, -1: after the 84, k: after segment k
        for variant in ("delete", "resume"):
            tag = f"power cut after {'keys' if k == -2 else '84' if k == -1 else f'segment {k}'}" \
                  f" ({variant})"
            aid, dp = w.new_isdp(tag)
            t = HostT(dp.kvn, dp.enc, dp.mac, dp.dek)
            if k == -1:
                d, sw = w.script(aid, t.tlv_iu(bytes(8)))
                check(tag + ": 84", (sw, d[:2]), (0x9000, b"\x84\x20"))
                t.parse_tlv_iu(d, bytes.fromhex(aid))
            elif k >= 0:
                t = w.session(aid, dp, tag)
                segs = w.segments(t)
                for i in range(k + 1):
                    check(f"{tag}: segment {i}", w.send_seg(aid, t, segs, i), (b"", 0x9000))
            w.card.cmd("R")  # power cut and power-up from the card file
            w.partial(aid, dp, tag)
            if k == -1:
                check(tag + ": 85 after power-up", w.script(aid, t.tlv_ea()),
                      (bytes.fromhex("9f450102"), 0x9000))
            elif k >= 0:
                nxt = k + 1 if k + 1 < n else k
                check(tag + ": next segment after power-up", w.send_seg(aid, t, segs, nxt),
                      (bytes.fromhex("9f460102"), 0x9000))
            if variant == "delete":
                w.error_management(aid, dp, tag, fresh=(k % 3 == 0))
            else:
                old = int.from_bytes(t.seq, "big") if k >= -1 else 0
                t = w.session(aid, dp, tag + " resumed")
                # the counter went to the card file with the 84: never reused
                check(tag + ": sequence counter after power-up", int.from_bytes(t.seq, "big"),
                      old + 1)
                w.finish(aid, t, w.segments(t), 0, tag + " resumed")
                check(tag + ": resumed download installed", so.lcs(w.card, aid), b"\x1f")
                w.delete(aid, tag + " resumed")
            count("power cuts at a segment boundary")


def test_refused_packages(w, n):
    """Packages the SM-DP protected correctly but the card cannot install:
    the last 86 carries the installer's error result, the ISD-P stays
    PERSONALIZED without a profile."""
    bad = bytearray(w.der)
    bad[6839] = 0xBE  # the tag of the 15th ProfileElement: an unknown PE [30]
    for what, der in (("unknown ProfileElement", bytes(bad)),):
        aid, dp = w.new_isdp(what)
        t = w.session(aid, dp, what)
        segs = w.segments(t, der)
        for i in range(len(segs)):
            r = w.send_seg(aid, t, segs, i)
            if i < len(segs) - 1:
                check(f"{what}: segment {i}", r, (b"", 0x9000))
        res = so.read_tlvs(so.find(r[0], 0x30))
        check(what + ": error result", (r[1], res[0][0], res[0][1] != b"\x00"), (0x9000, 0x80, True))
        print(f"{what}: result {r[0].hex()}")
        w.error_management(aid, dp, what, fresh=False)
    # the same profile (same ICCID) into a second ISD-P while it is installed
    aid1, dp1 = w.new_isdp("first copy")
    t = w.session(aid1, dp1, "first copy")
    w.finish(aid1, t, w.segments(t), 0, "first copy")
    aid2, dp2 = w.new_isdp("second copy")
    t = w.session(aid2, dp2, "second copy")
    segs = w.segments(t)
    for i in range(len(segs)):
        r = w.send_seg(aid2, t, segs, i)
    check("second copy: refused", (r[1], r[0][:3], r[0] != bytes.fromhex(OK_RESULT)),
          (0x9000, b"\x30\x06\x80", True))
    check("second copy: ISD-P PERSONALIZED", so.lcs(w.card, aid2), b"\x0f")
    check("second copy: one profile", w.card.counts(), (w.base[0] + 1, w.base[1] + 2))
    w.card.ok("SELECT ISD-R", "00A4040C10" + so.ISDR)
    check("second copy: DeleteProfile", w.card.apdu("80E4004012" + "4F10" + aid2 + "00"),
          (b"\x00", 0x9000))
    w.delete(aid1, "first copy")


def test_cut_between_blocks(w, n):
    """A power cut between the STORE DATA blocks of one 86 (the SM-SR's
    script interrupted): the rest of the sequence is refused, nothing is
    processed."""
    for blk in (1, 3):
        tag = f"cut after block {blk} of segment 2"
        aid, dp = w.new_isdp(tag)
        t = w.session(aid, dp, tag)
        segs = w.segments(t)
        for i in range(2):
            w.send_seg(aid, t, segs, i)
        stream = segs[2][0]
        parts = [stream[i:i + 240] for i in range(0, len(stream), 240)]
        w.perso(aid)
        for b in range(blk):
            check(f"{tag}: block {b}", w.card.raw("80E210%02X%02X" % (b, len(parts[b])) +
                                                  parts[b].hex() + "00"), (b"", 0x9000))
        w.card.cmd("R")
        w.perso(aid)
        for b in range(blk, len(parts)):
            p1 = 0x90 if b == len(parts) - 1 else 0x10
            r = w.card.raw("80E2%02X%02X%02X" % (p1, b, len(parts[b])) + parts[b].hex() + "00")
            check(f"{tag}: block {b} after power-up refused", r, (b"", 0x6A86))
        w.error_management(aid, dp, tag, fresh=False)
        count("cuts between STORE DATA blocks")


def test_write_faults(w, n):
    """A power cut at every store write point of the command that carries
    the last segment (the installation) and of the 3A02 (the key set)."""
    k = 1
    while True:
        tag = f"cut at write {k} of the last segment"
        aid, dp = w.new_isdp(tag)
        t = w.session(aid, dp, tag)
        segs = w.segments(t)
        for i in range(n - 1):
            w.send_seg(aid, t, segs, i)
        w.perso(aid)
        w.card.cmd("F %d" % k)
        r = w.send_seg(aid, t, segs, n - 1, perso=False)
        if not w.card.dead():
            check(tag + ": installed without a cut", r, (bytes.fromhex(OK_RESULT), 0x9000))
            w.card.cmd("F 0")
            w.delete(aid, tag)
            break
        check(tag + ": the card answers 6581 or nothing", r in (None, (b"", 0x6581)), True)
        w.card.cmd("R")
        # one transaction per command: the state before it
        w.partial(aid, dp, tag)
        w.error_management(aid, dp, tag, fresh=(k == 1))
        count("cuts inside the installing command")
        k += 1
    k = 1
    while True:
        tag = f"cut at write {k} of the 3A02"
        aid = aidhex(w.next_aid)
        w.next_aid += 0x100
        pub, sin, sdin = so.ecasd_info(w.card)
        dp = so.SmDp(w.data_dir, "nist")
        pk = so.ec.EllipticCurvePublicKey.from_encoded_point(dp.cv, pub)
        so.create_isdp(w.card, aid)
        w.perso(aid)
        rc = so.find(w.card.ok("3A01", so.apdu("80E20900", so.dgi(0x3A01, dp.cert_dp))), 0x85)
        dp.crt("whty", sdin)
        data = dp.params(rc, pk)
        w.card.cmd("F %d" % k)
        r = w.card.raw(so.apdu("80E28901", data))
        if not w.card.dead():
            check(tag + ": keys without a cut", r is not None and r[1] == 0x9000, True)
            w.card.cmd("F 0")
            w.delete(aid, tag)
            break
        w.card.cmd("R")
        check(tag + ": ISD-P SELECTABLE without keys",
              (so.lcs(w.card, aid), w.card.cmd("K " + aid)), (b"\x07", "NONE"))
        w.delete(aid, tag)
        count("cuts inside the 3A02")
        k += 1


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    exe, data_dir, work = sys.argv[1:]
    rng = random.Random(int(os.environ.get("VEUICC_DL_SEED", "5")))
    w = World(exe, data_dir, work, rng)
    w.fresh("baseline")
    n = test_flips(w)
    test_header_flips(w, n)
    test_session_flips(w, n)
    test_replay_and_order(w, n)
    test_key_replay(w)
    test_power_cuts(w, n)
    test_cut_between_blocks(w, n)
    test_refused_packages(w, n)
    test_write_faults(w, n)
    w.card.close()
    check("dl_io exit status (sanitizers, leaks)", w.card.p.returncode, 0)
    FAILS.extend(so.FAILS)
    for k, v in sorted(COUNT.items()):
        print(f"{k}: {v}")
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print(f"download failures: {n} segments of {len(w.der)} bytes, every case consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
