/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file card_data.h
 * \brief GET DATA `66` Card Data / Card Recognition Data (GP CS v2.3 §H.2,
 *        §11.3.3.1) of the ISD-R and the ISD-Ps: the GlobalPlatform OID, the
 *        card management type and version, the card identification scheme
 *        and one `64` per secure channel protocol the domain implements
 *        (docs/spec-decisions.md G1-G6).
 */
#ifndef VEUICC_GP_CARD_DATA_H
#define VEUICC_GP_CARD_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "apdu/applet.h"

/** GET DATA P1-P2 of the Card Data (GP CS v2.3 Table 11-29). */
#define VEUICC_GP_TAG_CARD_DATA 0x0066u
/** GET DATA P1-P2 of the Card Production Life Cycle data. */
#define VEUICC_GP_TAG_CPLC 0x9F7Fu

/**
 * Write `66 L { 73 L { 06 GP OID, 60 { 06 GP CS v2.3 }, 63 { 06 GP scheme },
 * 64 { 06 SCP03 i=70 } [, 64 { 06 SCP80 i=00 }] } }` to \p rsp.
 * \param isdr true for the ISD-R (SCP80 and SCP03), false for an ISD-P (SCP03)
 * \returns 9000, or 6581 when \p rsp has no room
 */
uint16_t veuicc_gp_card_data(bool isdr, veuicc_rsp *rsp);

#endif /* VEUICC_GP_CARD_DATA_H */
