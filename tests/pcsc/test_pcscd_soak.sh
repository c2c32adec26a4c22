#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Many readers in one pcscd (issue 11 item 4, docs/testbench.md "Many
# cards"): 16 veuicc readers served by one loaded driver, each with its own
# card (own EID, the TS.48 V7 profile, test mode), soaked for SOAK_SECONDS
# (default 10) by two client processes of SOAK_THREADS threads each
# (tests/pcsc/pcsc_soak.c: connect, transaction, checked APDUs, reconnect
# with reset, disconnect with leave/reset/unpower; one process also removes
# and inserts cards) while `veuicc reader remove/insert` runs too. Then
# pcscd must be alive, list the 16 readers, every card must answer as
# before, and pcscd's open descriptors and resident memory must not have
# grown beyond a bound.
#
# env: VEUICC_IFD (driver .so), PCSC_SOAK (tests/pcsc/pcsc_soak),
#      VEUICC_CLI (the veuicc command), SOAK_SECONDS, SOAK_THREADS
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=pcscd_env.sh
. "$HERE/pcscd_env.sh"

: "${VEUICC_IFD:?}" "${PCSC_SOAK:?}" "${VEUICC_CLI:?}"
SECS=${SOAK_SECONDS:-10}
THREADS=${SOAK_THREADS:-4}
N=16 # pcsc-lite's PCSCLITE_MAX_READERS_CONTEXTS
FD_SLACK=8            # descriptors pcscd may hold more after the soak
RSS_SLACK_KB=$((16 * 1024)) # resident memory it may have grown by
PROFILE=$ROOT/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der

pcscd_setup
for i in $(seq 0 $((N - 1))); do
	nn=$(printf %02d "$i")
	eid=$("$PCSC_SOAK" eid "$i")
	pcscd_reader "veuicc s$nn" \
		"veuicc:name=s$nn,eid=$eid,seed=$i,testmode=1,profile=$PROFILE" "$VEUICC_IFD"
done
pcscd_start

# the soak client's reference pass waits for every card; first the list
timeout 30 "$PCSC_SOAK" run $N 0.5 1 1 0 >"$PCSCD_DIR/warmup.log" 2>&1 ||
	{ cat "$PCSCD_DIR/warmup.log"; fail "warm-up pass over the $N readers"; }
pass "pcscd hosts $N veuicc readers, each card with its own EID"
# pcscd loads a LIBPATH once and shares it between readers: one driver
[ "$(grep 'libifd-veuicc' "/proc/$PCSCD_PID/maps" | awk '{print $6}' | sort -u | wc -l)" -eq 1 ] ||
	fail "one driver file is mapped"
pass "one loaded driver serves them"

fds() { find "/proc/$PCSCD_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$PCSCD_PID/status"; }
fd0=$(fds)
rss0=$(rss_kb)

"$PCSC_SOAK" run $N "$SECS" "$THREADS" 1 1 >"$PCSCD_DIR/soak1.log" 2>&1 &
p1=$!
"$PCSC_SOAK" run $N "$SECS" "$THREADS" 2 0 >"$PCSCD_DIR/soak2.log" 2>&1 &
p2=$!
# the CLI path of the same events, on a few readers while the soak runs;
# its direct connection waits while a client holds a transaction (sharing
# violation), so it is retried
cli() {
	local i
	for i in $(seq 1 100); do
		timeout 10 "$VEUICC_CLI" reader "$@" >"$PCSCD_DIR/cli.out" 2>&1 && return 0
		grep -qi sharing "$PCSCD_DIR/cli.out" || break
		sleep 0.05
	done
	cat "$PCSCD_DIR/cli.out"
	return 1
}
cli_events=0
end=$((SECONDS + SECS - 1))
while [ $SECONDS -lt $end ]; do
	r="veuicc s$(printf %02d $((cli_events % N)))"
	cli remove "$r" || fail "veuicc reader remove $r"
	sleep 0.05
	cli insert "$r" || fail "veuicc reader insert $r"
	cli_events=$((cli_events + 1))
	sleep 0.3
done
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
sed 's/^/# client 1: /' "$PCSCD_DIR/soak1.log"
sed 's/^/# client 2: /' "$PCSCD_DIR/soak2.log"
[ $rc1 -eq 0 ] || fail "soak client 1 (with removals)"
[ $rc2 -eq 0 ] || fail "soak client 2"
pass "two clients x $THREADS threads soaked $N readers for $SECS s; $cli_events CLI remove/insert"

kill -0 "$PCSCD_PID" 2>/dev/null || fail "pcscd is alive after the soak"
timeout 30 "$PCSC_SOAK" run $N 0.5 1 3 0 >"$PCSCD_DIR/final.log" 2>&1 ||
	{ cat "$PCSCD_DIR/final.log"; fail "every reader answers after the soak"; }
pass "pcscd is alive and every card answers its reference after the soak"

fd1=$(fds)
rss1=$(rss_kb)
echo "# pcscd descriptors: $fd0 -> $fd1, resident memory: $rss0 -> $rss1 KiB"
[ "$fd1" -le $((fd0 + FD_SLACK)) ] || fail "pcscd descriptors grew from $fd0 to $fd1"
[ "$rss1" -le $((rss0 + RSS_SLACK_KB)) ] || fail "pcscd memory grew from $rss0 to $rss1 KiB"
pass "no descriptor growth beyond $FD_SLACK, memory growth within $((RSS_SLACK_KB / 1024)) MiB"
if grep -qiE 'segmentation|abort|assert|init failed' "$PCSCD_DIR/pcscd.log"; then
	fail "the pcscd log shows a crash or a refused reader"
fi
pass "no crash or refused reader in the pcscd log"
