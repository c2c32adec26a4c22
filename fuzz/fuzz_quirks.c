/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: quirk specs (docs/quirks.md) and a session of C-APDUs on
 * a card with the TS.48 profile running with those quirks.
 * Input: spec text up to the first NUL, then records [ctl][len][len bytes]
 * as fuzz_apdu (ctl bit 0: T=1, bit 1: warm reset first).
 * Checks: a spec that parses formats and parses back to the same quirks; the
 * card takes them; its ATR is well formed; every command gets a status word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/atr.h"
#include "saip/saip.h"
#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r[VEUICC_RAPDU_MAX];
	static veuicc_card *card; /* one card for the run: installing a profile is slow */
	if (!card) {
		veuicc_config cfg;
		veuicc_config_init(&cfg);
		cfg.rng_deterministic = 1;
		cfg.profile = veuicc_saip_default_profile(&cfg.profile_len);
		if (veuicc_card_new(&cfg, &card))
			abort();
	}
	const uint8_t *nul = memchr(data, 0, size);
	size_t sl = nul ? (size_t)(nul - data) : size;
	char spec[256];
	if (sl >= sizeof(spec))
		sl = sizeof(spec) - 1;
	memcpy(spec, data, sl);
	spec[sl] = '\0';
	veuicc_quirks q = {0}, back = {0};
	char msg[200], text[256];
	if (veuicc_quirks_parse(spec, &q, msg, sizeof(msg)) != VEUICC_OK)
		memset(&q, 0, sizeof(q));
	if (veuicc_quirks_format(&q, text, sizeof(text)) != VEUICC_OK ||
	    veuicc_quirks_parse(text, &back, msg, sizeof(msg)) != VEUICC_OK ||
	    memcmp(&q, &back, sizeof(q)) != 0)
		abort();
	if (veuicc_card_set_quirks(card, &q) != VEUICC_OK)
		abort();
	uint8_t atr[VEUICC_ATR_MAX];
	size_t al = 0;
	if (veuicc_reset(card, VEUICC_RESET_COLD, atr, &al) || veuicc_atr_parse(atr, al, NULL))
		abort();
	size_t pos = nul ? sl + 1 : size;
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
		if (veuicc_transmit(card, data + pos, len, r, sizeof(r), &rl) != VEUICC_OK ||
		    rl < 2)
			abort();
		pos += len;
	}
	return 0;
}
