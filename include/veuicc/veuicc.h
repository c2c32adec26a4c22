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
 * Behaviours in which real cards differ and terminals trip over
 * (docs/quirks.md). All zero (the default): veuicc's standard behaviour.
 * Parse them from text with veuicc_quirks_parse().
 */
typedef struct veuicc_quirks {
	/** ATR (built only when veuicc_config.atr is NULL): TA1 byte (Fi/Di,
	 *  ISO 7816-3 §8.3), 0: 96. One of 11, 13, 18, 94, 95, 96, 97. */
	uint8_t atr_ta1;
	/** ATR: supply classes in the first TA for T=15 (TS 102 221 §6.3.3),
	 *  bit 0 class A (5 V), bit 1 B (3 V), bit 2 C (1.8 V); 0: A, B and C. */
	uint8_t atr_classes;
	/** ATR: protocols offered, VEUICC_QUIRK_PROTO_*; 0: T=0 and T=1. */
	uint8_t atr_protocols;
	/** Non-zero: no PIN status template (C6) in the FCP of DFs and ADFs
	 *  (TS 102 221 §11.1.1.4.10 makes it mandatory; some cards omit it). */
	uint8_t fcp_no_pin_status;
	/** Non-zero: no proprietary information (A5) in any FCP. */
	uint8_t fcp_no_proprietary;
	/** Non-zero: no SFI object (88) in the FCP of EFs. */
	uint8_t fcp_no_sfi;
	/** Non-zero: the card does not support SFIs: READ/UPDATE BINARY with
	 *  P1 b8 set and record commands with an SFI in P2 get 6A81. */
	uint8_t sfi_unsupported;
	/** Non-zero: the REFRESH after a profile switch always has qualifier
	 *  refresh_qualifier, whatever the TERMINAL PROFILE says. */
	uint8_t refresh_force;
	/** The forced REFRESH qualifier (TS 102 223 §8.6): 00, 03, 04, 05,
	 *  06 or 09. */
	uint8_t refresh_qualifier;
	/** T=0, case 2 with Le different from the data length:
	 *  VEUICC_QUIRK_T0_CASE2_*; 0: 6Cxx. */
	uint8_t t0_case2;
	/** T=0, case 4: VEUICC_QUIRK_T0_CASE4_*; 0: 61xx, data kept for GET
	 *  RESPONSE. */
	uint8_t t0_case4;
	/** T=0, Le = 00 with fewer than 256 bytes available (case 2 and GET
	 *  RESPONSE): VEUICC_QUIRK_T0_LE00_*; 0: Le means 256, so 6Cxx. */
	uint8_t t0_le00;
} veuicc_quirks;

/** veuicc_quirks.atr_protocols */
#define VEUICC_QUIRK_PROTO_BOTH 0 /**< T=0 and T=1 (T=0 first) */
#define VEUICC_QUIRK_PROTO_T0   1 /**< T=0 only */
#define VEUICC_QUIRK_PROTO_T1   2 /**< T=1 only */
/** veuicc_quirks.t0_case2 */
#define VEUICC_QUIRK_T0_CASE2_6C 0 /**< 6Cxx, the command is to be repeated */
#define VEUICC_QUIRK_T0_CASE2_61 1 /**< 61xx, data kept for GET RESPONSE */
/** veuicc_quirks.t0_case4 */
#define VEUICC_QUIRK_T0_CASE4_61   0 /**< 61xx, then GET RESPONSE */
#define VEUICC_QUIRK_T0_CASE4_DATA 1 /**< the data at once, as an APDU-level reader gives it */
/** veuicc_quirks.t0_le00 */
#define VEUICC_QUIRK_T0_LE00_256   0 /**< Le 00 is 256: 6Cxx when fewer are available */
#define VEUICC_QUIRK_T0_LE00_EXACT 1 /**< Le 00 takes what is available */

/**
 * Add the quirks named in \p spec to \p q: "NAME[=VALUE]" items separated by
 * ',' or ';' (docs/quirks.md lists the names, e.g. "atr-ta1=95,t0-case4=data").
 * \param[out] msg  the reason on failure, naming the item, or NULL
 * \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG (unknown name or bad value;
 *          \p q may then be partly changed)
 */
VEUICC_API int veuicc_quirks_parse(const char *spec, veuicc_quirks *q, char *msg, size_t msg_len);

/**
 * Write the quirks of \p q that differ from the default as a spec that
 * veuicc_quirks_parse() reads back ("" for none).
 * \returns VEUICC_OK or VEUICC_ERR_BUFFER_TOO_SMALL
 */
VEUICC_API int veuicc_quirks_format(const veuicc_quirks *q, char *buf, size_t cap);

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
	/** Factory configuration file (JSON, docs/factory.md) that personalises
	 *  the card: EID, ISD-R keys, ECASD identity, pre-installed profiles.
	 *  Used by veuicc_card_new() and by veuicc_card_open() when it creates
	 *  the file; overrides eid, and profile must then be NULL. NULL: none. */
	const char *factory;
	/** Non-zero: test mode. The ISD-R and ISD-Ps also accept ES5/ES8
	 *  commands sent in plain APDUs (no SCP80/SCP03 protection), as test
	 *  benches driving a card without an SM-SR need. Zero (default): a
	 *  security domain whose keys are set refuses unprotected commands with
	 *  the spec's status, as a real eUICC does. Not stored in card files. */
	int test_mode;
	/** Card clock, seconds since 1970-01-01 00:00 UTC. 0 (default): the
	 *  card has no clock and the validity dates (5F25/5F24) of the
	 *  certificates it checks are ignored, as SGP.02 cards have no reliable
	 *  time. Non-zero: certificates not valid on that UTC day are refused
	 *  (EstablishISDPKeySet 6982). VEUICC_CLOCK_HOST: the host's time() at
	 *  each check. The clock does not advance by itself; see
	 *  veuicc_set_clock(). Not stored in card files. */
	int64_t clock_utc;
	/** Quirks (docs/quirks.md); all zero by default. The ATR quirks need
	 *  atr NULL. Not stored in card files. */
	veuicc_quirks quirks;
	/** Directory the applet runtime loads plugin packages from (shared
	 *  objects exporting veuicc_applet_plugin_v1, include/veuicc/applet.h,
	 *  docs/applets.md); NULL (default): built-in packages only. Not
	 *  stored in card files. */
	const char *applet_dir;
} veuicc_config;

/** veuicc_config.clock_utc: the card reads the host's clock. */
#define VEUICC_CLOCK_HOST ((int64_t)-1)

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

/**
 * Set the card clock (veuicc_config.clock_utc: seconds since the epoch,
 * UTC; 0 removes the clock, VEUICC_CLOCK_HOST follows the host's time()).
 * \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_set_clock(veuicc_card *card, int64_t clock_utc);

/**
 * Change the card's quirks. The T=0, FCP, SFI and REFRESH quirks apply from
 * the next command. The ATR quirks change the ATR veuicc_get_atr() reports
 * at once and the terminal gets at the next reset (a card created with an
 * explicit veuicc_config.atr keeps it and refuses them).
 * \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG (a value out of range, or ATR
 *          quirks on a card with an explicit ATR)
 */
VEUICC_API int veuicc_card_set_quirks(veuicc_card *card, const veuicc_quirks *q);

/** The card's quirks into \p out. \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG */
VEUICC_API int veuicc_card_get_quirks(const veuicc_card *card, veuicc_quirks *out);

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
 * \p cfg (NULL: defaults; cfg->factory: from a factory configuration) if
 * the file does not exist. The card's whole state is kept: EID, factory
 * identity, GP registry (ISD-Ps with their AIDs, states, attributes, POL1,
 * notifications), installed profiles, the active one, EF contents changed by
 * UPDATE/INCREASE, PIN/PUK retry counters and AKA SQN arrays. Every command
 * (each veuicc_transmit(), veuicc_card_install_profile(),
 * veuicc_card_activate_profile(), cold reset) is saved atomically before it
 * returns; if that write fails the card answers 6581, powers off and every
 * later call gives VEUICC_ERR_IO until it is reopened (docs/store.md).
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

/* ---- notifications, Fall-Back, Emergency Profile (SGP.02 §3.15, §3.16,
 * §5; docs/euicc.md "Notifications") ------------------------------------- */

/** Notification types (tag 4D; SGP.02 §4.1.1.11, values 01-05 per the
 *  project digest §5.1; 06/07 are veuicc's choice, docs/spec-decisions.md). */
#define VEUICC_NOTIF_TYPE_DECLARATION        0x01
#define VEUICC_NOTIF_TYPE_PROFILE_CHANGE     0x02
#define VEUICC_NOTIF_TYPE_ROLLBACK           0x03
#define VEUICC_NOTIF_TYPE_FALLBACK           0x05
#define VEUICC_NOTIF_TYPE_EMERGENCY_ENABLED  0x06
#define VEUICC_NOTIF_TYPE_EMERGENCY_DISABLED 0x07

/** Largest encoded notification (E1 template). */
#define VEUICC_NOTIFICATION_MAX 64

/** A pending notification. */
typedef struct veuicc_notification {
	uint16_t seq;     /**< sequence number (tag 4E) */
	uint8_t type;     /**< VEUICC_NOTIF_TYPE_* (tag 4D) */
	uint32_t retries; /**< cold resets since it was created (each one retries it) */
	uint8_t data[VEUICC_NOTIFICATION_MAX]; /**< the encoded E1 template */
	size_t len;                            /**< its length */
} veuicc_notification;

/** Number of notifications the card keeps until the SM-SR confirms them
 *  (STORE DATA DGI 3A08 to the ISD-R). */
VEUICC_API size_t veuicc_card_notification_count(const veuicc_card *card);

/**
 * Pending notification \p index (0 = oldest): its sequence number and its
 * encoding E1 { 4C EID, 4D type, 4E seq, 2F ISD-P AID } as the card sends it
 * to the SM-SR (the SMS/HTTPS delivery belongs to the CAT layer).
 * \returns VEUICC_OK, VEUICC_ERR_NOT_FOUND, VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_notification_get(const veuicc_card *card, size_t index,
                                            veuicc_notification *out);

/**
 * The device reports that the enabled profile cannot attach to a network:
 * the Fall-Back mechanism (SGP.02 §3.16) disables it whatever its POL1 says,
 * enables the profile with the Fall-Back Attribute and queues a notification
 * of type 05.
 * \returns VEUICC_OK; VEUICC_ERR_NOT_FOUND (no installed Fall-Back profile);
 *          VEUICC_ERR_STATE (no enabled profile, the Fall-Back profile is
 *          enabled already, or the Emergency Profile is enabled);
 *          VEUICC_ERR_IO (the card file could not be written)
 */
VEUICC_API int veuicc_card_network_attach_failed(veuicc_card *card);

/**
 * Local (device-side, ESx) enable of the Emergency Profile: the profile with
 * the Emergency Profile Attribute becomes enabled whatever the POL1 of the
 * enabled one says; the previous one is remembered. Notification type 06.
 * \returns VEUICC_OK; VEUICC_ERR_NOT_FOUND (no profile holds the attribute);
 *          VEUICC_ERR_STATE (it is enabled already); VEUICC_ERR_IO
 */
VEUICC_API int veuicc_card_emergency_enable(veuicc_card *card);

/**
 * Local disable of the Emergency Profile: the previously enabled profile
 * (or, if it was deleted meanwhile, the Fall-Back profile) is enabled again.
 * Notification type 07.
 * \returns VEUICC_OK; VEUICC_ERR_STATE (the Emergency Profile is not enabled,
 *          or there is no profile to return to); VEUICC_ERR_IO
 */
VEUICC_API int veuicc_card_emergency_disable(veuicc_card *card);

/**
 * Local (device-side, ESx) LocalEnableTestProfile (SGP.02 v4 §3.22): the
 * profile with the Test Profile attribute (set by the factory
 * configuration) becomes enabled whatever the POL1 of the enabled one says;
 * the previous one is remembered. No notification (docs/euicc.md).
 * \returns VEUICC_OK; VEUICC_ERR_NOT_FOUND (no Test Profile installed);
 *          VEUICC_ERR_STATE (it is enabled already, or the Emergency Profile
 *          is enabled); VEUICC_ERR_IO
 */
VEUICC_API int veuicc_card_test_profile_enable(veuicc_card *card);

/**
 * Local LocalDisableTestProfile (SGP.02 v4 §3.23): the previously enabled
 * profile (or, if it was deleted meanwhile, the Fall-Back profile) is
 * enabled again. No notification.
 * \returns VEUICC_OK; VEUICC_ERR_STATE (the Test Profile is not enabled, or
 *          there is no profile to return to); VEUICC_ERR_IO
 */
VEUICC_API int veuicc_card_test_profile_disable(veuicc_card *card);

/**
 * The connectivity parameters last stored in an ISD-P by ES8
 * UpdateConnectivityParameters (STORE DATA DGI 3A07 to the ISD-P): the DGI
 * value, e.g. A0 { 06 L TON/NPI BCD } (SMS parameters). \p aid NULL: the
 * ISD-P of the enabled profile, the one whose parameters the ISD-R uses.
 * \returns VEUICC_OK; VEUICC_ERR_NOT_FOUND (no such ISD-P, or never set);
 *          VEUICC_ERR_BUFFER_TOO_SMALL (\p len gets the size); VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_connectivity_params(const veuicc_card *card, const uint8_t *aid,
                                               size_t aid_len, uint8_t *buf, size_t cap,
                                               size_t *len);

/**
 * The SM-SR addressing parameters last stored by UpdateSMSRAddressingParameters
 * (DGI 3A07 to the ISD-R): the value of its A3 template (e.g. 81 L address).
 * \returns VEUICC_OK; VEUICC_ERR_NOT_FOUND (never set);
 *          VEUICC_ERR_BUFFER_TOO_SMALL; VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_smsr_addressing(const veuicc_card *card, uint8_t *buf, size_t cap,
                                           size_t *len);

/* ---- security domains and factory data ------------------------------ */

/** State of an ISD-P (SGP.02 §2.x life cycle, GP life-cycle byte). */
typedef enum veuicc_isdp_state {
	VEUICC_ISDP_CREATED = 0,      /**< created by CreateISDP (SELECTABLE) */
	VEUICC_ISDP_PERSONALISED = 1, /**< keys received, no profile yet */
	VEUICC_ISDP_DISABLED = 2,     /**< a profile installed, not enabled */
	VEUICC_ISDP_ENABLED = 3,      /**< the enabled profile */
} veuicc_isdp_state;

/** What the card reports about one ISD-P. */
typedef struct veuicc_isdp_info {
	uint8_t aid[16];
	size_t aid_len;
	veuicc_isdp_state state;
	uint8_t lcs;        /**< GP life-cycle byte */
	int fallback;       /**< SGP.02 Fall-Back Attribute */
	int emergency;      /**< SGP.02 Emergency Profile Attribute */
	uint8_t pol1;       /**< POL1 bits of its profile */
	char iccid[21];     /**< ICCID of its profile, "" without one */
	long profile_index; /**< index for veuicc_card_profile_info(), -1: none */
	int test;           /**< SGP.02 v4 Test Profile (factory attribute) */
} veuicc_isdp_info;

/** Number of ISD-Ps on the card. */
VEUICC_API size_t veuicc_card_isdp_count(const veuicc_card *card);

/** Information on ISD-P \p index (creation order). \returns VEUICC_OK or
 *  VEUICC_ERR_NOT_FOUND. */
VEUICC_API int veuicc_card_isdp_info(const veuicc_card *card, size_t index, veuicc_isdp_info *info);

/** Kind of an ISD-R key set (docs/factory.md). */
typedef enum veuicc_keyset_type {
	VEUICC_KEYSET_SCP80 = 0, /**< OTA SMS: KIc (key1) and KID (key2), TS 102 225 */
	VEUICC_KEYSET_SCP81 = 1, /**< HTTPS: TLS-PSK (key1) with psk_id, GP Amd B */
	VEUICC_KEYSET_SCP03 = 2, /**< S-ENC (key1), S-MAC (key2), DEK (key3), GP Amd D */
	VEUICC_KEYSET_TOKEN = 3, /**< ISD-P token key (key1, AES, KVN 70, GP CS §C.4) */
} veuicc_keyset_type;

/** One ISD-R key set from the factory configuration. Holds secrets. */
typedef struct veuicc_keyset {
	veuicc_keyset_type type;
	uint8_t kvn;      /**< key version number */
	uint8_t kic_algo; /**< SCP80: KIc algorithm byte (TS 102 225 §5.1.2) */
	uint8_t kid_algo; /**< SCP80: KID algorithm byte */
	uint8_t key1[32], key2[32], key3[32];
	size_t key1_len, key2_len, key3_len;
	char psk_id[65]; /**< SCP81 PSK identity, "" if none */
} veuicc_keyset;

/** Number of ISD-R key sets the card holds now (factory sets as changed by PUT KEY
 *  and the SM-SR change, docs/smsr-change.md). */
VEUICC_API size_t veuicc_card_keyset_count(const veuicc_card *card);

/** Key set \p index. \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND. */
VEUICC_API int veuicc_card_keyset(const veuicc_card *card, size_t index, veuicc_keyset *out);

/** The ISD-R TAR. \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND (none configured). */
VEUICC_API int veuicc_card_isdr_tar(const veuicc_card *card, uint8_t tar[3]);

/**
 * Create the card file \p card_path from the factory configuration file
 * \p factory_path. The file is written under a temporary name and renamed
 * when complete; an existing \p card_path is refused (VEUICC_ERR_STATE).
 * \param[out] msg  the reason on failure ("FILE: $.path: ..."), or NULL
 */
VEUICC_API int veuicc_card_create(const char *card_path, const char *factory_path, char *msg,
                                  size_t msg_len);

/* ---- test bench: snapshots and fault injection (docs/testbench.md) ---- */

/**
 * Save the whole persistent state of \p card (EID, factory identity, key
 * sets and counters, GP registry, profiles with every file's contents, PINs,
 * notifications) to a new card file \p path, written under a temporary name
 * and renamed (an existing \p path is replaced atomically). Works for cards
 * in memory and in files. Volatile state (power, selections, channels,
 * sessions, the proactive queue) is not saved: a restored card is the card
 * after a power cycle. The snapshot is itself a card file.
 * \returns VEUICC_OK; VEUICC_ERR_IO (cannot write, or the card died at a
 *          power cut); VEUICC_ERR_NO_MEMORY; VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_snapshot(veuicc_card *card, const char *path);

/**
 * A new card in memory with the state saved in the snapshot \p path (which
 * is only read). \p cfg gives what card files do not keep (random seed,
 * test mode, clock); its eid, if set, must be the snapshot's.
 * \returns as veuicc_card_open(); VEUICC_ERR_NOT_FOUND (no such file);
 *          VEUICC_ERR_MALFORMED (not a card snapshot)
 */
VEUICC_API int veuicc_card_restore(const char *path, const veuicc_config *cfg, veuicc_card **out);

/**
 * Replace the card file \p card_path (which must not be open) by the
 * snapshot \p snapshot_path: the new file is written and checked under a
 * temporary name and renamed over the old one, so a crash at any moment
 * leaves either the old card file or the restored one.
 * \returns VEUICC_OK; VEUICC_ERR_IO (the card file is in use, cannot
 *          write); VEUICC_ERR_NOT_FOUND; VEUICC_ERR_MALFORMED
 */
VEUICC_API int veuicc_card_restore_file(const char *snapshot_path, const char *card_path);

/** Receives one line (no newline) per injected fault; NULL sink: stderr. */
typedef void (*veuicc_log_fn)(void *ctx, const char *line);

/** Send the card's log lines (injected faults, applet runtime) to \p fn
 *  (NULL: stderr, the default). */
VEUICC_API void veuicc_set_log(veuicc_card *card, veuicc_log_fn fn, void *ctx);

/**
 * Arm faults on \p card from a text \p spec: one or more items separated by
 * ';' (docs/testbench.md):
 *   cut:N              power cut at the Nth persistent write from now (card
 *                      files only: VEUICC_ERR_UNSUPPORTED in memory)
 *   sw:SW:MATCH[:N]    the Nth C-APDU (default 1st) starting with MATCH
 *                      (hex, "xx" matches any byte) is answered SW (4 hex
 *                      digits) without running it
 *   latency:MS         the driver or CLI waits MS ms before each APDU
 *   drop:N             the Nth proactive command queued is discarded
 *   ota:N[:OFF]        byte OFF (default: the last) of the TPDU of the Nth
 *                      SMS-PP ENVELOPE is inverted before it is processed
 * Counting starts when the item is armed; every item fires once (latency:
 * every APDU) and logs one line when it does.
 * \returns VEUICC_OK; VEUICC_ERR_MALFORMED (bad spec, nothing armed);
 *          VEUICC_ERR_UNSUPPORTED; VEUICC_ERR_NO_MEMORY; VEUICC_ERR_INVALID_ARG
 */
VEUICC_API int veuicc_card_fault(veuicc_card *card, const char *spec);

/** Check the syntax of a fault \p spec without a card (reader configs).
 *  \returns VEUICC_OK or VEUICC_ERR_MALFORMED */
VEUICC_API int veuicc_fault_spec_check(const char *spec);

/** Disarm every fault of \p card (latency too). */
VEUICC_API void veuicc_card_fault_clear(veuicc_card *card);

/**
 * Milliseconds the driver or CLI should wait before passing the next APDU
 * (latency:MS, 0: none). The library never sleeps. Logs one line when not 0.
 */
VEUICC_API unsigned veuicc_card_fault_latency(veuicc_card *card);

#ifdef __cplusplus
}
#endif

#endif /* VEUICC_VEUICC_H */
