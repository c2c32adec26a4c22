#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One full SMS-PP ENVELOPE checked against an independent implementation.

The command packet and the expected PoR are built here with
python3-cryptography (tests/scp80/oracle.py: TS 31.115 §4.2 packets), the
SMS-DELIVER TPDU (3GPP TS 23.040 §9.2.2.1) and the SMS-PP download BER-TLV
(TS 102 223 §7.1) by hand; the card (cat_io, personalised from
factory/default.json) must answer with exactly that PoR and 9000.
Usage: envelope_oracle.py CAT_IO FACTORY.json
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scp80"))
import oracle  # noqa: E402  (exits 77 without python3-cryptography)

ISDR = bytes.fromhex("A0000005591010FFFFFFFF8900000100")
KEYS = oracle.Keys(oracle.AES, bytes(range(16)), oracle.AES, bytes(range(0x10, 0x20)), 1)
SPI = bytes([0x16, 0x19])  # CC, ciphering, counter higher; PoR: required, CC, ciphered
TAR = bytes([0, 0, 1])


def tlv(tag, value):
    n = len(value)
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x81, n])) + value


def envelope(pkt):
    ud = bytes([0x02, 0x70, 0x00]) + pkt  # UDH: command packet identifier
    tpdu = (bytes([0x40, 0x04, 0x91, 0x21, 0x43, 0x7F, 0xF6]) +
            bytes.fromhex("00112912000004") + bytes([len(ud)]) + ud)
    d1 = tlv(0xD1, tlv(0x82, bytes([0x83, 0x81])) + tlv(0x8B, tpdu))
    return bytes([0x80, 0xC2, 0x00, 0x00, len(d1)]) + d1 + b"\x00"


def main():
    exe, factory = sys.argv[1], sys.argv[2]
    capdu = bytes.fromhex("80F28002024F0000")  # GET STATUS of the ISD-R
    script = tlv(0xAA, tlv(0x22, capdu))
    cntr = bytes([0, 0, 0, 0, 7])
    pkt = oracle.build_cmd(KEYS, SPI, 0x12, 0x12, TAR, cntr, script)
    rapdu = tlv(0x23, bytes.fromhex("E31B4F10") + ISDR + bytes.fromhex("9F70010FC50380C000") +
                b"\x90\x00")
    expect = oracle.build_por(KEYS, SPI, TAR, cntr, 0x00,
                              tlv(0xAB, bytes([0x80, 0x01, 0x01]) + rapdu)) + b"\x90\x00"
    out = subprocess.run([exe, factory], input=envelope(pkt).hex() + "\n", text=True,
                         capture_output=True, check=True).stdout.split()
    if out != [expect.hex().upper()]:
        print("card:  ", out)
        print("expect:", expect.hex().upper())
        return 1
    print("ENVELOPE / PoR match the independent implementation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
