/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A SIM toolkit menu applet (built-in native package, docs/applets.md): its
 * menu entries (identifiers from the UICC toolkit parameters EA/80, TS 102
 * 226 §8.2.1.3.2.1) get their texts from the application specific
 * parameters C9, in veuicc's own coding (decision AP8):
 *   C9 { [80 title] A0 { 80 text, 81 action, [82 payload], [83 address] } ... }
 *   action 01: DISPLAY TEXT payload (TS 102 223 §6.6.1)
 *   action 02: SEND SHORT MESSAGE of payload to address (TS 102 223 §6.6.9;
 *              SMS-SUBMIT, TS 23.040 §9.2.2.2, 8-bit data)
 * one A0 per menu entry, in the order of the toolkit parameters. The card's
 * CAT runtime sends SET UP MENU with them at TERMINAL PROFILE; a MENU
 * SELECTION envelope for an entry runs its action through the proactive
 * queue. The instance counts the selections in its storage ("count") and
 * keeps the general result of the last TERMINAL RESPONSE to its commands
 * ("result", TS 102 223 §8.12); GET DATA 80 CA 00 01 / 00 02 reads them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "applet/runtime.h"
#include "apdu/sw.h"
#include "tlv/tlv.h"

#define TAG_TITLE   0x80
#define TAG_ENTRY   0xA0
#define TAG_TEXT    0x80
#define TAG_ACTION  0x81
#define TAG_PAYLOAD 0x82
#define TAG_ADDRESS 0x83
#define ACT_DISPLAY 0x01
#define ACT_SMS     0x02
#define ENTRIES_MAX 8
#define TEXT_MAX    32
#define PAYLOAD_MAX 120
#define ADDR_MAX    12

/* TS 102 223 §9.4 types, §8.7 devices, §8.15 text string, §8.72 TPDU */
#define CMD_DISPLAY_TEXT 0x21
#define CMD_SEND_SMS     0x13
#define DEV_DISPLAY      0x02
#define DEV_NETWORK      0x83
#define CTAG_TEXT        0x8D
#define CTAG_SMS_TPDU    0x8B
#define DCS_8BIT         0x04
#define QUAL_WAIT_CLEAR  0x80 /* DISPLAY TEXT: wait for the user to clear */

typedef struct entry {
	char text[TEXT_MAX + 1];
	uint8_t action;
	uint8_t payload[PAYLOAD_MAX];
	size_t payload_len;
	uint8_t addr[ADDR_MAX]; /* TS 23.040 §9.1.2.5: digits, TON/NPI, BCD */
	size_t addr_len;
} entry;

typedef struct stkmenu {
	size_t n;
	entry e[ENTRIES_MAX];
} stkmenu;

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x02};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x02, 0x01};

static bool parse_entry(const veuicc_tlv *a0, entry *e)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	memset(e, 0, sizeof(*e));
	veuicc_tlv_reader_init(&r, a0->value, a0->len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_TEXT && t.len >= 1 && t.len <= TEXT_MAX) {
			memcpy(e->text, t.value, t.len);
			if (memchr(e->text, 0, t.len))
				return false;
		} else if (t.tag == TAG_ACTION && t.len == 1) {
			e->action = t.value[0];
		} else if (t.tag == TAG_PAYLOAD && t.len <= PAYLOAD_MAX) {
			memcpy(e->payload, t.value, t.len);
			e->payload_len = t.len;
		} else if (t.tag == TAG_ADDRESS && t.len >= 2 && t.len <= ADDR_MAX &&
		           t.len - 2 == (size_t)(t.value[0] + 1) / 2) {
			memcpy(e->addr, t.value, t.len);
			e->addr_len = t.len;
		} else {
			return false;
		}
	}
	if (rc < 0 || !e->text[0])
		return false;
	if (e->action == ACT_DISPLAY)
		return e->payload_len > 0;
	return e->action == ACT_SMS && e->addr_len > 0;
}

static uint16_t stk_install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	stkmenu *x = calloc(1, sizeof(*x));
	if (!x)
		return VEUICC_SW_MEMORY_FAILURE;
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	veuicc_tlv_reader_init(&r, p->c9, p->c9_len, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_TITLE && t.len >= 1 && t.len <= TEXT_MAX) {
			char title[TEXT_MAX + 1] = {0};
			memcpy(title, t.value, t.len);
			if (env->svc->menu_title(env, title))
				break;
		} else if (t.tag == TAG_ENTRY && x->n < ENTRIES_MAX &&
		           parse_entry(&t, &x->e[x->n])) {
			/* the runtime knows the entries of the EA parameters: one
			 * more text than entries is refused there */
			if (env->svc->menu_text(env, x->n, x->e[x->n].text))
				break;
			x->n++;
		} else {
			break;
		}
	}
	if (rc != 0 || x->n == 0) {
		free(x);
		return VEUICC_SW_WRONG_DATA; /* INSTALL: incorrect parameters */
	}
	if (!p->restoring) {
		static const uint8_t zero[4];
		(void)veuicc_applet_put(env, "count", zero, sizeof(zero));
	}
	*ctx = x;
	return VEUICC_SW_OK;
}

static void stk_uninstall(void *ctx, veuicc_applet_env *env)
{
	(void)env;
	free(ctx);
}

#define INS_GET_DATA 0xCA
#define DO_COUNT     0x0001
#define DO_RESULT    0x0002
#define CTAG_RESULT  0x03

static uint16_t stk_process(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)ctx;
	if (!(a->cla & 0x80) || a->ins != INS_GET_DATA)
		return VEUICC_SW_INS_NOT_SUPP;
	if (a->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t tag = (uint16_t)(a->p1 << 8 | a->p2);
	uint8_t v[4];
	long n = tag == DO_COUNT    ? veuicc_applet_get(env, "count", v, 4)
	         : tag == DO_RESULT ? veuicc_applet_get(env, "result", v, 1)
	                            : -1;
	if (n <= 0)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	return veuicc_applet_respond(env, v, (size_t)n) ? VEUICC_SW_MEMORY_FAILURE : VEUICC_SW_OK;
}

/* The general result of a TERMINAL RESPONSE (COMPREHENSION-TLV 03/83). */
static void keep_result(veuicc_applet_env *env, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 2 <= n && d[i + 1] < 0x80;) {
		size_t l = d[i + 1];
		if (i + 2 + l > n)
			return;
		if ((d[i] & 0x7F) == CTAG_RESULT && l >= 1) {
			(void)veuicc_applet_put(env, "result", d + i + 2, 1);
			return;
		}
		i += 2 + l;
	}
}

static void count_selection(veuicc_applet_env *env)
{
	uint8_t c[4] = {0};
	(void)veuicc_applet_get(env, "count", c, sizeof(c));
	for (int i = 3; i >= 0; i--)
		if (++c[i])
			break;
	(void)veuicc_applet_put(env, "count", c, sizeof(c));
}

static uint16_t display(veuicc_applet_env *env, const uint8_t *text, size_t len)
{
	uint8_t body[4 + PAYLOAD_MAX];
	size_t n = 0;
	body[n++] = CTAG_TEXT;
	body[n++] = (uint8_t)(1 + len);
	body[n++] = DCS_8BIT;
	memcpy(body + n, text, len);
	n += len;
	int rc = env->svc->proactive(env, CMD_DISPLAY_TEXT, QUAL_WAIT_CLEAR, DEV_DISPLAY, body, n);
	return rc ? VEUICC_SW_COND_NOT_SATISFIED : VEUICC_SW_OK;
}

static uint16_t send_sms(veuicc_applet_env *env, const entry *e)
{
	/* SMS-SUBMIT: MTI 01 (no validity period), TP-MR 00, TP-DA, TP-PID 00,
	 * TP-DCS 04 (8-bit), TP-UDL, TP-UD */
	uint8_t tpdu[8 + ADDR_MAX + PAYLOAD_MAX], body[3 + sizeof(tpdu)];
	size_t n = 0;
	tpdu[n++] = 0x01;
	tpdu[n++] = 0x00;
	memcpy(tpdu + n, e->addr, e->addr_len);
	n += e->addr_len;
	tpdu[n++] = 0x00;
	tpdu[n++] = DCS_8BIT;
	tpdu[n++] = (uint8_t)e->payload_len;
	memcpy(tpdu + n, e->payload, e->payload_len);
	n += e->payload_len;
	size_t b = 0;
	body[b++] = CTAG_SMS_TPDU;
	if (n >= 0x80)
		body[b++] = 0x81;
	body[b++] = (uint8_t)n;
	memcpy(body + b, tpdu, n);
	b += n;
	int rc = env->svc->proactive(env, CMD_SEND_SMS, 0x00, DEV_NETWORK, body, b);
	return rc ? VEUICC_SW_COND_NOT_SATISFIED : VEUICC_SW_OK;
}

static uint16_t stk_event(void *ctx, veuicc_applet_env *env, const veuicc_applet_event *ev)
{
	stkmenu *x = ctx;
	if (ev->type == VEUICC_APPLET_EV_TERMINAL_RESPONSE) {
		keep_result(env, ev->data, ev->len);
		return VEUICC_SW_OK;
	}
	if (ev->type != VEUICC_APPLET_EV_MENU_SELECTION || ev->entry >= x->n)
		return VEUICC_SW_OK;
	const entry *e = &x->e[ev->entry];
	count_selection(env);
	if (ev->help || e->action == ACT_DISPLAY)
		return ev->help ? display(env, (const uint8_t *)e->text, strlen(e->text))
		                : display(env, e->payload, e->payload_len);
	return send_sms(env, e);
}

static const veuicc_applet_module modules[] = {{
    .aid = mod_aid,
    .aid_len = sizeof(mod_aid),
    .name = "STK menu",
    .events = VEUICC_APPLET_EV_MENU_SELECTION | VEUICC_APPLET_EV_TERMINAL_RESPONSE,
    .install = stk_install,
    .process = stk_process,
    .event = stk_event,
    .uninstall = stk_uninstall,
}};

const veuicc_applet_package veuicc_applet_pkg_stkmenu = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "SIM toolkit menu",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = modules,
    .nmodules = 1,
};
