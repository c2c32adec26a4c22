/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proactive UICC (docs/cat.md "Proactive session"): TERMINAL PROFILE
 * (ETSI TS 102 221 §11.2.1, TS 102 223 §5.2), the per-card queue announced
 * by 91xx (TS 102 221 §14.7, through the engine's uicc_pending hook), FETCH
 * (§11.2.3), TERMINAL RESPONSE (§11.2.4, TS 102 223 §6.8) and REFRESH
 * (TS 102 223 §6.4.7) after a profile switch (SGP.02 §3.2, §3.3).
 */
#include "cat/proactive.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/sw.h"
#include "cat/bip.h"
#include "applet/runtime.h"
#include "cat/cat_state.h"
#include "cat/notify.h"
#include "core/card.h"
#include "core/fault.h"

/* TS 102 221 §10.2 Table 10.5 */
#define INS_TERMINAL_PROFILE  0x10
#define INS_FETCH             0x12
#define INS_TERMINAL_RESPONSE 0x14

/* TS 102 223 §9.2 / §9.3 tags (comprehension required bit 80 optional) */
#define TAG_PROACTIVE  0xD0
#define CTAG_CMD_DET   0x01
#define CTAG_DEV_IDS   0x02
#define CTAG_RESULT    0x03
#define CTAG_CR        0x80
#define CMD_DET_LEN    3
#define CMD_NUMBER_MAX 0xFE /* TS 102 223 §8.6: 01..FE */

struct veuicc_cat *veuicc_cat_state(veuicc_card *card)
{
	if (!card->cat)
		card->cat = calloc(1, sizeof(*card->cat));
	return card->cat;
}

static veuicc_cat_pcmd *head(struct veuicc_cat *c)
{
	return c->q_count ? &c->q[c->q_head] : NULL;
}

/* Offset of the command details value (81 03 nn type qual) in a queued
 * command: D0 L (1 or 2 length bytes) 81 03. */
static const uint8_t *cmd_details(const veuicc_cat_pcmd *p)
{
	size_t h = p->b[1] == 0x81 ? 3 : 2;
	return p->b + h + 2;
}

size_t veuicc_cat_pending(void *arg)
{
	const veuicc_card *card = arg;
	const struct veuicc_cat *c = card->cat;
	if (!c || !c->q_count || c->fetched)
		return 0;
	return c->q[c->q_head].len;
}

int veuicc_cat_tp_has(const veuicc_card *card, size_t byte, uint8_t bit)
{
	const struct veuicc_cat *c = card->cat;
	return c && byte < c->tp_len && (c->tp[byte] & bit);
}

size_t veuicc_cat_queue_free(const veuicc_card *card)
{
	const struct veuicc_cat *c = card->cat;
	return c ? VEUICC_CAT_QUEUE_MAX - c->q_count : VEUICC_CAT_QUEUE_MAX;
}

int veuicc_cat_queue(veuicc_card *card, uint8_t type, uint8_t qualifier, uint8_t dest,
                     const uint8_t *body, size_t len)
{
	struct veuicc_cat *c = veuicc_cat_state(card);
	if (!c || c->q_count >= VEUICC_CAT_QUEUE_MAX)
		return VEUICC_ERR_NO_MEMORY;
	if (card->fault && veuicc_fault_drop_proactive(card, type))
		return VEUICC_OK;     /* test bench: discarded as if never queued */
	size_t content = 5 + 4 + len; /* command details, device identities, body */
	size_t hdr = content < 0x80 ? 2 : 3;
	if (hdr + content > VEUICC_CAT_PCMD_MAX)
		return VEUICC_ERR_INVALID_ARG;
	c->cmd_number = (uint8_t)(c->cmd_number >= CMD_NUMBER_MAX ? 1 : c->cmd_number + 1);
	veuicc_cat_pcmd *p = &c->q[(c->q_head + c->q_count) % VEUICC_CAT_QUEUE_MAX];
	uint8_t *b = p->b;
	size_t n = 0;
	b[n++] = TAG_PROACTIVE;
	if (hdr == 3)
		b[n++] = 0x81; /* TS 102 223 Annex C: two-byte length */
	b[n++] = (uint8_t)content;
	const uint8_t det[] = {
	    CTAG_CMD_DET | CTAG_CR, CMD_DET_LEN, c->cmd_number,       type, qualifier,
	    CTAG_DEV_IDS | CTAG_CR, 2,           VEUICC_CAT_DEV_UICC, dest};
	memcpy(b + n, det, sizeof(det));
	n += sizeof(det);
	if (len)
		memcpy(b + n, body, len);
	p->len = (uint8_t)(n + len);
	c->q_count++;
	return VEUICC_OK;
}

static void pop(struct veuicc_cat *c)
{
	memset(&c->q[c->q_head], 0, sizeof(c->q[0]));
	c->q_head = (uint8_t)((c->q_head + 1) % VEUICC_CAT_QUEUE_MAX);
	c->q_count--;
	c->fetched = false;
}

/* A REFRESH not yet fetched is enough for any number of switches. */
static bool refresh_queued(const struct veuicc_cat *c)
{
	for (uint8_t i = c->fetched ? 1 : 0; i < c->q_count; i++) {
		const veuicc_cat_pcmd *p = &c->q[(c->q_head + i) % VEUICC_CAT_QUEUE_MAX];
		if (cmd_details(p)[1] == VEUICC_CAT_CMD_REFRESH)
			return true;
	}
	return false;
}

static void queue_refresh(veuicc_card *card)
{
	struct veuicc_cat *c = card->cat;
	if (!c || refresh_queued(c))
		return;
	/* a full queue loses the REFRESH: the new profile is active anyway and
	 * the terminal meets it at its next reset (docs/spec-decisions.md CT7) */
	uint8_t mode = veuicc_cat_tp_has(card, VEUICC_CAT_TP_EUICC_REFRESH_BYTE,
	                                 VEUICC_CAT_TP_EUICC_REFRESH_BIT)
	                   ? VEUICC_CAT_REFRESH_EUICC_CHANGE
	                   : VEUICC_CAT_REFRESH_UICC_RESET;
	if (card->quirks.refresh_force)
		mode = card->quirks.refresh_qualifier; /* quirk Q4, docs/quirks.md */
	(void)veuicc_cat_queue(card, VEUICC_CAT_CMD_REFRESH, mode, VEUICC_CAT_DEV_TERMINAL, NULL,
	                       0);
}

void veuicc_cat_profile_changed(veuicc_card *card)
{
	/* TS 102 223 §5.2: only what the terminal said it supports */
	if (!veuicc_cat_tp_has(card, VEUICC_CAT_TP_REFRESH_BYTE, VEUICC_CAT_TP_REFRESH_BIT))
		return;
	if (card->cat->in_packet) {
		card->cat->refresh_wanted = true; /* after the PoR (SGP.02 §3.2) */
		return;
	}
	queue_refresh(card);
}

void veuicc_cat_packet_done(veuicc_card *card)
{
	struct veuicc_cat *c = card->cat;
	if (!c)
		return;
	c->in_packet = false;
	if (c->refresh_wanted) {
		c->refresh_wanted = false;
		queue_refresh(card);
	}
	if (c->notif_wanted) {
		c->notif_wanted = false;
		veuicc_cat_notifications_send(card); /* after the REFRESH (CT16) */
	}
	veuicc_bip_packet_done(card); /* a PUSH's admin session starts after its PoR */
}

void veuicc_cat_session_reset(veuicc_card *card)
{
	struct veuicc_cat *c = card->cat;
	if (!c)
		return;
	memset(c->tp, 0, sizeof(c->tp));
	c->tp_len = 0;
	memset(c->q, 0, sizeof(c->q));
	c->q_head = c->q_count = 0;
	c->fetched = false;
	c->cmd_number = 0; /* a new session numbers from 01 again */
	c->in_packet = c->refresh_wanted = c->notif_wanted = false;
	c->notif_sent_count = 0; /* a new session sends the pending ones again */
	memset(&c->cc, 0, sizeof(c->cc));
	veuicc_bip_reset(card); /* the BIP channel is gone */
}

/* ---- the commands ------------------------------------------------------ */

/* TS 102 221 §11.2.1 */
static uint16_t terminal_profile(veuicc_card *card, const veuicc_capdu *c)
{
	if (c->p1 || c->p2)
		return VEUICC_SW_WRONG_P1P2;
	if (c->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	struct veuicc_cat *s = veuicc_cat_state(card);
	if (!s)
		return VEUICC_SW_MEMORY_FAILURE;
	/* a longer profile keeps its first bytes: none beyond are interpreted */
	size_t n = c->lc < sizeof(s->tp) ? c->lc : sizeof(s->tp);
	memset(s->tp, 0, sizeof(s->tp));
	memcpy(s->tp, c->data, n);
	s->tp_len = (uint8_t)n;
	/* a session starts: pending notifications go out again (CT16) */
	veuicc_cat_notifications_send(card);
	/* toolkit applets: profile download event, SET UP MENU (applet/runtime.h) */
	veuicc_applets_terminal_profile(card, s->tp, s->tp_len);
	return VEUICC_SW_OK;
}

/* TS 102 221 §11.2.3: the pending command (again, until its TERMINAL
 * RESPONSE arrives); nothing pending → 6985 (docs/spec-decisions.md CT3). */
static uint16_t fetch(veuicc_card *card, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	if (c->p1 || c->p2)
		return VEUICC_SW_WRONG_P1P2;
	if (c->lc)
		return VEUICC_SW_WRONG_LENGTH;
	struct veuicc_cat *s = card->cat;
	const veuicc_cat_pcmd *p = s ? head(s) : NULL;
	if (!p)
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (veuicc_rsp_put(rsp, p->b, p->len))
		return VEUICC_SW_MEMORY_FAILURE;
	s->fetched = true;
	return VEUICC_SW_OK;
}

/* BER length (TS 102 223 Annex C): header size or 0. */
static size_t tlv_len(const uint8_t *p, size_t avail, size_t *len)
{
	if (avail >= 1 && p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (avail >= 2 && p[0] == 0x81 && p[1] >= 0x80) {
		*len = p[1];
		return 2;
	}
	return 0;
}

/* TS 102 221 §11.2.4, TS 102 223 §6.8: command details equal to those of
 * the fetched command, device identities terminal → UICC, a result. */
static uint16_t terminal_response(veuicc_card *card, const veuicc_capdu *c)
{
	if (c->p1 || c->p2)
		return VEUICC_SW_WRONG_P1P2;
	if (c->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	struct veuicc_cat *s = card->cat;
	if (!s || !s->q_count || !s->fetched)
		return VEUICC_SW_COND_NOT_SATISFIED; /* nothing outstanding (CT3) */
	const uint8_t *det = NULL;
	bool ids = false, result = false;
	for (size_t i = 0; i < c->lc;) {
		uint8_t tag = (uint8_t)(c->data[i] & ~CTAG_CR);
		size_t len, h = tlv_len(c->data + i + 1, c->lc - i - 1, &len);
		if (!h || len > c->lc - i - 1 - h)
			return VEUICC_SW_WRONG_DATA;
		const uint8_t *v = c->data + i + 1 + h;
		if (tag == CTAG_CMD_DET && len == CMD_DET_LEN && !det)
			det = v;
		else if (tag == CTAG_DEV_IDS && len == 2 && v[0] == VEUICC_CAT_DEV_TERMINAL &&
		         v[1] == VEUICC_CAT_DEV_UICC)
			ids = true;
		else if (tag == CTAG_RESULT && len >= 1)
			result = true;
		i += 1 + h + len;
	}
	if (!det || !ids || !result || memcmp(det, cmd_details(head(s)), CMD_DET_LEN) != 0)
		return VEUICC_SW_WRONG_DATA; /* the command stays outstanding (CT4) */
	/* the applet that queued it gets the response (applet/runtime.h) */
	bool applet = veuicc_applets_terminal_response(card, det[0], c->data, c->lc);
	/* whatever the result, the command is done: no retries (CT5) */
	uint8_t type = cmd_details(head(s))[1];
	pop(s);
	if (!applet &&
	    (type == VEUICC_CAT_CMD_SETUP_EVENTS || type == VEUICC_CAT_CMD_TIMER ||
	     (type >= VEUICC_CAT_CMD_OPEN_CHANNEL && type <= VEUICC_CAT_CMD_CHANNEL_STATUS)))
		veuicc_bip_terminal_response(card, type, c->data, c->lc); /* SCP81 session */
	return VEUICC_SW_OK;
}

uint16_t veuicc_cat_proactive_cmd(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	switch (cmd->ins) {
	case INS_TERMINAL_PROFILE: return terminal_profile(card, cmd);
	case INS_FETCH: return fetch(card, cmd, rsp);
	case INS_TERMINAL_RESPONSE: return terminal_response(card, cmd);
	default: return 0;
	}
}
