/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X-Admin-Targeted-Application (GP Amd B §3.4.2; docs/scp81.md "Targeted
 * application"; decisions H81-9, H81-17): the ISD-R runs an admin script
 * unless the header names another application; an ISD-P runs it as its own
 * commands (ES8), through the handler the ISD-R's INSTALL [for
 * personalization] forwards STORE DATA to.
 */
#include "cat/bip_target.h"

#include <string.h>

#include "apdu/sw.h"
#include "applet/runtime.h"
#include "cat/envelope.h"
#include "core/hex.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "gp/mnosd.h"

#define RID_LEN       5
#define PRIV_SD       0x80 /* GP CS v2.3 Table 11-7: privilege byte 1 b8, Security Domain */
#define TARGET_PREFIX "//aid/"

/* Hex digits up to \p stop (or the end), appended to \p aid. */
static const char *unhex(const char *s, char stop, uint8_t *aid, size_t *len, size_t max)
{
	while (*s && *s != stop) {
		int hi = veuicc_hex_digit(s[0]), lo = s[1] ? veuicc_hex_digit(s[1]) : -1;
		if (hi < 0 || lo < 0 || *len == max)
			return NULL;
		aid[(*len)++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return s;
}

int veuicc_scp81_target_aid(const char *hdr, uint8_t aid[16], size_t *len)
{
	*len = 0;
	if (strncmp(hdr, TARGET_PREFIX, sizeof(TARGET_PREFIX) - 1) != 0)
		return VEUICC_ERR_MALFORMED;
	const char *s = unhex(hdr + sizeof(TARGET_PREFIX) - 1, '/', aid, len, RID_LEN);
	if (!s || *len != RID_LEN)
		return VEUICC_ERR_MALFORMED;
	if (*s == '/')
		s = unhex(s + 1, '\0', aid, len, 16);
	if (!s || *s)
		return VEUICC_ERR_MALFORMED;
	return VEUICC_OK;
}

static bool is_mnosd(const veuicc_card *card, const uint8_t *aid, size_t len)
{
	const veuicc_engine *eng = &card->engine;
	for (size_t i = 0; i < eng->napps; i++)
		if (eng->apps[i].ops == &veuicc_mnosd_ops && eng->apps[i].aid_len == len &&
		    !memcmp(eng->apps[i].aid, aid, len))
			return true;
	return false;
}

void veuicc_scp81_target_of(veuicc_card *card, const char *hdr, veuicc_scp81_target *out)
{
	memset(out, 0, sizeof(*out));
	out->card = card;
	out->kind = VEUICC_SCP81_TGT_ISDR;
	if (!hdr[0])
		return; /* no header: the admin agent's own SD, the ISD-R */
	out->kind = VEUICC_SCP81_TGT_UNKNOWN;
	if (veuicc_scp81_target_aid(hdr, out->aid, &out->aid_len) != VEUICC_OK)
		return;
	if (out->aid_len == sizeof(veuicc_aid_isdr) &&
	    !memcmp(out->aid, veuicc_aid_isdr, sizeof(veuicc_aid_isdr))) {
		out->kind = VEUICC_SCP81_TGT_ISDR;
		return;
	}
	long i = veuicc_gp_registry_find(&card->registry, out->aid, out->aid_len);
	if (i >= 0 && card->registry.e[i].kind == VEUICC_GP_ISDP) {
		out->kind = VEUICC_SCP81_TGT_ISDP;
		return;
	}
	/* the ECASD and the profiles' SDs are security domains the SM-SR's
	 * session with the ISD-R keys does not administer (H81-17) */
	if ((i >= 0 && card->registry.e[i].kind == VEUICC_GP_ECASD) ||
	    is_mnosd(card, out->aid, out->aid_len)) {
		out->kind = VEUICC_SCP81_TGT_REFUSED;
		return;
	}
	size_t n = veuicc_applets_count(card);
	for (size_t k = 0; k < n; k++) {
		veuicc_gp_entry e;
		if (veuicc_applets_entry(card, k, &e) != VEUICC_OK || e.aid_len != out->aid_len ||
		    memcmp(e.aid, out->aid, out->aid_len))
			continue;
		out->kind =
		    (e.priv[0] & PRIV_SD) ? VEUICC_SCP81_TGT_REFUSED : VEUICC_SCP81_TGT_NOT_SD;
		return;
	}
}

const char *veuicc_scp81_target_status(veuicc_scp81_target_kind kind)
{
	/* GP Amd B §3.4.1 X-Admin-Script-Status values (digest §3.0) */
	switch (kind) {
	case VEUICC_SCP81_TGT_ISDR:
	case VEUICC_SCP81_TGT_ISDP: return "ok";
	case VEUICC_SCP81_TGT_NOT_SD: return "not-a-security-domain";
	case VEUICC_SCP81_TGT_REFUSED: return "security-error";
	case VEUICC_SCP81_TGT_UNKNOWN:
	default: return "unknown-application";
	}
}

int veuicc_scp81_exec_isdp(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                           size_t *rlen)
{
	const veuicc_scp81_target *t = ctx;
	const veuicc_app *a = veuicc_isdp_app(t->card, t->aid, t->aid_len);
	if (!a) {
		if (cap < 2)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		rapdu[0] = (uint8_t)(VEUICC_SW_COND_NOT_SATISFIED >> 8);
		rapdu[1] = (uint8_t)VEUICC_SW_COND_NOT_SATISFIED;
		*rlen = 2;
		return VEUICC_OK;
	}
	return veuicc_cat_exec_on(t->card, a->ops->process, a->ctx, capdu, len, rapdu, cap, rlen);
}
