/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's persistent store on SQLite (https://sqlite.org/): one table of
 * (namespace, key) -> value records, WAL journal with an exclusive lock,
 * synchronous=FULL, secure_delete. Every write API goes through store_write(),
 * which counts write points and fires the power-cut hook. Design notes and
 * the durability argument: docs/store.md.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>
#include <sqlite3.h>

/* PRAGMA application_id of a veuicc store: 0x76554943, "vUIC". */
#define STORE_APP_ID 1985300803
/* PRAGMA user_version: layout of the kv table below. */
#define STORE_SCHEMA_VERSION 1
#define STR_(x)              #x
#define STR(x)               STR_(x)

/* The primary key is the record order: prefix walks are range scans. */
/* clang-format off */
static const char schema_sql[] =
    "CREATE TABLE kv(ns TEXT NOT NULL, key BLOB NOT NULL, val BLOB NOT NULL,"
    " PRIMARY KEY(ns, key)) WITHOUT ROWID;"
    "PRAGMA application_id = " STR(STORE_APP_ID) ";"
    "PRAGMA user_version = " STR(STORE_SCHEMA_VERSION) ";";
/* clang-format on */

/* The prepared statements; index into veuicc_store.stmt. */
enum { S_PUT, S_GET, S_DEL, S_DEL_NS, S_ITER, S_BEGIN, S_COMMIT, S_ROLLBACK, S_COUNT };

/* ?1 <= ns < ?2 (a primary-key range scan), ?3 <= key < ?4 (?4 NULL: no upper bound) */
static const char iter_sql[] = "SELECT ns, key, val FROM kv WHERE ns >= ?1 AND ns < ?2"
                               " AND key >= ?3 AND (?4 IS NULL OR key < ?4) ORDER BY ns, key";

static const char *const stmt_sql[S_COUNT] = {
    [S_PUT] = "INSERT OR REPLACE INTO kv(ns, key, val) VALUES(?1, ?2, ?3)",
    [S_GET] = "SELECT val FROM kv WHERE ns = ?1 AND key = ?2",
    [S_DEL] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
    /* ?2: the smallest string above every string that starts with ?1 */
    [S_DEL_NS] = "DELETE FROM kv WHERE ns >= ?1 AND ns < ?2",
    [S_ITER] = iter_sql,
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
};

enum txn_state {
	TXN_NONE,
	TXN_OPEN,
	TXN_FAILED, /* a write in it failed: only rollback ends it */
};

struct veuicc_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	char *path; /* NULL: in-memory */
	unsigned flags;
	bool powered_off;
	bool iterating;
	enum txn_state txn;
	uint64_t writes;   /* write points passed */
	uint64_t fault_at; /* value of writes at which the power is cut; 0: none */
};

/* A zero-length blob must still be bound as a blob, not as NULL. */
static const uint8_t empty_blob[1];

/* ---- helpers ----------------------------------------------------------- */

/* Map an SQLite result code to veuicc_err. */
static int map_sql(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE: return VEUICC_OK;
	case SQLITE_NOMEM: return VEUICC_ERR_NO_MEMORY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT: return VEUICC_ERR_MALFORMED;
	case SQLITE_TOOBIG: return VEUICC_ERR_INVALID_ARG;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
	case SQLITE_INTERNAL: return VEUICC_ERR_INTERNAL;
	default: return VEUICC_ERR_IO; /* IOERR, FULL, CANTOPEN, READONLY, BUSY, ... */
	}
}

static bool ns_valid(const char *ns, bool allow_empty)
{
	if (ns == NULL)
		return false;
	size_t n = 0;
	for (; ns[n] != '\0'; n++) {
		if (n >= VEUICC_STORE_NS_MAX || ns[n] < 0x21 || ns[n] > 0x7e)
			return false;
	}
	return n > 0 || allow_empty;
}

static bool blob_valid(const uint8_t *p, size_t len, size_t max)
{
	return len <= max && (p != NULL || len == 0);
}

static const void *blob_ptr(const uint8_t *p)
{
	return p != NULL ? (const void *)p : (const void *)empty_blob;
}

/* Reset a statement and drop its bindings (which may point at secrets). */
static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Run a statement without result rows. */
static int stmt_exec(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	stmt_done(s);
	return rc == SQLITE_DONE ? VEUICC_OK : map_sql(rc);
}

/* Successor of a prefix: the smallest byte string above every string that
 * starts with p[0..len). Returns its length in out (cap >= len), or -1 if
 * there is none (p is empty or all FF). */
static long prefix_successor(const uint8_t *p, size_t len, uint8_t *out)
{
	while (len > 0 && p[len - 1] == 0xff)
		len--;
	if (len == 0)
		return -1;
	memcpy(out, p, len);
	out[len - 1]++;
	return (long)len;
}

/* ---- opening and closing the connection -------------------------------- */

static void db_close(veuicc_store *st)
{
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
	if (st->db != NULL) {
		/* With a transaction still open, SQLite rolls it back here. */
		sqlite3_close_v2(st->db);
		st->db = NULL;
	}
	st->txn = TXN_NONE;
	st->iterating = false;
}

/* Run one SQL text (pragmas, schema); on error map it, MALFORMED for
 * SQLITE_ERROR which at open time means an unexpected file content. */
static int db_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return VEUICC_OK;
	if ((rc & 0xff) == SQLITE_ERROR)
		return VEUICC_ERR_MALFORMED;
	return map_sql(rc);
}

/* Run a pragma that returns one row and one column; copy it as text. */
static int db_pragma_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return (rc & 0xff) == SQLITE_ERROR ? VEUICC_ERR_MALFORMED : map_sql(rc);
	}
	rc = sqlite3_step(s);
	int ret = VEUICC_OK;
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
	} else if (rc == SQLITE_DONE) {
		out[0] = '\0';
	} else {
		ret = (rc & 0xff) == SQLITE_ERROR ? VEUICC_ERR_MALFORMED : map_sql(rc);
	}
	sqlite3_finalize(s);
	return ret;
}

/* Check an existing database or lay out a new one. */
static int db_check_schema(veuicc_store *st)
{
	char app[32], ver[32], tables[32];
	int ret = db_pragma_text(st->db, "PRAGMA application_id", app, sizeof(app));
	if (ret == VEUICC_OK)
		ret = db_pragma_text(st->db, "PRAGMA user_version", ver, sizeof(ver));
	if (ret == VEUICC_OK)
		ret = db_pragma_text(st->db, "SELECT count(*) FROM sqlite_schema", tables,
		                     sizeof(tables));
	if (ret != VEUICC_OK)
		return ret;
	if (strcmp(app, "0") == 0 && strcmp(ver, "0") == 0 && strcmp(tables, "0") == 0) {
		/* A new, empty database: lay it out in one transaction. */
		ret = db_exec(st->db, "BEGIN IMMEDIATE");
		if (ret == VEUICC_OK)
			ret = db_exec(st->db, schema_sql);
		if (ret == VEUICC_OK)
			ret = db_exec(st->db, "COMMIT");
		if (ret != VEUICC_OK)
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return ret;
	}
	char want[32];
	snprintf(want, sizeof(want), "%d", STORE_APP_ID);
	if (strcmp(app, want) != 0)
		return VEUICC_ERR_MALFORMED; /* some other SQLite file */
	snprintf(want, sizeof(want), "%d", STORE_SCHEMA_VERSION);
	if (strcmp(ver, want) != 0)
		return VEUICC_ERR_UNSUPPORTED; /* a newer layout */
	/* Walk every page once: a corrupt or truncated file fails here, at
	 * open, rather than in the middle of a command. */
	char qc[64];
	ret = db_pragma_text(st->db, "PRAGMA quick_check(1)", qc, sizeof(qc));
	if (ret != VEUICC_OK)
		return ret;
	return strcmp(qc, "ok") == 0 ? VEUICC_OK : VEUICC_ERR_MALFORMED;
}

/* What the file looked like before SQLite opened it. */
struct file_info {
	off_t size;      /* 0: absent or empty (a new store) */
	bool wal_exists; /* a WAL left by a power cut, to be replayed */
};

/*
 * Look at the file before SQLite does: SQLite takes a short non-empty file
 * for an empty database (and would lay a new store over it), so anything
 * non-empty must start with the SQLite header magic (sqlite.org/fileformat2,
 * §1.3: "SQLite format 3" and a NUL).
 */
static int file_precheck(const char *path, unsigned flags, struct file_info *fi)
{
	static const char magic[16] = "SQLite format 3";
	struct stat sb;
	fi->size = 0;
	fi->wal_exists = false;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return VEUICC_ERR_IO;
		if (flags & VEUICC_STORE_NO_CREATE)
			return VEUICC_ERR_NOT_FOUND;
		/* Create it for its owner only: it will hold keys. SQLite gives
		 * the -wal file the same mode. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return VEUICC_ERR_IO;
		close(fd);
		return VEUICC_OK;
	}
	if (!S_ISREG(sb.st_mode))
		return VEUICC_ERR_IO;
	fi->size = sb.st_size;
	if (sb.st_size > 0) {
		char head[16];
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			return VEUICC_ERR_IO;
		size_t n = fread(head, 1, sizeof(head), f);
		fclose(f);
		if (n != sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)
			return VEUICC_ERR_MALFORMED;
	}
	size_t plen = strlen(path);
	char *wal = malloc(plen + 5);
	if (wal == NULL)
		return VEUICC_ERR_NO_MEMORY;
	memcpy(wal, path, plen);
	memcpy(wal + plen, "-wal", 5);
	fi->wal_exists = stat(wal, &sb) == 0 && sb.st_size > 0;
	free(wal);
	return VEUICC_OK;
}

/*
 * SQLite writes whole pages, and without a WAL every page is in the main
 * file: a file of another size was truncated (SQLite would read the missing
 * bytes of a partial last page as zeros and not notice).
 */
static int file_postcheck(veuicc_store *st, const struct file_info *fi)
{
	if (fi->size == 0)
		return VEUICC_OK;
	char ps[32], pc[32];
	int ret = db_pragma_text(st->db, "PRAGMA page_size", ps, sizeof(ps));
	if (ret == VEUICC_OK)
		ret = db_pragma_text(st->db, "PRAGMA page_count", pc, sizeof(pc));
	if (ret != VEUICC_OK)
		return ret;
	long long page_size = atoll(ps), page_count = atoll(pc);
	if (page_size <= 0 || fi->size % page_size != 0)
		return VEUICC_ERR_MALFORMED;
	if (!fi->wal_exists && fi->size != page_size * page_count)
		return VEUICC_ERR_MALFORMED;
	return VEUICC_OK;
}

static int db_open(veuicc_store *st)
{
	const bool memory = st->path == NULL;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE |
	             SQLITE_OPEN_EXRESCODE;
	struct file_info fi = {0, false};
	if (!memory) {
		int pre = file_precheck(st->path, st->flags, &fi);
		if (pre != VEUICC_OK)
			return pre;
	}
	if (memory || !(st->flags & VEUICC_STORE_NO_CREATE))
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(memory ? ":memory:" : st->path, &st->db, oflags, NULL);
	int ret = map_sql(rc);
	if (ret != VEUICC_OK)
		goto fail;
	/* SQLite silently opens a write-protected file read-only. */
	if (sqlite3_db_readonly(st->db, "main") != 0) {
		ret = VEUICC_ERR_IO;
		goto fail;
	}
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, (int)VEUICC_STORE_VALUE_MAX + 4096);

	if (!memory) {
		/* Exclusive lock: one card file, one owner; it also keeps the WAL
		 * index in heap memory (no -shm file). Must precede journal_mode. */
		ret = db_exec(st->db, "PRAGMA locking_mode = EXCLUSIVE");
		if (ret != VEUICC_OK)
			goto fail;
		char mode[16];
		ret = db_pragma_text(st->db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));
		if (ret != VEUICC_OK)
			goto fail;
		if (strcmp(mode, "wal") != 0) {
			ret = VEUICC_ERR_IO; /* the file is locked by someone else */
			goto fail;
		}
		ret = db_exec(st->db, (st->flags & VEUICC_STORE_NO_FSYNC)
		                          ? "PRAGMA synchronous = NORMAL"
		                          : "PRAGMA synchronous = FULL");
		if (ret != VEUICC_OK)
			goto fail;
		/* After a checkpoint, cut a WAL that one big transaction (a
		 * profile package) grew back to 4 MiB, about what the automatic
		 * checkpoint at 1000 pages lets it reach. 0 (truncate every
		 * time) cost 40 % of the throughput in bench_store. */
		ret = db_exec(st->db, "PRAGMA journal_size_limit = 4194304");
		if (ret != VEUICC_OK)
			goto fail;
	}
	/* Deleted records (old keys) are overwritten with zeros in the file. */
	ret = db_exec(st->db, "PRAGMA secure_delete = ON");
	if (ret == VEUICC_OK)
		ret = db_exec(st->db, "PRAGMA cell_size_check = ON");
	if (ret == VEUICC_OK)
		ret = db_check_schema(st);
	if (ret == VEUICC_OK && !memory)
		ret = file_postcheck(st, &fi);
	if (ret != VEUICC_OK)
		goto fail;
	for (int i = 0; i < S_COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                        &st->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			ret = (rc & 0xff) == SQLITE_ERROR ? VEUICC_ERR_MALFORMED : map_sql(rc);
			goto fail;
		}
	}
	st->txn = TXN_NONE;
	return VEUICC_OK;
fail:
	db_close(st);
	return ret;
}

int veuicc_store_open(const char *path, unsigned flags, veuicc_store **out)
{
	if (out == NULL)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	if (path != NULL && path[0] == '\0')
		return VEUICC_ERR_INVALID_ARG;
	veuicc_store *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return VEUICC_ERR_NO_MEMORY;
	st->flags = flags;
	if (path != NULL && strcmp(path, VEUICC_STORE_MEMORY) != 0) {
		/* Debian's SQLite takes "file:..." for a URI (SQLITE_USE_URI):
		 * "./file:..." names the same file and is not one. */
		const char *dot = strncmp(path, "file:", 5) == 0 ? "./" : "";
		size_t d = strlen(dot), n = strlen(path) + 1;
		st->path = malloc(d + n);
		if (st->path == NULL) {
			free(st);
			return VEUICC_ERR_NO_MEMORY;
		}
		memcpy(st->path, dot, d);
		memcpy(st->path + d, path, n);
	}
	int ret = db_open(st);
	if (ret != VEUICC_OK) {
		veuicc_store_close(st);
		return ret;
	}
	*out = st;
	return VEUICC_OK;
}

void veuicc_store_remove_files(const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];
	if (!path || strlen(path) > sizeof(p) - 16)
		return;
	for (size_t k = 0; k < sizeof(sides) / sizeof(sides[0]); k++) {
		snprintf(p, sizeof(p), "%s%s", path, sides[k]);
		unlink(p);
	}
}

void veuicc_store_close(veuicc_store *st)
{
	if (st == NULL)
		return;
	db_close(st);
	free(st->path);
	mbedtls_platform_zeroize(st, sizeof(*st));
	free(st);
}

int veuicc_store_reopen(veuicc_store *st)
{
	if (st == NULL)
		return VEUICC_ERR_INVALID_ARG;
	if (!st->powered_off && (st->txn != TXN_NONE || st->iterating))
		return VEUICC_ERR_STATE;
	if (st->path == NULL && st->db != NULL) {
		/* In-memory: the committed records stay (battery-backed RAM). */
		st->powered_off = false;
		return VEUICC_OK;
	}
	db_close(st);
	st->powered_off = true;
	int ret = db_open(st);
	if (ret == VEUICC_OK)
		st->powered_off = false;
	return ret;
}

bool veuicc_store_is_memory(const veuicc_store *st)
{
	return st != NULL && st->path == NULL;
}

bool veuicc_store_is_powered_off(const veuicc_store *st)
{
	return st != NULL && st->powered_off;
}

/* ---- the power cut ------------------------------------------------------ */

/* Abandon the open transaction without commit, as a power loss would. */
static void power_cut(veuicc_store *st)
{
	if (st->path == NULL) {
		/* In-memory: closing would lose the committed records too. */
		if (sqlite3_get_autocommit(st->db) == 0)
			stmt_exec(st->stmt[S_ROLLBACK]);
		st->txn = TXN_NONE;
	} else {
		db_close(st);
	}
	st->powered_off = true;
}

void veuicc_store_set_fault(veuicc_store *st, uint64_t n)
{
	if (st == NULL)
		return;
	st->fault_at = n == 0 ? 0 : st->writes + n;
}

uint64_t veuicc_store_writes(const veuicc_store *st)
{
	return st != NULL ? st->writes : 0;
}

/* ---- the one write path ------------------------------------------------- */

enum write_op {
	OP_PUT,
	OP_DEL,
	OP_DEL_NS,
	OP_INCR,
	OP_COMMIT,
};

struct write_req {
	enum write_op op;
	const char *ns;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val;
	size_t val_len;
	uint64_t delta;
	uint64_t *u64_out;     /* OP_INCR: new value */
	size_t *n_deleted_out; /* OP_DEL_NS */
};

/* The statements of one write; SQLite errors set *sql_failed. */
static int do_put(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                  const uint8_t *val, size_t val_len, bool *sql_failed)
{
	sqlite3_stmt *s = st->stmt[S_PUT];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, blob_ptr(key), (int)key_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, blob_ptr(val), (int)val_len, SQLITE_STATIC);
	int ret = stmt_exec(s);
	if (ret != VEUICC_OK)
		*sql_failed = true;
	return ret;
}

static int do_get(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                  uint8_t *buf, size_t cap, size_t *out_len)
{
	sqlite3_stmt *s = st->stmt[S_GET];
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, blob_ptr(key), (int)key_len, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int ret;
	if (rc == SQLITE_ROW) {
		const void *v = sqlite3_column_blob(s, 0);
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		if (v == NULL && n > 0) {
			ret = VEUICC_ERR_NO_MEMORY;
		} else {
			if (out_len != NULL)
				*out_len = n;
			if (n > cap) {
				ret = VEUICC_ERR_BUFFER_TOO_SMALL;
			} else {
				if (n > 0)
					memcpy(buf, v, n);
				ret = VEUICC_OK;
			}
		}
	} else if (rc == SQLITE_DONE) {
		ret = VEUICC_ERR_NOT_FOUND;
	} else {
		ret = map_sql(rc);
	}
	stmt_done(s);
	return ret;
}

static void u64_to_be(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static uint64_t be_to_u64(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | in[i];
	return v;
}

static int do_incr(veuicc_store *st, const struct write_req *r, bool *sql_failed)
{
	uint8_t be[8];
	size_t n = 0;
	uint64_t v = 0;
	int ret = do_get(st, r->ns, r->key, r->key_len, be, sizeof(be), &n);
	if (ret == VEUICC_OK) {
		if (n != sizeof(be))
			return VEUICC_ERR_MALFORMED;
		v = be_to_u64(be);
	} else if (ret == VEUICC_ERR_BUFFER_TOO_SMALL) {
		return VEUICC_ERR_MALFORMED;
	} else if (ret != VEUICC_ERR_NOT_FOUND) {
		*sql_failed = true;
		return ret;
	}
	if (v > UINT64_MAX - r->delta)
		return VEUICC_ERR_STATE;
	v += r->delta;
	u64_to_be(v, be);
	ret = do_put(st, r->ns, r->key, r->key_len, be, sizeof(be), sql_failed);
	if (ret == VEUICC_OK && r->u64_out != NULL)
		*r->u64_out = v;
	return ret;
}

static int do_del_ns(veuicc_store *st, const struct write_req *r, bool *sql_failed)
{
	uint8_t hi[VEUICC_STORE_NS_MAX];
	size_t n = strlen(r->ns);
	long hn = prefix_successor((const uint8_t *)r->ns, n, hi);
	if (hn < 0)
		return VEUICC_ERR_INTERNAL; /* printable namespaces always have one */
	sqlite3_stmt *s = st->stmt[S_DEL_NS];
	sqlite3_bind_text(s, 1, r->ns, (int)n, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, (const char *)hi, (int)hn, SQLITE_STATIC);
	int ret = stmt_exec(s);
	if (ret != VEUICC_OK)
		*sql_failed = true;
	else if (r->n_deleted_out != NULL)
		*r->n_deleted_out = (size_t)sqlite3_changes(st->db);
	return ret;
}

static int do_write(veuicc_store *st, const struct write_req *r, bool *sql_failed)
{
	int ret;
	switch (r->op) {
	case OP_PUT: return do_put(st, r->ns, r->key, r->key_len, r->val, r->val_len, sql_failed);
	case OP_DEL: {
		sqlite3_stmt *s = st->stmt[S_DEL];
		sqlite3_bind_text(s, 1, r->ns, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, blob_ptr(r->key), (int)r->key_len, SQLITE_STATIC);
		ret = stmt_exec(s);
		if (ret != VEUICC_OK) {
			*sql_failed = true;
			return ret;
		}
		return sqlite3_changes(st->db) > 0 ? VEUICC_OK : VEUICC_ERR_NOT_FOUND;
	}
	case OP_DEL_NS: return do_del_ns(st, r, sql_failed);
	case OP_INCR:
		/* Read-modify-write: alone, it needs its own transaction. */
		if (st->txn == TXN_NONE) {
			ret = stmt_exec(st->stmt[S_BEGIN]);
			if (ret != VEUICC_OK) {
				*sql_failed = true;
				return ret;
			}
			ret = do_incr(st, r, sql_failed);
			if (ret == VEUICC_OK)
				ret = stmt_exec(st->stmt[S_COMMIT]);
			if (ret != VEUICC_OK && sqlite3_get_autocommit(st->db) == 0)
				stmt_exec(st->stmt[S_ROLLBACK]);
			return ret;
		}
		return do_incr(st, r, sql_failed);
	case OP_COMMIT:
		ret = stmt_exec(st->stmt[S_COMMIT]);
		if (ret != VEUICC_OK) {
			/* A failed COMMIT may leave the transaction open: drop it
			 * so that the caller's contract ("nothing kept") holds. */
			if (sqlite3_get_autocommit(st->db) == 0)
				stmt_exec(st->stmt[S_ROLLBACK]);
			ret = ret == VEUICC_ERR_NO_MEMORY ? ret : VEUICC_ERR_IO;
		}
		st->txn = TXN_NONE;
		return ret;
	}
	return VEUICC_ERR_INTERNAL;
}

/*
 * Every write of the store passes here: check the state, count the write
 * point, cut the power if the fault hook says so, else do the write. A
 * failed SQLite write inside a transaction fails the whole transaction, so a
 * command can never commit half of its effects.
 */
static int store_write(veuicc_store *st, const struct write_req *r)
{
	if (st->powered_off)
		return VEUICC_ERR_IO;
	if (st->iterating)
		return VEUICC_ERR_STATE;
	if (r->op == OP_COMMIT ? st->txn != TXN_OPEN : st->txn == TXN_FAILED)
		return VEUICC_ERR_STATE;
	st->writes++;
	if (st->fault_at != 0 && st->writes == st->fault_at) {
		st->fault_at = 0;
		power_cut(st);
		return VEUICC_ERR_IO;
	}
	bool sql_failed = false;
	int ret = do_write(st, r, &sql_failed);
	if (sql_failed && st->txn == TXN_OPEN)
		st->txn = TXN_FAILED;
	return ret;
}

/* ---- public API --------------------------------------------------------- */

int veuicc_store_begin(veuicc_store *st)
{
	if (st == NULL)
		return VEUICC_ERR_INVALID_ARG;
	if (st->powered_off)
		return VEUICC_ERR_IO;
	if (st->txn != TXN_NONE || st->iterating)
		return VEUICC_ERR_STATE;
	int ret = stmt_exec(st->stmt[S_BEGIN]);
	if (ret == VEUICC_OK)
		st->txn = TXN_OPEN;
	return ret;
}

int veuicc_store_commit(veuicc_store *st)
{
	if (st == NULL)
		return VEUICC_ERR_INVALID_ARG;
	const struct write_req r = {.op = OP_COMMIT};
	return store_write(st, &r);
}

int veuicc_store_rollback(veuicc_store *st)
{
	if (st == NULL)
		return VEUICC_ERR_INVALID_ARG;
	if (st->powered_off)
		return VEUICC_ERR_IO;
	if (st->txn == TXN_NONE || st->iterating)
		return VEUICC_ERR_STATE;
	int ret = VEUICC_OK;
	if (sqlite3_get_autocommit(st->db) == 0)
		ret = stmt_exec(st->stmt[S_ROLLBACK]);
	st->txn = TXN_NONE;
	return ret;
}

bool veuicc_store_in_txn(const veuicc_store *st)
{
	return st != NULL && st->txn != TXN_NONE;
}

int veuicc_store_put(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                     const uint8_t *val, size_t val_len)
{
	if (st == NULL || !ns_valid(ns, false) || !blob_valid(key, key_len, VEUICC_STORE_KEY_MAX) ||
	    !blob_valid(val, val_len, VEUICC_STORE_VALUE_MAX))
		return VEUICC_ERR_INVALID_ARG;
	const struct write_req r = {
	    .op = OP_PUT, .ns = ns, .key = key, .key_len = key_len, .val = val, .val_len = val_len};
	return store_write(st, &r);
}

int veuicc_store_get(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                     uint8_t *buf, size_t cap, size_t *out_len)
{
	if (st == NULL || !ns_valid(ns, false) || !blob_valid(key, key_len, VEUICC_STORE_KEY_MAX) ||
	    (buf == NULL && cap != 0))
		return VEUICC_ERR_INVALID_ARG;
	if (st->powered_off)
		return VEUICC_ERR_IO;
	if (st->iterating)
		return VEUICC_ERR_STATE;
	return do_get(st, ns, key, key_len, buf, cap, out_len);
}

int veuicc_store_get_alloc(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                           uint8_t **out, size_t *out_len)
{
	if (out == NULL || out_len == NULL)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	*out_len = 0;
	size_t n = 0;
	int ret = veuicc_store_get(st, ns, key, key_len, NULL, 0, &n);
	if (ret != VEUICC_OK && ret != VEUICC_ERR_BUFFER_TOO_SMALL)
		return ret;
	uint8_t *buf = malloc(n > 0 ? n : 1);
	if (buf == NULL)
		return VEUICC_ERR_NO_MEMORY;
	size_t got = 0;
	ret = veuicc_store_get(st, ns, key, key_len, buf, n, &got);
	if (ret != VEUICC_OK) {
		veuicc_store_free_value(buf, n);
		return ret == VEUICC_ERR_BUFFER_TOO_SMALL ? VEUICC_ERR_INTERNAL : ret;
	}
	*out = buf;
	*out_len = got;
	return VEUICC_OK;
}

void veuicc_store_free_value(uint8_t *val, size_t len)
{
	if (val == NULL)
		return;
	mbedtls_platform_zeroize(val, len);
	free(val);
}

int veuicc_store_delete(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len)
{
	if (st == NULL || !ns_valid(ns, false) || !blob_valid(key, key_len, VEUICC_STORE_KEY_MAX))
		return VEUICC_ERR_INVALID_ARG;
	const struct write_req r = {.op = OP_DEL, .ns = ns, .key = key, .key_len = key_len};
	return store_write(st, &r);
}

int veuicc_store_delete_ns(veuicc_store *st, const char *ns_prefix, size_t *n_deleted)
{
	if (n_deleted != NULL)
		*n_deleted = 0;
	if (st == NULL || !ns_valid(ns_prefix, false))
		return VEUICC_ERR_INVALID_ARG;
	const struct write_req r = {.op = OP_DEL_NS, .ns = ns_prefix, .n_deleted_out = n_deleted};
	return store_write(st, &r);
}

int veuicc_store_incr(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                      uint64_t delta, uint64_t *out)
{
	if (st == NULL || !ns_valid(ns, false) || !blob_valid(key, key_len, VEUICC_STORE_KEY_MAX))
		return VEUICC_ERR_INVALID_ARG;
	const struct write_req r = {.op = OP_INCR,
	                            .ns = ns,
	                            .key = key,
	                            .key_len = key_len,
	                            .delta = delta,
	                            .u64_out = out};
	return store_write(st, &r);
}

int veuicc_store_get_u64(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                         uint64_t *out)
{
	if (out == NULL)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t be[8];
	size_t n = 0;
	int ret = veuicc_store_get(st, ns, key, key_len, be, sizeof(be), &n);
	if (ret == VEUICC_ERR_BUFFER_TOO_SMALL || (ret == VEUICC_OK && n != sizeof(be)))
		return VEUICC_ERR_MALFORMED;
	if (ret == VEUICC_OK)
		*out = be_to_u64(be);
	return ret;
}

int veuicc_store_iterate(veuicc_store *st, const char *ns_prefix, bool exact_ns,
                         const uint8_t *key_prefix, size_t key_prefix_len, veuicc_store_visit_fn fn,
                         void *ctx)
{
	if (st == NULL || fn == NULL || !ns_valid(ns_prefix, !exact_ns) ||
	    !blob_valid(key_prefix, key_prefix_len, VEUICC_STORE_KEY_MAX))
		return VEUICC_ERR_INVALID_ARG;
	if (st->powered_off)
		return VEUICC_ERR_IO;
	if (st->iterating)
		return VEUICC_ERR_STATE;
	/* Upper bound of the namespaces: namespaces are 0x21..0x7E, so
	 * ns + 01 is above ns and below every longer namespace, and 7F is above
	 * all of them. */
	uint8_t ns_hi[VEUICC_STORE_NS_MAX + 1];
	uint8_t key_hi[VEUICC_STORE_KEY_MAX];
	size_t ns_len = strlen(ns_prefix);
	long ns_hn;
	if (exact_ns) {
		memcpy(ns_hi, ns_prefix, ns_len);
		ns_hi[ns_len] = 0x01;
		ns_hn = (long)ns_len + 1;
	} else {
		ns_hn = prefix_successor((const uint8_t *)ns_prefix, ns_len, ns_hi);
		if (ns_hn < 0) { /* the empty prefix */
			ns_hi[0] = 0x7f;
			ns_hn = 1;
		}
	}
	long key_hn = prefix_successor(key_prefix, key_prefix_len, key_hi);

	sqlite3_stmt *s = st->stmt[S_ITER];
	sqlite3_bind_text(s, 1, ns_prefix, (int)ns_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, (const char *)ns_hi, (int)ns_hn, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, blob_ptr(key_prefix), (int)key_prefix_len, SQLITE_STATIC);
	if (key_hn >= 0)
		sqlite3_bind_blob(s, 4, key_hi, (int)key_hn, SQLITE_STATIC);

	st->iterating = true;
	int ret = VEUICC_OK;
	for (;;) {
		int rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			ret = map_sql(rc);
			break;
		}
		const char *ns = (const char *)sqlite3_column_text(s, 0);
		const uint8_t *k = sqlite3_column_blob(s, 1);
		size_t kn = (size_t)sqlite3_column_bytes(s, 1);
		const uint8_t *v = sqlite3_column_blob(s, 2);
		size_t vn = (size_t)sqlite3_column_bytes(s, 2);
		if (ns == NULL || (k == NULL && kn > 0) || (v == NULL && vn > 0)) {
			ret = VEUICC_ERR_NO_MEMORY;
			break;
		}
		ret = fn(ctx, ns, k != NULL ? k : empty_blob, kn, v != NULL ? v : empty_blob, vn);
		if (ret != 0)
			break;
	}
	stmt_done(s);
	st->iterating = false;
	mbedtls_platform_zeroize(key_hi, sizeof(key_hi));
	return ret;
}
