#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# APDU traces of the veuicc reader, decoded by an independent implementation:
# tshark's GSMTAP and gsm_sim dissectors. Reader A traces through the
# DEVICENAME key trace=, reader B through VEUICC_PCSC_TRACE_DIR.
#
# env: VEUICC_IFD (driver .so), PCSC_CLIENT (tests/pcsc/pcsc_client)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_CLIENT:?}"
T=30
EID_A=89049032123451234512345678901235
EID_B=89044045116727494800000004479366
command -v tshark >/dev/null || fail "tshark is not installed"

pcscd_setup
mkdir -p "$PCSCD_DIR/traces"
pcscd_reader "veuicc A" "veuicc:name=a,eid=$EID_A,trace=$PCSCD_DIR/a.pcap" "$VEUICC_IFD"
pcscd_reader "veuicc B" "veuicc:name=b,eid=$EID_B" "$VEUICC_IFD"
VEUICC_PCSC_TRACE_DIR="$PCSCD_DIR/traces" pcscd_start
timeout $T "$PCSC_CLIENT" wait-readers 2 10 || fail "two readers"
timeout $T "$PCSC_CLIENT" basic "veuicc A" "$EID_A" >/dev/null || fail "APDUs on reader A"
[ "$(timeout $T "$PCSC_CLIENT" eid "veuicc B")" = "$EID_B" ] || fail "APDUs on reader B"

ts() { tshark -r "$@" 2>/dev/null; }

A=$PCSCD_DIR/a.pcap
B=$PCSCD_DIR/traces/veuicc-b.pcap
[ -s "$A" ] || fail "trace= wrote $A"
[ -s "$B" ] || fail "VEUICC_PCSC_TRACE_DIR wrote $B"
pass "both trace files exist"

# Every packet is UDP to the GSMTAP port, carrying a GSM SIM APDU.
n=$(ts "$A" | wc -l)
sim=$(ts "$A" -Y 'udp.dstport == 4729 && frame.protocols contains "udp:gsmtap:gsm_sim"' | wc -l)
bad=$(ts "$A" -Y '_ws.malformed || _ws.expert.severity >= error' | wc -l)
echo "# reader A: $n packets, $sim decoded as GSMTAP/gsm_sim, $bad malformed"
[ "$n" -ge 15 ] && [ "$sim" -eq "$n" ] || fail "every packet decodes as GSMTAP SIM"
[ "$bad" -eq 0 ] || fail "no malformed packet"
pass "tshark decodes every packet of A as GSMTAP SIM"

# The first exchange is the T=0 SELECT of the ISD-R (TS 102 221 §11.1.1),
# answered 61xx; the GET RESPONSE follows with 9000.
first=$(ts "$A" -c 2 -T fields -e gsm_sim.apdu.ins -e gsm_sim.aid -e gsm_sim.apdu.sw)
echo "$first" | sed 's/^/# /'
read -r ins aid sw <<<"$(sed -n 1p <<<"$first")"
[ "$ins" = 0xa4 ] && [ "$aid" = a0000005591010ffffffff8900000100 ] && [[ $sw == 0x61* ]] ||
	fail "packet 1 is SELECT ISD-R answered 61xx"
read -r ins sw <<<"$(sed -n 2p <<<"$first")"
[ "$ins" = 0xc0 ] && [ "$sw" = 0x9000 ] || fail "packet 2 is GET RESPONSE answered 9000"
pass "tshark shows SELECT ISD-R (AID decoded) 61xx, then GET RESPONSE 9000"

ts "$A" -Y 'gsm_sim.apdu.sw == 0x6a82' -T fields -e gsm_sim.aid | grep -q a0000005591010ffffffff8900000f00 ||
	fail "SELECT of the unknown AID with 6A82"
ts "$A" -Y 'gsm_sim.apdu.ins == 0x70' | grep -q 'MANAGE CHANNEL' || fail "MANAGE CHANNEL"
pass "tshark shows the 6A82 SELECT and MANAGE CHANNEL"

# Reader B's trace holds only B's session: SELECT ECASD and GET DATA.
aids=$(ts "$B" -Y 'gsm_sim.apdu.ins == 0xa4' -T fields -e gsm_sim.aid | sort -u)
[ "$aids" = a0000005591010ffffffff8900000200 ] || fail "B selected only the ECASD: $aids"
raw=$(ts "$B" -Y 'gsm_sim.apdu.ins == 0xca' -T fields -e data.data -e udp.payload | head -1)
grep -qi "5a10$EID_B" <<<"$raw" || fail "B's GET DATA response carries EID B: $raw"
pass "reader B's trace holds its own SELECT ECASD and GET DATA with EID B"
