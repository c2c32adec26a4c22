#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start a private pcscd (tests/pcsc/pcscd_env.sh) with a veuicc reader and a
# do-nothing reader, and time SCardTransmit round trips through both.
#   bench/pcsc/run.sh VEUICC_IFD FLOOR_IFD BENCH_CLIENT [N] [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../tests/pcsc/pcscd_env.sh
. "$HERE/../../tests/pcsc/pcscd_env.sh"
VEUICC_IFD=$1 FLOOR_IFD=$2 CLIENT=$3 N=${4:-20000} ROUNDS=${5:-7}

pcscd_setup
pcscd_reader "veuicc bench" "veuicc:name=bench,seed=1" "$VEUICC_IFD"
pcscd_reader "floor" "floor:0" "$FLOOR_IFD"
pcscd_start # no -d: pcscd's debug log would be most of the cost
echo "# $N APDUs per round, $ROUNDS rounds, T=1, pcscd $("$PCSCD_BIN" -v 2>/dev/null | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1)"
timeout 600 "$CLIENT" "$N" "$ROUNDS" "veuicc bench" "floor"
