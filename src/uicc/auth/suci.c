/* SPDX-License-Identifier: Apache-2.0 */
/* SUCI calculation: 3GPP TS 33.501 §6.12.2 and Annex C; GET IDENTITY TS 31.102 §7.5. */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "uicc/auth/suci.h"

#define ECC_LEN     32 /* X25519 and P-256 scalars, coordinates and Z */
#define ENC_KEY_LEN 16 /* TS 33.501 §C.3.4.1: AES-128 */
#define ICB_LEN     16
#define MAC_KEY_LEN 32 /* HMAC-SHA-256 key */
#define KDF_LEN     (ENC_KEY_LEN + ICB_LEN + MAC_KEY_LEN)
/* Tries of P-256 scalar rejection sampling before giving up. */
#define P256_DRAWS 16

/* SEC1 §2.3.3 point encodings. */
enum { SEC1_EVEN = 0x02, SEC1_ODD = 0x03, SEC1_FULL = 0x04 };

int veuicc_suci_msin_encode(const char *msin, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!msin || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	size_t n = strlen(msin);
	if (n < 5 || n > 10)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		if (msin[i] < '0' || msin[i] > '9')
			return VEUICC_ERR_INVALID_ARG;
	size_t len = (n + 1) / 2;
	if (cap < len)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < len; i++) {
		uint8_t lo = (uint8_t)(msin[2 * i] - '0');
		uint8_t hi = 2 * i + 1 < n ? (uint8_t)(msin[2 * i + 1] - '0') : 0x0F;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = len;
	return VEUICC_OK;
}

/* ANSI X9.63 KDF with SHA-256 (TS 33.501 §C.3.4.1): KDF_LEN bytes. */
static int x963_kdf(const uint8_t z[ECC_LEN], const uint8_t *info, size_t info_len,
                    uint8_t out[KDF_LEN])
{
	mbedtls_sha256_context h;
	uint8_t block[32];
	int rc = VEUICC_OK;
	mbedtls_sha256_init(&h);
	for (uint32_t counter = 1; rc == VEUICC_OK && (counter - 1) * 32 < KDF_LEN; counter++) {
		const uint8_t ctr[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
		                        (uint8_t)(counter >> 8), (uint8_t)counter};
		if (mbedtls_sha256_starts_ret(&h, 0) || mbedtls_sha256_update_ret(&h, z, ECC_LEN) ||
		    mbedtls_sha256_update_ret(&h, ctr, 4) ||
		    mbedtls_sha256_update_ret(&h, info, info_len) ||
		    mbedtls_sha256_finish_ret(&h, block)) {
			rc = VEUICC_ERR_CRYPTO;
			break;
		}
		size_t off = (counter - 1) * 32;
		size_t n = KDF_LEN - off < 32 ? KDF_LEN - off : 32;
		memcpy(out + off, block, n);
	}
	mbedtls_sha256_free(&h);
	mbedtls_platform_zeroize(block, sizeof(block));
	return rc;
}

/*
 * y of the P-256 point with x = X and parity \p odd (SEC1 §2.3.4, decoding a
 * compressed point): y^2 = x^3 - 3x + b mod p, and p = 3 mod 4, so one
 * square root is (x^3 - 3x + b)^((p + 1) / 4).
 */
static int p256_decompress(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt, int odd)
{
	mbedtls_mpi rhs, t, e, y2;
	int ok = 0;
	mbedtls_mpi_init(&rhs);
	mbedtls_mpi_init(&t);
	mbedtls_mpi_init(&e);
	mbedtls_mpi_init(&y2);
	if (mbedtls_mpi_cmp_mpi(&pt->X, &grp->P) >= 0)
		goto out;
	if (mbedtls_mpi_mul_mpi(&t, &pt->X, &pt->X) || mbedtls_mpi_mod_mpi(&t, &t, &grp->P) ||
	    mbedtls_mpi_sub_int(&t, &t, 3) || mbedtls_mpi_mul_mpi(&rhs, &t, &pt->X) ||
	    mbedtls_mpi_add_mpi(&rhs, &rhs, &grp->B) || mbedtls_mpi_mod_mpi(&rhs, &rhs, &grp->P))
		goto out;
	if (mbedtls_mpi_add_int(&e, &grp->P, 1) || mbedtls_mpi_shift_r(&e, 2) ||
	    mbedtls_mpi_exp_mod(&pt->Y, &rhs, &e, &grp->P, NULL))
		goto out;
	/* Not every x is on the curve: check the root. */
	if (mbedtls_mpi_mul_mpi(&y2, &pt->Y, &pt->Y) || mbedtls_mpi_mod_mpi(&y2, &y2, &grp->P) ||
	    mbedtls_mpi_cmp_mpi(&y2, &rhs) != 0)
		goto out;
	if (mbedtls_mpi_get_bit(&pt->Y, 0) != odd && mbedtls_mpi_sub_mpi(&pt->Y, &grp->P, &pt->Y))
		goto out;
	if (mbedtls_mpi_lset(&pt->Z, 1))
		goto out;
	ok = 1;
out:
	mbedtls_mpi_free(&rhs);
	mbedtls_mpi_free(&t);
	mbedtls_mpi_free(&e);
	mbedtls_mpi_free(&y2);
	return ok;
}

/* Read the home network public key of \p scheme into \p pt and check it. */
static int read_hn_pub(const mbedtls_ecp_group *grp, veuicc_suci_scheme scheme, const uint8_t *pub,
                       size_t len, mbedtls_ecp_point *pt)
{
	if (scheme == VEUICC_SUCI_PROFILE_A) {
		if (len != VEUICC_SUCI_A_PUB_LEN ||
		    mbedtls_ecp_point_read_binary(grp, pt, pub, len))
			return VEUICC_ERR_INVALID_ARG;
	} else if (len == VEUICC_SUCI_B_PUB_FULL_LEN && pub[0] == SEC1_FULL) {
		if (mbedtls_ecp_point_read_binary(grp, pt, pub, len))
			return VEUICC_ERR_INVALID_ARG;
	} else if (len == VEUICC_SUCI_B_PUB_LEN && (pub[0] == SEC1_EVEN || pub[0] == SEC1_ODD)) {
		/* mbedtls 2.28 reads only uncompressed Weierstrass points. */
		if (mbedtls_mpi_read_binary(&pt->X, pub + 1, ECC_LEN) ||
		    !p256_decompress(grp, pt, pub[0] == SEC1_ODD))
			return VEUICC_ERR_INVALID_ARG;
	} else {
		return VEUICC_ERR_INVALID_ARG;
	}
	return mbedtls_ecp_check_pubkey(grp, pt) ? VEUICC_ERR_INVALID_ARG : VEUICC_OK;
}

/* Draw the ephemeral private key \p d of \p scheme from the RNG. */
static int draw_eph(const mbedtls_ecp_group *grp, veuicc_suci_scheme scheme, mbedtls_mpi *d,
                    veuicc_suci_rng rng, void *rng_ctx)
{
	uint8_t buf[ECC_LEN];
	int rc = VEUICC_ERR_CRYPTO;
	if (scheme == VEUICC_SUCI_PROFILE_A) {
		/* RFC 7748 §5 decodeScalar25519: clamp, little-endian. */
		if (rng(rng_ctx, buf, sizeof(buf)) == 0) {
			buf[0] &= 248;
			buf[31] &= 127;
			buf[31] |= 64;
			if (mbedtls_mpi_read_binary_le(d, buf, sizeof(buf)) == 0)
				rc = VEUICC_OK;
		}
	} else {
		for (int i = 0; i < P256_DRAWS && rc != VEUICC_OK; i++) {
			if (rng(rng_ctx, buf, sizeof(buf)) != 0 ||
			    mbedtls_mpi_read_binary(d, buf, sizeof(buf)) != 0)
				break;
			if (mbedtls_mpi_cmp_int(d, 1) >= 0 && mbedtls_mpi_cmp_mpi(d, &grp->N) < 0)
				rc = VEUICC_OK;
		}
	}
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return rc;
}

/* ECIES key agreement: eph_pub (its scheme output encoding) and Z. */
static int ecies_agree(veuicc_suci_scheme scheme, const uint8_t *hn_pub, size_t hn_pub_len,
                       veuicc_suci_rng rng, void *rng_ctx, uint8_t *eph_pub, size_t *eph_len,
                       uint8_t z[ECC_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point hn, q;
	mbedtls_mpi d, zz;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&hn);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&zz);
	int a = scheme == VEUICC_SUCI_PROFILE_A;
	int rc =
	    mbedtls_ecp_group_load(&grp, a ? MBEDTLS_ECP_DP_CURVE25519 : MBEDTLS_ECP_DP_SECP256R1)
	        ? VEUICC_ERR_CRYPTO
	        : VEUICC_OK;
	if (rc == VEUICC_OK)
		rc = read_hn_pub(&grp, scheme, hn_pub, hn_pub_len, &hn);
	if (rc == VEUICC_OK)
		rc = draw_eph(&grp, scheme, &d, rng, rng_ctx);
	if (rc == VEUICC_OK && mbedtls_ecp_mul(&grp, &q, &d, &grp.G, rng, rng_ctx))
		rc = VEUICC_ERR_CRYPTO;
	if (rc == VEUICC_OK &&
	    mbedtls_ecp_point_write_binary(
	        &grp, &q, a ? MBEDTLS_ECP_PF_UNCOMPRESSED : MBEDTLS_ECP_PF_COMPRESSED, eph_len,
	        eph_pub, a ? VEUICC_SUCI_A_PUB_LEN : VEUICC_SUCI_B_PUB_LEN))
		rc = VEUICC_ERR_CRYPTO;
	if (rc == VEUICC_OK && mbedtls_ecdh_compute_shared(&grp, &zz, &hn, &d, rng, rng_ctx))
		rc = VEUICC_ERR_CRYPTO;
	/* X25519 shares are little-endian (RFC 7748 §5), P-256 x big-endian (SEC1 §3.3.1). */
	if (rc == VEUICC_OK && (a ? mbedtls_mpi_write_binary_le(&zz, z, ECC_LEN)
	                          : mbedtls_mpi_write_binary(&zz, z, ECC_LEN)))
		rc = VEUICC_ERR_CRYPTO;
	if (rc == VEUICC_OK) {
		/* An all-zero X25519 share means a low-order public key (RFC 7748 §6.1). */
		uint8_t acc = 0;
		for (size_t i = 0; i < ECC_LEN; i++)
			acc |= z[i];
		if (!acc)
			rc = VEUICC_ERR_INVALID_ARG;
	}
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&zz);
	mbedtls_ecp_point_free(&hn);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int veuicc_suci_scheme_output(veuicc_suci_scheme scheme, const uint8_t *hn_pub, size_t hn_pub_len,
                              const uint8_t *in, size_t in_len, veuicc_suci_rng rng, void *rng_ctx,
                              uint8_t *out, size_t cap, size_t *out_len)
{
	if (!in || !in_len || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	if (scheme == VEUICC_SUCI_NULL_SCHEME) {
		/* TS 33.501 §C.2: the output is the input. */
		if (cap < in_len)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		memmove(out, in, in_len);
		*out_len = in_len;
		return VEUICC_OK;
	}
	if ((scheme != VEUICC_SUCI_PROFILE_A && scheme != VEUICC_SUCI_PROFILE_B) || !hn_pub || !rng)
		return VEUICC_ERR_INVALID_ARG;
	size_t pub_len =
	    scheme == VEUICC_SUCI_PROFILE_A ? VEUICC_SUCI_A_PUB_LEN : VEUICC_SUCI_B_PUB_LEN;
	if (in_len > SIZE_MAX - pub_len - VEUICC_SUCI_MAC_LEN)
		return VEUICC_ERR_INVALID_ARG;
	if (cap < pub_len + in_len + VEUICC_SUCI_MAC_LEN)
		return VEUICC_ERR_BUFFER_TOO_SMALL;

	uint8_t z[ECC_LEN], keys[KDF_LEN], tag[32], stream[16];
	size_t eph_len = 0, nc_off = 0;
	uint8_t *ct = out + pub_len;
	mbedtls_aes_context aes;
	mbedtls_aes_init(&aes);
	int rc = ecies_agree(scheme, hn_pub, hn_pub_len, rng, rng_ctx, out, &eph_len, z);
	if (rc == VEUICC_OK && eph_len != pub_len)
		rc = VEUICC_ERR_INTERNAL;
	if (rc == VEUICC_OK)
		rc = x963_kdf(z, out, pub_len, keys);
	/* AES-128-CTR with ICB as the initial counter block (TS 33.501 §C.3.4.1). */
	if (rc == VEUICC_OK &&
	    (mbedtls_aes_setkey_enc(&aes, keys, 128) ||
	     mbedtls_aes_crypt_ctr(&aes, in_len, &nc_off, keys + ENC_KEY_LEN, stream, in, ct)))
		rc = VEUICC_ERR_CRYPTO;
	if (rc == VEUICC_OK &&
	    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                    keys + ENC_KEY_LEN + ICB_LEN, MAC_KEY_LEN, ct, in_len, tag))
		rc = VEUICC_ERR_CRYPTO;
	if (rc == VEUICC_OK) {
		memcpy(ct + in_len, tag, VEUICC_SUCI_MAC_LEN);
		*out_len = pub_len + in_len + VEUICC_SUCI_MAC_LEN;
	} else {
		mbedtls_platform_zeroize(out, cap);
	}
	mbedtls_aes_free(&aes);
	mbedtls_platform_zeroize(z, sizeof(z));
	mbedtls_platform_zeroize(keys, sizeof(keys));
	mbedtls_platform_zeroize(tag, sizeof(tag));
	mbedtls_platform_zeroize(stream, sizeof(stream));
	return rc;
}

static int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

int veuicc_suci_plmn_encode(const char *mcc, const char *mnc, uint8_t out[3])
{
	if (!mcc || !mnc || !out || strlen(mcc) != 3 || (strlen(mnc) != 2 && strlen(mnc) != 3))
		return VEUICC_ERR_INVALID_ARG;
	int m1 = digit(mcc[0]), m2 = digit(mcc[1]), m3 = digit(mcc[2]);
	int n1 = digit(mnc[0]), n2 = digit(mnc[1]), n3 = mnc[2] ? digit(mnc[2]) : 0x0F;
	if (m1 < 0 || m2 < 0 || m3 < 0 || n1 < 0 || n2 < 0 || n3 < 0)
		return VEUICC_ERR_INVALID_ARG;
	out[0] = (uint8_t)(m2 << 4 | m1);
	out[1] = (uint8_t)(n3 << 4 | m3);
	out[2] = (uint8_t)(n2 << 4 | n1);
	return VEUICC_OK;
}

/* TS 24.501 §9.11.3.4 octet 4: SUPI format IMSI (000), type of identity SUCI (001). */
#define SUCI_IMSI_OCTET4 0x01
/* Octets 4 to 11 before the scheme output. */
#define SUCI_IMSI_HDR_LEN 8

int veuicc_suci_get_identity_tlv(const uint8_t plmn[3], const uint8_t routing[2], uint8_t scheme,
                                 uint8_t hn_key_id, const uint8_t *scheme_out,
                                 size_t scheme_out_len, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!plmn || !routing || !scheme_out || !scheme_out_len || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	if (scheme_out_len > 0xFFFF - SUCI_IMSI_HDR_LEN)
		return VEUICC_ERR_INVALID_ARG;
	size_t vlen = SUCI_IMSI_HDR_LEN + scheme_out_len;
	/* BER-TLV length (ISO/IEC 7816-4 §5.2.2.2). */
	size_t llen = vlen < 0x80 ? 1 : vlen < 0x100 ? 2 : 3;
	if (cap < 1 + llen + vlen)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	size_t i = 0;
	out[i++] = VEUICC_SUCI_TLV_TAG;
	if (llen == 3) {
		out[i++] = 0x82;
		out[i++] = (uint8_t)(vlen >> 8);
	} else if (llen == 2) {
		out[i++] = 0x81;
	}
	out[i++] = (uint8_t)vlen;
	out[i++] = SUCI_IMSI_OCTET4;
	memcpy(out + i, plmn, 3);
	i += 3;
	memcpy(out + i, routing, 2);
	i += 2;
	out[i++] = scheme;
	out[i++] = hn_key_id;
	memmove(out + i, scheme_out, scheme_out_len);
	*out_len = i + scheme_out_len;
	return VEUICC_OK;
}
