/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file apdu.h
 * \brief C-APDU parsing and CLA decoding (ISO/IEC 7816-3 §12.1, ISO/IEC 7816-4
 *        §5.1 and §5.4.1, ETSI TS 102 221 §10.1.1).
 */
#ifndef VEUICC_APDU_APDU_H
#define VEUICC_APDU_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Number of logical channels: 0-3 (first interindustry CLA) and 4-19
 *  (further interindustry CLA), TS 102 221 §10.1.1. */
#define VEUICC_MAX_CHANNELS 20

/** What a CLA byte says. */
typedef struct veuicc_cla_info {
	uint8_t channel;  /**< logical channel 0..19 */
	uint8_t sm;       /**< secure-messaging indication, 0 = none */
	bool chaining;    /**< ISO command chaining bit (interindustry classes only) */
	bool proprietary; /**< b8 set: TS 102 221 / GlobalPlatform class */
} veuicc_cla_info;

/**
 * Decode a CLA byte. Valid classes: 00-1F (first interindustry), 40-7F
 * (further interindustry), 80-8F, C0-CF, E0-EF (proprietary, TS 102 221 and
 * GP). 20-3F are RFU, A0 is the GSM class (TS 51.011) that a UICC does not
 * speak, FF is reserved for PPS (ISO 7816-3 §9).
 * \returns true and fills \p out for a valid class, false otherwise (→ 6E00)
 */
bool veuicc_cla_decode(uint8_t cla, veuicc_cla_info *out);

/** ISO 7816-3 §12.1.3 command cases. */
enum veuicc_apdu_case {
	VEUICC_CASE_1 = 1, /**< no data, no response */
	VEUICC_CASE_2 = 2, /**< no data, response expected (Le) */
	VEUICC_CASE_3 = 3, /**< data (Lc), no Le */
	VEUICC_CASE_4 = 4, /**< data and Le */
};

/** A parsed C-APDU. data points into the caller's bytes. */
typedef struct veuicc_capdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;         /**< Nc, number of data bytes */
	size_t ne;         /**< Ne: 0 if Le absent; Le 00 means 256 (short) or 65536 (extended) */
	uint8_t apdu_case; /**< enum veuicc_apdu_case */
	bool extended;     /**< extended length fields were used */
	veuicc_cla_info cl;
} veuicc_capdu;

/**
 * Parse the length fields of a C-APDU (the CLA is decoded by the caller).
 * A 5-byte command is case 2 with Le = P3 (T=0 sends case 1 as P3 = 00; the
 * difference does not matter to a command that returns no data).
 * \returns VEUICC_OK, or VEUICC_ERR_MALFORMED when the length fields do not
 *          match the number of bytes (the card answers 6700)
 */
int veuicc_capdu_parse(const uint8_t *buf, size_t len, veuicc_capdu *out);

#endif /* VEUICC_APDU_APDU_H */
