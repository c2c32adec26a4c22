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
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "cat/bip.h"
#include "scp/http.h"
#include "scp/scp81.h"
#include "veuicc/bip.h"
#include "veuicc/veuicc.h"

static char factory[512];

#define SELECT_ISDR "00A4040010A0000005591010FFFFFFFF890000010000"
/* 84: bearer default, buffer 1500, TCP client port 8080, 127.0.0.1 */
#define CONN       "8413 350103 390205DC 3C03021F90 3E05217F000001"
#define OPEN_TLVS  "350103 390205DC 3C03021F90 3E05217F000001"
#define OK         "830100"
#define LINK_UP    "B8028100" /* §8.56: channel 1, link established */
#define NO_CHANNEL "B8020000" /* channel identifier 0: no channel */
#define OPENED     LINK_UP "350103 B90205DC"

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
	const uint8_t h[] = {0x80, 0xEC,      0x01, 0x01, (uint8_t)(n + 4), 0x81, (uint8_t)(n + 2),
	                     0x83, (uint8_t)n};
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
	const uint8_t head[] = {0x81, 0x03, cmd[h + 2], cmd[h + 3], cmd[h + 4],
	                        0x82, 0x02, 0x82,       0x81};
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
	sw =
	    step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK "B8020105"); /* dropped, still there */
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

/* ---- the session's other TERMINAL RESPONSEs and ENVELOPEs ----------------- */

/* ENVELOPE \p tag { \p value } (hex); \returns its status word. */
static uint16_t envelope(veuicc_card *card, uint8_t tag, const char *value)
{
	uint8_t c[5 + 255];
	size_t n = th_unhex(value, c + 7, 200);
	c[0] = 0x80, c[1] = 0xC2, c[2] = c[3] = 0, c[4] = (uint8_t)(n + 2);
	c[5] = tag, c[6] = (uint8_t)n;
	return th_sw(card, c, 7 + n);
}

#define EVT_HDR       "82028281"
#define DATA_AVAIL(n) "990109" EVT_HDR LINK_UP "B701" n
#define LINK_DROPPED  "99010A" EVT_HDR "B8020105"

/* Up to the first SEND DATA (the ClientHello on channel 1): \returns its SW. */
static uint16_t to_channel(veuicc_card *card, const char *inner)
{
	uint16_t sw = push(card, inner);
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK NO_CHANNEL);
	return step(card, sw, VEUICC_CAT_CMD_OPEN_CHANNEL, OK OPENED);
}

/* SET UP EVENT LIST refused (§6.8 result 30): the session cannot learn of
 * data or a dropped link: it ends before any attempt. */
static void test_setup_events_refused(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	uint16_t sw = push(card, CONN "8602 0003");
	assert_int_equal(step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, "830130"), 0x9000);
	veuicc_bip_stats s = stats(card);
	assert_false(veuicc_bip_active(card));
	assert_int_equal(s.attempts, 0);
	assert_int_equal(s.sessions, 1);
	assert_false(s.last_ok);
	assert_int_equal(sw_hex(card, "8012000010"), 0x6985); /* nothing pending */
	veuicc_card_free(card);
}

/* SEND DATA refused (result 3A): the channel is closed (CLOSE CHANNEL to
 * channel 1) and the retry starts over with GET CHANNEL STATUS. */
static void test_send_data_failure(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	uint16_t sw = to_channel(card, CONN "8602 0001");
	uint8_t cmd[300];
	size_t n;
	/* §6.6.30: SEND DATA, send immediately (the whole ClientHello), UICC → channel 1 */
	assert_int_equal(fetch(card, sw, cmd, &n, NULL), VEUICC_CAT_CMD_SEND_DATA);
	size_t h = cmd[1] == 0x81 ? 3 : 2;
	assert_int_equal(cmd[h + 4], 0x01);
	assert_memory_equal(cmd + h + 5, "\x82\x02\x81\x21\xB6", 5);
	size_t d = h + 10 + (cmd[h + 10] == 0x81 ? 2 : 1);
	assert_int_equal(cmd[d], 0x16); /* a TLS handshake record */
	sw = tr(card, cmd, "83023A00");
	fetch(card, sw, cmd, &n, "D009 8103054100 82028121"); /* CLOSE CHANNEL */
	sw = tr(card, cmd, OK);
	fetch(card, sw, cmd, &n, "D009 8103064400 82028182"); /* the retry */
	veuicc_bip_stats s = stats(card);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.last_error, VEUICC_ERR_IO);
	assert_int_equal(s.tx_bytes, 0);
	veuicc_card_free(card);
}

/* RECEIVE DATA (§6.6.29): asked for what the Data available event said;
 * refused, or answered without channel data: the attempt failed. */
static void test_receive_data_failure(void **state)
{
	(void)state;
	static const char *const answers[] = {"83023A00", OK "B70100"};
	for (size_t i = 0; i < 2; i++) {
		veuicc_card *card = new_card(NULL, 0);
		uint16_t sw = to_channel(card, CONN);
		sw = step(card, sw, VEUICC_CAT_CMD_SEND_DATA, OK "B701FF");
		assert_int_equal(sw, 0x9000);
		assert_int_equal(envelope(card, 0xD6, DATA_AVAIL("05")), 0x910E);
		uint8_t cmd[300];
		size_t n;
		fetch(card, 0x910E, cmd, &n, "D00C 8103054200 82028121 B70105");
		sw = tr(card, cmd, answers[i]);
		fetch(card, sw, cmd, &n, "D009 8103064100 82028121");
		assert_int_equal(tr(card, cmd, OK), 0x9000);
		veuicc_bip_stats s = stats(card);
		assert_false(veuicc_bip_active(card));
		assert_int_equal(s.failures, 1);
		assert_int_equal(s.last_error, VEUICC_ERR_IO);
		assert_int_equal(s.rx_bytes, 0);
		veuicc_card_free(card);
	}
}

/* The link drops while a RECEIVE DATA is outstanding: its data, when it
 * comes, is dropped and the channel closed; a second drop is ignored. */
static void test_receive_after_drop(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	uint16_t sw = to_channel(card, CONN);
	sw = step(card, sw, VEUICC_CAT_CMD_SEND_DATA, OK "B701FF");
	sw = envelope(card, 0xD6, DATA_AVAIL("05"));
	uint8_t cmd[300];
	size_t n;
	assert_int_equal(fetch(card, sw, cmd, &n, NULL), VEUICC_CAT_CMD_RECEIVE_DATA);
	assert_int_equal(envelope(card, 0xD6, LINK_DROPPED), 0x9000); /* TR outstanding */
	assert_int_equal(envelope(card, 0xD6, LINK_DROPPED), 0x9000); /* told twice */
	sw = tr(card, cmd, OK "B6051603030000 B70100");
	fetch(card, sw, cmd, &n, "D009 8103064100 82028121");
	assert_int_equal(tr(card, cmd, OK), 0x9000);
	veuicc_bip_stats s = stats(card);
	assert_int_equal(s.rx_bytes, 0);
	assert_int_equal(s.failures, 1);
	assert_false(veuicc_bip_active(card));
	veuicc_card_free(card);
}

/* Event and timer ENVELOPEs the session cannot use (§7.5.10-11, §7.4):
 * 6A80 malformed / no such channel, 6A81 not supported. */
static void test_bad_envelopes(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	/* no session: no channel, no timer */
	assert_int_equal(envelope(card, 0xD6, DATA_AVAIL("05")), 0x6A80);
	assert_int_equal(envelope(card, 0xD7, "82028281 A40101 A503000010"), 0x6A81);
	uint16_t sw = to_channel(card, CONN);
	sw = step(card, sw, VEUICC_CAT_CMD_SEND_DATA, OK "B701FF");
	assert_int_equal(sw, 0x9000);
	static const struct {
		uint8_t tag;
		const char *v;
		uint16_t sw;
	} bad[] = {
	    {0xD6, "990109 8202", 0x6A80},                      /* truncated TLV */
	    {0xD6, "990109 82", 0x6A80},                        /* a lone tag */
	    {0xD6, "99830109", 0x6A80},                         /* length form 83 */
	    {0xD6, EVT_HDR LINK_UP, 0x6A80},                    /* no event list */
	    {0xD6, "990105" EVT_HDR, 0x6A81},                   /* idle screen: not supported */
	    {0xD6, "990109" EVT_HDR "B70105", 0x6A80},          /* no channel status */
	    {0xD6, "990109" EVT_HDR "B8028200 B70105", 0x6A80}, /* channel 2: not ours */
	    {0xD6, "990109" EVT_HDR LINK_UP, 0x6A80},           /* no channel data length */
	    {0xD6, "99010A" EVT_HDR LINK_UP, 0x9000},           /* link up: nothing to do */
	    {0xD7, "82028281 A401", 0x6A80},                    /* truncated */
	    {0xD7, "82028281 A40102 A503000010", 0x6A81},       /* not the card's timer */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t got = envelope(card, bad[i].tag, bad[i].v);
		if (got != bad[i].sw)
			fail_msg("bad[%zu]: %04X, expected %04X", i, got, bad[i].sw);
	}
	/* the session is untouched: data available still leads to RECEIVE DATA */
	assert_true(veuicc_bip_active(card));
	assert_int_equal(stats(card).failures, 0);
	assert_int_equal(envelope(card, 0xD6, DATA_AVAIL("03")), 0x910E);
	veuicc_card_free(card);
}

/* The terminal refuses TIMER MANAGEMENT for the retry delay (result 30):
 * the next attempt starts at once. */
static void test_timer_refused(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	uint16_t sw = push(card, CONN "8607 0001 A503000010"); /* 10 s */
	sw = step(card, sw, VEUICC_CAT_CMD_SETUP_EVENTS, OK);
	sw = step(card, sw, VEUICC_CAT_CMD_CHANNEL_STATUS, OK NO_CHANNEL);
	sw = step(card, sw, VEUICC_CAT_CMD_OPEN_CHANNEL, "83023A00");
	uint8_t cmd[300];
	size_t n;
	/* §6.6.21: start timer 1 with the push's waiting delay */
	fetch(card, sw, cmd, &n, "D011 8103042700 82028182 A40101 A503000010");
	assert_int_equal(stats(card).attempts, 1);
	sw = tr(card, cmd, "830130");
	fetch(card, sw, cmd, &n, "D009 8103054400 82028182");
	assert_int_equal(stats(card).attempts, 2);
	veuicc_card_free(card);
}

/* The card-file record of the HTTPS parameters (H81-19): a record built by
 * hand loads and saves back byte for byte; cut or bent, it is refused. */
static void test_https_record(void **state)
{
	(void)state;
	static const char rec_hex[] =
	    "01 13 350103390205DC3C03021F903E05217F000001 05DC 04 7F000001 1F90"
	    " 0F 76657569636 32D697364722D70736B" /* "veuicc-isdr-psk" */
	    " 01 40 01 0002 000010 00 00 0B 2F736D73722F61646D696E";
	uint8_t rec[200];
	size_t n = th_unhex(rec_hex, rec, sizeof(rec));
	veuicc_card *card = new_card(NULL, 0);
	uint8_t *out;
	size_t on;
	assert_int_equal(veuicc_bip_save(card, &out, &on), VEUICC_OK);
	assert_null(out); /* nothing remembered yet */
	assert_int_equal(veuicc_bip_load(card, rec, n), VEUICC_OK);
	assert_int_equal(veuicc_bip_save(card, &out, &on), VEUICC_OK);
	assert_int_equal(on, n);
	assert_memory_equal(out, rec, n);
	free(out);
	/* every cut is refused */
	for (size_t k = 0; k < n; k++)
		if (veuicc_bip_load(card, rec, k) != VEUICC_ERR_MALFORMED)
			fail_msg("cut at %zu accepted", k);
	uint8_t b[210];
	/* a byte more */
	memcpy(b, rec, n);
	b[n] = 0;
	assert_int_equal(veuicc_bip_load(card, b, n + 1), VEUICC_ERR_MALFORMED);
	static const struct {
		size_t off;
		uint8_t v;
	} bent[] = {
	    {0, 0x02},  /* version */
	    {1, 0x00},  /* no OPEN CHANNEL TLVs (and the rest shifts) */
	    {23, 0x05}, /* address of 5 bytes */
	    {31, 0x00}, /* a NUL in the PSK identity */
	    {46, 0x02}, /* key flag 2 */
	    {57, 0x41}, /* URI not starting with '/' */
	    {1, 0x7F},  /* OPEN CHANNEL TLVs longer than kept */
	};
	for (size_t i = 0; i < sizeof(bent) / sizeof(bent[0]); i++) {
		memcpy(b, rec, n);
		b[bent[i].off] = bent[i].v;
		if (veuicc_bip_load(card, b, n) != VEUICC_ERR_MALFORMED)
			fail_msg("bent[%zu] accepted", i);
	}
	/* the remembered parameters are still the good record's */
	assert_int_equal(veuicc_bip_save(card, &out, &on), VEUICC_OK);
	assert_memory_equal(out, rec, n);
	free(out);
	/* a notification (SGP.02 §3.15.2, H81-15) with them: too long for the
	 * URI's ?msg= → SMS; a short one → the card's own session starts
	 * (SET UP EVENT LIST pending); another meanwhile → later */
	uint8_t e1[130] = {0xE1, 0x62}; /* 2 × 130 hex digits: more than the 256-byte URI */
	assert_int_equal(veuicc_bip_notify(card, e1, sizeof(e1)), VEUICC_BIP_NOTIFY_SMS);
	assert_int_equal(veuicc_bip_notify(card, e1, 4), VEUICC_BIP_NOTIFY_HTTPS);
	assert_true(veuicc_bip_active(card));
	assert_int_equal(stats(card).notifications, 1);
	assert_int_equal(veuicc_bip_notify(card, e1, 4), VEUICC_BIP_NOTIFY_LATER);
	uint8_t cmd[300];
	size_t cn;
	fetch(card, 0x910F, cmd, &cn, "D00D 8103010500 82028182 99020 90A");
	veuicc_card_free(card);
	/* a URI with a query already, or a terminal without BIP: SMS */
	card = new_card(NULL, 0);
	memcpy(b, rec, n);
	b[62] = '?';
	assert_int_equal(veuicc_bip_load(card, b, n), VEUICC_OK);
	assert_int_equal(veuicc_bip_notify(card, e1, 4), VEUICC_BIP_NOTIFY_SMS);
	veuicc_card_free(card);
	const uint8_t no_bip[1] = {0x00};
	card = new_card(no_bip, 1);
	assert_int_equal(veuicc_bip_load(card, rec, n), VEUICC_OK);
	assert_int_equal(veuicc_bip_notify(card, e1, 4), VEUICC_BIP_NOTIFY_SMS);
	veuicc_card_free(card);
}

/* ---- a whole session against an in-process PSK-TLS server ---------------- */

/* The SM-SR's end: an mbedtls TLS 1.2 PSK server whose records the test
 * carries between the card's SEND DATA and RECEIVE DATA. */
struct srv {
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	uint8_t in[1 << 16]; /* card → server, not yet read by TLS */
	size_t in_len, in_off;
	uint8_t out[1 << 17]; /* server → card, not yet in a RECEIVE DATA */
	size_t out_len;
	bool handshake_done, told, closed, stop_on_close;
	uint8_t req[1 << 16]; /* the card's HTTP bytes, decrypted */
	size_t req_len;
	unsigned commands[256]; /* proactive commands seen, by type */
};

static int s_send(void *ctx, const unsigned char *b, size_t n)
{
	struct srv *s = ctx;
	assert_true(s->out_len + n <= sizeof(s->out));
	memcpy(s->out + s->out_len, b, n);
	s->out_len += n;
	return (int)n;
}

static int s_recv(void *ctx, unsigned char *b, size_t n)
{
	struct srv *s = ctx;
	size_t k = s->in_len - s->in_off;
	if (!k)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (k > n)
		k = n;
	memcpy(b, s->in + s->in_off, k);
	s->in_off += k;
	return (int)k;
}

static struct srv *srv_new(void)
{
	static const uint8_t psk[16] = {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	                                0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F};
	static const char id[] = "veuicc-isdr-psk"; /* factory/default.json, KVN 40 */
	struct srv *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	mbedtls_ssl_init(&s->ssl);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	assert_int_equal(mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
	                                       (const unsigned char *)"test_bip", 8),
	                 0);
	assert_int_equal(mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
	                                             MBEDTLS_SSL_TRANSPORT_STREAM,
	                                             MBEDTLS_SSL_PRESET_DEFAULT),
	                 0);
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
	assert_int_equal(
	    mbedtls_ssl_conf_psk(&s->conf, psk, sizeof(psk), (const unsigned char *)id, strlen(id)),
	    0);
	assert_int_equal(mbedtls_ssl_setup(&s->ssl, &s->conf), 0);
	mbedtls_ssl_set_bio(&s->ssl, s, s_send, s_recv, NULL);
	return s;
}

static void srv_free(struct srv *s)
{
	mbedtls_ssl_free(&s->ssl);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	free(s);
}

/* The server's turn: handshake, or read what the card sent. */
static void srv_step(struct srv *s)
{
	if (!s->handshake_done) {
		int rc = mbedtls_ssl_handshake(&s->ssl);
		if (rc == 0)
			s->handshake_done = true;
		else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
			fail_msg("server handshake: -0x%04X", -rc);
		return;
	}
	for (;;) {
		int rc =
		    mbedtls_ssl_read(&s->ssl, s->req + s->req_len, sizeof(s->req) - s->req_len);
		if (rc <= 0)
			return;
		s->req_len += (size_t)rc;
	}
}

static void srv_write(struct srv *s, const void *b, size_t n)
{
	const uint8_t *p = b;
	while (n) {
		int rc = mbedtls_ssl_write(&s->ssl, p, n);
		assert_true(rc > 0);
		p += rc;
		n -= (size_t)rc;
	}
}

/* The value of the channel data (36) or length (37) object in \p cmd. */
static const uint8_t *obj(const uint8_t *cmd, size_t n, uint8_t tag, size_t *len)
{
	size_t i = cmd[1] == 0x81 ? 3 : 2;
	while (i + 2 <= n) {
		size_t l = cmd[i + 1], h = 2;
		if (l == 0x81) {
			l = cmd[i + 2];
			h = 3;
		}
		if ((cmd[i] & 0x7F) == tag) {
			*len = l;
			return cmd + i + h;
		}
		i += h + l;
	}
	return NULL;
}

/* Play the terminal (every BIP command performed, Data available when the
 * server has bytes) and the server until the card and the server are both
 * quiet; \returns the last status word. */
static uint16_t drive(veuicc_card *card, struct srv *s, uint16_t sw)
{
	for (int guard = 0; guard < 20000; guard++) {
		if ((sw >> 8) == 0x91) {
			uint8_t cmd[300], tail[300];
			size_t n, l = 0;
			uint8_t type = fetch(card, sw, cmd, &n, NULL);
			s->commands[type]++;
			const uint8_t *v;
			char hx[600];
			switch (type) {
			case VEUICC_CAT_CMD_CHANNEL_STATUS:
				sw = tr(card, cmd, OK NO_CHANNEL);
				break;
			case VEUICC_CAT_CMD_OPEN_CHANNEL: sw = tr(card, cmd, OK OPENED); break;
			case VEUICC_CAT_CMD_SEND_DATA:
				v = obj(cmd, n, 0x36, &l);
				assert_non_null(v);
				memcpy(s->in + s->in_len, v, l);
				s->in_len += l;
				sw = tr(card, cmd, OK "B701FF");
				break;
			case VEUICC_CAT_CMD_RECEIVE_DATA: {
				v = obj(cmd, n, 0x37, &l);
				assert_non_null(v);
				size_t give = *v < s->out_len ? *v : s->out_len, k = 0;
				tail[k++] = 0x83, tail[k++] = 1, tail[k++] = 0;
				tail[k++] = 0xB6;
				if (give >= 0x80)
					tail[k++] = 0x81;
				tail[k++] = (uint8_t)give;
				memcpy(tail + k, s->out, give);
				k += give;
				memmove(s->out, s->out + give, s->out_len - give);
				s->out_len -= give;
				tail[k++] = 0xB7, tail[k++] = 1;
				tail[k++] = (uint8_t)(s->out_len > 255 ? 255 : s->out_len);
				if (!s->out_len)
					s->told = false;
				th_hex(tail, k, hx);
				sw = tr(card, cmd, hx);
				break;
			}
			case VEUICC_CAT_CMD_CLOSE_CHANNEL:
				s->closed = true;
				s->told = false;
				s->out_len = 0;
				sw = tr(card, cmd, OK);
				if (s->stop_on_close)
					return sw;
				break;
			default: sw = tr(card, cmd, OK); break;
			}
			continue;
		}
		size_t before = s->out_len, req = s->req_len, in = s->in_off;
		bool hs = s->handshake_done;
		srv_step(s);
		if (s->out_len && !s->told && !s->closed) {
			char ev[64];
			snprintf(ev, sizeof(ev), DATA_AVAIL("%02X"),
			         (unsigned)(s->out_len > 255 ? 255 : s->out_len));
			s->told = true;
			sw = envelope(card, 0xD6, ev);
			continue;
		}
		if (s->out_len == before && s->req_len == req && s->in_off == in &&
		    s->handshake_done == hs)
			return sw; /* quiet */
	}
	fail_msg("the session does not settle");
	return sw;
}

/* The card's next complete HTTP request, taken from the server's buffer. */
static void srv_request(struct srv *s, veuicc_http_msg *m, uint8_t *body, size_t cap)
{
	assert_int_equal(veuicc_http_parse(s->req, s->req_len, 1, m, body, cap), VEUICC_OK);
	memmove(s->req, s->req + m->used, s->req_len - m->used);
	s->req_len -= m->used;
}

#define HDRS200                                                                                    \
	"HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"                 \
	"Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n"

/* An admin session with a script whose answer needs more than the card's
 * first transmit buffer (40 GET DATA answers), the Host an IPv6 address
 * leaves (localhost, H81-7), then a body that is no script: the session
 * ends without retry, nothing more run. */
static void test_tls_session(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	struct srv *s = srv_new();
	uint16_t sw = push(card, "841F 350103 390205DC 3C03021F90 3E1157 "
	                         "00000000000000000000000000000001 8602 0001");
	assert_int_equal(sw, 0x910F);
	sw = drive(card, s, sw);
	veuicc_http_msg m;
	static uint8_t body[1 << 15];
	srv_request(s, &m, body, sizeof(body));
	assert_string_equal(m.method, "POST");
	assert_string_equal(m.host, "localhost");
	assert_int_equal(m.body_len, 0);
	/* AA { 40 × 22 05 80CA00E000 } */
	static uint8_t script[4 + 40 * 7] = {0xAA, 0x82, (40 * 7) >> 8, (40 * 7) & 0xFF};
	size_t k = 4;
	for (int i = 0; i < 40; i++) {
		memcpy(script + k, "\x22\x05\x80\xCA\x00\xE0\x00", 7);
		k += 7;
	}
	char head[300];
	int hn = snprintf(head, sizeof(head), HDRS200 "Content-Length: %zu\r\n\r\n", k);
	srv_write(s, head, (size_t)hn);
	srv_write(s, script, k);
	sw = drive(card, s, sw);
	srv_request(s, &m, body, sizeof(body));
	assert_string_equal(m.script_status, "ok");
	assert_true(m.body_len > 1200);
	/* 40 R-APDUs, all the same: the ISD-R's key information and 9000 */
	size_t i = body[1] == 0x82 ? 4 : body[1] == 0x81 ? 3 : 2, count = 0;
	const uint8_t *first = NULL;
	size_t first_len = 0;
	while (i < m.body_len) {
		size_t l = body[i + 1], h = 2;
		if (l == 0x81)
			l = body[i + 2], h = 3;
		if (body[i] == 0x23) {
			if (!first)
				first = body + i + h, first_len = l;
			else
				assert_memory_equal(body + i + h, first, first_len);
			assert_int_equal(body[i + h + l - 2] << 8 | body[i + h + l - 1], 0x9000);
			count++;
		}
		i += h + l;
	}
	assert_int_equal(count, 40);
	veuicc_bip_stats st = stats(card);
	assert_int_equal(st.scripts, 1);
	/* a body that is no remote command script: the session ends, no retry */
	hn = snprintf(head, sizeof(head), HDRS200 "Content-Length: 2\r\n\r\n\x01\x02");
	srv_write(s, head, (size_t)hn);
	sw = drive(card, s, sw);
	assert_int_equal(sw, 0x9000);
	assert_true(s->closed);
	st = stats(card);
	assert_false(veuicc_bip_active(card));
	assert_int_equal(st.scripts, 1);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(st.failures, 1);
	assert_false(st.last_ok);
	assert_int_equal(s->commands[VEUICC_CAT_CMD_CHANNEL_STATUS], 1);
	srv_free(s);
	veuicc_card_free(card);
}

/* The server ends TLS (close_notify) in the middle of the session: the
 * attempt failed, the retry policy applies (H81-11). */
static void test_tls_close_notify(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	struct srv *s = srv_new();
	uint16_t sw = drive(card, s, push(card, CONN "8602 0001"));
	veuicc_http_msg m;
	uint8_t body[64];
	srv_request(s, &m, body, sizeof(body));
	assert_int_equal(mbedtls_ssl_close_notify(&s->ssl), 0);
	s->stop_on_close = true;
	sw = drive(card, s, sw);
	assert_true(s->closed); /* the card's CLOSE CHANNEL */
	srv_free(s);
	s = srv_new(); /* the retry's server */
	sw = drive(card, s, sw);
	veuicc_bip_stats st = stats(card);
	assert_int_equal(st.last_error, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
	assert_int_equal(st.attempts, 2);
	assert_int_equal(st.failures, 1);
	assert_true(veuicc_bip_active(card)); /* the retry runs: its first POST came */
	srv_request(s, &m, body, sizeof(body));
	assert_string_equal(m.method, "POST");
	srv_free(s);
	veuicc_card_free(card);
}

/* An HTTP response that never completes (1-byte chunks): once 32 KiB wait
 * unparsed the session ends without retry. */
static void test_tls_response_too_long(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL, 0);
	struct srv *s = srv_new();
	uint16_t sw = drive(card, s, push(card, CONN "8602 0003"));
	veuicc_http_msg m;
	uint8_t body[64];
	srv_request(s, &m, body, sizeof(body));
	static char big[40000];
	size_t n = (size_t)snprintf(big, sizeof(big), HDRS200 "Transfer-Encoding: chunked\r\n\r\n");
	while (n + 6 < 36000) {
		memcpy(big + n, "1\r\nA\r\n", 6);
		n += 6;
	}
	srv_write(s, big, n);
	sw = drive(card, s, sw);
	assert_int_equal(sw, 0x9000);
	veuicc_bip_stats st = stats(card);
	assert_false(veuicc_bip_active(card));
	assert_int_equal(st.last_error, VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(st.scripts, 0);
	srv_free(s);
	veuicc_card_free(card);
}

/* ---- PUSH parameters and admin POSTs (src/scp/scp81.c) -------------------- */

static int parse_hex(const char *hex, veuicc_scp81_params *p)
{
	uint8_t d[400];
	return veuicc_scp81_parse_push(d, th_unhex(hex, d, sizeof(d)), p);
}

/* GP Amd B Table 3-3 in its length forms, the optional parts and what is
 * refused (each refusal for the reason its comment gives). */
static void test_push_forms(void **state)
{
	(void)state;
	veuicc_scp81_params p;
	/* 81 and 82 length forms (ISO 8825-1), a long URI, 85 without a key
	 * reference, 86 without a timer, a network access name (47) kept as is,
	 * IPv6, an unknown tag of 83 (A5) ignored */
	char hex[900] = "", uri[130] = "/";
	for (int i = 1; i < 120; i++)
		uri[i] = 'a' + i % 26;
	uri[120] = '\0';
	static const char conn[] = "8425 350103 390205DC 3C03021F90 4704036170 6E 3E1157 "
	                           "20010DB8000000000000000000000001";
	const int inner = 39 + 6 + 4 + 2 + 124; /* 84, 85, 86, A5, 89 */
	size_t o = (size_t)snprintf(
	    hex, sizeof(hex), "8182 00%02X 8381%02X %s 8504 03616263 8602 0002 A500 897A 8C78",
	    inner + 3, inner, conn);
	for (int i = 0; i < 120; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%02X", (uint8_t)uri[i]);
	assert_int_equal(parse_hex(hex, &p), VEUICC_OK);
	assert_string_equal(p.uri, uri);
	assert_string_equal(p.psk_id, "abc");
	assert_false(p.has_key);
	assert_int_equal(p.retries, 2);
	assert_int_equal(p.address_len, 16);
	assert_int_equal(p.address[0], 0x20);
	assert_int_equal(p.conn_len, 0x25);
	static const char *const bad[] = {
	    "8181 05 8303 840100",                                        /* 81 form for < 128 */
	    "8182 00",                                                    /* 82 form cut */
	    "8183 000005 8303 840100",                                    /* 83 form */
	    "8106 8304 B3020000",                                         /* DNS parameters first */
	    "8105 8403 350103",                                           /* no 83 */
	    "8118 8316 8414 350103 390305DC00 3C03021F90 3E05217F000001", /* buffer of 3 */
	    "8117 8315 8413 350103 390205DC 3C03011F90 3E05217F000001",   /* UDP */
	    "8118 8316 8414 350103 390205DC 3C04021F9000 3E05217F000001", /* transport of 4 */
	    "8117 8315 8413 350103 390205DC 3C03021F90 3E05227F000001",   /* address type 22 */
	    "8117 8315 8413 350103 39020000 3C03021F90 3E05217F000001",   /* buffer size 0 */
	    "8114 8312 8410 390205DC 3C03021F90 3E05217F000001",          /* no bearer */
	    "8119 8317 8413 350103 390205DC 3C03021F90 3E05217F000001 8500",        /* 85 empty */
	    "811C 831A 8413 350103 390205DC 3C03021F90 3E05217F000001 8503 056162", /* id cut */
	    "811D 831B 8413 350103 390205DC 3C03021F90 3E05217F000001 8504 0261 0A 01",   /* id byte
	                                                                                   */
	    "811E 831C 8413 350103 390205DC 3C03021F90 3E05217F000001 8505 0161 0140 01", /* kid */
	    "811A 8318 8413 350103 390205DC 3C03021F90 3E05217F000001 8601 00",     /* retry of 1 */
	    "811C 831A 8413 350103 390205DC 3C03021F90 3E05217F000001 8903 8A0261", /* 8A cut */
	    "811D 831B 8413 350103 390205DC 3C03021F90 3E05217F000001 8904 8A02 6120", /* host sp */
	    "811D 831B 8413 350103 390205DC 3C03021F90 3E05217F000001 8904 8B02 611F", /* agent */
	    "8119 8317 8413 350103 390205DC 3C03021F90 3E05217F000001 8402", /* 2nd 84 cut */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_hex(bad[i], &p) != VEUICC_ERR_MALFORMED)
			fail_msg("bad[%zu] accepted", i);
	assert_int_equal(veuicc_scp81_parse_push(NULL, 0, &p), VEUICC_ERR_MALFORMED);
	/* 84 longer than the OPEN CHANNEL TLVs kept (96 bytes): a long APN */
	o = (size_t)snprintf(hex, sizeof(hex),
	                     "8165 8363 8461 350103 390205DC 3C03021F90 3E05217F000001 474C");
	for (int i = 0; i < 0x4C; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "61");
	assert_int_equal(parse_hex(hex, &p), VEUICC_ERR_MALFORMED);
	/* an agent ID longer than 127 characters */
	o = (size_t)snprintf(hex, sizeof(hex),
	                     "81819F 83819C 8413 350103 390205DC 3C03021F90 3E05217F000001 "
	                     "898184 8B8181");
	for (int i = 0; i < 0x81; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "61");
	assert_int_equal(parse_hex(hex, &p), VEUICC_ERR_MALFORMED);
}

/* The admin POST (GP Amd B §3.4): every output buffer shorter than the
 * request is refused; the exact bytes otherwise. */
static void test_build_post(void **state)
{
	(void)state;
	static const char want[] =
	    "POST /a HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
	    "X-Admin-From: f\r\nContent-Type: "
	    "application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n"
	    "X-Admin-Script-Status: security-error\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\n\xAB\x01\x02\r\n0\r\n\r\n";
	size_t wn = sizeof(want) - 1;
	uint8_t out[512];
	size_t n = 0;
	const uint8_t body[] = {0xAB, 0x01, 0x02};
	assert_int_equal(veuicc_scp81_build_post("/a", "h", "f", body, 3, "security-error", out,
	                                         sizeof(out), &n),
	                 VEUICC_OK);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, wn);
	for (size_t cap = 0; cap < wn; cap++)
		if (veuicc_scp81_build_post("/a", "h", "f", body, 3, "security-error", out, cap,
		                            &n) != VEUICC_ERR_BUFFER_TOO_SMALL)
			fail_msg("cap %zu accepted", cap);
	/* the first POST: no body, no content type */
	assert_int_equal(
	    veuicc_scp81_build_post("/a", "h", "f", NULL, 0, NULL, out, sizeof(out), &n),
	    VEUICC_OK);
	out[n] = 0;
	assert_null(strstr((char *)out, "Content-Type"));
	assert_non_null(strstr((char *)out, "chunked\r\n\r\n0\r\n\r\n"));
}

/* A key set without a PSK identity and a PUSH without one: the identity is
 * SGP.02 §2.4.4.1's TLV form in hex (80 01 02, 81 EID, 4F ISD-R AID, 82 key
 * id, 83 KVN); the push's agent ID goes into X-Admin-From as given. */
static void test_psk_identity_form(void **state)
{
	(void)state;
	char path[96];
	snprintf(path, sizeof(path), "/tmp/veuicc-bip-factory-%ld.json", (long)getpid());
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\": 1, \"eid\": \"89049032123451234512345678901235\", \"isdr\": "
	      "{\"tar\": \"000001\", \"keysets\": [{\"type\": \"scp81\", \"kvn\": 65, "
	      "\"psk\": \"202122232425262728292A2B2C2D2E2F\"}]}}",
	      fp);
	fclose(fp);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = path;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	unlink(path);
	veuicc_scp81_params p;
	assert_int_equal(parse_hex("811D 831B " CONN " 8504 00 02 41 03", &p), VEUICC_OK);
	uint8_t psk[32];
	size_t psk_len;
	char id[200];
	assert_int_equal(veuicc_scp81_psk(card, &p, psk, &psk_len, id, sizeof(id)), VEUICC_OK);
	assert_int_equal(psk_len, 16);
	assert_string_equal(id, "800102"
	                        "811089049032123451234512345678901235"
	                        "4F10A0000005591010FFFFFFFF8900000100"
	                        "820103"
	                        "830141");
	/* no room for it: empty */
	assert_int_equal(veuicc_scp81_psk(card, &p, psk, &psk_len, id, 20), VEUICC_OK);
	assert_string_equal(id, "");
	/* KVN 42: no such key set */
	p.kvn = 0x42;
	assert_int_equal(veuicc_scp81_psk(card, &p, psk, &psk_len, id, sizeof(id)),
	                 VEUICC_ERR_NOT_FOUND);
	char from[256];
	veuicc_scp81_admin_from(card, &p, from, sizeof(from));
	assert_string_equal(from, "//se-id/eid/89049032123451234512345678901235;"
	                          "//aa-id/aid/A000000559/1010FFFFFFFF8900000100");
	snprintf(p.agent_id, sizeof(p.agent_id), "//agent/7");
	veuicc_scp81_admin_from(card, &p, from, sizeof(from));
	assert_string_equal(from, "//agent/7");
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

/* A listening socket on ::1 (any port). */
static int listener6(uint16_t *port)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = 0};
	sa.sin6_addr = in6addr_loopback;
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin6_port);
	return fd;
}

#define OPEN_OK "80140000 17 8103014001 82028281 830100 38028100 350103 390205DC"

/* The helper connects to an IPv6 other address (TS 102 223 §8.58 type 57),
 * and to an IPv6 connect_host override; an address of another type or
 * length cannot be connected to: result 3A, bearer and buffer echoed (H81-14). */
static void test_term_ipv6(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener6(&port);
	veuicc_bip_term *t;
	assert_int_equal(veuicc_bip_term_new(NULL, &t), VEUICC_OK);
	char cmd[160];
	snprintf(cmd, sizeof(cmd),
	         "D028 8103014001 82028182 350103 390205DC 3C0302%04X "
	         "3E1157 00000000000000000000000000000001",
	         port);
	term_cmd(t, cmd, OPEN_OK);
	int peer = accept(lfd, NULL, NULL);
	assert_true(peer >= 0);
	close(peer);
	veuicc_bip_term_free(t);

	veuicc_bip_term_opts o = {"::1", port, 0};
	assert_int_equal(veuicc_bip_term_new(&o, &t), VEUICC_OK);
	term_cmd(t, open_to(1), OPEN_OK); /* 127.0.0.1:1 in the command */
	peer = accept(lfd, NULL, NULL);
	assert_true(peer >= 0);
	close(peer);
	veuicc_bip_term_free(t);

	assert_int_equal(veuicc_bip_term_new(NULL, &t), VEUICC_OK);
	snprintf(cmd, sizeof(cmd),
	         "D01C 8103014001 82028182 350103 390205DC 3C0302%04X 3E0557 00000001", port);
	term_cmd(t, cmd, "80140000 13 8103014001 82028281 83013A 350103 390205DC");
	snprintf(cmd, sizeof(cmd),
	         "D01C 8103014001 82028182 350103 390205DC 3C0302%04X 3E0522 7F000001", port);
	term_cmd(t, cmd, "80140000 13 8103014001 82028281 83013A 350103 390205DC");
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(t, &ts);
	assert_int_equal(ts.open_fails, 2);
	veuicc_bip_term_free(t);
	close(lfd);
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
	assert_int_equal(ts.opens, 1);            /* the other application's only */
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

#define TR_HEAD(len, det) "80140000 " len " 8103" det " 82028281"

/* The helper refuses what is not a proactive command, answers what it
 * does not do with the result of TS 102 223 §6.8 / §8.12 (30 beyond its
 * capabilities, 32 not understood, 3A BIP error, 02 missing information,
 * 07 modified) and leaves other commands to its caller. */
static void test_term_commands(void **state)
{
	(void)state;
	veuicc_bip_term *t;
	uint8_t c[8] = {0xD0, 0x00}, r[300], env[64];
	size_t rn, en;
	/* misuse */
	assert_int_equal(veuicc_bip_term_new(NULL, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_bip_term_opts o = {NULL, 0, 1000};
	assert_int_equal(veuicc_bip_term_new(&o, &t), VEUICC_OK);
	assert_int_equal(veuicc_bip_term_proactive(NULL, c, 2, r, sizeof(r), &rn),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_bip_term_proactive(t, c, 2, r, sizeof(r), NULL),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_bip_term_poll(t, 0, NULL, 0, &en), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_bip_term_run(t, NULL, NULL, NULL, NULL, 0x9000, 10),
	                 VEUICC_ERR_INVALID_ARG);
	veuicc_bip_term_reset(NULL);
	veuicc_bip_term_free(NULL);
	assert_true(veuicc_bip_term_idle(NULL));
	assert_false(veuicc_bip_term_is_open(NULL));
	assert_int_equal(veuicc_bip_term_poll(t, 0, env, sizeof(env), &en), 0); /* nothing */
	static const char *const malformed[] = {
	    "D0",                         /* too short */
	    "D081",                       /* two-byte length cut */
	    "D100",                       /* not a proactive command */
	    "D08500",                     /* bad length form */
	    "D009 8103014400",            /* shorter than its length */
	    "D003 820281",                /* no command details */
	    "D008 81020144 82028182",     /* details of 2 bytes */
	    "D005 8103014400",            /* no device identities */
	    "D008 8103014400 830182",     /* a result, no device identities */
	    "D00A 8103014400 8203818200", /* device identities of 3 bytes */
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		if (term_cmd(t, malformed[i], NULL) != VEUICC_ERR_MALFORMED)
			fail_msg("malformed[%zu] accepted", i);
	/* not BIP: the caller answers (DISPLAY TEXT, REFRESH) */
	assert_int_equal(term_cmd(t, "D009 8103012100 82028102", NULL), 0);
	assert_int_equal(term_cmd(t, "D009 8103010104 82028182", NULL), 0);
	uint8_t small[20];
	assert_int_equal(veuicc_bip_term_proactive(
	                     t, (const uint8_t *)"\xD0\x09\x81\x03\x01\x44\x00\x82\x02\x81\x82", 11,
	                     small, sizeof(small), &rn),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	/* TIMER MANAGEMENT (§6.4.21): no timer id → 32; get current value → 30;
	 * start, then deactivate → the timer is gone */
	term_cmd(t, "D00E 8103012700 82028182 A503000010", TR_HEAD("0C", "012700") "830132");
	term_cmd(t, "D00C 8103012702 82028182 A40101", TR_HEAD("0C", "012702") "830130");
	term_cmd(t, "D011 8103012700 82028182 A40101 A503000050",
	         TR_HEAD("0F", "012700") "830100 A40101");
	assert_false(veuicc_bip_term_idle(t)); /* a timer runs */
	term_cmd(t, "D00C 8103012701 82028182 A40102", TR_HEAD("0F", "012701") "830100 A40102");
	/* trailing bytes that are no TLV end the objects, not the command */
	term_cmd(t, "D00D 8103012701 82028182 A40103 A5", TR_HEAD("0F", "012701") "830100 A40103");
	assert_false(veuicc_bip_term_idle(t)); /* another id: timer 1 still runs */
	term_cmd(t, "D00C 8103012701 82028182 A40101", TR_HEAD("0F", "012701") "830100 A40101");
	assert_true(veuicc_bip_term_idle(t));
	/* channel commands without a channel: BIP error */
	term_cmd(t, "D009 8103014100 82028121", TR_HEAD("0C", "014100") "83013A");
	term_cmd(t, "D00C 8103014300 82028121 B60101", TR_HEAD("0C", "014300") "83013A");
	term_cmd(t, "D00C 8103014200 82028121 B70110", TR_HEAD("0C", "014200") "83013A");
	term_cmd(t, "D00B 8103014300 82028121 B601", TR_HEAD("0C", "014300") "83013A");
	term_cmd(t, "D00B 8103014200 82028121 B701", TR_HEAD("0C", "014200") "83013A");
	/* OPEN CHANNEL it does not understand: no bearer, buffer size 0, UDP */
	term_cmd(t, "D019 8103014001 82028182 390205DC 3C03021F90 3E05217F000001",
	         TR_HEAD("0C", "014001") "830132");
	term_cmd(t, "D01C 8103014001 82028182 350103 39020000 3C03021F90 3E05217F000001",
	         TR_HEAD("0C", "014001") "830132");
	term_cmd(t, "D01C 8103014001 82028182 350103 390205DC 3C03011F90 3E05217F000001",
	         TR_HEAD("0C", "014001") "830132");
	/* an IPv6 destination: not supported by the helper, BIP error */
	term_cmd(t,
	         "D028 8103014001 82028182 350103 390205DC 3C03021F90 "
	         "3E1157 00000000000000000000000000000001",
	         TR_HEAD("13", "014001") "83013A 350103 3902 03E8");
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(t, &ts);
	assert_int_equal(ts.open_fails, 1);
	/* a channel: buffer granted 1000 of 1500 asked → 07 (modified) */
	uint16_t port;
	int lfd = listener(&port);
	term_cmd(t, open_to(port), TR_HEAD("17", "014001") "830107 38028100 350103 390203E8");
	term_cmd(t, open_to(port), TR_HEAD("0C", "014001") "83013A"); /* one channel only */
	int peer = accept(lfd, NULL, NULL);
	assert_true(peer >= 0);
	uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(send(peer, data, sizeof(data), 0), (ssize_t)sizeof(data));
	char h[2 * 300 + 64];
	/* §7.5.10: Data available, more than 255 bytes → FF (§8.54); not in 10 bytes */
	int got = 0;
	for (int i = 0; i < 200 && got == 0; i++)
		got = veuicc_bip_term_poll(t, 10, env, 10, &en);
	assert_int_equal(got, VEUICC_ERR_BUFFER_TOO_SMALL);
	got = 0;
	for (int i = 0; i < 200 && got != 1; i++)
		got = veuicc_bip_term_poll(t, 10, env, sizeof(env), &en);
	assert_int_equal(got, 1);
	for (int i = 0; i < 50; i++) /* the rest of the 300 bytes into the buffer */
		if (veuicc_bip_term_poll(t, 5, env + 32, sizeof(env) - 32, &rn) < 0)
			fail_msg("poll");
	th_hex(env, en, h);
	assert_string_equal(h, "80C2000010D60E9901098202828138028100370"
	                       "1FF");
	assert_int_equal(veuicc_bip_term_poll(t, 0, env, 10, &en), 0); /* told once */
	/* RECEIVE DATA of 255: 237 fit a TERMINAL RESPONSE → 02, 63 left */
	uint8_t rc[300];
	size_t rcn = th_unhex("D00C 8103014200 82028121 B701FF", rc, sizeof(rc));
	assert_int_equal(veuicc_bip_term_proactive(t, rc, rcn, r, sizeof(r), &rn), 1);
	assert_int_equal(rn, 5 + 12 + 3 + 237 + 3);
	assert_memory_equal(r + 5 + 9, "\x83\x01\x02\x36\x81\xED", 6);
	assert_memory_equal(r + 5 + 15, data, 237);
	assert_memory_equal(r + rn - 3, "\x37\x01\x3F", 3); /* 63 left */
	/* again: the 63 left, fewer than the 255 asked */
	assert_int_equal(veuicc_bip_term_proactive(t, rc, rcn, r, sizeof(r), &rn), 1);
	assert_int_equal(rn, 5 + 12 + 2 + 63 + 3);
	assert_memory_equal(r + 5 + 9, "\x83\x01\x02\x36\x3F", 5); /* 02: fewer than asked */
	assert_memory_equal(r + 5 + 14, data + 237, 63);
	assert_memory_equal(r + rn - 3, "\x37\x01\x00", 3);
	/* SEND DATA: sent, the whole buffer free (FF: more than 255) */
	term_cmd(t, "D00E 8103014301 82028121 B603414243", TR_HEAD("0F", "014301") "830100 3701FF");
	uint8_t in[8];
	assert_int_equal(recv(peer, in, sizeof(in), 0), 3);
	assert_memory_equal(in, "ABC", 3);
	/* the peer closes: Channel status (link dropped), then SEND DATA fails,
	 * RECEIVE DATA gives nothing, GET CHANNEL STATUS says dropped */
	close(peer);
	got = 0;
	for (int i = 0; i < 200 && got != 1; i++)
		got = veuicc_bip_term_poll(t, 10, env, sizeof(env), &en);
	assert_int_equal(got, 1);
	assert_int_equal(env[7], 0x99);
	assert_int_equal(env[9], 0x0A);
	term_cmd(t, "D00E 8103014301 82028121 B603414243", TR_HEAD("0C", "014301") "83013A");
	term_cmd(t, "D00C 8103014200 82028121 B70105",
	         TR_HEAD("11", "014200") "830102 3600 370100");
	term_cmd(t, GCS_CMD, GCS_TR "0105");
	/* a card reset: the channel and the timer are gone */
	term_cmd(t, "D011 8103012700 82028182 A40101 A503000050", NULL);
	veuicc_bip_term_reset(t);
	assert_false(veuicc_bip_term_is_open(t));
	assert_true(veuicc_bip_term_idle(t));
	/* a timer of 0 s: its expiration ENVELOPE (§7.4) at the next poll, not
	 * into 10 bytes */
	term_cmd(t, "D011 8103012700 82028182 A40101 A503000000", NULL);
	assert_int_equal(veuicc_bip_term_poll(t, 0, env, 10, &en), VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(veuicc_bip_term_poll(t, 0, env, sizeof(env), &en), 1);
	th_hex(env, en, h);
	assert_string_equal(h, "80C200000ED70C82028281A40101A503000000");
	assert_true(veuicc_bip_term_idle(t));
	veuicc_bip_term_free(t);
	/* connect_host not an IPv4 address: the OPEN CHANNEL fails */
	veuicc_bip_term_opts bad = {"not-an-address", 0, 0};
	assert_int_equal(veuicc_bip_term_new(&bad, &t), VEUICC_OK);
	term_cmd(t, open_to(port), TR_HEAD("13", "014001") "83013A 350103 390205DC");
	veuicc_bip_term_free(t);
	close(lfd);
}

/* A scripted card for veuicc_bip_term_run(): R-APDUs in order, C-APDUs logged. */
struct fake {
	const char *const *rapdus;
	size_t i;
	int err; /* returned instead of the next R-APDU when set */
	char log[2048];
};

static int fake_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	struct fake *f = ctx;
	size_t l = strlen(f->log);
	th_hex(c, cn, f->log + l);
	strcat(f->log, " ");
	if (f->err)
		return f->err;
	*rn = th_unhex(f->rapdus[f->i++], r, cap);
	return VEUICC_OK;
}

static int other_tr(void *ctx, const uint8_t *cmd, size_t n, uint8_t *tr, size_t cap, size_t *tn)
{
	(void)cmd;
	(void)n;
	(void)cap;
	int *rc = ctx;
	*tn = th_unhex("80140000 0C 8103012100 82028281 830100", tr, 64);
	return *rc;
}

/* veuicc_bip_term_run() against a scripted card: GET RESPONSE after 61xx,
 * a command that is not BIP answered 30 (or by the caller's callback), the
 * transport's errors and short answers passed back. */
static void test_term_run(void **state)
{
	(void)state;
	veuicc_bip_term *t;
	assert_int_equal(veuicc_bip_term_new(NULL, &t), VEUICC_OK);
	/* DISPLAY TEXT behind 61 0B; no callback: 30 beyond the terminal's capabilities */
	static const char *const s1[] = {"610B", "D009 8103012100 82028102 9000", "9000"};
	struct fake f = {s1, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, NULL, NULL, 0x910B, 100), VEUICC_OK);
	assert_string_equal(f.log, "801200000B 00C000000B 801400000C810301210082028281830130 ");
	/* with a callback: its TERMINAL RESPONSE goes; its error ends the loop */
	static const char *const s2[] = {"D009 8103012100 82028102 9000", "9000"};
	int cb_rc = 0;
	f = (struct fake){s2, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, other_tr, &cb_rc, 0x910B, 100),
	                 VEUICC_OK);
	assert_string_equal(f.log, "801200000B 801400000C810301210082028281830100 ");
	cb_rc = VEUICC_ERR_IO;
	f = (struct fake){s2, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, other_tr, &cb_rc, 0x910B, 100),
	                 VEUICC_ERR_IO);
	/* a fetched object too short to answer; an R-APDU without status word */
	static const char *const s3[] = {"D003 810100 9000"};
	f = (struct fake){s3, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, NULL, NULL, 0x9105, 100),
	                 VEUICC_ERR_MALFORMED);
	static const char *const s4[] = {"90"};
	f = (struct fake){s4, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, NULL, NULL, 0x9105, 100),
	                 VEUICC_ERR_MALFORMED);
	/* the transport fails */
	f = (struct fake){s4, 0, VEUICC_ERR_NOT_POWERED, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, NULL, NULL, 0x9105, 100),
	                 VEUICC_ERR_NOT_POWERED);
	/* nothing pending, nothing open: done at once, nothing sent */
	f = (struct fake){s4, 0, 0, ""};
	assert_int_equal(veuicc_bip_term_run(t, fake_xfer, &f, NULL, NULL, 0x9000, 100), VEUICC_OK);
	assert_string_equal(f.log, "");
	veuicc_bip_term_free(t);
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
	/* clang-format off */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gcs_channel_taken),
	    cmocka_unit_test(test_gcs_two_channels),
	    cmocka_unit_test(test_gcs_other_answers),
	    cmocka_unit_test(test_gcs_not_offered),
	    cmocka_unit_test(test_setup_events_refused),
	    cmocka_unit_test(test_send_data_failure),
	    cmocka_unit_test(test_receive_data_failure),
	    cmocka_unit_test(test_receive_after_drop),
	    cmocka_unit_test(test_bad_envelopes),
	    cmocka_unit_test(test_timer_refused),
	    cmocka_unit_test(test_https_record),
	    cmocka_unit_test(test_tls_session),
	    cmocka_unit_test(test_tls_close_notify),
	    cmocka_unit_test(test_tls_response_too_long),
	    cmocka_unit_test(test_push_forms),
	    cmocka_unit_test(test_build_post),
	    cmocka_unit_test(test_psk_identity_form),
	    cmocka_unit_test(test_term_channel_status), cmocka_unit_test(test_term_ipv6),
	    cmocka_unit_test(test_term_channel_taken),
	    cmocka_unit_test(test_term_commands),
	    cmocka_unit_test(test_term_run),
	};
	/* clang-format on */
	return cmocka_run_group_tests(tests, setup, NULL);
}
