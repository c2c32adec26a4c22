/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file milenage.h
 * \brief MILENAGE, the example 3GPP authentication and key generation
 *        functions f1, f1*, f2, f3, f4, f5 and f5* (3GPP TS 35.206), with
 *        the rotation constants r1..r5 and the constants c1..c5 an operator
 *        may change (TS 35.206 §4.1; SAIP AlgoParameter rotationConstants and
 *        xoringConstants). The block cipher is AES-128 from mbedtls.
 *
 * A computation runs on a veuicc_milenage_ctx: veuicc_milenage_start()
 * expands K once and computes TEMP = E_K(RAND xor OPc); f1/f1* and
 * f2..f5* then cost one AES block each. veuicc_milenage_end() zeroises it.
 */
#ifndef VEUICC_UICC_AUTH_MILENAGE_H
#define VEUICC_UICC_AUTH_MILENAGE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/aes.h>

#include "veuicc/veuicc.h"

#define VEUICC_MILENAGE_K_LEN   16 /**< K, OP, OPc, RAND: 128 bits */
#define VEUICC_MILENAGE_SQN_LEN 6  /**< SQN: 48 bits */
#define VEUICC_MILENAGE_AMF_LEN 2  /**< AMF: 16 bits */
#define VEUICC_MILENAGE_MAC_LEN 8  /**< MAC-A, MAC-S: 64 bits */
#define VEUICC_MILENAGE_RES_LEN 8  /**< RES: 64 bits */
#define VEUICC_MILENAGE_AK_LEN  6  /**< AK, AK*: 48 bits */

/** Operator-configurable constants of TS 35.206 §4.1. */
typedef struct veuicc_milenage_cfg {
	/** r1..r5: rotation of each OUTk input towards the most significant
	 *  bit, in bits (0..127). */
	uint8_t r[5];
	/** c1..c5: 128-bit constants XORed into each OUTk input. */
	uint8_t c[5][16];
} veuicc_milenage_cfg;

/** One MILENAGE computation for one K, OPc and RAND. */
typedef struct veuicc_milenage_ctx {
	mbedtls_aes_context aes;
	const veuicc_milenage_cfg *cfg;
	uint8_t opc[16];
	uint8_t temp[16]; /**< TEMP = E_K(RAND xor OPc) */
} veuicc_milenage_ctx;

/**
 * Fill \p cfg with the default constants of TS 35.206 §4.1: r1..r5 = 64, 0,
 * 32, 64, 96; c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8 (as 128-bit integers).
 */
void veuicc_milenage_cfg_default(veuicc_milenage_cfg *cfg);

/**
 * Set \p cfg from the SAIP AlgoParameter encodings: \p rot is
 * rotationConstants (5 bytes, one per constant, in bits) and \p xor80 is
 * xoringConstants (80 bytes: c1 || c2 || c3 || c4 || c5).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (NULL or a rotation >= 128)
 */
int veuicc_milenage_cfg_from_saip(veuicc_milenage_cfg *cfg, const uint8_t rot[5],
                                  const uint8_t xor80[80]);

/**
 * OPc = OP xor E_K(OP) (TS 35.206 §4.1).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

/**
 * Start a computation: expand \p k and compute TEMP from \p rand and \p opc.
 * \p cfg (NULL: the defaults) must outlive the context.
 * On failure the context is left zeroised.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_milenage_start(veuicc_milenage_ctx *ctx, const veuicc_milenage_cfg *cfg,
                          const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16]);

/**
 * f1 and f1* (TS 35.206 §4.1): OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor
 * c1) xor OPc with IN1 = SQN || AMF || SQN || AMF; MAC-A = OUT1[0..63],
 * MAC-S = OUT1[64..127]. Either output may be NULL.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_milenage_f1(veuicc_milenage_ctx *ctx, const uint8_t sqn[6], const uint8_t amf[2],
                       uint8_t mac_a[8], uint8_t mac_s[8]);

/**
 * f2, f3, f4, f5 and f5* (TS 35.206 §4.1): OUTk = E_K(rot(TEMP xor OPc, rk)
 * xor ck) xor OPc; RES = OUT2[64..127], AK = OUT2[0..47], CK = OUT3,
 * IK = OUT4, AK* = OUT5[0..47]. NULL outputs are not computed (OUT2 is
 * computed once for RES and AK).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_CRYPTO
 */
int veuicc_milenage_f2345(veuicc_milenage_ctx *ctx, uint8_t res[8], uint8_t ck[16], uint8_t ik[16],
                          uint8_t ak[6], uint8_t ak_star[6]);

/** Free and zeroise \p ctx (NULL is ignored). */
void veuicc_milenage_end(veuicc_milenage_ctx *ctx);

#endif /* VEUICC_UICC_AUTH_MILENAGE_H */
