#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `veuicc vpcd` with vsmartcard's vpcd driver in a private pcscd: the card
# appears in vpcd's first reader, answers through PC/SC in T=0 and T=1 and
# to opensc-tool, disappears when the veuicc process stops, and a second
# card can take its place without restarting pcscd.
#
# env: PCSC_CLIENT (tests/pcsc/pcsc_client), VEUICC_CLI (the veuicc command)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=30
EID_A=89049032123451234512345678901235
EID_B=89044045116727494800000004479366

# vsmartcard-vpcd installs the driver as libifdvpcd.so next to its version.
VPCD_LIB=
for lib in /usr/lib/pcsc/drivers/serial/libifdvpcd.so \
	/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so /usr/local/lib/pcsc/drivers/serial/libifdvpcd.so; do
	if [ -e "$lib" ]; then
		VPCD_LIB=$lib
		break
	fi
done
[ -n "$VPCD_LIB" ] || fail "vsmartcard's libifdvpcd.so is not installed (Debian vsmartcard-vpcd)"

VICC_PID=
stop_vicc() {
	[ -n "$VICC_PID" ] || return 0
	kill -TERM "$VICC_PID" 2>/dev/null || true
	wait "$VICC_PID" 2>/dev/null || true
	VICC_PID=
}
on_exit() {
	local rc=$?
	stop_vicc
	if [ "$rc" -ne 0 ]; then
		for f in "$PCSCD_DIR"/vicc*.log; do
			[ -e "$f" ] || continue
			echo "# $(basename "$f"):"
			sed 's/^/#   /' "$f"
		done
	fi
	pcscd_cleanup
}
pcscd_setup
trap on_exit EXIT

PORT=$(free_port_pair)
[ -n "$PORT" ] || fail "no free TCP port pair"
# vpcd reads its port, in hex, after the colon of DEVICENAME.
HEXPORT=$(printf '0x%X' "$PORT")
pcscd_reader "Virtual PCD" "/dev/null:$HEXPORT" "$VPCD_LIB" "$HEXPORT"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "vpcd's two readers"
READER="Virtual PCD 00 00"
pass "vpcd listens on port $PORT (and $((PORT + 1)))"

# A card with EID A, traced.
"$VEUICC_CLI" vpcd --port "$PORT" --eid "$EID_A" --trace "$PCSCD_DIR/vpcd.pcap" --wait 10 \
	</dev/null >"$PCSCD_DIR/vicc1.log" 2>&1 &
VICC_PID=$!
timeout $T "$PCSC_CLIENT" wait-state "$READER" present 10 || fail "card in vpcd's reader"
[ "$(timeout $T "$PCSC_CLIENT" eid "$READER" t0)" = "$EID_A" ] || fail "EID A over T=0"
[ "$(timeout $T "$PCSC_CLIENT" eid "$READER" t1)" = "$EID_A" ] || fail "EID A over T=1"
pass "the card answers through vpcd in T=0 and T=1 (EID $EID_A)"

atr=$(timeout $T opensc-tool -r 0 -a) || fail "opensc-tool -a through vpcd"
[[ $atr == 3b:* ]] || fail "opensc-tool -a prints an ATR: $atr"
out=$(timeout $T opensc-tool -r 0 \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00' \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 0F 00') ||
	fail "opensc-tool -s through vpcd"
echo "$out" | sed 's/^/# /'
grep -q 'Received (SW1=0x90, SW2=0x00)' <<<"$out" || fail "SELECT ISD-R: 9000"
grep -q 'Received (SW1=0x6A, SW2=0x82)' <<<"$out" || fail "unknown AID: 6A82"
pass "opensc-tool -a/-s through vpcd (ATR $atr)"

stop_vicc
timeout $T "$PCSC_CLIENT" wait-state "$READER" absent 10 || fail "card gone with the process"
pass "stopping veuicc vpcd removes the card"

# Another card on the same port, pcscd untouched.
"$VEUICC_CLI" vpcd --port "$PORT" --eid "$EID_B" --wait 10 </dev/null >"$PCSCD_DIR/vicc2.log" 2>&1 &
VICC_PID=$!
timeout $T "$PCSC_CLIENT" wait-state "$READER" present 10 || fail "second card in the reader"
[ "$(timeout $T "$PCSC_CLIENT" eid "$READER")" = "$EID_B" ] || fail "EID B"
pass "a second card (EID $EID_B) takes its place"

# SGP.02's whole story through vpcd (issue 9 item 4): a card file made from the
# shipped factory configuration, driven by `veuicc sm run` as a PC/SC client.
stop_vicc
timeout $T "$PCSC_CLIENT" wait-state "$READER" absent 10 || fail "second card gone"
ROOT=$(cd "$HERE/../.." && pwd)
"$VEUICC_CLI" vpcd --port "$PORT" --factory "$ROOT/factory/default.json" \
	--card "$PCSCD_DIR/sm.db" --wait 10 </dev/null >"$PCSCD_DIR/vicc3.log" 2>&1 &
VICC_PID=$!
timeout $T "$PCSC_CLIENT" wait-state "$READER" present 10 || fail "the factory card in vpcd"
out=$(timeout 120 "$VEUICC_CLI" sm --reader "$READER" --factory "$ROOT/factory/default.json" \
	--state "$PCSCD_DIR/sm.state" run 2>&1) ||
	{ echo "$out" | sed 's/^/# /'; fail "veuicc sm run through vpcd"; }
grep -qF "all 10 step(s) succeeded" <<<"$out" || fail "every step through vpcd"
grep -qF "AUTHENTICATE ok" <<<"$out" || fail "the modem on the new profile through vpcd"
pass "veuicc sm run through vpcd: CreateISDP, key establishment, SCP03t download, enable, REFRESH, modem"

# pcscd going away closes the connection: veuicc vpcd ends with status 0.
pcscd_stop
rc=0
timeout 10 tail --pid="$VICC_PID" -f /dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "veuicc vpcd did not end when vpcd closed the connection"
rc=0
wait "$VICC_PID" || rc=$?
VICC_PID=
[ "$rc" -eq 0 ] || fail "veuicc vpcd exit status $rc"
grep -q "connection closed" "$PCSCD_DIR/vicc3.log" || fail "veuicc vpcd logged the close"
pass "veuicc vpcd ends with status 0 when pcscd stops"

# The vpcd session's trace decodes too.
n=$(tshark -r "$PCSCD_DIR/vpcd.pcap" -Y 'gsm_sim.apdu.ins == 0xa4' 2>/dev/null | wc -l)
[ "$n" -ge 3 ] || fail "the --trace file holds the SELECTs ($n)"
pass "the vpcd trace decodes ($n SELECTs)"
