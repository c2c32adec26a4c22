/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/apdu/names.c: veuicc_ins_name() and veuicc_sw_meaning(), checked
 * against the command and status word tables of ISO/IEC 7816-4 §5.6,
 * ETSI TS 102 221 §10.1.2 / §10.2.1, TS 102 222 and GlobalPlatform Card
 * Specification v2.3 §11 (the expected names below are taken from those tables).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "veuicc/veuicc.h"

struct ins_case {
	uint8_t cla, ins;
	const char *name;
};

static void test_ins_names(void **state)
{
	(void)state;
	static const struct ins_case cases[] = {
	    /* interindustry class, channels 0-3 and 4-19, SM and chaining bits */
	    {0x00, 0xA4, "SELECT"},
	    {0x03, 0xA4, "SELECT"},
	    {0x4F, 0xA4, "SELECT"},
	    {0x0C, 0xA4, "SELECT"},
	    {0x10, 0xA4, "SELECT"},
	    {0x00, 0xC0, "GET RESPONSE"},
	    {0x41, 0xC0, "GET RESPONSE"},
	    {0x00, 0x70, "MANAGE CHANNEL"},
	    {0x00, 0xB0, "READ BINARY"},
	    {0x00, 0xD6, "UPDATE BINARY"},
	    {0x00, 0xB2, "READ RECORD"},
	    {0x00, 0xDC, "UPDATE RECORD"},
	    {0x00, 0xA2, "SEARCH RECORD"},
	    {0x00, 0x20, "VERIFY PIN"},
	    {0x00, 0x24, "CHANGE PIN"},
	    {0x00, 0x26, "DISABLE PIN"},
	    {0x00, 0x28, "ENABLE PIN"},
	    {0x00, 0x2C, "UNBLOCK PIN"},
	    {0x00, 0x04, "DEACTIVATE FILE"},
	    {0x00, 0x44, "ACTIVATE FILE"},
	    {0x00, 0x88, "AUTHENTICATE"},
	    {0x00, 0x84, "GET CHALLENGE"},
	    {0x00, 0xCA, "GET DATA"},
	    /* CLA '0X' vs '8X' decides (ISO/TS 102 222 vs GlobalPlatform) */
	    {0x00, 0xE2, "APPEND RECORD"},
	    {0x80, 0xE2, "STORE DATA"},
	    {0x00, 0xE4, "DELETE FILE"},
	    {0x80, 0xE4, "DELETE"},
	    {0x00, 0xE6, "TERMINATE DF"},
	    {0x80, 0xE6, "INSTALL"},
	    {0x84, 0xE6, "INSTALL"},
	    {0xC1, 0xE6, "INSTALL"},
	    {0xE1, 0xE6, "INSTALL"},
	    {0x00, 0xE8, "TERMINATE EF"},
	    {0x80, 0xE8, "LOAD"},
	    {0x00, 0xE0, "CREATE FILE"},
	    {0x00, 0xFE, "TERMINATE CARD USAGE"},
	    {0x80, 0xD4, "RESIZE FILE"},
	    /* GlobalPlatform */
	    {0x80, 0x50, "INITIALIZE UPDATE"},
	    {0x84, 0x82, "EXTERNAL AUTHENTICATE"},
	    {0x80, 0xD8, "PUT KEY"},
	    {0x80, 0xF0, "SET STATUS"},
	    {0x80, 0xCA, "GET DATA"},
	    /* TS 102 221 proprietary class: CAT and UICC */
	    {0x80, 0x10, "TERMINAL PROFILE"},
	    {0x80, 0xC2, "ENVELOPE"},
	    {0x80, 0x12, "FETCH"},
	    {0x80, 0x14, "TERMINAL RESPONSE"},
	    {0x80, 0x32, "INCREASE"},
	    {0x80, 0xAA, "TERMINAL CAPABILITY"},
	    {0x80, 0x76, "SUSPEND UICC"},
	    /* F2: STATUS (TS 102 221) and GET STATUS (GP) share CLA 8X */
	    {0x80, 0xF2, "STATUS/GET STATUS"},
	    {0x84, 0xF2, "STATUS/GET STATUS"},
	    {0xA0, 0xF2, "STATUS"},
	    /* GSM class (TS 51.011) */
	    {0xA0, 0xA4, "SELECT"},
	    {0xA0, 0x88, "RUN GSM ALGORITHM"},
	    {0xA0, 0x20, "VERIFY CHV"},
	    /* unknown */
	    {0x00, 0x60, "UNKNOWN"},
	    {0x00, 0xF2, "UNKNOWN"},
	    {0x80, 0xA4, "UNKNOWN"},
	    {0xFF, 0xA4, "UNKNOWN"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = veuicc_ins_name(cases[i].cla, cases[i].ins);
		if (!got || strcmp(got, cases[i].name) != 0)
			fail_msg("CLA %02X INS %02X: '%s', want '%s'", cases[i].cla, cases[i].ins,
			         got ? got : "(null)", cases[i].name);
	}
}

struct sw_case {
	uint16_t sw;
	const char *part; /* must occur in the meaning */
};

static void test_sw_meanings(void **state)
{
	(void)state;
	static const struct sw_case cases[] = {
	    {0x9000, "normal processing"},
	    {0x6700, "wrong length"},
	    {0x6A82, "file or application not found"},
	    {0x6A86, "incorrect parameters P1-P2"},
	    {0x6D00, "instruction code not supported"},
	    {0x6E00, "class not supported"},
	    {0x6881, "logical channel not supported"},
	    {0x6882, "secure messaging not supported"},
	    {0x6F00, "no precise diagnosis"},
	    {0x6B00, "wrong parameters P1-P2"},
	    {0x6985, "conditions of use not satisfied"},
	    {0x6982, "security status not satisfied"},
	    {0x6A80, "incorrect parameters in the command data field"},
	    {0x6A84, "not enough memory"},
	    {0x6A88, "referenced data not found"},
	    {0x6310, "more data available"},
	    {0x6283, "selected file deactivated"},
	    {0x6581, "memory failure"},
	    {0x9300, "toolkit busy"},
	    {0x9862, "authentication error"},
	    /* SW2 decoded */
	    {0x611A, "26 response bytes available"},
	    {0x6100, "256 response bytes available"},
	    {0x6C12, "18 bytes available, repeat with Le 12"},
	    {0x63C2, "2 retries left"},
	    {0x63C0, "0 retries left"},
	    {0x9143, "67 bytes is pending"},
	    {0x9F20, "32 response bytes available"},
	    {0x6781, "wrong length, qualifier 81"},
	    {0x6A8B, "wrong parameters P1-P2, qualifier 8B"},
	    {0x6F42, "no precise diagnosis, qualifier 42"},
	    {0x6202, "warning, non-volatile memory unchanged, qualifier 02"},
	    /* unknown */
	    {0x1234, "unknown status word"},
	    {0x9001, "unknown status word"},
	};
	char buf[160];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		const char *got = veuicc_sw_meaning(cases[i].sw, buf, sizeof(buf));
		assert_ptr_equal(got, buf);
		if (!strstr(got, cases[i].part))
			fail_msg("SW %04X: '%s' lacks '%s'", cases[i].sw, got, cases[i].part);
	}
}

static void test_sw_meaning_buffers(void **state)
{
	(void)state;
	/* no buffer: a static text, never NULL */
	const char *s = veuicc_sw_meaning(0x6A82, NULL, 0);
	assert_non_null(s);
	assert_string_equal(s, "file or application not found");
	assert_non_null(veuicc_sw_meaning(0x611A, NULL, 0));
	assert_non_null(veuicc_sw_meaning(0x0000, NULL, 0));
	/* a small buffer is truncated and terminated, never overrun */
	char small[8 + 4];
	memset(small, 'Z', sizeof(small));
	veuicc_sw_meaning(0x6A82, small, 8);
	assert_int_equal(strlen(small), 7);
	assert_memory_equal(small, "file or", 7);
	assert_int_equal(small[8], 'Z');
	char one[1] = {'Z'};
	veuicc_sw_meaning(0x611A, one, 1);
	assert_int_equal(one[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ins_names),
	    cmocka_unit_test(test_sw_meanings),
	    cmocka_unit_test(test_sw_meaning_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
