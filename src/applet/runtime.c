/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The applet runtime (docs/applets.md): instances of native modules with the
 * GP application life cycle (GP CS v2.3 §5.3), selectable through the APDU
 * engine like the security domains (one engine entry per instance AID,
 * resolved to the instance visible now: card level, or of the enabled
 * profile, SGP.02 §2.2.1), their storage and transactions, the toolkit menu
 * (TS 102 223 §6.6.7 SET UP MENU, §7.3 MENU SELECTION; TS 102 226
 * §8.2.1.3.2.1 menu entries) and the card-file record.
 */
#include "applet/rt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "cat/bip.h"
#include "cat/cat_state.h"
#include "cat/proactive.h"
#include "core/bytes.h"
#include "core/fault.h"
#include "core/profiles.h"
#include "saip/install.h"
#include "tlv/tlv.h"

/* TS 102 223 §9.4 type of command, §8 COMPREHENSION-TLV tags (CR bit set) */
#define CMD_SET_UP_MENU  0x25
#define CMD_DISPLAY_TEXT 0x21
#define CTAG_ALPHA       0x85
#define CTAG_ITEM        0x8F
#define CTAG_DEV_IDS     0x02
#define CTAG_ITEM_ID     0x10
#define CTAG_HELP        0x15
#define CTAG_CR          0x80
#define TAG_MENU_SEL     0xD3 /* TS 102 223 §9.1 BER-TLV: menu selection */
#define DEV_KEYPAD       0x01
/* TS 102 223 §5.2 TERMINAL PROFILE (0-based byte, bit) */
#define TP_MENU_BYTE    3 /* byte 4 b6: SET UP MENU */
#define TP_MENU_BIT     0x20
#define TP_DISPLAY_BYTE 2 /* byte 3 b1: DISPLAY TEXT */
#define TP_DISPLAY_BIT  0x01
/* TS 102 226 §8.2.1.3.2: UICC system specific parameters (EA) */
#define TAG_EA_TOOLKIT 0x80
#define TAG_EA_ACCESS  0x81 /* §8.2.1.3.2.2 UICC access application specific parameters */

#define REC_VERSION 0x01

/* ---- the runtime ------------------------------------------------------------ */

struct veuicc_applets *veuicc_applets_of(veuicc_card *card)
{
	if (!card->applets)
		card->applets = calloc(1, sizeof(*card->applets));
	return card->applets;
}

static void store_free(rt_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->kv[i].val)
			mbedtls_platform_zeroize(s->kv[i].val, s->kv[i].len);
		free(s->kv[i].val);
	}
	free(s->kv);
	memset(s, 0, sizeof(*s));
}

static void inst_free(rt_inst *x)
{
	if (!x)
		return;
	if (x->live && x->mod->uninstall)
		x->mod->uninstall(x->ctx, &x->env);
	store_free(&x->store);
	if (x->saved) {
		store_free(x->saved);
		free(x->saved);
	}
	if (x->c9)
		mbedtls_platform_zeroize(x->c9, x->c9_len);
	if (x->ea)
		mbedtls_platform_zeroize(x->ea, x->ea_len);
	free(x->c9);
	free(x->ea);
	mbedtls_platform_zeroize(x, sizeof(*x));
	free(x);
}

void veuicc_applets_free(struct veuicc_applets *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->ninst; i++)
		inst_free(a->inst[i]);
	free(a->inst);
	free(a->files);
	if (a->buf)
		mbedtls_platform_zeroize(a->buf, a->cap);
	free(a->buf);
	free(a->dir);
	veuicc_applets_close_plugins(a);
	free(a);
}

int veuicc_applets_set_dir(veuicc_card *card, const char *dir)
{
	struct veuicc_applets *a = veuicc_applets_of(card);
	if (!a)
		return VEUICC_ERR_NO_MEMORY;
	free(a->dir);
	a->dir = NULL;
	if (dir && !(a->dir = strdup(dir)))
		return VEUICC_ERR_NO_MEMORY;
	return VEUICC_OK;
}

void veuicc_applets_log(veuicc_card *card, const char *line)
{
	veuicc_card_log(card, line);
}

/* ---- look-ups ------------------------------------------------------------------ */

static uint64_t active_ref(const veuicc_card *card)
{
	long s = card->profiles.active;
	return s >= 0 && (size_t)s < card->profiles.count ? card->profiles.slot[s].seq : 0;
}

bool veuicc_applets_visible(const veuicc_card *card, const rt_inst *x)
{
	return x->owner == 0 || (x->owner == active_ref(card) && x->owner != 0);
}

long veuicc_applets_find_inst(const struct veuicc_applets *a, const uint8_t *aid, size_t len,
                              uint64_t owner)
{
	for (size_t i = 0; a && i < a->ninst; i++) {
		const rt_inst *x = a->inst[i];
		if (x->aid.len == len && !memcmp(x->aid.b, aid, len) &&
		    (x->owner == 0 || owner == 0 || x->owner == owner))
			return (long)i;
	}
	return -1;
}

long veuicc_applets_find_file(const struct veuicc_applets *a, const uint8_t *aid, size_t len)
{
	for (size_t i = 0; a && i < a->nfiles; i++)
		if (a->files[i].aid.len == len && !memcmp(a->files[i].aid.b, aid, len))
			return (long)i;
	return -1;
}

long veuicc_applets_find_file_for(const veuicc_card *card, const struct veuicc_applets *a,
                                  const uint8_t *aid, size_t len, uint64_t owner)
{
	long first = -1;
	for (size_t i = 0; a && i < a->nfiles; i++) {
		const rt_file *f = &a->files[i];
		if (f->aid.len != len || memcmp(f->aid.b, aid, len) || (owner && f->owner != owner))
			continue;
		if (owner || f->owner == 0 || f->owner == active_ref(card))
			return (long)i;
		if (first < 0)
			first = (long)i;
	}
	return first;
}

const veuicc_applet_module *veuicc_applets_module(const veuicc_applet_package *pkg,
                                                  const uint8_t *aid, size_t len)
{
	for (size_t i = 0; pkg && i < pkg->nmodules; i++)
		if (pkg->modules[i].aid_len == len && !memcmp(pkg->modules[i].aid, aid, len))
			return &pkg->modules[i];
	return NULL;
}

int veuicc_applets_file_add(struct veuicc_applets *a, const rt_file *f)
{
	if (a->nfiles == a->cfiles) {
		size_t n = a->cfiles ? 2 * a->cfiles : 4;
		rt_file *nf = realloc(a->files, n * sizeof(*nf));
		if (!nf)
			return VEUICC_ERR_NO_MEMORY;
		a->files = nf;
		a->cfiles = n;
	}
	a->files[a->nfiles++] = *f;
	return VEUICC_OK;
}

void veuicc_applets_file_remove(struct veuicc_applets *a, size_t i)
{
	if (i >= a->nfiles)
		return;
	memmove(&a->files[i], &a->files[i + 1], (a->nfiles - i - 1) * sizeof(a->files[0]));
	a->nfiles--;
}

/* ---- services ------------------------------------------------------------------ */

static rt_inst *inst_of(veuicc_applet_env *env)
{
	return env->rt;
}

static int svc_respond(veuicc_applet_env *env, const void *data, size_t len)
{
	rt_inst *x = inst_of(env);
	if (!x->rsp)
		return VEUICC_ERR_STATE; /* no command is being processed */
	return veuicc_rsp_put(x->rsp, data, len);
}

static bool key_ok(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	return n >= 1 && n <= RT_KEY_MAX;
}

static rt_kv *kv_find(rt_store *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

static long svc_get(veuicc_applet_env *env, const char *key, uint8_t *buf, size_t cap)
{
	rt_inst *x = inst_of(env);
	if (!key_ok(key))
		return VEUICC_ERR_INVALID_ARG;
	rt_kv *kv = kv_find(&x->store, key);
	if (!kv)
		return VEUICC_ERR_NOT_FOUND;
	size_t n = kv->len < cap ? kv->len : cap;
	if (n)
		memcpy(buf, kv->val, n);
	return (long)n;
}

static int kv_set(rt_store *s, const char *key, const void *val, size_t len)
{
	rt_kv *kv = kv_find(s, key);
	uint8_t *v = malloc(len ? len : 1);
	if (!v)
		return VEUICC_ERR_NO_MEMORY;
	if (len)
		memcpy(v, val, len);
	if (!kv) {
		if (s->n >= RT_KEYS_MAX) {
			free(v);
			return VEUICC_ERR_NO_MEMORY;
		}
		rt_kv *nk = realloc(s->kv, (s->n + 1) * sizeof(*nk));
		if (!nk) {
			free(v);
			return VEUICC_ERR_NO_MEMORY;
		}
		s->kv = nk;
		kv = &s->kv[s->n++];
		memset(kv, 0, sizeof(*kv));
		snprintf(kv->key, sizeof(kv->key), "%s", key);
	} else if (kv->val) {
		mbedtls_platform_zeroize(kv->val, kv->len);
		free(kv->val);
	}
	kv->val = v;
	kv->len = len;
	return VEUICC_OK;
}

static int svc_put(veuicc_applet_env *env, const char *key, const void *val, size_t len)
{
	if (!key_ok(key) || (len && !val) || len > RT_VAL_MAX)
		return VEUICC_ERR_INVALID_ARG;
	return kv_set(&inst_of(env)->store, key, val, len);
}

static int svc_del(veuicc_applet_env *env, const char *key)
{
	rt_inst *x = inst_of(env);
	if (!key_ok(key))
		return VEUICC_ERR_INVALID_ARG;
	rt_kv *kv = kv_find(&x->store, key);
	if (!kv)
		return VEUICC_OK;
	if (kv->val)
		mbedtls_platform_zeroize(kv->val, kv->len);
	free(kv->val);
	size_t i = (size_t)(kv - x->store.kv);
	memmove(&x->store.kv[i], &x->store.kv[i + 1], (x->store.n - i - 1) * sizeof(rt_kv));
	x->store.n--;
	return VEUICC_OK;
}

static int store_copy(const rt_store *from, rt_store *to)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++)
		if (kv_set(to, from->kv[i].key, from->kv[i].val, from->kv[i].len)) {
			store_free(to);
			return VEUICC_ERR_NO_MEMORY;
		}
	return VEUICC_OK;
}

static int svc_txn_begin(veuicc_applet_env *env)
{
	rt_inst *x = inst_of(env);
	if (x->saved)
		return VEUICC_ERR_STATE; /* Java Card: no nested transactions */
	rt_store *s = malloc(sizeof(*s));
	if (!s)
		return VEUICC_ERR_NO_MEMORY;
	if (store_copy(&x->store, s)) {
		free(s);
		return VEUICC_ERR_NO_MEMORY;
	}
	x->saved = s;
	return VEUICC_OK;
}

static int svc_txn_commit(veuicc_applet_env *env)
{
	rt_inst *x = inst_of(env);
	if (!x->saved)
		return VEUICC_ERR_STATE;
	store_free(x->saved);
	free(x->saved);
	x->saved = NULL;
	return VEUICC_OK;
}

static int svc_txn_abort(veuicc_applet_env *env)
{
	rt_inst *x = inst_of(env);
	if (!x->saved)
		return VEUICC_ERR_STATE;
	store_free(&x->store);
	x->store = *x->saved;
	free(x->saved);
	x->saved = NULL;
	return VEUICC_OK;
}

int veuicc_applets_queue(rt_inst *x, uint8_t type, uint8_t qualifier, uint8_t dest,
                         const uint8_t *body, size_t len, uint8_t timer)
{
	size_t before = veuicc_cat_queue_free(x->card);
	int rc = veuicc_cat_queue(x->card, type, qualifier, dest, body, len);
	struct veuicc_applets *a = x->card->applets;
	if (rc || veuicc_cat_queue_free(x->card) == before || !a)
		return rc; /* not queued (or dropped by the test bench) */
	/* remember who asked, for its TERMINAL RESPONSE (number reused: replaced) */
	uint8_t num = x->card->cat->cmd_number;
	size_t k = 0;
	while (k < a->ntr && a->tr_num[k] != num)
		k++;
	if (k == RT_TR_MAX) {
		memmove(a->tr_num, a->tr_num + 1, RT_TR_MAX - 1);
		memmove(a->tr_timer, a->tr_timer + 1, RT_TR_MAX - 1);
		memmove(a->tr_inst, a->tr_inst + 1, (RT_TR_MAX - 1) * sizeof(a->tr_inst[0]));
		k = RT_TR_MAX - 1;
	} else if (k == a->ntr) {
		a->ntr++;
	}
	a->tr_num[k] = num;
	a->tr_timer[k] = timer;
	a->tr_inst[k] = x;
	return VEUICC_OK;
}

static int svc_proactive(veuicc_applet_env *env, uint8_t type, uint8_t qualifier, uint8_t dest,
                         const uint8_t *body, size_t len)
{
	rt_inst *x = inst_of(env);
	/* TS 102 223 §5.2: only what the terminal said it supports */
	if (type == CMD_DISPLAY_TEXT &&
	    !veuicc_cat_tp_has(x->card, TP_DISPLAY_BYTE, TP_DISPLAY_BIT))
		return VEUICC_ERR_UNSUPPORTED;
	if (type == VEUICC_CAT_CMD_SEND_SMS &&
	    !veuicc_cat_tp_has(x->card, VEUICC_CAT_TP_SEND_SMS_BYTE, VEUICC_CAT_TP_SEND_SMS_BIT))
		return VEUICC_ERR_UNSUPPORTED;
	/* the card's own; timers only through timer_start/timer_stop (AP20) */
	if (type == VEUICC_CAT_CMD_REFRESH || type == CMD_SET_UP_MENU ||
	    type == VEUICC_CAT_CMD_TIMER)
		return VEUICC_ERR_INVALID_ARG;
	return veuicc_applets_queue(x, type, qualifier, dest, body, len, 0);
}

static void end_callback(rt_inst *x);

static void tr_forget(struct veuicc_applets *a, size_t k)
{
	memmove(a->tr_num + k, a->tr_num + k + 1, a->ntr - k - 1);
	memmove(a->tr_timer + k, a->tr_timer + k + 1, a->ntr - k - 1);
	memmove(a->tr_inst + k, a->tr_inst + k + 1, (a->ntr - k - 1) * sizeof(a->tr_inst[0]));
	a->ntr--;
}

bool veuicc_applets_terminal_response(veuicc_card *card, uint8_t number, const uint8_t *d,
                                      size_t len)
{
	struct veuicc_applets *a = card->applets;
	for (size_t k = 0; a && k < a->ntr; k++) {
		if (a->tr_num[k] != number)
			continue;
		rt_inst *x = a->tr_inst[k];
		uint8_t timer = a->tr_timer[k];
		tr_forget(a, k);
		if (timer)
			veuicc_applets_timer_response(card, x, timer, d, len);
		if (!x->live || !x->mod->event ||
		    !(x->mod->events & VEUICC_APPLET_EV_TERMINAL_RESPONSE))
			return true;
		veuicc_applet_event ev = {
		    .type = VEUICC_APPLET_EV_TERMINAL_RESPONSE, .data = d, .len = len};
		(void)x->mod->event(x->ctx, &x->env, &ev);
		end_callback(x);
		return true;
	}
	return false;
}

static int text_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	return n >= 1 && n <= RT_TEXT_MAX;
}

static int svc_menu_text(veuicc_applet_env *env, size_t index, const char *text)
{
	rt_inst *x = inst_of(env);
	if (index >= x->nmenu || !text_ok(text))
		return VEUICC_ERR_INVALID_ARG;
	snprintf(x->menu_text[index], sizeof(x->menu_text[index]), "%s", text);
	return VEUICC_OK;
}

static int svc_menu_title(veuicc_applet_env *env, const char *text)
{
	rt_inst *x = inst_of(env);
	if (!text_ok(text))
		return VEUICC_ERR_INVALID_ARG;
	snprintf(x->title, sizeof(x->title), "%s", text);
	return VEUICC_OK;
}

static void svc_log(veuicc_applet_env *env, const char *line)
{
	rt_inst *x = inst_of(env);
	char buf[200];
	snprintf(buf, sizeof(buf), "applet %s: %s", x->mod->name ? x->mod->name : "?",
	         line ? line : "");
	veuicc_applets_log(x->card, buf);
}

static const veuicc_applet_services services = {
    .abi_version = VEUICC_APPLET_ABI_VERSION | (VEUICC_APPLET_SVC_REVISION << 16),
    .respond = svc_respond,
    .store_get = svc_get,
    .store_put = svc_put,
    .store_del = svc_del,
    .txn_begin = svc_txn_begin,
    .txn_commit = svc_txn_commit,
    .txn_abort = svc_txn_abort,
    .proactive = svc_proactive,
    .menu_text = svc_menu_text,
    .menu_title = svc_menu_title,
    .log = svc_log,
    .file_select = veuicc_applets_file_select,
    .file_read_binary = veuicc_applets_read_binary,
    .file_update_binary = veuicc_applets_update_binary,
    .file_read_record = veuicc_applets_read_record,
    .file_update_record = veuicc_applets_update_record,
    .file_increase = veuicc_applets_increase,
    .timer_start = veuicc_applets_timer_start,
    .timer_stop = veuicc_applets_timer_stop,
};

/* Java Card: a transaction still open when the applet returns is aborted. */
static void end_callback(rt_inst *x)
{
	x->rsp = NULL;
	if (x->saved)
		(void)svc_txn_abort(&x->env);
}

/* ---- engine entries ------------------------------------------------------------- */

typedef struct entry_ctx {
	veuicc_card *card;
	rt_aid aid;
} entry_ctx;

/* The instance the entry stands for now, or NULL. */
static rt_inst *resolve(const entry_ctx *e)
{
	struct veuicc_applets *a = e->card->applets;
	for (size_t i = 0; a && i < a->ninst; i++) {
		rt_inst *x = a->inst[i];
		if (x->aid.len == e->aid.len && !memcmp(x->aid.b, e->aid.b, e->aid.len) &&
		    veuicc_applets_visible(e->card, x))
			return x;
	}
	return NULL;
}

/* The instance selected on \p channel through this entry, or NULL. */
static rt_inst *selected(const entry_ctx *e, uint8_t channel)
{
	struct veuicc_applets *a = e->card->applets;
	for (size_t i = 0; a && i < a->ninst; i++) {
		rt_inst *x = a->inst[i];
		if (x->aid.len == e->aid.len && !memcmp(x->aid.b, e->aid.b, e->aid.len) &&
		    (x->sel & (1u << channel)))
			return x;
	}
	return NULL;
}

static void to_apdu(const veuicc_capdu *c, veuicc_applet_apdu *a)
{
	a->cla = c->cla;
	a->ins = c->ins;
	a->p1 = c->p1;
	a->p2 = c->p2;
	a->channel = c->cl.channel;
	a->data = c->data;
	a->lc = c->lc;
	a->ne = c->ne;
}

static uint16_t entry_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	entry_ctx *e = ctx;
	rt_inst *x = resolve(e);
	/* GP CS v2.3 §5.3.1: only a SELECTABLE (or later, not LOCKED) application */
	if (!x || !x->live || (x->lcs & 0x80) ||
	    (x->lcs & VEUICC_APPLET_LCS_SELECTABLE) != VEUICC_APPLET_LCS_SELECTABLE)
		return VEUICC_SW_NOT_FOUND;
	uint16_t sw = VEUICC_SW_OK;
	if (x->mod->select) {
		veuicc_applet_apdu a;
		to_apdu(cmd, &a);
		x->rsp = rsp;
		sw = x->mod->select(x->ctx, &x->env, &a);
		end_callback(x);
	}
	if (veuicc_sw_allows_data(sw))
		x->sel |= 1u << cmd->cl.channel;
	return sw;
}

static uint16_t entry_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	entry_ctx *e = ctx;
	rt_inst *x = selected(e, cmd->cl.channel);
	if (!x || !x->live)
		return VEUICC_SW_COND_NOT_SATISFIED; /* deleted or hidden meanwhile */
	veuicc_applet_apdu a;
	to_apdu(cmd, &a);
	x->rsp = rsp;
	uint16_t sw = x->mod->process(x->ctx, &x->env, &a);
	end_callback(x);
	return sw;
}

static void inst_deselect(rt_inst *x, uint8_t channel)
{
	if (!(x->sel & (1u << channel)))
		return;
	x->sel &= ~(1u << channel);
	if (x->live && x->mod->deselect) {
		x->mod->deselect(x->ctx, &x->env, channel);
		end_callback(x);
	}
}

static void entry_deselect(void *ctx, uint8_t channel)
{
	entry_ctx *e = ctx;
	rt_inst *x = selected(e, channel);
	if (x)
		inst_deselect(x, channel);
}

static void entry_channel_opened(void *ctx, uint8_t channel, uint8_t from)
{
	/* ISO 7816-4 §5.4.2: the new channel inherits the selection */
	entry_ctx *e = ctx;
	rt_inst *x = selected(e, from);
	if (x)
		x->sel |= 1u << channel;
}

static void entry_destroy(void *ctx)
{
	free(ctx);
}

static const veuicc_applet_ops entry_ops = {
    .name = "applet",
    .select = entry_select,
    .process = entry_process,
    .deselect = entry_deselect,
    .channel_opened = entry_channel_opened,
    .destroy = entry_destroy,
};

static int entry_register(veuicc_card *card, const rt_aid *aid)
{
	veuicc_engine *eng = &card->engine;
	for (size_t i = 0; i < eng->napps; i++)
		if (eng->apps[i].aid_len == aid->len && !memcmp(eng->apps[i].aid, aid->b, aid->len))
			return eng->apps[i].ops == &entry_ops ? VEUICC_OK : VEUICC_ERR_INVALID_ARG;
	entry_ctx *e = calloc(1, sizeof(*e));
	if (!e)
		return VEUICC_ERR_NO_MEMORY;
	e->card = card;
	e->aid = *aid;
	int rc = veuicc_engine_add_app(eng, aid->b, aid->len, &entry_ops, e);
	if (rc)
		free(e);
	return rc;
}

/* Channels on which \p x is selected lose it. */
static void drop_channels(veuicc_card *card, rt_inst *x)
{
	veuicc_engine *eng = &card->engine;
	for (uint8_t c = 0; c < VEUICC_MAX_CHANNELS; c++) {
		if (!(x->sel & (1u << c)))
			continue;
		inst_deselect(x, c);
		int app = eng->ch[c].app;
		if (app != VEUICC_NO_APP && eng->apps[app].ops == &entry_ops)
			eng->ch[c].app = VEUICC_NO_APP;
	}
}

/* ---- instances -------------------------------------------------------------- */

/* TS 102 226 §8.2.1.3.2.1: menu entries (position, identifier) of the UICC
 * toolkit application specific parameters (EA / 80). */
static uint16_t parse_toolkit(rt_inst *x)
{
	veuicc_tlv t;
	if (!x->ea || veuicc_tlv_find(x->ea, x->ea_len, 0, TAG_EA_TOOLKIT, &t) != 1)
		return VEUICC_SW_OK;
	/* priority, max timers, max text length, max menu entries n, n x
	 * (position, identifier), ... */
	if (t.len < 4)
		return VEUICC_SW_WRONG_DATA;
	size_t n = t.value[3];
	if (t.len < 4 + 2 * n || n > RT_MENU_MAX)
		return VEUICC_SW_WRONG_DATA;
	for (size_t i = 0; i < n; i++) {
		uint8_t id = t.value[4 + 2 * i + 1];
		if (id == 0)
			return VEUICC_SW_WRONG_DATA;
		x->menu_id[i] = id;
	}
	x->nmenu = n;
	x->max_timers = t.value[1]; /* maximum number of timers (AP20) */
	return VEUICC_SW_OK;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

uint16_t veuicc_applets_create(veuicc_card *card, const rt_file *f, const veuicc_applet_module *mod,
                               const rt_aid *aid, const uint8_t priv[3], const uint8_t *c9,
                               size_t c9_len, const uint8_t *ea, size_t ea_len, bool from_saip,
                               rt_inst **out)
{
	struct veuicc_applets *a = veuicc_applets_of(card);
	if (!a)
		return VEUICC_SW_MEMORY_FAILURE;
	if (c9_len > RT_PARAMS_MAX || ea_len > RT_PARAMS_MAX)
		return VEUICC_SW_WRONG_DATA;
	rt_inst *x = calloc(1, sizeof(*x));
	if (!x)
		return VEUICC_SW_MEMORY_FAILURE;
	x->env.svc = &services;
	x->env.rt = x;
	x->card = card;
	x->aid = *aid;
	x->file = f->aid;
	x->sd = f->sd;
	x->module.len = (uint8_t)mod->aid_len;
	memcpy(x->module.b, mod->aid, mod->aid_len);
	x->owner = f->owner;
	x->lcs = VEUICC_APPLET_LCS_INSTALLED;
	memcpy(x->priv, priv, 3);
	x->from_saip = from_saip;
	x->mod = mod;
	x->c9 = dup_bytes(c9, c9_len);
	x->c9_len = c9_len;
	if (ea) {
		x->ea = dup_bytes(ea, ea_len);
		x->ea_len = ea_len;
	}
	uint16_t sw = VEUICC_SW_MEMORY_FAILURE;
	if (!x->c9 || (ea && !x->ea) || a->ninst == SIZE_MAX / sizeof(rt_inst *))
		goto fail;
	if ((sw = parse_toolkit(x)) != VEUICC_SW_OK ||
	    (sw = veuicc_applets_parse_access(x)) != VEUICC_SW_OK)
		goto fail;
	if (a->ninst == a->cinst) {
		size_t n = a->cinst ? 2 * a->cinst : 4;
		rt_inst **ni = realloc(a->inst, n * sizeof(*ni));
		if (!ni) {
			sw = VEUICC_SW_MEMORY_FAILURE;
			goto fail;
		}
		a->inst = ni;
		a->cinst = n;
	}
	if (entry_register(card, aid)) {
		sw = VEUICC_SW_MEMORY_FAILURE;
		goto fail;
	}
	*out = x; /* install() may already use services that look at it */
	return sw;
fail:
	inst_free(x);
	return sw;
}

/* Run install() of a new instance and keep it. \p restoring: from the card
 * file, with its storage already in x. */
static uint16_t inst_install(veuicc_card *card, rt_inst *x, bool restoring)
{
	struct veuicc_applets *a = card->applets;
	veuicc_applet_install p = {
	    .aid = x->aid.b,
	    .aid_len = x->aid.len,
	    .c9 = x->c9,
	    .c9_len = x->c9_len,
	    .ea = x->ea,
	    .ea_len = x->ea_len,
	    .restoring = restoring,
	};
	memcpy(p.privileges, x->priv, 3);
	uint16_t sw = x->mod->install(&x->env, &p, &x->ctx);
	end_callback(x);
	if (sw != VEUICC_SW_OK) {
		inst_free(x);
		return sw;
	}
	x->live = true;
	a->inst[a->ninst++] = x;
	return VEUICC_SW_OK;
}

/* Create and install; the SW of install(). */
static uint16_t create_install(veuicc_card *card, const rt_file *f, const veuicc_applet_module *mod,
                               const rt_aid *aid, const uint8_t priv[3], const uint8_t *c9,
                               size_t c9_len, const uint8_t *ea, size_t ea_len, bool from_saip,
                               rt_inst **out)
{
	rt_inst *x = NULL;
	uint16_t sw =
	    veuicc_applets_create(card, f, mod, aid, priv, c9, c9_len, ea, ea_len, from_saip, &x);
	if (sw != VEUICC_SW_OK)
		return sw;
	sw = inst_install(card, x, false);
	if (sw == VEUICC_SW_OK && out)
		*out = x;
	return sw;
}

uint16_t veuicc_applets_install(veuicc_card *card, const rt_file *f,
                                const veuicc_applet_module *mod, const rt_aid *aid,
                                const uint8_t priv[3], const uint8_t *c9, size_t c9_len,
                                const uint8_t *ea, size_t ea_len, rt_inst **out)
{
	return create_install(card, f, mod, aid, priv, c9, c9_len, ea, ea_len, false, out);
}

void veuicc_applets_destroy(veuicc_card *card, size_t i)
{
	struct veuicc_applets *a = card->applets;
	if (!a || i >= a->ninst)
		return;
	rt_inst *x = a->inst[i];
	bool menu = x->nmenu > 0 && veuicc_applets_visible(card, x);
	drop_channels(card, x);
	for (size_t k = a->ntr; k-- > 0;)
		if (a->tr_inst[k] == x)
			tr_forget(a, k);
	veuicc_applets_timers_drop(a, x);
	memmove(&a->inst[i], &a->inst[i + 1], (a->ninst - i - 1) * sizeof(a->inst[0]));
	a->ninst--;
	if (a->last_install > i)
		a->last_install--;
	inst_free(x);
	if (menu)
		veuicc_applets_menu_changed(card);
}

/* ---- GET STATUS view ------------------------------------------------------------- */

size_t veuicc_applets_count(veuicc_card *card)
{
	return card->applets ? card->applets->ninst : 0;
}

bool veuicc_applets_installed_for(veuicc_card *card, size_t i, uint64_t owner)
{
	struct veuicc_applets *a = card->applets;
	return a && i < a->ninst && owner && a->inst[i]->owner == owner && !a->inst[i]->from_saip;
}

int veuicc_applets_entry(veuicc_card *card, size_t i, veuicc_gp_entry *out)
{
	struct veuicc_applets *a = card->applets;
	if (!a || i >= a->ninst)
		return VEUICC_ERR_NOT_FOUND;
	const rt_inst *x = a->inst[i];
	memset(out, 0, sizeof(*out));
	memcpy(out->aid, x->aid.b, x->aid.len);
	out->aid_len = x->aid.len;
	out->kind = VEUICC_GP_ISDP + 1; /* neither ISD-R nor ECASD nor ISD-P */
	out->lcs = x->lcs;
	memcpy(out->priv, x->priv, 3);
	memcpy(out->assoc, x->sd.b, x->sd.len);
	out->assoc_len = x->sd.len;
	out->slot = -1;
	return VEUICC_OK;
}

/* ---- toolkit ----------------------------------------------------------------------- */

/* SET UP MENU (TS 102 223 §6.6.7): alpha identifier (the title), then one
 * item (8F: identifier, text) per menu entry of the visible instances. */
static void queue_menu(veuicc_card *card)
{
	struct veuicc_applets *a = card->applets;
	if (!a || !veuicc_cat_tp_has(card, TP_MENU_BYTE, TP_MENU_BIT))
		return;
	uint8_t body[240];
	size_t n = 0, items = 0;
	const char *title = "";
	for (size_t i = 0; i < a->ninst; i++)
		if (veuicc_applets_visible(card, a->inst[i]) && a->inst[i]->title[0]) {
			title = a->inst[i]->title;
			break;
		}
	size_t tl = strlen(title);
	body[n++] = CTAG_ALPHA;
	body[n++] = (uint8_t)tl;
	memcpy(body + n, title, tl);
	n += tl;
	for (size_t i = 0; i < a->ninst; i++) {
		const rt_inst *x = a->inst[i];
		if (!veuicc_applets_visible(card, x) || !x->live)
			continue;
		for (size_t k = 0; k < x->nmenu; k++) {
			size_t l = strlen(x->menu_text[k]);
			if (!l)
				continue; /* no text given: not shown */
			if (n + 3 + l > sizeof(body))
				break;
			body[n++] = CTAG_ITEM;
			body[n++] = (uint8_t)(1 + l);
			body[n++] = x->menu_id[k];
			memcpy(body + n, x->menu_text[k], l);
			n += l;
			items++;
		}
	}
	if (!items) {
		/* TS 102 223 §6.6.7: a null item removes the menu */
		body[n++] = CTAG_ITEM;
		body[n++] = 0;
	}
	(void)veuicc_cat_queue(card, CMD_SET_UP_MENU, 0x00, VEUICC_CAT_DEV_TERMINAL, body, n);
}

static bool any_menu(veuicc_card *card)
{
	struct veuicc_applets *a = card->applets;
	for (size_t i = 0; a && i < a->ninst; i++)
		if (veuicc_applets_visible(card, a->inst[i]) && a->inst[i]->nmenu)
			return true;
	return false;
}

void veuicc_applets_menu_changed(veuicc_card *card)
{
	queue_menu(card);
}

void veuicc_applets_terminal_profile(veuicc_card *card, const uint8_t *tp, size_t len)
{
	struct veuicc_applets *a = card->applets;
	if (!a)
		return;
	a->ntr = 0;                          /* a new card session: command numbers start again */
	veuicc_applets_timers_drop(a, NULL); /* and the terminal's timers are gone */
	veuicc_applet_event ev = {
	    .type = VEUICC_APPLET_EV_PROFILE_DOWNLOAD, .data = tp, .len = len};
	for (size_t i = 0; i < a->ninst; i++) {
		rt_inst *x = a->inst[i];
		if (!x->live || !veuicc_applets_visible(card, x) || !x->mod->event ||
		    !(x->mod->events & VEUICC_APPLET_EV_PROFILE_DOWNLOAD))
			continue;
		(void)x->mod->event(x->ctx, &x->env, &ev);
		end_callback(x);
	}
	if (any_menu(card))
		queue_menu(card);
}

/* BER length (TS 102 223 Annex C): header size or 0. */
static size_t ctlv_len(const uint8_t *p, size_t avail, size_t *len)
{
	if (avail >= 1 && p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (avail >= 2 && p[0] == 0x81 && p[1] >= 0x80) {
		*len = p[1];
		return 2;
	}
	return 0;
}

/* TS 102 223 §7.3 MENU SELECTION: D3 { 82 02 01 81, 90 01 id, [15 00] } */
uint16_t veuicc_applets_envelope(veuicc_card *card, const uint8_t *d, size_t n, veuicc_rsp *rsp)
{
	if (n >= 2 && d[0] == VEUICC_CAT_TAG_TIMER_EXPIRY)
		return veuicc_applets_timer_envelope(card, d, n, rsp);
	if (n < 2 || d[0] != TAG_MENU_SEL)
		return 0;
	size_t len, h = ctlv_len(d + 1, n - 1, &len);
	if (!h || 1 + h + len != n)
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *v = d + 1 + h;
	bool ids = false, have_item = false;
	uint8_t item = 0, help = 0;
	for (size_t i = 0; i < len;) {
		uint8_t tag = (uint8_t)(v[i] & ~CTAG_CR);
		size_t l, hh = ctlv_len(v + i + 1, len - i - 1, &l);
		if (!hh || l > len - i - 1 - hh)
			return VEUICC_SW_WRONG_DATA;
		const uint8_t *val = v + i + 1 + hh;
		if (tag == CTAG_DEV_IDS && l == 2 && val[0] == DEV_KEYPAD &&
		    val[1] == VEUICC_CAT_DEV_UICC)
			ids = true;
		else if (tag == CTAG_ITEM_ID && l == 1) {
			item = val[0];
			have_item = true;
		} else if (tag == CTAG_HELP)
			help = 1;
		i += 1 + hh + l;
	}
	if (!ids || !have_item)
		return VEUICC_SW_WRONG_DATA;
	struct veuicc_applets *a = card->applets;
	for (size_t i = 0; a && i < a->ninst; i++) {
		rt_inst *x = a->inst[i];
		if (!x->live || !veuicc_applets_visible(card, x) || !x->mod->event ||
		    !(x->mod->events & VEUICC_APPLET_EV_MENU_SELECTION))
			continue;
		for (size_t k = 0; k < x->nmenu; k++) {
			if (x->menu_id[k] != item || !x->menu_text[k][0])
				continue;
			veuicc_applet_event ev = {.type = VEUICC_APPLET_EV_MENU_SELECTION,
			                          .item = item,
			                          .help = help,
			                          .entry = k};
			x->rsp = rsp;
			uint16_t sw = x->mod->event(x->ctx, &x->env, &ev);
			end_callback(x);
			return sw;
		}
	}
	/* no visible instance has this item (decision AP6) */
	return VEUICC_SW_WRONG_DATA;
}

/* ---- profiles -------------------------------------------------------------------------- */

void veuicc_applets_profile_changed(veuicc_card *card)
{
	struct veuicc_applets *a = card->applets;
	for (size_t i = 0; a && i < a->ninst; i++)
		if (!veuicc_applets_visible(card, a->inst[i]))
			drop_channels(card, a->inst[i]);
}

void veuicc_applets_profile_removed(veuicc_card *card, uint64_t ref)
{
	struct veuicc_applets *a = card->applets;
	if (!a || !ref)
		return;
	for (size_t i = a->ninst; i-- > 0;)
		if (a->inst[i]->owner == ref)
			veuicc_applets_destroy(card, i);
	for (size_t i = a->nfiles; i-- > 0;)
		if (a->files[i].owner == ref)
			veuicc_applets_file_remove(a, i);
}

void veuicc_applets_renumber_last(veuicc_card *card, uint64_t to)
{
	struct veuicc_applets *a = card->applets;
	if (!a)
		return;
	for (size_t i = a->last_install; i < a->ninst; i++)
		a->inst[i]->owner = to;
	for (size_t i = a->last_file; i < a->nfiles; i++)
		a->files[i].owner = to;
}

int veuicc_applets_pkg_known(void *card, const uint8_t *aid, size_t len)
{
	return veuicc_applets_find_pkg(card, aid, len) != NULL;
}

static void say(char *msg, size_t len, const char *what, const veuicc_saip_aid *aid)
{
	if (!msg || !len)
		return;
	int n = snprintf(msg, len, "%s ", what);
	for (size_t i = 0; i < aid->len && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(msg + n, len - (size_t)n, "%02X", aid->b[i]);
}

/* One BER-TLV of tag \p tag (length < 256) at \p ea + n; the new n. */
static size_t ea_put(uint8_t *ea, size_t n, uint8_t tag, const uint8_t *v, size_t len)
{
	ea[n++] = tag;
	if (len >= 0x80)
		ea[n++] = 0x81;
	ea[n++] = (uint8_t)len;
	memcpy(ea + n, v, len);
	return n + len;
}

/* EA { 80 toolkit parameters, 81 access parameters } from a SAIP
 * ApplicationInstance's uiccToolkitApplicationSpecificParametersField and
 * uiccAccessApplicationSpecificParametersField (TS 102 226 §8.2.1.3.2). */
static size_t saip_ea(const veuicc_saip_gp_app *g, uint8_t *ea, size_t cap)
{
	size_t n = 0;
	if ((size_t)g->toolkit_len + g->access_len + 6 > cap)
		return 0;
	if (g->toolkit_len)
		n = ea_put(ea, n, TAG_EA_TOOLKIT, g->toolkit, g->toolkit_len);
	if (g->access_len)
		n = ea_put(ea, n, TAG_EA_ACCESS, g->access, g->access_len);
	return n;
}

int veuicc_applets_profile_installed(veuicc_card *card, size_t slot, char *msg, size_t msg_len)
{
	veuicc_profile_slot *s = &card->profiles.slot[slot];
	struct veuicc_applets *a = card->applets;
	if (a) {
		a->last_install = a->ninst;
		a->last_file = a->nfiles;
	}
	if (!s->gp || !s->gp->napp)
		return VEUICC_OK; /* no runtime allocated for a card without applets */
	if (!(a = veuicc_applets_of(card)))
		return VEUICC_ERR_NO_MEMORY;
	a->last_install = a->ninst;
	a->last_file = a->nfiles;
	const veuicc_saip_gp_info *gi = s->gp;
	for (size_t i = 0; i < gi->napp; i++) {
		const veuicc_saip_gp_app *g = &gi->app[i];
		const veuicc_applet_package *pkg =
		    veuicc_applets_find_pkg(card, g->load_package_aid.b, g->load_package_aid.len);
		if (!pkg) {
			/* the installer decided already (mandated: failed) */
			say(msg, msg_len, "no native package", &g->load_package_aid);
			continue;
		}
		long fi = veuicc_applets_find_file_for(card, a, g->load_package_aid.b,
		                                       g->load_package_aid.len, s->seq);
		if (fi < 0) {
			rt_file f;
			memset(&f, 0, sizeof(f));
			f.aid.len = g->load_package_aid.len;
			memcpy(f.aid.b, g->load_package_aid.b, f.aid.len);
			f.owner = s->seq;
			f.from_saip = true;
			if (gi->nsd) { /* associated with the profile's MNO-SD (its first SD) */
				f.sd.len = gi->sd[0].instance_aid.len;
				memcpy(f.sd.b, gi->sd[0].instance_aid.b, f.sd.len);
			}
			f.pkg = pkg;
			if (veuicc_applets_file_add(a, &f))
				return VEUICC_ERR_NO_MEMORY;
			fi = (long)a->nfiles - 1;
		}
		const veuicc_applet_module *mod =
		    veuicc_applets_module(pkg, g->class_aid.b, g->class_aid.len);
		if (!mod) {
			say(msg, msg_len, "package has no module", &g->class_aid);
			return VEUICC_ERR_NOT_FOUND;
		}
		rt_aid aid = {.len = g->instance_aid.len};
		memcpy(aid.b, g->instance_aid.b, aid.len);
		if (veuicc_applets_find_inst(a, aid.b, aid.len, s->seq) >= 0) {
			say(msg, msg_len, "instance AID in use", &g->instance_aid);
			return VEUICC_ERR_STATE;
		}
		uint8_t priv[3] = {0};
		memcpy(priv, g->privileges, g->privileges_len);
		uint8_t ea[2 * VEUICC_SAIP_C9_MAX + 6];
		size_t ea_len = saip_ea(g, ea, sizeof(ea));
		rt_inst *x = NULL;
		uint16_t sw = create_install(card, &a->files[fi], mod, &aid, priv, g->c9, g->c9_len,
		                             ea_len ? ea : NULL, ea_len, true, &x);
		if (sw != VEUICC_SW_OK) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "application instance %zu: install %04X", i,
				         sw);
			return VEUICC_ERR_MALFORMED;
		}
		x->lcs = g->life_cycle_state ? g->life_cycle_state : VEUICC_APPLET_LCS_SELECTABLE;
	}
	return VEUICC_OK;
}

/* ---- card file ------------------------------------------------------------------------ */

static void put_aid(veuicc_wbuf *w, const rt_aid *a)
{
	veuicc_wbuf_u8(w, a->len);
	veuicc_wbuf_put(w, a->b, a->len);
}

static void put_u64(veuicc_wbuf *w, uint64_t v)
{
	veuicc_wbuf_be(w, (uint32_t)(v >> 32), 4);
	veuicc_wbuf_be(w, (uint32_t)v, 4);
}

int veuicc_applets_save(veuicc_card *card, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	struct veuicc_applets *a = card->applets;
	if (!a || (!a->nfiles && !a->ninst))
		return VEUICC_OK;
	veuicc_wbuf w = {0};
	veuicc_wbuf_u8(&w, REC_VERSION);
	veuicc_wbuf_be(&w, (uint32_t)a->nfiles, 2);
	for (size_t i = 0; i < a->nfiles; i++) {
		const rt_file *f = &a->files[i];
		put_u64(&w, f->owner);
		put_aid(&w, &f->aid);
		put_aid(&w, &f->sd);
		veuicc_wbuf_u8(&w, f->from_saip);
	}
	veuicc_wbuf_be(&w, (uint32_t)a->ninst, 2);
	for (size_t i = 0; i < a->ninst; i++) {
		const rt_inst *x = a->inst[i];
		put_u64(&w, x->owner);
		put_aid(&w, &x->aid);
		put_aid(&w, &x->file);
		put_aid(&w, &x->module);
		put_aid(&w, &x->sd);
		veuicc_wbuf_u8(&w, x->lcs);
		veuicc_wbuf_put(&w, x->priv, 3);
		veuicc_wbuf_u8(&w, x->from_saip);
		veuicc_wbuf_be(&w, (uint32_t)x->c9_len, 2);
		veuicc_wbuf_put(&w, x->c9, x->c9_len);
		veuicc_wbuf_be(&w, (uint32_t)x->ea_len, 2);
		veuicc_wbuf_put(&w, x->ea, x->ea_len);
		/* an open applet transaction is not committed: its start is saved */
		const rt_store *s = x->saved ? x->saved : &x->store;
		veuicc_wbuf_u8(&w, (unsigned)s->n);
		for (size_t k = 0; k < s->n; k++) {
			size_t kl = strlen(s->kv[k].key);
			veuicc_wbuf_u8(&w, (unsigned)kl);
			veuicc_wbuf_put(&w, s->kv[k].key, kl);
			veuicc_wbuf_be(&w, (uint32_t)s->kv[k].len, 2);
			veuicc_wbuf_put(&w, s->kv[k].val, s->kv[k].len);
		}
	}
	return veuicc_wbuf_take(&w, out, len);
}

static void get_aid(veuicc_rbuf *r, rt_aid *a)
{
	a->len = (uint8_t)veuicc_rbuf_u8(r);
	veuicc_rbuf_get(r, a->b, a->len, RT_AID_MAX);
}

static uint64_t get_u64(veuicc_rbuf *r)
{
	uint64_t hi = veuicc_rbuf_be(r, 4);
	return hi << 32 | veuicc_rbuf_be(r, 4);
}

static void clear_all(veuicc_card *card)
{
	struct veuicc_applets *a = card->applets;
	while (a->ninst)
		veuicc_applets_destroy(card, a->ninst - 1);
	a->nfiles = 0;
	a->last_install = 0;
	a->last_file = 0;
}

int veuicc_applets_load(veuicc_card *card, const uint8_t *in, size_t len)
{
	struct veuicc_applets *a = veuicc_applets_of(card);
	if (!a)
		return VEUICC_ERR_NO_MEMORY;
	clear_all(card);
	veuicc_rbuf r = {in, len, 0, 0};
	if (veuicc_rbuf_u8(&r) != REC_VERSION)
		return VEUICC_ERR_MALFORMED;
	size_t nf = veuicc_rbuf_be(&r, 2);
	for (size_t i = 0; i < nf && !r.err; i++) {
		rt_file f;
		memset(&f, 0, sizeof(f));
		f.owner = get_u64(&r);
		get_aid(&r, &f.aid);
		get_aid(&r, &f.sd);
		f.from_saip = veuicc_rbuf_u8(&r) != 0;
		if (r.err)
			break;
		f.pkg = veuicc_applets_find_pkg(card, f.aid.b, f.aid.len);
		if (!f.pkg) {
			veuicc_applets_log(card, "applet: card file names a package this card "
			                         "does not provide (plugin directory?)");
			return VEUICC_ERR_UNSUPPORTED;
		}
		if (veuicc_applets_file_add(a, &f))
			return VEUICC_ERR_NO_MEMORY;
	}
	size_t ni = veuicc_rbuf_be(&r, 2);
	int rc = VEUICC_OK;
	uint8_t *c9 = malloc(RT_PARAMS_MAX), *ea = malloc(RT_PARAMS_MAX), *val = malloc(RT_VAL_MAX);
	if (!c9 || !ea || !val)
		rc = VEUICC_ERR_NO_MEMORY;
	for (size_t i = 0; i < ni && !r.err && !rc; i++) {
		uint64_t owner = get_u64(&r);
		rt_aid aid, file, module, sd;
		get_aid(&r, &aid);
		get_aid(&r, &file);
		get_aid(&r, &module);
		get_aid(&r, &sd);
		uint8_t lcs = (uint8_t)veuicc_rbuf_u8(&r), priv[3];
		veuicc_rbuf_get(&r, priv, 3, 3);
		bool saip = veuicc_rbuf_u8(&r) != 0;
		size_t c9_len = veuicc_rbuf_be(&r, 2);
		veuicc_rbuf_get(&r, c9, c9_len, RT_PARAMS_MAX);
		size_t ea_len = veuicc_rbuf_be(&r, 2);
		veuicc_rbuf_get(&r, ea, ea_len, RT_PARAMS_MAX);
		if (r.err)
			break;
		long fi = -1;
		for (size_t k = 0; k < a->nfiles && fi < 0; k++) /* the file of its owner */
			if (a->files[k].owner == owner && a->files[k].aid.len == file.len &&
			    !memcmp(a->files[k].aid.b, file.b, file.len))
				fi = (long)k;
		const veuicc_applet_module *mod =
		    fi >= 0 ? veuicc_applets_module(a->files[fi].pkg, module.b, module.len) : NULL;
		if (!mod) {
			rc = VEUICC_ERR_MALFORMED;
			break;
		}
		rt_file f = a->files[fi];
		f.owner = owner;
		f.sd = sd;
		rt_inst *x = NULL;
		if (veuicc_applets_create(card, &f, mod, &aid, priv, c9, c9_len, ea_len ? ea : NULL,
		                          ea_len, saip, &x) != VEUICC_SW_OK) {
			rc = VEUICC_ERR_MALFORMED;
			break;
		}
		x->lcs = lcs;
		size_t nkv = veuicc_rbuf_u8(&r);
		for (size_t k = 0; k < nkv && !r.err && !rc; k++) {
			char key[RT_KEY_MAX + 1];
			size_t kl = veuicc_rbuf_u8(&r);
			veuicc_rbuf_get(&r, key, kl, RT_KEY_MAX);
			key[kl <= RT_KEY_MAX ? kl : 0] = '\0';
			size_t vl = veuicc_rbuf_be(&r, 2);
			veuicc_rbuf_get(&r, val, vl, RT_VAL_MAX);
			if (!r.err && (!key_ok(key) || kv_set(&x->store, key, val, vl)))
				rc = VEUICC_ERR_MALFORMED;
		}
		if (r.err || rc) {
			inst_free(x);
			break;
		}
		if (inst_install(card, x, true) != VEUICC_SW_OK)
			rc = VEUICC_ERR_MALFORMED;
	}
	free(c9);
	free(ea);
	if (val)
		mbedtls_platform_zeroize(val, RT_VAL_MAX);
	free(val);
	if (!rc && (r.err || r.pos != len))
		rc = VEUICC_ERR_MALFORMED;
	a->last_install = a->ninst;
	a->last_file = a->nfiles;
	return rc;
}
