/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict DER decoder for SAIP profile packages: a generic walker over the
 * PEDefinitions tables of saip_schema.c, on top of the BER-TLV reader in DER
 * mode (src/tlv). Every violation is reported with the byte offset of the
 * offending TLV, the PE it belongs to and the SAIP status the card would
 * answer (invalid-request-format for encoding errors, bad-values for values
 * outside their ASN.1 constraints).
 *
 * DER rules checked here on top of the reader (minimal tags and lengths):
 * X.690 §11.5 (a DEFAULT value is never encoded), §8.3.2 (minimal INTEGER),
 * §8.8.2 (empty NULL), §8.19.2 (minimal OID subidentifiers), and component
 * order (X.690 §8.6 / §10 for SEQUENCE: definition order).
 */
#include "saip/saip_schema.h"
#include "tlv/tlv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest package accepted: TS.48 profiles are 12 KB, ones with applets a few 100 KB. */
#define SAIP_MAX_PACKAGE (4u * 1024u * 1024u)
/* Longest OBJECT IDENTIFIER contents accepted (template OIDs have 6 or 7 bytes). */
#define SAIP_MAX_OID 64

struct dctx {
	struct veuicc_saip_arena **arena;
	veuicc_saip_error *err;
	const char *where; /* ASN.1 type being decoded, for messages */
};

static void *field_at(void *base, uint16_t off)
{
	return (unsigned char *)base + off;
}

static int fail(struct dctx *c, veuicc_saip_status st, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct dctx *c, veuicc_saip_status st, size_t off, const char *fmt, ...)
{
	veuicc_saip_error *e = c->err;

	if (e->err == VEUICC_OK) {
		va_list ap;
		int n;

		e->err = VEUICC_ERR_MALFORMED;
		e->status = st;
		e->offset = off;
		n = snprintf(e->msg, sizeof(e->msg), "%s: ", c->where ? c->where : "package");
		if (n < 0 || (size_t)n >= sizeof(e->msg))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return VEUICC_ERR_MALFORMED;
}

/* Why the TLV at r->pos (where the reader stopped) is not DER: X.690 §8.1, §10.1. */
static void tlv_problem(const veuicc_tlv_reader *r, char *buf, size_t cap)
{
	const uint8_t *p = r->pos, *end = r->end;
	size_t n, len = 0;

	if (p >= end) {
		snprintf(buf, cap, "data ends inside a TLV");
		return;
	}
	if (*p == 0x00) {
		snprintf(buf, cap, "tag 00 is not a data object (X.690 §8.1.5)");
		return;
	}
	const uint8_t *q = p + 1;
	if ((*p & 0x1F) == 0x1F) {
		if (q == end) {
			snprintf(buf, cap, "truncated: the tag continues past the end");
			return;
		}
		if (*q == 0x80) {
			snprintf(buf, cap, "tag number with a leading 80 octet (X.690 §8.1.2.4.2)");
			return;
		}
		while (q < end && (*q & 0x80) && q - p < 4)
			q++;
		if (q == end) {
			snprintf(buf, cap, "truncated: the tag continues past the end");
			return;
		}
		if (*q & 0x80) {
			snprintf(buf, cap, "tag longer than 4 bytes");
			return;
		}
		q++;
		if (q - p == 2 && p[1] < 0x1F) {
			snprintf(buf, cap, "tag number %u in the long form (X.690 §8.1.2.2)", p[1]);
			return;
		}
	}
	if (q == end) {
		snprintf(buf, cap, "truncated: no length after the tag");
		return;
	}
	if (*q == 0x80) {
		snprintf(buf, cap, "indefinite length, not allowed in DER (X.690 §10.1)");
		return;
	}
	if (*q & 0x80) {
		n = *q & 0x7Fu;
		if (n > 4) {
			snprintf(buf, cap, "length field of %zu bytes", n);
			return;
		}
		if ((size_t)(end - q - 1) < n) {
			snprintf(buf, cap, "truncated: the length field continues past the end");
			return;
		}
		for (size_t i = 1; i <= n; i++)
			len = (len << 8) | q[i];
		if (q[1] == 0 || len < 0x80) {
			snprintf(buf, cap, "length %zu not in its shortest form (X.690 §10.1)",
			         len);
			return;
		}
		q += n + 1;
	} else {
		len = *q++;
	}
	snprintf(buf, cap, "length %zu runs past the end: only %zu bytes left (truncated?)", len,
	         (size_t)(end - q));
}

static int fail_tlv(struct dctx *c, const veuicc_tlv_reader *r)
{
	char why[120];

	tlv_problem(r, why, sizeof(why));
	return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, r->err_offset, "%s", why);
}

static size_t end_offset(const veuicc_tlv_reader *r)
{
	return r->base + (size_t)(r->end - r->start);
}

static void *alloc(struct dctx *c, size_t n)
{
	void *p = veuicc_saip_arena_alloc(c->arena, n);

	if (!p && c->err->err == VEUICC_OK) {
		c->err->err = VEUICC_ERR_NO_MEMORY;
		snprintf(c->err->msg, sizeof(c->err->msg), "out of memory");
	}
	return p;
}

/* UTF-8 well-formedness (RFC 3629 §4: no overlong forms, no surrogates, at most
 * U+10FFFF); returns the number of characters or -1. */
static long utf8_chars(const uint8_t *s, size_t n)
{
	long chars = 0;

	for (size_t i = 0; i < n; chars++) {
		const uint8_t b = s[i];
		size_t k;
		uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte */

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) {
			k = 1;
		} else if (b >= 0xE0 && b <= 0xEF) {
			k = 2;
			lo = b == 0xE0 ? 0xA0 : 0x80;
			hi = b == 0xED ? 0x9F : 0xBF;
		} else if (b >= 0xF0 && b <= 0xF4) {
			k = 3;
			lo = b == 0xF0 ? 0x90 : 0x80;
			hi = b == 0xF4 ? 0x8F : 0xBF;
		} else {
			return -1;
		}
		if (k >= n - i || s[i + 1] < lo || s[i + 1] > hi)
			return -1;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return -1;
		i += k + 1;
	}
	return chars;
}

static int dec_uint(struct dctx *c, const struct saip_member *m, const veuicc_tlv *t, uint32_t *out)
{
	const uint8_t *v = t->value;
	uint64_t val = 0;

	if (t->len == 0)
		return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
		            "%s: INTEGER without contents (X.690 §8.3.1)", m->name);
	if (t->len > 1 && ((v[0] == 0x00 && !(v[1] & 0x80)) || (v[0] == 0xFF && (v[1] & 0x80))))
		return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
		            "%s: INTEGER not in minimal form (X.690 §8.3.2)", m->name);
	if ((v[0] & 0x80) || t->len > 5)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
		            "%s: INTEGER outside %u..%u", m->name, m->lo, m->hi);
	for (size_t i = 0; i < t->len; i++)
		val = (val << 8) | v[i];
	if (val < m->lo || val > m->hi)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
		            "%s: value %llu outside %u..%u", m->name, (unsigned long long)val,
		            m->lo, m->hi);
	*out = (uint32_t)val;
	return VEUICC_OK;
}

static int check_size(struct dctx *c, const struct saip_member *m, const veuicc_tlv *t, size_t n)
{
	if (n < m->lo || n > m->hi) {
		if (m->lo == m->hi)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
			            "%s: size %zu, must be %u", m->name, n, m->lo);
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
		            "%s: size %zu outside %u..%u", m->name, n, m->lo, m->hi);
	}
	return VEUICC_OK;
}

static void set_oct(void *f, const uint8_t *data, size_t len)
{
	veuicc_saip_oct o = {.data = data, .len = (uint32_t)len, .present = true};

	memcpy(f, &o, sizeof(o));
}

static int dec_value(struct dctx *c, const struct saip_member *m, const veuicc_tlv_reader *pr,
                     const veuicc_tlv *t, void *f);

static int dec_seq(struct dctx *c, const struct saip_type *ty, veuicc_tlv_reader *r, void *dst);

static int dec_list(struct dctx *c, const struct saip_member *m, const veuicc_tlv_reader *pr,
                    const veuicc_tlv *t, void *f)
{
	const struct saip_type *lt = m->type;
	const struct saip_member *em = lt->m;
	veuicc_tlv_reader r, scan;
	veuicc_tlv e;
	size_t n = 0;
	int rc;

	/* Two passes: count (this also checks the TLVs), then decode into one array. */
	veuicc_tlv_enter(pr, t, &r);
	scan = r;
	while ((rc = veuicc_tlv_next(&scan, &e)) == 1)
		n++;
	if (rc < 0)
		return fail_tlv(c, &scan);
	if (n < lt->lo || n > lt->hi)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
		            "%s: %zu elements, SIZE is %u..%u", m->name, n, lt->lo, lt->hi);

	struct saip_list_any list = {.items = NULL, .count = n, .present = true};
	if (n) {
		if (n > SIZE_MAX / lt->size)
			return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, t->offset,
			            "too large");
		list.items = alloc(c, n * lt->size);
		if (!list.items)
			return VEUICC_ERR_NO_MEMORY;
	}
	for (size_t i = 0; i < n; i++) {
		veuicc_tlv_next(&r, &e); /* cannot fail: scanned above */
		if (em->tag && e.tag != em->tag)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, e.offset,
			            "%s: element tag %X, expected %X", m->name, (unsigned)e.tag,
			            (unsigned)em->tag);
		rc = dec_value(c, em, &r, &e, (unsigned char *)list.items + i * lt->size);
		if (rc)
			return rc;
	}
	memcpy(f, &list, sizeof(list));
	return VEUICC_OK;
}

/* A CHOICE value whose alternative's TLV is \p t. */
static int dec_choice(struct dctx *c, const struct saip_type *ct, const veuicc_tlv_reader *pr,
                      const veuicc_tlv *t, void *dst)
{
	for (unsigned i = 0; i < ct->n; i++) {
		const struct saip_member *alt = &ct->m[i];
		if (alt->tag != t->tag)
			continue;
		int which = (int)i + 1;
		memcpy(field_at(dst, ct->which_off), &which, sizeof(which));
		return dec_value(c, alt, pr, t, field_at(dst, alt->off));
	}
	/* EXTENSIBILITY IMPLIED: an alternative added by a later version. */
	set_oct(field_at(dst, ct->ext_off), t->raw, t->raw_len);
	return VEUICC_OK;
}

static int dec_value(struct dctx *c, const struct saip_member *m, const veuicc_tlv_reader *pr,
                     const veuicc_tlv *t, void *f)
{
	veuicc_tlv_reader r;
	uint32_t v;
	int rc;

	switch (m->kind) {
	case SK_NULL:
	case SK_BIT:
		if (t->len)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
			            "%s: NULL with contents (X.690 §8.8.2)", m->name);
		if (m->kind == SK_NULL) {
			*(bool *)f = true;
		} else {
			uint32_t bits;
			memcpy(&bits, f, sizeof(bits));
			bits |= 1u << m->lo;
			memcpy(f, &bits, sizeof(bits));
		}
		return VEUICC_OK;
	case SK_INT:
		rc = dec_uint(c, m, t, &v);
		if (!rc)
			memcpy(f, &v, sizeof(v));
		return rc;
	case SK_OINT:
		rc = dec_uint(c, m, t, &v);
		if (!rc) {
			veuicc_saip_int iv = {.value = v, .present = true};
			memcpy(f, &iv, sizeof(iv));
		}
		return rc;
	case SK_OCT:
		rc = check_size(c, m, t, t->len);
		if (!rc)
			set_oct(f, t->value, t->len);
		return rc;
	case SK_UTF8: {
		long chars = utf8_chars(t->value, t->len);
		if (chars < 0)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
			            "%s: not UTF-8 (RFC 3629)", m->name);
		rc = check_size(c, m, t, (size_t)chars);
		if (!rc)
			set_oct(f, t->value, t->len);
		return rc;
	}
	case SK_OID:
		/* X.690 §8.19.2: no leading 80 octet in a subidentifier, last one ends. */
		if (t->len == 0 || (t->value[t->len - 1] & 0x80))
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
			            "%s: bad OBJECT IDENTIFIER (X.690 §8.19)", m->name);
		for (size_t i = 0, run = 0; i < t->len; i++) {
			if (t->value[i] == 0x80 && (i == 0 || !(t->value[i - 1] & 0x80)))
				return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
				            "%s: OBJECT IDENTIFIER not minimal (X.690 §8.19.2)",
				            m->name);
			run = (t->value[i] & 0x80) ? run + 1 : 0;
			/* arcs up to 2^56, OIDs up to 64 bytes: ample for SAIP */
			if (run >= 8 || t->len > SAIP_MAX_OID)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, t->offset,
				            "%s: OBJECT IDENTIFIER too long", m->name);
		}
		set_oct(f, t->value, t->len);
		return VEUICC_OK;
	case SK_SEQ: veuicc_tlv_enter(pr, t, &r); return dec_seq(c, m->type, &r, f);
	case SK_SEQ_PTR: {
		void *p = alloc(c, m->type->size);
		if (!p)
			return VEUICC_ERR_NO_MEMORY;
		veuicc_tlv_enter(pr, t, &r);
		rc = dec_seq(c, m->type, &r, p);
		memcpy(f, &p, sizeof(p));
		return rc;
	}
	case SK_SEQOF: return dec_list(c, m, pr, t, f);
	case SK_CHOICE: {
		veuicc_tlv alt;
		if (!m->tag)
			return dec_choice(c, m->type, pr, t, f);
		/* X.680 §31.2.7: a tagged CHOICE is explicitly tagged. */
		veuicc_tlv_enter(pr, t, &r);
		rc = veuicc_tlv_next(&r, &alt);
		if (rc < 0)
			return fail_tlv(c, &r);
		if (rc == 0)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
			            "%s: empty CHOICE", m->name);
		rc = dec_choice(c, m->type, &r, &alt, f);
		if (rc)
			return rc;
		veuicc_tlv extra;
		rc = veuicc_tlv_next(&r, &extra);
		if (rc < 0)
			return fail_tlv(c, &r);
		if (rc)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, extra.offset,
			            "%s: more than one CHOICE alternative", m->name);
		return VEUICC_OK;
	}
	default: return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset, "internal");
	}
}

/* Decode the DEFAULT of \p m into \p f (its contents are stored in the table). */
static int apply_default(struct dctx *c, const struct saip_member *m, void *f)
{
	/* The common cases directly: an OCTET STRING or a small INTEGER. */
	if (m->kind == SK_OCT) {
		set_oct(f, m->def, m->def_len);
		return VEUICC_OK;
	}
	if (m->kind == SK_INT && m->def_len <= 4) {
		uint32_t v = 0;
		for (size_t i = 0; i < m->def_len; i++)
			v = v << 8 | m->def[i];
		memcpy(f, &v, sizeof(v));
		return VEUICC_OK;
	}
	veuicc_tlv t = {.tag = m->tag,
	                .constructed = m->kind == SK_SEQOF,
	                .len = m->def_len,
	                .value = m->def,
	                .raw = m->def,
	                .raw_len = m->def_len,
	                .offset = 0};
	veuicc_tlv_reader r;

	veuicc_tlv_reader_init(&r, m->def, m->def_len, VEUICC_TLV_DER);
	return dec_value(c, m, &r, &t, f);
}

int veuicc_saip_apply_default(struct veuicc_saip_arena **arena, const struct saip_member *m,
                              void *f)
{
	veuicc_saip_error e = {0};
	struct dctx c = {.arena = arena, .err = &e, .where = "DEFAULT"};

	return apply_default(&c, m, f);
}

static bool is_default(const struct saip_member *m, const veuicc_tlv *t)
{
	return t->len == m->def_len && memcmp(t->value, m->def, m->def_len) == 0;
}

/* Is \p tag one of the components of \p ty (so it cannot start the extensions)? */
static bool tag_known(const struct saip_type *ty, uint32_t tag)
{
	for (unsigned i = 0; i < ty->n; i++) {
		if (ty->m[i].kind == SK_FSFILES) {
			long idx = veuicc_saip_fs_tag_index(tag) - 2;
			if (idx >= 0 && idx < (long)ty->fs_n)
				return true;
		} else if (ty->m[i].tag == tag) {
			return true;
		}
	}
	return false;
}

/* The File fields of a file system PE: [2].. up to the PE type's last field. */
static int dec_fs_files(struct dctx *c, const struct saip_type *ty, const struct saip_member *m,
                        veuicc_tlv_reader *r, veuicc_tlv *t, int *have, void *dst)
{
	veuicc_saip_pe_fs *fs = dst;
	veuicc_tlv_reader scan = *r;
	veuicc_tlv e;
	size_t n = 0;
	long last = -1;
	int rc;

	if (*have == 1) {
		n = 1;
		while ((rc = veuicc_tlv_next(&scan, &e)) == 1)
			n++;
		if (rc < 0)
			return fail_tlv(c, &scan);
	}
	if (n) {
		fs->files = alloc(c, n * sizeof(*fs->files));
		if (!fs->files)
			return VEUICC_ERR_NO_MEMORY;
	}
	struct saip_member fm = *m;
	fm.kind = SK_SEQOF;
	while (*have == 1) {
		long idx = veuicc_saip_fs_tag_index(t->tag) - 2;
		if (idx < 0 || idx >= (long)ty->fs_n)
			break; /* an extension, or an error found by the caller */
		if (idx <= last)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
			            "%s: File field out of order or repeated (X.690 §10)",
			            ty->fs[idx].name);
		for (long j = last + 1; j < idx; j++)
			if (!ty->fs[j].optional)
				return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
				            "mandatory File field %s missing", ty->fs[j].name);
		veuicc_saip_fs_file *ff = &fs->files[fs->count++];
		ff->field = (uint16_t)idx;
		ff->name = ty->fs[idx].name;
		fm.name = ff->name;
		rc = dec_list(c, &fm, r, t, &ff->file);
		if (rc)
			return rc;
		last = idx;
		*have = veuicc_tlv_next(r, t);
		if (*have < 0)
			return fail_tlv(c, r);
	}
	for (long j = last + 1; j < (long)ty->fs_n; j++)
		if (!ty->fs[j].optional)
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			            *have == 1 ? t->offset : end_offset(r),
			            "mandatory File field %s missing", ty->fs[j].name);
	return VEUICC_OK;
}

static int dec_seq(struct dctx *c, const struct saip_type *ty, veuicc_tlv_reader *r, void *dst)
{
	const char *outer = c->where;
	veuicc_tlv t;
	int have, rc;

	c->where = ty->name;
	have = veuicc_tlv_next(r, &t);
	if (have < 0)
		return fail_tlv(c, r);
	for (unsigned i = 0; i < ty->n; i++) {
		const struct saip_member *m = &ty->m[i];
		void *f = field_at(dst, m->off);

		if (m->kind == SK_FSFILES) {
			rc = dec_fs_files(c, ty, m, r, &t, &have, dst);
			if (rc)
				return rc;
			continue;
		}
		if (have == 1 && t.tag == m->tag) {
			if ((m->flags & SF_DEF) && is_default(m, &t))
				return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t.offset,
				            "%s: DEFAULT value encoded (X.690 §11.5)", m->name);
			rc = dec_value(c, m, r, &t, f);
			if (rc)
				return rc;
			have = veuicc_tlv_next(r, &t);
			if (have < 0)
				return fail_tlv(c, r);
		} else if (m->flags & SF_DEF) {
			rc = apply_default(c, m, f);
			if (rc)
				return rc;
		} else if (!(m->flags & SF_OPT)) {
			return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			            have == 1 ? t.offset : end_offset(r),
			            "mandatory component %s missing%s", m->name,
			            have == 1 ? " or out of order" : "");
		}
	}
	if (have == 1) {
		/* EXTENSIBILITY IMPLIED: components of later versions follow the known ones. */
		const uint8_t *start = t.raw;
		do {
			if (tag_known(ty, t.tag))
				return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t.offset,
				            "component with tag %X repeated or out of order "
				            "(X.690 §10)",
				            (unsigned)t.tag);
			have = veuicc_tlv_next(r, &t);
		} while (have == 1);
		if (have < 0)
			return fail_tlv(c, r);
		set_oct(field_at(dst, ty->ext_off), start, (size_t)(r->end - start));
	}
	c->where = outer;
	return VEUICC_OK;
}

/* The identification number in the PEHeader of a PE's TLV, or -1. */
static long peek_identification(const veuicc_tlv_reader *top, const veuicc_tlv *pe)
{
	veuicc_tlv_reader r, h;
	veuicc_tlv t;

	if (pe->tag == veuicc_saip_pe_tag(VEUICC_SAIP_PE_HEADER))
		return -1;
	veuicc_tlv_enter(top, pe, &r);
	if (veuicc_tlv_next(&r, &t) != 1 || t.tag != 0xA0)
		return -1;
	veuicc_tlv_enter(&r, &t, &h);
	while (veuicc_tlv_next(&h, &t) == 1) {
		if (t.tag == 0x81 && t.len >= 1 && t.len <= 2 && !(t.value[0] & 0x80))
			return t.len == 1 ? t.value[0] : (long)(t.value[0] << 8 | t.value[1]);
	}
	return -1;
}

static int dec_pe(struct dctx *c, const veuicc_tlv_reader *top, const veuicc_tlv *t,
                  veuicc_saip_pe *pe)
{
	long idx = veuicc_saip_fs_tag_index(t->tag);
	veuicc_tlv_reader r;

	pe->offset = t->offset;
	pe->raw.data = t->raw;
	pe->raw.len = (uint32_t)t->raw_len;
	pe->raw.present = true;
	if (idx < 0) {
		c->where = "ProfileElement";
		return fail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, t->offset,
		            "tag %X is not a ProfileElement alternative", (unsigned)t->tag);
	}
	if (idx >= VEUICC_SAIP_PE_TYPE_COUNT) {
		/* An alternative of a later version: kept raw, the validator decides. */
		pe->type = VEUICC_SAIP_PE_UNKNOWN;
		return VEUICC_OK;
	}
	pe->type = (veuicc_saip_pe_type)idx;
	const struct saip_type *ty = veuicc_saip_pe_schema(pe->type);
	pe->u.any = alloc(c, ty->size);
	if (!pe->u.any)
		return VEUICC_ERR_NO_MEMORY;
	veuicc_tlv_enter(top, t, &r);
	return dec_seq(c, ty, &r, pe->u.any);
}

int veuicc_saip_profile_new(veuicc_saip_profile **out)
{
	if (!out)
		return VEUICC_ERR_INVALID_ARG;
	*out = calloc(1, sizeof(**out));
	return *out ? VEUICC_OK : VEUICC_ERR_NO_MEMORY;
}

void veuicc_saip_free(veuicc_saip_profile *p)
{
	if (!p)
		return;
	veuicc_saip_arena_free(p->arena);
	free(p);
}

void *veuicc_saip_alloc(veuicc_saip_profile *p, size_t size)
{
	return veuicc_saip_arena_alloc(&p->arena, size);
}

int veuicc_saip_set_bytes(veuicc_saip_profile *p, veuicc_saip_oct *dst, const uint8_t *data,
                          size_t len)
{
	uint8_t *copy = veuicc_saip_arena_alloc(&p->arena, len ? len : 1);

	if (!copy || len > UINT32_MAX)
		return VEUICC_ERR_NO_MEMORY;
	if (len)
		memcpy(copy, data, len);
	dst->data = copy;
	dst->len = (uint32_t)len;
	dst->present = true;
	return VEUICC_OK;
}

int veuicc_saip_decode(const uint8_t *der, size_t len, veuicc_saip_profile **out,
                       veuicc_saip_error *err)
{
	veuicc_saip_error local;
	veuicc_saip_profile *p = NULL;
	veuicc_tlv_reader r, scan;
	veuicc_tlv t;
	size_t n = 0;
	int rc;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	err->pe_index = -1;
	err->identification = -1;
	if (!out || (!der && len))
		return err->err = VEUICC_ERR_INVALID_ARG;
	*out = NULL;

	struct dctx c = {.err = err, .where = "package"};
	if (len == 0)
		return fail(&c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, 0, "empty input");
	if (len > SAIP_MAX_PACKAGE)
		return fail(&c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, 0,
		            "%zu bytes, more than the %u accepted", len, SAIP_MAX_PACKAGE);
	rc = veuicc_saip_profile_new(&p);
	if (rc)
		return err->err = rc;
	c.arena = &p->arena;

	uint8_t *copy = alloc(&c, len);
	if (!copy) {
		veuicc_saip_free(p);
		return VEUICC_ERR_NO_MEMORY;
	}
	memcpy(copy, der, len);
	veuicc_tlv_reader_init(&r, copy, len, VEUICC_TLV_DER);
	scan = r;
	while ((rc = veuicc_tlv_next(&scan, &t)) == 1)
		n++;
	if (rc < 0) {
		err->pe_index = (long)n;
		rc = fail_tlv(&c, &scan);
		goto out;
	}
	p->pes = alloc(&c, n * sizeof(*p->pes));
	if (!p->pes) {
		rc = VEUICC_ERR_NO_MEMORY;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		veuicc_tlv_next(&r, &t);
		rc = dec_pe(&c, &r, &t, &p->pes[i]);
		p->count = i + 1;
		if (rc) {
			err->pe_index = (long)i;
			err->identification = peek_identification(&r, &t);
			goto out;
		}
	}
	*out = p;
	return VEUICC_OK;
out:
	veuicc_saip_free(p);
	return rc;
}
