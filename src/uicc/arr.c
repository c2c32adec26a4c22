/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access rules in expanded format: ETSI TS 102 221 §9.2.4 (EF.ARR, tag 8B
 * reference), §9.2.5 to §9.2.7; the data objects of ISO/IEC 7816-4 §9.3
 * (Tables 16 to 19: AM_DO, SC_DO, access mode bytes for EFs).
 */
#include "uicc/arr.h"

#include "apdu/sw.h"

/* ISO 7816-4 Table 16: AM_DO, access mode byte */
#define TAG_AM_BYTE 0x80
/* 81..8F: command header description, b4 CLA, b3 INS, b2 P1, b1 P2 */
#define AM_HDR_MASK 0x0F
#define AM_HDR_CLA  0x08
#define AM_HDR_INS  0x04
/* access mode byte b8 = 1: b4..b1 say which header bytes follow */
#define AM_BYTE_HDR 0x80
/* ISO 7816-4 Table 17: access mode byte for EFs */
#define AM_EF_READ   0x01
#define AM_EF_UPDATE 0x02
/* SC_DOs (ISO 7816-4 Table 18, TS 102 221 §9.2.7) */
#define TAG_SC_ALWAYS 0x90
#define TAG_SC_NEVER  0x97
#define TAG_SC_USER   0xA4 /* CRT: user authentication */
#define TAG_SC_OR     0xA0
#define TAG_SC_AND    0xAF
#define TAG_KEY_REF   0x83
/* TS 102 221 §10.1.2 Table 10.5 */
#define INS_INCREASE 0x32
/* A0/AF nesting accepted */
#define SC_DEPTH_MAX 4

/* One simple BER-TLV with a one-byte tag and a short or 81 length. Stops at
 * padding (FF, 00). */
static bool next_tlv(const uint8_t **p, const uint8_t *end, uint8_t *tag, const uint8_t **val,
                     size_t *vlen)
{
	const uint8_t *q = *p;
	if (q >= end || *q == 0xFF || *q == 0x00 || (*q & 0x1F) == 0x1F)
		return false;
	*tag = *q++;
	if (q >= end)
		return false;
	size_t l = *q++;
	if (l == 0x81) {
		if (q >= end)
			return false;
		l = *q++;
	} else if (l > 0x7F) {
		return false;
	}
	if (l > (size_t)(end - q))
		return false;
	*val = q;
	*vlen = l;
	*p = q + l;
	return true;
}

static bool is_am_do(uint8_t tag)
{
	return (tag & 0xF0) == TAG_AM_BYTE;
}

/* Does the AM_DO cover \p op? */
static bool am_covers(uint8_t tag, const uint8_t *v, size_t len, veuicc_arr_op op)
{
	uint8_t ins_ix = 0;
	const uint8_t *hdr;
	uint8_t mask;
	if (tag == TAG_AM_BYTE) {
		if (len < 1)
			return false;
		if (!(v[0] & AM_BYTE_HDR)) {
			if (op == VEUICC_ARR_READ)
				return v[0] & AM_EF_READ;
			if (op == VEUICC_ARR_UPDATE)
				return v[0] & AM_EF_UPDATE;
			return false; /* no bit for INCREASE */
		}
		mask = v[0] & AM_HDR_MASK;
		hdr = v + 1;
		len--;
	} else {
		mask = tag & AM_HDR_MASK;
		hdr = v;
	}
	/* a command header description: match the INS when it is given */
	if (!(mask & AM_HDR_INS))
		return false;
	if (mask & AM_HDR_CLA)
		ins_ix = 1;
	if (len <= ins_ix)
		return false;
	return op == VEUICC_ARR_INCREASE && hdr[ins_ix] == INS_INCREASE;
}

/* Who is asking: the terminal's session (pins: the PIN status), or a remote
 * file management application / applet (pins NULL) with its access domain
 * (TS 102 226 §8.2.1.3.2.2): full access ('00', grant NULL) makes every key
 * reference count as satisfied, the UICC access mechanism ('02') those of
 * its access domain data (grant); NEVER stays never (docs/spec-decisions.md
 * R4, AP17). */
typedef struct sc_ctx {
	veuicc_pin_table *pins;
	const veuicc_fs_node *adf;
	const uint8_t *grant; /* '02' access domain data, NULL: full access */
	size_t grant_len;
} sc_ctx;

static bool sc_eval(uint8_t tag, const uint8_t *v, size_t len, const sc_ctx *c, unsigned depth);

/* AP17: the key references the access domain data of the UICC access
 * mechanism grants, one bit each: byte 1 b1..b8 key references 01..08
 * (PIN Appl 1..8), byte 2 b1..b5 0A..0E (ADM1..ADM5) and b6 11 (universal
 * PIN), byte 3 b1..b8 81..88 (second PIN Appl 1..8), byte 4 b1..b5 8A..8E
 * (ADM6..ADM10); absent bytes grant nothing. */
static bool key_granted(const uint8_t *d, size_t n, uint8_t ref)
{
	int byte = -1, bit = 0;
	if (ref >= 0x01 && ref <= 0x08) {
		byte = 0;
		bit = ref - 0x01;
	} else if (ref >= 0x0A && ref <= 0x0E) {
		byte = 1;
		bit = ref - 0x0A;
	} else if (ref == 0x11) {
		byte = 1;
		bit = 5;
	} else if (ref >= 0x81 && ref <= 0x88) {
		byte = 2;
		bit = ref - 0x81;
	} else if (ref >= 0x8A && ref <= 0x8E) {
		byte = 3;
		bit = ref - 0x8A;
	}
	return byte >= 0 && (size_t)byte < n && (d[byte] >> bit & 1);
}

/* The SC_DOs inside an A0 (any) or AF (all) template. */
static bool sc_list(const uint8_t *v, size_t len, bool all, const sc_ctx *c, unsigned depth)
{
	const uint8_t *p = v, *end = v + len, *iv;
	uint8_t t;
	size_t il;
	bool any = false;
	while (next_tlv(&p, end, &t, &iv, &il)) {
		bool ok = sc_eval(t, iv, il, c, depth + 1);
		if (all && !ok)
			return false;
		any |= ok;
	}
	if (p != end && *p != 0xFF)
		return false; /* malformed */
	return all ? p != v : any;
}

static bool sc_eval(uint8_t tag, const uint8_t *v, size_t len, const sc_ctx *c, unsigned depth)
{
	if (depth > SC_DEPTH_MAX)
		return false;
	switch (tag) {
	case TAG_SC_ALWAYS: return true;
	case TAG_SC_NEVER: return false;
	case TAG_SC_OR: return sc_list(v, len, false, c, depth);
	case TAG_SC_AND: return sc_list(v, len, true, c, depth);
	case TAG_SC_USER: {
		/* the key reference names the PIN; the usage qualifier (95 08,
		 * user authentication) needs no check of its own */
		const uint8_t *p = v, *end = v + len, *iv;
		uint8_t t;
		size_t il;
		while (next_tlv(&p, end, &t, &iv, &il))
			if (t == TAG_KEY_REF && il == 1) {
				if (c->pins)
					return veuicc_pin_satisfied(
					    veuicc_pin_find(c->pins, iv[0], c->adf));
				return !c->grant || key_granted(c->grant, c->grant_len, iv[0]);
			}
		return false;
	}
	default: return false; /* other conditions (SM, 9E, ...) are not supported */
	}
}

static bool rule_allows(const uint8_t *rec, size_t len, veuicc_arr_op op, const sc_ctx *c)
{
	const uint8_t *p = rec, *end = rec + len, *v;
	uint8_t tag;
	size_t vl;
	bool covered = false, prev_am = false;
	while (next_tlv(&p, end, &tag, &v, &vl)) {
		if (is_am_do(tag)) {
			/* consecutive AM_DOs share the SC_DOs that follow them */
			bool cov = am_covers(tag, v, vl, op);
			covered = prev_am ? (covered || cov) : cov;
			prev_am = true;
			continue;
		}
		prev_am = false;
		if (covered && sc_eval(tag, v, vl, c, 0))
			return true;
	}
	return false;
}

bool veuicc_arr_rule_allows(const uint8_t *rec, size_t len, veuicc_arr_op op,
                            veuicc_pin_table *pins, const veuicc_fs_node *adf)
{
	sc_ctx c = {.pins = pins, .adf = adf, .grant = NULL, .grant_len = 0};
	return pins && rule_allows(rec, len, op, &c);
}

/* §9.2.4: EF.ARR in the EF's DF, else in a parent up to the MF. EF.ARR
 * itself usually names one of its own records. */
static const veuicc_fs_node *find_arr(const veuicc_fs_node *ef)
{
	for (const veuicc_fs_node *d = ef->parent; d; d = d->parent) {
		const veuicc_fs_node *n = veuicc_fs_child(d, ef->arr_fid);
		if (n && n->type == VEUICC_FS_EF && n->structure == VEUICC_FS_LINEAR_FIXED)
			return n;
	}
	return NULL;
}

uint16_t veuicc_arr_check(veuicc_fs *fs, const veuicc_fs_node *ef, veuicc_arr_op op)
{
	if (!ef->arr_rec)
		return VEUICC_SW_OK;
	const veuicc_fs_node *arr = find_arr(ef);
	if (!arr || ef->arr_rec > arr->nrec)
		return VEUICC_SW_SECURITY_STATUS;
	const uint8_t *rec = veuicc_fs_record(arr, ef->arr_rec);
	if (veuicc_arr_rule_allows(rec, arr->rec_len, op, &fs->pins, veuicc_fs_adf_of(ef)))
		return VEUICC_SW_OK;
	return VEUICC_SW_SECURITY_STATUS;
}

uint16_t veuicc_arr_check_domain(const veuicc_fs_node *ef, veuicc_arr_op op, uint8_t domain)
{
	return veuicc_arr_check_domain_data(ef, op, domain, NULL, 0);
}

uint16_t veuicc_arr_check_domain_data(const veuicc_fs_node *ef, veuicc_arr_op op, uint8_t domain,
                                      const uint8_t *data, size_t data_len)
{
	sc_ctx c = {.pins = NULL, .adf = NULL, .grant = NULL, .grant_len = 0};
	if (domain == VEUICC_ARR_DOMAIN_ACCESS_RULES) {
		if (!data || !data_len)
			return VEUICC_SW_SECURITY_STATUS; /* no key reference granted */
		c.grant = data;
		c.grant_len = data_len;
	} else if (domain != VEUICC_ARR_DOMAIN_FULL) {
		return VEUICC_SW_SECURITY_STATUS; /* 'FF' no access; others RFU */
	}
	if (!ef->arr_rec)
		return VEUICC_SW_OK;
	const veuicc_fs_node *arr = find_arr(ef);
	if (!arr || ef->arr_rec > arr->nrec)
		/* no rule to name a NEVER: full access; no key reference to
		 * compare with the granted ones: denied */
		return c.grant ? VEUICC_SW_SECURITY_STATUS : VEUICC_SW_OK;
	const uint8_t *rec = veuicc_fs_record(arr, ef->arr_rec);
	return rule_allows(rec, arr->rec_len, op, &c) ? VEUICC_SW_OK : VEUICC_SW_SECURITY_STATUS;
}
