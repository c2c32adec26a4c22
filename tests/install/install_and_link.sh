#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install_and_link.sh BUILD_DIR EXAMPLE.c CC
set -eu
build=$1 example=$2 cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name veuicc.pc)
[ -n "$pc" ] || { echo "not ok - veuicc.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/read_eid" "$example" $(pkg-config --cflags --libs veuicc)
libdir=$(pkg-config --variable=libdir veuicc)
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/read_eid")
[ "$out" = "EID 89049032123451234512345678901235" ] || { echo "not ok - read_eid printed: $out"; exit 1; }
# only the public API is exported
if nm -D --defined-only "$libdir/libveuicc.so" | awk '{print $3}' | grep -v '^veuicc_' | grep -q .; then
	echo "not ok - libveuicc.so exports symbols without the veuicc_ prefix:"
	nm -D --defined-only "$libdir/libveuicc.so" | awk '{print $3}' | grep -v '^veuicc_' | head
	exit 1
fi
echo "ok - installed, linked with pkg-config, read the EID; only veuicc_* symbols exported"
