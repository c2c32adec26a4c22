#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Authentication vectors for tests/e2e_auth, computed when the test runs.

Every expected value comes from a published test set (tests/data/uicc_auth)
or from an independent implementation of the algorithm in this directory's
python: MILENAGE, the TS 34.108 test algorithm and the TS 33.102 c2/c3
conversions come from tests/uicc_auth/oracle.py (python3-cryptography AES);
TUAK (TS 35.231) is written here on a Keccak-f[1600] that is first checked
against hashlib's SHA3-256, and the TUAK code against all six TS 35.233 sets.
Nothing here is produced by veuicc's C code.

Output, one command per line (hex), read by test_e2e_auth.c:
  CARD ALG K OPC KECCAK SEQINIT  new card, TS.48 V7 profile; ALG shipped|milenage|tuak;
                                 '-' keeps a value; SEQINIT: every sqnInit entry
  OK RAND AUTN RES CK IK KC      AUTHENTICATE 3G: DB, RES, CK, IK (Kc if the card adds it)
  SYNC RAND AUTN AUTS            AUTHENTICATE 3G: DC AUTS
  MAC RAND AUTN                  AUTHENTICATE 3G: 9862
  GSM RAND SRES KC               AUTHENTICATE GSM context
  NOTE TEXT                      shown by the test on failure

usage: e2e_vectors.py DATA_DIR [shipped|milenage|tuak|random|all [RANDOM_CASES]]
       e2e_vectors.py DATA_DIR cli-milenage|cli-tuak   (an APDU script instead)
env:   VEUICC_E2E_SEED  seed of the random cases (default 48)
"""
import hashlib
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "uicc_auth"))
try:
    import oracle  # noqa: E402  (needs python3-cryptography)
except SystemExit:
    sys.exit(77)

xor, milenage, testalg, c2, c3 = oracle.xor, oracle.milenage, oracle.testalg, oracle.c2, oracle.c3

IND_BITS = 5  # TS 33.102 Annex C: the installer's IND length
ZERO_AMF = b"\0\0"  # TS 33.102 §6.3.3: AMF of the resynchronisation MAC-S

# ---- Keccak-f[1600] (FIPS 202 §3) and TUAK (TS 35.231 §6) --------------------

_RC = []
_r = 1
for _ in range(24):
    c = 0
    for j in range(7):
        _r = ((_r << 1) ^ ((_r >> 7) * 0x71)) % 256
        if _r & 2:
            c ^= 1 << ((1 << j) - 1)
    _RC.append(c)
_ROT = [[0] * 5 for _ in range(5)]
_x, _y = 1, 0
for _t in range(24):
    _ROT[_x][_y] = ((_t + 1) * (_t + 2) // 2) % 64
    _x, _y = _y, (2 * _x + 3 * _y) % 5
M64 = (1 << 64) - 1


def keccak_f(state):
    """Keccak-f[1600] on 200 bytes, lanes little-endian (FIPS 202 §3.1.2)."""
    a = [[int.from_bytes(state[8 * (x + 5 * y):8 * (x + 5 * y) + 8], "little") for y in range(5)]
         for x in range(5)]
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & M64)
             for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                r = _ROT[x][y]
                b[y][(2 * x + 3 * y) % 5] = ((a[x][y] << r) | (a[x][y] >> (64 - r))) & M64 if r \
                    else a[x][y]
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= rc
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(25))


def _keccak_self_check():
    msg = b"veuicc"
    block = bytearray(200)
    block[:len(msg)] = msg
    block[len(msg)] ^= 0x06  # SHA-3 domain bits + pad10*1, rate 136 (FIPS 202 §B.2)
    block[135] ^= 0x80
    assert keccak_f(bytes(block))[:32] == hashlib.sha3_256(msg).digest(), "Keccak-f[1600]"


def _tuak_core(topc, instance, rand, amf_sqn, k, iterations):
    """TS 35.231 §6.3: one state from TOPc, INSTANCE, ALGONAME, RAND, AMF||SQN
    (or 8 zero bytes) and K, each field in reverse byte order, padding; the
    Keccak-f output read from its start."""
    kk = k[::-1] + bytes(32 - len(k))
    st = (topc[::-1] + bytes([instance]) + b"TUAK1.0"[::-1] + rand[::-1] + amf_sqn + kk
          + b"\x1f" + bytes(38) + b"\x80" + bytes(64))
    assert len(st) == 200
    for _ in range(iterations):
        st = keccak_f(st)
    return st


def tuak_topc(k, top, it=1):
    """TS 35.231 §6.2: TOPc from TOP and K (24 zero bytes where RAND, AMF, SQN go)."""
    kk = k[::-1] + bytes(32 - len(k))
    st = (top[::-1] + bytes([1 if len(k) == 32 else 0]) + b"TUAK1.0"[::-1] + bytes(24) + kk
          + b"\x1f" + bytes(38) + b"\x80" + bytes(64))
    for _ in range(it):
        st = keccak_f(st)
    return st[:32][::-1]


_LEN_BITS = {4: 0, 8: 1, 16: 2, 32: 4}


def tuak(k, topc, rand, sqn, amf, mac_len, res_len, ck_len, ik_len, it=1):
    """f1, f1*, f2..f5, f5* of TS 35.231 §6.3-6.6 with the given output lengths (bytes)."""
    kb = 1 if len(k) == 32 else 0
    m = _LEN_BITS[mac_len] << 3
    f1 = _tuak_core(topc, m | kb, rand, (amf[::-1] + sqn[::-1]), k, it)[:mac_len][::-1]
    f1s = _tuak_core(topc, 0x80 | m | kb, rand, (amf[::-1] + sqn[::-1]), k, it)[:mac_len][::-1]
    inst = 0x40 | _LEN_BITS[res_len] << 3 | (4 if ck_len == 32 else 0) | \
        (2 if ik_len == 32 else 0) | kb
    o = _tuak_core(topc, inst, rand, bytes(8), k, it)
    o5s = _tuak_core(topc, 0xC0 | kb, rand, bytes(8), k, it)
    return {"mac_a": f1, "mac_s": f1s, "res": o[:res_len][::-1], "ck": o[32:32 + ck_len][::-1],
            "ik": o[64:64 + ik_len][::-1], "ak": o[96:102][::-1], "aks": o5s[96:102][::-1]}


def rows(path):
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.split()


def tuak_sets(data_dir):
    """The TS 35.233 sets, each checked against this TUAK code."""
    sets = []
    for f in rows(os.path.join(data_dir, "tuak.txt")):
        k, rand, sqn, amf, top = (bytes.fromhex(x) for x in f[1:6])
        it = int(f[6])
        topc, mac_a, mac_s, res, ck, ik, ak, aks = (bytes.fromhex(x) for x in f[7:15])
        assert tuak_topc(k, top, it) == topc, f"python TUAK TOPc, set {f[0]}"
        t = tuak(k, topc, rand, sqn, amf, len(mac_a), len(res), len(ck), len(ik), it)
        got = [t[x] for x in ("mac_a", "mac_s", "res", "ck", "ik", "ak", "aks")]
        assert got == [mac_a, mac_s, res, ck, ik, ak, aks], f"python TUAK, set {f[0]}"
        sets.append((f[0], k, rand, sqn, amf, topc, it, len(mac_a)))
    assert len(sets) == 6
    return sets


# ---- output ------------------------------------------------------------------

h = bytes.hex
out = []


def emit(*fields):
    out.append(" ".join(h(x) if isinstance(x, bytes) else str(x) for x in fields))


def sqn_of(seq, ind):
    return ((seq << IND_BITS) | ind).to_bytes(6, "big")


def ok3g(f, rand, sqn, amf):
    emit("OK", rand, xor(sqn, f["ak"]) + amf + f["mac_a"], f["res"], f["ck"], f["ik"],
         c3(f["ck"], f["ik"]))


def shipped_ts48():
    """(a) The TS.48 V7 profile as shipped: usim-test-algorithm, K 000102..0F,
    RES of 128 bits, sqnInit all zero, IND 5 bits, Δ = 2^28 (sqnDelta)."""
    k = bytes(range(16))
    emit("NOTE", "TS.48 V7 as shipped, TS 34.108 test algorithm")
    emit("CARD", "shipped", "-", "-", "-", "-")
    rng = random.Random(4834108)
    rands = [bytes(rng.getrandbits(8) for _ in range(16)) for _ in range(6)]
    amf = bytes.fromhex("8000")

    def auth(rand, seq, ind):
        f = testalg(k, rand, sqn_of(seq, ind), amf, 16)
        return f, xor(sqn_of(seq, ind), f["ak"]) + amf + f["mac_a"]

    accepted = []  # (seq, ind)
    for rand, (seq, ind) in zip(rands[:3], [(1, 0), (2, 3), (5, 0)]):
        ok3g(testalg(k, rand, sqn_of(seq, ind), amf, 16), rand, sqn_of(seq, ind), amf)
        accepted.append((seq, ind))
    # Replay of the first AUTN: SEQ 1 <= SEQ_MS(0) = 5 -> AUTS with SQN_MS, the
    # highest accepted SQN (TS 33.102 §6.3.5, §C.2.2).
    seq_ms, ind_ms = max(accepted, key=lambda e: (e[0], -e[1]))

    def auts(rand):
        t = testalg(k, rand, bytes(6), ZERO_AMF, 16)
        sqn_ms = sqn_of(seq_ms, ind_ms)
        return xor(sqn_ms, t["aks"]) + t["mac_s_of"](sqn_ms)

    _, autn = auth(rands[0], 1, 0)
    emit("SYNC", rands[0], autn, auts(rands[0]))
    # Too far ahead: SEQ - SEQ_MS > Δ = 2^28 (§C.2.1).
    _, autn = auth(rands[3], 5 + (1 << 28) + 1, 1)
    emit("SYNC", rands[3], autn, auts(rands[3]))
    # A flipped MAC bit.
    _, autn = auth(rands[4], 6, 1)
    emit("MAC", rands[4], autn[:-1] + bytes([autn[-1] ^ 1]))
    # After resynchronisation the network goes on from SQN_MS.
    ok3g(testalg(k, rands[5], sqn_of(6, 1), amf, 16), rands[5], sqn_of(6, 1), amf)


def milenage_sets(data_dir):
    """(b) Every TS 35.207/35.208 set: AUTN from the published f1/f5, RES/CK/IK
    compared with the published f2/f3/f4; then the AUTN replayed (AUTS from the
    oracle, AMF 0000); (e) GSM context: SRES = c2(RES), Kc = c3(CK, IK)."""
    for f in rows(os.path.join(data_dir, "milenage.txt")):
        k, rand, sqn, amf, _op, opc, mac_a, _mac_s, res, ck, ik, ak, _aks = \
            (bytes.fromhex(x) for x in f[1:14])
        seq = int.from_bytes(sqn, "big") >> IND_BITS
        emit("NOTE", f"Milenage TS 35.208 set {f[0]}")
        emit("CARD", "milenage", k, opc, "-", (seq - 1).to_bytes(6, "big"))
        emit("OK", rand, xor(sqn, ak) + amf + mac_a, res, ck, ik, c3(ck, ik))
        m = milenage(k, opc, rand, sqn, ZERO_AMF)
        emit("SYNC", rand, xor(sqn, ak) + amf + mac_a, xor(sqn, m["aks"]) + m["mac_s"])
        emit("GSM", rand, c2(res), c3(ck, ik))


def tuak_cards(data_dir):
    """(c) TUAK with the K/TOPc/RAND/SQN/AMF/iterations of the TS 35.233 sets
    whose MAC fits AUTN (64 bits). The installer's instance is MAC 64, RES 64,
    CK 128, IK 128 bits (algorithmOptions not interpreted), which no published
    set has exactly, so the expected outputs come from the TUAK code above,
    verified on all six sets first."""
    for name, k, rand, sqn, amf, topc, it, mac_len in tuak_sets(data_dir):
        if mac_len != 8:
            continue
        t = tuak(k, topc, rand, sqn, amf, 8, 8, 16, 16, it)
        seq = int.from_bytes(sqn, "big") >> IND_BITS
        emit("NOTE", f"TUAK with TS 35.233 set {name} inputs (K {8 * len(k)} bits)")
        emit("CARD", "tuak", k, topc, it, (seq - 1).to_bytes(6, "big"))
        ok3g(t, rand, sqn, amf)
        z = tuak(k, topc, rand, sqn, ZERO_AMF, 8, 8, 16, 16, it)
        emit("SYNC", rand, xor(sqn, t["ak"]) + amf + t["mac_a"], xor(sqn, t["aks"]) + z["mac_s"])


def random_milenage(n, seed):
    """(d) Random K, OPc, RAND, SQN, AMF against the python Milenage."""
    rng = random.Random(seed)

    def b(m):
        return bytes(rng.getrandbits(8) for _ in range(m))

    for i in range(n):
        k, opc, rand, amf = b(16), b(16), b(16), b(2)
        seq = rng.randrange(1, 1 << 43)
        sqn = sqn_of(seq, rng.randrange(32))
        emit("NOTE", f"random Milenage case {i} (seed {seed})")
        emit("CARD", "milenage", k, opc, "-", (seq - rng.randrange(1, 1 << 20)).to_bytes(6, "big"))
        ok3g(milenage(k, opc, rand, sqn, amf), rand, sqn, amf)


def cli_script(data_dir, which):
    """An APDU script for `veuicc apdu` (docs/apdu-script.md) on a profile
    personalised by `veuicc saip personalize` with the options in its first
    line: Milenage set 1 (GSM context from the published f2/f3/f4, resync from
    the published AUTN, then a fresh SQN), or TUAK with the set 6 inputs
    (256-bit K, numberOfKeccak 2; GSM context only needs f2..f4)."""
    lines = []
    if which == "cli-milenage":
        f = next(rows(os.path.join(data_dir, "milenage.txt")))
        k, rand, sqn, amf, _op, opc, mac_a, _ms, res, ck, ik, ak, _aks = \
            (bytes.fromhex(x) for x in f[1:14])
        lines.append(f"# personalize: --algorithm milenage --ki {h(k)} --opc {h(opc)}")
        gsm = (c2(res), c3(ck, ik))
        z = milenage(k, opc, rand, bytes(6), ZERO_AMF)
        sync = (rand, xor(sqn, ak) + amf + mac_a, xor(bytes(6), z["aks"]) + z["mac_s"])
        fresh = milenage(k, opc, rand, sqn_of(1, 0), amf)
    else:
        s6 = [x for x in tuak_sets(data_dir) if x[0] == "6"][0]
        _n, k, rand, sqn, amf, topc, it, _ml = s6
        lines.append(f"# personalize: --algorithm tuak --ki {h(k)} --opc {h(topc)} --keccak {it}")
        t = tuak(k, topc, rand, sqn, amf, 8, 8, 16, 16, it)
        gsm = (c2(t["res"]), c3(t["ck"], t["ik"]))
        z = tuak(k, topc, rand, bytes(6), ZERO_AMF, 8, 8, 16, 16, it)
        sync = (rand, xor(sqn, t["ak"]) + amf + t["mac_a"], xor(bytes(6), z["aks"]) + z["mac_s"])
        fresh = tuak(k, topc, rand, sqn_of(1, 0), amf, 8, 8, 16, 16, it)
    lines += [".get-response auto",
              "00A4040C07A0000000871002 : 9000",
              "002000010830303030FFFFFFFF : 9000",
              f"0088008011 10{h(rand)} 00 : 04{h(gsm[0])} 08{h(gsm[1])} 9000",
              f"0088008122 10{h(sync[0])} 10{h(sync[1])} 00 : DC0E{h(sync[2])} 9000"]
    autn = xor(sqn_of(1, 0), fresh["ak"]) + amf + fresh["mac_a"]
    lines.append(f"0088008122 10{h(rand)} 10{h(autn)} 00 : DB{len(fresh['res']):02x}{h(fresh['res'])}"
                 f" 10{h(fresh['ck'])} 10{h(fresh['ik'])} 08{h(c3(fresh['ck'], fresh['ik']))} 9000")
    print("\n".join(lines))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    data_dir = sys.argv[1]
    part = sys.argv[2] if len(sys.argv) > 2 else "all"
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    seed = int(os.environ.get("VEUICC_E2E_SEED", "48"))
    oracle.self_check(data_dir)  # the oracle reproduces every published Milenage/ECIES set
    _keccak_self_check()
    if part.startswith("cli-"):
        cli_script(data_dir, part)
        return 0
    if part in ("shipped", "all"):
        shipped_ts48()
    if part in ("milenage", "all"):
        milenage_sets(data_dir)
    if part in ("tuak", "all"):
        tuak_cards(data_dir)
    if part in ("random", "all"):
        random_milenage(n, seed)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
