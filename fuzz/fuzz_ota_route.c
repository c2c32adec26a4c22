/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/cat/ota_route.c: outside input reaching the TAR
 * routing. First byte:
 *   b8 = 1: the rest is a UICC toolkit parameters field (TS 102 226
 *           §8.2.1.3.2.1, from a profile package) for veuicc_ota_toolkit_params();
 *   else:   b2b1 pick a TAR of the built-in TS.48 profile (UICC RFM B00120, USIM
 *           RFM B00140, MNO-SD B20100, unknown B0FFFF); the rest (up to 150
 *           bytes) is the remote APDU script, sent in a CC-protected SCP80
 *           packet (key set KVN 02, AES) in an SMS-PP ENVELOPE to a fresh card
 *           with that profile enabled. The PoR must come back and verify.
 */
#include <stdlib.h>
#include <string.h>

#include "cat/ota_route.h"
#include "saip/saip.h"
#include "scp/scp80.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void toolkit(const uint8_t *p, size_t n)
{
	uint8_t tars[4][3], msl;
	int k = veuicc_ota_toolkit_params(p, n, &msl, tars, 4);
	CHECK(k >= -1 && k <= 4);
}

static size_t envelope(const uint8_t *pkt, size_t pkt_len, uint8_t *apdu)
{
	static const uint8_t head[] = {0x40, 0x04, 0x91, 0x21, 0x43, 0x7F, 0xF6,
	                               0x00, 0x11, 0x29, 0x12, 0x00, 0x00, 0x04};
	uint8_t tpdu[256];
	size_t n = sizeof(head);
	memcpy(tpdu, head, n);
	size_t udl_at = n++;
	tpdu[n++] = 0x02;
	tpdu[n++] = 0x70;
	tpdu[n++] = 0x00;
	memcpy(tpdu + n, pkt, pkt_len);
	n += pkt_len;
	tpdu[udl_at] = (uint8_t)(n - udl_at - 1);
	uint8_t d1[256];
	size_t m = 0;
	d1[m++] = 0x82;
	d1[m++] = 0x02;
	d1[m++] = 0x83;
	d1[m++] = 0x81;
	d1[m++] = 0x8B;
	if (n >= 0x80)
		d1[m++] = 0x81;
	d1[m++] = (uint8_t)n;
	memcpy(d1 + m, tpdu, n);
	m += n;
	size_t a = 0;
	apdu[a++] = 0x80;
	apdu[a++] = 0xC2;
	apdu[a++] = 0x00;
	apdu[a++] = 0x00;
	apdu[a++] = (uint8_t)(m + (m >= 0x80 ? 3 : 2));
	apdu[a++] = 0xD1;
	if (m >= 0x80)
		apdu[a++] = 0x81;
	apdu[a++] = (uint8_t)m;
	memcpy(apdu + a, d1, m);
	a += m;
	apdu[a++] = 0x00; /* Le */
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		toolkit(data + 1, size - 1);
		return 0;
	}
	static const uint8_t tars[4][3] = {
	    {0xB0, 0x01, 0x20}, {0xB0, 0x01, 0x40}, {0xB2, 0x01, 0x00}, {0xB0, 0xFF, 0xFF}};
	size_t script_len = size - 1 > 150 ? 150 : size - 1;
	veuicc_scp80_keyset ks = {.kvn = 2,
	                          .kic_alg = VEUICC_SCP80_ALG_AES,
	                          .kid_alg = VEUICC_SCP80_ALG_AES,
	                          .kic_len = 16,
	                          .kid_len = 16,
	                          .cc_len = 8};
	for (int i = 0; i < 16; i++)
		ks.kic[i] = ks.kid[i] = (uint8_t)i;
	/* CC, no counter check; PoR required with CC */
	veuicc_scp80_host h = {.spi = {0x02, 0x09}, .kic = 0x22, .kid = 0x22};
	memcpy(h.tar, tars[data[0] & 3], 3);
	h.kic_ks = h.kid_ks = &ks;
	uint8_t pkt[256], apdu[300], r[VEUICC_RAPDU_MAX], work[VEUICC_RAPDU_MAX];
	size_t pl = 0;
	CHECK(veuicc_scp80_wrap_cmd(&h, data + 1, script_len, pkt, sizeof(pkt), &pl) == VEUICC_OK);
	size_t al = envelope(pkt, pl, apdu);

	size_t plen;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.profile = veuicc_saip_default_profile(&plen);
	cfg.profile_len = plen;
	veuicc_card *card;
	CHECK(veuicc_card_new(&cfg, &card) == VEUICC_OK);
	CHECK(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) == VEUICC_OK);
	CHECK(veuicc_set_protocol(card, VEUICC_PROTO_T1) == VEUICC_OK);
	size_t rl = 0;
	CHECK(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl) == VEUICC_OK);
	CHECK(rl > 2 && r[rl - 2] == 0x90 && r[rl - 1] == 0x00);
	uint8_t status = 0xFF;
	const uint8_t *d;
	size_t dl;
	if ((data[0] & 3) == 3) {
		CHECK(rl == 18 && r[15] == VEUICC_SCP80_TAR_UNKNOWN);
	} else {
		CHECK(veuicc_scp80_unwrap_por(&h, r, rl - 2, work, sizeof(work), &status, &d,
		                              &dl) == VEUICC_OK);
		CHECK(status == VEUICC_SCP80_POR_OK || status == VEUICC_SCP80_NO_MEMORY);
	}
	/* the terminal's basic channel still has the MF: STATUS answers */
	static const uint8_t st[] = {0x80, 0xF2, 0x00, 0x0C, 0x00};
	CHECK(veuicc_transmit(card, st, sizeof(st), r, sizeof(r), &rl) == VEUICC_OK);
	CHECK(rl == 2 && r[0] == 0x90 && r[1] == 0x00);
	veuicc_card_free(card);
	return 0;
}
