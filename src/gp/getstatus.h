/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file getstatus.h
 * \brief GET STATUS for executable load files (GP CS v2.3 §11.4, P1 20 and
 *        P1 10) on the ISD-R: the one load file of an SGP.02 eUICC, the ISD-P
 *        ELF with its Executable Module (SGP.02 Annex H AIDs).
 */
#ifndef VEUICC_GP_GETSTATUS_H
#define VEUICC_GP_GETSTATUS_H

#include <stdint.h>

#include "apdu/applet.h"

/** GET STATUS P1 20 (load files) / 10 (load files and their modules).
 *  \returns the status word */
uint16_t veuicc_gp_get_status_elf(const veuicc_capdu *cmd, veuicc_rsp *rsp);

#endif /* VEUICC_GP_GETSTATUS_H */
