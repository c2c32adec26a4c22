#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Everyday PC/SC tools against veuicc readers in a private pcscd:
# pcsc_scan (pcsc-tools), opensc-tool -l/-a/-s (opensc), and a pyscard
# script (python3-pyscard). Missing tools fail the test: CI installs them
# (tools/dev deps).
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT (tests/pcsc/pcsc_client)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}"
T=30
EID_A=89049032123451234512345678901235
EID_B=89044045116727494800000004479366
for tool in pcsc_scan opensc-tool; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done
# Debian's python3 (pyenv or venv shims earlier in PATH lack its packages).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import smartcard' 2>/dev/null || fail "python3-pyscard is not installed for $PY"

pcscd_setup
pcscd_reader "veuicc A" "veuicc:name=a,eid=$EID_A" "$VEUICC_IFD"
pcscd_reader "veuicc B" "veuicc:name=b,eid=$EID_B" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers"
# The ATR as the driver reports it (the library's, not a copy in this test).
out=$(timeout $T "$PCSC_CLIENT" basic "veuicc A" "$EID_A") || fail "basic scenario: $out"
atr=$(sed -n 's/^ok - SCardStatus ATR //p' <<<"$out")
[ -n "$atr" ] || fail "read the ATR"
atr_spaced=$(sed 's/../& /g; s/ $//' <<<"$atr")
echo "# ATR $atr_spaced"

# pcsc_scan: -r lists the readers; -t 2 scans and reports the cards.
out=$(timeout $T pcsc_scan -r </dev/null) || fail "pcsc_scan -r"
grep -q '^0: veuicc A 00 00$' <<<"$out" && grep -q '^1: veuicc B 01 00$' <<<"$out" ||
	fail "pcsc_scan -r lists both readers: $out"
pass "pcsc_scan -r lists both readers"
out=$(timeout $T pcsc_scan -n -t 2 </dev/null | tr -d '\r') || fail "pcsc_scan -t 2"
[ "$(grep -c "ATR: $atr_spaced" <<<"$out")" -eq 2 ] || fail "pcsc_scan shows two cards: $out"
grep -q "Card state: Card inserted" <<<"$out" || fail "pcsc_scan: card inserted"
pass "pcsc_scan reports both cards with the ATR"

# opensc-tool
out=$(timeout $T opensc-tool -l) || fail "opensc-tool -l"
grep -qE '^0 +Yes +veuicc A 00 00' <<<"$out" || fail "opensc-tool -l: $out"
pass "opensc-tool -l lists the readers with cards"
out=$(timeout $T opensc-tool -r 0 -a) || fail "opensc-tool -a"
[ "$(tr -d ':' <<<"$out" | tr a-f A-F)" = "$atr" ] || fail "opensc-tool -a prints the ATR: $out"
pass "opensc-tool -a prints the ATR"
out=$(timeout $T opensc-tool -r 1 \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 02 00' \
	-s '80 CA 00 5A 00' \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 0F 00') ||
	fail "opensc-tool -s"
echo "$out" | sed 's/^/# /'
got=$(grep -A3 '^Sending: 80 CA 00 5A 00' <<<"$out" | grep -oE '^([0-9A-F]{2} )+' | tr -d ' \n')
[ "$got" = "5A10$EID_B" ] || fail "opensc-tool -s GET DATA returns 5A 10 + EID B (got $got)"
grep -q 'Received (SW1=0x6A, SW2=0x82)' <<<"$out" || fail "unknown AID: 6A82"
pass "opensc-tool -s: SELECT ECASD, GET DATA gives EID B, unknown AID 6A82"

# pyscard (python3-pyscard), as test scripts use it.
out=$(timeout $T "$PY" - "$EID_A" <<'EOF'
import sys
from smartcard.System import readers
from smartcard.CardConnection import CardConnection
r = [x for x in readers() if str(x).startswith("veuicc A")][0]
c = r.createConnection()
c.connect(CardConnection.T0_protocol)
ecasd = [0xA0,0x00,0x00,0x05,0x59,0x10,0x10,0xFF,0xFF,0xFF,0xFF,0x89,0x00,0x00,0x02,0x00]
data, sw1, sw2 = c.transmit([0x00,0xA4,0x04,0x00,len(ecasd)] + ecasd)
assert sw1 == 0x61, hex(sw1)
data, sw1, sw2 = c.transmit([0x00,0xC0,0x00,0x00,sw2])
assert (sw1, sw2) == (0x90, 0x00) and data[0] == 0x6F
data, sw1, sw2 = c.transmit([0x80,0xCA,0x00,0x5A,0x00])
if sw1 == 0x6C:
    data, sw1, sw2 = c.transmit([0x80,0xCA,0x00,0x5A,sw2])
assert (sw1, sw2) == (0x90, 0x00) and data[:2] == [0x5A, 0x10], (data, sw1, sw2)
print("".join("%02X" % b for b in data[2:]))
EOF
) || fail "pyscard script"
[ "$out" = "$EID_A" ] || fail "pyscard reads EID A (got $out)"
pass "pyscard (T=0, 61xx/6Cxx handled by the script) reads EID A"
