/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/download/download_host.py: one persistent card
 * (test mode, T=1) driven by line commands on stdin, answers on stdout
 * (hex). Not a tool.
 *
 *   N PATH        -> OK          new card file PATH (removed first), cold reset
 *   R             -> OK          power cut: free the card, veuicc_card_open(PATH), cold reset
 *   A APDU        -> RAPDU       veuicc_transmit
 *   F K           -> OK          cut the power at the K-th store write point from now
 *   W             -> N           store write points so far
 *   D             -> OK|DEAD     whether the card died (a write failed)
 *   K AID         -> KVN KEYLEN ENC MAC DEK SEQ | NONE   the ISD-P's established key set
 *   C             -> PROFILES ISDPS   veuicc_card_profile_count / isdp_count
 *   M 0|1         -> OK          test mode off / on (veuicc_config.test_mode) from now
 * A failing call prints "ERR <code>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card_io.h"
#include "store/store.h"

#define BUF_MAX 70000

typedef struct io {
	veuicc_card *card;
	char path[1024];
} io;

static int start(io *s)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* plain ES5 / key establishment APDUs (the SM-SR's part) */
	cfg.rng_deterministic = 1;
	cfg.rng_seed = 9;
	int rc = veuicc_card_open(s->path, &cfg, &s->card);
	if (!rc)
		rc = veuicc_reset(s->card, VEUICC_RESET_COLD, NULL, NULL);
	if (!rc)
		rc = veuicc_set_protocol(s->card, VEUICC_PROTO_T1);
	return rc;
}

int main(void)
{
	static io s;
	static char line[2 * BUF_MAX + 64];
	static uint8_t in[BUF_MAX], out[BUF_MAX];
	while (fgets(line, sizeof(line), stdin)) {
		char *tok[4];
		int nt = card_io_split(line, tok, 4);
		if (!nt)
			continue;
		int rc = 0;
		switch (tok[0][0]) {
		case 'N': {
			snprintf(s.path, sizeof(s.path), "%s", nt > 1 ? tok[1] : "");
			char wal[1100];
			unlink(s.path);
			snprintf(wal, sizeof(wal), "%s-wal", s.path);
			unlink(wal);
			rc = start(&s);
			if (!rc)
				puts("OK");
			break;
		}
		case 'R':
			veuicc_card_free(s.card);
			s.card = NULL;
			rc = start(&s);
			if (!rc)
				puts("OK");
			break;
		case 'A':
			rc = card_io_transmit(s.card, nt > 1 ? tok[1] : NULL, in, out, sizeof(out));
			break;
		case 'F':
			if (nt < 2 || !s.card->store) {
				rc = -100;
				break;
			}
			veuicc_store_set_fault(s.card->store, strtoull(tok[1], NULL, 10));
			puts("OK");
			break;
		case 'W':
			printf("%llu\n", (unsigned long long)veuicc_store_writes(s.card->store));
			break;
		case 'M':
			s.card->test_mode = nt > 1 && tok[1][0] == '1';
			puts("OK");
			break;
		case 'D': puts(s.card->dead ? "DEAD" : "OK"); break;
		case 'K': rc = card_io_print_isdp_keyset(s.card, nt > 1 ? tok[1] : NULL); break;
		case 'C':
			printf("%zu %zu\n", veuicc_card_profile_count(s.card),
			       veuicc_card_isdp_count(s.card));
			break;
		default: rc = -99; break;
		}
		if (rc)
			printf("ERR %d\n", rc);
		fflush(stdout);
	}
	veuicc_card_free(s.card);
	return 0;
}
