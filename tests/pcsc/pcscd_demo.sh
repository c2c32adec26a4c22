#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Show a veuicc card in a real PC/SC reader: start a private pcscd (its own
# /run/pcscd in a mount namespace, nothing of the system's is touched) with
# the veuicc driver, talk to the card with the usual tools, stop pcscd.
#
#   tests/pcsc/pcscd_demo.sh [BUILD_DIR]      (default: build; root, or user namespaces)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "${1:-$HERE/../../build}" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

IFD=$BUILD/src/pcsc/libifd-veuicc.so
CLI=$BUILD/tools/veuicc
[ -e "$IFD" ] && [ -x "$CLI" ] || fail "build veuicc first (cmake --build $BUILD)"
EID=89049032123451234512345678901235

pcscd_setup
"$CLI" reader config --name demo --eid "$EID" --driver "$IFD" \
	--trace "$PCSCD_DIR/demo.pcap" -o "$PCSCD_DIR/reader.conf.d/veuicc"
echo "== reader.conf.d entry written by 'veuicc reader config'"
sed 's/^/   /' "$PCSCD_DIR/reader.conf.d/veuicc"
pcscd_start
for _ in $(seq 1 50); do
	"$CLI" reader status demo >/dev/null 2>&1 && break
	sleep 0.1
done

echo "== pcsc_scan -r"
timeout 20 pcsc_scan -r </dev/null
echo "== opensc-tool -a (ATR)"
timeout 20 opensc-tool -a
echo "== opensc-tool -s: SELECT ISD-R, SELECT ECASD, GET DATA EID (SGP.02 §2.2)"
timeout 20 opensc-tool \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00' \
	-s '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 02 00' \
	-s '80 CA 00 5A 00'
echo "== veuicc reader remove / status / insert"
"$CLI" reader remove demo
sleep 0.2
"$CLI" reader status demo
"$CLI" reader insert demo
if command -v tshark >/dev/null; then
	echo "== the end of the APDU trace, decoded by tshark (GSMTAP SIM)"
	tshark -r "$PCSCD_DIR/demo.pcap" 2>/dev/null | tail -n 4
fi
