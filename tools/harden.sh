#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hardening figures (issue 11 item 5, docs/hardening.md). Run through
# `tools/dev harden [SECONDS]`, which installs the Debian packages first.
#
#   tools/harden.sh [SECONDS]          the whole campaign: every fuzz target
#                                      SECONDS (300), then the figures below
#   tools/harden.sh fuzz SECONDS       only the fuzz targets (clang, build-fuzz/);
#                                      writes build-fuzz/fuzz-stats.tsv
#   tools/harden.sh figures [STATS]    coverage build (build-cov/), the test suite,
#                                      line coverage of src/, tear points,
#                                      negative cases; the fuzz table from STATS
#                                      (a fuzz-stats.tsv) when given
#
# Exit status: 1 if a fuzz target crashed or a test failed; coverage under
# its 90% target is reported (FAIL on its line) but does not fail the run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
FIG="$ROOT/tools/harden_figures.py"

log() { printf '==> %s\n' "$*" >&2; }
section() { printf '\n--- %s\n' "$*"; }
# build DIR, showing the compiler's output only when it fails
quiet_build() {
	cmake --build "$1" -j "$JOBS" >"$1/build.log" 2>&1 || {
		tail -80 "$1/build.log" >&2
		log "build of $1 FAILED"
		exit 1
	}
}

# fuzz SECONDS: every fuzz/fuzz_<name>.c from fuzz/corpus/<name>/; one row per
# target in build-fuzz/fuzz-stats.tsv (name, seconds, executions, new units,
# crash artifacts, exit status). Artifacts of a crash are kept in
# build-fuzz/artifacts/<target>/.
fuzz() {
	local secs=$1 out="$ROOT/build-fuzz"
	cmake -S "$ROOT" -B "$out" -DVEUICC_WERROR=ON -DCMAKE_C_COMPILER=clang -DVEUICC_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	quiet_build "$out"
	local stats="$out/fuzz-stats.tsv" t name corpus work art flog rc execs new crashes
	: >"$stats"
	for t in "$out"/fuzz/fuzz_*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		name=$(basename "$t")
		corpus="$ROOT/fuzz/corpus/${name#fuzz_}"
		work=$(mktemp -d)
		art=$(mktemp -d)
		flog="$work.log"
		log "fuzzing $name for ${secs}s (seeds: $corpus)"
		rc=0
		"$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
			-artifact_prefix="$art/" "$work" "$corpus" 2>"$flog" || rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$flog" | tail -1)
		new=$(sed -n 's/^stat::new_units_added: *\([0-9]*\).*/\1/p' "$flog" | tail -1)
		crashes=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
			-o -name 'oom-*' \) | wc -l)
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "${execs:-0}" "${new:-0}" \
			"$crashes" "$rc" >>"$stats"
		if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
			tail -50 "$flog" >&2
			mkdir -p "$out/artifacts/$name"
			cp -a "$art/." "$out/artifacts/$name/"
			log "$name FAILED (exit $rc); artifacts in $out/artifacts/$name/"
		fi
		rm -rf "$work" "$art" "$flog"
	done
	section "fuzzing: ${secs}s per target from its seed corpus"
	python3 "$FIG" fuzz "$stats"
}

# figures [STATS]: coverage build, test suite, the four figures
figures() {
	local stats=${1:-} dir="$ROOT/build-cov" rc=0
	log "coverage build ($dir: gcc --coverage, Debug)"
	cmake -S "$ROOT" -B "$dir" -DVEUICC_WERROR=ON -DVEUICC_COVERAGE=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	quiet_build "$dir"
	find "$dir" -name '*.gcda' -delete
	log "test suite in the coverage build"
	(cd "$dir" && ctest -j "$JOBS" --output-on-failure >"$dir/ctest.out" 2>&1) || {
		rc=1
		tail -60 "$dir/ctest.out" >&2
		log "the test suite FAILED: the figures below are from a failing suite"
	}
	grep -E '^[0-9]+% tests passed' "$dir/ctest.out" || true
	log "gcovr (src/ only)"
	mkdir -p "$dir/coverage"
	gcovr -r "$ROOT" --filter "$ROOT/src/" -j "$JOBS" \
		--json-summary "$dir/coverage.json" \
		--html-details "$dir/coverage/index.html" "$dir" >/dev/null
	{
		if [ -n "$stats" ]; then
			section "fuzzing (from $stats)"
			python3 "$FIG" fuzz "$stats" || rc=1
		fi
		section "line coverage of src/ by the test suite (details: $dir/coverage/index.html)"
		python3 "$FIG" coverage "$dir/coverage.json"
		section "tear points (power cut at a store write, card reopened and checked)"
		python3 "$FIG" tear "$dir/Testing/Temporary/LastTest.log" || rc=1
		section "negative cases (test checks expecting an error status word)"
		python3 "$FIG" negatives "$ROOT"
	} >"$dir/figures.txt"
	cat "$dir/figures.txt"
	section "hardening figures"
	grep -E '^(fuzz: |line coverage|tear points|negative cases)' "$dir/figures.txt"
	return $rc
}

cmd=${1:-300}
case "$cmd" in
fuzz)
	[ $# -eq 2 ] || { sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
	fuzz "$2"
	;;
figures) figures "${2:-}" ;;
[0-9]*)
	frc=0
	fuzz "$cmd" || frc=1
	figures "$ROOT/build-fuzz/fuzz-stats.tsv" || frc=1
	exit $frc
	;;
*)
	sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'
	[ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2
	;;
esac
