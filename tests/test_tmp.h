/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file test_tmp.h
 * \brief Scratch file names for tests, under $TMPDIR (default /tmp), so a
 *        run can be pointed at a private or larger scratch directory.
 */
#ifndef VEUICC_TESTS_TEST_TMP_H
#define VEUICC_TESTS_TEST_TMP_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/** $TMPDIR, or /tmp when unset. */
static inline const char *test_tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir != NULL && dir[0] != '\0' ? dir : "/tmp";
}

/** Write "$TMPDIR/veuicc-<stem>-XXXXXX" into \p buf, a template for
 *  mkstemp()/mkdtemp(). */
static inline void test_tmp_template(char *buf, size_t n, const char *stem)
{
	snprintf(buf, n, "%s/veuicc-%s-XXXXXX", test_tmp_dir(), stem);
}

#endif /* VEUICC_TESTS_TEST_TMP_H */
