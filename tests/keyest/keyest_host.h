/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SM-DP's side of EstablishISDPKeySet (SGP.02 §4.1.3.1, GP Amd E
 * scenario #3) for the cmocka tests, written with mbedtls directly and the
 * SGP.26 test keys of tests/data/cert/keys, not with the card's code:
 * RFC 6979 signatures and the 3A02 parameters the card checks.
 */
#ifndef VEUICC_TESTS_KEYEST_KEYEST_HOST_H
#define VEUICC_TESTS_KEYEST_KEYEST_HOST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "apdu/card_helpers.h"
#include "euicc/keyest.h"

/* A DGI or APDU payload being built. */
typedef struct keyest_blob {
	uint8_t b[512];
	size_t n;
} keyest_blob;

/* The WHTY CRT (keyest digest §4.1 [I]): three keys, KVN 30 (byte 20),
 * scenario 09. */
static const uint8_t keyest_crt_whty[] = {0xA6, 0x15, 0x90, 0x02, 0x03, 0x09, 0x95, 0x01,
                                          0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82,
                                          0x01, 0x01, 0x83, 0x01, 0x30, 0x91, 0x00};
#define KEYEST_CRT_KVN_AT 20

/* LCG bytes: deterministic test keys and nonces only. */
static inline int keyest_test_rng(void *ctx, unsigned char *b, size_t n)
{
	uint32_t *x = ctx;
	for (size_t i = 0; i < n; i++) {
		*x = *x * 1103515245u + 12345u;
		b[i] = (uint8_t)(*x >> 16);
	}
	return 0;
}

/* An SGP.26 private key (tests/data/cert/keys/<name>). */
static inline void keyest_load_key(const char *name, mbedtls_pk_context *pk)
{
	char p[128];
	size_t n;
	snprintf(p, sizeof(p), "cert/keys/%s", name);
	uint8_t *b = th_load("VEUICC_TEST_DATA", p, &n); /* NUL-terminated */
	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_parse_key(pk, b, n + 1, NULL, 0), 0);
	free(b);
}

/* Raw r‖s ECDSA-SHA256 (RFC 6979) of \p m with the key file \p key. */
static inline void keyest_sign(const char *key, const uint8_t *m, size_t n, uint8_t sig[64])
{
	mbedtls_pk_context pk;
	keyest_load_key(key, &pk);
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(pk);
	uint8_t h[32];
	uint32_t seed = 7;
	mbedtls_mpi r, s;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	assert_int_equal(mbedtls_sha256_ret(m, n, h, 0), 0);
	assert_int_equal(mbedtls_ecdsa_sign_det_ext(&kp->grp, &r, &s, &kp->d, h, 32,
	                                            MBEDTLS_MD_SHA256, keyest_test_rng, &seed),
	                 0);
	assert_int_equal(mbedtls_mpi_write_binary(&r, sig, 32), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&s, sig + 32, 32), 0);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_pk_free(&pk);
}

/* DGI \p tag (3A01, 3A02) with a one-byte length around \p v. */
static inline void keyest_dgi_wrap(uint16_t tag, const uint8_t *v, size_t n, keyest_blob *out)
{
	assert_true(n < 0xFF && n + 3 <= sizeof(out->b));
	out->b[0] = (uint8_t)(tag >> 8);
	out->b[1] = (uint8_t)tag;
	out->b[2] = (uint8_t)n;
	memcpy(out->b + 3, v, n);
	out->n = n + 3;
}

/* 3A02 { crt } 7F49 { B0 ePK F0 01 00 } 5F37 sig over 3A02 ‖ 7F49 ‖ 0085 10 RC,
 * the ephemeral key P-256 from a fixed seed, signed with \p key (NULL:
 * SK.DP.ECDSA NIST). */
static inline void keyest_params(const uint8_t *crt, size_t crt_len, const uint8_t rc[16],
                                 const char *key, keyest_blob *out)
{
	mbedtls_ecp_keypair e;
	mbedtls_ecp_keypair_init(&e);
	uint32_t seed = 99;
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &e, keyest_test_rng, &seed),
	                 0);
	uint8_t pt[65];
	size_t ptl;
	assert_int_equal(mbedtls_ecp_point_write_binary(&e.grp, &e.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
	                                                &ptl, pt, sizeof(pt)),
	                 0);
	mbedtls_ecp_keypair_free(&e);
	keyest_dgi_wrap(VEUICC_KEYEST_DGI_PARAMS, crt, crt_len, out);
	uint8_t *p = out->b + out->n;
	static const uint8_t h[] = {0x7F, 0x49, 0x46, 0xB0, 0x41};
	memcpy(p, h, sizeof(h));
	memcpy(p + sizeof(h), pt, 65);
	memcpy(p + sizeof(h) + 65, "\xF0\x01\x00", 3);
	out->n += sizeof(h) + 65 + 3;
	uint8_t m[512];
	memcpy(m, out->b, out->n);
	memcpy(m + out->n, "\x00\x85\x10", 3);
	memcpy(m + out->n + 3, rc, 16);
	uint8_t sig[64];
	keyest_sign(key ? key : "SK_S_SM_DPauth_ECDSA_NIST.pem", m, out->n + 19, sig);
	memcpy(out->b + out->n, "\x5F\x37\x40", 3);
	memcpy(out->b + out->n + 3, sig, 64);
	out->n += 67;
}

#endif
