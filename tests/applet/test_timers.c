/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Timers for applets (docs/applets.md "Timers", AP20), through the test
 * plugin file_plugin.c: TIMER MANAGEMENT by FETCH, its TERMINAL RESPONSE,
 * the Timer expiration ENVELOPE (D7) routed by timer identifier to its
 * owner, identifiers 02..08 (01 stays the SCP81 agent's), the toolkit
 * parameters' maximum number of timers, a refused start freeing the timer.
 */
#include "applet_helpers.h"

#define FILE_PKG "F076657569636312"
#define FILE_MOD "F07665756963631201"
#define FILE_AID "F0766575696363120101"
/* TERMINAL PROFILE: byte 1 b6 timer expiration, byte 8 b1 TIMER MANAGEMENT */
#define TP_TIMERS "80100000 08 2000000000000001"
#define TP_NONE   "80100000 08 0000000000000000"
/* TIMER MANAGEMENT start of timer 02 for 5 s (TS 102 223 §6.6.21: A4 timer
 * identifier, A5 timer value 00:00:05, BCD nibbles swapped) */
#define TM_START_02  "D011 8103%s2700 82028182 A40102 A503000050"
#define ENV_TIMER(t) "80C20000 0E D70C 82028281 A401" t " A503000050" /* §7.4 Timer expiration */

static const char *dir(void)
{
	const char *d = getenv("VEUICC_APPLET_DIR");
	assert_non_null(d);
	return d;
}

/* Card-level instance with EA / 80: priority 01, at most \p max timers, no
 * menu; selected on channel 1. */
static veuicc_card *timer_card(const char *max)
{
	veuicc_card *card = ap_card(dir());
	char cmd[512];
	th_xfer(card, INSTALL_LOAD(FILE_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	snprintf(cmd, sizeof(cmd),
	         "80E60C00 2C 08" FILE_PKG "09" FILE_MOD "0A" FILE_AID
	         "0100 0A C900 EA06 8004 01%s0000 "
	         "00 00",
	         max);
	th_xfer(card, cmd, OK0);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000A" FILE_AID, "9000");
	return card;
}

/* The pending proactive command (FETCH of its length from 91xx). */
static const char *fetch(veuicc_card *card, const char *sw91)
{
	char cmd[16];
	assert_int_equal(strlen(sw91), 4);
	assert_memory_equal(sw91, "91", 2);
	snprintf(cmd, sizeof(cmd), "80120000%s", sw91 + 2);
	return ap_rsp(card, cmd);
}

/* TERMINAL RESPONSE to TIMER MANAGEMENT number \p num, qualifier \p q,
 * result \p res, timer \p t. */
static void terminal_response(veuicc_card *card, const char *num, const char *q, const char *res,
                              const char *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "80140000 0F 8103%s27%s 02028281 030100 A401%s", num, q, t);
	memcpy(strstr(cmd, "030100") + 4, res, 2);
	th_xfer(card, cmd, "9000");
}

static void test_timer_expiry(void **state)
{
	(void)state;
	veuicc_card *card = timer_card("02");
	th_xfer(card, "814C000001", "02 9000"); /* services revision 2 */
	th_xfer(card, TP_TIMERS, "9000");
	/* start: identifier 02, the first applet timer */
	const char *r = ap_rsp(card, "81500005 01");
	assert_int_equal(strlen(r), 6);
	assert_memory_equal(r, "02", 2);
	char sw[5];
	memcpy(sw, r + 2, 5);
	r = fetch(card, sw);
	char num[3] = {r[8], r[9], 0}, want[128];
	snprintf(want, sizeof(want), TM_START_02 "9000", num);
	for (char *p = want, *q = want;; p++) /* spaces out */
		if (*p != ' ' && !(*q++ = *p))
			break;
	assert_string_equal(r, want);
	terminal_response(card, num, "00", "00", "02");
	/* the terminal's expiration ENVELOPE reaches the instance */
	th_xfer(card, "8154000002", "0000 9000");
	th_xfer(card, ENV_TIMER("02"), "9000");
	th_xfer(card, "8154000002", "0102 9000");
	/* the timer is free again: a second expiration is nobody's */
	th_xfer(card, ENV_TIMER("02"), "6A81");
	/* timer 01 is the SCP81 agent's: no session waits on it here */
	th_xfer(card, ENV_TIMER("01"), "6A81");
	th_xfer(card, "8154000002", "0102 9000");
	veuicc_card_free(card);
}

/* Start a timer of \p secs (4 hex digits) through the applet, expecting
 * identifier \p id; FETCH, then a successful TERMINAL RESPONSE. */
static void start_timer(veuicc_card *card, const char *secs, const char *id)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "8150%s 01", secs);
	const char *r = ap_rsp(card, cmd);
	assert_int_equal(strlen(r), 6);
	assert_memory_equal(r, id, 2);
	char sw[5] = {r[2], r[3], r[4], r[5], 0};
	r = fetch(card, sw);
	char num[3] = {r[8], r[9], 0};
	assert_memory_equal(r + 10, "2700", 4); /* TIMER MANAGEMENT, start */
	terminal_response(card, num, "00", "00", id);
}

static void test_timer_limits(void **state)
{
	(void)state;
	veuicc_card *card = timer_card("02");
	/* without timers in the TERMINAL PROFILE: not supported */
	th_xfer(card, TP_NONE, "9000");
	th_xfer(card, "81500005 01", "6A81");
	th_xfer(card, TP_TIMERS, "9000");
	/* at most two (EA / 80 byte 2) */
	start_timer(card, "0005", "02");
	start_timer(card, "003C", "03");
	th_xfer(card, "81500005 01", "6985");
	/* stop 02: TIMER MANAGEMENT deactivate (qualifier 01) */
	th_xfer(card, "81520400 00", "6A80"); /* not its timer */
	th_xfer(card, "81520100 00", "6A80"); /* the SCP81 agent's */
	th_xfer(card, "81520200 00", "910E");
	const char *r = ap_rsp(card, "801200000E");
	assert_int_equal(strlen(r), 2 * 14 + 4);
	assert_memory_equal(r, "D00C8103", 8);
	assert_string_equal(r + 10, "270182028182A401029000");
	char num[3] = {r[8], r[9], 0};
	terminal_response(card, num, "01", "00", "02");
	th_xfer(card, ENV_TIMER("02"), "6A81"); /* stopped: nobody's */
	th_xfer(card, ENV_TIMER("03"), "9000");
	th_xfer(card, "8154000002", "0103 9000");
	/* TIMER MANAGEMENT through proactive(): refused (the runtime's own) */
	th_xfer(card, "8156000000", "6A80");
	veuicc_card_free(card);
	/* no toolkit parameters: no timers at all */
	card = timer_card("00");
	th_xfer(card, TP_TIMERS, "9000");
	th_xfer(card, "81500005 01", "6985");
	veuicc_card_free(card);
}

/* A start the terminal could not do (result 30, beyond its capabilities)
 * leaves the timer free: the next start gets the same identifier. */
static void test_refused_start(void **state)
{
	(void)state;
	veuicc_card *card = timer_card("01");
	th_xfer(card, TP_TIMERS, "9000");
	const char *r = ap_rsp(card, "81500005 01");
	assert_memory_equal(r, "0291", 4);
	char sw[5] = {r[2], r[3], r[4], r[5], 0};
	r = fetch(card, sw);
	char num[3] = {r[8], r[9], 0};
	terminal_response(card, num, "00", "30", "02");
	th_xfer(card, ENV_TIMER("02"), "6A81");
	assert_memory_equal(ap_rsp(card, "81500005 01"), "0291", 4);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_expiry),
	    cmocka_unit_test(test_timer_limits),
	    cmocka_unit_test(test_refused_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
