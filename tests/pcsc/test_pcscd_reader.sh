#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The veuicc driver in a real, private pcscd: two readers with their own
# cards, connect T=0/T=1, transmit, reconnect with reset, attributes, bad
# input, removal/insertion by control code and by `veuicc reader`, a refused
# DEVICENAME.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT (tests/pcsc/pcsc_client),
#      VEUICC_CLI (the veuicc command)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=20 # seconds any one client command may take

# SGP.26 test EID and a second EID with valid MOD 97-10 check digits.
EID_A=89049032123451234512345678901235
EID_B=89044045116727494800000004479366

pcscd_setup
pcscd_reader "veuicc A" "veuicc:name=a,eid=$EID_A,seed=1" "$VEUICC_IFD"
pcscd_reader "veuicc B" "veuicc:name=b,eid=$EID_B" "$VEUICC_IFD"
pcscd_reader "veuicc bad" "veuicc:name=bad,colour=blue" "$VEUICC_IFD"
pcscd_start -d

timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers listed"
readers=$(timeout $T "$PCSC_CLIENT" list)
echo "$readers" | sed 's/^/# reader: /'
grep -q '^veuicc A 0' <<<"$readers" || fail "reader 'veuicc A' listed"
grep -q '^veuicc B 0' <<<"$readers" || fail "reader 'veuicc B' listed"
[ "$(grep -c . <<<"$readers")" -eq 2 ] || fail "exactly two readers (the bad one refused)"
pass "pcscd lists the two veuicc readers"
grep -qF "refusing DEVICENAME '\"veuicc:name=bad,colour=blue\"': unknown key 'colour'" \
	"$PCSCD_DIR/pcscd.log" || fail "a DEVICENAME with an unknown key is refused with a log line"
pass "the DEVICENAME with an unknown key is refused and logged"

timeout $T "$PCSC_CLIENT" basic "veuicc A" "$EID_A" || fail "basic scenario on reader A"
[ "$(timeout $T "$PCSC_CLIENT" eid "veuicc A")" = "$EID_A" ] || fail "reader A holds EID A"
[ "$(timeout $T "$PCSC_CLIENT" eid "veuicc B")" = "$EID_B" ] || fail "reader B holds EID B"
pass "each reader holds its own card (EIDs $EID_A and $EID_B)"

timeout $T "$PCSC_CLIENT" events "veuicc A" || fail "removal/insertion events"
timeout $T "$PCSC_CLIENT" stress "veuicc B" || fail "removals racing transmits"

# The same events driven by the CLI.
st=$(timeout $T "$VEUICC_CLI" reader status "veuicc A") || fail "veuicc reader status"
removals0=$(sed -n 's/^removals: //p' <<<"$st")
[ -n "$removals0" ] || fail "status shows the removal counter"
timeout $T "$VEUICC_CLI" reader remove "veuicc A" || fail "veuicc reader remove"
timeout $T "$PCSC_CLIENT" wait-state "veuicc A" absent 5 || fail "absent after 'veuicc reader remove'"
st=$(timeout $T "$VEUICC_CLI" reader status "veuicc A") || fail "veuicc reader status"
echo "# $st"
grep -q "present: no" <<<"$st" || fail "status says the card is out"
timeout $T "$VEUICC_CLI" reader insert "veuicc A" || fail "veuicc reader insert"
timeout $T "$PCSC_CLIENT" wait-state "veuicc A" present 5 || fail "present after 'veuicc reader insert'"
st=$(timeout $T "$VEUICC_CLI" reader status "veuicc A")
grep -q "eid: $EID_A" <<<"$st" || fail "status shows the EID"
[ "$(sed -n 's/^removals: //p' <<<"$st")" -eq $((removals0 + 1)) ] ||
	fail "the removal counter went from $removals0 up by one"
list=$(timeout $T "$VEUICC_CLI" reader list)
echo "$list" | sed 's/^/# /'
grep -q "veuicc B" <<<"$list" || fail "veuicc reader list"
pass "veuicc reader remove/insert/status/list drive pcscd"

kill -0 "$PCSCD_PID" || fail "pcscd survived every scenario"
# pcscd answers a too small client buffer itself (the driver gets pcscd's
# own buffer; test_pcsc_ifd covers the driver's check); the empty APDU
# reaches the driver.
grep -qF "veuicc-ifd error [a] transmit: zero-length APDU" "$PCSCD_DIR/pcscd.log" ||
	fail "the empty APDU is logged by the driver"
pass "pcscd is alive, the driver logged the bad input"
