#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `veuicc sm --reader`: the whole SGP.02 scenario (docs/sm.md) through a real,
# private pcscd and the veuicc driver: SM-SR address, CreateISDP,
# EstablishISDPKeySet, SCP03t download of a TS.48 profile, EnableProfile,
# REFRESH (the terminal resets the card through pcscd), modem, notification
# confirmation; then the SM-SR change; the card file holds the enabled profile
# and only SM-SR2's key set.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT, VEUICC_CLI
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}" "${VEUICC_CLI:?}"
T=60
F="$ROOT/tests/data/sm/factory_nist.json"
P=A0000005591010FFFFFFFF89

pcscd_setup
CARD="$PCSCD_DIR/card.db"
"$VEUICC_CLI" card create --factory "$F" --card "$CARD" >/dev/null || fail "veuicc card create"
pcscd_reader "veuicc SM" "veuicc:name=sm,state=$CARD" "$VEUICC_IFD"
pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 1 10 || fail "the reader is listed"

out=$(timeout $T "$VEUICC_CLI" sm --reader "veuicc SM" --factory "$F" --state "$PCSCD_DIR/sm.state" \
	--pki "$ROOT/tests/data/cert/minted/nist" \
	run "$ROOT/tests/data/saip/profiles/TS48_V5.0_eSIM_GTP_SAIP2.3_NoBERTLV.der" 2>&1) ||
	{ echo "$out" | sed 's/^/# /'; fail "veuicc sm run through pcscd"; }
echo "$out" | sed 's/^/# /'
grep -qF "receipt verified" <<<"$out" || fail "key establishment"
grep -qF "installation result 00 (ok)" <<<"$out" || fail "download"
grep -qF "AUTHENTICATE ok" <<<"$out" || fail "modem after the REFRESH"
grep -qF "all 10 step(s) succeeded" <<<"$out" || fail "every step"
pass "the whole scenario through pcscd: key establishment, SCP03t download, enable, REFRESH, modem, confirmation"

out=$(timeout $T "$VEUICC_CLI" sm --reader "SM" --factory "$F" --state "$PCSCD_DIR/sm.state" audit) ||
	fail "audit with the saved counter"
grep -qF "${P}00001100  life cycle 3F (ENABLED)" <<<"$out" || fail "audit lists the enabled ISD-P"
pass "a second run continues the SCP80 counter from the state file; the ISD-P is ENABLED"

out=$(timeout $T "$VEUICC_CLI" sm --reader "SM" --factory "$F" --state "$PCSCD_DIR/sm.state" \
	--pki "$ROOT/tests/data/cert/minted/nist" smsr-change 2>&1) ||
	{ echo "$out" | sed 's/^/# /'; fail "veuicc sm smsr-change through pcscd"; }
grep -qF "all 5 step(s) succeeded" <<<"$out" && grep -qF "no PoR: the card discards packets under SM-SR1's keys" <<<"$out" ||
	{ echo "$out" | sed 's/^/# /'; fail "smsr-change steps"; }
out=$(timeout $T "$VEUICC_CLI" sm --reader "SM" --factory "$F" --state "$PCSCD_DIR/sm.state" audit) ||
	fail "audit under SM-SR2's keys"
pass "SM-SR change through pcscd (EstablishISDRKeySet, FinaliseISDRHandover, old keys refused); audit under the new keys"
pcscd_stop
"$VEUICC_CLI" card status --card "$CARD" --json | grep -qF '"aid": "'${P}'00001100", "state": "enabled"' ||
	fail "the card file keeps the enabled profile"
pass "the card file keeps the profile downloaded through pcscd"
"$VEUICC_CLI" card status --card "$CARD" --json | grep -qF '"keysets": [{"type": "scp80", "kvn": 2,' ||
	fail "the card file keeps only SM-SR2's key set"
pass "the card file keeps only SM-SR2's key set"
