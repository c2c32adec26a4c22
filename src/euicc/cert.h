/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cert.h
 * \brief GlobalPlatform-format ECC certificates (tag 7F21) as SGP.02 uses
 *        them: CERT.ECASD.ECKA, CERT.DP.ECDSA, CERT.SR.ECDSA (SGP.02 §2.3,
 *        §4.1.3.1 / GP CS v2.2 Amendment E), and the 7F21 forms of the CI and
 *        EUM certificates that tools/pki writes. Card-side strict parser and
 *        signature verifier.
 *
 * Layout accepted (strict DER lengths, this order, no other tags):
 *
 *     7F21 {
 *       93   serial number          1..20 bytes
 *       42   CA identifier          1..32 bytes (opaque; veuicc-pki: issuer key id)
 *       5F20 subject identifier     1..32 bytes (EID for CERT.ECASD.ECKA)
 *       95   key usage              1 or 2 bytes
 *       5F25 effective date         4 bytes BCD YYYYMMDD, optional
 *       5F24 expiration date        4 bytes BCD YYYYMMDD, optional
 *       73   discretionary data     DER TLVs (C8 role, C9 authority key id), may be empty
 *       7F49 { B0 point 04||X||Y (65 bytes), F0 key parameter reference (1 byte) }
 *       5F37 signature              r||s (64 bytes; DER only with VEUICC_CERT_ALLOW_DER_SIG)
 *     }
 *
 * Signed data: the bytes of the TLVs 93 … 7F49 exactly as they appear inside
 * 7F21 (i.e. the value of 7F21 without the trailing 5F37 TLV). Hash SHA-256
 * (256-bit curves). See docs/certificates.md and docs/spec-decisions.md
 * "## Certificates" for the evidence behind each choice.
 *
 * The parsed certificate points into the caller's buffer (no allocation).
 */
#ifndef VEUICC_EUICC_CERT_H
#define VEUICC_EUICC_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Certificate tags (GP CS v2.2 Amd E, SGP.02 §4.1.3.1 tables). */
#define VEUICC_CERT_TAG_CERT          0x7F21u
#define VEUICC_CERT_TAG_SERIAL        0x93u
#define VEUICC_CERT_TAG_CA_ID         0x42u
#define VEUICC_CERT_TAG_SUBJECT       0x5F20u
#define VEUICC_CERT_TAG_KEY_USAGE     0x95u
#define VEUICC_CERT_TAG_EFFECTIVE     0x5F25u
#define VEUICC_CERT_TAG_EXPIRY        0x5F24u
#define VEUICC_CERT_TAG_DISCRETIONARY 0x73u
#define VEUICC_CERT_TAG_PUBKEY        0x7F49u
#define VEUICC_CERT_TAG_POINT         0xB0u
#define VEUICC_CERT_TAG_KEY_PARAM_REF 0xF0u
#define VEUICC_CERT_TAG_SIGNATURE     0x5F37u
/** Inside 73: certificate role (SGP.02: 01 SM-DP, 02 SM-SR). */
#define VEUICC_CERT_TAG_ROLE 0xC8u
/** Inside 73: authority key identifier (SKI of the signing key). */
#define VEUICC_CERT_TAG_AKI 0xC9u

/** Key parameter reference (F0) values, GP Amd E key parameter table. */
enum {
	VEUICC_CERT_CURVE_P256 = 0x00,    /**< NIST P-256 (secp256r1) */
	VEUICC_CERT_CURVE_BP256R1 = 0x03, /**< brainpoolP256r1 */
};

/** Role values of tag C8 (SGP.02 certificate tables). */
enum {
	VEUICC_CERT_ROLE_NONE = -1, /**< no C8 in the discretionary data */
	VEUICC_CERT_ROLE_SMDP = 0x01,
	VEUICC_CERT_ROLE_SMSR = 0x02,
};

/**
 * Key usage bits (GP CS v2.3 Table 11-17). A one-byte 95 value v is held as
 * v << 8, a two-byte value as is, so the constants below apply to both forms.
 */
enum {
	VEUICC_CERT_KU_VERIFICATION = 0x8000,      /**< byte 1 b8: verification */
	VEUICC_CERT_KU_COMPUTATION = 0x4000,       /**< byte 1 b7: computation */
	VEUICC_CERT_KU_DIGITAL_SIGNATURE = 0x0200, /**< byte 1 b2: digital signature */
	VEUICC_CERT_KU_KEY_AGREEMENT = 0x0080,     /**< byte 2 b8: key agreement */
};

/** Parse flags. */
enum {
	/** Also accept a DER-encoded ECDSA signature in 5F37 (Njiwa's form). */
	VEUICC_CERT_ALLOW_DER_SIG = 1u << 0,
};

/** Why a certificate was rejected (stable numbers; map to status words later). */
typedef enum veuicc_cert_reason {
	VEUICC_CERT_OK = 0,
	VEUICC_CERT_BAD_TLV,              /**< not well-formed DER TLV */
	VEUICC_CERT_NOT_A_CERT,           /**< outer tag is not 7F21 */
	VEUICC_CERT_TRAILING_DATA,        /**< bytes after the 7F21 object */
	VEUICC_CERT_MISSING_FIELD,        /**< a mandatory data object is absent */
	VEUICC_CERT_UNEXPECTED_TAG,       /**< unknown, duplicated or out-of-order tag */
	VEUICC_CERT_BAD_LENGTH,           /**< a field has a length outside its range */
	VEUICC_CERT_BAD_DATE,             /**< a date is not BCD YYYYMMDD */
	VEUICC_CERT_BAD_DISCRETIONARY,    /**< 73 content is not well-formed */
	VEUICC_CERT_UNSUPPORTED_CURVE,    /**< F0 names a curve veuicc does not support */
	VEUICC_CERT_BAD_PUBLIC_KEY,       /**< B0 is not an uncompressed point on the curve */
	VEUICC_CERT_BAD_SIGNATURE_FORMAT, /**< 5F37 is neither r||s nor (allowed) DER */
	VEUICC_CERT_SIGNATURE_INVALID,    /**< the signature does not verify */
	VEUICC_CERT_CURVE_MISMATCH,       /**< issuer key is on another curve than expected */
	VEUICC_CERT_EXPIRED,              /**< clock is after 5F24 */
	VEUICC_CERT_NOT_YET_VALID,        /**< clock is before 5F25 */
	VEUICC_CERT_KEY_USAGE,            /**< key usage lacks a required bit */
	VEUICC_CERT_WRONG_ROLE,           /**< C8 role is not the expected one */
	VEUICC_CERT_REASON_COUNT
} veuicc_cert_reason;

/** Length of an uncompressed point on a 256-bit curve: 04 || X || Y. */
#define VEUICC_CERT_POINT_LEN 65
/** Length of a raw r||s signature on a 256-bit curve. */
#define VEUICC_CERT_RAW_SIG_LEN 64

/** A public key as a certificate carries it (7F49). */
typedef struct veuicc_cert_pubkey {
	uint8_t curve;                        /**< VEUICC_CERT_CURVE_* */
	uint8_t point[VEUICC_CERT_POINT_LEN]; /**< 04 || X || Y */
} veuicc_cert_pubkey;

/** A parsed certificate; every pointer is into the parsed buffer. */
typedef struct veuicc_cert {
	const uint8_t *raw; /**< the whole 7F21 TLV */
	size_t raw_len;
	const uint8_t *tbs; /**< signed data: TLVs 93 … 7F49 */
	size_t tbs_len;
	const uint8_t *serial;
	size_t serial_len;
	const uint8_t *ca_id;
	size_t ca_id_len;
	const uint8_t *subject;
	size_t subject_len;
	uint16_t key_usage; /**< normalised, see VEUICC_CERT_KU_* */
	uint8_t key_usage_len;
	bool has_effective;
	uint32_t effective; /**< YYYYMMDD as a decimal number, e.g. 20260101 */
	bool has_expiry;
	uint32_t expiry;
	const uint8_t *discretionary; /**< value of 73 */
	size_t discretionary_len;
	int role;           /**< VEUICC_CERT_ROLE_*, or another C8 value */
	const uint8_t *aki; /**< value of C9 in 73, or NULL */
	size_t aki_len;
	veuicc_cert_pubkey pubkey;
	const uint8_t *sig; /**< value of 5F37 */
	size_t sig_len;
	bool sig_der; /**< 5F37 holds a DER SEQUENCE { r, s } (only with ALLOW_DER_SIG) */
} veuicc_cert;

/**
 * Parse exactly one 7F21 certificate filling \p buf[0, len) (GP Amd E,
 * SGP.02 §4.1.3.1). \p flags: VEUICC_CERT_ALLOW_DER_SIG or 0. The public key
 * is checked to be a valid point of its curve.
 * \param[out] reason  why it failed (may be NULL); VEUICC_CERT_OK on success
 * \returns VEUICC_OK; VEUICC_ERR_MALFORMED (format reasons);
 *          VEUICC_ERR_UNSUPPORTED (UNSUPPORTED_CURVE); VEUICC_ERR_INVALID_ARG
 */
int veuicc_cert_parse(const uint8_t *buf, size_t len, unsigned flags, veuicc_cert *cert,
                      veuicc_cert_reason *reason);

/**
 * Verify the signature of \p cert with the issuer's public key (ECDSA with
 * SHA-256 over cert->tbs). The issuer key must be on a supported curve.
 * \returns VEUICC_OK; VEUICC_ERR_CRYPTO (SIGNATURE_INVALID);
 *          VEUICC_ERR_MALFORMED (BAD_SIGNATURE_FORMAT, BAD_PUBLIC_KEY of the issuer);
 *          VEUICC_ERR_UNSUPPORTED; VEUICC_ERR_INVALID_ARG
 */
int veuicc_cert_verify_signature(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                                 veuicc_cert_reason *reason);

/** Opaque per-card cache of loaded curve groups (euicc/ec_cache.h). */
typedef struct veuicc_ec_cache veuicc_ec_cache;

/**
 * veuicc_cert_verify_signature() in the group \p cache keeps for the
 * issuer's curve (the precomputed multiples of G are reused; DL6). A NULL
 * cache, or one that cannot load the curve, loads a group for this call.
 */
int veuicc_cert_verify_signature_cached(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                                        veuicc_ec_cache *cache, veuicc_cert_reason *reason);

/**
 * Check the validity dates against \p today (YYYYMMDD, e.g. 20261125).
 * \p today 0 means "the card has no clock": nothing is checked (SGP.02
 * digest §8 item 16: the eUICC has no reliable clock).
 * \returns VEUICC_OK or VEUICC_ERR_STATE (EXPIRED / NOT_YET_VALID)
 */
int veuicc_cert_check_dates(const veuicc_cert *cert, uint32_t today, veuicc_cert_reason *reason);

/** True if every bit of \p required (VEUICC_CERT_KU_*) is set in the key usage. */
bool veuicc_cert_has_key_usage(const veuicc_cert *cert, uint16_t required);

/** What veuicc_cert_check() requires besides a valid signature. */
typedef struct veuicc_cert_policy {
	uint16_t key_usage; /**< required VEUICC_CERT_KU_* bits, 0: none */
	int role;           /**< required C8 role, VEUICC_CERT_ROLE_NONE: any */
	uint32_t today;     /**< YYYYMMDD, 0: no clock, dates not checked */
	bool same_curve;    /**< subject key must be on the issuer's curve */
} veuicc_cert_policy;

/**
 * Full check of a parsed certificate: signature under \p issuer, then the
 * policy (curve, key usage, role, dates), stopping at the first failure.
 * \returns VEUICC_OK or the error of the failing step; *reason says which.
 */
int veuicc_cert_check(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                      const veuicc_cert_policy *policy, veuicc_cert_reason *reason);

/** veuicc_cert_check() verifying in the groups of \p cache (may be NULL). */
int veuicc_cert_check_cached(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                             const veuicc_cert_policy *policy, veuicc_ec_cache *cache,
                             veuicc_cert_reason *reason);

/** A static English description of \p reason (never NULL). */
const char *veuicc_cert_reason_str(veuicc_cert_reason reason);

/** Length of a key identifier: SHA-1 of the uncompressed point. */
#define VEUICC_CERT_KEY_ID_LEN 20

/**
 * Key identifier of \p pk: SHA-1 of its 65-byte point (RFC 5280 §4.2.1.2
 * method 1, as the SGP.26 SKIs). Compare with cert->aki (73/C9) to pick the
 * trusted CI key that signed a certificate (SGP.02 §2.3.2.2).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG or VEUICC_ERR_CRYPTO
 */
int veuicc_cert_key_id(const veuicc_cert_pubkey *pk, uint8_t out[VEUICC_CERT_KEY_ID_LEN]);

/**
 * The UTC calendar day of \p utc (seconds since 1970-01-01 00:00 UTC,
 * proleptic Gregorian calendar) as YYYYMMDD, the form veuicc_cert_check_dates()
 * compares with 5F25/5F24. Years outside 1..9999 give 0 ("no clock").
 */
uint32_t veuicc_cert_utc_day(int64_t utc);

/** Parse a BCD YYYYMMDD date (4 bytes); returns false if not a plausible date. */
bool veuicc_cert_parse_date(const uint8_t bcd[4], uint32_t *out);

#endif /* VEUICC_EUICC_CERT_H */
