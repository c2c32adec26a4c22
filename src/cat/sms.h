/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sms.h
 * \brief SMS pieces of the OTA transport (3GPP TS 23.040, TS 31.115): the
 *        concatenated SMS-DELIVER reassembly of command packets and the
 *        SEND SHORT MESSAGE proactive commands carrying a PoR in SMS-SUBMITs
 *        (TS 102 223 §6.4.10, TS 31.111 §7.1.1). See docs/cat.md.
 */
#ifndef VEUICC_CAT_SMS_H
#define VEUICC_CAT_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

struct veuicc_cat;

/** One segment of a concatenated command packet, from its SMS-DELIVER. */
typedef struct veuicc_cat_segment {
	bool ref16;         /**< IE 08 (16-bit reference) */
	uint16_t ref;       /**< reference number */
	uint8_t total, seq; /**< maximum number, sequence number (1..total) */
	bool cpi;           /**< the UDH holds the command packet identifier 70 */
	const uint8_t *oa;  /**< TP-OA (length, TON/NPI, BCD) */
	size_t oa_len;
	const uint8_t *data; /**< TP-UD after the UDH */
	size_t len;
} veuicc_cat_segment;

/**
 * Add a segment to the card's reassembly buffer (rules: docs/cat.md
 * "Concatenated command packets"). A rejected segment changes nothing.
 * \returns 9000 with *out_len 0 (kept, or an ignored duplicate: more to
 *          come), 9000 with *out_len > 0 (complete: the packet is in \p out,
 *          the buffer is free again), 6A80 (first segment without the
 *          command packet identifier, total differing from the earlier
 *          segments'), 6A84 (more segments than VEUICC_CAT_CONCAT_SEG)
 */
uint16_t veuicc_cat_concat_add(struct veuicc_cat *cat, const veuicc_cat_segment *s, uint8_t *out,
                               size_t cap, size_t *out_len);

/**
 * Queue one SEND SHORT MESSAGE (TS 102 223 §6.6.9) to the network whose SMS
 * TPDU is an SMS-SUBMIT (TS 23.040 §9.2.2.2): first octet 41 (UDHI, no
 * TP-VP), TP-MR 00, TP-DA \p da (length, TON/NPI, BCD), TP-PID 7F, TP-DCS F6,
 * TP-UD = \p udh ‖ \p data (at most 140 octets together).
 * \returns as veuicc_cat_queue()
 */
int veuicc_cat_queue_sms_submit(veuicc_card *card, const uint8_t *da, size_t da_len,
                                const uint8_t *udh, size_t udh_len, const uint8_t *data,
                                size_t len);

/** Largest number of SEND SHORT MESSAGE commands one PoR may need. */
#define VEUICC_CAT_POR_SMS_MAX 9

/**
 * Queue the PoR \p por (TP-UD beginning `02 71 00`, as built by
 * veuicc_scp80_wrap_por) in SEND SHORT MESSAGE commands to \p da (the TP-OA
 * of the command's SMS-DELIVER): one SMS-SUBMIT when it fits 140 octets,
 * else concatenated ones (IE 00 with the card's next reference number, the
 * response packet identifier 71 in the first). All or nothing.
 * \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY (no room in the queue),
 *          VEUICC_ERR_INVALID_ARG (address or PoR too long)
 */
int veuicc_cat_queue_por_sms(veuicc_card *card, const uint8_t *da, size_t da_len,
                             const uint8_t *por, size_t por_len);

#endif /* VEUICC_CAT_SMS_H */
