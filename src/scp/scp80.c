/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP80 secured packets: ETSI TS 102 225 §5 in the 3GPP TS 31.115 §4 SMS
 * dialect. See scp80.h for the layouts and docs/scp80.md for the decisions
 * taken where the specifications leave room.
 */
#include "scp/scp80.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/des.h>
#include <mbedtls/platform_util.h>

#define HDR_CLEAR   10 /* CPL(2) CHL SPI(2) KIc KID TAR(3), TS 31.115 §4.2 */
#define HDR_CNTR    6  /* CNTR(5) PCNTR */
#define CHL_BASE    13 /* SPI..PCNTR, TS 102 225 §5.1.1 */
#define RHL_BASE    10 /* TAR..status, TS 102 225 §5.2 */
#define POR_UDH_LEN 3
#define CC_MAX      8
#define CRC32_LEN   4

/* SMS user data header of a response packet: UDHL 02, RPI IE 71 length 0 (TS 31.115 §4.2) */
static const uint8_t por_udh[POR_UDH_LEN] = {0x02, 0x71, 0x00};

/* ---- primitives ------------------------------------------------------- */

static size_t block_size(uint8_t alg)
{
	return alg == VEUICC_SCP80_ALG_AES ? 16 : 8;
}

/* Key length fits the algorithm (TS 102 225 §5.1.2). */
static bool key_ok(uint8_t alg, size_t len)
{
	switch (alg) {
	case VEUICC_SCP80_ALG_DES: return len == 8;
	case VEUICC_SCP80_ALG_3DES2: return len == 16;
	case VEUICC_SCP80_ALG_3DES3: return len == 24;
	case VEUICC_SCP80_ALG_AES: return len == 16 || len == 24 || len == 32;
	default: return false;
	}
}

/* Schedules prepared once for a key set (veuicc_scp80_keyset_prepare). */
struct veuicc_scp80_prepared {
	bool kic_aes, kid_aes;
	mbedtls_aes_context kic_enc, kic_dec;
	mbedtls_cipher_context_t kid_cmac;
};

/* CBC with zero IV over \p len bytes (a block multiple), in place allowed;
 * the key set's KIc (its prepared schedules when there are). */
static int cbc(const veuicc_scp80_keyset *ks, bool enc, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t alg = ks->kic_alg;
	const uint8_t *key = ks->kic;
	size_t klen = ks->kic_len;
	uint8_t iv[16] = {0};
	int rc = -1;

	if (!key_ok(alg, klen) || len % block_size(alg))
		return VEUICC_ERR_INVALID_ARG;
	if (alg == VEUICC_SCP80_ALG_AES && ks->prepared && ks->prepared->kic_aes) {
		rc = mbedtls_aes_crypt_cbc(enc ? &ks->prepared->kic_enc : &ks->prepared->kic_dec,
		                           enc ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, len, iv,
		                           in, out);
	} else if (alg == VEUICC_SCP80_ALG_AES) {
		mbedtls_aes_context c;
		mbedtls_aes_init(&c);
		rc = enc ? mbedtls_aes_setkey_enc(&c, key, (unsigned)klen * 8)
		         : mbedtls_aes_setkey_dec(&c, key, (unsigned)klen * 8);
		if (rc == 0)
			rc = mbedtls_aes_crypt_cbc(
			    &c, enc ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, len, iv, in, out);
		mbedtls_aes_free(&c);
	} else if (alg == VEUICC_SCP80_ALG_DES) {
		mbedtls_des_context c;
		mbedtls_des_init(&c);
		rc = enc ? mbedtls_des_setkey_enc(&c, key) : mbedtls_des_setkey_dec(&c, key);
		if (rc == 0)
			rc = mbedtls_des_crypt_cbc(
			    &c, enc ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, len, iv, in, out);
		mbedtls_des_free(&c);
	} else {
		mbedtls_des3_context c;
		mbedtls_des3_init(&c);
		if (klen == 16)
			rc = enc ? mbedtls_des3_set2key_enc(&c, key)
			         : mbedtls_des3_set2key_dec(&c, key);
		else
			rc = enc ? mbedtls_des3_set3key_enc(&c, key)
			         : mbedtls_des3_set3key_dec(&c, key);
		if (rc == 0)
			rc = mbedtls_des3_crypt_cbc(
			    &c, enc ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, len, iv, in, out);
		mbedtls_des3_free(&c);
	}
	mbedtls_platform_zeroize(iv, sizeof(iv));
	return rc == 0 ? VEUICC_OK : VEUICC_ERR_CRYPTO;
}

/* Incremental CC over several segments: AES-CMAC (mbedtls) or (3)DES CBC-MAC
 * with zero IV, zero padding to 8 of the whole message (TS 102 225 §5.1.3.1). */
typedef struct mac_ctx {
	uint8_t alg;
	mbedtls_cipher_context_t cmac;
	mbedtls_cipher_context_t *shared; /* the key set's prepared CMAC, or NULL */
	mbedtls_des_context des;
	mbedtls_des3_context des3;
	uint8_t iv[8];
	uint8_t part[8];
	size_t part_len;
} mac_ctx;

static int mac_start(mac_ctx *m, const veuicc_scp80_keyset *ks)
{
	int rc = 0;

	/* only the context of the key set's algorithm is initialised (and later
	 * freed): the others are large and unused (bench_scp breakdown) */
	m->alg = ks->kid_alg;
	m->shared = NULL;
	m->part_len = 0;
	memset(m->iv, 0, sizeof(m->iv));
	if (!key_ok(ks->kid_alg, ks->kid_len)) {
		m->alg = 0;
		return VEUICC_ERR_INVALID_ARG;
	}
	switch (ks->kid_alg) {
	case VEUICC_SCP80_ALG_AES: {
		if (ks->prepared && ks->prepared->kid_aes) {
			m->shared = &ks->prepared->kid_cmac;
			rc = mbedtls_cipher_cmac_reset(m->shared); /* the key stays */
			break;
		}
		mbedtls_cipher_type_t t = ks->kid_len == 16   ? MBEDTLS_CIPHER_AES_128_ECB
		                          : ks->kid_len == 24 ? MBEDTLS_CIPHER_AES_192_ECB
		                                              : MBEDTLS_CIPHER_AES_256_ECB;
		mbedtls_cipher_init(&m->cmac);
		rc = mbedtls_cipher_setup(&m->cmac, mbedtls_cipher_info_from_type(t));
		if (rc == 0)
			rc = mbedtls_cipher_cmac_starts(&m->cmac, ks->kid, (size_t)ks->kid_len * 8);
		break;
	}
	case VEUICC_SCP80_ALG_DES:
		mbedtls_des_init(&m->des);
		rc = mbedtls_des_setkey_enc(&m->des, ks->kid);
		break;
	case VEUICC_SCP80_ALG_3DES2:
		mbedtls_des3_init(&m->des3);
		rc = mbedtls_des3_set2key_enc(&m->des3, ks->kid);
		break;
	default:
		mbedtls_des3_init(&m->des3);
		rc = mbedtls_des3_set3key_enc(&m->des3, ks->kid);
		break;
	}
	return rc == 0 ? VEUICC_OK : VEUICC_ERR_CRYPTO;
}

static int des_block(mac_ctx *m, const uint8_t blk[8])
{
	uint8_t out[8];
	int rc;

	if (m->alg == VEUICC_SCP80_ALG_DES)
		rc = mbedtls_des_crypt_cbc(&m->des, MBEDTLS_DES_ENCRYPT, 8, m->iv, blk, out);
	else
		rc = mbedtls_des3_crypt_cbc(&m->des3, MBEDTLS_DES_ENCRYPT, 8, m->iv, blk, out);
	return rc == 0 ? VEUICC_OK : VEUICC_ERR_CRYPTO;
}

static int mac_update(mac_ctx *m, const uint8_t *d, size_t n)
{
	if (n == 0)
		return VEUICC_OK;
	if (m->alg == VEUICC_SCP80_ALG_AES)
		return mbedtls_cipher_cmac_update(m->shared ? m->shared : &m->cmac, d, n) == 0
		           ? VEUICC_OK
		           : VEUICC_ERR_CRYPTO;
	while (n > 0) {
		size_t take = 8 - m->part_len;
		if (take > n)
			take = n;
		memcpy(m->part + m->part_len, d, take);
		m->part_len += take;
		d += take;
		n -= take;
		if (m->part_len == 8) {
			if (des_block(m, m->part))
				return VEUICC_ERR_CRYPTO;
			m->part_len = 0;
		}
	}
	return VEUICC_OK;
}

static int mac_finish(mac_ctx *m, uint8_t cc[CC_MAX])
{
	int rc = VEUICC_OK;

	if (m->alg == VEUICC_SCP80_ALG_AES) {
		uint8_t full[16];
		if (mbedtls_cipher_cmac_finish(m->shared ? m->shared : &m->cmac, full))
			rc = VEUICC_ERR_CRYPTO;
		memcpy(cc, full, CC_MAX);
		mbedtls_platform_zeroize(full, sizeof(full));
	} else {
		if (m->part_len) {
			memset(m->part + m->part_len, 0, 8 - m->part_len);
			rc = des_block(m, m->part);
		}
		/* after the last block the CBC chaining value is the MAC */
		memcpy(cc, m->iv, CC_MAX);
	}
	return rc;
}

static void mac_free(mac_ctx *m)
{
	/* each mbedtls *_free zeroises its context */
	switch (m->alg) {
	case VEUICC_SCP80_ALG_AES:
		if (!m->shared)
			mbedtls_cipher_free(&m->cmac);
		break;
	case VEUICC_SCP80_ALG_DES: mbedtls_des_free(&m->des); break;
	case VEUICC_SCP80_ALG_3DES2:
	case VEUICC_SCP80_ALG_3DES3: mbedtls_des3_free(&m->des3); break;
	default: break;
	}
	mbedtls_platform_zeroize(m->iv, sizeof(m->iv));
	mbedtls_platform_zeroize(m->part, sizeof(m->part));
}

/* CC or RC over up to three segments. \p kind: VEUICC_SCP80_SPI1_CC or _RC. */
static int checksum(int kind, const veuicc_scp80_keyset *ks, const uint8_t *a, size_t al,
                    const uint8_t *b, size_t bl, const uint8_t *c, size_t cl, uint8_t out[CC_MAX])
{
	if (kind == VEUICC_SCP80_SPI1_RC) {
		/* CRC32, ISO/IEC 13239 (as zlib), TS 102 225 §5.1.3.2; not cryptographic */
		uint32_t crc = 0xFFFFFFFFu;
		const uint8_t *seg[3] = {a, b, c};
		size_t sl[3] = {al, bl, cl};
		for (int s = 0; s < 3; s++)
			for (size_t i = 0; i < sl[s]; i++) {
				crc ^= seg[s][i];
				for (int k = 0; k < 8; k++)
					crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
			}
		crc ^= 0xFFFFFFFFu;
		memset(out, 0, CC_MAX);
		out[0] = (uint8_t)(crc >> 24);
		out[1] = (uint8_t)(crc >> 16);
		out[2] = (uint8_t)(crc >> 8);
		out[3] = (uint8_t)crc;
		return VEUICC_OK;
	}
	mac_ctx m;
	int rc = mac_start(&m, ks);
	if (rc == 0)
		rc = mac_update(&m, a, al);
	if (rc == 0)
		rc = mac_update(&m, b, bl);
	if (rc == 0)
		rc = mac_update(&m, c, cl);
	if (rc == 0)
		rc = mac_finish(&m, out);
	mac_free(&m);
	return rc;
}

int veuicc_scp80_cc(const veuicc_scp80_keyset *ks, const uint8_t *msg, size_t len, uint8_t cc[8])
{
	if (!ks || (!msg && len) || !cc)
		return VEUICC_ERR_INVALID_ARG;
	return checksum(VEUICC_SCP80_SPI1_CC, ks, msg, len, NULL, 0, NULL, 0, cc);
}

static void prepared_free(struct veuicc_scp80_prepared *p)
{
	if (!p)
		return;
	if (p->kic_aes) {
		mbedtls_aes_free(&p->kic_enc); /* zeroises the round keys */
		mbedtls_aes_free(&p->kic_dec);
	}
	if (p->kid_aes)
		mbedtls_cipher_free(&p->kid_cmac);
	mbedtls_platform_zeroize(p, sizeof(*p));
	free(p);
}

void veuicc_scp80_keyset_wipe(veuicc_scp80_keyset *ks)
{
	if (!ks)
		return;
	prepared_free(ks->prepared);
	mbedtls_platform_zeroize(ks, sizeof(*ks));
}

int veuicc_scp80_keyset_prepare(veuicc_scp80_keyset *ks)
{
	if (!ks)
		return VEUICC_ERR_INVALID_ARG;
	prepared_free(ks->prepared);
	ks->prepared = NULL;
	bool kic = ks->kic_alg == VEUICC_SCP80_ALG_AES && key_ok(ks->kic_alg, ks->kic_len);
	bool kid = ks->kid_alg == VEUICC_SCP80_ALG_AES && key_ok(ks->kid_alg, ks->kid_len);
	if (!kic && !kid)
		return VEUICC_OK; /* (3)DES: nothing worth keeping */
	struct veuicc_scp80_prepared *p = calloc(1, sizeof(*p));
	if (!p)
		return VEUICC_ERR_NO_MEMORY;
	int rc = 0;
	if (kic) {
		p->kic_aes = true;
		mbedtls_aes_init(&p->kic_enc);
		mbedtls_aes_init(&p->kic_dec);
		rc = mbedtls_aes_setkey_enc(&p->kic_enc, ks->kic, (unsigned)ks->kic_len * 8);
		if (!rc)
			rc =
			    mbedtls_aes_setkey_dec(&p->kic_dec, ks->kic, (unsigned)ks->kic_len * 8);
	}
	if (kid && !rc) {
		p->kid_aes = true;
		mbedtls_cipher_type_t t = ks->kid_len == 16   ? MBEDTLS_CIPHER_AES_128_ECB
		                          : ks->kid_len == 24 ? MBEDTLS_CIPHER_AES_192_ECB
		                                              : MBEDTLS_CIPHER_AES_256_ECB;
		mbedtls_cipher_init(&p->kid_cmac);
		rc = mbedtls_cipher_setup(&p->kid_cmac, mbedtls_cipher_info_from_type(t));
		if (!rc)
			rc = mbedtls_cipher_cmac_starts(&p->kid_cmac, ks->kid,
			                                (size_t)ks->kid_len * 8);
	}
	if (rc) {
		prepared_free(p);
		return VEUICC_ERR_CRYPTO;
	}
	ks->prepared = p;
	return VEUICC_OK;
}

/* Constant-time comparison of MAC bytes. */
static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

static size_t cc_len_of(const veuicc_scp80_keyset *ks)
{
	return ks && ks->cc_len ? ks->cc_len : CC_MAX;
}

/* Length of the RC/CC/DS field for SPI b2b1 (RC: CRC32 only). */
static size_t chk_len_for(uint8_t kind, const veuicc_scp80_keyset *ks)
{
	switch (kind) {
	case VEUICC_SCP80_SPI1_RC: return CRC32_LEN;
	case VEUICC_SCP80_SPI1_CC: return cc_len_of(ks);
	default: return 0;
	}
}

/* ---- card side: command packets --------------------------------------- */

static bool cntr_is_max(const uint8_t c[5])
{
	for (int i = 0; i < 5; i++)
		if (c[i] != 0xFF)
			return false;
	return true;
}

/* -1, 0, 1 as a <, =, > b (big-endian 5 bytes) */
static int cntr_cmp(const uint8_t a[5], const uint8_t b[5])
{
	return memcmp(a, b, 5) < 0 ? -1 : memcmp(a, b, 5) > 0;
}

static void cntr_inc(const uint8_t in[5], uint8_t out[5])
{
	unsigned carry = 1;
	for (int i = 4; i >= 0; i--) {
		unsigned v = in[i] + carry;
		out[i] = (uint8_t)v;
		carry = v >> 8;
	}
}

/* SPI first octet fields compared one by one against the MSL (TS 102 226 §8.2.1.3.2.4). */
static bool meets_msl(uint8_t spi1, uint8_t msl)
{
	return (spi1 & 0x03) >= (msl & 0x03) && (spi1 & 0x04) >= (msl & 0x04) &&
	       (spi1 & 0x18) >= (msl & 0x18);
}

/* The packet's algorithm nibble agrees with the stored key set. */
static bool alg_matches(uint8_t nibble, uint8_t stored, size_t klen)
{
	if (!key_ok(stored, klen))
		return false;
	return nibble == VEUICC_SCP80_ALG_IMPLICIT || nibble == stored;
}

int veuicc_scp80_unwrap(const uint8_t *pkt, size_t len, veuicc_scp80_lookup_fn lookup,
                        void *lookup_ctx, uint8_t min_spi1, uint8_t *out, size_t out_cap,
                        veuicc_scp80_cmd *cmd)
{
	if (!pkt || !lookup || !cmd || (!out && out_cap))
		return VEUICC_ERR_INVALID_ARG;
	memset(cmd, 0, sizeof(*cmd));

	/* 1. clear header, TS 31.115 §4.2: CPL = bytes after CPL; CHL = 13 + RC/CC/DS */
	if (len < HDR_CLEAR || (size_t)((pkt[0] << 8) | pkt[1]) != len - 2)
		return VEUICC_ERR_MALFORMED;
	const uint8_t chl = pkt[2];
	memcpy(cmd->spi, pkt + 3, 2);
	cmd->kic = pkt[5];
	cmd->kid = pkt[6];
	memcpy(cmd->tar, pkt + 7, 3);
	const uint8_t spi1 = cmd->spi[0], spi2 = cmd->spi[1];
	const uint8_t kind = spi1 & 0x03, cntr_mode = spi1 & 0x18;
	const bool cipher = spi1 & VEUICC_SCP80_SPI1_CIPHER;
	const uint8_t por_mode = spi2 & 0x03, por_kind = (spi2 >> 2) & 0x03;
	const bool por_cipher = spi2 & VEUICC_SCP80_SPI2_POR_CIPHER;
	if (chl < CHL_BASE)
		return VEUICC_ERR_MALFORMED;
	const size_t chk = chl - CHL_BASE;
	if ((kind == VEUICC_SCP80_SPI1_NONE && chk != 0) ||
	    (kind == VEUICC_SCP80_SPI1_RC && chk != CRC32_LEN) ||
	    (kind == VEUICC_SCP80_SPI1_CC && chk != 4 && chk != 8))
		return VEUICC_ERR_MALFORMED;
	if (!cipher && len - HDR_CLEAR < HDR_CNTR + chk)
		return VEUICC_ERR_MALFORMED;
	cmd->por_via_submit = spi2 & VEUICC_SCP80_SPI2_POR_SUBMIT;

	uint8_t status = VEUICC_SCP80_POR_OK;
	const veuicc_scp80_keyset *kic_ks = NULL, *kid_ks = NULL, *probe_ks = NULL;
	veuicc_scp80_counter *kic_c = NULL, *kid_c = NULL, *probe_c = NULL, *cntr = NULL;
	const bool need_kid = kind == VEUICC_SCP80_SPI1_CC || por_kind == 2;
	const bool need_kic = cipher || por_cipher;

	/* 2. TAR (TS 102 225 §5.1.1 TAR): the first look-up also tells whether it exists */
	uint8_t probe_kvn = need_kid || !need_kic ? cmd->kid >> 4 : cmd->kic >> 4;
	int lr = lookup(lookup_ctx, cmd->tar, probe_kvn, &probe_ks, &probe_c);
	if (lr == VEUICC_SCP80_NO_TAR) {
		status = VEUICC_SCP80_TAR_UNKNOWN;
		goto done;
	}
	if (lr != VEUICC_SCP80_FOUND)
		probe_ks = NULL, probe_c = NULL;

	/* 3. key sets and algorithms (TS 102 225 §5.1.2, §5.1.3) */
	if (kind == VEUICC_SCP80_SPI1_DS || por_kind == 3 ||
	    (kind == VEUICC_SCP80_SPI1_RC && (cmd->kid & 0x0F) != VEUICC_SCP80_RC_CRC32)) {
		status = VEUICC_SCP80_SECURITY_ERROR; /* DS, PoR DS, CRC16: not supported */
		goto done;
	}
	if (need_kid) {
		lr = lookup(lookup_ctx, cmd->tar, cmd->kid >> 4, &kid_ks, &kid_c);
		if (lr == VEUICC_SCP80_NO_TAR) {
			status = VEUICC_SCP80_TAR_UNKNOWN;
			goto done;
		}
		if (lr != VEUICC_SCP80_FOUND || !kid_ks ||
		    (kind == VEUICC_SCP80_SPI1_RC /* KID nibble = CRC type, checked above */
		         ? !key_ok(kid_ks->kid_alg, kid_ks->kid_len)
		         : !alg_matches(cmd->kid & 0x0F, kid_ks->kid_alg, kid_ks->kid_len)) ||
		    (kind == VEUICC_SCP80_SPI1_CC && chk != cc_len_of(kid_ks)) ||
		    (kid_ks->kid_alg != VEUICC_SCP80_ALG_AES && cc_len_of(kid_ks) != CC_MAX)) {
			status = VEUICC_SCP80_SECURITY_ERROR;
			kid_ks = NULL;
			goto done;
		}
	}
	if (need_kic) {
		lr = lookup(lookup_ctx, cmd->tar, cmd->kic >> 4, &kic_ks, &kic_c);
		if (lr == VEUICC_SCP80_NO_TAR) {
			status = VEUICC_SCP80_TAR_UNKNOWN;
			goto done;
		}
		if (lr != VEUICC_SCP80_FOUND || !kic_ks ||
		    !alg_matches(cmd->kic & 0x0F, kic_ks->kic_alg, kic_ks->kic_len)) {
			status = VEUICC_SCP80_SECURITY_ERROR;
			kic_ks = NULL;
			goto done;
		}
	}
	/* the counter belongs to the key set that authenticates, else the ciphering one */
	cntr = kid_c ? kid_c : kic_c ? kic_c : probe_c;
	if ((cntr_mode == VEUICC_SCP80_SPI1_CNTR_HIGHER ||
	     cntr_mode == VEUICC_SCP80_SPI1_CNTR_ONE_HIGHER) &&
	    !cntr) {
		status = VEUICC_SCP80_SECURITY_ERROR;
		goto done;
	}
	cmd->kic_ks = kic_ks;
	cmd->kid_ks = kid_ks;
	cmd->por_secured = true;

	/* 4. minimum security level */
	if (!meets_msl(spi1, min_spi1)) {
		status = VEUICC_SCP80_INSUFFICIENT_SECURITY;
		goto done;
	}

	/* 5. deciphering: CNTR .. end, CBC zero IV (TS 102 225 §5.1.2) */
	const size_t body = len - HDR_CLEAR;
	if (out_cap < body) {
		status = VEUICC_SCP80_NO_MEMORY;
		goto done;
	}
	if (cipher) {
		size_t bs = block_size(kic_ks->kic_alg);
		if (body == 0 || body % bs || body < HDR_CNTR + chk) {
			status = VEUICC_SCP80_CIPHERING_ERROR;
			goto done;
		}
		if (cbc(kic_ks, false, pkt + HDR_CLEAR, body, out)) {
			status = VEUICC_SCP80_CIPHERING_ERROR;
			goto done;
		}
	} else {
		memcpy(out, pkt + HDR_CLEAR, body);
	}
	memcpy(cmd->cntr, out, 5);
	const uint8_t pcntr = out[5];
	const size_t data_all = body - HDR_CNTR - chk;

	/* 6. RC/CC over CPL..PCNTR ‖ data ‖ padding, never over the checksum itself */
	if (kind == VEUICC_SCP80_SPI1_CC || kind == VEUICC_SCP80_SPI1_RC) {
		uint8_t calc[CC_MAX];
		int rc = checksum(kind, kid_ks, pkt, HDR_CLEAR, out, HDR_CNTR, out + HDR_CNTR + chk,
		                  data_all, calc);
		bool same = rc == 0 && ct_equal(calc, out + HDR_CNTR, chk);
		mbedtls_platform_zeroize(calc, sizeof(calc));
		if (rc)
			return rc;
		if (!same) {
			status = VEUICC_SCP80_RC_CC_DS_FAILED;
			goto done;
		}
	}

	/* 7. counter (TS 102 225 §5.1.1 b5b4), checked only after the CC */
	if (cntr_mode == VEUICC_SCP80_SPI1_CNTR_HIGHER ||
	    cntr_mode == VEUICC_SCP80_SPI1_CNTR_ONE_HIGHER) {
		uint8_t next[5];
		if (cntr_is_max(cntr->value)) {
			status = VEUICC_SCP80_CNTR_BLOCKED;
			goto done;
		}
		if (cntr_cmp(cmd->cntr, cntr->value) <= 0) {
			status = VEUICC_SCP80_CNTR_LOW;
			goto done;
		}
		cntr_inc(cntr->value, next);
		if (cntr_mode == VEUICC_SCP80_SPI1_CNTR_ONE_HIGHER &&
		    cntr_cmp(cmd->cntr, next) > 0) {
			status = VEUICC_SCP80_CNTR_HIGH;
			goto done;
		}
	}

	/* 8. padding counter: at most the secured data, and zero without ciphering */
	if (pcntr > data_all || (!cipher && pcntr != 0)) {
		status = VEUICC_SCP80_CIPHERING_ERROR;
		goto done;
	}

	/* accepted: persist the counter before anything is executed */
	if (cntr_mode == VEUICC_SCP80_SPI1_CNTR_HIGHER ||
	    cntr_mode == VEUICC_SCP80_SPI1_CNTR_ONE_HIGHER)
		memcpy(cntr->value, cmd->cntr, 5);
	cmd->data = out + HDR_CNTR + chk;
	cmd->data_len = data_all - pcntr;

done:
	cmd->status = status;
	cmd->por_wanted = por_mode == 0x01 || (por_mode == 0x02 && status != VEUICC_SCP80_POR_OK);
	if (status != VEUICC_SCP80_POR_OK && out && out_cap)
		mbedtls_platform_zeroize(out, out_cap < len ? out_cap : len);
	return VEUICC_OK;
}

/* ---- response packets -------------------------------------------------- */

int veuicc_scp80_wrap_por(const veuicc_scp80_cmd *cmd, uint8_t status, const uint8_t *data,
                          size_t data_len, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!cmd || !out || !out_len || (!data && data_len))
		return VEUICC_ERR_INVALID_ARG;
	const uint8_t spi2 = cmd->spi[1];
	bool cipher = cmd->por_secured && (spi2 & VEUICC_SCP80_SPI2_POR_CIPHER);
	const uint8_t kind = cmd->por_secured ? (spi2 >> 2) & 0x03 : 0; /* SPI2 b4b3 */
	if ((cipher && !cmd->kic_ks) || (kind == VEUICC_SCP80_SPI1_CC && !cmd->kid_ks) ||
	    kind == VEUICC_SCP80_SPI1_DS)
		return VEUICC_ERR_INVALID_ARG;
	const size_t chk = chk_len_for(kind, cmd->kid_ks);
	size_t plain = 5 + 1 + 1 + chk + data_len; /* CNTR PCNTR status CC data */
	size_t pad = 0;
	if (cipher) {
		size_t bs = block_size(cmd->kic_ks->kic_alg);
		pad = (bs - plain % bs) % bs;
	}
	const size_t total = POR_UDH_LEN + 2 + 1 + 3 + plain + pad;
	if (total - POR_UDH_LEN - 2 > 0xFFFF)
		return VEUICC_ERR_INVALID_ARG;
	if (cap < total)
		return VEUICC_ERR_BUFFER_TOO_SMALL;

	/* TS 102 225 §5.2 / TS 31.115 §4.2 */
	uint8_t *p = out;
	memcpy(p, por_udh, POR_UDH_LEN);
	const size_t rpl = total - POR_UDH_LEN - 2;
	p[3] = (uint8_t)(rpl >> 8);
	p[4] = (uint8_t)rpl;
	p[5] = (uint8_t)(RHL_BASE + chk);
	memcpy(p + 6, cmd->tar, 3);
	memcpy(p + 9, cmd->cntr, 5);
	p[14] = (uint8_t)pad;
	p[15] = status;
	uint8_t *chk_at = p + 16;
	if (data_len)
		memmove(chk_at + chk, data, data_len);
	memset(chk_at + chk + data_len, 0, pad);
	if (chk) {
		/* the PoR RC/CC covers the UDH too (TS 31.115 §4.2) */
		uint8_t mac[CC_MAX];
		int rc =
		    checksum(kind, cmd->kid_ks, p, 16, chk_at + chk, data_len + pad, NULL, 0, mac);
		memcpy(chk_at, mac, chk);
		mbedtls_platform_zeroize(mac, sizeof(mac));
		if (rc)
			return rc;
	}
	if (cipher) {
		int rc = cbc(cmd->kic_ks, true, p + 9, plain + pad, p + 9);
		if (rc)
			return rc;
	}
	*out_len = total;
	return VEUICC_OK;
}

/* ---- host side ---------------------------------------------------------- */

int veuicc_scp80_wrap_cmd(const veuicc_scp80_host *h, const uint8_t *data, size_t data_len,
                          uint8_t *out, size_t cap, size_t *out_len)
{
	if (!h || !out || !out_len || (!data && data_len))
		return VEUICC_ERR_INVALID_ARG;
	const uint8_t kind = h->spi[0] & 0x03;
	const bool cipher = h->spi[0] & VEUICC_SCP80_SPI1_CIPHER;
	if (kind == VEUICC_SCP80_SPI1_DS || (kind == VEUICC_SCP80_SPI1_CC && !h->kid_ks) ||
	    (cipher && !h->kic_ks))
		return VEUICC_ERR_INVALID_ARG;
	const size_t chk = chk_len_for(kind, h->kid_ks);
	const size_t plain = HDR_CNTR + chk + data_len;
	size_t pad = 0;
	if (cipher) {
		size_t bs = block_size(h->kic_ks->kic_alg);
		pad = (bs - plain % bs) % bs;
	}
	const size_t total = HDR_CLEAR + plain + pad;
	if (total - 2 > 0xFFFF)
		return VEUICC_ERR_INVALID_ARG;
	if (cap < total)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	uint8_t *p = out;
	p[0] = (uint8_t)((total - 2) >> 8);
	p[1] = (uint8_t)(total - 2);
	p[2] = (uint8_t)(CHL_BASE + chk);
	memcpy(p + 3, h->spi, 2);
	p[5] = h->kic;
	p[6] = h->kid;
	memcpy(p + 7, h->tar, 3);
	memcpy(p + 10, h->cntr, 5);
	p[15] = (uint8_t)pad;
	uint8_t *d = p + 16 + chk;
	if (data_len)
		memmove(d, data, data_len);
	memset(d + data_len, 0, pad);
	if (chk) {
		uint8_t mac[CC_MAX];
		int rc = checksum(kind, h->kid_ks, p, 16, d, data_len + pad, NULL, 0, mac);
		memcpy(p + 16, mac, chk);
		mbedtls_platform_zeroize(mac, sizeof(mac));
		if (rc)
			return rc;
	}
	if (cipher) {
		int rc = cbc(h->kic_ks, true, p + HDR_CLEAR, plain + pad, p + HDR_CLEAR);
		if (rc)
			return rc;
	}
	*out_len = total;
	return VEUICC_OK;
}

int veuicc_scp80_unwrap_por(const veuicc_scp80_host *h, const uint8_t *por, size_t len,
                            uint8_t *work, size_t work_cap, uint8_t *status, const uint8_t **data,
                            size_t *data_len)
{
	if (!h || !por || !work || !status || !data || !data_len)
		return VEUICC_ERR_INVALID_ARG;
	if (len < POR_UDH_LEN + 2 + 1 + 3 + 7 || memcmp(por, por_udh, POR_UDH_LEN) ||
	    (size_t)((por[3] << 8) | por[4]) != len - 5 || por[5] < RHL_BASE ||
	    memcmp(por + 6, h->tar, 3))
		return VEUICC_ERR_MALFORMED;
	const size_t chk = por[5] - RHL_BASE;
	const uint8_t spi2 = h->spi[1];
	const uint8_t kind = (spi2 >> 2) & 0x03;
	const bool want_cc = kind == VEUICC_SCP80_SPI1_CC || kind == VEUICC_SCP80_SPI1_RC;
	/* an error PoR the card could not secure comes in clear without RC/CC */
	const bool clear = want_cc ? chk == 0 : !(spi2 & VEUICC_SCP80_SPI2_POR_CIPHER);
	const bool cipher = !clear && (spi2 & VEUICC_SCP80_SPI2_POR_CIPHER);
	const size_t body = len - 9;
	if (work_cap < body)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	if (cipher) {
		if (!h->kic_ks || body % block_size(h->kic_ks->kic_alg))
			return VEUICC_ERR_MALFORMED;
		if (cbc(h->kic_ks, false, por + 9, body, work))
			return VEUICC_ERR_CRYPTO;
	} else {
		memcpy(work, por + 9, body);
	}
	if (body < 7 + chk || work[5] > body - 7 - chk)
		return VEUICC_ERR_MALFORMED;
	if (!clear && want_cc) {
		uint8_t hdr[16], mac[CC_MAX];
		if ((kind == VEUICC_SCP80_SPI1_CC && !h->kid_ks) ||
		    chk != chk_len_for(kind, h->kid_ks))
			return VEUICC_ERR_MALFORMED;
		memcpy(hdr, por, 9);
		memcpy(hdr + 9, work, 7);
		int rc = checksum(kind, h->kid_ks, hdr, 16, work + 7 + chk, body - 7 - chk, NULL, 0,
		                  mac);
		bool same = rc == 0 && ct_equal(mac, work + 7, chk);
		mbedtls_platform_zeroize(mac, sizeof(mac));
		if (!same)
			return VEUICC_ERR_CRYPTO;
	}
	if (*status = work[6], *status == VEUICC_SCP80_POR_OK && memcmp(work, h->cntr, 5))
		return VEUICC_ERR_MALFORMED;
	*data = work + 7 + chk;
	*data_len = body - 7 - chk - work[5];
	return VEUICC_OK;
}
