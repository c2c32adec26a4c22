/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the applet runtime (docs/applets.md) of one card with
 * the built-in ARA-M and STK menu installed (card level), the ARA-M selected
 * on channel 1, a TERMINAL PROFILE offering the menu. Input: records
 * [ctl][len][len bytes]; ctl & 7 says what the bytes are:
 *   0  a whole C-APDU (GP INSTALL/LOAD/DELETE/GET STATUS on the ISD-R, ...)
 *   1  STORE DATA 81 E2 90 00 to the ARA-M
 *   2  ENVELOPE data (MENU SELECTION D3 ...)
 *   3  a card-file record applet/state given to the loader
 *   4  save the runtime's record and load it again: must succeed
 *   5  GET DATA 81 CA P1 P2 (bytes 0-1) to the ARA-M
 *   6  a warm reset, channel 1 and the ARA-M again
 *   7  FETCH + TERMINAL RESPONSE of whatever is pending
 * Invariants: every command gets a status word; a record saved loads again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet/runtime.h"
#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t xfer(veuicc_card *card, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
	size_t rl = 0;
	if (veuicc_transmit(card, c, n, r, cap, &rl) != VEUICC_OK || rl < 2 || rl > cap)
		abort();
	return rl;
}

static void hex_xfer(veuicc_card *card, const char *hex, uint8_t *r, size_t cap)
{
	uint8_t c[300];
	size_t n = 0;
	for (const char *p = hex; p[0] && p[1]; p += 2) {
		unsigned v;
		if (sscanf(p, "%2x", &v) != 1)
			abort();
		c[n++] = (uint8_t)v;
	}
	xfer(card, c, n, r, cap);
}

static void log_none(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static const char *const setup[] = {
    "00A4040C10A0000005591010FFFFFFFF8900000100",
    "80E602000D08F0766575696363010000000000",
    "80E8800006C404CAFEBABE00",
    "80E60C002308F07665756963630109F0766575696363010109A00000015141434C00010002C9000000",
    "80E602000D08F0766575696363020000000000",
    "80E8800006C404CAFEBABE00",
    "80E60C006108F07665756963630209F0766575696363020"
    "10AF0766575696363020101"
    "01003FC92E8006766575696363A0108004496E666F81010182054869212121A0128003534D5381010282"
    "024F4B830404912143EA0D800B01001002010502060000000000",
    "0070000001",
    "01A4040009A00000015141434C00",
    "801000000401000122",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	cfg.rng_deterministic = 1;
	veuicc_card *card = NULL;
	if (veuicc_card_new(&cfg, &card) != VEUICC_OK)
		abort();
	veuicc_set_log(card, log_none, NULL);
	static uint8_t r[VEUICC_RAPDU_MAX], c[300];
	if (veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) ||
	    veuicc_set_protocol(card, VEUICC_PROTO_T1))
		abort();
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		hex_xfer(card, setup[i], r, sizeof(r));
	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos], len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		const uint8_t *d = data + pos;
		pos += len;
		size_t n = 0;
		switch (ctl & 7) {
		case 0: xfer(card, d, len, r, sizeof(r)); break;
		case 1:
		case 2:
			c[n++] = ctl & 1 ? 0x81 : 0x80;
			c[n++] = ctl & 1 ? 0xE2 : 0xC2;
			c[n++] = ctl & 1 ? 0x90 : 0x00;
			c[n++] = 0x00;
			c[n++] = len;
			memcpy(c + n, d, len);
			n += len;
			c[n++] = 0x00;
			xfer(card, c, len ? n : 4, r, sizeof(r));
			break;
		case 3: (void)veuicc_applets_load(card, d, len); break;
		case 4: {
			uint8_t *rec = NULL;
			size_t rl = 0;
			if (veuicc_applets_save(card, &rec, &rl))
				abort();
			if (rec && veuicc_applets_load(card, rec, rl))
				abort();
			free(rec);
			break;
		}
		case 5: {
			const uint8_t g[5] = {0x81, 0xCA, len > 0 ? d[0] : 0xFF,
			                      len > 1 ? d[1] : 0x40, 0x00};
			xfer(card, g, 5, r, sizeof(r));
			break;
		}
		case 6:
			if (veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL) ||
			    veuicc_set_protocol(card, VEUICC_PROTO_T1))
				abort();
			hex_xfer(card, "0070000001", r, sizeof(r));
			hex_xfer(card, "01A4040009A00000015141434C00", r, sizeof(r));
			break;
		default: {
			static const uint8_t fetch[5] = {0x80, 0x12, 0x00, 0x00, 0x00};
			size_t fl = xfer(card, fetch, 5, r, sizeof(r));
			if (fl > 7 && r[0] == 0xD0) {
				/* command details are the first object (81 03 nn type qual) */
				size_t h = r[1] == 0x81 ? 3 : 2;
				uint8_t tr[17] = {0x80, 0x14,     0x00,     0x00,     0x0C, 0x81,
				                  0x03, r[h + 2], r[h + 3], r[h + 4], 0x82, 0x02,
				                  0x82, 0x81,     0x83,     0x01,     0x00};
				xfer(card, tr, sizeof(tr), r, sizeof(r));
			}
			break;
		}
		}
	}
	veuicc_card_free(card);
	return 0;
}
