/* SPDX-License-Identifier: Apache-2.0 */
/* C-APDU length parsing (ISO 7816-3 §12.1.3) and CLA decoding
 * (ISO 7816-4 §5.4.1, TS 102 221 §10.1.1), table-driven. */
#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "apdu/apdu.h"

struct parse_case {
	const char *hex;
	int ok;
	int apdu_case;
	size_t lc, ne;
	int extended;
};

static const struct parse_case parse_cases[] = {
    /* too short */
    {"", 0, 0, 0, 0, 0},
    {"00", 0, 0, 0, 0, 0},
    {"00A4", 0, 0, 0, 0, 0},
    {"00A404", 0, 0, 0, 0, 0},
    /* case 1 */
    {"00700080", 1, 1, 0, 0, 0},
    /* case 2 short: Le 01..FF, 00 = 256 */
    {"80CA005A12", 1, 2, 0, 18, 0},
    {"80CA005A00", 1, 2, 0, 256, 0},
    {"00B00000FF", 1, 2, 0, 255, 0},
    /* case 3 short */
    {"00A4040001AA", 1, 3, 1, 0, 0},
    {"00A4040002AABB", 1, 3, 2, 0, 0},
    /* case 4 short */
    {"00A4040001AA00", 1, 4, 1, 256, 0},
    {"00A4040002AABB10", 1, 4, 2, 16, 0},
    /* short Lc inconsistent with the length */
    {"00A4040002AA", 0, 0, 0, 0, 0},
    {"00A4040001AABBCC", 0, 0, 0, 0, 0},
    {"00A40400FFAA", 0, 0, 0, 0, 0},
    /* 00 in the Lc position with too few bytes for an extended field */
    {"00A4040000AA", 0, 0, 0, 0, 0},
    /* case 2 extended: Le 0001..FFFF, 0000 = 65536 */
    {"00B0000000 0100", 1, 2, 0, 256, 1},
    {"00B0000000 0000", 1, 2, 0, 65536, 1},
    {"00B0000000 FFFF", 1, 2, 0, 65535, 1},
    /* case 3 extended */
    {"00D6000000 0002 AABB", 1, 3, 2, 0, 1},
    /* case 4 extended */
    {"00A4040000 0002 AABB 0000", 1, 4, 2, 65536, 1},
    {"00A4040000 0002 AABB 0102", 1, 4, 2, 258, 1},
    /* extended Lc = 0 is not codable */
    {"00D6000000 0000 AA", 0, 0, 0, 0, 0},
    /* extended Lc inconsistent */
    {"00D6000000 0003 AABB", 0, 0, 0, 0, 0},
    {"00D6000000 0002 AABB 00", 0, 0, 0, 0, 0},
    {"00D6000000 0002 AABB 000000", 0, 0, 0, 0, 0},
    {"00D6000000 00", 0, 0, 0, 0, 0},
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *t = &parse_cases[i];
		uint8_t buf[64];
		size_t n = th_unhex(t->hex, buf, sizeof(buf));
		veuicc_capdu c;
		int rc = veuicc_capdu_parse(buf, n, &c);
		if (!t->ok) {
			if (rc != VEUICC_ERR_MALFORMED)
				fail_msg("case %zu (%s): expected malformed, got %d", i, t->hex,
				         rc);
			continue;
		}
		if (rc != VEUICC_OK)
			fail_msg("case %zu (%s): expected ok, got %d", i, t->hex, rc);
		assert_int_equal(c.apdu_case, t->apdu_case);
		assert_int_equal(c.lc, t->lc);
		assert_int_equal(c.ne, t->ne);
		assert_int_equal(c.extended, t->extended);
		assert_int_equal(c.cla, buf[0]);
		assert_int_equal(c.ins, buf[1]);
		if (t->lc)
			assert_ptr_equal(c.data, buf + (t->extended ? 7 : 5));
	}
}

/* Maximal lengths: short case 4 with 255 bytes, extended case 4 with 65535. */
static void test_parse_max(void **state)
{
	(void)state;
	uint8_t *buf = calloc(1, VEUICC_CAPDU_MAX);
	assert_non_null(buf);
	veuicc_capdu c;
	buf[4] = 0xFF;
	assert_int_equal(veuicc_capdu_parse(buf, 5 + 255 + 1, &c), VEUICC_OK);
	assert_int_equal(c.lc, 255);
	assert_int_equal(c.ne, 256);
	buf[4] = 0;
	buf[5] = 0xFF;
	buf[6] = 0xFF;
	assert_int_equal(veuicc_capdu_parse(buf, VEUICC_CAPDU_MAX, &c), VEUICC_OK);
	assert_int_equal(c.lc, 65535);
	assert_int_equal(c.apdu_case, 4);
	assert_int_equal(veuicc_capdu_parse(buf, VEUICC_CAPDU_MAX - 1, &c), VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_capdu_parse(NULL, 4, &c), VEUICC_ERR_INVALID_ARG);
	free(buf);
}

/* Every length 0..300 of every byte pattern prefix is either parsed
 * consistently or rejected: data stays inside the buffer. */
static void test_parse_bounds(void **state)
{
	(void)state;
	uint8_t buf[300];
	for (int fill = 0; fill < 256; fill += 15) {
		memset(buf, fill, sizeof(buf));
		for (size_t n = 0; n <= sizeof(buf); n++) {
			veuicc_capdu c;
			if (veuicc_capdu_parse(buf, n, &c) != VEUICC_OK)
				continue;
			if (c.lc) {
				assert_true(c.data >= buf);
				assert_true(c.data + c.lc <= buf + n);
			}
		}
	}
}

struct cla_case {
	uint8_t cla;
	int valid;
	uint8_t channel, sm;
	int chaining, proprietary;
};

static const struct cla_case cla_cases[] = {
    {0x00, 1, 0, 0, 0, 0},  {0x01, 1, 1, 0, 0, 0},  {0x03, 1, 3, 0, 0, 0}, {0x04, 1, 0, 1, 0, 0},
    {0x0C, 1, 0, 3, 0, 0},  {0x10, 1, 0, 0, 1, 0},  {0x13, 1, 3, 0, 1, 0}, {0x40, 1, 4, 0, 0, 0},
    {0x4F, 1, 19, 0, 0, 0}, {0x60, 1, 4, 1, 0, 0},  {0x70, 1, 4, 1, 1, 0}, {0x5F, 1, 19, 0, 1, 0},
    {0x80, 1, 0, 0, 0, 1},  {0x81, 1, 1, 0, 0, 1},  {0x84, 1, 0, 1, 0, 1}, {0x87, 1, 3, 1, 0, 1},
    {0xC0, 1, 4, 0, 0, 1},  {0xCF, 1, 19, 0, 0, 1}, {0xE0, 1, 4, 1, 0, 1}, {0xEF, 1, 19, 1, 0, 1},
    {0x20, 0, 0, 0, 0, 0},  {0x3F, 0, 0, 0, 0, 0},  {0x90, 0, 0, 0, 0, 0}, {0xA0, 0, 0, 0, 0, 0},
    {0xB0, 0, 0, 0, 0, 0},  {0xD0, 0, 0, 0, 0, 0},  {0xF0, 0, 0, 0, 0, 0}, {0xFF, 0, 0, 0, 0, 0},
};

static void test_cla(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cla_cases) / sizeof(cla_cases[0]); i++) {
		const struct cla_case *t = &cla_cases[i];
		veuicc_cla_info ci;
		bool ok = veuicc_cla_decode(t->cla, &ci);
		if (ok != (bool)t->valid)
			fail_msg("CLA %02X: valid=%d expected %d", t->cla, ok, t->valid);
		if (!ok)
			continue;
		if (ci.channel != t->channel || ci.sm != t->sm ||
		    ci.chaining != (bool)t->chaining || ci.proprietary != (bool)t->proprietary)
			fail_msg("CLA %02X: ch %u sm %u chain %d prop %d", t->cla, ci.channel,
			         ci.sm, ci.chaining, ci.proprietary);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_max),
	    cmocka_unit_test(test_parse_bounds),
	    cmocka_unit_test(test_cla),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
