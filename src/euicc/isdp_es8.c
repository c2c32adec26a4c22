/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISD-P key sets and ES8 UpdateConnectivityParameters (SGP.02 §4.1.3.4,
 * project digest §4.3), and ES5 MasterDelete (SGP.02 §4.1.1.6, procedure
 * §3.10; digest §3.6): the ISD-R deletes an ISD-P whatever its POL1 when
 * the DELETE carries a delete token that the ISD-P's token key (KVN 70,
 * put by the SM-DP with PUT KEY) verifies. The token computation is not in
 * the material we have: veuicc takes GP's delete token data (GP CS v2.3
 * Figure C-8: P1 P2 Lc data, without the token) with AES-CMAC for the AES
 * token key. Choices and evidence: docs/spec-decisions.md, section "ESx:
 * Test Profile, Master Delete, connectivity parameters" (X-rows).
 */
#include "euicc/isdp_es8.h"

#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "euicc/isdp_ident.h"
#include "euicc/notif.h"
#include "gp/card_data.h"
#include "gp/putkey.h"
#include "tlv/tlv.h"

/* UpdateConnectivityParameters (digest §3.0, §4.3 [I]) */
#define DGI_CONN_PARAMS 0x3A07
#define TAG_CONN_SMS    0xA0 /* SMS parameters [I] */
#define TAG_CONN_CATTP  0xA1 /* CAT_TP parameters [M] */
#define TAG_CONN_HTTPS  0xA2 /* HTTPS parameters [M] */
#define TAG_ADDRESS     0x06 /* TS 102 223 §8.1 Address (COMPREHENSION-TLV) */
#define TAG_ADDRESS_CR  0x86 /* the same with the comprehension-required bit */

/* DELETE data (GP CS v2.3 §11.2.2.3, Table 11-23) */
#define TAG_AID        0x4F
#define TAG_TOKEN_CRT  0xB6 /* control reference template for the token */
#define TAG_TOKEN      0x9E /* the delete token */
#define TOKEN_LEN      16   /* AES-CMAC, untruncated (decision X5) */
#define TOKEN_DATA_MAX (3 + 255)

/* ---- PUT KEY --------------------------------------------------------------- */

uint16_t veuicc_isdp_put_key(veuicc_card *card, veuicc_gp_entry *e, const veuicc_capdu *cmd,
                             veuicc_rsp *rsp)
{
	(void)card;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH; /* case 4: data mandatory (GP CS §11.8.2) */
	/* GP: the DEK of the open secure channel's key set. On the plain path
	 * the ISD-P's first SCP03 set (its SM-DP keys), as the ISD-R does
	 * (decision GK7); none (no keys yet) -> 6985 */
	uint8_t dek_copy[32];
	veuicc_gp_dek dek = {.aes = true};
	for (size_t i = 0; i < e->nkeys && !dek.key; i++)
		if (e->keys[i].type == VEUICC_KEYSET_SCP03 && e->keys[i].key3_len <= 32) {
			memcpy(dek_copy, e->keys[i].key3, e->keys[i].key3_len);
			dek.key = dek_copy;
			dek.len = e->keys[i].key3_len;
		}
	veuicc_gp_keysets ks = {e->keys, &e->nkeys, VEUICC_ISDP_KEYSETS_MAX, true};
	uint8_t out[1 + 3 * 3];
	size_t n = 0;
	uint16_t sw = veuicc_gp_put_key(&ks, dek.key ? &dek : NULL, cmd->p1, cmd->p2, cmd->data,
	                                cmd->lc, out, &n);
	mbedtls_platform_zeroize(dek_copy, sizeof(dek_copy));
	if (sw == VEUICC_SW_OK && veuicc_rsp_put(rsp, out, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return sw;
}

/* ---- GET DATA: key information template (GP CS v2.3 §11.3.3.1) ------------- */

#define TAG_KEY_INFO 0x00E0
#define TAG_KEY_DATA 0xC0
#define TAG_SIN      0x0042 /* SD Provider Identification Number (DGI 0070) */
#define TAG_SDIN     0x0045 /* SD Image Number (DGI 0070) */

uint16_t veuicc_isdp_get_data(const veuicc_gp_entry *e, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH; /* case 2 */
	uint16_t tag = (uint16_t)(cmd->p1 << 8 | cmd->p2);
	if (tag == VEUICC_GP_TAG_CARD_DATA)
		return veuicc_gp_card_data(false, rsp); /* its SCP: SCP03 (decision G5) */
	if (tag == TAG_SIN || tag == TAG_SDIN)
		return veuicc_isdp_get_ident(e, tag, rsp); /* DGI 0070 values (G11) */
	if (tag != TAG_KEY_INFO)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	uint8_t buf[2 + (VEUICC_ISDP_KEYSETS_MAX + 1) * 3 * 6];
	size_t n = 2;
	/* the SCP03 key set of EstablishISDPKeySet first (SGP.02 §4.1.3.1) */
	const veuicc_scp03_keyset *sk = &e->sd_keys;
	for (unsigned id = 1; sk->kvn && id <= 3; id++) {
		const uint8_t c0[6] = {TAG_KEY_DATA,      4,          (uint8_t)id, sk->kvn,
		                       VEUICC_GP_KEY_AES, sk->key_len};
		memcpy(buf + n, c0, sizeof(c0));
		n += sizeof(c0);
	}
	for (size_t i = 0; i < e->nkeys; i++) {
		const veuicc_keyset *k = &e->keys[i];
		if (sk->kvn && k->type == VEUICC_KEYSET_SCP03 && k->kvn == sk->kvn)
			continue; /* listed above */
		/* SCP03: ids 1-3 (ENC, MAC, DEK); token key: id 1; all AES (88) */
		const size_t len[3] = {k->key1_len, k->key2_len, k->key3_len};
		unsigned ids = k->type == VEUICC_KEYSET_TOKEN ? 1 : 3;
		for (unsigned id = 1; id <= ids; id++) {
			const uint8_t c0[6] = {TAG_KEY_DATA,      4,
			                       (uint8_t)id,       k->kvn,
			                       VEUICC_GP_KEY_AES, (uint8_t)len[id - 1]};
			memcpy(buf + n, c0, sizeof(c0));
			n += sizeof(c0);
		}
	}
	buf[0] = (uint8_t)TAG_KEY_INFO;
	buf[1] = (uint8_t)(n - 2);
	if (veuicc_rsp_put(rsp, buf, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* ---- UpdateConnectivityParameters ---------------------------------------------- */

/* Check one template: a list of BER-TLVs (at least one); the SMS template
 * holds exactly one Address (06 L TON/NPI BCD..., at least one BCD byte). */
static int template_ok(const veuicc_tlv *t)
{
	veuicc_tlv_reader in;
	veuicc_tlv s;
	int rc, n = 0, addr = 0;
	veuicc_tlv_reader_init(&in, t->value, t->len, 0);
	while ((rc = veuicc_tlv_next(&in, &s)) == 1) {
		n++;
		if (t->tag == TAG_CONN_SMS && (s.tag == TAG_ADDRESS || s.tag == TAG_ADDRESS_CR)) {
			if (addr++ || s.len < 2)
				return 0;
		}
	}
	return rc == 0 && n > 0 && (t->tag != TAG_CONN_SMS || addr == 1);
}

/* 3A07 value: one or more of the templates A0, A1, A2, each at most once.
 * Each template given replaces the stored one with its tag; the others stay
 * (decision X7). */
static uint16_t update_conn(veuicc_gp_entry *e, const uint8_t *v, size_t len)
{
	static const uint8_t order[] = {TAG_CONN_SMS, TAG_CONN_CATTP, TAG_CONN_HTTPS};
	const uint8_t *newt[3] = {0}, *oldt[3] = {0};
	size_t newl[3] = {0}, oldl[3] = {0};
	veuicc_tlv_reader rd;
	veuicc_tlv t;
	int rc;
	if (len == 0)
		return VEUICC_SW_WRONG_DATA;
	veuicc_tlv_reader_init(&rd, v, len, 0);
	while ((rc = veuicc_tlv_next(&rd, &t)) == 1) {
		size_t k = 0;
		while (k < sizeof(order) && order[k] != t.tag)
			k++;
		if (k == sizeof(order) || newt[k] || !template_ok(&t))
			return VEUICC_SW_WRONG_DATA;
		newt[k] = t.raw;
		newl[k] = t.raw_len;
	}
	if (rc < 0)
		return VEUICC_SW_WRONG_DATA;
	veuicc_tlv_reader_init(&rd, e->conn, e->conn_len, 0);
	while (veuicc_tlv_next(&rd, &t) == 1)
		for (size_t k = 0; k < sizeof(order); k++)
			if (order[k] == t.tag) {
				oldt[k] = t.raw;
				oldl[k] = t.raw_len;
			}
	uint8_t merged[VEUICC_CONN_PARAMS_MAX];
	size_t n = 0;
	for (size_t k = 0; k < sizeof(order); k++) {
		const uint8_t *p = newt[k] ? newt[k] : oldt[k];
		size_t l = newt[k] ? newl[k] : oldl[k];
		if (!p)
			continue;
		if (l > sizeof(merged) - n)
			return VEUICC_SW_NOT_ENOUGH_MEMORY; /* more than the ISD-P keeps */
		memcpy(merged + n, p, l);
		n += l;
	}
	memcpy(e->conn, merged, n);
	e->conn_len = (uint16_t)n;
	return VEUICC_SW_OK;
}

uint16_t veuicc_isdp_store_dgi(veuicc_card *card, veuicc_gp_entry *e, const uint8_t *data,
                               size_t len)
{
	(void)card;
	/* one DGI (GP CS v2.3 §11.11.2.2): 2-byte tag, length 00-FE or FF LL LL */
	if (len < 3)
		return VEUICC_SW_WRONG_DATA;
	uint16_t dgi = (uint16_t)(data[0] << 8 | data[1]);
	size_t l = data[2], p = 3;
	if (l == 0xFF) {
		if (len < 5)
			return VEUICC_SW_WRONG_DATA;
		l = (size_t)data[3] << 8 | data[4];
		p = 5;
	}
	if (l != len - p)
		return VEUICC_SW_WRONG_DATA;
	if (dgi == VEUICC_DGI_SD_IDENT)
		return veuicc_isdp_store_ident(e, data + p, l); /* isdp_ident.c */
	if (dgi != DGI_CONN_PARAMS)
		return VEUICC_SW_REF_DATA_NOT_FOUND; /* DGI not supported */
	return update_conn(e, data + p, l);
}

int veuicc_card_connectivity_params(const veuicc_card *card, const uint8_t *aid, size_t aid_len,
                                    uint8_t *buf, size_t cap, size_t *len)
{
	if (!card || !len || (!buf && cap) || (!aid && aid_len))
		return VEUICC_ERR_INVALID_ARG;
	const veuicc_gp_registry *r = &card->registry;
	long i = aid ? veuicc_gp_registry_find(r, aid, aid_len) : veuicc_gp_registry_enabled(r);
	if (i < 0 || r->e[i].kind != VEUICC_GP_ISDP || !r->e[i].conn_len)
		return VEUICC_ERR_NOT_FOUND;
	*len = r->e[i].conn_len;
	if (cap < r->e[i].conn_len)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, r->e[i].conn, r->e[i].conn_len);
	return VEUICC_OK;
}

/* ---- MasterDelete ----------------------------------------------------------------- */

static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/* AES-CMAC (NIST SP 800-38B) of \p in with the token key. */
static int token_mac(const veuicc_keyset *k, const uint8_t *in, size_t n, uint8_t out[16])
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_values(
	    MBEDTLS_CIPHER_ID_AES, (int)k->key1_len * 8, MBEDTLS_MODE_ECB);
	if (!ci)
		return -1;
	return mbedtls_cipher_cmac(ci, k->key1, k->key1_len * 8, in, n, out) ? -1 : 0;
}

uint16_t veuicc_isdr_master_delete(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* 4F L AID, [B6 L {...}], 9E L token, nothing after */
	veuicc_tlv_reader rd;
	veuicc_tlv aid, t, token, crt = {0};
	veuicc_tlv_reader_init(&rd, cmd->data, cmd->lc, 0);
	if (veuicc_tlv_next(&rd, &aid) != 1 || aid.tag != TAG_AID || aid.len < 5 || aid.len > 16)
		return VEUICC_SW_WRONG_DATA;
	int rc = veuicc_tlv_next(&rd, &t);
	if (rc == 1 && t.tag == TAG_TOKEN_CRT) {
		/* its content (42, 45, 5F20, 93 ...) is authenticated by the
		 * token, then compared with the DGI 0070 values (isdp_ident.c) */
		veuicc_tlv_reader in;
		veuicc_tlv s;
		int rc2;
		veuicc_tlv_enter(&rd, &t, &in);
		while ((rc2 = veuicc_tlv_next(&in, &s)) == 1)
			;
		if (rc2 < 0)
			return VEUICC_SW_WRONG_DATA;
		crt = t;
		rc = veuicc_tlv_next(&rd, &t);
	}
	if (rc != 1 || t.tag != TAG_TOKEN || t.len == 0)
		return VEUICC_SW_WRONG_DATA;
	token = t;
	if (veuicc_tlv_next(&rd, &t) != 0)
		return VEUICC_SW_WRONG_DATA; /* trailing bytes */
	size_t signed_len = (size_t)(token.raw - cmd->data);
	if (signed_len > 255)
		return VEUICC_SW_WRONG_DATA;

	veuicc_gp_registry *r = &card->registry;
	long i = veuicc_gp_registry_find(r, aid.value, aid.len);
	if (i < 0)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	veuicc_gp_entry *e = &r->e[i];
	if (e->kind != VEUICC_GP_ISDP)
		return VEUICC_SW_COND_NOT_SATISFIED; /* ISD-R and ECASD stay */
	const veuicc_keyset *key = NULL;
	for (size_t k = 0; k < e->nkeys && !key; k++)
		if (e->keys[k].type == VEUICC_KEYSET_TOKEN)
			key = &e->keys[k];
	if (!key)
		return VEUICC_SW_COND_NOT_SATISFIED; /* nothing to verify the token with */
	/* GP CS v2.3 Figure C-8: the token covers P1 P2 Lc and the data field
	 * without the token TLV (Lc counting those data only) */
	uint8_t td[TOKEN_DATA_MAX], mac[16];
	td[0] = cmd->p1;
	td[1] = cmd->p2;
	td[2] = (uint8_t)signed_len;
	memcpy(td + 3, cmd->data, signed_len);
	bool ok = token.len == TOKEN_LEN && !token_mac(key, td, 3 + signed_len, mac) &&
	          ct_equal(mac, token.value, TOKEN_LEN);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	if (!ok)
		return VEUICC_SW_SECURITY_STATUS;
	/* the CRT names the SD the token was issued for: its 42/45/5F20 must be
	 * those DGI 0070 gave the ISD-P, where given (decision G10) */
	if (crt.tag == TAG_TOKEN_CRT && !veuicc_isdp_crt_matches(e, crt.value, crt.len))
		return VEUICC_SW_SECURITY_STATUS;
	/* POL1 is overridden (digest §3.6, §7 item 9); never the enabled
	 * profile or the Fall-Back Profile (digest §3.6, §2.2 [S]); the
	 * Emergency and Test Profiles as for DeleteProfile (decision X6) */
	if (e->lcs == VEUICC_GP_LCS_ENABLED || e->fallback || e->emergency || e->test)
		return VEUICC_SW_COND_NOT_SATISFIED;
	veuicc_isdr_remove_isdp(card, (size_t)i);
	static const uint8_t zero = 0x00; /* GP CS §11.2.3: no receipt */
	if (veuicc_rsp_put(rsp, &zero, 1))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
