/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Default notification by SMS (SGP.02 §3.15.1; project digest sgp02-euicc
 * §3.0 and §5.3): an MO SMS to the SM-SR's address (UpdateSMSRAddressing-
 * Parameters, A3 { 81 address }) carrying an SCP80 command packet (TS 31.115
 * §4, UDH 02 70 00) with the ISD-R's first SCP80 key set, CC and ciphering,
 * no counter (CNTR 00..00), no PoR; the secured data is the E1 notification.
 * Choices: docs/spec-decisions.md CT16, CT17.
 */
#include "cat/notify.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "cat/bip.h"
#include "cat/cat_state.h"
#include "cat/proactive.h"
#include "cat/sms.h"
#include "core/card.h"
#include "scp/scp80.h"
#include "tlv/tlv.h"

#define TAG_SMSR_SMS 0x81 /* SM-SR SMS address in the A3 template (digest §3.9) */
#define NOTIF_SPI1   (VEUICC_SCP80_SPI1_CC | VEUICC_SCP80_SPI1_CIPHER | VEUICC_SCP80_SPI1_CNTR_NONE)
#define NOTIF_SPI2   VEUICC_SCP80_SPI2_POR_NONE

/* The SM-SR SMS address (length, TON/NPI, BCD), checked when it was stored. */
static size_t smsr_address(const veuicc_card *card, uint8_t *out)
{
	uint8_t a3[VEUICC_SMSR_ADDR_MAX];
	size_t n = 0;
	veuicc_tlv t;
	if (veuicc_card_smsr_addressing(card, a3, sizeof(a3), &n) != VEUICC_OK ||
	    veuicc_tlv_find(a3, n, 0, TAG_SMSR_SMS, &t) != 1 || t.len > VEUICC_CAT_ADDR_MAX)
		return 0;
	memcpy(out, t.value, t.len);
	return t.len;
}

/* The ISD-R's first SCP80 key set as a host-side sender (scp80.h). */
static bool sender(veuicc_card *card, veuicc_scp80_keyset *ks, veuicc_scp80_host *h)
{
	size_t n = veuicc_card_keyset_count(card);
	for (size_t i = 0; i < n; i++) {
		veuicc_keyset k;
		if (veuicc_card_keyset(card, i, &k) != VEUICC_OK)
			continue;
		bool ok = k.type == VEUICC_KEYSET_SCP80 && k.kvn >= 1 && k.kvn <= 0x0F &&
		          k.key1_len <= sizeof(ks->kic) && k.key2_len <= sizeof(ks->kid);
		if (ok) {
			memset(ks, 0, sizeof(*ks));
			ks->kvn = k.kvn;
			ks->kic_alg = k.kic_algo;
			ks->kid_alg = k.kid_algo;
			ks->kic_len = (uint8_t)k.key1_len;
			ks->kid_len = (uint8_t)k.key2_len;
			memcpy(ks->kic, k.key1, k.key1_len);
			memcpy(ks->kid, k.key2, k.key2_len);
			ks->cc_len = 8;
			memset(h, 0, sizeof(*h));
			h->spi[0] = NOTIF_SPI1;
			h->spi[1] = NOTIF_SPI2;
			h->kic = (uint8_t)(k.kvn << 4 | (k.kic_algo & 0x0F));
			h->kid = (uint8_t)(k.kvn << 4 | (k.kid_algo & 0x0F));
			h->kic_ks = h->kid_ks = ks;
		}
		mbedtls_platform_zeroize(&k, sizeof(k));
		if (ok)
			return veuicc_card_isdr_tar(card, h->tar) == VEUICC_OK;
	}
	return false;
}

static bool sent(const struct veuicc_cat *c, uint16_t seq)
{
	for (uint8_t i = 0; i < c->notif_sent_count; i++)
		if (c->notif_sent[i] == seq)
			return true;
	return false;
}

/* SGP.02 §3.15.2: the oldest notification not sent yet over HTTPS when the
 * card knows its SM-SR's admin server (cat/bip.h, decision H81-15).
 * \returns false when the SMS path is to be used. */
static bool by_https(veuicc_card *card, struct veuicc_cat *c)
{
	size_t count = veuicc_card_notification_count(card);
	for (size_t i = 0; i < count; i++) {
		veuicc_notification n;
		if (veuicc_card_notification_get(card, i, &n) != VEUICC_OK || sent(c, n.seq) ||
		    c->notif_sent_count >= VEUICC_NOTIF_MAX)
			continue;
		int r = veuicc_bip_notify(card, n.data, n.len);
		if (r == VEUICC_BIP_NOTIFY_SMS)
			return false;
		if (r == VEUICC_BIP_NOTIFY_HTTPS)
			c->notif_sent[c->notif_sent_count++] = n.seq;
		return true; /* one per session; the next one at the next occasion */
	}
	return false;
}

void veuicc_cat_notifications_send(veuicc_card *card)
{
	struct veuicc_cat *c = card->cat;
	if (!c)
		return;
	if (c->in_packet) {
		c->notif_wanted = true; /* after the PoR and REFRESH of the packet */
		return;
	}
	if (by_https(card, c))
		return;
	if (!veuicc_cat_tp_has(card, VEUICC_CAT_TP_SEND_SMS_BYTE, VEUICC_CAT_TP_SEND_SMS_BIT))
		return;
	uint8_t da[VEUICC_CAT_ADDR_MAX];
	size_t da_len = smsr_address(card, da);
	veuicc_scp80_keyset ks;
	veuicc_scp80_host h;
	if (!da_len || !sender(card, &ks, &h))
		return;
	static const uint8_t cpi[] = {0x02, 0x70, 0x00}; /* TS 31.115 §4 */
	size_t count = veuicc_card_notification_count(card);
	for (size_t i = 0; i < count; i++) {
		veuicc_notification n;
		uint8_t pkt[VEUICC_CAT_UD_MAX];
		size_t pl = 0;
		if (veuicc_card_notification_get(card, i, &n) != VEUICC_OK || sent(c, n.seq) ||
		    c->notif_sent_count >= VEUICC_NOTIF_MAX)
			continue;
		/* a notification that does not fit one SMS is not sent (CT17) */
		if (veuicc_scp80_wrap_cmd(&h, n.data, n.len, pkt, sizeof(pkt) - sizeof(cpi), &pl) ||
		    veuicc_cat_queue_sms_submit(card, da, da_len, cpi, sizeof(cpi), pkt, pl))
			continue;
		c->notif_sent[c->notif_sent_count++] = n.seq;
	}
	mbedtls_platform_zeroize(&ks, sizeof(ks));
}
