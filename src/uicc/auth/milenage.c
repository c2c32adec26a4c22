/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MILENAGE (3GPP TS 35.206 §4.1). Notation as in the specification: bit 0
 * is the most significant bit of byte 0, rot(x, r) rotates x by r bits
 * towards the most significant bit.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "uicc/auth/milenage.h"

/* TS 35.206 §4.1: r1..r5 = 64, 0, 32, 64, 96 bits; c1 = 0, c2 = 1, c3 = 2,
 * c4 = 4, c5 = 8 as 128-bit integers. */
static const veuicc_milenage_cfg default_cfg = {
    .r = {64, 0, 32, 64, 96},
    .c = {{0}, {[15] = 1}, {[15] = 2}, {[15] = 4}, {[15] = 8}},
};

void veuicc_milenage_cfg_default(veuicc_milenage_cfg *cfg)
{
	*cfg = default_cfg;
}

int veuicc_milenage_cfg_from_saip(veuicc_milenage_cfg *cfg, const uint8_t rot[5],
                                  const uint8_t xor80[80])
{
	if (!cfg || !rot || !xor80)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < 5; i++)
		if (rot[i] > 127)
			return VEUICC_ERR_INVALID_ARG;
	memcpy(cfg->r, rot, 5);
	for (size_t i = 0; i < 5; i++)
		memcpy(cfg->c[i], xor80 + 16 * i, 16);
	return VEUICC_OK;
}

/* out = x rotated by r bits towards the most significant bit (TS 35.206 §4.1). */
static void rot128(uint8_t out[16], const uint8_t x[16], unsigned r)
{
	unsigned q = (r / 8) % 16, s = r % 8;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t hi = x[(i + q) % 16];
		uint8_t lo = x[(i + q + 1) % 16];
		out[i] = s ? (uint8_t)((hi << s) | (lo >> (8 - s))) : hi;
	}
}

static void xor16(uint8_t *out, const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < 16; i++)
		out[i] = a[i] ^ b[i];
}

static int aes_block(mbedtls_aes_context *aes, const uint8_t in[16], uint8_t out[16])
{
	return mbedtls_aes_crypt_ecb(aes, MBEDTLS_AES_ENCRYPT, in, out) ? VEUICC_ERR_CRYPTO
	                                                                : VEUICC_OK;
}

int veuicc_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	if (!k || !op || !opc)
		return VEUICC_ERR_INVALID_ARG;
	mbedtls_aes_context aes;
	uint8_t e[16];
	mbedtls_aes_init(&aes);
	int rc = mbedtls_aes_setkey_enc(&aes, k, 128) ? VEUICC_ERR_CRYPTO : VEUICC_OK;
	if (rc == VEUICC_OK)
		rc = aes_block(&aes, op, e);
	if (rc == VEUICC_OK)
		xor16(opc, e, op);
	mbedtls_aes_free(&aes);
	mbedtls_platform_zeroize(e, sizeof(e));
	return rc;
}

int veuicc_milenage_start(veuicc_milenage_ctx *ctx, const veuicc_milenage_cfg *cfg,
                          const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16])
{
	if (!ctx || !k || !opc || !rand)
		return VEUICC_ERR_INVALID_ARG;
	memset(ctx, 0, sizeof(*ctx));
	mbedtls_aes_init(&ctx->aes);
	ctx->cfg = cfg ? cfg : &default_cfg;
	memcpy(ctx->opc, opc, 16);
	uint8_t in[16];
	xor16(in, rand, opc);
	int rc = mbedtls_aes_setkey_enc(&ctx->aes, k, 128) ? VEUICC_ERR_CRYPTO : VEUICC_OK;
	if (rc == VEUICC_OK)
		rc = aes_block(&ctx->aes, in, ctx->temp);
	mbedtls_platform_zeroize(in, sizeof(in));
	if (rc != VEUICC_OK)
		veuicc_milenage_end(ctx);
	return rc;
}

int veuicc_milenage_f1(veuicc_milenage_ctx *ctx, const uint8_t sqn[6], const uint8_t amf[2],
                       uint8_t mac_a[8], uint8_t mac_s[8])
{
	if (!ctx || !ctx->cfg || !sqn || !amf)
		return VEUICC_ERR_INVALID_ARG;
	const veuicc_milenage_cfg *cfg = ctx->cfg;
	uint8_t in1[16], t[16], out[16];
	/* IN1 = SQN || AMF || SQN || AMF */
	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, in1, 8);
	xor16(t, in1, ctx->opc);
	rot128(in1, t, cfg->r[0]);
	xor16(t, in1, ctx->temp);
	xor16(t, t, cfg->c[0]);
	int rc = aes_block(&ctx->aes, t, out);
	if (rc == VEUICC_OK) {
		xor16(out, out, ctx->opc);
		if (mac_a)
			memcpy(mac_a, out, 8);
		if (mac_s)
			memcpy(mac_s, out + 8, 8);
	}
	mbedtls_platform_zeroize(in1, sizeof(in1));
	mbedtls_platform_zeroize(t, sizeof(t));
	mbedtls_platform_zeroize(out, sizeof(out));
	return rc;
}

/* OUTk = E_K(rot(TEMP xor OPc, rk) xor ck) xor OPc, k = 2..5 (index 1..4). */
static int out_k(veuicc_milenage_ctx *ctx, const veuicc_milenage_cfg *cfg, unsigned idx,
                 uint8_t out[16])
{
	uint8_t t[16], u[16];
	xor16(t, ctx->temp, ctx->opc);
	rot128(u, t, cfg->r[idx]);
	xor16(u, u, cfg->c[idx]);
	int rc = aes_block(&ctx->aes, u, out);
	if (rc == VEUICC_OK)
		xor16(out, out, ctx->opc);
	mbedtls_platform_zeroize(t, sizeof(t));
	mbedtls_platform_zeroize(u, sizeof(u));
	return rc;
}

int veuicc_milenage_f2345(veuicc_milenage_ctx *ctx, uint8_t res[8], uint8_t ck[16], uint8_t ik[16],
                          uint8_t ak[6], uint8_t ak_star[6])
{
	if (!ctx || !ctx->cfg)
		return VEUICC_ERR_INVALID_ARG;
	const veuicc_milenage_cfg *cfg = ctx->cfg;
	uint8_t out[16];
	int rc = VEUICC_OK;
	if (res || ak) {
		rc = out_k(ctx, cfg, 1, out);
		if (rc == VEUICC_OK && res)
			memcpy(res, out + 8, 8);
		if (rc == VEUICC_OK && ak)
			memcpy(ak, out, 6);
	}
	if (rc == VEUICC_OK && ck)
		rc = out_k(ctx, cfg, 2, ck);
	if (rc == VEUICC_OK && ik)
		rc = out_k(ctx, cfg, 3, ik);
	if (rc == VEUICC_OK && ak_star) {
		rc = out_k(ctx, cfg, 4, out);
		if (rc == VEUICC_OK)
			memcpy(ak_star, out, 6);
	}
	mbedtls_platform_zeroize(out, sizeof(out));
	return rc;
}

void veuicc_milenage_end(veuicc_milenage_ctx *ctx)
{
	if (!ctx)
		return;
	mbedtls_aes_free(&ctx->aes);
	mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}
