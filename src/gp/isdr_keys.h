/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file isdr_keys.h
 * \brief The ISD-R's key sets seen through GlobalPlatform: PUT KEY
 *        (GP CS v2.3 §11.8) and GET DATA E0, the key information template
 *        (GP CS v2.3 §11.3.3.1). The key sets are those of the factory
 *        identity (core/factory.h), kept as changed in the card file.
 */
#ifndef VEUICC_GP_ISDR_KEYS_H
#define VEUICC_GP_ISDR_KEYS_H

#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"

/** PUT KEY on the ISD-R, unwrapping with the DEK (key id 03) of its
 *  default (first) SCP03 key set. \returns the status word */
uint16_t veuicc_isdr_put_key(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** GET DATA 00E0 on the ISD-R: E0 { C0 04 id KVN type length ... }.
 *  \returns the status word */
uint16_t veuicc_isdr_key_info(const veuicc_card *card, veuicc_rsp *rsp);

#endif /* VEUICC_GP_ISDR_KEYS_H */
