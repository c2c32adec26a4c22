/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/scp80/oracle.py: one request per line on stdin, the
 * result as hex on stdout. Not a tool: no options, "ERR n" on failure.
 *
 * Key set fields KS = KICALG KIC KIDALG KID KVN CCLEN (ALG: 1 DES, 2 AES,
 * 5 3DES2, 9 3DES3 as in TS 102 225).
 *
 *   U KS TAR CNTR MSL PKT RESP  card: unwrap PKT (key set and TAR as given,
 *                               stored counter CNTR), then build the PoR with
 *                               RESP when status is 00 (else empty data)
 *                               -> STATUS DATA NEWCNTR PORWANTED POR
 *   W KS SPI KIC KID TAR CNTR DATA  host: command packet -> PKT
 *   P KS SPI TAR CNTR POR       host: check a PoR -> STATUS DATA | ERR
 * '-' stands for empty hex.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hex.h"
#include "scp/scp80.h"

static void put(const uint8_t *b, size_t n)
{
	test_hex_print(b, n);
	putchar(' ');
}

typedef struct one {
	uint8_t tar[3];
	veuicc_scp80_keyset ks;
	veuicc_scp80_counter cntr;
} one;

static int lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                  veuicc_scp80_counter **cntr)
{
	one *o = ctx;
	if (memcmp(tar, o->tar, 3))
		return VEUICC_SCP80_NO_TAR;
	if (kvn != o->ks.kvn)
		return VEUICC_SCP80_NO_KEYSET;
	*ks = &o->ks;
	*cntr = &o->cntr;
	return VEUICC_SCP80_FOUND;
}

static int keyset(char **t, veuicc_scp80_keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
	ks->kic_alg = (uint8_t)strtoul(t[0], NULL, 16);
	ks->kid_alg = (uint8_t)strtoul(t[2], NULL, 16);
	size_t a = test_hex_decode(t[1], ks->kic, sizeof(ks->kic));
	size_t b = test_hex_decode(t[3], ks->kid, sizeof(ks->kid));
	if (a == TEST_HEX_BAD || b == TEST_HEX_BAD)
		return -1;
	ks->kic_len = (uint8_t)a;
	ks->kid_len = (uint8_t)b;
	ks->kvn = (uint8_t)strtoul(t[4], NULL, 16);
	ks->cc_len = (uint8_t)strtoul(t[5], NULL, 10);
	return 0;
}

int main(void)
{
	static char line[8192];
	static uint8_t a[2048], b[2048], c[2048];
	while (fgets(line, sizeof(line), stdin)) {
		char *t[16];
		int n = 0;
		for (char *p = strtok(line, " \r\n"); p && n < 16; p = strtok(NULL, " \r\n"))
			t[n++] = p;
		if (n == 0)
			continue;
		int rc = -1;
		if (t[0][0] == 'U' && n == 12) {
			one o;
			veuicc_scp80_cmd cmd;
			if (keyset(t + 1, &o.ks) || test_hex_decode(t[7], o.tar, 3) != 3 ||
			    test_hex_decode(t[8], o.cntr.value, 5) != 5)
				goto out;
			uint8_t msl = (uint8_t)strtoul(t[9], NULL, 16);
			size_t pl = test_hex_decode(t[10], a, sizeof(a));
			size_t rl = test_hex_decode(t[11], b, sizeof(b));
			if (pl == TEST_HEX_BAD || rl == TEST_HEX_BAD)
				goto out;
			rc = veuicc_scp80_unwrap(a, pl, lookup, &o, msl, c, sizeof(c), &cmd);
			if (rc)
				goto out;
			printf("%02x ", cmd.status);
			put(cmd.data, cmd.data_len);
			put(o.cntr.value, 5);
			printf("%d ", cmd.por_wanted);
			size_t ol = 0;
			rc = veuicc_scp80_wrap_por(&cmd, cmd.status, b, cmd.status ? 0 : rl, a,
			                           sizeof(a), &ol);
			if (rc)
				goto out;
			put(a, ol);
		} else if (t[0][0] == 'W' && n == 13) {
			veuicc_scp80_keyset ks;
			veuicc_scp80_host h = {0};
			if (keyset(t + 1, &ks) || test_hex_decode(t[7], h.spi, 2) != 2 ||
			    test_hex_decode(t[8], &h.kic, 1) != 1 ||
			    test_hex_decode(t[9], &h.kid, 1) != 1 ||
			    test_hex_decode(t[10], h.tar, 3) != 3 ||
			    test_hex_decode(t[11], h.cntr, 5) != 5)
				goto out;
			size_t dl = test_hex_decode(t[12], b, sizeof(b)), ol = 0;
			if (dl == TEST_HEX_BAD)
				goto out;
			h.kic_ks = h.kid_ks = &ks;
			rc = veuicc_scp80_wrap_cmd(&h, b, dl, a, sizeof(a), &ol);
			if (rc)
				goto out;
			put(a, ol);
		} else if (t[0][0] == 'P' && n == 11) {
			veuicc_scp80_keyset ks;
			veuicc_scp80_host h = {0};
			if (keyset(t + 1, &ks) || test_hex_decode(t[7], h.spi, 2) != 2 ||
			    test_hex_decode(t[8], h.tar, 3) != 3 ||
			    test_hex_decode(t[9], h.cntr, 5) != 5)
				goto out;
			size_t pl = test_hex_decode(t[10], a, sizeof(a)), dl;
			if (pl == TEST_HEX_BAD)
				goto out;
			h.kic_ks = h.kid_ks = &ks;
			uint8_t st;
			const uint8_t *d;
			rc = veuicc_scp80_unwrap_por(&h, a, pl, c, sizeof(c), &st, &d, &dl);
			if (rc)
				goto out;
			printf("%02x ", st);
			put(d, dl);
		}
	out:
		if (rc)
			printf("ERR %d", rc);
		putchar('\n');
		fflush(stdout);
	}
	return 0;
}
