/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/scp03/sd_host.py: a whole virtual eUICC (public
 * API) driven by line commands on stdin, answers on stdout (hex). Not a tool.
 *
 *   N FACTORY STATE TESTMODE  -> OK      (open the card file STATE, made from
 *                                         FACTORY if new; cold reset, T=1)
 *   T APDU                    -> RAPDU   (61xx answered by GET RESPONSE)
 *   O                         -> OK      (free the card, open STATE again)
 * A failing call prints "ERR <code>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hex.h"
#include "veuicc/veuicc.h"

#define BUF_MAX 70000

typedef struct io {
	veuicc_card *card;
	char state[1024];
	int test_mode;
} io;

static int open_card(io *s, const char *factory)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	cfg.test_mode = s->test_mode;
	cfg.rng_deterministic = 1;
	int rc = veuicc_card_open(s->state, &cfg, &s->card);
	if (!rc)
		rc = veuicc_reset(s->card, VEUICC_RESET_COLD, NULL, NULL);
	if (!rc)
		rc = veuicc_set_protocol(s->card, VEUICC_PROTO_T1);
	return rc;
}

static int transmit(io *s, const uint8_t *c, size_t cl, uint8_t *r, size_t *rl)
{
	int rc = veuicc_transmit(s->card, c, cl, r, BUF_MAX, rl);
	if (rc || *rl != 2 || r[0] != 0x61)
		return rc;
	/* T=1 without Le: fetch the data on the same channel (ISO 7816-4 §5.3.4) */
	uint8_t cla = (c[0] & 0x40) ? (uint8_t)(0x40 | (c[0] & 0x0F)) : (uint8_t)(c[0] & 0x03);
	uint8_t gr[5] = {cla, 0xC0, 0x00, 0x00, r[1]};
	return veuicc_transmit(s->card, gr, 5, r, BUF_MAX, rl);
}

int main(void)
{
	static char line[2 * BUF_MAX + 64];
	static uint8_t c[BUF_MAX], r[BUF_MAX];
	io s = {0};
	char factory[1024] = "";
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		int rc = 0;
		if (line[0] == 'N') {
			if (sscanf(line + 2, "%1023s %1023s %d", factory, s.state, &s.test_mode) !=
			    3)
				rc = VEUICC_ERR_INVALID_ARG;
			else
				rc = open_card(&s, factory);
			if (!rc)
				puts("OK");
		} else if (line[0] == 'O') {
			veuicc_card_free(s.card);
			s.card = NULL;
			rc = open_card(&s, factory);
			if (!rc)
				puts("OK");
		} else if (line[0] == 'T') {
			size_t cl = test_hex_decode(line + 2, c, sizeof(c)), rl = 0;
			if (cl == TEST_HEX_BAD)
				rc = VEUICC_ERR_INVALID_ARG;
			else
				rc = transmit(&s, c, cl, r, &rl);
			if (!rc) {
				for (size_t i = 0; i < rl; i++)
					printf("%02x", r[i]);
				putchar('\n');
			}
		} else {
			rc = VEUICC_ERR_INVALID_ARG;
		}
		if (rc)
			printf("ERR %d\n", rc);
		fflush(stdout);
	}
	veuicc_card_free(s.card);
	return 0;
}
