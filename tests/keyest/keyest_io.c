/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/keyest/smdp_oracle.py: one card driven by line
 * commands on stdin, answers on stdout (hex). Not a tool.
 *
 *   N [PATH]                      -> OK     new card (test mode), T=1; PATH: a card file
 *   F PATH FACTORY                -> OK     card file PATH made from FACTORY (json), opened
 *   S                             -> TYPE:KVN:KEY1:KEY2:KEY3 ...        the ISD-R key sets
 *   R                             -> OK     free the card and open PATH again
 *   P                             -> OK     cold reset (power cycle), T=1
 *   I CURVE SK CERT CI...         -> OK     personalise the ECASD (CI: curve byte ‖ point)
 *   O FLAGS                       -> OK     veuicc_keyest_set_options (hex)
 *   A APDU                        -> RAPDU  veuicc_transmit
 *   K AID                         -> KVN KEYLEN ENC MAC DEK SEQ | NONE   the ISD-P key set
 *   U AID APDU                    -> SW RSP|-   INITIALIZE UPDATE with the ISD-P key set
 *   E APDU                        -> SW         EXTERNAL AUTHENTICATE
 * A failing call prints "ERR <code>".
 *
 * U/E run the card-side SCP03 module (src/scp/scp03.c) on the key set the
 * card holds for the ISD-P, because the ISD-P's own secure channel is wired
 * on another branch: this proves the stored keys open a session with the
 * keys the oracle derived.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_io.h"
#include "euicc/ecasd.h"
#include "scp/scp03.h"

#define BUF_MAX 8192

typedef struct io {
	veuicc_card *card;
	char path[1024];
	uint8_t aid[16];
	size_t aid_len;
	veuicc_scp03_ctx ctx;
} io;

static int start(io *s)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* plain ES5/ES8 */
	int rc = s->path[0] ? veuicc_card_open(s->path, &cfg, &s->card)
	                    : veuicc_card_new(&cfg, &s->card);
	if (!rc)
		rc = veuicc_reset(s->card, VEUICC_RESET_COLD, NULL, NULL);
	if (!rc)
		rc = veuicc_set_protocol(s->card, VEUICC_PROTO_T1);
	return rc;
}

static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	io *s = arg;
	veuicc_scp03_keyset *k = veuicc_isdp_keyset(s->card, s->aid, s->aid_len);
	return k && (kvn == 0 || kvn == k->kvn) ? k : NULL;
}

static int personalise(io *s, char **tok, int nt)
{
	static uint8_t sk[32], cert[1024];
	veuicc_cert_pubkey ci[4];
	if (nt < 5 || nt - 4 > 4)
		return -100;
	size_t skl = test_hex_decode(tok[2], sk, sizeof(sk)),
	       cl = test_hex_decode(tok[3], cert, sizeof(cert));
	if (skl != 32 || cl == TEST_HEX_BAD)
		return -101;
	for (int i = 4; i < nt; i++) {
		uint8_t b[1 + VEUICC_CERT_POINT_LEN];
		if (test_hex_decode(tok[i], b, sizeof(b)) != sizeof(b))
			return -102;
		ci[i - 4].curve = b[0];
		memcpy(ci[i - 4].point, b + 1, VEUICC_CERT_POINT_LEN);
	}
	veuicc_ecasd_identity id = {
	    .curve = (uint8_t)strtoul(tok[1], NULL, 16),
	    .sk = sk,
	    .sk_len = 32,
	    .cert = cert,
	    .cert_len = cl,
	    .ci = ci,
	    .ci_count = (size_t)(nt - 4),
	};
	return veuicc_ecasd_set_identity(veuicc_ecasd_of(s->card), &id);
}

int main(void)
{
	static io s;
	static char line[2 * BUF_MAX + 64];
	static uint8_t in[BUF_MAX], out[BUF_MAX];
	while (fgets(line, sizeof(line), stdin)) {
		char *tok[8];
		int nt = card_io_split(line, tok, 8);
		if (!nt)
			continue;
		int rc = 0;
		size_t n, ol = 0;
		uint16_t sw = 0;
		switch (tok[0][0]) {
		case 'N':
			snprintf(s.path, sizeof(s.path), "%s", nt > 1 ? tok[1] : "");
			rc = start(&s);
			break;
		case 'F': {
			char msg[256];
			snprintf(s.path, sizeof(s.path), "%s", nt > 2 ? tok[1] : "");
			rc = nt > 2 ? veuicc_card_create(tok[1], tok[2], msg, sizeof(msg)) : -100;
			if (!rc)
				rc = start(&s);
			break;
		}
		case 'S': {
			size_t nk = veuicc_card_keyset_count(s.card);
			for (size_t i = 0; i < nk; i++) {
				veuicc_keyset k;
				if (veuicc_card_keyset(s.card, i, &k) != VEUICC_OK)
					continue;
				printf("%s%d:%02x:", i ? " " : "", (int)k.type, k.kvn);
				test_hex_print(k.key1, k.key1_len);
				putchar(':');
				test_hex_print(k.key2, k.key2_len);
				putchar(':');
				test_hex_print(k.key3, k.key3_len);
			}
			puts(nk ? "" : "NONE");
			break;
		}
		case 'R':
			veuicc_card_free(s.card);
			s.card = NULL;
			rc = start(&s);
			break;
		case 'P':
			rc = veuicc_reset(s.card, VEUICC_RESET_COLD, NULL, NULL);
			if (!rc)
				rc = veuicc_set_protocol(s.card, VEUICC_PROTO_T1);
			break;
		case 'I': rc = personalise(&s, tok, nt); break;
		case 'O':
			rc = veuicc_keyest_set_options(s.card, (unsigned)strtoul(tok[1], NULL, 16));
			break;
		case 'A':
			rc = card_io_transmit(s.card, nt > 1 ? tok[1] : NULL, in, out, sizeof(out));
			break;
		case 'K': rc = card_io_print_isdp_keyset(s.card, nt > 1 ? tok[1] : NULL); break;
		case 'U': {
			size_t al =
			    nt > 2 ? test_hex_decode(tok[1], s.aid, sizeof(s.aid)) : TEST_HEX_BAD;
			n = nt > 2 ? test_hex_decode(tok[2], in, sizeof(in)) : TEST_HEX_BAD;
			if (al == TEST_HEX_BAD || n == TEST_HEX_BAD) {
				rc = -100;
				break;
			}
			s.aid_len = al;
			/* SCP03 i = 70: pseudo-random card challenge (digest §4.2) */
			veuicc_scp03_cfg cfg = {.sd_aid = s.aid, .sd_aid_len = al};
			rc = veuicc_scp03_init(&s.ctx, &cfg);
			if (!rc)
				rc = veuicc_scp03_initialize_update(&s.ctx, lookup, &s, in, n, out,
				                                    sizeof(out), &ol, &sw);
			if (!rc) {
				printf("%04x ", sw);
				test_hex_print(out, ol);
				putchar('\n');
			}
			break;
		}
		case 'E':
			n = nt > 1 ? test_hex_decode(tok[1], in, sizeof(in)) : TEST_HEX_BAD;
			if (n == TEST_HEX_BAD) {
				rc = -100;
				break;
			}
			rc = veuicc_scp03_external_authenticate(&s.ctx, in, n, &sw);
			if (!rc)
				printf("%04x\n", sw);
			break;
		default: rc = -99; break;
		}
		if (rc)
			printf("ERR %d\n", rc);
		else if (strchr("NFRPIO", tok[0][0]))
			puts("OK");
		fflush(stdout);
	}
	veuicc_card_free(s.card);
	return 0;
}
