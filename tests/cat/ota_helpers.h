/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the CAT tests (test_proactive.c, test_concat.c): SCP80 packets
 * for the ISD-R of factory/default.json built with the host side of
 * scp/scp80.h, SMS-PP download ENVELOPEs built by hand (TS 102 223 §7.1,
 * TS 23.040 §9.2.2.1), cards from the factory file.
 */
#ifndef VEUICC_TESTS_CAT_OTA_HELPERS_H
#define VEUICC_TESTS_CAT_OTA_HELPERS_H

#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "cat/sms_pp.h"
#include "scp/scp80.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define SEL_ISDR "00A4040C10" ISDR
/* the originator of the test SMS-DELIVERs: 4 digits 1234, international */
#define OA_HEX "04912143"

/* factory/default.json, ISD-R key set KVN 1 (TEST KEYS ONLY) */
static const uint8_t ota_kic[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t ota_kid[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                    0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};

typedef struct host {
	veuicc_scp80_keyset ks;
	veuicc_scp80_host h;
} host;

/* KIc/KID 12 (KVN 1, AES), TAR 000001, the given SPI and counter. */
static inline void host_init(host *x, uint8_t spi1, uint8_t spi2, uint8_t cntr)
{
	memset(x, 0, sizeof(*x));
	x->ks.kvn = 1;
	x->ks.kic_alg = x->ks.kid_alg = VEUICC_SCP80_ALG_AES;
	x->ks.kic_len = x->ks.kid_len = 16;
	memcpy(x->ks.kic, ota_kic, 16);
	memcpy(x->ks.kid, ota_kid, 16);
	x->ks.cc_len = 8;
	x->h.spi[0] = spi1;
	x->h.spi[1] = spi2;
	x->h.kic = x->h.kid = 0x12;
	x->h.tar[2] = 0x01;
	x->h.cntr[4] = cntr;
	x->h.kic_ks = x->h.kid_ks = &x->ks;
}

/* Wrap the script (hex) for x into pkt; returns its length. */
static inline size_t ota_packet(const host *x, const char *script, uint8_t *pkt, size_t cap)
{
	uint8_t data[600];
	size_t dl = th_unhex(script, data, sizeof(data)), pl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x->h, data, dl, pkt, cap, &pl), VEUICC_OK);
	return pl;
}

/* ENVELOPE(SMS-PP download) whose SMS-DELIVER carries the UDH `udh` (hex,
 * with its length byte) and `len` bytes of `ud`; Le 00 appended when
 * `le`. Returns the C-APDU length. */
static inline size_t ota_envelope(const char *udh, const uint8_t *ud, size_t len, int le,
                                  uint8_t *apdu)
{
	return sms_pp_envelope(SMS_PP_DEVICES, udh, ud, len, le, apdu);
}

/* Send a C-APDU, return the R-APDU length (r holds it). */
static inline size_t ota_xfer(veuicc_card *card, const uint8_t *apdu, size_t al, uint8_t *r,
                              size_t cap)
{
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, cap, &rl), VEUICC_OK);
	assert_true(rl >= 2);
	return rl;
}

/* Check the PoR TP-UD (02 71 00 ...) for x; returns its status, data in hex. */
static inline uint8_t ota_por(const host *x, const uint8_t *por, size_t len, char *hex)
{
	uint8_t work[1200], status = 0xFF;
	const uint8_t *d;
	size_t dl;
	assert_int_equal(
	    veuicc_scp80_unwrap_por(&x->h, por, len, work, sizeof(work), &status, &d, &dl),
	    VEUICC_OK);
	th_hex(d, dl, hex);
	return status;
}

/* A card from factory/default.json (VEUICC_FACTORY), test mode (plain ES5
 * for the set-up), cold reset, the given protocol. */
static inline veuicc_card *ota_card(veuicc_protocol proto)
{
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = f;
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	if (proto == VEUICC_PROTO_T1)
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

#endif
