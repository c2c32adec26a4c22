/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver for envelope_oracle.py: a card personalised from the factory
 * file argv[1], T=1; every stdin line is a C-APDU in hex, answered on stdout
 * by the R-APDU in hex.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "veuicc/veuicc.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FACTORY.json\n", argv[0]);
		return 2;
	}
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = argv[1];
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card) || veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) ||
	    veuicc_set_protocol(card, VEUICC_PROTO_T1))
		return 1;
	static char line[2 * VEUICC_CAPDU_MAX + 4];
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX];
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = 0;
		unsigned v;
		for (const char *p = line; n < sizeof(c) && sscanf(p, "%2x", &v) == 1; p += 2)
			c[n++] = (uint8_t)v;
		size_t rl = 0;
		if (veuicc_transmit(card, c, n, r, sizeof(r), &rl))
			return 1;
		for (size_t i = 0; i < rl; i++)
			printf("%02X", r[i]);
		printf("\n");
		fflush(stdout);
	}
	veuicc_card_free(card);
	return 0;
}
