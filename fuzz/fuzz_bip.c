/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the card's SCP81 session over BIP (src/cat/bip.c) as a
 * hostile terminal and network drive it. A card (fuzz/bip_factory.json,
 * test mode) gets a BIP TERMINAL PROFILE and a plain PUSH (retry counter from
 * byte 0 bits 0-1, a retry delay of 1 s when bit 2), then records
 * [ctl][len][bytes]; ctl & 3:
 *   0  FETCH the pending command, TERMINAL RESPONSE = its details, device
 *      identities, then the bytes (any result and objects)
 *   1  ENVELOPE D6 (D7 when ctl bit 2) with the bytes as its value: events,
 *      timer expiration
 *   2  FETCH, TERMINAL RESPONSE "ok" with the bytes as channel data (36) and
 *      ctl >> 2 as the bytes left (37): the network's bytes to the TLS client
 *   3  FETCH, TERMINAL RESPONSE "ok" with channel status 81 00 and buffer
 *      size 05 DC (a terminal that opens the channel); to GET CHANNEL STATUS
 *      "ok" with channel status 00 00 (no channel open)
 * Invariants: every command gets a status word; a 91xx is followed by a FETCH
 * that returns exactly xx bytes (a D0 object) and 9000.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veuicc/bip.h"
#include "fuzz_files.h"
#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *factory_path(void)
{
	static char path[4096];
	return fuzz_file(path, sizeof(path), "bip_factory.json");
}

static uint16_t xfer(veuicc_card *card, const uint8_t *c, size_t n, uint8_t *r, size_t cap,
                     size_t *rl)
{
	if (veuicc_transmit(card, c, n, r, cap, rl) != VEUICC_OK || *rl < 2 || *rl > cap)
		abort();
	return (uint16_t)(r[*rl - 2] << 8 | r[*rl - 1]);
}

/* FETCH after 91xx: exactly xx bytes, D0, 9000. \returns the length or 0. */
static size_t fetch(veuicc_card *card, uint16_t sw, uint8_t *cmd, size_t cap)
{
	if ((sw >> 8) != 0x91)
		return 0;
	const uint8_t f[5] = {0x80, 0x12, 0x00, 0x00, (uint8_t)sw};
	size_t rl;
	uint16_t s = xfer(card, f, sizeof(f), cmd, cap, &rl);
	if ((sw & 0xFF) == 0 || rl != (sw & 0xFFu) + 2 || cmd[0] != 0xD0 || s != 0x9000)
		abort();
	return rl - 2;
}

/* TERMINAL RESPONSE: the command's details, 82 02 82 81, then \p tail. */
static uint16_t tr(veuicc_card *card, const uint8_t *cmd, const uint8_t *tail, size_t n, uint8_t *r,
                   size_t cap)
{
	uint8_t c[5 + 255];
	size_t h = cmd[1] == 0x81 ? 3 : 2;
	if (n > 255 - 9)
		n = 255 - 9;
	const uint8_t head[] = {0x81, 0x03, cmd[h + 2], cmd[h + 3], cmd[h + 4],
	                        0x82, 0x02, 0x82,       0x81};
	memcpy(c + 5, head, sizeof(head));
	memcpy(c + 5 + sizeof(head), tail, n);
	c[0] = 0x80, c[1] = 0x14, c[2] = c[3] = 0;
	c[4] = (uint8_t)(sizeof(head) + n);
	size_t rl;
	return xfer(card, c, 5 + c[4], r, cap, &rl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r[VEUICC_RAPDU_MAX], cmd[VEUICC_RAPDU_MAX];
	if (size < 1)
		return 0;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.rng_deterministic = 1;
	cfg.test_mode = 1;
	cfg.factory = factory_path();
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card) || veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) ||
	    veuicc_set_protocol(card, VEUICC_PROTO_T1))
		abort();
	uint8_t c[5 + 255];
	size_t rl;
	c[0] = 0x80, c[1] = 0x10, c[2] = c[3] = 0;
	c[4] = (uint8_t)veuicc_bip_term_profile(c + 5, sizeof(c) - 5);
	xfer(card, c, 5u + c[4], r, sizeof(r), &rl);
	static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00,
	                              0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF,
	                              0x89, 0x00, 0x00, 0x01, 0x00, 0x00};
	xfer(card, sel, sizeof(sel), r, sizeof(r), &rl);
	/* PUSH: 84 { bearer, buffer, TCP 127.0.0.1:1 }, 86 { retry counter, delay } */
	uint8_t push[] = {0x80,
	                  0xEC,
	                  0x01,
	                  0x01,
	                  0x22,
	                  0x81,
	                  0x20,
	                  0x83,
	                  0x1E,
	                  0x84,
	                  0x13,
	                  0x35,
	                  0x01,
	                  0x03,
	                  0x39,
	                  0x02,
	                  0x05,
	                  0xDC,
	                  0x3C,
	                  0x03,
	                  0x02,
	                  0x00,
	                  0x01,
	                  0x3E,
	                  0x05,
	                  0x21,
	                  0x7F,
	                  0x00,
	                  0x00,
	                  0x01,
	                  0x86,
	                  0x07,
	                  0x00,
	                  (uint8_t)(data[0] & 3),
	                  0xA5,
	                  0x03,
	                  0x00,
	                  0x00,
	                  (uint8_t)(data[0] & 4 ? 0x10 : 0x00)};
	uint16_t sw = xfer(card, push, sizeof(push), r, sizeof(r), &rl);
	size_t pos = 1;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos];
		size_t len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		const uint8_t *d = data + pos;
		pos += len;
		switch (ctl & 3) {
		case 0: {
			size_t n = fetch(card, sw, cmd, sizeof(cmd));
			if (n)
				sw = tr(card, cmd, d, len, r, sizeof(r));
			break;
		}
		case 1: {
			size_t n = len > 250 ? 250 : len;
			c[0] = 0x80, c[1] = 0xC2, c[2] = c[3] = 0;
			c[4] = (uint8_t)(2 + n);
			c[5] = (ctl & 4) ? 0xD7 : 0xD6; /* timer expiration or event */
			c[6] = (uint8_t)(n < 0x80 ? n : 0x7F);
			memcpy(c + 7, d, c[6]);
			c[4] = (uint8_t)(2 + c[6]);
			sw = xfer(card, c, 5u + c[4], r, sizeof(r), &rl);
			break;
		}
		case 2: {
			size_t n = fetch(card, sw, cmd, sizeof(cmd));
			if (!n)
				break;
			uint8_t t[16 + 237];
			size_t m = len > 237 ? 237 : len, k = 0;
			t[k++] = 0x83, t[k++] = 1, t[k++] = 0x00;
			t[k++] = 0x36;
			if (m >= 0x80)
				t[k++] = 0x81;
			t[k++] = (uint8_t)m;
			memcpy(t + k, d, m);
			k += m;
			t[k++] = 0x37, t[k++] = 1, t[k++] = (uint8_t)(ctl >> 2);
			sw = tr(card, cmd, t, k, r, sizeof(r));
			break;
		}
		default: {
			size_t n = fetch(card, sw, cmd, sizeof(cmd));
			static const uint8_t ok[] = {0x83, 0x01, 0x00, 0x38, 0x02, 0x81, 0x00,
			                             0x35, 0x01, 0x03, 0x39, 0x02, 0x05, 0xDC};
			static const uint8_t none[] = {0x83, 0x01, 0x00, 0x38, 0x02, 0x00, 0x00};
			size_t h = n && cmd[1] == 0x81 ? 3 : 2;
			if (n && n > h + 3 &&
			    cmd[h + 3] == 0x44) /* GET CHANNEL STATUS: none open */
				sw = tr(card, cmd, none, sizeof(none), r, sizeof(r));
			else if (n)
				sw = tr(card, cmd, ok, sizeof(ok), r, sizeof(r));
			break;
		}
		}
	}
	veuicc_card_free(card);
	return 0;
}
