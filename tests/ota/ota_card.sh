#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `veuicc ota --card`: SCP80 OTA round trips to a card file created from
# factory/default.json (docs/ota.md): ES5 CreateISDP and GET STATUS as
# secured ENVELOPEs, the PoR decoded and checked, the counter file advanced
# once per packet, a replay refused with status 02, wrong keys answered by
# silence (SGP.02: no PoR for the ISD-R on a failed check), and the card
# file's state afterwards.
# usage: ota_card.sh VEUICC ROOT
set -u
VEUICC=$1
ROOT=$2
F=$ROOT/factory/default.json
DIR=$(mktemp -d "${TMPDIR:-/tmp}/veuicc-ota.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
CARD=$DIR/card.db
CNTR=$DIR/counter
P=A0000005591010FFFFFFFF89
CREATE="80E60C0047 10${P}00000D00 10${P}00000E00 10${P}00001100 0380C000 0EC90481028100EF0683040000A000 00"
fails=0
ok() { echo "ok - $1"; }
bad() {
	echo "not ok - $1"
	printf '%s\n' "$2" | sed 's/^/#   /'
	fails=$((fails + 1))
}
# has OUTPUT TEXT...: every TEXT occurs in OUTPUT
has() {
	out=$1
	shift
	for t in "$@"; do
		printf '%s\n' "$out" | grep -qF -- "$t" || return 1
	done
	return 0
}

"$VEUICC" card create --factory "$F" --card "$CARD" >/dev/null || { echo "not ok - card create"; exit 1; }

out=$("$VEUICC" ota --factory "$F" --counter-file "$CNTR" --card "$CARD" --format compact \
	"$CREATE" 2>&1)
rc=$?
if [ $rc -eq 0 ] && has "$out" "counter 0000000001" "61 " "00 C0 00 00" \
	"PoR: TAR 000001, counter 0000000001, status 00 (PoR OK)" "CC verified; ciphered" \
	"compact response: 1 command(s) executed" "R-APDU 1: SW 9000 (normal processing)" &&
	[ "$(cat "$CNTR")" = 1 ]; then
	ok "CreateISDP over SCP80 (compact, T=0): PoR 00, R-APDU 9000, counter file 1"
else
	bad "CreateISDP over SCP80 (exit $rc, counter $(cat "$CNTR" 2>/dev/null))" "$out"
fi

out=$("$VEUICC" ota --factory "$F" --counter-file "$CNTR" --card "$CARD" --protocol T=1 \
	"80F24002024F0000" 2>&1)
rc=$?
if [ $rc -eq 0 ] && has "$out" "counter 0000000002" "status 00 (PoR OK)" \
	"commands executed: 1" "SW 9000" \
	"FF FF FF FF 89 00 00 11 00 9F 70 01 07" &&
	[ "$(cat "$CNTR")" = 2 ]; then
	ok "GET STATUS (expanded, T=1) lists the new ISD-P ...1100 SELECTABLE (07); counter file 2"
else
	bad "GET STATUS over SCP80 (exit $rc)" "$out"
fi

out=$("$VEUICC" ota --factory "$F" --counter 2 --card "$CARD" "80F28002024F0000" 2>&1)
rc=$?
if [ $rc -eq 1 ] && has "$out" "status 02 (CNTR low)" "no response data"; then
	ok "a replayed counter gets PoR status 02 and exit 1"
else
	bad "replay (exit $rc)" "$out"
fi

out=$("$VEUICC" ota --kic 12 --kid 12 --kic-key 000102030405060708090A0B0C0D0E0F \
	--kid-key 00000000000000000000000000000000 --counter 3 --card "$CARD" \
	"80F28002024F0000" 2>&1)
rc=$?
if [ $rc -eq 1 ] && has "$out" "< 90 00" "no PoR: the card discarded the packet"; then
	ok "a wrong KID key: 9000 without a PoR, exit 1"
else
	bad "wrong KID key (exit $rc)" "$out"
fi

out=$("$VEUICC" ota --factory "$F" --tar 0000AA --counter 9 --card "$CARD" "80F28002024F0000" 2>&1)
rc=$?
if [ $rc -eq 1 ] && has "$out" "PoR: TAR 0000AA, counter 0000000000, status 09 (TAR unknown)" \
	"no RC/CC (a PoR in clear)" "no response data"; then
	ok "an unknown TAR: PoR status 09 in clear (counter unknown to the card: 0), exit 1"
else
	bad "unknown TAR (exit $rc)" "$out"
fi

out=$("$VEUICC" card status --card "$CARD" 2>&1)
if has "$out" "A0000005591010FFFFFFFF8900001100  created"; then
	ok "the card file keeps the ISD-P created over the air"
else
	bad "card status" "$out"
fi

out=$("$VEUICC" ota --factory "$F" --counter-file "$CNTR" --card "$CARD" "80F28002024F0000" 2>&1)
if [ $? -eq 0 ] && has "$out" "counter 0000000003" "status 00 (PoR OK)" &&
	[ "$(cat "$CNTR")" = 3 ]; then
	ok "the counter file goes on at 3 after the refused packets"
else
	bad "counter file after errors" "$out"
fi
# a script too long for one SMS: two concatenated SMS-PP downloads, reassembled
# by the card (docs/cat.md "Concatenated command packets")
set -- ; i=0
while [ $i -lt 12 ]; do set -- "$@" 80F28002024F0000; i=$((i + 1)); done
out=$("$VEUICC" ota --factory "$F" --counter 20 --card "$CARD" "$@" 2>&1)
if [ $? -eq 0 ] && has "$out" "2 SMS" "SMS 2 of 2" "status 00 (PoR OK)" "commands executed: 12" \
	"R-APDU 12: SW 9000"; then
	ok "a 12-command script in 2 concatenated SMS runs whole"
else
	bad "concatenated SMS" "$out"
fi

ls "$DIR" | grep -q tmp && bad "a temporary counter file is left" "$(ls "$DIR")"

[ $fails -eq 0 ] || exit 1
