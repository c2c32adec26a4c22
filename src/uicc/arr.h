/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file arr.h
 * \brief Access conditions of EFs from EF.ARR, expanded format (ETSI TS 102
 *        221 §9.2.4 to §9.2.7, ISO/IEC 7816-4 §9.3).
 *
 * An EF whose FCP has tag 8B names a record of an EF.ARR (FID and record
 * number). EF.ARR is looked for in the DF holding the EF, then in each
 * parent up to the MF (an ADF's parent is the MF). The record is a list of
 * access rules: an access mode data object (AM_DO: 80 with an access mode
 * byte, or 81..8F with command header bytes) followed by the security
 * condition data objects (SC_DO) that allow it, any one of which suffices:
 * 90 00 always, 97 00 never, A4 { 83 key reference, 95 usage qualifier }
 * (the PIN verified, or disabled), A0 { SC_DOs } OR, AF { SC_DOs } AND.
 *
 * Decisions: a file with no 8B reference is always accessible; a reference
 * that cannot be resolved (no EF.ARR, no such record, a record that cannot
 * be parsed) and an access mode that no rule of the record names deny the
 * access (6982), as does a key reference with no PIN in the profile.
 */
#ifndef VEUICC_UICC_ARR_H
#define VEUICC_UICC_ARR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uicc/fs.h"
#include "uicc/pin.h"

/** What a command does to an EF. */
typedef enum veuicc_arr_op {
	VEUICC_ARR_READ = 0,     /**< READ BINARY/RECORD, SEARCH RECORD: AM b1 */
	VEUICC_ARR_UPDATE = 1,   /**< UPDATE BINARY/RECORD: AM b2 */
	VEUICC_ARR_INCREASE = 2, /**< INCREASE: command header AM_DO with INS 32 */
} veuicc_arr_op;

/**
 * Evaluate one EF.ARR record \p rec (\p len bytes, FF padding allowed) for
 * \p op on a file of application \p adf (NULL: outside applications; it
 * names the PINs of local key references).
 * \returns true when the access is allowed
 */
bool veuicc_arr_rule_allows(const uint8_t *rec, size_t len, veuicc_arr_op op,
                            veuicc_pin_table *pins, const veuicc_fs_node *adf);

/**
 * May \p op be done on \p ef now?
 * \returns VEUICC_SW_OK or VEUICC_SW_SECURITY_STATUS (6982)
 */
uint16_t veuicc_arr_check(veuicc_fs *fs, const veuicc_fs_node *ef, veuicc_arr_op op);

/** TS 102 226 §8.2.1.3.2.2 access domain parameter: full access to the file system. */
#define VEUICC_ARR_DOMAIN_FULL 0x00
/** TS 102 226 §8.2.1.3.2.2 access domain parameter: the UICC access
 *  mechanism, the access domain data naming the key references granted
 *  (decision AP17 for the bit coding). */
#define VEUICC_ARR_DOMAIN_ACCESS_RULES 0x02
/** TS 102 226 access domain parameter: no access to the file system. */
#define VEUICC_ARR_DOMAIN_NONE 0xFF

/**
 * May a remote file management application (TS 102 226 §7, §8) whose access
 * domain parameter for the file's tree is \p domain do \p op on \p ef?
 * VEUICC_ARR_DOMAIN_FULL: every security condition of the file's access rule
 * counts as satisfied (any key reference, PIN or ADM) except NEVER; a rule
 * that cannot be resolved does not stop it. VEUICC_ARR_DOMAIN_NONE and every
 * other value (the UICC access mechanism '02' is not supported,
 * docs/spec-decisions.md R4): denied.
 * \returns VEUICC_SW_OK or VEUICC_SW_SECURITY_STATUS (6982)
 */
uint16_t veuicc_arr_check_domain(const veuicc_fs_node *ef, veuicc_arr_op op, uint8_t domain);

/**
 * veuicc_arr_check_domain() with the access domain data (\p data, \p
 * data_len) that follows the parameter: for VEUICC_ARR_DOMAIN_ACCESS_RULES
 * the access is allowed when the file's EF.ARR rule for \p op has a
 * security condition met by ALWAYS or by a key reference the data grants
 * (bit coding: docs/spec-decisions.md AP17); no rule, or no data, denies.
 * \returns VEUICC_SW_OK or VEUICC_SW_SECURITY_STATUS (6982)
 */
uint16_t veuicc_arr_check_domain_data(const veuicc_fs_node *ef, veuicc_arr_op op, uint8_t domain,
                                      const uint8_t *data, size_t data_len);

#endif /* VEUICC_UICC_ARR_H */
