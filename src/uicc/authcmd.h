/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file authcmd.h
 * \brief The AUTHENTICATE command of the USIM (3GPP TS 31.102 §7.1.2) and
 *        the ISIM (TS 31.103 §7.1.2) on a profile's file system, with the
 *        credentials stored by veuicc_fs_set_aka(); GET IDENTITY of the
 *        USIM (TS 31.102 §7.5) with the scheme of veuicc_fs_set_suci().
 */
#ifndef VEUICC_UICC_AUTHCMD_H
#define VEUICC_UICC_AUTHCMD_H

#include <stdint.h>

#include "apdu/applet.h"
#include "uicc/auth/suci.h"
#include "uicc/fs.h"

/**
 * AUTHENTICATE (INS 88) in the application \p adf (the channel's current
 * application, NULL if none). USIM: P2 80 GSM context (RAND → SRES, Kc;
 * only when EF.UST, if present, has service n°27), P2 81 3G context (RAND,
 * AUTN → DB RES CK IK [Kc when service n°27 is available], DC AUTS on an
 * SQN failure, 9862 on a MAC failure). ISIM: P2 81 IMS AKA (DB RES CK IK,
 * DC AUTS, 9862). The application PIN (veuicc_fs_aka.pin_ref) must be
 * verified or disabled (6982 otherwise).
 * \returns the status word; response data in \p rsp
 */
uint16_t veuicc_uicc_authenticate(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp);

/**
 * GET IDENTITY (INS 78) in SUCI context (P1 00, P2 81: specific reference
 * data, identity context SUCI; no command data) on the USIM \p adf: the
 * SUCI TLV 'A1' of TS 31.102 §7.5.2 for the IMSI of EF.IMSI (MNC length
 * from EF.AD byte 4, 2 when absent), the Routing Indicator of
 * DF.5GS/EF.Routing_Indicator (5FC0/4F0A; 'F0FF', i.e. "0", when absent)
 * and the stored protection scheme, its ephemeral key drawn from \p rng.
 * Needs the application PIN (6982), a stored scheme and, when EF.UST is
 * present, service n°125 "SUCI calculation by the USIM" (6985 otherwise).
 * \returns the status word; response data in \p rsp
 */
uint16_t veuicc_uicc_get_identity(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp, veuicc_suci_rng rng, void *rng_ctx);

#endif /* VEUICC_UICC_AUTHCMD_H */
