/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file isdp_ident.h
 * \brief The ISD-P's SD identification data (GP CS v2.3 §11.11 DGI 0070;
 *        SGP.02 §3.10, digest §3.6): SD Provider Identification Number
 *        (42), SD Image Number (45), Application Provider Identifier
 *        (5F20), personalised by the SM-DP after the download, read back by
 *        GET DATA 42/45 and compared with the CRT `B6` of a MasterDelete
 *        (docs/spec-decisions.md G8-G12).
 */
#ifndef VEUICC_EUICC_ISDP_IDENT_H
#define VEUICC_EUICC_ISDP_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "gp/registry.h"

/** The DGI of SD identification data (STORE DATA in DGI format). */
#define VEUICC_DGI_SD_IDENT 0x0070u

/**
 * Store the value of one DGI 0070: one or more of `42`, `45`, `5F20`, each at
 * most once, 1..VEUICC_SD_IDENT_MAX bytes. Each given value replaces the
 * stored one of its tag; the others stay. Nothing changes on an error.
 * \returns 9000; 6A80 (empty, malformed TLV, another tag, a tag twice, a
 *          value empty or too long)
 */
uint16_t veuicc_isdp_store_ident(veuicc_gp_entry *e, const uint8_t *v, size_t len);

/**
 * Whether the content of a MasterDelete CRT `B6` (\p crt / \p len: the
 * template's value, well-formed BER-TLV) agrees with the values stored in
 * \p e: every `42`, `45`, `5F20` of the CRT whose counterpart is stored must
 * equal it; tags on one side only are not compared.
 */
bool veuicc_isdp_crt_matches(const veuicc_gp_entry *e, const uint8_t *crt, size_t len);

/**
 * GET DATA 0042 / 0045 on the ISD-P: `42 L SIN` / `45 L SDIN` as stored.
 * \returns 9000; 6A88 (not personalised, or another tag)
 */
uint16_t veuicc_isdp_get_ident(const veuicc_gp_entry *e, uint16_t tag, veuicc_rsp *rsp);

/** Index (VEUICC_SD_IDENT_*) of tag 42, 45 or 5F20; -1 for another tag. */
int veuicc_sd_ident_index(uint32_t tag);

/** Tag (42, 45, 5F20) of index \p i (VEUICC_SD_IDENT_*). */
uint32_t veuicc_sd_ident_tag(int i);

#endif /* VEUICC_EUICC_ISDP_IDENT_H */
