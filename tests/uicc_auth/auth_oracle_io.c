/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/uicc_auth/oracle.py: reads one request per line on
 * stdin, runs src/uicc/auth on it and prints the outputs as hex on stdout,
 * so that the python oracle can recompute them independently. Not a tool:
 * no options, no error recovery beyond printing "ERR".
 *
 *   M K OPC RAND SQN AMF R5 C80   -> MAC-A MAC-S RES CK IK AK AK*
 *   O K OP                        -> OPC
 *   X K RAND SQN AMF RESLEN       -> MAC RES CK IK AK
 *   A ALG K OPC R5 C80 RESLEN SEQ RAND AUTN
 *                                 -> OK RES CK IK KC | MAC | SYNC AUTS
 *   G ALG K OPC R5 C80 RESLEN RAND -> SRES KC
 *   S A|B HNPUB EPHPRIV INPUT     -> SCHEME-OUTPUT
 * ALG is M (MILENAGE) or X (test algorithm); OPC, R5, C80 are '-' for X.
 * SEQ (hex) is the initial value of every SQN array entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hex.h"
#include "uicc/auth/auth.h"
#include "uicc/auth/milenage.h"
#include "uicc/auth/suci.h"
#include "uicc/auth/testalg.h"

#define MAX_TOK 12

/* 0 bytes for bad hex: callers check the length they expect. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = test_hex_decode(h, out, cap);
	return n == TEST_HEX_BAD ? 0 : n;
}

static void put(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar(' ');
}

/* Fill \p p from the ALG K OPC R5 C80 RESLEN tokens. */
static int params(char **t, veuicc_aka_params *p)
{
	uint8_t k[16], opc[16], r5[5], c80[80];
	if (unhex(t[1], k, 16) != 16)
		return -1;
	if (t[0][0] == 'X')
		return veuicc_aka_params_testalg(p, k, (uint8_t)atoi(t[5]));
	veuicc_milenage_cfg cfg;
	if (unhex(t[2], opc, 16) != 16 || unhex(t[3], r5, 5) != 5 || unhex(t[4], c80, 80) != 80 ||
	    veuicc_milenage_cfg_from_saip(&cfg, r5, c80))
		return -1;
	return veuicc_aka_params_milenage(p, k, opc, &cfg);
}

/* RNG: the ephemeral key first, then a fixed stream for blinding. */
typedef struct eph_rng {
	const uint8_t *key;
	int calls;
	uint32_t x;
} eph_rng;

static int eph_rng_fn(void *ctx, unsigned char *out, size_t len)
{
	eph_rng *e = ctx;
	if (e->calls++ == 0) {
		if (len != 32)
			return -1;
		memcpy(out, e->key, 32);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		e->x = e->x * 1103515245u + 12345u;
		out[i] = (uint8_t)(e->x >> 16);
	}
	return 0;
}

static int run(char **t, int n)
{
	uint8_t a[80], b[80], c[80], d[80], e[80];
	switch (t[0][0]) {
	case 'O':
		if (n != 3 || unhex(t[1], a, 16) != 16 || unhex(t[2], b, 16) != 16 ||
		    veuicc_milenage_opc(a, b, c))
			return -1;
		put(c, 16);
		return 0;
	case 'M': {
		uint8_t r5[5], c80[80], out[80];
		veuicc_milenage_cfg cfg;
		veuicc_milenage_ctx ctx;
		if (n != 8 || unhex(t[1], a, 16) != 16 || unhex(t[2], b, 16) != 16 ||
		    unhex(t[3], c, 16) != 16 || unhex(t[4], d, 6) != 6 || unhex(t[5], e, 2) != 2 ||
		    unhex(t[6], r5, 5) != 5 || unhex(t[7], c80, 80) != 80 ||
		    veuicc_milenage_cfg_from_saip(&cfg, r5, c80) ||
		    veuicc_milenage_start(&ctx, &cfg, a, b, c))
			return -1;
		int rc =
		    veuicc_milenage_f1(&ctx, d, e, out, out + 8) ||
		    veuicc_milenage_f2345(&ctx, out + 16, out + 24, out + 40, out + 56, out + 62);
		veuicc_milenage_end(&ctx);
		if (rc)
			return -1;
		put(out, 8), put(out + 8, 8), put(out + 16, 8), put(out + 24, 16);
		put(out + 40, 16), put(out + 56, 6), put(out + 62, 6);
		return 0;
	}
	case 'X': {
		uint8_t mac[8], res[16], ck[16], ik[16], ak[6];
		int rl = n == 6 ? atoi(t[5]) : 0;
		if (n != 6 || unhex(t[1], a, 16) != 16 || unhex(t[2], b, 16) != 16 ||
		    unhex(t[3], c, 6) != 6 || unhex(t[4], d, 2) != 2 ||
		    veuicc_testalg_f1(a, b, c, d, mac) ||
		    veuicc_testalg_f2345(a, b, res, (size_t)rl, ck, ik, ak))
			return -1;
		put(mac, 8), put(res, (size_t)rl), put(ck, 16), put(ik, 16), put(ak, 6);
		return 0;
	}
	case 'A': {
		veuicc_aka_params p;
		veuicc_aka_sqn_state st;
		veuicc_aka_result r;
		if (n != 10 || params(t + 1, &p) || unhex(t[8], a, 16) != 16 ||
		    unhex(t[9], b, 16) != 16)
			return -1;
		uint64_t seq = strtoull(t[7], NULL, 16), init[VEUICC_AKA_SQN_ARRAY_MAX];
		for (int i = 0; i < VEUICC_AKA_SQN_ARRAY_MAX; i++)
			init[i] = seq;
		if (veuicc_aka_sqn_state_init(&st, init, VEUICC_AKA_SQN_ARRAY_MAX) ||
		    veuicc_aka_authenticate(&p, &st, a, b, &r))
			return -1;
		if (r.outcome == VEUICC_AKA_SUCCESS) {
			printf("OK ");
			put(r.res, r.res_len), put(r.ck, r.ck_len), put(r.ik, r.ik_len);
			put(r.kc, 8);
		} else if (r.outcome == VEUICC_AKA_MAC_FAILURE) {
			printf("MAC ");
		} else {
			printf("SYNC ");
			put(r.auts, 14);
		}
		veuicc_aka_params_clear(&p);
		return 0;
	}
	case 'G': {
		veuicc_aka_params p;
		uint8_t sres[4], kc[8];
		if (n != 8 || params(t + 1, &p) || unhex(t[7], a, 16) != 16 ||
		    veuicc_aka_gsm(&p, a, sres, kc))
			return -1;
		put(sres, 4), put(kc, 8);
		return 0;
	}
	case 'S': {
		uint8_t pub[65], key[32], in[64], out[128];
		size_t pl, il, ol;
		eph_rng rng = {key, 0, 1};
		if (n != 5 || !(pl = unhex(t[2], pub, sizeof(pub))) || unhex(t[3], key, 32) != 32 ||
		    !(il = unhex(t[4], in, sizeof(in))))
			return -1;
		if (veuicc_suci_scheme_output(
		        t[1][0] == 'A' ? VEUICC_SUCI_PROFILE_A : VEUICC_SUCI_PROFILE_B, pub, pl, in,
		        il, eph_rng_fn, &rng, out, sizeof(out), &ol))
			return -1;
		put(out, ol);
		return 0;
	}
	}
	return -1;
}

int main(void)
{
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		char *t[MAX_TOK];
		int n = 0;
		for (char *s = strtok(line, " \t\r\n"); s && n < MAX_TOK;
		     s = strtok(NULL, " \t\r\n"))
			t[n++] = s;
		if (n == 0)
			continue;
		if (run(t, n))
			printf("ERR");
		putchar('\n');
		fflush(stdout);
	}
	return 0;
}
