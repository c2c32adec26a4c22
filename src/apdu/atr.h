/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file atr.h
 * \brief Answer-to-Reset parsing and the default ATR (ISO/IEC 7816-3 §8,
 *        ETSI TS 102 221 §6.3).
 */
#ifndef VEUICC_APDU_ATR_H
#define VEUICC_APDU_ATR_H

#include <stddef.h>
#include <stdint.h>

/** What an ATR says. */
typedef struct veuicc_atr_info {
	unsigned protocols; /**< bit n set: T=n offered (T=0 implicit when TD1 absent) */
	int first_protocol; /**< the protocol of TD1 (0 if TD1 absent) */
	size_t hist_off;    /**< offset of the historical bytes */
	size_t hist_len;    /**< K, number of historical bytes */
	int has_tck;        /**< TCK present (required when anything but T=0 is indicated) */
} veuicc_atr_info;

/**
 * Parse and check an ATR: TS 3B or 3F, interface bytes within the length,
 * K historical bytes, TCK present and correct when required (exclusive-or of
 * T0..TCK is zero), no trailing bytes.
 * \returns VEUICC_OK or VEUICC_ERR_MALFORMED
 */
int veuicc_atr_parse(const uint8_t *atr, size_t len, veuicc_atr_info *out);

/**
 * Write the default ATR into \p buf (VEUICC_ATR_MAX bytes):
 * 3B 9B 96 80 91 FE 1F C7 | 80 31 E0 73 FE 21 DF 83 00 90 00 | TCK.
 * \returns its length
 */
size_t veuicc_atr_default(uint8_t *buf);

#endif /* VEUICC_APDU_ATR_H */
