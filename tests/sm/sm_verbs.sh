#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# veuicc sm, one verb per run on a card file (docs/sm.md): the state file
# carries the SCP80 counter and the ISD-P keys from establish-keys to
# download; enable, notifications (received by SMS, confirmed), set-fallback,
# delete, disable refused on the Fall-Back holder (6985, exit 1), usage errors
# (exit 2), a download without keys (exit 1), --json.
# usage: sm_verbs.sh VEUICC REPO WORK_DIR
set -u
V=$1
R=$2
W=$3
F=$R/tests/data/sm/factory_nist.json
A=A0000005591010FFFFFFFF8900001200
B=A0000005591010FFFFFFFF8900001300
P=$R/tests/data/saip/profiles/TS48_V6.0_eSIM_GTP_SAIP2.3_NoBERTLV.der
mkdir -p "$W"
C=$W/verbs.db
rm -f "$C" "$C.sm"
n=0
fail() {
	echo "FAIL: $*"
	exit 1
}
sm() { "$V" sm --card "$C" --factory "$F" "$@"; }
expect() { # expect STATUS TEXT VERB...
	st=$1
	txt=$2
	shift 2
	out=$(sm "$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$st" ] || { echo "$out"; fail "$*: exit $rc, expected $st"; }
	printf '%s\n' "$out" | grep -qF -- "$txt" || { echo "$out"; fail "$*: no '$txt'"; }
	n=$((n + 1))
	echo "ok $n - $* -> $txt"
}
expect 1 "no ISD-P keys" download "$P" "$A"
expect 0 "ISD-P $A created (SELECTABLE)" create-isdp "$A"
expect 0 "receipt verified" establish-keys "$A"
grep -q "^isdp $A 30 " "$C.sm" || fail "the state file keeps the ISD-P keys"
[ "$(stat -c %a "$C.sm")" = 600 ] || fail "the state file is mode 0600"
expect 0 "installation result 00 (ok)" download "$P" "$A"
expect 0 "all 1 step(s) succeeded" smsr-address +4479000001
expect 0 "$A: enable done" enable "$A"
expect 0 "notification by SMS: type 02 (profile change succeeded), sequence" notifications
expect 0 "0 notification(s) confirmed" notifications
"$V" card --card "$C" status --json | grep -qF '"notifications": []' || fail "confirmed"
expect 0 "$A  life cycle 3F (ENABLED)" audit
expect 0 "set-fallback done" set-fallback "$A"
expect 1 "answered 6985" disable "$A"
expect 0 "created" create-isdp "$B"
expect 0 "delete done" delete "$B"
out=$(sm --json audit 2>/dev/null) || fail "--json audit"
printf '%s\n' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["steps"][0]["function"].startswith("ES5 audit") and j["steps"][0]["sms"] == 1' ||
	fail "--json audit output"
n=$((n + 1))
echo "ok $n - --json"
expect 2 "unknown verb" frobnicate
expect 2 "needs the ISD-P's AID" enable
expect 2 "is not an AID" enable 12
# the embedded default: factory/default.json (its TS.48 profile enabled), the
# built-in package with ICCID 89000123456789012374, factory/pki/nist; in T=1
D=$W/default.db
rm -f "$D" "$D.sm"
out=$(cd "$R" && "$V" sm --card "$D" --protocol T=1 run 2>&1) || { echo "$out"; fail "default run"; }
printf '%s\n' "$out" | grep -qF "ICCID 89000123456789012374, IMSI 001010123456789, AUTHENTICATE ok" ||
	{ echo "$out"; fail "default run: the modem on the new profile"; }
"$V" card --card "$D" status --json | python3 -c 'import json,sys; j=json.load(sys.stdin); s={x["iccid"]: x["state"] for x in j["isdps"]}; assert s == {"89000123456789012341": "disabled", "89000123456789012374": "enabled"}, s' ||
	fail "default run: the factory profile disabled, the downloaded one enabled"
n=$((n + 1))
echo "ok $n - run on the embedded default in T=1"
echo "all $n checks passed"
