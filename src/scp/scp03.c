/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP03 card side, GlobalPlatform Card Specification v2.3 Amendment D
 * (S8 mode). Crypto: mbedtls AES and AES-CMAC. See scp03.h and docs/scp03.md.
 */
#include "scp/scp03.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/platform_util.h>

#include "apdu/apdu.h"
#include "apdu/sw.h"

/* Amd D §7.1.1 / §7.1.2 instruction bytes */
#define INS_INITIALIZE_UPDATE     0x50
#define INS_EXTERNAL_AUTHENTICATE 0x82
/* Amd D §7.1.1.3: SCP identifier in the key information */
#define SCP03_ID 0x03
/* Amd D §6.2.1 table "Data derivation constants" */
#define DDC_CARD_CRYPTOGRAM 0x00
#define DDC_HOST_CRYPTOGRAM 0x01
#define DDC_CARD_CHALLENGE  0x02
#define DDC_S_ENC           0x04
#define DDC_S_MAC           0x06
#define DDC_S_RMAC          0x07

/* GP CS v2.3 §11.5.3 (EXTERNAL AUTHENTICATE): authentication of the host
 * cryptogram failed; not in apdu/sw.h. */
#define SW_HOST_AUTH_FAILED 0x6300u

#define AES_BLOCK 16
#define MCV_LEN   16
/* KDF input: label (12) ‖ separator (1) ‖ L (2) ‖ i (1) ‖ context (≤ 32) */
#define KDF_FIXED   16
#define KDF_CTX_MAX 32

/* Security levels accepted in EXTERNAL AUTHENTICATE P1 (Amd D §7.1.2.1). */
static const uint8_t allowed_levels[] = {
    VEUICC_SCP03_C_MAC,
    VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC,
    VEUICC_SCP03_C_MAC | VEUICC_SCP03_R_MAC,
    VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC | VEUICC_SCP03_R_MAC,
    VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC | VEUICC_SCP03_R_MAC | VEUICC_SCP03_R_ENC,
};

static bool valid_key_len(size_t n)
{
	return n == 16 || n == 24 || n == 32;
}

/* Constant-time equality of two byte strings of length n. */
static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= (uint8_t)(a[i] ^ b[i]);
	return acc == 0;
}

/* mbedtls' AES-ECB cipher for a key length (by type: from_values searches
 * the whole table). */
static const mbedtls_cipher_info_t *aes_info(size_t key_len)
{
	return mbedtls_cipher_info_from_type(key_len == 16   ? MBEDTLS_CIPHER_AES_128_ECB
	                                     : key_len == 24 ? MBEDTLS_CIPHER_AES_192_ECB
	                                     : key_len == 32 ? MBEDTLS_CIPHER_AES_256_ECB
	                                                     : MBEDTLS_CIPHER_NONE);
}

/* AES-CMAC (NIST SP 800-38B) over the concatenation of n parts. */
static int cmac_parts(const uint8_t *key, size_t key_len, const uint8_t *const *part,
                      const size_t *part_len, size_t n, uint8_t out[AES_BLOCK])
{
	const mbedtls_cipher_info_t *ci = aes_info(key_len);
	if (!ci)
		return VEUICC_ERR_CRYPTO;
	mbedtls_cipher_context_t c;
	mbedtls_cipher_init(&c);
	int rc = mbedtls_cipher_setup(&c, ci);
	if (!rc)
		rc = mbedtls_cipher_cmac_starts(&c, key, key_len * 8);
	for (size_t i = 0; i < n && !rc; i++)
		if (part_len[i])
			rc = mbedtls_cipher_cmac_update(&c, part[i], part_len[i]);
	if (!rc)
		rc = mbedtls_cipher_cmac_finish(&c, out);
	mbedtls_cipher_free(&c);
	return rc ? VEUICC_ERR_CRYPTO : VEUICC_OK;
}

/* Release the session's prepared keys (see veuicc_scp03_ctx.keyed_at). */
static void session_unprepare(veuicc_scp03_ctx *ctx)
{
	if (ctx->keyed_at == ctx) {
		mbedtls_aes_free(&ctx->enc_sched); /* zeroises the round keys */
		mbedtls_aes_free(&ctx->dec_sched);
		mbedtls_cipher_free(&ctx->c_mac); /* zeroises and frees the CMAC state */
		mbedtls_cipher_free(&ctx->c_rmac);
	}
	ctx->keyed_at = NULL;
}

/* Prepare S-ENC schedules and the S-MAC / S-RMAC CMAC contexts once per
 * session (the keys are set by INITIALIZE UPDATE). */
static int session_prepare(veuicc_scp03_ctx *ctx)
{
	if (ctx->keyed_at == ctx)
		return VEUICC_OK;
	const mbedtls_cipher_info_t *ci = aes_info(ctx->key_len);
	unsigned bits = (unsigned)(ctx->key_len * 8);
	mbedtls_aes_init(&ctx->enc_sched);
	mbedtls_aes_init(&ctx->dec_sched);
	mbedtls_cipher_init(&ctx->c_mac);
	mbedtls_cipher_init(&ctx->c_rmac);
	ctx->keyed_at = ctx;
	if (!ci || mbedtls_aes_setkey_enc(&ctx->enc_sched, ctx->s_enc, bits) ||
	    mbedtls_aes_setkey_dec(&ctx->dec_sched, ctx->s_enc, bits) ||
	    mbedtls_cipher_setup(&ctx->c_mac, ci) ||
	    mbedtls_cipher_cmac_starts(&ctx->c_mac, ctx->s_mac, bits) ||
	    mbedtls_cipher_setup(&ctx->c_rmac, ci) ||
	    mbedtls_cipher_cmac_starts(&ctx->c_rmac, ctx->s_rmac, bits)) {
		session_unprepare(ctx);
		return VEUICC_ERR_CRYPTO;
	}
	return VEUICC_OK;
}

/* AES-CMAC of n parts with a prepared context (reset first: the key stays). */
static int session_cmac(veuicc_scp03_ctx *ctx, bool rmac, const uint8_t *const *part,
                        const size_t *part_len, size_t n, uint8_t out[AES_BLOCK])
{
	int rc = session_prepare(ctx);
	if (rc)
		return rc;
	mbedtls_cipher_context_t *c = rmac ? &ctx->c_rmac : &ctx->c_mac;
	rc = mbedtls_cipher_cmac_reset(c);
	for (size_t i = 0; i < n && !rc; i++)
		if (part_len[i])
			rc = mbedtls_cipher_cmac_update(c, part[i], part_len[i]);
	if (!rc)
		rc = mbedtls_cipher_cmac_finish(c, out);
	return rc ? VEUICC_ERR_CRYPTO : VEUICC_OK;
}

/* AES-CBC with S-ENC without padding; len is a multiple of 16. */
static int aes_cbc(veuicc_scp03_ctx *ctx, int mode, const uint8_t iv_in[AES_BLOCK],
                   const uint8_t *in, uint8_t *out, size_t len)
{
	int rc = session_prepare(ctx);
	if (rc)
		return rc;
	uint8_t iv[AES_BLOCK];
	memcpy(iv, iv_in, AES_BLOCK);
	rc = mbedtls_aes_crypt_cbc(mode == MBEDTLS_AES_ENCRYPT ? &ctx->enc_sched : &ctx->dec_sched,
	                           mode, len, iv, in, out);
	mbedtls_platform_zeroize(iv, sizeof(iv));
	return rc ? VEUICC_ERR_CRYPTO : VEUICC_OK;
}

/* ICV for C-DEC / R-ENC (Amd D §6.2.6, §6.2.7): E(S-ENC, counter block),
 * the response block having its most significant byte set to 80. */
static int counter_icv(veuicc_scp03_ctx *ctx, bool response, uint8_t icv[AES_BLOCK])
{
	uint8_t blk[AES_BLOCK] = {0};
	uint64_t c = ctx->enc_counter;
	for (int i = AES_BLOCK - 1; i >= AES_BLOCK - 8; i--) {
		blk[i] = (uint8_t)c;
		c >>= 8;
	}
	if (response)
		blk[0] = 0x80;
	int rc = session_prepare(ctx);
	if (!rc && mbedtls_aes_crypt_ecb(&ctx->enc_sched, MBEDTLS_AES_ENCRYPT, blk, icv))
		rc = VEUICC_ERR_CRYPTO;
	return rc;
}

int veuicc_scp03_kdf(const uint8_t *key, size_t key_len, uint8_t constant, const uint8_t *context,
                     size_t context_len, uint8_t *out, size_t out_len)
{
	if (!key || !valid_key_len(key_len) || (!context && context_len) ||
	    context_len > KDF_CTX_MAX || !out || out_len == 0 || out_len > 32)
		return VEUICC_ERR_INVALID_ARG;
	/* Amd D §6.2.1: label = 11 × 00 ‖ derivation constant, separator 00,
	 * L in bits (2 bytes), counter i (1 byte), context. */
	uint8_t in[KDF_FIXED + KDF_CTX_MAX] = {0};
	in[11] = constant;
	in[12] = 0x00;
	in[13] = (uint8_t)((out_len * 8) >> 8);
	in[14] = (uint8_t)(out_len * 8);
	if (context_len)
		memcpy(in + KDF_FIXED, context, context_len);
	uint8_t blk[AES_BLOCK];
	int rc = VEUICC_OK;
	for (size_t done = 0, i = 1; done < out_len && rc == VEUICC_OK; i++) {
		in[15] = (uint8_t)i;
		const uint8_t *p[1] = {in};
		const size_t l[1] = {KDF_FIXED + context_len};
		rc = cmac_parts(key, key_len, p, l, 1, blk);
		size_t n = out_len - done < AES_BLOCK ? out_len - done : AES_BLOCK;
		if (rc == VEUICC_OK)
			memcpy(out + done, blk, n);
		done += n;
	}
	mbedtls_platform_zeroize(blk, sizeof(blk));
	mbedtls_platform_zeroize(in, sizeof(in));
	return rc;
}

int veuicc_scp03_init(veuicc_scp03_ctx *ctx, const veuicc_scp03_cfg *cfg)
{
	if (!ctx || !cfg || cfg->sd_aid_len > VEUICC_SCP03_AID_MAX ||
	    (cfg->sd_aid_len && !cfg->sd_aid) || (cfg->random_challenge && !cfg->rng))
		return VEUICC_ERR_INVALID_ARG;
	session_unprepare(ctx); /* a context initialised again */
	memset(ctx, 0, sizeof(*ctx));
	if (cfg->sd_aid_len)
		memcpy(ctx->sd_aid, cfg->sd_aid, cfg->sd_aid_len);
	ctx->sd_aid_len = (uint8_t)cfg->sd_aid_len;
	memcpy(ctx->kdd, cfg->kdd, sizeof(ctx->kdd));
	ctx->random_challenge = cfg->random_challenge;
	ctx->rng = cfg->rng;
	ctx->rng_arg = cfg->rng_arg;
	return VEUICC_OK;
}

void veuicc_scp03_release(veuicc_scp03_ctx *ctx)
{
	if (ctx)
		session_unprepare(ctx);
}

void veuicc_scp03_reset(veuicc_scp03_ctx *ctx)
{
	if (!ctx)
		return;
	session_unprepare(ctx);
	mbedtls_platform_zeroize(ctx->s_enc, sizeof(ctx->s_enc));
	mbedtls_platform_zeroize(ctx->s_mac, sizeof(ctx->s_mac));
	mbedtls_platform_zeroize(ctx->s_rmac, sizeof(ctx->s_rmac));
	mbedtls_platform_zeroize(ctx->host_challenge, sizeof(ctx->host_challenge));
	mbedtls_platform_zeroize(ctx->card_challenge, sizeof(ctx->card_challenge));
	mbedtls_platform_zeroize(ctx->mcv, sizeof(ctx->mcv));
	ctx->state = VEUICC_SCP03_IDLE;
	ctx->level = 0;
	ctx->kvn = 0;
	ctx->key_len = 0;
	ctx->enc_counter = 0;
	ctx->rsp_pending = false;
}

bool veuicc_scp03_is_open(const veuicc_scp03_ctx *ctx)
{
	return ctx && ctx->state == VEUICC_SCP03_AUTHENTICATED;
}

/* SM indication bit of a CLA (GP CS v2.3 §11.1.4): b3 for the first
 * interindustry / 80-8F classes, b6 for the further classes. */
static uint8_t sm_bit(uint8_t cla)
{
	return (cla & 0x40) ? 0x20 : 0x04;
}

/* CLA with the logical channel bits cleared, as MACed (Amd D §6.2.4). */
static uint8_t mac_cla(uint8_t cla)
{
	return (uint8_t)(cla & ((cla & 0x40) ? 0xF0 : 0xFC));
}

int veuicc_scp03_initialize_update(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup,
                                   void *lookup_arg, const uint8_t *capdu, size_t capdu_len,
                                   uint8_t *rsp, size_t rsp_cap, size_t *rsp_len, uint16_t *sw)
{
	if (!ctx || !lookup || !capdu || !rsp || !rsp_len || !sw)
		return VEUICC_ERR_INVALID_ARG;
	*rsp_len = 0;
	if (rsp_cap < VEUICC_SCP03_IU_RSP_MAX)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	/* A new INITIALIZE UPDATE terminates the current session first. */
	veuicc_scp03_reset(ctx);

	veuicc_capdu a;
	veuicc_cla_info cl;
	if (capdu_len >= 1 && (!veuicc_cla_decode(capdu[0], &cl) || !cl.proprietary || cl.sm)) {
		*sw = VEUICC_SW_CLA_NOT_SUPP; /* IU is sent in clear, GP class */
		return VEUICC_OK;
	}
	if (veuicc_capdu_parse(capdu, capdu_len, &a) != VEUICC_OK) {
		*sw = VEUICC_SW_WRONG_LENGTH;
		return VEUICC_OK;
	}
	if (a.ins != INS_INITIALIZE_UPDATE) {
		*sw = VEUICC_SW_INS_NOT_SUPP;
		return VEUICC_OK;
	}
	if (a.p2 != 0x00) {
		*sw = VEUICC_SW_WRONG_P1P2;
		return VEUICC_OK;
	}
	if (a.lc != VEUICC_SCP03_S8) {
		*sw = VEUICC_SW_WRONG_LENGTH; /* host challenge: 8 bytes in S8 mode */
		return VEUICC_OK;
	}
	return veuicc_scp03_open_session(ctx, lookup, lookup_arg, a.p1, a.data, rsp, rsp_cap,
	                                 rsp_len, sw);
}

int veuicc_scp03_open_session(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup,
                              void *lookup_arg, uint8_t kvn, const uint8_t host_challenge[8],
                              uint8_t *rsp, size_t rsp_cap, size_t *rsp_len, uint16_t *sw)
{
	if (!ctx || !lookup || !host_challenge || !rsp || !rsp_len || !sw)
		return VEUICC_ERR_INVALID_ARG;
	*rsp_len = 0;
	if (rsp_cap < VEUICC_SCP03_IU_RSP_MAX)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	veuicc_scp03_reset(ctx);
	veuicc_scp03_keyset *ks = lookup(lookup_arg, kvn);
	if (!ks || !valid_key_len(ks->key_len) || (kvn && ks->kvn != kvn)) {
		*sw = VEUICC_SW_REF_DATA_NOT_FOUND;
		return VEUICC_OK;
	}

	int rc;
	uint32_t seq = 0;
	if (ctx->random_challenge) {
		if (ctx->rng(ctx->rng_arg, ctx->card_challenge, VEUICC_SCP03_S8))
			return VEUICC_ERR_CRYPTO;
	} else {
		/* Amd D §6.2.2.1: one counter value per pseudo-random challenge;
		 * an exhausted counter makes the key set unusable. */
		if (ks->seq_counter >= VEUICC_SCP03_SEQ_MAX) {
			*sw = VEUICC_SW_COND_NOT_SATISFIED;
			return VEUICC_OK;
		}
		seq = ++ks->seq_counter;
		uint8_t c[3 + VEUICC_SCP03_AID_MAX];
		c[0] = (uint8_t)(seq >> 16);
		c[1] = (uint8_t)(seq >> 8);
		c[2] = (uint8_t)seq;
		memcpy(c + 3, ctx->sd_aid, ctx->sd_aid_len);
		rc = veuicc_scp03_kdf(ks->enc, ks->key_len, DDC_CARD_CHALLENGE, c,
		                      3u + ctx->sd_aid_len, ctx->card_challenge, VEUICC_SCP03_S8);
		if (rc)
			return rc;
	}
	memcpy(ctx->host_challenge, host_challenge, VEUICC_SCP03_S8);

	/* Amd D §6.2.1: session keys from context = host ‖ card challenge. */
	session_unprepare(ctx);
	uint8_t context[2 * VEUICC_SCP03_S8];
	memcpy(context, ctx->host_challenge, VEUICC_SCP03_S8);
	memcpy(context + VEUICC_SCP03_S8, ctx->card_challenge, VEUICC_SCP03_S8);
	uint8_t card_crypto[VEUICC_SCP03_S8];
	rc = veuicc_scp03_kdf(ks->enc, ks->key_len, DDC_S_ENC, context, sizeof(context), ctx->s_enc,
	                      ks->key_len);
	if (!rc)
		rc = veuicc_scp03_kdf(ks->mac, ks->key_len, DDC_S_MAC, context, sizeof(context),
		                      ctx->s_mac, ks->key_len);
	if (!rc)
		rc = veuicc_scp03_kdf(ks->mac, ks->key_len, DDC_S_RMAC, context, sizeof(context),
		                      ctx->s_rmac, ks->key_len);
	/* Amd D §6.2.2.2: card cryptogram = KDF(S-MAC, 00, 64 bits) */
	if (!rc)
		rc = veuicc_scp03_kdf(ctx->s_mac, ks->key_len, DDC_CARD_CRYPTOGRAM, context,
		                      sizeof(context), card_crypto, sizeof(card_crypto));
	if (rc) {
		veuicc_scp03_reset(ctx);
		return rc;
	}
	ctx->key_len = ks->key_len;
	ctx->kvn = ks->kvn;

	/* Amd D §7.1.1.3 response data */
	size_t n = 0;
	memcpy(rsp, ctx->kdd, VEUICC_SCP03_KDD_LEN);
	n += VEUICC_SCP03_KDD_LEN;
	rsp[n++] = ks->kvn;
	rsp[n++] = SCP03_ID;
	rsp[n++] = (uint8_t)(VEUICC_SCP03_I_RMAC | VEUICC_SCP03_I_RENC |
	                     (ctx->random_challenge ? 0 : VEUICC_SCP03_I_PSEUDO_RANDOM));
	memcpy(rsp + n, ctx->card_challenge, VEUICC_SCP03_S8);
	n += VEUICC_SCP03_S8;
	memcpy(rsp + n, card_crypto, VEUICC_SCP03_S8);
	n += VEUICC_SCP03_S8;
	if (!ctx->random_challenge) {
		rsp[n++] = (uint8_t)(seq >> 16);
		rsp[n++] = (uint8_t)(seq >> 8);
		rsp[n++] = (uint8_t)seq;
	}
	*rsp_len = n;
	ctx->state = VEUICC_SCP03_INITIALIZED;
	*sw = VEUICC_SW_OK;
	return VEUICC_OK;
}

/* Close the session and report \p s. */
static int fail(veuicc_scp03_ctx *ctx, uint16_t *sw, uint16_t s)
{
	veuicc_scp03_reset(ctx);
	*sw = s;
	return VEUICC_OK;
}

/* Length of the header bytes that are MACed: CLA INS P1 P2 and the Lc field. */
static size_t mac_header_len(const veuicc_capdu *a)
{
	return a->extended ? 7 : 5;
}

int veuicc_scp03_external_authenticate(veuicc_scp03_ctx *ctx, const uint8_t *capdu,
                                       size_t capdu_len, uint16_t *sw)
{
	if (!ctx || !capdu || !sw)
		return VEUICC_ERR_INVALID_ARG;
	/* Only right after INITIALIZE UPDATE; a replay in an open session ends it. */
	if (ctx->state != VEUICC_SCP03_INITIALIZED)
		return fail(ctx, sw, VEUICC_SW_COND_NOT_SATISFIED);
	veuicc_capdu a;
	veuicc_cla_info cl = {0};
	if (capdu_len >= 1 && !veuicc_cla_decode(capdu[0], &cl))
		return fail(ctx, sw, VEUICC_SW_CLA_NOT_SUPP);
	if (veuicc_capdu_parse(capdu, capdu_len, &a) != VEUICC_OK)
		return fail(ctx, sw, VEUICC_SW_WRONG_LENGTH);
	if (!cl.proprietary)
		return fail(ctx, sw, VEUICC_SW_CLA_NOT_SUPP);
	if (cl.sm != 1)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS); /* must carry a C-MAC */
	if (a.ins != INS_EXTERNAL_AUTHENTICATE)
		return fail(ctx, sw, VEUICC_SW_INS_NOT_SUPP);
	if (a.lc != 2 * VEUICC_SCP03_S8)
		return fail(ctx, sw, VEUICC_SW_WRONG_LENGTH);
	if (a.p2 != 0x00 || !veuicc_scp03_level_valid(a.p1))
		return fail(ctx, sw, VEUICC_SW_WRONG_P1P2);

	/* C-MAC over CLA' INS P1 P2 Lc ‖ host cryptogram */
	uint8_t hdr[7];
	size_t hl = mac_header_len(&a);
	memcpy(hdr, capdu, hl);
	hdr[0] = mac_cla(capdu[0]);
	return veuicc_scp03_authenticate(ctx, a.p1, hdr, hl, a.data, a.data, sw);
}

bool veuicc_scp03_level_valid(uint8_t level)
{
	bool ok = false;
	for (size_t i = 0; i < sizeof(allowed_levels); i++)
		ok |= level == allowed_levels[i];
	return ok;
}

int veuicc_scp03_authenticate(veuicc_scp03_ctx *ctx, uint8_t level, const uint8_t *hdr,
                              size_t hdr_len, const uint8_t *mac_data, const uint8_t crypto[16],
                              uint16_t *sw)
{
	if (!ctx || !hdr || !mac_data || !crypto || !sw || hdr_len > 16)
		return VEUICC_ERR_INVALID_ARG;
	if (ctx->state != VEUICC_SCP03_INITIALIZED)
		return fail(ctx, sw, VEUICC_SW_COND_NOT_SATISFIED);
	if (!veuicc_scp03_level_valid(level))
		return fail(ctx, sw, VEUICC_SW_WRONG_P1P2);
	/* Amd D §6.2.4: C-MAC with MCV = 16 × 00 over the header ‖ the data
	 * before the MAC (APDU: host cryptogram; SCP03t: level ‖ cryptogram) */
	size_t ml = (size_t)(crypto - mac_data) + VEUICC_SCP03_S8;
	uint8_t zero[MCV_LEN] = {0}, mac[AES_BLOCK];
	const uint8_t *p[3] = {zero, hdr, mac_data};
	const size_t l[3] = {MCV_LEN, hdr_len, ml};
	int rc = session_cmac(ctx, false, p, l, 3, mac);
	if (rc) {
		veuicc_scp03_reset(ctx);
		return rc;
	}
	if (!ct_equal(mac, crypto + VEUICC_SCP03_S8, VEUICC_SCP03_S8)) {
		mbedtls_platform_zeroize(mac, sizeof(mac));
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
	}
	/* Amd D §6.2.2.3: host cryptogram = KDF(S-MAC, 01, 64 bits) */
	uint8_t context[2 * VEUICC_SCP03_S8], host_crypto[VEUICC_SCP03_S8];
	memcpy(context, ctx->host_challenge, VEUICC_SCP03_S8);
	memcpy(context + VEUICC_SCP03_S8, ctx->card_challenge, VEUICC_SCP03_S8);
	rc = veuicc_scp03_kdf(ctx->s_mac, ctx->key_len, DDC_HOST_CRYPTOGRAM, context,
	                      sizeof(context), host_crypto, sizeof(host_crypto));
	if (rc) {
		veuicc_scp03_reset(ctx);
		return rc;
	}
	bool ok = ct_equal(host_crypto, crypto, VEUICC_SCP03_S8);
	mbedtls_platform_zeroize(host_crypto, sizeof(host_crypto));
	if (!ok) {
		mbedtls_platform_zeroize(mac, sizeof(mac));
		return fail(ctx, sw, SW_HOST_AUTH_FAILED);
	}
	memcpy(ctx->mcv, mac, MCV_LEN);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	ctx->level = level;
	ctx->enc_counter = 0; /* the first protected command uses 1 */
	ctx->state = VEUICC_SCP03_AUTHENTICATED;
	*sw = VEUICC_SW_OK;
	return VEUICC_OK;
}

int veuicc_scp03_unwrap_body(veuicc_scp03_ctx *ctx, const uint8_t *hdr, size_t hdr_len,
                             const uint8_t *body, size_t body_len, uint8_t *out, size_t out_cap,
                             size_t *out_len, uint16_t *sw)
{
	if (!ctx || !hdr || (!body && body_len) || !out || !out_len || !sw)
		return VEUICC_ERR_INVALID_ARG;
	*out_len = 0;
	if (ctx->state != VEUICC_SCP03_AUTHENTICATED)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
	if (body_len < VEUICC_SCP03_S8)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS); /* no room for a C-MAC */
	size_t enc_len = body_len - VEUICC_SCP03_S8;
	if (enc_len > out_cap) {
		veuicc_scp03_reset(ctx);
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	}
	/* Amd D §6.2.4: C-MAC over MCV ‖ header ‖ data before the MAC */
	uint8_t mac[AES_BLOCK];
	const uint8_t *p[3] = {ctx->mcv, hdr, body};
	const size_t l[3] = {MCV_LEN, hdr_len, enc_len};
	int rc = session_cmac(ctx, false, p, l, 3, mac);
	if (rc) {
		veuicc_scp03_reset(ctx);
		return rc;
	}
	if (!ct_equal(mac, body + enc_len, VEUICC_SCP03_S8)) {
		mbedtls_platform_zeroize(mac, sizeof(mac));
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
	}
	memcpy(ctx->mcv, mac, MCV_LEN);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	/* Amd D §6.2.6: the counter advances for every command, with or
	 * without data. */
	ctx->enc_counter++;
	size_t plain_len = enc_len;
	if (enc_len && (ctx->level & VEUICC_SCP03_C_DEC)) {
		if (enc_len % AES_BLOCK)
			return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
		uint8_t icv[AES_BLOCK];
		rc = counter_icv(ctx, false, icv);
		if (!rc)
			rc = aes_cbc(ctx, MBEDTLS_AES_DECRYPT, icv, body, out, enc_len);
		mbedtls_platform_zeroize(icv, sizeof(icv));
		if (rc) {
			mbedtls_platform_zeroize(out, enc_len);
			veuicc_scp03_reset(ctx);
			return rc;
		}
		/* Amd D §6.2.6: padding 80 00.. (1 to 16 bytes) is mandatory */
		size_t i = enc_len;
		while (i > enc_len - AES_BLOCK && out[i - 1] == 0x00)
			i--;
		if (i == enc_len - AES_BLOCK || out[i - 1] != 0x80) {
			mbedtls_platform_zeroize(out, enc_len);
			return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
		}
		plain_len = i - 1;
	} else if (enc_len) {
		memmove(out, body, enc_len);
	}
	*out_len = plain_len;
	ctx->rsp_pending = true;
	*sw = VEUICC_SW_OK;
	return VEUICC_OK;
}

int veuicc_scp03_unwrap(veuicc_scp03_ctx *ctx, const uint8_t *capdu, size_t capdu_len, uint8_t *out,
                        size_t out_cap, size_t *out_len, uint16_t *sw)
{
	if (!ctx || !capdu || !out || !out_len || !sw)
		return VEUICC_ERR_INVALID_ARG;
	*out_len = 0;
	ctx->rsp_pending = false;
	if (ctx->state != VEUICC_SCP03_AUTHENTICATED)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
	veuicc_cla_info cl = {0};
	if (capdu_len >= 1 && !veuicc_cla_decode(capdu[0], &cl))
		return fail(ctx, sw, VEUICC_SW_CLA_NOT_SUPP);
	veuicc_capdu a;
	if (veuicc_capdu_parse(capdu, capdu_len, &a) != VEUICC_OK)
		return fail(ctx, sw, VEUICC_SW_WRONG_LENGTH);
	/* GP CS §10.2 / Amd D §6.2.4: the session level requires a C-MAC on
	 * every command; a command without SM closes the session. */
	if (cl.sm == 0)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS);
	if (cl.sm != 1)
		return fail(ctx, sw, VEUICC_SW_SM_NOT_SUPP); /* ISO 7816-4 SM format */
	if (a.lc < VEUICC_SCP03_S8)
		return fail(ctx, sw, VEUICC_SW_SECURITY_STATUS); /* no room for a C-MAC */

	bool ext = a.extended;
	size_t lc_len = ext ? 3 : 1;
	size_t le_len = 0;
	if (a.apdu_case == VEUICC_CASE_4)
		le_len = ext ? 2 : 1;
	size_t enc_len = a.lc - VEUICC_SCP03_S8;
	/* Upper bound of the output; the exact size is known after decryption. */
	size_t need = 4 + (enc_len ? lc_len + enc_len : 0) + le_len + (ext && le_len ? 1 : 0);
	if (need > out_cap) {
		veuicc_scp03_reset(ctx);
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	}
	/* MACed header: CLA' INS P1 P2 and the Lc field as received */
	uint8_t hdr[7];
	size_t hl = mac_header_len(&a);
	memcpy(hdr, capdu, hl);
	hdr[0] = mac_cla(capdu[0]);
	size_t plain_len = 0;
	int rc = veuicc_scp03_unwrap_body(ctx, hdr, hl, a.data, a.lc, out + 4 + lc_len,
	                                  out_cap - 4 - lc_len, &plain_len, sw);
	if (rc || *sw != VEUICC_SW_OK)
		return rc;

	/* Rebuild the plain C-APDU: CLA without the SM bit. */
	out[0] = (uint8_t)(capdu[0] & ~sm_bit(capdu[0]));
	out[1] = a.ins;
	out[2] = a.p1;
	out[3] = a.p2;
	size_t n = 4;
	if (plain_len) {
		if (ext) {
			out[n++] = 0x00;
			out[n++] = (uint8_t)(plain_len >> 8);
			out[n++] = (uint8_t)plain_len;
		} else {
			out[n++] = (uint8_t)plain_len;
		}
		n += plain_len; /* data already in place at out + 4 + lc_len */
	}
	if (le_len) {
		if (ext && !plain_len)
			out[n++] = 0x00;
		memcpy(out + n, capdu + capdu_len - le_len, le_len);
		n += le_len;
	}
	*out_len = n;
	return VEUICC_OK;
}

int veuicc_scp03_rsp_encrypt(veuicc_scp03_ctx *ctx, const uint8_t *data, size_t len, uint8_t *out,
                             size_t out_cap, size_t *out_len)
{
	if (!ctx || (!data && len) || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	*out_len = 0;
	if (!len)
		return VEUICC_OK;
	/* Amd D §6.2.7: pad 80 00.., ICV = E(S-ENC, 80 ‖ counter) */
	size_t elen = len + AES_BLOCK - len % AES_BLOCK;
	if (elen > out_cap)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	memmove(out, data, len);
	out[len] = 0x80;
	memset(out + len + 1, 0, elen - len - 1);
	uint8_t icv[AES_BLOCK];
	int rc = counter_icv(ctx, true, icv);
	if (!rc)
		rc = aes_cbc(ctx, MBEDTLS_AES_ENCRYPT, icv, out, out, elen);
	mbedtls_platform_zeroize(icv, sizeof(icv));
	if (rc) {
		mbedtls_platform_zeroize(out, elen);
		return rc;
	}
	*out_len = elen;
	return VEUICC_OK;
}

int veuicc_scp03_rsp_mac(veuicc_scp03_ctx *ctx, const uint8_t *a, size_t a_len, const uint8_t *b,
                         size_t b_len, uint8_t mac[8])
{
	if (!ctx || (!a && a_len) || (!b && b_len) || !mac)
		return VEUICC_ERR_INVALID_ARG;
	/* Amd D §6.2.8: CMAC(S-RMAC, MCV ‖ ...); the MCV is not updated */
	uint8_t full[AES_BLOCK];
	const uint8_t *p[3] = {ctx->mcv, a, b};
	const size_t l[3] = {MCV_LEN, a_len, b_len};
	int rc = session_cmac(ctx, true, p, l, 3, full);
	if (!rc)
		memcpy(mac, full, VEUICC_SCP03_S8);
	mbedtls_platform_zeroize(full, sizeof(full));
	return rc;
}

int veuicc_scp03_wrap(veuicc_scp03_ctx *ctx, const uint8_t *rapdu, size_t rapdu_len, uint8_t *out,
                      size_t out_cap, size_t *out_len)
{
	if (!ctx || !rapdu || rapdu_len < 2 || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	*out_len = 0;
	bool protect = ctx->rsp_pending && ctx->state == VEUICC_SCP03_AUTHENTICATED &&
	               (ctx->level & VEUICC_SCP03_R_MAC);
	ctx->rsp_pending = false;
	size_t dlen = rapdu_len - 2;
	const uint8_t *swb = rapdu + dlen;
	unsigned sw = ((unsigned)swb[0] << 8) | swb[1];
	if (!protect) {
		if (rapdu_len > out_cap)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		memcpy(out, rapdu, rapdu_len);
		*out_len = rapdu_len;
		return VEUICC_OK;
	}
	/* Amd D §6.2.7: no R-MAC / R-ENC on an error status word. */
	if (!veuicc_sw_allows_data(sw)) {
		out[0] = swb[0];
		out[1] = swb[1];
		*out_len = 2;
		return VEUICC_OK;
	}
	size_t elen = dlen;
	bool enc = dlen && (ctx->level & VEUICC_SCP03_R_ENC);
	if (enc)
		elen = dlen + AES_BLOCK - dlen % AES_BLOCK;
	if (elen + VEUICC_SCP03_S8 + 2 > out_cap)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	int rc = VEUICC_OK;
	if (enc)
		rc = veuicc_scp03_rsp_encrypt(ctx, rapdu, dlen, out, out_cap, &elen);
	else if (dlen)
		memcpy(out, rapdu, dlen);
	/* Amd D §6.2.8: R-MAC over MCV ‖ data' ‖ SW */
	if (!rc)
		rc = veuicc_scp03_rsp_mac(ctx, out, elen, swb, 2, out + elen);
	if (rc) {
		mbedtls_platform_zeroize(out, elen);
		return rc;
	}
	out[elen + VEUICC_SCP03_S8] = swb[0];
	out[elen + VEUICC_SCP03_S8 + 1] = swb[1];
	*out_len = elen + VEUICC_SCP03_S8 + 2;
	return VEUICC_OK;
}
