/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: ATR parsing (a configured ATR is outside input), and a
 * card created with every ATR the parser accepts. */
#include <stdint.h>
#include <stdlib.h>

#include "apdu/atr.h"
#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	veuicc_atr_info info;
	if (veuicc_atr_parse(data, size, &info) != VEUICC_OK)
		return 0;
	if (info.hist_off + info.hist_len > size)
		abort();
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.atr = data;
	cfg.atr_len = size;
	cfg.rng_deterministic = 1;
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card) != VEUICC_OK)
		return 0; /* e.g. neither T=0 nor T=1 offered */
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n;
	if (veuicc_reset(card, VEUICC_RESET_COLD, atr, &n) || n != size)
		abort();
	veuicc_card_free(card);
	return 0;
}
