/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file store.h
 * \brief The card's persistent store: namespaced records in SQLite, one
 *        transaction per state-changing command, and a power-cut hook.
 *
 * A record is (namespace, key) -> value. The namespace is a short printable
 * ASCII string ("gp.registry", "isdp/A0000005591010FFFFFFFF8900001100/file",
 * ...); key and value are byte strings. Records are ordered by namespace
 * (bytewise) and then by key (bytewise, a shorter key before every longer key
 * it is a prefix of).
 *
 * Atomicity (the general UICC tearing rule that SGP.02 relies on for Enable
 * and Disable: after a power loss the card is in its state before or after a
 * command): every write between veuicc_store_begin() and
 * veuicc_store_commit() becomes durable at once or not at all. A write made
 * outside a transaction is its own transaction. Transactions do not nest:
 * veuicc_store_begin() inside a transaction fails with VEUICC_ERR_STATE, so the
 * layer that owns the command (the APDU dispatcher) opens it, and helpers that
 * may also run stand-alone use veuicc_store_in_txn() to decide.
 *
 * Write points: every call of put, delete, delete_ns, incr and commit that
 * passes argument checks, on a powered store, outside a walk and not in a
 * failed transaction, is one write point and advances the write counter,
 * whether or not it changes a record; begin and rollback are not.
 * veuicc_store_set_fault() cuts the power at a chosen write point; see there.
 * If SQLite fails a write inside a transaction, the transaction is failed:
 * later writes and commit return VEUICC_ERR_STATE until rollback.
 * docs/store.md has the details.
 *
 * A store is a value: nothing is shared between two stores; one store must
 * not be used from two threads at the same time.
 */
#ifndef VEUICC_STORE_H
#define VEUICC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Path that selects the in-memory store (no file; also selected by NULL).
 *  A file of that name is "./:memory:". */
#define VEUICC_STORE_MEMORY ":memory:"

/** Longest namespace, in characters (printable ASCII 0x21..0x7E). */
#define VEUICC_STORE_NS_MAX 128
/** Longest key, in bytes. */
#define VEUICC_STORE_KEY_MAX 1024
/** Longest value, in bytes (a whole profile package fits). */
#define VEUICC_STORE_VALUE_MAX (16u * 1024u * 1024u)

/** Flags of veuicc_store_open(). */
enum {
	/** Fail with VEUICC_ERR_NOT_FOUND if the file does not exist yet. */
	VEUICC_STORE_NO_CREATE = 1u << 0,
	/** synchronous=NORMAL instead of FULL: a committed transaction survives
	 *  a kill of the process but may be lost (never half-applied) if the
	 *  host loses power or its kernel crashes. For tests and benchmarks. */
	VEUICC_STORE_NO_FSYNC = 1u << 1,
};

/** An opaque store. */
typedef struct veuicc_store veuicc_store;

/**
 * Open (and create unless VEUICC_STORE_NO_CREATE) the store at \p path, or an
 * empty in-memory store if \p path is NULL or VEUICC_STORE_MEMORY. A file
 * store is checked on open (SQLite quick_check, application id, schema
 * version) and locked against every other connection until it is closed.
 * \returns VEUICC_OK; VEUICC_ERR_IO (cannot create or write the file, file in
 *          use by another store); VEUICC_ERR_MALFORMED (not a veuicc store,
 *          or a corrupt one); VEUICC_ERR_UNSUPPORTED (a newer store layout);
 *          VEUICC_ERR_NOT_FOUND (NO_CREATE and no file);
 *          VEUICC_ERR_NO_MEMORY; VEUICC_ERR_INVALID_ARG
 */
int veuicc_store_open(const char *path, unsigned flags, veuicc_store **out);

/**
 * Close the store. An open transaction is rolled back. Zeroises the store's
 * own buffers. NULL is ignored.
 */
void veuicc_store_close(veuicc_store *st);

/**
 * Remove the store file at \p path and SQLite's side files of it (-wal,
 * -shm, -journal): for temporary files a failed or interrupted write left.
 * Missing files are fine; the store must not be open.
 */
void veuicc_store_remove_files(const char *path);

/**
 * Power the store up again after a power cut (or at any time outside a
 * transaction): a file store closes and reopens its file with the same checks
 * as veuicc_store_open(); an in-memory store keeps its committed records (as a
 * battery-backed RAM would). The write counter and an armed fault are kept.
 * \returns as veuicc_store_open(); after a failure the store stays powered off.
 */
int veuicc_store_reopen(veuicc_store *st);

/** Non-zero if \p st is an in-memory store. */
bool veuicc_store_is_memory(const veuicc_store *st);

/** Non-zero after a power cut until veuicc_store_reopen() succeeds. */
bool veuicc_store_is_powered_off(const veuicc_store *st);

/* ---- transactions ------------------------------------------------------ */

/**
 * Start a transaction. \returns VEUICC_OK, VEUICC_ERR_STATE (one is already
 * open: transactions do not nest), VEUICC_ERR_IO (powered off, disk error).
 */
int veuicc_store_begin(veuicc_store *st);

/**
 * Make every write of the open transaction durable (a write point).
 * \returns VEUICC_OK; VEUICC_ERR_STATE (no transaction, or a write in it
 *          failed: call veuicc_store_rollback()); VEUICC_ERR_IO (power cut or
 *          disk error: nothing of the transaction was kept)
 */
int veuicc_store_commit(veuicc_store *st);

/**
 * Discard every write of the open transaction. Also ends a failed
 * transaction. \returns VEUICC_OK, VEUICC_ERR_STATE (no transaction),
 * VEUICC_ERR_IO (powered off: the cut already discarded it)
 */
int veuicc_store_rollback(veuicc_store *st);

/** Non-zero while a transaction is open (also a failed one). */
bool veuicc_store_in_txn(const veuicc_store *st);

/* ---- records ----------------------------------------------------------- */

/**
 * Create or replace the record (\p ns, \p key) (a write point).
 * \returns VEUICC_OK; VEUICC_ERR_INVALID_ARG (bad namespace, key or value
 *          length); VEUICC_ERR_STATE (failed transaction); VEUICC_ERR_IO
 *          (power cut, disk error, disk full); VEUICC_ERR_NO_MEMORY
 */
int veuicc_store_put(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                     const uint8_t *val, size_t val_len);

/**
 * Read the value of (\p ns, \p key) into \p buf. \p out_len receives the
 * value's length also when it does not fit (then nothing is copied), so
 * buf NULL and cap 0 ask for the length.
 * \returns VEUICC_OK, VEUICC_ERR_NOT_FOUND, VEUICC_ERR_BUFFER_TOO_SMALL,
 *          VEUICC_ERR_INVALID_ARG, VEUICC_ERR_IO (powered off, disk error),
 *          VEUICC_ERR_MALFORMED (corrupt file)
 */
int veuicc_store_get(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                     uint8_t *buf, size_t cap, size_t *out_len);

/**
 * As veuicc_store_get(), into a new buffer that the caller releases with
 * veuicc_store_free_value() (which zeroises it). An empty value gives a
 * non-NULL buffer of length 0.
 */
int veuicc_store_get_alloc(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                           uint8_t **out, size_t *out_len);

/** Zeroise and free a buffer from veuicc_store_get_alloc(). NULL is ignored. */
void veuicc_store_free_value(uint8_t *val, size_t len);

/**
 * Delete the record (\p ns, \p key) (a write point, also when it is absent).
 * \returns VEUICC_OK, VEUICC_ERR_NOT_FOUND (nothing deleted), else as put
 */
int veuicc_store_delete(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len);

/**
 * Delete every record whose namespace begins with \p ns_prefix (a write
 * point). \p n_deleted (may be NULL) receives how many were deleted; none is
 * not an error. An empty prefix is refused (VEUICC_ERR_INVALID_ARG).
 */
int veuicc_store_delete_ns(veuicc_store *st, const char *ns_prefix, size_t *n_deleted);

/**
 * Add \p delta to the counter record (\p ns, \p key) (a write point): an
 * 8-byte big-endian unsigned value, 0 if absent. \p out (may be NULL)
 * receives the new value.
 * \returns VEUICC_OK; VEUICC_ERR_MALFORMED (the record is not 8 bytes);
 *          VEUICC_ERR_STATE (the counter would wrap); else as put
 */
int veuicc_store_incr(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                      uint64_t delta, uint64_t *out);

/** Read a counter written by veuicc_store_incr(); returns as veuicc_store_get(),
 *  VEUICC_ERR_MALFORMED if the record is not 8 bytes. */
int veuicc_store_get_u64(veuicc_store *st, const char *ns, const uint8_t *key, size_t key_len,
                         uint64_t *out);

/**
 * Callback of veuicc_store_iterate(). The pointers are valid only during the
 * call. Return 0 to continue, anything else to stop (veuicc_store_iterate()
 * then returns that value). The callback must not use the store: writes,
 * reads, begin/commit/rollback, reopen and nested walks fail with
 * VEUICC_ERR_STATE, and it must not close it.
 */
typedef int (*veuicc_store_visit_fn)(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                                     const uint8_t *val, size_t val_len);

/**
 * Visit, in record order, every record whose namespace begins with
 * \p ns_prefix ("" visits all) and, if \p exact_ns is true, equals it; and
 * whose key begins with \p key_prefix (length 0: every key).
 * \returns VEUICC_OK when all were visited, the callback's non-zero value,
 *          or a negative veuicc_err
 */
int veuicc_store_iterate(veuicc_store *st, const char *ns_prefix, bool exact_ns,
                         const uint8_t *key_prefix, size_t key_prefix_len, veuicc_store_visit_fn fn,
                         void *ctx);

/* ---- fault injection and accounting ----------------------------------- */

/**
 * Cut the power at the \p n-th write point from now (1 = the next one; 0
 * disarms). That write does not happen; the open transaction, with every
 * earlier write in it, is abandoned without commit (a file store closes its
 * SQLite connection with the transaction open); the call returns
 * VEUICC_ERR_IO, and every later call except veuicc_store_reopen() and
 * veuicc_store_close() returns VEUICC_ERR_IO. The fault fires once.
 */
void veuicc_store_set_fault(veuicc_store *st, uint64_t n);

/** Number of write points passed since the store was opened (reopen keeps it);
 *  the write that hit a fault counts. */
uint64_t veuicc_store_writes(const veuicc_store *st);

#endif /* VEUICC_STORE_H */
