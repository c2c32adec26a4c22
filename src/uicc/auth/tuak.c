/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TUAK (3GPP TS 35.231). Every function absorbs one 1600-bit string IN
 * into Keccak-f[1600] and reads its result from the same state:
 *   IN[255..0]    TOP or TOPc         IN[263..256]  INSTANCE
 *   IN[319..264]  ALGONAME "TUAK1.0"  IN[447..320]  RAND
 *   IN[463..448]  AMF                 IN[511..464]  SQN
 *   IN[767..512]  KEY (K, zero-extended to 256 bits)
 *   IN[772..768]  11111               IN[1087]      1      (others 0)
 * Bit i of IN is bit (i mod 8) of byte i/8 of the Keccak state (lanes are
 * little-endian), so each field is stored with its bytes in reverse order,
 * and outputs are read back reversed.
 */
#include <string.h>

#include <mbedtls/platform_util.h>
#include <nettle/sha3.h>

#include "uicc/auth/tuak.h"

/* TS 35.231: ALGONAME. */
static const char algoname[7] = {'T', 'U', 'A', 'K', '1', '.', '0'};

/* INSTANCE bits of the TS 35.231 functions. */
enum {
	INST_F1STAR = 0x80, /* b7: f1* rather than f1 */
	INST_F2345 = 0x40,  /* b6: f2..f5 */
	INST_F5STAR = 0xC0, /* f5* */
	INST_K256 = 0x01,   /* b0: K is 256 bits */
	INST_CK256 = 0x04,  /* CK is 256 bits */
	INST_IK256 = 0x02,  /* IK is 256 bits */
};

void veuicc_tuak_cfg_default(veuicc_tuak_cfg *cfg, uint8_t k_len)
{
	cfg->k_len = k_len;
	cfg->mac_len = 8;
	cfg->res_len = 8;
	cfg->ck_len = 16;
	cfg->ik_len = 16;
	cfg->iterations = 1;
}

int veuicc_tuak_cfg_check(const veuicc_tuak_cfg *cfg)
{
	if (!cfg || (cfg->k_len != 16 && cfg->k_len != 32) || cfg->iterations == 0)
		return VEUICC_ERR_INVALID_ARG;
	if (cfg->mac_len != 8 && cfg->mac_len != 16 && cfg->mac_len != 32)
		return VEUICC_ERR_INVALID_ARG;
	if (cfg->res_len != 4 && cfg->res_len != 8 && cfg->res_len != 16 && cfg->res_len != 32)
		return VEUICC_ERR_INVALID_ARG;
	if ((cfg->ck_len != 16 && cfg->ck_len != 32) || (cfg->ik_len != 16 && cfg->ik_len != 32))
		return VEUICC_ERR_INVALID_ARG;
	return VEUICC_OK;
}

/* INSTANCE length bits of a MAC or RES of \p len bytes (4 -> 0, 8 -> 0x08, ...). */
static uint8_t len_bits(uint8_t len)
{
	return len == 4 ? 0 : len;
}

static void put_reversed(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

/*
 * Build IN from its fields, run cfg->iterations permutations and leave the
 * resulting 200-byte state in \p out. NULL \p rand / \p amf / \p sqn are zero.
 */
static void tuak_core(const veuicc_tuak_cfg *cfg, uint8_t instance, const uint8_t top[32],
                      const uint8_t *rand, const uint8_t *amf, const uint8_t *sqn, const uint8_t *k,
                      uint8_t out[200])
{
	uint8_t *in = out;
	memset(in, 0, 200);
	put_reversed(in, top, 32);
	in[32] = instance;
	put_reversed(in + 33, (const uint8_t *)algoname, sizeof(algoname));
	if (rand)
		put_reversed(in + 40, rand, 16);
	if (amf)
		put_reversed(in + 56, amf, 2);
	if (sqn)
		put_reversed(in + 58, sqn, 6);
	put_reversed(in + 64, k, cfg->k_len);
	in[96] = 0x1F;  /* IN[772..768] */
	in[135] = 0x80; /* IN[1087] */

	struct sha3_state st;
	for (unsigned i = 0; i < SHA3_STATE_LENGTH; i++) {
		uint64_t lane = 0;
		for (unsigned b = 0; b < 8; b++)
			lane |= (uint64_t)in[8 * i + b] << (8 * b);
		st.a[i] = lane;
	}
	for (unsigned n = 0; n < cfg->iterations; n++)
		sha3_permute(&st);
	for (unsigned i = 0; i < SHA3_STATE_LENGTH; i++)
		for (unsigned b = 0; b < 8; b++)
			out[8 * i + b] = (uint8_t)(st.a[i] >> (8 * b));
	mbedtls_platform_zeroize(&st, sizeof(st));
}

static uint8_t k_bit(const veuicc_tuak_cfg *cfg)
{
	return cfg->k_len == 32 ? INST_K256 : 0;
}

int veuicc_tuak_topc(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t top[32],
                     uint8_t topc[32])
{
	if (veuicc_tuak_cfg_check(cfg) || !k || !top || !topc)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t s[200];
	tuak_core(cfg, k_bit(cfg), top, NULL, NULL, NULL, k, s);
	put_reversed(topc, s, 32);
	mbedtls_platform_zeroize(s, sizeof(s));
	return VEUICC_OK;
}

static int f1_common(const veuicc_tuak_cfg *cfg, uint8_t instance, const uint8_t *k,
                     const uint8_t topc[32], const uint8_t rand[16], const uint8_t sqn[6],
                     const uint8_t amf[2], uint8_t *mac)
{
	if (veuicc_tuak_cfg_check(cfg) || !k || !topc || !rand || !sqn || !amf || !mac)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t s[200];
	instance |= (uint8_t)(len_bits(cfg->mac_len) | k_bit(cfg));
	tuak_core(cfg, instance, topc, rand, amf, sqn, k, s);
	put_reversed(mac, s, cfg->mac_len);
	mbedtls_platform_zeroize(s, sizeof(s));
	return VEUICC_OK;
}

int veuicc_tuak_f1(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                   const uint8_t rand[16], const uint8_t sqn[6], const uint8_t amf[2],
                   uint8_t *mac_a)
{
	return f1_common(cfg, 0, k, topc, rand, sqn, amf, mac_a);
}

int veuicc_tuak_f1star(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                       const uint8_t rand[16], const uint8_t sqn[6], const uint8_t amf[2],
                       uint8_t *mac_s)
{
	return f1_common(cfg, INST_F1STAR, k, topc, rand, sqn, amf, mac_s);
}

int veuicc_tuak_f2345(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                      const uint8_t rand[16], uint8_t *res, uint8_t *ck, uint8_t *ik, uint8_t ak[6])
{
	if (veuicc_tuak_cfg_check(cfg) || !k || !topc || !rand)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t instance = INST_F2345 | len_bits(cfg->res_len) | k_bit(cfg);
	if (cfg->ck_len == 32)
		instance |= INST_CK256;
	if (cfg->ik_len == 32)
		instance |= INST_IK256;
	uint8_t s[200];
	tuak_core(cfg, instance, topc, rand, NULL, NULL, k, s);
	if (res)
		put_reversed(res, s, cfg->res_len);
	if (ck)
		put_reversed(ck, s + 32, cfg->ck_len);
	if (ik)
		put_reversed(ik, s + 64, cfg->ik_len);
	if (ak)
		put_reversed(ak, s + 96, 6);
	mbedtls_platform_zeroize(s, sizeof(s));
	return VEUICC_OK;
}

int veuicc_tuak_f5star(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                       const uint8_t rand[16], uint8_t ak_star[6])
{
	if (veuicc_tuak_cfg_check(cfg) || !k || !topc || !rand || !ak_star)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t s[200];
	tuak_core(cfg, INST_F5STAR | k_bit(cfg), topc, rand, NULL, NULL, k, s);
	put_reversed(ak_star, s + 96, 6);
	mbedtls_platform_zeroize(s, sizeof(s));
	return VEUICC_OK;
}
