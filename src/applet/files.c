/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File access for applets (docs/applets.md "File access", decisions AP17 to
 * AP19): the UICC access application specific parameters of the install
 * parameters (EA / 81, ETSI TS 102 226 §8.2.1.3.2.2) give an instance its
 * access domains; the services select and read/update files of the enabled
 * profile through a file view of the instance's own (TS 102 241 FileView)
 * that the UICC file system application runs (src/uicc/uicc_app.c), with
 * each EF's EF.ARR rule judged by the access domain (src/uicc/arr.c), as
 * for remote file management (src/cat/ota_route.c).
 */
#include "applet/rt_int.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "core/profiles.h"
#include "tlv/tlv.h"
#include "uicc/arr.h"

/* TS 102 226 §8.2.1.3.2: UICC system specific parameters (EA) */
#define TAG_EA_ACCESS 0x81 /* UICC Access Application specific parameters */
/* TS 102 221 §10.1.2 Table 10.5, §11.1.1.2 SELECT P1/P2 */
#define INS_SELECT        0xA4
#define INS_READ_BINARY   0xB0
#define INS_UPDATE_BINARY 0xD6
#define INS_READ_RECORD   0xB2
#define INS_UPDATE_RECORD 0xDC
#define INS_INCREASE      0x32
#define SEL_PATH_MF       0x08
#define SEL_PATH_CUR      0x09
#define SEL_NO_DATA       0x0C
#define PATH_MAX_FIDS     8
#define OFFSET_MAX        0x7FFF /* P1 b8 is the SFI flag (§11.1.3.2) */
#define RSP_MAX           512    /* a record and the value of INCREASE */

/* ---- install parameters ------------------------------------------------ */

/*
 * AP17: EA / 81 holds one or more entries {length of the file system AID
 * (00: the UICC file system, the MF tree; else the ADF's AID, 5..16 bytes),
 * AID, length of the access domain (>= 1), access domain (parameter, then
 * access domain data), length of the access domain DAP, DAP}. The DAP is
 * not verified. Malformed: INSTALL answers 6A80.
 */
uint16_t veuicc_applets_parse_access(rt_inst *x)
{
	x->fs_uicc.param = VEUICC_ARR_DOMAIN_NONE;
	x->fs_uicc.data_len = 0;
	x->fs_nadf = 0;
	veuicc_tlv t;
	if (!x->ea || veuicc_tlv_find(x->ea, x->ea_len, 0, TAG_EA_ACCESS, &t) != 1)
		return VEUICC_SW_OK; /* no access domain: no access */
	const uint8_t *p = t.value;
	size_t n = t.len, i = 0;
	bool have_uicc = false;
	if (!n)
		return VEUICC_SW_WRONG_DATA;
	while (i < n) {
		size_t al = p[i++];
		if ((al && (al < VEUICC_FS_AID_MIN || al > VEUICC_FS_AID_MAX)) || al > n - i)
			return VEUICC_SW_WRONG_DATA;
		const uint8_t *aid = p + i;
		i += al;
		if (i >= n)
			return VEUICC_SW_WRONG_DATA;
		size_t dl = p[i++];
		if (dl < 1 || dl > n - i)
			return VEUICC_SW_WRONG_DATA;
		veuicc_uicc_domain d = {.param = p[i], .data_len = 0};
		if (dl - 1 > sizeof(d.data))
			return VEUICC_SW_WRONG_DATA; /* AP17: at most 4 bytes of key references */
		memcpy(d.data, p + i + 1, dl - 1);
		d.data_len = (uint8_t)(dl - 1);
		i += dl;
		if (i >= n)
			return VEUICC_SW_WRONG_DATA;
		size_t dap = p[i++];
		if (dap > n - i)
			return VEUICC_SW_WRONG_DATA;
		i += dap;
		if (!al) {
			if (have_uicc)
				return VEUICC_SW_WRONG_DATA;
			have_uicc = true;
			x->fs_uicc = d;
		} else {
			if (x->fs_nadf == RT_FS_ADFS)
				return VEUICC_SW_WRONG_DATA;
			x->fs_adf_aid[x->fs_nadf].len = (uint8_t)al;
			memcpy(x->fs_adf_aid[x->fs_nadf].b, aid, al);
			x->fs_adf[x->fs_nadf++] = d;
		}
	}
	return VEUICC_SW_OK;
}

/* ---- the file view ----------------------------------------------------- */

void veuicc_applets_power_cycle(veuicc_card *card)
{
	struct veuicc_applets *a = card->applets;
	for (size_t i = 0; a && i < a->ninst; i++)
		a->inst[i]->view_seq = 0; /* started again, at the MF, on first use */
}

/* The UICC application of the enabled profile with the instance's view
 * ready on it, or NULL with *sw set: no profile enabled (6A82), or the
 * instance belongs to another profile (6982, AP19). */
static void *view_app(rt_inst *x, uint16_t *sw)
{
	veuicc_card *card = x->card;
	long s = card->profiles.active;
	if (s < 0 || (size_t)s >= card->profiles.count || !card->profiles.slot[s].app) {
		*sw = VEUICC_SW_NOT_FOUND;
		return NULL;
	}
	veuicc_profile_slot *slot = &card->profiles.slot[s];
	if (x->owner && x->owner != slot->seq) {
		*sw = VEUICC_SW_SECURITY_STATUS;
		return NULL;
	}
	if (x->view_seq != slot->seq) {
		/* a new view for this profile: the MF current (TS 102 241) */
		veuicc_uicc_view_start(slot->app, &x->view, &x->fs_uicc);
		for (size_t k = 0; k < x->fs_nadf; k++) /* an ADF the profile lacks: skipped */
			(void)veuicc_uicc_view_add_adf(slot->app, &x->view, x->fs_adf_aid[k].b,
			                               x->fs_adf_aid[k].len, &x->fs_adf[k]);
		x->view_seq = slot->seq;
	}
	return slot->app;
}

/* Run one file command in the instance's view; the response data (at most
 * \p cap bytes) into \p out. */
static uint16_t run(veuicc_applet_env *env, uint8_t ins, uint8_t p1, uint8_t p2,
                    const uint8_t *data, size_t lc, size_t ne, uint8_t *out, size_t cap,
                    size_t *got)
{
	rt_inst *x = env->rt;
	uint16_t sw;
	if (got)
		*got = 0;
	void *app = view_app(x, &sw);
	if (!app)
		return sw;
	veuicc_capdu c;
	memset(&c, 0, sizeof(c));
	c.cla = ins == INS_INCREASE ? 0x80 : 0x00; /* TS 102 221 §10.1.1 */
	c.cl.proprietary = ins == INS_INCREASE;
	c.ins = ins;
	c.p1 = p1;
	c.p2 = p2;
	c.data = data;
	c.lc = lc;
	c.ne = ne;
	uint8_t buf[RSP_MAX];
	veuicc_rsp r = {.buf = buf, .cap = sizeof(buf), .len = 0, .owner = NULL, .err = 0};
	sw = veuicc_uicc_view_cmd(app, &x->view, &c, &r);
	if (r.err)
		sw = VEUICC_SW_MEMORY_FAILURE;
	else if (veuicc_sw_allows_data(sw) && r.len) {
		if (r.len > cap)
			sw = VEUICC_SW_WRONG_LENGTH; /* the caller's buffer is too small */
		else {
			memcpy(out, buf, r.len);
			if (got)
				*got = r.len;
		}
	}
	mbedtls_platform_zeroize(buf, r.len < sizeof(buf) ? r.len : sizeof(buf));
	return sw;
}

uint16_t veuicc_applets_file_select(veuicc_applet_env *env, const uint8_t *aid, size_t aid_len,
                                    const uint8_t *path, size_t path_len)
{
	rt_inst *x = env->rt;
	uint16_t sw;
	void *app = view_app(x, &sw);
	if (!app)
		return sw;
	if ((aid_len && !aid) || aid_len > VEUICC_FS_AID_MAX || (path_len && !path) ||
	    path_len % 2 || path_len > 2 * PATH_MAX_FIDS)
		return VEUICC_SW_WRONG_LENGTH;
	veuicc_uicc_view before = x->view;
	sw = veuicc_uicc_view_root(app, &x->view, aid_len ? aid : NULL, aid_len);
	if (sw == VEUICC_SW_OK && path_len) {
		bool from_mf = !aid_len;
		if (from_mf && path[0] == 0x3F && path[1] == 0x00) { /* the MF itself */
			path += 2;
			path_len -= 2;
		}
		if (path_len)
			sw = run(env, INS_SELECT, from_mf ? SEL_PATH_MF : SEL_PATH_CUR, SEL_NO_DATA,
			         path, path_len, 0, NULL, 0, NULL);
	}
	if (sw != VEUICC_SW_OK && sw != VEUICC_SW_WARN_DEACTIVATED)
		x->view = before; /* TS 102 221 §11.1.1: a failed SELECT changes nothing */
	return sw;
}

uint16_t veuicc_applets_read_binary(veuicc_applet_env *env, uint16_t offset, uint8_t *buf,
                                    size_t len, size_t *got)
{
	if (offset > OFFSET_MAX)
		return VEUICC_SW_WRONG_P1P2_OFFSET;
	if (!len || len > 256 || !buf)
		return VEUICC_SW_WRONG_LENGTH;
	return run(env, INS_READ_BINARY, (uint8_t)(offset >> 8), (uint8_t)offset, NULL, 0, len, buf,
	           len, got);
}

uint16_t veuicc_applets_update_binary(veuicc_applet_env *env, uint16_t offset, const uint8_t *data,
                                      size_t len)
{
	if (offset > OFFSET_MAX)
		return VEUICC_SW_WRONG_P1P2_OFFSET;
	if (!len || len > 255 || !data)
		return VEUICC_SW_WRONG_LENGTH;
	return run(env, INS_UPDATE_BINARY, (uint8_t)(offset >> 8), (uint8_t)offset, data, len, 0,
	           NULL, 0, NULL);
}

uint16_t veuicc_applets_read_record(veuicc_applet_env *env, uint8_t rec, uint8_t mode, uint8_t *buf,
                                    size_t cap, size_t *got)
{
	if (!buf || !cap)
		return VEUICC_SW_WRONG_LENGTH;
	return run(env, INS_READ_RECORD, rec, mode, NULL, 0, 256, buf, cap, got);
}

uint16_t veuicc_applets_update_record(veuicc_applet_env *env, uint8_t rec, uint8_t mode,
                                      const uint8_t *data, size_t len)
{
	if (!len || len > 255 || !data)
		return VEUICC_SW_WRONG_LENGTH;
	return run(env, INS_UPDATE_RECORD, rec, mode, data, len, 0, NULL, 0, NULL);
}

uint16_t veuicc_applets_increase(veuicc_applet_env *env, const uint8_t *value, size_t len,
                                 uint8_t *buf, size_t cap, size_t *got)
{
	if (!len || len > 255 || !value || !buf)
		return VEUICC_SW_WRONG_LENGTH;
	return run(env, INS_INCREASE, 0, 0, value, len, 256, buf, cap, got);
}
