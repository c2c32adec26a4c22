/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file test_hex.h
 * \brief Hex text for the tests' line-driven helper programs (*_io.c) and
 *        the cmocka tests that read hex vectors: one strict decoder and one
 *        printer, so every helper speaks the same hex.
 */
#ifndef VEUICC_TESTS_TEST_HEX_H
#define VEUICC_TESTS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"

/** Error value of test_hex_decode(). */
#define TEST_HEX_BAD ((size_t)-1)

/**
 * Decode the hex string \p h (an even number of hex digits, nothing else;
 * "-" stands for no bytes) into \p out.
 * \returns the byte count, or TEST_HEX_BAD when \p h is not hex or does not
 *          fit \p cap bytes.
 */
static inline size_t test_hex_decode(const char *h, uint8_t *out, size_t cap)
{
	if (strcmp(h, "-") == 0)
		return 0;
	size_t n = strlen(h);
	if (n % 2 || n / 2 > cap)
		return TEST_HEX_BAD;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = veuicc_hex_digit(h[2 * i]), lo = veuicc_hex_digit(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return TEST_HEX_BAD;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/** Print \p n bytes as lower-case hex on stdout, "-" when there are none. */
static inline void test_hex_print(const uint8_t *b, size_t n)
{
	if (!n)
		putchar('-');
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

#endif /* VEUICC_TESTS_TEST_HEX_H */
