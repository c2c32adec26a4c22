/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent cards: the card file is a veuicc store (src/store) holding
 *   card/eid              the EID digits
 *   card/next             counter naming the next profile record
 *   profile/<16 hex>      one installed package (DER), in installation order
 *   card/active           the ICCID of the active profile
 * A card opened from a file installs its packages again in order; changes are
 * written by profiles.c in one store transaction each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/card.h"
#include "store/store.h"

#define NS_CARD    "card"
#define NS_PROFILE "profile"
#define KEY_EID    "eid"
#define KEY_NEXT   "next"
#define KEY_ACTIVE "active"

struct pkg {
	uint8_t *der;
	size_t len;
};

struct pkg_list {
	struct pkg *items;
	size_t count, cap;
	int err;
};

static int collect(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                   const uint8_t *val, size_t val_len)
{
	(void)ns;
	(void)key;
	(void)key_len;
	struct pkg_list *l = ctx;
	if (l->count == l->cap) {
		size_t n = l->cap ? 2 * l->cap : 4;
		struct pkg *p = realloc(l->items, n * sizeof(*p));
		if (!p) {
			l->err = VEUICC_ERR_NO_MEMORY;
			return 1;
		}
		l->items = p;
		l->cap = n;
	}
	uint8_t *copy = malloc(val_len ? val_len : 1);
	if (!copy) {
		l->err = VEUICC_ERR_NO_MEMORY;
		return 1;
	}
	memcpy(copy, val, val_len);
	l->items[l->count].der = copy;
	l->items[l->count].len = val_len;
	l->count++;
	return 0;
}

static void pkg_list_free(struct pkg_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i].der);
	free(l->items);
}

static int load_profiles(veuicc_card *card, veuicc_store *st)
{
	struct pkg_list l = {0};
	int rc = veuicc_store_iterate(st, NS_PROFILE, true, NULL, 0, collect, &l);
	if (rc > 0)
		rc = l.err;
	for (size_t i = 0; rc == VEUICC_OK && i < l.count; i++) {
		rc = veuicc_card_install_profile(card, l.items[i].der, l.items[i].len, NULL, NULL,
		                                 0);
		if (rc)
			rc = VEUICC_ERR_MALFORMED; /* the file holds a package that no longer
			                              installs */
	}
	pkg_list_free(&l);
	if (rc)
		return rc;
	char iccid[21];
	size_t n = 0;
	rc = veuicc_store_get(st, NS_CARD, (const uint8_t *)KEY_ACTIVE, strlen(KEY_ACTIVE),
	                      (uint8_t *)iccid, sizeof(iccid) - 1, &n);
	if (rc == VEUICC_ERR_NOT_FOUND)
		return VEUICC_OK;
	if (rc)
		return rc;
	iccid[n] = '\0';
	for (size_t i = 0; i < card->profiles.count; i++) {
		if (!strcmp(card->profiles.slot[i].info.iccid, iccid))
			return veuicc_card_activate_profile(card, i);
	}
	return VEUICC_ERR_MALFORMED;
}

int veuicc_card_open(const char *state_path, const veuicc_config *cfg, veuicc_card **out)
{
	if (!state_path || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_store *st = NULL;
	int rc = veuicc_store_open(state_path, 0, &st);
	if (rc)
		return rc;
	veuicc_config c;
	if (cfg)
		c = *cfg;
	else
		veuicc_config_init(&c);
	char eid[33];
	size_t n = 0;
	rc = veuicc_store_get(st, NS_CARD, (const uint8_t *)KEY_EID, strlen(KEY_EID),
	                      (uint8_t *)eid, 32, &n);
	int fresh = rc == VEUICC_ERR_NOT_FOUND;
	if (!fresh) {
		if (rc || n != 32) {
			veuicc_store_close(st);
			return rc ? rc : VEUICC_ERR_MALFORMED;
		}
		eid[32] = '\0';
		if (c.eid && strcmp(c.eid, eid)) {
			veuicc_store_close(st);
			return VEUICC_ERR_STATE;
		}
		c.eid = eid;
		c.profile = NULL; /* the file says which profiles there are */
		c.profile_len = 0;
	}
	veuicc_card *card = NULL;
	rc = veuicc_card_new(&c, &card);
	if (rc) {
		veuicc_store_close(st);
		return rc;
	}
	if (fresh) {
		/* first use: record the EID, and the configured profile if any */
		card->store = st;
		char digits[33];
		veuicc_get_eid(card, digits);
		rc = veuicc_store_begin(st);
		if (!rc)
			rc = veuicc_store_put(st, NS_CARD, (const uint8_t *)KEY_EID,
			                      strlen(KEY_EID), (const uint8_t *)digits, 32);
		for (size_t i = 0; !rc && i < card->profiles.count; i++)
			rc = veuicc_profiles_save(card, i, c.profile, c.profile_len);
		if (!rc && card->profiles.active >= 0)
			rc = veuicc_profiles_save_active(card);
		if (!rc)
			rc = veuicc_store_commit(st);
		else
			veuicc_store_rollback(st);
	} else {
		rc = load_profiles(card, st);
		card->store = st;
	}
	if (rc) {
		veuicc_card_free(card); /* closes the store */
		return rc;
	}
	*out = card;
	return VEUICC_OK;
}
