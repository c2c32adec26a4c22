/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BER-TLV reader: ISO/IEC 7816-4 §5.2.2 (BER-TLV data objects) and ITU-T X.690
 * §8.1 (identifier and length octets), with the DER restrictions of X.690 §10.1
 * (definite, minimal length) and §8.1.2.4.2 c) (no leading zero tag octet).
 *
 * Kept small and branch-light: the APDU engine runs it on every FCP, FCI and
 * GET DATA response.
 */
#include "tlv/tlv.h"

/* X.690 §8.1.2.2: bits 5..1 all set = tag number in subsequent octets. */
#define TAG_NUMBER_MASK 0x1Fu
/* X.690 §8.1.2.5: bit 6 of the first octet = constructed. */
#define TAG_CONSTRUCTED 0x20u
/* X.690 §8.1.2.4.2 a): bit 8 of a subsequent octet = another octet follows. */
#define TAG_MORE 0x80u
/* X.690 §8.1.3.4/.5: bit 8 of the first length octet = long form; 0x80 = indefinite. */
#define LEN_LONG 0x80u
/* ISO 7816-4 §5.2.2.1: tags are 1 to 4 bytes here, lengths 1 to 5 bytes. */
#define TAG_MAX_BYTES  4
#define LEN_MAX_SUBSEQ 4
/* ISO 7816-4 §5.2.2: 00 and FF before, between and after data objects are padding. */
#define PAD_00 0x00u
#define PAD_FF 0xFFu

static int fail(veuicc_tlv_reader *r, const uint8_t *at)
{
	r->err_offset = r->base + (size_t)(at - r->start);
	return VEUICC_ERR_MALFORMED;
}

void veuicc_tlv_reader_init(veuicc_tlv_reader *r, const uint8_t *buf, size_t len, unsigned flags)
{
	r->start = buf;
	r->pos = buf;
	r->end = buf + len;
	r->base = 0;
	r->flags = flags;
	r->err_offset = 0;
}

int veuicc_tlv_next(veuicc_tlv_reader *r, veuicc_tlv *out)
{
	const uint8_t *p = r->pos;
	const uint8_t *const end = r->end;
	const unsigned der = r->flags & VEUICC_TLV_DER;

	if (r->flags & VEUICC_TLV_SKIP_PADDING) {
		while (p < end && (*p == PAD_00 || *p == PAD_FF))
			p++;
		r->pos = p;
	}
	if (p == end)
		return 0;

	/* Identifier octets (X.690 §8.1.2). */
	const uint8_t *const raw = p;
	uint32_t tag = *p++;
	if (tag == 0) /* X.690 §8.1.5 end-of-contents: only valid in indefinite form */
		return fail(r, raw);
	if ((tag & TAG_NUMBER_MASK) == TAG_NUMBER_MASK) {
		if (p == end)
			return fail(r, p);
		if (der && *p == TAG_MORE) /* X.690 §8.1.2.4.2 c) */
			return fail(r, p);
		uint8_t b;
		do {
			if (p - raw == TAG_MAX_BYTES) /* a fifth tag byte announced */
				return fail(r, p - 1);
			if (p == end)
				return fail(r, p);
			b = *p++;
			tag = (tag << 8) | b;
		} while (b & TAG_MORE);
		/* X.690 §8.1.2.2: tag numbers 0..30 use the one-octet form. */
		if (der && p - raw == 2 && (tag & 0x7Fu) < TAG_NUMBER_MASK)
			return fail(r, raw + 1);
	}
	const uint8_t *const tag_end = p;

	/* Length octets (X.690 §8.1.3). */
	if (p == end)
		return fail(r, p);
	const uint8_t *const lp = p;
	size_t len = *p++;
	if (len & LEN_LONG) {
		size_t n = len & ~(size_t)LEN_LONG;
		if (n == 0 || n > LEN_MAX_SUBSEQ) /* indefinite (§8.1.3.6) or too long */
			return fail(r, lp);
		if ((size_t)(end - p) < n)
			return fail(r, end);
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | p[i];
		p += n;
		/* X.690 §10.1: the fewest octets, short form below 128. */
		if (der && (lp[1] == 0 || len < LEN_LONG))
			return fail(r, lp);
	}
	if (len > (size_t)(end - p))
		return fail(r, lp);

	out->tag = tag;
	out->tag_len = (uint8_t)(tag_end - raw);
	out->constructed = (*raw & TAG_CONSTRUCTED) != 0;
	out->len = len;
	out->value = p;
	out->raw = raw;
	out->raw_len = (size_t)(p - raw) + len;
	out->offset = r->base + (size_t)(raw - r->start);
	r->pos = p + len;
	return 1;
}

void veuicc_tlv_enter(const veuicc_tlv_reader *parent, const veuicc_tlv *t,
                      veuicc_tlv_reader *child)
{
	child->start = t->value;
	child->pos = t->value;
	child->end = t->value + t->len;
	child->base = t->offset + (size_t)(t->value - t->raw);
	child->flags = parent->flags;
	child->err_offset = 0;
}

int veuicc_tlv_find(const uint8_t *buf, size_t len, unsigned flags, uint32_t tag, veuicc_tlv *out)
{
	veuicc_tlv_reader r;
	int rc;

	veuicc_tlv_reader_init(&r, buf, len, flags);
	while ((rc = veuicc_tlv_next(&r, out)) == 1) {
		if (out->tag == tag)
			return 1;
	}
	return rc;
}

int veuicc_tlv_validate(const uint8_t *buf, size_t len, unsigned flags, unsigned max_depth,
                        size_t *err_offset)
{
	/* One reader per open level, no recursion: the stack use is fixed. */
	veuicc_tlv_reader lvl[VEUICC_TLV_VALIDATE_MAX_DEPTH + 1];
	unsigned d = 0;

	if (max_depth > VEUICC_TLV_VALIDATE_MAX_DEPTH)
		max_depth = VEUICC_TLV_VALIDATE_MAX_DEPTH;
	veuicc_tlv_reader_init(&lvl[0], buf, len, flags);
	for (;;) {
		veuicc_tlv t;
		int rc = veuicc_tlv_next(&lvl[d], &t);
		if (rc < 0) {
			if (err_offset)
				*err_offset = lvl[d].err_offset;
			return VEUICC_ERR_MALFORMED;
		}
		if (rc == 0) {
			if (d == 0)
				return VEUICC_OK;
			d--;
			continue;
		}
		if (t.constructed && d < max_depth) {
			veuicc_tlv_enter(&lvl[d], &t, &lvl[d + 1]);
			d++;
		}
	}
}

size_t veuicc_tlv_tag_size(uint32_t tag)
{
	return 1 + (tag > 0xFFu) + (tag > 0xFFFFu) + (tag > 0xFFFFFFu);
}

size_t veuicc_tlv_len_size(size_t len)
{
	if (len < 0x80u)
		return 1;
	return 2 + (len > 0xFFu) + (len > 0xFFFFu) + (len > 0xFFFFFFu);
}
