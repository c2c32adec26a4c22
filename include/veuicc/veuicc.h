/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file veuicc.h
 * \brief Public API of libveuicc: a virtual M2M eUICC (GSMA SGP.02).
 *
 * A card is a value: every function takes the card it works on, nothing is
 * shared between cards, and the library keeps no global mutable state. Many
 * independent cards may live in one process; one card must not be used from
 * two threads at the same time without external locking.
 */
#ifndef VEUICC_VEUICC_H
#define VEUICC_VEUICC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VEUICC_API __attribute__((visibility("default")))
#else
#define VEUICC_API
#endif

/** The library version, "MAJOR.MINOR.PATCH". */
#define VEUICC_VERSION_STRING "0.1.0"

/** The one error enum of the project: 0 is success, every error is negative. */
typedef enum veuicc_err {
	VEUICC_OK = 0,
	VEUICC_ERR_INVALID_ARG = -1,      /**< a NULL pointer or an out-of-range value */
	VEUICC_ERR_NO_MEMORY = -2,        /**< an allocation failed */
	VEUICC_ERR_BUFFER_TOO_SMALL = -3, /**< the output buffer cannot hold the result */
	VEUICC_ERR_MALFORMED = -4,        /**< input bytes do not follow their format */
	VEUICC_ERR_UNSUPPORTED = -5,      /**< a valid request that veuicc does not implement */
	VEUICC_ERR_NOT_POWERED = -6,      /**< the card is powered off: reset it first */
	VEUICC_ERR_NOT_FOUND = -7,        /**< the named object does not exist */
	VEUICC_ERR_STATE = -8,            /**< not allowed in the current state */
	VEUICC_ERR_CRYPTO = -9,           /**< a cryptographic operation failed */
	VEUICC_ERR_IO = -10,              /**< reading or writing a file or socket failed */
	VEUICC_ERR_INTERNAL = -11,        /**< a bug: an invariant of the library broke */
} veuicc_err;

/** A static English description of \p err (never NULL). */
VEUICC_API const char *veuicc_strerror(int err);

/** The library version string, equal to VEUICC_VERSION_STRING of the build. */
VEUICC_API const char *veuicc_version(void);

/** Maximum length of an ATR (ISO/IEC 7816-3 §8.2.1). */
#define VEUICC_ATR_MAX 33
/** Maximum length of a C-APDU: extended case 4 with 65535 data bytes. */
#define VEUICC_CAPDU_MAX (4 + 3 + 65535 + 2)
/** Maximum length of an R-APDU: 65536 data bytes plus SW1 SW2. */
#define VEUICC_RAPDU_MAX (65536 + 2)

/** Transmission protocol of the card-terminal link (ISO/IEC 7816-3). */
typedef enum veuicc_protocol {
	VEUICC_PROTO_T0 = 0, /**< T=0: P3 is one byte, case 4 answered 61xx + GET RESPONSE */
	VEUICC_PROTO_T1 = 1, /**< T=1: whole APDUs, extended lengths allowed */
} veuicc_protocol;

/** Kind of reset. */
typedef enum veuicc_reset_kind {
	VEUICC_RESET_COLD = 0, /**< power cycle: volatile state (channels, selections) is lost */
	VEUICC_RESET_WARM = 1, /**< RST without power loss: same effect on the APDU level */
} veuicc_reset_kind;

/**
 * Configuration of a new card. Initialise it with veuicc_config_init(), then
 * change what you need. Pointers are only read during veuicc_card_new().
 */
typedef struct veuicc_config {
	/** EID as 32 decimal digits (SGP.02 §2.2.2); check digits must be valid
	 *  (ISO 7064 MOD 97-10). NULL: the SGP.26 test EID
	 *  89049032123451234512345678901235. */
	const char *eid;
	/** ATR bytes, or NULL for the default ATR (offers T=0 first, then T=1). */
	const uint8_t *atr;
	size_t atr_len;
	/** Non-zero: the card's random generator is seeded only from rng_seed,
	 *  so that every run gives the same challenges and keys (tests). Zero:
	 *  seeded from the system entropy source. */
	int rng_deterministic;
	uint64_t rng_seed;
	/** Optional SAIP profile package (DER) installed and made active when
	 *  the card is created; NULL: the card starts without a profile. */
	const uint8_t *profile;
	size_t profile_len;
} veuicc_config;

/** Fill \p cfg with the defaults described in veuicc_config. */
VEUICC_API void veuicc_config_init(veuicc_config *cfg);

/** An opaque card. */
typedef struct veuicc_card veuicc_card;

/**
 * Create a card from \p cfg (NULL: all defaults). The card starts powered
 * off; call veuicc_reset() to get its ATR.
 * \param[in]  cfg  configuration, or NULL
 * \param[out] out  the new card
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (bad EID, bad ATR),
 *          VEUICC_ERR_NO_MEMORY, VEUICC_ERR_CRYPTO (RNG could not be seeded)
 */
VEUICC_API int veuicc_card_new(const veuicc_config *cfg, veuicc_card **out);

/** Destroy a card and zeroise its secrets. NULL is ignored. */
VEUICC_API void veuicc_card_free(veuicc_card *card);

/**
 * Reset the card and return its ATR. A cold reset powers the card on if it
 * was off. Afterwards only the basic channel is open, nothing is selected on
 * it, and the protocol is T=0 (the first one the ATR offers) until
 * veuicc_set_protocol() chooses another.
 * \param[out] atr      buffer of at least VEUICC_ATR_MAX bytes, or NULL
 * \param[out] atr_len  length written, or NULL
 */
VEUICC_API int veuicc_reset(veuicc_card *card, veuicc_reset_kind kind, uint8_t *atr,
                            size_t *atr_len);

/** Power the card off (volatile state is lost). */
VEUICC_API int veuicc_power_off(veuicc_card *card);

/** Non-zero while the card is powered. */
VEUICC_API int veuicc_is_powered(const veuicc_card *card);

/** The card's ATR without resetting it. */
VEUICC_API int veuicc_get_atr(const veuicc_card *card, uint8_t *atr, size_t *atr_len);

/**
 * Choose the transmission protocol, as after a PPS exchange.
 * \returns VEUICC_OK, VEUICC_ERR_UNSUPPORTED if the ATR does not offer it,
 *          VEUICC_ERR_NOT_POWERED
 */
VEUICC_API int veuicc_set_protocol(veuicc_card *card, veuicc_protocol proto);

/** The transmission protocol in use. */
VEUICC_API veuicc_protocol veuicc_get_protocol(const veuicc_card *card);

/**
 * Send one C-APDU and receive its R-APDU (data followed by SW1 SW2).
 *
 * Every syntactically wrong command gets a status word (6700, 6E00, ...), not
 * an error return: the return value reports only failures of the call itself.
 * In T=0 the card follows TS 102 221 §7.3 (61xx / 6Cxx / GET RESPONSE).
 * \param[in]  capdu     command bytes
 * \param[in]  capdu_len their number
 * \param[out] rapdu     response buffer
 * \param[in]  rapdu_cap its size (VEUICC_RAPDU_MAX always suffices)
 * \param[out] rapdu_len bytes written (at least 2 on success)
 * \returns VEUICC_OK, VEUICC_ERR_NOT_POWERED, VEUICC_ERR_BUFFER_TOO_SMALL
 *          (nothing is lost: the response stays pending for GET RESPONSE),
 *          VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_transmit(veuicc_card *card, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t rapdu_cap, size_t *rapdu_len);

/* ---- profiles -------------------------------------------------------- */

/** What the card reports about an installed profile. */
typedef struct veuicc_profile_info {
	char iccid[21]; /**< ICCID digits from the package header */
	char name[65];  /**< profileType from the header, "" if absent */
	int active;     /**< non-zero for the profile the terminal sees */
	size_t files;   /**< number of files (MF, DFs, ADFs, EFs) it created */
} veuicc_profile_info;

/**
 * Install a SAIP profile package (TCA eUICC Profile Package, DER): decode,
 * validate and build its file system and credentials. All or nothing: a
 * package that fails leaves the card unchanged.
 * \param[out] index   the new profile's index, or NULL
 * \param[out] msg     a one-line reason on failure (PE index and SAIP status),
 *                     or NULL
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_UNSUPPORTED (the
 *          package needs a feature veuicc lacks; msg names it),
 *          VEUICC_ERR_STATE (a profile with that ICCID is installed),
 *          VEUICC_ERR_NO_MEMORY, VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_install_profile(veuicc_card *card, const uint8_t *der, size_t len,
                                           size_t *index, char *msg, size_t msg_len);

/** Number of installed profiles. */
VEUICC_API size_t veuicc_card_profile_count(const veuicc_card *card);

/** Information on profile \p index. \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND. */
VEUICC_API int veuicc_card_profile_info(const veuicc_card *card, size_t index,
                                        veuicc_profile_info *info);

/**
 * Make profile \p index the one the terminal sees. Exactly one profile is
 * active at a time; switching ends every application session as a UICC
 * reset would (logical channels closed, MF selected; the protocol stays).
 * \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND
 */
VEUICC_API int veuicc_card_activate_profile(veuicc_card *card, size_t index);

/**
 * Open the persistent card kept in the file \p state_path, creating it from
 * \p cfg (NULL: defaults) if the file does not exist. The card's EID and
 * installed profiles (with which one is active) are kept in the file; every
 * later veuicc_card_install_profile() and veuicc_card_activate_profile() on
 * this card is saved atomically before it returns. File contents changed by
 * UPDATE commands are not kept yet (they come back as installed).
 * \returns as veuicc_card_new(), plus VEUICC_ERR_IO (cannot create, read or
 *          lock the file), VEUICC_ERR_MALFORMED (not a veuicc card file, or a
 *          stored profile that no longer installs), VEUICC_ERR_STATE (cfg
 *          names another EID than the file holds)
 */
VEUICC_API int veuicc_card_open(const char *state_path, const veuicc_config *cfg,
                                veuicc_card **out);

/** The card's EID as 32 digits plus NUL into \p out (33 bytes). */
VEUICC_API int veuicc_get_eid(const veuicc_card *card, char out[33]);

/**
 * Check an EID string: 32 decimal digits whose value mod 97 is 1
 * (SGP.02 §2.2.2, ISO 7064 MOD 97-10).
 * \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_eid_check(const char *eid);

/**
 * Human-readable name of a command, e.g. "SELECT", "GET RESPONSE", from its
 * CLA and INS. Never NULL ("UNKNOWN" for unknown codes).
 */
VEUICC_API const char *veuicc_ins_name(uint8_t cla, uint8_t ins);

/**
 * Meaning of a status word per ISO 7816-4 / TS 102 221 / GlobalPlatform,
 * e.g. "wrong length" for 6700. \p buf receives a NUL-terminated text.
 */
VEUICC_API const char *veuicc_sw_meaning(uint16_t sw, char *buf, size_t buf_len);

#ifdef __cplusplus
}
#endif

#endif /* VEUICC_VEUICC_H */
