#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Add an SCP03 key set (KVN 30, AES-128) to the MNO-SD keyList of a profile
dumped with `veuicc saip dump --json`-style output (docs/saip.md); the result
is built again with `veuicc saip build`. See SOURCES.md."""
import json
import sys

ENC = "".join("%02X" % (0xA0 + i) for i in range(16))
MAC = "".join("%02X" % (0xB0 + i) for i in range(16))
DEK = "".join("%02X" % (0xC0 + i) for i in range(16))

src, dst = sys.argv[1], sys.argv[2]
pes = json.load(open(src))
sd = next(pe["securityDomain"] for pe in pes if "securityDomain" in pe)
assert sd["instance"]["instanceAID"] == "A000000151000000"
# GP Amd D: SCP03 keys, KVN 30, key ids 01 ENC, 02 MAC, 03 DEK, type 88 (AES)
for kid, usage, key in (("01", "38", ENC), ("02", "34", MAC), ("03", "C8", DEK)):
    sd["keyList"].append({"keyUsageQualifier": usage, "keyIdentifier": kid,
                          "keyVersionNumber": "30",
                          "keyCompontents": [{"keyType": "88", "keyData": key}]})
json.dump(pes, open(dst, "w"), indent=1)
