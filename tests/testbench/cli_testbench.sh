#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `veuicc card snapshot/restore` and `--fault` of `veuicc apdu` / `veuicc card`
# (docs/testbench.md).
# usage: cli_testbench.sh VEUICC SOURCE_DIR
set -eu
V=$1
FB=$2/tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
C="$D/card.db"

"$V" card --card "$C" install :default --activate >/dev/null
# a wrong PIN1: 2 tries left
printf '.protocol T=1\n00A4040C07A0000000871002: 9000\n0020000108 31323334FFFFFFFF: 63C2\n' >"$D/bad.apdu"
printf '.protocol T=1\n00A4040C07A0000000871002: 9000\n0020000100: 63C%s\n' 2 >"$D/two.apdu"
printf '.protocol T=1\n00A4040C07A0000000871002: 9000\n0020000100: 63C%s\n' 1 >"$D/one.apdu"
printf '.protocol T=1\n00A4040C07A0000000871002: 9000\n0020000100: 63C%s\n' 3 >"$D/three.apdu"
"$V" apdu --card "$C" "$D/bad.apdu" >/dev/null || fail "wrong PIN"
"$V" card --card "$C" snapshot "$D/snap.db" >"$D/out" || fail "snapshot: $(cat "$D/out")"
grep -q "snapshot of $C written to $D/snap.db" "$D/out" || fail "snapshot output"
ls "$D" | grep -q tmp && fail "a temporary file was left"
# one more try lost after the snapshot
sed 's/63C2/63C1/' "$D/bad.apdu" >"$D/bad2.apdu"
"$V" apdu --card "$C" "$D/bad2.apdu" >/dev/null || fail "second wrong PIN"
"$V" apdu --card "$C" "$D/one.apdu" >/dev/null || fail "1 try left"
"$V" card --card "$C" restore "$D/snap.db" >"$D/out" || fail "restore: $(cat "$D/out")"
"$V" apdu --card "$C" "$D/two.apdu" >/dev/null || fail "restored: 2 tries left"
# the snapshot is a card file itself
"$V" apdu --card "$D/snap.db" "$D/two.apdu" >/dev/null || fail "snapshot as a card"
# restoring something else fails and keeps the card
echo "not a card" >"$D/junk"
if "$V" card --card "$C" restore "$D/junk" 2>"$D/err"; then fail "junk restored"; fi
"$V" apdu --card "$C" "$D/two.apdu" >/dev/null || fail "card kept after a failed restore"

# sw: answered without running: the try is not counted
"$V" apdu --card "$C" --fault 'sw:6985:xx20' "$D/bad.apdu" >"$D/out" 2>"$D/err" &&
	fail "the injected SW was not seen"
grep -q "^veuicc fault: APDU 2 (00 20 00 01, match 1) answered 6985, not run$" "$D/err" ||
	fail "sw log: $(cat "$D/err")"
[ "$(grep -c 'veuicc fault' "$D/err")" = 1 ] || fail "one log line"
"$V" apdu --card "$C" "$D/two.apdu" >/dev/null || fail "the answered VERIFY ran"

# cut:1: the wrong PIN's save is cut, the card answers 6581; the try is not counted
sed 's/: 63C2/: 6581/' "$D/bad.apdu" >"$D/cut.apdu"
"$V" apdu --card "$C" --fault cut:1 "$D/cut.apdu" >/dev/null 2>"$D/err" || fail "cut: $(cat "$D/err")"
grep -q "^veuicc fault: power cut at persistent write 1 since armed" "$D/err" ||
	fail "cut log: $(cat "$D/err")"
"$V" apdu --card "$C" "$D/two.apdu" >/dev/null || fail "after the cut: 2 tries left"

# veuicc card --fault: an install cut at its 3rd write leaves the card as it was
if "$V" card --card "$C" --fault cut:3 install "$FB" 2>"$D/err" >/dev/null; then
	fail "install survived the cut"
fi
grep -q "power cut at persistent write 3" "$D/err" || fail "card cut log: $(cat "$D/err")"
"$V" card --card "$C" ls | grep -c "^[0-9]" | grep -qx 1 || fail "one profile after the cut"

# latency: the CLI waits 250 ms before each of the 2 APDUs
t0=$(date +%s%N)
"$V" apdu --profile :default --fault latency:250 "$D/three.apdu" >/dev/null 2>"$D/err" || fail "latency run: $(cat "$D/err")"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -ge 500 ] || fail "latency: $(( (t1 - t0) / 1000000 )) ms"
[ "$(grep -c 'veuicc fault: latency 250 ms before APDU' "$D/err")" = 2 ] ||
	fail "latency log: $(cat "$D/err")"

# bad specs
if "$V" apdu --fault bogus "$D/two.apdu" 2>"$D/err"; then fail "bogus spec"; fi
grep -q -- "--fault bogus: malformed input" "$D/err" || fail "bogus message: $(cat "$D/err")"
if "$V" apdu --fault cut:1 "$D/two.apdu" 2>"$D/err"; then fail "cut in memory"; fi
grep -q "not supported\|unsupported" "$D/err" || fail "cut in memory message: $(cat "$D/err")"
echo "cli testbench: ok"
