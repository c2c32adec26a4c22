/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DGI records (GP CS v2.3 §11.11.2.2: 1-byte length 00-FE, FF + 2 bytes)
 * and the card-file record writer/reader (src/core/bytes.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/bytes.h"
#include "tlv/dgi.h"
#include "veuicc/veuicc.h"

static void test_dgi_short_and_long(void **state)
{
	(void)state;
	/* 3A07 with 2 bytes, then 0070 with a 3-byte length of 0x0102 bytes */
	uint8_t b[3 + 2 + 5 + 0x102];
	size_t n = 0;
	memcpy(b, "\x3A\x07\x02\xA0\x00", 5);
	n = 5;
	memcpy(b + n, "\x00\x70\xFF\x01\x02", 5);
	n += 5;
	for (size_t i = 0; i < 0x102; i++)
		b[n + i] = (uint8_t)i;
	n += 0x102;
	size_t pos = 0, vl = 0;
	uint16_t tag = 0;
	const uint8_t *v = NULL;
	assert_int_equal(veuicc_dgi_next(b, n, &pos, &tag, &v, &vl), 0);
	assert_int_equal(tag, 0x3A07);
	assert_int_equal(vl, 2);
	assert_ptr_equal(v, b + 3);
	assert_int_equal(pos, 5);
	assert_int_equal(veuicc_dgi_next(b, n, &pos, &tag, &v, &vl), 0);
	assert_int_equal(tag, 0x0070);
	assert_int_equal(vl, 0x102);
	assert_ptr_equal(v, b + 10);
	assert_int_equal(pos, n);
	/* the end: no more records */
	assert_int_equal(veuicc_dgi_next(b, n, &pos, &tag, &v, &vl), -1);
}

static void test_dgi_truncated(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x3A, 0x07, 0x05, 0xA0, 0x03, 0x81, 0x01};
	/* every prefix shorter than the record is refused, position unchanged */
	for (size_t n = 0; n < sizeof(b); n++) {
		size_t pos = 0, vl = 0;
		uint16_t tag = 0xFFFF;
		const uint8_t *v = NULL;
		assert_int_equal(veuicc_dgi_next(b, n, &pos, &tag, &v, &vl), -1);
		assert_int_equal(pos, 0);
		assert_int_equal(tag, 0xFFFF);
	}
	static const uint8_t l3[] = {0x00, 0x70, 0xFF, 0x00};
	size_t pos = 0, vl;
	uint16_t tag;
	const uint8_t *v;
	assert_int_equal(veuicc_dgi_next(l3, sizeof(l3), &pos, &tag, &v, &vl), -1);
}

static void test_bytes_round_trip(void **state)
{
	(void)state;
	veuicc_wbuf w = {0};
	veuicc_wbuf_u8(&w, 0x01);
	veuicc_wbuf_be(&w, 0x00ABCDEF, 3);
	uint8_t big[700];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	veuicc_wbuf_put(&w, big, sizeof(big)); /* grows past the first 256 bytes */
	uint8_t *rec = NULL;
	size_t len = 0;
	assert_int_equal(veuicc_wbuf_take(&w, &rec, &len), VEUICC_OK);
	assert_int_equal(len, 4 + sizeof(big));
	assert_null(w.b);
	veuicc_rbuf r = {rec, len, 0, 0};
	assert_int_equal(veuicc_rbuf_u8(&r), 0x01);
	assert_int_equal(veuicc_rbuf_be(&r, 3), 0x00ABCDEF);
	uint8_t back[700];
	veuicc_rbuf_get(&r, back, sizeof(back), sizeof(back));
	assert_int_equal(r.err, 0);
	assert_memory_equal(back, big, sizeof(big));
	/* past the end: err, 0 */
	assert_int_equal(veuicc_rbuf_u8(&r), 0);
	assert_int_not_equal(r.err, 0);
	/* longer than the caller's room: err, nothing copied */
	veuicc_rbuf r2 = {rec, len, 0, 0};
	veuicc_rbuf_get(&r2, back, 10, 9);
	assert_int_not_equal(r2.err, 0);
	assert_int_equal(r2.pos, 0);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dgi_short_and_long),
	    cmocka_unit_test(test_dgi_truncated),
	    cmocka_unit_test(test_bytes_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
