/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP03 sessions of the ISD-R and the ISD-Ps, and the access policy of
 * their functions (GP CS v2.3 §10, Amendment D; SGP.02 §2.5; see
 * sd_session.h and docs/scp03.md). The cryptography is scp/scp03.c.
 */
#include "gp/sd_session.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "core/bytes.h"
#include "core/factory.h"
#include "euicc/euicc.h"
#include "gp/putkey.h"
#include "gp/registry.h"
#include "scp/scp03.h"
#include "scp/scp03t.h"

#define INS_INITIALIZE_UPDATE     0x50
#define INS_EXTERNAL_AUTHENTICATE 0x82
#define INS_GET_DATA              0xCA
#define INS_PUT_KEY               0xD8
#define INS_STORE_DATA            0xE2
#define TAG_KEY_INFO              0x00E0 /* GET DATA key information template */
#define TAG_CARD_DATA             0x0066 /* GET DATA card recognition data */
#define TAG_CPLC                  0x9F7F /* GET DATA CPLC (the ISD-R) */
#define P1_LAST_BLOCK             0x80
#define P1_STRUCT_MASK            0x18
#define P1_STRUCT_DGI             0x08
#define P1_ENC_MASK               0x60
#define P1_RFU_MASK               0x06
#define STATE_VERSION             0x02 /* 02: counters only (key sets: registry) */
#define CTR_MAX                   (VEUICC_FACTORY_KEYSETS_MAX + VEUICC_ISDP_KEYSETS_MAX + 1)
#define PUT_KEY_RSP               (1 + 3 * 3)

/* Sequence counter of one SCP03 key set (Amd D §6.2.2.1). */
typedef veuicc_sd_counter sd_ctr;

/* What this module keeps for one domain: ISD-R (aid_len 0) or an ISD-P.
 * The key sets themselves live with the domain: the factory's for the
 * ISD-R, the registry entry's for an ISD-P (PUT KEY: e->keys, key
 * establishment: e->sd_keys, gp/registry.h). */
typedef struct sd_keys {
	uint8_t aid[16];
	uint8_t aid_len;
	sd_ctr ctr[CTR_MAX];
	uint8_t nctr;
	/* volatile: the ISD-P's SCP03t session (allocated by its first SCP03t
	 * command, NULL: none; MC2) and the package it is receiving */
	veuicc_scp03_ctx *t;
	uint8_t *pkg;
	size_t pkg_len, pkg_cap;
} sd_keys;

struct veuicc_sd {
	/* APDU-mode session per channel, allocated by INITIALIZE UPDATE and
	 * freed when it ends: NULL is no session, so an idle card does not
	 * carry 20 contexts with their key schedules (docs/spec-decisions.md
	 * MC2) */
	veuicc_scp03_ctx *s[VEUICC_MAX_CHANNELS];
	bool busy;    /* a session's command is being processed: end, do not free */
	sd_keys isdr; /* counters of the factory key sets */
	sd_keys *isdp;
	size_t nisdp, cap;
	veuicc_scp03_keyset scratch; /* the key set of the INITIALIZE UPDATE in progress */
	sd_ctr *scratch_ctr;
	const veuicc_keyset *scratch_src;
};

/* ---- per-card state ------------------------------------------------------ */

static void pkg_free(sd_keys *k)
{
	if (k->pkg) {
		mbedtls_platform_zeroize(k->pkg, k->pkg_cap);
		free(k->pkg);
	}
	k->pkg = NULL;
	k->pkg_len = k->pkg_cap = 0;
}

/* End the SCP03t session of \p k: keys zeroised, context freed. */
static void t_end(sd_keys *k)
{
	if (!k->t)
		return;
	veuicc_scp03_reset(k->t);
	mbedtls_platform_zeroize(k->t, sizeof(*k->t));
	free(k->t);
	k->t = NULL;
}

/* End the session of channel \p c: keys zeroised, context freed (while
 * a command runs in a session only zeroised: veuicc_sd_process() still
 * wraps its response and frees it afterwards). */
static void session_end(struct veuicc_sd *sd, size_t c)
{
	if (!sd->s[c])
		return;
	veuicc_scp03_reset(sd->s[c]);
	if (sd->busy)
		return;
	mbedtls_platform_zeroize(sd->s[c], sizeof(*sd->s[c]));
	free(sd->s[c]);
	sd->s[c] = NULL;
}

static struct veuicc_sd *sd_of(veuicc_card *card)
{
	if (!card->sd)
		card->sd = calloc(1, sizeof(*card->sd));
	return card->sd;
}

static sd_keys *isdp_keys(struct veuicc_sd *sd, const uint8_t *aid, size_t len, bool create)
{
	for (size_t i = 0; i < sd->nisdp; i++)
		if (sd->isdp[i].aid_len == len && !memcmp(sd->isdp[i].aid, aid, len))
			return &sd->isdp[i];
	if (!create || len > 16)
		return NULL;
	if (sd->nisdp == sd->cap) {
		size_t n = sd->cap ? 2 * sd->cap : 4;
		sd_keys *p = realloc(sd->isdp, n * sizeof(*p));
		if (!p)
			return NULL;
		sd->isdp = p;
		sd->cap = n;
	}
	sd_keys *k = &sd->isdp[sd->nisdp++];
	memset(k, 0, sizeof(*k));
	memcpy(k->aid, aid, len);
	k->aid_len = (uint8_t)len;
	return k;
}

static sd_keys *keys_of(veuicc_card *card, const veuicc_sd_target *t, bool create)
{
	struct veuicc_sd *sd = sd_of(card);
	if (!sd)
		return NULL;
	if (t->ext)
		return NULL; /* a profile SD: its owner keeps its counters (t->ext) */
	return t->isdr ? &sd->isdr : isdp_keys(sd, t->aid, t->aid_len, create);
}

static sd_ctr *ctr_of(sd_keys *k, uint8_t kvn, bool create)
{
	for (size_t i = 0; i < k->nctr; i++)
		if (k->ctr[i].kvn == kvn)
			return &k->ctr[i];
	if (!create || k->nctr >= CTR_MAX)
		return NULL;
	sd_ctr *c = &k->ctr[k->nctr++];
	c->kvn = kvn;
	c->seq = 0;
	return c;
}

/* The counter of key set \p kvn of a profile SD (veuicc_sd_ext). */
static sd_ctr *ext_ctr(veuicc_sd_ext *x, uint8_t kvn, bool create)
{
	for (size_t i = 0; i < *x->nctr; i++)
		if (x->ctr[i].kvn == kvn)
			return &x->ctr[i];
	if (!create || *x->nctr >= x->max)
		return NULL;
	sd_ctr *c = &x->ctr[(*x->nctr)++];
	c->kvn = kvn;
	c->seq = 0;
	return c;
}

/* The registry entry of ISD-P \p t (NULL: none, or the ISD-R). */
static veuicc_gp_entry *isdp_entry(const veuicc_card *card, const veuicc_sd_target *t)
{
	if (t->isdr || t->ext)
		return NULL;
	long i = veuicc_gp_registry_find(&card->registry, t->aid, t->aid_len);
	return i < 0 ? NULL : &card->registry.e[i];
}

/* The key sets of a domain: the factory ones for the ISD-R, the registry
 * entry's (PUT KEY) for an ISD-P. */
static void keysets(veuicc_card *card, const veuicc_sd_target *t, const veuicc_keyset **set,
                    size_t *count)
{
	if (t->ext) {
		*set = t->ext->set;
		*count = t->ext->count;
	} else if (t->isdr) {
		const veuicc_factory *f = card->factory;
		*set = f ? f->keysets : NULL;
		*count = f ? f->nkeysets : 0;
	} else {
		veuicc_gp_entry *e = isdp_entry(card, t);
		*set = e ? e->keys : NULL;
		*count = e ? e->nkeys : 0;
	}
}

/* The key set EstablishISDPKeySet made for ISD-P \p t (euicc/keyest.c),
 * NULL: none. Its sequence counter lives in it (registry record). */
static veuicc_scp03_keyset *established(veuicc_card *card, const veuicc_sd_target *t)
{
	veuicc_gp_entry *e = isdp_entry(card, t);
	return e && e->sd_keys.kvn ? &e->sd_keys : NULL;
}

static const veuicc_keyset *find_scp03(const veuicc_keyset *set, size_t n, uint8_t kvn)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].type == VEUICC_KEYSET_SCP03 && (kvn == 0 || set[i].kvn == kvn))
			return &set[i];
	return NULL;
}

static size_t count_keys(const veuicc_card *card, const veuicc_sd_target *t)
{
	if (t->ext)
		return t->ext->nkeys;
	if (t->isdr)
		return card->factory ? card->factory->nkeysets : 0;
	const veuicc_gp_entry *e = isdp_entry(card, t);
	return e ? e->nkeys + (e->sd_keys.kvn != 0) : 0;
}

bool veuicc_sd_protected(const veuicc_card *card, const veuicc_sd_target *t)
{
	if (card->test_mode)
		return false;
	static const veuicc_sd_target isdr = {true, NULL, 0, NULL};
	/* a profile SD: its own keys only (M3) */
	return count_keys(card, t) > 0 || (!t->isdr && !t->ext && count_keys(card, &isdr) > 0);
}

/* ---- INITIALIZE UPDATE key lookup ------------------------------------------ */

typedef struct lookup_arg {
	struct veuicc_sd *sd;
	const veuicc_keyset *set;
	size_t n;
	sd_keys *k;
	veuicc_scp03_keyset *est; /* ISD-P: the EstablishISDPKeySet key set, or NULL */
	veuicc_sd_ext *ext;       /* a profile SD: its counters, or NULL */
} lookup_arg;

/* veuicc_scp03_lookup_fn: the domain's SCP03 key set \p kvn (00: the first)
 * as a scratch veuicc_scp03_keyset carrying its counter. */
static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	lookup_arg *a = arg;
	/* the established key set first (the SM-DP's, SGP.02 §4.1.3.2); its
	 * counter is kept in it */
	if (a->est && (kvn == 0 || kvn == a->est->kvn))
		return a->est;
	const veuicc_keyset *ks = find_scp03(a->set, a->n, kvn);
	if (!ks || ks->key1_len != ks->key2_len || ks->key1_len != ks->key3_len)
		return NULL;
	sd_ctr *c = a->ext ? ext_ctr(a->ext, ks->kvn, true) : ctr_of(a->k, ks->kvn, true);
	if (!c)
		return NULL;
	veuicc_scp03_keyset *s = &a->sd->scratch;
	memset(s, 0, sizeof(*s));
	s->kvn = ks->kvn;
	s->key_len = (uint8_t)ks->key1_len;
	memcpy(s->enc, ks->key1, ks->key1_len);
	memcpy(s->mac, ks->key2, ks->key2_len);
	memcpy(s->dek, ks->key3, ks->key3_len);
	s->seq_counter = c->seq;
	a->sd->scratch_ctr = c;
	return s;
}

/* ---- APDU re-encoding ------------------------------------------------------- */

/* The C-APDU bytes of \p c (ISO 7816-4 §5.1), as the SCP03 layer checks them. */
static size_t encode(const veuicc_capdu *c, uint8_t *out)
{
	size_t n = 0;
	out[n++] = c->cla;
	out[n++] = c->ins;
	out[n++] = c->p1;
	out[n++] = c->p2;
	bool ext = c->extended || c->lc > 255 || c->ne > 256;
	if (!ext) {
		if (c->lc) {
			out[n++] = (uint8_t)c->lc;
			memcpy(out + n, c->data, c->lc);
			n += c->lc;
		}
		if (c->ne)
			out[n++] = (uint8_t)(c->ne == 256 ? 0 : c->ne);
		return n;
	}
	out[n++] = 0x00;
	if (c->lc) {
		out[n++] = (uint8_t)(c->lc >> 8);
		out[n++] = (uint8_t)c->lc;
		memcpy(out + n, c->data, c->lc);
		n += c->lc;
	}
	if (c->ne) {
		out[n++] = (uint8_t)(c->ne == 65536 ? 0 : c->ne >> 8);
		out[n++] = (uint8_t)c->ne;
	}
	return n;
}

/* ---- policy ---------------------------------------------------------------- */

/* Commands a protected domain answers without secure messaging (S3-3):
 * GET DATA of the key information template, of the card recognition data
 * and (ISD-R) of the CPLC (read before a session is opened, GP CS v2.3
 * §11.3.3.1, §H.2; decisions G6, G7), and PUT KEY of an ISD-P's first key
 * set (DEK-wrapped, checked by its KCVs: S3-4). SELECT, MANAGE CHANNEL and
 * GET RESPONSE never reach a domain (apdu/engine.c). */
static bool open_plain(const veuicc_card *card, const veuicc_sd_target *t, const veuicc_capdu *c)
{
	uint16_t tag = (uint16_t)(c->p1 << 8 | c->p2);
	if (c->ins == INS_GET_DATA &&
	    (tag == TAG_KEY_INFO || tag == TAG_CARD_DATA || (t->isdr && tag == TAG_CPLC)))
		return true; /* read before a session (S3-3, G6, G7) */
	if (t->isdr)
		return false;
	if (c->ins == INS_PUT_KEY)
		return count_keys(card, t) == 0;
	if (t->ext)
		return false;
	/* STORE DATA carrying an SCP03t stream protects itself (S3-5): its
	 * first block starts with 84/85/86, the later ones continue it */
	long i = veuicc_gp_registry_find(&card->registry, t->aid, t->aid_len);
	if (c->ins != INS_STORE_DATA || i < 0)
		return false;
	const veuicc_gp_rx *rx = &card->registry.e[i].rx;
	if (rx->active)
		return rx->len > 0 && veuicc_scp03t_is_stream(rx->buf, rx->len);
	return veuicc_scp03t_is_stream(c->data, c->lc);
}

/* Security level a function needs in a session (S3-3): profile data and
 * connectivity parameters to an ISD-P are confidential (C-DEC, SGP.02
 * §2.5 / digest §4.2-4.3); everything else needs the C-MAC. */
static uint8_t level_needed(const veuicc_sd_target *t, const veuicc_capdu *c)
{
	if (!t->isdr && c->ins == INS_STORE_DATA)
		return VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC;
	return VEUICC_SCP03_C_MAC;
}

static bool same_sd(const veuicc_scp03_ctx *s, const veuicc_sd_target *t)
{
	return s->sd_aid_len == t->aid_len && !memcmp(s->sd_aid, t->aid, t->aid_len);
}

/* Key diversification data returned by INITIALIZE UPDATE: the last 10
 * bytes of the EID (S3-1). */
static void kdd_of(const veuicc_card *card, uint8_t kdd[VEUICC_SCP03_KDD_LEN])
{
	memcpy(kdd, card->eid + VEUICC_EID_LEN - VEUICC_SCP03_KDD_LEN, VEUICC_SCP03_KDD_LEN);
}

static uint16_t initialize_update(veuicc_card *card, struct veuicc_sd *sd, veuicc_scp03_ctx *s,
                                  const veuicc_sd_target *t, const uint8_t *raw, size_t raw_len,
                                  veuicc_rsp *rsp)
{
	veuicc_scp03_cfg cfg = {.sd_aid = t->aid, .sd_aid_len = t->aid_len};
	kdd_of(card, cfg.kdd);
	if (veuicc_scp03_init(s, &cfg))
		return VEUICC_SW_NO_DIAGNOSIS;
	sd_keys *k = keys_of(card, t, true);
	if (!k && !t->ext)
		return VEUICC_SW_MEMORY_FAILURE;
	const veuicc_keyset *set;
	size_t count;
	keysets(card, t, &set, &count);
	lookup_arg a = {sd, set, count, k, established(card, t), t->ext};
	sd->scratch_ctr = NULL;
	uint8_t out[VEUICC_SCP03_IU_RSP_MAX];
	size_t n = 0;
	uint16_t sw = VEUICC_SW_NO_DIAGNOSIS;
	int rc =
	    veuicc_scp03_initialize_update(s, lookup, &a, raw, raw_len, out, sizeof(out), &n, &sw);
	/* the counter the module advanced goes back to the domain's record */
	if (sd->scratch_ctr)
		sd->scratch_ctr->seq = sd->scratch.seq_counter;
	mbedtls_platform_zeroize(&sd->scratch, sizeof(sd->scratch));
	sd->scratch_ctr = NULL;
	if (rc)
		return VEUICC_SW_NO_DIAGNOSIS;
	if (sw == VEUICC_SW_OK && veuicc_rsp_put(rsp, out, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return sw;
}

/* Replace the response data of a processed command with its protected form
 * (Amd D §6.2.7-6.2.8). */
static uint16_t wrap_response(veuicc_scp03_ctx *s, veuicc_rsp *rsp, uint16_t sw)
{
	size_t dlen = veuicc_sw_allows_data(sw) ? rsp->len : 0;
	uint8_t *in = malloc(dlen + 2), *out = malloc(dlen + 2 + 16 + VEUICC_SCP03_S8);
	uint16_t ret = sw;
	size_t n = 0;
	if (!in || !out) {
		ret = VEUICC_SW_MEMORY_FAILURE;
		goto done;
	}
	if (dlen)
		memcpy(in, rsp->buf, dlen);
	in[dlen] = (uint8_t)(sw >> 8);
	in[dlen + 1] = (uint8_t)sw;
	if (veuicc_scp03_wrap(s, in, dlen + 2, out, dlen + 2 + 16 + VEUICC_SCP03_S8, &n)) {
		veuicc_scp03_reset(s);
		ret = VEUICC_SW_NO_DIAGNOSIS;
		goto done;
	}
	rsp->len = 0;
	if (n > 2 && veuicc_rsp_put(rsp, out, n - 2))
		ret = VEUICC_SW_MEMORY_FAILURE;
done:
	if (in)
		mbedtls_platform_zeroize(in, dlen + 2);
	if (out)
		mbedtls_platform_zeroize(out, dlen + 2 + 16 + VEUICC_SCP03_S8);
	free(in);
	free(out);
	return ret;
}

static void after_put_key(veuicc_card *card, const veuicc_sd_target *t, const veuicc_rsp *rsp,
                          uint16_t sw)
{
	/* a key set made or replaced by PUT KEY starts a new counter (digest
	 * sgp02 §4.2: reset when the key set is (re)created) */
	if (sw != VEUICC_SW_OK || rsp->len < 1)
		return;
	if (t->ext) {
		sd_ctr *e = ext_ctr(t->ext, rsp->buf[0], false);
		if (e)
			e->seq = 0;
		return;
	}
	sd_keys *k = keys_of(card, t, false);
	sd_ctr *c = k ? ctr_of(k, rsp->buf[0], false) : NULL;
	if (c)
		c->seq = 0;
}

uint16_t veuicc_sd_process(veuicc_card *card, const veuicc_sd_target *t, const veuicc_capdu *cmd,
                           veuicc_rsp *rsp, veuicc_sd_fn fn, void *arg)
{
	/* the OTA hidden context (cat/envelope.c): the SCP80 packet was
	 * accepted at the ISD-R's minimum security level */
	if (card->ota_secured)
		return fn(arg, cmd, rsp);
	struct veuicc_sd *sd = sd_of(card);
	if (!sd)
		return VEUICC_SW_MEMORY_FAILURE;
	uint8_t ch = cmd->cl.channel;
	if (sd->s[ch] && sd->s[ch]->state != VEUICC_SCP03_IDLE && !same_sd(sd->s[ch], t))
		session_end(sd, ch);

	size_t cap = 4 + 3 + cmd->lc + 3;
	uint8_t *raw = malloc(cap);
	if (!raw)
		return VEUICC_SW_MEMORY_FAILURE;
	size_t raw_len = encode(cmd, raw);
	uint16_t sw;
	if (cmd->ins == INS_INITIALIZE_UPDATE && !cmd->cl.sm) {
		if (!sd->s[ch])
			sd->s[ch] = calloc(1, sizeof(*sd->s[ch]));
		sw = sd->s[ch] ? initialize_update(card, sd, sd->s[ch], t, raw, raw_len, rsp)
		               : VEUICC_SW_MEMORY_FAILURE;
		goto done;
	}
	/* no context: an idle one (state IDLE) answers as an ended session */
	veuicc_scp03_ctx idle;
	veuicc_scp03_ctx *s = sd->s[ch];
	if (!s) {
		memset(&idle, 0, sizeof(idle));
		s = &idle;
	}
	if (cmd->ins == INS_EXTERNAL_AUTHENTICATE) {
		if (veuicc_scp03_external_authenticate(s, raw, raw_len, &sw))
			sw = VEUICC_SW_NO_DIAGNOSIS;
		goto done;
	}
	if (s->state == VEUICC_SCP03_INITIALIZED)
		veuicc_scp03_reset(s); /* EXTERNAL AUTHENTICATE had to come next */
	if (veuicc_scp03_is_open(s)) {
		uint8_t *plain = malloc(cap);
		size_t plain_len = 0;
		veuicc_capdu pc;
		if (!plain) {
			sw = VEUICC_SW_MEMORY_FAILURE;
			goto done;
		}
		if (veuicc_scp03_unwrap(s, raw, raw_len, plain, cap, &plain_len, &sw)) {
			veuicc_scp03_reset(s);
			sw = VEUICC_SW_NO_DIAGNOSIS;
		} else if (sw == VEUICC_SW_OK) {
			if (veuicc_capdu_parse(plain, plain_len, &pc) != VEUICC_OK ||
			    !veuicc_cla_decode(plain[0], &pc.cl)) {
				sw = VEUICC_SW_WRONG_LENGTH;
			} else {
				pc.cl.channel = cmd->cl.channel;
				uint8_t need = level_needed(t, &pc);
				bool was_busy = sd->busy;
				sd->busy = true; /* fn may end sessions (key set removed) */
				sw = (s->level & need) == need ? fn(arg, &pc, rsp)
				                               : VEUICC_SW_SECURITY_STATUS;
				sd->busy = was_busy;
				if (pc.ins == INS_PUT_KEY)
					after_put_key(card, t, rsp, sw);
			}
			if (!rsp->err)
				sw = wrap_response(s, rsp, sw);
		}
		mbedtls_platform_zeroize(plain, cap);
		free(plain);
		goto done;
	}
	if (cmd->cl.sm) {
		sw = VEUICC_SW_SECURITY_STATUS; /* SM without a session */
		goto done;
	}
	if (veuicc_sd_protected(card, t) && !open_plain(card, t, cmd)) {
		sw = VEUICC_SW_SECURITY_STATUS; /* GP CS §10.2: plain path closed */
		goto done;
	}
	sw = fn(arg, cmd, rsp);
	if (cmd->ins == INS_PUT_KEY)
		after_put_key(card, t, rsp, sw);
done:
	mbedtls_platform_zeroize(raw, cap);
	free(raw);
	for (size_t c = 0; c < VEUICC_MAX_CHANNELS && !sd->busy; c++)
		if (sd->s[c] && sd->s[c]->state == VEUICC_SCP03_IDLE)
			session_end(sd, c); /* ended or never opened */
	return sw;
}

int veuicc_sd_session_kvn(const veuicc_card *card, uint8_t channel, const uint8_t *aid,
                          size_t aid_len)
{
	if (!card->sd || channel >= VEUICC_MAX_CHANNELS)
		return -1;
	const veuicc_scp03_ctx *s = card->sd->s[channel];
	if (!veuicc_scp03_is_open(s) || s->sd_aid_len != aid_len || memcmp(s->sd_aid, aid, aid_len))
		return -1;
	return s->kvn;
}

void veuicc_sd_channel_reset(veuicc_card *card, uint8_t channel)
{
	if (card->sd && channel < VEUICC_MAX_CHANNELS)
		session_end(card->sd, channel);
}

void veuicc_sd_isdr_keyset_added(veuicc_card *card, uint8_t kvn, uint32_t seq)
{
	struct veuicc_sd *sd = sd_of(card);
	sd_ctr *c = sd ? ctr_of(&sd->isdr, kvn, true) : NULL;
	if (c)
		c->seq = seq;
}

void veuicc_sd_isdr_keyset_removed(veuicc_card *card, uint8_t kvn)
{
	struct veuicc_sd *sd = card->sd;
	if (!sd)
		return;
	for (size_t c = 0; c < VEUICC_MAX_CHANNELS; c++)
		if (veuicc_scp03_is_open(sd->s[c]) && sd->s[c]->kvn == kvn &&
		    sd->s[c]->sd_aid_len == sizeof(veuicc_aid_isdr) &&
		    !memcmp(sd->s[c]->sd_aid, veuicc_aid_isdr, sizeof(veuicc_aid_isdr)))
			session_end(sd, c);
	sd_keys *k = &sd->isdr;
	for (size_t i = 0; i < k->nctr; i++) {
		if (k->ctr[i].kvn != kvn)
			continue;
		memmove(&k->ctr[i], &k->ctr[i + 1], (k->nctr - i - 1) * sizeof(k->ctr[0]));
		k->nctr--;
		return;
	}
}

void veuicc_sd_forget(veuicc_card *card, const uint8_t *aid, size_t aid_len)
{
	struct veuicc_sd *sd = card->sd;
	if (!sd)
		return;
	for (size_t c = 0; c < VEUICC_MAX_CHANNELS; c++)
		if (sd->s[c] && sd->s[c]->sd_aid_len == aid_len &&
		    !memcmp(sd->s[c]->sd_aid, aid, aid_len))
			session_end(sd, c);
	for (size_t i = 0; i < sd->nisdp; i++) {
		if (sd->isdp[i].aid_len != aid_len || memcmp(sd->isdp[i].aid, aid, aid_len))
			continue;
		t_end(&sd->isdp[i]);
		pkg_free(&sd->isdp[i]);
		mbedtls_platform_zeroize(&sd->isdp[i], sizeof(sd->isdp[i]));
		memmove(&sd->isdp[i], &sd->isdp[i + 1], (sd->nisdp - i - 1) * sizeof(sd->isdp[i]));
		sd->nisdp--;
		return;
	}
}

/* ---- SCP03t (SGP.02 §4.1.3.3) ------------------------------------------------ */

#define TAG_PE_END   0xAA /* SAIP ProfileElement end [10] */
#define SCP03T_SLACK 1024

typedef struct t_sink {
	sd_keys *k;
	veuicc_card *card;
	veuicc_sd_install_fn install;
	void *arg;
} t_sink;

/* The package is complete when it is a sequence of whole BER-TLVs ending
 * with PE-End (SAIP: the end element is last). */
static bool pkg_complete(const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint8_t last = 0;
	while (i < n) {
		size_t t = i;
		if ((p[i++] & 0x1F) == 0x1F)
			while (i < n && (p[i++] & 0x80))
				;
		if (i >= n)
			return false;
		size_t l = p[i++];
		if (l & 0x80) {
			size_t nb = l & 0x7F;
			if (nb == 0 || nb > 4 || n - i < nb)
				return false;
			for (l = 0; nb--;)
				l = l << 8 | p[i++];
		}
		if (l > n - i)
			return false;
		i += l;
		last = p[t];
	}
	return n > 0 && last == TAG_PE_END;
}

static void t_abort(void *arg)
{
	pkg_free(((t_sink *)arg)->k);
}

static int t_segment(void *arg, const uint8_t *p, size_t n, uint8_t *res, size_t cap,
                     size_t *res_len)
{
	t_sink *s = arg;
	sd_keys *k = s->k;
	*res_len = 0;
	if (n > SIZE_MAX / 2 - k->pkg_len)
		return VEUICC_ERR_NO_MEMORY;
	if (k->pkg_len + n > k->pkg_cap) {
		size_t c = k->pkg_cap ? k->pkg_cap : 4096;
		while (c < k->pkg_len + n)
			c *= 2;
		uint8_t *b = malloc(c);
		if (!b)
			return VEUICC_ERR_NO_MEMORY;
		if (k->pkg_len)
			memcpy(b, k->pkg, k->pkg_len);
		size_t len = k->pkg_len;
		pkg_free(k);
		k->pkg = b;
		k->pkg_len = len;
		k->pkg_cap = c;
	}
	if (n)
		memcpy(k->pkg + k->pkg_len, p, n);
	k->pkg_len += n;
	if (!pkg_complete(k->pkg, k->pkg_len))
		return VEUICC_OK;
	int rc = s->install(s->arg, k->pkg, k->pkg_len, res, cap, res_len);
	pkg_free(k);
	return rc;
}

uint16_t veuicc_sd_scp03t(veuicc_card *card, const uint8_t *aid, size_t aid_len,
                          const uint8_t *data, size_t len, veuicc_rsp *rsp,
                          veuicc_sd_install_fn install, void *arg)
{
	veuicc_sd_target t = {false, aid, aid_len, NULL};
	struct veuicc_sd *sd = sd_of(card);
	sd_keys *k = sd ? keys_of(card, &t, true) : NULL;
	if (!k)
		return VEUICC_SW_MEMORY_FAILURE;
	if (!k->t) {
		veuicc_scp03_cfg cfg = {.sd_aid = aid, .sd_aid_len = aid_len};
		kdd_of(card, cfg.kdd);
		k->t = calloc(1, sizeof(*k->t));
		if (!k->t)
			return VEUICC_SW_MEMORY_FAILURE;
		if (veuicc_scp03_init(k->t, &cfg)) {
			t_end(k);
			return VEUICC_SW_NO_DIAGNOSIS;
		}
	}
	size_t cap = 2 * len + SCP03T_SLACK;
	uint8_t *out = malloc(cap);
	if (!out)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	const veuicc_sd_target tt = {false, aid, aid_len, NULL};
	const veuicc_keyset *set;
	size_t count;
	keysets(card, &tt, &set, &count);
	lookup_arg a = {sd, set, count, k, established(card, &tt), NULL};
	t_sink s = {k, card, install, arg};
	veuicc_scp03t_sink sink = {t_segment, t_abort, &s};
	sd->scratch_ctr = NULL;
	size_t n = 0;
	veuicc_scp03_ctx *ctx = k->t;
	int rc = veuicc_scp03t_process(ctx, lookup, &a, &sink, data, len, out, cap, &n);
	veuicc_scp03_release(ctx); /* prepared keys are not kept between commands */
	if (sd->scratch_ctr)
		sd->scratch_ctr->seq = sd->scratch.seq_counter;
	mbedtls_platform_zeroize(&sd->scratch, sizeof(sd->scratch));
	sd->scratch_ctr = NULL;
	uint16_t sw = VEUICC_SW_OK;
	if (rc == VEUICC_ERR_MALFORMED)
		sw = VEUICC_SW_WRONG_DATA;
	else if (rc)
		sw = VEUICC_SW_NO_DIAGNOSIS;
	else if (veuicc_rsp_put(rsp, out, n))
		sw = VEUICC_SW_MEMORY_FAILURE;
	mbedtls_platform_zeroize(out, cap);
	free(out);
	return sw;
}

void veuicc_sd_power_cycle(veuicc_card *card)
{
	struct veuicc_sd *sd = card->sd;
	if (!sd)
		return;
	for (size_t i = 0; i < sd->nisdp; i++) {
		t_end(&sd->isdp[i]);
		pkg_free(&sd->isdp[i]);
	}
}

/* ---- ISD-P functions ----------------------------------------------------------- */

uint16_t veuicc_sd_isdp_put_key(veuicc_card *card, const uint8_t *aid, size_t aid_len,
                                const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH; /* case 4: data mandatory (GP CS §11.8.2) */
	veuicc_sd_target t = {false, aid, aid_len, NULL};
	struct veuicc_sd *sd = sd_of(card);
	veuicc_gp_entry *e = isdp_entry(card, &t);
	if (!sd || !e)
		return VEUICC_SW_COND_NOT_SATISFIED;
	/* the DEK: the session's key set, the ISD-P's established or first
	 * SCP03 key set, or for its first key set the ISD-R's (its associated
	 * SD, S3-4) */
	const veuicc_scp03_keyset *est = established(card, &t);
	const veuicc_scp03_ctx *s = sd->s[cmd->cl.channel];
	const uint8_t *dk = NULL;
	size_t dl = 0;
	if (veuicc_scp03_is_open(s) && same_sd(s, &t)) {
		const veuicc_keyset *ks = find_scp03(e->keys, e->nkeys, s->kvn);
		if (est && est->kvn == s->kvn) {
			dk = est->dek;
			dl = est->key_len;
		} else if (ks) {
			dk = ks->key3;
			dl = ks->key3_len;
		}
	}
	const veuicc_keyset *first = find_scp03(e->keys, e->nkeys, 0);
	if (!dk && est) {
		dk = est->dek;
		dl = est->key_len;
	} else if (!dk && first) {
		dk = first->key3;
		dl = first->key3_len;
	} else if (!dk && !e->nkeys && card->factory) {
		const veuicc_keyset *r =
		    find_scp03(card->factory->keysets, card->factory->nkeysets, 0);
		if (r) {
			dk = r->key3;
			dl = r->key3_len;
		}
	}
	uint8_t dek_copy[32];
	veuicc_gp_dek dek = {.aes = true};
	if (dk && dl <= sizeof(dek_copy)) {
		memcpy(dek_copy, dk, dl);
		dek.key = dek_copy;
		dek.len = dl;
	}
	veuicc_gp_keysets ks = {e->keys, &e->nkeys, VEUICC_ISDP_KEYSETS_MAX, true};
	uint8_t out[PUT_KEY_RSP];
	size_t n = 0;
	uint16_t sw = veuicc_gp_put_key(&ks, dek.key ? &dek : NULL, cmd->p1, cmd->p2, cmd->data,
	                                cmd->lc, out, &n);
	mbedtls_platform_zeroize(dek_copy, sizeof(dek_copy));
	if (sw == VEUICC_SW_OK && veuicc_rsp_put(rsp, out, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return sw;
}

/* ---- card file ---------------------------------------------------------------- */
static void save_keys(veuicc_wbuf *w, const sd_keys *k)
{
	veuicc_wbuf_u8(w, k->aid_len);
	veuicc_wbuf_put(w, k->aid, k->aid_len);
	veuicc_wbuf_u8(w, k->nctr);
	for (size_t i = 0; i < k->nctr; i++) {
		veuicc_wbuf_u8(w, k->ctr[i].kvn);
		veuicc_wbuf_u8(w, k->ctr[i].seq >> 16);
		veuicc_wbuf_u8(w, k->ctr[i].seq >> 8);
		veuicc_wbuf_u8(w, k->ctr[i].seq);
	}
}

int veuicc_sd_state_save(const veuicc_card *card, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	const struct veuicc_sd *sd = card->sd;
	if (!sd || (!sd->isdr.nctr && !sd->nisdp))
		return VEUICC_OK;
	veuicc_wbuf w = {0};
	veuicc_wbuf_u8(&w, STATE_VERSION);
	save_keys(&w, &sd->isdr);
	veuicc_wbuf_u8(&w, (unsigned)(sd->nisdp >> 8));
	veuicc_wbuf_u8(&w, (unsigned)sd->nisdp);
	for (size_t i = 0; i < sd->nisdp; i++)
		save_keys(&w, &sd->isdp[i]);
	if (w.err) {
		if (w.b)
			mbedtls_platform_zeroize(w.b, w.cap);
		free(w.b);
		return w.err;
	}
	*out = w.b;
	*len = w.len;
	return VEUICC_OK;
}

static void load_keys(veuicc_rbuf *r, sd_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid_len = (uint8_t)veuicc_rbuf_u8(r);
	veuicc_rbuf_get(r, k->aid, k->aid_len, sizeof(k->aid));
	k->nctr = (uint8_t)veuicc_rbuf_u8(r);
	if (k->nctr > CTR_MAX)
		r->err = 1;
	for (size_t i = 0; i < k->nctr && !r->err; i++) {
		k->ctr[i].kvn = (uint8_t)veuicc_rbuf_u8(r);
		uint32_t v = veuicc_rbuf_u8(r) << 16;
		v |= veuicc_rbuf_u8(r) << 8;
		v |= veuicc_rbuf_u8(r);
		k->ctr[i].seq = v;
	}
}

int veuicc_sd_state_load(veuicc_card *card, const uint8_t *in, size_t len)
{
	struct veuicc_sd *sd = sd_of(card);
	if (!sd)
		return VEUICC_ERR_NO_MEMORY;
	veuicc_rbuf r = {in, len, 0, 0};
	if (veuicc_rbuf_u8(&r) != STATE_VERSION)
		return VEUICC_ERR_MALFORMED;
	t_end(&sd->isdr);
	load_keys(&r, &sd->isdr);
	size_t n = veuicc_rbuf_u8(&r) << 8;
	n |= veuicc_rbuf_u8(&r);
	for (size_t i = 0; i < n && !r.err; i++) {
		sd_keys tmp;
		load_keys(&r, &tmp);
		sd_keys *k = r.err ? NULL : isdp_keys(sd, tmp.aid, tmp.aid_len, true);
		if (k) {
			t_end(k);
			pkg_free(k);
			*k = tmp;
		} else if (!r.err)
			r.err = 2;
		mbedtls_platform_zeroize(&tmp, sizeof(tmp));
	}
	if (r.err || r.pos != len)
		return r.err == 2 ? VEUICC_ERR_NO_MEMORY : VEUICC_ERR_MALFORMED;
	return VEUICC_OK;
}

void veuicc_sd_free(struct veuicc_sd *sd)
{
	if (!sd)
		return;
	for (size_t c = 0; c < VEUICC_MAX_CHANNELS; c++)
		session_end(sd, c);
	for (size_t i = 0; i < sd->nisdp; i++) {
		t_end(&sd->isdp[i]);
		pkg_free(&sd->isdp[i]);
	}
	if (sd->isdp) {
		mbedtls_platform_zeroize(sd->isdp, sd->cap * sizeof(*sd->isdp));
		free(sd->isdp);
	}
	mbedtls_platform_zeroize(sd, sizeof(*sd));
	free(sd);
}
