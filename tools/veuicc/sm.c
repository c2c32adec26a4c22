/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm.c
 * \brief The off-card SM-SR / SM-DP of `veuicc sm` (docs/sm.md): ES5 in SCP80
 *        SMS, ES8 (EstablishISDPKeySet, DownloadAndInstallation in SCP03t)
 *        tunnelled through the ISD-R, and the terminal around them.
 *        SCP80 packets are built with ota.c (scp/scp80.c); every SM-DP
 *        computation is in sm_crypto.c on mbedtls alone.
 */
#include "sm.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "saip/saip.h"
#include "scp/remote_apdu.h"
#include "tlv/tlv.h"
#include "uicc/auth/milenage.h"
#include "uicc/auth/testalg.h"

#ifndef VEUICC_DEFAULT_FACTORY
#define VEUICC_DEFAULT_FACTORY "factory/default.json"
#endif

/* SGP.02 Annex H / §2.2.3 */
static const uint8_t aid_elf[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00};
static const uint8_t aid_em[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00};
static const uint8_t aid_ecasd[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};

#define SW1_MORE       0x61
#define SW1_WRONG_LE   0x6C
#define SW1_PROACTIVE  0x91
#define INS_GET_RSP    0xC0
#define INS_FETCH      0x12
#define INS_TERM_RSP   0x14
#define INS_TERM_PROF  0x10
#define INS_INSTALL    0xE6
#define INS_STORE_DATA 0xE2
#define CMD_REFRESH    0x01 /* TS 102 223 §9.4 */
#define CMD_SEND_SMS   0x13
#define CT_DETAILS     0x01
#define CT_SMS_TPDU    0x0B
#define TAG_PROACTIVE  0xD0
#define IEI_RPI        0x71 /* TS 31.115 §4: response packet */
#define IEI_CPI        0x70 /* command packet */
#define SCRIPT_MAX     2048
#define APDUS_MAX      VEUICC_SM_SCRIPT_APDUS
#define SEG_DEFAULT    640  /* SCP03t plaintext per segment (one concatenated SMS) */
#define SEG_HTTPS      1024 /* ... over HTTPS: no SMS limit, fewer exchanges (--segment max) */
#define STORE_BLOCK    240  /* STORE DATA block of an SCP03t TLV */

/* ---- steps and errors ------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t wire_now(const veuicc_sm *sm)
{
	veuicc_sm_https_stats st;
	if (!sm->srv)
		return 0;
	veuicc_sm_https_get_stats(sm->srv, &st);
	return st.wire_in + st.wire_out;
}

void veuicc_sm_begin(veuicc_sm *sm, const char *function)
{
	memset(&sm->cur, 0, sizeof(sm->cur));
	sm->cur.wire = wire_now(sm); /* the count at the start, made a difference at the end */
	snprintf(sm->cur.function, sizeof(sm->cur.function), "%s", function);
	sm->cur.ms = now_ms();
	sm->error[0] = '\0';
	if (sm->on_step)
		sm->on_step(sm->on_step_arg, function);
	else if (sm->out)
		fprintf(sm->out, "%s\n", function);
}

int veuicc_sm_end(veuicc_sm *sm, int rc)
{
	veuicc_sm_step *s = &sm->cur;
	if (sm->https_open) {
		int c = veuicc_sm_https_close(sm); /* one admin session per function */
		if (!rc)
			rc = c;
	}
	s->wire = wire_now(sm) - s->wire;
	s->ms = now_ms() - s->ms;
	s->ok = rc == 0;
	if (rc && !s->detail[0])
		snprintf(s->detail, sizeof(s->detail), "%s", sm->error[0] ? sm->error : "failed");
	if (sm->out) {
		if (rc)
			fprintf(sm->out, "  FAILED: %s\n", s->detail);
		else if (s->detail[0])
			fprintf(sm->out, "  -> %s\n", s->detail);
		if (sm->https)
			fprintf(sm->out,
			        "  [%u APDUs, %u SMS, %zu bytes, %zu TLS bytes, %.1f ms]\n",
			        s->apdus, s->sms, s->bytes, s->wire, s->ms);
		else
			fprintf(sm->out, "  [%u APDUs, %u SMS, %zu bytes, %.1f ms]\n", s->apdus,
			        s->sms, s->bytes, s->ms);
	}
	if (sm->nsteps < VEUICC_SM_MAX_STEPS)
		sm->steps[sm->nsteps++] = *s;
	return rc;
}

__attribute__((format(printf, 2, 3))) static int fail(veuicc_sm *sm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sm->error, sizeof(sm->error), fmt, ap);
	va_end(ap);
	snprintf(sm->cur.detail, sizeof(sm->cur.detail), "%s", sm->error);
	return -1;
}

__attribute__((format(printf, 2, 3))) static void detail(veuicc_sm *sm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sm->cur.detail, sizeof(sm->cur.detail), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void say(veuicc_sm *sm, const char *fmt, ...)
{
	if (!sm->out)
		return;
	va_list ap;
	fputs("  ", sm->out);
	va_start(ap, fmt);
	vfprintf(sm->out, fmt, ap);
	va_end(ap);
	fputc('\n', sm->out);
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", b[i]);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void veuicc_sm_print_json(const veuicc_sm *sm, FILE *f, int ok)
{
	fprintf(f, "{\"ok\": %s, \"steps\": [", ok ? "true" : "false");
	for (size_t i = 0; i < sm->nsteps; i++) {
		const veuicc_sm_step *s = &sm->steps[i];
		fprintf(f, "%s\n  {\"function\": ", i ? "," : "");
		json_str(f, s->function);
		fprintf(f,
		        ", \"ok\": %s, \"apdus\": %u, \"sms\": %u, \"bytes\": %zu, \"ms\": %.3f, "
		        "\"detail\": ",
		        s->ok ? "true" : "false", s->apdus, s->sms, s->bytes, s->ms);
		json_str(f, s->detail);
		if (sm->https)
			fprintf(f, ", \"tls_bytes\": %zu", s->wire); /* --https (docs/scp81.md) */
		fputc('}', f);
	}
	fprintf(f, "],\n \"notifications\": [");
	for (size_t i = 0; i < sm->nnotifs; i++) {
		fprintf(f, "%s{\"type\": %u, \"seq\": %u, \"aid\": \"", i ? ", " : "",
		        sm->notifs[i].type, sm->notifs[i].seq);
		hex(f, sm->notifs[i].aid, sm->notifs[i].aid_len);
		fputs("\"}", f);
	}
	fputs("]", f);
	if (sm->iccid[0])
		fprintf(f, ",\n \"iccid\": \"%s\"", sm->iccid);
	if (sm->imsi[0])
		fprintf(f, ",\n \"imsi\": \"%s\"", sm->imsi);
	fputs("}\n", f);
}

int veuicc_sm_parse_aid(const char *s, uint8_t *aid, size_t *len)
{
	char why[64];
	size_t n = 0;
	if (veuicc_cli_ota_unhex(s, aid, 16, &n, why, sizeof(why)) || n < 5)
		return -1;
	*len = n;
	return 0;
}

/* ---- the terminal ------------------------------------------------------------ */

static void transcript(veuicc_sm *sm, char dir, const uint8_t *b, size_t n)
{
	if (!sm->transcript)
		return;
	fprintf(sm->transcript, "%c ", dir);
	hex(sm->transcript, b, n);
	fputc('\n', sm->transcript);
	fflush(sm->transcript);
}

static int xfer(veuicc_sm *sm, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	int rc = sm->xfer(sm->xctx, c, cn, r, cap, rn);
	if (rc)
		return rc;
	if (*rn < 2)
		return VEUICC_ERR_MALFORMED;
	sm->cur.apdus++;
	sm->cur.bytes += cn + *rn;
	if (sm->trace) {
		fputs("    > ", sm->trace);
		hex(sm->trace, c, cn);
		fputs("\n    < ", sm->trace);
		hex(sm->trace, r, *rn);
		fputc('\n', sm->trace);
	}
	return VEUICC_OK;
}

/* Send; after 61xx GET RESPONSE (after 6Cxx to it, again with Le = xx). */
static int collect(veuicc_sm *sm, const uint8_t *c, size_t cn, uint8_t *data, size_t cap,
                   size_t *dlen, uint16_t *sw)
{
	uint8_t r[VEUICC_RAPDU_MAX];
	uint8_t gr[5] = {0x00, INS_GET_RSP, 0x00, 0x00, 0x00}, again[5];
	size_t rn = 0;
	*dlen = 0;
	for (unsigned round = 0; round < 300; round++) {
		int rc = xfer(sm, c, cn, r, sizeof(r), &rn);
		if (rc)
			return rc;
		if (*dlen + rn - 2 > cap)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		memcpy(data + *dlen, r, rn - 2);
		*dlen += rn - 2;
		uint8_t sw1 = r[rn - 2], sw2 = r[rn - 1];
		*sw = (uint16_t)(sw1 << 8 | sw2);
		if (sw1 == SW1_WRONG_LE && c != gr && cn == 5 && cn <= sizeof(again)) {
			/* TS 102 221 §7.3.1.1.5: the same command with Le = xx */
			memcpy(again, c, cn);
			again[4] = sw2;
			c = again;
			*dlen = 0;
			continue;
		}
		if (sw1 == SW1_MORE || (sw1 == SW1_WRONG_LE && c == gr)) {
			if (c != gr)
				gr[0] = (uint8_t)(c[0] & 0x03); /* the command's channel */
			gr[4] = sw2;
			c = gr;
			cn = sizeof(gr);
			continue;
		}
		return VEUICC_OK;
	}
	return VEUICC_ERR_MALFORMED;
}

static int lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                  veuicc_scp80_counter **cntr)
{
	veuicc_sm *sm = ctx;
	(void)tar;
	if (kvn != sm->ota.ks.kvn)
		return VEUICC_SCP80_NO_KEYSET;
	*ks = &sm->ota.ks;
	memset(&sm->notif_cntr, 0, sizeof(sm->notif_cntr)); /* notifications: no counter */
	*cntr = &sm->notif_cntr;
	return VEUICC_SCP80_FOUND;
}

/* A notification SMS from the card: 02 70 00 ‖ command packet (SGP.02
 * §3.15.1) secured with the ISD-R's SCP80 keys; the data is E1 { 4C EID,
 * 4D type, 4E seq, 4F/2F AID }. */
static void take_e1(veuicc_sm *sm, const uint8_t *d, size_t dn, const char *how);

static void take_notification(veuicc_sm *sm, const uint8_t *pkt, size_t len)
{
	uint8_t out[256];
	veuicc_scp80_cmd cmd;
	if (len > sizeof(out) ||
	    veuicc_scp80_unwrap(pkt, len, lookup, sm, 0, out, sizeof(out), &cmd) != VEUICC_OK ||
	    cmd.status != VEUICC_SCP80_POR_OK) {
		say(sm, "an SMS from the card that does not verify with the ISD-R keys: ignored");
		return;
	}
	take_e1(sm, cmd.data, cmd.data_len, "SMS");
}

/* An E1 notification (SGP.02 §4.1.1.11) received by \p how. */
static void take_e1(veuicc_sm *sm, const uint8_t *d, size_t dn, const char *how)
{
	veuicc_tlv e1, t;
	if (veuicc_tlv_find(d, dn, 0, 0xE1, &e1) != 1) {
		say(sm, "a message from the card without an E1 notification: ignored");
		return;
	}
	veuicc_sm_notif n;
	memset(&n, 0, sizeof(n));
	if (veuicc_tlv_find(e1.value, e1.len, 0, 0x4D, &t) == 1 && t.len == 1)
		n.type = t.value[0];
	if (veuicc_tlv_find(e1.value, e1.len, 0, 0x4E, &t) == 1 && t.len == 2)
		n.seq = (uint16_t)(t.value[0] << 8 | t.value[1]);
	if ((veuicc_tlv_find(e1.value, e1.len, 0, 0x2F, &t) == 1 ||
	     veuicc_tlv_find(e1.value, e1.len, 0, 0xAF, &t) == 1 ||
	     veuicc_tlv_find(e1.value, e1.len, 0, 0x4F, &t) == 1) &&
	    t.len <= 16) {
		memcpy(n.aid, t.value, t.len);
		n.aid_len = t.len;
	}
	for (size_t i = 0; i < sm->nnotifs; i++)
		if (sm->notifs[i].seq == n.seq) {
			say(sm, "notification %u again (not confirmed yet)", n.seq);
			return;
		}
	if (sm->nnotifs < VEUICC_SM_MAX_NOTIFS)
		sm->notifs[sm->nnotifs++] = n;
	if (!strcmp(how, "SMS"))
		sm->notifs_sms++;
	else
		sm->notifs_https++;
	if (sm->out) {
		fprintf(sm->out, "  notification by %s: type %02X (%s), sequence %u, ISD-P ", how,
		        n.type, n.type == 2 ? "profile change succeeded" : "see SGP.02 §4.1.1.11",
		        n.seq);
		hex(sm->out, n.aid, n.aid_len);
		fputc('\n', sm->out);
	}
}

/* TP-UD of an SMS-SUBMIT (TS 23.040 §9.2.2.2), or NULL. */
static const uint8_t *submit_ud(const uint8_t *t, size_t n, size_t *ud_len)
{
	if (n < 4 || (t[0] & 0x03) != 0x01)
		return NULL;
	size_t k = 2 + 2 + (t[2] + 1) / 2; /* first octet, MR, DA */
	k += 2;                            /* PID, DCS */
	unsigned vpf = (t[0] >> 3) & 0x03;
	k += vpf == 0x02 ? 1 : vpf ? 7 : 0;
	if (k >= n || t[k] > n - k - 1)
		return NULL;
	*ud_len = t[k];
	return t + k + 1;
}

/* Answer the fetched proactive command \p cmd: the TERMINAL RESPONSE into
 * \p tr (TS 102 223 §6.4, §6.8); a PoR SMS is copied to \p por. */
static void answer(veuicc_sm *sm, const uint8_t *cmd, size_t n, uint8_t *por, size_t por_cap,
                   size_t *por_len, uint8_t *tr, size_t *tr_len)
{
	veuicc_tlv d0, det, tpdu;
	uint8_t details[3] = {0, 0, 0};
	int have_tpdu = 0;
	if (cmd && veuicc_tlv_find(cmd, n, 0, TAG_PROACTIVE, &d0) == 1) {
		if ((veuicc_tlv_find(d0.value, d0.len, 0, 0x80 | CT_DETAILS, &det) == 1 ||
		     veuicc_tlv_find(d0.value, d0.len, 0, CT_DETAILS, &det) == 1) &&
		    det.len == 3)
			memcpy(details, det.value, 3);
		have_tpdu = veuicc_tlv_find(d0.value, d0.len, 0, 0x80 | CT_SMS_TPDU, &tpdu) == 1 ||
		            veuicc_tlv_find(d0.value, d0.len, 0, CT_SMS_TPDU, &tpdu) == 1;
	}
	uint8_t result = 0x30; /* beyond the terminal's capabilities */
	if (details[1] == CMD_SEND_SMS && have_tpdu) {
		size_t ud_len = 0;
		const uint8_t *ud = submit_ud(tpdu.value, tpdu.len, &ud_len);
		result = 0x00;
		if (ud && ud_len >= 3 && ud[0] == 0x02 && ud[1] == IEI_RPI && ud[2] == 0x00 &&
		    por && ud_len <= por_cap) {
			memcpy(por, ud, ud_len);
			*por_len = ud_len;
		} else if (ud && ud_len > 3 && ud[0] == 0x02 && ud[1] == IEI_CPI && ud[2] == 0x00) {
			take_notification(sm, ud + 3, ud_len - 3);
		}
	} else if (details[1] == CMD_REFRESH) {
		sm->refresh = 1;
		result = 0x00;
		say(sm, "proactive REFRESH (qualifier %02X): the terminal will restart the session",
		    details[2]);
	}
	const uint8_t t[5 + 12] = {0x80, INS_TERM_RSP, 0x00,       0x00,       12,    0x81,
	                           0x03, details[0],   details[1], details[2], 0x82,  0x02,
	                           0x82, 0x81,         0x83,       0x01,       result};
	memcpy(tr, t, sizeof(t));
	*tr_len = sizeof(t);
}

/* FETCH and run one proactive command; BIP ones go to the terminal helper. */
static int proactive(veuicc_sm *sm, uint8_t len, uint8_t *por, size_t por_cap, size_t *por_len,
                     uint16_t *sw)
{
	uint8_t fetch[5] = {0x80, INS_FETCH, 0x00, 0x00, len};
	uint8_t cmd[VEUICC_RAPDU_MAX], tr[5 + 256];
	size_t n = 0, tn = 0;
	int rc = collect(sm, fetch, sizeof(fetch), cmd, sizeof(cmd), &n, sw);
	if (rc)
		return rc;
	int bip = sm->term && *sw == 0x9000
	              ? veuicc_bip_term_proactive(sm->term, cmd, n, tr, sizeof(tr), &tn)
	              : 0;
	if (bip != 1)
		answer(sm, *sw == 0x9000 ? cmd : NULL, *sw == 0x9000 ? n : 0, por, por_cap, por_len,
		       tr, &tn);
	uint8_t ignored[VEUICC_RAPDU_MAX];
	return collect(sm, tr, tn, ignored, sizeof(ignored), &n, sw);
}

/* Send \p c; answer the proactive commands that follow. */
static int send_apdu(veuicc_sm *sm, const uint8_t *c, size_t cn, uint8_t *data, size_t cap,
                     size_t *dlen, uint16_t *sw, uint8_t *por, size_t por_cap, size_t *por_len)
{
	int rc = collect(sm, c, cn, data, cap, dlen, sw);
	for (unsigned k = 0; rc == 0 && (*sw >> 8) == SW1_PROACTIVE && k < 4096; k++)
		rc = proactive(sm, (uint8_t)*sw, por, por_cap, por_len, sw);
	return rc;
}

static int card_session(veuicc_sm *sm);

int veuicc_sm_terminal_start(veuicc_sm *sm)
{
	int rc = sm->reset(sm->xctx);
	if (rc)
		return fail(sm, "the card does not answer the reset: %s", veuicc_strerror(rc));
	sm->refresh = 0;
	veuicc_bip_term_reset(sm->term); /* the card's channel died with the reset */
	sm->https_open = 0;
	/* TS 102 223 §5.2: byte 1 b2 SMS-PP data download, byte 3 b8 REFRESH,
	 * byte 4 b2 SEND SHORT MESSAGE */
	uint8_t tp[5 + 32] = {0x80, INS_TERM_PROF, 0x00, 0x00, 0x04, 0x02, 0x00, 0x80, 0x02};
	size_t tpn = 9;
	if (sm->https) { /* BIP, events, TCP client as well (bip.h) */
		tp[4] = (uint8_t)veuicc_bip_term_profile(tp + 5, sizeof(tp) - 5);
		tpn = 5 + tp[4];
	}
	uint8_t data[VEUICC_RAPDU_MAX], por[VEUICC_CLI_OTA_POR_MAX];
	size_t dn = 0, pn = 0;
	uint16_t sw = 0;
	rc = send_apdu(sm, tp, tpn, data, sizeof(data), &dn, &sw, por, sizeof(por), &pn);
	if (rc)
		return fail(sm, "TERMINAL PROFILE: %s", veuicc_strerror(rc));
	if (sw != 0x9000)
		return fail(sm, "TERMINAL PROFILE answered %04X", sw);
	if (sm->https && sm->term && veuicc_bip_term_is_open(sm->term))
		return card_session(sm); /* a notification over HTTPS */
	return 0;
}

/* ---- ES5: SCP80 scripts to the ISD-R ----------------------------------------- */

static uint16_t rsw(const veuicc_sm_rapdus *r, size_t i)
{
	const uint8_t *p = r->buf + r->off[i] + r->len[i] - 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int parse_rsp(veuicc_sm *sm, const uint8_t *d, size_t dn, size_t want, veuicc_sm_rapdus *out,
                     const char *where);

static int parse_por(veuicc_sm *sm, const uint8_t *por, size_t len, size_t want,
                     veuicc_sm_rapdus *out)
{
	uint8_t work[VEUICC_CLI_OTA_POR_MAX];
	const uint8_t *d = NULL;
	size_t dn = 0;
	uint8_t status = 0xFF;
	int rc =
	    veuicc_scp80_unwrap_por(&sm->ota.h, por, len, work, sizeof(work), &status, &d, &dn);
	if (rc)
		return fail(sm, "the PoR does not verify with the ISD-R keys (%s)",
		            veuicc_strerror(rc));
	if (status != VEUICC_SCP80_POR_OK)
		return fail(sm, "PoR status %02X (%s)", status, veuicc_cli_ota_status_name(status));
	return parse_rsp(sm, d, dn, want, out, "PoR");
}

/* The R-APDUs of a response scripting template AB (TS 102 226 §5.2): each
 * must end 90xx 91xx 61xx 62xx 63xx, and all \p want commands must be there. */
static int parse_rsp(veuicc_sm *sm, const uint8_t *d, size_t dn, size_t want, veuicc_sm_rapdus *out,
                     const char *where)
{
	veuicc_tlv ab, t;
	if (veuicc_tlv_find(d, dn, 0, VEUICC_REMOTE_TAG_RSP_DEF, &ab) != 1)
		return fail(sm, "the %s has no response scripting template (AB)", where);
	veuicc_tlv_reader rd;
	veuicc_tlv_reader_init(&rd, ab.value, ab.len, 0);
	size_t used = 0;
	out->n = 0;
	while (veuicc_tlv_next(&rd, &t) == 1) {
		if (t.tag != VEUICC_REMOTE_TAG_RAPDU || t.len < 2 || out->n == APDUS_MAX ||
		    used + t.len > sizeof(out->buf))
			continue;
		memcpy(out->buf + used, t.value, t.len);
		out->off[out->n] = used;
		out->len[out->n++] = t.len;
		used += t.len;
		transcript(sm, 'R', t.value, t.len);
	}
	for (size_t i = 0; i < out->n; i++) {
		uint16_t sw = rsw(out, i);
		uint8_t sw1 = (uint8_t)(sw >> 8);
		if (!(sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63)) {
			char m[96];
			return fail(sm, "command %zu of %zu of the script answered %04X (%s)",
			            i + 1, want, sw, veuicc_sw_meaning(sw, m, sizeof(m)));
		}
	}
	if (out->n != want)
		return fail(sm, "the %s reports %zu of %zu commands", where, out->n, want);
	return 0;
}

/* One ES5 script: C-APDUs → expanded remote APDU script → SCP80 command
 * packet (next counter) → SMS-PP download ENVELOPEs → PoR. \returns 0, -1,
 * -2 when the packet needs more SMS than the card assembles. */
static int es5_sms(veuicc_sm *sm, const uint8_t *apdus, const size_t *lens, size_t n,
                   veuicc_sm_rapdus *out)
{
	static const size_t max_sms = VEUICC_SM_MAX_SMS;
	uint8_t script[SCRIPT_MAX], pkt[VEUICC_CLI_OTA_PKT_MAX];
	veuicc_cli_ota_env env[VEUICC_SM_MAX_SMS];
	size_t sn = 0, pn = 0, ne = 0;
	if (veuicc_cli_ota_script(1, apdus, lens, n, script, sizeof(script), &sn))
		return -2;
	sm->no_por = 0;
	uint64_t c = sm->counter + 1;
	for (int i = 4; i >= 0; i--, c >>= 8)
		sm->ota.h.cntr[i] = (uint8_t)c;
	if (veuicc_scp80_wrap_cmd(&sm->ota.h, script, sn, pkt, sizeof(pkt), &pn))
		return fail(sm, "cannot build the command packet");
	if (veuicc_cli_ota_envelopes(&sm->ota, pkt, pn, env, max_sms, &ne))
		return -2;
	sm->counter++;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		transcript(sm, 'C', apdus + off, lens[i]);
		off += lens[i];
	}
	sm->ota.concat_ref++;
	sm->cur.sms += (unsigned)ne;
	uint8_t por[VEUICC_CLI_OTA_POR_MAX];
	size_t por_len = 0;
	for (size_t i = 0; i < ne; i++) {
		uint8_t data[VEUICC_RAPDU_MAX];
		size_t dn = 0;
		uint16_t sw = 0;
		int rc = send_apdu(sm, env[i].apdu, env[i].len, data, sizeof(data), &dn, &sw, por,
		                   sizeof(por), &por_len);
		if (rc)
			return fail(sm, "ENVELOPE %zu of %zu: %s", i + 1, ne, veuicc_strerror(rc));
		if (dn && dn <= sizeof(por)) {
			memcpy(por, data, dn); /* the PoR in the SMS-DELIVER-REPORT */
			por_len = dn;
		}
		if (sw != 0x9000)
			return fail(sm, "ENVELOPE %zu of %zu answered %04X", i + 1, ne, sw);
	}
	if (!por_len) {
		sm->no_por = 1;
		return fail(sm,
		            "no PoR: the card discarded the command packet (KVN %02X unknown to "
		            "the card, or counter %llu not higher)",
		            sm->ota.ks.kvn, (unsigned long long)sm->counter);
	}
	return parse_por(sm, por, por_len, n, out);
}

/* ---- ES5 over SCP81 (docs/scp81.md) ------------------------------------------- */

static int hxfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	return xfer(ctx, c, cn, r, cap, rn);
}

static int hother(void *ctx, const uint8_t *cmd, size_t n, uint8_t *tr, size_t cap, size_t *tn)
{
	(void)cap;
	answer(ctx, cmd, n, NULL, 0, NULL, tr, tn);
	return 0;
}

static size_t put_tlv(uint8_t *p, uint8_t tag, const void *v, size_t n)
{
	size_t h = 0;
	p[h++] = tag;
	if (n > 0x7F)
		p[h++] = 0x81;
	p[h++] = (uint8_t)n;
	memcpy(p + h, v, n);
	return h + n;
}

/* GP Amd B §3.8 triggering parameters: connection (TS 102 223 OPEN CHANNEL
 * TLVs: default bearer, buffer 1500, TCP client to 127.0.0.1:port),
 * security (PSK identity, KVN, key id 1), retry policy, HTTP POST. */
static size_t push_data(const veuicc_sm *sm, uint8_t *out)
{
	uint8_t conn[64], sec[80], retry[16], post[64], cfg[256], trig[300];
	uint16_t port = sm->push_port ? sm->push_port : sm->https_port;
	const uint8_t c[] = {0x35,          0x01, 0x03,                       /* bearer */
	                     0x39,          0x02, 0x05, 0xDC,                 /* buffer */
	                     0x3C,          0x03, 0x02, (uint8_t)(port >> 8), /* TCP */
	                     (uint8_t)port, 0x3E, 0x05, 0x21,
	                     0x7F,          0x00, /* 127. */
	                     0x00,          0x01};
	memcpy(conn, c, sizeof(c));
	size_t idl = strlen(sm->psk_id), sn = 0;
	sec[sn++] = (uint8_t)idl;
	memcpy(sec + sn, sm->psk_id, idl);
	sn += idl;
	sec[sn++] = 0x02;
	sec[sn++] = sm->psk_kvn;
	sec[sn++] = 0x01;
	/* TS 102 223 §8.38 timer value: hh mm ss in semi-octets (units digit high) */
	unsigned hms[3] = {sm->push_delay / 3600 % 100, sm->push_delay / 60 % 60,
	                   sm->push_delay % 60};
	uint8_t tv[3];
	for (int i = 0; i < 3; i++)
		tv[i] = (uint8_t)((hms[i] % 10) << 4 | hms[i] / 10);
	const uint8_t r[] = {(uint8_t)(sm->push_retries >> 8),
	                     (uint8_t)sm->push_retries,
	                     0xA5,
	                     0x03,
	                     tv[0],
	                     tv[1],
	                     tv[2]};
	memcpy(retry, r, sizeof(r));
	size_t pn = put_tlv(post, 0x8A, "127.0.0.1", 9);
	pn += put_tlv(post + pn, 0x8C, "/smsr/admin", 11);
	size_t cn = put_tlv(cfg, 0x84, conn, sizeof(c));
	cn += put_tlv(cfg + cn, 0x85, sec, sn);
	cn += put_tlv(cfg + cn, 0x86, retry, sizeof(r));
	cn += put_tlv(cfg + cn, 0x89, post, pn);
	size_t tn = put_tlv(trig, 0x83, cfg, cn);
	return put_tlv(out, 0x81, trig, tn);
}

/* The card's own session (a notification, SGP.02 §3.15.2) is connecting:
 * take its first POST, `?msg=<hex E1>`; the session stays open. */
static int card_session(veuicc_sm *sm)
{
	veuicc_http_msg m;
	uint8_t body[64];
	sm->hcard = (veuicc_sm_https_card){hxfer, sm, sm->term, hother, sm, 0x9000};
	int rc = veuicc_sm_https_wait(sm->srv, &sm->hcard, &m, body, sizeof(body), 5000);
	if (rc != VEUICC_SM_HTTPS_REQUEST)
		return fail(sm, "the card's own admin session did not reach the server (%d)", rc);
	const char *q = strstr(m.uri, "?msg=");
	uint8_t e1[VEUICC_NOTIFICATION_MAX];
	size_t n = 0;
	char why[64];
	if (!q || veuicc_cli_ota_unhex(q + 5, e1, sizeof(e1), &n, why, sizeof(why)))
		return fail(sm, "the card's own POST carries no notification (%s)", m.uri);
	sm->https_open = 1;
	take_e1(sm, e1, n, "HTTPS");
	return 0;
}

static int https_open(veuicc_sm *sm)
{
	if (sm->term && veuicc_bip_term_is_open(sm->term))
		return card_session(sm); /* no PUSH needed */
	if (!sm->have_psk)
		return fail(sm, "no SCP81 key set for the ISD-R in the factory file");
	int rc = 0;
	if (!sm->srv) {
		rc =
		    veuicc_sm_https_new(sm->psk, sm->psk_len, sm->psk_id, sm->https_port, &sm->srv);
		if (rc)
			return fail(sm, "HTTPS server: %s", veuicc_strerror(rc));
		sm->https_port = veuicc_sm_https_port(sm->srv);
	}
	if (!sm->term && (rc = veuicc_bip_term_new(NULL, &sm->term)) != 0)
		return fail(sm, "BIP terminal: %s", veuicc_strerror(rc));
	/* the PUSH (GP Amd B §2.4.4) in an SCP80 packet by SMS */
	uint8_t apdu[5 + 255];
	size_t dn = push_data(sm, apdu + 5);
	const uint8_t h[5] = {0x80, 0xEC, 0x01, 0x01, (uint8_t)dn};
	memcpy(apdu, h, 5);
	size_t len = 5 + dn;
	veuicc_sm_rapdus *r = malloc(sizeof(*r));
	if (!r)
		return fail(sm, "out of memory");
	rc = es5_sms(sm, apdu, &len, 1, r);
	free(r);
	if (rc)
		return rc == -2 ? fail(sm, "the PUSH does not fit the SMS") : rc;
	sm->pushes++;
	sm->hcard = (veuicc_sm_https_card){hxfer, sm, sm->term, hother, sm, 0x9000};
	veuicc_http_msg m;
	uint8_t body[64];
	rc = veuicc_sm_https_wait(sm->srv, &sm->hcard, &m, body, sizeof(body), 5000);
	if (rc != VEUICC_SM_HTTPS_REQUEST)
		return fail(sm, "no admin session opened after the PUSH (%d)", rc);
	if (strcmp(m.method, "POST") != 0 || strcmp(m.admin_protocol, VEUICC_HTTP_ADMIN_PROTO) ||
	    m.body_len)
		return fail(sm, "the card's first request is not an admin POST");
	say(sm, "SCP81 admin session: PSK identity %s, X-Admin-From %s", sm->psk_id, m.admin_from);
	sm->https_open = 1;
	return 0;
}

int veuicc_sm_https_close(veuicc_sm *sm)
{
	if (!sm->https_open)
		return 0;
	sm->https_open = 0;
	int rc = veuicc_sm_https_respond(sm->srv, NULL, 0, NULL, NULL, 0);
	veuicc_http_msg m;
	uint8_t body[64];
	if (!rc)
		rc = veuicc_sm_https_wait(sm->srv, &sm->hcard, &m, body, sizeof(body), 5000);
	if (rc != VEUICC_SM_HTTPS_CLOSED)
		return fail(sm, "the admin session did not end after 204 (%d)", rc);
	/* the card's CLOSE CHANNEL, then what waited for the session's end */
	for (int idle = 0; idle < 3;) {
		int k = veuicc_sm_https_card_step(&sm->hcard, 1);
		if (k < 0)
			return fail(sm, "terminal: %s", veuicc_strerror(k));
		idle = k ? idle + 1 : 0;
	}
	if (veuicc_bip_term_is_open(sm->term))
		return fail(sm, "the card did not close its BIP channel");
	sm->https_sessions++;
	return 0;
}

/* One ES5 script in an HTTP response; its answer in the next POST. */
static int es5_https(veuicc_sm *sm, const uint8_t *apdus, const size_t *lens, size_t n,
                     veuicc_sm_rapdus *out)
{
	int rc = sm->https_open ? 0 : https_open(sm);
	if (rc)
		return rc;
	uint8_t script[SCRIPT_MAX];
	size_t sn = 0;
	if (veuicc_cli_ota_script(1, apdus, lens, n, script, sizeof(script), &sn))
		return fail(sm, "the script is too long");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		transcript(sm, 'C', apdus + off, lens[i]);
		off += lens[i];
	}
	if (sm->https_drop_after && ++sm->https_scripts == sm->https_drop_after) {
		veuicc_sm_https_drop(sm->srv); /* tests: the server goes away mid-session */
		sm->https_open = 0;
		return fail(sm, "the server dropped the connection before script %u",
		            sm->https_drop_after);
	}
	/* GP Amd B §3.4.2: //aid/<RID>/<PIX> */
	sm->last_target[0] = '\0';
	for (size_t i = 0; i < sm->target_len; i++) {
		size_t o = strlen(sm->last_target);
		snprintf(sm->last_target + o, sizeof(sm->last_target) - o, "%s%02X",
		         i == 0   ? "//aid/"
		         : i == 5 ? "/"
		                  : "",
		         sm->target[i]);
	}
	rc = veuicc_sm_https_respond(sm->srv, script, sn, "/smsr/next",
	                             sm->target_len ? sm->last_target : NULL,
	                             !sm->https_content_length);
	if (rc)
		return fail(sm, "HTTPS: %s", veuicc_strerror(rc));
	veuicc_http_msg m;
	uint8_t body[SCRIPT_MAX * 2];
	rc = veuicc_sm_https_wait(sm->srv, &sm->hcard, &m, body, sizeof(body), 5000);
	if (rc != VEUICC_SM_HTTPS_REQUEST) {
		sm->https_open = 0;
		return fail(sm, "no answer to the script over HTTPS (%d)", rc);
	}
	if (strcmp(m.content_type, VEUICC_HTTP_CT_RESPONSE) != 0 ||
	    strcmp(m.script_status, "ok") != 0)
		return fail(sm, "the card's POST is not a script response (status \"%s\")",
		            m.script_status);
	return parse_rsp(sm, body, m.body_len, n, out, "HTTP response");
}

static int es5(veuicc_sm *sm, const uint8_t *apdus, const size_t *lens, size_t n,
               veuicc_sm_rapdus *out)
{
	return sm->https ? es5_https(sm, apdus, lens, n, out) : es5_sms(sm, apdus, lens, n, out);
}

/* An ES8 script for the ISD-P \p aid whose first C-APDU is the ISD-R's
 * INSTALL [for personalization] of it (SGP.02 §3.1.2, over SMS). Over HTTPS
 * the rest goes in a script targeted at the ISD-P itself
 * (X-Admin-Targeted-Application, GP Amd B §3.4.2; H81-17) unless
 * --es8-tunnel; R-APDU 0 is then the INSTALL's "00 9000" it did not need. */
static int es8(veuicc_sm *sm, const uint8_t *aid, size_t aid_len, const uint8_t *apdus,
               const size_t *lens, size_t n, veuicc_sm_rapdus *out)
{
	if (!sm->https || sm->es8_tunnel)
		return es5(sm, apdus, lens, n, out);
	memcpy(sm->target, aid, aid_len);
	sm->target_len = aid_len;
	int rc = es5_https(sm, apdus + lens[0], lens + 1, n - 1, out);
	sm->target_len = 0;
	if (rc)
		return rc;
	size_t used = out->n ? out->off[out->n - 1] + out->len[out->n - 1] : 0;
	if (out->n == APDUS_MAX || used + 3 > sizeof(out->buf))
		return fail(sm, "internal: the ISD-P's answers do not fit");
	memmove(out->off + 1, out->off, out->n * sizeof(out->off[0]));
	memmove(out->len + 1, out->len, out->n * sizeof(out->len[0]));
	memcpy(out->buf + used, "\x00\x90\x00", 3);
	out->off[0] = used;
	out->len[0] = 3;
	out->n++;
	return 0;
}

int veuicc_sm_es5(veuicc_sm *sm, const uint8_t *apdus, const size_t *lens, size_t n,
                  veuicc_sm_rapdus *out)
{
	return es5(sm, apdus, lens, n, out);
}

/* A script of hex C-APDUs (for the simple ES5 functions). */
static int es5_hex(veuicc_sm *sm, const char *const *cmds, size_t n, veuicc_sm_rapdus *out)
{
	uint8_t buf[1024];
	size_t lens[APDUS_MAX], used = 0;
	char why[96];
	for (size_t i = 0; i < n; i++) {
		if (veuicc_cli_ota_unhex(cmds[i], buf + used, sizeof(buf) - used, &lens[i], why,
		                         sizeof(why)))
			return fail(sm, "internal: %s", why);
		used += lens[i];
	}
	int rc = es5(sm, buf, lens, n, out);
	return rc == -2 ? fail(sm, "the script does not fit %d SMS", VEUICC_SM_MAX_SMS) : rc;
}

static void aid_text(const uint8_t *aid, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", aid[i]);
}

int veuicc_sm_set_smsr_address(veuicc_sm *sm)
{
	char cmd[128], a[32];
	size_t n = sm->smsr_addr_len;
	aid_text(sm->smsr_addr, n, a);
	/* SGP.02 §4.1.1.x: DGI 3A07 { A3 { 81 address } } */
	snprintf(cmd, sizeof(cmd), "80E28800%02zX 3A07%02zX A3%02zX 81%02zX%s", n + 7, n + 4, n + 2,
	         n, a);
	const char *cmds[] = {cmd};
	veuicc_sm_rapdus r;
	if (es5_hex(sm, cmds, 1, &r))
		return -1;
	detail(sm, "the card sends its notifications to the SM-SR's number by SMS");
	return 0;
}

int veuicc_sm_audit(veuicc_sm *sm)
{
	/* GP CS §11.4: GET STATUS of the ISD-Ps (P1 40), tags 4F, 9F70, 53 */
	const char *cmds[] = {"80F24002 02 4F00 00"};
	veuicc_sm_rapdus r;
	if (es5_hex(sm, cmds, 1, &r))
		return -1;
	const uint8_t *d = r.buf + r.off[0];
	size_t dn = r.len[0] - 2;
	veuicc_tlv_reader rd;
	veuicc_tlv e3, t;
	veuicc_tlv_reader_init(&rd, d, dn, 0);
	unsigned count = 0;
	while (veuicc_tlv_next(&rd, &e3) == 1) {
		if (e3.tag != 0xE3)
			continue;
		char aid[33] = "?";
		unsigned lcs = 0;
		if (veuicc_tlv_find(e3.value, e3.len, 0, 0x4F, &t) == 1 && t.len <= 16)
			aid_text(t.value, t.len, aid);
		if (veuicc_tlv_find(e3.value, e3.len, 0, 0x9F70, &t) == 1 && t.len == 1)
			lcs = t.value[0];
		/* P1 40 lists every SD the ISD-R manages: the ECASD too (SGP.02 AIDs) */
		bool ecasd = !strcmp(aid, "A0000005591010FFFFFFFF8900000200");
		if (!ecasd)
			count++;
		say(sm, "%s  life cycle %02X (%s)%s", aid, lcs,
		    lcs == 0x07   ? "SELECTABLE"
		    : lcs == 0x0F ? "PERSONALIZED"
		    : lcs == 0x1F ? "DISABLED"
		    : lcs == 0x3F ? "ENABLED"
		                  : "?",
		    ecasd ? "  ECASD" : "");
	}
	detail(sm, "%u ISD-P(s)", count);
	return 0;
}

int veuicc_sm_create_isdp(veuicc_sm *sm, const uint8_t *aid, size_t aid_len)
{
	/* SGP.02 §4.1.1.1: INSTALL [for install and make selectable] */
	uint8_t c[128];
	size_t k = 0;
	c[k++] = 0x80;
	c[k++] = INS_INSTALL;
	c[k++] = 0x0C;
	c[k++] = 0x00;
	k++; /* Lc */
	c[k++] = sizeof(aid_elf);
	memcpy(c + k, aid_elf, sizeof(aid_elf));
	k += sizeof(aid_elf);
	c[k++] = sizeof(aid_em);
	memcpy(c + k, aid_em, sizeof(aid_em));
	k += sizeof(aid_em);
	c[k++] = (uint8_t)aid_len;
	memcpy(c + k, aid, aid_len);
	k += aid_len;
	static const uint8_t tail[] = {0x03, 0x80, 0xC0, 0x00, 0x06, 0xC9,
	                               0x04, 0x81, 0x02, 0x81, 0x00, 0x00};
	memcpy(c + k, tail, sizeof(tail));
	k += sizeof(tail);
	c[4] = (uint8_t)(k - 5);
	c[k++] = 0x00;
	veuicc_sm_rapdus r;
	int rc = es5(sm, c, &k, 1, &r);
	if (rc == -2)
		return fail(sm, "internal: CreateISDP does not fit");
	if (rc)
		return rc;
	char t[33];
	aid_text(aid, aid_len, t);
	detail(sm, "ISD-P %s created (SELECTABLE)", t);
	return 0;
}

/* INSTALL [for personalization] of \p aid (GP CS §11.5.2.3.3): later STORE
 * DATA in the script go to that ISD-P (SGP.02 §3.1.2). */
static size_t install_perso(const uint8_t *aid, size_t aid_len, uint8_t *c)
{
	size_t k = 0;
	c[k++] = 0x80;
	c[k++] = INS_INSTALL;
	c[k++] = 0x20;
	c[k++] = 0x00;
	c[k++] = (uint8_t)(6 + aid_len);
	c[k++] = 0x00;
	c[k++] = 0x00;
	c[k++] = (uint8_t)aid_len;
	memcpy(c + k, aid, aid_len);
	k += aid_len;
	c[k++] = 0x00;
	c[k++] = 0x00;
	c[k++] = 0x00;
	c[k++] = 0x00; /* Le */
	return k;
}

static size_t put_dgi_len(uint8_t *p, size_t n)
{
	if (n < 0xFF) {
		p[0] = (uint8_t)n;
		return 1;
	}
	p[0] = 0xFF;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)n;
	return 3;
}

/* The ECASD's certificate through the terminal (the SM-DP gets it with the
 * EIS; here from GET DATA 7F21 on a logical channel). */
static int read_ecasd(veuicc_sm *sm)
{
	if (sm->have_ecasd)
		return 0;
	uint8_t d[VEUICC_RAPDU_MAX], por[VEUICC_CLI_OTA_POR_MAX];
	size_t dn = 0, pn = 0;
	uint16_t sw = 0;
	static const uint8_t open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
	if (send_apdu(sm, open, sizeof(open), d, sizeof(d), &dn, &sw, por, sizeof(por), &pn) ||
	    sw != 0x9000 || dn != 1)
		return fail(sm, "MANAGE CHANNEL open answered %04X", sw);
	uint8_t ch = d[0];
	uint8_t cla = ch <= 3 ? ch : (uint8_t)(0x40 | (ch - 4));
	uint8_t sel[5 + 16] = {cla, 0xA4, 0x04, 0x0C, sizeof(aid_ecasd)};
	memcpy(sel + 5, aid_ecasd, sizeof(aid_ecasd));
	uint8_t gd[5] = {(uint8_t)(cla | 0x80), 0xCA, 0x7F, 0x21, 0x00};
	uint8_t cert[VEUICC_RAPDU_MAX];
	size_t cn = 0;
	int rc = send_apdu(sm, sel, sizeof(sel), d, sizeof(d), &dn, &sw, por, sizeof(por), &pn);
	if (rc == 0 && sw == 0x9000)
		rc = send_apdu(sm, gd, sizeof(gd), cert, sizeof(cert), &cn, &sw, por, sizeof(por),
		               &pn);
	uint16_t gsw = sw;
	uint8_t close[] = {0x00, 0x70, 0x80, ch};
	send_apdu(sm, close, sizeof(close), d, sizeof(d), &dn, &sw, por, sizeof(por), &pn);
	if (rc || gsw != 0x9000)
		return fail(sm, "GET DATA 7F21 on the ECASD answered %04X", gsw);
	veuicc_tlv c7, pk, b0, f0;
	if (veuicc_tlv_find(cert, cn, 0, 0x7F21, &c7) != 1 ||
	    veuicc_tlv_find(c7.value, c7.len, 0, 0x7F49, &pk) != 1 ||
	    veuicc_tlv_find(pk.value, pk.len, 0, 0xB0, &b0) != 1 || b0.len != 65)
		return fail(sm, "CERT.ECASD.ECKA has no 7F49 { B0 point }");
	memcpy(sm->ecasd_pk, b0.value, 65);
	sm->have_ecasd = veuicc_tlv_find(pk.value, pk.len, 0, 0xF0, &f0) == 1 && f0.len == 1
	                     ? 1 + f0.value[0]
	                     : 1;
	return 0;
}

int veuicc_sm_ecasd_curve(veuicc_sm *sm)
{
	if (read_ecasd(sm))
		return -1;
	return sm->have_ecasd - 1;
}

int veuicc_sm_establish_keys(veuicc_sm *sm, const uint8_t *aid, size_t aid_len)
{
	if (!sm->dp)
		return fail(sm, "no SM-DP identity (--pki)");
	if (read_ecasd(sm))
		return -1;
	if (sm->have_ecasd - 1 != veuicc_sm_dp_curve(sm->dp))
		return fail(sm, "the ECASD's curve (F0 %02X) is not the SM-DP's (%02X)",
		            sm->have_ecasd - 1, veuicc_sm_dp_curve(sm->dp));
	uint8_t apdus[2 * 300];
	size_t lens[2], k;
	veuicc_sm_rapdus r;

	/* 1: INSTALL [for personalization] + STORE DATA 3A01 { CERT.DP.ECDSA } */
	size_t cl = 0;
	const uint8_t *cert = veuicc_sm_dp_cert(sm->dp, &cl);
	lens[0] = install_perso(aid, aid_len, apdus);
	uint8_t *c = apdus + lens[0];
	k = 0;
	c[k++] = 0x80;
	c[k++] = INS_STORE_DATA;
	c[k++] = 0x09; /* DGI structure, block 0, not the last */
	c[k++] = 0x00;
	size_t lc_at = k++;
	c[k++] = 0x3A;
	c[k++] = 0x01;
	k += put_dgi_len(c + k, cl);
	if (cl + k > 255 + 5)
		return fail(sm, "CERT.DP.ECDSA is too long for one STORE DATA");
	memcpy(c + k, cert, cl);
	k += cl;
	c[lc_at] = (uint8_t)(k - 5);
	c[k++] = 0x00;
	lens[1] = k;
	int rc = es8(sm, aid, aid_len, apdus, lens, 2, &r);
	if (rc)
		return rc == -2 ? fail(sm, "3A01 does not fit") : rc;
	veuicc_tlv t;
	const uint8_t *rd = r.buf + r.off[1];
	size_t rn = r.len[1] - 2;
	if (veuicc_tlv_find(rd, rn, 0, 0x85, &t) != 1 || t.len != 16)
		return fail(sm, "3A01: the ISD-P answered no 85 10 RC");
	uint8_t rc_chal[16];
	memcpy(rc_chal, t.value, 16);
	say(sm, "CERT.DP.ECDSA accepted; card challenge RC received");

	/* 2: 3A02 { A6 CRT } 7F49 { ePK } 5F37 { signature over 3A02 ‖ 7F49 ‖ 0085 10 RC } */
	static const uint8_t a6[] = {0xA6, 0x15, 0x90, 0x02, 0x03, 0x0B, 0x95, 0x01,
	                             0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82,
	                             0x01, 0x01, 0x83, 0x01, 0x30, 0x91, 0x00};
	uint8_t epk[65], shs[32], msg[256], sig[64];
	if (veuicc_sm_dp_ecka(sm->dp, sm->ecasd_pk, epk, shs))
		return fail(sm, "ECKA: PK.ECASD.ECKA is not a point of the curve");
	size_t m = 0;
	msg[m++] = 0x3A;
	msg[m++] = 0x02;
	msg[m++] = sizeof(a6);
	memcpy(msg + m, a6, sizeof(a6));
	m += sizeof(a6);
	msg[m++] = 0x7F;
	msg[m++] = 0x49;
	msg[m++] = 2 + 65 + 3;
	msg[m++] = 0xB0;
	msg[m++] = 65;
	memcpy(msg + m, epk, 65);
	m += 65;
	msg[m++] = 0xF0;
	msg[m++] = 0x01;
	msg[m++] = (uint8_t)veuicc_sm_dp_curve(sm->dp);
	size_t signed_len = m;
	msg[m++] = 0x00;
	msg[m++] = 0x85;
	msg[m++] = 16;
	memcpy(msg + m, rc_chal, 16);
	if (veuicc_sm_dp_sign(sm->dp, msg, m + 16, sig)) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return fail(sm, "ECDSA signature failed");
	}
	lens[0] = install_perso(aid, aid_len, apdus);
	c = apdus + lens[0];
	k = 0;
	c[k++] = 0x80;
	c[k++] = INS_STORE_DATA;
	c[k++] = 0x89; /* DGI structure, last block */
	c[k++] = 0x01;
	lc_at = k++;
	memcpy(c + k, msg, signed_len);
	k += signed_len;
	c[k++] = 0x5F;
	c[k++] = 0x37;
	c[k++] = 64;
	memcpy(c + k, sig, 64);
	k += 64;
	c[lc_at] = (uint8_t)(k - 5);
	c[k++] = 0x00;
	lens[1] = k;
	rc = es8(sm, aid, aid_len, apdus, lens, 2, &r);
	if (rc) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return rc == -2 ? fail(sm, "3A02 does not fit") : rc;
	}
	rd = r.buf + r.off[1];
	rn = r.len[1] - 2;
	veuicc_tlv dr, rcpt;
	if (veuicc_tlv_find(rd, rn, 0, 0x85, &dr) != 1 || dr.len != 16 ||
	    veuicc_tlv_find(rd, rn, 0, 0x86, &rcpt) != 1 || rcpt.len != 16) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return fail(sm, "3A02: the ISD-P answered no 85 10 DR and 86 10 receipt");
	}
	/* GP Amd E / SGP.02 §3.1.2: SharedInfo = key usage ‖ key type ‖ key
	 * length ‖ DR; keyData = receipt key ‖ ENC ‖ MAC ‖ DEK (X9.63, SHA-256) */
	uint8_t info[3 + 16], kd[64], want[16], in[sizeof(a6) + 18];
	info[0] = 0x10;
	info[1] = 0x88;
	info[2] = 0x10;
	memcpy(info + 3, dr.value, 16);
	rc = veuicc_sm_x963(shs, 32, info, sizeof(info), kd, sizeof(kd));
	mbedtls_platform_zeroize(shs, sizeof(shs));
	memcpy(in, a6, sizeof(a6));
	in[sizeof(a6)] = 0x85;
	in[sizeof(a6) + 1] = 16;
	memcpy(in + sizeof(a6) + 2, dr.value, 16);
	if (rc || veuicc_sm_cmac(kd, in, sizeof(in), want)) {
		mbedtls_platform_zeroize(kd, sizeof(kd));
		return fail(sm, "KDF / CMAC failed");
	}
	uint8_t diff = 0;
	for (int i = 0; i < 16; i++)
		diff |= want[i] ^ rcpt.value[i];
	if (diff) {
		mbedtls_platform_zeroize(kd, sizeof(kd));
		return fail(sm, "the card's receipt is not the SM-DP's: the key sets differ");
	}
	memcpy(sm->enc, kd + 16, 16);
	memcpy(sm->mac, kd + 32, 16);
	memcpy(sm->dek, kd + 48, 16);
	mbedtls_platform_zeroize(kd, sizeof(kd));
	memcpy(sm->aid, aid, aid_len);
	sm->aid_len = aid_len;
	sm->kvn = 0x30;
	sm->have_keys = 1;
	detail(sm, "receipt verified: ISD-P key set KVN 30 (AES-128 ENC/MAC/DEK) shared, ISD-P "
	           "PERSONALIZED");
	return 0;
}

/* Append a STORE DATA sequence (BER-TLV structure, GP CS §11.11) carrying
 * \p tlv in blocks; returns the number of C-APDUs added. */
static size_t store_blocks(const uint8_t *tlv, size_t len, uint8_t *out, size_t *lens, size_t *used)
{
	size_t nb = (len + STORE_BLOCK - 1) / STORE_BLOCK, off = 0;
	for (size_t b = 0; b < nb; b++) {
		size_t n = len - off < STORE_BLOCK ? len - off : STORE_BLOCK;
		uint8_t *c = out + *used;
		c[0] = 0x80;
		c[1] = INS_STORE_DATA;
		c[2] = b == nb - 1 ? 0x90 : 0x10;
		c[3] = (uint8_t)b;
		c[4] = (uint8_t)n;
		memcpy(c + 5, tlv + off, n);
		c[5 + n] = 0x00;
		lens[b] = 6 + n;
		*used += 6 + n;
		off += n;
	}
	return nb;
}

static int scp03t_error(veuicc_sm *sm, const uint8_t *d, size_t n, const char *what)
{
	veuicc_tlv t;
	static const unsigned tags[] = {0x9F44, 0x9F45, 0x9F46};
	for (size_t i = 0; i < 3; i++)
		if (veuicc_tlv_find(d, n, 0, tags[i], &t) == 1 && t.len == 1)
			return fail(sm, "%s: the ISD-P answered the SCP03t error %X %02X (%s)",
			            what, tags[i], t.value[0],
			            t.value[0] == 1   ? "length or structure"
			            : t.value[0] == 2 ? "security: MAC, cryptogram or padding"
			            : t.value[0] == 3 ? "key set not found"
			                              : "?");
	return 0;
}

int veuicc_sm_download(veuicc_sm *sm, const uint8_t *der, size_t len)
{
	if (!sm->have_keys)
		return fail(sm, "no ISD-P key set: establish the keys first");
	veuicc_sm_scp03t s;
	memset(&s, 0, sizeof(s));
	memcpy(s.enc, sm->enc, 16);
	memcpy(s.mac, sm->mac, 16);
	if (veuicc_sm_dp_random(sm->dp, s.host_challenge, 8))
		return fail(sm, "no random");
	uint8_t apdus[SCRIPT_MAX];
	size_t lens[APDUS_MAX], used = 0, n = 0;
	veuicc_sm_rapdus r;
	int rc = -1;

	/* 84 { KVN ‖ key id ‖ host challenge } (SGP.02 §4.1.3.3) */
	uint8_t t84[12] = {0x84, 0x0A, sm->kvn, 0x01};
	memcpy(t84 + 4, s.host_challenge, 8);
	lens[0] = install_perso(sm->aid, sm->aid_len, apdus);
	used = lens[0];
	n = 1 + store_blocks(t84, sizeof(t84), apdus, lens + 1, &used);
	if (es8(sm, sm->aid, sm->aid_len, apdus, lens, n, &r))
		goto out;
	const uint8_t *d = r.buf + r.off[n - 1];
	size_t dn = r.len[n - 1] - 2;
	veuicc_tlv t;
	if (scp03t_error(sm, d, dn, "84"))
		goto out;
	if (veuicc_tlv_find(d, dn, 0, 0x84, &t) != 1)
		goto bad;
	uint8_t t85[19];
	size_t t85_len = 0;
	rc = veuicc_sm_scp03t_open(&s, t.value, t.len, sm->aid, sm->aid_len, t85, &t85_len);
	if (rc == -2) {
		rc = fail(sm, "the card cryptogram or challenge is not the SM-DP's");
		goto out;
	}
	if (rc)
		goto bad;
	say(sm, "SCP03t: card challenge and cryptogram verified, sequence counter %02X%02X%02X",
	    t.value[29], t.value[30], t.value[31]);

	size_t seg = sm->segment ? sm->segment : sm->https ? SEG_HTTPS : SEG_DEFAULT, off = 0;
	unsigned nseg = 0;
	int first = 1;
	uint8_t result[64];
	size_t result_len = 0;
	uint8_t tlv86[SCRIPT_MAX];
	while (off < len) {
		size_t part = len - off < seg ? len - off : seg, tn = 0;
		veuicc_sm_scp03t saved = s;
		if (veuicc_sm_scp03t_segment(&s, der + off, part, tlv86, sizeof(tlv86), &tn))
			goto bad;
		if (sm->corrupt_segment == (int)nseg + 1)
			tlv86[tn - 9] ^= 0x01; /* the last ciphertext byte (before the MAC) */
		lens[0] = install_perso(sm->aid, sm->aid_len, apdus);
		used = lens[0];
		n = 1;
		if (first)
			n += store_blocks(t85, t85_len, apdus, lens + n, &used);
		size_t first86 = n;
		n += store_blocks(tlv86, tn, apdus, lens + n, &used);
		rc = es8(sm, sm->aid, sm->aid_len, apdus, lens, n, &r);
		if (rc == -2) {
			/* too many SMS: a smaller segment, same counter */
			s = saved;
			if (seg <= 128) {
				rc = fail(sm, "a segment does not fit %d SMS", VEUICC_SM_MAX_SMS);
				goto out;
			}
			seg -= 64;
			continue;
		}
		if (rc)
			goto out;
		if (first) {
			const uint8_t *e = r.buf + r.off[first86 - 1];
			size_t en = r.len[first86 - 1] - 2;
			if (scp03t_error(sm, e, en, "85"))
				goto out;
			if (en != 2 || e[0] != 0x85 || e[1] != 0x00)
				goto bad;
			first = 0;
		}
		d = r.buf + r.off[n - 1];
		dn = r.len[n - 1] - 2;
		nseg++;
		char what[32];
		snprintf(what, sizeof(what), "segment %u", nseg);
		if (scp03t_error(sm, d, dn, what)) {
			rc = -1;
			goto out;
		}
		veuicc_tlv_reader rdr;
		veuicc_tlv_reader_init(&rdr, d, dn, 0);
		if (veuicc_tlv_next(&rdr, &t) != 1 || t.tag != 0x86)
			goto bad;
		rc = veuicc_sm_scp03t_response(&s, d, (size_t)(t.value - d), t.value, t.len, result,
		                               sizeof(result), &result_len);
		if (rc == -2) {
			rc = fail(sm, "segment %u: the card's R-MAC is wrong", nseg);
			goto out;
		}
		if (rc)
			goto bad;
		off += part;
		if (sm->out)
			fprintf(sm->out,
			        "  segment %u: %zu bytes of the package (%zu/%zu), R-MAC ok\n",
			        nseg, part, off, len);
	}
	/* the last answer: the ISD-P's result (SAIP EUICCResponse-like, 30 { 80 status … }) */
	if (result_len < 5 || result[0] != 0x30 ||
	    veuicc_tlv_find(result + 2, result_len - 2, 0, 0x80, &t) != 1 || t.len < 1) {
		rc = fail(sm, "no installation result after the last segment");
		goto out;
	}
	if (t.value[0] != 0) {
		rc = fail(sm, "the ISD-P did not install the package: status %u", t.value[0]);
		goto out;
	}
	detail(sm,
	       "%zu bytes in %u SCP03t segments; installation result 00 (ok): the ISD-P is "
	       "DISABLED with the profile",
	       len, nseg);
	rc = 0;
	goto out;
bad:
	rc = fail(sm, "an SCP03t answer of the ISD-P is malformed");
out:
	veuicc_sm_scp03t_wipe(&s);
	return rc;
}

int veuicc_sm_profile_op(veuicc_sm *sm, const char *op, const uint8_t *aid, size_t aid_len)
{
	char a[33], cmd[96];
	aid_text(aid, aid_len, a);
	unsigned dgi = strcmp(op, "enable") == 0         ? 0x3A03
	               : strcmp(op, "disable") == 0      ? 0x3A04
	               : strcmp(op, "set-fallback") == 0 ? 0x3A05
	                                                 : 0;
	if (dgi)
		snprintf(cmd, sizeof(cmd), "80E28800%02zX %04X%02zX 4F%02zX%s", aid_len + 5, dgi,
		         aid_len + 2, aid_len, a);
	else
		snprintf(cmd, sizeof(cmd), "80E40000%02zX 4F%02zX%s 00", aid_len + 2, aid_len, a);
	const char *cmds[] = {cmd};
	veuicc_sm_rapdus r;
	if (es5_hex(sm, cmds, 1, &r))
		return -1;
	detail(sm, "ISD-P %s: %s done", a, op);
	return 0;
}

int veuicc_sm_confirm_notifications(veuicc_sm *sm)
{
	unsigned done = 0;
	while (sm->nnotifs) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "80E28900 07 3A08 04 4E02%04X 00", sm->notifs[0].seq);
		const char *cmds[] = {cmd};
		veuicc_sm_rapdus r;
		if (es5_hex(sm, cmds, 1, &r))
			return -1;
		say(sm, "notification %u confirmed", sm->notifs[0].seq);
		memmove(sm->notifs, sm->notifs + 1, (sm->nnotifs - 1) * sizeof(sm->notifs[0]));
		sm->nnotifs--;
		done++;
	}
	detail(sm, "%u notification(s) confirmed", done);
	return 0;
}

/* ---- the modem after the REFRESH --------------------------------------------- */

static int modem_cmd(veuicc_sm *sm, const char *hexs, uint16_t want, uint8_t *d, size_t cap,
                     size_t *dn)
{
	uint8_t c[64], por[VEUICC_CLI_OTA_POR_MAX];
	size_t cn = 0, pn = 0;
	uint16_t sw = 0;
	char why[64];
	if (veuicc_cli_ota_unhex(hexs, c, sizeof(c), &cn, why, sizeof(why)))
		return fail(sm, "internal: %s", why);
	int rc = send_apdu(sm, c, cn, d, cap, dn, &sw, por, sizeof(por), &pn);
	if (rc)
		return fail(sm, "%s: %s", hexs, veuicc_strerror(rc));
	if (sw != want)
		return fail(sm, "%s answered %04X, expected %04X", hexs, sw, want);
	return 0;
}

static void digits(const uint8_t *b, size_t n, size_t skip, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < 2 * n && k + 1 < cap; i++) {
		uint8_t v = (i & 1) ? b[i / 2] >> 4 : b[i / 2] & 0x0F;
		if (i >= skip && v <= 9)
			out[k++] = (char)('0' + v);
	}
	out[k] = '\0';
}

static const veuicc_saip_algo_parameter *aka_of(const veuicc_saip_profile *p)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == VEUICC_SAIP_PE_AKA && p->pes[i].u.aka &&
		    p->pes[i].u.aka->algo_configuration.kind == VEUICC_SAIP_ALGO_CONF_ALGO)
			return p->pes[i].u.aka->algo_configuration.algo_parameter;
	return NULL;
}

static int authenticate(veuicc_sm *sm, const veuicc_saip_algo_parameter *a)
{
	uint8_t rand[16], sqn[6] = {0, 0, 0, 0, 0, 0x41}, amf[2] = {0x80, 0x00}, mac[8], ak[6];
	uint8_t res[16], ck[16], ik[16];
	size_t res_len = 8;
	if (veuicc_sm_dp_random(sm->dp, rand, sizeof(rand)))
		return fail(sm, "no random");
	if (!a->key.present || a->key.len != 16)
		return fail(sm, "the package has no 16-byte K");
	int rc;
	const char *alg;
	if (a->algorithm_id == VEUICC_SAIP_ALGO_MILENAGE) {
		veuicc_milenage_ctx m;
		veuicc_milenage_cfg cfg;
		veuicc_milenage_cfg_default(&cfg);
		if (a->rotation_constants.present && a->xoring_constants.present &&
		    a->rotation_constants.len == 5 && a->xoring_constants.len == 80)
			veuicc_milenage_cfg_from_saip(&cfg, a->rotation_constants.data,
			                              a->xoring_constants.data);
		if (!a->opc.present || a->opc.len != 16)
			return fail(sm, "the package has no OPc");
		rc = veuicc_milenage_start(&m, &cfg, a->key.data, a->opc.data, rand) ||
		     veuicc_milenage_f1(&m, sqn, amf, mac, NULL) ||
		     veuicc_milenage_f2345(&m, res, ck, ik, ak, NULL);
		veuicc_milenage_end(&m);
		alg = "Milenage";
	} else if (a->algorithm_id == VEUICC_SAIP_ALGO_USIM_TEST) {
		res_len = 16;
		rc = veuicc_testalg_f1(a->key.data, rand, sqn, amf, mac) ||
		     veuicc_testalg_f2345(a->key.data, rand, res, res_len, ck, ik, ak);
		alg = "the TS 34.108 test algorithm";
	} else {
		return fail(sm,
		            "algorithm %u: the simulator's network knows Milenage and the test "
		            "algorithm",
		            (unsigned)a->algorithm_id);
	}
	if (rc)
		return fail(sm, "AKA computation failed");
	char cmd[128];
	int k = snprintf(cmd, sizeof(cmd), "008800812210");
	for (int i = 0; i < 16; i++)
		k += snprintf(cmd + k, sizeof(cmd) - (size_t)k, "%02X", rand[i]);
	k += snprintf(cmd + k, sizeof(cmd) - (size_t)k, "10");
	for (int i = 0; i < 6; i++)
		k += snprintf(cmd + k, sizeof(cmd) - (size_t)k, "%02X", sqn[i] ^ ak[i]);
	k += snprintf(cmd + k, sizeof(cmd) - (size_t)k, "%02X%02X", amf[0], amf[1]);
	for (int i = 0; i < 8; i++)
		k += snprintf(cmd + k, sizeof(cmd) - (size_t)k, "%02X", mac[i]);
	uint8_t d[VEUICC_RAPDU_MAX];
	size_t dn = 0;
	if (modem_cmd(sm, cmd, 0x9000, d, sizeof(d), &dn))
		return -1;
	int ok = dn >= 2 + res_len && d[0] == 0xDB && d[1] == res_len &&
	         memcmp(d + 2, res, res_len) == 0;
	mbedtls_platform_zeroize(ck, sizeof(ck));
	mbedtls_platform_zeroize(ik, sizeof(ik));
	if (!ok)
		return fail(sm, "AUTHENTICATE: RES is not the network's XRES (%s)", alg);
	say(sm, "AUTHENTICATE (%s, K from the package): RES = XRES", alg);
	return 0;
}

int veuicc_sm_modem(veuicc_sm *sm, const uint8_t *der, size_t len, const char *pin)
{
	uint8_t d[VEUICC_RAPDU_MAX];
	size_t dn = 0;
	if (modem_cmd(sm, "00A4000C022FE2", 0x9000, d, sizeof(d), &dn) ||
	    modem_cmd(sm, "00B000000A", 0x9000, d, sizeof(d), &dn))
		return -1;
	digits(d, dn, 0, sm->iccid, sizeof(sm->iccid));
	say(sm, "EF.ICCID: %s", sm->iccid);
	if (modem_cmd(sm, "00A4000C022F00", 0x9000, d, sizeof(d), &dn) ||
	    modem_cmd(sm, "00B2010400", 0x9000, d, sizeof(d), &dn))
		return -1;
	veuicc_tlv t, aid;
	if (veuicc_tlv_find(d, dn, VEUICC_TLV_SKIP_PADDING, 0x61, &t) != 1 ||
	    veuicc_tlv_find(t.value, t.len, 0, 0x4F, &aid) != 1 || aid.len > 16)
		return fail(sm, "EF.DIR record 1 has no application template 61 { 4F AID }");
	char sel[64], a[33];
	aid_text(aid.value, aid.len, a);
	snprintf(sel, sizeof(sel), "00A4040C%02zX%s", aid.len, a);
	if (modem_cmd(sm, sel, 0x9000, d, sizeof(d), &dn))
		return -1;
	char verify[64];
	int k = snprintf(verify, sizeof(verify), "0020000108");
	for (size_t i = 0; i < 8; i++)
		k += snprintf(verify + k, sizeof(verify) - (size_t)k, "%02X",
		              i < strlen(pin) ? (unsigned)(unsigned char)pin[i] : 0xFFu);
	if (modem_cmd(sm, verify, 0x9000, d, sizeof(d), &dn) ||
	    modem_cmd(sm, "00A4000C026F07", 0x9000, d, sizeof(d), &dn) ||
	    modem_cmd(sm, "00B0000009", 0x9000, d, sizeof(d), &dn))
		return -1;
	if (dn < 2)
		return fail(sm, "EF.IMSI is empty");
	digits(d + 1, dn - 1, 1, sm->imsi, sizeof(sm->imsi));
	say(sm, "USIM %s selected, PIN1 verified, EF.IMSI: %s", a, sm->imsi);
	veuicc_saip_profile *p = NULL;
	if (veuicc_saip_decode(der, len, &p, NULL))
		return fail(sm, "the package does not decode");
	const veuicc_saip_algo_parameter *ap = aka_of(p);
	int rc = ap ? authenticate(sm, ap) : fail(sm, "the package has no akaParameter");
	veuicc_saip_free(p);
	if (rc == 0)
		detail(sm, "ICCID %s, IMSI %s, AUTHENTICATE ok", sm->iccid, sm->imsi);
	return rc;
}

const char *veuicc_sm_source_path(const char *rel, char *buf, size_t cap)
{
	FILE *f = fopen(rel, "r");
	if (f) {
		fclose(f);
		return rel;
	}
	/* next to the default factory file of the source tree */
	const char *def = VEUICC_DEFAULT_FACTORY;
	const char *slash = strrchr(def, '/');
	size_t base = slash ? (size_t)(slash - def) : 0;
	const char *tail = strchr(rel, '/');
	snprintf(buf, cap, "%.*s%s", (int)base, def, tail ? tail : rel);
	return buf;
}

int veuicc_sm_need_pki(veuicc_sm *sm)
{
	if (sm->dp)
		return 0;
	int curve = veuicc_sm_ecasd_curve(sm);
	if (curve < 0)
		return -1;
	char buf[4096];
	const char *dir = sm->pki_dir;
	if (!dir)
		dir = veuicc_sm_source_path(curve == VEUICC_SM_CURVE_BP256 ? "factory/pki/brp"
		                                                           : "factory/pki/nist",
		                            buf, sizeof(buf));
	if (veuicc_sm_load_pki(sm, dir, curve))
		return -1;
	say(sm, "SM-DP identity from %s (curve %s)", dir,
	    curve == VEUICC_SM_CURVE_BP256 ? "brainpoolP256r1" : "P-256");
	return 0;
}

static int step_aid(veuicc_sm *sm, const char *name,
                    int (*fn)(veuicc_sm *, const uint8_t *, size_t), const uint8_t *aid, size_t len)
{
	veuicc_sm_begin(sm, name);
	return veuicc_sm_end(sm, fn(sm, aid, len));
}

int veuicc_sm_run(veuicc_sm *sm, const uint8_t *aid, size_t aid_len, const uint8_t *der, size_t len,
                  const char *pin)
{
	/* SGP.02 §3.1: CreateISDP, key establishment, download; §3.2 enable;
	 * §3.15 notification and its confirmation */
	int rc;
	veuicc_sm_begin(sm, "terminal session (reset, TERMINAL PROFILE)");
	rc = veuicc_sm_end(sm, veuicc_sm_terminal_start(sm));
	if (!rc) {
		veuicc_sm_begin(sm, "ES5 UpdateSMSRAddressingParameters");
		rc = veuicc_sm_end(sm, veuicc_sm_set_smsr_address(sm));
	}
	if (!rc)
		rc = step_aid(sm, "ES5 CreateISDP", veuicc_sm_create_isdp, aid, aid_len);
	if (!rc) {
		veuicc_sm_begin(sm, "ES8 EstablishISDPKeySet");
		rc = veuicc_sm_need_pki(sm);
		rc = veuicc_sm_end(sm, rc ? rc : veuicc_sm_establish_keys(sm, aid, aid_len));
	}
	if (!rc) {
		veuicc_sm_begin(sm, "ES8 DownloadAndInstallation (SCP03t)");
		rc = veuicc_sm_end(sm, veuicc_sm_download(sm, der, len));
	}
	if (!rc) {
		veuicc_sm_begin(sm, "ES5 EnableProfile");
		rc = veuicc_sm_profile_op(sm, "enable", aid, aid_len);
		if (!rc)
			rc = veuicc_sm_https_close(sm); /* SCP81: REFRESH after the session */
		if (!rc && !sm->refresh)
			rc = fail(sm, "the card asked for no REFRESH after the switch");
		rc = veuicc_sm_end(sm, rc);
	}
	if (!rc) {
		veuicc_sm_begin(sm, "REFRESH: new terminal session on the new profile");
		rc = veuicc_sm_end(sm, veuicc_sm_terminal_start(sm));
	}
	if (!rc) {
		veuicc_sm_begin(sm, "modem: ICCID, PIN1, IMSI, AUTHENTICATE");
		rc = veuicc_sm_end(sm, veuicc_sm_modem(sm, der, len, pin));
	}
	if (!rc) {
		veuicc_sm_begin(sm, "ES5 notification confirmation");
		rc = sm->nnotifs ? veuicc_sm_confirm_notifications(sm)
		                 : fail(sm, "no notification came after the switch");
		rc = veuicc_sm_end(sm, rc);
	}
	if (!rc) {
		veuicc_sm_begin(sm, "ES5 audit (GET STATUS)");
		rc = veuicc_sm_end(sm, veuicc_sm_audit(sm));
	}
	return rc;
}

/* ---- set-up -------------------------------------------------------------------- */

int veuicc_sm_smsr_from_factory(veuicc_sm *sm, const char *factory)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	veuicc_card *card;
	int rc = veuicc_card_new(&cfg, &card);
	if (rc) {
		snprintf(sm->error, sizeof(sm->error), "%s: %s", factory, veuicc_strerror(rc));
		return -1;
	}
	veuicc_keyset k;
	int found = 0;
	for (size_t i = 0; i < veuicc_card_keyset_count(card) && !found; i++)
		found =
		    veuicc_card_keyset(card, i, &k) == VEUICC_OK && k.type == VEUICC_KEYSET_SCP80;
	if (!found || veuicc_card_isdr_tar(card, sm->ota.h.tar)) {
		veuicc_card_free(card);
		snprintf(sm->error, sizeof(sm->error), "%s: no SCP80 key set or TAR for the ISD-R",
		         factory);
		return -1;
	}
	for (size_t i = 0; i < veuicc_card_keyset_count(card) && !sm->have_psk; i++) {
		veuicc_keyset p;
		if (veuicc_card_keyset(card, i, &p) == VEUICC_OK && p.type == VEUICC_KEYSET_SCP81 &&
		    p.key1_len <= sizeof(sm->psk)) {
			memcpy(sm->psk, p.key1, p.key1_len);
			sm->psk_len = p.key1_len;
			snprintf(sm->psk_id, sizeof(sm->psk_id), "%s", p.psk_id);
			sm->psk_kvn = p.kvn;
			sm->have_psk = 1;
		}
		mbedtls_platform_zeroize(&p, sizeof(p));
	}
	veuicc_card_free(card);
	veuicc_scp80_keyset *ks = &sm->ota.ks;
	ks->kvn = k.kvn;
	ks->kic_alg = k.kic_algo & 0x0F;
	ks->kid_alg = k.kid_algo & 0x0F;
	ks->kic_len = (uint8_t)k.key1_len;
	ks->kid_len = (uint8_t)k.key2_len;
	memcpy(ks->kic, k.key1, k.key1_len);
	memcpy(ks->kid, k.key2, k.key2_len);
	ks->cc_len = 8;
	mbedtls_platform_zeroize(&k, sizeof(k));
	sm->ota.h.spi[0] = 0x16; /* CC, ciphering, counter must be higher */
	sm->ota.h.spi[1] = 0x19; /* PoR required, with CC, ciphered */
	sm->ota.h.kic = (uint8_t)(ks->kvn << 4 | ks->kic_alg);
	sm->ota.h.kid = (uint8_t)(ks->kvn << 4 | ks->kid_alg);
	sm->ota.h.kic_ks = sm->ota.h.kid_ks = ks;
	if (veuicc_cli_ota_address("+4479000001", sm->ota.oa, &sm->ota.oa_len) ||
	    veuicc_cli_ota_address("+4479000001", sm->smsr_addr, &sm->smsr_addr_len))
		return -1;
	return 0;
}

int veuicc_sm_load_pki(veuicc_sm *sm, const char *dir, int curve_hint)
{
	char cert[4096], key[4096];
	FILE *f;
	snprintf(cert, sizeof(cert), "%s/smdp.7f21", dir);
	if (!(f = fopen(cert, "rb")))
		snprintf(cert, sizeof(cert), "%s/smdp.hex", dir);
	else
		fclose(f);
	snprintf(key, sizeof(key), "%s/smdp.pem", dir);
	if (!(f = fopen(key, "r")))
		snprintf(key, sizeof(key), "%s/../../keys/SK_S_SM_DPauth_ECDSA_%s.pem", dir,
		         curve_hint == VEUICC_SM_CURVE_BP256 ? "BRP" : "NIST");
	else
		fclose(f);
	veuicc_sm_dp_free(sm->dp);
	sm->dp = NULL;
	return veuicc_sm_dp_load(&sm->dp, key, cert, sm->error, sizeof(sm->error));
}

void veuicc_sm_free(veuicc_sm *sm)
{
	veuicc_sm_https_free(sm->srv);
	sm->srv = NULL;
	veuicc_bip_term_free(sm->term);
	sm->term = NULL;
	mbedtls_platform_zeroize(sm->psk, sizeof(sm->psk));
	veuicc_sm_dp_free(sm->dp);
	sm->dp = NULL;
	mbedtls_platform_zeroize(&sm->ota, sizeof(sm->ota));
	mbedtls_platform_zeroize(sm->enc, sizeof(sm->enc));
	mbedtls_platform_zeroize(sm->mac, sizeof(sm->mac));
	mbedtls_platform_zeroize(sm->dek, sizeof(sm->dek));
	mbedtls_platform_zeroize(sm->smsr_dek, sizeof(sm->smsr_dek));
}
