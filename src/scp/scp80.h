/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file scp80.h
 * \brief SCP80: ETSI TS 102 225 secured packets in the 3GPP TS 31.115 SMS
 *        dialect (command packets, response packets / PoR).
 *
 * Card side: veuicc_scp80_unwrap() checks and deciphers a command packet and
 * veuicc_scp80_wrap_por() builds the response packet (PoR). Host side (tests,
 * `veuicc ota`): veuicc_scp80_wrap_cmd() builds a command packet and
 * veuicc_scp80_unwrap_por() checks a PoR.
 *
 * Command packet (from CPL on; the SMS UDH `02 70 00` is not part of it):
 *   CPL(2) CHL(1) SPI(2) KIc(1) KID(1) TAR(3) | CNTR(5) PCNTR(1) RC/CC(0/4/8) data pad
 * where the part after TAR is ciphered (CBC, zero IV, KIc key) when SPI asks.
 * Response packet (from the UDH on, the PoR RC/CC covers `02 71 00`):
 *   02 71 00 RPL(2) RHL(1) TAR(3) | CNTR(5) PCNTR(1) status(1) RC/CC data pad
 *
 * Status codes are those of TS 102 225 §5.1.2 Table 5 (+ TS 31.115 §7).
 * No function keeps state: the counter lives with the caller's key set and is
 * changed only when a packet is accepted (TS 102 225 §5.1.1).
 */
#ifndef VEUICC_SCP80_H
#define VEUICC_SCP80_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Response status codes, TS 102 225 §5.1.2 Table 5 and TS 31.115 §7. */
enum veuicc_scp80_status {
	VEUICC_SCP80_POR_OK = 0x00,          /**< PoR OK */
	VEUICC_SCP80_RC_CC_DS_FAILED = 0x01, /**< RC/CC/DS failed */
	VEUICC_SCP80_CNTR_LOW = 0x02,        /**< counter not higher than stored */
	VEUICC_SCP80_CNTR_HIGH = 0x03,       /**< counter more than one higher (mode 11) */
	VEUICC_SCP80_CNTR_BLOCKED = 0x04,    /**< stored counter at its maximum */
	VEUICC_SCP80_CIPHERING_ERROR = 0x05, /**< ciphering / padding error */
	VEUICC_SCP80_SECURITY_ERROR = 0x06,  /**< unidentified security error (keys, algorithms) */
	VEUICC_SCP80_NO_MEMORY = 0x07,       /**< insufficient memory to process the message */
	VEUICC_SCP80_MORE_TIME = 0x08,       /**< more time needed */
	VEUICC_SCP80_TAR_UNKNOWN = 0x09,     /**< TAR unknown */
	VEUICC_SCP80_INSUFFICIENT_SECURITY = 0x0A, /**< below the minimum security level */
	VEUICC_SCP80_VIA_SMS_SUBMIT = 0x0B,        /**< (31.115) response follows by SMS-SUBMIT */
	VEUICC_SCP80_VIA_USSD = 0x0C,              /**< (31.115) response follows by USSD */
};

/* SPI first octet, TS 102 225 §5.1.1 */
#define VEUICC_SCP80_SPI1_NONE            0x00 /**< b2b1: no RC/CC/DS */
#define VEUICC_SCP80_SPI1_RC              0x01 /**< b2b1: redundancy check */
#define VEUICC_SCP80_SPI1_CC              0x02 /**< b2b1: cryptographic checksum */
#define VEUICC_SCP80_SPI1_DS              0x03 /**< b2b1: digital signature (not supported) */
#define VEUICC_SCP80_SPI1_CIPHER          0x04 /**< b3: ciphering */
#define VEUICC_SCP80_SPI1_CNTR_NONE       0x00 /**< b5b4 00: no counter */
#define VEUICC_SCP80_SPI1_CNTR_AVAIL      0x08 /**< b5b4 01: counter available, not checked */
#define VEUICC_SCP80_SPI1_CNTR_HIGHER     0x10 /**< b5b4 10: must be higher */
#define VEUICC_SCP80_SPI1_CNTR_ONE_HIGHER 0x18 /**< b5b4 11: must be exactly one higher */
/* SPI second octet */
#define VEUICC_SCP80_SPI2_POR_NONE     0x00 /**< b2b1 00: no PoR */
#define VEUICC_SCP80_SPI2_POR_ALWAYS   0x01 /**< b2b1 01: PoR required */
#define VEUICC_SCP80_SPI2_POR_ON_ERROR 0x02 /**< b2b1 10: PoR only on error */
#define VEUICC_SCP80_SPI2_POR_RC       0x04 /**< b4b3 01: PoR with RC */
#define VEUICC_SCP80_SPI2_POR_CC       0x08 /**< b4b3 10: PoR with CC */
#define VEUICC_SCP80_SPI2_POR_CIPHER   0x10 /**< b5: PoR ciphered */
#define VEUICC_SCP80_SPI2_POR_SUBMIT   0x20 /**< b6: PoR by SMS-SUBMIT (31.115) */

/** KIc / KID algorithm (low nibble of KIc/KID, TS 102 225 §5.1.2/§5.1.3). */
enum veuicc_scp80_alg {
	VEUICC_SCP80_ALG_IMPLICIT = 0x0, /**< in a packet: "the key set's algorithm" */
	VEUICC_SCP80_ALG_DES = 0x1,      /**< single DES CBC / CBC-MAC (legacy) */
	VEUICC_SCP80_ALG_AES = 0x2,      /**< AES-CBC / AES-CMAC, key 16/24/32 bytes */
	VEUICC_SCP80_ALG_3DES2 = 0x5,    /**< 3DES outer-CBC / CBC-MAC, 16-byte key */
	VEUICC_SCP80_ALG_3DES3 = 0x9,    /**< 3DES outer-CBC / CBC-MAC, 24-byte key */
};
/* KID coding when SPI asks for an RC, TS 102 225 §5.1.3.2 (CRC32 only is supported) */
#define VEUICC_SCP80_RC_CRC32 0x5

/** One key set (KVN 1..15) of a security domain: key id 1 = KIc, 2 = KID. */
typedef struct veuicc_scp80_keyset {
	uint8_t kvn;     /**< key version number, the KIc/KID key index */
	uint8_t kic_alg; /**< enum veuicc_scp80_alg, not IMPLICIT */
	uint8_t kid_alg; /**< enum veuicc_scp80_alg, not IMPLICIT */
	uint8_t kic_len; /**< 8 (DES), 16, 24, 32 */
	uint8_t kid_len;
	uint8_t kic[32];
	uint8_t kid[32];
	uint8_t cc_len; /**< CC length in commands and PoRs: 8 (default when 0) or 4 (AES) */
	/** AES key schedules and the CMAC context prepared once by
	 *  veuicc_scp80_keyset_prepare() (NULL: prepared per packet). Owned by
	 *  this record: released by veuicc_scp80_keyset_wipe(); a copy of the
	 *  record must not keep it. */
	struct veuicc_scp80_prepared *prepared;
} veuicc_scp80_keyset;

/** Replay counter of one key set (5 bytes, big-endian), kept by the caller. */
typedef struct veuicc_scp80_counter {
	uint8_t value[5];
} veuicc_scp80_counter;

/** Result of a key set look-up. */
enum veuicc_scp80_lookup {
	VEUICC_SCP80_FOUND = 0,     /**< *ks and *cntr set */
	VEUICC_SCP80_NO_TAR = 1,    /**< no application has this TAR (status 09) */
	VEUICC_SCP80_NO_KEYSET = 2, /**< TAR known, no key set with this KVN (status 06) */
};

/**
 * Key set look-up by (TAR, KVN). Set *ks to the key set and *cntr to its
 * counter (both stay owned by the caller and must live until the PoR is
 * built) and return VEUICC_SCP80_FOUND, or return NO_TAR / NO_KEYSET.
 */
typedef int (*veuicc_scp80_lookup_fn)(void *ctx, const uint8_t tar[3], uint8_t kvn,
                                      const veuicc_scp80_keyset **ks, veuicc_scp80_counter **cntr);

/** What veuicc_scp80_unwrap() learnt about a command packet. */
typedef struct veuicc_scp80_cmd {
	uint8_t status; /**< enum veuicc_scp80_status; POR_OK: execute data */
	uint8_t spi[2];
	uint8_t kic, kid;
	uint8_t tar[3];
	uint8_t cntr[5];     /**< received counter (echoed in the PoR; zero if unknown) */
	const uint8_t *data; /**< deciphered secured data without padding (in out buffer) */
	size_t data_len;
	bool por_wanted;     /**< SPI2 asks for a PoR for this status */
	bool por_secured;    /**< the PoR may carry the requested RC/CC/ciphering (the keys
	                          were identified); false for errors before that */
	bool por_via_submit; /**< SPI2 b6 */
	const veuicc_scp80_keyset *kic_ks; /**< key set for PoR ciphering (or NULL) */
	const veuicc_scp80_keyset *kid_ks; /**< key set for PoR RC/CC (or NULL) */
} veuicc_scp80_cmd;

/**
 * Card side: check and decipher one command packet (TS 102 225 §5.1, SMS
 * dialect TS 31.115 §4), in the order: header, TAR, key sets, minimum
 * security level, deciphering, RC/CC (constant-time), counter, padding.
 *
 * \param pkt       command packet from CPL to the end (UDH removed)
 * \param min_spi1  minimum security level (TS 102 226 §8.2.1.3.2.4): an SPI
 *                  first octet; the packet's RC/CC/DS field, ciphering bit and
 *                  counter mode must each be at least as strong (0: none)
 * \param out       buffer for the deciphered secured data (cap >= len is enough)
 * \param cmd       result; cmd->status is the TS 102 225 response status
 * \returns VEUICC_OK when cmd->status is meaningful (the counter was advanced
 *          only if cmd->status is POR_OK); VEUICC_ERR_MALFORMED when the packet
 *          must be discarded without any PoR (shorter than its header, CPL or
 *          CHL inconsistent); VEUICC_ERR_INVALID_ARG; VEUICC_ERR_CRYPTO.
 */
int veuicc_scp80_unwrap(const uint8_t *pkt, size_t len, veuicc_scp80_lookup_fn lookup,
                        void *lookup_ctx, uint8_t min_spi1, uint8_t *out, size_t out_cap,
                        veuicc_scp80_cmd *cmd);

/**
 * Card side: build the response packet TP-UD (`02 71 00` RPL RHL TAR CNTR
 * PCNTR status [RC/CC] data pad) for \p cmd with \p status and the remote
 * response \p data (TS 102 225 §5.2, TS 31.115 §4). RC/CC and ciphering follow
 * SPI2 when cmd->por_secured, else the PoR is sent in clear without RC/CC.
 * Padding bytes are 00. \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL,
 * VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO.
 */
int veuicc_scp80_wrap_por(const veuicc_scp80_cmd *cmd, uint8_t status, const uint8_t *data,
                          size_t data_len, uint8_t *out, size_t cap, size_t *out_len);

/** Host-side parameters of one command packet. */
typedef struct veuicc_scp80_host {
	uint8_t spi[2];
	uint8_t kic, kid; /**< KIc/KID bytes as sent (key index << 4 | algorithm) */
	uint8_t tar[3];
	uint8_t cntr[5];
	const veuicc_scp80_keyset *kic_ks; /**< needed when ciphering (command or PoR) */
	const veuicc_scp80_keyset *kid_ks; /**< needed with RC/CC (command or PoR) */
} veuicc_scp80_host;

/**
 * Host side: build a command packet (CPL … end, without UDH) carrying \p data,
 * per TS 102 225 §5.1 / TS 31.115 §4 (zero padding when ciphering; CC over
 * CPL..PCNTR ‖ data ‖ padding). \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL,
 * VEUICC_ERR_INVALID_ARG (missing keys, DS, bad key length), VEUICC_ERR_CRYPTO.
 */
int veuicc_scp80_wrap_cmd(const veuicc_scp80_host *h, const uint8_t *data, size_t data_len,
                          uint8_t *out, size_t cap, size_t *out_len);

/**
 * Host side: check a response packet TP-UD (`02 71 00` …) for the command
 * built with \p h: TAR and CNTR echo, deciphering, RC/CC as SPI2 asked.
 * Sets *status and points *data (inside \p work) at the additional response
 * data. \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_CRYPTO (RC/CC
 * mismatch), VEUICC_ERR_BUFFER_TOO_SMALL.
 */
int veuicc_scp80_unwrap_por(const veuicc_scp80_host *h, const uint8_t *por, size_t len,
                            uint8_t *work, size_t work_cap, uint8_t *status, const uint8_t **data,
                            size_t *data_len);

/** Compute an SCP80 CC (TS 102 225 §5.1.3.1) of \p len bytes over \p msg with the KID
 *  of \p ks: AES-CMAC truncated, or (3)DES CBC-MAC with zero IV and zero padding to 8.
 *  \p cc receives 8 bytes. \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO. */
int veuicc_scp80_cc(const veuicc_scp80_keyset *ks, const uint8_t *msg, size_t len, uint8_t cc[8]);

/** Wipe the key values of \p ks (mbedtls_platform_zeroize) and release
 *  its prepared schedules. */
void veuicc_scp80_keyset_wipe(veuicc_scp80_keyset *ks);

/**
 * Prepare the AES key schedules (KIc) and the AES-CMAC context (KID) of
 * \p ks once, for a key set that serves many packets (a card's own key
 * sets): each packet then skips the key scheduling and context set-up.
 * Key sets of other algorithms are left as they are. The keys must not
 * change afterwards without veuicc_scp80_keyset_wipe().
 * \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY, VEUICC_ERR_CRYPTO
 */
int veuicc_scp80_keyset_prepare(veuicc_scp80_keyset *ks);

#endif /* VEUICC_SCP80_H */
