/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file scp03.h
 * \brief SCP03 card side (GlobalPlatform Card Specification v2.3 Amendment D,
 *        S8 mode): INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, command
 *        unwrapping (C-MAC, C-DECRYPTION) and response wrapping (R-MAC,
 *        R-ENCRYPTION).
 *
 * One veuicc_scp03_ctx is one secure-channel session of one security domain
 * on one logical channel. The module holds no global state; static keys live
 * in caller-owned veuicc_scp03_keyset records that the caller looks up by KVN
 * (and persists: the sequence counter changes on INITIALIZE UPDATE).
 *
 * Typical dispatch by the security domain (not done here):
 *  - INS 50 (CLA without SM)      → veuicc_scp03_initialize_update()
 *  - INS 82                        → veuicc_scp03_external_authenticate()
 *  - any other command while veuicc_scp03_is_open() → veuicc_scp03_unwrap(),
 *    process the plain command, then veuicc_scp03_wrap() on its response.
 * Every SM failure closes the session (6982) and the caller answers with the
 * bare status word.
 */
#ifndef VEUICC_SCP_SCP03_H
#define VEUICC_SCP_SCP03_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>

#include "veuicc/veuicc.h"

/** Largest AES key (AES-256). */
#define VEUICC_SCP03_KEY_MAX 32
/** Largest SD AID used as the pseudo-random challenge context (ISO 7816-5). */
#define VEUICC_SCP03_AID_MAX 16
/** Key diversification data length (Amd D §7.1.1.3). */
#define VEUICC_SCP03_KDD_LEN 10
/** S8 challenge / cryptogram / transmitted MAC length. */
#define VEUICC_SCP03_S8 8
/** INITIALIZE UPDATE response data: 29 bytes, 32 with the sequence counter. */
#define VEUICC_SCP03_IU_RSP_MAX 32
/** Largest sequence counter value (3 bytes, Amd D §6.2.2.1). */
#define VEUICC_SCP03_SEQ_MAX 0xFFFFFFu

/** Security level bits, EXTERNAL AUTHENTICATE P1 (Amd D §7.1.2.1). */
enum veuicc_scp03_level {
	VEUICC_SCP03_C_MAC = 0x01,
	VEUICC_SCP03_C_DEC = 0x02,
	VEUICC_SCP03_R_MAC = 0x10,
	VEUICC_SCP03_R_ENC = 0x20,
};

/** "i" parameter bits (Amd D §5.1 table "Values of parameter i"). */
enum veuicc_scp03_i {
	VEUICC_SCP03_I_PSEUDO_RANDOM = 0x10, /**< pseudo-random card challenge, counter returned */
	VEUICC_SCP03_I_RMAC = 0x20,          /**< R-MAC supported */
	VEUICC_SCP03_I_RENC = 0x40,          /**< R-ENCRYPTION supported */
};

/** A static SCP03 key set (Amd D §6.1): KVN and three AES keys of one length. */
typedef struct veuicc_scp03_keyset {
	uint8_t kvn;                       /**< key version number, 30..3F for SCP03 */
	uint8_t key_len;                   /**< 16, 24 or 32 */
	uint8_t enc[VEUICC_SCP03_KEY_MAX]; /**< Key-ENC (KID 01) */
	uint8_t mac[VEUICC_SCP03_KEY_MAX]; /**< Key-MAC (KID 02) */
	uint8_t dek[VEUICC_SCP03_KEY_MAX]; /**< Key-DEK (KID 03), unused by the session */
	uint32_t seq_counter;              /**< last sequence counter used (0: none yet) */
} veuicc_scp03_keyset;

/**
 * Key set lookup: return the key set with version \p kvn, or for \p kvn = 0
 * the default (first available) key set (GP CS v2.3 §11.8.2.1 / Amd D
 * §7.1.1.1); NULL when there is none. The returned record is updated in place
 * (sequence counter) and must stay valid during the call.
 */
typedef veuicc_scp03_keyset *(*veuicc_scp03_lookup_fn)(void *arg, uint8_t kvn);

/** Random bytes, mbedtls f_rng convention (0 = success). */
typedef int (*veuicc_scp03_rng_fn)(void *arg, unsigned char *buf, size_t len);

/** Static configuration of a session context. */
typedef struct veuicc_scp03_cfg {
	const uint8_t *sd_aid; /**< AID of the addressed SD (pseudo-random challenge context) */
	size_t sd_aid_len;     /**< 5..16 */
	uint8_t kdd[VEUICC_SCP03_KDD_LEN]; /**< key diversification data returned by INIT UPDATE */
	bool random_challenge;   /**< true: random card challenge (i = 60), else pseudo-random (i =
	                            70) */
	veuicc_scp03_rng_fn rng; /**< needed when random_challenge is set */
	void *rng_arg;
} veuicc_scp03_cfg;

/** Session state. */
enum veuicc_scp03_state {
	VEUICC_SCP03_IDLE = 0,      /**< no session */
	VEUICC_SCP03_INITIALIZED,   /**< INITIALIZE UPDATE done, EXTERNAL AUTHENTICATE expected */
	VEUICC_SCP03_AUTHENTICATED, /**< secure channel open at \c level */
};

/** One SCP03 session (no globals; zeroised on close). */
typedef struct veuicc_scp03_ctx {
	/* configuration */
	uint8_t sd_aid[VEUICC_SCP03_AID_MAX];
	uint8_t sd_aid_len;
	uint8_t kdd[VEUICC_SCP03_KDD_LEN];
	bool random_challenge;
	veuicc_scp03_rng_fn rng;
	void *rng_arg;
	/* session */
	uint8_t state;   /**< enum veuicc_scp03_state */
	uint8_t level;   /**< security level bits (enum veuicc_scp03_level) */
	uint8_t kvn;     /**< key set of the session */
	uint8_t key_len; /**< session key length */
	uint8_t s_enc[VEUICC_SCP03_KEY_MAX];
	uint8_t s_mac[VEUICC_SCP03_KEY_MAX];
	uint8_t s_rmac[VEUICC_SCP03_KEY_MAX];
	uint8_t host_challenge[VEUICC_SCP03_S8];
	uint8_t card_challenge[VEUICC_SCP03_S8];
	uint8_t mcv[16];      /**< MAC chaining value (last full C-MAC) */
	uint64_t enc_counter; /**< command counter (Amd D §6.2.6), low 64 bits of 128 */
	bool rsp_pending;     /**< a command was unwrapped and its response is not yet wrapped */
	/* The session keys prepared once for the session (key schedules and
	 * CMAC contexts; preparing them per command cost more than the
	 * cryptography itself, bench/bench_scp.c). Valid only while keyed_at is
	 * this context's address: a copied context prepares its own. Released
	 * (zeroised, freed) by veuicc_scp03_reset(). */
	const void *keyed_at;
	mbedtls_aes_context enc_sched;   /**< S-ENC, encryption */
	mbedtls_aes_context dec_sched;   /**< S-ENC, decryption */
	mbedtls_cipher_context_t c_mac;  /**< AES-CMAC keyed with S-MAC */
	mbedtls_cipher_context_t c_rmac; /**< AES-CMAC keyed with S-RMAC */
} veuicc_scp03_ctx;

/**
 * Initialise \p ctx (no session) from \p cfg.
 * \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG (bad AID length, random mode without rng)
 */
int veuicc_scp03_init(veuicc_scp03_ctx *ctx, const veuicc_scp03_cfg *cfg);

/**
 * Release the prepared key schedules and CMAC contexts of \p ctx while
 * keeping the session: they are prepared again on next use. Call it before
 * a context is moved in memory (memmove, realloc) or when it stays idle
 * long; veuicc_scp03_reset() releases them too.
 */
void veuicc_scp03_release(veuicc_scp03_ctx *ctx);

/**
 * Close the session (deselect, reset, any SM failure) and zeroise the session
 * keys and chaining value; the configuration is kept.
 */
void veuicc_scp03_reset(veuicc_scp03_ctx *ctx);

/** True when EXTERNAL AUTHENTICATE succeeded and the session is open. */
bool veuicc_scp03_is_open(const veuicc_scp03_ctx *ctx);

/**
 * SCP03 KDF (NIST SP 800-108 counter mode, PRF AES-CMAC, GP field order,
 * Amd D §6.2.1): output = CMAC(key, 11×00 ‖ constant ‖ 00 ‖ L ‖ i ‖ context)
 * for i = 1, 2, … truncated to \p out_len bytes (L = 8·out_len bits).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_kdf(const uint8_t *key, size_t key_len, uint8_t constant, const uint8_t *context,
                     size_t context_len, uint8_t *out, size_t out_len);

/**
 * Card side of INITIALIZE UPDATE (Amd D §7.1.1): closes any open session,
 * looks up the key set P1 (00 = default), increments its sequence counter,
 * derives the card challenge (pseudo-random, Amd D §6.2.2.1: KDF(Key-ENC,
 * 02, counter ‖ SD AID), or random), the session keys and the card
 * cryptogram. On 9000 \p rsp holds KDD(10) ‖ KVN ‖ 03 ‖ i ‖ card challenge
 * ‖ card cryptogram [‖ sequence counter].
 * \p sw: 9000, 6E00 (CLA with SM / not GP), 6D00 (INS), 6A86 (P2),
 * 6700 (Lc ≠ 8), 6A88 (KVN not found / not an AES key set), 6985 (sequence
 * counter exhausted).
 * \returns VEUICC_OK (the outcome is in \p sw), VEUICC_ERR_INVALID_ARG,
 *          VEUICC_ERR_BUFFER_TOO_SMALL (\p rsp_cap < 32), VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_initialize_update(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup,
                                   void *lookup_arg, const uint8_t *capdu, size_t capdu_len,
                                   uint8_t *rsp, size_t rsp_cap, size_t *rsp_len, uint16_t *sw);

/**
 * Card side of EXTERNAL AUTHENTICATE (Amd D §7.1.2). Checks, in order:
 * INITIALIZE UPDATE immediately before (else 6985), CLA with SM / INS / Lc =
 * 16 (6E00 / 6D00 / 6700), P2 = 00 and P1 one of 01 03 11 13 33 (6A86), the
 * C-MAC with MCV = 0 (6982), the host cryptogram in constant time (6300). On
 * 9000 the session is open at level P1; on any failure no session remains.
 * \returns VEUICC_OK (outcome in \p sw), VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_external_authenticate(veuicc_scp03_ctx *ctx, const uint8_t *capdu,
                                       size_t capdu_len, uint16_t *sw);

/**
 * Unwrap a command received in the open session (Amd D §6.2.4–6.2.6): check
 * the SM indication in CLA, verify the C-MAC over MCV ‖ CLA' INS P1 P2 Lc' ‖
 * data' (CLA' = CLA without channel bits), chain the MCV, increment the
 * command counter, and with C-DEC decrypt (ICV = E(S-ENC, counter)) and strip
 * the 80 00.. padding. \p out gets the plain C-APDU: CLA without SM bit,
 * plain Lc and data, the received Le. Short and extended lengths.
 * \p sw: 9000; 6982 (no session, command without SM, MAC or padding error —
 * or fewer than 8 data bytes — the session is closed), 6700 (length fields
 * inconsistent, session closed), 6882 (ISO SM format in CLA, session closed).
 * \returns VEUICC_OK (outcome in \p sw), VEUICC_ERR_INVALID_ARG,
 *          VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_unwrap(veuicc_scp03_ctx *ctx, const uint8_t *capdu, size_t capdu_len, uint8_t *out,
                        size_t out_cap, size_t *out_len, uint16_t *sw);

/**
 * Protect the R-APDU (data ‖ SW1 SW2) of the command last unwrapped (Amd D
 * §6.2.7–6.2.8): with R-ENC pad and encrypt non-empty data (ICV = E(S-ENC,
 * 80 ‖ counter[1..15])), with R-MAC append CMAC(S-RMAC, MCV ‖ data' ‖ SW)
 * truncated to 8. Error status words (not 9000/62xx/63xx) are returned bare.
 * Without an unwrapped command or without R-MAC the R-APDU is copied as is.
 * \p out may not overlap \p rapdu.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (shorter than 2 bytes),
 *          VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_wrap(veuicc_scp03_ctx *ctx, const uint8_t *rapdu, size_t rapdu_len, uint8_t *out,
                      size_t out_cap, size_t *out_len);

/* ---- mode-independent core (shared by APDU mode and SCP03t, SGP.02
 * §4.1.3.3: the "header" is CLA' INS P1 P2 Lc in APDU mode and tag ‖ length
 * in TLV mode) ---------------------------------------------------------- */

/** True for the security levels EXTERNAL AUTHENTICATE accepts (01 03 11 13 33). */
bool veuicc_scp03_level_valid(uint8_t level);

/**
 * INITIALIZE UPDATE without its APDU (Amd D §7.1.1): closes any session,
 * looks up key set \p kvn (00: default), advances its counter, derives the
 * card challenge, session keys and card cryptogram; \p rsp as for
 * veuicc_scp03_initialize_update(). \p sw: 9000, 6A88, 6985.
 * \returns VEUICC_OK (outcome in \p sw), VEUICC_ERR_INVALID_ARG,
 *          VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_open_session(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup,
                              void *lookup_arg, uint8_t kvn, const uint8_t host_challenge[8],
                              uint8_t *rsp, size_t rsp_cap, size_t *rsp_len, uint16_t *sw);

/**
 * EXTERNAL AUTHENTICATE without its APDU (Amd D §7.1.2): the C-MAC (MCV =
 * 0) over \p hdr ‖ \p mac_data up to and including the host cryptogram
 * \p crypto, which is followed by the 8-byte C-MAC; then the host
 * cryptogram. \p sw: 9000 (session open at \p level), 6985 (no INITIALIZE
 * UPDATE before), 6A86 (level), 6982 (C-MAC), 6300 (cryptogram); any failure
 * closes the session. \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_authenticate(veuicc_scp03_ctx *ctx, uint8_t level, const uint8_t *hdr,
                              size_t hdr_len, const uint8_t *mac_data, const uint8_t crypto[16],
                              uint16_t *sw);

/**
 * Verify and strip the C-MAC of \p body (data ‖ 8-byte MAC) over MCV ‖
 * \p hdr ‖ data, chain the MCV, advance the command counter and, with C-DEC,
 * decrypt and unpad into \p out (Amd D §6.2.4-6.2.6). \p sw: 9000 or 6982
 * (session closed). \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG,
 * VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_CRYPTO
 */
int veuicc_scp03_unwrap_body(veuicc_scp03_ctx *ctx, const uint8_t *hdr, size_t hdr_len,
                             const uint8_t *body, size_t body_len, uint8_t *out, size_t out_cap,
                             size_t *out_len, uint16_t *sw);

/** R-ENC of non-empty response data (Amd D §6.2.7): pad 80 00.., AES-CBC
 *  with ICV = E(S-ENC, 80 ‖ counter); \p out may equal \p data.
 *  \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_BUFFER_TOO_SMALL,
 *  VEUICC_ERR_CRYPTO */
int veuicc_scp03_rsp_encrypt(veuicc_scp03_ctx *ctx, const uint8_t *data, size_t len, uint8_t *out,
                             size_t out_cap, size_t *out_len);

/** R-MAC (Amd D §6.2.8): first 8 bytes of CMAC(S-RMAC, MCV ‖ \p a ‖ \p b).
 *  \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO */
int veuicc_scp03_rsp_mac(veuicc_scp03_ctx *ctx, const uint8_t *a, size_t a_len, const uint8_t *b,
                         size_t b_len, uint8_t mac[8]);

#endif /* VEUICC_SCP_SCP03_H */
