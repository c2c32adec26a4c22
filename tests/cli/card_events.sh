#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# card_events.sh VEUICC REPO: `veuicc card event` drives the SGP.02 device-side
# events on a card file: the fall-back mechanism and its notification (type 05).
set -eu
V=$1 repo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
card=$tmp/card.db
fail() { echo "not ok - $*"; exit 1; }
"$V" card --card "$card" create --factory "$repo/factory/default.json" >/dev/null
"$V" card --card "$card" install "$repo/tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der" >/dev/null
"$V" card --card "$card" activate 8949449999999990163 >/dev/null
out=$("$V" card --card "$card" event attach-failed) || fail "attach-failed: $out"
[ "$out" = "event attach-failed: profile 89000123456789012341 is enabled" ] || fail "fall-back: $out"
# the switch was saved, with its notification (type 05, Fall-Back profile's ISD-P)
st=$("$V" card --card "$card" status --json)
echo "$st" | grep -q '"type": *"05"\|"type": *5' || fail "no type 05 notification: $st"
# a second attach failure has nothing to fall back from
if "$V" card --card "$card" event attach-failed >/dev/null 2>&1; then fail "second attach-failed accepted"; fi
# no Emergency Profile on this card
if "$V" card --card "$card" event emergency-on 2>"$tmp/err"; then fail "emergency-on accepted"; fi
grep -q "no such profile" "$tmp/err" || fail "emergency-on message: $(cat "$tmp/err")"
set +e
"$V" card --card "$card" event bogus 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown event exit $rc"
echo "ok - card events: fall-back with notification, refusals"
