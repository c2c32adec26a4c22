/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file isdp_es8.h
 * \brief ISD-P commands beyond the profile download (isdp.c): PUT KEY of the
 *        ISD-P's key sets (the token key KVN 70), ES8
 *        UpdateConnectivityParameters (STORE DATA DGI 3A07, SGP.02 §4.1.3.4),
 *        and ES5 MasterDelete (DELETE with a delete token, SGP.02 §4.1.1.6,
 *        §3.10) checked with the ISD-P's token key. docs/euicc.md.
 */
#ifndef VEUICC_EUICC_ISDP_ES8_H
#define VEUICC_EUICC_ISDP_ES8_H

#include "apdu/applet.h"
#include "core/card.h"

/**
 * PUT KEY sent to the ISD-P \p e: keys wrapped with the DEK of its first
 * SCP03 key set; new KVN 70 makes its token key (one AES key, id 01).
 * \returns the status word (as veuicc_gp_put_key; 6985 without a DEK)
 */
uint16_t veuicc_isdp_put_key(veuicc_card *card, veuicc_gp_entry *e, const veuicc_capdu *cmd,
                             veuicc_rsp *rsp);

/**
 * GET DATA to the ISD-P \p e (GP CS v2.3 §11.3): P1-P2 00E0, the key
 * information template of its key sets (E0 { C0 04 id KVN type length }*);
 * 0066 its card data (gp/card_data.c); 0042 / 0045 the DGI 0070 values.
 * \returns 9000; 6700 (command data); 6A88 (another tag, or 42/45 not given)
 */
uint16_t veuicc_isdp_get_data(const veuicc_gp_entry *e, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * A STORE DATA sequence in DGI format to the ISD-P \p e, once complete
 * (\p data / \p len the joined blocks): exactly one DGI; 3A07
 * UpdateConnectivityParameters stores its value with the ISD-P; 0070 its SD
 * identification data (isdp_ident.h).
 * \returns 9000; 6A80 (bad DGI or TLV coding); 6A84 (too long to keep);
 *          6A88 (another DGI)
 */
uint16_t veuicc_isdp_store_dgi(veuicc_card *card, veuicc_gp_entry *e, const uint8_t *data,
                               size_t len);

/**
 * ES5 MasterDelete: DELETE to the ISD-R whose data are 4F L AID, an
 * optional B6 control reference template and 9E L token (GP CS v2.3 Table
 * 11-23). Called by the ISD-R when the data hold more than 4F.
 * \returns 9000 (the ISD-P is deleted, "00" in \p rsp); 6A80 (coding);
 *          6A88 (no such ISD-P); 6985 (ISD-R/ECASD, no token key, ENABLED,
 *          Fall-Back, Emergency or Test Profile); 6982 (the token does not
 *          verify, or the CRT's 42/45/5F20 differ from the DGI 0070 values)
 */
uint16_t veuicc_isdr_master_delete(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

#endif /* VEUICC_EUICC_ISDP_ES8_H */
