/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ota.h
 * \brief The SM-SR side of an SCP80 OTA session, shared by `veuicc ota`
 *        (cmd_ota.c) and `veuicc demo` (cmd_demo.c): remote APDU scripts
 *        (ETSI TS 102 226 §5), SMS-PP download ENVELOPEs (TS 102 223 §7.1.1,
 *        TS 31.115 §4, TS 23.040 §9.2.2.1), the terminal's part of the
 *        exchange (61xx, 91xx: FETCH, SEND SHORT MESSAGE, TERMINAL RESPONSE)
 *        and the decoded PoR (TS 102 225 §5.2).
 */
#ifndef VEUICC_TOOLS_OTA_H
#define VEUICC_TOOLS_OTA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scp/scp80.h"

/** Most SMS one packet is split into (TS 23.040 §9.2.3.24.1: up to 255). */
#define VEUICC_CLI_OTA_MAX_SMS 16
/** Largest ENVELOPE C-APDU built here (header, Lc, D1 TLV with a 140-byte TP-UD). */
#define VEUICC_CLI_OTA_ENV_MAX 261
/** Largest command packet: what fits in VEUICC_CLI_OTA_MAX_SMS concatenated SMS. */
#define VEUICC_CLI_OTA_PKT_MAX (VEUICC_CLI_OTA_MAX_SMS * 134)
/** Largest PoR / remote response handled. */
#define VEUICC_CLI_OTA_POR_MAX 2048

/** One SM-SR key set and addressing. */
typedef struct veuicc_cli_ota_ctx {
	veuicc_scp80_keyset ks; /**< KIc / KID keys (secret) */
	veuicc_scp80_host h;    /**< SPI, KIc/KID bytes, TAR, counter */
	uint8_t oa[12];         /**< TP-OA as coded: digits, TON/NPI, BCD */
	size_t oa_len;
	uint8_t concat_ref; /**< concatenation reference (IE 00) */
} veuicc_cli_ota_ctx;

/** An ENVELOPE (one SMS) ready to send. */
typedef struct veuicc_cli_ota_env {
	uint8_t apdu[VEUICC_CLI_OTA_ENV_MAX];
	size_t len;
} veuicc_cli_ota_env;

/** Sends one C-APDU and returns the R-APDU (data ‖ SW1 SW2). \returns veuicc_err. */
typedef int (*veuicc_cli_ota_xfer_fn)(void *ctx, const uint8_t *c, size_t cn, uint8_t *r,
                                      size_t rcap, size_t *rn);

/**
 * Parse hex (spaces and tabs allowed) into \p out.
 * \returns 0, or -1 with a message in \p why (a bad character, an odd
 *          number of digits, longer than \p cap)
 */
int veuicc_cli_ota_unhex(const char *s, uint8_t *out, size_t cap, size_t *n, char *why,
                         size_t why_cap);

/**
 * Code \p digits ("+" for international, then 1..20 digits) as a TP-OA
 * (TS 23.040 §9.1.2.5). \returns 0 or -1.
 */
int veuicc_cli_ota_address(const char *digits, uint8_t *out, size_t *n);

/**
 * Build a remote APDU script from \p count C-APDUs laid one after the other
 * in \p apdus (lengths in \p lens): compact (concatenated, TS 102 226
 * §5.1) or expanded (`AA L 22 L C-APDU …`, definite length, §5.2).
 * \returns VEUICC_OK or VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_cli_ota_script(int expanded, const uint8_t *apdus, const size_t *lens, size_t count,
                          uint8_t *out, size_t cap, size_t *n);

/**
 * Split the command packet \p pkt into SMS-DELIVERs (UDH `70 00`; when it
 * does not fit in one SMS, concatenation IE `00 03 ref total seq` in every
 * segment and `70 00` in the first) and wrap each in an SMS-PP download
 * ENVELOPE (device identities network → UICC).
 * \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL (more than \p max SMS)
 */
int veuicc_cli_ota_envelopes(const veuicc_cli_ota_ctx *o, const uint8_t *pkt, size_t pkt_len,
                             veuicc_cli_ota_env *env, size_t max, size_t *count);

/**
 * Send \p count ENVELOPEs through \p xfer as a terminal does: GET RESPONSE
 * after 61xx, and after 91xx FETCH the proactive command, take the PoR from
 * a SEND SHORT MESSAGE (SMS-SUBMIT, TS 23.040 §9.2.2.2) and answer TERMINAL
 * RESPONSE (TS 102 223 §6.8). Exchanges are printed on \p log (NULL:
 * silent). \p por receives the PoR TP-UD (`02 71 00 …`), *por_len 0 when
 * the card sent none. \returns VEUICC_OK, a transport error, or
 * VEUICC_ERR_MALFORMED (a status word no terminal expects; printed).
 */
int veuicc_cli_ota_exchange(veuicc_cli_ota_xfer_fn xfer, void *ctx, const veuicc_cli_ota_env *env,
                            size_t count, FILE *log, uint8_t *por, size_t por_cap, size_t *por_len);

/** Outcome of a decoded PoR. */
typedef struct veuicc_cli_ota_result {
	int checked;       /**< the PoR parsed and its CC/RC (if any) verified */
	uint8_t status;    /**< TS 102 225 response status */
	unsigned commands; /**< R-APDUs in the response */
	int sw_error;      /**< an R-APDU ended with an error status word */
	uint16_t last_sw;  /**< SW of the last R-APDU (0: none) */
	uint8_t last[258]; /**< data of the last R-APDU */
	size_t last_len;
} veuicc_cli_ota_result;

/** Meaning of a TS 102 225 §5.2 / TS 31.115 §7 response status code. */
const char *veuicc_cli_ota_status_name(uint8_t status);

/**
 * Check and print the PoR \p por for the command built with \p o: TAR,
 * counter, status with its meaning, CC, each R-APDU with its status word's
 * meaning (compact or expanded response). \returns VEUICC_OK or the error
 * of veuicc_scp80_unwrap_por() (printed).
 */
int veuicc_cli_ota_print_por(FILE *f, const veuicc_cli_ota_ctx *o, const uint8_t *por, size_t len,
                             veuicc_cli_ota_result *res);

#endif /* VEUICC_TOOLS_OTA_H */
