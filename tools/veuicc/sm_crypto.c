/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm_crypto.c
 * \brief The SM-DP's cryptography for `veuicc sm`, on mbedtls only (no code
 *        of the card's src/), so that the simulator and the card cannot agree
 *        on the same bug. See sm_crypto.h.
 */
#include "sm_crypto.h"
#include "tlv/tlv.h"
#include "core/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#define CERT_MAX 1024

struct veuicc_sm_dp {
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	uint8_t cert[CERT_MAX];
	size_t cert_len;
};

/* A 7F21 certificate file: binary, or hex text (whitespace allowed). */
static int load_cert(const char *path, uint8_t *out, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t buf[4 * CERT_MAX];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n >= 2 && buf[0] == 0x7F && buf[1] == 0x21) {
		if (n > cap)
			return -1;
		memcpy(out, buf, n);
		*len = n;
		return 0;
	}
	size_t k = 0;
	int hi = -1;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			continue;
		int v = veuicc_hex_digit(buf[i]);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (k == cap)
			return -1;
		out[k++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0 || k < 2 || out[0] != 0x7F || out[1] != 0x21)
		return -1;
	*len = k;
	return 0;
}

int veuicc_sm_dp_load(veuicc_sm_dp **out, const char *key_pem, const char *cert_file, char *why,
                      size_t why_cap)
{
	veuicc_sm_dp *dp = calloc(1, sizeof(*dp));
	*out = NULL;
	if (!dp) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	mbedtls_pk_init(&dp->pk);
	mbedtls_entropy_init(&dp->entropy);
	mbedtls_ctr_drbg_init(&dp->drbg);
	static const char pers[] = "veuicc-sm-dp";
	if (mbedtls_ctr_drbg_seed(&dp->drbg, mbedtls_entropy_func, &dp->entropy,
	                          (const unsigned char *)pers, sizeof(pers) - 1)) {
		snprintf(why, why_cap, "cannot seed the random generator");
		goto fail;
	}
	if (mbedtls_pk_parse_keyfile(&dp->pk, key_pem, NULL) ||
	    mbedtls_pk_get_type(&dp->pk) != MBEDTLS_PK_ECKEY) {
		snprintf(why, why_cap, "%s: not a PEM EC private key", key_pem);
		goto fail;
	}
	if (veuicc_sm_dp_curve(dp) < 0) {
		snprintf(why, why_cap, "%s: neither P-256 nor brainpoolP256r1", key_pem);
		goto fail;
	}
	if (load_cert(cert_file, dp->cert, sizeof(dp->cert), &dp->cert_len)) {
		snprintf(why, why_cap, "%s: not a 7F21 certificate (binary or hex)", cert_file);
		goto fail;
	}
	*out = dp;
	return 0;
fail:
	veuicc_sm_dp_free(dp);
	return -1;
}

void veuicc_sm_dp_free(veuicc_sm_dp *dp)
{
	if (!dp)
		return;
	mbedtls_pk_free(&dp->pk);
	mbedtls_ctr_drbg_free(&dp->drbg);
	mbedtls_entropy_free(&dp->entropy);
	mbedtls_platform_zeroize(dp, sizeof(*dp));
	free(dp);
}

const uint8_t *veuicc_sm_dp_cert(const veuicc_sm_dp *dp, size_t *len)
{
	*len = dp->cert_len;
	return dp->cert;
}

int veuicc_sm_dp_curve(const veuicc_sm_dp *dp)
{
	switch (mbedtls_pk_ec(dp->pk)->grp.id) {
	case MBEDTLS_ECP_DP_SECP256R1: return VEUICC_SM_CURVE_P256;
	case MBEDTLS_ECP_DP_BP256R1: return VEUICC_SM_CURVE_BP256;
	default: return -1;
	}
}

int veuicc_sm_dp_random(veuicc_sm_dp *dp, uint8_t *out, size_t n)
{
	return mbedtls_ctr_drbg_random(&dp->drbg, out, n) ? -1 : 0;
}

int veuicc_sm_dp_ecka(veuicc_sm_dp *dp, const uint8_t peer[65], uint8_t epk[65], uint8_t shs[32])
{
	const mbedtls_ecp_group *g = &mbedtls_pk_ec(dp->pk)->grp;
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q, qe;
	mbedtls_mpi d, z;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_ecp_point_init(&qe);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&z);
	size_t olen = 0;
	int rc = -1;
	/* BSI TR-03111 §4.3.1: ShS = x(eSK.DP.ECKA · PK.ECASD.ECKA) */
	if (mbedtls_ecp_group_load(&grp, g->id) ||
	    mbedtls_ecp_point_read_binary(&grp, &q, peer, 65) ||
	    mbedtls_ecp_check_pubkey(&grp, &q) ||
	    mbedtls_ecdh_gen_public(&grp, &d, &qe, mbedtls_ctr_drbg_random, &dp->drbg) ||
	    mbedtls_ecp_point_write_binary(&grp, &qe, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, epk,
	                                   65) ||
	    olen != 65 ||
	    mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, mbedtls_ctr_drbg_random, &dp->drbg) ||
	    mbedtls_mpi_write_binary(&z, shs, 32))
		goto out;
	rc = 0;
out:
	mbedtls_mpi_free(&d); /* mbedtls_mpi_free zeroises the limbs */
	mbedtls_mpi_free(&z);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_point_free(&qe);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int veuicc_sm_dp_sign(veuicc_sm_dp *dp, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	uint8_t h[32];
	mbedtls_mpi r, s;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(dp->pk);
	int rc = mbedtls_sha256_ret(msg, len, h, 0) ||
	                 mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, h, sizeof(h),
	                                    mbedtls_ctr_drbg_random, &dp->drbg) ||
	                 mbedtls_mpi_write_binary(&r, sig, 32) ||
	                 mbedtls_mpi_write_binary(&s, sig + 32, 32)
	             ? -1
	             : 0;
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return rc;
}

int veuicc_sm_x963(const uint8_t *z, size_t zlen, const uint8_t *info, size_t info_len,
                   uint8_t *out, size_t out_len)
{
	mbedtls_sha256_context c;
	uint8_t block[32];
	int rc = 0;
	for (uint32_t i = 1; out_len > 0 && rc == 0; i++) {
		const uint8_t ctr[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		                        (uint8_t)i};
		mbedtls_sha256_init(&c);
		rc = mbedtls_sha256_starts_ret(&c, 0) || mbedtls_sha256_update_ret(&c, z, zlen) ||
		     mbedtls_sha256_update_ret(&c, ctr, 4) ||
		     mbedtls_sha256_update_ret(&c, info, info_len) ||
		     mbedtls_sha256_finish_ret(&c, block);
		mbedtls_sha256_free(&c);
		size_t n = out_len < 32 ? out_len : 32;
		memcpy(out, block, n);
		out += n;
		out_len -= n;
	}
	mbedtls_platform_zeroize(block, sizeof(block));
	return rc ? -1 : 0;
}

int veuicc_sm_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16])
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	return ci && mbedtls_cipher_cmac(ci, key, 128, msg, len, mac) == 0 ? 0 : -1;
}

/* GP Amd D §6.2.1: SP 800-108 counter mode, PRF AES-CMAC,
 * 11 × 00 ‖ constant ‖ 00 ‖ L (bits, 2 bytes) ‖ i ‖ context. */
static int kdf(const uint8_t key[16], uint8_t constant, const uint8_t *ctx, size_t ctx_len,
               uint8_t *out, size_t out_len)
{
	uint8_t in[16 + 64], m[16];
	if (ctx_len > 64)
		return -1;
	size_t bits = out_len * 8;
	for (uint8_t i = 1; out_len > 0; i++) {
		memset(in, 0, 11);
		in[11] = constant;
		in[12] = 0x00;
		in[13] = (uint8_t)(bits >> 8);
		in[14] = (uint8_t)bits;
		in[15] = i;
		memcpy(in + 16, ctx, ctx_len);
		if (veuicc_sm_cmac(key, in, 16 + ctx_len, m))
			return -1;
		size_t n = out_len < 16 ? out_len : 16;
		memcpy(out, m, n);
		out += n;
		out_len -= n;
	}
	mbedtls_platform_zeroize(m, sizeof(m));
	return 0;
}

static int aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	mbedtls_aes_context a;
	mbedtls_aes_init(&a);
	int rc = mbedtls_aes_setkey_enc(&a, key, 128) ||
	         mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, in, out);
	mbedtls_aes_free(&a);
	return rc ? -1 : 0;
}

static int aes_cbc(const uint8_t key[16], int encrypt, const uint8_t iv_in[16], const uint8_t *in,
                   size_t len, uint8_t *out)
{
	mbedtls_aes_context a;
	uint8_t iv[16];
	memcpy(iv, iv_in, 16);
	mbedtls_aes_init(&a);
	int rc =
	    encrypt ? mbedtls_aes_setkey_enc(&a, key, 128) : mbedtls_aes_setkey_dec(&a, key, 128);
	rc = rc || mbedtls_aes_crypt_cbc(&a, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT,
	                                 len, iv, in, out);
	mbedtls_aes_free(&a);
	return rc ? -1 : 0;
}

static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int veuicc_sm_scp03t_open(veuicc_sm_scp03t *s, const uint8_t *rsp, size_t rsp_len,
                          const uint8_t *aid, size_t aid_len, uint8_t *out, size_t *out_len)
{
	/* KDD(10) KVN(1) 03 i card challenge(8) card cryptogram(8) counter(3) */
	if (rsp_len != 32 || rsp[11] != 0x03 || aid_len > 16)
		return -1;
	const uint8_t *cc = rsp + 13, *ccrypt = rsp + 21, *seq = rsp + 29;
	uint8_t ctx[16], want[8], pctx[3 + 16];
	memcpy(s->card_challenge, cc, 8);
	memcpy(ctx, s->host_challenge, 8);
	memcpy(ctx + 8, cc, 8);
	/* GP Amd D §6.2.2.1: pseudo-random card challenge over counter ‖ AID */
	memcpy(pctx, seq, 3);
	memcpy(pctx + 3, aid, aid_len);
	if (kdf(s->enc, 0x02, pctx, 3 + aid_len, want, 8))
		return -1;
	if (!ct_equal(want, cc, 8))
		return -2;
	/* §6.2.1: session keys; §6.2.2.2/3: cryptograms */
	if (kdf(s->enc, 0x04, ctx, 16, s->s_enc, 16) || kdf(s->mac, 0x06, ctx, 16, s->s_mac, 16) ||
	    kdf(s->mac, 0x07, ctx, 16, s->s_rmac, 16) || kdf(s->s_mac, 0x00, ctx, 16, want, 8))
		return -1;
	if (!ct_equal(want, ccrypt, 8))
		return -2;
	/* 85 { level 33 ‖ host cryptogram ‖ C-MAC }; MCV 0 (§6.2.4) */
	uint8_t m[16 + 2 + 9];
	memset(m, 0, 16);
	m[16] = 0x85;
	m[17] = 0x11;
	m[18] = 0x33;
	if (kdf(s->s_mac, 0x01, ctx, 16, m + 19, 8))
		return -1;
	uint8_t mac[16];
	if (veuicc_sm_cmac(s->s_mac, m, sizeof(m), mac))
		return -1;
	memcpy(s->mcv, mac, 16);
	memcpy(out, m + 16, 11);
	memcpy(out + 11, mac, 8);
	*out_len = 19;
	s->counter = 0;
	return 0;
}

int veuicc_sm_scp03t_segment(veuicc_sm_scp03t *s, const uint8_t *plain, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
	size_t padded = (len / 16 + 1) * 16;
	if (padded + 8 > 0xFFFF || cap < 4 + padded + 8)
		return -1;
	uint8_t ctr[16] = {0}, icv[16];
	s->counter++;
	ctr[12] = (uint8_t)(s->counter >> 24);
	ctr[13] = (uint8_t)(s->counter >> 16);
	ctr[14] = (uint8_t)(s->counter >> 8);
	ctr[15] = (uint8_t)s->counter;
	size_t h = 1;
	out[0] = 0x86;
	h += veuicc_tlv_put_len(out + 1, padded + 8);
	uint8_t *body = out + h;
	memcpy(body, plain, len);
	body[len] = 0x80; /* GP Amd D §6.2.6: mandatory padding */
	memset(body + len + 1, 0, padded - len - 1);
	/* ICV = E(S-ENC, counter) (§6.2.6) */
	if (aes_ecb(s->s_enc, ctr, icv) || aes_cbc(s->s_enc, 1, icv, body, padded, body))
		return -1;
	/* C-MAC over MCV ‖ tag ‖ length ‖ data (SGP.02 §4.1.3.3) */
	uint8_t *m = malloc(16 + h + padded);
	if (!m)
		return -1;
	memcpy(m, s->mcv, 16);
	memcpy(m + 16, out, h + padded);
	int rc = veuicc_sm_cmac(s->s_mac, m, 16 + h + padded, s->mcv);
	free(m);
	if (rc)
		return -1;
	memcpy(body + padded, s->mcv, 8);
	*out_len = h + padded + 8;
	return 0;
}

int veuicc_sm_scp03t_response(veuicc_sm_scp03t *s, const uint8_t *hdr, size_t hdr_len,
                              const uint8_t *v, size_t vlen, uint8_t *plain, size_t cap,
                              size_t *plain_len)
{
	if (vlen < 8 || (vlen - 8) % 16 || vlen - 8 > cap || hdr_len > 4)
		return -1;
	size_t dn = vlen - 8;
	uint8_t *m = malloc(16 + hdr_len + dn), mac[16];
	if (!m)
		return -1;
	memcpy(m, s->mcv, 16);
	memcpy(m + 16, hdr, hdr_len);
	memcpy(m + 16 + hdr_len, v, dn);
	int rc = veuicc_sm_cmac(s->s_rmac, m, 16 + hdr_len + dn, mac);
	free(m);
	if (rc)
		return -1;
	if (!ct_equal(mac, v + dn, 8))
		return -2;
	*plain_len = 0;
	if (dn == 0)
		return 0;
	/* R-ENC ICV = E(S-ENC, 80 ‖ counter on 15 bytes) (GP Amd D §6.2.7) */
	uint8_t ctr[16] = {0x80}, icv[16];
	ctr[12] = (uint8_t)(s->counter >> 24);
	ctr[13] = (uint8_t)(s->counter >> 16);
	ctr[14] = (uint8_t)(s->counter >> 8);
	ctr[15] = (uint8_t)s->counter;
	if (aes_ecb(s->s_enc, ctr, icv) || aes_cbc(s->s_enc, 0, icv, v, dn, plain))
		return -1;
	size_t n = dn;
	while (n > 0 && plain[n - 1] == 0x00)
		n--;
	if (n == 0 || plain[n - 1] != 0x80)
		return -1;
	*plain_len = n - 1;
	return 0;
}

void veuicc_sm_scp03t_wipe(veuicc_sm_scp03t *s)
{
	mbedtls_platform_zeroize(s, sizeof(*s));
}
