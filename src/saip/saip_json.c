/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON view of a SAIP profile (jansson), walked over the same PEDefinitions
 * tables as the DER codec. The JSON mirrors the ASN.1 value notation:
 *
 *   [ {"header": {"major-version": 2, ..., "iccid": "8900...41", ...}},
 *     {"mf": {"mf-header": {"mandated": null, "identification": 4},
 *             "templateID": "2.23.143.1.2.1",
 *             "ef-iccid": [ {"fileDescriptor": {...}}, {"fillFileContent": "98..."} ] }},
 *     ... ]
 *
 * SEQUENCE -> object with the ASN.1 component names; CHOICE -> object with
 * one key (the alternative); SEQUENCE OF -> array; OCTET STRING -> hex;
 * OBJECT IDENTIFIER -> dotted text; NULL -> null; INTEGER -> number, or its
 * ASN.1 name where it has one ("pinAppl1"). DEFAULT values are left out.
 * Extensions unknown to PEDefinitions 3.3.1 are "_extensions" (hex DER);
 * an unknown CHOICE alternative or PE is {"_unknown": "<hex DER>"}.
 */
#include "saip/saip_schema.h"
#include "tlv/tlv.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_KEY     "_extensions"
#define UNKNOWN_KEY "_unknown"

/* ---- model -> JSON ------------------------------------------------------------- */

static json_t *hex_string(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	veuicc_saip_hex(b, n, s);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *j_value(const struct saip_member *m, const void *f);

static int j_set(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *j_seq(const struct saip_type *ty, const void *src)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (unsigned i = 0; i < ty->n; i++) {
		const struct saip_member *m = &ty->m[i];
		const void *f = (const unsigned char *)src + m->off;

		if (m->kind == SK_FSFILES) {
			const veuicc_saip_pe_fs *fs = src;
			struct saip_member fm = {.kind = SK_SEQOF, .type = m->type};
			for (size_t k = 0; k < fs->count; k++)
				if (j_set(o, fs->files[k].name, j_value(&fm, &fs->files[k].file)))
					goto fail;
			continue;
		}
		if (!veuicc_saip_member_present(m, f) || veuicc_saip_member_is_default(m, f))
			continue;
		if (j_set(o, m->name, j_value(m, f)))
			goto fail;
	}
	const veuicc_saip_oct *ext =
	    (const veuicc_saip_oct *)((const unsigned char *)src + ty->ext_off);
	if (ext->present && ext->len && j_set(o, EXT_KEY, hex_string(ext->data, ext->len)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *j_int(const struct saip_member *m, uint32_t v)
{
	for (const struct saip_named *n = m->names; n && n->name; n++)
		if (n->value == v)
			return json_string(n->name);
	return json_integer((json_int_t)v);
}

static json_t *j_value(const struct saip_member *m, const void *f)
{
	switch (m->kind) {
	case SK_NULL:
	case SK_BIT: return json_null();
	case SK_INT: {
		uint32_t v;
		memcpy(&v, f, sizeof(v));
		return j_int(m, v);
	}
	case SK_OINT: return j_int(m, ((const veuicc_saip_int *)f)->value);
	case SK_OCT: {
		const veuicc_saip_oct *o = f;
		return hex_string(o->data, o->len);
	}
	case SK_UTF8: {
		const veuicc_saip_oct *o = f;
		return json_stringn((const char *)o->data, o->len);
	}
	case SK_OID: {
		const veuicc_saip_oct *o = f;
		char txt[1024];
		if (veuicc_saip_oid_to_text(o->data, o->len, txt, sizeof(txt)))
			return NULL;
		return json_string(txt);
	}
	case SK_SEQ: return j_seq(m->type, f);
	case SK_SEQ_PTR: {
		const void *p;
		memcpy(&p, f, sizeof(p));
		return p ? j_seq(m->type, p) : NULL;
	}
	case SK_SEQOF: {
		const struct saip_type *lt = m->type;
		struct saip_list_any l;
		json_t *a = json_array();
		memcpy(&l, f, sizeof(l));
		for (size_t i = 0; a && i < l.count; i++) {
			json_t *v = j_value(lt->m, (const unsigned char *)l.items + i * lt->size);
			if (!v || json_array_append_new(a, v)) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	case SK_CHOICE: {
		const struct saip_type *ct = m->type;
		json_t *o = json_object();
		int which;
		memcpy(&which, (const unsigned char *)f + ct->which_off, sizeof(which));
		if (!o)
			return NULL;
		if (which <= 0 || which > ct->n) {
			const veuicc_saip_oct *ext =
			    (const veuicc_saip_oct *)((const unsigned char *)f + ct->ext_off);
			if (j_set(o, UNKNOWN_KEY, hex_string(ext->data, ext->len)) == 0)
				return o;
		} else {
			const struct saip_member *alt = &ct->m[which - 1];
			if (j_set(o, alt->name,
			          j_value(alt, (const unsigned char *)f + alt->off)) == 0)
				return o;
		}
		json_decref(o);
		return NULL;
	}
	default: return NULL;
	}
}

int veuicc_saip_to_json(const veuicc_saip_profile *p, char **out)
{
	json_t *arr;

	if (!p || !out)
		return VEUICC_ERR_INVALID_ARG;
	arr = json_array();
	if (!arr)
		return VEUICC_ERR_NO_MEMORY;
	for (size_t i = 0; i < p->count; i++) {
		const veuicc_saip_pe *pe = &p->pes[i];
		const struct saip_type *ty = veuicc_saip_pe_schema(pe->type);
		json_t *o = json_object();
		int rc;

		if (ty && pe->u.any)
			rc = j_set(o, veuicc_saip_pe_type_name(pe->type), j_seq(ty, pe->u.any));
		else
			rc = j_set(o, UNKNOWN_KEY, hex_string(pe->raw.data, pe->raw.len));
		if (!o || rc || json_array_append_new(arr, o)) {
			json_decref(o);
			json_decref(arr);
			return VEUICC_ERR_NO_MEMORY;
		}
	}
	*out = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	return *out ? VEUICC_OK : VEUICC_ERR_NO_MEMORY;
}

/* ---- JSON -> model ------------------------------------------------------------------ */

struct bctx {
	veuicc_saip_profile *p;
	veuicc_saip_error *err;
	char path[512];
	size_t plen;
};

static int bfail(struct bctx *c, veuicc_saip_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bfail(struct bctx *c, veuicc_saip_status st, const char *fmt, ...)
{
	veuicc_saip_error *e = c->err;

	if (e->err == VEUICC_OK) {
		va_list ap;
		int n;

		e->err = VEUICC_ERR_MALFORMED;
		e->status = st;
		n = snprintf(e->msg, sizeof(e->msg), "%s: ", c->path);
		if (n < 0 || (size_t)n >= sizeof(e->msg))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return VEUICC_ERR_MALFORMED;
}

static size_t push(struct bctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t push(struct bctx *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen = old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

static void pop(struct bctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static void *balloc(struct bctx *c, size_t n)
{
	void *p = veuicc_saip_alloc(c->p, n);

	if (!p && c->err->err == VEUICC_OK) {
		c->err->err = VEUICC_ERR_NO_MEMORY;
		snprintf(c->err->msg, sizeof(c->err->msg), "out of memory");
	}
	return p;
}

static int b_hex(struct bctx *c, json_t *v, veuicc_saip_oct *dst)
{
	const char *s = json_string_value(v);
	size_t n;

	if (!s)
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "expected a hex string");
	n = strlen(s) / 2 + 1;
	uint8_t *b = balloc(c, n);
	if (!b)
		return VEUICC_ERR_NO_MEMORY;
	if (veuicc_saip_unhex(s, b, n, &n))
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		             "\"%.40s\" is not an even number of hex digits", s);
	dst->data = b;
	dst->len = (uint32_t)n;
	dst->present = true;
	return VEUICC_OK;
}

static int b_value(struct bctx *c, const struct saip_member *m, json_t *v, void *f);
static int b_seq(struct bctx *c, const struct saip_type *ty, json_t *obj, void *dst);

static int b_uint(struct bctx *c, const struct saip_member *m, json_t *v, uint32_t *out)
{
	if (json_is_string(v)) {
		for (const struct saip_named *n = m->names; n && n->name; n++) {
			if (strcmp(n->name, json_string_value(v)) == 0) {
				*out = n->value;
				return VEUICC_OK;
			}
		}
		return bfail(c, VEUICC_SAIP_STATUS_BAD_VALUES, "\"%.40s\" is not a name of %s",
		             json_string_value(v), m->name);
	}
	if (!json_is_integer(v))
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "expected an integer");
	json_int_t i = json_integer_value(v);
	if (i < (json_int_t)m->lo || i > (json_int_t)m->hi)
		return bfail(c, VEUICC_SAIP_STATUS_BAD_VALUES, "%lld outside %u..%u", (long long)i,
		             m->lo, m->hi);
	*out = (uint32_t)i;
	return VEUICC_OK;
}

static int b_choice(struct bctx *c, const struct saip_type *ct, json_t *v, void *f)
{
	const char *key;
	json_t *val;

	if (!json_is_object(v) || json_object_size(v) != 1)
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		             "a CHOICE is an object with exactly one key");
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, UNKNOWN_KEY) == 0) {
			veuicc_saip_oct *ext =
			    (veuicc_saip_oct *)((unsigned char *)f + ct->ext_off);
			size_t off;
			int rc = b_hex(c, val, ext);
			if (rc)
				return rc;
			if (veuicc_tlv_validate(ext->data, ext->len, VEUICC_TLV_DER, 0, &off))
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "_unknown is not DER TLV (offset %zu)", off);
			return VEUICC_OK;
		}
		for (unsigned i = 0; i < ct->n; i++) {
			const struct saip_member *alt = &ct->m[i];
			if (strcmp(alt->name, key) != 0)
				continue;
			int which = (int)i + 1;
			memcpy((unsigned char *)f + ct->which_off, &which, sizeof(which));
			size_t mark = push(c, ".%s", key);
			int rc = b_value(c, alt, val, (unsigned char *)f + alt->off);
			pop(c, mark);
			return rc;
		}
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		             "\"%.40s\" is not an alternative of %s", key, ct->name);
	}
	return VEUICC_ERR_INTERNAL;
}

static int b_value(struct bctx *c, const struct saip_member *m, json_t *v, void *f)
{
	int rc;

	switch (m->kind) {
	case SK_NULL:
		if (!json_is_null(v))
			return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "expected null");
		*(bool *)f = true;
		return VEUICC_OK;
	case SK_INT: {
		uint32_t x = 0;
		rc = b_uint(c, m, v, &x);
		memcpy(f, &x, sizeof(x));
		return rc;
	}
	case SK_OINT: {
		veuicc_saip_int x = {.present = true};
		rc = b_uint(c, m, v, &x.value);
		memcpy(f, &x, sizeof(x));
		return rc;
	}
	case SK_OCT: {
		veuicc_saip_oct *o = f;
		rc = b_hex(c, v, o);
		if (!rc && (o->len < m->lo || o->len > m->hi))
			return bfail(c, VEUICC_SAIP_STATUS_BAD_VALUES, "size %u outside %u..%u",
			             o->len, m->lo, m->hi);
		return rc;
	}
	case SK_UTF8: {
		const char *s = json_string_value(v);
		if (!s)
			return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			             "expected a string");
		return veuicc_saip_set_bytes(c->p, f, (const uint8_t *)s, json_string_length(v));
	}
	case SK_OID: {
		const char *s = json_string_value(v);
		uint8_t buf[128];
		size_t n;
		if (!s || veuicc_saip_oid_from_text(s, buf, sizeof(buf), &n))
			return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			             "expected a dotted OBJECT IDENTIFIER like \"2.23.143.1.2.1\"");
		return veuicc_saip_set_bytes(c->p, f, buf, n);
	}
	case SK_SEQ: return b_seq(c, m->type, v, f);
	case SK_SEQ_PTR: {
		void *p = balloc(c, m->type->size);
		if (!p)
			return VEUICC_ERR_NO_MEMORY;
		memcpy(f, &p, sizeof(p));
		return b_seq(c, m->type, v, p);
	}
	case SK_SEQOF: {
		const struct saip_type *lt = m->type;
		struct saip_list_any l = {.present = true};
		if (!json_is_array(v))
			return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			             "expected an array");
		l.count = json_array_size(v);
		if (l.count < lt->lo || l.count > lt->hi)
			return bfail(c, VEUICC_SAIP_STATUS_BAD_VALUES,
			             "%zu elements, SIZE is %u..%u", l.count, lt->lo, lt->hi);
		if (l.count) {
			l.items = balloc(c, l.count * lt->size);
			if (!l.items)
				return VEUICC_ERR_NO_MEMORY;
		}
		memcpy(f, &l, sizeof(l));
		for (size_t i = 0; i < l.count; i++) {
			size_t mark = push(c, "[%zu]", i);
			rc = b_value(c, lt->m, json_array_get(v, i),
			             (unsigned char *)l.items + i * lt->size);
			pop(c, mark);
			if (rc)
				return rc;
		}
		return VEUICC_OK;
	}
	case SK_CHOICE: return b_choice(c, m->type, v, f);
	default: return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "unsupported field");
	}
}

static int b_fs_files(struct bctx *c, const struct saip_type *ty, const struct saip_member *m,
                      json_t *obj, veuicc_saip_pe_fs *fs, size_t *used)
{
	struct saip_member fm = {.kind = SK_SEQOF, .type = m->type};
	size_t n = 0;

	for (size_t k = 0; k < ty->fs_n; k++)
		n += json_object_get(obj, ty->fs[k].name) != NULL;
	if (n) {
		fs->files = balloc(c, n * sizeof(*fs->files));
		if (!fs->files)
			return VEUICC_ERR_NO_MEMORY;
	}
	for (size_t k = 0; k < ty->fs_n; k++) {
		json_t *v = json_object_get(obj, ty->fs[k].name);
		if (!v) {
			if (!ty->fs[k].optional)
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "mandatory File field %s missing", ty->fs[k].name);
			continue;
		}
		veuicc_saip_fs_file *ff = &fs->files[fs->count++];
		ff->field = (uint16_t)k;
		ff->name = ty->fs[k].name;
		size_t mark = push(c, ".%s", ff->name);
		int rc = b_value(c, &fm, v, &ff->file);
		pop(c, mark);
		if (rc)
			return rc;
		(*used)++;
	}
	return VEUICC_OK;
}

static int b_seq(struct bctx *c, const struct saip_type *ty, json_t *obj, void *dst)
{
	size_t used = 0;
	int rc;

	if (!json_is_object(obj))
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		             "expected an object (%s)", ty->name);
	for (unsigned i = 0; i < ty->n; i++) {
		const struct saip_member *m = &ty->m[i];
		void *f = (unsigned char *)dst + m->off;
		json_t *v;

		if (m->kind == SK_FSFILES) {
			rc = b_fs_files(c, ty, m, obj, dst, &used);
			if (rc)
				return rc;
			continue;
		}
		v = json_object_get(obj, m->name);
		if (!v) {
			if (m->flags & SF_DEF) {
				rc = veuicc_saip_apply_default(&c->p->arena, m, f);
				if (rc)
					return rc;
			} else if (!(m->flags & SF_OPT)) {
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "mandatory field %s missing", m->name);
			}
			continue;
		}
		used++;
		if (m->kind == SK_BIT) {
			uint32_t bits;
			if (!json_is_null(v))
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "%s: expected null", m->name);
			memcpy(&bits, f, sizeof(bits));
			bits |= 1u << m->lo;
			memcpy(f, &bits, sizeof(bits));
			continue;
		}
		size_t mark = push(c, ".%s", m->name);
		rc = b_value(c, m, v, f);
		pop(c, mark);
		if (rc)
			return rc;
	}
	json_t *ext = json_object_get(obj, EXT_KEY);
	if (ext) {
		veuicc_saip_oct *e = (veuicc_saip_oct *)((unsigned char *)dst + ty->ext_off);
		size_t off;
		used++;
		rc = b_hex(c, ext, e);
		if (rc)
			return rc;
		if (veuicc_tlv_validate(e->data, e->len, VEUICC_TLV_DER, 0, &off))
			return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			             "_extensions is not DER TLV (offset %zu)", off);
	}
	if (used != json_object_size(obj)) {
		const char *key;
		json_t *val;
		json_object_foreach(obj, key, val)
		{
			bool known = strcmp(key, EXT_KEY) == 0;
			for (unsigned i = 0; !known && i < ty->n; i++)
				known =
				    ty->m[i].kind != SK_FSFILES && strcmp(ty->m[i].name, key) == 0;
			for (unsigned i = 0; !known && i < ty->fs_n; i++)
				known = strcmp(ty->fs[i].name, key) == 0;
			if (!known)
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "unknown field \"%.60s\" in %s", key, ty->name);
		}
	}
	return VEUICC_OK;
}

static int b_pe(struct bctx *c, json_t *o, veuicc_saip_pe *pe)
{
	const char *key;
	json_t *val;

	if (!json_is_object(o) || json_object_size(o) != 1)
		return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		             "a ProfileElement is an object with one key, its type");
	json_object_foreach(o, key, val)
	{
		if (strcmp(key, UNKNOWN_KEY) == 0) {
			size_t off;
			pe->type = VEUICC_SAIP_PE_UNKNOWN;
			int rc = b_hex(c, val, &pe->raw);
			if (rc)
				return rc;
			if (veuicc_tlv_validate(pe->raw.data, pe->raw.len, VEUICC_TLV_DER, 0, &off))
				return bfail(c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				             "_unknown is not DER TLV (offset %zu)", off);
			return VEUICC_OK;
		}
		for (int t = 0; t < VEUICC_SAIP_PE_TYPE_COUNT; t++) {
			if (strcmp(veuicc_saip_pe_type_name((veuicc_saip_pe_type)t), key) != 0)
				continue;
			const struct saip_type *ty = veuicc_saip_pe_schema((veuicc_saip_pe_type)t);
			pe->type = (veuicc_saip_pe_type)t;
			pe->u.any = balloc(c, ty->size);
			if (!pe->u.any)
				return VEUICC_ERR_NO_MEMORY;
			size_t mark = push(c, ".%s", key);
			int rc = b_seq(c, ty, val, pe->u.any);
			pop(c, mark);
			return rc;
		}
		return bfail(c, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED,
		             "\"%.40s\" is not a ProfileElement type", key);
	}
	return VEUICC_ERR_INTERNAL;
}

int veuicc_saip_from_json(const char *text, size_t len, veuicc_saip_profile **out,
                          veuicc_saip_error *err)
{
	veuicc_saip_error local;
	json_error_t je;
	json_t *root;
	int rc;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	err->pe_index = -1;
	err->identification = -1;
	if (!text || !out)
		return err->err = VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!root) {
		err->err = VEUICC_ERR_MALFORMED;
		err->status = VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT;
		err->offset = (size_t)je.position;
		snprintf(err->msg, sizeof(err->msg), "JSON line %d column %d: %s", je.line,
		         je.column, je.text);
		return VEUICC_ERR_MALFORMED;
	}
	struct bctx c = {.err = err, .path = "$"};
	c.plen = 1;
	if (!json_is_array(root)) {
		rc = bfail(&c, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
		           "expected an array of ProfileElements");
		goto out;
	}
	rc = veuicc_saip_profile_new(&c.p);
	if (rc)
		goto out;
	size_t n = json_array_size(root);
	c.p->pes = n ? balloc(&c, n * sizeof(*c.p->pes)) : NULL;
	if (n && !c.p->pes) {
		rc = VEUICC_ERR_NO_MEMORY;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t mark = push(&c, "[%zu]", i);
		rc = b_pe(&c, json_array_get(root, i), &c.p->pes[i]);
		pop(&c, mark);
		c.p->count = i + 1;
		if (rc) {
			err->pe_index = (long)i;
			goto out;
		}
	}
	*out = c.p;
	c.p = NULL;
	rc = VEUICC_OK;
out:
	json_decref(root);
	veuicc_saip_free(c.p);
	return rc;
}
