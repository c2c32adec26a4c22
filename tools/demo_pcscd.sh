#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The second leg of `tools/dev demo` (issue 9 item 5): SGP.02's whole story
# (`veuicc sm run`: CreateISDP, key establishment, SCP03t download, enable,
# REFRESH, modem, notification) on the embedded default card, this time
# through a real pcscd loading the veuicc driver. pcscd runs privately (its
# own /run/pcscd in a mount namespace, tests/pcsc/pcscd_env.sh), so nothing of
# the system's PC/SC set-up is touched. Where that is not possible (no pcscd,
# no namespaces) it says why and stops: the in-process leg already ran.
#
#   tools/demo_pcscd.sh [BUILD_DIR]      (default: build)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
IFD=$BUILD/src/pcsc/libifd-veuicc.so
CLI=$BUILD/tools/veuicc
FACTORY=$ROOT/factory/default.json

unavailable() {
	echo "pcscd leg not run: $*; the in-process run above is the demo" >&2
	exit 0
}
[ -e "$IFD" ] && [ -x "$CLI" ] || unavailable "build veuicc first (cmake --build $BUILD)"
[ -x "${PCSCD_BIN:-/usr/sbin/pcscd}" ] || unavailable "pcscd is not installed"
# a user or mount namespace is needed for the private /run/pcscd
if [ "$(id -u)" -eq 0 ]; then
	unshare --mount true 2>/dev/null || unavailable "no mount namespaces here"
else
	unshare --user --map-root-user --mount true 2>/dev/null ||
		unavailable "no user namespaces here"
fi

# shellcheck source=../tests/pcsc/pcscd_env.sh
. "$ROOT/tests/pcsc/pcscd_env.sh"
pcscd_setup
CARD=$PCSCD_DIR/card.db
"$CLI" card create --factory "$FACTORY" --card "$CARD" >/dev/null
pcscd_reader "veuicc demo" "veuicc:name=demo,state=$CARD" "$IFD"
pcscd_start
for _ in $(seq 1 50); do
	"$CLI" reader status "veuicc demo" >/dev/null 2>&1 && break
	sleep 0.1
done
echo
echo "The same story through a real pcscd (private instance, reader 'veuicc demo',"
echo "card file $CARD):"
echo
timeout 120 "$CLI" sm --reader "veuicc demo" --factory "$FACTORY" \
	--state "$PCSCD_DIR/sm.state" run
pcscd_stop
echo
echo "The card file after pcscd stopped:"
"$CLI" card status --card "$CARD"
