/* SPDX-License-Identifier: Apache-2.0 */
#include "apdu/engine.h"

#include <stdlib.h>
#include <string.h>

#include "apdu/sw.h"

/* ISO 7816-4 §11.1.2 / TS 102 221 §11.1.17 */
#define INS_MANAGE_CHANNEL 0x70
#define INS_GET_RESPONSE   0xC0
#define INS_SELECT         0xA4
#define SELECT_BY_DF_NAME  0x04

/* P2 of SELECT (ISO 7816-4 §11.1.1, TS 102 221 §11.1.1.2) */
#define P2_OCCURRENCE_MASK 0x03
#define P2_FIRST           0x00
#define P2_LAST            0x01
#define P2_NEXT            0x02
#define P2_PREVIOUS        0x03
#define P2_TERMINATE       0x40 /* application session termination */

#define CHAIN_MAX    65535
#define RBUF_INITIAL 512

static const uint8_t file_cmds[] = {
    /* File and security commands that need a current file or application
     * (TS 102 221 §10.1.2); with nothing selected they get 6986. */
    0xB0, 0xB1, 0xB2, 0xB3, 0xD6, 0xD7, 0xDC, 0xDD, 0xA2, 0x32, 0x04,
    0x44, 0x20, 0x24, 0x26, 0x28, 0x2C, 0x88, 0x89, 0xF2, 0xCA, 0xCB,
};

void veuicc_engine_init(veuicc_engine *e)
{
	memset(e, 0, sizeof(*e));
	e->default_app = VEUICC_NO_APP;
	veuicc_engine_reset(e);
}

static void deselect_all(veuicc_engine *e)
{
	for (uint8_t c = 0; c < VEUICC_MAX_CHANNELS; c++) {
		veuicc_channel *ch = &e->ch[c];
		if (ch->open && ch->app != VEUICC_NO_APP) {
			const veuicc_app *a = &e->apps[ch->app];
			if (a->ops->deselect)
				a->ops->deselect(a->ctx, c);
		}
		ch->open = false;
		ch->app = VEUICC_NO_APP;
	}
}

void veuicc_engine_reset(veuicc_engine *e)
{
	deselect_all(e);
	e->ch[0].open = true;
	e->ch[0].app = e->default_app; /* TS 102 221 §8.4.2: MF selected after reset */
	e->proto = VEUICC_PROTO_T0;
	e->pend_channel = -1;
	e->pend_len = 0;
	e->chaining = false;
	e->chain_len = 0;
}

void veuicc_engine_free(veuicc_engine *e)
{
	if (!e)
		return;
	deselect_all(e);
	for (size_t i = 0; i < e->napps; i++) {
		if (e->apps[i].ops->destroy)
			e->apps[i].ops->destroy(e->apps[i].ctx);
	}
	free(e->apps);
	free(e->rbuf);
	free(e->chain);
	memset(e, 0, sizeof(*e));
}

static int grow_apps(veuicc_engine *e)
{
	if (e->napps < e->capps)
		return VEUICC_OK;
	size_t n = e->capps ? e->capps * 2 : 4;
	veuicc_app *a = realloc(e->apps, n * sizeof(*a));
	if (!a)
		return VEUICC_ERR_NO_MEMORY;
	e->apps = a;
	e->capps = n;
	return VEUICC_OK;
}

int veuicc_engine_add_app(veuicc_engine *e, const uint8_t *aid, size_t aid_len,
                          const veuicc_applet_ops *ops, void *ctx)
{
	if (!e || !aid || !ops || !ops->process || aid_len < VEUICC_AID_MIN ||
	    aid_len > VEUICC_AID_MAX)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < e->napps; i++) {
		if (e->apps[i].aid_len == aid_len && !memcmp(e->apps[i].aid, aid, aid_len))
			return VEUICC_ERR_INVALID_ARG;
	}
	if (grow_apps(e))
		return VEUICC_ERR_NO_MEMORY;
	veuicc_app *a = &e->apps[e->napps++];
	memset(a, 0, sizeof(*a));
	memcpy(a->aid, aid, aid_len);
	a->aid_len = (uint8_t)aid_len;
	a->ops = ops;
	a->ctx = ctx;
	return VEUICC_OK;
}

/* ---- response buffer --------------------------------------------------- */

static int rbuf_grow(veuicc_engine *e, size_t need)
{
	if (need <= e->rcap)
		return VEUICC_OK;
	size_t n = e->rcap ? e->rcap : RBUF_INITIAL;
	while (n < need)
		n *= 2;
	uint8_t *b = realloc(e->rbuf, n);
	if (!b)
		return VEUICC_ERR_NO_MEMORY;
	e->rbuf = b;
	e->rcap = n;
	return VEUICC_OK;
}

uint8_t *veuicc_rsp_reserve(veuicc_rsp *rsp, size_t n)
{
	if (rsp->err)
		return NULL;
	if (rsp->len + n > rsp->cap) {
		veuicc_engine *e = rsp->owner;
		if (!e || rsp->len + n > VEUICC_RAPDU_MAX - 2 || rbuf_grow(e, rsp->len + n)) {
			rsp->err = VEUICC_ERR_NO_MEMORY;
			return NULL;
		}
		rsp->buf = e->rbuf;
		rsp->cap = e->rcap;
	}
	uint8_t *p = rsp->buf + rsp->len;
	rsp->len += n;
	return p;
}

int veuicc_rsp_put(veuicc_rsp *rsp, const void *bytes, size_t n)
{
	uint8_t *p = veuicc_rsp_reserve(rsp, n);
	if (!p)
		return VEUICC_ERR_NO_MEMORY;
	if (n)
		memcpy(p, bytes, n);
	return VEUICC_OK;
}

/* ---- output ------------------------------------------------------------ */

static void set_pending(veuicc_engine *e, uint8_t channel, size_t off, size_t len, uint16_t sw)
{
	e->pend_channel = channel;
	e->pend_off = off;
	e->pend_len = len;
	e->pend_sw = sw;
}

typedef struct out {
	uint8_t *buf;
	size_t cap;
	size_t *len;
} out_t;

static int emit(veuicc_engine *e, out_t *o, const uint8_t *data, size_t n, uint16_t sw)
{
	if (o->cap < n + 2) {
		/* veuicc_transmit(): keep the data for GET RESPONSE, report the need */
		*o->len = n + 2;
		if (n && e->rbuf && data >= e->rbuf && data < e->rbuf + e->rcap) {
			size_t off = (size_t)(data - e->rbuf), total = n;
			uint16_t final_sw = sw;
			if (e->pend_channel == e->cur_channel && e->pend_off == off + n) {
				total += e->pend_len;
				final_sw = e->pend_sw;
			}
			set_pending(e, e->cur_channel, off, total, final_sw);
		}
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	}
	if (n)
		memmove(o->buf, data, n);
	o->buf[n] = (uint8_t)(sw >> 8);
	o->buf[n + 1] = (uint8_t)sw;
	*o->len = n + 2;
	return VEUICC_OK;
}

static int emit_sw(veuicc_engine *e, out_t *o, uint16_t sw)
{
	return emit(e, o, NULL, 0, sw);
}

static uint16_t sw_more(size_t remaining)
{
	/* 61xx: xx bytes still available; 00 means 256 or more (ISO 7816-4 §5.6) */
	return (uint16_t)(VEUICC_SW_BYTES_AVAILABLE | (remaining >= 256 ? 0 : remaining));
}

/*
 * Deliver response data per the transmission rules.
 * T=0 short commands (ISO 7816-3 §12.2, TS 102 221 §7.3.1.1):
 *   - case 1/3 and case 4 (whose Le a T=0 terminal never sends): data
 *     pending, 61xx
 *     (warnings 62xx/63xx are returned as they are, data pending);
 *   - case 2: Le == available: data + SW; otherwise 6Cxx with the exact length
 *     (more than 256 bytes: 256 bytes and 61xx).
 * T=1 and extended commands (ISO 7816-4 §5.1.3): no Le → 61xx with the data
 * pending; up to Ne bytes are returned, the rest stays pending (61xx).
 * T=0 quirks (docs/quirks.md, decisions Q4-Q6): t0_case4 "data" answers case 4
 * as T=1 does (an APDU-level reader's own GET RESPONSE); t0_case2 "61xx"
 * keeps the data for GET RESPONSE instead of 6Cxx; t0_le00 "exact" lets
 * Le = 00 take the fewer than 256 bytes available.
 */
static int deliver(veuicc_engine *e, out_t *o, const veuicc_capdu *c, size_t n, uint16_t sw)
{
	e->pend_channel = -1;
	if (n == 0)
		return emit_sw(e, o, sw);
	if (!veuicc_sw_allows_data(sw))
		return emit_sw(e, o, sw); /* an error discards the data */

	bool t0 = e->proto == VEUICC_PROTO_T0 && !c->extended;
	if (t0 && c->apdu_case == VEUICC_CASE_4 && e->t0_case4 == VEUICC_QUIRK_T0_CASE4_DATA)
		t0 = false;
	/* T=0 transports case 4 as case 3: its Le never reaches the card */
	if (c->ne == 0 || (t0 && c->apdu_case == VEUICC_CASE_4)) {
		set_pending(e, c->cl.channel, 0, n, sw);
		if (sw != VEUICC_SW_OK && t0)
			return emit_sw(e, o, sw);
		return emit_sw(e, o, sw_more(n));
	}
	if (t0) {
		if (n > 256) {
			set_pending(e, c->cl.channel, 256, n - 256, sw);
			return emit(e, o, e->rbuf, 256, sw_more(n - 256));
		}
		if (c->ne == 256 && n < 256 && e->t0_le00 == VEUICC_QUIRK_T0_LE00_EXACT)
			return emit(e, o, e->rbuf, n, sw);
		if (c->ne != n) {
			set_pending(e, c->cl.channel, 0, n, sw);
			if (e->t0_case2 == VEUICC_QUIRK_T0_CASE2_61)
				return emit_sw(e, o, sw_more(n));
			return emit_sw(e, o, (uint16_t)(VEUICC_SW_WRONG_LE | (n & 0xFF)));
		}
		return emit(e, o, e->rbuf, n, sw);
	}
	if (n > c->ne) {
		set_pending(e, c->cl.channel, c->ne, n - c->ne, sw);
		return emit(e, o, e->rbuf, c->ne, sw_more(n - c->ne));
	}
	return emit(e, o, e->rbuf, n, sw);
}

/* ---- engine-level commands -------------------------------------------- */

static int get_response(veuicc_engine *e, out_t *o, const veuicc_capdu *c)
{
	if (c->p1 || c->p2)
		return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
	if (c->lc)
		return emit_sw(e, o, VEUICC_SW_WRONG_LENGTH);
	if (e->pend_channel != c->cl.channel || e->pend_len == 0) {
		e->pend_channel = -1;
		/* nothing to give: ISO 7816-4 "conditions of use not satisfied" */
		return emit_sw(e, o, VEUICC_SW_COND_NOT_SATISFIED);
	}
	size_t avail = e->pend_len;
	size_t ne = c->ne ? c->ne : 256;
	const uint8_t *p = e->rbuf + e->pend_off;
	bool le00_exact = c->ne == 256 && e->t0_le00 == VEUICC_QUIRK_T0_LE00_EXACT;
	if (e->proto == VEUICC_PROTO_T0 && !c->extended && ne > avail && !le00_exact) {
		/* T=0: Le longer than what is left → 6Cxx, data still pending */
		return emit_sw(e, o, (uint16_t)(VEUICC_SW_WRONG_LE | (avail & 0xFF)));
	}
	if (ne >= avail) {
		uint16_t sw = e->pend_sw;
		e->pend_channel = -1;
		e->pend_len = 0;
		return emit(e, o, p, avail, sw);
	}
	e->pend_off += ne;
	e->pend_len -= ne;
	return emit(e, o, p, ne, sw_more(e->pend_len));
}

static void select_on_channel(veuicc_engine *e, uint8_t channel, int app)
{
	veuicc_channel *ch = &e->ch[channel];
	if (ch->app != VEUICC_NO_APP && ch->app != app) {
		const veuicc_app *old = &e->apps[ch->app];
		if (old->ops->deselect)
			old->ops->deselect(old->ctx, channel);
	}
	ch->app = app;
}

static int manage_channel(veuicc_engine *e, out_t *o, const veuicc_capdu *c)
{
	/* ISO 7816-4 §11.1.2, TS 102 221 §11.1.17 */
	uint8_t from = c->cl.channel;
	if (c->lc)
		return emit_sw(e, o, VEUICC_SW_WRONG_LENGTH);
	if (c->p1 == 0x80) { /* close */
		uint8_t target = c->p2 ? c->p2 : from;
		if (target == 0 || target >= VEUICC_MAX_CHANNELS)
			return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
		if (!e->ch[target].open)
			return emit_sw(e, o, VEUICC_SW_CHANNEL_NOT_SUPP);
		select_on_channel(e, target, VEUICC_NO_APP);
		e->ch[target].open = false;
		if (e->pend_channel == target)
			e->pend_channel = -1;
		return emit_sw(e, o, VEUICC_SW_OK);
	}
	if (c->p1 != 0x00)
		return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
	uint8_t target = c->p2;
	if (target == 0) { /* the card assigns the lowest free channel */
		for (uint8_t i = 1; i < VEUICC_MAX_CHANNELS && !target; i++)
			if (!e->ch[i].open)
				target = i;
		if (!target)
			return emit_sw(e, o, VEUICC_SW_FUNC_NOT_SUPP); /* no channel free */
		if (c->apdu_case != VEUICC_CASE_2 || c->ne < 1)
			return emit_sw(e, o, VEUICC_SW_WRONG_LENGTH);
		/* T=0: 6Cxx means "not executed, send again with this Le" */
		if (e->proto == VEUICC_PROTO_T0 && !c->extended && c->ne != 1)
			return emit_sw(e, o, VEUICC_SW_WRONG_LE | 0x01);
	} else {
		if (target >= VEUICC_MAX_CHANNELS)
			return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
		if (e->ch[target].open)
			return emit_sw(e, o, VEUICC_SW_WRONG_P1P2); /* already open */
	}
	/* The new channel inherits the selection of the channel it was opened
	 * from, except from the basic channel (ISO 7816-4 §5.4.2). */
	e->ch[target].open = true;
	e->ch[target].app = from == 0 ? e->default_app : e->ch[from].app;
	if (e->ch[target].app != VEUICC_NO_APP) {
		const veuicc_app *a = &e->apps[e->ch[target].app];
		if (a->ops->channel_opened)
			a->ops->channel_opened(a->ctx, target, from);
	}
	if (c->p2 == 0) {
		/* the channel number is response data: the usual Le rules apply */
		veuicc_rsp rsp = {.buf = e->rbuf, .cap = e->rcap, .len = 0, .owner = e, .err = 0};
		uint8_t b = target;
		if (veuicc_rsp_put(&rsp, &b, 1))
			return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
		return deliver(e, o, c, rsp.len, VEUICC_SW_OK);
	}
	return emit_sw(e, o, VEUICC_SW_OK);
}

static bool aid_matches(const veuicc_app *a, const uint8_t *aid, size_t len)
{
	return len <= a->aid_len && !memcmp(a->aid, aid, len);
}

/* ISO 7816-4 §11.1.1: SELECT by DF name, full or right-truncated AID, with
 * first/last/next/previous occurrence. */
static int find_app(const veuicc_engine *e, const uint8_t *aid, size_t len, uint8_t p2, int cur)
{
	int n = (int)e->napps;
	switch (p2 & P2_OCCURRENCE_MASK) {
	case P2_FIRST:
		for (int i = 0; i < n; i++)
			if (aid_matches(&e->apps[i], aid, len))
				return i;
		break;
	case P2_LAST:
		for (int i = n - 1; i >= 0; i--)
			if (aid_matches(&e->apps[i], aid, len))
				return i;
		break;
	case P2_NEXT:
		if (cur == VEUICC_NO_APP || !aid_matches(&e->apps[cur], aid, len))
			return find_app(e, aid, len, P2_FIRST, VEUICC_NO_APP);
		for (int i = cur + 1; i < n; i++)
			if (aid_matches(&e->apps[i], aid, len))
				return i;
		break;
	default: /* previous */
		if (cur == VEUICC_NO_APP || !aid_matches(&e->apps[cur], aid, len))
			return find_app(e, aid, len, P2_LAST, VEUICC_NO_APP);
		for (int i = cur - 1; i >= 0; i--)
			if (aid_matches(&e->apps[i], aid, len))
				return i;
		break;
	}
	return VEUICC_NO_APP;
}

/* Let the default application (the UICC) try a SELECT by AID: it knows the
 * ADFs of the active profile, which are not registered one by one. */
static int select_in_default_app(veuicc_engine *e, out_t *o, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	const veuicc_app *fs = &e->apps[e->default_app];
	if (!fs->ops->select)
		return emit_sw(e, o, VEUICC_SW_NOT_FOUND);
	uint16_t sw = fs->ops->select(fs->ctx, c, rsp);
	if (rsp->err)
		return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
	if (!veuicc_sw_allows_data(sw))
		return emit_sw(e, o, sw);
	select_on_channel(e, c->cl.channel, e->default_app);
	return deliver(e, o, c, rsp->len, sw);
}

static int select_by_aid(veuicc_engine *e, out_t *o, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	veuicc_channel *ch = &e->ch[c->cl.channel];
	/* P2: b8-b7 00 or 01 (termination), b4-b3 FCI/FCP/FMD/none, b2-b1 occurrence */
	if (c->p2 & ~(P2_TERMINATE | 0x0F))
		return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
	if (c->lc == 0)
		return emit_sw(e, o, VEUICC_SW_WRONG_LENGTH);
	if (c->lc > VEUICC_AID_MAX)
		return emit_sw(e, o, VEUICC_SW_NOT_FOUND);
	if (c->p2 & P2_TERMINATE) {
		/* TS 102 221 §11.1.1.3: end the application session of this AID;
		 * the channel falls back to the file system (if any) */
		if (ch->app != VEUICC_NO_APP && ch->app == e->default_app)
			return select_in_default_app(e, o, c, rsp);
		if (ch->app == VEUICC_NO_APP || !aid_matches(&e->apps[ch->app], c->data, c->lc))
			return emit_sw(e, o, VEUICC_SW_NOT_FOUND);
		select_on_channel(e, c->cl.channel, e->default_app);
		return emit_sw(e, o, VEUICC_SW_OK);
	}
	int idx = find_app(e, c->data, c->lc, c->p2, ch->app);
	if (idx == VEUICC_NO_APP || idx == e->default_app) {
		if (e->default_app != VEUICC_NO_APP)
			return select_in_default_app(e, o, c, rsp);
		return emit_sw(e, o, VEUICC_SW_NOT_FOUND);
	}
	const veuicc_app *a = &e->apps[idx];
	uint16_t sw = a->ops->select ? a->ops->select(a->ctx, c, rsp) : VEUICC_SW_OK;
	if (rsp->err)
		return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
	if (!veuicc_sw_allows_data(sw))
		return emit_sw(e, o, sw);
	/* a reselection of the same application is its own business (select) */
	select_on_channel(e, c->cl.channel, idx);
	return deliver(e, o, c, rsp->len, sw);
}

/* TS 102 221 §11.1.1.2: SELECT by file identifier or path goes to the file
 * system (the default application), which then becomes the channel's
 * current application; without one there is no file to find. */
static int select_file(veuicc_engine *e, out_t *o, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	switch (c->p1) {
	case 0x00: /* by FID */
	case 0x01: /* child DF */
	case 0x03: /* parent DF */
	case 0x08: /* path from MF */
	case 0x09: /* path from current DF */ break;
	default: return emit_sw(e, o, VEUICC_SW_WRONG_P1P2);
	}
	if (e->default_app == VEUICC_NO_APP)
		return emit_sw(e, o, VEUICC_SW_NOT_FOUND);
	const veuicc_app *fs = &e->apps[e->default_app];
	if (c->cl.sm && !fs->ops->accepts_sm)
		return emit_sw(e, o, VEUICC_SW_SM_NOT_SUPP);
	uint16_t sw = fs->ops->process(fs->ctx, c, rsp);
	if (rsp->err)
		return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
	if (veuicc_sw_allows_data(sw))
		select_on_channel(e, c->cl.channel, e->default_app);
	return deliver(e, o, c, rsp->len, sw);
}

int veuicc_engine_add_default_app(veuicc_engine *e, const veuicc_applet_ops *ops, void *ctx)
{
	if (!e || !ops || !ops->process || e->default_app != VEUICC_NO_APP)
		return VEUICC_ERR_INVALID_ARG;
	if (grow_apps(e))
		return VEUICC_ERR_NO_MEMORY;
	/* no AID: never matched by a SELECT by DF name, reached as the default */
	veuicc_app *a = &e->apps[e->napps];
	memset(a, 0, sizeof(*a));
	a->ops = ops;
	a->ctx = ctx;
	e->default_app = (int)e->napps++;
	return VEUICC_OK;
}

int veuicc_engine_set_default_app(veuicc_engine *e, const uint8_t *aid, size_t aid_len)
{
	if (!e || !aid)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < e->napps; i++) {
		if (e->apps[i].aid_len == aid_len && !memcmp(e->apps[i].aid, aid, aid_len)) {
			e->default_app = (int)i;
			return VEUICC_OK;
		}
	}
	return VEUICC_ERR_NOT_FOUND;
}

bool veuicc_apdu_needs_current_file(uint8_t ins)
{
	return memchr(file_cmds, ins, sizeof(file_cmds)) != NULL;
}

static int dispatch(veuicc_engine *e, out_t *o, const veuicc_capdu *c)
{
	veuicc_rsp rsp = {.buf = e->rbuf, .cap = e->rcap, .len = 0, .owner = e, .err = 0};
	veuicc_channel *ch = &e->ch[c->cl.channel];
	const veuicc_app *cur = ch->app == VEUICC_NO_APP ? NULL : &e->apps[ch->app];

	if (!c->cl.proprietary && c->ins == INS_GET_RESPONSE)
		return get_response(e, o, c);
	e->pend_channel = -1; /* any other command discards pending data */

	if (!c->cl.proprietary && c->ins == INS_MANAGE_CHANNEL) {
		if (c->cl.sm)
			return emit_sw(e, o, VEUICC_SW_SM_NOT_SUPP);
		return manage_channel(e, o, c);
	}
	if (!c->cl.proprietary && c->ins == INS_SELECT && c->p1 == SELECT_BY_DF_NAME) {
		if (c->cl.sm)
			return emit_sw(e, o, VEUICC_SW_SM_NOT_SUPP);
		return select_by_aid(e, o, c, &rsp);
	}
	if (!c->cl.proprietary && c->ins == INS_SELECT)
		return select_file(e, o, c, &rsp);
	if (c->cl.proprietary && e->uicc_cmd) {
		uint16_t usw = e->uicc_cmd(e->uicc_ctx, c, &rsp);
		if (usw) {
			if (rsp.err)
				return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
			return deliver(e, o, c, rsp.len, usw);
		}
	}
	if (!cur)
		return emit_sw(e, o,
		               veuicc_apdu_needs_current_file(c->ins) ? VEUICC_SW_NO_CURRENT_EF
		                                                      : VEUICC_SW_INS_NOT_SUPP);
	if (c->cl.sm && !cur->ops->accepts_sm)
		return emit_sw(e, o, VEUICC_SW_SM_NOT_SUPP);
	uint16_t sw = cur->ops->process(cur->ctx, c, &rsp);
	if (rsp.err)
		return emit_sw(e, o, VEUICC_SW_MEMORY_FAILURE);
	return deliver(e, o, c, rsp.len, sw);
}

/* ISO 7816-4 §5.1.1.1: gather a chain into one command. */
static int chain_add(veuicc_engine *e, const veuicc_capdu *c)
{
	if (e->chain_len + c->lc > CHAIN_MAX)
		return VEUICC_ERR_MALFORMED;
	if (e->chain_len + c->lc > e->chain_cap) {
		size_t n = e->chain_cap ? e->chain_cap : 1024;
		while (n < e->chain_len + c->lc)
			n *= 2;
		uint8_t *b = realloc(e->chain, n);
		if (!b)
			return VEUICC_ERR_NO_MEMORY;
		e->chain = b;
		e->chain_cap = n;
	}
	if (c->lc)
		memcpy(e->chain + e->chain_len, c->data, c->lc);
	e->chain_len += c->lc;
	return VEUICC_OK;
}

static bool continues_chain(const veuicc_engine *e, const veuicc_capdu *c)
{
	return e->chaining && c->ins == e->chain_ins && c->p1 == e->chain_p1 &&
	       c->p2 == e->chain_p2 && c->cl.channel == e->chain_channel;
}

static int transmit(veuicc_engine *e, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                    size_t rapdu_cap, size_t *rapdu_len)
{
	size_t dummy;
	if (!rapdu_len)
		rapdu_len = &dummy;
	*rapdu_len = 0;
	if (!e || (!capdu && capdu_len) || !rapdu)
		return VEUICC_ERR_INVALID_ARG;
	if (rapdu_cap < 2) {
		*rapdu_len = 2;
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	}
	if (!e->rbuf && rbuf_grow(e, RBUF_INITIAL))
		return VEUICC_ERR_NO_MEMORY;
	out_t o = {rapdu, rapdu_cap, rapdu_len};
	veuicc_capdu c;

	if (capdu_len < 4) {
		e->pend_channel = -1;
		return emit_sw(e, &o, VEUICC_SW_WRONG_LENGTH);
	}
	if (!veuicc_cla_decode(capdu[0], &c.cl)) {
		e->pend_channel = -1;
		return emit_sw(e, &o, VEUICC_SW_CLA_NOT_SUPP);
	}
	/* ISO 7816-3 §10.3.2: INS 6x and 9x are not valid instructions */
	if ((capdu[1] & 0xF0) == 0x60 || (capdu[1] & 0xF0) == 0x90) {
		e->pend_channel = -1;
		return emit_sw(e, &o, VEUICC_SW_INS_NOT_SUPP);
	}
	veuicc_cla_info cl = c.cl;
	if (veuicc_capdu_parse(capdu, capdu_len, &c) != VEUICC_OK) {
		e->pend_channel = -1;
		e->chaining = false;
		return emit_sw(e, &o, VEUICC_SW_WRONG_LENGTH);
	}
	c.cl = cl;
	e->cur_channel = c.cl.channel;
	if (!e->ch[c.cl.channel].open) {
		e->pend_channel = -1;
		return emit_sw(e, &o, VEUICC_SW_CHANNEL_NOT_SUPP);
	}

	if (e->chaining && !continues_chain(e, &c)) {
		/* a chain was interrupted by another command */
		e->chaining = false;
		e->chain_len = 0;
		e->pend_channel = -1;
		return emit_sw(e, &o, VEUICC_SW_LAST_CMD_EXPECTED);
	}
	if (c.cl.chaining) {
		if (!e->chaining) {
			e->chaining = true;
			e->chain_len = 0;
			e->chain_ins = c.ins;
			e->chain_p1 = c.p1;
			e->chain_p2 = c.p2;
			e->chain_channel = c.cl.channel;
		}
		int rc = chain_add(e, &c);
		e->pend_channel = -1;
		if (rc) {
			e->chaining = false;
			e->chain_len = 0;
			return emit_sw(e, &o,
			               rc == VEUICC_ERR_MALFORMED ? VEUICC_SW_WRONG_LENGTH
			                                          : VEUICC_SW_MEMORY_FAILURE);
		}
		return emit_sw(e, &o, VEUICC_SW_OK);
	}
	if (e->chaining) {
		/* last command of the chain: deliver the whole data at once */
		e->chaining = false;
		int rc = chain_add(e, &c);
		if (rc) {
			e->chain_len = 0;
			return emit_sw(e, &o,
			               rc == VEUICC_ERR_MALFORMED ? VEUICC_SW_WRONG_LENGTH
			                                          : VEUICC_SW_MEMORY_FAILURE);
		}
		c.data = e->chain;
		c.lc = e->chain_len;
		e->chain_len = 0;
		if (c.apdu_case == VEUICC_CASE_1)
			c.apdu_case = VEUICC_CASE_3;
		else if (c.apdu_case == VEUICC_CASE_2)
			c.apdu_case = VEUICC_CASE_4;
	}
	return dispatch(e, &o, &c);
}

int veuicc_engine_transmit(veuicc_engine *e, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                           size_t rapdu_cap, size_t *rapdu_len)
{
	size_t dummy = 0;
	if (!rapdu_len)
		rapdu_len = &dummy;
	int rc = transmit(e, capdu, capdu_len, rapdu, rapdu_cap, rapdu_len);
	/* TS 102 221 §14.7: a pending proactive command turns the final 9000
	 * of any command into 91xx (xx its length). Data announced with 61xx
	 * or 6Cxx keeps that SW; its GET RESPONSE then ends with 91xx. */
	if (rc == VEUICC_OK && e->uicc_pending && *rapdu_len >= 2 &&
	    rapdu[*rapdu_len - 2] == 0x90 && rapdu[*rapdu_len - 1] == 0x00) {
		size_t n = e->uicc_pending(e->uicc_ctx);
		if (n && n <= 0xFF) {
			rapdu[*rapdu_len - 2] = (uint8_t)(VEUICC_SW_PROACTIVE >> 8);
			rapdu[*rapdu_len - 1] = (uint8_t)n;
		}
	}
	return rc;
}
