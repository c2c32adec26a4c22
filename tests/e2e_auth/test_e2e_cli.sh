#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The CLI path of issue 6 §5: `veuicc saip personalize` the TS.48 V7 profile
# (:default) for Milenage (TS 35.208 set 1) and TUAK (TS 35.233 set 6
# inputs, numberOfKeccak 2), then `veuicc apdu --profile` runs an APDU script
# whose expected responses e2e_vectors.py computed from the published values
# and the independent python oracles.
# usage: test_e2e_cli.sh PYTHON VEUICC SCRIPT_DIR DATA_DIR
set -u
PY=$1 V=$2 S=$3 D=$4
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
for part in cli-milenage cli-tuak; do
	"$PY" "$S/e2e_vectors.py" "$D/uicc_auth" "$part" >"$T/$part.apdu"
	rc=$?
	[ "$rc" = 77 ] && exit 77
	[ "$rc" = 0 ] || { echo "FAIL: e2e_vectors.py $part"; exit 1; }
	args=$(sed -n 's/^# personalize: //p' "$T/$part.apdu")
	# shellcheck disable=SC2086
	if ! "$V" saip personalize :default -o "$T/$part.der" $args; then
		echo "FAIL: personalize $args"
		fails=$((fails + 1))
		continue
	fi
	for proto in T=0 T=1; do
		if ! "$V" apdu --profile "$T/$part.der" --protocol "$proto" "$T/$part.apdu" >"$T/out" 2>&1; then
			echo "FAIL: $part ($proto):"
			sed 's/^/  | /' "$T/out"
			fails=$((fails + 1))
		fi
	done
done
[ "$fails" = 0 ] && echo "CLI personalize + AUTHENTICATE: all checks passed"
exit "$fails"
