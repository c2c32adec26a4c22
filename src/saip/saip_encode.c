/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DER encoder for the SAIP model: the inverse walk of saip_decode.c over the
 * same tables, writing with the BER-TLV writer of src/tlv (DER lengths).
 * Components go out in definition order (X.690 §10), a DEFAULT equal to its
 * default is left out (X.690 §11.5), extensions are written back as kept.
 */
#include "saip/saip_schema.h"
#include "tlv/tlv.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

struct ectx {
	veuicc_tlv_writer *w;
	int err; /* our own errors; the writer keeps its own */
};

static const void *cfield(const void *base, uint16_t off)
{
	return (const unsigned char *)base + off;
}

static void bad(struct ectx *e)
{
	if (e->err == VEUICC_OK)
		e->err = VEUICC_ERR_INVALID_ARG;
}

static void enc_value(struct ectx *e, const struct saip_member *m, const void *f);

static void enc_seq_body(struct ectx *e, const struct saip_type *ty, const void *src);

static void put_uint(struct ectx *e, const struct saip_member *m, uint32_t v)
{
	uint8_t b[5];

	if (v < m->lo || v > m->hi)
		bad(e);
	veuicc_tlv_put(e->w, m->tag, b, veuicc_saip_int_bytes(v, b));
}

static void enc_choice(struct ectx *e, const struct saip_type *ct, const void *f)
{
	int which;

	memcpy(&which, cfield(f, ct->which_off), sizeof(which));
	if (which <= 0 || which > ct->n) {
		const veuicc_saip_oct *ext = cfield(f, ct->ext_off);
		if (!ext->present || !ext->len)
			bad(e);
		else
			veuicc_tlv_put_raw(e->w, ext->data, ext->len);
		return;
	}
	const struct saip_member *alt = &ct->m[which - 1];
	enc_value(e, alt, cfield(f, alt->off));
}

static void enc_value(struct ectx *e, const struct saip_member *m, const void *f)
{
	switch (m->kind) {
	case SK_NULL:
	case SK_BIT: veuicc_tlv_put(e->w, m->tag, NULL, 0); return;
	case SK_INT: {
		uint32_t v;
		memcpy(&v, f, sizeof(v));
		put_uint(e, m, v);
		return;
	}
	case SK_OINT: {
		veuicc_saip_int v;
		memcpy(&v, f, sizeof(v));
		put_uint(e, m, v.value);
		return;
	}
	case SK_OCT:
	case SK_UTF8:
	case SK_OID: {
		const veuicc_saip_oct *o = f;
		if (m->kind == SK_OCT && (o->len < m->lo || o->len > m->hi))
			bad(e);
		if (m->kind == SK_OID && o->len == 0)
			bad(e);
		veuicc_tlv_put(e->w, m->tag, o->data, o->len);
		return;
	}
	case SK_SEQ:
		veuicc_tlv_begin(e->w, m->tag);
		enc_seq_body(e, m->type, f);
		veuicc_tlv_end(e->w);
		return;
	case SK_SEQ_PTR: {
		const void *p;
		memcpy(&p, f, sizeof(p));
		if (!p) {
			bad(e);
			return;
		}
		veuicc_tlv_begin(e->w, m->tag);
		enc_seq_body(e, m->type, p);
		veuicc_tlv_end(e->w);
		return;
	}
	case SK_SEQOF: {
		const struct saip_type *lt = m->type;
		struct saip_list_any l;
		memcpy(&l, f, sizeof(l));
		if (l.count < lt->lo || l.count > lt->hi || (l.count && !l.items))
			bad(e);
		veuicc_tlv_begin(e->w, m->tag);
		for (size_t i = 0; i < l.count && l.items; i++)
			enc_value(e, lt->m, (const unsigned char *)l.items + i * lt->size);
		veuicc_tlv_end(e->w);
		return;
	}
	case SK_CHOICE:
		if (!m->tag) {
			enc_choice(e, m->type, f);
			return;
		}
		veuicc_tlv_begin(e->w, m->tag); /* X.680 §31.2.7: explicit */
		enc_choice(e, m->type, f);
		veuicc_tlv_end(e->w);
		return;
	default: bad(e);
	}
}

bool veuicc_saip_member_present(const struct saip_member *m, const void *f)
{
	switch (m->kind) {
	case SK_NULL: return *(const bool *)f;
	case SK_BIT: {
		uint32_t bits;
		memcpy(&bits, f, sizeof(bits));
		return (bits >> m->lo) & 1u;
	}
	case SK_OINT: return ((const veuicc_saip_int *)f)->present;
	case SK_OCT:
	case SK_UTF8:
	case SK_OID: return ((const veuicc_saip_oct *)f)->present;
	case SK_SEQ_PTR: {
		const void *p;
		memcpy(&p, f, sizeof(p));
		return p != NULL;
	}
	case SK_SEQOF: {
		struct saip_list_any l;
		memcpy(&l, f, sizeof(l));
		return l.present || !(m->flags & SF_OPT);
	}
	default: /* INT, SEQ, CHOICE are always there */ return true;
	}
}

bool veuicc_saip_member_is_default(const struct saip_member *m, const void *f)
{
	if (!(m->flags & SF_DEF))
		return false;
	switch (m->kind) {
	case SK_OCT: {
		const veuicc_saip_oct *o = f;
		return o->len == m->def_len && memcmp(o->data, m->def, m->def_len) == 0;
	}
	case SK_INT: {
		uint32_t v;
		uint8_t b[5];
		memcpy(&v, f, sizeof(v));
		size_t n = veuicc_saip_int_bytes(v, b);
		return n == m->def_len && memcmp(b, m->def, n) == 0;
	}
	case SK_SEQOF: {
		/* Compare the DER of the list with the stored DEFAULT contents. */
		uint8_t buf[512];
		veuicc_tlv_writer w;
		veuicc_tlv_reader r;
		veuicc_tlv t;
		struct ectx e = {.w = &w, .err = VEUICC_OK};
		size_t n;

		veuicc_tlv_writer_init(&w, buf, sizeof(buf));
		enc_value(&e, m, f);
		if (e.err || veuicc_tlv_writer_finish(&w, &n))
			return false;
		veuicc_tlv_reader_init(&r, buf, n, VEUICC_TLV_DER);
		if (veuicc_tlv_next(&r, &t) != 1)
			return false;
		return t.len == m->def_len && memcmp(t.value, m->def, m->def_len) == 0;
	}
	default: return false;
	}
}

static void enc_fs_files(struct ectx *e, const veuicc_saip_pe_fs *fs, const struct saip_type *ty)
{
	long last = -1;

	if (fs->count && !fs->files) {
		bad(e);
		return;
	}
	for (size_t i = 0; i < fs->count; i++) {
		const veuicc_saip_fs_file *ff = &fs->files[i];
		struct saip_member fm = {.name = ff->name,
		                         .tag = veuicc_saip_fs_field_tag(ff->field),
		                         .kind = SK_SEQOF,
		                         .type = ty->m[ty->n - 1].type};
		/* X.690 §10: definition order; each field once. */
		if ((long)ff->field <= last || ff->field >= ty->fs_n)
			bad(e);
		last = ff->field;
		enc_value(e, &fm, &ff->file);
	}
}

static void enc_seq_body(struct ectx *e, const struct saip_type *ty, const void *src)
{
	for (unsigned i = 0; i < ty->n; i++) {
		const struct saip_member *m = &ty->m[i];
		const void *f = cfield(src, m->off);

		if (m->kind == SK_FSFILES) {
			enc_fs_files(e, src, ty);
			continue;
		}
		if (!veuicc_saip_member_present(m, f)) {
			if (!(m->flags & (SF_OPT | SF_DEF)))
				bad(e); /* a mandatory component is missing */
			continue;
		}
		if (veuicc_saip_member_is_default(m, f))
			continue; /* X.690 §11.5 */
		enc_value(e, m, f);
	}
	const veuicc_saip_oct *ext = cfield(src, ty->ext_off);
	if (ext->present && ext->len)
		veuicc_tlv_put_raw(e->w, ext->data, ext->len);
}

static int encode_into(const veuicc_saip_profile *p, uint8_t *buf, size_t cap, size_t *len)
{
	veuicc_tlv_writer w;
	struct ectx e = {.w = &w, .err = VEUICC_OK};

	veuicc_tlv_writer_init(&w, buf, cap);
	for (size_t i = 0; i < p->count; i++) {
		const veuicc_saip_pe *pe = &p->pes[i];
		const struct saip_type *ty = veuicc_saip_pe_schema(pe->type);

		if (!ty || !pe->u.any) {
			if (!pe->raw.present || !pe->raw.len)
				return VEUICC_ERR_INVALID_ARG;
			veuicc_tlv_put_raw(&w, pe->raw.data, pe->raw.len);
			continue;
		}
		veuicc_tlv_begin(&w, veuicc_saip_pe_tag(pe->type));
		enc_seq_body(&e, ty, pe->u.any);
		veuicc_tlv_end(&w);
		if (e.err)
			return e.err;
	}
	return veuicc_tlv_writer_finish(&w, len);
}

int veuicc_saip_encode(const veuicc_saip_profile *p, uint8_t **out, size_t *out_len)
{
	size_t cap = 16384;

	if (!p || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < p->count; i++)
		cap += p->pes[i].raw.len;
	for (;;) {
		uint8_t *buf = malloc(cap);
		size_t len = 0;
		if (!buf)
			return VEUICC_ERR_NO_MEMORY;
		int rc = encode_into(p, buf, cap, &len);
		if (rc == VEUICC_OK) {
			*out = buf;
			*out_len = len;
			return VEUICC_OK;
		}
		mbedtls_platform_zeroize(buf, cap);
		free(buf);
		if (rc != VEUICC_ERR_BUFFER_TOO_SMALL || cap > SIZE_MAX / 2 || cap >= (1u << 30))
			return rc;
		cap *= 2;
	}
}
