/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test bench fault injection (docs/testbench.md, issue 11 item 2): power cut
 * at the Nth persistent write (the store's hook, store.h), an injected status
 * word for a chosen command, per-APDU latency (kept here, slept by the
 * driver or CLI), a discarded proactive command and a corrupted SMS-PP
 * segment. Deterministic: every count starts when the fault is armed; every
 * fault logs one line when it fires.
 */
#include "core/fault.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/card.h"
#include "store/store.h"
#include "core/hex.h"

#define FAULT_SW_MAX      8    /* sw: items armed at once */
#define FAULT_PATTERN_MAX 32   /* bytes of an APDU prefix */
#define INS_ENVELOPE      0xC2 /* TS 102 221 §10.2 */
#define TAG_SMS_PP        0xD1 /* TS 102 223 §9.1: SMS-PP download */
#define CTAG_SMS_TPDU     0x0B /* TS 102 223 §8.13, CR bit masked */

struct fault_sw {
	uint8_t pat[FAULT_PATTERN_MAX];
	uint8_t any[FAULT_PATTERN_MAX]; /* 1: "xx", any byte */
	size_t len;
	uint16_t sw;
	uint64_t nth, seen;
	bool armed;
};

struct veuicc_fault {
	veuicc_log_fn log;
	void *log_ctx;
	bool cut_armed;
	uint64_t cut_n; /* the Nth write from when it was armed */
	struct fault_sw sw[FAULT_SW_MAX];
	unsigned latency_ms;
	uint64_t apdus;
	bool drop_armed;
	uint64_t drop_n, drop_seen;
	bool ota_armed;
	uint64_t ota_n, ota_seen;
	long ota_off; /* -1: the last byte */
};

__attribute__((format(printf, 2, 3))) static void flog(struct veuicc_fault *f, const char *fmt, ...)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "veuicc fault: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (f->log)
		f->log(f->log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
}

static struct veuicc_fault *state(veuicc_card *card)
{
	if (!card->fault) {
		card->fault = calloc(1, sizeof(*card->fault));
		if (card->fault)
			card->fault->ota_off = -1;
	}
	return card->fault;
}

void veuicc_fault_free(struct veuicc_fault *f)
{
	free(f);
}

void veuicc_set_log(veuicc_card *card, veuicc_log_fn fn, void *ctx)
{
	if (!card)
		return;
	struct veuicc_fault *f = state(card);
	if (f) {
		f->log = fn;
		f->log_ctx = ctx;
	}
}

void veuicc_card_log(veuicc_card *card, const char *line)
{
	struct veuicc_fault *f = card->fault;
	if (f && f->log)
		f->log(f->log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
}

/* ---- parsing a spec ----------------------------------------------------- */

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 18)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* hex with "xx" wildcards */
static bool parse_pattern(const char *s, size_t n, struct fault_sw *w)
{
	if (n == 0 || n % 2 || n / 2 > FAULT_PATTERN_MAX)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		char a = s[2 * i], b = s[2 * i + 1];
		if ((a == 'x' || a == 'X') && (b == 'x' || b == 'X')) {
			w->any[i] = 1;
			w->pat[i] = 0;
			continue;
		}
		int h = veuicc_hex_digit(a), l = veuicc_hex_digit(b);
		if (h < 0 || l < 0)
			return false;
		w->any[i] = 0;
		w->pat[i] = (uint8_t)(h << 4 | l);
	}
	w->len = n / 2;
	return true;
}

/* One item: fields split at ':' (at most 4). */
static int arm_item(veuicc_card *card, struct veuicc_fault *f, const char *item, size_t len,
                    bool dry)
{
	const char *fld[4];
	size_t fl[4], nf = 0;
	const char *p = item, *end = item + len;
	while (nf < 4) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		fld[nf] = p;
		fl[nf] = c ? (size_t)(c - p) : (size_t)(end - p);
		nf++;
		if (!c)
			break;
		p = c + 1;
	}
	if (fld[nf - 1] + fl[nf - 1] != end)
		return VEUICC_ERR_MALFORMED; /* a fifth field */
#define IS(s) (fl[0] == strlen(s) && !memcmp(fld[0], s, fl[0]))
	uint64_t n = 0, off = 0;
	if (IS("cut")) {
		if (nf != 2 || !parse_u64(fld[1], fl[1], &n) || !n)
			return VEUICC_ERR_MALFORMED;
		if (card && !card->store)
			return VEUICC_ERR_UNSUPPORTED; /* a card in memory writes nothing */
		if (dry || !card)
			return VEUICC_OK;
		veuicc_store_set_fault(card->store, n);
		f->cut_armed = true;
		f->cut_n = n;
		return VEUICC_OK;
	}
	if (IS("sw")) {
		struct fault_sw w = {0};
		if (nf < 3 || fl[1] != 4 || !parse_pattern(fld[1], 4, &w) || w.any[0] || w.any[1] ||
		    !parse_pattern(fld[2], fl[2], &w))
			return VEUICC_ERR_MALFORMED;
		uint8_t swb[2];
		for (int i = 0; i < 2; i++)
			swb[i] = (uint8_t)(veuicc_hex_digit(fld[1][2 * i]) << 4 |
			                   veuicc_hex_digit(fld[1][2 * i + 1]));
		w.sw = (uint16_t)(swb[0] << 8 | swb[1]);
		w.nth = 1;
		if (nf == 4 && (!parse_u64(fld[3], fl[3], &w.nth) || !w.nth))
			return VEUICC_ERR_MALFORMED;
		w.armed = true;
		for (size_t i = 0; i < FAULT_SW_MAX; i++)
			if (!f->sw[i].armed) {
				f->sw[i] = w;
				return VEUICC_OK;
			}
		return VEUICC_ERR_NO_MEMORY;
	}
	if (IS("latency")) {
		if (nf != 2 || !parse_u64(fld[1], fl[1], &n) || n > 600000)
			return VEUICC_ERR_MALFORMED;
		f->latency_ms = (unsigned)n;
		return VEUICC_OK;
	}
	if (IS("drop")) {
		if (nf != 2 || !parse_u64(fld[1], fl[1], &n) || !n)
			return VEUICC_ERR_MALFORMED;
		f->drop_armed = true;
		f->drop_n = n;
		f->drop_seen = 0;
		return VEUICC_OK;
	}
	if (IS("ota")) {
		if (nf < 2 || nf > 3 || !parse_u64(fld[1], fl[1], &n) || !n ||
		    (nf == 3 && (!parse_u64(fld[2], fl[2], &off) || off > 255)))
			return VEUICC_ERR_MALFORMED;
		f->ota_armed = true;
		f->ota_n = n;
		f->ota_seen = 0;
		f->ota_off = nf == 3 ? (long)off : -1;
		return VEUICC_OK;
	}
#undef IS
	return VEUICC_ERR_MALFORMED;
}

int veuicc_card_fault(veuicc_card *card, const char *spec)
{
	if (!card || !spec)
		return VEUICC_ERR_INVALID_ARG;
	struct veuicc_fault *f = state(card);
	if (!f)
		return VEUICC_ERR_NO_MEMORY;
	/* check the whole spec on a copy first: nothing is armed on an error */
	struct veuicc_fault trial = *f;
	for (int pass = 0; pass < 2; pass++) {
		const char *p = spec;
		for (;;) {
			const char *e = strchr(p, ';');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			int rc = arm_item(card, pass ? f : &trial, p, n, pass == 0);
			if (rc)
				return rc;
			if (!e)
				break;
			p = e + 1;
		}
	}
	return VEUICC_OK;
}

int veuicc_fault_spec_check(const char *spec)
{
	if (!spec)
		return VEUICC_ERR_INVALID_ARG;
	struct veuicc_fault trial;
	memset(&trial, 0, sizeof(trial));
	const char *p = spec;
	for (;;) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int rc = arm_item(NULL, &trial, p, n, true);
		if (rc)
			return rc;
		if (!e)
			return VEUICC_OK;
		p = e + 1;
	}
}

void veuicc_card_fault_clear(veuicc_card *card)
{
	if (!card || !card->fault)
		return;
	struct veuicc_fault *f = card->fault;
	if (f->cut_armed && card->store)
		veuicc_store_set_fault(card->store, 0);
	veuicc_log_fn log = f->log;
	void *ctx = f->log_ctx;
	memset(f, 0, sizeof(*f));
	f->log = log;
	f->log_ctx = ctx;
	f->ota_off = -1;
}

unsigned veuicc_card_fault_latency(veuicc_card *card)
{
	if (!card || !card->fault || !card->fault->latency_ms)
		return 0;
	struct veuicc_fault *f = card->fault;
	flog(f, "latency %u ms before APDU %llu", f->latency_ms,
	     (unsigned long long)(f->apdus + 1));
	return f->latency_ms;
}

/* ---- hooks -------------------------------------------------------------- */

static bool sw_match(const struct fault_sw *w, const uint8_t *c, size_t n)
{
	if (n < w->len)
		return false;
	for (size_t i = 0; i < w->len; i++)
		if (!w->any[i] && c[i] != w->pat[i])
			return false;
	return true;
}

/* BER length at p (TS 102 223 Annex C: 1 or 81 xx; 82 xx xx for the D1). */
static size_t ber_len(const uint8_t *p, size_t avail, size_t *len)
{
	if (avail >= 1 && p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (avail >= 2 && p[0] == 0x81) {
		*len = p[1];
		return 2;
	}
	if (avail >= 3 && p[0] == 0x82) {
		*len = (size_t)p[1] << 8 | p[2];
		return 3;
	}
	return 0;
}

/* Offset and length of the SMS TPDU in an ENVELOPE (SMS-PP download)
 * C-APDU, or false if it is none. */
static bool find_tpdu(const uint8_t *c, size_t n, size_t *off, size_t *len)
{
	if (n < 6 || c[1] != INS_ENVELOPE)
		return false;
	size_t d = 5, lc = c[4];
	if (c[4] == 0) { /* extended Lc */
		if (n < 8)
			return false;
		lc = (size_t)c[5] << 8 | c[6];
		d = 7;
	}
	if (d + lc > n || lc < 2 || c[d] != TAG_SMS_PP)
		return false;
	size_t blen, h = ber_len(c + d + 1, lc - 1, &blen);
	if (!h || 1 + h + blen > lc)
		return false;
	size_t i = d + 1 + h, end = i + blen;
	while (i + 2 <= end) {
		size_t l, hh = ber_len(c + i + 1, end - i - 1, &l);
		if (!hh || i + 1 + hh + l > end)
			return false;
		if ((c[i] & 0x7f) == CTAG_SMS_TPDU) {
			*off = i + 1 + hh;
			*len = l;
			return l > 0;
		}
		i += 1 + hh + l;
	}
	return false;
}

int veuicc_fault_before_apdu(veuicc_card *card, const uint8_t **capdu, size_t *capdu_len,
                             uint8_t **owned, uint8_t *rapdu, size_t rapdu_cap, size_t *rapdu_len)
{
	*owned = NULL;
	struct veuicc_fault *f = card->fault;
	if (!f)
		return 0;
	f->apdus++;
	const uint8_t *c = *capdu;
	size_t n = *capdu_len;
	for (size_t i = 0; i < FAULT_SW_MAX; i++) {
		struct fault_sw *w = &f->sw[i];
		if (!w->armed || !sw_match(w, c, n) || ++w->seen < w->nth)
			continue;
		w->armed = false;
		if (!rapdu || rapdu_cap < 2)
			return 0;
		rapdu[0] = (uint8_t)(w->sw >> 8);
		rapdu[1] = (uint8_t)w->sw;
		*rapdu_len = 2;
		flog(f, "APDU %llu (%02X %02X %02X %02X, match %llu) answered %04X, not run",
		     (unsigned long long)f->apdus, c[0], n > 1 ? c[1] : 0, n > 2 ? c[2] : 0,
		     n > 3 ? c[3] : 0, (unsigned long long)w->seen, w->sw);
		return 1;
	}
	size_t off, len;
	if (f->ota_armed && find_tpdu(c, n, &off, &len) && ++f->ota_seen == f->ota_n) {
		f->ota_armed = false;
		size_t at = f->ota_off < 0 ? len - 1 : (size_t)f->ota_off;
		if (at >= len) {
			flog(f, "SMS-PP ENVELOPE %llu: TPDU has %zu bytes, byte %zu not corrupted",
			     (unsigned long long)f->ota_seen, len, at);
			return 0;
		}
		uint8_t *copy = malloc(n);
		if (!copy)
			return 0;
		memcpy(copy, c, n);
		copy[off + at] ^= 0xFF;
		flog(f,
		     "SMS-PP ENVELOPE %llu (APDU %llu): TPDU byte %zu of %zu inverted %02X -> %02X",
		     (unsigned long long)f->ota_seen, (unsigned long long)f->apdus, at, len,
		     c[off + at], copy[off + at]);
		*owned = copy;
		*capdu = copy;
	}
	return 0;
}

void veuicc_fault_write_failed(veuicc_card *card)
{
	struct veuicc_fault *f = card->fault;
	if (!f || !f->cut_armed || !card->store || !veuicc_store_is_powered_off(card->store))
		return;
	f->cut_armed = false;
	flog(f, "power cut at persistent write %llu since armed (store write %llu): card dies",
	     (unsigned long long)f->cut_n, (unsigned long long)veuicc_store_writes(card->store));
}

int veuicc_fault_drop_proactive(veuicc_card *card, uint8_t type)
{
	struct veuicc_fault *f = card->fault;
	if (!f || !f->drop_armed || ++f->drop_seen < f->drop_n)
		return 0;
	f->drop_armed = false;
	flog(f, "proactive command %llu (type %02X) discarded", (unsigned long long)f->drop_seen,
	     type);
	return 1;
}
