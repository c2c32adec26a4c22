/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent cards (docs/store.md "Card state"). The card file is a veuicc
 * store holding
 *   card/eid              the EID digits
 *   card/meta             layout 02, last profile reference, active reference
 *   gp/registry           every registry entry (gp/registry_store.c)
 *   profile/<16 hex ref>  one installed package (DER), immutable
 *   pstate/<16 hex ref>   its mutable state: EF bodies, PIN/PUK counters and
 *                         values, AKA SQN arrays
 *   factory/identity      the factory identity (factory.c), immutable
 *   factory/isdr-keysets  the ISD-R key sets as they are now (PUT KEY changes them)
 *   factory/scp80-counters the SCP80 replay counters of those key sets (cat/envelope.c)
 *   ota/<16 hex ref>      the SCP80 counters of a profile's SD key sets (cat/ota_route.c)
 *   mnosd/<16 hex ref>    SCP03 counters and PUT KEY key lists of a profile's SDs (gp/mnosd.c)
 *   gp/scp03              SCP03 sequence counters, ISD-P key sets and connectivity
 *                         parameters (gp/sd_session.c)
 * After every command the card builds these records again, compares them with
 * the ones last committed and writes the differences in ONE transaction.
 * Layout 1 files (card/next, card/active, profile/...) are converted on open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cat/bip.h"
#include "core/card.h"
#include "core/fault.h"
#include "applet/runtime.h"
#include "cat/envelope.h"
#include "core/factory.h"
#include "core/quirks.h"
#include "euicc/euicc.h"
#include "gp/mnosd.h"
#include "gp/registry_store.h"
#include "gp/sd_session.h"
#include "store/store.h"
#include "uicc/fs.h"

#define NS_CARD      "card"
#define NS_GP        "gp"
#define NS_PROFILE   "profile"
#define NS_PSTATE    "pstate"
#define NS_FACTORY   "factory"
#define NS_OTA       "ota"
#define NS_MNOSD     "mnosd"
#define NS_APPLET    "applet" /* applet/state: the applet runtime (docs/applets.md) */
#define KEY_APPLETS  "state"
#define NS_SCP81     "scp81" /* scp81/last: the HTTPS parameters (cat/bip.c, H81-19) */
#define KEY_SCP81    "last"
#define KEY_KEYS     "isdr-keysets"
#define KEY_COUNTERS "scp80-counters"
#define KEY_EID      "eid"
#define KEY_META     "meta"
#define KEY_REG      "registry"
#define KEY_SCP03    "scp03"
#define KEY_ID       "identity"
#define LAYOUT       0x02
#define PSTATE_VER   0x01
#define REF_HEX_LEN  16

/* ---- record lists --------------------------------------------------------- */

struct snap_rec {
	char ns[16];
	char key[24];
	uint8_t *val; /* owned, unless by_key */
	size_t len;
	bool by_key; /* immutable record: equal when the key is equal */
};

struct veuicc_card_snap {
	struct snap_rec *r;
	size_t n, cap;
};

void veuicc_card_snap_free(struct veuicc_card_snap *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->r[i].by_key && s->r[i].val) {
			mbedtls_platform_zeroize(s->r[i].val, s->r[i].len);
			free(s->r[i].val);
		}
	}
	free(s->r);
	free(s);
}

/* Add a record; \p val is taken over (owned) unless \p by_key. */
static int snap_add(struct veuicc_card_snap *s, const char *ns, const char *key, uint8_t *val,
                    size_t len, bool by_key)
{
	if (s->n == s->cap) {
		size_t n = s->cap ? 2 * s->cap : 8;
		struct snap_rec *r = realloc(s->r, n * sizeof(*r));
		if (!r) {
			if (!by_key)
				free(val);
			return VEUICC_ERR_NO_MEMORY;
		}
		s->r = r;
		s->cap = n;
	}
	struct snap_rec *r = &s->r[s->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->ns, sizeof(r->ns), "%s", ns);
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->val = val;
	r->len = len;
	r->by_key = by_key;
	return VEUICC_OK;
}

static int snap_copy(struct veuicc_card_snap *s, const char *ns, const char *key, const void *val,
                     size_t len)
{
	uint8_t *v = malloc(len ? len : 1);
	if (!v)
		return VEUICC_ERR_NO_MEMORY;
	memcpy(v, val, len);
	return snap_add(s, ns, key, v, len, false);
}

static const struct snap_rec *snap_find(const struct veuicc_card_snap *s, const char *ns,
                                        const char *key)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->r[i].ns, ns) && !strcmp(s->r[i].key, key))
			return &s->r[i];
	return NULL;
}

static bool rec_equal(const struct snap_rec *a, const struct snap_rec *b)
{
	if (a->by_key || b->by_key)
		return true;
	return a->len == b->len && !memcmp(a->val, b->val, a->len);
}

/* ---- byte buffers ----------------------------------------------------------- */

typedef struct buf {
	uint8_t *b;
	size_t len, cap;
	int err;
} buf;

static void put(buf *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t c = w->cap ? w->cap : 256;
		while (c < w->len + n)
			c *= 2;
		uint8_t *nb = malloc(c);
		if (!nb) {
			w->err = VEUICC_ERR_NO_MEMORY;
			return;
		}
		if (w->b) {
			memcpy(nb, w->b, w->len);
			mbedtls_platform_zeroize(w->b, w->cap);
			free(w->b);
		}
		w->b = nb;
		w->cap = c;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void put_be(buf *w, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	put(w, b, n);
}

typedef struct rd {
	const uint8_t *p;
	size_t len, pos;
	int err;
} rd;

static const uint8_t *take(rd *r, size_t n)
{
	if (r->err || n > r->len - r->pos) {
		r->err = VEUICC_ERR_MALFORMED;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_be(rd *r, size_t n)
{
	const uint8_t *p = take(r, n);
	uint64_t v = 0;
	for (size_t i = 0; p && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- the ISD-R key sets (PUT KEY changes them) ------------------------------ */

#define KEYS_VERSION 1

static void put_key(buf *w, const uint8_t *k, size_t len)
{
	put_be(w, len, 1);
	put(w, k, len);
}

/* version, count, then per set: type, KVN, KIc/KID algorithms, three keys and
 * the PSK identity, each as length + bytes */
static void keys_save(const veuicc_factory *f, buf *w)
{
	put_be(w, KEYS_VERSION, 1);
	put_be(w, f->nkeysets, 1);
	for (size_t i = 0; i < f->nkeysets; i++) {
		const veuicc_keyset *k = &f->keysets[i];
		put_be(w, (uint64_t)k->type, 1);
		put_be(w, k->kvn, 1);
		put_be(w, k->kic_algo, 1);
		put_be(w, k->kid_algo, 1);
		put_key(w, k->key1, k->key1_len);
		put_key(w, k->key2, k->key2_len);
		put_key(w, k->key3, k->key3_len);
		put_key(w, (const uint8_t *)k->psk_id, strlen(k->psk_id));
	}
}

static int take_key(rd *r, uint8_t *dst, size_t cap, size_t *len)
{
	size_t n = (size_t)get_be(r, 1);
	const uint8_t *p = take(r, n);
	if (!p || n > cap)
		return VEUICC_ERR_MALFORMED;
	memcpy(dst, p, n);
	*len = n;
	return VEUICC_OK;
}

static int keys_load(veuicc_factory *f, const uint8_t *v, size_t len)
{
	rd r = {.p = v, .len = len};
	if (get_be(&r, 1) != KEYS_VERSION)
		return VEUICC_ERR_MALFORMED;
	size_t n = (size_t)get_be(&r, 1);
	if (r.err || n > VEUICC_FACTORY_KEYSETS_MAX)
		return VEUICC_ERR_MALFORMED;
	veuicc_keyset *ks = calloc(VEUICC_FACTORY_KEYSETS_MAX, sizeof(*ks));
	if (!ks)
		return VEUICC_ERR_NO_MEMORY;
	int rc = VEUICC_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		veuicc_keyset *k = &ks[i];
		k->type = (veuicc_keyset_type)get_be(&r, 1);
		k->kvn = (uint8_t)get_be(&r, 1);
		k->kic_algo = (uint8_t)get_be(&r, 1);
		k->kid_algo = (uint8_t)get_be(&r, 1);
		size_t pl = 0;
		rc = take_key(&r, k->key1, sizeof(k->key1), &k->key1_len);
		if (!rc)
			rc = take_key(&r, k->key2, sizeof(k->key2), &k->key2_len);
		if (!rc)
			rc = take_key(&r, k->key3, sizeof(k->key3), &k->key3_len);
		if (!rc)
			rc = take_key(&r, (uint8_t *)k->psk_id, sizeof(k->psk_id) - 1, &pl);
		k->psk_id[pl < sizeof(k->psk_id) ? pl : 0] = '\0';
	}
	if (!rc && (r.err || r.pos != len))
		rc = VEUICC_ERR_MALFORMED;
	if (!rc) {
		memcpy(f->keysets, ks, sizeof(f->keysets));
		f->nkeysets = n;
	}
	mbedtls_platform_zeroize(ks, VEUICC_FACTORY_KEYSETS_MAX * sizeof(*ks));
	free(ks);
	return rc;
}

/* ---- the mutable state of one profile ------------------------------------- */

/* Every EF in a fixed order: the MF's tree depth first, then each ADF's. The
 * same package always builds the same tree, so the order identifies an EF;
 * FID and size are kept as a check. */
typedef int (*ef_fn)(void *ctx, veuicc_fs_node *ef);

static int walk(veuicc_fs_node *n, ef_fn fn, void *ctx)
{
	if (n->type == VEUICC_FS_EF)
		return fn(ctx, n);
	for (veuicc_fs_node *c = n->child; c; c = c->next) {
		int rc = walk(c, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_fs(veuicc_fs *fs, ef_fn fn, void *ctx)
{
	int rc = walk(fs->mf, fn, ctx);
	for (veuicc_fs_node *a = fs->adfs; !rc && a; a = a->next)
		rc = walk(a, fn, ctx);
	return rc;
}

static int count_ef(void *ctx, veuicc_fs_node *ef)
{
	(void)ef;
	(*(size_t *)ctx)++;
	return 0;
}

static int save_ef(void *ctx, veuicc_fs_node *ef)
{
	buf *w = ctx;
	put_be(w, ef->fid, 2);
	put_be(w, ef->size, 4);
	put_be(w, ef->newest, 1);
	put_be(w, ef->lcsi, 1);
	put(w, ef->data, ef->size);
	return w->err;
}

static int load_ef(void *ctx, veuicc_fs_node *ef)
{
	rd *r = ctx;
	uint16_t fid = (uint16_t)get_be(r, 2);
	size_t size = (size_t)get_be(r, 4);
	uint8_t newest = (uint8_t)get_be(r, 1);
	uint8_t lcsi = (uint8_t)get_be(r, 1);
	if (r->err || fid != ef->fid || size != ef->size ||
	    (ef->nrec && newest >= ef->nrec && newest))
		return VEUICC_ERR_MALFORMED;
	const uint8_t *d = take(r, size);
	if (!d)
		return VEUICC_ERR_MALFORMED;
	memcpy(ef->data, d, size);
	ef->newest = newest; /* cyclic EF: which record is record 1 */
	if (lcsi != ef->lcsi && veuicc_fs_set_lcsi(ef, lcsi))
		return VEUICC_ERR_MALFORMED;
	return 0;
}

/* version | EF count | EFs | 16 PINs | 16 PUKs | AKA SQN arrays */
static int pstate_save(veuicc_fs *fs, buf *w)
{
	size_t n = 0;
	walk_fs(fs, count_ef, &n);
	put_be(w, PSTATE_VER, 1);
	put_be(w, n, 4);
	walk_fs(fs, save_ef, w);
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		const veuicc_pin *p = &fs->pins.pin[i];
		put_be(w, p->key_ref, 1);
		put(w, p->value, VEUICC_PIN_LEN);
		put_be(w, p->tries_left, 1);
		put_be(w, p->enabled, 1);
	}
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		const veuicc_puk *p = &fs->pins.puk[i];
		put_be(w, p->key_ref, 1);
		put(w, p->value, VEUICC_PIN_LEN);
		put_be(w, p->tries_left, 1);
	}
	for (size_t i = 0; i < VEUICC_FS_AKA_MAX; i++) {
		put_be(w, fs->aka[i].used, 1);
		for (size_t k = 0; k < VEUICC_AKA_SQN_ARRAY_MAX; k++)
			put_be(w, fs->aka[i].sqn.seq_ms[k], 8);
	}
	return w->err;
}

static int pstate_load(veuicc_fs *fs, const uint8_t *b, size_t len)
{
	rd r = {b, len, 0, 0};
	size_t n = 0;
	walk_fs(fs, count_ef, &n);
	if (get_be(&r, 1) != PSTATE_VER || get_be(&r, 4) != n || r.err)
		return VEUICC_ERR_MALFORMED;
	int rc = walk_fs(fs, load_ef, &r);
	if (rc)
		return rc;
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		veuicc_pin *p = &fs->pins.pin[i];
		uint8_t ref = (uint8_t)get_be(&r, 1);
		const uint8_t *v = take(&r, VEUICC_PIN_LEN);
		uint8_t tries = (uint8_t)get_be(&r, 1);
		uint8_t en = (uint8_t)get_be(&r, 1);
		if (r.err || ref != p->key_ref || tries > p->max_tries)
			return VEUICC_ERR_MALFORMED;
		memcpy(p->value, v, VEUICC_PIN_LEN);
		p->tries_left = tries;
		p->enabled = en != 0;
	}
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		veuicc_puk *p = &fs->pins.puk[i];
		uint8_t ref = (uint8_t)get_be(&r, 1);
		const uint8_t *v = take(&r, VEUICC_PIN_LEN);
		uint8_t tries = (uint8_t)get_be(&r, 1);
		if (r.err || ref != p->key_ref || tries > p->max_tries)
			return VEUICC_ERR_MALFORMED;
		memcpy(p->value, v, VEUICC_PIN_LEN);
		p->tries_left = tries;
	}
	for (size_t i = 0; i < VEUICC_FS_AKA_MAX; i++) {
		uint8_t used = (uint8_t)get_be(&r, 1);
		if (r.err || used != fs->aka[i].used)
			return VEUICC_ERR_MALFORMED;
		for (size_t k = 0; k < VEUICC_AKA_SQN_ARRAY_MAX; k++)
			fs->aka[i].sqn.seq_ms[k] = get_be(&r, 8);
	}
	return r.err || r.pos != len ? VEUICC_ERR_MALFORMED : VEUICC_OK;
}

/* ---- building the records of a card ---------------------------------------- */

static void ref_key(uint64_t ref, char out[REF_HEX_LEN + 1])
{
	snprintf(out, REF_HEX_LEN + 1, "%016llx", (unsigned long long)ref);
}

static uint64_t slot_ref(void *ctx, long slot)
{
	const veuicc_card *card = ctx;
	return slot >= 0 && (size_t)slot < card->profiles.count ? card->profiles.slot[slot].seq : 0;
}

static long ref_slot(void *ctx, uint64_t ref)
{
	const veuicc_card *card = ctx;
	for (size_t i = 0; i < card->profiles.count; i++)
		if (card->profiles.slot[i].seq == ref)
			return (long)i;
	return -1;
}

static int snap_build(veuicc_card *card, struct veuicc_card_snap *s)
{
	char eid[33];
	veuicc_get_eid(card, eid);
	int rc = snap_copy(s, NS_CARD, KEY_EID, eid, 32);
	if (rc)
		return rc;
	buf w = {0};
	put_be(&w, LAYOUT, 1);
	put_be(&w, card->next_seq, 8);
	put_be(&w, slot_ref(card, card->profiles.active), 8);
	if (w.err)
		return w.err;
	if ((rc = snap_add(s, NS_CARD, KEY_META, w.b, w.len, false)))
		return rc;
	uint8_t *reg;
	size_t reg_len;
	if ((rc = veuicc_gp_registry_serialise(&card->registry, slot_ref, card, &reg, &reg_len)) ||
	    (rc = snap_add(s, NS_GP, KEY_REG, reg, reg_len, false)))
		return rc;
	for (size_t i = 0; i < card->profiles.count; i++) {
		veuicc_profile_slot *sl = &card->profiles.slot[i];
		char key[REF_HEX_LEN + 1];
		ref_key(sl->seq, key);
		if ((rc = snap_add(s, NS_PROFILE, key, sl->der, sl->der_len, true)))
			return rc;
		buf p = {0};
		if ((rc = pstate_save(sl->fs, &p))) {
			free(p.b);
			return rc;
		}
		if ((rc = snap_add(s, NS_PSTATE, key, p.b, p.len, false)))
			return rc;
		static const uint8_t zero[VEUICC_PROFILE_OTA_CNTR_LEN];
		if (memcmp(sl->ota_cntr, zero, sizeof(zero)) &&
		    (rc = snap_copy(s, NS_OTA, key, sl->ota_cntr, sizeof(sl->ota_cntr))))
			return rc; /* a reopened card must refuse a replay (R6) */
		uint8_t *m;
		size_t m_len;
		if ((rc = veuicc_mnosd_save(sl, &m, &m_len)))
			return rc;
		if (m && (rc = snap_add(s, NS_MNOSD, key, m, m_len, false)))
			return rc; /* SCP03 counters, PUT KEY key lists (M8) */
	}
	if (card->factory && !rc)
		rc = snap_add(s, NS_FACTORY, KEY_ID, (uint8_t *)card->factory->record,
		              card->factory->record_len, true);
	if (card->factory && !rc) {
		/* the key sets as they are now (PUT KEY), next to the immutable record */
		buf k = {0};
		keys_save(card->factory, &k);
		if (k.err) {
			free(k.b);
			return k.err;
		}
		rc = snap_add(s, NS_FACTORY, KEY_KEYS, k.b, k.len, false);
	}
	uint8_t cntr[VEUICC_CAT_COUNTERS_LEN];
	if (!rc && veuicc_cat_counters_get(card, cntr)) {
		/* SCP80 replay counters: a reopened card must not accept a replay */
		uint8_t *c = malloc(sizeof(cntr));
		if (!c)
			return VEUICC_ERR_NO_MEMORY;
		memcpy(c, cntr, sizeof(cntr));
		rc = snap_add(s, NS_FACTORY, KEY_COUNTERS, c, sizeof(cntr), false);
	}
	uint8_t *sd;
	size_t sd_len;
	if (!rc && !(rc = veuicc_sd_state_save(card, &sd, &sd_len)) && sd)
		rc = snap_add(s, NS_GP, KEY_SCP03, sd, sd_len,
		              false); /* SCP03 counters, ISD-P keys */
	uint8_t *ap;
	size_t ap_len;
	/* applet load files and instances */
	if (!rc && !(rc = veuicc_applets_save(card, &ap, &ap_len)) && ap)
		rc = snap_add(s, NS_APPLET, KEY_APPLETS, ap, ap_len, false);
	uint8_t *hp;
	size_t hp_len;
	/* where notifications go over HTTPS (no PSK: only its key reference) */
	if (!rc && !(rc = veuicc_bip_save(card, &hp, &hp_len)) && hp)
		rc = snap_add(s, NS_SCP81, KEY_SCP81, hp, hp_len, false);
	return rc;
}

static bool owned_ns(const char *ns)
{
	return !strcmp(ns, NS_CARD) || !strcmp(ns, NS_GP) || !strcmp(ns, NS_PROFILE) ||
	       !strcmp(ns, NS_PSTATE) || !strcmp(ns, NS_FACTORY) || !strcmp(ns, NS_OTA) ||
	       !strcmp(ns, NS_MNOSD) || !strcmp(ns, NS_APPLET) || !strcmp(ns, NS_SCP81);
}

static int read_rec(void *ctx, const char *ns, const uint8_t *key, size_t key_len,
                    const uint8_t *val, size_t val_len)
{
	struct veuicc_card_snap *s = ctx;
	if (!owned_ns(ns) || key_len >= sizeof(s->r[0].key))
		return 0;
	char k[24];
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	bool by_key = !strcmp(ns, NS_PROFILE) || !strcmp(ns, NS_FACTORY);
	int rc =
	    by_key ? snap_add(s, ns, k, NULL, val_len, true) : snap_copy(s, ns, k, val, val_len);
	return rc ? 1 : 0;
}

/* What the file holds now: the baseline of the next comparison. */
static int snap_read(veuicc_store *st, struct veuicc_card_snap **out)
{
	struct veuicc_card_snap *s = calloc(1, sizeof(*s));
	if (!s)
		return VEUICC_ERR_NO_MEMORY;
	int rc = veuicc_store_iterate(st, "", false, NULL, 0, read_rec, s);
	if (rc) {
		veuicc_card_snap_free(s);
		return rc > 0 ? VEUICC_ERR_NO_MEMORY : rc;
	}
	*out = s;
	return VEUICC_OK;
}

static void card_die(veuicc_card *card)
{
	/* The write did not happen: what is in memory may be more than what is
	 * saved, so the card stops as a real one does at a power cut. */
	card->dead = 1;
	card->powered = 0;
	veuicc_engine_reset(&card->engine);
}

int veuicc_card_persist(veuicc_card *card)
{
	if (!card->store)
		return VEUICC_OK;
	if (card->dead)
		return VEUICC_ERR_IO;
	struct veuicc_card_snap *now = calloc(1, sizeof(*now));
	if (!now) {
		card_die(card);
		return VEUICC_ERR_IO;
	}
	int rc = snap_build(card, now);
	size_t changes = 0;
	for (size_t i = 0; !rc && i < now->n; i++) {
		const struct snap_rec *o = snap_find(card->saved, now->r[i].ns, now->r[i].key);
		changes += !o || !rec_equal(o, &now->r[i]);
	}
	for (size_t i = 0; !rc && card->saved && i < card->saved->n; i++)
		changes += !snap_find(now, card->saved->r[i].ns, card->saved->r[i].key);
	if (!rc && changes) {
		veuicc_store *st = card->store;
		rc = veuicc_store_begin(st);
		for (size_t i = 0; !rc && i < now->n; i++) {
			const struct snap_rec *r = &now->r[i];
			const struct snap_rec *o = snap_find(card->saved, r->ns, r->key);
			if (!o || !rec_equal(o, r))
				rc = veuicc_store_put(st, r->ns, (const uint8_t *)r->key,
				                      strlen(r->key), r->val, r->len);
		}
		for (size_t i = 0; !rc && card->saved && i < card->saved->n; i++) {
			const struct snap_rec *o = &card->saved->r[i];
			if (!snap_find(now, o->ns, o->key))
				rc = veuicc_store_delete(st, o->ns, (const uint8_t *)o->key,
				                         strlen(o->key));
		}
		if (!rc)
			rc = veuicc_store_commit(st);
		if (rc && veuicc_store_in_txn(st))
			veuicc_store_rollback(st);
	}
	if (rc) {
		veuicc_card_snap_free(now);
		veuicc_fault_write_failed(card); /* logs an injected power cut */
		card_die(card);
		return VEUICC_ERR_IO;
	}
	/* immutable records are compared by key only: drop the borrowed pointers */
	for (size_t i = 0; i < now->n; i++)
		if (now->r[i].by_key)
			now->r[i].val = NULL;
	veuicc_card_snap_free(card->saved);
	card->saved = now;
	return VEUICC_OK;
}

/* ---- opening a card file ---------------------------------------------------- */

struct pkg {
	uint64_t ref;
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
	struct pkg_list *l = ctx;
	char k[REF_HEX_LEN + 1];
	if (key_len != REF_HEX_LEN) {
		l->err = VEUICC_ERR_MALFORMED;
		return 1;
	}
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	char *end;
	unsigned long long ref = strtoull(k, &end, 16);
	if (*end || !ref) {
		l->err = VEUICC_ERR_MALFORMED;
		return 1;
	}
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
	l->items[l->count].ref = ref;
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

static int read_packages(veuicc_store *st, struct pkg_list *l)
{
	int rc = veuicc_store_iterate(st, NS_PROFILE, true, NULL, 0, collect, l);
	return rc > 0 ? l->err : rc;
}

/* Layout 1: packages in order, the active one named by its ICCID; their
 * ISD-Ps are made as veuicc_card_install_profile() makes them. */
static int load_layout1(veuicc_card *card, veuicc_store *st)
{
	struct pkg_list l = {0};
	int rc = read_packages(st, &l);
	for (size_t i = 0; rc == VEUICC_OK && i < l.count; i++) {
		size_t idx;
		rc = veuicc_card_install_profile(card, l.items[i].der, l.items[i].len, &idx, NULL,
		                                 0);
		if (rc)
			rc = VEUICC_ERR_MALFORMED; /* a package that no longer installs */
		else
			card->profiles.slot[idx].seq = l.items[i].ref;
		if (card->next_seq < l.items[i].ref)
			card->next_seq = l.items[i].ref;
	}
	pkg_list_free(&l);
	if (rc)
		return rc;
	char iccid[21];
	size_t n = 0;
	rc = veuicc_store_get(st, NS_CARD, (const uint8_t *)"active", 6, (uint8_t *)iccid,
	                      sizeof(iccid) - 1, &n);
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

static int load_layout2(veuicc_card *card, veuicc_store *st, const uint8_t *meta, size_t meta_len)
{
	rd m = {meta, meta_len, 0, 0};
	if (get_be(&m, 1) != LAYOUT)
		return VEUICC_ERR_UNSUPPORTED;
	uint64_t next = get_be(&m, 8), active = get_be(&m, 8);
	if (m.err || m.pos != meta_len)
		return VEUICC_ERR_MALFORMED;

	uint8_t *v = NULL;
	size_t len = 0;
	int rc = veuicc_store_get_alloc(st, NS_FACTORY, (const uint8_t *)KEY_ID, strlen(KEY_ID), &v,
	                                &len);
	if (!rc) {
		rc = veuicc_factory_from_record((const char *)v, len, &card->factory);
		veuicc_store_free_value(v, len);
		if (!rc)
			rc = veuicc_factory_set_ecasd(card, card->factory);
		if (!rc) { /* the factory's quirks, then the caller's (docs/quirks.md) */
			veuicc_quirks q = card->factory->quirks;
			veuicc_quirks_merge(&q, &card->quirks);
			rc = veuicc_card_set_quirks(card, &q);
		}
		if (rc)
			return rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED;
		/* SCP80 counters of the ISD-R key sets */
		rc = veuicc_store_get_alloc(st, NS_FACTORY, (const uint8_t *)KEY_COUNTERS,
		                            strlen(KEY_COUNTERS), &v, &len);
		if (!rc) {
			rc = veuicc_cat_counters_set(card, v, len);
			veuicc_store_free_value(v, len);
			if (rc)
				return rc;
		} else if (rc != VEUICC_ERR_NOT_FOUND) {
			return rc;
		}
		/* key sets changed by PUT KEY since the card was made */
		rc = veuicc_store_get_alloc(st, NS_FACTORY, (const uint8_t *)KEY_KEYS,
		                            strlen(KEY_KEYS), &v, &len);
		if (!rc) {
			rc = keys_load(card->factory, v, len);
			veuicc_store_free_value(v, len);
			if (rc)
				return rc;
		} else if (rc != VEUICC_ERR_NOT_FOUND) {
			return rc;
		}
	} else if (rc != VEUICC_ERR_NOT_FOUND) {
		return rc;
	}

	struct pkg_list l = {0};
	rc = read_packages(st, &l);
	for (size_t i = 0; rc == VEUICC_OK && i < l.count; i++) {
		size_t idx;
		if (l.items[i].ref > next) {
			rc = VEUICC_ERR_MALFORMED;
			break;
		}
		if (veuicc_profiles_install(card, l.items[i].der, l.items[i].len, &idx, NULL, 0,
		                            NULL))
			rc = VEUICC_ERR_MALFORMED;
		else {
			card->profiles.slot[idx].seq = l.items[i].ref;
			/* its PE-Application instances */
			veuicc_applets_renumber_last(card, l.items[i].ref);
		}
	}
	pkg_list_free(&l);
	if (rc)
		return rc;
	card->next_seq = next;

	/* the registry as saved: ISD-R, ECASD and every ISD-P with its AID */
	rc = veuicc_store_get_alloc(st, NS_GP, (const uint8_t *)KEY_REG, strlen(KEY_REG), &v, &len);
	if (rc)
		return rc == VEUICC_ERR_NOT_FOUND ? VEUICC_ERR_MALFORMED : rc;
	veuicc_gp_registry_free(&card->registry);
	veuicc_gp_registry_init(&card->registry);
	rc = veuicc_gp_registry_deserialise(&card->registry, v, len, ref_slot, card);
	veuicc_store_free_value(v, len);
	if (rc)
		return rc;
	const veuicc_gp_registry *r = &card->registry;
	if (r->count < 2 || r->e[0].kind != VEUICC_GP_ISDR || r->e[1].kind != VEUICC_GP_ECASD)
		return VEUICC_ERR_MALFORMED; /* isdr.c and ecasd.c find them there */
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].kind == VEUICC_GP_ISDP &&
		    (rc = veuicc_isdp_register(card, r->e[i].aid, r->e[i].aid_len)))
			return rc;
	/* SCP03 sequence counters, ISD-P key sets and connectivity parameters */
	rc = veuicc_store_get_alloc(st, NS_GP, (const uint8_t *)KEY_SCP03, strlen(KEY_SCP03), &v,
	                            &len);
	if (!rc) {
		rc = veuicc_sd_state_load(card, v, len);
		veuicc_store_free_value(v, len);
		if (rc)
			return rc;
	} else if (rc != VEUICC_ERR_NOT_FOUND) {
		return rc;
	}
	rc = VEUICC_OK;

	for (size_t i = 0; i < card->profiles.count; i++) {
		veuicc_profile_slot *sl = &card->profiles.slot[i];
		char key[REF_HEX_LEN + 1];
		ref_key(sl->seq, key);
		rc = veuicc_store_get_alloc(st, NS_PSTATE, (const uint8_t *)key, REF_HEX_LEN, &v,
		                            &len);
		if (rc == VEUICC_ERR_NOT_FOUND)
			continue; /* as installed */
		if (rc)
			return rc;
		rc = pstate_load(sl->fs, v, len);
		veuicc_store_free_value(v, len);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < card->profiles.count; i++) {
		veuicc_profile_slot *sl = &card->profiles.slot[i];
		char key[REF_HEX_LEN + 1];
		ref_key(sl->seq, key);
		rc =
		    veuicc_store_get_alloc(st, NS_OTA, (const uint8_t *)key, REF_HEX_LEN, &v, &len);
		if (rc == VEUICC_ERR_NOT_FOUND)
			continue; /* no OTA packet accepted yet */
		if (rc)
			return rc;
		if (len == sizeof(sl->ota_cntr))
			memcpy(sl->ota_cntr, v, len);
		veuicc_store_free_value(v, len);
		if (len != sizeof(sl->ota_cntr))
			return VEUICC_ERR_MALFORMED;
	}
	for (size_t i = 0; i < card->profiles.count; i++) {
		veuicc_profile_slot *sl = &card->profiles.slot[i];
		char key[REF_HEX_LEN + 1];
		ref_key(sl->seq, key);
		rc = veuicc_store_get_alloc(st, NS_MNOSD, (const uint8_t *)key, REF_HEX_LEN, &v,
		                            &len);
		if (rc == VEUICC_ERR_NOT_FOUND)
			continue; /* no SCP03 session, no PUT KEY yet */
		if (rc)
			return rc;
		rc = veuicc_mnosd_load(sl, v, len);
		veuicc_store_free_value(v, len);
		if (rc)
			return rc;
	}
	/* the applet runtime as saved (replaces what the packages installed) */
	rc = veuicc_store_get_alloc(st, NS_APPLET, (const uint8_t *)KEY_APPLETS,
	                            strlen(KEY_APPLETS), &v, &len);
	if (!rc) {
		rc = veuicc_applets_load(card, v, len);
		veuicc_store_free_value(v, len);
		if (rc)
			return rc;
	} else if (rc != VEUICC_ERR_NOT_FOUND) {
		return rc;
	}
	/* the last admin server's HTTPS parameters (H81-19) */
	rc = veuicc_store_get_alloc(st, NS_SCP81, (const uint8_t *)KEY_SCP81, strlen(KEY_SCP81), &v,
	                            &len);
	if (!rc) {
		rc = veuicc_bip_load(card, v, len);
		veuicc_store_free_value(v, len);
		if (rc)
			return rc;
	} else if (rc != VEUICC_ERR_NOT_FOUND) {
		return rc;
	}
	rc = VEUICC_OK;
	if (active) {
		long idx = ref_slot(card, active);
		if (idx < 0)
			return VEUICC_ERR_MALFORMED;
		rc = veuicc_profiles_switch(card, idx, 0);
	}
	return rc;
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
	return veuicc_card_open_store(st, cfg, out);
}

int veuicc_card_write_state(veuicc_card *card, veuicc_store *st)
{
	struct veuicc_card_snap *now = calloc(1, sizeof(*now));
	if (!now)
		return VEUICC_ERR_NO_MEMORY;
	int rc = snap_build(card, now);
	if (!rc)
		rc = veuicc_store_begin(st);
	for (size_t i = 0; !rc && i < now->n; i++)
		rc = veuicc_store_put(st, now->r[i].ns, (const uint8_t *)now->r[i].key,
		                      strlen(now->r[i].key), now->r[i].val, now->r[i].len);
	if (!rc)
		rc = veuicc_store_commit(st);
	if (rc && veuicc_store_in_txn(st))
		veuicc_store_rollback(st);
	veuicc_card_snap_free(now); /* by_key records borrow and are not freed */
	return rc;
}

int veuicc_card_open_store(veuicc_store *st, const veuicc_config *cfg, veuicc_card **out)
{
	*out = NULL;
	int rc;
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
			/* an EID record of another length: a damaged file */
			veuicc_store_close(st);
			return rc && rc != VEUICC_ERR_BUFFER_TOO_SMALL ? rc : VEUICC_ERR_MALFORMED;
		}
		eid[32] = '\0';
		if (veuicc_eid_check(eid) != VEUICC_OK) { /* not an EID any more */
			veuicc_store_close(st);
			return VEUICC_ERR_MALFORMED;
		}
		if (c.eid && strcmp(c.eid, eid)) {
			veuicc_store_close(st);
			return VEUICC_ERR_STATE;
		}
		c.eid = eid;
		c.profile = NULL; /* the file says which profiles there are */
		c.profile_len = 0;
		c.factory = NULL;
	}
	veuicc_card *card = NULL;
	rc = veuicc_card_new(&c, &card);
	if (rc) {
		veuicc_store_close(st);
		return rc;
	}
	if (!fresh) {
		uint8_t *meta = NULL;
		size_t meta_len = 0;
		rc = veuicc_store_get_alloc(st, NS_CARD, (const uint8_t *)KEY_META,
		                            strlen(KEY_META), &meta, &meta_len);
		if (rc == VEUICC_ERR_NOT_FOUND)
			rc = load_layout1(card, st);
		else if (!rc)
			rc = load_layout2(card, st, meta, meta_len);
		veuicc_store_free_value(meta, meta_len);
	}
	if (!rc)
		rc = snap_read(st, &card->saved);
	card->store = st;
	/* a new file gets everything, a layout-1 file is converted; a layout-2
	 * file rebuilt exactly writes nothing */
	if (!rc)
		rc = veuicc_card_persist(card);
	if (rc) {
		veuicc_card_free(card); /* closes the store */
		return rc;
	}
	*out = card;
	return VEUICC_OK;
}

/* ---- ISD-P information ------------------------------------------------------ */

size_t veuicc_card_isdp_count(const veuicc_card *card)
{
	size_t n = 0;
	for (size_t i = 0; card && i < card->registry.count; i++)
		n += card->registry.e[i].kind == VEUICC_GP_ISDP;
	return n;
}

int veuicc_card_isdp_info(const veuicc_card *card, size_t index, veuicc_isdp_info *info)
{
	if (!card || !info)
		return VEUICC_ERR_INVALID_ARG;
	const veuicc_gp_registry *r = &card->registry;
	for (size_t i = 0; i < r->count; i++) {
		const veuicc_gp_entry *e = &r->e[i];
		if (e->kind != VEUICC_GP_ISDP || index--)
			continue;
		memset(info, 0, sizeof(*info));
		memcpy(info->aid, e->aid, e->aid_len);
		info->aid_len = e->aid_len;
		info->lcs = e->lcs;
		switch (e->lcs) {
		case VEUICC_GP_LCS_ENABLED: info->state = VEUICC_ISDP_ENABLED; break;
		case VEUICC_GP_LCS_DISABLED: info->state = VEUICC_ISDP_DISABLED; break;
		case VEUICC_GP_LCS_PERSONALIZED: info->state = VEUICC_ISDP_PERSONALISED; break;
		default: info->state = VEUICC_ISDP_CREATED; break;
		}
		info->fallback = e->fallback;
		info->emergency = e->emergency;
		info->test = e->test;
		info->pol1 = e->pol1;
		info->profile_index = e->slot;
		if (e->slot >= 0 && (size_t)e->slot < card->profiles.count)
			snprintf(info->iccid, sizeof(info->iccid), "%s",
			         card->profiles.slot[e->slot].info.iccid);
		return VEUICC_OK;
	}
	return VEUICC_ERR_NOT_FOUND;
}

/* ---- creating a card file from a factory configuration ------------------------- */

int veuicc_card_create(const char *card_path, const char *factory_path, char *msg, size_t msg_len)
{
	if (msg && msg_len)
		msg[0] = '\0';
	if (!card_path || !factory_path)
		return VEUICC_ERR_INVALID_ARG;
	if (!access(card_path, F_OK)) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s exists already", card_path);
		return VEUICC_ERR_STATE;
	}
	veuicc_factory_config fc;
	int rc = veuicc_factory_load(factory_path, &fc, msg, msg_len);
	if (rc)
		return rc;
	veuicc_config c;
	veuicc_config_init(&c);
	c.eid = fc.id->eid;
	veuicc_card *card = NULL;
	rc = veuicc_card_new(&c, &card);
	if (!rc) {
		char why[400] = "";
		rc = veuicc_factory_apply(card, &fc, why, sizeof(why));
		if (rc && msg && msg_len)
			snprintf(msg, msg_len, "%s: %s", factory_path, why);
	}
	veuicc_factory_config_free(&fc);
	/* written whole under a temporary name, then renamed: a card file
	 * exists complete or not at all */
	char tmp[1200];
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", card_path, (long)getpid());
	veuicc_store *st = NULL;
	if (!rc) {
		unlink(tmp);
		rc = veuicc_store_open(tmp, 0, &st);
		if (rc && msg && msg_len)
			snprintf(msg, msg_len, "cannot create %s: %s", tmp, veuicc_strerror(rc));
	}
	if (!rc) {
		card->store = st;
		card->saved = calloc(1, sizeof(*card->saved));
		rc = card->saved ? veuicc_card_persist(card) : VEUICC_ERR_NO_MEMORY;
		if (rc && msg && msg_len)
			snprintf(msg, msg_len, "cannot write %s: %s", tmp, veuicc_strerror(rc));
	}
	veuicc_card_free(card); /* closes the store: the WAL is checkpointed */
	if (!rc && link(tmp, card_path)) {
		/* link, not rename: it never replaces a file created meanwhile */
		rc = VEUICC_ERR_IO;
		if (msg && msg_len)
			snprintf(msg, msg_len, "cannot create %s: %s", card_path, strerror(errno));
	}
	if (st || !access(tmp, F_OK))
		veuicc_store_remove_files(tmp);
	return rc;
}
