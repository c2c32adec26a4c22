#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SCP03 on the MNO-SD of the enabled profile (gp/mnosd.c), checked by the
independent off-card entity of host.py (python3-cryptography).

The card (sd_io) comes from tests/data/mnosd/factory.json: the TS.48 V7.0
profile whose MNO-SD A000000151000000 has an SCP03 key set KVN 30 besides
its SCP80 sets 01/02. Checks: SELECT answers its GP FCI; the policy (plain
GET DATA 00E0 open, plain PUT KEY and other GET DATA 6982); sessions at
levels 01, 03 and 33 (card challenge over counter || MNO-SD AID, card
cryptogram, R-MAC, R-ENC verified here); wrong host cryptogram 6300 and
session closed; wrong C-MAC on PUT KEY 6982, session closed and the key list
unchanged; PUT KEY of a new set KVN 31 wrapped here under the DEK of KVN 30
(KCVs checked), then a session with the new keys; counters and the new key
set after the card file is reopened; test mode re-opens the plain path.

usage: mnosd_host.py SD_IO REPO_DIR
"""
import atexit
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import host  # noqa: E402,F401  (exits 77 without python3-cryptography)
from host import Host, aes_cbc, aes_ecb  # noqa: E402
from sd_host import Card, check, sw, FAILS  # noqa: E402

MNOSD = bytes.fromhex("A000000151000000")
KEYS30 = {"enc": bytes(range(0xA0, 0xB0)), "mac": bytes(range(0xB0, 0xC0)),
          "dek": bytes(range(0xC0, 0xD0))}
# GP CS §11.3.3.1 key information of the TS.48 MNO-SD: KVN 01 3DES, 02 AES
TS48_KEYS = "".join(f"C004{i:02X}{v:02X}{t}10" for v, t in ((1, "80"), (2, "88"))
                    for i in (1, 2, 3))
KEYS_30 = "".join(f"C004{i:02X}3088" "10" for i in (1, 2, 3))


def key_info(extra=""):
    body = TS48_KEYS + KEYS_30 + extra
    return bytes.fromhex(f"E0{len(body) // 2:02X}" + body)


def session(card, rng, kvn, keys, level):
    h = Host(kvn, keys["enc"], keys["mac"], keys["dek"])
    r = card.tx(h.init_update(bytes(rng.getrandbits(8) for _ in range(8))))
    assert sw(r) == "9000", f"INITIALIZE UPDATE {r.hex()}"
    h.parse_iu(r[:-2], MNOSD)  # card challenge over counter || MNO-SD AID, cryptogram
    check("i", h.i, 0x70)
    check(f"EXTERNAL AUTHENTICATE {level:02X}", sw(card.tx(h.ext_auth(level))), "9000")
    return h, int.from_bytes(h.seq, "big")


def put_key_apdu(dek, kvn, keys):
    """PUT KEY, new AES key set (GP CS §11.8, Amd D §7.2)."""
    d = bytes([kvn])
    for k in keys:
        cg = aes_cbc(dek, bytes(16), k, True)
        d += bytes([0x88, len(cg) + 1, len(k)]) + cg + b"\x03" + aes_ecb(k, b"\x01" * 16)[:3]
    return bytes([0x80, 0xD8, 0x00, 0x81, len(d)]) + d + b"\x00", \
        bytes([kvn]) + b"".join(aes_ecb(k, b"\x01" * 16)[:3] for k in keys)


def main():
    exe, repo = sys.argv[1], sys.argv[2]
    rng = random.Random(int(os.environ.get("VEUICC_SCP03_SEED", "5")))
    factory = os.path.join(repo, "tests/data/mnosd/factory.json")
    d = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, d, ignore_errors=True)
    state = os.path.join(d, "card")
    card = Card(exe)
    card.new(factory, state, 0)

    r = card.tx(bytes.fromhex("00A4040008") + MNOSD + b"\x00")
    check("SELECT FCI", r.hex().upper(), "6F108408A000000151000000A5049F6501FF9000")
    # policy: the MNO-SD has keys
    check("plain 00E0", card.tx(bytes.fromhex("80CA00E000")), key_info() + b"\x90\x00")
    new = {"enc": bytes(rng.getrandbits(8) for _ in range(16)),
           "mac": bytes(rng.getrandbits(8) for _ in range(16)),
           "dek": bytes(rng.getrandbits(8) for _ in range(16))}
    pk, pk_rsp = put_key_apdu(KEYS30["dek"], 0x31, [new["enc"], new["mac"], new["dek"]])
    check("plain PUT KEY", sw(card.tx(pk)), "6982")
    check("plain GET DATA 0045", sw(card.tx(bytes.fromhex("80CA004500"))), "6982")
    # card recognition data is open plain (G6), not held by a profile SD
    check("plain GET DATA 0066", sw(card.tx(bytes.fromhex("80CA006600"))), "6A88")
    check("SM without session", sw(card.tx(bytes.fromhex("84CA00E008") + bytes(8))), "6982")

    # sessions at 01, 03, 33: the counter of KVN 30 goes 1, 2, 3
    for n, level in enumerate((0x01, 0x03, 0x33), 1):
        h, seq = session(card, rng, 0x30, KEYS30, level)
        check(f"counter at {level:02X}", seq, n)
        data, s = h.unwrap_rsp(card.tx(h.wrap(bytes.fromhex("80CA00E000"))))
        check(f"00E0 at {level:02X}", (data, s.hex()), (key_info(), "9000"))
        data, s = h.unwrap_rsp(card.tx(h.wrap(bytes.fromhex("80CA006600"))))
        check(f"0066 at {level:02X}", (data, s.hex()), (b"", "6a88"))
        data, s = h.unwrap_rsp(card.tx(h.wrap(bytes.fromhex("80E400000100"))))
        check(f"DELETE at {level:02X}", s.hex(), "6d00")

    # wrong host cryptogram: 6300, no session afterwards
    h = Host(0x30, KEYS30["enc"], KEYS30["mac"], KEYS30["dek"])
    r = card.tx(h.init_update(bytes(8)))
    h.parse_iu(r[:-2], MNOSD)
    check("wrong host cryptogram", sw(card.tx(h.ext_auth(0x33, cryptogram=bytes(8)))), "6300")
    check("after 6300", sw(card.tx(h.wrap(bytes.fromhex("80CA00E000")))), "6982")

    # wrong C-MAC on PUT KEY: 6982, session closed, key list unchanged
    h, _ = session(card, rng, 0x30, KEYS30, 0x03)
    w = bytearray(h.wrap(pk))
    w[5 + w[4] - 1] ^= 0x01
    check("PUT KEY wrong C-MAC", sw(card.tx(bytes(w))), "6982")
    check("after wrong C-MAC", sw(card.tx(h.wrap(bytes.fromhex("80CA00E000")))), "6982")
    check("key list unchanged", card.tx(bytes.fromhex("80CA00E000")), key_info() + b"\x90\x00")

    # PUT KEY in a level-33 session: KVN 31 under the DEK of KVN 30
    h, _ = session(card, rng, 0x30, KEYS30, 0x33)
    data, s = h.unwrap_rsp(card.tx(h.wrap(pk)))
    check("PUT KEY 31", (data.hex(), s.hex()), (pk_rsp.hex(), "9000"))
    keys31 = "".join(f"C004{i:02X}3188" "10" for i in (1, 2, 3))
    check("plain in a session", sw(card.tx(bytes.fromhex("80CA00E000"))), "6982")
    check("reSELECT", sw(card.tx(bytes.fromhex("00A4040C08") + MNOSD)), "9000")
    check("00E0 with 31", card.tx(bytes.fromhex("80CA00E000")), key_info(keys31) + b"\x90\x00")
    h, seq31 = session(card, rng, 0x31, new, 0x33)
    check("KVN 31 counter", seq31, 1)
    data, s = h.unwrap_rsp(card.tx(h.wrap(bytes.fromhex("80CA00E000"))))
    check("00E0 in KVN 31", (data, s.hex()), (key_info(keys31), "9000"))

    # the card file keeps the key set and both counters
    card.reopen()
    check("SELECT after reopen", sw(card.tx(bytes.fromhex("00A4040C08") + MNOSD)), "9000")
    h, seq = session(card, rng, 0x30, KEYS30, 0x01)
    # 1-3 the sessions, 4 the wrong cryptogram, 5 the wrong C-MAC, 6 PUT KEY
    check("KVN 30 counter after reopen", seq, 7)
    h, seq = session(card, rng, 0x31, new, 0x03)
    check("KVN 31 counter after reopen", seq, 2)

    # test mode: the plain path is open again
    card2 = Card(exe)
    card2.new(factory, os.path.join(d, "card2"), 1)
    check("test mode SELECT", sw(card2.tx(bytes.fromhex("00A4040C08") + MNOSD)), "9000")
    check("test mode 0066", sw(card2.tx(bytes.fromhex("80CA006600"))), "6A88")
    data = card2.tx(pk)
    check("test mode PUT KEY", data.hex(), pk_rsp.hex() + "9000")

    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        sys.exit(1)
    print("mnosd_host: all checks passed")


if __name__ == "__main__":
    main()
