/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm_crypto.h
 * \brief The SM-DP's own cryptography for `veuicc sm` (docs/sm.md), written on
 *        mbedtls directly and sharing no code with the card's src/: ECDSA
 *        signature with SK.DP.ECDSA, the ephemeral ECKA key pair and ShS
 *        (BSI TR-03111 §4.3.1), the X9.63 KDF with SHA-256 (§4.3.3), the
 *        receipt (AES-CMAC), and the off-card half of SCP03t (GP Amd D
 *        §6.2: KDF, cryptograms, C-MAC, C-DEC, R-MAC, R-ENC; SGP.02 §4.1.3.3).
 */
#ifndef VEUICC_TOOLS_SM_CRYPTO_H
#define VEUICC_TOOLS_SM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/** Curve references of the `F0` tag (GP Amd E; SGP.02 digest §4.1). */
#define VEUICC_SM_CURVE_P256  0x00
#define VEUICC_SM_CURVE_BP256 0x03

/** The SM-DP's signing identity and its random generator (opaque). */
typedef struct veuicc_sm_dp veuicc_sm_dp;

/**
 * Load SK.DP.ECDSA from the PEM file \p key_pem and CERT.DP.ECDSA (a 7F21,
 * binary, or hex text) from \p cert_file. \p why receives a message on error.
 * \returns 0 or -1
 */
int veuicc_sm_dp_load(veuicc_sm_dp **out, const char *key_pem, const char *cert_file, char *why,
                      size_t why_cap);

/** Free \p dp (keys zeroised). */
void veuicc_sm_dp_free(veuicc_sm_dp *dp);

/** The 7F21 certificate as loaded. */
const uint8_t *veuicc_sm_dp_cert(const veuicc_sm_dp *dp, size_t *len);

/** The curve of SK.DP.ECDSA as a `F0` reference (VEUICC_SM_CURVE_*), or -1. */
int veuicc_sm_dp_curve(const veuicc_sm_dp *dp);

/** Random bytes from the SM-DP's DRBG. \returns 0 or -1. */
int veuicc_sm_dp_random(veuicc_sm_dp *dp, uint8_t *out, size_t n);

/**
 * Make a new ephemeral key pair on the SM-DP's curve; \p epk receives the
 * uncompressed point (65 bytes), \p shs the x coordinate of eSK · \p peer
 * (\p peer: the ECASD's uncompressed point, 65 bytes). The ephemeral private
 * key is wiped at once. \returns 0 or -1 (peer not on the curve).
 */
int veuicc_sm_dp_ecka(veuicc_sm_dp *dp, const uint8_t peer[65], uint8_t epk[65], uint8_t shs[32]);

/** ECDSA-SHA256 with SK.DP.ECDSA over \p msg; raw r‖s in \p sig. \returns 0 or -1. */
int veuicc_sm_dp_sign(veuicc_sm_dp *dp, const uint8_t *msg, size_t len, uint8_t sig[64]);

/** ANSI X9.63 KDF with SHA-256 (BSI TR-03111 §4.3.3). \returns 0 or -1. */
int veuicc_sm_x963(const uint8_t *z, size_t zlen, const uint8_t *info, size_t info_len,
                   uint8_t *out, size_t out_len);

/** AES-CMAC (NIST SP 800-38B) with a 16-byte key. \returns 0 or -1. */
int veuicc_sm_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16]);

/** One SCP03t session of the SM-DP (SGP.02 §4.1.3.3 on GP Amd D, S8 mode). */
typedef struct veuicc_sm_scp03t {
	uint8_t enc[16], mac[16]; /**< static ISD-P keys (Key-ENC, Key-MAC) */
	uint8_t s_enc[16], s_mac[16], s_rmac[16];
	uint8_t host_challenge[8], card_challenge[8];
	uint8_t mcv[16];  /**< C-MAC chaining value */
	uint32_t counter; /**< encryption counter of the last command */
} veuicc_sm_scp03t;

/**
 * The card's `84` answer \p rsp (32 bytes: KDD, KVN, 03, i, card challenge,
 * card cryptogram, sequence counter) for the host challenge in \p s: derive
 * the session keys, check the card cryptogram and the pseudo-random card
 * challenge (counter ‖ \p aid); build the `85` TLV (level 33, host
 * cryptogram, C-MAC) in \p out (19 bytes).
 * \returns 0, -1 (bad length / crypto), -2 (card cryptogram or challenge wrong)
 */
int veuicc_sm_scp03t_open(veuicc_sm_scp03t *s, const uint8_t *rsp, size_t rsp_len,
                          const uint8_t *aid, size_t aid_len, uint8_t *out, size_t *out_len);

/**
 * One `86` TLV: C-DEC of \p plain (padded 80 00…) and C-MAC, into \p out.
 * \returns 0 or -1 (\p cap too small).
 */
int veuicc_sm_scp03t_segment(veuicc_sm_scp03t *s, const uint8_t *plain, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len);

/**
 * Check the card's `86` answer value \p v (R-ENC data ‖ R-MAC) to the last
 * segment: R-MAC over MCV ‖ 86 ‖ length ‖ data, then decipher the data.
 * \returns 0, -1 (format), -2 (R-MAC wrong)
 */
int veuicc_sm_scp03t_response(veuicc_sm_scp03t *s, const uint8_t *hdr, size_t hdr_len,
                              const uint8_t *v, size_t vlen, uint8_t *plain, size_t cap,
                              size_t *plain_len);

/** Wipe the session. */
void veuicc_sm_scp03t_wipe(veuicc_sm_scp03t *s);

#endif /* VEUICC_TOOLS_SM_CRYPTO_H */
