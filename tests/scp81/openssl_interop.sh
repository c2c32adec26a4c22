#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The card's SCP81 TLS client against an independent TLS implementation:
# OpenSSL's s_server with the ISD-R's PSK (factory/default.json: identity
# veuicc-isdr-psk, KVN 40), no certificate, TLS 1.2, each SGP.02 cipher
# suite. `veuicc bip --test-mode` sends SELECT ISD-R and a plain PUSH naming
# 127.0.0.1:PORT, then plays the terminal. s_server answers, from its stdin,
# a 200 with a GET DATA script and then 204; it prints what the card sent.
# Checked: both POSTs with the admin headers, the script's response template
# (AB … 23 … 90 00) in the second, exit 0 and "ended with 204"; with a wrong
# PSK the handshake fails and the card reports a failed session (exit 1).
# usage: openssl_interop.sh VEUICC_CLI
set -eu
cli=$1
command -v openssl >/dev/null || { echo "openssl missing: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
psk=202122232425262728292A2B2C2D2E2F

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

push() { # port -> the PUSH C-APDU (GP Amd B 81/83/84/89)
	python3 - "$1" <<'PY'
import sys
port = int(sys.argv[1])
def tlv(t, v): return bytes([t, len(v)]) + v
conn = bytes.fromhex('350103390205DC3C0302') + port.to_bytes(2, 'big') + bytes.fromhex('3E05217F000001')
p = tlv(0x81, tlv(0x83, tlv(0x84, conn) + tlv(0x89, tlv(0x8C, b'/admin'))))
print('80EC0101%02X' % len(p) + p.hex().upper())
PY
}

# 200 with AA { 22 { GET DATA 80 CA 00 66 00 (card data of the ISD-R) } }, then 204
python3 - "$dir/answers" <<'PY'
import sys
script = bytes.fromhex('AA07' + '2205' + '80CA006600')
a = (b'HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n'
     b'Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n'
     b'X-Admin-Next-URI: /admin/next\r\nContent-Length: ' + str(len(script)).encode() +
     b'\r\n\r\n' + script +
     b'HTTP/1.1 204 No Content\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\r\n')
open(sys.argv[1], 'wb').write(a)
PY

run() { # cipher psk -> card exit status; s_server output in $dir/srv
	port=$(free_port)
	# stdin stays open (s_server stops at its EOF); -naccept 1: one connection
	: >"$dir/srv"
	{
		cat "$dir/answers"
		for _ in $(seq 150); do
			grep -q "CONNECTION CLOSED\|ERROR\|DONE" "$dir/srv" && break
			sleep 0.1
		done
	} 2>/dev/null | timeout 30 openssl s_server \
		-accept "127.0.0.1:$port" -nocert -psk "$2" -psk_identity veuicc-isdr-psk \
		-cipher "$1" -tls1_2 -naccept 1 >"$dir/srv" 2>&1 &
	spid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q ACCEPT "$dir/srv" 2>/dev/null && break
		sleep 0.2
	done
	set +e
	"$cli" bip --test-mode --idle-ms 5000 00A4040010A0000005591010FFFFFFFF8900000100 \
		"$(push "$port")" >"$dir/card" 2>&1
	st=$?
	set -e
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q "CONNECTION CLOSED\|ERROR" "$dir/srv" 2>/dev/null && break
		sleep 0.2
	done
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	return $st
}

for cipher in PSK-AES128-GCM-SHA256 PSK-AES128-CBC-SHA256; do
	if ! run "$cipher" "$psk"; then
		cat "$dir/card" "$dir/srv"
		echo "FAIL: $cipher: the card's session did not end with 204"
		exit 1
	fi
	python3 - "$dir/srv" "$cipher" <<'PY'
import sys
out = open(sys.argv[1], 'rb').read()
posts = out.split(b'POST ')
assert len(posts) == 3, ('two POSTs expected', out)
first, second = posts[1], posts[2]
assert first.startswith(b'/admin HTTP/1.1\r\n'), first
assert second.startswith(b'/admin/next HTTP/1.1\r\n'), second
for p in (first, second):
    assert b'X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n' in p
    assert b'X-Admin-From: //se-id/eid/89049032123451234512345678901235;//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n' in p
assert b'Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n' in second
assert b'X-Admin-Script-Status: ok\r\n' in second
body = second.split(b'\r\n\r\n', 1)[1]
size, rest = body.split(b'\r\n', 1)
data = rest[:int(size, 16)]
# AB L 80 01 01 23 L (data) 90 00
assert data[0] == 0xAB and data[2:5] == b'\x80\x01\x01' and data[5] == 0x23, data.hex()
assert data[-2:] == b'\x90\x00', data.hex()
print('ok', sys.argv[2], 'response script', data.hex())
PY
	grep -q "ended with 204" "$dir/card"
done

# a wrong PSK: no session
if run PSK-AES128-GCM-SHA256 000102030405060708090A0B0C0D0E0F; then
	cat "$dir/card"
	echo "FAIL: a wrong PSK was accepted"
	exit 1
fi
grep -q "last session failed" "$dir/card" || { cat "$dir/card"; exit 1; }
grep -q "0 POST(s)" "$dir/card" || { cat "$dir/card"; exit 1; }
echo "ok wrong PSK refused"
