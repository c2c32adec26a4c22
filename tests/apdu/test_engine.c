/* SPDX-License-Identifier: Apache-2.0 */
/* APDU engine behaviour through the public API: T=0 61xx/6Cxx/GET RESPONSE,
 * T=1, SELECT by AID, logical channels, chaining, error status words. */
#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "apdu/sw.h"
#include "core/card.h"

#define ISDR   "A0000005591010FFFFFFFF8900000100"
#define ECASD  "A0000005591010FFFFFFFF8900000200"
#define FCI(a) "6F18 8410" a "A504 9F6501FF"
#define EID    "89049032123451234512345678901235"

static int setup(void **state)
{
	veuicc_card *card = NULL;
	if (veuicc_card_new(NULL, &card) != VEUICC_OK)
		return -1;
	if (veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) != VEUICC_OK)
		return -1;
	*state = card;
	return 0;
}

static int teardown(void **state)
{
	veuicc_card_free(*state);
	return 0;
}

static void t1(veuicc_card *card)
{
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
}

/* TS 102 221 §7.3.1.1: case 4 over T=0 → 61xx, then GET RESPONSE. */
static void test_t0_select_get_response(void **state)
{
	veuicc_card *card = *state;
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T0);
	th_xfer(card, "00A4040010" ISDR, "611A");
	th_xfer(card, "00C000001A", FCI(ISDR) "9000");
	/* nothing left */
	th_xfer(card, "00C000001A", "6985");
	/* case 4 with Le as a PC/SC host sends it: still 61xx in T=0 */
	th_xfer(card, "00A4040010" ISDR "00", "611A");
	/* GET RESPONSE in parts */
	th_xfer(card, "00C0000010", "6F18 8410 A0000005591010FFFFFFFF89 610A");
	th_xfer(card, "00C000000A", "00000100 A504 9F6501FF 9000");
	/* Le longer than available: 6Cxx, data kept */
	th_xfer(card, "00A4040010" ECASD, "611A");
	th_xfer(card, "00C0000020", "6C1A");
	th_xfer(card, "00C000001A", FCI(ECASD) "9000");
}

/* T=0 case 2 with a wrong Le: 6Cxx with the exact length, then the data. */
static void test_t0_wrong_le(void **state)
{
	veuicc_card *card = *state;
	th_xfer(card, "00A4040C10" ECASD, "9000"); /* P2 0C: no data */
	th_xfer(card, "80CA005A00", "6C12");
	th_xfer(card, "80CA005A12", "5A10" EID "9000");
	th_xfer(card, "80CA005A05", "6C12");
	/* after 6Cxx a GET RESPONSE may also fetch the data */
	th_xfer(card, "00C0000012", "5A10" EID "9000");
	/* any other command discards pending data */
	th_xfer(card, "80CA005A00", "6C12");
	th_xfer(card, "80CA009F00", "6A88");
	th_xfer(card, "00C0000012", "6985");
}

static void test_t1(void **state)
{
	veuicc_card *card = *state;
	t1(card);
	th_xfer(card, "00A4040010" ISDR "00", FCI(ISDR) "9000");
	/* Le shorter than the data: Le bytes and 61xx for the rest */
	th_xfer(card, "00A4040010" ISDR "10", "6F18 8410 A0000005591010FFFFFFFF89 610A");
	th_xfer(card, "00C0000000", "00000100 A504 9F6501FF 9000");
	/* case 3: data pending */
	th_xfer(card, "00A4040010" ECASD, "611A");
	th_xfer(card, "00C0000000", FCI(ECASD) "9000");
	th_xfer(card, "80CA005A00", "5A10" EID "9000");
	/* extended length: case 4E */
	th_xfer(card, "00A4040000 0010" ISDR "0000", FCI(ISDR) "9000");
	th_xfer(card, "80CA005A 000000", "6A88"); /* ISD-R GET DATA: no tag 5A */
}

static void test_extended_in_t0(void **state)
{
	veuicc_card *card = *state;
	/* An extended APDU (only a library caller can send one) is handled at
	 * the APDU level whatever the protocol. */
	th_xfer(card, "00A4040000 0010" ECASD "0000", FCI(ECASD) "9000");
	th_xfer(card, "80CA005A 000012", "5A10" EID "9000");
}

static void test_partial_aid(void **state)
{
	veuicc_card *card = *state;
	t1(card);
	th_xfer(card, "00A4040007 A0000005591010 00", FCI(ISDR) "9000");
	th_xfer(card, "00A4040207 A0000005591010 00", FCI(ECASD) "9000");
	th_xfer(card, "00A4040207 A0000005591010 00", "6A82");
	/* the failed SELECT left the ECASD selected */
	th_xfer(card, "80CA005A00", "5A10" EID "9000");
	th_xfer(card, "00A4040307 A0000005591010 00", FCI(ISDR) "9000");
	th_xfer(card, "00A4040107 A0000005591010 00", FCI(ECASD) "9000");
	th_xfer(card, "00A4040005 A000000087 00", "6A82");
	th_xfer(card, "00A4040011 A0000005591010FFFFFFFF890000010000 00", "6A82");
	th_xfer(card, "00A4040008 A0000005591010FF 00", FCI(ISDR) "9000");
	/* P2 08: file management data is not available for a security domain */
	th_xfer(card, "00A4040810" ISDR "00", "6A86");
	th_xfer(card, "00A4048010" ISDR "00", "6A86");
	th_xfer(card, "00A4040000", "6700");
	/* application session termination (TS 102 221 §11.1.1.3) */
	th_xfer(card, "00A4044C10" ECASD, "6A82");
	th_xfer(card, "00A4040C10" ECASD, "9000");
	th_xfer(card, "00A4044C10" ECASD, "9000");
	th_xfer(card, "80CA005A00", "6986");
}

static void test_channels(void **state)
{
	veuicc_card *card = *state;
	t1(card);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A4040010" ECASD "00", FCI(ECASD) "9000");
	th_xfer(card, "81CA005A00", "5A10" EID "9000");
	/* channel 0 still has nothing selected */
	th_xfer(card, "80CA005A00", "6986");
	/* a channel opened from channel 1 inherits its selection */
	th_xfer(card, "0170000001", "029000");
	th_xfer(card, "82CA005A00", "5A10" EID "9000");
	/* open a given channel; 19 is reached with the further interindustry class */
	th_xfer(card, "0070001300", "9000");
	th_xfer(card, "4FA4040010" ISDR "00", FCI(ISDR) "9000");
	th_xfer(card, "CFCA005A00", "6A88"); /* reached the ISD-R: no tag 5A */
	th_xfer(card, "0070001300", "6A86"); /* already open */
	th_xfer(card, "0070801300", "9000");
	th_xfer(card, "4FA4040010" ISDR "00", "6881");
	th_xfer(card, "CFCA005A00", "6881");
	/* close by the channel in CLA */
	th_xfer(card, "02708000", "9000");
	th_xfer(card, "82CA005A00", "6881");
	/* the basic channel cannot be closed */
	th_xfer(card, "0070800000", "6A86");
	th_xfer(card, "00708000", "6A86");
	th_xfer(card, "0070801400", "6A86");
	th_xfer(card, "0070820100", "6A86");
	th_xfer(card, "0070002000", "6A86");
	/* exhaust the channels: 1 is open; 2..19 free = 18 more */
	for (int i = 2; i < 20; i++) {
		char want[8];
		snprintf(want, sizeof(want), "%02X9000", i);
		th_xfer(card, "0070000001", want);
	}
	th_xfer(card, "0070000001", "6A81");
	/* a reset closes them all */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	th_xfer(card, "01A4040010" ECASD, "6881");
	th_xfer(card, "4FA4040010" ECASD, "6881");
}

static void test_errors(void **state)
{
	veuicc_card *card = *state;
	th_xfer(card, "", "6700");
	th_xfer(card, "00", "6700");
	th_xfer(card, "00A404", "6700");
	th_xfer(card, "00A4040010" ISDR "0000", "6700");
	th_xfer(card, "00A4040011" ISDR, "6700");
	th_xfer(card, "A0A4000002 3F00", "6E00");
	th_xfer(card, "20A4000002 3F00", "6E00");
	th_xfer(card, "FFA4000002 3F00", "6E00");
	th_xfer(card, "9000000000", "6E00");
	th_xfer(card, "0060000000", "6D00");
	th_xfer(card, "0090000000", "6D00");
	th_xfer(card, "0012000000", "6D00");
	/* SELECT with an undefined P1; by FID without a file system */
	th_xfer(card, "00A40504023F00", "6A86");
	th_xfer(card, "00A40004023F00", "6A82");
	/* MANAGE CHANNEL in T=0 with a wrong Le: 6C01, like any case 2 */
	th_xfer(card, "0070000000", "6C01");
	th_xfer(card, "0070000001", "019000");
	/* SM bits on engine commands and on applications without SM */
	th_xfer(card, "04A4040010" ISDR, "6882");
	th_xfer(card, "0470000001", "6882");
	th_xfer(card, "00A4040C10" ISDR, "9000");
	/* the ISD-R takes SCP03 (accepts_sm): SM without a session is 6982 */
	th_xfer(card, "84CA005A00", "6982");
	/* nothing selected: file commands 6986, file selection 6A82 */
	th_xfer(card, "00A4040C10" ISDR, "9000");
	th_xfer(card, "00A4044C10" ISDR, "9000");
	th_xfer(card, "00B0000000", "6986");
	th_xfer(card, "00A40004023F00", "6A82");
	th_xfer(card, "00A40804027FFF", "6A82");
	th_xfer(card, "8016000002FFFF", "6D00");
	/* TERMINAL PROFILE is a UICC-level command, whatever is selected */
	th_xfer(card, "8010000002FFFF", "9000");
	/* GET RESPONSE with wrong parameters */
	th_xfer(card, "00C0010000", "6A86");
	th_xfer(card, "00C0000001AA", "6700");
	/* GET DATA with a data field */
	th_xfer(card, "00A4040C10" ECASD, "9000");
	th_xfer(card, "80CA005A01AA00", "6700");
}

/* ISO 7816-4 §5.1.1.1 command chaining. */
static void test_chaining(void **state)
{
	veuicc_card *card = *state;
	t1(card);
	th_xfer(card, "10A4040008 A0000005591010FF", "9000");
	th_xfer(card, "00A4040008 FFFFFF8900000200 00", FCI(ECASD) "9000");
	/* three parts */
	th_xfer(card, "10A4040004 A0000005", "9000");
	th_xfer(card, "10A4040004 591010FF", "9000");
	th_xfer(card, "00A4040008 FFFFFF8900000100 00", FCI(ISDR) "9000");
	/* an interrupted chain */
	th_xfer(card, "10A4040004 A0000005", "9000");
	th_xfer(card, "80CA005A00", "6883");
	/* the chain is gone: the next command is processed normally */
	th_xfer(card, "80CA005A00", "6A88"); /* ISD-R GET DATA: no tag 5A */
	/* a chain with other P1-P2 is another command */
	th_xfer(card, "10A4040004 A0000005", "9000");
	th_xfer(card, "00A4040C0C 591010FFFFFFFF8900000100", "6883");
}

static void test_buffer_too_small(void **state)
{
	veuicc_card *card = *state;
	t1(card);
	uint8_t c[64], r[8];
	size_t cl = th_unhex("00A4040010" ISDR "00", c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(rl, 28);
	/* the response was kept for GET RESPONSE */
	th_xfer(card, "00C0000000", FCI(ISDR) "9000");
	assert_int_equal(veuicc_transmit(card, c, cl, r, 1, &rl), VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(veuicc_transmit(card, NULL, 4, r, sizeof(r), &rl), VEUICC_ERR_INVALID_ARG);
}

/* Every byte string up to 12 bytes long from a small alphabet gets a status
 * word and never an error return (exhaustive over the first bytes). */
static void test_every_short_apdu_gets_sw(void **state)
{
	veuicc_card *card = *state;
	static const uint8_t alphabet[] = {0x00, 0x01, 0x10, 0x4F, 0x70, 0x80,
	                                   0xA4, 0xC0, 0xCA, 0x04, 0x5A, 0xFF};
	uint8_t c[12], r[VEUICC_RAPDU_MAX];
	unsigned count = 0;
	for (size_t len = 0; len <= 6; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= sizeof(alphabet);
		for (size_t k = 0; k < total; k++) {
			size_t v = k;
			for (size_t i = 0; i < len; i++) {
				c[i] = alphabet[v % sizeof(alphabet)];
				v /= sizeof(alphabet);
			}
			size_t rl = 0;
			assert_int_equal(veuicc_transmit(card, c, len, r, sizeof(r), &rl),
			                 VEUICC_OK);
			assert_true(rl >= 2);
			count++;
		}
	}
	assert_true(count > 3000000 / 1000);
}

/* A stand-in file system application: answers SELECT P1 00 for FID 3F00
 * with 9000 and READ BINARY with one byte, counts deselections. */
struct fake_fs {
	int deselects;
};

static uint16_t fake_process(void *ctx, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	(void)ctx;
	if (c->ins == 0xA4)
		return (c->lc == 2 && c->data[0] == 0x3F && c->data[1] == 0x00)
		           ? VEUICC_SW_OK
		           : VEUICC_SW_NOT_FOUND;
	if (c->ins == 0xB0) {
		uint8_t b = 0x42;
		veuicc_rsp_put(rsp, &b, 1);
		return VEUICC_SW_OK;
	}
	return VEUICC_SW_INS_NOT_SUPP;
}

static void fake_deselect(void *ctx, uint8_t channel)
{
	(void)channel;
	((struct fake_fs *)ctx)->deselects++;
}

static const veuicc_applet_ops fake_ops = {
    .name = "fake FS", .process = fake_process, .deselect = fake_deselect};

/* TS 102 221 §8.4.2 / §11.1.1: the default (file system) application is
 * selected after reset and receives SELECT by FID; an AID selection moves
 * away from it and a SELECT by FID comes back. */
static void test_default_app(void **state)
{
	veuicc_card *card = *state;
	static struct fake_fs fs; /* outlives the card, which is freed in teardown */
	fs.deselects = 0;
	static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
	assert_int_equal(veuicc_engine_add_app(&card->engine, aid, sizeof(aid), &fake_ops, &fs),
	                 VEUICC_OK);
	assert_int_equal(veuicc_engine_set_default_app(&card->engine, aid, sizeof(aid)), VEUICC_OK);
	assert_int_equal(veuicc_engine_set_default_app(&card->engine, aid, 5),
	                 VEUICC_ERR_NOT_FOUND);
	/* before the next reset nothing is selected */
	th_xfer(card, "00B0000001", "6986");
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	t1(card);
	th_xfer(card, "00B0000001", "429000");
	th_xfer(card, "00A4040C10" ECASD, "9000");
	assert_int_equal(fs.deselects, 1);
	th_xfer(card, "80CA005A00", "5A10" EID "9000");
	th_xfer(card, "00A40004022F00", "6A82"); /* failure: the ECASD stays */
	th_xfer(card, "80CA005A00", "5A10" EID "9000");
	th_xfer(card, "00A40004023F00", "9000");
	th_xfer(card, "00B0000001", "429000");
	th_xfer(card, "00A40504023F00", "6A86");
	/* a channel opened from the basic channel starts in the file system */
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01B0000001", "429000");
}

static void engine_xfer(veuicc_engine *e, const char *capdu, const char *expect)
{
	static uint8_t c[300], r[VEUICC_RAPDU_MAX], x[300];
	char got[700], want[700];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0, xl = th_unhex(expect, x, sizeof(x));
	assert_int_equal(veuicc_engine_transmit(e, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	th_hex(r, rl, got);
	th_hex(x, xl, want);
	if (strcmp(got, want) != 0)
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
}

/* A default application registered without an AID is reached after reset
 * and by SELECT by FID, never by a SELECT by DF name. */
static void test_default_app_without_aid(void **state)
{
	veuicc_card *card = *state;
	/* a card has one already: its UICC front, which has no profile yet */
	static struct fake_fs fs;
	assert_int_equal(veuicc_engine_add_default_app(&card->engine, &fake_ops, &fs),
	                 VEUICC_ERR_INVALID_ARG);
	th_xfer(card, "00B0000001", "6986");
	th_xfer(card, "00A40004023F00", "6A82");
	th_xfer(card, "8016000002FFFF", "6D00");
	/* TERMINAL PROFILE is a UICC-level command, whatever is selected */
	th_xfer(card, "8010000002FFFF", "9000");

	veuicc_engine e;
	veuicc_engine_init(&e);
	static const uint8_t isdr[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	                               0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
	static const veuicc_applet_ops sd_ops = {.name = "SD", .process = fake_process};
	assert_int_equal(veuicc_engine_add_app(&e, isdr, sizeof(isdr), &sd_ops, NULL), VEUICC_OK);
	assert_int_equal(veuicc_engine_add_default_app(&e, &fake_ops, &fs), VEUICC_OK);
	veuicc_engine_reset(&e);
	e.proto = VEUICC_PROTO_T1;
	engine_xfer(&e, "00B0000001", "429000");
	engine_xfer(&e, "00A4040C10" ISDR, "9000");
	engine_xfer(&e, "00B0000001", "429000"); /* the stand-in SD answers READ BINARY too */
	engine_xfer(&e, "00A40004023F00", "9000");
	engine_xfer(&e, "00B0000001", "429000");
	/* an AID no application has (the default one has no select): 6A82 */
	engine_xfer(&e, "00A4040C05 A000000087", "6A82");
	veuicc_engine_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_t0_select_get_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_t0_wrong_le, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_t1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extended_in_t0, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partial_aid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chaining, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_buffer_too_small, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_short_apdu_gets_sw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_app, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_app_without_aid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
