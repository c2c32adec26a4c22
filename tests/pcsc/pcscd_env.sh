# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# A private pcscd for tests and benchmarks, sourced by tests/pcsc/*.sh and
# bench/pcsc/run.sh. It never touches the system's pcscd:
#   - pcscd ignores PCSCLITE_CSOCK_NAME and always uses /run/pcscd, so it runs
#     in its own mount namespace with a tmpfs /run and /run/pcscd bound to
#     $PCSCD_DIR/run; clients find it through PCSCLITE_CSOCK_NAME;
#   - its readers come only from $PCSCD_DIR/reader.conf.d (-c);
#   - it is stopped by its PID (a trap on EXIT), never by name.
#
#   pcscd_setup                   make $PCSCD_DIR (a fresh temp dir) and the trap
#   pcscd_reader NAME DEVNAME LIB add a reader.conf.d entry
#   pcscd_start [pcscd flags]     start pcscd, export PCSCLITE_CSOCK_NAME, wait for it
#   pcscd_stop                    stop it (TERM, then KILL after 5 s)
#   fail MSG / pass MSG           TAP-style lines; fail exits 1

PCSCD_BIN=${PCSCD_BIN:-/usr/sbin/pcscd}
PCSCD_PID=
PCSCD_DIR=
PCSCD_CHANNEL=0

pass() { printf 'ok - %s\n' "$*"; }
fail() {
	printf 'not ok - %s\n' "$*"
	if [ -n "$PCSCD_DIR" ] && [ -f "$PCSCD_DIR/pcscd.log" ]; then
		echo "# last lines of the pcscd log:"
		tail -n 40 "$PCSCD_DIR/pcscd.log" | sed 's/^/#   /'
	fi
	exit 1
}

pcscd_cleanup() {
	pcscd_stop
	if [ -n "$PCSCD_DIR" ] && [ -z "${KEEP_PCSCD_DIR:-}" ]; then
		rm -rf "$PCSCD_DIR"
	fi
}

pcscd_setup() {
	[ -x "$PCSCD_BIN" ] || fail "$PCSCD_BIN is not installed (Debian package pcscd)"
	command -v unshare >/dev/null && command -v setpriv >/dev/null ||
		fail "unshare and setpriv are not installed (util-linux)"
	# /tmp, not $TMPDIR: pcscd's socket path (sun_path) is limited to 108 bytes
	PCSCD_DIR=$(mktemp -d /tmp/veuicc-pcscd.XXXXXX)
	mkdir -p "$PCSCD_DIR/run" "$PCSCD_DIR/reader.conf.d"
	trap pcscd_cleanup EXIT
	trap 'exit 130' INT TERM
}

# pcscd_reader FRIENDLYNAME DEVICENAME LIBPATH [CHANNELID]
# pcsc-lite's reader.conf lexer takes '=' and ',' only in a quoted value (and
# passes the quotes on to the driver), so such a DEVICENAME is quoted.
pcscd_reader() {
	PCSCD_CHANNEL=$((PCSCD_CHANNEL + 1))
	local dev=$2
	case $dev in *[=,]*) dev="\"$dev\"" ;; esac
	cat >"$PCSCD_DIR/reader.conf.d/reader$PCSCD_CHANNEL" <<EOF
FRIENDLYNAME "$1"
DEVICENAME   $dev
LIBPATH      $3
CHANNELID    ${4:-$PCSCD_CHANNEL}
EOF
}

pcscd_start() {
	local ns=(unshare --mount --propagation private)
	# Without root, a user namespace gives the mount rights.
	[ "$(id -u)" -eq 0 ] || ns=(unshare --user --map-root-user --mount --propagation private)
	# setsid, unshare, sh and setpriv exec one another down to pcscd, so $!
	# is pcscd's PID and this shell its parent: --pdeathsig stops pcscd even
	# if this shell is killed without running its traps (e.g. a ctest
	# timeout). stdin is /dev/null: tests run without a terminal.
	setsid "${ns[@]}" sh -c 'mount -t tmpfs -o mode=755 tmpfs /run &&
		mkdir -p /run/pcscd &&
		mount --bind "$1/run" /run/pcscd &&
		shift && exec setpriv --pdeathsig TERM "$@"' sh "$PCSCD_DIR" \
		"$PCSCD_BIN" -f -c "$PCSCD_DIR/reader.conf.d" "$@" \
		</dev/null >"$PCSCD_DIR/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	export PCSCLITE_CSOCK_NAME="$PCSCD_DIR/run/pcscd.comm"
	local i
	for i in $(seq 1 100); do
		if ! kill -0 "$PCSCD_PID" 2>/dev/null; then
			PCSCD_PID=
			fail "pcscd exited at start"
		fi
		if [ -S "$PCSCLITE_CSOCK_NAME" ] &&
			[ "$(cat "/proc/$PCSCD_PID/comm" 2>/dev/null)" = pcscd ]; then
			return 0
		fi
		sleep 0.1
	done
	fail "pcscd did not create $PCSCLITE_CSOCK_NAME within 10 s"
}

pcscd_stop() {
	[ -n "$PCSCD_PID" ] || return 0
	local pid=$PCSCD_PID i
	PCSCD_PID=
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# A TCP port P such that P and P+1 are free on localhost (vpcd takes both).
free_port_pair() {
	python3 - <<'EOF'
import socket
for _ in range(200):
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close()
    print(p)
    break
EOF
}
