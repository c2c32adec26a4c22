/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Card quirks (docs/quirks.md, docs/spec-decisions.md Q*): their text form,
 * the ATR they build, and veuicc_card_set_quirks().
 */
#include "core/quirks.h"

#include <stdio.h>
#include <string.h>

#include "apdu/atr.h"
#include "core/card.h"
#include "uicc/fs.h"

/* ---- ATR ----------------------------------------------------------------- */

/* ISO 7816-3 §8.3 Table 7/8: the TA1 values offered (Fi/Di pairs real UICCs
 * announce: 11 = 372/1 default, 13 = 372/4, 18 = 372/12, 94..97 = 512/8..64). */
static const uint8_t ta1_ok[] = {0x11, 0x13, 0x18, 0x94, 0x95, 0x96, 0x97};

#define ATR_TS            0x3B /* direct convention */
#define ATR_T0_Y_TA_TD    0x90 /* TA1 and TD1 follow */
#define ATR_TD_T0_MORE    0x80 /* TD: TD(i+1) follows, T=0 */
#define ATR_TD_T1_MORE    0x81 /* TD: TD(i+1) follows, T=1 */
#define ATR_TD_T1_TA_TD   0x91 /* TD: TA(i+1) and TD(i+1) follow, T=1 */
#define ATR_TD_T15_TA     0x1F /* TD: TA(i+1) follows, T=15 */
#define ATR_IFSC          0xFE /* T=1 IFSC 254 */
#define ATR_CLOCK_NO_PREF 0xC0 /* TA for T=15 b8b7: clock stop, no preference */
#define ATR_CLASS_ALL     0x07 /* classes A, B, C (TS 102 221 §6.2.1) */

/* the historical bytes of the default ATR (apdu/atr.c) */
static const uint8_t hist[] = {0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0xDF, 0x83, 0x00, 0x90, 0x00};
/* card capabilities, third byte (ISO 7816-4 §8.1.1.2.7): b7 extended Lc/Le,
 * which a T=0-only card cannot carry (decision Q2) */
#define HIST_CAPS3       6
#define HIST_CAPS3_EXTLC 0x40

int veuicc_quirks_touch_atr(const veuicc_quirks *q)
{
	return q->atr_ta1 || q->atr_classes || q->atr_protocols;
}

size_t veuicc_quirks_atr(const veuicc_quirks *q, uint8_t *buf)
{
	if (!veuicc_quirks_touch_atr(q))
		return veuicc_atr_default(buf);
	size_t n = 0;
	buf[n++] = ATR_TS;
	buf[n++] = (uint8_t)(ATR_T0_Y_TA_TD | sizeof(hist));
	buf[n++] = q->atr_ta1 ? q->atr_ta1 : 0x96;
	switch (q->atr_protocols) {
	case VEUICC_QUIRK_PROTO_T0: /* TD1 T=0, TD2 T=15 */ buf[n++] = ATR_TD_T0_MORE; break;
	case VEUICC_QUIRK_PROTO_T1: /* TD1 T=1, TD2 T=1 (IFSC in TA3), TD3 T=15 */
		buf[n++] = ATR_TD_T1_MORE;
		buf[n++] = ATR_TD_T1_TA_TD;
		buf[n++] = ATR_IFSC;
		break;
	default: /* TD1 T=0, TD2 T=1 (IFSC in TA3), TD3 T=15 */
		buf[n++] = ATR_TD_T0_MORE;
		buf[n++] = ATR_TD_T1_TA_TD;
		buf[n++] = ATR_IFSC;
		break;
	}
	buf[n++] = ATR_TD_T15_TA;
	buf[n++] = (uint8_t)(ATR_CLOCK_NO_PREF | (q->atr_classes ? q->atr_classes : ATR_CLASS_ALL));
	memcpy(buf + n, hist, sizeof(hist));
	if (q->atr_protocols == VEUICC_QUIRK_PROTO_T0)
		buf[n + HIST_CAPS3] &= (uint8_t)~HIST_CAPS3_EXTLC;
	n += sizeof(hist);
	/* ISO 7816-3 §8.2.5: TCK present (T=15 is indicated), XOR of T0..TCK is 0 */
	uint8_t tck = 0;
	for (size_t i = 1; i < n; i++)
		tck ^= buf[i];
	buf[n++] = tck;
	return n;
}

/* ---- checks and flags ------------------------------------------------------ */

static int refresh_ok(uint8_t v)
{
	/* TS 102 223 §8.6: qualifiers needing no file list (01 and 02 need one) */
	return v == 0x00 || v == 0x03 || v == 0x04 || v == 0x05 || v == 0x06 || v == 0x09;
}

int veuicc_quirks_check(const veuicc_quirks *q)
{
	if (!q)
		return VEUICC_ERR_INVALID_ARG;
	if (q->atr_ta1 && !memchr(ta1_ok, q->atr_ta1, sizeof(ta1_ok)))
		return VEUICC_ERR_INVALID_ARG;
	if (q->atr_classes > ATR_CLASS_ALL || q->atr_protocols > VEUICC_QUIRK_PROTO_T1)
		return VEUICC_ERR_INVALID_ARG;
	if (q->refresh_force ? !refresh_ok(q->refresh_qualifier) : q->refresh_qualifier != 0)
		return VEUICC_ERR_INVALID_ARG;
	if (q->t0_case2 > VEUICC_QUIRK_T0_CASE2_61 || q->t0_case4 > VEUICC_QUIRK_T0_CASE4_DATA ||
	    q->t0_le00 > VEUICC_QUIRK_T0_LE00_EXACT)
		return VEUICC_ERR_INVALID_ARG;
	return VEUICC_OK;
}

unsigned veuicc_quirks_fs_flags(const veuicc_quirks *q)
{
	return (q->fcp_no_pin_status ? VEUICC_FSQ_NO_PIN_STATUS : 0) |
	       (q->fcp_no_proprietary ? VEUICC_FSQ_NO_PROPRIETARY : 0) |
	       (q->fcp_no_sfi ? VEUICC_FSQ_NO_SFI_TAG : 0) |
	       (q->sfi_unsupported ? VEUICC_FSQ_SFI_UNSUPP : 0);
}

void veuicc_quirks_merge(veuicc_quirks *base, const veuicc_quirks *over)
{
#define TAKE(f)                                                                                    \
	do {                                                                                       \
		if (over->f)                                                                       \
			base->f = over->f;                                                         \
	} while (0)
	TAKE(atr_ta1);
	TAKE(atr_classes);
	TAKE(atr_protocols);
	TAKE(fcp_no_pin_status);
	TAKE(fcp_no_proprietary);
	TAKE(fcp_no_sfi);
	TAKE(sfi_unsupported);
	if (over->refresh_force) {
		base->refresh_force = 1;
		base->refresh_qualifier = over->refresh_qualifier;
	}
	TAKE(t0_case2);
	TAKE(t0_case4);
	TAKE(t0_le00);
#undef TAKE
}

/* ---- text form ------------------------------------------------------------- */

typedef struct qname {
	const char *name;
	const char *values; /* for messages */
} qname;

static int hexbyte(const char *v, uint8_t *out)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	if (strlen(v) != 2)
		return -1;
	const char *a = strchr(digits, v[0]), *b = strchr(digits, v[1]);
	if (!a || !b || !v[0] || !v[1])
		return -1;
	*out = (uint8_t)(((a - digits) % 16) << 4 | ((b - digits) % 16));
	return 0;
}

static int flag(const char *v, uint8_t *out)
{
	if (!v || !strcmp(v, "1") || !strcmp(v, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "0") || !strcmp(v, "off")) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int pick(const char *v, const char *const *names, size_t n, uint8_t *out)
{
	for (size_t i = 0; v && i < n; i++)
		if (!strcmp(v, names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	return -1;
}

static const char *const proto_names[] = {"both", "t0", "t1"};
static const char *const case2_names[] = {"6cxx", "61xx"};
static const char *const case4_names[] = {"61xx", "data"};
static const char *const le00_names[] = {"256", "exact"};
static const char *const class_names[] = {"", "A", "B", "AB", "C", "AC", "BC", "ABC"};

/* One NAME[=VALUE] item; \p v NULL when there is no '='. */
static int parse_item(const char *k, const char *v, veuicc_quirks *q, char *msg, size_t msg_len)
{
	const char *want = NULL;
	int bad = 0;
	uint8_t b;
	if (!strcmp(k, "atr-ta1")) {
		want = "11, 13, 18, 94, 95, 96 or 97 (hex)";
		bad = !v || hexbyte(v, &b) || !memchr(ta1_ok, b, sizeof(ta1_ok));
		if (!bad)
			q->atr_ta1 = b;
	} else if (!strcmp(k, "atr-classes")) {
		want = "A, B, C, AB, AC, BC or ABC";
		bad = !v || !v[0] || pick(v, class_names, 8, &b);
		if (!bad)
			q->atr_classes = b;
	} else if (!strcmp(k, "atr-protocols")) {
		want = "both, t0 or t1";
		bad = pick(v, proto_names, 3, &b);
		if (!bad)
			q->atr_protocols = b;
	} else if (!strcmp(k, "fcp-no-pin-status")) {
		want = "nothing, 1 or 0";
		bad = flag(v, &q->fcp_no_pin_status);
	} else if (!strcmp(k, "fcp-no-proprietary")) {
		want = "nothing, 1 or 0";
		bad = flag(v, &q->fcp_no_proprietary);
	} else if (!strcmp(k, "fcp-no-sfi")) {
		want = "nothing, 1 or 0";
		bad = flag(v, &q->fcp_no_sfi);
	} else if (!strcmp(k, "sfi-unsupported")) {
		want = "nothing, 1 or 0";
		bad = flag(v, &q->sfi_unsupported);
	} else if (!strcmp(k, "refresh")) {
		want = "00, 03, 04, 05, 06, 09 (hex qualifier, TS 102 223 §8.6) or default";
		if (v && !strcmp(v, "default")) {
			q->refresh_force = q->refresh_qualifier = 0;
		} else {
			bad = !v || hexbyte(v, &b) || !refresh_ok(b);
			if (!bad) {
				q->refresh_force = 1;
				q->refresh_qualifier = b;
			}
		}
	} else if (!strcmp(k, "t0-case2")) {
		want = "6cxx or 61xx";
		bad = pick(v, case2_names, 2, &q->t0_case2);
	} else if (!strcmp(k, "t0-case4")) {
		want = "61xx or data";
		bad = pick(v, case4_names, 2, &q->t0_case4);
	} else if (!strcmp(k, "t0-le00")) {
		want = "256 or exact";
		bad = pick(v, le00_names, 2, &q->t0_le00);
	} else {
		if (msg && msg_len)
			snprintf(msg, msg_len, "unknown quirk '%s' (docs/quirks.md)", k);
		return VEUICC_ERR_INVALID_ARG;
	}
	if (bad) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "quirk %s: bad value '%s': takes %s", k, v ? v : "",
			         want);
		return VEUICC_ERR_INVALID_ARG;
	}
	return VEUICC_OK;
}

int veuicc_quirks_parse(const char *spec, veuicc_quirks *q, char *msg, size_t msg_len)
{
	if (msg && msg_len)
		msg[0] = '\0';
	if (!spec || !q)
		return VEUICC_ERR_INVALID_ARG;
	char item[96];
	const char *p = spec;
	while (*p) {
		size_t n = strcspn(p, ",;");
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(item)) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "quirk item too long: '%.20s...'", p);
			return VEUICC_ERR_INVALID_ARG;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		int rc = parse_item(item, eq ? eq + 1 : NULL, q, msg, msg_len);
		if (rc)
			return rc;
		p += n;
	}
	return VEUICC_OK;
}

static int put(char *buf, size_t cap, size_t *n, const char *name, const char *val)
{
	int w = snprintf(buf + *n, cap - *n, "%s%s%s%s", *n ? "," : "", name, val ? "=" : "",
	                 val ? val : "");
	if (w < 0 || (size_t)w >= cap - *n)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	*n += (size_t)w;
	return VEUICC_OK;
}

int veuicc_quirks_format(const veuicc_quirks *q, char *buf, size_t cap)
{
	if (!q || !buf || !cap)
		return VEUICC_ERR_INVALID_ARG;
	if (veuicc_quirks_check(q))
		return VEUICC_ERR_INVALID_ARG;
	size_t n = 0;
	int rc = VEUICC_OK;
	char hx[3];
	buf[0] = '\0';
	if (q->atr_ta1) {
		snprintf(hx, sizeof(hx), "%02X", q->atr_ta1);
		rc |= put(buf, cap, &n, "atr-ta1", hx);
	}
	if (q->atr_classes)
		rc |= put(buf, cap, &n, "atr-classes", class_names[q->atr_classes]);
	if (q->atr_protocols)
		rc |= put(buf, cap, &n, "atr-protocols", proto_names[q->atr_protocols]);
	if (q->fcp_no_pin_status)
		rc |= put(buf, cap, &n, "fcp-no-pin-status", NULL);
	if (q->fcp_no_proprietary)
		rc |= put(buf, cap, &n, "fcp-no-proprietary", NULL);
	if (q->fcp_no_sfi)
		rc |= put(buf, cap, &n, "fcp-no-sfi", NULL);
	if (q->sfi_unsupported)
		rc |= put(buf, cap, &n, "sfi-unsupported", NULL);
	if (q->refresh_force) {
		snprintf(hx, sizeof(hx), "%02X", q->refresh_qualifier);
		rc |= put(buf, cap, &n, "refresh", hx);
	}
	if (q->t0_case2)
		rc |= put(buf, cap, &n, "t0-case2", case2_names[q->t0_case2]);
	if (q->t0_case4)
		rc |= put(buf, cap, &n, "t0-case4", case4_names[q->t0_case4]);
	if (q->t0_le00)
		rc |= put(buf, cap, &n, "t0-le00", le00_names[q->t0_le00]);
	return rc ? VEUICC_ERR_BUFFER_TOO_SMALL : VEUICC_OK;
}

/* ---- the card ---------------------------------------------------------------- */

int veuicc_card_set_quirks(veuicc_card *card, const veuicc_quirks *q)
{
	if (!card || veuicc_quirks_check(q))
		return VEUICC_ERR_INVALID_ARG;
	if (card->atr_custom && veuicc_quirks_touch_atr(q))
		return VEUICC_ERR_INVALID_ARG; /* an explicit ATR is the caller's */
	if (!card->atr_custom) {
		uint8_t atr[VEUICC_ATR_MAX];
		veuicc_atr_info info;
		size_t n = veuicc_quirks_atr(q, atr);
		if (veuicc_atr_parse(atr, n, &info))
			return VEUICC_ERR_INTERNAL;
		/* the card announces its new ATR at the next reset */
		memcpy(card->atr, atr, n);
		card->atr_len = n;
		card->atr_info = info;
	}
	card->quirks = *q;
	card->engine.t0_case2 = q->t0_case2;
	card->engine.t0_case4 = q->t0_case4;
	card->engine.t0_le00 = q->t0_le00;
	unsigned f = veuicc_quirks_fs_flags(q);
	for (size_t i = 0; i < card->profiles.count; i++)
		if (card->profiles.slot[i].fs)
			card->profiles.slot[i].fs->quirks = f;
	return VEUICC_OK;
}

int veuicc_card_get_quirks(const veuicc_card *card, veuicc_quirks *out)
{
	if (!card || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = card->quirks;
	return VEUICC_OK;
}
