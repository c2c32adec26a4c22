/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file suci.h
 * \brief SUCI calculation on the card (3GPP TS 33.501 §6.12.2, Annex C):
 *        the ECIES protection schemes Profile A (X25519) and Profile B
 *        (NIST P-256, compressed ephemeral key), the null scheme, and the
 *        SUCI data object of the USIM GET IDENTITY response (TS 31.102
 *        §7.5).
 *
 * ECIES (TS 33.501 §C.3.2, §C.3.4): the ephemeral key pair is drawn from
 * the caller's RNG; Z = ECDH(eph private key, home network public key);
 * ANSI X9.63 KDF with SHA-256 over Z with the ephemeral public key as
 * SharedInfo gives EncKey (16) || ICB (16) || MacKey (32); ciphertext =
 * AES-128-CTR(EncKey, ICB, scheme input); MAC tag = the first 8 bytes of
 * HMAC-SHA-256(MacKey, ciphertext). Scheme output = ephemeral public key ||
 * ciphertext || MAC tag.
 */
#ifndef VEUICC_UICC_AUTH_SUCI_H
#define VEUICC_UICC_AUTH_SUCI_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Protection Scheme Identifier (TS 33.501 Annex C.1, TS 24.501 §9.11.3.4). */
typedef enum veuicc_suci_scheme {
	VEUICC_SUCI_NULL_SCHEME = 0,
	VEUICC_SUCI_PROFILE_A = 1, /**< X25519 */
	VEUICC_SUCI_PROFILE_B = 2, /**< P-256 */
} veuicc_suci_scheme;

#define VEUICC_SUCI_MAC_LEN        8  /**< MAC tag (TS 33.501 §C.3.4.1, §C.3.4.2) */
#define VEUICC_SUCI_A_PUB_LEN      32 /**< X25519 public key */
#define VEUICC_SUCI_B_PUB_LEN      33 /**< compressed P-256 point */
#define VEUICC_SUCI_B_PUB_FULL_LEN 65 /**< uncompressed P-256 point */
/** SUCI GET IDENTITY data object tag (TS 31.102 §7.5). */
#define VEUICC_SUCI_TLV_TAG 0xA1

/**
 * Random generator, mbedtls style: fill \p out with \p len bytes, return 0.
 * The ephemeral private key is the first 32 bytes drawn: an X25519 scalar
 * as in RFC 7748 (little-endian, clamped here), or a P-256 scalar
 * big-endian (drawn again while it is 0 or >= n). Later draws blind the
 * scalar multiplications.
 */
typedef int (*veuicc_suci_rng)(void *ctx, unsigned char *out, size_t len);

/**
 * Encode the digits of \p msin (5..10 decimal digits) as the scheme input of
 * an IMSI-based SUPI (TS 33.501 §C.3.2, TS 24.501 §9.11.3.4): two digits a
 * byte, the first digit in the low nibble, 'F' filling an odd count.
 * "001002086" gives 00 01 20 80 F6.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_suci_msin_encode(const char *msin, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Scheme output of \p scheme for \p in (TS 33.501 §6.12.2, Annex C).
 * \p hn_pub is the home network public key: 32 bytes for Profile A, a
 * compressed (33) or uncompressed (65) SEC1 point for Profile B; NULL for
 * the null scheme, whose output is the input.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (bad key, empty input),
 *          VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_CRYPTO (RNG or ECDH failed)
 */
int veuicc_suci_scheme_output(veuicc_suci_scheme scheme, const uint8_t *hn_pub, size_t hn_pub_len,
                              const uint8_t *in, size_t in_len, veuicc_suci_rng rng, void *rng_ctx,
                              uint8_t *out, size_t cap, size_t *out_len);

/**
 * Home Network Identifier of an IMSI (TS 24.501 §9.11.3.4, octets 5 to 7):
 * MCC digit 2 | MCC digit 1, MNC digit 3 (or F) | MCC digit 3, MNC digit 2 |
 * MNC digit 1. \p mcc has 3 digits, \p mnc 2 or 3.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_suci_plmn_encode(const char *mcc, const char *mnc, uint8_t out[3]);

/**
 * The SUCI TLV data object of the GET IDENTITY response for an IMSI-based
 * SUPI (TS 31.102 §7.5): 'A1' L, then the 5GS mobile identity from its
 * octet 4 (TS 24.501 §9.11.3.4): '01' (SUPI format IMSI, type SUCI),
 * Home Network Identifier (3), Routing Indicator (2, as stored in
 * EF.Routing_Indicator), Protection Scheme Id, Home Network Public Key Id,
 * Scheme Output.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_suci_get_identity_tlv(const uint8_t plmn[3], const uint8_t routing[2], uint8_t scheme,
                                 uint8_t hn_key_id, const uint8_t *scheme_out,
                                 size_t scheme_out_len, uint8_t *out, size_t cap, size_t *out_len);

#endif /* VEUICC_UICC_AUTH_SUCI_H */
