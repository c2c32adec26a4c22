/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file euicc.h
 * \brief The always-present eUICC security domains (SGP.02 §2.2.1): ISD-R and
 *        ECASD, registered in the card's APDU engine by their SGP.02 AIDs.
 */
#ifndef VEUICC_EUICC_EUICC_H
#define VEUICC_EUICC_EUICC_H

#include <stdint.h>

#include "core/card.h"

/* SGP.02 Annex H / §2.2.3: RID A000000559 (GSMA), PIX 1010 FFFFFFFF 89 xxxxxx 00 */
extern const uint8_t veuicc_aid_isdr[16];
extern const uint8_t veuicc_aid_ecasd[16];

/** Install the ISD-R and the ECASD on a new card. */
int veuicc_euicc_install(veuicc_card *card);

/** ISD-R application operations. */
extern const veuicc_applet_ops veuicc_isdr_ops;
/** ECASD application operations. */
extern const veuicc_applet_ops veuicc_ecasd_ops;

#endif /* VEUICC_EUICC_EUICC_H */
