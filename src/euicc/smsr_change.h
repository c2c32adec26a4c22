/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file smsr_change.h
 * \brief SM-SR change on the card (SGP.02 §3.8, §4.1.1.8-4.1.1.9; project
 *        digest sgp02-euicc.md §3.10-3.11): ES5.EstablishISDRKeySet gives the
 *        ISD-R a NEW key set for SM-SR2 through the ECASD (Scenario#3, the
 *        same exchange as EstablishISDPKeySet, euicc/keyest.h, with
 *        CERT.SR.ECDSA), beside SM-SR1's; ES5.FinaliseISDRHandover then
 *        deletes SM-SR1's key sets by DELETE with `F2` templates.
 *
 *   ISD-R STORE DATA 80 E2 09 00 3A01 { 7F21 CERT.SR.ECDSA }         -> 85 10 RC
 *   ISD-R STORE DATA 80 E2 89 01 3A02 { A6 CRT } 7F49 ePK 5F37 sig   -> [85 10 DR] 86 10 receipt
 *   ISD-R DELETE     80 E4 00 00 { F2 03 KVN first-id last-id }...   -> 00
 *
 * The ISD-R key sets are the card's (veuicc_card_keyset(); factory record,
 * then the card file record factory/isdr-keysets). docs/smsr-change.md has
 * the bytes, docs/spec-decisions.md "H" the choices.
 */
#ifndef VEUICC_EUICC_SMSR_CHANGE_H
#define VEUICC_EUICC_SMSR_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"

/** Key template of FinaliseISDRHandover's DELETE: KVN, first and last key
 *  id (digest §3.11 [I×2]). */
#define VEUICC_SMSR_TAG_KEY_TMPL 0xF2

/**
 * STORE DATA on the ISD-R with DGI 3A01/3A02: EstablishISDRKeySet. The
 * certificate must be an SM-SR one (C8 02); the CRT's KVN 01-0F makes an
 * SCP80 key set (KIc, KID, DEK: AES-128), KVN 40-4F (SCP81) is refused as
 * not supported, any other KVN but 70 makes an SCP03 set. A KVN in use
 * 6A80, eight key sets already 6A84. Nothing changes unless 9000.
 * \returns the status word (veuicc_keyest_store_data() plus the above)
 */
uint16_t veuicc_smsr_establish(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** One F2 key template of FinaliseISDRHandover. */
typedef struct veuicc_smsr_key_tmpl {
	uint8_t kvn;   /**< key version number of the set */
	uint8_t first; /**< first key id (01..7F) */
	uint8_t last;  /**< last key id (first..7F) */
} veuicc_smsr_key_tmpl;

/** Most F2 templates in one DELETE (one per ISD-R key set). */
#define VEUICC_SMSR_TMPL_MAX 8

/**
 * Parse the data of FinaliseISDRHandover's DELETE: one or more
 * `F2 03 KVN first last`, nothing else; key ids 01..7F, first <= last, each
 * KVN at most once, at most VEUICC_SMSR_TMPL_MAX templates.
 * \returns VEUICC_OK (\p out, \p count set) or VEUICC_ERR_MALFORMED
 */
int veuicc_smsr_parse_delete(const uint8_t *d, size_t n, veuicc_smsr_key_tmpl *out, size_t *count);

/** True for an ISD-R DELETE whose data start with an F2 key template. */
bool veuicc_smsr_is_finalise(const veuicc_capdu *cmd);

/**
 * DELETE of ISD-R key sets (FinaliseISDRHandover): every F2 template names
 * a whole key set (first id 01, last id >= its highest key id). All or
 * nothing. \returns 9000 (answer 00); 6A80 coding, duplicate, part of a
 * set; 6A88 unknown KVN; 6985 the key set protecting this command, or no
 * key set would be left
 */
uint16_t veuicc_smsr_finalise(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

#endif /* VEUICC_EUICC_SMSR_CHANGE_H */
