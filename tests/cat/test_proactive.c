/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proactive UICC (docs/cat.md "Proactive session"): TERMINAL PROFILE, 91xx on
 * every channel with T=0 and T=1, FETCH, TERMINAL RESPONSE checks, REFRESH
 * after the Fall-Back mechanism and after ES5 EnableProfile (plain and over
 * SCP80), PoRs by SEND SHORT MESSAGE (single and concatenated SMS-SUBMIT).
 * Expected proactive commands are written out byte by byte from TS 102 223
 * §6.6.13 / §6.6.9 and TS 23.040 §9.2.2.2, not produced by the card's code.
 */
#include "ota_helpers.h"

#define FB "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"

/* TERMINAL PROFILE bytes 1-4: SMS-PP download; REFRESH (byte 3 b8); SEND
 * SHORT MESSAGE (byte 4 b2) (TS 102 223 §5.2) */
#define TP_REFRESH     "80100000 04 02008000"
#define TP_REFRESH_SMS "80100000 04 02008002"
#define TP_NONE        "80100000 04 02000000"

/* REFRESH number n, "UICC Reset", UICC → terminal (TS 102 223 §6.6.13) */
#define REFRESH(n)   "D009 8103" n "0104 82028182"
#define TR_OK(n, tq) "80140000 0C 8103" n tq " 82028281 830100"
/* TERMINAL PROFILE bytes 5-33 */
#define ZEROS29  "0000000000000000000000000000000000000000000000000000000000"
#define ENABLE11 "80E28800 15 3A0312 4F10" ISDP11

/* factory/default.json: its profile (ISD-P ...1000, Fall-Back) enabled; a
 * second profile installed through the API in ISD-P ...1100, disabled; the
 * ISD-R selected on channel 0. */
static veuicc_card *card_two_profiles(veuicc_protocol proto)
{
	veuicc_card *card = ota_card(proto);
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA", FB, &len);
	char msg[200];
	if (veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg)))
		fail_msg("%s: %s", FB, msg);
	free(der);
	assert_int_equal(idx, 1);
	th_xfer(card, SEL_ISDR, "9000");
	return card;
}

static void test_terminal_profile(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	/* nothing to fetch, nothing to respond to: 6985 (CT3) */
	th_xfer(card, "8012000000", "6985");
	th_xfer(card, TR_OK("01", "0104"), "6985");
	/* TS 102 221 §11.2.1 coding */
	th_xfer(card, "80100100 01 FF", "6A86");
	th_xfer(card, "80100000", "6700");
	th_xfer(card, "801000000000", "6700");
	th_xfer(card, TP_REFRESH_SMS, "9000");
	/* a terminal may send it again: the last one counts */
	th_xfer(card, "80100000 11 FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "9000");
	th_xfer(card, "8012000000", "6985");
	/* FETCH is case 2: data → 6700 */
	th_xfer(card, "80120000 01 00", "6700");
	veuicc_card_free(card);
}

/* The Fall-Back mechanism queues REFRESH; 91 0B follows every successful
 * command on every channel until FETCH; TERMINAL RESPONSE is checked. */
static void test_refresh_after_fallback_t1(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T1);
	/* without TERMINAL PROFILE: no proactive command at all */
	th_xfer(card, ENABLE11, "9000");
	th_xfer(card, "8012000000", "6985");
	th_xfer(card, TP_REFRESH, "9000");
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	/* case 1/3 commands on channel 0 and on a new channel */
	th_xfer(card, "00700001", "910B");
	th_xfer(card, "01A4000C023F00", "910B");
	/* case 4 on T=1 with Le: data and 91 0B */
	th_xfer(card, "80F28002024F0000", "E31B 4F10" ISDR " 9F70010F C50380C000 910B");
	/* errors are not replaced */
	th_xfer(card, "80E28800 15 3A0312 4F10" PFX "00001200", "6A88");
	th_xfer(card, "8012000000", REFRESH("01") " 9000");
	/* fetched: no longer announced; FETCH again gives it again */
	th_xfer(card, "00708001", "9000");
	th_xfer(card, "8012000000", REFRESH("01") " 9000");
	/* TERMINAL RESPONSE: other number, type or qualifier, device
	 * identities, missing result, bad TLV → 6A80, still outstanding */
	th_xfer(card, TR_OK("02", "0104"), "6A80");
	th_xfer(card, "80140000 0C 810301010582028281830100", "6A80");
	th_xfer(card, "80140000 0C 810301010482028182830100", "6A80");
	th_xfer(card, "80140000 09 810301010482028281", "6A80");
	th_xfer(card, "80140000 0C 810301010482028281830200", "6A80");
	th_xfer(card, "80140100 0C 810301010482028281830100", "6A86");
	th_xfer(card, "80140000", "6700");
	/* the right one (any result: the command is done, CT5), CR bits clear */
	th_xfer(card, "80140000 0C 010301010402028281030120", "9000");
	th_xfer(card, "8012000000", "6985");
	th_xfer(card, TR_OK("01", "0104"), "6985");
	veuicc_card_free(card);
}

/* T=0: case 4 data comes with 61xx, its GET RESPONSE ends with 91xx; FETCH
 * with a wrong Le gets 6Cxx; a reset forgets TERMINAL PROFILE and queue. */
static void test_refresh_es5_t0_and_reset(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T0);
	th_xfer(card, TP_REFRESH, "9000");
	/* ES5 EnableProfile (plain, test mode): REFRESH queued at once */
	th_xfer(card, ENABLE11, "910B");
	th_xfer(card, "80F28002024F0000", "611D");
	th_xfer(card, "00C000001D", "E31B 4F10" ISDR " 9F70010F C50380C000 910B");
	th_xfer(card, "8012000000", "6C0B");
	th_xfer(card, "801200000B", REFRESH("01") " 9000");
	th_xfer(card, TR_OK("01", "0104"), "9000");
	/* a second switch: the next command number */
	th_xfer(card, "80E28800 15 3A0412 4F10" ISDP11, "910B");
	/* the new profile is active at once (CT6): the MF answers */
	veuicc_profile_info info;
	assert_int_equal(veuicc_card_profile_info(card, 0, &info), VEUICC_OK);
	assert_int_equal(info.active, 1);
	th_xfer(card, "801200000B", REFRESH("02") " 9000");
	/* while one is outstanding the next is not announced */
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_STATE);
	th_xfer(card, ENABLE11, "9000");
	th_xfer(card, TR_OK("02", "0104"), "910B");
	/* queued but not fetched, then a reset: gone, TERMINAL PROFILE too */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "801200000B", "6985");
	th_xfer(card, "80E28800 15 3A0412 4F10" ISDP11, "9000");
	/* a terminal offering the "eUICC Profile State Change" mode (byte 34
	 * b6, TS 102 223 §5.2) gets that qualifier (09) */
	th_xfer(card, "80100000 22 02008000" ZEROS29 "20", "9000");
	th_xfer(card, ENABLE11, "910B");
	th_xfer(card, "801200000B", "D009 8103010109 82028182 9000");
	th_xfer(card, "80140000 0C 8103010109 82028281 830100", "9000");
	/* TERMINAL PROFILE without the REFRESH bit: still nothing */
	th_xfer(card, TP_NONE, "9000");
	th_xfer(card, "80E28800 15 3A0412 4F10" ISDP11, "9000");
	th_xfer(card, "801200000B", "6985");
	veuicc_card_free(card);
}

/* ES5 EnableProfile in an SCP80 packet: PoR in the ENVELOPE response (SPI2
 * b6 clear), REFRESH announced with it. */
static void test_refresh_after_ota_enable(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T1);
	th_xfer(card, TP_REFRESH_SMS, "9000");
	host x;
	host_init(&x, 0x16, 0x19, 1);
	uint8_t pkt[300], apdu[300], r[600];
	char hex[1200];
	size_t pl = ota_packet(&x, "AA 1C 22 1A" ENABLE11, pkt, sizeof(pkt));
	size_t al = ota_envelope("02 70 00", pkt, pl, 1, apdu);
	size_t rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(r[rl - 2], 0x91);
	assert_int_equal(r[rl - 1], 0x0B);
	assert_int_equal(ota_por(&x, r, rl - 2, hex), VEUICC_SCP80_POR_OK);
	assert_string_equal(hex, "AB0780010123029000");
	th_xfer(card, "8012000000", REFRESH("01") " 9000");
	th_xfer(card, TR_OK("01", "0104"), "9000");
	veuicc_card_free(card);
}

/* Split a SEND SHORT MESSAGE (number n) into its SMS-SUBMIT UD after
 * checking every byte before it: TS 102 223 §6.6.9 and TS 23.040 §9.2.2.2
 * (41: SMS-SUBMIT with UDHI, no TP-VP; TP-MR 00; TP-DA = the SMS-DELIVER's
 * TP-OA; TP-PID 7F; TP-DCS F6). Returns the UD length, UD in ud. */
static size_t submit_ud(const uint8_t *r, size_t rl, uint8_t n, uint8_t *ud)
{
	size_t i = 0;
	assert_int_equal(r[i++], 0xD0);
	size_t len = r[i] == 0x81 ? r[i + 1] : r[i];
	i += r[i] == 0x81 ? 2 : 1;
	assert_int_equal(i + len, rl);
	const uint8_t head[] = {0x81, 0x03, n, 0x13, 0x00, 0x82, 0x02, 0x81, 0x83, 0x8B};
	assert_memory_equal(r + i, head, sizeof(head));
	i += sizeof(head);
	size_t tl = r[i] == 0x81 ? r[i + 1] : r[i];
	i += r[i] == 0x81 ? 2 : 1;
	assert_int_equal(i + tl, rl);
	uint8_t pre[12];
	size_t pn = th_unhex("41 00" OA_HEX "7F F6", pre, sizeof(pre));
	assert_memory_equal(r + i, pre, pn);
	i += pn;
	size_t udl = r[i++];
	assert_int_equal(i + udl, rl);
	assert_true(udl <= 140);
	memcpy(ud, r + i, udl);
	return udl;
}

/* SPI2 b6: the PoR in an SMS-SUBMIT (SEND SHORT MESSAGE), then REFRESH; the
 * ENVELOPE itself answers 91xx without data. */
static void test_por_by_sms_submit(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T1);
	th_xfer(card, TP_REFRESH_SMS, "9000");
	host x;
	host_init(&x, 0x16, 0x39, 1);
	uint8_t pkt[300], apdu[300], r[600], ud[200];
	char hex[1200];
	size_t pl = ota_packet(&x, "AA 1C 22 1A" ENABLE11, pkt, sizeof(pkt));
	size_t al = ota_envelope("02 70 00", pkt, pl, 1, apdu);
	size_t rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x91);
	uint8_t sms_len = r[1];
	uint8_t fetch[5] = {0x80, 0x12, 0x00, 0x00, sms_len};
	rl = ota_xfer(card, fetch, 5, r, sizeof(r));
	assert_int_equal(rl, sms_len + 2u);
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	size_t udl = submit_ud(r, rl - 2, 0x01, ud);
	assert_int_equal(ota_por(&x, ud, udl, hex), VEUICC_SCP80_POR_OK);
	assert_string_equal(hex, "AB0780010123029000");
	/* its TERMINAL RESPONSE: the REFRESH comes next */
	th_xfer(card, TR_OK("01", "1300"), "910B");
	th_xfer(card, "8012000000", REFRESH("02") " 9000");
	th_xfer(card, TR_OK("02", "0104"), "9000");

	/* a PoR too long for one SMS: two concatenated SMS-SUBMITs, IE 00 with
	 * reference 01, the response packet identifier in the first */
	host_init(&x, 0x16, 0x39, 2);
	pl = ota_packet(&x,
	                "AA 3C" /* six GET STATUS of the ISD-R */
	                "220880F28002024F0000 220880F28002024F0000 220880F28002024F0000"
	                "220880F28002024F0000 220880F28002024F0000 220880F28002024F0000",
	                pkt, sizeof(pkt));
	al = ota_envelope("02 70 00", pkt, pl, 1, apdu);
	rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x91);
	uint8_t por[600] = {0x02, 0x71, 0x00};
	size_t pn = 3;
	for (uint8_t seg = 1; seg <= 2; seg++) {
		rl = ota_xfer(card, (const uint8_t *)"\x80\x12\x00\x00\x00", 5, r, sizeof(r));
		assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
		udl = submit_ud(r, rl - 2, (uint8_t)(2 + seg), ud);
		uint8_t udh[8];
		size_t hl = th_unhex(seg == 1 ? "07 000301 0201 7100" : "05 000301 0202", udh, 8);
		assert_memory_equal(ud, udh, hl);
		if (seg == 1)
			assert_int_equal(udl, 140);
		memcpy(por + pn, ud + hl, udl - hl);
		pn += udl - hl;
		/* after the first, the second is announced */
		uint8_t tr[17];
		size_t tl = th_unhex("80140000 0C 8103001300 82028281 830100", tr, sizeof(tr));
		tr[7] = (uint8_t)(2 + seg);
		rl = ota_xfer(card, tr, tl, r, sizeof(r));
		assert_int_equal(rl, 2);
		assert_int_equal(r[0], seg == 1 ? 0x91 : 0x90);
	}
	assert_int_equal(ota_por(&x, por, pn, hex), VEUICC_SCP80_POR_OK);
	char want[1200] = "AB";
	/* AB L 80 01 06 (23 1F <R-APDU>)x6 */
	snprintf(want + 2, sizeof(want) - 2, "81C9800106");
	for (int i = 0; i < 6; i++)
		strcat(want, "231F"
		             "E31B4F10" ISDR "9F70010FC50380C000"
		             "9000");
	assert_string_equal(hex, want);
	veuicc_card_free(card);
}

/* No SEND SHORT MESSAGE in the TERMINAL PROFILE: the PoR comes back in the
 * ENVELOPE response although SPI2 b6 asks for SMS-SUBMIT (CT14). */
static void test_por_by_sms_unsupported(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T1);
	th_xfer(card, TP_NONE, "9000");
	host x;
	host_init(&x, 0x16, 0x39, 1);
	uint8_t pkt[300], apdu[300], r[600];
	char hex[1200];
	size_t pl = ota_packet(&x, "AA 0A 22 08 80F28002024F0000", pkt, sizeof(pkt));
	size_t al = ota_envelope("02 70 00", pkt, pl, 1, apdu);
	size_t rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	assert_int_equal(ota_por(&x, r, rl - 2, hex), VEUICC_SCP80_POR_OK);
	th_xfer(card, "8012000000", "6985");
	veuicc_card_free(card);
}

/* The SM-SR side of the notification SMS: the ISD-R key set of the test
 * host (KVN 1) and a counter (mode "no counter": never checked). */
static int smsr_lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                       veuicc_scp80_counter **cntr)
{
	static veuicc_scp80_counter c;
	host *x = ctx;
	if (tar[0] || tar[1] || tar[2] != 0x01)
		return VEUICC_SCP80_NO_TAR;
	if (kvn != 1)
		return VEUICC_SCP80_NO_KEYSET;
	*ks = &x->ks;
	*cntr = &c;
	return VEUICC_SCP80_FOUND;
}

/* FETCH the SEND SHORT MESSAGE number n carrying notification `index`:
 * SMS-SUBMIT to the SM-SR address, UDH 02 70 00, an SCP80 command packet
 * with the ISD-R keys (KIc/KID 12), SPI 06 00 (CC, ciphering, no counter,
 * no PoR), TAR 000001, counter 0, whose secured data is the notification. */
static void expect_notification_sms(veuicc_card *card, uint8_t n, size_t index)
{
	uint8_t r[300], ud[200], clear[200];
	size_t rl = ota_xfer(card, (const uint8_t *)"\x80\x12\x00\x00\x00", 5, r, sizeof(r));
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	size_t udl = submit_ud(r, rl - 2, n, ud);
	assert_memory_equal(ud, "\x02\x70\x00", 3);
	host x;
	host_init(&x, 0, 0, 0);
	veuicc_scp80_cmd cmd;
	assert_int_equal(
	    veuicc_scp80_unwrap(ud + 3, udl - 3, smsr_lookup, &x, 0x06, clear, sizeof(clear), &cmd),
	    VEUICC_OK);
	assert_int_equal(cmd.status, VEUICC_SCP80_POR_OK);
	assert_int_equal(cmd.spi[0], 0x06);
	assert_int_equal(cmd.spi[1], 0x00);
	assert_int_equal(cmd.kic, 0x12);
	assert_int_equal(cmd.kid, 0x12);
	assert_memory_equal(cmd.cntr, "\0\0\0\0\0", 5);
	veuicc_notification no;
	assert_int_equal(veuicc_card_notification_get(card, index, &no), VEUICC_OK);
	assert_int_equal(cmd.data_len, no.len);
	assert_memory_equal(cmd.data, no.data, no.len);
}

/* SGP.02 §3.15.1: the notification of an ES5 EnableProfile goes by SMS
 * after the REFRESH; every new session (TERMINAL PROFILE) sends the pending
 * ones again until the SM-SR confirms them (CT16). */
static void test_notification_sms(void **state)
{
	(void)state;
	veuicc_card *card = card_two_profiles(VEUICC_PROTO_T1);
	/* UpdateSMSRAddressingParameters: A3 { 81 04 04 91 2143 } */
	th_xfer(card, "80E28800 0B 3A0708 A306 8104" OA_HEX, "9000");
	th_xfer(card, TP_REFRESH_SMS, "9000");
	th_xfer(card, ENABLE11, "910B");
	th_xfer(card, "8012000000", REFRESH("01") " 9000");
	uint8_t r[16];
	uint8_t tr[17];
	size_t tl = th_unhex(TR_OK("01", "0104"), tr, sizeof(tr));
	size_t rl = ota_xfer(card, tr, tl, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x91);
	expect_notification_sms(card, 0x02, 0);
	th_xfer(card, TR_OK("02", "1300"), "9000");
	/* the same session does not send it twice */
	th_xfer(card, TP_REFRESH_SMS, "9000");
	/* not confirmed: the next session sends it again */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	tl = th_unhex(TP_REFRESH_SMS, tr, sizeof(tr));
	rl = ota_xfer(card, tr, tl, r, sizeof(r));
	assert_int_equal(r[0], 0x91);
	expect_notification_sms(card, 0x01, 0);
	th_xfer(card, TR_OK("01", "1300"), "9000");
	/* confirmed (HandleNotificationConfirmation): nothing more to send */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E28900 07 3A0804 4E020001 00", "8000 9000");
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	th_xfer(card, TP_REFRESH_SMS, "9000");
	/* without a TERMINAL PROFILE offering SEND SHORT MESSAGE: nothing */
	th_xfer(card, TP_REFRESH, "9000");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E28800 15 3A0412 4F10" ISDP11, "910B");
	th_xfer(card, "8012000000", "6C0B");
	th_xfer(card, "801200000B", REFRESH("01") " 9000");
	th_xfer(card, TR_OK("01", "0104"), "9000");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_terminal_profile),
	    cmocka_unit_test(test_refresh_after_fallback_t1),
	    cmocka_unit_test(test_refresh_es5_t0_and_reset),
	    cmocka_unit_test(test_refresh_after_ota_enable),
	    cmocka_unit_test(test_por_by_sms_submit),
	    cmocka_unit_test(test_por_by_sms_unsupported),
	    cmocka_unit_test(test_notification_sms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
