/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file remote_apdu.h
 * \brief ETSI TS 102 226 §5 remote APDU formats carried in SCP80 secured data:
 *        compact (§5.1) and expanded (§5.2, definite `AA`/`AB` and
 *        indefinite `AE`/`AF` templates).
 *
 * The runner parses the command script, hands each C-APDU to a callback and
 * builds the response data that goes into the PoR. It keeps no state.
 */
#ifndef VEUICC_REMOTE_APDU_H
#define VEUICC_REMOTE_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/* TS 101 220 §7.2 / TS 102 226 §5.2 tags */
#define VEUICC_REMOTE_TAG_CMD_DEF   0xAA /**< command scripting template, definite length */
#define VEUICC_REMOTE_TAG_CMD_INDEF 0xAE /**< command scripting template, indefinite length */
#define VEUICC_REMOTE_TAG_RSP_DEF   0xAB /**< response scripting template, definite length */
#define VEUICC_REMOTE_TAG_RSP_INDEF 0xAF /**< response scripting template, indefinite length */
#define VEUICC_REMOTE_TAG_CAPDU     0x22 /**< C-APDU (TS 102 223 §8.35) */
#define VEUICC_REMOTE_TAG_RAPDU     0x23 /**< R-APDU (TS 102 223 §8.36) */
#define VEUICC_REMOTE_TAG_IMMEDIATE 0x81 /**< immediate action (response) */
#define VEUICC_REMOTE_TAG_ERROR_ACT 0x82 /**< error action */
#define VEUICC_REMOTE_TAG_CHAINING  0x83 /**< script chaining (response) */
#define VEUICC_REMOTE_TAG_COUNT     0x80 /**< number of executed command TLVs */
#define VEUICC_REMOTE_TAG_BAD       0x90 /**< bad format */

/** Bad format values, TS 102 226 Table 5.12. */
enum veuicc_remote_bad_format {
	VEUICC_REMOTE_BAD_UNKNOWN_TAG = 0x01,
	VEUICC_REMOTE_BAD_WRONG_LENGTH = 0x02,
	VEUICC_REMOTE_BAD_NO_LENGTH = 0x03,
};
/** Script chaining response value "not supported", TS 102 226 Table 5.16. */
#define VEUICC_REMOTE_CHAINING_UNSUPPORTED 0x02

/** Largest R-APDU (256 data bytes + SW1 SW2) the runner accepts from the callback. */
#define VEUICC_REMOTE_MAX 258

/**
 * Executes one C-APDU (as received, short form) and writes the R-APDU (data
 * ‖ SW1 SW2, at least 2 bytes) to \p rapdu. Case-4 commands must come back
 * with their data, not 61xx (the card runs GET RESPONSE itself, TS 102 226
 * §5.2.1). Return VEUICC_OK or a negative veuicc_err to abort the script.
 */
typedef int (*veuicc_remote_exec_fn)(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                                     size_t cap, size_t *rlen);

/**
 * Compact format (TS 102 226 §5.1): run the concatenated C-APDUs of \p script
 * until one ends with an error status (anything but 90xx 91xx 61xx 62xx
 * 63xx) and write `count ‖ SW1 SW2 ‖ last response data` to \p out. A
 * C-APDU's length comes from its P3: INS of case-2 commands (READ BINARY,
 * READ RECORD, GET RESPONSE, STATUS, GET CHALLENGE, GET DATA, FETCH) take P3 as
 * Le, all others as Lc; a 4-byte tail is a case-1 command. A truncated
 * command ends the script. \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL,
 * VEUICC_ERR_INVALID_ARG or the callback's error.
 */
int veuicc_remote_run_compact(const uint8_t *script, size_t len, veuicc_remote_exec_fn exec,
                              void *ctx, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Expanded format (TS 102 226 §5.2): \p script is an `AA` (definite) or `AE 80
 * … 00 00` (indefinite) command scripting template. C-APDU TLVs (`22`) run in
 * order until an error status; the response is `AB L 80 01 n 23… [90 01 x]`
 * for `AA` or `AF 80 23… [90 01 x] 00 00` for `AE` (Table 5.10a: no count).
 * Unknown tag, wrong or missing length stop the script with a bad-format TLV
 * after the R-APDUs of the commands already run; `82` (error action) is
 * accepted and ignored, `81` (immediate action) is ignored, `83` (script
 * chaining) answers `83 01 02` (not supported) and stops.
 * \returns VEUICC_OK (also for bad format), VEUICC_ERR_MALFORMED (the first
 * byte is no command template: nothing to answer), VEUICC_ERR_BUFFER_TOO_SMALL,
 * VEUICC_ERR_INVALID_ARG or the callback's error.
 */
int veuicc_remote_run_expanded(const uint8_t *script, size_t len, veuicc_remote_exec_fn exec,
                               void *ctx, uint8_t *out, size_t cap, size_t *out_len);

#endif /* VEUICC_REMOTE_APDU_H */
