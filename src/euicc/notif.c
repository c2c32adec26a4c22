/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Notifications of profile changes (SGP.02 §3.15 default notification,
 * §4.1.1.11 content, §4.1.1.12 confirmation; project digest §5), POL1
 * "deletion mandatory when disabled" (§2.4, digest §2.4 and §8 item 18), the
 * Fall-Back mechanism (§3.16, digest §2.2) and the local Emergency Profile
 * switches (ESx, digest §2.3 and §6.1). Choices: docs/spec-decisions.md,
 * section "Notifications".
 */
#include "euicc/notif.h"
#include "core/card.h"

#include <string.h>

#include "apdu/sw.h"
#include "cat/notify.h"
#include "euicc/euicc.h"
#include "tlv/tlv.h"

/* Notification template and confirmation (digest §5.2, §5.4 [I]) */
#define TAG_NOTIF      0xE1
#define TAG_EID        0x4C
#define TAG_NOTIF_TYPE 0x4D
#define TAG_SEQ        0x4E
#define TAG_CTLV_AID   0x2F /* TS 102 223 §8.60 AID (COMPREHENSION-TLV) */
#define TAG_DELETED    0x80 /* confirmation response: deleted ISD-Ps */
#define TAG_AID        0x4F

static veuicc_gp_entry *isdr(veuicc_card *card)
{
	return &card->registry.e[0]; /* registered first (euicc.c) */
}

static const veuicc_gp_entry *isdr_c(const veuicc_card *card)
{
	return &card->registry.e[0];
}

int veuicc_notif_full(const veuicc_card *card)
{
	return isdr_c(card)->notif_count >= VEUICC_NOTIF_MAX;
}

/* Forget the oldest notification (queue full on a device-side change); an
 * ISD-P waiting for it to be confirmed stays, disabled. */
static void drop_oldest(veuicc_card *card)
{
	veuicc_gp_entry *r = isdr(card);
	uint16_t seq = r->notif[0].seq;
	memmove(&r->notif[0], &r->notif[1], (size_t)(r->notif_count - 1) * sizeof(r->notif[0]));
	r->notif_count--;
	veuicc_gp_registry *g = &card->registry;
	for (size_t i = 0; i < g->count; i++)
		if (g->e[i].del_seq == seq)
			g->e[i].del_seq = 0;
}

/* Queue a notification naming ISD-P \p aid; returns its sequence number.
 * The sequence number is card-wide, 2 bytes, incremented for each new
 * notification and never 0 (digest §5.2 [S/M]). */
static uint16_t queue(veuicc_card *card, uint8_t type, const uint8_t *aid, size_t aid_len)
{
	veuicc_gp_entry *r = isdr(card);
	if (r->notif_count >= VEUICC_NOTIF_MAX)
		drop_oldest(card);
	r->notif_seq = (uint16_t)(r->notif_seq == 0xFFFF ? 1 : r->notif_seq + 1);
	veuicc_gp_notif *n = &r->notif[r->notif_count++];
	memset(n, 0, sizeof(*n));
	n->seq = r->notif_seq;
	n->type = type;
	memcpy(n->aid, aid, aid_len);
	n->aid_len = (uint8_t)aid_len;
	return n->seq;
}

int veuicc_notif_switch(veuicc_card *card, long target, uint8_t type, long left, int pol1_delete,
                        int may_drop)
{
	if (!may_drop && veuicc_notif_full(card))
		return VEUICC_ERR_NO_MEMORY;
	veuicc_gp_registry *g = &card->registry;
	/* exactly one ENABLED profile; the security domains keep their
	 * selections (the REFRESH the terminal gets belongs to the CAT layer) */
	int rc = veuicc_profiles_switch(card, g->e[target].slot, 1);
	if (rc)
		return rc;
	veuicc_isdp_sync_states(card);
	g->e[target].fallback_return = false;
	uint16_t seq = queue(card, type, g->e[target].aid, g->e[target].aid_len);
	veuicc_cat_notifications_send(card); /* SGP.02 §3.15.1 by SMS (cat/notify.h) */
	/* POL1 "deletion mandatory when disabled": after the confirmation
	 * (digest §5.4, §8 item 18); never the Fall-Back profile (§2.2) */
	if (left >= 0 && pol1_delete && (g->e[left].pol1 & VEUICC_POL1_DELETE_ON_DISABLE) &&
	    !g->e[left].fallback)
		g->e[left].del_seq = seq;
	return VEUICC_OK;
}

void veuicc_notif_power_cycle(veuicc_card *card)
{
	if (!card->registry.count)
		return;
	veuicc_gp_entry *r = isdr(card);
	for (size_t i = 0; i < r->notif_count; i++)
		if (r->notif[i].retries < UINT32_MAX)
			r->notif[i].retries++;
}

uint16_t veuicc_notif_confirm(veuicc_card *card, const uint8_t *v, size_t len, veuicc_rsp *rsp)
{
	/* 4E 02 <sequence number> (digest §5.4 [I]) */
	if (len != 4 || v[0] != TAG_SEQ || v[1] != 2)
		return VEUICC_SW_WRONG_DATA;
	uint16_t seq = (uint16_t)(v[2] << 8 | v[3]);
	veuicc_gp_entry *r = isdr(card);
	size_t k = 0;
	while (k < r->notif_count && r->notif[k].seq != seq)
		k++;
	if (seq == 0 || k == r->notif_count)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	memmove(&r->notif[k], &r->notif[k + 1], (r->notif_count - k - 1) * sizeof(r->notif[0]));
	r->notif_count--;
	/* the ISD-Ps waiting for this confirmation, if they are still disabled
	 * and hold neither attribute, are deleted and reported */
	uint8_t out[2 + 18 * 8];
	size_t n = 2;
	veuicc_gp_registry *g = &card->registry;
	for (size_t i = 0; i < g->count;) {
		veuicc_gp_entry *e = &g->e[i];
		if (e->kind != VEUICC_GP_ISDP || e->del_seq != seq) {
			i++;
			continue;
		}
		e->del_seq = 0;
		if (e->lcs != VEUICC_GP_LCS_DISABLED || e->fallback || e->emergency ||
		    n + 2 + e->aid_len > sizeof(out)) {
			i++;
			continue;
		}
		out[n++] = TAG_AID;
		out[n++] = e->aid_len;
		memcpy(out + n, e->aid, e->aid_len);
		n += e->aid_len;
		veuicc_isdr_remove_isdp(card, i); /* later entries move down */
	}
	out[0] = TAG_DELETED;
	out[1] = (uint8_t)(n - 2);
	if (veuicc_rsp_put(rsp, out, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* ---- public API ------------------------------------------------------------ */

size_t veuicc_card_notification_count(const veuicc_card *card)
{
	return card && card->registry.count ? isdr_c(card)->notif_count : 0;
}

int veuicc_card_notification_get(const veuicc_card *card, size_t index, veuicc_notification *out)
{
	if (!card || !out)
		return VEUICC_ERR_INVALID_ARG;
	if (index >= veuicc_card_notification_count(card))
		return VEUICC_ERR_NOT_FOUND;
	const veuicc_gp_notif *n = &isdr_c(card)->notif[index];
	memset(out, 0, sizeof(*out));
	out->seq = n->seq;
	out->type = n->type;
	out->retries = n->retries;
	/* E1 { 4C EID, 4D type, 4E seq, 2F ISD-P AID } (digest §5.2 [I]); no
	 * IMEI (14): the terminal has not told the card one */
	uint8_t seq[2] = {(uint8_t)(n->seq >> 8), (uint8_t)n->seq};
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out->data, sizeof(out->data));
	veuicc_tlv_begin(&w, TAG_NOTIF);
	veuicc_tlv_put(&w, TAG_EID, card->eid, VEUICC_EID_LEN);
	veuicc_tlv_put_u8(&w, TAG_NOTIF_TYPE, n->type);
	veuicc_tlv_put(&w, TAG_SEQ, seq, 2);
	veuicc_tlv_put(&w, TAG_CTLV_AID, n->aid, n->aid_len);
	veuicc_tlv_end(&w);
	if (veuicc_tlv_writer_finish(&w, &out->len))
		return VEUICC_ERR_INTERNAL;
	return VEUICC_OK;
}

static int installed(const veuicc_gp_entry *e)
{
	return e->kind == VEUICC_GP_ISDP &&
	       (e->lcs == VEUICC_GP_LCS_DISABLED || e->lcs == VEUICC_GP_LCS_ENABLED);
}

static long emergency_holder(const veuicc_gp_registry *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (g->e[i].kind == VEUICC_GP_ISDP && g->e[i].emergency)
			return (long)i;
	return -1;
}

int veuicc_card_network_attach_failed(veuicc_card *card)
{
	if (!card || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_gp_registry *g = &card->registry;
	long fb = veuicc_gp_registry_fallback(g);
	if (fb < 0 || !installed(&g->e[fb]))
		return VEUICC_ERR_NOT_FOUND;
	long cur = veuicc_gp_registry_enabled(g);
	/* nothing to fall back from; no Fall-Back while the Emergency Profile
	 * or the Test Profile is enabled (digest §2.2, §6.1, §10) */
	if (cur < 0 || cur == fb || g->e[cur].emergency || g->e[cur].test)
		return VEUICC_ERR_STATE;
	/* POL1 of the enabled profile is ignored, "delete when disabled" is
	 * not applied; a profile whose POL1 forbids disabling is the only one
	 * the card may return to (digest §2.2, §10 [A]) */
	bool keep = (g->e[cur].pol1 & VEUICC_POL1_DISABLE_NOT_ALLOWED) != 0;
	int rc = veuicc_notif_switch(card, fb, VEUICC_NOTIF_TYPE_FALLBACK, cur, 0, 1);
	if (rc)
		return rc;
	if (keep) {
		for (size_t i = 0; i < g->count; i++)
			g->e[i].fallback_return = false;
		g->e[cur].fallback_return = true;
	}
	/* a card file keeps the switch at once (src/core/state.c) */
	return veuicc_card_persist(card);
}

int veuicc_card_emergency_enable(veuicc_card *card)
{
	if (!card || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_gp_registry *g = &card->registry;
	long em = emergency_holder(g);
	if (em < 0 || !installed(&g->e[em]))
		return VEUICC_ERR_NOT_FOUND;
	long cur = veuicc_gp_registry_enabled(g);
	if (cur == em)
		return VEUICC_ERR_STATE;
	/* POL1 of the enabled profile is not enforced (digest §10 [A]) */
	int rc = veuicc_notif_switch(card, em, VEUICC_NOTIF_TYPE_EMERGENCY_ENABLED, cur, 0, 1);
	if (rc)
		return rc;
	for (size_t i = 0; i < g->count; i++)
		g->e[i].emergency_prev = (long)i == cur;
	/* a card file keeps the switch at once (src/core/state.c) */
	return veuicc_card_persist(card);
}

int veuicc_card_emergency_disable(veuicc_card *card)
{
	if (!card || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_gp_registry *g = &card->registry;
	long em = emergency_holder(g);
	if (em < 0 || g->e[em].lcs != VEUICC_GP_LCS_ENABLED)
		return VEUICC_ERR_STATE;
	/* back to the profile enabled before (digest §6.1); if it was deleted
	 * meanwhile, to the Fall-Back profile [M] */
	long back = -1;
	for (size_t i = 0; i < g->count; i++)
		if (g->e[i].emergency_prev && installed(&g->e[i]))
			back = (long)i;
	if (back < 0)
		back = veuicc_gp_registry_fallback(g);
	if (back < 0 || back == em || !installed(&g->e[back]))
		return VEUICC_ERR_STATE;
	int rc = veuicc_notif_switch(card, back, VEUICC_NOTIF_TYPE_EMERGENCY_DISABLED, em, 0, 1);
	if (rc)
		return rc;
	for (size_t i = 0; i < g->count; i++)
		g->e[i].emergency_prev = false;
	/* a card file keeps the switch at once (src/core/state.c) */
	return veuicc_card_persist(card);
}

int veuicc_card_smsr_addressing(const veuicc_card *card, uint8_t *buf, size_t cap, size_t *len)
{
	if (!card || !len || (!buf && cap) || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	const veuicc_gp_entry *r = isdr_c(card);
	if (!r->smsr_addr_len)
		return VEUICC_ERR_NOT_FOUND;
	*len = r->smsr_addr_len;
	if (cap < r->smsr_addr_len)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, r->smsr_addr, r->smsr_addr_len);
	return VEUICC_OK;
}
