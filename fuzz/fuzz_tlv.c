/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/tlv: BER-TLV reader/validate in BER, DER and padding
 * modes, SIMPLE-TLV and COMPACT-TLV readers, and the writers. Whatever was
 * read is written back; a DER-valid input must come back byte for byte
 * (X.690 §10: DER has exactly one encoding), any other BER-valid input must
 * come back no longer and still valid.
 */
#include <stdlib.h>
#include <string.h>

#include "tlv/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* Writes the objects of \p r to \p w: begin/end for constructed ones while the
 * writer has depth left, the value as is below that. Returns the reader's end
 * result (0 or a negative error). */
static int reencode(veuicc_tlv_reader *r, veuicc_tlv_writer *w)
{
	veuicc_tlv t;
	int rc;

	while ((rc = veuicc_tlv_next(r, &t)) == 1) {
		if (t.constructed && w->depth < VEUICC_TLV_MAX_DEPTH) {
			veuicc_tlv_reader c;
			veuicc_tlv_enter(r, &t, &c);
			veuicc_tlv_begin(w, t.tag);
			rc = reencode(&c, w);
			if (rc < 0)
				return rc;
			veuicc_tlv_end(w);
		} else {
			veuicc_tlv_put(w, t.tag, t.value, t.len);
		}
	}
	return rc;
}

/* Writes \p in (read with \p flags) into \p out of \p cap bytes; returns the length or -1. */
static long rewrite(const uint8_t *in, size_t len, unsigned flags, uint8_t *out, size_t cap)
{
	veuicc_tlv_reader r;
	veuicc_tlv_writer w;
	size_t n = 0;

	veuicc_tlv_reader_init(&r, in, len, flags);
	veuicc_tlv_writer_init(&w, out, cap);
	CHECK(reencode(&r, &w) == 0);
	if (veuicc_tlv_writer_finish(&w, &n) != VEUICC_OK) {
		CHECK(w.err == VEUICC_ERR_BUFFER_TOO_SMALL);
		return -1;
	}
	return (long)n;
}

/* Top-level walk: every object lies inside the input, offsets are consistent. */
static void walk(const uint8_t *data, size_t size, unsigned flags)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	size_t prev_end = 0;

	veuicc_tlv_reader_init(&r, data, size, flags);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		CHECK(t.raw >= data && t.raw_len <= size &&
		      t.raw - data <= (long)(size - t.raw_len));
		CHECK(t.offset == (size_t)(t.raw - data) && t.offset >= prev_end);
		CHECK(t.value == t.raw + t.tag_len + veuicc_tlv_len_size(t.len) ||
		      !(flags & VEUICC_TLV_DER));
		CHECK(t.tag_len >= 1 && t.tag_len <= 4 && veuicc_tlv_tag_size(t.tag) == t.tag_len);
		prev_end = t.offset + t.raw_len;
		if (flags == VEUICC_TLV_DER || flags == 0) {
			veuicc_tlv f;
			CHECK(veuicc_tlv_find(data, size, flags, t.tag, &f) == 1);
			CHECK(f.offset <= t.offset && f.tag == t.tag);
		}
	}
	CHECK(rc == 0 || (rc == VEUICC_ERR_MALFORMED && r.err_offset <= size));
}

static void ber(const uint8_t *data, size_t size)
{
	size_t e_der = 0, e_ber = 0;
	const int der_ok = veuicc_tlv_validate(data, size, VEUICC_TLV_DER, 32, &e_der) == 0;
	const int ber_ok = veuicc_tlv_validate(data, size, 0, 32, &e_ber) == 0;

	CHECK(!der_ok || ber_ok);
	CHECK(der_ok || e_der <= size);
	CHECK(ber_ok || e_ber <= size);
	(void)veuicc_tlv_validate(data, size, VEUICC_TLV_SKIP_PADDING, 32, NULL);
	(void)veuicc_tlv_validate(data, size, VEUICC_TLV_SKIP_PADDING | VEUICC_TLV_DER, 3, NULL);
	walk(data, size, 0);
	walk(data, size, VEUICC_TLV_DER);
	walk(data, size, VEUICC_TLV_SKIP_PADDING);
	if (!ber_ok)
		return;

	uint8_t *out = malloc(size + 1);
	CHECK(out);
	long n = rewrite(data, size, der_ok ? VEUICC_TLV_DER : 0, out, size);
	CHECK(n >= 0 && (size_t)n <= size);
	if (der_ok) {
		/* DER in, DER out: identical bytes, and one byte less does not fit. */
		CHECK((size_t)n == size && memcmp(out, data, size) == 0);
		if (size > 0)
			CHECK(rewrite(data, size, VEUICC_TLV_DER, out, size - 1) < 0);
	} else {
		/* BER in: the rewrite is valid and rewriting it again changes nothing. */
		CHECK(veuicc_tlv_validate(out, (size_t)n, 0, 32, NULL) == 0);
		uint8_t *again = malloc((size_t)n + 1);
		CHECK(again);
		CHECK(rewrite(out, (size_t)n, 0, again, (size_t)n) == n);
		CHECK(memcmp(again, out, (size_t)n) == 0);
		free(again);
	}
	free(out);
}

static void simple(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(size + 4);
	size_t pos = 0, opos = 0;
	veuicc_stlv s;
	int rc;

	CHECK(out);
	while ((rc = veuicc_stlv_next(data, size, &pos, &s)) == 1) {
		const size_t start = s.offset, before = opos;
		CHECK(s.value + s.len == data + pos && pos <= size);
		CHECK(veuicc_stlv_put(out, size + 4, &opos, s.tag, s.value, s.len) == 0);
		/* Same size means the length was minimal: then the bytes are the same. */
		if (opos - before == pos - start)
			CHECK(memcmp(out + before, data + start, pos - start) == 0);
		else
			CHECK(s.len < 0xFF && pos - start == opos - before + 2);
	}
	CHECK(rc == 0 || (rc == VEUICC_ERR_MALFORMED && s.offset <= size && pos < size));
	free(out);
}

static void compact(const uint8_t *data, size_t size, size_t from)
{
	uint8_t *out = malloc(size + 1);
	size_t pos = from, opos = from;
	veuicc_ctlv c;
	int rc;

	CHECK(out);
	while ((rc = veuicc_ctlv_next(data, size, &pos, &c)) == 1)
		CHECK(veuicc_ctlv_put(out, size, &opos, c.tag, c.value, c.len) == 0);
	CHECK(opos == pos);
	CHECK(pos <= from || memcmp(out + from, data + from, pos - from) == 0);
	CHECK(rc == 0 || (rc == VEUICC_ERR_MALFORMED && c.offset == pos));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ber(data, size);
	simple(data, size);
	compact(data, size, 0);
	if (size > 0)
		compact(data, size, 1); /* after an ATR category indicator */
	return 0;
}
