#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `veuicc sm --https run` on a fresh card file (docs/scp81.md, H81-18):
#   sm_https_cli.sh CLI FACTORY story      the whole story over SCP81 succeeds and the
#                                          notification goes in the card's own HTTPS session
#   sm_https_cli.sh CLI FACTORY es8-forms  with --es8-tunnel the transcript shows
#                                          INSTALL [for personalization] (80E62000); by
#                                          default it does not, and the 3A01 STORE DATA
#                                          (80E20900) goes to the ISD-P itself
set -euo pipefail
CLI=$1 FACTORY=$2 MODE=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/veuicc-sm-https.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# run NAME [sm options...]: one story on its own card file; its output shown
run() {
	local name=$1
	shift
	local rc=0
	"$CLI" sm --card "$dir/$name.db" --factory "$FACTORY" --https "$@" run \
		>"$dir/$name.out" 2>&1 || rc=$?
	cat "$dir/$name.out"
	[ "$rc" -eq 0 ] || { echo "FAIL: veuicc sm $* exited $rc"; exit 1; }
	grep -q 'all 10 step(s) succeeded' "$dir/$name.out" ||
		{ echo "FAIL: not every step succeeded"; exit 1; }
}

case $MODE in
story)
	run story
	grep -q 'notification by HTTPS' "$dir/story.out" ||
		{ echo "FAIL: the notification did not go by HTTPS"; exit 1; }
	;;
es8-forms)
	run tunnel --es8-tunnel --transcript "$dir/tunnel.tr"
	run targeted --transcript "$dir/targeted.tr"
	grep -q '^C 80E62000' "$dir/tunnel.tr" ||
		{ echo "FAIL: --es8-tunnel sent no INSTALL [for personalization]"; exit 1; }
	if grep -q '^C 80E62000' "$dir/targeted.tr"; then
		echo "FAIL: the targeted form sent INSTALL [for personalization]"
		exit 1
	fi
	grep -q '^C 80E20900' "$dir/targeted.tr" ||
		{ echo "FAIL: the targeted form sent no 3A01 STORE DATA"; exit 1; }
	;;
*)
	echo "usage: sm_https_cli.sh CLI FACTORY story|es8-forms" >&2
	exit 2
	;;
esac
echo "ok: sm --https $MODE"
