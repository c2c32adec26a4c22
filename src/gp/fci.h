/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file fci.h
 * \brief The SELECT response of a GlobalPlatform security domain
 *        (GP Card Specification v2.3 §11.9.3.1).
 */
#ifndef VEUICC_GP_FCI_H
#define VEUICC_GP_FCI_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"

/** Max length of the data field of a command message the domain accepts
 *  (tag 9F65): short APDUs, as the OTA secure channels deliver them. */
#define VEUICC_GP_MAX_CMD_DATA 0xFF

/**
 * Answer a SELECT by AID for a security domain: FCI template
 * 6F { 84 AID, A5 { 9F65 max command data } } for P2 = 00 (FCI) or 04
 * (FCP requested: a GP domain still answers with its FCI), nothing for 0C.
 * \returns the status word (6A86 for P2 = 08, file management data)
 */
uint16_t veuicc_gp_sd_select(const uint8_t *aid, size_t aid_len, const veuicc_capdu *cmd,
                             veuicc_rsp *rsp);

#endif /* VEUICC_GP_FCI_H */
