/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file tuak.h
 * \brief TUAK, the second example 3GPP authentication and key generation
 *        algorithm set (3GPP TS 35.231), built on the Keccak-f[1600]
 *        permutation of Debian's nettle (sha3_permute).
 *
 * K is 128 or 256 bits, TOP/TOPc 256 bits. The lengths of MAC, RES, CK and
 * IK are parameters of the instance (they enter the INSTANCE byte, so they
 * change every output of the same function call).
 */
#ifndef VEUICC_UICC_AUTH_TUAK_H
#define VEUICC_UICC_AUTH_TUAK_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

#define VEUICC_TUAK_TOP_LEN 32 /**< TOP, TOPc: 256 bits */
#define VEUICC_TUAK_AK_LEN  6  /**< AK, AK*: 48 bits */

/** Lengths and iteration count of one TUAK instance (TS 35.231). */
typedef struct veuicc_tuak_cfg {
	uint8_t k_len;      /**< 16 or 32 bytes */
	uint8_t mac_len;    /**< MAC-A / MAC-S: 8, 16 or 32 bytes */
	uint8_t res_len;    /**< RES: 4, 8, 16 or 32 bytes */
	uint8_t ck_len;     /**< CK: 16 or 32 bytes */
	uint8_t ik_len;     /**< IK: 16 or 32 bytes */
	uint8_t iterations; /**< Keccak-f[1600] iterations, >= 1 (TS 35.231; "section
	                         7.2" per the SAIP numberOfKeccak comment) */
} veuicc_tuak_cfg;

/** \p cfg = K of \p k_len bytes, MAC 64, RES 64, CK 128, IK 128 bits, one iteration. */
void veuicc_tuak_cfg_default(veuicc_tuak_cfg *cfg, uint8_t k_len);

/** VEUICC_OK if every length of \p cfg is one TS 35.231 allows, else VEUICC_ERR_INVALID_ARG. */
int veuicc_tuak_cfg_check(const veuicc_tuak_cfg *cfg);

/**
 * TOPc from TOP (TS 35.231). Uses cfg->k_len and cfg->iterations.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_tuak_topc(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t top[32],
                     uint8_t topc[32]);

/** f1: MAC-A of cfg->mac_len bytes (TS 35.231). */
int veuicc_tuak_f1(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                   const uint8_t rand[16], const uint8_t sqn[6], const uint8_t amf[2],
                   uint8_t *mac_a);

/** f1*: MAC-S of cfg->mac_len bytes (TS 35.231). */
int veuicc_tuak_f1star(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                       const uint8_t rand[16], const uint8_t sqn[6], const uint8_t amf[2],
                       uint8_t *mac_s);

/**
 * f2, f3, f4 and f5 in one permutation (TS 35.231): RES (cfg->res_len),
 * CK (cfg->ck_len), IK (cfg->ik_len), AK (6 bytes). NULL outputs are skipped.
 */
int veuicc_tuak_f2345(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                      const uint8_t rand[16], uint8_t *res, uint8_t *ck, uint8_t *ik,
                      uint8_t ak[6]);

/** f5*: AK* for resynchronisation (TS 35.231). */
int veuicc_tuak_f5star(const veuicc_tuak_cfg *cfg, const uint8_t *k, const uint8_t topc[32],
                       const uint8_t rand[16], uint8_t ak_star[6]);

#endif /* VEUICC_UICC_AUTH_TUAK_H */
