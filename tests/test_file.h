/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file test_file.h
 * \brief Whole-file reads for the cmocka tests (test data, card files,
 *        snapshots): one reader that fails the test on any error.
 */
#ifndef VEUICC_TESTS_TEST_FILE_H
#define VEUICC_TESTS_TEST_FILE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <setjmp.h>
#include <cmocka.h>

/** The bytes of \p path (NUL-terminated for text, not counted in *len);
 *  the caller frees them. A missing or unreadable file fails the test. */
static inline uint8_t *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

/** test_read_file() of \p name in the folder the environment variable
 *  \p dir_env names (e.g. VEUICC_TEST_DATA). */
static inline uint8_t *test_load(const char *dir_env, const char *name, size_t *len)
{
	const char *dir = getenv(dir_env);
	if (!dir)
		fail_msg("%s is not set", dir_env);
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return test_read_file(path, len);
}

#endif /* VEUICC_TESTS_TEST_FILE_H */
