/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concatenated SMS-PP command packets (3GPP TS 23.040 §9.2.3.24.1 IE 00,
 * §9.2.3.24.8 IE 08; TS 31.115 §4) and PoRs sent as SMS-SUBMIT with SEND
 * SHORT MESSAGE (TS 102 223 §6.4.10, TS 23.040 §9.2.2.2, TS 31.115 §4.2).
 * Rules and evidence: docs/cat.md, docs/spec-decisions.md CT8-CT15, CT18.
 */
#include "cat/sms.h"

#include <string.h>

#include "apdu/sw.h"
#include "cat/cat_state.h"
#include "cat/proactive.h"
#include "core/card.h"

/* ---- reassembly ------------------------------------------------------ */

static bool same_message(const veuicc_cat_concat *cc, const veuicc_cat_segment *s)
{
	return cc->active && cc->ref16 == s->ref16 && cc->ref == s->ref &&
	       cc->oa_len == s->oa_len && !memcmp(cc->oa, s->oa, s->oa_len);
}

uint16_t veuicc_cat_concat_add(struct veuicc_cat *cat, const veuicc_cat_segment *s, uint8_t *out,
                               size_t cap, size_t *out_len)
{
	veuicc_cat_concat *cc = &cat->cc;
	*out_len = 0;
	if (s->total > VEUICC_CAT_CONCAT_SEG)
		return VEUICC_SW_NOT_ENOUGH_MEMORY; /* CT9 */
	if (s->len > VEUICC_CAT_UD_MAX || s->oa_len > VEUICC_CAT_ADDR_MAX)
		return VEUICC_SW_WRONG_DATA;
	/* TS 31.115 §4: the first segment carries the command packet identifier */
	if (s->seq == 1 && !s->cpi)
		return VEUICC_SW_WRONG_DATA;
	uint16_t bit = (uint16_t)(1u << (s->seq - 1));
	if (same_message(cc, s)) {
		if (s->total != cc->total)
			return VEUICC_SW_WRONG_DATA; /* CT11: the segment is refused */
		if (cc->have & bit)
			return VEUICC_SW_OK; /* CT10: a repeated segment, first copy kept */
	} else {
		/* CT12: another message replaces a partial one */
		memset(cc, 0, sizeof(*cc));
		cc->active = true;
		cc->ref16 = s->ref16;
		cc->ref = s->ref;
		cc->total = s->total;
		memcpy(cc->oa, s->oa, s->oa_len);
		cc->oa_len = (uint8_t)s->oa_len;
	}
	memcpy(cc->seg[s->seq - 1], s->data, s->len);
	cc->seg_len[s->seq - 1] = (uint8_t)s->len;
	cc->have |= bit;
	if (cc->have != (uint16_t)((1u << cc->total) - 1))
		return VEUICC_SW_OK; /* CT13: segments in any order */
	size_t n = 0;
	for (uint8_t i = 0; i < cc->total; i++) {
		if (n + cc->seg_len[i] > cap)
			return VEUICC_SW_NOT_ENOUGH_MEMORY;
		memcpy(out + n, cc->seg[i], cc->seg_len[i]);
		n += cc->seg_len[i];
	}
	memset(cc, 0, sizeof(*cc));
	*out_len = n;
	return VEUICC_SW_OK;
}

/* ---- PoR in SMS-SUBMIT ------------------------------------------------- */

/* 3GPP TS 23.040 §9.2.3 */
#define TP_MTI_SUBMIT    0x01
#define TP_UDHI          0x40
#define TP_PID_USIM_DDL  0x7F
#define TP_DCS_CLASS2_8B 0xF6
#define IEI_CONCAT_8     0x00
#define IEI_RSP_PACKET   0x71 /* TS 31.115 §4.2: response packet identifier */
#define CTAG_SMS_TPDU    0x8B /* TS 102 223 §8.13 with the CR bit */
#define POR_UDH_LEN      3    /* 02 71 00 */
#define FIRST_UDH        8    /* 07 | 00 03 ref n 1 | 71 00 */
#define NEXT_UDH         6    /* 05 | 00 03 ref n i */

int veuicc_cat_queue_sms_submit(veuicc_card *card, const uint8_t *da, size_t da_len,
                                const uint8_t *udh, size_t udh_len, const uint8_t *data, size_t len)
{
	uint8_t body[3 + 4 + VEUICC_CAT_ADDR_MAX + 1 + VEUICC_CAT_UD_MAX];
	if (da_len > VEUICC_CAT_ADDR_MAX || udh_len + len > VEUICC_CAT_UD_MAX)
		return VEUICC_ERR_INVALID_ARG;
	size_t tpdu_len = 2 + da_len + 3 + udh_len + len;
	size_t n = 0;
	body[n++] = CTAG_SMS_TPDU;
	if (tpdu_len >= 0x80)
		body[n++] = 0x81;
	body[n++] = (uint8_t)tpdu_len;
	body[n++] = TP_MTI_SUBMIT | TP_UDHI; /* TP-VPF 00: no validity period */
	body[n++] = 0x00;                    /* TP-MR: the terminal assigns it */
	memcpy(body + n, da, da_len);
	n += da_len;
	body[n++] = TP_PID_USIM_DDL;
	body[n++] = TP_DCS_CLASS2_8B;
	body[n++] = (uint8_t)(udh_len + len);
	memcpy(body + n, udh, udh_len);
	n += udh_len;
	memcpy(body + n, data, len);
	n += len;
	/* qualifier 00: packing not required (TS 102 223 §8.6) */
	return veuicc_cat_queue(card, VEUICC_CAT_CMD_SEND_SMS, 0x00, VEUICC_CAT_DEV_NETWORK, body,
	                        n);
}

int veuicc_cat_queue_por_sms(veuicc_card *card, const uint8_t *da, size_t da_len,
                             const uint8_t *por, size_t por_len)
{
	if (da_len < 2 || da_len > VEUICC_CAT_ADDR_MAX || da_len != 2 + (da[0] + 1u) / 2 ||
	    por_len < POR_UDH_LEN)
		return VEUICC_ERR_INVALID_ARG;
	if (por_len <= VEUICC_CAT_UD_MAX) {
		if (veuicc_cat_queue_free(card) < 1)
			return VEUICC_ERR_NO_MEMORY;
		return veuicc_cat_queue_sms_submit(card, da, da_len, por, POR_UDH_LEN,
		                                   por + POR_UDH_LEN, por_len - POR_UDH_LEN);
	}
	/* TS 23.040 §9.2.3.24.1: 8-bit reference; the response packet
	 * identifier in the first segment only (as CPI 70, TS 31.115 §4) */
	const uint8_t *p = por + POR_UDH_LEN;
	size_t left = por_len - POR_UDH_LEN;
	size_t first = VEUICC_CAT_UD_MAX - FIRST_UDH, next = VEUICC_CAT_UD_MAX - NEXT_UDH;
	size_t segs = 1 + (left - first + next - 1) / next;
	if (segs > VEUICC_CAT_POR_SMS_MAX)
		return VEUICC_ERR_INVALID_ARG;
	if (veuicc_cat_queue_free(card) < segs)
		return VEUICC_ERR_NO_MEMORY;
	struct veuicc_cat *c = veuicc_cat_state(card);
	if (!c)
		return VEUICC_ERR_NO_MEMORY;
	uint8_t ref = ++c->sms_ref;
	for (size_t i = 1; i <= segs; i++) {
		size_t cap = i == 1 ? first : next;
		size_t n = left < cap ? left : cap;
		uint8_t udh[FIRST_UDH] = {i == 1 ? FIRST_UDH - 1 : NEXT_UDH - 1,
		                          IEI_CONCAT_8,
		                          3,
		                          ref,
		                          (uint8_t)segs,
		                          (uint8_t)i,
		                          IEI_RSP_PACKET,
		                          0x00};
		int rc = veuicc_cat_queue_sms_submit(card, da, da_len, udh,
		                                     i == 1 ? FIRST_UDH : NEXT_UDH, p, n);
		if (rc)
			return rc; /* cannot happen: room checked above */
		p += n;
		left -= n;
	}
	return VEUICC_OK;
}
