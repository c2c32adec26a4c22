/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forced REFRESH qualifier quirk (docs/quirks.md Q4): after an ES5
 * EnableProfile the REFRESH has the configured qualifier whatever the
 * TERMINAL PROFILE offers; off, the qualifier follows the TERMINAL PROFILE
 * (04 UICC Reset, or 09 with byte 34 b6). The proactive commands are written
 * out byte by byte from TS 102 223 §6.6.13.
 */
#include "ota_helpers.h"

#define FB "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"

/* TERMINAL PROFILE: REFRESH (byte 3 b8); the same with byte 34 b6
 * ("eUICC Profile State Change" mode) */
#define TP_REFRESH "80100000 04 02008000"
#define TP_EUICC                                                                                   \
	"80100000 22 02008000"                                                                     \
	"0000000000000000000000000000000000000000000000000000000000 20"
#define ENABLE11 "80E28800 15 3A0312 4F10" ISDP11
#define ENABLE10 "80E28800 15 3A0312 4F10" ISDP10
/* REFRESH number 01 with qualifier q, UICC → terminal */
#define REFRESH(q) "D009 810301 01" q " 82028182 9000"

static veuicc_card *card_two_profiles(void)
{
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA", FB, &len);
	char msg[200];
	if (veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg)))
		fail_msg("%s: %s", FB, msg);
	free(der);
	th_xfer(card, SEL_ISDR, "9000");
	return card;
}

/* One switch to ISD-P 11 after TERMINAL PROFILE tp; the REFRESH fetched. */
static void one_switch(const veuicc_quirks *q, const char *tp, const char *want)
{
	veuicc_card *card = card_two_profiles();
	if (q)
		assert_int_equal(veuicc_card_set_quirks(card, q), VEUICC_OK);
	th_xfer(card, tp, "9000");
	th_xfer(card, ENABLE11, "910B");
	th_xfer(card, "8012000000", want);
	veuicc_card_free(card);
}

static void test_refresh_quirk(void **state)
{
	(void)state;
	/* off: the TERMINAL PROFILE decides */
	one_switch(NULL, TP_REFRESH, REFRESH("04"));
	one_switch(NULL, TP_EUICC, REFRESH("09"));
	/* on: the configured qualifier, with either TERMINAL PROFILE */
	static const char *const quals[] = {"00", "03", "04", "05", "06", "09"};
	for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
		veuicc_quirks q = {0};
		char spec[32], want[64];
		snprintf(spec, sizeof(spec), "refresh=%s", quals[i]);
		assert_int_equal(veuicc_quirks_parse(spec, &q, NULL, 0), VEUICC_OK);
		snprintf(want, sizeof(want), "D009 810301 01%s 82028182 9000", quals[i]);
		one_switch(&q, TP_REFRESH, want);
		one_switch(&q, TP_EUICC, want);
	}
	/* a terminal without REFRESH still gets none (TS 102 223 §5.2) */
	veuicc_quirks q = {0};
	q.refresh_force = 1;
	q.refresh_qualifier = 0x04;
	veuicc_card *card = card_two_profiles();
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_OK);
	th_xfer(card, "80100000 04 02000000", "9000");
	th_xfer(card, ENABLE11, "9000");
	th_xfer(card, ENABLE10, "9000");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refresh_quirk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
