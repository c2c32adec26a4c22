/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT KEY (GP CS v2.3 §11.8 + Amendment D §7.2; project digest
 * secure-channels.md §1.7). Key set model: key ids 01..03 of a set map to
 * veuicc_keyset key1..key3 (SCP03: ENC, MAC, DEK; SCP80: KIc, KID, DEK).
 * AES keys (type 88) make or change SCP03 sets, 3DES keys (type 80) SCP80
 * sets (docs/spec-decisions.md, PUT KEY rows).
 */
#include "gp/putkey.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/platform_util.h>

#include "apdu/sw.h"

#define P1_KVN_MAX     0x7F /* P1 b8 RFU (GP CS v2.3 §11.8.2.1) */
#define P2_MULTIPLE    0x80 /* P2 b8: more than one key */
#define P2_KEY_ID_MASK 0x7F
#define KEY_ID_MAX     3 /* ids 01..03 of a key set */
#define KCV_LEN        3
#define DES_KEY_LEN    16 /* type 80: double-length 3DES key */
#define AES_BLOCK      16
#define DES_BLOCK      8
/* TS 102 225 §5.1.2 algorithm byte: 3DES in outer-CBC, 2 keys (b1b2 01, b3b4 01) */
#define SCP80_ALGO_3DES2 0x05
#define SCP80_ALGO_AES   0x02 /* b2b1 10: AES */
#define SCP80_ALGO_MASK  0x0F
#define SCP80_KVN_MAX    0x0F /* TS 102 225 §5.1.2: key index 1..15 */

typedef struct {
	uint8_t type;
	uint8_t key[32];
	size_t len;
	uint8_t kcv[KCV_LEN];
} new_key;

int veuicc_gp_kcv(bool aes, const uint8_t *key, size_t len, uint8_t kcv[3])
{
	uint8_t in[AES_BLOCK], out[AES_BLOCK];
	int rc = -1;
	if (aes) {
		if (len != 16 && len != 24 && len != 32)
			return -1;
		mbedtls_aes_context c;
		mbedtls_aes_init(&c);
		memset(in, 0x01, sizeof(in)); /* Amd D §7.2: 16 bytes 01 */
		if (!mbedtls_aes_setkey_enc(&c, key, (unsigned)len * 8) &&
		    !mbedtls_aes_crypt_ecb(&c, MBEDTLS_AES_ENCRYPT, in, out))
			rc = 0;
		mbedtls_aes_free(&c);
	} else {
		if (len != 16 && len != 24)
			return -1;
		mbedtls_des3_context c;
		mbedtls_des3_init(&c);
		memset(in, 0x00, DES_BLOCK); /* GP CS §11.8.2.3: 8 bytes 00 */
		if (!(len == 16 ? mbedtls_des3_set2key_enc(&c, key)
		                : mbedtls_des3_set3key_enc(&c, key)) &&
		    !mbedtls_des3_crypt_ecb(&c, in, out))
			rc = 0;
		mbedtls_des3_free(&c);
	}
	if (!rc)
		memcpy(kcv, out, KCV_LEN);
	mbedtls_platform_zeroize(out, sizeof(out));
	return rc;
}

/* Unwrap \p cg (\p n bytes) with the DEK into k->key (clear length k->len). */
static int unwrap(const veuicc_gp_dek *dek, const uint8_t *cg, size_t n, new_key *k)
{
	uint8_t clear[32];
	int rc = -1;
	if (n > sizeof(clear))
		return -1;
	if (dek->aes) {
		/* AES-CBC, ICV zero (digest §1.7, GPPro key encoding) */
		uint8_t iv[AES_BLOCK] = {0};
		mbedtls_aes_context c;
		mbedtls_aes_init(&c);
		if (!mbedtls_aes_setkey_dec(&c, dek->key, (unsigned)dek->len * 8) &&
		    !mbedtls_aes_crypt_cbc(&c, MBEDTLS_AES_DECRYPT, n, iv, cg, clear))
			rc = 0;
		mbedtls_aes_free(&c);
	} else {
		/* 3DES-ECB (GP CS v2.3 §11.8.2.3, digest §1.7) */
		mbedtls_des3_context c;
		mbedtls_des3_init(&c);
		rc = dek->len == 16 ? mbedtls_des3_set2key_dec(&c, dek->key)
		                    : mbedtls_des3_set3key_dec(&c, dek->key);
		for (size_t i = 0; !rc && i < n; i += DES_BLOCK)
			rc = mbedtls_des3_crypt_ecb(&c, cg + i, clear + i);
		mbedtls_des3_free(&c);
	}
	if (!rc)
		memcpy(k->key, clear, k->len);
	mbedtls_platform_zeroize(clear, sizeof(clear));
	return rc ? -1 : 0;
}

/* Parse and unwrap one key block at data[*pos]. Returns 9000 or 6A80. */
static uint16_t parse_key(const veuicc_gp_dek *dek, const uint8_t *d, size_t len, size_t *pos,
                          new_key *k)
{
	size_t p = *pos;
	if (len - p < 2)
		return VEUICC_SW_WRONG_DATA;
	k->type = d[p];
	size_t l = d[p + 1];
	p += 2;
	if (l > len - p)
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *cg = d + p;
	size_t cg_len = l;
	if (k->type == VEUICC_GP_KEY_AES) {
		/* key length byte, then the cryptogram padded to blocks */
		if (l < 1 + AES_BLOCK || !dek->aes)
			return VEUICC_SW_WRONG_DATA;
		k->len = cg[0];
		cg++;
		cg_len--;
		if ((k->len != 16 && k->len != 24 && k->len != 32) || cg_len % AES_BLOCK ||
		    cg_len < k->len || cg_len > 32)
			return VEUICC_SW_WRONG_DATA;
	} else if (k->type == VEUICC_GP_KEY_DES) {
		if (l != DES_KEY_LEN || dek->aes)
			return VEUICC_SW_WRONG_DATA;
		k->len = DES_KEY_LEN;
	} else {
		return VEUICC_SW_WRONG_DATA; /* other key types: not supported */
	}
	p += l;
	if (p >= len || (d[p] != 0 && d[p] != KCV_LEN) || d[p] > len - p - 1)
		return VEUICC_SW_WRONG_DATA;
	size_t kcv_len = d[p++];
	if (unwrap(dek, cg, cg_len, k) ||
	    veuicc_gp_kcv(k->type == VEUICC_GP_KEY_AES, k->key, k->len, k->kcv))
		return VEUICC_SW_WRONG_DATA;
	/* GP CS §11.8.2.3: a KCV present must match the unwrapped key */
	if (kcv_len && memcmp(k->kcv, d + p, KCV_LEN))
		return VEUICC_SW_WRONG_DATA;
	*pos = p + kcv_len;
	return VEUICC_SW_OK;
}

static long find_kvn(const veuicc_gp_keysets *ks, uint8_t kvn)
{
	for (size_t i = 0; i < *ks->count; i++)
		if (ks->set[i].kvn == kvn)
			return (long)i;
	return -1;
}

/* May keys id..id+n-1, all like \p k, replace keys of \p s? They keep the
 * set's kind and each key's algorithm and length: SCP03 keys are AES of the
 * set's length (Amd D §6.1) unless all three change; SCP80 KIc/KID keep
 * their algorithm (AES or 3DES two keys), the DEK (id 03) follows the KIc;
 * SCP81 PSKs are not PUT KEY types handled here. */
static bool fits(const veuicc_keyset *s, unsigned id, size_t n, const new_key *k)
{
	bool aes = k->type == VEUICC_GP_KEY_AES;
	if (s->type == VEUICC_KEYSET_TOKEN)
		return aes && id == 1 && n == 1; /* one AES key of any length */
	if (s->type == VEUICC_KEYSET_SCP03)
		return aes && (n == 3 || k->len == s->key1_len);
	if (s->type != VEUICC_KEYSET_SCP80)
		return false;
	for (unsigned i = id; i < id + n; i++) {
		uint8_t alg = (i == 2 ? s->kid_algo : s->kic_algo) & SCP80_ALGO_MASK;
		size_t len = i == 1 ? s->key1_len : i == 2 ? s->key2_len : s->key1_len;
		if (aes ? alg != SCP80_ALGO_AES : alg != SCP80_ALGO_3DES2)
			return false;
		if (k->len != len)
			return false;
	}
	return true;
}

static void set_key(veuicc_keyset *s, unsigned id, const new_key *k)
{
	uint8_t *dst = id == 1 ? s->key1 : id == 2 ? s->key2 : s->key3;
	size_t *dl = id == 1 ? &s->key1_len : id == 2 ? &s->key2_len : &s->key3_len;
	mbedtls_platform_zeroize(dst, 32);
	memcpy(dst, k->key, k->len);
	*dl = k->len;
}

uint16_t veuicc_gp_put_key(veuicc_gp_keysets *ks, const veuicc_gp_dek *dek, uint8_t p1, uint8_t p2,
                           const uint8_t *data, size_t len, uint8_t *out, size_t *out_len)
{
	unsigned id = p2 & P2_KEY_ID_MASK;
	bool multiple = p2 & P2_MULTIPLE;
	if (p1 > P1_KVN_MAX || id < 1 || id > KEY_ID_MAX)
		return VEUICC_SW_WRONG_P1P2;
	if (len < 1)
		return VEUICC_SW_WRONG_LENGTH;
	if (!dek || !dek->key ||
	    (dek->aes ? dek->len != 16 && dek->len != 24 && dek->len != 32
	              : dek->len != 16 && dek->len != 24))
		return VEUICC_SW_COND_NOT_SATISFIED; /* no usable DEK */
	uint8_t kvn = data[0];
	if (kvn < 1 || kvn > P1_KVN_MAX)
		return VEUICC_SW_WRONG_DATA;
	new_key keys[KEY_ID_MAX];
	size_t n = 0, pos = 1;
	uint16_t sw = VEUICC_SW_OK;
	while (pos < len && sw == VEUICC_SW_OK) {
		if (id + n > KEY_ID_MAX || (n && !multiple)) {
			sw = VEUICC_SW_WRONG_DATA;
			break;
		}
		sw = parse_key(dek, data, len, &pos, &keys[n]);
		if (sw == VEUICC_SW_OK && n && keys[n].type != keys[0].type)
			sw = VEUICC_SW_WRONG_DATA;
		n++;
	}
	if (sw == VEUICC_SW_OK && n == 0)
		sw = VEUICC_SW_WRONG_DATA;
	bool aes = n && keys[0].type == VEUICC_GP_KEY_AES;
	/* all keys of one command have one length (Amd D §6.1 for SCP03) */
	for (size_t i = 1; sw == VEUICC_SW_OK && i < n; i++)
		if (keys[i].len != keys[0].len)
			sw = VEUICC_SW_WRONG_DATA;
	long idx = -1, other = find_kvn(ks, kvn);
	veuicc_keyset_type type = VEUICC_KEYSET_SCP03;
	if (sw == VEUICC_SW_OK && p1 == 0) {
		/* a new key set, all its keys from id 01: KVN 01-0F is an SCP80
		 * set (TS 102 225 §5.1.2 key index), 2-3 keys; any other KVN an
		 * SCP03 set of 3 AES keys */
		bool scp80 = kvn <= SCP80_KVN_MAX;
		bool token = ks->token_kvn && kvn == VEUICC_GP_KVN_TOKEN;
		type = scp80   ? VEUICC_KEYSET_SCP80
		       : token ? VEUICC_KEYSET_TOKEN
		               : VEUICC_KEYSET_SCP03;
		/* a token key: one AES key, id 01 */
		if (other >= 0 || id != 1 ||
		    (scp80   ? n < 2
		     : token ? (!aes || n != 1)
		             : (!aes || n != 3)))
			sw = VEUICC_SW_WRONG_DATA;
		else if (*ks->count >= ks->max)
			sw = VEUICC_SW_NOT_ENOUGH_MEMORY;
	} else if (sw == VEUICC_SW_OK) {
		idx = find_kvn(ks, p1);
		if (idx < 0)
			sw = VEUICC_SW_REF_DATA_NOT_FOUND;
		else if (other >= 0 && other != idx)
			sw = VEUICC_SW_WRONG_DATA; /* the new KVN belongs to another set */
		else if (ks->token_kvn && ((ks->set[idx].type == VEUICC_KEYSET_TOKEN) !=
		                           (kvn == VEUICC_GP_KVN_TOKEN)))
			sw = VEUICC_SW_WRONG_DATA; /* KVN 70 is the token key's only */
		else if (!fits(&ks->set[idx], id, n, &keys[0]))
			sw = VEUICC_SW_WRONG_DATA;
	}
	if (sw == VEUICC_SW_OK) {
		veuicc_keyset *s;
		if (idx < 0) {
			s = &ks->set[(*ks->count)++];
			memset(s, 0, sizeof(*s));
			s->type = type;
			if (type == VEUICC_KEYSET_SCP80)
				s->kic_algo = s->kid_algo = aes ? SCP80_ALGO_AES : SCP80_ALGO_3DES2;
		} else {
			s = &ks->set[idx];
		}
		s->kvn = kvn;
		out[0] = kvn;
		for (size_t i = 0; i < n; i++) {
			set_key(s, id + (unsigned)i, &keys[i]);
			memcpy(out + 1 + i * KCV_LEN, keys[i].kcv, KCV_LEN);
		}
		*out_len = 1 + n * KCV_LEN;
	}
	mbedtls_platform_zeroize(keys, sizeof(keys));
	return sw;
}
