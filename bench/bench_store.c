/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput of the persistent store (src/store/) for a typical state change
 * of one command: one transaction of 3 puts (an ISD-P registry entry, a
 * notification, a sequence counter), on the in-memory store, on a file store
 * with synchronous=FULL (the default: fsync per commit) and with
 * VEUICC_STORE_NO_FSYNC.
 *
 * Each mode is compared with a floor measured in the same run: the same
 * three INSERT OR REPLACE in a BEGIN/COMMIT, through prepared statements of
 * the raw SQLite API on the same table, pragmas and kind of file. A checksum
 * (FNV-1a) of the final contents of both is printed; they must be equal.
 *
 * Usage: bench_store [scale]   (scale 1 = 100000 / 20000 / 2000 transactions)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define SLOTS 64 /* distinct ISD-Ps / notifications: records are updated in place */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The three records of transaction i. */
struct change {
	uint8_t aid[16], state[8], nkey[4], notif[30], seq[8];
};

static void make_change(long i, struct change *c)
{
	static const uint8_t aid[16] = {0xa0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xff,
	                                0xff, 0xff, 0xff, 0x89, 0x00, 0x00, 0x10, 0x00};
	memcpy(c->aid, aid, sizeof(aid));
	c->aid[15] = (uint8_t)(i % SLOTS);
	memset(c->state, 0, sizeof(c->state));
	c->state[0] = (uint8_t)(i & 1 ? 0x3f : 0x0f);
	c->state[7] = (uint8_t)i;
	c->nkey[0] = 0;
	c->nkey[1] = 0;
	c->nkey[2] = 0;
	c->nkey[3] = (uint8_t)(i % SLOTS);
	for (size_t k = 0; k < sizeof(c->notif); k++)
		c->notif[k] = (uint8_t)(i * 31 + (long)k);
	for (int k = 7; k >= 0; k--)
		c->seq[k] = (uint8_t)((uint64_t)i >> (8 * (7 - k)));
}

static int sum_fn(void *ctx, const char *ns, const uint8_t *key, size_t key_len, const uint8_t *val,
                  size_t val_len)
{
	uint64_t *h = ctx;
	*h = fnv(*h, ns, strlen(ns) + 1);
	*h = fnv(*h, key, key_len);
	*h = fnv(*h, val, val_len);
	return 0;
}

/* Our store: transactions per second, or < 0 on error. */
static double run_store(const char *path, unsigned flags, long n, uint64_t *sum)
{
	veuicc_store *st = NULL;
	if (veuicc_store_open(path, flags, &st) != VEUICC_OK)
		return -1;
	static const uint8_t seq_key[] = {'s', 'e', 'q'};
	struct change c;
	int err = 0;
	double t0 = now();
	for (long i = 0; i < n && !err; i++) {
		make_change(i, &c);
		err |= veuicc_store_begin(st);
		err |=
		    veuicc_store_put(st, "gp.reg", c.aid, sizeof(c.aid), c.state, sizeof(c.state));
		err |=
		    veuicc_store_put(st, "notif", c.nkey, sizeof(c.nkey), c.notif, sizeof(c.notif));
		err |= veuicc_store_put(st, "counters", seq_key, sizeof(seq_key), c.seq,
		                        sizeof(c.seq));
		err |= veuicc_store_commit(st);
	}
	double t = now() - t0;
	*sum = 1469598103934665603ull;
	err |= veuicc_store_iterate(st, "", false, NULL, 0, sum_fn, sum);
	veuicc_store_close(st);
	return err ? -1 : (double)n / t;
}

static int raw_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The floor: the same work through raw SQLite, same table and pragmas. */
static double run_raw(const char *path, int full_sync, long n, uint64_t *sum)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL, *sel = NULL;
	int err = sqlite3_open(path, &db) != SQLITE_OK;
	if (!err && strcmp(path, ":memory:") != 0) {
		err |= raw_exec(db, "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL;");
		err |= raw_exec(db, full_sync ? "PRAGMA synchronous = FULL"
		                              : "PRAGMA synchronous = NORMAL");
	}
	err |=
	    raw_exec(db, "PRAGMA secure_delete = ON;"
	                 "CREATE TABLE kv(ns TEXT NOT NULL, key BLOB NOT NULL, val BLOB NOT NULL,"
	                 " PRIMARY KEY(ns, key)) WITHOUT ROWID;");
	err |= sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kv(ns, key, val) VALUES(?1, ?2, ?3)",
	                          -1, &ins, NULL) != SQLITE_OK;
	err |= sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK;
	err |= sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK;
	err |= sqlite3_prepare_v2(db, "SELECT ns, key, val FROM kv ORDER BY ns, key", -1, &sel,
	                          NULL) != SQLITE_OK;
	if (err) {
		sqlite3_close_v2(db);
		return -1;
	}
	static const uint8_t seq_key[] = {'s', 'e', 'q'};
	const struct {
		const char *ns;
		size_t koff, klen, voff, vlen;
	} rows[3] = {
	    {"gp.reg", offsetof(struct change, aid), 16, offsetof(struct change, state), 8},
	    {"notif", offsetof(struct change, nkey), 4, offsetof(struct change, notif), 30},
	    {"counters", 0, 0, offsetof(struct change, seq), 8},
	};
	struct change c;
	double t0 = now();
	for (long i = 0; i < n && !err; i++) {
		make_change(i, &c);
		err |= sqlite3_step(begin) != SQLITE_DONE;
		sqlite3_reset(begin);
		for (int r = 0; r < 3; r++) {
			const uint8_t *base = (const uint8_t *)&c;
			sqlite3_bind_text(ins, 1, rows[r].ns, -1, SQLITE_STATIC);
			if (rows[r].klen == 0)
				sqlite3_bind_blob(ins, 2, seq_key, sizeof(seq_key), SQLITE_STATIC);
			else
				sqlite3_bind_blob(ins, 2, base + rows[r].koff, (int)rows[r].klen,
				                  SQLITE_STATIC);
			sqlite3_bind_blob(ins, 3, base + rows[r].voff, (int)rows[r].vlen,
			                  SQLITE_STATIC);
			err |= sqlite3_step(ins) != SQLITE_DONE;
			sqlite3_reset(ins);
		}
		err |= sqlite3_step(commit) != SQLITE_DONE;
		sqlite3_reset(commit);
	}
	double t = now() - t0;
	*sum = 1469598103934665603ull;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		const char *ns = (const char *)sqlite3_column_text(sel, 0);
		sum_fn(sum, ns, sqlite3_column_blob(sel, 1), (size_t)sqlite3_column_bytes(sel, 1),
		       sqlite3_column_blob(sel, 2), (size_t)sqlite3_column_bytes(sel, 2));
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(sel);
	sqlite3_close_v2(db);
	return err ? -1 : (double)n / t;
}

static void rm_db(const char *path)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	if (scale <= 0)
		scale = 1.0;
	char dir[] = "/tmp/veuicc-bench-store-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("bench_store: mkdtemp");
		return 1;
	}
	char path[256], rawpath[256];
	snprintf(path, sizeof(path), "%s/card.db", dir);
	snprintf(rawpath, sizeof(rawpath), "%s/raw.db", dir);

	const struct {
		const char *name;
		int file;
		unsigned flags;
		long n;
	} modes[] = {
	    {"memory", 0, 0, 100000},
	    {"file, NO_FSYNC (synchronous=NORMAL)", 1, VEUICC_STORE_NO_FSYNC, 20000},
	    {"file, default (synchronous=FULL)", 1, 0, 2000},
	};
	int bad = 0;
	printf("bench_store: one transaction = 3 puts (registry entry, notification, counter)\n");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		long n = (long)((double)modes[m].n * scale);
		if (n < 1)
			n = 1;
		uint64_t s_store = 0, s_raw = 0;
		rm_db(path);
		rm_db(rawpath);
		double tps = run_store(modes[m].file ? path : NULL, modes[m].flags, n, &s_store);
		double raw = run_raw(modes[m].file ? rawpath : ":memory:",
		                     !(modes[m].flags & VEUICC_STORE_NO_FSYNC), n, &s_raw);
		if (tps < 0 || raw < 0) {
			printf("%s: FAILED\n", modes[m].name);
			bad = 1;
			continue;
		}
		printf("%-38s %7ld txns: store %9.0f txn/s (%6.2f us/txn), raw SQLite %9.0f txn/s, "
		       "store/raw %.2f\n",
		       modes[m].name, n, tps, 1e6 / tps, raw, tps / raw);
		printf("%-38s checksum store %016llx raw %016llx %s\n", "",
		       (unsigned long long)s_store, (unsigned long long)s_raw,
		       s_store == s_raw ? "(equal)" : "(DIFFERENT)");
		bad |= s_store != s_raw;
	}
	rm_db(path);
	rm_db(rawpath);
	rmdir(dir);
	return bad;
}
