/* SPDX-License-Identifier: Apache-2.0 */
#include "euicc/euicc.h"

#include <stdlib.h>

const uint8_t veuicc_aid_isdr[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
const uint8_t veuicc_aid_ecasd[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};

int veuicc_euicc_install(veuicc_card *card)
{
	/* Registration order is the order of partial-AID occurrences: ISD-R first. */
	int rc = veuicc_engine_add_app(&card->engine, veuicc_aid_isdr, sizeof(veuicc_aid_isdr),
	                               &veuicc_isdr_ops, card);
	if (rc)
		return rc;
	return veuicc_engine_add_app(&card->engine, veuicc_aid_ecasd, sizeof(veuicc_aid_ecasd),
	                             &veuicc_ecasd_ops, card);
}
