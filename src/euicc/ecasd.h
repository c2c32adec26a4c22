/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ecasd.h
 * \brief The ECASD, eUICC Controlling Authority Security Domain (SGP.02
 *        §2.2.1.3; project digest sgp02-euicc.md §1.1, §1.4-1.6): the card's
 *        identity. It holds the EID, the eUICC's static ECKA key pair
 *        (SK.ECASD.ECKA never leaves this module and is zeroised when the
 *        ECASD is freed), CERT.ECASD.ECKA (GP-format 7F21 certificate signed
 *        by the EUM), the EUM certificate it was checked against, and the CI
 *        public keys (PK.CI.ECDSA) it trusts. It answers GET DATA for its
 *        data objects and offers ECKA-DH key agreement (BSI TR-03111 §4.3.1:
 *        shared secret = x-coordinate of SK.ECASD.ECKA · peer point) to the
 *        Scenario#3 key establishment (EstablishISDPKeySet / ISDRKeySet).
 *
 * The object is opaque: no other module can read the private key.
 * See docs/ecasd.md for each choice and its evidence.
 */
#ifndef VEUICC_EUICC_ECASD_H
#define VEUICC_EUICC_ECASD_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "euicc/cert.h"
#include "veuicc/veuicc.h"

struct veuicc_card;

/** Length of an ECKA shared secret (x-coordinate) on a 256-bit curve. */
#define VEUICC_ECASD_SHS_LEN 32
/** Length of a private scalar on a 256-bit curve. */
#define VEUICC_ECASD_SK_LEN 32
/** Largest certificate the ECASD keeps (CERT.ECASD.ECKA, CERT.EUM). */
#define VEUICC_ECASD_CERT_MAX 512
/** Number of CI public keys the ECASD can trust. */
#define VEUICC_ECASD_CI_MAX 4
/** Length of the SIN (tag 42): EID digits 1-8, BCD (docs/ecasd.md EC4). */
#define VEUICC_ECASD_SIN_LEN 4
/** Length of the SDIN (tag 45): the EID (docs/ecasd.md EC4). */
#define VEUICC_ECASD_SDIN_LEN 16
/** Length of the CPLC data (tag 9F7F, GP CS Card Production Life Cycle). */
#define VEUICC_ECASD_CPLC_LEN 42

/** GET DATA tags the ECASD answers (P1-P2 of 80 CA). */
#define VEUICC_ECASD_TAG_EID      0x005Au /* SGP.02 §2.2.2, digest §1.4 [I] */
#define VEUICC_ECASD_TAG_SIN      0x0042u /* GP CS: SD Provider Identification Number */
#define VEUICC_ECASD_TAG_SDIN     0x0045u /* GP CS: SD Image Number */
#define VEUICC_ECASD_TAG_KEY_INFO 0x00E0u /* GP CS: Key Information Template */
#define VEUICC_ECASD_TAG_CERT     0x7F21u /* CERT.ECASD.ECKA, digest §1.6 [I] */
#define VEUICC_ECASD_TAG_CPLC     0x9F7Fu /* GP CS: Card Production Life Cycle */

/** Key information (GET DATA E0) of the ECASD's keys: veuicc's choice,
 *  not verified against GP Amd E (docs/ecasd.md EC5). */
#define VEUICC_ECASD_KVN        0x01u /* key version number of the ECASD key set */
#define VEUICC_ECASD_KID_ECKA   0x01u /* SK.ECASD.ECKA */
#define VEUICC_ECASD_KID_CI_MIN 0x02u /* PK.CI.ECDSA #1, #2, ... */

/** The ECASD of one card (opaque). */
typedef struct veuicc_ecasd veuicc_ecasd;

/**
 * What an EUM personalises into the ECASD. Pointers are only read during
 * veuicc_ecasd_set_identity(); the ECASD keeps copies.
 */
typedef struct veuicc_ecasd_identity {
	uint8_t curve;           /**< VEUICC_CERT_CURVE_P256 or VEUICC_CERT_CURVE_BP256R1 */
	const uint8_t *sk;       /**< SK.ECASD.ECKA, big-endian scalar */
	size_t sk_len;           /**< VEUICC_ECASD_SK_LEN */
	const uint8_t *cert;     /**< CERT.ECASD.ECKA (7F21), subject = the EID */
	size_t cert_len;         /**< 1..VEUICC_ECASD_CERT_MAX */
	const uint8_t *eum_cert; /**< CERT.EUM (7F21) that signed cert, or NULL */
	size_t eum_cert_len;
	const veuicc_cert_pubkey *ci; /**< trusted PK.CI.ECDSA keys */
	size_t ci_count;              /**< 1..VEUICC_ECASD_CI_MAX */
} veuicc_ecasd_identity;

/** The built-in identity (generated, src/euicc/ecasd_default.c): the SGP.26
 *  eUICC NIST test key, its certificate for the default EID
 *  89049032123451234512345678901235, the EUM certificate, and the SGP.26 CI
 *  keys on NIST P-256 and brainpoolP256r1. Public test material. */
extern const veuicc_ecasd_identity veuicc_ecasd_default_identity;

/**
 * Create an ECASD for the card with EID \p eid (16 bytes BCD). If \p eid is
 * the subject of the built-in certificate, the ECASD gets the whole built-in
 * identity; otherwise it trusts the built-in CI keys but has no key pair and
 * no certificate until veuicc_ecasd_set_identity() (GET DATA 7F21 and E0
 * answer 6A88 meanwhile, veuicc_ecasd_ecka() VEUICC_ERR_STATE).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY
 */
int veuicc_ecasd_new(const uint8_t eid[16], veuicc_ecasd **out);

/** Free an ECASD; every secret is zeroised first. NULL is ignored. */
void veuicc_ecasd_free(veuicc_ecasd *ecasd);

/**
 * Personalise the ECASD (all or nothing). Checked before anything changes:
 * the curve is supported, sk is a valid private key of it; cert parses
 * (strict 7F21), its subject (5F20) is the ECASD's EID, its key (7F49) is
 * the public key of sk on the same curve, its key usage has key agreement;
 * every CI key is a point of its curve; if eum_cert is given, it parses,
 * cert verifies with its key, and it verifies with a trusted CI key (the one
 * whose key id equals its 73/C9, else any). Dates are not checked (no clock).
 * \returns VEUICC_OK; VEUICC_ERR_INVALID_ARG (NULL, lengths, counts, bad sk,
 *          EID or key mismatch, missing key usage); VEUICC_ERR_MALFORMED (a
 *          certificate does not parse); VEUICC_ERR_UNSUPPORTED (curve);
 *          VEUICC_ERR_CRYPTO (a chain signature does not verify)
 */
int veuicc_ecasd_set_identity(veuicc_ecasd *ecasd, const veuicc_ecasd_identity *id);

/** Non-zero when the ECASD holds a key pair and its certificate. */
int veuicc_ecasd_has_identity(const veuicc_ecasd *ecasd);

/** The EID (16 bytes BCD) the ECASD holds. */
const uint8_t *veuicc_ecasd_eid(const veuicc_ecasd *ecasd);

/** CERT.ECASD.ECKA (the whole 7F21 TLV) or NULL without identity. */
const uint8_t *veuicc_ecasd_certificate(const veuicc_ecasd *ecasd, size_t *len);

/** CERT.EUM kept with the identity, or NULL. */
const uint8_t *veuicc_ecasd_eum_certificate(const veuicc_ecasd *ecasd, size_t *len);

/** PK.ECASD.ECKA. \returns VEUICC_OK or VEUICC_ERR_STATE (no identity). */
int veuicc_ecasd_public_key(const veuicc_ecasd *ecasd, veuicc_cert_pubkey *out);

/** The SIN (tag 42 value, VEUICC_ECASD_SIN_LEN bytes) for SharedInfo. */
const uint8_t *veuicc_ecasd_sin(const veuicc_ecasd *ecasd, size_t *len);

/** The SDIN (tag 45 value, VEUICC_ECASD_SDIN_LEN bytes) for SharedInfo. */
const uint8_t *veuicc_ecasd_sdin(const veuicc_ecasd *ecasd, size_t *len);

/** Number of trusted CI keys. */
size_t veuicc_ecasd_ci_count(const veuicc_ecasd *ecasd);

/** Trusted CI key number \p i, or NULL. */
const veuicc_cert_pubkey *veuicc_ecasd_ci_key(const veuicc_ecasd *ecasd, size_t i);

/**
 * The trusted CI key whose key id (SHA-1 of the point, cert.h) equals
 * \p aki (a certificate's 73/C9), or NULL (SGP.02 §2.3.2.2, digest §10).
 */
const veuicc_cert_pubkey *veuicc_ecasd_find_ci_key(const veuicc_ecasd *ecasd, const uint8_t *aki,
                                                   size_t aki_len);

/**
 * Check a certificate the CI signed (CERT.DP.ECDSA / CERT.SR.ECDSA in
 * EstablishISDPKeySet step 1): pick the CI key by the certificate's 73/C9
 * (without C9: every trusted key on the certificate's curve is tried), then
 * veuicc_cert_check() with \p policy.
 * \returns as veuicc_cert_check(); VEUICC_ERR_NOT_FOUND if no trusted CI key
 *          has the certificate's key id
 */
int veuicc_ecasd_check_cert(const veuicc_ecasd *ecasd, const veuicc_cert *cert,
                            const veuicc_cert_policy *policy, veuicc_cert_reason *reason);

/** veuicc_ecasd_check_cert() verifying in the curve groups of \p cache
 *  (the card's, euicc/ec_cache.h; NULL: none). */
int veuicc_ecasd_check_cert_cached(const veuicc_ecasd *ecasd, const veuicc_cert *cert,
                                   const veuicc_cert_policy *policy, veuicc_ec_cache *cache,
                                   veuicc_cert_reason *reason);

/**
 * ECKA-DH with the ECASD's private key (BSI TR-03111 §4.3.1, SGP.02 §3.1.2
 * Scenario#3; digest §4.1): \p shs = x-coordinate of SK.ECASD.ECKA · \p peer.
 * The peer key must be on the ECASD's curve and a valid point.
 * \returns VEUICC_OK; VEUICC_ERR_STATE (no identity); VEUICC_ERR_INVALID_ARG
 *          (NULL, other curve); VEUICC_ERR_MALFORMED (not a point of the
 *          curve); VEUICC_ERR_CRYPTO
 */
int veuicc_ecasd_ecka(const veuicc_ecasd *ecasd, const veuicc_cert_pubkey *peer,
                      uint8_t shs[VEUICC_ECASD_SHS_LEN]);

/**
 * ECKA-DH primitive: x-coordinate of \p sk · \p peer on \p peer->curve
 * (mbedtls ECDH). For off-card tools and tests; the card uses
 * veuicc_ecasd_ecka(). Same returns (VEUICC_ERR_INVALID_ARG for a bad sk).
 */
int veuicc_ecka(const uint8_t sk[VEUICC_ECASD_SK_LEN], const veuicc_cert_pubkey *peer,
                uint8_t shs[VEUICC_ECASD_SHS_LEN]);

/**
 * GET DATA on the ECASD (GP CS v2.3 §11.3): P1-P2 is the tag; 5A EID,
 * 42 SIN, 45 SDIN, E0 key information template, 7F21 CERT.ECASD.ECKA,
 * 9F7F CPLC. Lc present: 6700; P1-P2 below 0040 (RFU, ISO 7816-4 §7.4.2):
 * 6A86; any other tag, or 7F21/E0 without identity: 6A88.
 * \returns the status word
 */
uint16_t veuicc_ecasd_get_data(const veuicc_ecasd *ecasd, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * Create the card's ECASD from card->eid and register it in the card's APDU
 * engine under the ECASD AID (the engine owns and frees it).
 * \returns as veuicc_ecasd_new() and veuicc_engine_add_app()
 */
int veuicc_ecasd_install(struct veuicc_card *card);

/** The ECASD registered on \p card, or NULL. */
veuicc_ecasd *veuicc_ecasd_of(struct veuicc_card *card);

#endif /* VEUICC_EUICC_ECASD_H */
