#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run_expect.sh STATUS EXPECTED-FILE COMMAND [ARGS...]
# Runs COMMAND, requires exit status STATUS and that every non-empty line of
# EXPECTED-FILE (lines starting with '#' are comments) occurs verbatim in the
# combined output. Prints the output on failure.
status=$1
expected=$2
shift 2
out=$("$@" 2>&1)
rc=$?
fail=0
if [ "$rc" -ne "$status" ]; then
	echo "FAIL: exit status $rc, expected $status" >&2
	fail=1
fi
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in
	'' | '#'*) continue ;;
	esac
	if ! printf '%s\n' "$out" | grep -qF -- "$line"; then
		echo "FAIL: output lacks: $line" >&2
		fail=1
	fi
done <"$expected"
if [ "$fail" -ne 0 ]; then
	echo "---- output of: $* ----" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
exit 0
