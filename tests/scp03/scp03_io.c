/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/scp03/host.py: one card-side SCP03 context driven by
 * line commands on stdin, answers on stdout (hex). Not a tool.
 *
 *   K KVN KEYLEN ENC MAC DEK SEQ  -> OK        (add/replace a key set; hex)
 *   C P|R AID KDD                 -> OK        (new context: pseudo-random / random)
 *   I APDU                        -> SW RSP|-  (INITIALIZE UPDATE)
 *   E APDU                        -> SW        (EXTERNAL AUTHENTICATE)
 *   U APDU                        -> SW PLAIN|-
 *   W RAPDU                       -> WRAPPED
 *   R                             -> OK        (reset / deselect)
 *   Q KVN                         -> SEQ STATE LEVEL (hex)
 * A failing API call prints "ERR <code>".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hex.h"
#include "scp/scp03.h"

#define MAX_KS  16
#define BUF_MAX 70000

typedef struct io {
	veuicc_scp03_keyset ks[MAX_KS];
	int nks;
	veuicc_scp03_ctx ctx;
	uint64_t rng;
} io;

static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	io *s = arg;
	for (int i = 0; i < s->nks; i++)
		if (kvn == 0 || s->ks[i].kvn == kvn)
			return &s->ks[i];
	return NULL;
}

/* xorshift64: test determinism only, not a card RNG. */
static int rng(void *arg, unsigned char *buf, size_t len)
{
	io *s = arg;
	for (size_t i = 0; i < len; i++) {
		s->rng ^= s->rng << 13;
		s->rng ^= s->rng >> 7;
		s->rng ^= s->rng << 17;
		buf[i] = (unsigned char)s->rng;
	}
	return 0;
}

int main(void)
{
	static io s;
	static char line[2 * BUF_MAX + 64];
	static uint8_t in[BUF_MAX], out[BUF_MAX];
	s.rng = 0x9E3779B97F4A7C15u;
	while (fgets(line, sizeof(line), stdin)) {
		char *tok[8];
		int nt = 0;
		for (char *t = strtok(line, " \n"); t && nt < 8; t = strtok(NULL, " \n"))
			tok[nt++] = t;
		if (!nt)
			continue;
		bool apdu = strchr("IEUW", tok[0][0]) != NULL;
		size_t n = apdu && nt > 1 ? test_hex_decode(tok[1], in, sizeof(in)) : 0;
		if (n == TEST_HEX_BAD) {
			puts("ERR hex");
			fflush(stdout);
			continue;
		}
		size_t ol = 0;
		uint16_t sw = 0;
		int rc = 0;
		switch (tok[0][0]) {
		case 'K': {
			if (nt != 7) {
				rc = -100;
				break;
			}
			veuicc_scp03_keyset k = {0};
			k.kvn = (uint8_t)strtoul(tok[1], NULL, 16);
			k.key_len = (uint8_t)strtoul(tok[2], NULL, 16);
			test_hex_decode(tok[3], k.enc, sizeof(k.enc));
			test_hex_decode(tok[4], k.mac, sizeof(k.mac));
			test_hex_decode(tok[5], k.dek, sizeof(k.dek));
			k.seq_counter = (uint32_t)strtoul(tok[6], NULL, 16);
			veuicc_scp03_keyset *e = NULL;
			for (int i = 0; i < s.nks; i++)
				if (s.ks[i].kvn == k.kvn)
					e = &s.ks[i];
			if (!e && s.nks < MAX_KS)
				e = &s.ks[s.nks++];
			if (e)
				*e = k;
			puts(e ? "OK" : "ERR full");
			break;
		}
		case 'C': {
			uint8_t aid[16], kdd[10] = {0};
			size_t al = nt > 2 ? test_hex_decode(tok[2], aid, sizeof(aid)) : 0;
			if (nt > 3)
				test_hex_decode(tok[3], kdd, sizeof(kdd));
			veuicc_scp03_cfg cfg = {.sd_aid = aid,
			                        .sd_aid_len = al == TEST_HEX_BAD ? 0 : al,
			                        .random_challenge = tok[1][0] == 'R',
			                        .rng = rng,
			                        .rng_arg = &s};
			memcpy(cfg.kdd, kdd, sizeof(kdd));
			rc = veuicc_scp03_init(&s.ctx, &cfg);
			if (!rc)
				puts("OK");
			break;
		}
		case 'I':
			rc = veuicc_scp03_initialize_update(&s.ctx, lookup, &s, in, n, out,
			                                    sizeof(out), &ol, &sw);
			if (!rc) {
				printf("%04x ", sw);
				test_hex_print(out, ol);
				putchar('\n');
			}
			break;
		case 'E':
			rc = veuicc_scp03_external_authenticate(&s.ctx, in, n, &sw);
			if (!rc)
				printf("%04x\n", sw);
			break;
		case 'U':
			rc = veuicc_scp03_unwrap(&s.ctx, in, n, out, sizeof(out), &ol, &sw);
			if (!rc) {
				printf("%04x ", sw);
				test_hex_print(out, ol);
				putchar('\n');
			}
			break;
		case 'W':
			rc = veuicc_scp03_wrap(&s.ctx, in, n, out, sizeof(out), &ol);
			if (!rc) {
				test_hex_print(out, ol);
				putchar('\n');
			}
			break;
		case 'R':
			veuicc_scp03_reset(&s.ctx);
			puts("OK");
			break;
		case 'Q': {
			veuicc_scp03_keyset *k = lookup(&s, (uint8_t)strtoul(tok[1], NULL, 16));
			printf("%06x %d %02x\n", k ? (unsigned)k->seq_counter : 0u, s.ctx.state,
			       s.ctx.level);
			break;
		}
		default: rc = -100;
		}
		if (rc)
			printf("ERR %d\n", rc);
		fflush(stdout);
	}
	return 0;
}
