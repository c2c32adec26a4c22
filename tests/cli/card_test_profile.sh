#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# card_test_profile.sh VEUICC REPO: `veuicc card event test-on|test-off`, the
# local ESx Test Profile switches (SGP.02 v4 §3.22-3.23) on a card file made
# from tests/data/esx/esx.json (Fall-Back ..1000, enabled ..1100, Test ..1200).
set -eu
V=$1 repo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
card=$tmp/card.db
fail() { echo "not ok - $*"; exit 1; }
"$V" card --card "$card" create --factory "$repo/tests/data/esx/esx.json" >/dev/null
# status shows the attribute (text and JSON)
"$V" card --card "$card" status | grep -q '^A0000005591010FFFFFFFF8900001200  disabled .* test ' \
    || fail "status text: $("$V" card --card "$card" status)"
st=$("$V" card --card "$card" status --json)
echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = [p["test"] for p in d["isdps"]]
assert t == [False, False, True], t
' || fail "status json: $st"
# test-off before test-on is refused
if "$V" card --card "$card" event test-off 2>"$tmp/err"; then fail "test-off accepted"; fi
grep -q "not allowed in the card's present state" "$tmp/err" || fail "test-off message: $(cat "$tmp/err")"
out=$("$V" card --card "$card" event test-on) || fail "test-on: $out"
[ "$out" = "event test-on: profile 8949449999999990122 is enabled" ] || fail "test-on: $out"
# kept in the card file (each command reopens it); no notification; no fall-back
st=$("$V" card --card "$card" status --json)
echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [p["state"] for p in d["isdps"]] == ["disabled", "disabled", "enabled"], d
assert d["notifications"] == [], d
' || fail "after test-on: $st"
if "$V" card --card "$card" event test-on 2>/dev/null; then fail "second test-on accepted"; fi
if "$V" card --card "$card" event attach-failed 2>/dev/null; then fail "fall-back while testing"; fi
out=$("$V" card --card "$card" event test-off) || fail "test-off: $out"
[ "$out" = "event test-off: profile 89000123456789012341 is enabled" ] || fail "test-off: $out"
echo "ok - card events: test-on / test-off, refusals, status"
