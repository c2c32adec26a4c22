/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: send hex APDUs to a card and compare hex responses. */
#ifndef VEUICC_TESTS_CARD_HELPERS_H
#define VEUICC_TESTS_CARD_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "test_file.h"
#include "veuicc/veuicc.h"

static inline size_t th_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		int v;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

static inline void th_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
	out[2 * n] = 0;
}

/* Send capdu (hex) and assert the whole R-APDU equals expect (hex). */
static inline void th_xfer(veuicc_card *card, const char *capdu, const char *expect)
{
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX], x[VEUICC_RAPDU_MAX];
	static char got[2 * VEUICC_RAPDU_MAX + 1], want[2 * VEUICC_RAPDU_MAX + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c));
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	size_t xl = th_unhex(expect, x, sizeof(x));
	th_hex(r, rl, got);
	th_hex(x, xl, want);
	if (strcmp(got, want) != 0)
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
}

/* Send capdu and return the SW. */
static inline uint16_t th_sw(veuicc_card *card, const uint8_t *c, size_t cl)
{
	static uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	assert_true(rl >= 2);
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

/* Read the file \p name of the folder named by environment variable
 * \p dir_env; the caller frees the bytes. */
static inline uint8_t *th_load(const char *dir_env, const char *name, size_t *len)
{
	return test_load(dir_env, name, len);
}

/* A default card, cold reset, T=1 selected. */
static inline veuicc_card *th_new_card_t1(void)
{
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

#endif
