/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file testalg.h
 * \brief The XOR-based test algorithm of the test USIM (3GPP TS 34.108
 *        §8.1.2; SAIP algorithmID usim-test-algorithm), used by the GSMA
 *        TS.48 test profiles.
 *
 * With K and RAND of 128 bits:
 *   XDOUT = K xor RAND, CDOUT = SQN || AMF,
 *   XMAC  = XDOUT[0..63] xor CDOUT,        RES = XDOUT[0..n-1],
 *   CK    = XDOUT[8..127] || XDOUT[0..7],  IK  = XDOUT[16..127] || XDOUT[0..15],
 *   AK    = XDOUT[24..71].
 * Resynchronisation (§8.1.2.2) uses the same AK and computes MAC-S as XMAC
 * with SQN_MS and the dummy AMF '0000'.
 */
#ifndef VEUICC_UICC_AUTH_TESTALG_H
#define VEUICC_UICC_AUTH_TESTALG_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

#define VEUICC_TESTALG_K_LEN       16 /**< K: 128 bits */
#define VEUICC_TESTALG_RES_MIN_LEN 4  /**< RES: 32..128 bits */
#define VEUICC_TESTALG_RES_MAX_LEN 16

/**
 * f1 / f1*: XMAC = XDOUT[0..63] xor (SQN || AMF) (TS 34.108 §8.1.2.1).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_testalg_f1(const uint8_t k[16], const uint8_t rand[16], const uint8_t sqn[6],
                      const uint8_t amf[2], uint8_t mac[8]);

/**
 * f2..f5: RES of \p res_len bytes (4..16), CK, IK, AK (TS 34.108 §8.1.2.1).
 * NULL outputs are skipped.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_testalg_f2345(const uint8_t k[16], const uint8_t rand[16], uint8_t *res, size_t res_len,
                         uint8_t ck[16], uint8_t ik[16], uint8_t ak[6]);

#endif /* VEUICC_UICC_AUTH_TESTALG_H */
