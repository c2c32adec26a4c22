#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Quirk settings in the reader's DEVICENAME (quirk=, docs/quirks.md) through
# a private pcscd: opensc-tool -a prints the ATRs, tests/quirks/atr_decode.py
# (ISO 7816-3, independent of veuicc) decodes them, and pcsc-lite's own ATR
# parser decides which protocols a client may connect with (pyscard).
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT (tests/pcsc/pcsc_client)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}"
T=30
DECODE="$HERE/../quirks/atr_decode.py"
command -v opensc-tool >/dev/null || fail "opensc-tool is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import smartcard' 2>/dev/null || fail "python3-pyscard is not installed for $PY"

pcscd_setup
pcscd_reader "veuicc Q0" "veuicc:name=q0,quirk=atr-ta1=95,quirk=atr-protocols=t0,quirk=atr-classes=BC" "$VEUICC_IFD"
pcscd_reader "veuicc Q1" "veuicc:name=q1,quirk=atr-ta1=11,quirk=atr-protocols=t1,quirk=t0-case4=data" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers"

check_atr() { # reader-index expected-decoder-fields...
	local idx=$1 atr d
	shift
	atr=$(timeout $T opensc-tool -r "$idx" -a | tr -d ':' | tr a-f A-F) || fail "opensc-tool -a -r $idx"
	d=$("$PY" "$DECODE" "$atr") || fail "decoder refuses ATR $atr (bad TCK?): $d"
	echo "# reader $idx ATR $atr: $d"
	for want in "$@"; do
		grep -q -- "$want" <<<"$d" || fail "reader $idx: ATR $atr lacks '$want' ($d)"
	done
	pass "reader $idx: opensc-tool -a ATR $atr decodes to $*"
}
check_atr 0 "ta1=149" "fi=512 di=16" "protocols=\[0, 15\]" "classes=BC" "tck_ok=True"
check_atr 1 "ta1=17" "fi=372 di=1" "protocols=\[1, 15\]" "first=1" "classes=ABC" "tck_ok=True"

# pcsc-lite reads the protocols from the ATR: T=1 on the T=0-only card and
# T=0 on the T=1-only card are refused; the offered one works.
out=$(timeout $T "$PY" - <<'PYEOF'
from smartcard.System import readers
from smartcard.CardConnection import CardConnection
from smartcard.Exceptions import CardConnectionException
rs = {str(r).split(" 0")[0]: r for r in readers()}
def try_connect(name, proto):
    c = rs[name].createConnection()
    try:
        c.connect(proto)
    except CardConnectionException:
        return None
    return c
assert try_connect("veuicc Q0", CardConnection.T1_protocol) is None, "Q0 took T=1"
assert try_connect("veuicc Q1", CardConnection.T0_protocol) is None, "Q1 took T=0"
c = try_connect("veuicc Q0", CardConnection.T0_protocol)
assert c is not None, "Q0 refused T=0"
isdr = [0xA0,0x00,0x00,0x05,0x59,0x10,0x10,0xFF,0xFF,0xFF,0xFF,0x89,0x00,0x00,0x01,0x00]
data, sw1, sw2 = c.transmit([0x00,0xA4,0x04,0x00,len(isdr)] + isdr)
assert sw1 == 0x61 and not data, (data, sw1, sw2)   # T=0: case 4 as case 3
c.disconnect()
c = try_connect("veuicc Q1", CardConnection.T1_protocol)
assert c is not None, "Q1 refused T=1"
data, sw1, sw2 = c.transmit([0x00,0xA4,0x04,0x00,len(isdr)] + isdr + [0x00])
assert (sw1, sw2) == (0x90, 0x00) and data[0] == 0x6F, (data, sw1, sw2)
c.disconnect()
print("protocols ok")
PYEOF
) || fail "pyscard protocol checks: $out"
[ "$out" = "protocols ok" ] || fail "pyscard: $out"
pass "pcsc-lite offers only the protocols the quirked ATRs name"
