/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/tlv: BER-TLV (ISO/IEC 7816-4 §5.2.2, ITU-T X.690 §8.1, DER
 * §10.1), SIMPLE-TLV (ISO 7816-4 §5.2.1) and COMPACT-TLV (ISO 7816-4 §8.1.1.2),
 * on hand-made vectors and on real card data: an eUICC FCP, an ATR's historical
 * bytes and a GSMA SGP.26 DER certificate (tests/data/tlv/SOURCES.md).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlv/tlv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Reads one object from \p buf with \p flags; returns the reader's result. */
static int read_one(const uint8_t *buf, size_t len, unsigned flags, veuicc_tlv *t, size_t *err)
{
	veuicc_tlv_reader r;
	veuicc_tlv_reader_init(&r, buf, len, flags);
	int rc = veuicc_tlv_next(&r, t);
	if (err)
		*err = r.err_offset;
	return rc;
}

static void expect_error(const uint8_t *buf, size_t len, unsigned flags, size_t offset)
{
	veuicc_tlv t;
	size_t err = SIZE_MAX;
	assert_int_equal(read_one(buf, len, flags, &t, &err), VEUICC_ERR_MALFORMED);
	assert_int_equal(err, offset);
}

/* ---- tags ------------------------------------------------------------- */

static void test_tag_forms(void **state)
{
	(void)state;
	static const struct {
		uint8_t bytes[8];
		size_t len;
		uint32_t tag;
		uint8_t tag_len;
		bool constructed;
	} v[] = {
	    {{0x5A, 0x01, 0xAA}, 3, 0x5A, 1, false},
	    {{0x62, 0x00}, 2, 0x62, 1, true},
	    {{0x9F, 0x7F, 0x01, 0x00}, 4, 0x9F7F, 2, false},   /* GP CPLC */
	    {{0x7F, 0x21, 0x00}, 3, 0x7F21, 2, true},          /* CV certificate */
	    {{0xBF, 0x2D, 0x00}, 3, 0xBF2D, 2, true},          /* SGP.22 ProfileInfoList */
	    {{0x9F, 0x1F, 0x00}, 3, 0x9F1F, 2, false},         /* smallest 2-byte number, 31 */
	    {{0xDF, 0x81, 0x01, 0x00}, 4, 0xDF8101, 3, false}, /* number 129 */
	    {{0xFF, 0x81, 0x82, 0x03, 0x00}, 5, 0xFF818203, 4, true},
	};
	for (size_t i = 0; i < NELEM(v); i++) {
		veuicc_tlv t;
		for (unsigned flags = 0; flags <= VEUICC_TLV_DER; flags += VEUICC_TLV_DER) {
			assert_int_equal(read_one(v[i].bytes, v[i].len, flags, &t, NULL), 1);
			assert_int_equal(t.tag, v[i].tag);
			assert_int_equal(t.tag_len, v[i].tag_len);
			assert_int_equal(t.constructed, v[i].constructed);
			assert_int_equal(t.raw_len, v[i].len);
			assert_int_equal(t.len, v[i].len - v[i].tag_len - 1);
			assert_ptr_equal(t.value, v[i].bytes + v[i].tag_len + 1);
			assert_int_equal(veuicc_tlv_tag_size(t.tag), v[i].tag_len);
		}
	}
}

static void test_tag_errors(void **state)
{
	(void)state;
	/* 5 tag bytes: the 4th announces another one. */
	static const uint8_t too_long[] = {0x1F, 0x81, 0x81, 0x81, 0x01, 0x00};
	expect_error(too_long, sizeof(too_long), 0, 3);
	expect_error(too_long, sizeof(too_long), VEUICC_TLV_DER, 3);
	/* Truncated tags: the error is at the end of the buffer. */
	static const uint8_t t1[] = {0x9F};
	expect_error(t1, 1, 0, 1);
	static const uint8_t t2[] = {0x9F, 0x81};
	expect_error(t2, 2, 0, 2);
	/* Tag then nothing: truncated length. */
	static const uint8_t t3[] = {0x9F, 0x7F};
	expect_error(t3, 2, 0, 2);
	/* 00 is end-of-contents, not a data object. */
	static const uint8_t eoc[] = {0x00, 0x00};
	expect_error(eoc, 2, 0, 0);
}

/* ---- lengths ---------------------------------------------------------- */

static void test_length_forms(void **state)
{
	(void)state;
	/* 1..4 length bytes, all minimal, read in DER and BER modes. */
	const size_t lens[] = {0, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x1000000};
	const size_t hdr[] = {1, 1, 2, 2, 3, 3, 4, 5};
	uint8_t *buf = malloc(0x1000000 + 8);
	assert_non_null(buf);
	for (size_t i = 0; i < NELEM(lens); i++) {
		veuicc_tlv_writer w;
		size_t out = 0;
		veuicc_tlv_writer_init(&w, buf, 0x1000000 + 8);
		veuicc_tlv_put_raw(&w, (const uint8_t *)"\x04", 1);
		uint8_t l[5];
		size_t n = veuicc_tlv_len_size(lens[i]);
		assert_int_equal(n, hdr[i]);
		/* Independent length encoding, X.690 §8.1.3.5. */
		if (n == 1) {
			l[0] = (uint8_t)lens[i];
		} else {
			l[0] = (uint8_t)(0x80 | (n - 1));
			for (size_t k = 1; k < n; k++)
				l[k] = (uint8_t)(lens[i] >> (8 * (n - 1 - k)));
		}
		veuicc_tlv_put_raw(&w, l, n);
		assert_int_equal(veuicc_tlv_writer_finish(&w, &out), VEUICC_OK);
		memset(buf + out, 0xA5, lens[i]);
		for (unsigned flags = 0; flags <= VEUICC_TLV_DER; flags += VEUICC_TLV_DER) {
			veuicc_tlv t;
			assert_int_equal(read_one(buf, out + lens[i], flags, &t, NULL), 1);
			assert_int_equal(t.len, lens[i]);
			assert_int_equal(t.raw_len, 1 + n + lens[i]);
			/* One byte short: length past the end, reported at the length. */
			if (lens[i])
				expect_error(buf, out + lens[i] - 1, flags, 1);
		}
	}
	free(buf);
}

static void test_length_errors(void **state)
{
	(void)state;
	static const uint8_t indefinite[] = {0x30, 0x80, 0x04, 0x00, 0x00, 0x00};
	expect_error(indefinite, sizeof(indefinite), 0, 1);
	expect_error(indefinite, sizeof(indefinite), VEUICC_TLV_DER, 1);
	static const uint8_t five[] = {0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
	expect_error(five, sizeof(five), 0, 1);
	static const uint8_t ff[] = {0x04, 0xFF, 0x00};
	expect_error(ff, sizeof(ff), 0, 1);
	static const uint8_t past[] = {0x5A, 0x05, 0x01, 0x02};
	expect_error(past, sizeof(past), 0, 1);
	/* Truncated long-form lengths: error at the end of the buffer. */
	static const uint8_t tr1[] = {0x5A, 0x82, 0x01};
	expect_error(tr1, sizeof(tr1), 0, 3);
	static const uint8_t tr2[] = {0x5A, 0x81};
	expect_error(tr2, sizeof(tr2), 0, 2);
	static const uint8_t tr3[] = {0x5A};
	expect_error(tr3, sizeof(tr3), 0, 1);
	/* 4-byte length far past the end, no overflow. */
	static const uint8_t huge[] = {0x5A, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
	expect_error(huge, sizeof(huge), 0, 1);
}

/* DER violations (X.690 §10.1, §8.1.2) are errors in DER mode only. */
static void test_der_minimality(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[10];
		size_t n;
		size_t err;
		uint32_t tag;
		size_t len;
	} v[] = {
	    {{0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, 8, 1, 0x04, 5},       /* 81 for < 128 */
	    {{0x04, 0x82, 0x00, 0x02, 1, 2}, 6, 1, 0x04, 2},          /* leading zero */
	    {{0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 7}, 7, 1, 0x04, 1}, /* 84 00 00 00 01 */
	    {{0x04, 0x82, 0x00, 0x80}, 4, 1, 0x04, 0x80},             /* needs one byte */
	    {{0x5F, 0x1E, 0x00}, 3, 1, 0x5F1E, 0},                    /* number 30 long */
	    {{0x1F, 0x05, 0x00}, 3, 1, 0x1F05, 0},                    /* number 5 long */
	    {{0x9F, 0x80, 0x21, 0x00}, 4, 1, 0x9F8021, 0},            /* leading 80 */
	};
	static uint8_t big[4 + 0x80];
	for (size_t i = 0; i < NELEM(v); i++) {
		const uint8_t *b = v[i].b;
		size_t n = v[i].n;
		if (v[i].len == 0x80) { /* 04 82 00 80 + 128 value bytes */
			memset(big, 0, sizeof(big));
			memcpy(big, v[i].b, 4);
			b = big;
			n = sizeof(big);
		}
		expect_error(b, n, VEUICC_TLV_DER, v[i].err);
		veuicc_tlv t;
		assert_int_equal(read_one(b, n, 0, &t, NULL), 1);
		assert_int_equal(t.tag, v[i].tag);
		assert_int_equal(t.len, v[i].len);
		assert_int_equal(t.raw_len, n);
		size_t e = 0;
		assert_int_equal(veuicc_tlv_validate(b, n, 0, 4, &e), VEUICC_OK);
		assert_int_equal(veuicc_tlv_validate(b, n, VEUICC_TLV_DER, 4, &e),
		                 VEUICC_ERR_MALFORMED);
		assert_int_equal(e, v[i].err);
	}
}

static void test_error_is_sticky(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x5A, 0x01, 0xAA, 0x5B, 0x03, 0x00};
	veuicc_tlv_reader r;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, b, sizeof(b), 0);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(veuicc_tlv_next(&r, &t), VEUICC_ERR_MALFORMED);
	assert_int_equal(r.err_offset, 4);
	r.err_offset = 0;
	assert_int_equal(veuicc_tlv_next(&r, &t), VEUICC_ERR_MALFORMED);
	assert_int_equal(r.err_offset, 4);
	/* Empty buffer: clean end. */
	veuicc_tlv_reader_init(&r, b, 0, VEUICC_TLV_DER);
	assert_int_equal(veuicc_tlv_next(&r, &t), 0);
}

static void test_padding(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x00, 0xFF, 0x5A, 0x01, 0xAA, 0x00,
	                            0x00, 0x9F, 0x7F, 0x00, 0xFF, 0x00};
	veuicc_tlv_reader r;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, b, sizeof(b), VEUICC_TLV_SKIP_PADDING | VEUICC_TLV_DER);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(t.tag, 0x5A);
	assert_int_equal(t.offset, 2);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(t.tag, 0x9F7F);
	assert_int_equal(t.offset, 7);
	assert_int_equal(veuicc_tlv_next(&r, &t), 0);
	/* Without the flag the leading 00 is an error. */
	expect_error(b, sizeof(b), 0, 0);
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), VEUICC_TLV_SKIP_PADDING, 4, NULL),
	                 VEUICC_OK);
}

/* ---- real data: FCP ----------------------------------------------------- */

/* EF.ICCID FCP of a sysmoEUICC1-C2T (pySim smpp2sim test, TS 102 221 §11.1.1.3). */
static const uint8_t fcp[] = {0x62, 0x1B, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x2F, 0xE2,
                              0xA5, 0x03, 0xD0, 0x01, 0x40, 0x8A, 0x01, 0x05, 0x8B, 0x03,
                              0x2F, 0x06, 0x03, 0x80, 0x02, 0x00, 0x0A, 0x88, 0x00};

static void test_fcp_nested(void **state)
{
	(void)state;
	veuicc_tlv_reader r, c, cc;
	veuicc_tlv t, u;
	veuicc_tlv_reader_init(&r, fcp, sizeof(fcp), VEUICC_TLV_DER);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(t.tag, 0x62);
	assert_true(t.constructed);
	assert_int_equal(t.len, 0x1B);
	assert_int_equal(veuicc_tlv_next(&r, &u), 0);

	static const struct {
		uint32_t tag;
		size_t offset, len;
	} want[] = {{0x82, 2, 2},  {0x83, 6, 2},  {0xA5, 10, 3}, {0x8A, 15, 1},
	            {0x8B, 18, 3}, {0x80, 23, 2}, {0x88, 27, 0}};
	veuicc_tlv_enter(&r, &t, &c);
	for (size_t i = 0; i < NELEM(want); i++) {
		assert_int_equal(veuicc_tlv_next(&c, &u), 1);
		assert_int_equal(u.tag, want[i].tag);
		assert_int_equal(u.offset, want[i].offset);
		assert_int_equal(u.len, want[i].len);
		if (u.tag == 0xA5) {
			veuicc_tlv v;
			veuicc_tlv_enter(&c, &u, &cc);
			assert_int_equal(veuicc_tlv_next(&cc, &v), 1);
			assert_int_equal(v.tag, 0xD0);
			assert_int_equal(v.offset, 12);
			assert_int_equal(v.value[0], 0x40);
			assert_int_equal(veuicc_tlv_next(&cc, &v), 0);
		}
	}
	assert_int_equal(veuicc_tlv_next(&c, &u), 0);

	/* find: FID 2FE2, file size 10, LCS 05 (activated). */
	assert_int_equal(veuicc_tlv_find(t.value, t.len, VEUICC_TLV_DER, 0x83, &u), 1);
	assert_int_equal(u.value[0] << 8 | u.value[1], 0x2FE2);
	assert_int_equal(veuicc_tlv_find(t.value, t.len, VEUICC_TLV_DER, 0x80, &u), 1);
	assert_int_equal(u.value[0] << 8 | u.value[1], 10);
	assert_int_equal(veuicc_tlv_find(t.value, t.len, VEUICC_TLV_DER, 0x8A, &u), 1);
	assert_int_equal(u.value[0], 0x05);
	assert_int_equal(veuicc_tlv_find(t.value, t.len, VEUICC_TLV_DER, 0x84, &u), 0);
	assert_int_equal(veuicc_tlv_find(t.value, t.len, VEUICC_TLV_DER, 0xD0, &u), 0);
	assert_int_equal(veuicc_tlv_validate(fcp, sizeof(fcp), VEUICC_TLV_DER, 8, NULL), VEUICC_OK);
}

static void test_child_error_offset(void **state)
{
	(void)state;
	/* The inner 5A claims 5 bytes but only 2 remain in its parent 70. */
	static const uint8_t b[] = {0x5A, 0x00, 0x70, 0x04, 0x5A, 0x05, 0x01, 0x02};
	veuicc_tlv_reader r, c;
	veuicc_tlv t, u;
	veuicc_tlv_reader_init(&r, b, sizeof(b), 0);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	assert_int_equal(t.tag, 0x70);
	assert_int_equal(t.offset, 2);
	assert_int_equal(veuicc_tlv_next(&r, &u), 0);
	veuicc_tlv_enter(&r, &t, &c);
	assert_int_equal(c.base, 4);
	assert_int_equal(veuicc_tlv_next(&c, &u), VEUICC_ERR_MALFORMED);
	assert_int_equal(c.err_offset, 5); /* offset in b, not in the child */
	size_t e = 0;
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, 0, &e), VEUICC_OK);
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, 1, &e), VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 5);
	/* find fails on the malformed buffer before reaching the tag. */
	static const uint8_t m[] = {0x5A, 0x01, 0xAA, 0x5B, 0x09, 0x00, 0x9F, 0x7F, 0x00};
	assert_int_equal(veuicc_tlv_find(m, sizeof(m), 0, 0x9F7F, &u), VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_tlv_find(m, sizeof(m), 0, 0x5A, &u), 1);
	assert_int_equal(u.offset, 0);
}

static void test_validate_depth(void **state)
{
	(void)state;
	/* 70 { 71 { 72 len 5 but 1 byte } }: the defect is at nesting depth 2. */
	static const uint8_t b[] = {0x70, 0x05, 0x71, 0x03, 0x72, 0x05, 0xAA};
	size_t e = SIZE_MAX;
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, 0, &e), VEUICC_OK);
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, 1, &e), VEUICC_OK);
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, 2, &e), VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 5);
	assert_int_equal(veuicc_tlv_validate(b, sizeof(b), 0, UINT_MAX, NULL),
	                 VEUICC_ERR_MALFORMED);
	/* Primitive objects are never entered even if their value looks bad. */
	static const uint8_t p[] = {0x50, 0x02, 0x5A, 0x09};
	assert_int_equal(veuicc_tlv_validate(p, sizeof(p), 0, 8, NULL), VEUICC_OK);

	/* 20 nested 30 objects, the innermost truncated. */
	uint8_t deep[42];
	for (size_t i = 0; i < 20; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = (uint8_t)(sizeof(deep) - 2 * i - 2);
	}
	deep[40] = 0x04;
	deep[41] = 0x01;
	assert_int_equal(veuicc_tlv_validate(deep, sizeof(deep), 0, 19, NULL), VEUICC_OK);
	assert_int_equal(veuicc_tlv_validate(deep, sizeof(deep), 0, 20, &e), VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 41);
	/* Trailing garbage at the top level is found at depth 0. */
	static const uint8_t tg[] = {0x5A, 0x00, 0x5B};
	assert_int_equal(veuicc_tlv_validate(tg, sizeof(tg), VEUICC_TLV_DER, 0, &e),
	                 VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 3);
}

/* ---- writer ------------------------------------------------------------ */

static void test_writer_fcp(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t n = 0;
	veuicc_tlv_writer w;
	static const uint8_t fd[] = {0x41, 0x21}, fid[] = {0x2F, 0xE2};
	static const uint8_t arr[] = {0x2F, 0x06, 0x03}, size[] = {0x00, 0x0A};
	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_begin(&w, 0x62);
	veuicc_tlv_put(&w, 0x82, fd, sizeof(fd));
	veuicc_tlv_put(&w, 0x83, fid, sizeof(fid));
	veuicc_tlv_begin(&w, 0xA5);
	veuicc_tlv_put_u8(&w, 0xD0, 0x40);
	veuicc_tlv_end(&w);
	veuicc_tlv_put_u8(&w, 0x8A, 0x05);
	veuicc_tlv_put(&w, 0x8B, arr, sizeof(arr));
	veuicc_tlv_put(&w, 0x80, size, sizeof(size));
	veuicc_tlv_put(&w, 0x88, NULL, 0);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_OK);
	assert_int_equal(n, sizeof(fcp));
	assert_memory_equal(out, fcp, sizeof(fcp));
}

/* begin/end around a value of vlen bytes: header and value must match X.690. */
static void check_grow(uint32_t tag, size_t vlen, const uint8_t *hdr, size_t hlen)
{
	static uint8_t out[600], val[600];
	veuicc_tlv_writer w;
	size_t n = 0;
	const size_t inner_h = veuicc_tlv_len_size(vlen - 3) + 1;
	assert_true(vlen <= 512);
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7 + 1);
	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_begin(&w, tag);
	veuicc_tlv_put(&w, 0x04, val, vlen - inner_h);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_OK);
	assert_int_equal(n, hlen + vlen);
	assert_memory_equal(out, hdr, hlen);
	/* The value was moved intact behind the long length. */
	assert_int_equal(out[hlen], 0x04);
	assert_memory_equal(out + hlen + inner_h, val, vlen - inner_h);
	veuicc_tlv t;
	assert_int_equal(read_one(out, n, VEUICC_TLV_DER, &t, NULL), 1);
	assert_int_equal(t.tag, tag);
	assert_int_equal(t.len, vlen);
	assert_int_equal(veuicc_tlv_validate(out, n, VEUICC_TLV_DER, 4, NULL), VEUICC_OK);
}

static void test_writer_grow(void **state)
{
	(void)state;
	/* 127: still short form. 04 7D + 125 bytes. */
	check_grow(0x30, 127, (const uint8_t[]){0x30, 0x7F}, 2);
	/* 128: 81 80, inner 04 7E. */
	check_grow(0x30, 128, (const uint8_t[]){0x30, 0x81, 0x80}, 3);
	/* 255 -> 81 FF. Inner 04 81 FC + 252. */
	check_grow(0xBF2D, 255, (const uint8_t[]){0xBF, 0x2D, 0x81, 0xFF}, 4);
	/* 256 and 300 -> 82 01 00 / 82 01 2C. */
	check_grow(0xBF2D, 256, (const uint8_t[]){0xBF, 0x2D, 0x82, 0x01, 0x00}, 5);
	check_grow(0x7F21, 300, (const uint8_t[]){0x7F, 0x21, 0x82, 0x01, 0x2C}, 5);

	/* Two nested levels both growing past 127 and 255. */
	uint8_t out[400], val[260];
	size_t n = 0;
	memset(val, 0x5C, sizeof(val));
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_begin(&w, 0xFF818203);
	veuicc_tlv_put_u8(&w, 0x80, 0x01);
	veuicc_tlv_begin(&w, 0xA1);
	veuicc_tlv_put(&w, 0x04, val, 200);
	veuicc_tlv_end(&w);
	veuicc_tlv_put(&w, 0x9F7F, val, 60);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_OK);
	/* A1: 04 81 C8 + 200 = 203 -> A1 81 CB. Outer: 3 + 206 + 63 = 272 -> 82 01 10. */
	static const uint8_t head[] = {0xFF, 0x81, 0x82, 0x03, 0x82, 0x01, 0x10, 0x80,
	                               0x01, 0x01, 0xA1, 0x81, 0xCB, 0x04, 0x81, 0xC8};
	assert_int_equal(n, 4 + 3 + 272);
	assert_memory_equal(out, head, sizeof(head));
	assert_int_equal(out[sizeof(head) + 200], 0x9F);
	assert_int_equal(out[sizeof(head) + 201], 0x7F);
	assert_int_equal(out[sizeof(head) + 202], 60);
	assert_int_equal(veuicc_tlv_validate(out, n, VEUICC_TLV_DER, 8, NULL), VEUICC_OK);
}

static void test_writer_overflow(void **state)
{
	(void)state;
	uint8_t out[16];
	uint8_t val[20] = {0};
	size_t n = 1234;
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out, 8);
	veuicc_tlv_put_u8(&w, 0x5A, 1);   /* 3 bytes, fits */
	veuicc_tlv_put(&w, 0x5B, val, 4); /* 6 more: no */
	assert_int_equal(w.err, VEUICC_ERR_BUFFER_TOO_SMALL);
	veuicc_tlv_put_u8(&w, 0x5C, 2); /* would fit, but the error is sticky */
	veuicc_tlv_begin(&w, 0x30);
	veuicc_tlv_end(&w);
	assert_int_equal(w.len, 3);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 1234);

	/* The long-length fix-up itself needs one byte more than the cap. */
	static uint8_t big[140];
	static const uint8_t src[127] = {1};
	veuicc_tlv_writer_init(&w, big, 131);
	veuicc_tlv_begin(&w, 0x30);
	veuicc_tlv_put(&w, 0x04, NULL, 0); /* 2 bytes */
	veuicc_tlv_put_raw(&w, src, 127);  /* value now 129 bytes */
	assert_int_equal(w.err, VEUICC_OK);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_ERR_BUFFER_TOO_SMALL);
	veuicc_tlv_writer_init(&w, big, 132);
	veuicc_tlv_begin(&w, 0x30);
	veuicc_tlv_put(&w, 0x04, NULL, 0);
	veuicc_tlv_put_raw(&w, src, 127);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_OK);
	assert_int_equal(n, 132);
	assert_int_equal(big[1], 0x81);
	assert_int_equal(big[2], 129);
	assert_memory_equal(big + 3, "\x04\x00\x01", 3);

	/* Zero-capacity writer. */
	veuicc_tlv_writer_init(&w, NULL, 0);
	veuicc_tlv_put(&w, 0x5A, NULL, 0);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_ERR_BUFFER_TOO_SMALL);
}

static void test_writer_unbalanced(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t n;
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_ERR_INVALID_ARG);

	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_begin(&w, 0x30);
	veuicc_tlv_begin(&w, 0x31);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_ERR_INVALID_ARG);

	veuicc_tlv_writer_init(&w, out, sizeof(out));
	for (int i = 0; i < VEUICC_TLV_MAX_DEPTH; i++)
		veuicc_tlv_begin(&w, 0x30);
	assert_int_equal(w.err, VEUICC_OK);
	veuicc_tlv_begin(&w, 0x30);
	assert_int_equal(w.err, VEUICC_ERR_INVALID_ARG);

	veuicc_tlv_writer_init(&w, out, sizeof(out));
	for (int i = 0; i < VEUICC_TLV_MAX_DEPTH; i++)
		veuicc_tlv_begin(&w, 0x30);
	for (int i = 0; i < VEUICC_TLV_MAX_DEPTH; i++)
		veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &n), VEUICC_OK);
	assert_int_equal(n, 2 * VEUICC_TLV_MAX_DEPTH);
	assert_int_equal(out[1], 2 * VEUICC_TLV_MAX_DEPTH - 2);
	assert_int_equal(out[2 * VEUICC_TLV_MAX_DEPTH - 1], 0);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(veuicc_tlv_tag_size(0x5A), 1);
	assert_int_equal(veuicc_tlv_tag_size(0x9F7F), 2);
	assert_int_equal(veuicc_tlv_tag_size(0xDF8101), 3);
	assert_int_equal(veuicc_tlv_tag_size(0xFF818203), 4);
	assert_int_equal(veuicc_tlv_len_size(0), 1);
	assert_int_equal(veuicc_tlv_len_size(127), 1);
	assert_int_equal(veuicc_tlv_len_size(128), 2);
	assert_int_equal(veuicc_tlv_len_size(255), 2);
	assert_int_equal(veuicc_tlv_len_size(256), 3);
	assert_int_equal(veuicc_tlv_len_size(65535), 3);
	assert_int_equal(veuicc_tlv_len_size(65536), 4);
	assert_int_equal(veuicc_tlv_len_size(0xFFFFFF), 4);
	assert_int_equal(veuicc_tlv_len_size(0x1000000), 5);
}

/* X.690 §8.1.3: the bare length writer gives the same bytes a reader accepts. */
static void test_put_len(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		uint8_t der[5];
		size_t n;
	} v[] = {
	    {0, {0x00}, 1},
	    {0x7F, {0x7F}, 1},
	    {0x80, {0x81, 0x80}, 2},
	    {0xFF, {0x81, 0xFF}, 2},
	    {0x100, {0x82, 0x01, 0x00}, 3},
	    {0x1234, {0x82, 0x12, 0x34}, 3},
	    {0x10000, {0x83, 0x01, 0x00, 0x00}, 4},
	    {0x1000000, {0x84, 0x01, 0x00, 0x00, 0x00}, 5},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t p[6];
		memset(p, 0xEE, sizeof(p));
		assert_int_equal(veuicc_tlv_put_len(p, v[i].len), v[i].n);
		assert_memory_equal(p, v[i].der, v[i].n);
		assert_int_equal(p[v[i].n], 0xEE); /* nothing past the length */
	}
}

/* ---- SIMPLE-TLV ------------------------------------------------------- */

static void test_simple_tlv(void **state)
{
	(void)state;
	static uint8_t b[4 + 2 + 300 + 4];
	size_t pos = 0, n;
	static const uint8_t v2[] = {0xAA, 0xBB};
	uint8_t v300[300];
	memset(v300, 0x3C, sizeof(v300));
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0x01, v2, 2), VEUICC_OK);
	assert_int_equal(pos, 4);
	assert_memory_equal(b, "\x01\x02\xAA\xBB", 4);
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0xFE, v300, 300), VEUICC_OK);
	assert_memory_equal(b + 4, "\xFE\xFF\x01\x2C", 4);
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0x10, NULL, 0), VEUICC_OK);
	n = pos;
	assert_int_equal(n, 4 + 4 + 300 + 2);
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0x10, v2, 2),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(pos, n);
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0x00, NULL, 0),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_stlv_put(b, sizeof(b), &pos, 0xFF, NULL, 0),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_stlv_put(b, 100000, &pos, 0x01, v300, 65536),
	                 VEUICC_ERR_INVALID_ARG);

	veuicc_stlv s;
	pos = 0;
	assert_int_equal(veuicc_stlv_next(b, n, &pos, &s), 1);
	assert_int_equal(s.tag, 0x01);
	assert_int_equal(s.len, 2);
	assert_int_equal(s.offset, 0);
	assert_memory_equal(s.value, v2, 2);
	assert_int_equal(veuicc_stlv_next(b, n, &pos, &s), 1);
	assert_int_equal(s.tag, 0xFE);
	assert_int_equal(s.len, 300);
	assert_int_equal(s.offset, 4);
	assert_ptr_equal(s.value, b + 8);
	assert_int_equal(veuicc_stlv_next(b, n, &pos, &s), 1);
	assert_int_equal(s.tag, 0x10);
	assert_int_equal(s.len, 0);
	assert_int_equal(veuicc_stlv_next(b, n, &pos, &s), 0);

	/* 254 -> one byte, 255 -> FF 00 FF (ISO 7816-4 §5.2.1). */
	uint8_t e[300];
	pos = 0;
	assert_int_equal(veuicc_stlv_put(e, sizeof(e), &pos, 0x42, v300, 254), VEUICC_OK);
	assert_int_equal(e[1], 254);
	pos = 0;
	assert_int_equal(veuicc_stlv_put(e, sizeof(e), &pos, 0x42, v300, 255), VEUICC_OK);
	assert_memory_equal(e, "\x42\xFF\x00\xFF", 4);
	assert_int_equal(pos, 259);

	/* Truncations and invalid tags. */
	static const struct {
		uint8_t b[6];
		size_t n, off;
	} bad[] = {
	    {{0x01}, 1, 1},             /* no length */
	    {{0x01, 0xFF, 0x01}, 3, 3}, /* 3-byte length cut */
	    {{0x01, 0xFF}, 2, 2},       /* 3-byte length cut */
	    {{0x01, 0x05, 0xAA}, 3, 1}, /* value past end */
	    {{0x01, 0xFF, 0x00, 0x02, 0xAA}, 5, 1},
	    {{0x00, 0x00}, 2, 0}, /* tag 00 */
	    {{0xFF, 0x00}, 2, 0}, /* tag FF */
	};
	for (size_t i = 0; i < NELEM(bad); i++) {
		pos = 0;
		s.offset = SIZE_MAX;
		assert_int_equal(veuicc_stlv_next(bad[i].b, bad[i].n, &pos, &s),
		                 VEUICC_ERR_MALFORMED);
		assert_int_equal(pos, 0);
		assert_int_equal(s.offset, bad[i].off);
	}
	/* The non-minimal 3-byte form is read. */
	static const uint8_t nm[] = {0x07, 0xFF, 0x00, 0x01, 0x99};
	pos = 0;
	assert_int_equal(veuicc_stlv_next(nm, sizeof(nm), &pos, &s), 1);
	assert_int_equal(s.len, 1);
	assert_int_equal(s.value[0], 0x99);
}

/* ---- COMPACT-TLV on real ATR historical bytes ------------------------- */

static void test_compact_tlv_atr(void **state)
{
	(void)state;
	/* Historical bytes of 3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90
	 * 00 93: category indicator 80, then COMPACT-TLV (ISO 7816-4 §8.1.1.2). */
	static const uint8_t hist[] = {0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63,
	                               0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00};
	static const struct {
		uint8_t tag, len;
		size_t offset;
		uint8_t v[3];
	} want[] = {
	    {3, 1, 1, {0xE0}},              /* card service data */
	    {7, 3, 3, {0xFE, 0x21, 0x1B}},  /* card capabilities */
	    {6, 3, 7, {0x3A, 0x20, 0x4E}},  /* pre-issuing data */
	    {8, 3, 11, {0x00, 0x90, 0x00}}, /* status indicator: LCS 00, SW 9000 */
	};
	size_t pos = 1;
	veuicc_ctlv c;
	uint8_t out[sizeof(hist)];
	size_t opos = 1;
	out[0] = 0x80;
	for (size_t i = 0; i < NELEM(want); i++) {
		assert_int_equal(veuicc_ctlv_next(hist, sizeof(hist), &pos, &c), 1);
		assert_int_equal(c.tag, want[i].tag);
		assert_int_equal(c.len, want[i].len);
		assert_int_equal(c.offset, want[i].offset);
		assert_memory_equal(c.value, want[i].v, want[i].len);
		assert_int_equal(veuicc_ctlv_put(out, sizeof(out), &opos, c.tag, c.value, c.len),
		                 VEUICC_OK);
	}
	assert_int_equal(veuicc_ctlv_next(hist, sizeof(hist), &pos, &c), 0);
	assert_int_equal(opos, sizeof(hist));
	assert_memory_equal(out, hist, sizeof(hist));
	/* The logical channel count: card capabilities 3rd byte b3..b1 = 3 -> 4 channels.
	 */
	assert_int_equal(hist[6] & 0x07, 3);

	/* Cut in the middle of "73 FE 21 1B". */
	pos = 3;
	assert_int_equal(veuicc_ctlv_next(hist, 6, &pos, &c), VEUICC_ERR_MALFORMED);
	assert_int_equal(pos, 3);
	assert_int_equal(c.offset, 3);
	opos = 0;
	assert_int_equal(veuicc_ctlv_put(out, sizeof(out), &opos, 16, NULL, 0),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ctlv_put(out, sizeof(out), &opos, 1, hist, 16),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ctlv_put(out, 3, &opos, 1, hist, 3), VEUICC_ERR_BUFFER_TOO_SMALL);
}

/* ---- real DER certificate --------------------------------------------- */

static size_t load_cert(uint8_t *buf, size_t cap)
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	char path[4096];
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/tlv/CERT_EUICC_ECDSA_NIST.der", dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

/* Enters \p t and returns the \p idx-th (0-based) child. */
static veuicc_tlv child(const veuicc_tlv_reader *r, const veuicc_tlv *t, size_t idx)
{
	veuicc_tlv_reader c;
	veuicc_tlv u;
	veuicc_tlv_enter(r, t, &c);
	for (size_t i = 0; i <= idx; i++)
		assert_int_equal(veuicc_tlv_next(&c, &u), 1);
	return u;
}

static void test_certificate(void **state)
{
	(void)state;
	uint8_t buf[2048];
	const size_t n = load_cert(buf, sizeof(buf));
	size_t e = 0;

	assert_int_equal(n, 516);
	assert_int_equal(veuicc_tlv_validate(buf, n, VEUICC_TLV_DER, 32, &e), VEUICC_OK);
	assert_int_equal(veuicc_tlv_validate(buf, n, 0, 32, &e), VEUICC_OK);

	veuicc_tlv_reader r;
	veuicc_tlv cert, u;
	veuicc_tlv_reader_init(&r, buf, n, VEUICC_TLV_DER);
	assert_int_equal(veuicc_tlv_next(&r, &cert), 1);
	assert_int_equal(veuicc_tlv_next(&r, &u), 0);
	/* Independent fact: 30 82 02 00, outer length = file size - 4 header bytes. */
	assert_int_equal(cert.tag, 0x30);
	assert_int_equal(cert.len, n - 4);
	assert_int_equal(cert.len, (size_t)(buf[2] << 8 | buf[3]));
	assert_int_equal(cert.raw_len, n);

	/* RFC 5280 §4.1: tbsCertificate, signatureAlgorithm, signatureValue. */
	veuicc_tlv_reader c;
	veuicc_tlv_enter(&r, &cert, &c);
	veuicc_tlv tbs, alg, sig;
	assert_int_equal(veuicc_tlv_next(&c, &tbs), 1);
	assert_int_equal(veuicc_tlv_next(&c, &alg), 1);
	assert_int_equal(veuicc_tlv_next(&c, &sig), 1);
	assert_int_equal(veuicc_tlv_next(&c, &u), 0);
	assert_int_equal(tbs.offset, 4);
	assert_int_equal(sig.tag, 0x03);
	/* ecdsa-with-SHA256, 1.2.840.10045.4.3.2 */
	static const uint8_t ecdsa_sha256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
	veuicc_tlv oid = child(&c, &alg, 0);
	assert_int_equal(oid.tag, 0x06);
	assert_int_equal(oid.len, sizeof(ecdsa_sha256));
	assert_memory_equal(oid.value, ecdsa_sha256, sizeof(ecdsa_sha256));

	/* tbsCertificate: [0] version, serial, signature, issuer, validity, subject. */
	veuicc_tlv ver = child(&c, &tbs, 0);
	assert_int_equal(ver.tag, 0xA0);
	veuicc_tlv subject = child(&c, &tbs, 5);
	assert_int_equal(subject.tag, 0x30);
	/* Find the serialNumber (2.5.4.5) attribute: it is the EID. */
	static const uint8_t oid_sn[] = {0x55, 0x04, 0x05};
	static const char eid[] = "89049032123451234512345678901235";
	veuicc_tlv_reader sr;
	veuicc_tlv set;
	bool found = false;
	veuicc_tlv_enter(&c, &subject, &sr);
	while (veuicc_tlv_next(&sr, &set) == 1) {
		veuicc_tlv atv = child(&sr, &set, 0);
		veuicc_tlv type = child(&sr, &atv, 0);
		veuicc_tlv value = child(&sr, &atv, 1);
		if (type.len == sizeof(oid_sn) && !memcmp(type.value, oid_sn, sizeof(oid_sn))) {
			assert_int_equal(value.tag, 0x13); /* PrintableString */
			assert_int_equal(value.len, strlen(eid));
			assert_memory_equal(value.value, eid, strlen(eid));
			assert_int_equal(value.offset, 174); /* openssl asn1parse */
			found = true;
		}
	}
	assert_true(found);

	/* Rewriting the certificate from its parse tree gives the same bytes. */
	uint8_t out[2048];
	size_t on = 0;
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out, sizeof(out));
	veuicc_tlv_begin(&w, cert.tag);
	veuicc_tlv_put_raw(&w, tbs.raw, tbs.raw_len);
	veuicc_tlv_begin(&w, alg.tag);
	veuicc_tlv_put(&w, oid.tag, oid.value, oid.len);
	veuicc_tlv_end(&w);
	veuicc_tlv_put(&w, sig.tag, sig.value, sig.len);
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &on), VEUICC_OK);
	assert_int_equal(on, n);
	assert_memory_equal(out, buf, n);
}

static void test_certificate_truncated(void **state)
{
	(void)state;
	uint8_t buf[2048];
	const size_t n = load_cert(buf, sizeof(buf));
	for (size_t cut = 1; cut < n; cut++) {
		/* An exact-size heap copy, so ASan builds catch any over-read. */
		uint8_t *p = malloc(cut);
		assert_non_null(p);
		memcpy(p, buf, cut);
		for (unsigned flags = 0; flags <= VEUICC_TLV_DER; flags += VEUICC_TLV_DER) {
			size_t e = SIZE_MAX;
			assert_int_equal(veuicc_tlv_validate(p, cut, flags, 32, &e),
			                 VEUICC_ERR_MALFORMED);
			assert_true(e <= cut);
		}
		free(p);
	}
	/* The outer header alone is cut inside the length at 1..3 bytes. */
	size_t e;
	assert_int_equal(veuicc_tlv_validate(buf, 3, VEUICC_TLV_DER, 32, &e), VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 3);
	assert_int_equal(veuicc_tlv_validate(buf, 100, VEUICC_TLV_DER, 32, &e),
	                 VEUICC_ERR_MALFORMED);
	assert_int_equal(e, 1); /* outer length runs past the end */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tag_forms),         cmocka_unit_test(test_tag_errors),
	    cmocka_unit_test(test_length_forms),      cmocka_unit_test(test_length_errors),
	    cmocka_unit_test(test_put_len),           cmocka_unit_test(test_der_minimality),
	    cmocka_unit_test(test_error_is_sticky),   cmocka_unit_test(test_padding),
	    cmocka_unit_test(test_fcp_nested),        cmocka_unit_test(test_child_error_offset),
	    cmocka_unit_test(test_validate_depth),    cmocka_unit_test(test_writer_fcp),
	    cmocka_unit_test(test_writer_grow),       cmocka_unit_test(test_writer_overflow),
	    cmocka_unit_test(test_writer_unbalanced), cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_simple_tlv),        cmocka_unit_test(test_compact_tlv_atr),
	    cmocka_unit_test(test_certificate),       cmocka_unit_test(test_certificate_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
