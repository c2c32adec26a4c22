/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP81 admin session over a BIP channel (docs/scp81.md; decisions H81):
 * GP Amd B §2.4.4 (PUSH), §3.4 (HTTP admin protocol), §3.8 (parameters);
 * SGP.02 §2.4.4 (PSK-TLS 1.2, cipher suites); ETSI TS 102 223 §6.4.16 (SET
 * UP EVENT LIST), §6.4.27-31 (OPEN/CLOSE CHANNEL, RECEIVE/SEND DATA, GET
 * CHANNEL STATUS), §7.5.10-11 (Data available / Channel status events). One
 * command at a time: each TERMINAL RESPONSE or event moves the session on.
 */
#include "cat/bip.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>

#include "apdu/sw.h"
#include "cat/bip_target.h"
#include "cat/cat_state.h"
#include "cat/envelope.h"
#include "cat/proactive.h"
#include "core/card.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "scp/http.h"
#include "scp/remote_apdu.h"
#include "scp/scp81.h"

/* TS 102 223 §8 COMPREHENSION-TLV tags (CR bit masked) */
#define CT_RESULT      0x03
#define CT_DEV_IDS     0x02
#define CT_EVENT_LIST  0x19
#define CT_CHAN_DATA   0x36
#define CT_CHAN_LEN    0x37
#define CT_CHAN_STATUS 0x38
#define CT_BUFSIZE     0x39
#define CR             0x80
#define DEV_CHANNEL1   0x21 /* §8.7: channel 1..7 = 21..27 */
/* §8.6 command qualifiers */
#define OPEN_IMMEDIATE 0x01
#define SEND_STORE     0x00
#define SEND_NOW       0x01
/* §8.56 channel status */
#define CHAN_LINK_UP   0x80
#define CHAN_ID_MASK   0x07
#define CHAN_LINK_DROP 0x05
#define RESULT_OK_LAST 0x0F /* §8.12: 0X results are successful */
#define CT_TIMER_ID    0x24 /* §8.37 timer identifier */
#define CT_TIMER_VALUE 0x25 /* §8.38 timer value (hh mm ss, BCD, nibbles swapped) */
#define RETRY_TIMER    0x01 /* the timer the card uses for the retry delay */
#define TIMER_START    0x00 /* §8.6 TIMER MANAGEMENT qualifier: start */

/* §5.2 TERMINAL PROFILE (0-based bytes) */
#define TP_CHAN_STATUS_BYTE 11 /* byte 12 b5: GET CHANNEL STATUS */
#define TP_CHAN_STATUS_BIT  0x10
#define TP_CHANNELS_BYTE    12 /* byte 13 b6-b8: number of channels */
#define TP_CHANNELS_SHIFT   5

/* Sizes: a proactive command is at most 255 bytes (D0 81 L ...): SEND DATA
 * 3 + 5 + 4 + 3 + data; a TERMINAL RESPONSE at most 255: 18 + data. */
#define SEND_CHUNK 232
#define RECV_CHUNK 237
#define TX_MAX     (64 * 1024)
#define HIN_MAX    (32 * 1024)
#define BODY_MAX   (16 * 1024)
#define SCRIPT_MAX (8 * 1024)
#define POST_MAX   (SCRIPT_MAX + 1024)

enum state {
	ST_IDLE = 0,
	ST_ARMED,      /* PUSH accepted, waits for the packet's PoR */
	ST_EVENTS,     /* SET UP EVENT LIST outstanding */
	ST_STATUS,     /* GET CHANNEL STATUS outstanding (H81-21) */
	ST_OPENING,    /* OPEN CHANNEL outstanding */
	ST_TLS,        /* handshake */
	ST_HTTP,       /* admin exchanges */
	ST_CLOSING,    /* close_notify being sent, then CLOSE CHANNEL */
	ST_CLOSE_SENT, /* CLOSE CHANNEL outstanding */
	ST_WAIT_TIMER, /* the retry waits for its timer (TIMER MANAGEMENT, then D7) */
};

struct veuicc_bip {
	veuicc_bip_stats stats;
	veuicc_card *card;
	enum state state;
	veuicc_scp81_params p;
	uint16_t retries_left;
	veuicc_scp81_params last; /* parameters of the last session that ended with 204 */
	bool have_last;
	bool outstanding; /* a BIP command waits for its TERMINAL RESPONSE */
	uint8_t chan;     /* channel identifier 1..7, 0: none */
	bool failed;      /* the attempt failed: after CLOSE CHANNEL retry or end */
	bool retry;       /* ... and the retry policy applies */
	size_t term_avail;
	uint8_t *tx, *rx, *hin, *body, *script, *post;
	size_t tx_len, tx_cap, rx_len, rx_off, hin_len;
	bool ssl_on;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	char from[VEUICC_HTTP_VALUE_MAX], host[VEUICC_SCP81_STR_MAX], uri[VEUICC_HTTP_VALUE_MAX];
};

/* SGP.02 §2.4.4: TLS 1.2 with these PSK suites only */
static const int suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
                             MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256, 0};

static struct veuicc_bip *bip_of(veuicc_card *card)
{
	struct veuicc_cat *c = veuicc_cat_state(card);
	if (!c)
		return NULL;
	if (!c->bip)
		c->bip = calloc(1, sizeof(*c->bip));
	if (c->bip)
		c->bip->card = card;
	return c->bip;
}

static void ssl_end(struct veuicc_bip *b)
{
	if (b->ssl_on) {
		mbedtls_ssl_free(&b->ssl);
		mbedtls_ssl_config_free(&b->conf);
		b->ssl_on = false;
	}
}

/* Buffers and TLS of the attempt (not the parameters: a retry reuses them). */
static void attempt_clear(struct veuicc_bip *b)
{
	ssl_end(b);
	uint8_t **bufs[] = {&b->tx, &b->rx, &b->hin, &b->body, &b->script, &b->post};
	size_t caps[] = {b->tx_cap, b->rx_len, HIN_MAX, BODY_MAX, SCRIPT_MAX, POST_MAX};
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		if (*bufs[i])
			mbedtls_platform_zeroize(*bufs[i], caps[i]);
		free(*bufs[i]);
		*bufs[i] = NULL;
	}
	b->tx_len = b->tx_cap = b->rx_len = b->rx_off = b->hin_len = 0;
	b->term_avail = 0;
	b->chan = 0;
	b->outstanding = false;
	b->failed = b->retry = false;
}

static void session_end(struct veuicc_bip *b, bool ok)
{
	attempt_clear(b);
	if (ok) {
		b->last = b->p; /* where notifications go (SGP.02 §3.15.2) */
		b->have_last = true;
	}
	mbedtls_platform_zeroize(&b->p, sizeof(b->p));
	b->state = ST_IDLE;
	b->stats.sessions++;
	b->stats.last_ok = ok;
	/* the REFRESH and notifications the scripts caused go now (H81) */
	veuicc_cat_packet_done(b->card);
}

void veuicc_bip_free(struct veuicc_bip *b)
{
	if (!b)
		return;
	attempt_clear(b);
	mbedtls_platform_zeroize(b, sizeof(*b));
	free(b);
}

void veuicc_bip_reset(veuicc_card *card)
{
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!b || b->state == ST_IDLE)
		return;
	attempt_clear(b);
	mbedtls_platform_zeroize(&b->p, sizeof(b->p));
	b->state = ST_IDLE;
	b->stats.sessions++;
	b->stats.last_ok = 0;
}

void veuicc_bip_get_stats(const veuicc_card *card, veuicc_bip_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (card->cat && card->cat->bip)
		*out = card->cat->bip->stats;
}

int veuicc_bip_active(const veuicc_card *card)
{
	return card->cat && card->cat->bip && card->cat->bip->state != ST_IDLE;
}

/* ---- proactive commands -------------------------------------------------- */

static bool queue(struct veuicc_bip *b, uint8_t type, uint8_t qual, uint8_t dest,
                  const uint8_t *body, size_t len)
{
	if (veuicc_cat_queue(b->card, type, qual, dest, body, len) != VEUICC_OK)
		return false;
	b->outstanding = true;
	return true;
}

static void fail(struct veuicc_bip *b, int err, bool retry);
static void retry_attempt(struct veuicc_bip *b);

static void open_channel(struct veuicc_bip *b)
{
	b->state = ST_OPENING;
	if (!queue(b, VEUICC_CAT_CMD_OPEN_CHANNEL, OPEN_IMMEDIATE, VEUICC_CAT_DEV_TERMINAL,
	           b->p.conn, b->p.conn_len))
		fail(b, VEUICC_ERR_NO_MEMORY, false);
}

/* An attempt (the first or a retry): GET CHANNEL STATUS (TS 102 223
 * §6.4.31) first when the terminal offers it, to learn whether it has a
 * channel left for us; then OPEN CHANNEL (H81-21). */
static void start_attempt(struct veuicc_bip *b)
{
	b->stats.attempts++;
	if (!veuicc_cat_tp_has(b->card, TP_CHAN_STATUS_BYTE, TP_CHAN_STATUS_BIT)) {
		open_channel(b); /* no GET CHANNEL STATUS: OPEN CHANNEL's result tells */
		return;
	}
	b->state = ST_STATUS;
	if (!queue(b, VEUICC_CAT_CMD_CHANNEL_STATUS, 0x00, VEUICC_CAT_DEV_TERMINAL, NULL, 0))
		fail(b, VEUICC_ERR_NO_MEMORY, false);
}

/* §5.2 byte 13 b6-b8: the channels the terminal supports; a terminal that
 * offers OPEN CHANNEL has at least one. */
static unsigned terminal_channels(const veuicc_card *card)
{
	const struct veuicc_cat *c = card->cat;
	unsigned n =
	    c && c->tp_len > TP_CHANNELS_BYTE ? c->tp[TP_CHANNELS_BYTE] >> TP_CHANNELS_SHIFT : 0;
	return n ? n : 1;
}

/* The next command of a running channel: pending TLS bytes first, then the
 * CLOSE CHANNEL of a closing session, then data the terminal holds. */
static void pump(struct veuicc_bip *b)
{
	if (b->outstanding || b->state < ST_TLS || b->state >= ST_CLOSE_SENT)
		return;
	uint8_t dest = (uint8_t)(DEV_CHANNEL1 + b->chan - 1);
	if (b->tx_len) {
		uint8_t body[3 + SEND_CHUNK];
		size_t n = b->tx_len < SEND_CHUNK ? b->tx_len : SEND_CHUNK;
		body[0] = CT_CHAN_DATA | CR;
		body[1] = 0x81;
		body[2] = (uint8_t)n;
		memcpy(body + 3, b->tx, n);
		size_t h = n < 0x80 ? 2 : 3;
		if (h == 2) {
			body[1] = (uint8_t)n;
			memmove(body + 2, body + 3, n);
		}
		if (!queue(b, VEUICC_CAT_CMD_SEND_DATA, n == b->tx_len ? SEND_NOW : SEND_STORE,
		           dest, body, h + n))
			fail(b, VEUICC_ERR_NO_MEMORY, false);
		return;
	}
	if (b->state == ST_CLOSING || b->failed) {
		b->state = ST_CLOSE_SENT;
		if (!queue(b, VEUICC_CAT_CMD_CLOSE_CHANNEL, 0x00, dest, NULL, 0)) {
			b->outstanding = false;
			if (b->failed)
				session_end(b, false);
			else
				session_end(b, true);
		}
		return;
	}
	if (b->term_avail) {
		size_t n = b->term_avail < RECV_CHUNK ? b->term_avail : RECV_CHUNK;
		const uint8_t body[] = {CT_CHAN_LEN | CR, 1, (uint8_t)n};
		if (!queue(b, VEUICC_CAT_CMD_RECEIVE_DATA, 0x00, dest, body, sizeof(body)))
			fail(b, VEUICC_ERR_NO_MEMORY, false);
	}
}

/* The attempt failed: close the channel if one is open, then retry (when
 * the retry policy allows it) or end the session. */
static void fail(struct veuicc_bip *b, int err, bool retry)
{
	b->stats.failures++;
	b->stats.last_error = err;
	ssl_end(b);
	b->tx_len = 0;
	b->failed = true;
	b->retry = retry;
	if (b->chan) {
		if (!b->outstanding)
			pump(b); /* CLOSE CHANNEL */
		else if (b->state < ST_TLS)
			b->state = ST_TLS; /* pump() closes after the outstanding TR */
		return;
	}
	if (retry && b->retries_left) {
		retry_attempt(b);
		return;
	}
	session_end(b, false);
}

/* GP Amd B §3.8.3: the next attempt after the retry waiting delay: a TIMER
 * MANAGEMENT (TS 102 223 §6.4.21) whose expiration ENVELOPE (§7.4) starts
 * it; at once when the delay is zero or the terminal has no timers (H81-11). */
static void retry_attempt(struct veuicc_bip *b)
{
	b->retries_left--;
	attempt_clear(b);
	const uint8_t *d = b->p.retry_delay;
	bool timers = veuicc_cat_tp_has(b->card, 0, 0x20) && /* byte 1 b6: timer expiration */
	              veuicc_cat_tp_has(b->card, 7, 0x01);   /* byte 8 b1: TIMER MANAGEMENT */
	if (!(d[0] | d[1] | d[2]) || !timers) {
		start_attempt(b);
		return;
	}
	const uint8_t body[] = {
	    CT_TIMER_ID | CR, 1, RETRY_TIMER, CT_TIMER_VALUE | CR, 3, d[0], d[1], d[2]};
	b->state = ST_WAIT_TIMER;
	if (!queue(b, VEUICC_CAT_CMD_TIMER, TIMER_START, VEUICC_CAT_DEV_TERMINAL, body,
	           sizeof(body)))
		start_attempt(b);
}

/* ---- TLS over the channel buffers ---------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct veuicc_bip *b = ctx;
	if (b->tx_len + len > TX_MAX)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (b->tx_len + len > b->tx_cap) {
		size_t cap = b->tx_len + len + 1024;
		uint8_t *t = malloc(cap);
		if (!t)
			return MBEDTLS_ERR_SSL_ALLOC_FAILED;
		if (b->tx_len)
			memcpy(t, b->tx, b->tx_len);
		if (b->tx)
			mbedtls_platform_zeroize(b->tx, b->tx_cap);
		free(b->tx);
		b->tx = t;
		b->tx_cap = cap;
	}
	memcpy(b->tx + b->tx_len, buf, len);
	b->tx_len += len;
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct veuicc_bip *b = ctx;
	size_t avail = b->rx_len - b->rx_off;
	if (!avail)
		return MBEDTLS_ERR_SSL_WANT_READ;
	size_t n = avail < len ? avail : len;
	memcpy(buf, b->rx + b->rx_off, n);
	b->rx_off += n;
	if (b->rx_off == b->rx_len)
		b->rx_off = b->rx_len = 0;
	return (int)n;
}

static int ssl_start(struct veuicc_bip *b)
{
	uint8_t psk[32];
	size_t psk_len = 0;
	char id[VEUICC_SCP81_STR_MAX];
	if (veuicc_scp81_psk(b->card, &b->p, psk, &psk_len, id, sizeof(id)) != VEUICC_OK)
		return VEUICC_ERR_NOT_FOUND;
	mbedtls_ssl_init(&b->ssl);
	mbedtls_ssl_config_init(&b->conf);
	b->ssl_on = true;
	int rc =
	    mbedtls_ssl_config_defaults(&b->conf, MBEDTLS_SSL_IS_CLIENT,
	                                MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (!rc) {
		mbedtls_ssl_conf_min_version(&b->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
		                             MBEDTLS_SSL_MINOR_VERSION_3);
		mbedtls_ssl_conf_max_version(&b->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
		                             MBEDTLS_SSL_MINOR_VERSION_3);
		mbedtls_ssl_conf_ciphersuites(&b->conf, suites);
		mbedtls_ssl_conf_rng(&b->conf, mbedtls_ctr_drbg_random, &b->card->drbg);
		/* SGP.02 §2.4.4: no session resumption */
		mbedtls_ssl_conf_session_tickets(&b->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
		mbedtls_ssl_conf_renegotiation(&b->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
		rc = mbedtls_ssl_conf_psk(&b->conf, psk, psk_len, (const unsigned char *)id,
		                          strlen(id));
	}
	mbedtls_platform_zeroize(psk, sizeof(psk));
	if (!rc)
		rc = mbedtls_ssl_setup(&b->ssl, &b->conf);
	if (rc)
		return rc;
	mbedtls_ssl_set_bio(&b->ssl, b, bio_send, bio_recv, NULL);
	return 0;
}

static int ssl_write_all(struct veuicc_bip *b, const uint8_t *d, size_t n)
{
	while (n) {
		int rc = mbedtls_ssl_write(&b->ssl, d, n);
		if (rc <= 0)
			return rc ? rc : VEUICC_ERR_INTERNAL;
		d += rc;
		n -= (size_t)rc;
	}
	return 0;
}

/* ---- the admin protocol (GP Amd B §3.4) -------------------------------- */

static int post(struct veuicc_bip *b, const uint8_t *body, size_t n, const char *status)
{
	size_t len;
	int rc = veuicc_scp81_build_post(b->uri, b->host, b->from, body, n, status, b->post,
	                                 POST_MAX, &len);
	if (!rc)
		rc = ssl_write_all(b, b->post, len);
	if (!rc)
		b->stats.posts++;
	return rc;
}

static bool ieq(const char *a, const char *c)
{
	for (; *a && *c; a++, c++) {
		int x = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
		int y = *c >= 'A' && *c <= 'Z' ? *c + 32 : *c;
		if (x != y)
			return false;
	}
	return *a == *c;
}

/* A complete HTTP response from the SM-SR. */
static void on_response(struct veuicc_bip *b, const veuicc_http_msg *m)
{
	int rc;
	if (m->status == 204) {
		/* §3.4: no more scripts, the session ends */
		b->state = ST_CLOSING;
		rc = mbedtls_ssl_close_notify(&b->ssl);
		(void)rc; /* bytes are buffered: nothing can block here */
		ssl_end(b);
		pump(b);
		return;
	}
	if (m->status != 200 || !ieq(m->content_type, VEUICC_HTTP_CT_SCRIPT) ||
	    !ieq(m->admin_protocol, VEUICC_HTTP_ADMIN_PROTO)) {
		fail(b, VEUICC_ERR_MALFORMED, false); /* not the admin protocol: no retry */
		return;
	}
	if (m->next_uri[0])
		memcpy(b->uri, m->next_uri, sizeof(b->uri));
	size_t out = 0;
	/* GP Amd B §3.4.2: the ISD-R, or an ISD-P (ES8); any other target: its
	 * status and no script response (H81-9, H81-17) */
	veuicc_scp81_target t;
	veuicc_scp81_target_of(b->card, m->target_app, &t);
	const char *status = veuicc_scp81_target_status(t.kind);
	if (t.kind == VEUICC_SCP81_TGT_ISDR || t.kind == VEUICC_SCP81_TGT_ISDP) {
		veuicc_keyest_end_forward(b->card); /* a script is a session of its own (SM1) */
		if (t.kind == VEUICC_SCP81_TGT_ISDR)
			rc = veuicc_remote_run_expanded(b->body, m->body_len, veuicc_cat_exec_isdr,
			                                b->card, b->script, SCRIPT_MAX, &out);
		else
			rc =
			    veuicc_remote_run_expanded(b->body, m->body_len, veuicc_scp81_exec_isdp,
			                               &t, b->script, SCRIPT_MAX, &out);
		veuicc_keyest_end_forward(b->card);
		if (rc) {
			fail(b, rc, false);
			return;
		}
		b->stats.scripts++;
		b->stats.isdp_scripts += t.kind == VEUICC_SCP81_TGT_ISDP;
	} else {
		b->stats.not_run++;
	}
	rc = post(b, b->script, out, status);
	if (rc)
		fail(b, rc, false);
}

/* Run TLS and HTTP on what arrived; queue what has to go out. */
static void advance(struct veuicc_bip *b)
{
	if (b->state == ST_TLS) {
		int rc = mbedtls_ssl_handshake(&b->ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
			pump(b);
			return;
		}
		if (rc) {
			fail(b, rc, true); /* alert (bad PSK, no common suite, ...) */
			return;
		}
		b->state = ST_HTTP;
		rc = post(b, NULL, 0, NULL); /* the first POST carries no body */
		if (rc) {
			fail(b, rc, false);
			return;
		}
	}
	while (b->state == ST_HTTP && !b->failed) {
		veuicc_http_msg m;
		int rc = b->hin_len
		             ? veuicc_http_parse(b->hin, b->hin_len, 0, &m, b->body, BODY_MAX)
		             : VEUICC_HTTP_INCOMPLETE;
		if (rc == VEUICC_OK) {
			memmove(b->hin, b->hin + m.used, b->hin_len - m.used);
			b->hin_len -= m.used;
			on_response(b, &m);
			continue;
		}
		if (rc != VEUICC_HTTP_INCOMPLETE) {
			fail(b, rc, false); /* malformed HTTP: no retry */
			return;
		}
		if (b->hin_len == HIN_MAX) {
			fail(b, VEUICC_ERR_BUFFER_TOO_SMALL, false);
			return;
		}
		rc = mbedtls_ssl_read(&b->ssl, b->hin + b->hin_len, HIN_MAX - b->hin_len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (rc <= 0) {
			/* close_notify, an alert or a bad record in the middle of the
			 * session: the attempt failed, the retry policy applies */
			fail(b, rc ? rc : MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, true);
			return;
		}
		b->hin_len += (size_t)rc;
	}
	pump(b);
}

/* ---- entry points -------------------------------------------------------- */

/* TS 102 223 §5.2: what the session needs from the terminal */
static bool terminal_can(const veuicc_card *card)
{
	return veuicc_cat_tp_has(card, 4, 0x01) &&  /* byte 5 b1: SET UP EVENT LIST */
	       veuicc_cat_tp_has(card, 5, 0x04) &&  /* byte 6 b3: Data available */
	       veuicc_cat_tp_has(card, 5, 0x08) &&  /* byte 6 b4: Channel status */
	       veuicc_cat_tp_has(card, 11, 0x01) && /* byte 12 b1: OPEN CHANNEL */
	       veuicc_cat_tp_has(card, 11, 0x02) && /* b2: CLOSE CHANNEL */
	       veuicc_cat_tp_has(card, 11, 0x04) && /* b3: RECEIVE DATA */
	       veuicc_cat_tp_has(card, 11, 0x08) && /* b4: SEND DATA */
	       veuicc_cat_tp_has(card, 16, 0x02);   /* byte 17 b2: TCP client mode remote */
}

/* The Host header (H81-7): 8A, else the IPv4 address. */
static void set_host(struct veuicc_bip *b, const veuicc_scp81_params *p)
{
	if (p->host[0]) {
		memcpy(b->host, p->host, sizeof(b->host));
	} else if (p->address_len == 4) {
		snprintf(b->host, sizeof(b->host), "%u.%u.%u.%u", p->address[0], p->address[1],
		         p->address[2], p->address[3]);
	} else {
		snprintf(b->host, sizeof(b->host), "localhost");
	}
}

uint16_t veuicc_bip_push(veuicc_card *card, const veuicc_capdu *cmd)
{
	if (cmd->p1 != VEUICC_SCP81_P1_PUSH || cmd->p2 != VEUICC_SCP81_P2_ADMIN)
		return VEUICC_SW_WRONG_P1P2;
	veuicc_scp81_params p;
	if (veuicc_scp81_parse_push(cmd->data, cmd->lc, &p) != VEUICC_OK)
		return VEUICC_SW_WRONG_DATA;
	uint8_t psk[32];
	size_t psk_len;
	char id[VEUICC_SCP81_STR_MAX];
	int rc = veuicc_scp81_psk(card, &p, psk, &psk_len, id, sizeof(id));
	mbedtls_platform_zeroize(psk, sizeof(psk));
	if (rc)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	struct veuicc_bip *b = bip_of(card);
	if (!b)
		return VEUICC_SW_MEMORY_FAILURE;
	if (b->state != ST_IDLE || !terminal_can(card))
		return VEUICC_SW_COND_NOT_SATISFIED; /* SGP.02 §2.4.4: one session at a time */
	b->p = p;
	b->retries_left = p.retries;
	b->state = ST_ARMED;
	veuicc_scp81_admin_from(card, &p, b->from, sizeof(b->from));
	memcpy(b->uri, p.uri, sizeof(p.uri));
	set_host(b, &p);
	mbedtls_platform_zeroize(&p, sizeof(p));
	if (!card->cat->in_packet)
		veuicc_bip_packet_done(card); /* a plain PUSH (test mode): at once */
	return VEUICC_SW_OK;
}

/* A REFRESH waits in the proactive queue: the terminal restarts the session. */
static bool refresh_queued(const struct veuicc_cat *c)
{
	for (uint8_t i = 0; i < c->q_count; i++) {
		const veuicc_cat_pcmd *q = &c->q[(c->q_head + i) % VEUICC_CAT_QUEUE_MAX];
		size_t h = q->b[1] == 0x81 ? 3 : 2;
		if (q->len > h + 3 && q->b[h + 3] == VEUICC_CAT_CMD_REFRESH)
			return true;
	}
	return false;
}

int veuicc_bip_notify(veuicc_card *card, const uint8_t *notif, size_t len)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!b || !b->have_last || !terminal_can(card))
		return VEUICC_BIP_NOTIFY_SMS;
	uint8_t psk[32];
	size_t psk_len;
	char id[VEUICC_SCP81_STR_MAX];
	int krc = veuicc_scp81_psk(card, &b->last, psk, &psk_len, id, sizeof(id));
	mbedtls_platform_zeroize(psk, sizeof(psk));
	if (krc)
		return VEUICC_BIP_NOTIFY_SMS; /* the key set is gone (PUT KEY, SM-SR change) */
	if (b->state != ST_IDLE || refresh_queued(card->cat))
		return VEUICC_BIP_NOTIFY_LATER;
	/* the first POST goes to the admin URI with ?msg=<hex E1> */
	size_t u = strlen(b->last.uri);
	if (u + 5 + 2 * len + 1 > sizeof(b->uri) || strchr(b->last.uri, '?'))
		return VEUICC_BIP_NOTIFY_SMS;
	b->p = b->last;
	b->retries_left = b->p.retries;
	veuicc_scp81_admin_from(card, &b->p, b->from, sizeof(b->from));
	memcpy(b->uri, b->p.uri, u);
	memcpy(b->uri + u, "?msg=", 5);
	for (size_t i = 0; i < len; i++) {
		b->uri[u + 5 + 2 * i] = hexd[notif[i] >> 4];
		b->uri[u + 6 + 2 * i] = hexd[notif[i] & 15];
	}
	b->uri[u + 5 + 2 * len] = '\0';
	set_host(b, &b->p);
	b->state = ST_ARMED;
	b->stats.notifications++;
	veuicc_bip_packet_done(card);
	return VEUICC_BIP_NOTIFY_HTTPS;
}

void veuicc_bip_packet_done(veuicc_card *card)
{
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!b || b->state != ST_ARMED)
		return;
	card->cat->in_packet = true; /* REFRESH and notifications wait for the end */
	b->state = ST_EVENTS;
	/* §6.4.16: the events the channel needs */
	const uint8_t ev[] = {CT_EVENT_LIST | CR, 2, VEUICC_CAT_EVT_DATA_AVAILABLE,
	                      VEUICC_CAT_EVT_CHANNEL_STATUS};
	if (!queue(b, VEUICC_CAT_CMD_SETUP_EVENTS, 0x00, VEUICC_CAT_DEV_TERMINAL, ev, sizeof(ev)))
		session_end(b, false);
}

/* The COMPREHENSION-TLVs of a TERMINAL RESPONSE or ENVELOPE we need. */
typedef struct objs {
	int result; /* -1: none */
	const uint8_t *status;
	unsigned in_use; /* channel status objects naming a channel (id 1..7) */
	const uint8_t *data;
	size_t data_len;
	int chan_len; /* -1: none */
	int event;    /* -1: none */
	int timer;    /* -1: none */
	bool ok;
} objs;

static objs parse_objs(const uint8_t *p, size_t n)
{
	objs o = {-1, NULL, 0, NULL, 0, -1, -1, -1, true};
	for (size_t i = 0; i < n;) {
		if (i + 2 > n) {
			o.ok = false;
			break;
		}
		uint8_t tag = (uint8_t)(p[i] & ~CR);
		size_t l = p[i + 1], h = 2;
		if (l == 0x81 && i + 3 <= n && p[i + 2] >= 0x80) {
			l = p[i + 2];
			h = 3;
		} else if (l > 0x7F) {
			o.ok = false;
			break;
		}
		if (l > n - i - h) {
			o.ok = false;
			break;
		}
		const uint8_t *v = p + i + h;
		if (tag == CT_RESULT && l >= 1)
			o.result = v[0];
		else if (tag == CT_CHAN_STATUS && l == 2) {
			o.status = v;
			o.in_use += (v[0] & CHAN_ID_MASK) != 0; /* §8.56: id 0, no channel */
		} else if (tag == CT_CHAN_DATA) {
			o.data = v;
			o.data_len = l;
		} else if (tag == CT_CHAN_LEN && l == 1)
			o.chan_len = v[0];
		else if (tag == CT_EVENT_LIST && l == 1)
			o.event = v[0];
		else if (tag == CT_TIMER_ID && l == 1)
			o.timer = v[0];
		i += h + l;
	}
	return o;
}

void veuicc_bip_terminal_response(veuicc_card *card, uint8_t type, const uint8_t *tr, size_t len)
{
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!b || !b->outstanding)
		return;
	b->outstanding = false;
	objs o = parse_objs(tr, len);
	bool ok = o.ok && o.result >= 0 && o.result <= RESULT_OK_LAST;
	switch (type) {
	case VEUICC_CAT_CMD_SETUP_EVENTS:
		if (b->state != ST_EVENTS)
			return;
		if (!ok) {
			session_end(b, false);
			return;
		}
		start_attempt(b);
		return;
	case VEUICC_CAT_CMD_CHANNEL_STATUS:
		if (b->state != ST_STATUS)
			return;
		/* §6.8: one channel status per channel the terminal has; every one
		 * taken by someone else (we have none yet): this attempt cannot open
		 * one, the retry policy applies (H81-21). Any other answer, an error
		 * result included, leaves it to OPEN CHANNEL's result. */
		if (ok && o.in_use >= terminal_channels(card)) {
			b->stats.busy++;
			fail(b, VEUICC_ERR_STATE, true);
			return;
		}
		open_channel(b);
		return;
	case VEUICC_CAT_CMD_OPEN_CHANNEL: {
		if (b->state != ST_OPENING)
			return;
		if (!ok || !o.status || !(o.status[0] & CHAN_LINK_UP) ||
		    !(o.status[0] & CHAN_ID_MASK)) {
			fail(b, VEUICC_ERR_IO, true); /* no channel: retry policy (§3.8.3) */
			return;
		}
		b->chan = o.status[0] & CHAN_ID_MASK;
		b->state = ST_TLS;
		int rc = ssl_start(b);
		if (rc) {
			fail(b, rc, false);
			return;
		}
		b->hin = malloc(HIN_MAX);
		b->body = malloc(BODY_MAX);
		b->script = malloc(SCRIPT_MAX);
		b->post = malloc(POST_MAX);
		if (!b->hin || !b->body || !b->script || !b->post) {
			fail(b, VEUICC_ERR_NO_MEMORY, false);
			return;
		}
		advance(b); /* ClientHello */
		return;
	}
	case VEUICC_CAT_CMD_SEND_DATA: {
		if (b->state < ST_TLS)
			return;
		if (!ok) {
			fail(b, VEUICC_ERR_IO, true);
			return;
		}
		size_t n = b->tx_len < SEND_CHUNK ? b->tx_len : SEND_CHUNK;
		b->stats.tx_bytes += n;
		memmove(b->tx, b->tx + n, b->tx_len - n);
		b->tx_len -= n;
		pump(b);
		return;
	}
	case VEUICC_CAT_CMD_RECEIVE_DATA: {
		if (b->state < ST_TLS)
			return;
		if (!ok || !o.data) {
			fail(b, VEUICC_ERR_IO, true);
			return;
		}
		b->term_avail = o.chan_len >= 0 ? (size_t)o.chan_len : 0;
		if (b->failed || b->state >= ST_CLOSING) {
			pump(b); /* data after the end: dropped */
			return;
		}
		if (b->rx_len + o.data_len > TX_MAX) {
			fail(b, VEUICC_ERR_BUFFER_TOO_SMALL, false); /* TLS does not read on */
			return;
		}
		uint8_t *nrx = realloc(b->rx, b->rx_len + o.data_len + 1);
		if (!nrx) {
			fail(b, VEUICC_ERR_NO_MEMORY, false);
			return;
		}
		b->rx = nrx;
		memcpy(b->rx + b->rx_len, o.data, o.data_len);
		b->rx_len += o.data_len;
		b->stats.rx_bytes += o.data_len;
		advance(b);
		return;
	}
	case VEUICC_CAT_CMD_CLOSE_CHANNEL: {
		if (b->state != ST_CLOSE_SENT)
			return;
		b->chan = 0;
		if (!b->failed) {
			session_end(b, true);
			return;
		}
		if (b->retry && b->retries_left) {
			retry_attempt(b);
			return;
		}
		session_end(b, false);
		return;
	}
	case VEUICC_CAT_CMD_TIMER:
		if (b->state == ST_WAIT_TIMER && !ok)
			start_attempt(b); /* no timer after all: at once */
		return;                   /* else the expiration ENVELOPE starts it */
	default: return;
	}
}

uint16_t veuicc_bip_timer(veuicc_card *card, const uint8_t *v, size_t len)
{
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	objs o = parse_objs(v, len);
	if (!o.ok)
		return VEUICC_SW_WRONG_DATA;
	if (!b || b->state != ST_WAIT_TIMER || o.timer != RETRY_TIMER)
		return VEUICC_SW_FUNC_NOT_SUPP; /* no timer of ours: not supported */
	start_attempt(b);
	return VEUICC_SW_OK;
}

uint16_t veuicc_bip_event(veuicc_card *card, const uint8_t *v, size_t len)
{
	objs o = parse_objs(v, len);
	struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!o.ok || o.event < 0)
		return VEUICC_SW_WRONG_DATA;
	if (o.event != VEUICC_CAT_EVT_DATA_AVAILABLE && o.event != VEUICC_CAT_EVT_CHANNEL_STATUS)
		return VEUICC_SW_FUNC_NOT_SUPP; /* other events: not supported (docs/cat.md) */
	if (!o.status)
		return VEUICC_SW_WRONG_DATA;
	if (!b || !b->chan || (o.status[0] & CHAN_ID_MASK) != b->chan)
		return VEUICC_SW_WRONG_DATA; /* no such channel */
	if (o.event == VEUICC_CAT_EVT_DATA_AVAILABLE) {
		if (o.chan_len < 0)
			return VEUICC_SW_WRONG_DATA;
		b->term_avail = (size_t)o.chan_len;
		pump(b);
		return VEUICC_SW_OK;
	}
	if (o.event == VEUICC_CAT_EVT_CHANNEL_STATUS) {
		bool down = !(o.status[0] & CHAN_LINK_UP) || o.status[1] == CHAN_LINK_DROP;
		if (down && b->state < ST_CLOSE_SENT && !b->failed) {
			b->term_avail = 0;
			fail(b, VEUICC_ERR_IO, b->state != ST_CLOSING); /* link dropped */
		}
		return VEUICC_SW_OK;
	}
	return VEUICC_SW_WRONG_DATA;
}

/* ---- the remembered parameters in the card file (H81-19) ---------------- */

static bool put_lv(uint8_t *w, size_t *n, size_t cap, const void *v, size_t len)
{
	if (len > 0xFF || *n + 1 + len > cap)
		return false;
	w[(*n)++] = (uint8_t)len;
	memcpy(w + *n, v, len);
	*n += len;
	return true;
}

int veuicc_bip_save(const veuicc_card *card, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	const struct veuicc_bip *b = card->cat ? card->cat->bip : NULL;
	if (!b || !b->have_last)
		return VEUICC_OK;
	const veuicc_scp81_params *p = &b->last;
	size_t cap = 32 + sizeof(p->conn) + sizeof(p->address) + 4 * VEUICC_SCP81_STR_MAX, n = 0;
	uint8_t *w = calloc(1, cap);
	if (!w)
		return VEUICC_ERR_NO_MEMORY;
	w[n++] = VEUICC_BIP_RECORD_V1;
	bool ok = put_lv(w, &n, cap, p->conn, p->conn_len);
	w[n++] = (uint8_t)(p->buffer_size >> 8);
	w[n++] = (uint8_t)p->buffer_size;
	ok = ok && put_lv(w, &n, cap, p->address, p->address_len);
	w[n++] = (uint8_t)(p->port >> 8);
	w[n++] = (uint8_t)p->port;
	ok = ok && put_lv(w, &n, cap, p->psk_id, strlen(p->psk_id));
	w[n++] = (uint8_t)(p->has_key != 0);
	w[n++] = p->kvn;
	w[n++] = p->kid;
	w[n++] = (uint8_t)(p->retries >> 8);
	w[n++] = (uint8_t)p->retries;
	memcpy(w + n, p->retry_delay, 3);
	n += 3;
	ok = ok && put_lv(w, &n, cap, p->host, strlen(p->host)) &&
	     put_lv(w, &n, cap, p->agent_id, strlen(p->agent_id)) &&
	     put_lv(w, &n, cap, p->uri, strlen(p->uri));
	if (!ok) {
		free(w);
		return VEUICC_ERR_INTERNAL;
	}
	*out = w;
	*len = n;
	return VEUICC_OK;
}

typedef struct rec_rd {
	const uint8_t *p;
	size_t n, i;
	bool ok;
} rec_rd;

static const uint8_t *take(rec_rd *r, size_t len)
{
	if (!r->ok || len > r->n - r->i) {
		r->ok = false;
		return NULL;
	}
	const uint8_t *v = r->p + r->i;
	r->i += len;
	return v;
}

static size_t take_lv(rec_rd *r, void *dst, size_t cap, bool str)
{
	const uint8_t *l = take(r, 1);
	size_t len = l ? *l : 0;
	const uint8_t *v = take(r, len);
	if (!v || len + (str ? 1 : 0) > cap || (str && memchr(v, 0, len))) {
		r->ok = false;
		return 0;
	}
	memcpy(dst, v, len);
	if (str)
		((char *)dst)[len] = '\0';
	return len;
}

static uint16_t take_u16(rec_rd *r)
{
	const uint8_t *v = take(r, 2);
	return v ? (uint16_t)(v[0] << 8 | v[1]) : 0;
}

int veuicc_bip_load(veuicc_card *card, const uint8_t *rec, size_t len)
{
	veuicc_scp81_params p;
	memset(&p, 0, sizeof(p));
	rec_rd r = {rec, len, 0, true};
	const uint8_t *v = take(&r, 1);
	if (!v || *v != VEUICC_BIP_RECORD_V1)
		return VEUICC_ERR_MALFORMED;
	p.conn_len = take_lv(&r, p.conn, sizeof(p.conn), false);
	p.buffer_size = take_u16(&r);
	p.address_len = take_lv(&r, p.address, sizeof(p.address), false);
	p.port = take_u16(&r);
	take_lv(&r, p.psk_id, sizeof(p.psk_id), true);
	const uint8_t *k = take(&r, 3);
	if (k) {
		p.has_key = k[0];
		p.kvn = k[1];
		p.kid = k[2];
	}
	p.retries = take_u16(&r);
	const uint8_t *d = take(&r, 3);
	if (d)
		memcpy(p.retry_delay, d, 3);
	take_lv(&r, p.host, sizeof(p.host), true);
	take_lv(&r, p.agent_id, sizeof(p.agent_id), true);
	take_lv(&r, p.uri, sizeof(p.uri), true);
	if (!r.ok || r.i != len || !p.conn_len || p.has_key > 1 ||
	    (p.address_len != 4 && p.address_len != 16) || p.uri[0] != '/')
		return VEUICC_ERR_MALFORMED;
	struct veuicc_bip *b = bip_of(card);
	if (!b)
		return VEUICC_ERR_NO_MEMORY;
	b->last = p;
	b->have_last = true;
	return VEUICC_OK;
}
