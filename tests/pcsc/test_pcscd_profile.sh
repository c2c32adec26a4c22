#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An installed profile through a real pcscd: one reader opens the shipped
# GSMA TS.48 V7 profile (profile=), another a persistent card file prepared
# with `veuicc card install` (state=). opensc-tool -s reads EF.ICCID, verifies
# PIN1 and reads EF.IMSI; the values are those of the profile's published
# value notation (profiles/*.txt).
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT, VEUICC_CLI
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=30
command -v opensc-tool >/dev/null || fail "opensc-tool is not installed"
V7="$ROOT/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
V5="$ROOT/tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"

pcscd_setup
CARD="$PCSCD_DIR/card.db"
"$VEUICC_CLI" card --card "$CARD" install "$V5" --activate >/dev/null ||
	fail "veuicc card install"
pcscd_reader "veuicc P" "veuicc:name=p,profile=$V7" "$VEUICC_IFD"
pcscd_reader "veuicc S" "veuicc:name=s,state=$CARD" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers"

# reader P: EF.ICCID, then EF.IMSI behind PIN1 (TS.48: 0000)
out=$(timeout $T opensc-tool -r 0 \
	-s '00 A4 00 0C 02 2F E2' -s '00 B0 00 00 0A' \
	-s '00 A4 04 0C 0C A0 00 00 00 87 10 02 FF 49 FF 05 89' -s '00 A4 00 0C 02 6F 07' \
	-s '00 B0 00 00 09' -s '00 20 00 01 08 30 30 30 30 FF FF FF FF' -s '00 B0 00 00 09') ||
	fail "opensc-tool -s on reader P"
echo "$out" | sed 's/^/# /'
hexes=$(grep -E '^([0-9A-F]{2} )+' <<<"$out" | grep -oE '^([0-9A-F]{2} )+' | tr -d ' ' | tr '\n' ' ')
grep -q '98001032547698103214' <<<"$hexes" || fail "EF.ICCID of the V7 profile (got $hexes)"
pass "opensc-tool -s reads EF.ICCID 98001032547698103214 through pcscd"
grep -q 'Received (SW1=0x69, SW2=0x82)' <<<"$out" || fail "EF.IMSI before PIN1: 6982"
grep -q '080910101032547698' <<<"$hexes" || fail "EF.IMSI after PIN1 (got $hexes)"
pass "EF.IMSI is denied (6982) before VERIFY PIN1 and reads 080910101032547698 after"

# reader S: the card file's active profile (V5, ICCID 8949449999999990163)
out=$(timeout $T opensc-tool -r 1 -s '00 A4 00 0C 02 2F E2' -s '00 B0 00 00 0A') ||
	fail "opensc-tool -s on reader S"
hexes=$(grep -oE '^([0-9A-F]{2} )+' <<<"$out" | tr -d ' ' | tr '\n' ' ')
grep -q '989444999999990961F3' <<<"$hexes" || fail "EF.ICCID of the card file's profile ($hexes)"
pass "a state= reader shows the profile installed with 'veuicc card install'"
pcscd_stop
pass "done"
