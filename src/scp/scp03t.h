/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file scp03t.h
 * \brief SCP03t, the TLV mode of SCP03 that carries an ES8 profile download
 *        to an ISD-P (SGP.02 §4.1.3.3; project digest sgp02-euicc.md §4.2).
 *
 * Command TLVs and the card's response TLVs:
 *   84 { KVN ‖ key id ‖ host challenge(8) }     → 84 { INITIALIZE UPDATE response (32) }
 *   85 { level 33 ‖ host cryptogram(8) ‖ C-MAC } → 85 00
 *   86 { C-DEC data ‖ C-MAC(8) }                → 86 { R-ENC result ‖ R-MAC(8) }
 * Errors: 9F44 (on 84), 9F45 (on 85), 9F46 (on 86), one byte: 01 length or
 * structure, 02 security (no session, MAC, cryptogram, padding), 03 key set
 * not found (docs/spec-decisions.md S3-6). The first error ends the stream
 * and, on 85/86, the session.
 *
 * The crypto is scp03.c's mode-independent core: the MACed header is the
 * TLV's tag ‖ length (as received; the length counts the C-MAC). The R-MAC
 * of an 86 response covers MCV ‖ 86 ‖ length ‖ R-ENC data, the same rule
 * (S3-6).
 */
#ifndef VEUICC_SCP_SCP03T_H
#define VEUICC_SCP_SCP03T_H

#include <stddef.h>
#include <stdint.h>

#include "scp/scp03.h"

/** Command and response tags (SGP.02 §4.1.3.3). */
#define VEUICC_SCP03T_TAG_IU   0x84
#define VEUICC_SCP03T_TAG_EA   0x85
#define VEUICC_SCP03T_TAG_DATA 0x86
/** Error tags (two bytes) and values. */
#define VEUICC_SCP03T_ERR_IU        0x9F44
#define VEUICC_SCP03T_ERR_EA        0x9F45
#define VEUICC_SCP03T_ERR_DATA      0x9F46
#define VEUICC_SCP03T_ERR_LENGTH    0x01
#define VEUICC_SCP03T_ERR_SECURITY  0x02
#define VEUICC_SCP03T_ERR_NO_KEYSET 0x03
/** The security level SGP.02 prescribes for SCP03t. */
#define VEUICC_SCP03T_LEVEL 0x33

/** Where the deciphered profile segments go (the ISD-P). */
typedef struct veuicc_scp03t_sink {
	/**
	 * Take \p n deciphered bytes of the profile package. When the package
	 * is complete (installed or refused) write the result (SAIP
	 * EUICCResponse) to \p res, else leave \p *res_len 0.
	 * \returns VEUICC_OK, or an error (the segment is refused: 9F46 01)
	 */
	int (*segment)(void *arg, const uint8_t *p, size_t n, uint8_t *res, size_t cap,
	               size_t *res_len);
	/** Forget a partial package (new session, security error). */
	void (*abort)(void *arg);
	void *arg;
} veuicc_scp03t_sink;

/**
 * True when \p in starts like an SCP03t command stream (tag 84, 85 or 86);
 * a SAIP package starts with a ProfileElement (A0..BF).
 */
int veuicc_scp03t_is_stream(const uint8_t *in, size_t len);

/**
 * Process an SCP03t command stream \p in (one or more command TLVs) in the
 * session \p ctx, writing the response TLVs to \p out.
 * \returns VEUICC_OK; VEUICC_ERR_MALFORMED (not a sequence of well-formed
 *          84/85/86 TLVs: nothing processed); VEUICC_ERR_BUFFER_TOO_SMALL;
 *          VEUICC_ERR_INVALID_ARG; VEUICC_ERR_CRYPTO
 */
int veuicc_scp03t_process(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup, void *lookup_arg,
                          const veuicc_scp03t_sink *sink, const uint8_t *in, size_t len,
                          uint8_t *out, size_t out_cap, size_t *out_len);

#endif /* VEUICC_SCP_SCP03T_H */
