/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a session of C-APDUs against one card.
 * Input: a sequence of records [ctl][len][len bytes]; ctl bit 0 selects T=1,
 * bit 1 a warm reset before the command, bit 2 a 1-byte response buffer
 * (exercises the buffer-too-small path). Every command must get a status
 * word and the card must keep working.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r[VEUICC_RAPDU_MAX];
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.rng_deterministic = 1;
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card) || veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL))
		abort();
	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos];
		size_t len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (ctl & 2)
			veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL);
		veuicc_set_protocol(card, (ctl & 1) ? VEUICC_PROTO_T1 : VEUICC_PROTO_T0);
		size_t rl = 0;
		int rc = veuicc_transmit(card, data + pos, len, r, (ctl & 4) ? 1 : sizeof(r), &rl);
		if (ctl & 4) {
			if (rc != VEUICC_ERR_BUFFER_TOO_SMALL)
				abort();
		} else if (rc != VEUICC_OK || rl < 2 || rl > sizeof(r)) {
			abort();
		}
		pos += len;
	}
	veuicc_card_free(card);
	return 0;
}
