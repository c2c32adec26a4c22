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
#include <unistd.h>

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

/** Remove a card or store file and SQLite's side files (-wal, -shm,
 *  -journal); missing ones are fine. */
static inline void test_rm_card_file(const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
	char p[1100];
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sides[i]);
		unlink(p);
	}
}

#endif /* VEUICC_TESTS_TEST_TMP_H */
