#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for the ECASD's ECKA-DH (tests/ecasd, docs/ecasd.md).

Writes OUT with one vector per line:
    <curve F0 ref> <peer point 04||X||Y hex> <shared x hex>
for 8 peer keys per curve. The peer private keys are derived from SHA-256 of
a counter (reproducible); the shared secret is computed by python3-cryptography
as ECDH(peer private key, eUICC public key), i.e. from the other side of the
exchange than the card, which computes SK.ECASD.ECKA * peer point. Shares no
code with src/.

Usage: ecka_oracle.py OUT KEYS_DIR
"""
import hashlib
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

CURVES = [("00", "SK_EUICC_ECDSA_NIST.pem", ec.SECP256R1()),
          ("03", "SK_EUICC_ECDSA_BRP.pem", ec.BrainpoolP256R1())]
# group orders (SEC 2 / RFC 5639)
ORDER = {
    "00": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "03": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
}


def point(pub):
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def main():
    out, keys = sys.argv[1], sys.argv[2]
    lines = []
    for ref, pem, curve in CURVES:
        with open(os.path.join(keys, pem), "rb") as f:
            euicc = serialization.load_pem_private_key(f.read(), password=None)
        assert euicc.curve.name == curve.name
        for i in range(8):
            seed = hashlib.sha256(b"veuicc ecasd oracle %s %d" % (ref.encode(), i)).digest()
            d = int.from_bytes(seed, "big") % (ORDER[ref] - 1) + 1
            peer = ec.derive_private_key(d, curve)
            shs = peer.exchange(ec.ECDH(), euicc.public_key())
            lines.append("%s %s %s" % (ref, point(peer.public_key()).hex().upper(),
                                       shs.hex().upper()))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
