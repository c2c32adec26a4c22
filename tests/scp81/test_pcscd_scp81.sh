#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `veuicc sm --reader --https`: the whole SGP.02 story over SCP81 through a
# real, private pcscd and the veuicc driver. The simulator is the SM-SR's
# HTTPS server and the terminal: its BIP helper (include/veuicc/bip.h) answers
# the card's OPEN CHANNEL / SEND DATA / RECEIVE DATA through SCardTransmit and
# bridges the channel to the server on 127.0.0.1.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT, VEUICC_CLI
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../pcsc/pcscd_env.sh
. "$ROOT/tests/pcsc/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=60
F="$ROOT/factory/default.json"
P=A0000005591010FFFFFFFF89

pcscd_setup
CARD="$PCSCD_DIR/card.db"
"$VEUICC_CLI" card create --factory "$F" --card "$CARD" >/dev/null || fail "veuicc card create"
pcscd_reader "veuicc SCP81" "veuicc:name=scp81,state=$CARD" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 1 10 || fail "the reader is listed"

out=$(timeout $T "$VEUICC_CLI" sm --reader "veuicc SCP81" --factory "$F" \
	--state "$PCSCD_DIR/sm.state" --https run 2>&1) ||
	{ echo "$out" | sed 's/^/# /'; fail "veuicc sm --https run through pcscd"; }
echo "$out" | grep -v "segment [0-9]" | sed 's/^/# /'
grep -qF "SCP81 admin session: PSK identity veuicc-isdr-psk" <<<"$out" || fail "admin sessions"
grep -qF "installation result 00 (ok)" <<<"$out" || fail "download over HTTPS"
grep -qF "notification by HTTPS" <<<"$out" || fail "the notification over HTTPS"
grep -qF "all 10 step(s) succeeded" <<<"$out" || fail "every step"
pass "the whole story over SCP81 through pcscd: pushes, PSK-TLS over BIP, download, enable, notification"
pcscd_stop
"$VEUICC_CLI" card status --card "$CARD" --json | grep -qF '"aid": "'${P}'00001100", "state": "enabled"' ||
	fail "the card file keeps the enabled profile"
pass "the card file keeps the profile downloaded over HTTPS"
