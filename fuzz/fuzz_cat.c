/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the CAT layer of one card (docs/cat.md). Input: records
 * [ctl][len][len bytes]; ctl & 7 says what the bytes are:
 *   0  a whole C-APDU
 *   1  an SMS-DELIVER TPDU, sent in an SMS-PP download ENVELOPE
 *   2  a UDH and UD: an SMS-DELIVER around them, then the ENVELOPE (reaches
 *      the concatenation rules without guessing the TPDU framing)
 *   3  TERMINAL RESPONSE data
 *   4  TERMINAL PROFILE data
 *   5  a profile switch as the switch code reports it (REFRESH if allowed)
 *   6  a warm reset (bytes ignored)
 *   7  a PoR (bytes after 02 71 00) queued as SEND SHORT MESSAGE(s)
 * ctl bit 3 selects T=1. Invariants: every command gets a status word; a
 * 91xx is followed by a FETCH that returns exactly xx bytes and 9000.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cat/proactive.h"
#include "cat/sms.h"
#include "fuzz_files.h"
#include "veuicc/veuicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz/cat_factory.json beside this file: factory/default.json's profile
 * (Fall-Back, so REFRESH can be queued) and ISD-R SCP80 keys, without the
 * certificates (whose checks would slow every run down) */
static const char *factory_path(void)
{
	static char path[4096];
	return fuzz_file(path, sizeof(path), "cat_factory.json");
}

static size_t xfer(veuicc_card *card, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
	size_t rl = 0;
	if (veuicc_transmit(card, c, n, r, cap, &rl) != VEUICC_OK || rl < 2 || rl > cap)
		abort();
	return rl;
}

/* After 91xx: FETCH must give xx bytes (a D0 object) and 9000. */
static void check_fetch(veuicc_card *card, const uint8_t *r, size_t rl, uint8_t *buf, size_t cap)
{
	if (r[rl - 2] != 0x91)
		return;
	size_t want = r[rl - 1];
	const uint8_t fetch[5] = {0x80, 0x12, 0x00, 0x00, (uint8_t)want};
	veuicc_set_protocol(card, VEUICC_PROTO_T1);
	size_t fl = xfer(card, fetch, 5, buf, cap);
	if (fl == 2 && buf[0] == 0x68 && buf[1] == 0x83) /* it ended a command chain */
		fl = xfer(card, fetch, 5, buf, cap);
	if (want == 0 || fl != want + 2 || buf[0] != 0xD0 || buf[fl - 2] != 0x90 ||
	    buf[fl - 1] != 0x00)
		abort();
}

/* C-APDU 80 INS 00 00 Lc data [Le]. */
static size_t apdu(uint8_t ins, const uint8_t *d, size_t n, uint8_t *out)
{
	out[0] = 0x80;
	out[1] = ins;
	out[2] = out[3] = 0;
	out[4] = (uint8_t)n;
	memcpy(out + 5, d, n);
	out[5 + n] = 0x00;
	return 6 + n;
}

/* D1 { 82 02 83 81, 8B TPDU } in an ENVELOPE; 0 when it does not fit. */
static size_t envelope(const uint8_t *tpdu, size_t n, uint8_t *out)
{
	uint8_t d1[260];
	size_t m = 0;
	if (n > 240)
		return 0;
	const uint8_t ids[] = {0x82, 0x02, 0x83, 0x81, 0x8B};
	memcpy(d1, ids, sizeof(ids));
	m = sizeof(ids);
	if (n >= 0x80)
		d1[m++] = 0x81;
	d1[m++] = (uint8_t)n;
	memcpy(d1 + m, tpdu, n);
	m += n;
	uint8_t env[260];
	size_t e = 0;
	env[e++] = 0xD1;
	if (m >= 0x80)
		env[e++] = 0x81;
	env[e++] = (uint8_t)m;
	if (e + m > 255)
		return 0;
	memcpy(env + e, d1, m);
	return apdu(0xC2, env, e + m, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r[VEUICC_RAPDU_MAX], f[VEUICC_RAPDU_MAX], c[VEUICC_CAPDU_MAX];
	static const uint8_t tp[] = {0xFF, 0xFF, 0xFF, 0xFF}; /* REFRESH, SEND SM */
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.rng_deterministic = 1;
	cfg.test_mode = 1;
	cfg.factory = factory_path();
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card) || veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL))
		abort();
	size_t cl = apdu(0x10, tp, sizeof(tp), c) - 1;
	xfer(card, c, cl, r, sizeof(r));
	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos];
		size_t len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		const uint8_t *d = data + pos;
		pos += len;
		veuicc_set_protocol(card, (ctl & 8) ? VEUICC_PROTO_T1 : VEUICC_PROTO_T0);
		cl = 0;
		switch (ctl & 7) {
		case 0:
			memcpy(c, d, len);
			cl = len;
			break;
		case 1: cl = envelope(d, len, c); break;
		case 2: {
			/* SMS-DELIVER: UDHI, OA 1234, PID 7F, DCS F6, SCTS, UDL, UD */
			static const uint8_t head[] = {0x40, 0x04, 0x91, 0x21, 0x43, 0x7F, 0xF6,
			                               0x00, 0x11, 0x29, 0x12, 0x00, 0x00, 0x04};
			uint8_t t[200];
			size_t ud = len > 140 ? 140 : len;
			memcpy(t, head, sizeof(head));
			t[sizeof(head)] = (uint8_t)ud;
			memcpy(t + sizeof(head) + 1, d, ud);
			cl = envelope(t, sizeof(head) + 1 + ud, c);
			break;
		}
		case 3: cl = apdu(0x14, d, len, c) - 1; break;
		case 4: cl = apdu(0x10, d, len, c) - 1; break;
		case 5: veuicc_cat_profile_changed(card); break;
		case 6: veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL); break;
		default: {
			static const uint8_t oa[] = {0x04, 0x91, 0x21, 0x43};
			uint8_t por[3 + 255] = {0x02, 0x71, 0x00};
			memcpy(por + 3, d, len);
			veuicc_cat_queue_por_sms(card, oa, sizeof(oa), por, 3 + len);
			break;
		}
		}
		if (!cl)
			continue;
		size_t rl = xfer(card, c, cl, r, sizeof(r));
		check_fetch(card, r, rl, f, sizeof(f));
	}
	veuicc_card_free(card);
	return 0;
}
