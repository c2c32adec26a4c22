/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Timers for applets (docs/applets.md "Timers", decision AP20): an instance
 * takes one of the terminal's timers with TIMER MANAGEMENT (ETSI TS 102 223
 * §6.4.21) and gets its Timer expiration ENVELOPE (§7.4, tag D7) as an
 * event. Timer identifiers (§8.37, 1..8): 01 belongs to the card's SCP81
 * admin agent (src/cat/bip.c, its retry delay), 02..08 to applets, handed
 * out lowest first; an ENVELOPE is routed by its timer identifier. Timers
 * are volatile: a TERMINAL PROFILE (new card session) frees them all.
 */
#include "applet/rt_int.h"

#include <string.h>

#include "apdu/sw.h"
#include "cat/bip.h"
#include "cat/proactive.h"

/* TS 102 223 §8 COMPREHENSION-TLV tags (CR bit set) and §8.6 qualifiers */
#define CR             0x80
#define CT_DEV_IDS     0x02
#define CT_RESULT      0x03
#define CT_TIMER_ID    0x24
#define CT_TIMER_VALUE 0x25
#define TIMER_START    0x00 /* §8.6 TIMER MANAGEMENT: start */
#define TIMER_STOP     0x01 /* §8.6 TIMER MANAGEMENT: deactivate */
#define RESULT_OK_LAST 0x0F /* §8.12: 0X results are successful */
#define SECONDS_MAX    86399u
/* TS 102 223 §5.2 TERMINAL PROFILE (0-based byte, bit) */
#define TP_TIMER_EXPIRY_BYTE 0 /* byte 1 b6: timer expiration */
#define TP_TIMER_EXPIRY_BIT  0x20
#define TP_TIMER_MGMT_BYTE   7 /* byte 8 b1: TIMER MANAGEMENT (start, stop) */
#define TP_TIMER_MGMT_BIT    0x01

static size_t owned(const struct veuicc_applets *a, const rt_inst *x)
{
	size_t n = 0;
	for (unsigned t = RT_TIMER_FIRST; t <= RT_TIMER_LAST; t++)
		n += a->timer[t] == x;
	return n;
}

/* §8.38: hours, minutes, seconds, each BCD with the nibbles swapped. */
static uint8_t bcd_swapped(unsigned v)
{
	return (uint8_t)((v % 10) << 4 | v / 10);
}

int veuicc_applets_timer_start(veuicc_applet_env *env, uint32_t seconds)
{
	rt_inst *x = env->rt;
	struct veuicc_applets *a = x->card->applets;
	if (!seconds || seconds > SECONDS_MAX || !a)
		return VEUICC_ERR_INVALID_ARG;
	if (!veuicc_cat_tp_has(x->card, TP_TIMER_MGMT_BYTE, TP_TIMER_MGMT_BIT) ||
	    !veuicc_cat_tp_has(x->card, TP_TIMER_EXPIRY_BYTE, TP_TIMER_EXPIRY_BIT))
		return VEUICC_ERR_UNSUPPORTED;
	if (owned(a, x) >= x->max_timers)
		return VEUICC_ERR_STATE; /* TS 102 226 §8.2.1.3.2.1 maximum number of timers */
	unsigned t = RT_TIMER_FIRST;
	while (t <= RT_TIMER_LAST && a->timer[t])
		t++;
	if (t > RT_TIMER_LAST)
		return VEUICC_ERR_STATE; /* every applet timer is taken */
	const uint8_t body[] = {CT_TIMER_ID | CR,
	                        1,
	                        (uint8_t)t,
	                        CT_TIMER_VALUE | CR,
	                        3,
	                        bcd_swapped(seconds / 3600),
	                        bcd_swapped(seconds / 60 % 60),
	                        bcd_swapped(seconds % 60)};
	int rc = veuicc_applets_queue(x, VEUICC_CAT_CMD_TIMER, TIMER_START, VEUICC_CAT_DEV_TERMINAL,
	                              body, sizeof(body), (uint8_t)t);
	if (rc)
		return rc;
	a->timer[t] = x;
	return (int)t;
}

int veuicc_applets_timer_stop(veuicc_applet_env *env, uint8_t timer)
{
	rt_inst *x = env->rt;
	struct veuicc_applets *a = x->card->applets;
	if (!a || timer < RT_TIMER_FIRST || timer > RT_TIMER_LAST || a->timer[timer] != x)
		return VEUICC_ERR_INVALID_ARG; /* not one of its timers */
	const uint8_t body[] = {CT_TIMER_ID | CR, 1, timer};
	int rc = veuicc_applets_queue(x, VEUICC_CAT_CMD_TIMER, TIMER_STOP, VEUICC_CAT_DEV_TERMINAL,
	                              body, sizeof(body), 0);
	if (!rc)
		a->timer[timer] = NULL;
	return rc;
}

/* The simple TLVs of a COMPREHENSION-TLV list: the one with \p tag (CR bit
 * ignored), its value in *v. -1: absent, -2: malformed. */
static long find_ctlv(const uint8_t *p, size_t n, uint8_t tag, const uint8_t **v)
{
	long found = -1;
	for (size_t i = 0; i < n;) {
		if (i + 2 > n)
			return -2;
		size_t l = p[i + 1], h = 2;
		if (l == 0x81 && i + 3 <= n && p[i + 2] >= 0x80) {
			l = p[i + 2];
			h = 3;
		} else if (l > 0x7F) {
			return -2;
		}
		if (l > n - i - h)
			return -2;
		if (found < 0 && (p[i] & ~CR) == tag) {
			*v = p + i + h;
			found = (long)l;
		}
		i += h + l;
	}
	return found;
}

void veuicc_applets_timer_response(veuicc_card *card, rt_inst *x, uint8_t timer, const uint8_t *d,
                                   size_t len)
{
	struct veuicc_applets *a = card->applets;
	const uint8_t *v = NULL;
	long l = find_ctlv(d, len, CT_RESULT, &v);
	/* §6.4.21: a start the terminal could not do leaves the timer free */
	if (l < 1 || v[0] > RESULT_OK_LAST)
		if (a && timer <= RT_TIMER_LAST && a->timer[timer] == x)
			a->timer[timer] = NULL;
}

uint16_t veuicc_applets_timer_envelope(veuicc_card *card, const uint8_t *d, size_t n,
                                       veuicc_rsp *rsp)
{
	struct veuicc_applets *a = card->applets;
	size_t len, h;
	if (n >= 2 && d[1] < 0x80) {
		len = d[1];
		h = 1;
	} else if (n >= 3 && d[1] == 0x81 && d[2] >= 0x80) {
		len = d[2];
		h = 2;
	} else {
		return 0; /* the card's envelope code answers malformed ones */
	}
	if (1 + h + len != n)
		return 0;
	const uint8_t *body = d + 1 + h, *v = NULL;
	if (find_ctlv(body, len, CT_TIMER_ID, &v) != 1)
		return 0;
	uint8_t t = v[0];
	if (!a || t < RT_TIMER_FIRST || t > RT_TIMER_LAST || !a->timer[t])
		return 0; /* not an applet's: timer 01 is the SCP81 agent's */
	rt_inst *x = a->timer[t];
	a->timer[t] = NULL; /* §6.4.21: an expired timer is free again */
	if (!x->live || !veuicc_applets_visible(card, x) || !x->mod->event ||
	    !(x->mod->events & VEUICC_APPLET_EV_TIMER))
		return VEUICC_SW_OK; /* nobody to tell: the envelope is done */
	veuicc_applet_event ev = {
	    .type = VEUICC_APPLET_EV_TIMER, .item = t, .data = body, .len = len};
	x->rsp = rsp;
	uint16_t sw = x->mod->event(x->ctx, &x->env, &ev);
	x->rsp = NULL;
	if (x->saved) /* an applet transaction left open is aborted */
		(void)x->env.svc->txn_abort(&x->env);
	return sw;
}

void veuicc_applets_timers_drop(struct veuicc_applets *a, const rt_inst *x)
{
	for (unsigned t = RT_TIMER_FIRST; a && t <= RT_TIMER_LAST; t++)
		if (!x || a->timer[t] == x)
			a->timer[t] = NULL;
}
