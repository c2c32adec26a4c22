#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SMS-PP ENVELOPEs checked against an independent implementation.

The command packets and the expected PoRs are built here with
python3-cryptography (tests/scp80/oracle.py: TS 31.115 §4.2 packets), the
SMS-DELIVER TPDU (3GPP TS 23.040 §9.2.2.1) and the SMS-PP download BER-TLV
(TS 102 223 §7.1) by hand; the card (cat_io, personalised from
factory/default.json) must answer with exactly that PoR and 9000. Then the
same with SPI2 b6 (PoR by SMS-SUBMIT, TS 31.115 §4.2): after a TERMINAL
PROFILE offering SEND SHORT MESSAGE the ENVELOPE answers 91xx and FETCH
gives exactly the SEND SHORT MESSAGE built here (TS 102 223 §6.6.9, SMS-SUBMIT
TS 23.040 §9.2.2.2), once in one SMS and once in two concatenated ones
(IE 00, §9.2.3.24.1), each acknowledged with TERMINAL RESPONSE.
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


OA = bytes([0x04, 0x91, 0x21, 0x43])  # TP-OA of the SMS-DELIVER: 1234, international


def envelope(pkt):
    ud = bytes([0x02, 0x70, 0x00]) + pkt  # UDH: command packet identifier
    tpdu = (bytes([0x40]) + OA + bytes([0x7F, 0xF6]) +
            bytes.fromhex("00112912000004") + bytes([len(ud)]) + ud)
    d1 = tlv(0xD1, tlv(0x82, bytes([0x83, 0x81])) + tlv(0x8B, tpdu))
    return bytes([0x80, 0xC2, 0x00, 0x00, len(d1)]) + d1 + b"\x00"


def send_sms(number, udh, data):
    """SEND SHORT MESSAGE: D0 { 81 03 nn 13 00, 82 02 81 83, 8B SMS-SUBMIT }"""
    ud = udh + data
    submit = bytes([0x41, 0x00]) + OA + bytes([0x7F, 0xF6, len(ud)]) + ud
    body = (tlv(0x81, bytes([number, 0x13, 0x00])) + tlv(0x82, bytes([0x81, 0x83])) +
            tlv(0x8B, submit))
    return tlv(0xD0, body)


def terminal_response(number):
    return bytes.fromhex("801400000C8103") + bytes([number]) + bytes.fromhex("130082028281830100")


def status_rapdu():
    return tlv(0x23, bytes.fromhex("E31B4F10") + ISDR + bytes.fromhex("9F70010FC50380C000") +
               b"\x90\x00")


def main():
    exe, factory = sys.argv[1], sys.argv[2]
    capdu = bytes.fromhex("80F28002024F0000")  # GET STATUS of the ISD-R
    lines, expect = [], []

    # 1. PoR in the ENVELOPE response
    script = tlv(0xAA, tlv(0x22, capdu))
    cntr = bytes([0, 0, 0, 0, 7])
    lines.append(envelope(oracle.build_cmd(KEYS, SPI, 0x12, 0x12, TAR, cntr, script)))
    expect.append(oracle.build_por(KEYS, SPI, TAR, cntr, 0x00,
                                   tlv(0xAB, bytes([0x80, 0x01, 0x01]) + status_rapdu())) +
                  b"\x90\x00")

    # 2. TERMINAL PROFILE with SEND SHORT MESSAGE (byte 4 b2), PoR by SMS-SUBMIT
    lines.append(bytes.fromhex("801000000402000002"))
    expect.append(b"\x90\x00")
    spi = bytes([0x16, 0x39])
    cntr = bytes([0, 0, 0, 0, 8])
    lines.append(envelope(oracle.build_cmd(KEYS, spi, 0x12, 0x12, TAR, cntr, script)))
    por = oracle.build_por(KEYS, spi, TAR, cntr, 0x00,
                           tlv(0xAB, bytes([0x80, 0x01, 0x01]) + status_rapdu()))
    assert len(por) <= 140
    cmd = send_sms(1, por[:3], por[3:])
    expect.append(bytes([0x91, len(cmd)]))
    lines.append(bytes.fromhex("8012000000"))
    expect.append(cmd + b"\x90\x00")
    lines.append(terminal_response(1))
    expect.append(b"\x90\x00")

    # 3. a PoR longer than 140 octets: two concatenated SMS-SUBMITs
    script = tlv(0xAA, tlv(0x22, capdu) * 6)
    cntr = bytes([0, 0, 0, 0, 9])
    lines.append(envelope(oracle.build_cmd(KEYS, spi, 0x12, 0x12, TAR, cntr, script)))
    por = oracle.build_por(KEYS, spi, TAR, cntr, 0x00,
                           tlv(0xAB, bytes([0x80, 0x01, 0x06]) + status_rapdu() * 6))
    body = por[3:]
    assert 140 < len(por) and len(body) <= 132 + 134
    first = send_sms(2, bytes.fromhex("070003010201") + bytes([0x71, 0x00]), body[:132])
    second = send_sms(3, bytes.fromhex("050003010202"), body[132:])
    expect.append(bytes([0x91, len(first)]))
    lines.append(bytes.fromhex("8012000000"))
    expect.append(first + b"\x90\x00")
    lines.append(terminal_response(2))
    expect.append(bytes([0x91, len(second)]))
    lines.append(bytes.fromhex("8012000000"))
    expect.append(second + b"\x90\x00")
    lines.append(terminal_response(3))
    expect.append(b"\x90\x00")

    out = subprocess.run([exe, factory], input="".join(x.hex() + "\n" for x in lines),
                         text=True, capture_output=True, check=True).stdout.split()
    want = [x.hex().upper() for x in expect]
    if out != want:
        for i, (o, w) in enumerate(zip(out + [""] * len(want), want)):
            if o != w:
                print("step", i, "card:  ", o)
                print("step", i, "expect:", w)
        return 1
    print("ENVELOPE PoRs and SEND SHORT MESSAGEs match the independent implementation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
