#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fault injection through a real pcscd (docs/testbench.md): DEVICENAME key
# fault= on two readers. Reader F answers its first SELECT of EF.ICCID with
# 6A82 without running it and waits 20 ms before every APDU; reader C has
# its first persistent write cut (a wrong PIN: 6581), and its card file keeps
# the state before. The driver logs every fault in pcscd's log.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT, VEUICC_CLI
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../pcsc/pcscd_env.sh
. "$ROOT/tests/pcsc/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=30
command -v opensc-tool >/dev/null || fail "opensc-tool is not installed"

pcscd_setup
F="$PCSCD_DIR/f.db"
C="$PCSCD_DIR/c.db"
"$VEUICC_CLI" card --card "$F" install :default --activate >/dev/null || fail "card F"
"$VEUICC_CLI" card --card "$C" install :default --activate >/dev/null || fail "card C"
pcscd_reader "veuicc F" "veuicc:name=f,state=$F,fault=sw:6A82:00A4000C022FE2;latency:20" \
	"$VEUICC_IFD"
pcscd_reader "veuicc C" "veuicc:name=c,state=$C,fault=cut:1" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers"

t0=$(date +%s%N)
out=$(timeout $T opensc-tool -r 0 -s '00 A4 00 0C 02 2F E2' -s '00 A4 00 0C 02 2F E2' \
	-s '00 B0 00 00 0A') || fail "opensc-tool on reader F"
t1=$(date +%s%N)
echo "$out" | sed 's/^/# /'
grep -q 'Received (SW1=0x6A, SW2=0x82)' <<<"$out" || fail "first SELECT: 6A82"
grep -q '98 00 10 32 54 76 98 10 32 14' <<<"$out" || fail "second SELECT and READ BINARY ran"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 60 ] || fail "three APDUs at 20 ms took $ms ms"
pass "reader F: SELECT answered 6A82 once, not run; 3 APDUs took $ms ms (>= 60; opensc-tool probes the card too)"

out=$(timeout $T opensc-tool -r 1 -s '00 A4 04 0C 07 A0 00 00 00 87 10 02' \
	-s '00 20 00 01 08 39 39 39 39 FF FF FF FF') || true
echo "$out" | sed 's/^/# /'
grep -q 'Received (SW1=0x65, SW2=0x81)' <<<"$out" || fail "the cut VERIFY: 6581"
pass "reader C: the wrong PIN's save was cut, the card answered 6581"
pcscd_stop

log="$PCSCD_DIR/pcscd.log"
grep -q '\[f\] faults armed: sw:6A82:00A4000C022FE2;latency:20' "$log" || fail "armed (F)"
grep -q '\[f\] veuicc fault: APDU [0-9]* (00 A4 00 0C, match 1) answered 6A82, not run' "$log" ||
	fail "sw: log line"
[ "$(grep -c '\[f\] veuicc fault: latency 20 ms before APDU' "$log")" -ge 3 ] ||
	fail "latency log lines"
grep -q '\[c\] veuicc fault: power cut at persistent write 1 since armed' "$log" ||
	fail "cut log line"
pass "pcscd's log has one line per injected fault"

printf '.protocol T=1\n00A4040C07A0000000871002: 9000\n0020000100: 63C3\n' >"$PCSCD_DIR/c.apdu"
"$VEUICC_CLI" apdu --card "$C" "$PCSCD_DIR/c.apdu" >/dev/null ||
	fail "card C after the cut: PIN1 still has 3 tries"
pass "card C reopened as before the cut command (3 tries)"
pass "done"
