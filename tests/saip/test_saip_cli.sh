#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `veuicc saip` end to end: test_saip_cli.sh VEUICC DATA_DIR
set -u
V=$1
D=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
P=$D/profiles/TS48_V2.0_eSIM_GTP_SAIP2.1_BERTLV.der

# expect STATUS PATTERN CMD...: exit status STATUS, PATTERN (grep -E) in stdout+stderr
expect() {
	want=$1 pat=$2
	shift 2
	"$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" != "$want" ] || { [ -n "$pat" ] && ! grep -Eq -- "$pat" "$T/out"; }; then
		echo "FAIL: $* -> exit $got (want $want), output:"
		sed 's/^/  | /' "$T/out"
		fails=$((fails + 1))
	fi
}

# check: every profile valid
for f in "$D"/profiles/*.der; do
	expect 0 "valid, (26|28|29|30) PEs" "$V" saip check "$f"
done
expect 0 "valid, 30 PEs, 12385 bytes" "$V" saip check :default

# dump | build gives back the same bytes
expect 0 "" "$V" saip dump "$P" -o "$T/p.json"
expect 0 "" "$V" saip build "$T/p.json" -o "$T/p.der"
cmp -s "$P" "$T/p.der" || { echo "FAIL: dump/build not byte-identical"; fails=$((fails + 1)); }
"$V" saip dump - <"$P" | cmp -s - "$T/p.json" || { echo "FAIL: dump from stdin differs"; fails=$((fails + 1)); }

# an edited dump builds into the edited profile
sed 's/"profileType": "GSMA Generic eUICC Test Profile"/"profileType": "edited by test"/' \
	"$T/p.json" >"$T/e.json"
expect 0 "" "$V" saip build "$T/e.json" -o "$T/e.der"
expect 0 '"profileType": "edited by test"' "$V" saip dump "$T/e.der"

# errors: byte offsets, PE, status; exit 1 for check, 2 otherwise; nothing written
head -c 5000 "$P" >"$T/trunc.der"
expect 1 "at byte 3606 \(PE #8\).*runs past the end.*invalid-request-format" "$V" saip check "$T/trunc.der"
expect 2 "at byte 3606" "$V" saip dump "$T/trunc.der" -o "$T/none.json"
printf '\252\201\007\240\005\200\000\201\001\037' >"$T/nonder.der"
expect 1 "at byte 1 .*shortest form" "$V" saip check "$T/nonder.der"
sed 's/"pinValue": "30303030FFFFFFFF"/"pinValue": "3030"/' "$T/p.json" >"$T/bad.json"
expect 2 'pinconfig\[0\]\.pinValue: size 2 outside 8\.\.8 \[bad-values\]' "$V" saip build "$T/bad.json" -o "$T/none.der"
expect 2 "nothing to change" "$V" saip personalize "$P" -o "$T/none.der"
expect 2 "Luhn" "$V" saip personalize "$P" -o "$T/none.der" --iccid 8949449999999990164
expect 2 "no-such-file" "$V" saip check "$T/no-such-file"
expect 2 "unknown option" "$V" saip check --frob "$P"
expect 0 "usage: veuicc saip" "$V" saip --help
ls "$T"/none* >/dev/null 2>&1 && { echo "FAIL: an output was written on error"; fails=$((fails + 1)); }
ls "$T"/*.tmp.* >/dev/null 2>&1 && { echo "FAIL: a temporary file was left"; fails=$((fails + 1)); }
# a failed write leaves an existing output untouched
cp "$P" "$T/keep.der"
expect 2 "" "$V" saip build "$T/bad.json" -o "$T/keep.der"
cmp -s "$P" "$T/keep.der" || { echo "FAIL: existing output changed"; fails=$((fails + 1)); }

# personalize: ICCID in header and EF.ICCID, IMSI, K/OPc
expect 0 "" "$V" saip personalize :default -o "$T/pers.der" --iccid 8949449999999990163 \
	--imsi 001019876543210 --ki 465B5CE8B199B49FAA5F0A2EE238A6BC --opc CD63CB71954A9F4E48A5994E37A02BAF
expect 0 "valid, 30 PEs" "$V" saip check "$T/pers.der"
expect 0 '"iccid": "8949449999999990163F"' "$V" saip dump "$T/pers.der"
expect 0 '"fillFileContent": "989444999999990961F3"' "$V" saip dump "$T/pers.der"
expect 0 '"fillFileContent": "080910108967452301"' "$V" saip dump "$T/pers.der"
expect 0 '"key": "465B5CE8B199B49FAA5F0A2EE238A6BC"' "$V" saip dump "$T/pers.der"
expect 0 '"opc": "CD63CB71954A9F4E48A5994E37A02BAF"' "$V" saip dump "$T/pers.der"

# personalize: algorithm (SAIP algorithmID) and TUAK numberOfKeccak, checked before writing
expect 0 "" "$V" saip personalize :default -o "$T/mil.der" --algorithm milenage \
	--ki 465B5CE8B199B49FAA5F0A2EE238A6BC --opc CD63CB71954A9F4E48A5994E37A02BAF
expect 0 '"algorithmID": "milenage"' "$V" saip dump "$T/mil.der"
expect 0 '"milenage": null' "$V" saip dump "$T/mil.der"
expect 0 "" "$V" saip personalize :default -o "$T/tuak.der" --algorithm tuak --keccak 2 \
	--ki abababababababababababababababab \
	--opc bd04d9530e87513c5d837ac2ad954623a8e2330c115305a73eb45d1f40cccbff
expect 0 '"numberOfKeccak": 2' "$V" saip dump "$T/tuak.der"
expect 0 '"tuak128": null' "$V" saip dump "$T/tuak.der"
expect 0 "valid, 30 PEs" "$V" saip check "$T/tuak.der"
expect 2 "TOPc 32" "$V" saip personalize :default -o "$T/none2.der" --algorithm tuak
expect 2 "without TUAK" "$V" saip personalize :default -o "$T/none2.der" --keccak 2
expect 2 "wants 1 to 255" "$V" saip personalize :default -o "$T/none2.der" --algorithm tuak --keccak 0
expect 2 "wants milenage, tuak" "$V" saip personalize :default -o "$T/none2.der" --algorithm cave
ls "$T"/none2* >/dev/null 2>&1 && { echo "FAIL: an output was written on error"; fails=$((fails + 1)); }

[ "$fails" = 0 ] && echo "all saip CLI checks passed"
exit "$fails"
