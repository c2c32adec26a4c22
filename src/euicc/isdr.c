/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISD-R (SGP.02 §2.2.1.1): the eUICC's root security domain, selectable by
 * its AID with its GlobalPlatform FCI. It executes the ES5 functions of
 * SGP.02 §4.1.1 (project digest of SGP.02, §3) received as plain GP commands:
 *   CreateISDP            INSTALL [for install and make selectable] 80 E6 0C 00
 *   EnableProfile         STORE DATA DGI 3A03 { 4F AID }
 *   DisableProfile        STORE DATA DGI 3A04 { 4F AID }
 *   SetFallBackAttribute  STORE DATA DGI 3A05 { 4F AID }
 *   SetEmergencyProfileAttribute  STORE DATA DGI 3A06 { 4F AID } (DGI: [M])
 *   UpdateSMSRAddressingParameters  STORE DATA DGI 3A07 { A3 { 81 ... } }
 *   HandleNotificationConfirmation  STORE DATA DGI 3A08 { 4E seq } -> 80 { 4F ... }
 *   EstablishISDRKeySet   STORE DATA DGI 3A01 / 3A02 (smsr_change.c, keyest.c)
 *   FinaliseISDRHandover  DELETE 80 E4 00 00 { F2 03 KVN first last ... } (smsr_change.c)
 *   DeleteProfile         DELETE 80 E4 00 00|40|80 { 4F AID }
 *   MasterDelete          DELETE { 4F AID, [B6 CRT], 9E token } (isdp_es8.c)
 *   capability audit      GET STATUS 80 F2 40|80 02|03, GET DATA 80 CA FF 21
 *   GET DATA 00E0 (keys), 0066 (card data, gp/card_data.c), 9F7F (CPLC)
 * The secure channels (SCP80/SCP81) that carry them in the field come later;
 * this plain path has no test switch: it is the card's APDU interface.
 */
#include <string.h>

#include "apdu/sw.h"
#include "cat/bip.h"
#include "applet/runtime.h"
#include "euicc/euicc.h"
#include "euicc/ecasd.h"
#include "euicc/keyest.h"
#include "euicc/isdp_es8.h"
#include "euicc/notif.h"
#include "euicc/smsr_change.h"
#include "gp/card_data.h"
#include "gp/fci.h"
#include "gp/getstatus.h"
#include "gp/isdr_keys.h"
#include "gp/sd_session.h"
#include "gp/setstatus.h"
#include "tlv/dgi.h"
#include "tlv/tlv.h"

#define INS_INSTALL    0xE6
#define INS_DELETE     0xE4
#define INS_STORE_DATA 0xE2
#define INS_GET_STATUS 0xF2
#define INS_GET_DATA   0xCA
#define INS_SET_STATUS 0xF0   /* GP CS v2.3 §11.10 (gp/setstatus.c) */
#define INS_PUT_KEY    0xD8   /* GP CS v2.3 §11.8 (gp/isdr_keys.c) */
#define INS_PUSH       0xEC   /* GP Amd B §2.4.4 SCP81 PUSH (cat/bip.c) */
#define TAG_KEY_INFO   0x00E0 /* GET DATA key information template, GP CS §11.3.3.1 */

/* INSTALL P1 (GP CS v2.3 §11.5.2.1): for install (04) and make selectable (08) */
#define P1_INSTALL_AND_SELECTABLE 0x0C

/* STORE DATA P1 (GP CS v2.3 §11.11.2.1) */
#define P1_ENC_MASK    0x60
#define P1_STRUCT_MASK 0x18
#define P1_STRUCT_DGI  0x08
#define P1_RFU_MASK    0x06

/* ISD-R DGIs (SGP.02 §4.1.1, digest §3.0 [I]) */
#define DGI_ENABLE   0x3A03
#define DGI_DISABLE  0x3A04
#define DGI_FALLBACK 0x3A05
/* SetEmergencyProfileAttribute: the DGI is not in any material we could
 * read (digest §3.0, §8 item 6); 3A06 is the free slot the digest names as
 * the candidate -- veuicc's choice, docs/spec-decisions.md N-rows [M] */
#define DGI_EMERGENCY  0x3A06
#define DGI_SMSR_ADDR  0x3A07 /* UpdateSMSRAddressingParameters (digest §3.9 [I]) */
#define DGI_NOTIF_CONF 0x3A08 /* notification confirmation (digest §5.4 [I]) */
#define TAG_SMSR_TMPL  0xA3   /* SM-SR addressing parameters template */
#define TAG_SMSR_SMS   0x81   /* SM-SR SMS destination address (TS 23.040 form) */

/* GET STATUS (GP CS v2.3 §11.4) */
#define GS_P1_ISD      0x80
#define GS_P1_APPS     0x40
#define GS_P1_ELF      0x20 /* load files (gp/getstatus.c) */
#define GS_P1_ELF_EM   0x10 /* load files and modules */
#define GS_P2_TLV      0x02
#define GS_P2_NEXT     0x01
#define TAG_SEARCH     0x4F
#define TAG_TAG_LIST   0x5C
#define TAG_GS_ENTRY   0xE3
#define TAG_AID        0x4F
#define TAG_LCS        0x9F70
#define TAG_PRIVILEGES 0xC5
#define TAG_ASSOC_SD   0xCC
/* SGP.02 ISD-P attributes in GET STATUS: the tag is not confirmed (digest §8
 * item 4); 53 with b1 Fall-Back [I], b2 Emergency [M], b3 Test Profile [M]
 * (docs/spec-decisions.md E23, X2) */
#define TAG_SGP02_ATTR  0x53
#define ATTR_FALLBACK   0x01
#define ATTR_EMERGENCY  0x02
#define ATTR_TEST       0x04
#define GS_RESPONSE_MAX 256 /* one short R-APDU */

/* GET DATA FF21: Extended Card Resources Information (TS 102 226 §8.2.1.7.2) */
#define TAG_EXT_CARD_RES 0xFF21
#define TAG_ECR_APPS     0x81
#define TAG_ECR_NVM      0x82
#define TAG_ECR_VM       0x83

/* CreateISDP install parameters (GP CS v2.3 §11.5.2.3.7, SGP.02 digest §3.1) */
#define TAG_C9       0xC9
#define TAG_C7       0xC7
#define TAG_C8       0xC8
#define TAG_EF       0xEF
#define TAG_EF_QUOTA 0x83
#define ISDP_MAX     32   /* ISD-Ps the card holds (docs/euicc.md) */
#define ISDR_RX_MAX  1024 /* STORE DATA bytes of one ISD-R function */

static uint16_t isdr_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_card *card = ctx;
	veuicc_gp_entry *e = &card->registry.e[0];
	veuicc_gp_rx_reset(&e->rx);
	card->gs_next = -1;
	veuicc_keyest_end_perso(card);
	veuicc_sd_channel_reset(card, cmd->cl.channel); /* a (re)selection ends the session */
	return veuicc_gp_sd_select(veuicc_aid_isdr, sizeof(veuicc_aid_isdr), cmd, rsp);
}

static void isdr_deselect(void *ctx, uint8_t channel)
{
	veuicc_card *card = ctx;
	veuicc_gp_rx_reset(&card->registry.e[0].rx);
	card->gs_next = -1;
	veuicc_keyest_end_perso(card);
	veuicc_sd_channel_reset(card, channel);
}

static veuicc_gp_entry *isdr_entry(veuicc_card *card)
{
	return &card->registry.e[0]; /* registered first (euicc.c) */
}

/* ---- helpers ------------------------------------------------------------ */

/* A target named by `4F L AID` as the whole of buf. Returns 9000 and the
 * registry index of an ISD-P, 6A80 for bad coding, 6A88 if no ISD-P has it. */
static uint16_t find_target(veuicc_card *card, const uint8_t *buf, size_t len, long *idx)
{
	if (len < 2 || buf[0] != TAG_AID || buf[1] != len - 2 || buf[1] < 5 || buf[1] > 16)
		return VEUICC_SW_WRONG_DATA;
	long i = veuicc_gp_registry_find(&card->registry, buf + 2, buf[1]);
	if (i < 0 || card->registry.e[i].kind != VEUICC_GP_ISDP)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	*idx = i;
	return VEUICC_SW_OK;
}

static int installed(const veuicc_gp_entry *e)
{
	return e->lcs == VEUICC_GP_LCS_DISABLED || e->lcs == VEUICC_GP_LCS_ENABLED;
}

/* ---- profile switch (SGP.02 §3.2 / §3.4, digest §3.2-3.3) ----------------- */

/* Switch to \p target and queue the notification "profile change"
 * (type 02, digest §5.1) naming it; \p left is the profile disabled by the
 * change, subject to POL1 "deletion mandatory when disabled". A full
 * notification queue refuses the ES5 function: 6A84, nothing changes. */
static uint16_t switch_to(veuicc_card *card, long target, long left)
{
	int rc = veuicc_notif_switch(card, target, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, left, 1, 0);
	if (rc == VEUICC_ERR_NO_MEMORY)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	return rc ? VEUICC_SW_MEMORY_FAILURE : VEUICC_SW_OK;
}

static int emergency_enabled(const veuicc_gp_registry *r)
{
	long cur = veuicc_gp_registry_enabled(r);
	return cur >= 0 && r->e[cur].emergency;
}

/* The ISD-P the Fall-Back mechanism left while its POL1 forbade disabling:
 * the only one that may be enabled next (digest §2.2, §10 [A]), or -1. Once
 * it is enabled again (by any path) the restriction has ended. */
static long fallback_return(const veuicc_gp_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].kind == VEUICC_GP_ISDP && r->e[i].fallback_return &&
		    r->e[i].lcs != VEUICC_GP_LCS_ENABLED)
			return (long)i;
	return -1;
}

static uint16_t enable_profile(veuicc_card *card, const uint8_t *v, size_t len)
{
	long t;
	uint16_t sw = find_target(card, v, len, &t);
	if (sw != VEUICC_SW_OK)
		return sw;
	veuicc_gp_registry *r = &card->registry;
	/* the target must be DISABLED: not enabled already, not an incomplete ISD-P */
	if (r->e[t].lcs != VEUICC_GP_LCS_DISABLED)
		return VEUICC_SW_COND_NOT_SATISFIED;
	/* the Emergency Profile is enabled and disabled locally only (ESx,
	 * digest §2.3, §6.1): not by ES5, and ES5 waits for its local disable [M] */
	if (r->e[t].emergency || emergency_enabled(r))
		return VEUICC_SW_COND_NOT_SATISFIED;
	/* the same for the Test Profile, managed only locally (digest §10 [A]) */
	if (r->e[t].test || veuicc_test_profile_enabled(card))
		return VEUICC_SW_COND_NOT_SATISFIED;
	long cur = veuicc_gp_registry_enabled(r);
	if (cur >= 0 && (r->e[cur].pol1 & VEUICC_POL1_DISABLE_NOT_ALLOWED))
		return VEUICC_SW_POL1_FORBIDS;
	long back = fallback_return(r);
	if (back >= 0 && back != t)
		return VEUICC_SW_POL1_FORBIDS;
	return switch_to(card, t, cur);
}

static uint16_t disable_profile(veuicc_card *card, const uint8_t *v, size_t len)
{
	long t;
	uint16_t sw = find_target(card, v, len, &t);
	if (sw != VEUICC_SW_OK)
		return sw;
	veuicc_gp_registry *r = &card->registry;
	long fb = veuicc_gp_registry_fallback(r);
	/* 6985: not ENABLED, or it is the Fall-Back Profile, or there is no
	 * installed Fall-Back Profile to enable instead (digest §3.3) */
	if (r->e[t].lcs != VEUICC_GP_LCS_ENABLED || r->e[t].fallback || fb < 0 ||
	    !installed(&r->e[fb]))
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (r->e[t].emergency || r->e[t].test)
		return VEUICC_SW_COND_NOT_SATISFIED; /* local disable only [M] */
	if (r->e[t].pol1 & VEUICC_POL1_DISABLE_NOT_ALLOWED)
		return VEUICC_SW_POL1_FORBIDS;
	return switch_to(card, fb, t);
}

static uint16_t set_fallback(veuicc_card *card, const uint8_t *v, size_t len)
{
	long t;
	uint16_t sw = find_target(card, v, len, &t);
	if (sw != VEUICC_SW_OK)
		return sw;
	veuicc_gp_registry *r = &card->registry;
	if (r->e[t].fallback)
		return VEUICC_SW_OK; /* it holds the attribute already: nothing moves */
	/* the attribute goes to an installed profile that is not the Emergency
	 * Profile (digest §2.2, §3.7) */
	if (!installed(&r->e[t]) || r->e[t].emergency || r->e[t].test)
		return VEUICC_SW_COND_NOT_SATISFIED;
	long cur = veuicc_gp_registry_enabled(r);
	if (cur >= 0 && cur != t && (r->e[cur].pol1 & VEUICC_POL1_DISABLE_NOT_ALLOWED))
		return VEUICC_SW_POL1_FORBIDS;
	/* after a Fall-Back away from a profile whose POL1 forbids disabling,
	 * the attribute cannot move (digest §2.2, §10 [A]) */
	if (fallback_return(r) >= 0)
		return VEUICC_SW_POL1_FORBIDS;
	for (size_t i = 0; i < r->count; i++)
		r->e[i].fallback = false;
	r->e[t].fallback = true;
	return VEUICC_SW_OK;
}

/* SetEmergencyProfileAttribute (SGP.02 §3.25-3.26, digest §2.3, §3.8, §10):
 * the attribute moves to an installed, DISABLED profile that does not hold
 * the Fall-Back Attribute; not while the current holder is enabled [M]. */
static uint16_t set_emergency(veuicc_card *card, const uint8_t *v, size_t len)
{
	long t;
	uint16_t sw = find_target(card, v, len, &t);
	if (sw != VEUICC_SW_OK)
		return sw;
	veuicc_gp_registry *r = &card->registry;
	if (r->e[t].lcs != VEUICC_GP_LCS_DISABLED || r->e[t].fallback || r->e[t].test ||
	    emergency_enabled(r))
		return VEUICC_SW_COND_NOT_SATISFIED;
	for (size_t i = 0; i < r->count; i++)
		r->e[i].emergency = false;
	r->e[t].emergency = true;
	return VEUICC_SW_OK;
}

/* UpdateSMSRAddressingParameters (digest §3.9 [I]): the value is one A3
 * template of BER-TLVs holding at most one 81 (SM-SR SMS address: number of
 * digits, TON/NPI, BCD digits); other sub-tags are kept as received. The
 * new template replaces the stored one. */
static uint16_t update_smsr_addr(veuicc_card *card, const uint8_t *v, size_t len)
{
	veuicc_tlv_reader rd, in;
	veuicc_tlv t, s;
	veuicc_tlv_reader_init(&rd, v, len, 0);
	if (veuicc_tlv_next(&rd, &t) != 1 || t.tag != TAG_SMSR_TMPL || t.raw_len != len ||
	    t.len == 0 || t.len > VEUICC_SMSR_ADDR_MAX)
		return VEUICC_SW_WRONG_DATA;
	veuicc_tlv_enter(&rd, &t, &in);
	int rc, n81 = 0;
	while ((rc = veuicc_tlv_next(&in, &s)) == 1) {
		if (s.tag != TAG_SMSR_SMS)
			continue;
		/* TS 23.040 §9.1.2.5 address: digits, TON/NPI, (digits+1)/2 bytes */
		if (n81++ || s.len < 2 || s.value[0] == 0 ||
		    s.len - 2 != (size_t)(s.value[0] + 1) / 2)
			return VEUICC_SW_WRONG_DATA;
	}
	if (rc < 0)
		return VEUICC_SW_WRONG_DATA;
	veuicc_gp_entry *e = isdr_entry(card);
	memcpy(e->smsr_addr, t.value, t.len);
	e->smsr_addr_len = (uint16_t)t.len;
	return VEUICC_SW_OK;
}

static uint16_t store_data(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if ((cmd->p1 & (P1_ENC_MASK | P1_RFU_MASK)) || (cmd->p1 & P1_STRUCT_MASK) != P1_STRUCT_DGI)
		return VEUICC_SW_WRONG_P1P2;
	veuicc_gp_entry *e = isdr_entry(card);
	bool last;
	uint16_t sw = veuicc_gp_rx_block(&e->rx, cmd, ISDR_RX_MAX, &last);
	if (sw != VEUICC_SW_OK || !last)
		return sw;
	/* one ES5 function per STORE DATA sequence: exactly one DGI */
	uint16_t dgi;
	const uint8_t *v;
	size_t vlen, pos = 0;
	if (veuicc_dgi_next(e->rx.buf, e->rx.len, &pos, &dgi, &v, &vlen) || pos != e->rx.len) {
		veuicc_gp_rx_reset(&e->rx);
		return VEUICC_SW_WRONG_DATA;
	}
	switch (dgi) {
	case DGI_ENABLE: sw = enable_profile(card, v, vlen); break;
	case DGI_DISABLE: sw = disable_profile(card, v, vlen); break;
	case DGI_FALLBACK: sw = set_fallback(card, v, vlen); break;
	case DGI_EMERGENCY: sw = set_emergency(card, v, vlen); break;
	case DGI_SMSR_ADDR: sw = update_smsr_addr(card, v, vlen); break;
	case DGI_NOTIF_CONF: sw = veuicc_notif_confirm(card, v, vlen, rsp); break;
	default: sw = VEUICC_SW_REF_DATA_NOT_FOUND; break; /* DGI not supported */
	}
	veuicc_gp_rx_reset(&e->rx);
	return sw;
}

/* ---- CreateISDP (SGP.02 §4.1.1.1, GP CS v2.3 §11.5.2.3) ------------------- */

/* Read one LV field: 1-byte length, then the value. */
static int lv(const uint8_t *b, size_t len, size_t *pos, const uint8_t **v, size_t *vlen)
{
	if (*pos >= len || b[*pos] > len - *pos - 1)
		return -1;
	*vlen = b[*pos];
	*v = b + *pos + 1;
	*pos += 1 + *vlen;
	return 0;
}

/* Install parameters: C9 (mandatory), optional C7/C8 (GP memory quotas) and
 * EF { 83 reserved memory, ... }. Returns 9000 or 6A80. */
static uint16_t parse_install_params(const uint8_t *b, size_t len, uint32_t *quota)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, have_c9 = 0;
	*quota = 0;
	veuicc_tlv_reader_init(&r, b, len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		switch (t.tag) {
		case TAG_C9: have_c9++; break;
		case TAG_C7:
		case TAG_C8: break;
		case TAG_EF: {
			veuicc_tlv_reader in;
			veuicc_tlv s;
			int rc2;
			veuicc_tlv_enter(&r, &t, &in);
			while ((rc2 = veuicc_tlv_next(&in, &s)) == 1) {
				if (s.tag != TAG_EF_QUOTA)
					continue;
				if (s.len < 1 || s.len > 4)
					return VEUICC_SW_WRONG_DATA;
				*quota = 0;
				for (size_t i = 0; i < s.len; i++)
					*quota = *quota << 8 | s.value[i];
			}
			if (rc2 < 0)
				return VEUICC_SW_WRONG_DATA;
			break;
		}
		default: return VEUICC_SW_WRONG_DATA;
		}
	}
	if (rc < 0 || have_c9 != 1)
		return VEUICC_SW_WRONG_DATA;
	return VEUICC_SW_OK;
}

static size_t isdp_count(const veuicc_gp_registry *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count; i++)
		n += r->e[i].kind == VEUICC_GP_ISDP;
	return n;
}

static uint16_t create_isdp(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->p1 != P1_INSTALL_AND_SELECTABLE || cmd->p2 != 0x00)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	const uint8_t *elf, *em, *aid, *priv, *params, *token;
	size_t elf_len, em_len, aid_len, priv_len, params_len, token_len, pos = 0;
	const uint8_t *d = cmd->data;
	if (lv(d, cmd->lc, &pos, &elf, &elf_len) || lv(d, cmd->lc, &pos, &em, &em_len) ||
	    lv(d, cmd->lc, &pos, &aid, &aid_len) || lv(d, cmd->lc, &pos, &priv, &priv_len) ||
	    lv(d, cmd->lc, &pos, &params, &params_len) ||
	    lv(d, cmd->lc, &pos, &token, &token_len) || pos != cmd->lc)
		return VEUICC_SW_WRONG_DATA;
	/* no install token (no delegated management on the ISD-R); privileges
	 * 1 or 3 bytes with the Security Domain privilege; an ISD-P AID */
	if (token_len != 0 || (priv_len != 1 && priv_len != 3) || !(priv[0] & 0x80) ||
	    !veuicc_isdp_aid_valid(aid, aid_len))
		return VEUICC_SW_WRONG_DATA;
	uint32_t quota;
	uint16_t sw = parse_install_params(params, params_len, &quota);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (elf_len != 16 || memcmp(elf, veuicc_aid_isdp_elf, 16) || em_len != 16 ||
	    memcmp(em, veuicc_aid_isdp_em, 16))
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	veuicc_gp_registry *r = &card->registry;
	if (veuicc_gp_registry_find(r, aid, aid_len) >= 0)
		return VEUICC_SW_WRONG_DATA; /* the AID is taken */
	if (isdp_count(r) >= ISDP_MAX || quota > veuicc_euicc_free_nvm(card))
		return VEUICC_SW_NOT_ENOUGH_MEMORY;

	veuicc_gp_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.aid, aid, aid_len);
	e.aid_len = (uint8_t)aid_len;
	e.kind = VEUICC_GP_ISDP;
	e.lcs = VEUICC_GP_LCS_SELECTABLE;
	memcpy(e.priv, priv, priv_len);
	memcpy(e.assoc, veuicc_aid_isdr, 16);
	e.assoc_len = 16;
	e.slot = -1;
	e.quota = quota;
	if (veuicc_isdp_register(card, aid, aid_len) || veuicc_gp_registry_add(r, &e, NULL))
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	/* GP CS §11.5.3.1: one byte 00, no confirmation data */
	static const uint8_t zero = 0x00;
	if (veuicc_rsp_put(rsp, &zero, 1))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* ---- DeleteProfile (SGP.02 §4.1.1.4, GP CS v2.3 §11.2) -------------------- */

void veuicc_isdr_remove_isdp(veuicc_card *card, size_t idx)
{
	veuicc_gp_entry *e = &card->registry.e[idx];
	long slot = e->slot;
	uint8_t aid[16];
	size_t aid_len = e->aid_len;
	memcpy(aid, e->aid, aid_len);
	veuicc_isdp_detach(card, aid, aid_len);
	veuicc_sd_forget(card, aid, aid_len);
	veuicc_gp_registry_remove(&card->registry, idx);
	if (slot >= 0)
		veuicc_profiles_remove(card, (size_t)slot);
}

static uint16_t delete_isdp(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* P1 00: last (only) DELETE command; P2 00 object, 80 object and
	 * related objects, 40 as SM-SRs send it (digest §3.4, §8 item 5) */
	if (cmd->p1 != 0x00 || (cmd->p2 != 0x00 && cmd->p2 != 0x40 && cmd->p2 != 0x80))
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (veuicc_smsr_is_finalise(cmd))
		return veuicc_smsr_finalise(card, cmd, rsp); /* FinaliseISDRHandover */
	veuicc_gp_registry *r = &card->registry;
	const uint8_t *d = cmd->data;
	/* 4F AID followed by more (B6 CRT, 9E token): MasterDelete (isdp_es8.c) */
	if (d[0] == TAG_AID && cmd->lc >= 2 && d[1] < cmd->lc - 2)
		return veuicc_isdr_master_delete(card, cmd, rsp);
	if (d[0] == TAG_AID && cmd->lc >= 2 && d[1] == cmd->lc - 2) {
		long i = veuicc_gp_registry_find(r, d + 2, d[1]);
		if (i >= 0 && r->e[i].kind != VEUICC_GP_ISDP)
			return VEUICC_SW_COND_NOT_SATISFIED; /* ISD-R and ECASD stay */
	}
	long t;
	uint16_t sw = find_target(card, d, cmd->lc, &t);
	if (sw != VEUICC_SW_OK)
		return sw;
	veuicc_gp_entry *e = &r->e[t];
	if (e->lcs == VEUICC_GP_LCS_ENABLED || e->fallback || e->emergency || e->test)
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (installed(e) && (e->pol1 & VEUICC_POL1_DELETE_NOT_ALLOWED))
		return VEUICC_SW_POL1_FORBIDS;
	veuicc_isdr_remove_isdp(card, (size_t)t);
	static const uint8_t zero = 0x00;
	if (veuicc_rsp_put(rsp, &zero, 1))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* ---- capability audit ---------------------------------------------------- */

static int tag_allowed(uint32_t tag)
{
	return tag == TAG_AID || tag == TAG_LCS || tag == TAG_PRIVILEGES || tag == TAG_ASSOC_SD ||
	       tag == TAG_SGP02_ATTR;
}

/* Encode one E3 entry with the tags of the list (default 4F, 9F70, C5). */
static int gs_entry(const veuicc_gp_entry *e, const uint8_t *tags, size_t tags_len, uint8_t *out,
                    size_t cap, size_t *n)
{
	static const uint8_t dflt[] = {0x4F, 0x9F, 0x70, 0xC5};
	if (!tags_len) {
		tags = dflt;
		tags_len = sizeof(dflt);
	}
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out, cap);
	veuicc_tlv_begin(&w, TAG_GS_ENTRY);
	size_t p = 0;
	while (p < tags_len) {
		uint32_t tag = tags[p++];
		if ((tag & 0x1F) == 0x1F && p < tags_len)
			tag = tag << 8 | tags[p++];
		switch (tag) {
		case TAG_AID: veuicc_tlv_put(&w, TAG_AID, e->aid, e->aid_len); break;
		case TAG_LCS: veuicc_tlv_put_u8(&w, TAG_LCS, e->lcs); break;
		case TAG_PRIVILEGES: veuicc_tlv_put(&w, TAG_PRIVILEGES, e->priv, 3); break;
		case TAG_ASSOC_SD: veuicc_tlv_put(&w, TAG_ASSOC_SD, e->assoc, e->assoc_len); break;
		case TAG_SGP02_ATTR:
			if (e->kind == VEUICC_GP_ISDP)
				veuicc_tlv_put_u8(&w, TAG_SGP02_ATTR,
				                  (uint8_t)((e->fallback ? ATTR_FALLBACK : 0) |
				                            (e->emergency ? ATTR_EMERGENCY : 0) |
				                            (e->test ? ATTR_TEST : 0)));
			break;
		default: break;
		}
	}
	veuicc_tlv_end(&w);
	return veuicc_tlv_writer_finish(&w, n);
}

static int gs_match(const veuicc_card *card, const veuicc_gp_entry *e)
{
	if (card->gs_p1 == GS_P1_ISD ? e->kind != VEUICC_GP_ISDR : e->kind == VEUICC_GP_ISDR)
		return 0;
	return card->gs_prefix_len <= e->aid_len &&
	       !memcmp(e->aid, card->gs_prefix, card->gs_prefix_len);
}

static uint16_t get_status(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->p1 == GS_P1_ELF || cmd->p1 == GS_P1_ELF_EM) {
		card->gs_next = -1;                        /* ends a P1 40/80 sequence */
		return veuicc_gp_get_status_elf(cmd, rsp); /* gp/getstatus.c */
	}
	if ((cmd->p1 != GS_P1_ISD && cmd->p1 != GS_P1_APPS) || (cmd->p2 & ~GS_P2_NEXT) != GS_P2_TLV)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	long start = 0;
	if (cmd->p2 & GS_P2_NEXT) {
		/* next occurrence: continues the search that answered 6310, with
		 * its criteria (GP CS v2.3 §11.4.2.2) */
		if (card->gs_next < 0 || card->gs_p1 != cmd->p1)
			return VEUICC_SW_COND_NOT_SATISFIED;
		start = card->gs_next;
	} else {
		/* search criteria: 4F (AID prefix, may be empty), optional 5C tag list */
		veuicc_tlv_reader r;
		veuicc_tlv t;
		int rc, have_4f = 0;
		uint8_t prefix_len = 0, tags_len = 0;
		uint8_t prefix[16], tags[32];
		veuicc_tlv_reader_init(&r, cmd->data, cmd->lc, 0);
		while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
			if (t.tag == TAG_SEARCH && !have_4f && t.len <= 16) {
				memcpy(prefix, t.value, t.len);
				prefix_len = (uint8_t)t.len;
				have_4f = 1;
			} else if (t.tag == TAG_TAG_LIST && !tags_len && t.len &&
			           t.len <= sizeof(tags)) {
				memcpy(tags, t.value, t.len);
				tags_len = (uint8_t)t.len;
			} else {
				return VEUICC_SW_WRONG_DATA;
			}
		}
		if (rc < 0 || !have_4f)
			return VEUICC_SW_WRONG_DATA;
		/* every requested tag must be one the card reports */
		for (size_t p = 0; p < tags_len;) {
			uint32_t tag = tags[p++];
			if ((tag & 0x1F) == 0x1F) {
				if (p >= tags_len)
					return VEUICC_SW_WRONG_DATA;
				tag = tag << 8 | tags[p++];
			}
			if (!tag_allowed(tag))
				return VEUICC_SW_WRONG_DATA;
		}
		card->gs_p1 = cmd->p1;
		memcpy(card->gs_prefix, prefix, prefix_len);
		card->gs_prefix_len = prefix_len;
		memcpy(card->gs_tags, tags, tags_len);
		card->gs_tags_len = tags_len;
	}
	card->gs_next = -1;
	size_t limit = cmd->ne && cmd->ne < GS_RESPONSE_MAX ? cmd->ne : GS_RESPONSE_MAX;
	const veuicc_gp_registry *r = &card->registry;
	size_t found = 0;
	/* the registry, then the applet instances (applet/runtime.h) */
	long total = (long)(r->count + veuicc_applets_count(card));
	for (long i = start; i < total; i++) {
		veuicc_gp_entry app; /* a registry-style view of an applet */
		const veuicc_gp_entry *e = &app;
		if (i < (long)r->count)
			e = &r->e[i];
		else if (veuicc_applets_entry(card, (size_t)i - r->count, &app))
			break;
		if (!gs_match(card, e))
			continue;
		uint8_t buf[96];
		size_t n;
		if (gs_entry(e, card->gs_tags, card->gs_tags_len, buf, sizeof(buf), &n))
			return VEUICC_SW_NO_DIAGNOSIS;
		/* whole entries up to Le; the first one always (the transmission
		 * rules then handle an Le too small for it) */
		if (found && rsp->len + n > limit) {
			card->gs_next = i; /* GP: 6310, more data with P2 b1 set */
			return VEUICC_SW_MORE_DATA;
		}
		if (veuicc_rsp_put(rsp, buf, n))
			return VEUICC_SW_MEMORY_FAILURE;
		found++;
	}
	if (!found)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	return VEUICC_SW_OK;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get_data(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* GP CS v2.3 §11.3: case 2, P1-P2 the tag */
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t tag = (uint16_t)(cmd->p1 << 8 | cmd->p2);
	if (tag == TAG_KEY_INFO)
		return veuicc_isdr_key_info(card, rsp);
	if (tag == VEUICC_GP_TAG_CARD_DATA)
		return veuicc_gp_card_data(true, rsp); /* gp/card_data.c, decision G1 */
	if (tag == VEUICC_GP_TAG_CPLC) {
		/* the card's one CPLC, as the ECASD reports it (decision G7) */
		const veuicc_ecasd *ecasd = veuicc_ecasd_of(card);
		return ecasd ? veuicc_ecasd_get_data(ecasd, cmd, rsp)
		             : VEUICC_SW_REF_DATA_NOT_FOUND;
	}
	if (tag != TAG_EXT_CARD_RES)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	size_t apps = card->registry.count + veuicc_applets_count(card); /* with applets */
	uint8_t nvm[4], vm[4];
	put_u32(nvm, (uint32_t)veuicc_euicc_free_nvm(card));
	put_u32(vm, (uint32_t)veuicc_euicc_free_vm(card));
	uint8_t buf[32];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_EXT_CARD_RES);
	veuicc_tlv_put_u8(&w, TAG_ECR_APPS, (uint8_t)(apps > 255 ? 255 : apps));
	veuicc_tlv_put(&w, TAG_ECR_NVM, nvm, 4);
	veuicc_tlv_put(&w, TAG_ECR_VM, vm, 4);
	veuicc_tlv_end(&w);
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) || veuicc_rsp_put(rsp, buf, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

static uint16_t isdr_function(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_card *card = ctx;
	if (!cmd->cl.proprietary)
		return VEUICC_SW_CLA_NOT_SUPP; /* GP commands use CLA 8x (GP CS §11.1.4) */
	if (cmd->ins != INS_GET_STATUS)
		card->gs_next = -1; /* another command ends a GET STATUS sequence */
	if (cmd->ins != INS_STORE_DATA)
		veuicc_gp_rx_reset(&isdr_entry(card)->rx);
	/* INSTALL [for personalization]: later STORE DATA go to the ISD-P (keyest.c) */
	if (cmd->ins == INS_INSTALL && cmd->p1 == VEUICC_KEYEST_P1_PERSO)
		return veuicc_keyest_install_perso(card, cmd, rsp);
	if (cmd->ins == INS_STORE_DATA && veuicc_keyest_perso_active(card))
		return veuicc_keyest_forward(card, cmd, rsp);
	/* 3A01/3A02 to the ISD-R itself: EstablishISDRKeySet (smsr_change.c);
	 * not inside another STORE DATA sequence; keeps the pending challenge */
	if (cmd->ins == INS_STORE_DATA && !isdr_entry(card)->rx.active &&
	    veuicc_keyest_is_dgi_store_data(cmd))
		return veuicc_smsr_establish(card, cmd, rsp);
	veuicc_keyest_end_perso(card);
	/* applet load files and instances (applet/gp_cm.c); 0: not theirs */
	uint16_t asw = veuicc_applets_gp_cmd(card, true, 0, veuicc_aid_isdr,
	                                     sizeof(veuicc_aid_isdr), cmd, rsp);
	if (asw)
		return asw;
	switch (cmd->ins) {
	case INS_INSTALL: return create_isdp(card, cmd, rsp);
	case INS_DELETE: return delete_isdp(card, cmd, rsp);
	case INS_STORE_DATA: return store_data(card, cmd, rsp);
	case INS_GET_STATUS: return get_status(card, cmd, rsp);
	case INS_GET_DATA: return get_data(card, cmd, rsp);
	case INS_PUT_KEY: return veuicc_isdr_put_key(card, cmd, rsp);
	case INS_SET_STATUS: return veuicc_gp_set_status(&card->registry, cmd);
	case INS_PUSH: return veuicc_bip_push(card, cmd);
	default: return VEUICC_SW_INS_NOT_SUPP;
	}
}

/* Every command goes through the SCP03 session and the access policy
 * (gp/sd_session.c) before the ES5 function sees it. */
static uint16_t isdr_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_card *card = ctx;
	if (!cmd->cl.proprietary)
		return VEUICC_SW_CLA_NOT_SUPP; /* GP commands use CLA 8x (GP CS §11.1.4) */
	const veuicc_sd_target t = {true, veuicc_aid_isdr, sizeof(veuicc_aid_isdr), NULL};
	return veuicc_sd_process(card, &t, cmd, rsp, isdr_function, card);
}

const veuicc_applet_ops veuicc_isdr_ops = {
    .name = "ISD-R",
    .accepts_sm = 1, /* SCP03 (GP Amd D) */
    .select = isdr_select,
    .process = isdr_process,
    .deselect = isdr_deselect,
};
