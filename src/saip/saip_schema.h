/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the PEDefinitions 3.3.1 types as tables. The decoder, encoder and
 * JSON converter are generic walkers over these tables; every struct of
 * saip.h has one table that lists its ASN.1 components in order, with tag,
 * kind, constraints, DEFAULT and the offset of the C field.
 *
 * Tags are written as they appear in DER, e.g. 0x80 for [0] IMPLICIT on a
 * primitive type, 0xA2 for [2] on a constructed one, 0x5F20 for
 * [APPLICATION 32]. The module uses AUTOMATIC TAGS (X.680 §25.3), so the
 * components of a SEQUENCE without any tag of its own get [0], [1], ... and
 * a CHOICE component gets an explicit tag (X.680 §31.2.7 c).
 */
#ifndef VEUICC_SAIP_SCHEMA_H
#define VEUICC_SAIP_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "saip/saip.h"

enum saip_kind {
	SK_NULL,    /* NULL -> bool */
	SK_BIT,     /* NULL OPTIONAL inside a flag set -> bit `lo` of a uint32_t */
	SK_INT,     /* INTEGER (lo..hi) -> uint32_t */
	SK_OINT,    /* OPTIONAL INTEGER -> veuicc_saip_int */
	SK_OCT,     /* OCTET STRING (SIZE(lo..hi)) -> veuicc_saip_oct */
	SK_UTF8,    /* UTF8String (SIZE(lo..hi) characters) -> veuicc_saip_oct */
	SK_OID,     /* OBJECT IDENTIFIER -> veuicc_saip_oct (contents) */
	SK_SEQ,     /* SEQUENCE embedded in the parent struct */
	SK_SEQ_PTR, /* SEQUENCE allocated, pointer in the parent (NULL = absent) */
	SK_SEQOF,   /* SEQUENCE OF -> VEUICC_SAIP_LIST */
	SK_CHOICE,  /* CHOICE embedded in the parent struct */
	SK_FSFILES, /* the File fields of a file system PE (veuicc_saip_pe_fs) */
};

enum {
	SF_OPT = 1u << 0, /* OPTIONAL */
	SF_DEF = 1u << 1, /* DEFAULT: def/def_len hold the DER contents of the default */
};

/* A named number of an INTEGER type (X.680 §19.1). */
struct saip_named {
	uint32_t value;
	const char *name;
};

struct saip_type;

/* One component of a SEQUENCE, one alternative of a CHOICE, or the element of a SEQUENCE OF. */
struct saip_member {
	const char *name;
	uint32_t tag; /* 0: untagged CHOICE (its alternatives carry the tags) */
	uint8_t kind;
	uint8_t flags;
	uint16_t off; /* offset of the C field in the parent struct */
	uint32_t lo, hi;
	const struct saip_type *type; /* SEQ, SEQ_PTR, SEQOF, CHOICE */
	const uint8_t *def;
	uint16_t def_len;
	const struct saip_named *names; /* INTEGER named numbers, NULL-name terminated */
};

/* A File field of a file system PE type. */
struct saip_fs_field {
	const char *name;
	bool optional;
};

struct saip_type {
	const char *name; /* ASN.1 type name, for messages */
	uint8_t kind;     /* SK_SEQ, SK_SEQOF or SK_CHOICE */
	uint16_t size;    /* sizeof the C struct (SEQ, CHOICE) or of one element (SEQOF) */
	const struct saip_member *m;
	uint8_t n;
	uint16_t ext_off;   /* SEQ/CHOICE: offset of the veuicc_saip_oct ext */
	uint16_t which_off; /* CHOICE: offset of the enum saying which alternative */
	uint32_t lo, hi;    /* SEQOF: SIZE constraint */
	/* SK_FSFILES: the File fields */
	const struct saip_fs_field *fs;
	uint8_t fs_n;
};

/* The body type of each ProfileElement alternative, NULL for unknown ones. */
const struct saip_type *veuicc_saip_pe_schema(veuicc_saip_pe_type t);

/* The ASN.1 name of the PEHeader component of the PE type (e.g. "mf-header"). */
const char *veuicc_saip_pe_header_name(veuicc_saip_pe_type t);

/* DER tag of the ProfileElement alternative \p t (context, constructed). */
uint32_t veuicc_saip_pe_tag(veuicc_saip_pe_type t);

/* DER tag of File field \p field of a file system PE (its component index is field + 2). */
uint32_t veuicc_saip_fs_field_tag(size_t field);

/* The field index of an FS PE component tag, or -1 if the tag is not context-constructed. */
long veuicc_saip_fs_tag_index(uint32_t tag);

/* Arena: zeroed allocations released (and zeroised) together. */
void *veuicc_saip_arena_alloc(struct veuicc_saip_arena **a, size_t size);
void veuicc_saip_arena_free(struct veuicc_saip_arena *a);

/* Accessors for a VEUICC_SAIP_LIST at an offset, whatever its element type. */
struct saip_list_any {
	void *items;
	size_t count;
	bool present;
};

/* Fill the field \p f with the DEFAULT of \p m (JSON builder). */
int veuicc_saip_apply_default(struct veuicc_saip_arena **arena, const struct saip_member *m,
                              void *f);

/* Does the field \p f of DEFAULT member \p m hold its DEFAULT value? */
bool veuicc_saip_member_is_default(const struct saip_member *m, const void *f);

/* Is the field \p f of member \p m present (to be encoded)? */
bool veuicc_saip_member_present(const struct saip_member *m, const void *f);

/* Hex helpers shared by JSON and the CLI. */
void veuicc_saip_hex(const uint8_t *b, size_t n, char *out);
int veuicc_saip_unhex(const char *s, uint8_t *out, size_t cap, size_t *n);

/* OID contents <-> dotted text. */
int veuicc_saip_oid_to_text(const uint8_t *b, size_t n, char *out, size_t cap);
int veuicc_saip_oid_from_text(const char *s, uint8_t *out, size_t cap, size_t *n);

/* Minimal DER INTEGER contents for an unsigned value: returns the length (1..5). */
size_t veuicc_saip_int_bytes(uint32_t v, uint8_t out[5]);

#endif /* VEUICC_SAIP_SCHEMA_H */
