/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The terminal's side of an OTA exchange in tools/veuicc/ota.c, against a
 * scripted card: GET RESPONSE after 61xx, and the proactive path veuicc's
 * card does not use yet (TS 102 223 §6.4, §6.8): 91xx → FETCH → SEND SHORT
 * MESSAGE whose SMS-SUBMIT (TS 23.040 §9.2.2.2) carries the PoR →
 * TERMINAL RESPONSE 'command performed'; other proactive commands answered
 * 'beyond the terminal's capabilities'; concatenated SMS sent in order.
 */
#include "apdu/card_helpers.h"
#include "ota.h"

struct step {
	const char *expect; /* C-APDU the terminal must send (hex) */
	const char *answer; /* R-APDU */
};

struct fake {
	const struct step *steps;
	size_t n, at;
};

static int fake_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct fake *f = ctx;
	assert_true(f->at < f->n);
	const struct step *s = &f->steps[f->at++];
	if (s->expect) {
		char got[2 * VEUICC_CAPDU_MAX + 1], want[2 * VEUICC_CAPDU_MAX + 1];
		uint8_t w[VEUICC_CAPDU_MAX];
		th_hex(c, cn, got);
		th_hex(w, th_unhex(s->expect, w, sizeof(w)), want);
		assert_string_equal(got, want);
	}
	*rn = th_unhex(s->answer, r, rcap);
	return VEUICC_OK;
}

static void one_env(veuicc_cli_ota_env *e, const char *hex)
{
	e->len = th_unhex(hex, e->apdu, sizeof(e->apdu));
}

/* 61xx, then 91xx: FETCH gives SEND SHORT MESSAGE with the PoR in an
 * SMS-SUBMIT (TP-VPF relative, TP-DA +1234, UD 02 71 00 ...); the
 * TERMINAL RESPONSE copies the command details and reports 00. */
static void test_proactive_send_sms(void **state)
{
	(void)state;
	/* D0 { 81 03 01 13 00, 82 02 81 83, 8B SMS-SUBMIT } */
	const struct step steps[] = {
	    {"80C2000003D10100", "6105"},
	    {"00C0000005", "AABBCCDDEE 911A"},
	    {"801200001A", "D018 810301130082028183 8B0D 11 00 04912143 7F F6 A7 03 027100 9000"},
	    {"801400000C 810301130082028281830100", "9000"},
	};
	struct fake f = {steps, 4, 0};
	veuicc_cli_ota_env e;
	one_env(&e, "80C2000003D10100");
	uint8_t por[64];
	size_t n = 99;
	assert_int_equal(veuicc_cli_ota_exchange(fake_xfer, &f, &e, 1, NULL, por, sizeof(por), &n),
	                 VEUICC_OK);
	assert_int_equal(f.at, 4);
	/* the SMS's PoR replaces the ENVELOPE response data */
	char hex[200];
	th_hex(por, n, hex);
	assert_string_equal(hex, "027100");
}

/* A proactive command other than SEND SHORT MESSAGE (here DISPLAY TEXT)
 * gets result 30; the next 91xx is fetched too; the ENVELOPE's PoR stays. */
static void test_proactive_other(void **state)
{
	(void)state;
	const struct step steps[] = {
	    {NULL, "0271000102 910B"},
	    {"801200000B", "D009 810301210082028102 9000"},
	    {"801400000C 810301210082028281830130", "910B"},
	    {"801200000B", "D009 810302210082028102 9000"},
	    {"801400000C 810302210082028281830130", "9000"},
	};
	struct fake f = {steps, 5, 0};
	veuicc_cli_ota_env e;
	one_env(&e, "80C2000003D10100");
	uint8_t por[64];
	size_t n = 0;
	assert_int_equal(veuicc_cli_ota_exchange(fake_xfer, &f, &e, 1, NULL, por, sizeof(por), &n),
	                 VEUICC_OK);
	assert_int_equal(f.at, 5);
	char hex[200];
	th_hex(por, n, hex);
	assert_string_equal(hex, "0271000102");
}

/* Two SMS: the first answered 9000 without data, the PoR with the last;
 * an error status word stops the exchange. */
static void test_concatenated_and_error(void **state)
{
	(void)state;
	const struct step ok[] = {{"80C2000001AA", "9000"}, {"80C2000001BB", "027100 9000"}};
	struct fake f = {ok, 2, 0};
	veuicc_cli_ota_env e[2];
	one_env(&e[0], "80C2000001AA");
	one_env(&e[1], "80C2000001BB");
	uint8_t por[64];
	size_t n = 0;
	assert_int_equal(veuicc_cli_ota_exchange(fake_xfer, &f, e, 2, NULL, por, sizeof(por), &n),
	                 VEUICC_OK);
	assert_int_equal(n, 3);
	const struct step err[] = {{"80C2000001AA", "6A81"}};
	struct fake g = {err, 1, 0};
	assert_int_equal(veuicc_cli_ota_exchange(fake_xfer, &g, e, 2, NULL, por, sizeof(por), &n),
	                 VEUICC_ERR_MALFORMED);
	assert_int_equal(g.at, 1);
}

/* TP-OA coding (TS 23.040 §9.1.2.5) and the script builder (TS 102 226 §5). */
static void test_address_and_script(void **state)
{
	(void)state;
	uint8_t a[12], s[64];
	size_t n = 0;
	char hex[200];
	assert_int_equal(veuicc_cli_ota_address("+12345", a, &n), 0);
	th_hex(a, n, hex);
	assert_string_equal(hex, "05912143F5");
	assert_int_equal(veuicc_cli_ota_address("1x", a, &n), -1);
	assert_int_equal(veuicc_cli_ota_address("", a, &n), -1);
	const uint8_t apdus[] = {0x00, 0xA4, 0x00, 0x00, 0x80, 0xF2,
	                         0x80, 0x02, 0x02, 0x4F, 0x00, 0x00};
	const size_t lens[] = {4, 8};
	assert_int_equal(veuicc_cli_ota_script(1, apdus, lens, 2, s, sizeof(s), &n), VEUICC_OK);
	th_hex(s, n, hex);
	assert_string_equal(hex, "AA10220400A40000220880F28002024F0000");
	assert_int_equal(veuicc_cli_ota_script(0, apdus, lens, 2, s, sizeof(s), &n), VEUICC_OK);
	assert_int_equal(n, 12);
	assert_int_equal(veuicc_cli_ota_script(1, apdus, lens, 2, s, 10, &n),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proactive_send_sms),
	    cmocka_unit_test(test_proactive_other),
	    cmocka_unit_test(test_concatenated_and_error),
	    cmocka_unit_test(test_address_and_script),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
