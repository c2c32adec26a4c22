/* SPDX-License-Identifier: Apache-2.0 */
/* Card life cycle through the public API: config, EID, ATR, protocols,
 * power, isolation of two cards, reproducible random generator. */
#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "apdu/atr.h"
#include "core/card.h"

#define ECASD "A0000005591010FFFFFFFF8900000200"

static void test_default_atr(void **state)
{
	(void)state;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n = 0;
	assert_int_equal(veuicc_is_powered(card), 0);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	assert_int_equal(veuicc_is_powered(card), 1);
	char hex[2 * VEUICC_ATR_MAX + 1];
	th_hex(atr, n, hex);
	/* TCK = XOR of T0..last historical byte, computed independently here */
	uint8_t tck = 0;
	for (size_t i = 1; i + 1 < n; i++)
		tck ^= atr[i];
	assert_int_equal(atr[n - 1], tck);
	assert_string_equal(hex, "3B9B968091FE1FC78031E073FE21DF830090000B");
	veuicc_atr_info info;
	assert_int_equal(veuicc_atr_parse(atr, n, &info), VEUICC_OK);
	assert_int_equal(info.first_protocol, 0); /* T=0 offered first */
	assert_true(info.protocols & 1u);
	assert_true(info.protocols & 2u);
	assert_int_equal(info.hist_len, 11);
	/* card capabilities, 3rd byte: extended Lc/Le (b7) advertised */
	assert_int_equal(atr[info.hist_off + 6] & 0x40, 0x40);
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T0);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T1);
	/* a reset goes back to the first protocol */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T0);
	veuicc_card_free(card);
}

static void test_atr_parse(void **state)
{
	(void)state;
	uint8_t b[VEUICC_ATR_MAX];
	veuicc_atr_info info;
	size_t n;
	/* typical UICC ATR (T=0 and T=15) from the TS 102 221 digest */
	n = th_unhex("3B9F96801FC78031E073FE211B633A204E8300900093", b, sizeof(b));
	assert_int_equal(veuicc_atr_parse(b, n, &info), VEUICC_OK);
	assert_int_equal(info.protocols & 3u, 1u);
	b[n - 1] ^= 1; /* wrong TCK */
	assert_int_equal(veuicc_atr_parse(b, n, &info), VEUICC_ERR_MALFORMED);
	/* T=0 only, no TCK */
	n = th_unhex("3B02 1415", b, sizeof(b));
	assert_int_equal(veuicc_atr_parse(b, n, &info), VEUICC_OK);
	assert_int_equal(info.protocols, 1u);
	assert_int_equal(info.has_tck, 0);
	/* truncations of the default ATR are all rejected */
	n = veuicc_atr_default(b);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(veuicc_atr_parse(b, i, &info), VEUICC_ERR_MALFORMED);
	/* a trailing byte, a bad TS */
	assert_int_equal(veuicc_atr_parse(b, n + 1, &info), VEUICC_ERR_MALFORMED);
	b[0] = 0x3C;
	assert_int_equal(veuicc_atr_parse(b, n, &info), VEUICC_ERR_MALFORMED);
}

static void test_config(void **state)
{
	(void)state;
	veuicc_config cfg;
	veuicc_card *card = NULL;
	veuicc_config_init(&cfg);
	assert_null(cfg.eid);
	/* EID check digits (ISO 7064 MOD 97-10) */
	assert_int_equal(veuicc_eid_check("89049032123451234512345678901235"), VEUICC_OK);
	assert_int_equal(veuicc_eid_check("89049032123451234512345678901234"),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_eid_check("8904903212345123451234567890123"),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_eid_check("8904903212345123451234567890123A"),
	                 VEUICC_ERR_INVALID_ARG);
	cfg.eid = "89049032123451234512345678901234";
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_ERR_INVALID_ARG);
	assert_null(card);
	/* an ATR with a bad TCK, an ATR offering neither T=0 nor T=1 */
	cfg.eid = NULL;
	uint8_t bad[] = {0x3B, 0x80, 0x80, 0x01, 0x00};
	cfg.atr = bad;
	cfg.atr_len = sizeof(bad);
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_ERR_INVALID_ARG);
	uint8_t t15[] = {0x3B, 0x80, 0x0F, 0x0F};
	cfg.atr = t15;
	cfg.atr_len = sizeof(t15);
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_ERR_INVALID_ARG);
	/* a T=0-only ATR: T=1 cannot be chosen */
	uint8_t t0[] = {0x3B, 0x02, 0x14, 0x15};
	cfg.atr = t0;
	cfg.atr_len = sizeof(t0);
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n;
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T0), VEUICC_ERR_NOT_POWERED);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(atr, t0, 4);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_ERR_UNSUPPORTED);
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_new(NULL, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_card_free(NULL);
}

static void test_power(void **state)
{
	(void)state;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
	uint8_t c[] = {0x00, 0x70, 0x00, 0x00, 0x01}, r[16];
	size_t rl = 99;
	assert_int_equal(veuicc_transmit(card, c, sizeof(c), r, sizeof(r), &rl),
	                 VEUICC_ERR_NOT_POWERED);
	assert_int_equal(rl, 0);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_ERR_NOT_POWERED);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	th_xfer(card, "0070000001", "019000");
	assert_int_equal(veuicc_power_off(card), VEUICC_OK);
	assert_int_equal(veuicc_transmit(card, c, sizeof(c), r, sizeof(r), &rl),
	                 VEUICC_ERR_NOT_POWERED);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	/* channel 1 was closed by the power cycle: it is free again */
	th_xfer(card, "0070000001", "019000");
	veuicc_card_free(card);
}

/* Two cards in one process never see each other's state. */
static void test_isolation(void **state)
{
	(void)state;
	veuicc_config cfg;
	veuicc_card *a, *b;
	veuicc_config_init(&cfg);
	cfg.eid = "89001012012341234012345678901224";
	assert_int_equal(veuicc_eid_check(cfg.eid), VEUICC_OK);
	assert_int_equal(veuicc_card_new(&cfg, &a), VEUICC_OK);
	assert_int_equal(veuicc_card_new(NULL, &b), VEUICC_OK);
	assert_int_equal(veuicc_reset(a, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_reset(b, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	th_xfer(a, "0070000001", "019000");
	th_xfer(a, "01A4040C10" ECASD, "9000");
	/* b's channel 1 is not open, and b has nothing pending */
	th_xfer(b, "81CA005A00", "6881");
	th_xfer(b, "0070000001", "019000");
	th_xfer(b, "01A4040C10" ECASD, "9000");
	th_xfer(a, "81CA005A12", "5A10 89001012012341234012345678901224 9000");
	th_xfer(b, "81CA005A12", "5A10 89049032123451234512345678901235 9000");
	char eid[33];
	assert_int_equal(veuicc_get_eid(a, eid), VEUICC_OK);
	assert_string_equal(eid, "89001012012341234012345678901224");
	veuicc_card_free(a);
	veuicc_card_free(b);
}

static void test_rng(void **state)
{
	(void)state;
	veuicc_config cfg;
	veuicc_card *a, *b, *c, *d;
	uint8_t ra[48], rb[48], rc[48], rd[48];
	veuicc_config_init(&cfg);
	cfg.rng_deterministic = 1;
	cfg.rng_seed = 42;
	assert_int_equal(veuicc_card_new(&cfg, &a), VEUICC_OK);
	assert_int_equal(veuicc_card_new(&cfg, &b), VEUICC_OK);
	cfg.rng_seed = 43;
	assert_int_equal(veuicc_card_new(&cfg, &c), VEUICC_OK);
	assert_int_equal(veuicc_card_new(NULL, &d), VEUICC_OK);
	assert_int_equal(veuicc_card_random(a, ra, sizeof(ra)), VEUICC_OK);
	assert_int_equal(veuicc_card_random(b, rb, sizeof(rb)), VEUICC_OK);
	assert_int_equal(veuicc_card_random(c, rc, sizeof(rc)), VEUICC_OK);
	assert_int_equal(veuicc_card_random(d, rd, sizeof(rd)), VEUICC_OK);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_memory_not_equal(ra, rc, sizeof(ra));
	assert_memory_not_equal(ra, rd, sizeof(ra));
	/* the stream goes on: the next block differs from the first */
	assert_int_equal(veuicc_card_random(a, rb, sizeof(rb)), VEUICC_OK);
	assert_memory_not_equal(ra, rb, sizeof(ra));
	veuicc_card_free(a);
	veuicc_card_free(b);
	veuicc_card_free(c);
	veuicc_card_free(d);
}

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(veuicc_strerror(VEUICC_OK), "success");
	assert_string_equal(veuicc_strerror(VEUICC_ERR_NOT_POWERED), "card is not powered");
	assert_string_equal(veuicc_strerror(12345), "unknown error");
	for (int e = VEUICC_ERR_INTERNAL; e <= 0; e++)
		assert_string_not_equal(veuicc_strerror(e), "unknown error");
	assert_string_equal(veuicc_version(), VEUICC_VERSION_STRING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_atr), cmocka_unit_test(test_atr_parse),
	    cmocka_unit_test(test_config),      cmocka_unit_test(test_power),
	    cmocka_unit_test(test_isolation),   cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
