#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `veuicc ota --reader`: SCP80 OTA through a real, private pcscd and the
# veuicc driver. The reader serves a card file created from
# factory/default.json (state=); the SM-SR side (veuicc ota) sends ES5
# CreateISDP and GET STATUS as SMS-PP download ENVELOPEs over PC/SC and
# checks the PoRs; the card file then holds the new ISD-P.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT, VEUICC_CLI
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=30
F="$ROOT/factory/default.json"
P=A0000005591010FFFFFFFF89

pcscd_setup
CARD="$PCSCD_DIR/card.db"
"$VEUICC_CLI" card create --factory "$F" --card "$CARD" >/dev/null || fail "veuicc card create"
pcscd_reader "veuicc OTA" "veuicc:name=ota,state=$CARD" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 1 10 || fail "the reader is listed"

out=$(timeout $T "$VEUICC_CLI" ota --factory "$F" --counter-file "$PCSCD_DIR/cntr" \
	--reader "veuicc OTA" --format compact \
	"80E60C0047 10${P}00000D00 10${P}00000E00 10${P}00001100 0380C000 0EC90481028100EF0683040000A000 00") ||
	{ echo "$out" | sed 's/^/# /'; fail "CreateISDP over PC/SC"; }
echo "$out" | sed 's/^/# /'
grep -qF "status 00 (PoR OK)" <<<"$out" || fail "PoR status 00"
grep -qF "R-APDU 1: SW 9000" <<<"$out" || fail "CreateISDP answered 9000"
pass "CreateISDP as an SCP80 ENVELOPE through pcscd: PoR 00, SW 9000"

out=$(timeout $T "$VEUICC_CLI" ota --factory "$F" --counter-file "$PCSCD_DIR/cntr" \
	--reader "OTA" "80F24002024F0000") || { echo "$out" | sed 's/^/# /'; fail "GET STATUS over PC/SC"; }
grep -qF "counter 0000000002" <<<"$out" || fail "the counter file advanced to 2"
grep -qF "89 00 00 11 00 9F 70 01 07" <<<"$out" || fail "GET STATUS lists ISD-P ...1100 (07)"
pass "GET STATUS through pcscd lists the ISD-P created over the air"

set +e
out=$(timeout $T "$VEUICC_CLI" ota --factory "$F" --counter 2 --reader "veuicc OTA" "80F28002024F0000")
rc=$?
set -e
[ $rc -eq 1 ] && grep -qF "status 02 (CNTR low)" <<<"$out" || fail "a replay gets status 02, exit 1 ($rc)"
pass "a replayed counter through pcscd: PoR status 02"
pcscd_stop
"$VEUICC_CLI" card status --card "$CARD" | grep -qF "${P}00001100  created" ||
	fail "the card file keeps the ISD-P"
pass "the card file keeps the ISD-P created through pcscd"
