/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file putkey.h
 * \brief PUT KEY (GP CS v2.3 §11.8, Amendment D §7.2): create or replace a
 *        key set of a security domain from DEK-wrapped AES (type 88) or
 *        3DES (type 80) keys with key check values.
 */
#ifndef VEUICC_GP_PUTKEY_H
#define VEUICC_GP_PUTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Key types of PUT KEY (GP CS v2.3 §11.1.8). */
#define VEUICC_GP_KEY_DES 0x80
#define VEUICC_GP_KEY_AES 0x88

/** The key-encryption key (DEK) that wraps the keys of one PUT KEY. */
typedef struct veuicc_gp_dek {
	const uint8_t *key; /**< AES (16/24/32) or 3DES (16/24) key */
	size_t len;
	bool aes; /**< true: AES-CBC unwrap of type 88 keys; false: 3DES-ECB, type 80 */
} veuicc_gp_dek;

/** The key sets one security domain holds (caller-owned array). */
typedef struct veuicc_gp_keysets {
	veuicc_keyset *set;
	size_t *count;
	size_t max;
	/** true: KVN 70 is the token key (one AES key, id 01; GP CS v2.3 key
	 *  version 70 "token key"), as in an ISD-P (SGP.02 §3.10, digest §3.6);
	 *  false: KVN 70 is an ordinary SCP03 set (the ISD-R) */
	bool token_kvn;
} veuicc_gp_keysets;

/** Key version number of a token key (GP CS v2.3 §11.1.8; SGP.02 digest §3.6). */
#define VEUICC_GP_KVN_TOKEN 0x70

/**
 * Process the PUT KEY command P1 \p p1, P2 \p p2, data \p data / \p len on
 * \p ks, unwrapping with \p dek (NULL: no DEK available). On 9000 \p out
 * (at least 1 + 3 * 3 bytes) gets new KVN || KCV per key, \p out_len its
 * length. Nothing changes unless 9000.
 * \returns the status word: 9000, 6700, 6A80 (bad data, KCV mismatch, wrong
 *          key type), 6A84 (no room), 6A86 (P1/P2), 6A88 (KVN not found),
 *          6985 (no DEK)
 */
uint16_t veuicc_gp_put_key(veuicc_gp_keysets *ks, const veuicc_gp_dek *dek, uint8_t p1, uint8_t p2,
                           const uint8_t *data, size_t len, uint8_t *out, size_t *out_len);

/**
 * Key check value (GP CS v2.3 §11.8.2.3, Amd D §7.2): the first 3 bytes of
 * AES-ECB(key, 16 x 01) for AES, of 3DES-ECB(key, 8 x 00) for 3DES.
 * \returns 0 or -1 (bad key length)
 */
int veuicc_gp_kcv(bool aes, const uint8_t *key, size_t len, uint8_t kcv[3]);

#endif /* VEUICC_GP_PUTKEY_H */
