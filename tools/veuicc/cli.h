/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cli.h
 * \brief The `veuicc` command-line tool: subcommands and shared helpers.
 *
 * A subcommand is `int veuicc_cli_<name>(int argc, char **argv)` with argv[0]
 * the subcommand name; it returns the process exit status. Register it with
 * one line in the command table of main.c.
 */
#ifndef VEUICC_TOOLS_CLI_H
#define VEUICC_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "veuicc/veuicc.h"

/* Exit statuses shared by all subcommands. */
#define VEUICC_CLI_EXIT_OK       0 /**< success */
#define VEUICC_CLI_EXIT_MISMATCH 1 /**< the card answered differently than expected / failed */
#define VEUICC_CLI_EXIT_USAGE    2 /**< bad command line, unreadable or malformed input */

/* ---- subcommands ------------------------------------------------------ */

/** `veuicc apdu FILE`: run an APDU script against a fresh card. */
int veuicc_cli_apdu(int argc, char **argv);

/** `veuicc demo`: a factory card, an SCP80 OTA session of ES5 functions, then a modem. */
int veuicc_cli_demo(int argc, char **argv);

/** `veuicc reader ...`: write pcscd reader configs, list/remove/insert cards (cmd_reader.c). */
int veuicc_cli_reader(int argc, char **argv);

/** `veuicc vpcd`: serve a card to vsmartcard's vpcd driver over TCP (cmd_vpcd.c). */
int veuicc_cli_vpcd(int argc, char **argv);

/** `veuicc card install|ls|activate`: a persistent card and its profiles (cmd_card.c). */
int veuicc_cli_card(int argc, char **argv);

/** The card file: \p given, else $VEUICC_CARD, else the XDG state folder (created). */
const char *veuicc_cli_card_path(const char *given, char *buf, size_t cap);

/** Read a profile package file (":default": the built-in TS.48 V7 profile). */
int veuicc_cli_load_profile(const char *path, uint8_t **der, size_t *len);

/** Install the package at \p path on \p card (and activate it); errors are printed. */
int veuicc_cli_add_profile(veuicc_card *card, const char *path, int activate);

/** `veuicc saip dump|check|build|personalize`: SAIP profile packages (cmd_saip.c). */
int veuicc_cli_saip(int argc, char **argv);

/** `veuicc ota`: SCP80 command packets in SMS-PP ENVELOPEs, PoR decoding (cmd_ota.c). */
int veuicc_cli_ota(int argc, char **argv);

/** `veuicc sm`: the off-card SM-SR / SM-DP (cmd_sm.c, docs/sm.md). */
int veuicc_cli_sm(int argc, char **argv);

/** `veuicc bip`: the terminal of a card's BIP channel, bridged to TCP (cmd_bip.c). */
int veuicc_cli_bip(int argc, char **argv);

/* ---- helpers (util.c) ------------------------------------------------- */

/**
 * Recognise option \p name ("--trace") at argv[*i], with a value when
 * \p value is non-NULL ("--eid X" or "--eid=X").
 * \returns 1 when matched (*i is advanced past a separate value), 0 when
 *          argv[*i] is another option, -1 when the value is missing (a
 *          message was printed)
 */
int veuicc_cli_opt(int argc, char **argv, int *i, const char *name, const char **value);

/** Read a whole file ("-": standard input) into a new buffer (free()). */
int veuicc_cli_read_file(const char *path, char **out, size_t *len);

/**
 * Print \p n bytes as "XX XX ..." with \p per_row bytes per row; the first
 * row follows \p first (already printed by the caller, its width given by
 * \p indent), later rows start with \p indent spaces. Ends with a newline.
 */
void veuicc_cli_hex_rows(FILE *f, const uint8_t *b, size_t n, size_t per_row, size_t indent);

/** Parse "T=0" / "T=1" (case-insensitive). \returns 0 or -1. */
int veuicc_cli_parse_protocol(const char *s, veuicc_protocol *out);

/** Parse an unsigned 64-bit number (decimal or 0x hex). \returns 0 or -1. */
int veuicc_cli_parse_u64(const char *s, uint64_t *out);

/* ---- decoding for humans (trace.c) ------------------------------------ */

/**
 * One line describing a C-APDU: command name, channel, secure messaging,
 * P1, P2, Lc, Le, e.g. "SELECT, channel 0, P1 04, P2 00, Lc 16, Le absent".
 */
void veuicc_cli_describe_capdu(const uint8_t *c, size_t n, char *buf, size_t cap);

/** Logical channel of a CLA byte (ISO 7816-4 §5.4.1), or -1 if not decodable. */
int veuicc_cli_cla_channel(uint8_t cla);

/** Print one exchange: a header with \p label, the C-APDU and the R-APDU decoded. */
void veuicc_cli_trace_exchange(FILE *f, const char *label, const uint8_t *c, size_t cn,
                               const uint8_t *r, size_t rn);

/** Print "SW XXXX (meaning)" for the last two bytes of an R-APDU. */
void veuicc_cli_print_sw(FILE *f, const uint8_t *r, size_t rn);

/** Print an ATR in hex and decoded (ISO 7816-3 §8), each line after \p indent spaces. */
void veuicc_cli_print_atr(FILE *f, size_t indent, const uint8_t *atr, size_t n);

/* ---- a terminal's transport layer (terminal.c) ------------------------ */

/** Exchanges with one card, optionally traced. */
typedef struct veuicc_cli_term {
	veuicc_card *card;
	FILE *trace;        /**< where exchanges are printed; NULL: silent */
	unsigned exchanges; /**< veuicc_transmit() calls made */
	unsigned automatic; /**< of which GET RESPONSE / repeats added by the terminal */
	uint8_t *scratch;   /**< VEUICC_RAPDU_MAX bytes */
	uint8_t *cmd;       /**< VEUICC_CAPDU_MAX bytes, for repeated commands */
} veuicc_cli_term;

/** Set up \p t for \p card. \returns VEUICC_OK or VEUICC_ERR_NO_MEMORY. */
int veuicc_cli_term_init(veuicc_cli_term *t, veuicc_card *card, FILE *trace);

/** Release what veuicc_cli_term_init() allocated. */
void veuicc_cli_term_free(veuicc_cli_term *t);

/** Send one C-APDU as it is and trace it under \p label. \returns veuicc_err. */
int veuicc_cli_xfer(veuicc_cli_term *t, const char *label, const uint8_t *c, size_t cn, uint8_t *r,
                    size_t rcap, size_t *rn);

/**
 * Send one C-APDU the way a T=0 terminal's transport layer does (ISO 7816-3
 * §12.2, TS 102 221 §7.3.1.1): after 6Cxx repeat the command with Le = xx;
 * after 61xx send GET RESPONSE (on the command's channel) until all data is
 * read. \p r receives all response data and the last status word.
 * \returns veuicc_err
 */
int veuicc_cli_xfer_auto(veuicc_cli_term *t, const char *label, const uint8_t *c, size_t cn,
                         uint8_t *r, size_t rcap, size_t *rn);

#endif /* VEUICC_TOOLS_CLI_H */
