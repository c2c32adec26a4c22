#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whole OTA exchanges into the enabled profile, predicted independently.

The card (cat_io, personalised from factory/default.json, which enables the
GSMA TS.48 V7.0 profile) gets SMS-PP ENVELOPEs for the profile's RFM TARs.
Packets and the expected PoRs are built here with python3-cryptography
(tests/scp80/oracle.py) from the facts written down from the profile's value
notation (tests/data/ota/ts48_ota_facts.txt); the ENVELOPE/SMS framing is the
one of tests/cat/envelope_oracle.py. Every R-APDU must match byte for byte:
UICC RFM READ BINARY of EF.ICCID (AES key set), UICC RFM UPDATE BINARY of
EF.UMPC in the expanded format (3DES key set) read back on the terminal path,
USIM RFM READ BINARY of EF.IMSI, a replay (status 02) and a packet below the
minimum security level (status 0A, PoR in clear).
Usage: rfm_oracle.py CAT_IO FACTORY.json FACTS.txt
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scp80"))
sys.path.insert(0, os.path.join(HERE, "..", "cat"))
import oracle  # noqa: E402  (exits 77 without python3-cryptography)
from envelope_oracle import envelope, tlv  # noqa: E402


def facts(path):
    f = {}
    for line in open(path):
        line = line.split("#")[0].split()
        if len(line) == 2:
            f[line[0]] = bytes.fromhex(line[1])
    return f


def main():
    exe, factory, path = sys.argv[1:4]
    f = facts(path)
    aes = oracle.Keys(oracle.AES, f["kvn02_aes_key"], oracle.AES, f["kvn02_aes_key"], 2)
    tdes = oracle.Keys(oracle.DES3_2, f["kvn01_3des_key"], oracle.DES3_2,
                       f["kvn01_3des_key"], 1)
    spi = bytes([0x16, 0x19])  # CC, ciphering, counter higher; PoR required, CC, ciphered
    uicc, usim = f["uicc_rfm_tar"], f["usim_rfm_tar"]
    ok = b"\x90\x00"
    new_umpc = bytes.fromhex("3C05020000")
    steps = []  # (C-APDU, expected R-APDU)

    def packet(ks, kic, tar, cntr, script, status, data, spi=spi, secured=True, echo=None):
        c = bytes([0, 0, 0, 0, cntr])
        pkt = oracle.build_cmd(ks, spi, kic, kic, tar, c, script)
        por = oracle.build_por(ks, spi, tar, c if echo is None else echo, status, data,
                               secured)
        steps.append((envelope(pkt), por + ok))

    # 1. UICC RFM, compact: SELECT EF.ICCID (FCP asked), READ BINARY
    read_iccid = bytes.fromhex("00A40004022FE2" "00B000000A")
    packet(aes, 0x22, uicc, 1, read_iccid, 0x00, b"\x02" + ok + f["ef_iccid"])
    # 2. UICC RFM, expanded, 3DES key set KVN 01: UPDATE BINARY of EF.UMPC (ADM1)
    script = tlv(0xAA, tlv(0x22, bytes.fromhex("00A4000C022F08")) +
                 tlv(0x22, bytes.fromhex("00D6000005") + new_umpc))
    packet(tdes, 0x15, uicc, 1, script, 0x00,
           tlv(0xAB, bytes([0x80, 0x01, 0x02]) + tlv(0x23, ok) + tlv(0x23, ok)))
    # the terminal reads the new content
    steps.append((bytes.fromhex("00A4080C022F08"), ok))
    steps.append((bytes.fromhex("00B0000005"), new_umpc + ok))
    # 3. USIM RFM (the ADF selected first): EF.IMSI
    packet(aes, 0x22, usim, 2, bytes.fromhex("00A4000C026F07" "00B0000009"), 0x00,
           b"\x02" + ok + f["ef_imsi"])
    # 4. replay of counter 2 on the same key set: status 02, nothing run
    packet(aes, 0x22, uicc, 2, read_iccid, 0x02, b"")
    # 5. no security at all, below the RFM's minimum security level 02:
    #    status 0A, PoR in clear, the counter not deciphered (echoed as 0)
    packet(aes, 0x22, uicc, 3, read_iccid, 0x0A, b"", spi=bytes([0x00, 0x01]),
           echo=bytes(5))
    out = subprocess.run([exe, factory], input="".join(c.hex() + "\n" for c, _ in steps),
                         text=True, capture_output=True, check=True).stdout.split()
    bad = 0
    for i, ((c, want), got) in enumerate(zip(steps, out)):
        if got != want.hex().upper():
            print("step %d\n  C-APDU %s\n  expect %s\n  card   %s" % (i, c.hex(),
                                                                     want.hex().upper(), got))
            bad += 1
    if len(out) != len(steps):
        print("card answered %d of %d" % (len(out), len(steps)))
        bad += 1
    if bad:
        return 1
    print("%d OTA exchanges match the independent implementation" % len(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
