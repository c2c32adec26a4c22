/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BER-TLV writer producing DER lengths (ITU-T X.690 §10.1: definite form, the
 * fewest octets). Errors are sticky: the first one is kept in w->err and every
 * later call does nothing, so callers check once in veuicc_tlv_writer_finish().
 */
#include "tlv/tlv.h"

#include <string.h>

/* X.690 §8.1.3.5: long form = 0x80 | number of subsequent length octets. */
#define LEN_LONG 0x80u
/* Lengths above 4 subsequent octets are not supported (ISO 7816-4 §5.2.2.2). */
#define LEN_MAX 0xFFFFFFFFu

static void set_err(veuicc_tlv_writer *w, int err)
{
	if (w->err == VEUICC_OK)
		w->err = err;
}

/* Room for n more bytes? Sets the sticky error if not. */
static bool room(veuicc_tlv_writer *w, size_t n)
{
	if (w->err != VEUICC_OK)
		return false;
	if (n > w->cap - w->len) {
		set_err(w, VEUICC_ERR_BUFFER_TOO_SMALL);
		return false;
	}
	return true;
}

static void put_tag(uint8_t *p, uint32_t tag, size_t n)
{
	for (size_t i = n; i-- > 0; tag >>= 8)
		p[i] = (uint8_t)tag;
}

/* Writes the DER length of \p len (n = veuicc_tlv_len_size(len) bytes) at p. */
static void put_len(uint8_t *p, size_t len, size_t n)
{
	if (n == 1) {
		p[0] = (uint8_t)len;
		return;
	}
	p[0] = (uint8_t)(LEN_LONG | (n - 1));
	for (size_t i = n - 1; i > 0; i--, len >>= 8)
		p[i] = (uint8_t)len;
}

size_t veuicc_tlv_put_len(uint8_t *p, size_t len)
{
	size_t n = veuicc_tlv_len_size(len);
	put_len(p, len, n);
	return n;
}

void veuicc_tlv_writer_init(veuicc_tlv_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = VEUICC_OK;
	w->depth = 0;
}

void veuicc_tlv_put(veuicc_tlv_writer *w, uint32_t tag, const uint8_t *value, size_t len)
{
	const size_t ts = veuicc_tlv_tag_size(tag);
	const size_t ls = veuicc_tlv_len_size(len);

	if ((uint64_t)len > LEN_MAX || (len && !value)) {
		set_err(w, VEUICC_ERR_INVALID_ARG);
		return;
	}
	if (len > SIZE_MAX - ts - ls || !room(w, ts + ls + len))
		return;
	uint8_t *p = w->buf + w->len;
	put_tag(p, tag, ts);
	put_len(p + ts, len, ls);
	if (len)
		memcpy(p + ts + ls, value, len);
	w->len += ts + ls + len;
}

void veuicc_tlv_put_u8(veuicc_tlv_writer *w, uint32_t tag, uint8_t value)
{
	veuicc_tlv_put(w, tag, &value, 1);
}

void veuicc_tlv_put_raw(veuicc_tlv_writer *w, const uint8_t *bytes, size_t len)
{
	if (len && !bytes) {
		set_err(w, VEUICC_ERR_INVALID_ARG);
		return;
	}
	if (!room(w, len) || !len)
		return;
	memcpy(w->buf + w->len, bytes, len);
	w->len += len;
}

void veuicc_tlv_begin(veuicc_tlv_writer *w, uint32_t tag)
{
	const size_t ts = veuicc_tlv_tag_size(tag);

	if (w->err != VEUICC_OK)
		return;
	if (w->depth == VEUICC_TLV_MAX_DEPTH) {
		set_err(w, VEUICC_ERR_INVALID_ARG);
		return;
	}
	/* Tag and a one-byte length placeholder, fixed up by veuicc_tlv_end(). */
	if (!room(w, ts + 1))
		return;
	put_tag(w->buf + w->len, tag, ts);
	w->len += ts;
	w->open[w->depth++] = w->len;
	w->buf[w->len++] = 0;
}

void veuicc_tlv_end(veuicc_tlv_writer *w)
{
	if (w->err != VEUICC_OK)
		return;
	if (w->depth == 0) {
		set_err(w, VEUICC_ERR_INVALID_ARG);
		return;
	}
	const size_t at = w->open[--w->depth];
	const size_t vlen = w->len - at - 1;
	const size_t ls = veuicc_tlv_len_size(vlen);

	if ((uint64_t)vlen > LEN_MAX) {
		set_err(w, VEUICC_ERR_INVALID_ARG);
		return;
	}
	if (ls > 1) {
		/* X.690 §10.1: long form needed, shift the value right. */
		if (!room(w, ls - 1))
			return;
		memmove(w->buf + at + ls, w->buf + at + 1, vlen);
		w->len += ls - 1;
	}
	put_len(w->buf + at, vlen, ls);
}

int veuicc_tlv_writer_finish(veuicc_tlv_writer *w, size_t *len)
{
	if (w->err == VEUICC_OK && w->depth != 0)
		w->err = VEUICC_ERR_INVALID_ARG;
	if (w->err != VEUICC_OK)
		return w->err;
	if (len)
		*len = w->len;
	return VEUICC_OK;
}
