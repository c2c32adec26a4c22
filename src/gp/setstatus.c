/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SET STATUS (GP CS v2.3 §11.10). On an SGP.02 eUICC the ISD-P life cycle
 * (SELECTABLE, PERSONALIZED, DISABLED, ENABLED) moves only through the ES5
 * functions (CreateISDP, Enable/Disable/DeleteProfile) and the GP LOCKED
 * state is not supported for ISD-Ps (SGP.02 digest §2.1, §10 [A]); the card
 * life cycle (P1 80) is not modelled. So every SET STATUS that names a
 * valid target is refused with 6985 and changes nothing.
 */
#include "gp/setstatus.h"

#include "apdu/sw.h"

#define SS_P1_ISD     0x80 /* issuer security domain / card life cycle */
#define SS_P1_APP_SD  0x40 /* application or security domain */
#define SS_P1_SD_APPS 0x60 /* security domain and its associated applications */
#define AID_MIN       5
#define AID_MAX       16

uint16_t veuicc_gp_set_status(const veuicc_gp_registry *r, const veuicc_capdu *cmd)
{
	if (cmd->p1 != SS_P1_ISD && cmd->p1 != SS_P1_APP_SD && cmd->p1 != SS_P1_SD_APPS)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->p1 != SS_P1_ISD) {
		/* GP CS §11.10.2.3: the data field is the target AID */
		if (cmd->lc == 0)
			return VEUICC_SW_WRONG_LENGTH;
		if (cmd->lc < AID_MIN || cmd->lc > AID_MAX)
			return VEUICC_SW_WRONG_DATA;
		if (veuicc_gp_registry_find(r, cmd->data, cmd->lc) < 0)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
	}
	return VEUICC_SW_COND_NOT_SATISFIED;
}
