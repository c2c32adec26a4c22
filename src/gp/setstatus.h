/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file setstatus.h
 * \brief SET STATUS (GP CS v2.3 §11.10) on the ISD-R of an SGP.02 eUICC:
 *        every life-cycle change is refused (docs/spec-decisions.md).
 */
#ifndef VEUICC_GP_SETSTATUS_H
#define VEUICC_GP_SETSTATUS_H

#include <stdint.h>

#include "apdu/apdu.h"
#include "gp/registry.h"

/** SET STATUS: checks P1/P2 and the target, then refuses the change.
 *  \returns 6A86 (P1), 6700 (no AID), 6A80 (bad AID), 6A88 (unknown AID)
 *           or 6985 (the change is not allowed on an SGP.02 eUICC) */
uint16_t veuicc_gp_set_status(const veuicc_gp_registry *r, const veuicc_capdu *cmd);

#endif /* VEUICC_GP_SETSTATUS_H */
