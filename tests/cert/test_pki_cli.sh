#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# veuicc-pki command line: reproducible output equal to the committed
# reference set, independent check by the python oracle, error exits with
# clear messages, and no half-written or temporary files left behind.
# usage: test_pki_cli.sh VEUICC_PKI KEYS_DIR MINTED_DIR WORK_DIR ORACLE_PY
set -u
PKI=$1 KEYS=$2 MINTED=$3 WORK=$4 ORACLE=$5
fails=0
ok() { echo "ok   - $1"; }
ko() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { # check DESCRIPTION EXPECTED_STATUS CMD...
	d=$1 want=$2
	shift 2
	"$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$d (exit $got)"; else ko "$d: exit $got, want $want"; cat "$WORK/err.txt"; fi
}

rm -rf "$WORK"
mkdir -p "$WORK"

# 1. default mint == committed reference (RFC 6979 signatures are deterministic)
check "mint both chains" 0 "$PKI" mint -o "$WORK/a" -k "$KEYS"
for f in summary.txt nist/ci.7f21 nist/eum.7f21 nist/euicc.7f21 nist/smdp.7f21 nist/smsr.7f21 \
	brp/ci.7f21 brp/eum.7f21 brp/euicc.7f21 brp/smdp.7f21 brp/smsr.7f21 \
	nist/ci.hex nist/euicc.hex brp/smsr.hex; do
	if cmp -s "$MINTED/$f" "$WORK/a/$f"; then ok "reproducible $f"; else ko "$f differs from the reference"; fi
done
grep -q "euicc.7f21 <- eum" "$WORK/out.txt" && ok "summary printed" || ko "summary not printed"

# 2. the independent oracle accepts what was just minted
if command -v python3 >/dev/null 2>&1; then
	check "python oracle verifies fresh output" 0 python3 "$ORACLE" verify "$WORK/a" "$KEYS"
fi

# 3. --seed: other signatures (random k), still valid
check "mint with --seed" 0 "$PKI" mint -q -o "$WORK/s" -k "$KEYS" --seed 7 --curve nist --format bin
if cmp -s "$WORK/a/nist/smdp.7f21" "$WORK/s/nist/smdp.7f21"; then ko "--seed did not change the signature"; else ok "--seed changes the signature"; fi
check "seeded SM-DP verifies under the CI" 0 "$PKI" verify "$WORK/s/nist/smdp.7f21" "$WORK/a/nist/ci.7f21"
[ ! -e "$WORK/s/nist/smdp.hex" ] && [ ! -e "$WORK/s/brp" ] && ok "--format bin --curve nist: only those files" || ko "unexpected files with --format bin --curve nist"

# 4. show / verify
check "verify eUICC under the EUM" 0 "$PKI" verify "$WORK/a/brp/euicc.hex" "$WORK/a/brp/eum.7f21"
check "verify eUICC under the CI fails" 1 "$PKI" verify "$WORK/a/brp/euicc.7f21" "$WORK/a/brp/ci.7f21"
grep -q "signature does not verify" "$WORK/out.txt" && ok "verify failure says why" || ko "verify failure message"
check "show" 0 "$PKI" show "$WORK/a/nist/smsr.7f21"
grep -q "role (73/C8)         02 (SM-SR)" "$WORK/out.txt" && ok "show prints the role" || ko "show output"

# 5. options
check "custom EID" 0 "$PKI" mint -q -o "$WORK/e" -k "$KEYS" --curve brp --eid 89001012012341234012345678901224 --expiry none
"$PKI" show "$WORK/e/brp/euicc.7f21" >"$WORK/show.txt" 2>&1
grep -q "subject (5F20)       89001012012341234012345678901224" "$WORK/show.txt" && ok "EID is the eUICC subject" || ko "EID not in the eUICC certificate"
grep -q "expiry" "$WORK/show.txt" && ko "--expiry none still wrote 5F24" || ok "--expiry none omits 5F24"

# 6. errors: status, message, nothing written
check "bad EID check digits" 2 "$PKI" mint -o "$WORK/x1" -k "$KEYS" --eid 89049032123451234512345678901234
grep -q "check digits" "$WORK/err.txt" && ok "bad EID message" || ko "bad EID message"
check "bad date" 2 "$PKI" mint -o "$WORK/x1" -k "$KEYS" --effective 20251301
check "effective after expiry" 2 "$PKI" mint -o "$WORK/x1" -k "$KEYS" --effective 20300101 --expiry 20290101
check "unknown option" 2 "$PKI" mint -o "$WORK/x1" --frobnicate
check "missing --out" 2 "$PKI" mint -k "$KEYS"
check "bad --curve" 2 "$PKI" mint -o "$WORK/x1" --curve secp384r1
[ ! -e "$WORK/x1" ] && ok "option errors write nothing" || ko "option errors created output"
check "missing key folder" 1 "$PKI" mint -o "$WORK/x2" -k "$WORK/nokeys"
grep -q "cannot load private key $WORK/nokeys/SK_CI_ECDSA_NIST.pem" "$WORK/err.txt" && ok "missing key message names the file" || ko "missing key message"
[ ! -e "$WORK/x2" ] && ok "missing keys: nothing written" || ko "missing keys: output created"
mkdir -p "$WORK/nobrp"
for f in "$KEYS"/*_NIST.pem; do cp "$f" "$WORK/nobrp/"; done
check "brainpool keys missing" 1 "$PKI" mint -o "$WORK/x4" -k "$WORK/nobrp"
[ ! -e "$WORK/x4" ] && ok "no NIST half-set written when the brainpool chain fails" || ko "half set written"
mkdir -p "$WORK/wrongkeys"
for f in "$KEYS"/*.pem; do cp "$f" "$WORK/wrongkeys/"; done
cp "$KEYS/SK_CI_ECDSA_BRP.pem" "$WORK/wrongkeys/SK_CI_ECDSA_NIST.pem"
check "key on the wrong curve" 1 "$PKI" mint -o "$WORK/x3" -k "$WORK/wrongkeys"
grep -q "is not on NIST P-256" "$WORK/err.txt" && ok "wrong-curve key message" || ko "wrong-curve key message"
: >"$WORK/afile"
check "output under a regular file" 1 "$PKI" mint -o "$WORK/afile/out" -k "$KEYS"
grep -q "cannot create folder" "$WORK/err.txt" && ok "unwritable output message" || ko "unwritable output message"
check "show a non-certificate" 1 "$PKI" show "$WORK/afile"
check "no arguments" 2 "$PKI"

# 7. no temporary files anywhere
if [ -z "$(find "$WORK" -name '*.tmp*')" ]; then ok "no temporary files left"; else ko "temporary files left"; fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
