#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `veuicc card create --factory` and `veuicc card status [--json]` (docs/factory.md).
# usage: cli_state.sh VEUICC SOURCE_DIR
set -eu
V=$1
SRC=$2
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$V" card create --factory "$SRC/factory/default.json" --card "$D/card.db" >"$D/out" ||
	fail "create: $(cat "$D/out")"
grep -q "created card" "$D/out" || fail "create output"
ls "$D" | grep -q tmp && fail "a temporary file was left"

# an existing card is never overwritten
if "$V" card create --factory "$SRC/factory/default.json" --card "$D/card.db" 2>"$D/err"; then
	fail "create over an existing card"
fi
grep -q "exists already" "$D/err" || fail "message: $(cat "$D/err")"

"$V" card status --card "$D/card.db" >"$D/out"
grep -q "^EID      89049032123451234512345678901235$" "$D/out" || fail "EID: $(cat "$D/out")"
grep -q "TAR 000001; key sets: scp80 KVN 1, scp81 KVN 64, scp03 KVN 48" "$D/out" ||
	fail "key sets: $(cat "$D/out")"
grep -Eq "^A0000005591010FFFFFFFF8900001000 +enabled +89000123456789012341 +fall-back +00$" \
	"$D/out" || fail "ISD-P line: $(cat "$D/out")"
# no key value is printed
grep -q "000102030405" "$D/out" && fail "a key was printed"

# a second profile: its ISD-P is disabled, without attributes
"$V" card install "$SRC/tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der" \
	--card "$D/card.db" >/dev/null || fail "install"
"$V" card status --json --card "$D/card.db" >"$D/json"
python3 - "$D/json" <<'PY' || fail "json: $(cat "$D/json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["eid"] == "89049032123451234512345678901235"
assert s["isdr"]["tar"] == "000001"
assert [(k["type"], k["kvn"]) for k in s["isdr"]["keysets"]] == [("scp80", 1), ("scp81", 64), ("scp03", 48)]
p = s["isdps"]
assert len(p) == 2, p
assert p[0] == {"aid": "A0000005591010FFFFFFFF8900001000", "state": "enabled", "lcs": "3F",
                "iccid": "89000123456789012341", "fallback": True, "emergency": False, "test": False, "pol1": "00"}, p[0]
assert p[1]["aid"] == "A0000005591010FFFFFFFF8900001100" and p[1]["state"] == "disabled", p[1]
assert p[1]["iccid"] == "8949449999999990163" and not p[1]["fallback"], p[1]
PY

# the card's ISD-R has keys: a plain EnableProfile is refused (6982) unless
# the card runs in test mode (docs/scp03.md "Policy"); nothing changes
cat >"$D/refused.apdu" <<'APDU'
00A4040C10A0000005591010FFFFFFFF8900000100 : 9000
80E2880015 3A0312 4F10A0000005591010FFFFFFFF8900001100 : 6982
APDU
"$V" apdu --protocol T=1 --card "$D/card.db" "$D/refused.apdu" >"$D/out" ||
	fail "plain EnableProfile not refused: $(cat "$D/out")"
"$V" card status --card "$D/card.db" >"$D/out"
grep -Eq "^A0000005591010FFFFFFFF8900001100 +disabled " "$D/out" ||
	fail "refused EnableProfile changed the card: $(cat "$D/out")"

# EnableProfile on the card file through an APDU script (test mode): the
# states swap and a notification waits for the SM-SR; both survive in the file
cat >"$D/enable.apdu" <<'APDU'
00A4040C10A0000005591010FFFFFFFF8900000100 : 9000
80E2880015 3A0312 4F10A0000005591010FFFFFFFF8900001100 : 9000
APDU
"$V" apdu --test-mode --protocol T=1 --card "$D/card.db" "$D/enable.apdu" >"$D/out" ||
	fail "enable: $(cat "$D/out")"
"$V" card status --card "$D/card.db" >"$D/out"
grep -Eq "^A0000005591010FFFFFFFF8900001000 +disabled +89000123456789012341 +fall-back" \
	"$D/out" || fail "after enable: $(cat "$D/out")"
grep -Eq "^A0000005591010FFFFFFFF8900001100 +enabled +8949449999999990163 " "$D/out" ||
	fail "after enable: $(cat "$D/out")"
grep -Eq "^notification seq [0-9]+ type 02 retries [0-9]+: E1" "$D/out" ||
	fail "no pending notification: $(cat "$D/out")"
"$V" card status --json --card "$D/card.db" >"$D/json"
python3 - "$D/json" <<'PY' || fail "json notifications: $(cat "$D/json")"
import json, sys
s = json.load(open(sys.argv[1]))
n = s["notifications"]
assert len(n) == 1 and n[0]["type"] == "02" and n[0]["data"].startswith("E1"), n
assert "A0000005591010FFFFFFFF8900001100" in n[0]["data"], n
PY

# a bad factory file: the JSON path in the message, no card file
printf '{"version": 1, "eid": "89049032123451234512345678901235", "isdr": {"keysets": [{"type": "scp03", "kvn": 48, "enc": "00", "mac": "00", "dek": "00"}]}}' >"$D/bad.json"
if "$V" card create --factory "$D/bad.json" --card "$D/bad.db" 2>"$D/err"; then
	fail "bad factory file accepted"
fi
grep -q 'bad.json: \$.isdr.keysets\[0\]: enc, mac and dek must be AES keys' "$D/err" ||
	fail "message: $(cat "$D/err")"
[ -e "$D/bad.db" ] && fail "a card file was written"
echo "cli_state: ok"
