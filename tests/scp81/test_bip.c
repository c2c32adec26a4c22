/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's BIP commands one by one (docs/scp81.md, H81): the test plays
 * the terminal with raw APDUs (test mode, plain PUSH to the ISD-R) and checks
 * each proactive command's bytes and what the card does with each TERMINAL
 * RESPONSE and event ENVELOPE per ETSI TS 102 223: GET CHANNEL STATUS before
 * OPEN CHANNEL (§6.4.31, H81-21), OPEN CHANNEL / SEND DATA / RECEIVE DATA /
 * SET UP EVENT LIST / TIMER MANAGEMENT failures (§6.8, §8.12), malformed and
 * foreign Data available / Channel status / Timer expiration ENVELOPEs
 * (§7.5.10-11, §7.4), the card-file record of the HTTPS parameters; and the
 * terminal helper (include/veuicc/bip.h) on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "cat/bip.h"
#include "veuicc/bip.h"
#include "veuicc/veuicc.h"

static char factory[512];

#define SELECT_ISDR "00A4040010A0000005591010FFFFFFFF890000010000"
/* 84: bearer default, buffer 1500, TCP client port 8080, 127.0.0.1 */
#define CONN "8413 350103 390205DC 3C03021F90 3E05217F000001"
#define OPEN_TLVS "350103 390205DC 3C03021F90 3E05217F000001"
#define OK "830100"
#define LINK_UP "B8028100"        /* §8.56: channel 1, link established */
#define NO_CHANNEL "B8020000"     /* channel identifier 0: no channel */
#define OPENED LINK_UP "350103 B90205DC"

/* ---- the card and its terminal ------------------------------------------ */

static uint8_t tp_default[32];
static size_t tp_default_len;

/* A card (factory/default.json, test mode, T=1) with TERMINAL PROFILE \p tp
 * (NULL: the terminal helper's) and the ISD-R selected. */
static veuicc_card *new_card(const uint8_t *tp, size_t tpn)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	if (!tp) {
		tp = tp_default;
		tpn = tp_default_len;
	}
	uint8_t c[5 + 64];
	c[0] = 0x80, c[1] = 0x10, c[2] = c[3] = 0, c[4] = (uint8_t)tpn;
	memcpy(c + 5, tp, tpn);
	assert_int_equal(th_sw(card, c, 5 + tpn), 0x9000);
	uint8_t s[32];
	uint16_t ssw = th_sw(card, s, th_unhex(SELECT_ISDR, s, sizeof(s)));
	if (ssw != 0x9000)
		fail_msg("SELECT ISD-R: %04X", ssw);
	return card;
}

static uint16_t sw_hex(veuicc_card *card, const char *hex)
{
	uint8_t c[300];
	return th_sw(card, c, th_unhex(hex, c, sizeof(c)));
}

/* PUSH 80 EC 01 01 { 81 { 83 { \p inner } } } (one-byte lengths). */
static uint16_t push(veuicc_card *card, const char *inner)
{
	uint8_t in[200], c[220];
	size_t n = th_unhex(inner, in, sizeof(in));
	assert_true(n + 4 < 0x80);
	const uint8_t h[] = {0x80, 0xEC, 0x01, 0x01, (uint8_t)(n + 4), 0x81, (uint8_t)(n + 2), 0x83,
	                     (uint8_t)n};
	memcpy(c, h, sizeof(h));
	memcpy(c + sizeof(h), in, n);
	return th_sw(card, c, sizeof(h) + n);
}

/* FETCH after \p sw (91xx): the proactive command, asserted to equal
 * \p expect (hex) when given. \returns its type (command details byte 4). */
static uint8_t fetch(veuicc_card *card, uint16_t sw, uint8_t *cmd, size_t *n, const char *expect)
{
	if ((sw >> 8) != 0x91)
		fail_msg("no proactive command pending: SW %04X", sw);
	uint8_t f[5] = {0x80, 0x12, 0x00, 0x00, (uint8_t)sw};
	size_t rl;
	static uint8_t r[VEUICC_RAPDU_MAX];
	assert_int_equal(veuicc_transmit(card, f, 5, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(rl, (size_t)(sw & 0xFF) + 2);
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	memcpy(cmd, r, rl - 2);
	*n = rl - 2;
	if (expect) {
		uint8_t x[300];
		size_t xn = th_unhex(expect, x, sizeof(x));
		char got[600], want[600];
		th_hex(cmd, *n, got);
		th_hex(x, xn, want);
		if (strcmp(got, want))
			fail_msg("proactive command\n  expected %s\n  got      %s", want, got);
	}
	size_t h = cmd[1] == 0x81 ? 3 : 2;
	return cmd[h + 3];
}

/* TERMINAL RESPONSE to \p cmd: its command details, 82 02 82 81, \p tail. */
static uint16_t tr(veuicc_card *card, const uint8_t *cmd, const char *tail)
{
	uint8_t c[5 + 255];
	size_t h = cmd[1] == 0x81 ? 3 : 2;
	const uint8_t head[] = {0x81, 0x03, cmd[h + 2], cmd[h + 3], cmd[h + 4], 0x82, 0x02, 0x82,
	                        0x81};
	memcpy(c + 5, head, sizeof(head));
	size_t n = sizeof(head) + th_unhex(tail, c + 5 + sizeof(head), 255 - sizeof(head));
	c[0] = 0x80, c[1] = 0x14, c[2] = c[3] = 0, c[4] = (uint8_t)n;
	return th_sw(card, c, 5 + n);
}

/* FETCH the command pending after \p sw, assert its type, answer \p tail. */
static uint16_t step(veuicc_card *card, uint16_t sw, uint8_t type, const char *tail)
{
	uint8_t cmd[300];
	size_t n;
	uint8_t t = fetch(card, sw, cmd, &n, NULL);
	if (t != type)
		fail_msg("expected command type %02X, got %02X", type, t);
	return tr(card, cmd, tail);
}

static veuicc_bip_stats stats(const veuicc_card *card)
{
	veuicc_bip_stats s;
	veuicc_bip_get_stats(card, &s);
	return s;
}

/* ---- GET CHANNEL STATUS (TS 102 223 §6.4.31, H81-21) ---------------------- */

/* The terminal's one channel is open and not the card's: the attempt fails
 * before OPEN CHANNEL, the retry policy applies, and the retry asks again. */
static void test_gcs_channel_taken(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	uint8_t cmd[300];
	size_t n;
	/* retry counter 1, no delay */
	uint16_t sw = push(card, CONN "8602 0001");
	assert_int_equal(sw, 0x910F);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	assert_int_equal(sw, 0x910B);
	/* §6.6.31: command details (qualifier RFU 00), UICC → terminal, nothing else */
	fetch(card, sw, cmd, &n, "D009 8103024400 82028182");
	sw = tr(card, cmd, OK LINK_UP); /* channel 1 in use: not the card's */
	veuicc_bip_stats s = stats(card);
	assert_int_equal(s.attempts, 2); /* the retry started at once (no delay) */
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.busy, 1);
	assert_int_equal(s.last_error, VEUICC_ERR_STATE);
	/* the retry starts with GET CHANNEL STATUS again, not with OPEN CHANNEL */
	fetch(card, sw, cmd, &n, "D009 8103034400 82028182");
	sw = tr(card, cmd, OK NO_CHANNEL); /* free now */
	fetch(card, sw, cmd, &n, "D01C 8103044001 82028182 " OPEN_TLVS);
	sw = tr(card, cmd, "83023A00"); /* cannot connect: no retry left */
	assert_int_equal(sw, 0x9000);
	s = stats(card);
	assert_false(veuicc_bip_active(card));
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.failures, 2);
	assert_int_equal(s.busy, 1);
	assert_int_equal(s.sessions, 1);
	assert_false(s.last_ok);
	/* without retries: the session ends at the busy answer, nothing pending */
	sw = push(card, CONN);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK "B8020105"); /* dropped, still there */
	assert_int_equal(sw, 0x9000);
	assert_false(veuicc_bip_active(card));
	assert_int_equal(stats(card).busy, 2);
	assert_int_equal(sw_hex(card, "8012000010"), 0x6985); /* no OPEN CHANNEL */
	veuicc_card_free(card);
}

/* A terminal with two channels (TERMINAL PROFILE byte 13 b6-b8 = 2): one taken
 * leaves one for the card; both taken: busy. */
static void test_gcs_two_channels(void **state)
{
	(void)state;
	uint8_t tp[32];
	memcpy(tp, tp_default, tp_default_len);
	tp[12] = 0x40;
	veuicc_card *card = new_card(tp, tp_default_len);
	uint16_t sw = push(card, CONN);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK LINK_UP);
	uint8_t cmd[300];
	size_t n;
	assert_int_equal(fetch(card, sw, cmd, &n, NULL), VEUICC_CAT_CMD_OPEN_CHANNEL);
	assert_int_equal(tr(card, cmd, "83023A01"), 0x9000); /* §8.12.11: no channel available */
	assert_int_equal(stats(card).busy, 0);
	sw = push(card, CONN);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK LINK_UP "B8028200");
	assert_int_equal(sw, 0x9000);
	assert_int_equal(stats(card).busy, 1);
	assert_false(veuicc_bip_active(card));
	veuicc_card_free(card);
}

/* Answers that do not say every channel is taken leave it to OPEN CHANNEL:
 * an error result, a success without channel status, channel 0 (none). */
static void test_gcs_other_answers(void **state)
{
	(void)state;
	static const char *const answers[] = {"830130", "830132", OK, OK NO_CHANNEL,
	                                      "830100 B801 81" /* bad length: ignored */};
	veuicc_card *card = new_card(NULL, 0);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		uint16_t sw = push(card, CONN);
		sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
		sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, answers[i]);
		if (sw != 0x911E)
			fail_msg("answer %zu: SW %04X, no OPEN CHANNEL", i, sw);
		sw = step(card, sw, VEUICC_CAT_CMD_OPEN_CHANNEL, "83023A00");
		assert_int_equal(sw, 0x9000);
	}
	veuicc_bip_stats s = stats(card);
	assert_int_equal(s.busy, 0);
	assert_int_equal(s.attempts, 5);
	veuicc_card_free(card);
}

/* A TERMINAL PROFILE without GET CHANNEL STATUS (byte 12 b5): the PUSH is
 * accepted and OPEN CHANNEL follows SET UP EVENT LIST (H81-21). */
static void test_gcs_not_offered(void **state)
{
	(void)state;
	uint8_t tp[32];
	memcpy(tp, tp_default, tp_default_len);
	tp[11] &= (uint8_t)~0x10;
	veuicc_card *card = new_card(tp, tp_default_len);
	uint16_t sw = push(card, CONN);
	assert_int_equal(sw, 0x910F);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	uint8_t cmd[300];
	size_t n;
	fetch(card, sw, cmd, &n, "D01C 8103024001 82028182 " OPEN_TLVS);
	assert_int_equal(tr(card, cmd, "83023A00"), 0x9000);
	assert_int_equal(stats(card).attempts, 1);
	veuicc_card_free(card);
}

/* ---- the terminal helper -------------------------------------------------- */

/* A listening socket on 127.0.0.1 (any port). */
static int listener(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The helper's answer to the proactive command \p cmd_hex equals \p expect
 * (hex; NULL: not checked); \returns veuicc_bip_term_proactive()'s result. */
static int term_cmd(veuicc_bip_term *t, const char *cmd_hex, const char *expect)
{
	uint8_t c[300], r[5 + 260];
	size_t n = th_unhex(cmd_hex, c, sizeof(c)), rn = 0;
	int rc = veuicc_bip_term_proactive(t, c, n, r, sizeof(r), &rn);
	if (expect) {
		assert_int_equal(rc, 1);
		uint8_t x[300];
		size_t xn = th_unhex(expect, x, sizeof(x));
		char got[600], want[600];
		th_hex(r, rn, got);
		th_hex(x, xn, want);
		if (strcmp(got, want))
			fail_msg("%s\n  expected %s\n  got      %s", cmd_hex, want, got);
	}
	return rc;
}

static char open_cmd[128];

/* OPEN CHANNEL (TCP client, 127.0.0.1:port, buffer 1500) as a card sends it. */
static const char *open_to(uint16_t port)
{
	snprintf(open_cmd, sizeof(open_cmd),
	         "D01C 8103014001 82028182 350103 390205DC 3C0302%04X 3E05217F000001", port);
	return open_cmd;
}

#define GCS_CMD "D009 8103014400 82028182"
#define GCS_TR  "80140000 10 8103014400 82028281 830100 3802"

/* GET CHANNEL STATUS answered by the helper (§6.8, §8.56): 00 00 without a
 * channel, 81 00 with its link up, 01 05 once the peer closed (link
 * dropped), 00 00 again after CLOSE CHANNEL. */
static void test_term_channel_status(void **state)
{
	(void)state;
	veuicc_bip_term *t;
	assert_int_equal(veuicc_bip_term_new(NULL, &t), VEUICC_OK);
	term_cmd(t, GCS_CMD, GCS_TR "0000");
	uint16_t port;
	int lfd = listener(&port);
	term_cmd(t, open_to(port),
	         "80140000 17 8103014001 82028281 830100 38028100 350103 390205DC");
	assert_true(veuicc_bip_term_is_open(t));
	term_cmd(t, GCS_CMD, GCS_TR "8100");
	int peer = accept(lfd, NULL, NULL);
	assert_true(peer >= 0);
	close(peer); /* the server goes away */
	uint8_t env[64];
	size_t en = 0;
	int got = 0;
	for (int i = 0; i < 100 && got != 1; i++)
		got = veuicc_bip_term_poll(t, 10, env, sizeof(env), &en);
	assert_int_equal(got, 1);
	char h[200];
	th_hex(env, en, h);
	/* §7.5.11: Channel status event, channel 1, link dropped */
	assert_string_equal(h, "80C200000DD60B99010A8202828138020105");
	term_cmd(t, GCS_CMD, GCS_TR "0105");
	term_cmd(t, "D009 8103014100 82028121", "80140000 0C 8103014100 82028281 830100");
	term_cmd(t, GCS_CMD, GCS_TR "0000");
	assert_false(veuicc_bip_term_is_open(t));
	close(lfd);
	veuicc_bip_term_free(t);
}

static int card_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	return veuicc_transmit(ctx, c, cn, r, cap, rn);
}

/* The helper as the card's terminal (veuicc_bip_term_run): its only channel
 * is held by another application (an OPEN CHANNEL given to it directly), so
 * the card's GET CHANNEL STATUS sees it taken and each attempt fails before
 * OPEN CHANNEL; once the other channel is closed, the card's OPEN CHANNEL
 * reaches the helper (H81-21). */
static void test_term_channel_taken(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	veuicc_bip_term *t;
	assert_int_equal(veuicc_bip_term_new(NULL, &t), VEUICC_OK);
	uint16_t port;
	int lfd = listener(&port);
	term_cmd(t, open_to(port), NULL);
	assert_true(veuicc_bip_term_is_open(t));
	uint16_t sw = push(card, CONN "8602 0001");
	/* the other channel stays open: the loop ends idle */
	assert_int_equal(veuicc_bip_term_run(t, card_xfer, card, NULL, NULL, sw, 200),
	                 VEUICC_ERR_STATE);
	veuicc_bip_stats s = stats(card);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.busy, 2);
	assert_false(veuicc_bip_active(card));
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(t, &ts);
	assert_int_equal(ts.opens, 1); /* the other application's only */
	assert_int_equal(ts.commands, 1 + 1 + 2); /* its OPEN, SET UP EVENT LIST, 2 GCS */
	/* closed: the card's OPEN CHANNEL goes to the helper (nobody listens on
	 * port 1: BIP error, no retry), the loop ends with nothing open */
	term_cmd(t, "D009 8103024100 82028121", "80140000 0C 8103024100 82028281 830100");
	sw = push(card, "8413 350103 390205DC 3C03020001 3E05217F000001");
	assert_int_equal(veuicc_bip_term_run(t, card_xfer, card, NULL, NULL, sw, 200), VEUICC_OK);
	veuicc_bip_term_get_stats(t, &ts);
	assert_int_equal(ts.open_fails, 1);
	s = stats(card);
	assert_int_equal(s.attempts, 3);
	assert_int_equal(s.busy, 2);
	assert_int_equal(s.last_error, VEUICC_ERR_IO);
	close(lfd);
	veuicc_bip_term_free(t);
	veuicc_card_free(card);
}

/* ---- setup ------------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	snprintf(factory, sizeof(factory), "%s", f);
	tp_default_len = veuicc_bip_term_profile(tp_default, sizeof(tp_default));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gcs_channel_taken),
	    cmocka_unit_test(test_gcs_two_channels),
	    cmocka_unit_test(test_gcs_other_answers),
	    cmocka_unit_test(test_gcs_not_offered),
	    cmocka_unit_test(test_term_channel_status),
	    cmocka_unit_test(test_term_channel_taken),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
