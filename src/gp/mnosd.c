/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The profile's security domains (MNO-SD and others from SAIP
 * PE-SecurityDomain) as GP security domains on the card: see mnosd.h,
 * docs/scp03.md "Profile security domains", docs/spec-decisions.md M1..M9.
 */
#include "gp/mnosd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "applet/runtime.h"
#include "core/bytes.h"
#include "gp/fci.h"
#include "gp/putkey.h"
#include "gp/sd_session.h"
#include "saip/install.h"
#include "tlv/tlv.h"

#define INS_GET_DATA   0xCA /* GP CS v2.3 §11.3 */
#define INS_PUT_KEY    0xD8 /* GP CS v2.3 §11.8 */
#define INS_GET_STATUS 0xF2 /* GP CS v2.3 §11.4 */
#define GS_P1_APPS     0x40 /* applications, including security domains */
#define GS_P2_TLV      0x02
#define GS_P2_NEXT     0x01
#define TAG_SEARCH     0x4F
#define TAG_TAG_LIST   0x5C
#define TAG_GS_ENTRY   0xE3
#define TAG_AID        0x4F
#define TAG_LCS        0x9F70
#define TAG_PRIV       0xC5
#define GS_TAGS_MAX    16
#define TAG_KEY_INFO   0xE0 /* GP CS v2.3 §11.3.3.1 key information template */
#define TAG_KEY_DATA   0xC0
#define KEY_TYPE_DES   0x80 /* GP CS v2.3 Table 11-16 */
#define KEY_TYPE_AES   0x88
#define KVN_SCP03_MIN  0x30 /* GP Amd D: SCP03 key version numbers 30..3F (M4) */
#define KVN_SCP03_MAX  0x3F
#define KVN_SCP80_MAX  0x0F /* TS 102 225 §5.1.2 key index 1..15 */
#define KEY_ID_DEK     0x03
#define SETS_MAX       8
#define CTR_MAX        16
#define REC_VERSION    0x01
#define SCP80_3DES2    0x05 /* TS 102 225 §5.1.2 algorithm: 3DES outer-CBC, 2 keys */
#define SCP80_AES      0x02
#define PUT_KEY_RSP    (1 + 3 * 3)

/* What the card keeps for one SD of a profile beyond its package. */
typedef struct mnosd_dom {
	veuicc_sd_counter ctr[CTR_MAX]; /* SCP03 sequence counters */
	uint8_t nctr;
	bool keys_changed; /* PUT KEY changed its key list: saved with the record */
} mnosd_dom;

struct veuicc_mnosd {
	mnosd_dom d[VEUICC_SAIP_SD_MAX];
};

typedef struct mnosd_ctx {
	veuicc_card *card;
	uint8_t aid[16];
	uint8_t aid_len;
} mnosd_ctx;

/* ---- finding the SD --------------------------------------------------------- */

static bool aid_is(const veuicc_saip_aid *a, const uint8_t *aid, size_t len)
{
	return a->len == len && !memcmp(a->b, aid, len);
}

/* The SD with this AID in the ENABLED profile (SGP.02 §2.2.1, M1). */
static bool resolve(veuicc_card *card, const uint8_t *aid, size_t len, veuicc_profile_slot **slot,
                    size_t *sd)
{
	long a = card->profiles.active;
	if (a < 0 || !card->profiles.slot[a].gp)
		return false;
	veuicc_profile_slot *s = &card->profiles.slot[a];
	for (size_t d = 0; d < s->gp->nsd && d < VEUICC_SAIP_SD_MAX; d++) {
		if (aid_is(&s->gp->sd[d].instance_aid, aid, len)) {
			*slot = s;
			*sd = d;
			return true;
		}
	}
	return false;
}

static struct veuicc_mnosd *state_of(veuicc_profile_slot *s)
{
	if (!s->mnosd)
		s->mnosd = calloc(1, sizeof(*s->mnosd));
	return s->mnosd;
}

/* ---- key sets from the key list ---------------------------------------------- */

static const veuicc_saip_gp_key *find_key(const veuicc_saip_gp_sd *sd, uint8_t id, uint8_t kvn)
{
	for (size_t i = 0; i < sd->nkeys; i++)
		if (sd->keys[i].id == id && sd->keys[i].version == kvn && sd->keys[i].ncomp)
			return &sd->keys[i];
	return NULL;
}

/* The SCP03 key sets of the key list (M4): KVN 30..3F with keys 01 (ENC),
 * 02 (MAC), 03 (DEK), AES (type 88) of one length, in key list order. */
static size_t scp03_sets(const veuicc_saip_gp_sd *sd, veuicc_keyset *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sd->nkeys && n < max; i++) {
		uint8_t v = sd->keys[i].version;
		if (v < KVN_SCP03_MIN || v > KVN_SCP03_MAX || sd->keys[i].id != 1)
			continue;
		const veuicc_saip_gp_key *k[3] = {find_key(sd, 1, v), find_key(sd, 2, v),
		                                  find_key(sd, 3, v)};
		bool ok = true;
		for (int j = 0; j < 3 && ok; j++)
			ok = k[j] && k[j]->comp[0].type == KEY_TYPE_AES &&
			     k[j]->comp[0].len == k[0]->comp[0].len &&
			     (k[0]->comp[0].len == 16 || k[0]->comp[0].len == 24 ||
			      k[0]->comp[0].len == 32);
		if (!ok)
			continue;
		veuicc_keyset *s = &out[n++];
		memset(s, 0, sizeof(*s));
		s->type = VEUICC_KEYSET_SCP03;
		s->kvn = v;
		s->key1_len = s->key2_len = s->key3_len = k[0]->comp[0].len;
		memcpy(s->key1, k[0]->comp[0].data, s->key1_len);
		memcpy(s->key2, k[1]->comp[0].data, s->key2_len);
		memcpy(s->key3, k[2]->comp[0].data, s->key3_len);
	}
	return n;
}

/* Every key set of the list (keys 01..03 grouped by KVN) in the model of
 * gp/putkey.c: KVN 01..0F SCP80 (KIc, KID, DEK), others SCP03. */
static size_t all_sets(const veuicc_saip_gp_sd *sd, veuicc_keyset *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sd->nkeys; i++) {
		const veuicc_saip_gp_key *k = &sd->keys[i];
		if (k->id < 1 || k->id > 3 || !k->ncomp)
			continue;
		veuicc_keyset *s = NULL;
		for (size_t j = 0; j < n && !s; j++)
			if (out[j].kvn == k->version)
				s = &out[j];
		if (!s) {
			if (n >= max)
				continue;
			s = &out[n++];
			memset(s, 0, sizeof(*s));
			s->kvn = k->version;
			s->type =
			    k->version <= KVN_SCP80_MAX ? VEUICC_KEYSET_SCP80 : VEUICC_KEYSET_SCP03;
		}
		const veuicc_saip_gp_key_component *c = &k->comp[0];
		uint8_t *dst = k->id == 1 ? s->key1 : k->id == 2 ? s->key2 : s->key3;
		size_t *dl = k->id == 1 ? &s->key1_len : k->id == 2 ? &s->key2_len : &s->key3_len;
		memcpy(dst, c->data, c->len);
		*dl = c->len;
		uint8_t alg = c->type == KEY_TYPE_AES ? SCP80_AES : SCP80_3DES2;
		if (k->id == 1)
			s->kic_algo = alg;
		else if (k->id == 2)
			s->kid_algo = alg;
	}
	return n;
}

/* ---- GET DATA --------------------------------------------------------------- */

/* GP CS v2.3 §11.3.3.1: E0 { C0 04 id KVN type length } per key. */
static uint16_t key_info(const veuicc_saip_gp_sd *sd, veuicc_rsp *rsp)
{
	uint8_t b[3 + VEUICC_SAIP_SD_KEYS_MAX * 6];
	size_t n = 0, body = sd->nkeys * 6;
	b[n++] = TAG_KEY_INFO;
	if (body > 0x7F)
		b[n++] = 0x81;
	b[n++] = (uint8_t)body;
	for (size_t i = 0; i < sd->nkeys; i++) {
		const veuicc_saip_gp_key *k = &sd->keys[i];
		b[n++] = TAG_KEY_DATA;
		b[n++] = 4;
		b[n++] = k->id;
		b[n++] = k->version;
		b[n++] = k->ncomp ? k->comp[0].type : 0;
		b[n++] = k->ncomp ? k->comp[0].len : 0;
	}
	return veuicc_rsp_put(rsp, b, n) ? VEUICC_SW_MEMORY_FAILURE : VEUICC_SW_OK;
}

/* ---- GET STATUS -------------------------------------------------------------- */

/* One E3 entry (GP CS v2.3 §11.4.3.1) with the tags of the list. */
static void gs_entry(veuicc_tlv_writer *w, const veuicc_saip_aid *aid, uint8_t lcs,
                     const uint8_t *priv, size_t priv_len, const uint8_t *tags, size_t tags_len)
{
	veuicc_tlv_begin(w, TAG_GS_ENTRY);
	for (size_t p = 0; p < tags_len;) {
		uint32_t tag = tags[p++];
		if ((tag & 0x1F) == 0x1F)
			tag = tag << 8 | tags[p++];
		if (tag == TAG_AID)
			veuicc_tlv_put(w, TAG_AID, aid->b, aid->len);
		else if (tag == TAG_LCS)
			veuicc_tlv_put_u8(w, TAG_LCS, lcs);
		else {
			uint8_t b[3] = {0};
			memcpy(b, priv, priv_len);
			veuicc_tlv_put(w, TAG_PRIV, b, 3);
		}
	}
	veuicc_tlv_end(w);
}

static bool gs_match(const veuicc_saip_aid *aid, const uint8_t *prefix, size_t len)
{
	return aid->len && len <= aid->len && !memcmp(aid->b, prefix, len);
}

/* GET STATUS P1 40 (GP CS v2.3 §11.4, M7): the profile's security domains
 * and application instances (SAIP PE-SecurityDomain, PE-Application), then
 * the applet instances INSTALL put into the profile (AP21), whose AID
 * starts with the 4F prefix; tags 4F, 9F70, C5 (the default list). */
static uint16_t get_status(veuicc_card *card, const veuicc_profile_slot *slot,
                           const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const veuicc_saip_gp_info *gi = slot->gp;
	if (cmd->p1 != GS_P1_APPS || (cmd->p2 & ~GS_P2_NEXT) != GS_P2_TLV)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (cmd->p2 & GS_P2_NEXT)
		return VEUICC_SW_COND_NOT_SATISFIED; /* every answer fits: nothing to continue */
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, have_4f = 0;
	size_t prefix_len = 0, tags_len = 0;
	uint8_t prefix[16], tags[GS_TAGS_MAX];
	veuicc_tlv_reader_init(&r, cmd->data, cmd->lc, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_SEARCH && !have_4f && t.len <= sizeof(prefix)) {
			memcpy(prefix, t.value, t.len);
			prefix_len = t.len;
			have_4f = 1;
		} else if (t.tag == TAG_TAG_LIST && !tags_len && t.len && t.len <= sizeof(tags)) {
			memcpy(tags, t.value, t.len);
			tags_len = t.len;
		} else {
			return VEUICC_SW_WRONG_DATA;
		}
	}
	if (rc < 0 || !have_4f)
		return VEUICC_SW_WRONG_DATA;
	if (!tags_len) {
		static const uint8_t dflt[] = {0x4F, 0x9F, 0x70, 0xC5};
		memcpy(tags, dflt, sizeof(dflt));
		tags_len = sizeof(dflt);
	}
	for (size_t p = 0; p < tags_len;) {
		uint32_t tag = tags[p++];
		if ((tag & 0x1F) == 0x1F) {
			if (p >= tags_len)
				return VEUICC_SW_WRONG_DATA;
			tag = tag << 8 | tags[p++];
		}
		if (tag != TAG_AID && tag != TAG_LCS && tag != TAG_PRIV)
			return VEUICC_SW_WRONG_DATA;
	}
	size_t ninst = veuicc_applets_count(card);
	size_t cap = (gi->nsd + gi->napp + ninst) * (2 + 2 + 16 + 4 + 5) * (tags_len + 1) + 16;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return VEUICC_SW_MEMORY_FAILURE;
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, cap);
	size_t found = 0;
	for (size_t i = 0; i < gi->nsd && i < VEUICC_SAIP_SD_MAX; i++) {
		const veuicc_saip_gp_sd *sd = &gi->sd[i];
		if (!gs_match(&sd->instance_aid, prefix, prefix_len))
			continue;
		gs_entry(&w, &sd->instance_aid, sd->life_cycle_state, sd->privileges,
		         sd->privileges_len, tags, tags_len);
		found++;
	}
	for (size_t i = 0; i < gi->napp && i < VEUICC_SAIP_APP_MAX; i++) {
		const veuicc_saip_gp_app *a = &gi->app[i];
		if (!gs_match(&a->instance_aid, prefix, prefix_len))
			continue;
		gs_entry(&w, &a->instance_aid, a->life_cycle_state, a->privileges,
		         a->privileges_len, tags, tags_len);
		found++;
	}
	for (size_t i = 0; i < ninst; i++) {
		veuicc_gp_entry e;
		if (!veuicc_applets_installed_for(card, i, slot->seq) ||
		    veuicc_applets_entry(card, i, &e))
			continue;
		veuicc_saip_aid aid = {.len = e.aid_len};
		memcpy(aid.b, e.aid, e.aid_len);
		if (!gs_match(&aid, prefix, prefix_len))
			continue;
		gs_entry(&w, &aid, e.lcs, e.priv, sizeof(e.priv), tags, tags_len);
		found++;
	}
	size_t n = 0;
	uint16_t sw = VEUICC_SW_OK;
	if (!found)
		sw = VEUICC_SW_REF_DATA_NOT_FOUND;
	else if (veuicc_tlv_writer_finish(&w, &n))
		sw = VEUICC_SW_NO_DIAGNOSIS;
	else if (veuicc_rsp_put(rsp, buf, n))
		sw = VEUICC_SW_MEMORY_FAILURE;
	free(buf);
	return sw;
}

/* ---- PUT KEY ---------------------------------------------------------------- */

/* Write key set \p s (KVN s->kvn, was \p old) back into the key list of
 * \p sd: keys 01..03 replaced or added (usage and access as the list's key
 * of the same identifier, M6); other keys of \p old take the new KVN.
 * \returns false when the list is full. */
static bool write_back(veuicc_saip_gp_sd *sd, const veuicc_keyset *s, uint8_t old)
{
	bool aes03 = s->type == VEUICC_KEYSET_SCP03;
	for (unsigned id = 1; id <= 3; id++) {
		const uint8_t *src = id == 1 ? s->key1 : id == 2 ? s->key2 : s->key3;
		size_t len = id == 1 ? s->key1_len : id == 2 ? s->key2_len : s->key3_len;
		if (!len)
			continue;
		uint8_t alg = id == 2 ? s->kid_algo : s->kic_algo;
		uint8_t type = aes03 || alg == SCP80_AES ? KEY_TYPE_AES : KEY_TYPE_DES;
		veuicc_saip_gp_key *k = NULL;
		for (size_t i = 0; i < sd->nkeys && !k; i++)
			if (sd->keys[i].id == id && sd->keys[i].version == old)
				k = &sd->keys[i];
		if (!k) {
			if (sd->nkeys >= VEUICC_SAIP_SD_KEYS_MAX)
				return false;
			k = &sd->keys[sd->nkeys++];
			memset(k, 0, sizeof(*k));
			k->id = (uint8_t)id;
			for (size_t i = 0; i + 1 < sd->nkeys; i++) {
				if (sd->keys[i].id == id) {
					k->usage = sd->keys[i].usage;
					k->access = sd->keys[i].access;
					break;
				}
			}
			k->ncomp = 1;
			k->comp[0].mac_length = 8;
		}
		k->version = s->kvn;
		k->comp[0].type = type;
		k->comp[0].len = (uint8_t)len;
		mbedtls_platform_zeroize(k->comp[0].data, sizeof(k->comp[0].data));
		memcpy(k->comp[0].data, src, len);
	}
	for (size_t i = 0; i < sd->nkeys; i++)
		if (sd->keys[i].version == old)
			sd->keys[i].version = s->kvn;
	return true;
}

/* The DEK of PUT KEY (M5): key 03 of the packet's SCP80 key set over OTA;
 * else of the SCP03 session's key set; else of the first SCP03 key set. */
static bool dek_of(veuicc_card *card, const veuicc_saip_gp_sd *sd, int ota_kvn, uint8_t channel,
                   veuicc_gp_dek *dek, uint8_t *copy)
{
	int kvn = ota_kvn;
	if (kvn < 0)
		kvn =
		    veuicc_sd_session_kvn(card, channel, sd->instance_aid.b, sd->instance_aid.len);
	if (kvn < 0) {
		veuicc_keyset first;
		if (scp03_sets(sd, &first, 1))
			kvn = first.kvn;
		mbedtls_platform_zeroize(&first, sizeof(first));
	}
	const veuicc_saip_gp_key *k = kvn >= 0 ? find_key(sd, KEY_ID_DEK, (uint8_t)kvn) : NULL;
	if (!k || k->comp[0].len > VEUICC_SAIP_KEY_MAX)
		return false;
	memcpy(copy, k->comp[0].data, k->comp[0].len);
	dek->key = copy;
	dek->len = k->comp[0].len;
	dek->aes = k->comp[0].type == KEY_TYPE_AES;
	return true;
}

static uint16_t put_key(veuicc_card *card, veuicc_profile_slot *slot, size_t d, int ota_kvn,
                        const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (!cmd->cl.proprietary)
		return VEUICC_SW_CLA_NOT_SUPP; /* GP CS §11.8.2: CLA 8x */
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	struct veuicc_mnosd *m = state_of(slot);
	veuicc_keyset *sets = calloc(SETS_MAX, sizeof(*sets));
	veuicc_saip_gp_sd *work = malloc(sizeof(*work));
	uint16_t sw;
	if (!m || !sets || !work) {
		sw = VEUICC_SW_MEMORY_FAILURE;
		goto out;
	}
	veuicc_saip_gp_sd *sd = &slot->gp->sd[d];
	uint8_t dek_copy[VEUICC_SAIP_KEY_MAX];
	veuicc_gp_dek dek = {0};
	bool have_dek = dek_of(card, sd, ota_kvn, cmd->cl.channel, &dek, dek_copy);
	size_t n = all_sets(sd, sets, SETS_MAX);
	/* room for one more set when the list has room for its keys */
	bool room = sd->nkeys + 2 <= VEUICC_SAIP_SD_KEYS_MAX && n < SETS_MAX;
	veuicc_gp_keysets ks = {sets, &n, n + (room ? 1 : 0), false};
	uint8_t out[PUT_KEY_RSP];
	size_t out_len = 0;
	sw = veuicc_gp_put_key(&ks, have_dek ? &dek : NULL, cmd->p1, cmd->p2, cmd->data, cmd->lc,
	                       out, &out_len);
	mbedtls_platform_zeroize(dek_copy, sizeof(dek_copy));
	if (sw != VEUICC_SW_OK)
		goto out;
	const veuicc_keyset *s = NULL;
	for (size_t i = 0; i < n && !s; i++)
		if (sets[i].kvn == out[0])
			s = &sets[i];
	/* all or nothing: the list changes only if every key fits */
	memcpy(work, sd, sizeof(*work));
	if (!s || !write_back(work, s, cmd->p1 ? cmd->p1 : out[0])) {
		sw = VEUICC_SW_NOT_ENOUGH_MEMORY;
		goto out;
	}
	if (veuicc_rsp_put(rsp, out, out_len)) {
		sw = VEUICC_SW_MEMORY_FAILURE;
		goto out;
	}
	memcpy(sd->keys, work->keys, sizeof(sd->keys));
	sd->nkeys = work->nkeys;
	mnosd_dom *dom = &m->d[d];
	dom->keys_changed = true;
	/* a key set made or replaced by PUT KEY starts a new counter */
	for (size_t i = 0; i < dom->nctr; i++)
		if (dom->ctr[i].kvn == out[0] || (cmd->p1 && dom->ctr[i].kvn == cmd->p1))
			dom->ctr[i].seq = 0;
out:
	if (sets)
		mbedtls_platform_zeroize(sets, SETS_MAX * sizeof(*sets));
	if (work)
		mbedtls_platform_zeroize(work, sizeof(*work));
	free(sets);
	free(work);
	return sw;
}

/* ---- commands ---------------------------------------------------------------- */

uint16_t veuicc_mnosd_command(veuicc_card *card, veuicc_profile_slot *slot, size_t sd, int ota_kvn,
                              const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (!slot->gp || sd >= slot->gp->nsd)
		return VEUICC_SW_COND_NOT_SATISFIED;
	switch (cmd->ins) {
	case INS_GET_DATA:
		/* M7: the key information template only; card data (0066) and
		 * the other GET DATA objects are not kept for a profile SD */
		if (cmd->p1 != 0x00 || cmd->p2 != TAG_KEY_INFO)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		return key_info(&slot->gp->sd[sd], rsp);
	case INS_PUT_KEY: return put_key(card, slot, sd, ota_kvn, cmd, rsp);
	case INS_GET_STATUS:
		if (!cmd->cl.proprietary)
			return VEUICC_SW_CLA_NOT_SUPP;
		if (cmd->p1 == 0x20 || cmd->p1 == 0x10) /* load files: the profile's applets */
			break;
		return get_status(card, slot, cmd, rsp);
	default: break;
	}
	/* applets of the profile (applet/gp_cm.c); M7: STORE DATA, ... */
	const veuicc_saip_aid *a = &slot->gp->sd[sd].instance_aid;
	uint16_t asw = veuicc_applets_gp_cmd(card, false, slot->seq, a->b, a->len, cmd, rsp);
	return asw ? asw : VEUICC_SW_INS_NOT_SUPP;
}

/* ---- the applet ---------------------------------------------------------------- */

typedef struct mnosd_call {
	veuicc_card *card;
	veuicc_profile_slot *slot;
	size_t sd;
} mnosd_call;

static uint16_t call_fn(void *arg, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	mnosd_call *c = arg;
	return veuicc_mnosd_command(c->card, c->slot, c->sd, -1, cmd, rsp);
}

static uint16_t mnosd_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	mnosd_ctx *x = ctx;
	veuicc_profile_slot *s;
	size_t d;
	if (!resolve(x->card, x->aid, x->aid_len, &s, &d))
		return VEUICC_SW_NOT_FOUND;                /* M1: not in the enabled profile */
	veuicc_sd_channel_reset(x->card, cmd->cl.channel); /* a (re)selection ends the session */
	return veuicc_gp_sd_select(x->aid, x->aid_len, cmd, rsp);
}

/* Every command goes through the SCP03 session and the access policy
 * (gp/sd_session.c) with the SD's own key sets and counters. */
static uint16_t mnosd_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	mnosd_ctx *x = ctx;
	veuicc_profile_slot *s;
	size_t d;
	if (!resolve(x->card, x->aid, x->aid_len, &s, &d))
		return VEUICC_SW_COND_NOT_SATISFIED;
	struct veuicc_mnosd *m = state_of(s);
	veuicc_keyset *sets = calloc(SETS_MAX, sizeof(*sets));
	if (!m || !sets) {
		free(sets);
		return VEUICC_SW_MEMORY_FAILURE;
	}
	mnosd_dom *dom = &m->d[d];
	veuicc_sd_ext ext = {
	    .set = sets,
	    .count = scp03_sets(&s->gp->sd[d], sets, SETS_MAX),
	    .nkeys = s->gp->sd[d].nkeys,
	    .ctr = dom->ctr,
	    .nctr = &dom->nctr,
	    .max = CTR_MAX,
	};
	const veuicc_sd_target t = {false, x->aid, x->aid_len, &ext};
	mnosd_call c = {x->card, s, d};
	uint16_t sw = veuicc_sd_process(x->card, &t, cmd, rsp, call_fn, &c);
	mbedtls_platform_zeroize(sets, SETS_MAX * sizeof(*sets));
	free(sets);
	return sw;
}

static void mnosd_deselect(void *ctx, uint8_t channel)
{
	const mnosd_ctx *x = ctx;
	veuicc_sd_channel_reset(x->card, channel);
}

static void mnosd_destroy(void *ctx)
{
	free(ctx);
}

const veuicc_applet_ops veuicc_mnosd_ops = {
    .name = "MNO-SD",
    .accepts_sm = 1, /* SCP03 (GP Amd D) */
    .select = mnosd_select,
    .process = mnosd_process,
    .deselect = mnosd_deselect,
    .destroy = mnosd_destroy,
};

int veuicc_mnosd_register(veuicc_card *card, const veuicc_profile_slot *slot)
{
	if (!slot->gp)
		return VEUICC_OK;
	veuicc_engine *eng = &card->engine;
	for (size_t d = 0; d < slot->gp->nsd && d < VEUICC_SAIP_SD_MAX; d++) {
		const veuicc_saip_aid *a = &slot->gp->sd[d].instance_aid;
		if (a->len < VEUICC_AID_MIN || a->len > VEUICC_AID_MAX)
			continue;
		bool known = false;
		for (size_t i = 0; i < eng->napps && !known; i++)
			known = eng->apps[i].aid_len == a->len &&
			        !memcmp(eng->apps[i].aid, a->b, a->len);
		if (known)
			continue; /* ours already, or the ISD-R's, ECASD's, an ISD-P's (M2) */
		mnosd_ctx *x = calloc(1, sizeof(*x));
		if (!x)
			return VEUICC_ERR_NO_MEMORY;
		x->card = card;
		memcpy(x->aid, a->b, a->len);
		x->aid_len = a->len;
		int rc = veuicc_engine_add_app(eng, a->b, a->len, &veuicc_mnosd_ops, x);
		if (rc) {
			free(x);
			return rc;
		}
	}
	return VEUICC_OK;
}

void veuicc_mnosd_profile_changed(veuicc_card *card)
{
	veuicc_engine *eng = &card->engine;
	for (uint8_t c = 0; c < VEUICC_MAX_CHANNELS; c++) {
		int a = eng->ch[c].app;
		if (a == VEUICC_NO_APP || eng->apps[a].ops != &veuicc_mnosd_ops)
			continue;
		mnosd_deselect(eng->apps[a].ctx, c);
		eng->ch[c].app = VEUICC_NO_APP;
	}
}

/* ---- card file ------------------------------------------------------------------ */

/* Record: version, then per SD with state: index, counters (KVN, 3-byte
 * value), and its whole key list if PUT KEY changed it. */
int veuicc_mnosd_save(const veuicc_profile_slot *slot, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	const struct veuicc_mnosd *m = slot->mnosd;
	if (!m || !slot->gp)
		return VEUICC_OK;
	veuicc_wbuf w = {0};
	veuicc_wbuf_u8(&w, REC_VERSION);
	bool any = false;
	for (size_t d = 0; d < slot->gp->nsd && d < VEUICC_SAIP_SD_MAX; d++) {
		const mnosd_dom *dom = &m->d[d];
		if (!dom->nctr && !dom->keys_changed)
			continue;
		any = true;
		veuicc_wbuf_u8(&w, (unsigned)d);
		veuicc_wbuf_u8(&w, dom->nctr);
		for (size_t i = 0; i < dom->nctr; i++) {
			veuicc_wbuf_u8(&w, dom->ctr[i].kvn);
			veuicc_wbuf_be(&w, dom->ctr[i].seq, 3);
		}
		veuicc_wbuf_u8(&w, dom->keys_changed);
		if (!dom->keys_changed)
			continue;
		const veuicc_saip_gp_sd *sd = &slot->gp->sd[d];
		veuicc_wbuf_u8(&w, (unsigned)sd->nkeys);
		for (size_t i = 0; i < sd->nkeys; i++) {
			const veuicc_saip_gp_key *k = &sd->keys[i];
			veuicc_wbuf_u8(&w, k->usage);
			veuicc_wbuf_u8(&w, k->access);
			veuicc_wbuf_u8(&w, k->id);
			veuicc_wbuf_u8(&w, k->version);
			veuicc_wbuf_u8(&w, k->counter_len);
			veuicc_wbuf_put(&w, k->counter, k->counter_len);
			veuicc_wbuf_u8(&w, (unsigned)k->ncomp);
			for (size_t c = 0; c < k->ncomp; c++) {
				veuicc_wbuf_u8(&w, k->comp[c].type);
				veuicc_wbuf_u8(&w, k->comp[c].len);
				veuicc_wbuf_put(&w, k->comp[c].data, k->comp[c].len);
				veuicc_wbuf_be(&w, k->comp[c].mac_length, 4);
			}
		}
	}
	if (w.err || !any) {
		if (w.b)
			mbedtls_platform_zeroize(w.b, w.cap);
		free(w.b);
		return any ? w.err : VEUICC_OK;
	}
	*out = w.b;
	*len = w.len;
	return VEUICC_OK;
}

int veuicc_mnosd_load(veuicc_profile_slot *slot, const uint8_t *in, size_t len)
{
	if (!slot->gp)
		return VEUICC_ERR_MALFORMED;
	struct veuicc_mnosd *m = state_of(slot);
	veuicc_saip_gp_sd *work = malloc(sizeof(*work));
	if (!m || !work) {
		free(work);
		return VEUICC_ERR_NO_MEMORY;
	}
	veuicc_rbuf r = {in, len, 0, false};
	if (veuicc_rbuf_u8(&r) != REC_VERSION)
		r.err = true;
	while (!r.err && r.pos < r.len) {
		size_t d = veuicc_rbuf_u8(&r);
		if (d >= slot->gp->nsd || d >= VEUICC_SAIP_SD_MAX) {
			r.err = true;
			break;
		}
		mnosd_dom *dom = &m->d[d];
		dom->nctr = (uint8_t)veuicc_rbuf_u8(&r);
		if (dom->nctr > CTR_MAX)
			r.err = true;
		for (size_t i = 0; i < dom->nctr && !r.err; i++) {
			dom->ctr[i].kvn = (uint8_t)veuicc_rbuf_u8(&r);
			uint32_t v = veuicc_rbuf_u8(&r) << 16;
			v |= veuicc_rbuf_u8(&r) << 8;
			v |= veuicc_rbuf_u8(&r);
			dom->ctr[i].seq = v;
		}
		dom->keys_changed = veuicc_rbuf_u8(&r) != 0;
		if (!dom->keys_changed || r.err)
			continue;
		memset(work, 0, sizeof(*work));
		work->nkeys = veuicc_rbuf_u8(&r);
		if (work->nkeys > VEUICC_SAIP_SD_KEYS_MAX)
			r.err = true;
		for (size_t i = 0; i < work->nkeys && !r.err; i++) {
			veuicc_saip_gp_key *k = &work->keys[i];
			k->usage = (uint8_t)veuicc_rbuf_u8(&r);
			k->access = (uint8_t)veuicc_rbuf_u8(&r);
			k->id = (uint8_t)veuicc_rbuf_u8(&r);
			k->version = (uint8_t)veuicc_rbuf_u8(&r);
			k->counter_len = (uint8_t)veuicc_rbuf_u8(&r);
			veuicc_rbuf_get(&r, k->counter, k->counter_len, sizeof(k->counter));
			k->ncomp = veuicc_rbuf_u8(&r);
			if (k->ncomp > VEUICC_SAIP_KEY_COMPONENTS_MAX)
				r.err = true;
			for (size_t c = 0; c < k->ncomp && !r.err; c++) {
				k->comp[c].type = (uint8_t)veuicc_rbuf_u8(&r);
				k->comp[c].len = (uint8_t)veuicc_rbuf_u8(&r);
				veuicc_rbuf_get(&r, k->comp[c].data, k->comp[c].len,
				                VEUICC_SAIP_KEY_MAX);
				uint32_t ml = 0;
				for (int b = 0; b < 4; b++)
					ml = ml << 8 | veuicc_rbuf_u8(&r);
				k->comp[c].mac_length = ml;
			}
		}
		if (!r.err) {
			veuicc_saip_gp_sd *sd = &slot->gp->sd[d];
			mbedtls_platform_zeroize(sd->keys, sizeof(sd->keys));
			memcpy(sd->keys, work->keys, sizeof(sd->keys));
			sd->nkeys = work->nkeys;
		}
	}
	mbedtls_platform_zeroize(work, sizeof(*work));
	free(work);
	return r.err ? VEUICC_ERR_MALFORMED : VEUICC_OK;
}

void veuicc_mnosd_free(struct veuicc_mnosd *m)
{
	if (!m)
		return;
	mbedtls_platform_zeroize(m, sizeof(*m));
	free(m);
}
