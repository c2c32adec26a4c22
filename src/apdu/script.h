/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file script.h
 * \brief APDU scripts: parser and response matcher (format: docs/apdu-script.md).
 *
 * A script is a list of steps: C-APDUs with an optional expected R-APDU
 * pattern, and directives (.reset, .protocol, .expect-atr, ...). Parsing is
 * done once for the whole text, so a syntax error is reported before any
 * command reaches a card. Running a script is the caller's business (the CLI
 * `veuicc apdu`); this module only builds commands and matches responses.
 *
 * Patterns are sequences of units: a byte with a nibble mask (`9000`, `xx`,
 * `6C??`, `Cx`), `*` (any number of bytes), and `$name` (one byte captured
 * into a variable the first time, compared with it afterwards).
 */
#ifndef VEUICC_APDU_SCRIPT_H
#define VEUICC_APDU_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Longest variable name after `$`. */
#define VEUICC_SCRIPT_VAR_NAME_MAX 31

/** Kind of one pattern or command unit. */
typedef enum veuicc_script_unit_kind {
	VEUICC_SCRIPT_BYTE = 0, /**< (byte & mask) == value */
	VEUICC_SCRIPT_STAR = 1, /**< any number (0 or more) of bytes */
	VEUICC_SCRIPT_VAR = 2,  /**< `$name`: one byte (captured or compared) */
} veuicc_script_unit_kind;

/** One unit of a command or pattern. */
typedef struct veuicc_script_unit {
	uint8_t kind;  /**< veuicc_script_unit_kind */
	uint8_t value; /**< BYTE: expected bits (already masked) */
	uint8_t mask;  /**< BYTE: 0xFF exact, 0xF0/0x0F one nibble, 0x00 any */
	uint16_t var;  /**< VAR: index into veuicc_script.vars */
} veuicc_script_unit;

/** A run of units inside veuicc_script.units. */
typedef struct veuicc_script_range {
	size_t off;
	size_t len;
} veuicc_script_range;

/** What a step does. */
typedef enum veuicc_script_op {
	VEUICC_SCRIPT_OP_APDU = 0,         /**< send cmd, match against expect */
	VEUICC_SCRIPT_OP_RESET = 1,        /**< arg: veuicc_reset_kind */
	VEUICC_SCRIPT_OP_PROTOCOL = 2,     /**< arg: veuicc_protocol */
	VEUICC_SCRIPT_OP_EXPECT_ATR = 3,   /**< match the last ATR against expect */
	VEUICC_SCRIPT_OP_GET_RESPONSE = 4, /**< arg: 1 = automatic, 0 = manual */
} veuicc_script_op;

/** One step; lines and columns are 1-based. */
typedef struct veuicc_script_step {
	veuicc_script_op op;
	int arg;
	unsigned line;           /**< physical line where the step starts */
	veuicc_script_range cmd; /**< OP_APDU: BYTE and VAR units */
	size_t alt_first;        /**< first alternative in veuicc_script.alts */
	size_t alt_count;        /**< number of alternatives; 0 = nothing expected */
} veuicc_script_step;

/** A parsed script. Free it with veuicc_script_free(). */
typedef struct veuicc_script {
	veuicc_script_step *steps;
	size_t n_steps;
	veuicc_script_unit *units;
	size_t n_units;
	veuicc_script_range *alts; /**< each alternative of each pattern */
	size_t n_alts;
	char (*vars)[VEUICC_SCRIPT_VAR_NAME_MAX + 1]; /**< variable names */
	size_t n_vars;
	char eid[33]; /**< `.eid`, valid if has_eid */
	int has_eid;
	uint64_t seed; /**< `.seed`, valid if has_seed */
	int has_seed;
	/* capacities (private) */
	size_t cap_steps, cap_units, cap_alts, cap_vars;
} veuicc_script;

/** Where and why parsing failed. */
typedef struct veuicc_script_error {
	unsigned line;
	unsigned col;
	char msg[160];
} veuicc_script_error;

/**
 * Parse a whole script.
 * \param[in]  text  script text (need not be NUL-terminated; a NUL byte is an error)
 * \param[in]  len   its length
 * \param[out] out   the script (zeroed first; free it even on error)
 * \param[out] err   position and message on VEUICC_ERR_MALFORMED, or NULL
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_NO_MEMORY,
 *          VEUICC_ERR_INVALID_ARG
 */
int veuicc_script_parse(const char *text, size_t len, veuicc_script *out, veuicc_script_error *err);

/** Release what veuicc_script_parse() allocated; the script becomes empty. */
void veuicc_script_free(veuicc_script *s);

/**
 * Variable bindings of a run: one int per veuicc_script.n_vars, -1 = unbound,
 * else the byte value. Reset them with veuicc_script_unbind_all().
 */
void veuicc_script_unbind_all(const veuicc_script *s, int *bind);

/**
 * Build the command bytes of an OP_APDU step, substituting variables.
 * \param[out] unbound  on VEUICC_ERR_STATE, the index of the unbound variable
 * \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL, VEUICC_ERR_STATE (a
 *          variable has no value: the pattern that should have captured it
 *          matched through an alternative without it), VEUICC_ERR_INVALID_ARG
 */
int veuicc_script_build_cmd(const veuicc_script *s, const veuicc_script_step *st, const int *bind,
                            uint8_t *out, size_t cap, size_t *out_len, size_t *unbound);

/**
 * Match \p resp against the alternatives [alt_first, alt_first + alt_count).
 * `*` matches as few bytes as possible, except that the part after the last
 * `*` is anchored at the end; this decides which byte a `$name` after a `*`
 * captures. On success the captures of the matching alternative are stored
 * in \p bind.
 * \param[out] diff_at  on mismatch, the offset of the first response byte that
 *                      cannot be matched (== resp_len: the response is too
 *                      short), the furthest over all alternatives; may be NULL
 * \returns 1 on match, 0 on mismatch
 */
int veuicc_script_match(const veuicc_script *s, size_t alt_first, size_t alt_count, int *bind,
                        const uint8_t *resp, size_t resp_len, size_t *diff_at);

/**
 * Write a pattern (all its alternatives) in canonical form, e.g.
 * "6F * 84 10 A0 00 ... 90 00 | 61 xx", with bound variables as `$n=1C`
 * (\p bind may be NULL: all variables shown unbound).
 * \returns the length of the full text (as snprintf); \p buf is always
 *          NUL-terminated when \p cap > 0
 */
size_t veuicc_script_format_pattern(const veuicc_script *s, size_t alt_first, size_t alt_count,
                                    const int *bind, char *buf, size_t cap);

#endif /* VEUICC_APDU_SCRIPT_H */
