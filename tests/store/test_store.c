/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the persistent store (src/store/): records, iteration order,
 * transactions, reopening, the in-memory mode, the power-cut hook at every
 * write point of a card-like scenario (checked against an independent model
 * kept in this file), a real process kill at every write point, corrupt and
 * truncated files, and paths that cannot be written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_file.h"
#include "store/store.h"
#include "test_tmp.h"

/* ---- temporary files ---------------------------------------------------- */

struct tmp {
	char dir[64];
	char path[128];
};

static void tmp_init(struct tmp *t)
{
	test_tmp_template(t->dir, sizeof(t->dir), "store");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/card.db", t->dir);
}

/* Remove the store file and its WAL so that the next open starts empty. */
static void tmp_reset(struct tmp *t)
{
	test_rm_card_file(t->path);
}

static void tmp_free(struct tmp *t)
{
	tmp_reset(t);
	rmdir(t->dir);
}

static const uint8_t K1[] = {0x01};
static const uint8_t K2[] = {0x02};

/* ---- CRUD --------------------------------------------------------------- */

static void crud(veuicc_store *st)
{
	uint8_t buf[64];
	size_t n = 0;
	const uint8_t v1[] = {0xde, 0xad, 0xbe, 0xef};
	const uint8_t v2[] = {0x00, 0x11, 0x22};

	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, sizeof(buf), &n),
	                 VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_put(st, "a", K1, 1, v1, sizeof(v1)), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, sizeof(buf), &n), VEUICC_OK);
	assert_int_equal(n, sizeof(v1));
	assert_memory_equal(buf, v1, sizeof(v1));
	/* same key, other namespace: a different record */
	assert_int_equal(veuicc_store_get(st, "b", K1, 1, buf, sizeof(buf), &n),
	                 VEUICC_ERR_NOT_FOUND);
	/* replace */
	assert_int_equal(veuicc_store_put(st, "a", K1, 1, v2, sizeof(v2)), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, sizeof(buf), &n), VEUICC_OK);
	assert_int_equal(n, sizeof(v2));
	assert_memory_equal(buf, v2, sizeof(v2));
	/* length query, too small a buffer */
	n = 0;
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, NULL, 0, &n),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, sizeof(v2));
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, 2, &n), VEUICC_ERR_BUFFER_TOO_SMALL);
	/* get_alloc */
	uint8_t *a = NULL;
	assert_int_equal(veuicc_store_get_alloc(st, "a", K1, 1, &a, &n), VEUICC_OK);
	assert_int_equal(n, sizeof(v2));
	assert_memory_equal(a, v2, sizeof(v2));
	veuicc_store_free_value(a, n);
	/* empty key and empty value are records too */
	assert_int_equal(veuicc_store_put(st, "a", NULL, 0, NULL, 0), VEUICC_OK);
	n = 99;
	assert_int_equal(veuicc_store_get(st, "a", NULL, 0, buf, sizeof(buf), &n), VEUICC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(veuicc_store_get_alloc(st, "a", NULL, 0, &a, &n), VEUICC_OK);
	assert_non_null(a);
	assert_int_equal(n, 0);
	veuicc_store_free_value(a, n);
	/* keys with zero bytes are distinct from their prefixes */
	const uint8_t k00[] = {0x01, 0x00};
	assert_int_equal(veuicc_store_put(st, "a", k00, 2, v1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, sizeof(buf), &n), VEUICC_OK);
	assert_int_equal(n, sizeof(v2));
	/* delete */
	assert_int_equal(veuicc_store_delete(st, "a", K1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, buf, sizeof(buf), &n),
	                 VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_delete(st, "a", K1, 1), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_get(st, "a", k00, 2, buf, sizeof(buf), &n), VEUICC_OK);
}

static int count_rec(void *ctx, const char *ns, const uint8_t *key, size_t kl, const uint8_t *v,
                     size_t vl)
{
	(void)ns, (void)key, (void)kl, (void)v, (void)vl;
	++*(size_t *)ctx;
	return 0;
}

static void bad_args(veuicc_store *st)
{
	uint8_t buf[4];
	size_t n;
	char longns[VEUICC_STORE_NS_MAX + 2];
	memset(longns, 'n', sizeof(longns) - 1);
	longns[sizeof(longns) - 1] = '\0';
	uint8_t *bigkey = calloc(1, VEUICC_STORE_KEY_MAX + 1);
	assert_non_null(bigkey);
	uint64_t w = veuicc_store_writes(st);

	assert_int_equal(veuicc_store_put(st, "", K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, NULL, K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "a b", K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "a\n", K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "\xc3\xa9", K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, longns, K1, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	longns[VEUICC_STORE_NS_MAX] = '\0'; /* exactly the maximum: fine */
	assert_int_equal(veuicc_store_put(st, longns, K1, 1, K1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "a", NULL, 1, K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "a", K1, 1, NULL, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "a", bigkey, VEUICC_STORE_KEY_MAX + 1, K1, 1),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_put(st, "a", K1, 1, K1, (size_t)VEUICC_STORE_VALUE_MAX + 1),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_get(st, "a", K1, 1, NULL, 4, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_get(NULL, "a", K1, 1, buf, 4, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_delete_ns(st, "", NULL), VEUICC_ERR_INVALID_ARG);
	/* every entry point refuses a missing store, namespace, key or output */
	uint8_t *val;
	uint64_t u;
	assert_int_equal(veuicc_store_begin(NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_commit(NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_rollback(NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_get_alloc(st, "a", K1, 1, NULL, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_get_alloc(st, "a", K1, 1, &val, NULL),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_delete(NULL, "a", K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_delete(st, "a b", K1, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_delete(st, "a", NULL, 1), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_incr(NULL, "a", K1, 1, 1, &u), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_incr(st, "", K1, 1, 1, &u), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_get_u64(st, "a", K1, 1, NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_iterate(NULL, "", false, NULL, 0, count_rec, &n),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, NULL, &n),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(
	    veuicc_store_iterate(st, "", false, bigkey, VEUICC_STORE_KEY_MAX + 1, count_rec, &n),
	    VEUICC_ERR_INVALID_ARG);
	/* only the valid put above was a write point */
	assert_int_equal(veuicc_store_writes(st), w + 1);
	free(bigkey);
}

/* veuicc_store_remove_files: the file and its three side files go, other
 * files next to it stay; NULL and missing files are fine. */
static void test_remove_files(void **state)
{
	(void)state;
	char base[256], p[300];
	test_tmp_template(base, sizeof(base), "rmfiles");
	int fd = mkstemp(base);
	assert_true(fd >= 0);
	close(fd);
	static const char *const sides[] = {"-wal", "-shm", "-journal", ".keep"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", base, sides[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	veuicc_store_remove_files(base);
	assert_int_equal(access(base, F_OK), -1);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", base, sides[i]);
		assert_int_equal(access(p, F_OK), i == 3 ? 0 : -1);
	}
	unlink(p);
	veuicc_store_remove_files(base); /* nothing there any more */
	veuicc_store_remove_files(NULL);
}

static void test_crud_memory(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(NULL, 0, &st), VEUICC_OK);
	assert_true(veuicc_store_is_memory(st));
	crud(st);
	bad_args(st);
	veuicc_store_close(st);
}

static void test_crud_file(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	assert_false(veuicc_store_is_memory(st));
	crud(st);
	bad_args(st);
	veuicc_store_close(st);
	tmp_free(&t);
}

/* ---- iteration ---------------------------------------------------------- */

struct rec {
	char ns[VEUICC_STORE_NS_MAX + 1];
	uint8_t key[16];
	size_t key_len;
	uint8_t *val;
	size_t val_len;
};

struct dump {
	struct rec r[64];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static int dump_fn(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                   const uint8_t *val, size_t val_len)
{
	struct dump *d = ctx;
	if (d->n >= 64 || key_len > 16 || strlen(ns) > VEUICC_STORE_NS_MAX)
		return -100;
	struct rec *r = &d->r[d->n++];
	strcpy(r->ns, ns);
	memcpy(r->key, key, key_len);
	r->key_len = key_len;
	r->val = malloc(val_len > 0 ? val_len : 1);
	if (r->val == NULL)
		return -101;
	memcpy(r->val, val, val_len);
	r->val_len = val_len;
	if (d->stop_after != 0 && d->n == d->stop_after)
		return 7;
	return 0;
}

static void dump_free(struct dump *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->r[i].val);
	d->n = 0;
}

/* The order the store promises, written independently of SQLite: namespace
 * bytewise, then key bytewise with a prefix first. */
static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	if (c != 0)
		return c;
	size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
	c = memcmp(x->key, y->key, m);
	if (c != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static const struct {
	const char *ns;
	uint8_t key[3];
	size_t key_len;
} iter_recs[] = {
    {"isdp/A2", {0xff}, 1},
    {"isdp/A1/file", {0x3f, 0x00}, 2},
    {"isdp/A1", {0x01, 0xff}, 2},
    {"isdp/A1", {0x02}, 1},
    {"isdp/A1", {0x01}, 1},
    {"isdp/A1", {0x01, 0x00}, 2},
    {"isdp/A1", {0}, 0},
    {"isdp/A1", {0xff, 0xff}, 2},
    {"isdq", {0x01}, 1},
    {"isd", {0x01}, 1},
    {"isdp/", {0x00}, 1},
    {"Z", {0x05}, 1},
    {"isdp/A1", {0xff, 0xff, 0x01}, 3},
};
#define N_ITER (sizeof(iter_recs) / sizeof(iter_recs[0]))

static int never_fn(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                    const uint8_t *val, size_t val_len)
{
	(void)ctx, (void)ns, (void)key, (void)key_len, (void)val, (void)val_len;
	return -99;
}

struct write_in_cb {
	veuicc_store *st;
	int put_ret, begin_ret, get_ret, iter_ret;
};

static int write_fn(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                    const uint8_t *val, size_t val_len)
{
	(void)ns, (void)key, (void)key_len, (void)val, (void)val_len;
	struct write_in_cb *w = ctx;
	uint8_t b[8];
	size_t n;
	w->put_ret = veuicc_store_put(w->st, "x", K1, 1, K1, 1);
	w->begin_ret = veuicc_store_begin(w->st);
	w->get_ret = veuicc_store_get(w->st, "x", K1, 1, b, sizeof(b), &n);
	w->iter_ret = veuicc_store_iterate(w->st, "", false, NULL, 0, never_fn, NULL);
	return 1;
}

/* Expected records of an iteration, computed from iter_recs by the test's
 * own filter and order. */
static size_t expect_iter(const char *nsp, bool exact, const uint8_t *kp, size_t kpl,
                          struct rec *out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_ITER; i++) {
		const char *ns = iter_recs[i].ns;
		if (exact ? strcmp(ns, nsp) != 0 : strncmp(ns, nsp, strlen(nsp)) != 0)
			continue;
		if (iter_recs[i].key_len < kpl ||
		    (kpl > 0 && memcmp(iter_recs[i].key, kp, kpl) != 0))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		strcpy(out[n].ns, ns);
		memcpy(out[n].key, iter_recs[i].key, iter_recs[i].key_len);
		out[n].key_len = iter_recs[i].key_len;
		out[n].val_len = i; /* here: the index, which is the stored value */
		n++;
	}
	qsort(out, n, sizeof(out[0]), rec_cmp);
	return n;
}

static void check_iter(veuicc_store *st, const char *nsp, bool exact, const uint8_t *kp, size_t kpl,
                       size_t want_n)
{
	struct rec want[N_ITER];
	size_t n = expect_iter(nsp, exact, kp, kpl, want);
	assert_int_equal(n, want_n); /* the filter selects what the test means */
	struct dump d = {.n = 0};
	assert_int_equal(veuicc_store_iterate(st, nsp, exact, kp, kpl, dump_fn, &d), VEUICC_OK);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d.r[i].ns, want[i].ns);
		assert_int_equal(d.r[i].key_len, want[i].key_len);
		assert_memory_equal(d.r[i].key, want[i].key, want[i].key_len);
		/* the value of each record is its index in iter_recs */
		assert_int_equal(d.r[i].val_len, 1);
		assert_int_equal(d.r[i].val[0], want[i].val_len);
	}
	dump_free(&d);
}

static void test_iteration_order(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(VEUICC_STORE_MEMORY, 0, &st), VEUICC_OK);
	for (size_t i = 0; i < N_ITER; i++) {
		uint8_t v = (uint8_t)i;
		assert_int_equal(veuicc_store_put(st, iter_recs[i].ns, iter_recs[i].key,
		                                  iter_recs[i].key_len, &v, 1),
		                 VEUICC_OK);
	}
	check_iter(st, "", false, NULL, 0, N_ITER);
	check_iter(st, "isdp/", false, NULL, 0, 10);
	check_iter(st, "isdp/A1", false, NULL, 0, 8);
	check_iter(st, "isdp/A1", true, NULL, 0, 7);
	check_iter(st, "isd", true, NULL, 0, 1);
	check_iter(st, "isdp/A1", true, K1, 1, 3);
	const uint8_t ff[] = {0xff};
	const uint8_t ffff[] = {0xff, 0xff};
	check_iter(st, "isdp/A1", true, ff, 1, 2); /* no successor of FF */
	check_iter(st, "isdp/A1", true, ffff, 2, 2);
	check_iter(st, "", false, ff, 1, 3);
	check_iter(st, "nothing", false, NULL, 0, 0);

	/* values come back with their records */
	struct dump d = {.n = 0};
	assert_int_equal(veuicc_store_iterate(st, "isdq", true, NULL, 0, dump_fn, &d), VEUICC_OK);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.r[0].val[0], 8);
	dump_free(&d);

	/* the callback stops the walk and its value comes back */
	d.stop_after = 2;
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, dump_fn, &d), 7);
	assert_int_equal(d.n, 2);
	dump_free(&d);

	/* no writes, no nested walks while walking; reads and begin refused too */
	struct write_in_cb w = {.st = st};
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, write_fn, &w), 1);
	assert_int_equal(w.put_ret, VEUICC_ERR_STATE);
	assert_int_equal(w.begin_ret, VEUICC_ERR_STATE);
	assert_int_equal(w.get_ret, VEUICC_ERR_STATE);
	assert_int_equal(w.iter_ret, VEUICC_ERR_STATE);
	uint8_t b[2];
	size_t n;
	assert_int_equal(veuicc_store_get(st, "x", K1, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);
	/* and the store works after the walk */
	assert_int_equal(veuicc_store_put(st, "x", K1, 1, K1, 1), VEUICC_OK);
	veuicc_store_close(st);
}

/* delete_ns removes a namespace subtree and nothing else. */
static void test_delete_ns(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(NULL, 0, &st), VEUICC_OK);
	for (size_t i = 0; i < N_ITER; i++) {
		uint8_t v = (uint8_t)i;
		assert_int_equal(veuicc_store_put(st, iter_recs[i].ns, iter_recs[i].key,
		                                  iter_recs[i].key_len, &v, 1),
		                 VEUICC_OK);
	}
	size_t del = 99;
	assert_int_equal(veuicc_store_delete_ns(st, "isdp/A1", &del), VEUICC_OK);
	assert_int_equal(del, 8);
	struct dump d = {.n = 0};
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, dump_fn, &d), VEUICC_OK);
	assert_int_equal(d.n, N_ITER - 8);
	for (size_t i = 0; i < d.n; i++)
		assert_false(strncmp(d.r[i].ns, "isdp/A1", 7) == 0);
	dump_free(&d);
	assert_int_equal(veuicc_store_delete_ns(st, "isdp/A1", &del), VEUICC_OK);
	assert_int_equal(del, 0);
	veuicc_store_close(st);
}

/* ---- transactions ------------------------------------------------------- */

static void txn(veuicc_store *st)
{
	uint8_t b[8];
	size_t n;
	assert_false(veuicc_store_in_txn(st));
	assert_int_equal(veuicc_store_commit(st), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_ERR_STATE);

	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_true(veuicc_store_in_txn(st));
	assert_int_equal(veuicc_store_begin(st), VEUICC_ERR_STATE); /* no nesting */
	assert_true(veuicc_store_in_txn(st));                       /* still the same one */
	assert_int_equal(veuicc_store_put(st, "t", K1, 1, K1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "t", K2, 1, K2, 1), VEUICC_OK);
	/* the transaction sees its own writes */
	assert_int_equal(veuicc_store_get(st, "t", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_OK);
	assert_false(veuicc_store_in_txn(st));
	assert_int_equal(veuicc_store_get(st, "t", K1, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_get(st, "t", K2, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);

	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "t", K1, 1, K1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "t", K2, 1, K2, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_delete(st, "t", K1, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_commit(st), VEUICC_OK);
	assert_false(veuicc_store_in_txn(st));
	assert_int_equal(veuicc_store_get(st, "t", K1, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_get(st, "t", K2, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(b[0], 0x02);

	/* a rolled-back delete_ns leaves the records */
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_delete_ns(st, "t", NULL), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "t", K2, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "t", K2, 1, b, sizeof(b), &n), VEUICC_OK);
}

static void counters(veuicc_store *st)
{
	uint64_t v = 0;
	assert_int_equal(veuicc_store_get_u64(st, "ctr", K1, 1, &v), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_store_incr(st, "ctr", K1, 1, 1, &v), VEUICC_OK);
	assert_int_equal(v, 1);
	assert_int_equal(veuicc_store_incr(st, "ctr", K1, 1, 0x1ff, &v), VEUICC_OK);
	assert_int_equal(v, 0x200);
	/* stored as 8 bytes big-endian */
	uint8_t b[8];
	size_t n;
	assert_int_equal(veuicc_store_get(st, "ctr", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	const uint8_t be[8] = {0, 0, 0, 0, 0, 0, 0x02, 0x00};
	assert_int_equal(n, 8);
	assert_memory_equal(b, be, 8);
	/* inside a rolled-back transaction the increment disappears */
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_incr(st, "ctr", K1, 1, 5, &v), VEUICC_OK);
	assert_int_equal(v, 0x205);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_OK);
	assert_int_equal(veuicc_store_get_u64(st, "ctr", K1, 1, &v), VEUICC_OK);
	assert_int_equal(v, 0x200);
	/* wrap and wrong size refused, value unchanged */
	assert_int_equal(veuicc_store_incr(st, "ctr", K1, 1, UINT64_MAX, &v), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_store_get_u64(st, "ctr", K1, 1, &v), VEUICC_OK);
	assert_int_equal(v, 0x200);
	assert_int_equal(veuicc_store_put(st, "ctr", K2, 1, b, 7), VEUICC_OK);
	assert_int_equal(veuicc_store_incr(st, "ctr", K2, 1, 1, &v), VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_store_get_u64(st, "ctr", K2, 1, &v), VEUICC_ERR_MALFORMED);
}

static void test_txn_memory(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(NULL, 0, &st), VEUICC_OK);
	txn(st);
	counters(st);
	veuicc_store_close(st);
}

static void test_txn_file(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	txn(st);
	counters(st);
	veuicc_store_close(st);
	tmp_free(&t);
}

/* ---- reopening, memory mode -------------------------------------------- */

static void test_reopen_file(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	veuicc_store *st = NULL, *st2 = NULL;
	assert_int_equal(veuicc_store_open(t.path, VEUICC_STORE_NO_CREATE, &st),
	                 VEUICC_ERR_NOT_FOUND);
	assert_null(st);
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	/* a new card file (and its WAL) is for its owner only: it holds keys */
	struct stat sb;
	assert_int_equal(stat(t.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	const uint8_t key[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	                         0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f};
	assert_int_equal(veuicc_store_put(st, "keys/ISD-R", K1, 1, key, sizeof(key)), VEUICC_OK);
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", t.path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "reg", K2, 1, K2, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_commit(st), VEUICC_OK);
	/* a second store on the same file is refused while the first is open */
	assert_int_equal(veuicc_store_open(t.path, 0, &st2), VEUICC_ERR_IO);
	assert_null(st2);
	/* reopen inside a transaction is refused */
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_reopen(st), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_OK);
	assert_int_equal(veuicc_store_reopen(st), VEUICC_OK);
	uint8_t b[32];
	size_t n;
	assert_int_equal(veuicc_store_get(st, "keys/ISD-R", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(n, sizeof(key));
	assert_memory_equal(b, key, sizeof(key));
	veuicc_store_close(st);

	/* a new store on the same file sees everything */
	assert_int_equal(veuicc_store_open(t.path, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "keys/ISD-R", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_memory_equal(b, key, sizeof(key));
	assert_int_equal(veuicc_store_get(st, "reg", K2, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(b[0], 0x02);
	veuicc_store_close(st);
	tmp_free(&t);
}

/* A path that looks like an SQLite URI is still a plain file name. */
static void test_uri_like_path(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t.dir), 0);
	veuicc_store *st = NULL;
	int r = veuicc_store_open("file:card.db?mode=ro", 0, &st);
	if (r == VEUICC_OK) {
		r = veuicc_store_put(st, "u", K1, 1, K1, 1);
		veuicc_store_close(st);
	}
	int exists = access("file:card.db?mode=ro", F_OK) == 0;
	unlink("file:card.db?mode=ro");
	unlink("file:card.db?mode=ro-wal");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, VEUICC_OK);
	assert_true(exists);
	tmp_free(&t);
}

static void test_memory_mode(void **state)
{
	(void)state;
	veuicc_store *a = NULL, *b = NULL;
	assert_int_equal(veuicc_store_open(NULL, 0, &a), VEUICC_OK);
	assert_int_equal(veuicc_store_open(VEUICC_STORE_MEMORY, 0, &b), VEUICC_OK);
	assert_true(veuicc_store_is_memory(b));
	/* two in-memory stores share nothing */
	assert_int_equal(veuicc_store_put(a, "m", K1, 1, K1, 1), VEUICC_OK);
	uint8_t v[2];
	size_t n;
	assert_int_equal(veuicc_store_get(b, "m", K1, 1, v, sizeof(v), &n), VEUICC_ERR_NOT_FOUND);
	/* no file appears in the working directory */
	assert_int_equal(access(":memory:", F_OK), -1);
	/* reopen keeps committed records in memory */
	assert_int_equal(veuicc_store_reopen(a), VEUICC_OK);
	assert_int_equal(veuicc_store_get(a, "m", K1, 1, v, sizeof(v), &n), VEUICC_OK);
	veuicc_store *c = a;
	assert_int_equal(veuicc_store_open("", 0, &c), VEUICC_ERR_INVALID_ARG);
	assert_null(c);
	assert_int_equal(veuicc_store_open(NULL, 0, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_store_close(a);
	veuicc_store_close(b);
	veuicc_store_close(NULL);
}

/* ---- the power-cut hook, basics ----------------------------------------- */

static void fault_basics(veuicc_store *st)
{
	uint8_t b[8];
	size_t n;
	assert_int_equal(veuicc_store_put(st, "f", K1, 1, K1, 1), VEUICC_OK);
	uint64_t w0 = veuicc_store_writes(st);
	veuicc_store_set_fault(st, 3);
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "f", K2, 1, K2, 1), VEUICC_OK);     /* write 1 */
	assert_int_equal(veuicc_store_delete(st, "f", K1, 1), VEUICC_OK);         /* write 2 */
	assert_int_equal(veuicc_store_put(st, "f", K1, 1, K2, 1), VEUICC_ERR_IO); /* cut */
	assert_int_equal(veuicc_store_writes(st), w0 + 3);
	assert_true(veuicc_store_is_powered_off(st));
	assert_false(veuicc_store_in_txn(st));
	/* powered off: everything fails, nothing counts */
	assert_int_equal(veuicc_store_get(st, "f", K1, 1, b, sizeof(b), &n), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_put(st, "f", K1, 1, K1, 1), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_commit(st), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_rollback(st), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_begin(st), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, never_fn, NULL),
	                 VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_writes(st), w0 + 3);
	/* power up: the state before the transaction */
	assert_int_equal(veuicc_store_reopen(st), VEUICC_OK);
	assert_false(veuicc_store_is_powered_off(st));
	assert_int_equal(veuicc_store_get(st, "f", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(b[0], 0x01);
	assert_int_equal(veuicc_store_get(st, "f", K2, 1, b, sizeof(b), &n), VEUICC_ERR_NOT_FOUND);
	/* the fault fired once: the store works again */
	for (int i = 0; i < 5; i++)
		assert_int_equal(veuicc_store_put(st, "f", K2, 1, K2, 1), VEUICC_OK);
	/* a cut at the commit loses the transaction */
	veuicc_store_set_fault(st, 2);
	assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "f", K1, 1, K2, 1), VEUICC_OK);
	assert_int_equal(veuicc_store_commit(st), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_reopen(st), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "f", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(b[0], 0x01);
	/* a cut outside a transaction loses just that write */
	veuicc_store_set_fault(st, 1);
	assert_int_equal(veuicc_store_incr(st, "f", K1, 1, 1, NULL), VEUICC_ERR_IO);
	assert_int_equal(veuicc_store_reopen(st), VEUICC_OK);
	assert_int_equal(veuicc_store_get(st, "f", K1, 1, b, sizeof(b), &n), VEUICC_OK);
	assert_int_equal(n, 1);
	/* set_fault(0) disarms */
	veuicc_store_set_fault(st, 1);
	veuicc_store_set_fault(st, 0);
	assert_int_equal(veuicc_store_put(st, "f", K1, 1, K1, 1), VEUICC_OK);
}

static void test_fault_basics_memory(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(NULL, 0, &st), VEUICC_OK);
	fault_basics(st);
	veuicc_store_close(st);
}

static void test_fault_basics_file(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	fault_basics(st);
	veuicc_store_close(st);
	tmp_free(&t);
}

/* ---- every write point of a card-like scenario ------------------------- */

/*
 * The scenario follows the shape of the issue's sequence CreateISDP ->
 * install -> enable -> delete: each command is one transaction of several
 * writes; one command is aborted; a boot counter is written alone.
 */
enum opk { O_BEGIN, O_PUT, O_DEL, O_DELNS, O_INCR, O_COMMIT, O_ROLLBACK };

struct op {
	enum opk k;
	const char *ns;
	const char *key; /* as text bytes */
	int val;         /* index into scenario values, -1: none */
};

#define BIG_LEN 20000 /* a profile file that spans several database pages */
static uint8_t big_val[BIG_LEN];
static const uint8_t v_selectable[] = {0x03};
static const uint8_t v_disabled[] = {0x0f};
static const uint8_t v_enabled[] = {0x3f};
static const uint8_t v_key[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00};
static const uint8_t v_iccid[] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xf6};
static const uint8_t v_notif[] = {0x4c, 0x01, 0x01, 0x4d, 0x02, 0x00, 0x01};
static const uint8_t v_junk[] = {0xee, 0xee};

static const struct {
	const uint8_t *p;
	size_t n;
} vals[] = {
    {v_selectable, 1}, {v_disabled, 1},    {v_enabled, 1}, {v_key, 16},
    {v_iccid, 10},     {big_val, BIG_LEN}, {v_notif, 7},   {v_junk, 2},
};

static const struct op scenario[] = {
    /* T1 CreateISDP */
    {O_BEGIN, NULL, NULL, -1},
    {O_PUT, "gp.reg", "isdp1", 0},
    {O_PUT, "isdp1/keys", "kvn30", 3},
    {O_INCR, "counters", "seq", -1},
    {O_COMMIT, NULL, NULL, -1},
    /* a boot counter, no transaction */
    {O_INCR, "counters", "boot", -1},
    /* T2 install */
    {O_BEGIN, NULL, NULL, -1},
    {O_PUT, "isdp1/file", "3F00", 5},
    {O_PUT, "isdp1/file", "2FE2", 4},
    {O_PUT, "gp.reg", "isdp1", 1},
    {O_COMMIT, NULL, NULL, -1},
    /* an aborted command */
    {O_BEGIN, NULL, NULL, -1},
    {O_PUT, "gp.reg", "isdp1", 7},
    {O_DEL, "isdp1/keys", "kvn30", -1},
    {O_ROLLBACK, NULL, NULL, -1},
    /* T3 enable */
    {O_BEGIN, NULL, NULL, -1},
    {O_PUT, "gp.reg", "isdp1", 2},
    {O_PUT, "notif", "1", 6},
    {O_INCR, "counters", "seq", -1},
    {O_COMMIT, NULL, NULL, -1},
    /* T4 disable, then T5 delete */
    {O_BEGIN, NULL, NULL, -1},
    {O_PUT, "gp.reg", "isdp1", 1},
    {O_DEL, "notif", "1", -1},
    {O_COMMIT, NULL, NULL, -1},
    {O_BEGIN, NULL, NULL, -1},
    {O_DELNS, "isdp1/", NULL, -1},
    {O_DEL, "gp.reg", "isdp1", -1},
    {O_INCR, "counters", "seq", -1},
    {O_COMMIT, NULL, NULL, -1},
};
#define N_OPS (sizeof(scenario) / sizeof(scenario[0]))

/* The model: a plain list of records, written without the store. */
struct mrec {
	char ns[32];
	char key[16];
	int vi;         /* index into vals[], -1: the counter ctr */
	uint8_t ctr[8]; /* big-endian, as the store promises */
};

struct mstate {
	struct mrec r[16];
	size_t n;
};

struct model {
	struct mstate committed, work;
	bool in_txn;
};

static struct mrec *m_find(struct mstate *s, const char *ns, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->r[i].ns, ns) == 0 && strcmp(s->r[i].key, key) == 0)
			return &s->r[i];
	return NULL;
}

static void m_remove(struct mstate *s, size_t i)
{
	s->r[i] = s->r[--s->n];
}

static const uint8_t *m_val(const struct mrec *r, size_t *n)
{
	if (r->vi < 0) {
		*n = 8;
		return r->ctr;
	}
	*n = vals[r->vi].n;
	return vals[r->vi].p;
}

static void m_apply(struct mstate *s, const struct op *o)
{
	struct mrec *r = o->key != NULL ? m_find(s, o->ns, o->key) : NULL;
	switch (o->k) {
	case O_PUT:
		if (r == NULL) {
			assert_true(s->n < 16);
			r = &s->r[s->n++];
			memset(r, 0, sizeof(*r));
			strcpy(r->ns, o->ns);
			strcpy(r->key, o->key);
		}
		r->vi = o->val;
		break;
	case O_DEL:
		if (r != NULL)
			m_remove(s, (size_t)(r - s->r));
		break;
	case O_DELNS:
		for (size_t i = s->n; i-- > 0;)
			if (strncmp(s->r[i].ns, o->ns, strlen(o->ns)) == 0)
				m_remove(s, i);
		break;
	case O_INCR: {
		if (r == NULL) {
			r = &s->r[s->n++];
			memset(r, 0, sizeof(*r));
			strcpy(r->ns, o->ns);
			strcpy(r->key, o->key);
		}
		uint64_t v = 0;
		for (int i = 0; i < 8; i++)
			v = (v << 8) | r->ctr[i];
		v++;
		for (int i = 7; i >= 0; i--, v >>= 8)
			r->ctr[i] = (uint8_t)v;
		r->vi = -1;
		break;
	}
	default: break;
	}
}

static void m_copy(struct mstate *dst, const struct mstate *src)
{
	*dst = *src;
}

static bool is_write(enum opk k)
{
	return k != O_BEGIN && k != O_ROLLBACK;
}

/* Advance the model by one op that the store completed. */
static void m_step(struct model *m, const struct op *o)
{
	switch (o->k) {
	case O_BEGIN:
		m->in_txn = true;
		m_copy(&m->work, &m->committed);
		break;
	case O_COMMIT:
		m->in_txn = false;
		m_copy(&m->committed, &m->work);
		break;
	case O_ROLLBACK: m->in_txn = false; break;
	default:
		if (m->in_txn) {
			m_apply(&m->work, o);
		} else {
			m_apply(&m->committed, o);
		}
	}
}

static int run_op(veuicc_store *st, const struct op *o)
{
	const uint8_t *k = (const uint8_t *)o->key;
	size_t kl = o->key != NULL ? strlen(o->key) : 0;
	switch (o->k) {
	case O_BEGIN: return veuicc_store_begin(st);
	case O_PUT: return veuicc_store_put(st, o->ns, k, kl, vals[o->val].p, vals[o->val].n);
	case O_DEL: {
		int r = veuicc_store_delete(st, o->ns, k, kl);
		return r == VEUICC_ERR_NOT_FOUND ? VEUICC_OK : r;
	}
	case O_DELNS: return veuicc_store_delete_ns(st, o->ns, NULL);
	case O_INCR: return veuicc_store_incr(st, o->ns, k, kl, 1, NULL);
	case O_COMMIT: return veuicc_store_commit(st);
	case O_ROLLBACK: return veuicc_store_rollback(st);
	}
	return VEUICC_ERR_INTERNAL;
}

/*
 * Run the scenario on st (NULL: only the model). Stops at the first error of
 * the store (returned; *failed_write = index of that write point) or, if
 * stop_after != 0, right after write point stop_after has been done.
 */
static int run_scenario(veuicc_store *st, struct model *m, uint64_t stop_after, uint64_t *writes)
{
	memset(m, 0, sizeof(*m));
	*writes = 0;
	for (size_t i = 0; i < N_OPS; i++) {
		const struct op *o = &scenario[i];
		if (is_write(o->k))
			(*writes)++;
		if (st != NULL) {
			int r = run_op(st, o);
			if (r != VEUICC_OK)
				return r;
		}
		m_step(m, o);
		if (stop_after != 0 && *writes == stop_after)
			return VEUICC_OK;
	}
	return VEUICC_OK;
}

static int m_cmp(const void *a, const void *b)
{
	const struct mrec *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	return c != 0 ? c : strcmp(x->key, y->key); /* keys are text of one case */
}

/* The store holds exactly the model's committed records. */
static void check_state(veuicc_store *st, const struct mstate *want_in)
{
	struct mstate want;
	m_copy(&want, want_in);
	qsort(want.r, want.n, sizeof(want.r[0]), m_cmp);
	struct dump *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, dump_fn, d), VEUICC_OK);
	assert_int_equal(d->n, want.n);
	for (size_t i = 0; i < want.n; i++) {
		assert_string_equal(d->r[i].ns, want.r[i].ns);
		assert_int_equal(d->r[i].key_len, strlen(want.r[i].key));
		assert_memory_equal(d->r[i].key, want.r[i].key, d->r[i].key_len);
		size_t vn = 0;
		const uint8_t *v = m_val(&want.r[i], &vn);
		assert_int_equal(d->r[i].val_len, vn);
		assert_memory_equal(d->r[i].val, v, vn);
	}
	dump_free(d);
	free(d);
}

static void fill_big(void)
{
	uint32_t x = 0x12345678;
	for (size_t i = 0; i < BIG_LEN; i++) {
		x = x * 1103515245u + 12345u;
		big_val[i] = (uint8_t)(x >> 16);
	}
}

/* Count the write points: the store's counter and the scenario's own
 * count must agree. */
static uint64_t count_writes(const char *path)
{
	veuicc_store *st = NULL;
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	uint64_t w = 0;
	assert_int_equal(veuicc_store_open(path, 0, &st), VEUICC_OK);
	assert_int_equal(run_scenario(st, m, 0, &w), VEUICC_OK);
	assert_int_equal(veuicc_store_writes(st), w);
	check_state(st, &m->committed);
	veuicc_store_close(st);
	free(m);
	return w;
}

static void cut_every_point(const char *path, struct tmp *t)
{
	fill_big();
	if (t != NULL)
		tmp_reset(t);
	const uint64_t w_total = count_writes(path);
	assert_true(w_total >= 15);
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	uint64_t tried = 0;
	for (uint64_t cut = 1; cut <= w_total; cut++) {
		if (t != NULL)
			tmp_reset(t);
		veuicc_store *st = NULL;
		assert_int_equal(veuicc_store_open(path, 0, &st), VEUICC_OK);
		veuicc_store_set_fault(st, cut);
		uint64_t w = 0;
		/* the run stops exactly at the cut write with VEUICC_ERR_IO */
		assert_int_equal(run_scenario(st, m, 0, &w), VEUICC_ERR_IO);
		assert_int_equal(w, cut);
		assert_int_equal(veuicc_store_writes(st), cut);
		assert_true(veuicc_store_is_powered_off(st));
		/* power up: exactly the last committed state */
		if (t != NULL) {
			veuicc_store_close(st);
			st = NULL;
			assert_int_equal(veuicc_store_open(path, VEUICC_STORE_NO_CREATE, &st),
			                 VEUICC_OK);
		} else {
			assert_int_equal(veuicc_store_reopen(st), VEUICC_OK);
		}
		check_state(st, &m->committed);
		/* and the card keeps working */
		assert_int_equal(veuicc_store_put(st, "after", K1, 1, K1, 1), VEUICC_OK);
		veuicc_store_close(st);
		tried++;
	}
	print_message("%s store: writes: %llu, cut points tried: %llu\n",
	              t != NULL ? "file" : "memory", (unsigned long long)w_total,
	              (unsigned long long)tried);
	assert_int_equal(tried, w_total);
	free(m);
}

static void test_cut_every_point_file(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	cut_every_point(t.path, &t);
	tmp_free(&t);
}

static void test_cut_every_point_memory(void **state)
{
	(void)state;
	cut_every_point(NULL, NULL);
}

/*
 * The same enumeration with a real process kill: a child runs the scenario
 * on a file store and _exit()s right after write point k, leaving the WAL as
 * it is; the parent opens the file and must find every transaction whose
 * COMMIT returned (durable) and nothing of the one in flight.
 */
static void test_kill_every_point(void **state)
{
	(void)state;
	fill_big();
	struct tmp t;
	tmp_init(&t);
	const uint64_t w_total = count_writes(t.path);
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	uint64_t tried = 0;
	for (uint64_t k = 1; k <= w_total; k++) {
		tmp_reset(&t);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			veuicc_store *st = NULL;
			struct model cm;
			uint64_t w = 0;
			if (veuicc_store_open(t.path, 0, &st) != VEUICC_OK)
				_exit(2);
			if (run_scenario(st, &cm, k, &w) != VEUICC_OK || w != k)
				_exit(3);
			_exit(0); /* the store is never closed */
		}
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		uint64_t w = 0;
		assert_int_equal(run_scenario(NULL, m, k, &w), VEUICC_OK);
		assert_int_equal(w, k);
		veuicc_store *st = NULL;
		assert_int_equal(veuicc_store_open(t.path, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
		check_state(st, &m->committed);
		veuicc_store_close(st);
		tried++;
	}
	print_message("process kill: writes: %llu, kill points tried: %llu\n",
	              (unsigned long long)w_total, (unsigned long long)tried);
	assert_int_equal(tried, w_total);
	free(m);
	tmp_free(&t);
}

/* ---- a disk that fills up -------------------------------------------- */

/*
 * Child process: the store's files may not grow past 64 KiB (RLIMIT_FSIZE,
 * SIGXFSZ ignored, so write() fails with EFBIG as on a full disk). A command
 * that writes 3 MiB must fail without changing the state, and the store must
 * keep working. Returns the number of the failed check, 0 if all held.
 */
static int disk_full_child(const char *path)
{
	static const uint8_t old[] = {0x0f};
	veuicc_store *st = NULL;
	if (veuicc_store_open(path, 0, &st) != VEUICC_OK ||
	    veuicc_store_put(st, "gp.reg", K1, 1, old, 1) != VEUICC_OK)
		return 1;
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {64 * 1024, 64 * 1024};
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 2;
	size_t big_n = 3u << 20;
	uint8_t *big = calloc(1, big_n);
	if (big == NULL)
		return 3;
	if (veuicc_store_begin(st) != VEUICC_OK ||
	    veuicc_store_put(st, "gp.reg", K1, 1, K2, 1) != VEUICC_OK)
		return 4;
	int r = veuicc_store_put(st, "isdp1/file", K1, 1, big, big_n);
	if (r == VEUICC_OK) {
		/* SQLite kept it in its cache: the commit is where it fails */
		if (veuicc_store_commit(st) != VEUICC_ERR_IO)
			return 5;
	} else {
		if (r != VEUICC_ERR_IO)
			return 6;
		/* the transaction failed as a whole: no more writes, no commit */
		if (veuicc_store_put(st, "gp.reg", K2, 1, K2, 1) != VEUICC_ERR_STATE ||
		    veuicc_store_commit(st) != VEUICC_ERR_STATE || !veuicc_store_in_txn(st) ||
		    veuicc_store_rollback(st) != VEUICC_OK)
			return 7;
	}
	free(big);
	if (veuicc_store_in_txn(st))
		return 8;
	/* nothing of the command is visible; the card keeps working */
	uint8_t b[4];
	size_t n = 0;
	if (veuicc_store_get(st, "gp.reg", K1, 1, b, sizeof(b), &n) != VEUICC_OK || n != 1 ||
	    b[0] != old[0])
		return 9;
	if (veuicc_store_get(st, "isdp1/file", K1, 1, b, sizeof(b), &n) != VEUICC_ERR_NOT_FOUND)
		return 10;
	if (veuicc_store_put(st, "gp.reg", K2, 1, K2, 1) != VEUICC_OK)
		return 11;
	veuicc_store_close(st);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	if (veuicc_store_open(path, VEUICC_STORE_NO_CREATE, &st) != VEUICC_OK)
		return 12;
	if (veuicc_store_get(st, "gp.reg", K1, 1, b, sizeof(b), &n) != VEUICC_OK || b[0] != old[0])
		return 13;
	if (veuicc_store_get(st, "gp.reg", K2, 1, b, sizeof(b), &n) != VEUICC_OK)
		return 14;
	veuicc_store_close(st);
	return r == VEUICC_OK ? 100 : 0; /* 100: passed through the commit path */
}

static void test_disk_full(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(disk_full_child(t.path));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	int code = WEXITSTATUS(status);
	if (code != 0 && code != 100)
		fail_msg("disk-full check %d failed", code);
	print_message("disk full: the %s failed, state unchanged\n",
	              code == 0 ? "put (transaction failed)" : "commit");
	tmp_free(&t);
}

/* ---- bad files and paths ------------------------------------------------ */

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	uint8_t *p = test_read_file(path, n);
	assert_true(*n > 0);
	return p;
}

static void expect_bad(const char *path)
{
	veuicc_store *st = NULL;
	int r = veuicc_store_open(path, 0, &st);
	if (r != VEUICC_ERR_MALFORMED && r != VEUICC_ERR_IO) {
		struct stat sb;
		stat(path, &sb);
		fail_msg("open of a bad file (%lld bytes) gave %d", (long long)sb.st_size, r);
	}
	assert_null(st);
}

static void test_corrupt_files(void **state)
{
	(void)state;
	fill_big();
	struct tmp t;
	tmp_init(&t);
	veuicc_store *st = NULL;
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	for (int i = 0; i < 200; i++) {
		uint8_t k[2] = {(uint8_t)(i >> 8), (uint8_t)i};
		assert_int_equal(veuicc_store_put(st, "bulk", k, 2, big_val + i, 100), VEUICC_OK);
	}
	assert_int_equal(veuicc_store_put(st, "big", K1, 1, big_val, BIG_LEN), VEUICC_OK);
	veuicc_store_close(st); /* checkpoints: everything is in the main file */
	size_t len = 0;
	uint8_t *good = read_file(t.path, &len);
	assert_true(len >= 8 * 4096);

	/* truncated at many lengths: a clean error, never a crash */
	const size_t cuts[] = {1,    50,   99,   100,     512,        4095,
	                       4096, 4097, 8192, len / 2, len - 4096, len - 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		tmp_reset(&t);
		write_file(t.path, good, cuts[i]);
		expect_bad(t.path);
	}
	/* garbage, text, a b-tree page header overwritten, a bad header */
	uint8_t *bad = malloc(len);
	assert_non_null(bad);
	for (size_t i = 0; i < len; i++)
		bad[i] = (uint8_t)(i * 7 + 3);
	tmp_reset(&t);
	write_file(t.path, bad, len);
	expect_bad(t.path);
	tmp_reset(&t);
	write_file(t.path, (const uint8_t *)"not a database\n", 15);
	expect_bad(t.path);
	for (size_t page = 1; page < 4; page++) {
		memcpy(bad, good, len);
		memset(bad + page * 4096, 0x5a, 16);
		tmp_reset(&t);
		write_file(t.path, bad, len);
		expect_bad(t.path);
	}
	memcpy(bad, good, len);
	bad[16] = 0x03; /* page size 0x03xx: not a power of two */
	tmp_reset(&t);
	write_file(t.path, bad, len);
	expect_bad(t.path);
	/* the intact copy still opens: the checks are not over-eager */
	tmp_reset(&t);
	write_file(t.path, good, len);
	assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_OK);
	uint8_t b[4];
	size_t n;
	assert_int_equal(veuicc_store_get(st, "big", K1, 1, b, sizeof(b), &n),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, BIG_LEN);
	veuicc_store_close(st);
	free(bad);
	free(good);
	tmp_free(&t);
}

static void test_foreign_sqlite_file(void **state)
{
	(void)state;
	/* Valid SQLite databases that are not veuicc stores, made with the
	 * SQLite API directly. */
	struct tmp t;
	tmp_init(&t);
	static const char *const sql[] = {
	    /* another application's table of the same name */
	    "CREATE TABLE kv(ns TEXT, key BLOB, val BLOB);",
	    /* our application id, a newer layout version */
	    ("PRAGMA application_id = 1985300803; PRAGMA user_version = 2;"
	     "CREATE TABLE kv(ns TEXT NOT NULL, key BLOB NOT NULL, val BLOB NOT NULL,"
	     " PRIMARY KEY(ns, key)) WITHOUT ROWID;"),
	    /* our id and version, but the table is missing */
	    ("PRAGMA application_id = 1985300803; PRAGMA user_version = 1;"
	     "CREATE TABLE other(x);"),
	};
	const int want[] = {VEUICC_ERR_MALFORMED, VEUICC_ERR_UNSUPPORTED, VEUICC_ERR_MALFORMED};
	for (size_t i = 0; i < 3; i++) {
		tmp_reset(&t);
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sql[i], NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_close(db), SQLITE_OK);
		veuicc_store *st = NULL;
		assert_int_equal(veuicc_store_open(t.path, 0, &st), want[i]);
		assert_null(st);
	}
	tmp_free(&t);
}

static void test_unwritable_paths(void **state)
{
	(void)state;
	veuicc_store *st = NULL;
	/* a directory nobody can create files in, even root */
	assert_int_equal(veuicc_store_open("/proc/veuicc-store-test.db", 0, &st), VEUICC_ERR_IO);
	assert_null(st);
	/* a directory that does not exist, a path under a regular file */
	assert_int_equal(veuicc_store_open("/nonexistent-veuicc-dir/card.db", 0, &st),
	                 VEUICC_ERR_IO);
	struct tmp t;
	tmp_init(&t);
	write_file(t.path, (const uint8_t *)"x", 1);
	char under[200];
	snprintf(under, sizeof(under), "%s/card.db", t.path);
	assert_int_equal(veuicc_store_open(under, 0, &st), VEUICC_ERR_IO);
	tmp_reset(&t);
	/* a directory without write permission (only meaningful if not root) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(t.dir, 0555), 0);
		assert_int_equal(veuicc_store_open(t.path, 0, &st), VEUICC_ERR_IO);
		assert_null(st);
		assert_int_equal(chmod(t.dir, 0755), 0);
	} else {
		print_message("running as root: chmod-based check skipped, /proc used\n");
	}
	tmp_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crud_memory),
	    cmocka_unit_test(test_crud_file),
	    cmocka_unit_test(test_iteration_order),
	    cmocka_unit_test(test_delete_ns),
	    cmocka_unit_test(test_txn_memory),
	    cmocka_unit_test(test_txn_file),
	    cmocka_unit_test(test_reopen_file),
	    cmocka_unit_test(test_uri_like_path),
	    cmocka_unit_test(test_memory_mode),
	    cmocka_unit_test(test_fault_basics_memory),
	    cmocka_unit_test(test_fault_basics_file),
	    cmocka_unit_test(test_cut_every_point_memory),
	    cmocka_unit_test(test_cut_every_point_file),
	    cmocka_unit_test(test_kill_every_point),
	    cmocka_unit_test(test_disk_full),
	    cmocka_unit_test(test_corrupt_files),
	    cmocka_unit_test(test_foreign_sqlite_file),
	    cmocka_unit_test(test_unwritable_paths),
	    cmocka_unit_test(test_remove_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
