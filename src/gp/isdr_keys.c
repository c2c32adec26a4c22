/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT KEY and the key information template of the ISD-R (GP CS v2.3 §11.8,
 * §11.3.3.1; digest secure-channels.md §1.7). The ISD-R key sets live in
 * the factory identity of the card (core/factory.h); PUT KEY, and the SM-SR
 * change (euicc/smsr_change.c), change them there and the card file keeps
 * them as they are now (record factory/isdr-keysets, core/state.c; docs/
 * euicc.md "PUT KEY", decisions GK8, H11).
 */
#include "gp/isdr_keys.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "core/factory.h"
#include "euicc/euicc.h"
#include "gp/putkey.h"
#include "gp/sd_session.h"
#include "scp/scp80.h"
#include "tlv/tlv.h"

#define TAG_KEY_INFO 0xE0 /* key information template (GP CS v2.3 §11.3.3.1) */
#define TAG_KEY_DATA 0xC0 /* key information data: id, KVN, type, length */
#define KEY_TYPE_PSK 0x85 /* TLS pre-shared key (GP CS v2.3.1 §11.1.8, Amd B) */
#define PUT_KEY_RSP  (1 + 3 * 3)

uint16_t veuicc_isdr_put_key(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* case 4 (GP CS v2.3 §11.8.2): command data are mandatory */
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	veuicc_factory *f = card->factory;
	size_t none = 0;
	/* the DEK of the key set of the SCP03 session (GP CS §11.8.2.3), else
	 * of the default SCP03 key set, the one INITIALIZE UPDATE with KVN 00
	 * opens (Amd D §7.1.1.1): plain path (test mode) and OTA */
	veuicc_gp_dek dek = {.aes = true};
	int skvn = card->ota_secured ? -1
	                             : veuicc_sd_session_kvn(card, cmd->cl.channel, veuicc_aid_isdr,
	                                                     sizeof(veuicc_aid_isdr));
	for (size_t i = 0; f && skvn >= 0 && i < f->nkeysets && !dek.key; i++)
		if (f->keysets[i].type == VEUICC_KEYSET_SCP03 && f->keysets[i].kvn == skvn) {
			dek.key = f->keysets[i].key3;
			dek.len = f->keysets[i].key3_len;
		}
	for (size_t i = 0; f && i < f->nkeysets && !dek.key; i++)
		if (f->keysets[i].type == VEUICC_KEYSET_SCP03) {
			dek.key = f->keysets[i].key3;
			dek.len = f->keysets[i].key3_len;
		}
	/* no factory identity: no key sets, so no DEK (6985 after the P1/P2 checks) */
	veuicc_gp_keysets ks = {f ? f->keysets : NULL, f ? &f->nkeysets : &none,
	                        f ? VEUICC_FACTORY_KEYSETS_MAX : 0, false};
	uint8_t out[PUT_KEY_RSP];
	size_t n = 0;
	/* copy the DEK: PUT KEY may replace the set holding it */
	uint8_t dek_copy[32];
	if (dek.key) {
		memcpy(dek_copy, dek.key, dek.len);
		dek.key = dek_copy;
	}
	uint16_t sw = veuicc_gp_put_key(&ks, dek.key ? &dek : NULL, cmd->p1, cmd->p2, cmd->data,
	                                cmd->lc, out, &n);
	mbedtls_platform_zeroize(dek_copy, sizeof(dek_copy));
	if (sw == VEUICC_SW_OK && veuicc_rsp_put(rsp, out, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return sw;
}

static void put_info(veuicc_tlv_writer *w, uint8_t id, uint8_t kvn, uint8_t type, size_t len)
{
	const uint8_t v[4] = {id, kvn, type, (uint8_t)len};
	veuicc_tlv_put(w, TAG_KEY_DATA, v, sizeof(v));
}

uint16_t veuicc_isdr_key_info(const veuicc_card *card, veuicc_rsp *rsp)
{
	const veuicc_factory *f = card->factory;
	uint8_t buf[2 + VEUICC_FACTORY_KEYSETS_MAX * 3 * 6 + 8];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_KEY_INFO);
	for (size_t i = 0; f && i < f->nkeysets; i++) {
		const veuicc_keyset *k = &f->keysets[i];
		switch (k->type) {
		case VEUICC_KEYSET_SCP03:
			put_info(&w, 1, k->kvn, VEUICC_GP_KEY_AES, k->key1_len);
			put_info(&w, 2, k->kvn, VEUICC_GP_KEY_AES, k->key2_len);
			put_info(&w, 3, k->kvn, VEUICC_GP_KEY_AES, k->key3_len);
			break;
		case VEUICC_KEYSET_SCP80: {
			/* TS 102 225 §5.1.2: algorithm b2b1 10 is AES, else (3)DES */
			uint8_t t1 = (k->kic_algo & 0x03) == VEUICC_SCP80_ALG_AES
			                 ? VEUICC_GP_KEY_AES
			                 : VEUICC_GP_KEY_DES;
			uint8_t t2 = (k->kid_algo & 0x03) == VEUICC_SCP80_ALG_AES
			                 ? VEUICC_GP_KEY_AES
			                 : VEUICC_GP_KEY_DES;
			put_info(&w, 1, k->kvn, t1, k->key1_len);
			put_info(&w, 2, k->kvn, t2, k->key2_len);
			if (k->key3_len)
				put_info(&w, 3, k->kvn, t1, k->key3_len);
			break;
		}
		case VEUICC_KEYSET_SCP81: put_info(&w, 1, k->kvn, KEY_TYPE_PSK, k->key1_len); break;
		case VEUICC_KEYSET_TOKEN:
			put_info(&w, 1, k->kvn, VEUICC_GP_KEY_AES, k->key1_len);
			break;
		}
	}
	veuicc_tlv_end(&w);
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) || veuicc_rsp_put(rsp, buf, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
