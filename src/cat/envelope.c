/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CAT ENVELOPE, SMS-PP data download of SCP80 command packets to the ISD-R
 * (docs/cat.md). Processing order: ETSI TS 102 221 §11.2.2 ENVELOPE, the
 * SMS-PP download BER-TLV (TS 102 223 §7.1 / 3GPP TS 31.111 §7.1.1), the
 * SMS-DELIVER TPDU (3GPP TS 23.040 §9.2.2.1), the UDH command packet
 * identifier (TS 31.115 §4), then veuicc_scp80_unwrap() (TS 102 225 §5.1),
 * the remote APDU script (TS 102 226 §5) on the ISD-R, and the PoR in the
 * ENVELOPE response (TS 31.111 §7.1.1.2).
 */
#include "cat/envelope.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "applet/runtime.h"
#include "cat/bip.h"
#include "cat/ota_route.h"
#include "cat/cat_state.h"
#include "cat/proactive.h"
#include "cat/sms.h"
#include "core/card.h"
#include "core/factory.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "scp/remote_apdu.h"
#include "scp/scp80.h"

#define INS_ENVELOPE 0xC2 /* TS 102 221 §10.2 Table 10.5 */

/* TS 102 223 §9.3 BER-TLV tags and §8 COMPREHENSION-TLV tags (CR bit optional) */
#define TAG_SMS_PP_DOWNLOAD 0xD1
#define CTAG_DEVICE_IDS     0x02
#define CTAG_ADDRESS        0x06
#define CTAG_SMS_TPDU       0x0B
#define CTAG_CR             0x80
/* TS 102 223 §8.7 device identities */
#define DEV_NETWORK 0x83
#define DEV_UICC    0x81

/* 3GPP TS 23.040 §9.2.3 */
#define TP_MTI_MASK      0x03
#define TP_MTI_DELIVER   0x00
#define TP_UDHI          0x40
#define TP_PID_USIM_DDL  0x7F /* (U)SIM data download, §9.2.3.9 */
#define TP_DCS_CLASS2_8B 0xF6 /* data coding / message class: class 2, 8-bit */
#define TP_DCS_GEN_C2_8B 0x16 /* general data coding: class 2, 8-bit */
#define TP_SCTS_LEN      7
#define IEI_CONCAT_8     0x00 /* §9.2.3.24.1 */
#define IEI_CONCAT_16    0x08 /* §9.2.3.24.8 */
#define IEI_CMD_PACKET   0x70 /* TS 31.115 §4: command packet identifier */

/* SGP.02 §2.4.3 / our policy (docs/cat.md): minimum security level of the
 * ISD-R: CC, ciphering, counter must be higher. */
#define ISDR_MSL (VEUICC_SCP80_SPI1_CC | VEUICC_SCP80_SPI1_CIPHER | VEUICC_SCP80_SPI1_CNTR_HIGHER)

#define PKT_MAX    VEUICC_CAT_PACKET_MAX /* a reassembled concatenated packet */
#define SCRIPT_OUT 1024                  /* response script of one command packet */
#define POR_MAX    (SCRIPT_OUT + 64)

void veuicc_cat_free(struct veuicc_cat *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < VEUICC_FACTORY_KEYSETS_MAX; i++)
		veuicc_scp80_keyset_wipe(&cat->isdr_ks[i]);
	veuicc_bip_free(cat->bip);
	mbedtls_platform_zeroize(cat, sizeof(*cat));
	free(cat);
}

/* ---- counters in card files ---------------------------------------------- */

int veuicc_cat_counters_get(const veuicc_card *card, uint8_t out[VEUICC_CAT_COUNTERS_LEN])
{
	if (!card || !card->cat || !card->cat->cntr_used)
		return 0;
	for (size_t i = 0; i < VEUICC_FACTORY_KEYSETS_MAX; i++)
		memcpy(out + 5 * i, card->cat->cntr[i].value, 5);
	return 1;
}

int veuicc_cat_counters_set(veuicc_card *card, const uint8_t *in, size_t len)
{
	if (!card || !in || len != VEUICC_CAT_COUNTERS_LEN)
		return VEUICC_ERR_MALFORMED;
	if (!veuicc_cat_state(card))
		return VEUICC_ERR_NO_MEMORY;
	for (size_t i = 0; i < VEUICC_FACTORY_KEYSETS_MAX; i++)
		memcpy(card->cat->cntr[i].value, in + 5 * i, 5);
	card->cat->cntr_used = true;
	return VEUICC_OK;
}

void veuicc_cat_keyset_added(veuicc_card *card, size_t idx)
{
	if (idx >= VEUICC_FACTORY_KEYSETS_MAX || !veuicc_cat_state(card))
		return;
	memset(card->cat->cntr[idx].value, 0, 5);
	card->cat->cntr_used = true;
}

void veuicc_cat_keyset_removed(veuicc_card *card, size_t idx)
{
	if (idx >= VEUICC_FACTORY_KEYSETS_MAX || !veuicc_cat_state(card))
		return;
	struct veuicc_cat *c = card->cat;
	memmove(&c->cntr[idx], &c->cntr[idx + 1],
	        (VEUICC_FACTORY_KEYSETS_MAX - idx - 1) * sizeof(c->cntr[0]));
	memset(c->cntr[VEUICC_FACTORY_KEYSETS_MAX - 1].value, 0, 5);
	c->cntr_used = true;
}

bool veuicc_cat_isdr_kvn_in_use(const veuicc_card *card, uint8_t kvn)
{
	return card->ota_secured && card->cat &&
	       (card->cat->pkt_kvn[0] == kvn || card->cat->pkt_kvn[1] == kvn);
}

/* ---- key set look-up (scp80.h veuicc_scp80_lookup_fn) ------------------- */

typedef struct lookup_ctx {
	veuicc_card *card;
	struct veuicc_cat *cat;
} lookup_ctx;

/* cat->isdr_ks[i] := key set \p k, keeping its prepared schedules when the
 * card's key set is the one already there. */
static const veuicc_scp80_keyset *isdr_keyset(struct veuicc_cat *cat, size_t i,
                                              const veuicc_keyset *k)
{
	veuicc_scp80_keyset *c = &cat->isdr_ks[i];
	bool same = c->kvn == k->kvn && c->kic_alg == k->kic_algo && c->kid_alg == k->kid_algo &&
	            c->kic_len == k->key1_len && c->kid_len == k->key2_len &&
	            !memcmp(c->kic, k->key1, k->key1_len) && !memcmp(c->kid, k->key2, k->key2_len);
	if (!same) {
		veuicc_scp80_keyset_wipe(c);
		c->kvn = k->kvn;
		c->kic_alg = k->kic_algo;
		c->kid_alg = k->kid_algo;
		c->kic_len = (uint8_t)k->key1_len;
		c->kid_len = (uint8_t)k->key2_len;
		memcpy(c->kic, k->key1, k->key1_len);
		memcpy(c->kid, k->key2, k->key2_len);
		c->cc_len = 8;
		/* without the schedules every packet prepares its own: same result */
		(void)veuicc_scp80_keyset_prepare(c);
	}
	return c;
}

static int lookup(void *arg, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                  veuicc_scp80_counter **cntr)
{
	lookup_ctx *x = arg;
	uint8_t isdr_tar[3];
	if (veuicc_card_isdr_tar(x->card, isdr_tar) != VEUICC_OK || memcmp(tar, isdr_tar, 3) != 0)
		return VEUICC_SCP80_NO_TAR;
	size_t n = veuicc_card_keyset_count(x->card);
	for (size_t i = 0; i < n && i < VEUICC_FACTORY_KEYSETS_MAX; i++) {
		veuicc_keyset k;
		if (veuicc_card_keyset(x->card, i, &k) != VEUICC_OK)
			continue;
		bool match = k.type == VEUICC_KEYSET_SCP80 && k.kvn == kvn &&
		             k.key1_len <= sizeof(x->cat->isdr_ks[i].kic) &&
		             k.key2_len <= sizeof(x->cat->isdr_ks[i].kid);
		if (match) {
			*ks = isdr_keyset(x->cat, i, &k);
			*cntr = &x->cat->cntr[i];
		}
		mbedtls_platform_zeroize(&k, sizeof(k));
		if (match)
			return VEUICC_SCP80_FOUND;
	}
	return VEUICC_SCP80_NO_KEYSET;
}

/* ---- remote APDUs on the ISD-R (TS 102 226 §5) ------------------------- */

/* One C-APDU of the script, run by the ISD-R's process() directly: a hidden
 * context that touches no logical channel of the terminal. */
int veuicc_cat_exec_isdr(void *arg, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                         size_t *rlen)
{
	return veuicc_cat_exec_on(arg, veuicc_isdr_ops.process, arg, capdu, len, rapdu, cap, rlen);
}

int veuicc_cat_exec_on(veuicc_card *card, veuicc_cat_process_fn process, void *ctx,
                       const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap, size_t *rlen)
{
	uint16_t sw;
	uint8_t data[VEUICC_REMOTE_MAX - 2];
	veuicc_rsp r = {.buf = data, .cap = sizeof(data), .len = 0, .owner = NULL, .err = 0};
	veuicc_capdu c;
	if (cap < VEUICC_REMOTE_MAX)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	if (veuicc_capdu_parse(capdu, len, &c) != VEUICC_OK)
		sw = VEUICC_SW_WRONG_LENGTH;
	else if (!veuicc_cla_decode(capdu[0], &c.cl))
		sw = VEUICC_SW_CLA_NOT_SUPP;
	else if (c.cl.sm || c.cl.chaining)
		sw = VEUICC_SW_SM_NOT_SUPP;
	else {
		c.cl.channel = 0;
		card->ota_secured = 1; /* secured by the SCP80 packet (gp/sd_session.c) */
		sw = process(ctx, &c, &r);
		card->ota_secured = 0;
		if (r.err)
			sw = VEUICC_SW_MEMORY_FAILURE;
	}
	size_t n = (r.err || !veuicc_sw_allows_data(sw)) ? 0 : r.len;
	memcpy(rapdu, data, n);
	rapdu[n] = (uint8_t)(sw >> 8);
	rapdu[n + 1] = (uint8_t)sw;
	*rlen = n + 2;
	mbedtls_platform_zeroize(data, sizeof(data));
	return VEUICC_OK;
}

/* ---- SMS-PP download parsing ------------------------------------------- */

/* BER length (TS 102 223 Annex C: 1 or 2 bytes). Returns header size or 0. */
static size_t ber_len(const uint8_t *p, size_t avail, size_t *len)
{
	if (avail < 1)
		return 0;
	if (p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (p[0] == 0x81 && avail >= 2 && p[1] >= 0x80) {
		*len = p[1];
		return 2;
	}
	return 0;
}

/* The SMS TPDU (SMS-DELIVER, TS 23.040 §9.2.2.1) → its UD without the UDH,
 * the TP-OA, the command packet identifier and a concatenation IE.
 * Returns 9000 or 6A80 (not an SMS-PP download of 8-bit class 2 data). */
static uint16_t tpdu_parse(const uint8_t *t, size_t n, veuicc_cat_segment *s, bool *concat)
{
	memset(s, 0, sizeof(*s));
	*concat = false;
	if (n < 2 || (t[0] & TP_MTI_MASK) != TP_MTI_DELIVER || !(t[0] & TP_UDHI))
		return VEUICC_SW_WRONG_DATA;
	size_t oa = 2 + (t[1] + 1u) / 2; /* TP-OA: digit count, TON/NPI, BCD */
	size_t i = 1 + oa;
	if (i + 2 + TP_SCTS_LEN + 1 > n)
		return VEUICC_SW_WRONG_DATA;
	s->oa = t + 1;
	s->oa_len = oa;
	uint8_t pid = t[i], dcs = t[i + 1];
	if (pid != TP_PID_USIM_DDL || (dcs != TP_DCS_CLASS2_8B && dcs != TP_DCS_GEN_C2_8B))
		return VEUICC_SW_WRONG_DATA;
	i += 2 + TP_SCTS_LEN;
	size_t udl = t[i++];
	if (udl != n - i || udl < 1)
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *ud = t + i;
	size_t udhl = ud[0];
	if (1 + udhl > udl)
		return VEUICC_SW_WRONG_DATA;
	for (size_t j = 1; j < 1 + udhl;) {
		if (j + 2 > 1 + udhl || j + 2 + ud[j + 1] > 1 + udhl)
			return VEUICC_SW_WRONG_DATA;
		uint8_t iei = ud[j], iedl = ud[j + 1];
		const uint8_t *v = ud + j + 2;
		if (iei == IEI_CONCAT_8 || iei == IEI_CONCAT_16) {
			/* §9.2.3.24.1 / .8: fixed lengths; a zero maximum or
			 * sequence number, or one past the maximum, makes the
			 * receiver ignore the IE; a repeated IE: the last counts */
			size_t rl = iei == IEI_CONCAT_8 ? 1 : 2;
			if (iedl != rl + 2)
				return VEUICC_SW_WRONG_DATA;
			uint8_t total = v[rl], seq = v[rl + 1];
			*concat = total && seq && seq <= total;
			if (*concat) {
				s->ref16 = rl == 2;
				s->ref = rl == 2 ? (uint16_t)(v[0] << 8 | v[1]) : v[0];
				s->total = total;
				s->seq = seq;
			}
		} else if (iei == IEI_CMD_PACKET) {
			s->cpi = true;
		}
		j += 2u + iedl;
	}
	s->data = ud + 1 + udhl;
	s->len = udl - 1 - udhl;
	/* a "concatenated" message of one part is a whole message (CT8) */
	if (*concat && s->total == 1)
		*concat = false;
	return VEUICC_SW_OK;
}

/* D1 value → the SMS TPDU. 9000 or 6A80. */
static uint16_t sms_pp_tpdu(const uint8_t *v, size_t n, const uint8_t **tpdu, size_t *tpdu_len)
{
	bool ids = false;
	*tpdu = NULL;
	for (size_t i = 0; i < n;) {
		uint8_t tag = (uint8_t)(v[i] & ~CTAG_CR);
		size_t len, h = ber_len(v + i + 1, n - i - 1, &len);
		if (!h || len > n - i - 1 - h)
			return VEUICC_SW_WRONG_DATA;
		const uint8_t *val = v + i + 1 + h;
		if (tag == CTAG_DEVICE_IDS) {
			if (len != 2 || val[0] != DEV_NETWORK || val[1] != DEV_UICC)
				return VEUICC_SW_WRONG_DATA;
			ids = true;
		} else if (tag == CTAG_SMS_TPDU) {
			*tpdu = val;
			*tpdu_len = len;
		}
		/* the address (06) and unknown objects are not needed here */
		i += 1 + h + len;
	}
	return ids && *tpdu ? VEUICC_SW_OK : VEUICC_SW_WRONG_DATA;
}

/* ---- the command packet ------------------------------------------------- */

/* SGP.02 §2.4.3 (docs/cat.md decision): for the ISD-R, a packet that fails
 * before it is authenticated gets no PoR; counter errors (after the CC was
 * verified) get the PoR the SPI asks for. Applies to the unwrap status only:
 * an error while running the script is always reported. */
static bool isdr_silent(uint8_t status)
{
	return status != VEUICC_SCP80_POR_OK && status != VEUICC_SCP80_CNTR_LOW &&
	       status != VEUICC_SCP80_CNTR_HIGH && status != VEUICC_SCP80_CNTR_BLOCKED;
}

/* The PoR goes in SMS-SUBMITs (SEND SHORT MESSAGE) when SPI2 b6 asks for it
 * and the terminal can send them (TS 31.115 §4.2, TS 102 223 §5.2); else,
 * and when the queue is full, in the ENVELOPE response (CT14). */
static bool por_by_sms(veuicc_card *card, const veuicc_scp80_cmd *cmd, const uint8_t *oa,
                       size_t oa_len, const uint8_t *por, size_t plen)
{
	return cmd->por_via_submit &&
	       veuicc_cat_tp_has(card, VEUICC_CAT_TP_SEND_SMS_BYTE, VEUICC_CAT_TP_SEND_SMS_BIT) &&
	       veuicc_cat_queue_por_sms(card, oa, oa_len, por, plen) == VEUICC_OK;
}

static uint16_t run_packet(veuicc_card *card, const uint8_t *pkt, size_t len, const uint8_t *oa,
                           size_t oa_len, veuicc_rsp *rsp)
{
	if (!veuicc_cat_state(card))
		return VEUICC_SW_MEMORY_FAILURE;
	card->cat->cntr_used = true;
	lookup_ctx *x = calloc(1, sizeof(*x));
	uint8_t *work = malloc(PKT_MAX + SCRIPT_OUT + POR_MAX);
	uint16_t sw = VEUICC_SW_OK;
	veuicc_ota_route route = {.kind = VEUICC_OTA_NONE};
	if (!x || !work) {
		sw = VEUICC_SW_MEMORY_FAILURE;
		goto out;
	}
	x->card = card;
	x->cat = card->cat;
	uint8_t *clear = work, *script = work + PKT_MAX, *por = script + SCRIPT_OUT;
	/* TAR (CPL CHL SPI KIc KID TAR): the ISD-R, else the enabled profile's
	 * RFM applications and security domains (cat/ota_route.h) */
	uint8_t isdr_tar[3];
	bool to_isdr = len >= 10 && veuicc_card_isdr_tar(card, isdr_tar) == VEUICC_OK &&
	               memcmp(pkt + 7, isdr_tar, 3) == 0;
	if (!to_isdr && len >= 10)
		veuicc_ota_route_find(card, pkt + 7, &route);
	veuicc_scp80_cmd cmd;
	int rc = to_isdr ? veuicc_scp80_unwrap(pkt, len, lookup, x, ISDR_MSL, clear, PKT_MAX, &cmd)
	                 : veuicc_scp80_unwrap(pkt, len, veuicc_ota_lookup, &route, route.msl,
	                                       clear, PKT_MAX, &cmd);
	if (rc == VEUICC_ERR_MALFORMED)
		goto out; /* discarded, nothing to answer (TS 102 225 §5.1.1) */
	if (rc) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
		goto out;
	}
	veuicc_remote_exec_fn exec = to_isdr ? veuicc_cat_exec_isdr : veuicc_ota_exec;
	void *exec_ctx = to_isdr ? (void *)card : (void *)&route;
	uint8_t status = cmd.status;
	size_t slen = 0;
	/* a REFRESH the script causes waits for the PoR (SGP.02 §3.2) */
	card->cat->in_packet = true;
	/* the ISD-R key sets of this packet: FinaliseISDRHandover keeps them */
	card->cat->pkt_kvn[0] = to_isdr ? (uint8_t)(cmd.kic >> 4) : 0;
	card->cat->pkt_kvn[1] = to_isdr ? (uint8_t)(cmd.kid >> 4) : 0;
	if (to_isdr)
		veuicc_keyest_end_forward(card); /* a script is a session of its own (SM1) */
	if (status == VEUICC_SCP80_POR_OK && cmd.data_len) {
		/* TS 102 226 §5: expanded format starts with a command template tag */
		bool expanded = cmd.data[0] == VEUICC_REMOTE_TAG_CMD_DEF ||
		                cmd.data[0] == VEUICC_REMOTE_TAG_CMD_INDEF;
		rc = expanded ? veuicc_remote_run_expanded(cmd.data, cmd.data_len, exec, exec_ctx,
		                                           script, SCRIPT_OUT, &slen)
		              : veuicc_remote_run_compact(cmd.data, cmd.data_len, exec, exec_ctx,
		                                          script, SCRIPT_OUT, &slen);
		if (rc == VEUICC_ERR_BUFFER_TOO_SMALL) {
			status = VEUICC_SCP80_NO_MEMORY;
			slen = 0;
		} else if (rc) {
			slen = 0; /* not a script: executed nothing, PoR without data */
		}
	}
	if (to_isdr)
		veuicc_keyest_end_forward(card); /* ... and ends with it (SM1) */
	bool wanted = cmd.por_wanted || (status != VEUICC_SCP80_POR_OK &&
	                                 (cmd.spi[1] & 0x03) == VEUICC_SCP80_SPI2_POR_ON_ERROR);
	if (!wanted || (to_isdr && isdr_silent(cmd.status)))
		goto out; /* 9000 without data: RP-ACK (TS 31.111 §7.1.1.2) */
	size_t plen;
	rc = veuicc_scp80_wrap_por(&cmd, status, script, slen, por, POR_MAX, &plen);
	if (rc)
		sw = VEUICC_SW_NO_DIAGNOSIS;
	else if (!por_by_sms(card, &cmd, oa, oa_len, por, plen) && veuicc_rsp_put(rsp, por, plen))
		sw = VEUICC_SW_MEMORY_FAILURE;
out:
	veuicc_ota_route_end(&route); /* keeps an advanced counter, wipes keys */
	veuicc_cat_packet_done(card);
	if (work)
		mbedtls_platform_zeroize(work, PKT_MAX + SCRIPT_OUT + POR_MAX);
	if (x)
		mbedtls_platform_zeroize(x, sizeof(*x));
	free(work);
	free(x);
	return sw;
}

static uint16_t envelope(veuicc_card *card, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	if (c->p1 || c->p2)
		return VEUICC_SW_WRONG_P1P2;
	if (c->lc < 2)
		return VEUICC_SW_WRONG_LENGTH;
	size_t len, h = ber_len(c->data + 1, c->lc - 1, &len);
	if (!h || 1 + h + len != c->lc)
		return VEUICC_SW_WRONG_DATA;
	if (c->data[0] == VEUICC_CAT_TAG_EVENT_DOWNLOAD) /* BIP events (cat/bip.h) */
		return veuicc_bip_event(card, c->data + 1 + h, len);
	if (c->data[0] == VEUICC_CAT_TAG_TIMER_EXPIRY) {
		/* by timer identifier (AP20): an applet's (02..08), else the SCP81
		 * retry timer (01) */
		uint16_t asw = veuicc_applets_envelope(card, c->data, c->lc, rsp);
		return asw ? asw : veuicc_bip_timer(card, c->data + 1 + h, len);
	}
	if (c->data[0] != TAG_SMS_PP_DOWNLOAD) {
		/* MENU SELECTION goes to the toolkit applets (applet/runtime.h) */
		uint16_t asw = veuicc_applets_envelope(card, c->data, c->lc, rsp);
		return asw ? asw : VEUICC_SW_FUNC_NOT_SUPP; /* others: not yet (docs/cat.md) */
	}
	const uint8_t *tpdu;
	size_t tpdu_len = 0;
	veuicc_cat_segment seg;
	bool concat;
	uint16_t sw = sms_pp_tpdu(c->data + 1 + h, len, &tpdu, &tpdu_len);
	if (sw == VEUICC_SW_OK)
		sw = tpdu_parse(tpdu, tpdu_len, &seg, &concat);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (!concat) {
		if (!seg.cpi)
			return VEUICC_SW_WRONG_DATA; /* TS 31.115 §4: not a command packet */
		return run_packet(card, seg.data, seg.len, seg.oa, seg.oa_len, rsp);
	}
	/* concatenated: keep the segment, run the packet when complete */
	struct veuicc_cat *cat = veuicc_cat_state(card);
	uint8_t *pkt = malloc(PKT_MAX);
	if (!cat || !pkt) {
		free(pkt);
		return VEUICC_SW_MEMORY_FAILURE;
	}
	uint8_t oa[VEUICC_CAT_ADDR_MAX];
	size_t pkt_len = 0, oa_len = seg.oa_len;
	if (oa_len <= sizeof(oa))
		memcpy(oa, seg.oa, oa_len);
	sw = veuicc_cat_concat_add(cat, &seg, pkt, PKT_MAX, &pkt_len);
	if (sw == VEUICC_SW_OK && pkt_len) /* TS 31.111 §7.1.1: the last one answers */
		sw = run_packet(card, pkt, pkt_len, oa, oa_len, rsp);
	mbedtls_platform_zeroize(pkt, PKT_MAX);
	free(pkt);
	return sw;
}

uint16_t veuicc_cat_uicc_cmd(void *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (!cmd->cl.proprietary)
		return 0;
	if (cmd->ins != INS_ENVELOPE)
		return veuicc_cat_proactive_cmd(card, cmd, rsp);
	if (cmd->cl.sm)
		return VEUICC_SW_SM_NOT_SUPP;
	return envelope(card, cmd, rsp);
}
