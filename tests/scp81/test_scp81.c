/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP81 over BIP (docs/scp81.md): the HTTP parser, the PUSH parameters, and
 * the card's admin sessions against `veuicc sm --https`'s server on
 * loopback (tools/veuicc/sm_https.c, linked in): the whole SGP.02 story,
 * wrong PSK / identity (TLS alerts), retry policy exhaustion, the server
 * closing mid-download, malformed HTTP answers — each leaving the card
 * consistent and able to run the next session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <mbedtls/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "applet/runtime.h"
#include "cat/bip.h"
#include "gp/mnosd.h"
#include "tlv/tlv.h"
#include "core/card.h"
#include "scp/http.h"
#include "scp/scp81.h"
#include "sm.h"
#include "store/store.h"
#include "test_tmp.h"

#define FB     "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define AID    "A0000005591010FFFFFFFF8900001100"
#define ISDP10 "A0000005591010FFFFFFFF8900001000"

static char factory[512];
static uint8_t *pkg;
static size_t pkg_len;

/* ---- HTTP parser ---------------------------------------------------------- */

static int parse(const char *s, int req, veuicc_http_msg *m, uint8_t *body, size_t cap)
{
	return veuicc_http_parse((const uint8_t *)s, strlen(s), req, m, body, cap);
}

#define HDRS                                                                                       \
	"X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"                                    \
	"Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n"

static void test_http_parser(void **state)
{
	(void)state;
	veuicc_http_msg m;
	uint8_t body[64];
	/* chunked, two chunks with an extension, Next-URI kept */
	const char *ok =
	    "HTTP/1.1 200 OK\r\n" HDRS "X-Admin-Next-URI: /next/1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nAAB\r\n2\r\nCD\r\n0\r\n\r\nrest";
	assert_int_equal(parse(ok, 0, &m, body, sizeof(body)), VEUICC_OK);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.body_len, 5);
	assert_memory_equal(body, "AABCD", 5);
	assert_string_equal(m.next_uri, "/next/1");
	assert_string_equal(m.admin_protocol, VEUICC_HTTP_ADMIN_PROTO);
	assert_int_equal(m.used, strlen(ok) - 4);
	/* every proper prefix is incomplete, never an error */
	for (size_t k = 0; k < strlen(ok) - 4; k++)
		assert_int_equal(
		    veuicc_http_parse((const uint8_t *)ok, k, 0, &m, body, sizeof(body)),
		    VEUICC_HTTP_INCOMPLETE);
	/* Content-Length; header names without case */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-admin-protocol: "
	                       "p\r\n\r\nAB",
	                       0, &m, body, sizeof(body)),
	                 VEUICC_OK);
	assert_int_equal(m.body_len, 2);
	assert_string_equal(m.admin_protocol, "p");
	/* 204 without framing has no body */
	assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", 0, &m, body, sizeof(body)),
	                 VEUICC_OK);
	assert_int_equal(m.status, 204);
	/* a request */
	assert_int_equal(parse("POST /a/b HTTP/1.1\r\nHost: h\r\nX-Admin-From: //se-id/eid/1\r\n"
	                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	                       1, &m, body, sizeof(body)),
	                 VEUICC_OK);
	assert_string_equal(m.method, "POST");
	assert_string_equal(m.uri, "/a/b");
	assert_string_equal(m.admin_from, "//se-id/eid/1");
	/* malformed */
	static const char *const bad[] = {
	    "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",          /* version */
	    "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",          /* status */
	    "HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n",                /* header */
	    "HTTP/1.1 200 OK\r\nA : b\r\nContent-Length: 0\r\n\r\n", /* space before ':' */
	    "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",            /* obs-fold */
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nABC\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTrailer: x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nA",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n\r\n", /* close-delimited body */
	    "HTTP/1.1 200 OK\r\nX-Admin-Next-URI: a\x01b\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], 0, &m, body, sizeof(body));
		if (rc != VEUICC_ERR_MALFORMED)
			fail_msg("bad[%zu]: %d", i, rc);
	}
	/* bodies larger than the buffer */
	assert_int_equal(
	    parse("HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", 0, &m, body, sizeof(body)),
	    VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n", 0, &m,
	                       body, sizeof(body)),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
}

/* ---- PUSH parameters ------------------------------------------------------ */

static void test_push_params(void **state)
{
	(void)state;
	/* GP Amd B Table 3-3 layout (as Njiwa's RamHttp builds it): 81 { 83 { 84
	 * OPEN CHANNEL TLVs, 85 PSK id + 02 KVN KID, 86 retry + A5 timer + 87,
	 * 89 { 8B agent, 8C URI } } } */
	uint8_t d[200];
	size_t n = th_unhex("814C 834A"
	                    "8413 350103 390205DC 3C03021F90 3E05217F000001"
	                    "8509 05 70736B6964 02 41 01"
	                    "8609 0003 A503000030 8700"
	                    "891D 8B0C 2F2F73652D69642F6569642F 8C0D 2F736D73722F61646D696E2F31",
	                    d, sizeof(d));
	veuicc_scp81_params p;
	assert_int_equal(veuicc_scp81_parse_push(d, n, &p), VEUICC_OK);
	assert_int_equal(p.port, 8080);
	assert_int_equal(p.buffer_size, 1500);
	assert_int_equal(p.address_len, 4);
	assert_memory_equal(p.address, "\x7F\x00\x00\x01", 4);
	assert_string_equal(p.psk_id, "pskid");
	assert_true(p.has_key);
	assert_int_equal(p.kvn, 0x41);
	assert_int_equal(p.kid, 0x01);
	assert_int_equal(p.retries, 3);
	assert_memory_equal(p.retry_delay, "\x00\x00\x30", 3);
	assert_string_equal(p.agent_id, "//se-id/eid/");
	assert_string_equal(p.uri, "/smsr/admin/1");
	assert_int_equal(p.conn_len, 0x13);
	/* refused: UDP transport, no 84, a truncated TLV, an outer tag other than 81 */
	static const char *const bad[] = {
	    "810F 830D 840B 350103 390205DC 3C03011F90",
	    "8107 8305 8603000100",
	    "8152 8350 8413 350103",
	    "8204 8302 8400",
	    "810F 830D 840B 350103 390205DC 3C03021F90", /* no other address */
	    "811B 8319 8413 350103 390205DC 3C03021F90 3E05217F000001 8902 8C00", /* empty URI */
	    "811D 831B 8413 350103 390205DC 3C03021F90 3E05217F000001 8904 8C02 2F20", /* space */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = th_unhex(bad[i], d, sizeof(d));
		if (veuicc_scp81_parse_push(d, n, &p) != VEUICC_ERR_MALFORMED)
			fail_msg("bad[%zu] accepted", i);
	}
}

/* ---- the card and the simulator ------------------------------------------ */

struct tc {
	veuicc_card *card;
};

static int t_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct tc *t = ctx;
	return veuicc_transmit(t->card, c, cn, r, rcap, rn);
}

static int t_reset(void *ctx)
{
	struct tc *t = ctx;
	return veuicc_reset(t->card, VEUICC_RESET_COLD, NULL, NULL);
}

static veuicc_sm *new_sm(struct tc *t)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	assert_int_equal(veuicc_card_new(&cfg, &t->card), VEUICC_OK);
	veuicc_sm *sm = calloc(1, sizeof(*sm));
	assert_non_null(sm);
	assert_int_equal(veuicc_sm_smsr_from_factory(sm, factory), 0);
	sm->counter = 1000;
	sm->xfer = t_xfer;
	sm->reset = t_reset;
	sm->xctx = t;
	sm->https = 1;
	assert_int_equal(veuicc_sm_terminal_start(sm), 0);
	return sm;
}

static void free_sm(veuicc_sm *sm, struct tc *t)
{
	veuicc_sm_free(sm);
	free(sm);
	veuicc_card_free(t->card);
}

/* Let the server and the card finish what they do (handshakes of retries,
 * CLOSE CHANNEL, ...) until both are quiet. */
static void drain(veuicc_sm *sm)
{
	veuicc_http_msg m;
	uint8_t body[256];
	for (int idle = 0; idle < 50;) {
		int a = sm->srv ? veuicc_sm_https_step(sm->srv, &m, body, sizeof(body)) : 0;
		int b = veuicc_sm_https_card_step(&sm->hcard, 2);
		assert_true(b >= 0);
		/* a running timer (the retry delay) is not idleness */
		bool quiet =
		    a == VEUICC_SM_HTTPS_NOTHING && b == 1 && veuicc_bip_term_idle(sm->term);
		idle = quiet ? idle + 1 : 0;
	}
}

static veuicc_isdp_info isdp(const veuicc_card *card, const char *aid_hex)
{
	uint8_t aid[16];
	th_unhex(aid_hex, aid, sizeof(aid));
	veuicc_isdp_info info;
	memset(&info, 0, sizeof(info));
	for (size_t i = 0; i < veuicc_card_isdp_count(card); i++)
		if (veuicc_card_isdp_info(card, i, &info) == VEUICC_OK && info.aid_len == 16 &&
		    !memcmp(info.aid, aid, 16))
			return info;
	fail_msg("no ISD-P %s", aid_hex);
	return info;
}

/* One script with the header X-Admin-Targeted-Application: \p target (NULL:
 * none) in the open session; the card's POST in \p m / \p body. */
static void targeted(veuicc_sm *sm, const char *script_hex, const char *target, const char *uri,
                     veuicc_http_msg *m, uint8_t *body, size_t cap)
{
	uint8_t script[300];
	size_t sn = th_unhex(script_hex, script, sizeof(script));
	assert_int_equal(veuicc_sm_https_respond(sm->srv, script, sn, uri, target, 1), 0);
	assert_int_equal(veuicc_sm_https_wait(sm->srv, &sm->hcard, m, body, cap, 5000),
	                 VEUICC_SM_HTTPS_REQUEST);
	assert_string_equal(m->uri, uri);
}

/* The hex of R-APDU data + SW of a script response AB { 80 n, 23 R-APDU }. */
static const char *rapdu_hex(const uint8_t *body, size_t n)
{
	static char out[2 * 600 + 1];
	veuicc_tlv ab, r;
	assert_int_equal(veuicc_tlv_find(body, n, 0, 0xAB, &ab), 1);
	assert_int_equal(veuicc_tlv_find(ab.value, ab.len, 0, 0x23, &r), 1);
	assert_true(r.len < 600);
	th_hex(r.value, r.len, out);
	return out;
}

#define ISDR_TGT    "//aid/A000000559/1010FFFFFFFF8900000100"
#define ISDP10_TGT  "//aid/A000000559/1010FFFFFFFF8900001000"
#define ISDP11_TGT  "//aid/A000000559/1010FFFFFFFF8900001100"
#define ECASD_TGT   "//aid/A000000559/1010FFFFFFFF8900000200"
#define ARAM_AID    "A00000015141434C00"
#define ARAM_TGT    "//aid/A000000151/41434C00"
#define GET_KEYINFO "AA07 2205 80CA00E000"
/* DELETE of the ARA-M instance: would change the card if anything ran it */
#define DEL_ARAM "AA10 220E 80E40000 0B 4F09" ARAM_AID "00"

/* A reported step: begin, the call, end (in this order). */
#define step(sm, name, call) (veuicc_sm_begin(sm, name), veuicc_sm_end(sm, call))

static void test_full_story(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	uint8_t aid[16];
	th_unhex(AID, aid, sizeof(aid));
	assert_int_equal(veuicc_sm_run(sm, aid, sizeof(aid), pkg, pkg_len, "0000"), 0);
	veuicc_isdp_info i = isdp(t.card, AID);
	assert_int_equal(i.state, VEUICC_ISDP_ENABLED);
	assert_true(i.iccid[0] != '\0');
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	veuicc_sm_https_stats ss;
	veuicc_sm_https_get_stats(sm->srv, &ss);
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(sm->term, &ts);
	/* one admin session per ES5/ES8 function of the story (7), each pushed,
	 * and one the card opened itself for the notification (SGP.02 §3.15.2) */
	assert_int_equal(sm->pushes, 7);
	assert_int_equal(sm->https_sessions, 8);
	assert_int_equal(bs.sessions, 8);
	assert_int_equal(bs.attempts, 8);
	assert_int_equal(bs.notifications, 1);
	assert_int_equal(sm->notifs_https, 1);
	assert_int_equal(sm->notifs_sms, 0);
	assert_int_equal(veuicc_card_notification_count(t.card), 0); /* confirmed */
	assert_int_equal(bs.failures, 0);
	assert_true(bs.last_ok);
	/* ES8 ran on the ISD-P itself (X-Admin-Targeted-Application, H81-17):
	 * 3A01, 3A02, the 84/85 script and one per SCP03t segment */
	assert_true(bs.isdp_scripts >= 3 + (pkg_len + 1023) / 1024);
	assert_int_equal(bs.not_run, 0);
	assert_int_equal(ss.connections, 8);
	assert_int_equal(ss.handshake_failures, 0);
	assert_string_equal(ss.psk_identity, "veuicc-isdr-psk");
	assert_int_equal(ts.opens, 8);
	/* every request but the first of a session carried a script's answer */
	assert_int_equal(ss.requests, bs.posts);
	assert_int_equal(bs.posts, bs.scripts + 8);
	/* the package crossed the wire (ciphertext, plus headers and TLS) */
	assert_true(ss.wire_out > pkg_len);
	assert_int_equal(ss.wire_in, bs.tx_bytes);
	assert_int_equal(ss.wire_out, bs.rx_bytes);
	assert_false(veuicc_bip_active(t.card));
	/* the factory profile's ISD-P, DISABLED now, is still reachable as the
	 * ISD-R reaches it: its own key information (none: factory profile),
	 * not the ISD-R's */
	assert_int_equal(isdp(t.card, ISDP10).state, VEUICC_ISDP_DISABLED);
	veuicc_sm_begin(sm, "targets");
	assert_int_equal(veuicc_sm_audit(sm), 0); /* the session stays open */
	veuicc_http_msg m;
	uint8_t body[512];
	targeted(sm, GET_KEYINFO, ISDP10_TGT, "/d1", &m, body, sizeof(body));
	assert_string_equal(m.script_status, "ok");
	assert_string_equal(rapdu_hex(body, m.body_len), "E0009000");
	assert_int_equal(veuicc_sm_end(sm, 0), 0);
	free_sm(sm, &t);
}

/* The card's PSK is not the server's: TLS alert, retry policy, nothing changed. */
static void bad_psk(int wrong_identity)
{
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	size_t before = veuicc_card_isdp_count(t.card);
	uint8_t other[16];
	memcpy(other, sm->psk, 16);
	if (!wrong_identity)
		other[0] ^= 0x01;
	assert_int_equal(
	    veuicc_sm_https_new(other, 16, wrong_identity ? "someone-else" : NULL, 0, &sm->srv), 0);
	sm->https_port = veuicc_sm_https_port(sm->srv);
	sm->push_retries = 2;
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), -1);
	drain(sm);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	veuicc_sm_https_stats ss;
	veuicc_sm_https_get_stats(sm->srv, &ss);
	assert_int_equal(ss.handshake_failures, 3); /* first try and two retries */
	assert_int_equal(ss.connections, 0);
	assert_int_equal(bs.attempts, 3);
	assert_int_equal(bs.failures, 3);
	assert_int_equal(bs.sessions, 1);
	assert_false(bs.last_ok);
	assert_int_equal(bs.posts, 0);
	assert_int_equal(bs.scripts, 0);
	/* the card got a fatal alert (wrong identity) or could not verify
	 * the server's Finished / records (wrong key) */
	assert_true(bs.last_error == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE ||
	            bs.last_error == MBEDTLS_ERR_SSL_INVALID_MAC ||
	            bs.last_error == MBEDTLS_ERR_SSL_BAD_HS_FINISHED);
	if (wrong_identity)
		assert_int_equal(bs.last_error, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
	assert_false(veuicc_bip_active(t.card));
	assert_false(veuicc_bip_term_is_open(sm->term));
	assert_int_equal(veuicc_card_isdp_count(t.card), before);
	/* the right server: the next PUSH works */
	veuicc_sm_https_free(sm->srv);
	sm->srv = NULL;
	sm->https_port = 0;
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), 0);
	veuicc_bip_get_stats(t.card, &bs);
	assert_true(bs.last_ok);
	assert_int_equal(bs.sessions, 2);
	free_sm(sm, &t);
}

static void test_wrong_psk(void **state)
{
	(void)state;
	bad_psk(0);
}

static void test_wrong_identity(void **state)
{
	(void)state;
	bad_psk(1);
}

/* Nobody listens: OPEN CHANNEL fails each time, retry counter + 1 attempts. */
static void test_retry_exhausted(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd); /* a port nobody listens on */
	sm->push_port = ntohs(sa.sin_port);
	sm->push_retries = 3;
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), -1);
	drain(sm);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(sm->term, &ts);
	assert_int_equal(ts.open_fails, 4);
	assert_int_equal(ts.opens, 0);
	assert_int_equal(bs.attempts, 4);
	assert_int_equal(bs.failures, 4);
	assert_int_equal(bs.sessions, 1);
	assert_false(bs.last_ok);
	assert_int_equal(bs.last_error, VEUICC_ERR_IO);
	assert_false(veuicc_bip_active(t.card));
	/* a PUSH while nothing runs is accepted again, to a listening port */
	sm->push_port = 0;
	sm->push_retries = 0;
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), 0);
	free_sm(sm, &t);
}

/* A retry waiting delay: the card asks the terminal for a timer (TIMER
 * MANAGEMENT) and starts the next attempt on its expiration ENVELOPE. */
static void test_retry_delay(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	uint8_t other[16];
	memcpy(other, sm->psk, 16);
	other[15] ^= 0x80;
	assert_int_equal(veuicc_sm_https_new(other, 16, NULL, 0, &sm->srv), 0);
	sm->https_port = veuicc_sm_https_port(sm->srv);
	sm->push_retries = 1;
	sm->push_delay = 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), -1);
	drain(sm);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(sm->term, &ts);
	veuicc_sm_https_stats ss;
	veuicc_sm_https_get_stats(sm->srv, &ss);
	assert_int_equal(ts.timers, 1);
	assert_int_equal(bs.attempts, 2);
	assert_int_equal(ss.handshake_failures, 2);
	assert_false(bs.last_ok);
	assert_false(veuicc_bip_active(t.card));
	assert_true(s >= 1.0);
	free_sm(sm, &t);
}

/* The server goes away in the middle of the download: the session fails,
 * no profile is left half installed, the download can be done again. */
static void test_server_closes_mid_download(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	uint8_t aid[16];
	th_unhex(AID, aid, sizeof(aid));
	assert_int_equal(step(sm, "create", veuicc_sm_create_isdp(sm, aid, sizeof(aid))), 0);
	assert_int_equal(veuicc_sm_need_pki(sm), 0);
	assert_int_equal(step(sm, "keys", veuicc_sm_establish_keys(sm, aid, sizeof(aid))), 0);
	sm->https_drop_after = sm->https_scripts + 6; /* a few segments in */
	assert_int_equal(step(sm, "download", veuicc_sm_download(sm, pkg, pkg_len)), -1);
	drain(sm);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	assert_false(bs.last_ok);
	assert_int_equal(bs.failures, 1);
	assert_false(veuicc_bip_active(t.card));
	assert_false(veuicc_bip_term_is_open(sm->term));
	veuicc_isdp_info i = isdp(t.card, AID);
	assert_int_equal(i.state, VEUICC_ISDP_PERSONALISED);
	assert_string_equal(i.iccid, "");
	/* again, in full */
	sm->https_drop_after = 0;
	/* the ISD-P keeps its key set: the SM-DP downloads again (SGP.02 §3.1.3) */
	int rc = step(sm, "download", veuicc_sm_download(sm, pkg, pkg_len));
	if (rc)
		fail_msg("download again: %s", sm->steps[sm->nsteps - 1].detail);
	i = isdp(t.card, AID);
	assert_int_equal(i.state, VEUICC_ISDP_DISABLED);
	assert_true(i.iccid[0] != '\0');
	free_sm(sm, &t);
}

/* Malformed answers end the session without retry and without running
 * anything; the next session works. */
static void test_malformed_http(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "HTTP/1.1 200 OK\r\n" HDRS "Transfer-Encoding: chunked\r\n\r\nZZ\r\nAA00\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" HDRS "Transfer-Encoding: chunked\r\n\r\n2\r\nAA00XX0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" HDRS "Broken header line\r\nContent-Length: 2\r\n\r\n\xAA\x00",
	    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.globalplatform.card-content-mgt;"
	    "version=1.0\r\nContent-Length: 2\r\n\r\n\xAA\x00", /* no X-Admin-Protocol */
	    "HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n\xAA\x00",
	    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.0 200 OK\r\n" HDRS "Content-Length: 2\r\n\r\n\xAA\x00",
	};
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		/* a session with one good exchange, then the bad answer */
		veuicc_sm_begin(sm, "audit");
		assert_int_equal(veuicc_sm_audit(sm), 0);
		assert_true(sm->https_open);
		veuicc_bip_stats b0, b1;
		veuicc_bip_get_stats(t.card, &b0);
		const char *msg = bad[k];
		size_t len = strlen(msg);
		if (k == 2 || k == 3 || k == 4 || k == 6)
			len++; /* the body AA 00: strlen stops at its 00 */
		assert_int_equal(veuicc_sm_https_send_raw(sm->srv, (const uint8_t *)msg, len), 0);
		sm->https_open = 0;
		veuicc_sm_end(sm, 0);
		drain(sm);
		veuicc_bip_get_stats(t.card, &b1);
		if (b1.failures != b0.failures + 1 || b1.last_ok || b1.attempts != b0.attempts ||
		    b1.scripts != b0.scripts || b1.sessions != b0.sessions + 1)
			fail_msg("bad[%zu]: failures %u→%u, scripts %u→%u, attempts %u→%u", k,
			         b0.failures, b1.failures, b0.scripts, b1.scripts, b0.attempts,
			         b1.attempts);
		assert_false(veuicc_bip_active(t.card));
		assert_false(veuicc_bip_term_is_open(sm->term));
	}
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), 0);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(t.card, &bs);
	assert_true(bs.last_ok);
	free_sm(sm, &t);
}

/* A reset in the middle of a session: the channel is gone, the card forgets
 * the session (a new PUSH is accepted) and the server sees the end. */
static void test_reset_mid_session(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	veuicc_sm_begin(sm, "audit");
	assert_int_equal(veuicc_sm_audit(sm), 0); /* the session stays open */
	assert_true(veuicc_bip_active(t.card));
	veuicc_bip_stats b0, b1;
	veuicc_bip_get_stats(t.card, &b0);
	sm->https_open = 0;
	veuicc_sm_end(sm, 0);
	/* the terminal restarts: cold reset, TERMINAL PROFILE */
	assert_int_equal(veuicc_sm_terminal_start(sm), 0);
	assert_false(veuicc_bip_active(t.card));
	veuicc_bip_get_stats(t.card, &b1);
	assert_int_equal(b1.sessions, b0.sessions + 1);
	assert_false(b1.last_ok);
	/* the terminal closed the channel's socket at the reset */
	assert_false(veuicc_bip_term_is_open(sm->term));
	veuicc_http_msg m;
	uint8_t body[64];
	assert_int_equal(veuicc_sm_https_wait(sm->srv, &sm->hcard, &m, body, sizeof(body), 2000),
	                 VEUICC_SM_HTTPS_CLOSED);
	/* the next push opens a new session */
	assert_int_equal(step(sm, "audit", veuicc_sm_audit(sm)), 0);
	veuicc_bip_get_stats(t.card, &b1);
	assert_true(b1.last_ok);
	assert_int_equal(b1.sessions, b0.sessions + 2);
	free_sm(sm, &t);
}

/* X-Admin-Targeted-Application (GP Amd B §3.4.2; H81-9, H81-17): the ISD-R
 * and any ISD-P run the script; an unknown AID gets unknown-application, an
 * applet instance not-a-security-domain, the ECASD and the enabled
 * profile's MNO-SD security-error, each with no script response and nothing
 * run. */
static void test_targeted_application(void **state)
{
	(void)state;
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	veuicc_sm_begin(sm, "audit");
	assert_int_equal(veuicc_sm_audit(sm), 0); /* the session stays open */
	/* an applet instance to aim at: the ARA-M, loaded and installed by ES5
	 * scripts on the ISD-R (docs/applets.md) */
	static const char *const inst[] = {
	    "80E60200 0D 08F076657569636301 00000000 00", "80E88000 06 C404CAFEBABE 00",
	    "80E60C00 23 08F076657569636301 09F07665756963630101 09" ARAM_AID " 0100 02C900 00 00"};
	uint8_t apdus[200];
	size_t lens[3], used = 0;
	for (size_t i = 0; i < 3; i++) {
		lens[i] = th_unhex(inst[i], apdus + used, sizeof(apdus) - used);
		used += lens[i];
	}
	veuicc_sm_rapdus rr;
	assert_int_equal(veuicc_sm_es5(sm, apdus, lens, 3, &rr), 0);
	assert_int_equal(veuicc_applets_count(t.card), 1);
	/* the enabled profile's MNO-SD (SAIP PE-SecurityDomain of factory/default.json) */
	char mnosd_tgt[64] = "";
	for (size_t i = 0; i < t.card->engine.napps && !mnosd_tgt[0]; i++) {
		const veuicc_app *a = &t.card->engine.apps[i];
		if (a->ops != &veuicc_mnosd_ops)
			continue;
		char h[40];
		th_hex(a->aid, a->aid_len, h);
		snprintf(mnosd_tgt, sizeof(mnosd_tgt), "//aid/%.10s/%s", h, h + 10);
	}
	assert_true(mnosd_tgt[0] != '\0');

	veuicc_bip_stats b0, b1;
	veuicc_bip_get_stats(t.card, &b0);
	size_t isdps = veuicc_card_isdp_count(t.card);
	veuicc_http_msg m;
	uint8_t body[1024];
	static const struct {
		const char *target, *status;
	} refused[] = {
	    {ISDP11_TGT, "unknown-application"}, /* no such ISD-P (yet) */
	    {"//aid/A000000559/1010FFFFFFFF89000011", "unknown-application"},   /* a prefix */
	    {"//aid/A0000005/591010FFFFFFFF8900001100", "unknown-application"}, /* RID of 4 */
	    {"//se-id/eid/89049032123451234512345678901235", "unknown-application"},
	    {"//aid/A000000559/1010FFFFFFFF89000011G0", "unknown-application"},
	    {ARAM_TGT, "not-a-security-domain"},
	    {ECASD_TGT, "security-error"},
	    {NULL, "security-error"}, /* the MNO-SD */
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char uri[16];
		snprintf(uri, sizeof(uri), "/r%zu", i);
		const char *tg = refused[i].target ? refused[i].target : mnosd_tgt;
		targeted(sm, DEL_ARAM, tg, uri, &m, body, sizeof(body));
		assert_string_equal(m.script_status, refused[i].status);
		assert_string_equal(m.content_type, VEUICC_HTTP_CT_RESPONSE);
		assert_int_equal(m.body_len, 0); /* GP Amd B: no script response */
	}
	veuicc_bip_get_stats(t.card, &b1);
	assert_int_equal(b1.scripts, b0.scripts); /* nothing ran */
	assert_int_equal(b1.not_run, b0.not_run + 8);
	assert_int_equal(veuicc_applets_count(t.card), 1); /* the ARA-M is still there */
	assert_int_equal(veuicc_card_isdp_count(t.card), isdps);

	/* the ISD-R by name, in lower case hex: its own key information (SCP80/81/03 sets) */
	targeted(sm, GET_KEYINFO, "//aid/a000000559/1010ffffffff8900000100", "/t1", &m, body,
	         sizeof(body));
	assert_string_equal(m.script_status, "ok");
	const char *isdr_keys = rapdu_hex(body, m.body_len);
	assert_non_null(strstr(isdr_keys, "C00401408510")); /* its SCP81 PSK, KVN 40 (85) */
	/* the enabled profile's ISD-P: its own (no key set: factory profile) */
	targeted(sm, GET_KEYINFO, ISDP10_TGT, "/t2", &m, body, sizeof(body));
	assert_string_equal(m.script_status, "ok");
	assert_string_equal(rapdu_hex(body, m.body_len), "E0009000");
	/* an ISD-P's handler answers what it does not know as the ISD-P does */
	targeted(sm, "AA07 2205 80CA00CF00", ISDP10_TGT, "/t3", &m, body, sizeof(body));
	assert_string_equal(rapdu_hex(body, m.body_len), "6A88");
	veuicc_bip_get_stats(t.card, &b1);
	assert_int_equal(b1.scripts, b0.scripts + 3);
	assert_int_equal(b1.isdp_scripts, b0.isdp_scripts + 2);
	assert_int_equal(veuicc_sm_end(sm, 0), 0); /* 204, CLOSE CHANNEL */
	veuicc_bip_get_stats(t.card, &b1);
	assert_true(b1.last_ok);
	free_sm(sm, &t);
}

/* Key establishment and download over HTTPS: scripts targeted at the new
 * ISD-P (the default, H81-17) or through the ISD-R's INSTALL [for
 * personalization] (--es8-tunnel); the same result either way. */
static void es8_over_https(int tunnel)
{
	struct tc t;
	veuicc_sm *sm = new_sm(&t);
	sm->es8_tunnel = tunnel;
	char *tr = NULL;
	size_t trn = 0;
	sm->transcript = open_memstream(&tr, &trn);
	assert_non_null(sm->transcript);
	uint8_t aid[16];
	th_unhex(AID, aid, sizeof(aid));
	assert_int_equal(step(sm, "create", veuicc_sm_create_isdp(sm, aid, sizeof(aid))), 0);
	assert_int_equal(veuicc_sm_need_pki(sm), 0);
	veuicc_bip_stats b0, b1;
	veuicc_bip_get_stats(t.card, &b0);
	assert_int_equal(step(sm, "keys", veuicc_sm_establish_keys(sm, aid, sizeof(aid))), 0);
	assert_string_equal(sm->last_target, tunnel ? "" : ISDP11_TGT);
	veuicc_bip_get_stats(t.card, &b1);
	assert_int_equal(b1.isdp_scripts - b0.isdp_scripts, tunnel ? 0 : 2); /* 3A01, 3A02 */
	assert_int_equal(isdp(t.card, AID).state, VEUICC_ISDP_PERSONALISED);
	unsigned before = b1.scripts;
	assert_int_equal(step(sm, "download", veuicc_sm_download(sm, pkg, pkg_len)), 0);
	assert_string_equal(sm->last_target, tunnel ? "" : ISDP11_TGT);
	veuicc_bip_get_stats(t.card, &b1);
	unsigned n = b1.scripts - before; /* 84, then one per 86 segment */
	assert_true(n >= 1 + (pkg_len + 1023) / 1024);
	assert_int_equal(b1.isdp_scripts - b0.isdp_scripts, tunnel ? 0 : 2 + n);
	veuicc_isdp_info i = isdp(t.card, AID);
	assert_int_equal(i.state, VEUICC_ISDP_DISABLED);
	assert_true(i.iccid[0] != '\0');
	fclose(sm->transcript);
	sm->transcript = NULL;
	/* INSTALL [for personalization] (80 E6 20 00) only in the tunnel */
	assert_true((strstr(tr, "C 80E62000") != NULL) == (tunnel != 0));
	assert_non_null(strstr(tr, "C 80E20900")); /* 3A01 either way */
	free(tr);
	free_sm(sm, &t);
}

static void test_es8_targeted(void **state)
{
	(void)state;
	es8_over_https(0);
}

static void test_es8_tunnel(void **state)
{
	(void)state;
	es8_over_https(1);
}

/* ---- the HTTPS parameters in the card file (H81-19) ------------------------ */

/* A simulator for the card \p card already open: its HTTPS server on
 * \p port (where the remembered parameters point), a BIP terminal, the
 * SCP80 counter after \p counter. */
static veuicc_sm *sm_for(struct tc *t, veuicc_card *card, uint16_t port, uint64_t counter)
{
	t->card = card;
	veuicc_sm *sm = calloc(1, sizeof(*sm));
	assert_non_null(sm);
	assert_int_equal(veuicc_sm_smsr_from_factory(sm, factory), 0);
	sm->counter = counter;
	sm->xfer = t_xfer;
	sm->reset = t_reset;
	sm->xctx = t;
	sm->https = 1;
	sm->https_port = port;
	assert_int_equal(veuicc_sm_https_new(sm->psk, sm->psk_len, sm->psk_id, port, &sm->srv), 0);
	sm->https_port = veuicc_sm_https_port(sm->srv); /* the port the PUSH names */
	assert_int_equal(veuicc_bip_term_new(NULL, &sm->term), 0);
	return sm;
}

/* EnableProfile of the ISD-P \p isdp_hex by SMS (so that this card object runs no
 * admin session of its own), then the REFRESH's new terminal session with
 * a BIP terminal: where does the notification go? 1: HTTPS, 0: SMS. */
static int notification_path(veuicc_sm *sm, const char *isdp_hex)
{
	uint8_t aid[16];
	th_unhex(isdp_hex, aid, sizeof(aid));
	assert_int_equal(veuicc_sm_terminal_start(sm), 0);
	unsigned h0 = sm->notifs_https, s0 = sm->notifs_sms;
	sm->https = 0;
	veuicc_sm_begin(sm, "enable");
	assert_int_equal(veuicc_sm_end(sm, veuicc_sm_profile_op(sm, "enable", aid, sizeof(aid))),
	                 0);
	assert_true(sm->refresh);
	sm->https = 1;
	assert_int_equal(veuicc_sm_terminal_start(sm), 0); /* TERMINAL PROFILE with BIP */
	veuicc_sm_begin(sm, "confirm");
	assert_int_equal(veuicc_sm_end(sm, veuicc_sm_confirm_notifications(sm)), 0);
	assert_int_equal(veuicc_sm_https_close(sm), 0);
	assert_int_equal(veuicc_card_notification_count(((struct tc *)sm->xctx)->card), 0);
	assert_int_equal(sm->notifs_https - h0 + sm->notifs_sms - s0, 1);
	return sm->notifs_https > h0;
}

static bool has_bytes(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (!memcmp(h + i, n, nn))
			return true;
	return false;
}

/* A card reopened from its file, or restored from a snapshot, sends its
 * next notification over HTTPS to the server of its last admin session;
 * without the record, by SMS. The record holds no PSK. */
static void test_https_params_persist(void **state)
{
	(void)state;
	char path[128], snap[160], bare[160];
	snprintf(path, sizeof(path), "/tmp/veuicc-scp81p-%ld.db", (long)getpid());
	snprintf(snap, sizeof(snap), "%s.snap", path);
	snprintf(bare, sizeof(bare), "%s.bare", path);
	unlink(path);
	unlink(snap);
	unlink(bare);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;

	/* 1: the whole story on a card file: its sessions end with 204 */
	struct tc t;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	veuicc_sm *sm = sm_for(&t, card, 0, 1000);
	uint16_t port = veuicc_sm_https_port(sm->srv);
	uint8_t aid[16];
	th_unhex(AID, aid, sizeof(aid));
	if (veuicc_sm_run(sm, aid, sizeof(aid), pkg, pkg_len, "0000"))
		fail_msg("story: %s", sm->steps[sm->nsteps - 1].detail);
	uint8_t *rec;
	size_t rec_len;
	assert_int_equal(veuicc_bip_save(card, &rec, &rec_len), VEUICC_OK);
	assert_non_null(rec);
	assert_false(has_bytes(rec, rec_len, sm->psk, sm->psk_len)); /* the key stays in its set */
	assert_true(has_bytes(rec, rec_len, (const uint8_t *)"/smsr/admin", 11));
	assert_int_equal(veuicc_card_snapshot(card, snap), VEUICC_OK);
	uint64_t counter = sm->counter;
	free_sm(sm, &t);

	/* 2: a new card object from the file: HTTPS with no session of its own */
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	uint8_t *rec2;
	size_t rec2_len;
	assert_int_equal(veuicc_bip_save(card, &rec2, &rec2_len), VEUICC_OK);
	assert_int_equal(rec2_len, rec_len);
	assert_memory_equal(rec2, rec, rec_len); /* loaded as saved */
	free(rec2);
	sm = sm_for(&t, card, port, counter);
	assert_int_equal(notification_path(sm, ISDP10), 1);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(card, &bs);
	assert_int_equal(bs.notifications, 1);
	assert_true(bs.last_ok);
	counter = sm->counter;
	free_sm(sm, &t);

	/* 3: restored from the snapshot (a card in memory): HTTPS too */
	assert_int_equal(veuicc_card_restore(snap, &cfg, &card), VEUICC_OK);
	sm = sm_for(&t, card, port, counter);
	assert_int_equal(notification_path(sm, ISDP10), 1);
	counter = sm->counter;
	free_sm(sm, &t);

	/* 4: the snapshot without the scp81 record: nothing remembered, SMS */
	veuicc_store *st;
	assert_int_equal(veuicc_card_restore_file(snap, bare), VEUICC_OK);
	assert_int_equal(veuicc_store_open(bare, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_delete(st, "scp81", (const uint8_t *)"last", 4), VEUICC_OK);
	veuicc_store_close(st);
	assert_int_equal(veuicc_card_open(bare, &cfg, &card), VEUICC_OK);
	uint8_t *none;
	size_t none_len;
	assert_int_equal(veuicc_bip_save(card, &none, &none_len), VEUICC_OK);
	assert_null(none);
	sm = sm_for(&t, card, port, counter);
	assert_int_equal(notification_path(sm, ISDP10), 0);
	counter = sm->counter;
	free_sm(sm, &t);

	/* a record naming a key set the card does not have (KVN 4E): SMS */
	size_t off = 1 + 1 + rec[1] + 2;
	off += 1 + rec[off] + 2;
	off += 1 + rec[off];
	assert_int_equal(rec[off], 1);        /* the key flag */
	assert_int_equal(rec[off + 1], 0x40); /* the factory's SCP81 KVN */
	rec[off + 1] = 0x4E;
	assert_int_equal(veuicc_store_open(bare, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "scp81", (const uint8_t *)"last", 4, rec, rec_len),
	                 VEUICC_OK);
	veuicc_store_close(st);
	assert_int_equal(veuicc_card_open(bare, &cfg, &card), VEUICC_OK);
	sm = sm_for(&t, card, port, counter);
	assert_int_equal(notification_path(sm, AID), 0);
	free_sm(sm, &t);

	/* a damaged record: the card file does not open */
	rec[0] = 0x7F;
	assert_int_equal(veuicc_store_open(bare, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "scp81", (const uint8_t *)"last", 4, rec, rec_len),
	                 VEUICC_OK);
	veuicc_store_close(st);
	assert_int_equal(veuicc_card_open(bare, &cfg, &card), VEUICC_ERR_MALFORMED);
	free(rec);
	const char *files[] = {path, snap, bare};
	for (size_t i = 0; i < 3; i++)
		test_rm_card_file(files[i]);
}

static uint16_t sw_of(veuicc_card *card, const char *hexs)
{
	uint8_t c[300];
	return th_sw(card, c, th_unhex(hexs, c, sizeof(c)));
}

/* The PUSH's own checks (ISD-R, test mode: plain APDUs). */
static void test_push_refused(void **state)
{
	(void)state;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(sw_of(card, "00A4040010A0000005591010FFFFFFFF8900000100") >> 8, 0x61);
	const char *push = "80EC0101 19 8117 8315 8413 350103 390205DC 3C03021F90 3E05217F000001";
	/* no TERMINAL PROFILE with BIP: conditions not satisfied */
	assert_int_equal(sw_of(card, push), 0x6985);
	assert_int_equal(
	    sw_of(card, "80EC0201 19 8117 8315 8413 350103 390205DC 3C03021F90 3E05217F000001"),
	    0x6A86);
	assert_int_equal(sw_of(card, "80EC0101 07 8105 8303 840100"), 0x6A80);
	uint8_t tp[32];
	size_t n = veuicc_bip_term_profile(tp, sizeof(tp));
	char hexs[128];
	strcpy(hexs, "80100000");
	snprintf(hexs + 8, sizeof(hexs) - 8, "%02zX", n);
	for (size_t i = 0; i < n; i++)
		snprintf(hexs + 10 + 2 * i, sizeof(hexs) - 10 - 2 * i, "%02X", tp[i]);
	assert_int_equal(sw_of(card, hexs), 0x9000);
	/* KVN 4F: no such SCP81 key set */
	assert_int_equal(sw_of(card, "80EC0101 1F 811D 831B 8413 350103 390205DC 3C03021F90 "
	                             "3E05217F000001 8504 00 02 4F 01"),
	                 0x6A88);
	/* accepted: SET UP EVENT LIST { Data available, Channel status } comes at
	 * once (no OTA packet to wait for), TS 102 223 §6.6.16 ... */
	assert_int_equal(sw_of(card, push), 0x910F);
	assert_true(veuicc_bip_active(card));
	/* ... a second PUSH while one runs is refused ... */
	assert_int_equal(sw_of(card, push), 0x6985);
	th_xfer(card, "801200000F", "D00D 8103010500 82028182 99020 90A 9000");
	/* ... then GET CHANNEL STATUS (§6.6.31, H81-21): no channel open ... */
	th_xfer(card, "801400000C 8103010500 82028281 830100", "910B");
	th_xfer(card, "801200000B", "D009 8103024400 82028182 9000");
	/* ... then OPEN CHANNEL (§6.6.27) with the push's connection TLVs */
	th_xfer(card, "8014000010 8103024400 82028281 830100 B8020000", "911E");
	th_xfer(card, "801200001E",
	        "D01C 8103034001 82028182 350103 390205DC 3C03021F90 3E05217F000001 9000");
	/* the terminal cannot connect: BIP error, no retries: the session ends */
	th_xfer(card, "801400000D 8103034001 82028281 83023A00", "9000");
	assert_false(veuicc_bip_active(card));
	veuicc_card_free(card);
}

static int setup(void **state)
{
	(void)state;
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	snprintf(factory, sizeof(factory), "%s", f);
	pkg = th_load("VEUICC_TEST_DATA", FB, &pkg_len);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(pkg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_parser),
	    cmocka_unit_test(test_push_params),
	    cmocka_unit_test(test_push_refused),
	    cmocka_unit_test(test_full_story),
	    cmocka_unit_test(test_wrong_psk),
	    cmocka_unit_test(test_wrong_identity),
	    cmocka_unit_test(test_retry_exhausted),
	    cmocka_unit_test(test_retry_delay),
	    cmocka_unit_test(test_server_closes_mid_download),
	    cmocka_unit_test(test_malformed_http),
	    cmocka_unit_test(test_targeted_application),
	    cmocka_unit_test(test_es8_targeted),
	    cmocka_unit_test(test_es8_tunnel),
	    cmocka_unit_test(test_https_params_persist),
	    cmocka_unit_test(test_reset_mid_session),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
