#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Vectors for tests/euicc/test_esx.c, computed independently of veuicc with
python3-cryptography:
  - PUT KEY of the ISD-P token key (KVN 70, one AES key, id 01) wrapped with
    the ISD-P's SCP03 DEK: AES-CBC, ICV zero; KCV = AES-ECB(key, 16 x 01)[:3]
    (GP Amd D §7.2, docs/spec-decisions.md GK1);
  - the Master Delete token: AES-CMAC(token key, P1 P2 Lc data), data = the
    DELETE data field without the 9E token TLV, Lc its length (GP CS v2.3
    Figure C-8 token data; AES-CMAC for an AES token key: decision X5).
Run it and paste its output into test_esx.c if a key or AID changes."""
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

DEK = bytes(range(0x60, 0x70))      # ISD-P SCP03 DEK (tests/data/esx/esx.json)
TOKEN_KEY = bytes(range(0x70, 0x80))
PFX = bytes.fromhex("A0000005591010FFFFFFFF89")
CRT = bytes.fromhex("B6 11 42 02 0102 45 04 00000011 5F20 01 03 93 01 01".replace(" ", ""))


def cbc(key, data):
    e = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return e.update(data) + e.finalize()


def ecb(key, data):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(data) + e.finalize()


def cmac(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


kcv = ecb(TOKEN_KEY, b"\x01" * 16)[:3]
put = bytes([0x70, 0x88, 0x11, 0x10]) + cbc(DEK, TOKEN_KEY) + bytes([0x03]) + kcv
print('#define PUT_TOKEN_KEY "80D80001 %02X %s 00"' % (len(put), put.hex().upper()))
print('#define PUT_TOKEN_RSP "70%s 9000"' % kcv.hex().upper())


def delete(num, p2, crt):
    aid = PFX + bytes([0, 0, num, 0])
    data = bytes([0x4F, 16]) + aid + crt
    token = cmac(TOKEN_KEY, bytes([0x00, p2, len(data)]) + data)
    full = data + bytes([0x9E, 16]) + token
    return "80E400%02X %02X %s 00" % (p2, len(full), full.hex().upper())


print('#define MDEL_11 "%s"' % delete(0x11, 0x00, CRT))
print('#define MDEL_11_NOCRT_P2_40 "%s"' % delete(0x11, 0x40, b""))
print('#define MDEL_10 "%s"' % delete(0x10, 0x00, CRT))
print('#define MDEL_12 "%s"' % delete(0x12, 0x00, CRT))

# test_isdp_ident.c: MasterDelete CRTs against the DGI 0070 values the ISD-P
# was given (42 0102, 45 00000011, 5F20 03; decision G10)
CRT_SDIN = bytes.fromhex("B6 11 42 02 0102 45 04 00000012 5F20 01 03 93 01 01".replace(" ", ""))
CRT_APID = bytes.fromhex("B6 11 42 02 0102 45 04 00000011 5F20 01 04 93 01 01".replace(" ", ""))
CRT_SIN = bytes.fromhex("B6 10 42 01 01 45 04 00000011 5F20 01 03 93 01 01".replace(" ", ""))
CRT_45 = bytes.fromhex("B6 09 45 04 00000011 93 01 02".replace(" ", ""))
print('#define MDEL_11_SDIN12 "%s"' % delete(0x11, 0x00, CRT_SDIN))
print('#define MDEL_11_APID04 "%s"' % delete(0x11, 0x00, CRT_APID))
print('#define MDEL_11_SIN01 "%s"' % delete(0x11, 0x00, CRT_SIN))
print('#define MDEL_11_ONLY45 "%s"' % delete(0x11, 0x00, CRT_45))
