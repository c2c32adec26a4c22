/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of a card (docs/testbench.md, issue 11 item 1): a snapshot is a
 * card file holding the records of docs/store.md "Card state", written under
 * a temporary name and renamed; restoring reads it into a card in memory or
 * renames a checked copy over a card file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/card.h"
#include "store/store.h"

#define NS_CARD      "card"
#define KEY_EID      "eid"
#define PATH_MAX_LEN 4000

/* path.tmp-PID and SQLite's side files of it, removed */
static void tmp_remove(const char *tmp)
{
	veuicc_store_remove_files(tmp);
}

static int tmp_name(const char *path, char *out, size_t cap)
{
	if (strlen(path) > PATH_MAX_LEN)
		return VEUICC_ERR_INVALID_ARG;
	snprintf(out, cap, "%s.tmp-%ld", path, (long)getpid());
	return VEUICC_OK;
}

/* fsync the directory of path: the rename itself is durable (POSIX). */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX_LEN + 1];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int veuicc_card_snapshot(veuicc_card *card, const char *path)
{
	if (!card || !path)
		return VEUICC_ERR_INVALID_ARG;
	if (card->dead)
		return VEUICC_ERR_IO; /* what it holds in memory may not be what it had */
	char tmp[PATH_MAX_LEN + 32];
	int rc = tmp_name(path, tmp, sizeof(tmp));
	if (rc)
		return rc;
	tmp_remove(tmp);
	veuicc_store *st = NULL;
	rc = veuicc_store_open(tmp, 0, &st);
	if (!rc)
		rc = veuicc_card_write_state(card, st);
	veuicc_store_close(st); /* checkpoints: the whole snapshot is in tmp */
	if (!rc && rename(tmp, path))
		rc = VEUICC_ERR_IO;
	if (rc)
		tmp_remove(tmp);
	else
		sync_dir(path);
	return rc;
}

struct copy_ctx {
	veuicc_store *dst;
	int rc;
};

static int copy_rec(void *arg, const char *ns, const uint8_t *key, size_t key_len,
                    const uint8_t *val, size_t val_len)
{
	struct copy_ctx *c = arg;
	c->rc = veuicc_store_put(c->dst, ns, key, key_len, val, val_len);
	return c->rc ? 1 : 0;
}

/* Every record of the snapshot file into dst, in one transaction. */
static int copy_snapshot(const char *snap, veuicc_store *dst)
{
	veuicc_store *src = NULL;
	int rc = veuicc_store_open(snap, VEUICC_STORE_NO_CREATE, &src);
	if (rc)
		return rc;
	size_t n = 0;
	rc = veuicc_store_get(src, NS_CARD, (const uint8_t *)KEY_EID, strlen(KEY_EID), NULL, 0, &n);
	if (rc == VEUICC_ERR_NOT_FOUND || rc == VEUICC_ERR_BUFFER_TOO_SMALL)
		rc = rc == VEUICC_ERR_NOT_FOUND || n != 32 ? VEUICC_ERR_MALFORMED : VEUICC_OK;
	struct copy_ctx c = {dst, VEUICC_OK};
	if (!rc)
		rc = veuicc_store_begin(dst);
	if (!rc) {
		rc = veuicc_store_iterate(src, "", false, NULL, 0, copy_rec, &c);
		if (rc > 0)
			rc = c.rc;
		rc = rc ? rc : veuicc_store_commit(dst);
		if (rc && veuicc_store_in_txn(dst))
			veuicc_store_rollback(dst);
	}
	veuicc_store_close(src);
	return rc;
}

int veuicc_card_restore(const char *path, const veuicc_config *cfg, veuicc_card **out)
{
	if (!path || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_store *mem = NULL;
	int rc = veuicc_store_open(VEUICC_STORE_MEMORY, 0, &mem);
	if (rc)
		return rc;
	rc = copy_snapshot(path, mem);
	if (rc) {
		veuicc_store_close(mem);
		return rc;
	}
	veuicc_card *card = NULL;
	rc = veuicc_card_open_store(mem, cfg, &card); /* takes the store over */
	if (rc)
		return rc;
	/* a card in memory: nothing to persist any more */
	veuicc_store_close(card->store);
	card->store = NULL;
	veuicc_card_snap_free(card->saved);
	card->saved = NULL;
	*out = card;
	return VEUICC_OK;
}

int veuicc_card_restore_file(const char *snapshot_path, const char *card_path)
{
	if (!snapshot_path || !card_path)
		return VEUICC_ERR_INVALID_ARG;
	char tmp[PATH_MAX_LEN + 32];
	int rc = tmp_name(card_path, tmp, sizeof(tmp));
	if (rc)
		return rc;
	tmp_remove(tmp); /* left by a restore that crashed */
	veuicc_store *st = NULL;
	rc = veuicc_store_open(tmp, 0, &st);
	if (!rc)
		rc = copy_snapshot(snapshot_path, st);
	veuicc_store_close(st);
	if (!rc) {
		/* the copy must open as a card (and, rebuilt exactly, writes nothing) */
		veuicc_card *card = NULL;
		rc = veuicc_card_open(tmp, NULL, &card);
		veuicc_card_free(card);
	}
	if (!rc && access(card_path, F_OK) == 0) {
		/* Settle the old file: a WAL left by a power cut would otherwise be
		 * replayed onto the new file. Opening it also fails if another
		 * process has the card open (exclusive lock). */
		veuicc_store *old = NULL;
		rc = veuicc_store_open(card_path, VEUICC_STORE_NO_CREATE, &old);
		if (rc == VEUICC_ERR_MALFORMED || rc == VEUICC_ERR_UNSUPPORTED)
			rc = VEUICC_OK; /* not a card file: replaced all the same */
		veuicc_store_close(old);
		char wal[PATH_MAX_LEN + 64];
		snprintf(wal, sizeof(wal), "%s-wal", card_path);
		if (!rc && access(wal, F_OK) == 0 && unlink(wal) && errno != ENOENT)
			rc = VEUICC_ERR_IO;
	}
	if (!rc && rename(tmp, card_path))
		rc = VEUICC_ERR_IO;
	if (rc)
		tmp_remove(tmp);
	else
		sync_dir(card_path);
	return rc;
}
