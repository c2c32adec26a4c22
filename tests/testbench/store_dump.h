/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every record of a card's store as text, "namespace/key=HEX" per line in
 * the store's order: the testbench tests (snapshot, tear) compare a card's
 * whole persistent state through it. It aborts instead of asserting, as the
 * tear tests call it in a forked child too.
 */
#ifndef VEUICC_TESTS_TESTBENCH_STORE_DUMP_H
#define VEUICC_TESTS_TESTBENCH_STORE_DUMP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

static inline int store_dump_rec(void *ctx, const char *ns, const uint8_t *key, size_t kl,
                                 const uint8_t *v, size_t vl)
{
	FILE *f = ctx;
	fprintf(f, "%s/%.*s=", ns, (int)kl, (const char *)key);
	for (size_t i = 0; i < vl; i++)
		fprintf(f, "%02X", v[i]);
	fputc('\n', f);
	return 0;
}

/* The dump of \p st (the caller frees it); its length in *len when wanted. */
static inline char *store_dump(veuicc_store *st, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f || veuicc_store_iterate(st, "", false, NULL, 0, store_dump_rec, f))
		abort();
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

#endif
