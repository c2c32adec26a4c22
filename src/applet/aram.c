/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARA-M, the Access Rule Application Master of GlobalPlatform Secure Element
 * Access Control v1.1 (SEAC; tags per its tables 4-x, 5-x, 6-x, decision
 * AP7), as a built-in native package. Android-style clients select
 * A00000015141434C00 and read the rules:
 *   GET DATA [All]          80 CA FF 40  -> FF40 L { E2 REF-AR-DO ... } (first part)
 *   GET DATA [Next]         80 CA FF 60  -> the next part
 *   GET DATA [Refresh tag]  80 CA DF 20  -> DF20 08 tag
 * and an administrator changes them:
 *   STORE DATA 80 E2 90 00  F0 { E2 ... }   Command-Store-REF-AR-DO
 *                           F1 { [4F|C0|E1|E2] } Command-Delete (empty: all)
 *                           F2 00           Command-UpdateRefreshTag
 * REF-AR-DO E2 { E1 REF-DO { 4F AID | C0 empty, C1 hash (0, 20 or 32), [CA
 * package] }, E3 AR-DO { [D0 APDU rule] [D1 NFC rule] [DB permissions] } }.
 * The rules and the refresh tag live in the instance's storage (one applet
 * transaction per STORE DATA); the refresh tag changes with every change.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "applet/runtime.h"
#include "apdu/sw.h"
#include "tlv/tlv.h"

#define INS_GET_DATA   0xCA
#define INS_STORE_DATA 0xE2
#define P1P2_ALL       0xFF40 /* SEAC Table 4-1 */
#define P1P2_NEXT      0xFF60
#define P1P2_REFRESH   0xDF20
#define TAG_ALL        0xFF40 /* Response-ALL-REF-AR-DO, Table 4-2 */
#define TAG_REFRESH    0xDF20 /* Response-RefreshTag-DO, Table 4-4 */
#define TAG_STORE      0xF0   /* Command-Store-REF-AR-DO, Table 5-2 */
#define TAG_DELETE     0xF1   /* Command-Delete, Table 5-4 */
#define TAG_UPD_TAG    0xF2   /* Command-UpdateRefreshTag, Table 5-6 */
#define TAG_REF_AR     0xE2   /* REF-AR-DO, Table 6-6 */
#define TAG_REF        0xE1   /* REF-DO, Table 6-5 */
#define TAG_AR         0xE3   /* AR-DO, Table 6-7 */
#define TAG_AID_REF    0x4F   /* AID-REF-DO, Table 6-3 */
#define TAG_AID_EMPTY  0xC0
#define TAG_HASH_REF   0xC1    /* DeviceAppID-REF-DO, Table 6-4 */
#define TAG_PKG_REF    0xCA    /* Android package name extension */
#define TAG_APDU_AR    0xD0    /* Table 6-8 */
#define TAG_NFC_AR     0xD1    /* Table 6-9 */
#define TAG_PERM_AR    0xDB    /* Android carrier privileges permissions */
#define P1_STORE       0x90    /* last block, BER-TLV (GP CS v2.3 §11.11.2.1) */
#define SW_CONFLICT    0x6A89u /* SEAC §5.1.2.2: conflicting rule exists */
#define CHUNK          255
#define RULES_MAX      4000 /* the storage value holds the BER-TLVs */
#define KEY_RULES      "rules"
#define KEY_TAG        "refresh"

typedef struct aram {
	uint8_t *all; /* FF40 response being read in parts (volatile) */
	size_t len, off;
} aram;

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x01};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x01, 0x01};

static void bump_tag(veuicc_applet_env *env)
{
	uint8_t t[8] = {0};
	(void)veuicc_applet_get(env, KEY_TAG, t, sizeof(t));
	for (int i = 7; i >= 0; i--)
		if (++t[i])
			break;
	(void)veuicc_applet_put(env, KEY_TAG, t, sizeof(t));
}

static uint16_t aram_install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	aram *x = calloc(1, sizeof(*x));
	if (!x)
		return VEUICC_SW_MEMORY_FAILURE;
	if (!p->restoring) {
		/* a new instance: no rules, a first refresh tag */
		(void)veuicc_applet_put(env, KEY_RULES, NULL, 0);
		bump_tag(env);
	}
	*ctx = x;
	return VEUICC_SW_OK;
}

static void aram_uninstall(void *ctx, veuicc_applet_env *env)
{
	(void)env;
	aram *x = ctx;
	free(x->all);
	free(x);
}

static void drop_parts(aram *x)
{
	free(x->all);
	x->all = NULL;
	x->len = x->off = 0;
}

static uint16_t aram_select(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)env;
	(void)a;
	drop_parts(ctx);
	return VEUICC_SW_OK;
}

static long rules(veuicc_applet_env *env, uint8_t *buf)
{
	long n = veuicc_applet_get(env, KEY_RULES, buf, RULES_MAX);
	return n < 0 ? 0 : n;
}

static uint16_t send_part(aram *x, veuicc_applet_env *env)
{
	size_t n = x->len - x->off < CHUNK ? x->len - x->off : CHUNK;
	if (veuicc_applet_respond(env, x->all + x->off, n))
		return VEUICC_SW_MEMORY_FAILURE;
	x->off += n;
	if (x->off == x->len)
		drop_parts(x);
	return VEUICC_SW_OK;
}

static uint16_t get_data(aram *x, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	if (a->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t p1p2 = (uint16_t)(a->p1 << 8 | a->p2);
	if (p1p2 == P1P2_REFRESH) {
		uint8_t r[11] = {0xDF, 0x20, 0x08};
		if (veuicc_applet_get(env, KEY_TAG, r + 3, 8) != 8)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		return veuicc_applet_respond(env, r, sizeof(r)) ? VEUICC_SW_MEMORY_FAILURE
		                                                : VEUICC_SW_OK;
	}
	if (p1p2 == P1P2_NEXT) {
		if (!x->all)
			return VEUICC_SW_COND_NOT_SATISFIED; /* no GET DATA [All] in progress */
		return send_part(x, env);
	}
	if (p1p2 != P1P2_ALL)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	drop_parts(x);
	uint8_t *r = malloc(RULES_MAX);
	x->all = malloc(RULES_MAX + 8);
	if (!r || !x->all) {
		free(r);
		drop_parts(x);
		return VEUICC_SW_MEMORY_FAILURE;
	}
	size_t n = (size_t)rules(env, r);
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, x->all, RULES_MAX + 8);
	veuicc_tlv_put(&w, TAG_ALL, r, n);
	int rc = veuicc_tlv_writer_finish(&w, &x->len);
	free(r);
	if (rc) {
		drop_parts(x);
		return VEUICC_SW_MEMORY_FAILURE;
	}
	return send_part(x, env);
}

/* A REF-DO: AID-REF (4F 5..16 or C0 empty), DeviceAppID-REF C1 of 0, 20
 * or 32 bytes, optional package name CA; nothing else. */
static bool ref_ok(const uint8_t *v, size_t n)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, aid = 0, hash = 0;
	veuicc_tlv_reader_init(&r, v, n, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_AID_REF && (t.len >= 5 && t.len <= 16))
			aid++;
		else if (t.tag == TAG_AID_EMPTY && t.len == 0)
			aid++;
		else if (t.tag == TAG_HASH_REF && (t.len == 0 || t.len == 20 || t.len == 32))
			hash++;
		else if (t.tag != TAG_PKG_REF || t.len == 0 || t.len > 127)
			return false;
	}
	return rc == 0 && aid <= 1 && hash == 1;
}

/* An AR-DO: D0 (1 byte 00/01, or 8-byte filters), D1 (1 byte), DB (8). */
static bool ar_ok(const uint8_t *v, size_t n)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, any = 0;
	veuicc_tlv_reader_init(&r, v, n, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		any++;
		if (t.tag == TAG_APDU_AR &&
		    ((t.len == 1 && t.value[0] <= 1) || (t.len && t.len % 8 == 0)))
			continue;
		if (t.tag == TAG_NFC_AR && t.len == 1 && t.value[0] <= 1)
			continue;
		if (t.tag == TAG_PERM_AR && t.len == 8)
			continue;
		return false;
	}
	return rc == 0 && any;
}

/* A REF-AR-DO E2 { E1, E3 }: its REF-DO in *ref. */
static bool ref_ar_ok(const veuicc_tlv *e2, veuicc_tlv *ref)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, nr = 0, na = 0;
	veuicc_tlv_reader_init(&r, e2->value, e2->len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_REF && !nr++ && ref_ok(t.value, t.len))
			*ref = t;
		else if (t.tag == TAG_AR && !na++ && ar_ok(t.value, t.len))
			continue;
		else
			return false;
	}
	return rc == 0 && nr == 1 && na == 1;
}

static bool same(const veuicc_tlv *a, const veuicc_tlv *b)
{
	return a->raw_len == b->raw_len && !memcmp(a->raw, b->raw, a->raw_len);
}

/* Does stored REF-AR-DO \p e2 match the delete criterion \p crit? */
static bool matches(const veuicc_tlv *e2, const veuicc_tlv *crit)
{
	if (crit->tag == TAG_REF_AR)
		return same(e2, crit);
	veuicc_tlv ref;
	if (!ref_ar_ok(e2, &ref))
		return false;
	if (crit->tag == TAG_REF)
		return same(&ref, crit);
	/* an AID-REF-DO (4F / C0): every rule whose REF-DO holds it */
	veuicc_tlv_reader r;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, ref.value, ref.len, 0);
	while (veuicc_tlv_next(&r, &t) == 1)
		if (same(&t, crit))
			return true;
	return false;
}

static uint16_t store(veuicc_applet_env *env, const veuicc_tlv *cmd, uint8_t *buf, size_t n)
{
	/* every REF-AR-DO checked first: all or nothing */
	veuicc_tlv_reader r, s;
	veuicc_tlv t, u;
	int rc;
	size_t count = 0;
	veuicc_tlv_reader_init(&r, cmd->value, cmd->len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		veuicc_tlv ref, oref;
		if (t.tag != TAG_REF_AR || !ref_ar_ok(&t, &ref))
			return VEUICC_SW_WRONG_DATA;
		veuicc_tlv_reader_init(&s, buf, n, 0);
		while (veuicc_tlv_next(&s, &u) == 1)
			if (ref_ar_ok(&u, &oref) && same(&ref, &oref))
				return SW_CONFLICT; /* SEAC §5.1.2.2 */
		count++;
	}
	if (rc < 0 || !count)
		return VEUICC_SW_WRONG_DATA;
	if (n + cmd->len > RULES_MAX)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	memcpy(buf + n, cmd->value, cmd->len);
	if (veuicc_applet_put(env, KEY_RULES, buf, n + cmd->len))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

static uint16_t delete (veuicc_applet_env *env, const veuicc_tlv *cmd, uint8_t *buf, size_t n)
{
	if (cmd->len == 0) /* SEAC Table 5-4: no criterion, every rule */
		return veuicc_applet_put(env, KEY_RULES, NULL, 0) ? VEUICC_SW_MEMORY_FAILURE
		                                                  : VEUICC_SW_OK;
	veuicc_tlv crit;
	veuicc_tlv_reader r;
	veuicc_tlv_reader_init(&r, cmd->value, cmd->len, 0);
	if (veuicc_tlv_next(&r, &crit) != 1 || crit.raw_len != cmd->len ||
	    (crit.tag != TAG_AID_REF && crit.tag != TAG_AID_EMPTY && crit.tag != TAG_REF &&
	     crit.tag != TAG_REF_AR))
		return VEUICC_SW_WRONG_DATA;
	uint8_t *keep = malloc(RULES_MAX);
	if (!keep)
		return VEUICC_SW_MEMORY_FAILURE;
	size_t k = 0, gone = 0;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, buf, n, 0);
	while (veuicc_tlv_next(&r, &t) == 1) {
		if (matches(&t, &crit)) {
			gone++;
			continue;
		}
		memcpy(keep + k, t.raw, t.raw_len);
		k += t.raw_len;
	}
	uint16_t sw = VEUICC_SW_REF_DATA_NOT_FOUND;
	if (gone)
		sw = veuicc_applet_put(env, KEY_RULES, keep, k) ? VEUICC_SW_MEMORY_FAILURE
		                                                : VEUICC_SW_OK;
	free(keep);
	return sw;
}

static uint16_t store_data(aram *x, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	if (a->p1 != P1_STORE || a->p2 != 0x00)
		return VEUICC_SW_WRONG_P1P2;
	if (a->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	veuicc_tlv_reader r;
	veuicc_tlv cmd;
	veuicc_tlv_reader_init(&r, a->data, a->lc, 0);
	if (veuicc_tlv_next(&r, &cmd) != 1 || cmd.raw_len != a->lc)
		return VEUICC_SW_WRONG_DATA;
	drop_parts(x); /* a GET DATA [All] in progress reads old rules */
	uint8_t *buf = malloc(RULES_MAX);
	if (!buf)
		return VEUICC_SW_MEMORY_FAILURE;
	size_t n = (size_t)rules(env, buf);
	uint16_t sw;
	/* the rules and their refresh tag change together (applet transaction) */
	if (env->svc->txn_begin(env)) {
		free(buf);
		return VEUICC_SW_MEMORY_FAILURE;
	}
	switch (cmd.tag) {
	case TAG_STORE: sw = store(env, &cmd, buf, n); break;
	case TAG_DELETE: sw = delete (env, &cmd, buf, n); break;
	case TAG_UPD_TAG: sw = VEUICC_SW_OK; break;
	default: sw = VEUICC_SW_INCOMPATIBLE_FILE; break; /* 6981: DO not supported */
	}
	if (sw == VEUICC_SW_OK) {
		bump_tag(env);
		env->svc->txn_commit(env);
	} else {
		env->svc->txn_abort(env);
	}
	free(buf);
	return sw;
}

static uint16_t aram_process(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	aram *x = ctx;
	if (!(a->cla & 0x80))
		return VEUICC_SW_CLA_NOT_SUPP; /* GP: proprietary class */
	if (a->ins == INS_GET_DATA)
		return get_data(x, env, a);
	if (a->ins == INS_STORE_DATA)
		return store_data(x, env, a);
	return VEUICC_SW_INS_NOT_SUPP;
}

static const veuicc_applet_module modules[] = {{
    .aid = mod_aid,
    .aid_len = sizeof(mod_aid),
    .name = "ARA-M",
    .install = aram_install,
    .select = aram_select,
    .process = aram_process,
    .uninstall = aram_uninstall,
}};

const veuicc_applet_package veuicc_applet_pkg_aram = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "ARA-M (GP SEAC v1.1)",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = modules,
    .nmodules = 1,
};
