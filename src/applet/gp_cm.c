/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GP content management of applets (GP Card Specification v2.3; decisions
 * AP1..AP5 in docs/spec-decisions.md):
 *   INSTALL [for load]            80 E6 02 00  ELF AID, SD AID, hash, params, token
 *   LOAD                          80 E8 00|80 nn  [E2 DAP ...] C4 load file data block
 *   INSTALL [for install (and make selectable)] 80 E6 04|0C 00
 *                                 ELF AID, module AID, instance AID, privileges,
 *                                 install parameters { C9, [EF], [EA] }, token
 *   INSTALL [for make selectable] 80 E6 08 00  00 00 AID privileges 00 token
 *   DELETE                        80 E4 00 00|80  4F AID
 *   GET STATUS                    80 F2 20|10 02  4F prefix [5C tags]
 * A load file is accepted only when the card has a native package of its
 * AID (built in or plugin); its content is not executed (AP2).
 */
#include "applet/rt_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "gp/getstatus.h"
#include "tlv/tlv.h"

#define INS_INSTALL    0xE6
#define INS_LOAD       0xE8
#define INS_DELETE     0xE4
#define INS_GET_STATUS 0xF2

/* INSTALL P1 (GP CS v2.3 §11.5.2.1) */
#define P1_FOR_LOAD       0x02
#define P1_FOR_INSTALL    0x04
#define P1_MAKE_SELECT    0x08
#define P1_INSTALL_SELECT 0x0C
#define P1_LAST_BLOCK     0x80 /* LOAD (GP CS v2.3 §11.6.2.1) */
#define P2_RELATED        0x80 /* DELETE: object and related objects (§11.2.2.2) */
#define PRIV_SD           0x80 /* privileges byte 1 b8: Security Domain (§6.6.1) */

/* tags */
#define TAG_AID       0x4F
#define TAG_C9        0xC9
#define TAG_EF        0xEF
#define TAG_EA        0xEA
#define TAG_DAP       0xE2
#define TAG_LOAD_DATA 0xC4
#define TAG_SEARCH    0x4F
#define TAG_TAG_LIST  0x5C
#define TAG_GS_ENTRY  0xE3
#define TAG_LCS       0x9F70
#define TAG_ASSOC_SD  0xCC
#define TAG_EM_AID    0x84
#define GS_P1_ELF_EM  0x10
#define GS_P1_ELF     0x20
#define GS_P2_TLV     0x02
#define GS_P2_NEXT    0x01

__attribute__((format(printf, 2, 3))) static void glog(veuicc_card *card, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	veuicc_applets_log(card, line);
}

static void aid_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
	out[2 * n] = '\0';
}

/* One LV field. */
static int lv(const uint8_t *b, size_t len, size_t *pos, const uint8_t **v, size_t *vlen)
{
	if (*pos >= len || b[*pos] > len - *pos - 1)
		return -1;
	*vlen = b[*pos];
	*v = b + *pos + 1;
	*pos += 1 + *vlen;
	return 0;
}

static bool aid_ok(size_t len)
{
	return len >= 5 && len <= 16;
}

static uint16_t ok_zero(veuicc_rsp *rsp)
{
	/* GP CS v2.3 §11.5.3.1 / §11.6.3.1: a single byte 00 */
	static const uint8_t zero = 0x00;
	return veuicc_rsp_put(rsp, &zero, 1) ? VEUICC_SW_MEMORY_FAILURE : VEUICC_SW_OK;
}

/* Visible to the security domain: the ISD-R (owner 0) manages every
 * object, a profile's SD those of its profile. */
static bool in_scope(uint64_t obj, uint64_t owner)
{
	return owner == 0 || obj == owner;
}

/* The instance \p aid the SD means: on the ISD-R, which sees every
 * profile's, the one visible now first (two profiles may hold the same AID,
 * e.g. the ARA-M's). */
static long find_scoped(veuicc_card *card, const struct veuicc_applets *a, const uint8_t *aid,
                        size_t len, uint64_t owner)
{
	long first = -1;
	for (size_t i = 0; i < a->ninst; i++) {
		const rt_inst *x = a->inst[i];
		if (x->aid.len != len || memcmp(x->aid.b, aid, len) || !in_scope(x->owner, owner))
			continue;
		if (veuicc_applets_visible(card, x))
			return (long)i;
		if (first < 0)
			first = (long)i;
	}
	return first;
}

/* The profile an ISD-P AID belongs to: its reference, 0 if none. */
static uint64_t isdp_ref(const veuicc_card *card, const uint8_t *aid, size_t len)
{
	long i = veuicc_gp_registry_find(&card->registry, aid, len);
	if (i < 0 || card->registry.e[i].kind != VEUICC_GP_ISDP)
		return 0;
	long s = card->registry.e[i].slot;
	return s >= 0 && (size_t)s < card->profiles.count ? card->profiles.slot[s].seq : 0;
}

/* ---- INSTALL [for load], LOAD --------------------------------------------------- */

static uint16_t install_for_load(veuicc_card *card, struct veuicc_applets *a, bool isdr,
                                 uint64_t owner, const uint8_t *sd_aid, size_t sd_len,
                                 const veuicc_capdu *cmd)
{
	const uint8_t *elf, *sd, *hash, *params, *token;
	size_t elf_len, sdl, hash_len, params_len, token_len, pos = 0;
	const uint8_t *d = cmd->data;
	if (lv(d, cmd->lc, &pos, &elf, &elf_len) || lv(d, cmd->lc, &pos, &sd, &sdl) ||
	    lv(d, cmd->lc, &pos, &hash, &hash_len) || lv(d, cmd->lc, &pos, &params, &params_len) ||
	    lv(d, cmd->lc, &pos, &token, &token_len) || pos != cmd->lc || !aid_ok(elf_len) ||
	    (sdl && !aid_ok(sdl)) || (hash_len && hash_len != 20 && hash_len != 32) || token_len)
		return VEUICC_SW_WRONG_DATA;
	rt_file f;
	memset(&f, 0, sizeof(f));
	f.owner = owner;
	memcpy(f.sd.b, sd_aid, sd_len);
	f.sd.len = (uint8_t)sd_len;
	if (sdl && (sdl != sd_len || memcmp(sd, sd_aid, sdl))) {
		/* associated with another SD: on the ISD-R, an installed profile's
		 * ISD-P (the load file then belongs to that profile, AP3) */
		uint64_t ref = isdr ? isdp_ref(card, sd, sdl) : 0;
		if (!ref)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		f.owner = ref;
		memcpy(f.sd.b, sd, sdl);
		f.sd.len = (uint8_t)sdl;
	}
	char hex[33];
	aid_hex(elf, elf_len, hex);
	if (veuicc_applets_find_file(a, elf, elf_len) >= 0 ||
	    (elf_len == sizeof(veuicc_aid_isdp_elf) &&
	     !memcmp(elf, veuicc_aid_isdp_elf, elf_len))) {
		glog(card, "applet: load file %s is on the card already: refused (6A80)", hex);
		return VEUICC_SW_WRONG_DATA;
	}
	f.pkg = veuicc_applets_find_pkg(card, elf, elf_len);
	if (!f.pkg) {
		glog(card,
		     "applet: load file %s: no native package provides it (built in or plugin): "
		     "refused (6A80)",
		     hex);
		return VEUICC_SW_WRONG_DATA;
	}
	f.aid.len = (uint8_t)elf_len;
	memcpy(f.aid.b, elf, elf_len);
	a->pending = f;
	a->hash_len = hash_len;
	memcpy(a->hash, hash, hash_len);
	a->len = 0;
	a->next_block = 0;
	a->loading = true;
	return VEUICC_SW_OK;
}

/* The Load File Data Block (C4) after optional DAP blocks (E2). */
static int load_data_block(const uint8_t *b, size_t n, const uint8_t **v, size_t *vlen)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	*v = NULL;
	veuicc_tlv_reader_init(&r, b, n, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_DAP && !*v)
			continue;
		if (t.tag != TAG_LOAD_DATA || *v)
			return -1;
		*v = t.value;
		*vlen = t.len;
	}
	return rc < 0 || !*v ? -1 : 0;
}

static uint16_t load(veuicc_card *card, struct veuicc_applets *a, const veuicc_capdu *cmd,
                     veuicc_rsp *rsp)
{
	if (!a->loading)
		return VEUICC_SW_COND_NOT_SATISFIED; /* no INSTALL [for load] before */
	if ((cmd->p1 & ~P1_LAST_BLOCK) || cmd->p2 != a->next_block) {
		a->loading = false;
		return VEUICC_SW_WRONG_P1P2;
	}
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (a->len + cmd->lc > RT_LOAD_MAX) {
		a->loading = false;
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	}
	if (a->len + cmd->lc > a->cap) {
		size_t n = a->cap ? a->cap : 1024;
		while (n < a->len + cmd->lc)
			n *= 2;
		uint8_t *nb = realloc(a->buf, n);
		if (!nb) {
			a->loading = false;
			return VEUICC_SW_NOT_ENOUGH_MEMORY;
		}
		a->buf = nb;
		a->cap = n;
	}
	memcpy(a->buf + a->len, cmd->data, cmd->lc);
	a->len += cmd->lc;
	a->next_block = (uint8_t)(a->next_block + 1);
	if (!(cmd->p1 & P1_LAST_BLOCK))
		return VEUICC_SW_OK;
	a->loading = false;
	const uint8_t *v;
	size_t vlen = 0;
	if (load_data_block(a->buf, a->len, &v, &vlen))
		return VEUICC_SW_WRONG_DATA;
	if (a->hash_len) {
		/* GP CS v2.3 §11.5.2.3.1: the Load File Data Block Hash */
		uint8_t h[32];
		int rc = a->hash_len == 20 ? mbedtls_sha1_ret(v, vlen, h)
		                           : mbedtls_sha256_ret(v, vlen, h, 0);
		if (rc || memcmp(h, a->hash, a->hash_len)) {
			glog(card, "applet: load file hash mismatch: refused (6985)");
			return VEUICC_SW_COND_NOT_SATISFIED;
		}
	}
	if (veuicc_applets_file_add(a, &a->pending))
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	return ok_zero(rsp);
}

/* ---- INSTALL [for install], [for make selectable] -------------------------------- */

/* Install parameters field (GP CS v2.3 §11.5.2.3.7): C9 mandatory, EF and
 * EA (TS 102 226 §8.2.1.3.2) optional, nothing else. */
static uint16_t install_params(const uint8_t *b, size_t len, const uint8_t **c9, size_t *c9_len,
                               const uint8_t **ea, size_t *ea_len)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	*c9 = *ea = NULL;
	*c9_len = *ea_len = 0;
	bool have_c9 = false;
	veuicc_tlv_reader_init(&r, b, len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_C9 && !have_c9) {
			have_c9 = true;
			*c9 = t.value;
			*c9_len = t.len;
		} else if (t.tag == TAG_EA && !*ea) {
			*ea = t.value;
			*ea_len = t.len;
		} else if (t.tag != TAG_EF) {
			return VEUICC_SW_WRONG_DATA;
		}
	}
	return rc < 0 || !have_c9 ? VEUICC_SW_WRONG_DATA : VEUICC_SW_OK;
}

/* The AID is free: no registry entry (ISD-R, ECASD, ISD-P), no other
 * engine application, no instance that could be visible with it. */
static bool aid_free(veuicc_card *card, const struct veuicc_applets *a, const uint8_t *aid,
                     size_t len, uint64_t owner)
{
	if (veuicc_gp_registry_find(&card->registry, aid, len) >= 0 ||
	    veuicc_applets_find_inst(a, aid, len, owner) >= 0 ||
	    veuicc_applets_find_file(a, aid, len) >= 0)
		return false;
	const veuicc_engine *e = &card->engine;
	for (size_t i = 0; i < e->napps; i++)
		if (e->apps[i].aid_len == len && !memcmp(e->apps[i].aid, aid, len) &&
		    strcmp(e->apps[i].ops->name, "applet"))
			return false;
	return true;
}

static uint16_t install_for_install(veuicc_card *card, struct veuicc_applets *a, uint64_t owner,
                                    const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const uint8_t *elf, *em, *aid, *priv, *params, *token;
	size_t elf_len, em_len, aid_len, priv_len, params_len, token_len, pos = 0;
	const uint8_t *d = cmd->data;
	if (lv(d, cmd->lc, &pos, &elf, &elf_len) || lv(d, cmd->lc, &pos, &em, &em_len) ||
	    lv(d, cmd->lc, &pos, &aid, &aid_len) || lv(d, cmd->lc, &pos, &priv, &priv_len) ||
	    lv(d, cmd->lc, &pos, &params, &params_len) ||
	    lv(d, cmd->lc, &pos, &token, &token_len) || pos != cmd->lc || token_len)
		return VEUICC_SW_WRONG_DATA;
	uint8_t privileges[3] = {0};
	if (cmd->p1 == P1_MAKE_SELECT) {
		/* GP CS v2.3 §11.5.2.3.4: no load file, no module, no parameters */
		if (elf_len || em_len || params_len || !aid_ok(aid_len))
			return VEUICC_SW_WRONG_DATA;
		long i = find_scoped(card, a, aid, aid_len, owner);
		if (i < 0)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		rt_inst *x = a->inst[i];
		if (x->lcs != VEUICC_APPLET_LCS_INSTALLED)
			return VEUICC_SW_COND_NOT_SATISFIED;
		x->lcs = VEUICC_APPLET_LCS_SELECTABLE;
		if (x->nmenu)
			veuicc_applets_menu_changed(card);
		return ok_zero(rsp);
	}
	if (!aid_ok(elf_len) || !aid_ok(em_len) || !aid_ok(aid_len) ||
	    (priv_len != 1 && priv_len != 3))
		return VEUICC_SW_WRONG_DATA;
	memcpy(privileges, priv, priv_len);
	long fi = veuicc_applets_find_file_for(card, a, elf, elf_len, owner);
	if (fi < 0)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	if (privileges[0] & PRIV_SD) {
		glog(card, "applet: a native module cannot be a security domain: refused (6A80)");
		return VEUICC_SW_WRONG_DATA; /* AP4 */
	}
	const veuicc_applet_module *mod = veuicc_applets_module(a->files[fi].pkg, em, em_len);
	if (!mod)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	if (!aid_free(card, a, aid, aid_len, a->files[fi].owner))
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *c9, *ea;
	size_t c9_len, ea_len;
	uint16_t sw = install_params(params, params_len, &c9, &c9_len, &ea, &ea_len);
	if (sw != VEUICC_SW_OK)
		return sw;
	rt_aid ia = {.len = (uint8_t)aid_len};
	memcpy(ia.b, aid, aid_len);
	rt_inst *x = NULL;
	sw = veuicc_applets_install(card, &a->files[fi], mod, &ia, privileges, c9, c9_len, ea,
	                            ea_len, &x);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->p1 & P1_MAKE_SELECT) {
		x->lcs = VEUICC_APPLET_LCS_SELECTABLE;
		if (x->nmenu && veuicc_applets_visible(card, x))
			veuicc_applets_menu_changed(card);
	}
	return ok_zero(rsp);
}

/* ---- DELETE (GP CS v2.3 §11.2) -------------------------------------------------------- */

static uint16_t delete_obj(veuicc_card *card, struct veuicc_applets *a, uint64_t owner,
                           const veuicc_capdu *cmd, veuicc_rsp *rsp, bool *mine)
{
	*mine = false;
	const uint8_t *d = cmd->data;
	if (cmd->lc < 2 || d[0] != TAG_AID || d[1] != cmd->lc - 2 || !aid_ok(d[1]))
		return 0;
	const uint8_t *aid = d + 2;
	size_t len = d[1];
	long i = find_scoped(card, a, aid, len, owner);
	if (i >= 0) {
		*mine = true;
		if (cmd->p1 != 0x00 || (cmd->p2 & ~P2_RELATED))
			return VEUICC_SW_WRONG_P1P2;
		/* GP CS v2.3 §11.2.2.3.1: not while it is selected on a channel */
		if (a->inst[i]->sel)
			return VEUICC_SW_COND_NOT_SATISFIED;
		veuicc_applets_destroy(card, (size_t)i);
		return ok_zero(rsp);
	}
	long f = veuicc_applets_find_file_for(card, a, aid, len, owner);
	if (f < 0)
		return 0;
	uint64_t fo = a->files[f].owner;
	*mine = true;
	if (cmd->p1 != 0x00 || (cmd->p2 & ~P2_RELATED))
		return VEUICC_SW_WRONG_P1P2;
	/* §11.2.2.3.2: instances of the file are related objects: without P2
	 * b8 their existence forbids the deletion; none may be selected */
	size_t related = 0;
	for (size_t k = 0; k < a->ninst; k++) {
		const rt_inst *x = a->inst[k];
		if (x->owner != fo || x->file.len != len || memcmp(x->file.b, aid, len))
			continue;
		related++;
		if (x->sel)
			return VEUICC_SW_COND_NOT_SATISFIED;
	}
	if (related && !(cmd->p2 & P2_RELATED))
		return VEUICC_SW_COND_NOT_SATISFIED;
	for (size_t k = a->ninst; k-- > 0;) {
		const rt_inst *x = a->inst[k];
		if (x->owner == fo && x->file.len == len && !memcmp(x->file.b, aid, len))
			veuicc_applets_destroy(card, k);
	}
	veuicc_applets_file_remove(a, (size_t)f);
	return ok_zero(rsp);
}

/* ---- GET STATUS P1 20 / 10 (GP CS v2.3 §11.4) --------------------------------------- */

static uint16_t get_status_files(veuicc_card *card, struct veuicc_applets *a, bool isdr,
                                 uint64_t owner, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	uint16_t sw = VEUICC_SW_REF_DATA_NOT_FOUND;
	if (isdr) {
		/* the ISD-P load file first (gp/getstatus.c); it checks P2 and the
		 * search criteria */
		sw = veuicc_gp_get_status_elf(cmd, rsp);
		if (sw != VEUICC_SW_OK && sw != VEUICC_SW_REF_DATA_NOT_FOUND)
			return sw;
	} else if ((cmd->p2 & ~GS_P2_NEXT) != GS_P2_TLV) {
		return VEUICC_SW_WRONG_P1P2;
	} else if (cmd->p2 & GS_P2_NEXT) {
		return VEUICC_SW_COND_NOT_SATISFIED;
	}
	veuicc_tlv t;
	if (veuicc_tlv_find(cmd->data, cmd->lc, 0, TAG_SEARCH, &t) != 1 || t.len > 16)
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *prefix = t.value;
	size_t prefix_len = t.len;
	bool modules = cmd->p1 == GS_P1_ELF_EM;
	(void)card;
	for (size_t i = 0; i < a->nfiles; i++) {
		const rt_file *f = &a->files[i];
		if (!in_scope(f->owner, owner) || prefix_len > f->aid.len ||
		    memcmp(f->aid.b, prefix, prefix_len))
			continue;
		uint8_t buf[256];
		veuicc_tlv_writer w;
		veuicc_tlv_writer_init(&w, buf, sizeof(buf));
		veuicc_tlv_begin(&w, TAG_GS_ENTRY);
		veuicc_tlv_put(&w, TAG_AID, f->aid.b, f->aid.len);
		veuicc_tlv_put_u8(&w, TAG_LCS, VEUICC_APPLET_LCS_LOADED);
		veuicc_tlv_put(&w, TAG_ASSOC_SD, f->sd.b, f->sd.len);
		for (size_t m = 0; modules && m < f->pkg->nmodules; m++)
			veuicc_tlv_put(&w, TAG_EM_AID, f->pkg->modules[m].aid,
			               f->pkg->modules[m].aid_len);
		veuicc_tlv_end(&w);
		size_t n;
		if (veuicc_tlv_writer_finish(&w, &n) || veuicc_rsp_put(rsp, buf, n))
			return VEUICC_SW_MEMORY_FAILURE;
		sw = VEUICC_SW_OK;
	}
	return sw;
}

/* INSTALL [for install] naming another load file than the ISD-P's
 * (CreateISDP, euicc/isdr.c), or [for make selectable] naming one of the
 * runtime's instances. */
static bool names_file(const struct veuicc_applets *a, const veuicc_capdu *cmd, uint64_t owner)
{
	const uint8_t *elf;
	size_t elf_len, pos = 0;
	if (lv(cmd->data, cmd->lc, &pos, &elf, &elf_len))
		return cmd->p1 == P1_MAKE_SELECT;
	(void)a;
	(void)owner;
	if (cmd->p1 == P1_MAKE_SELECT)
		return true; /* the ISD-R has no other use for it */
	/* all but the ISD-P ELF (CreateISDP) */
	return elf_len != sizeof(veuicc_aid_isdp_elf) || memcmp(elf, veuicc_aid_isdp_elf, elf_len);
}

/* ---- dispatch ------------------------------------------------------------------------ */

uint16_t veuicc_applets_gp_cmd(veuicc_card *card, bool isdr, uint64_t owner, const uint8_t *sd_aid,
                               size_t sd_len, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (!cmd->cl.proprietary)
		return 0;
	struct veuicc_applets *a = veuicc_applets_of(card);
	if (!a)
		return VEUICC_SW_MEMORY_FAILURE;
	if (cmd->ins != INS_LOAD && cmd->ins != INS_GET_STATUS)
		a->loading = false; /* GP CS §11.6: LOAD follows INSTALL [for load] */
	switch (cmd->ins) {
	case INS_INSTALL:
		if (cmd->p1 != P1_FOR_LOAD && cmd->p1 != P1_FOR_INSTALL &&
		    cmd->p1 != P1_MAKE_SELECT && cmd->p1 != P1_INSTALL_SELECT)
			return 0;
		if (cmd->p2 != 0x00)
			return VEUICC_SW_WRONG_P1P2;
		if (cmd->lc == 0)
			return VEUICC_SW_WRONG_LENGTH;
		if (cmd->p1 == P1_FOR_LOAD)
			return install_for_load(card, a, isdr, owner, sd_aid, sd_len, cmd);
		if (isdr && !names_file(a, cmd, owner))
			return 0; /* CreateISDP and its errors: the ISD-R answers */
		return install_for_install(card, a, owner, cmd, rsp);
	case INS_LOAD: return load(card, a, cmd, rsp);
	case INS_DELETE: {
		bool mine;
		uint16_t sw = delete_obj(card, a, owner, cmd, rsp, &mine);
		/* not an applet object: the SD's own DELETE (the ISD-R's; a
		 * profile SD has none, 6D00: decision AP3) */
		return mine ? sw : 0;
	}
	case INS_GET_STATUS:
		if (cmd->p1 != GS_P1_ELF && cmd->p1 != GS_P1_ELF_EM)
			return 0;
		if (cmd->lc == 0)
			return VEUICC_SW_WRONG_LENGTH;
		return get_status_files(card, a, isdr, owner, cmd, rsp);
	default: return 0;
	}
}
