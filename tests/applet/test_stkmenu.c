/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in SIM toolkit menu applet through the CAT engine
 * (docs/applets.md): installed by GP INSTALL with UICC toolkit parameters
 * (EA/80, TS 102 226 §8.2.1.3.2.1: two menu entries, identifiers 05 and
 * 06) and its texts and actions in C9; TERMINAL PROFILE brings SET UP MENU,
 * a MENU SELECTION envelope brings DISPLAY TEXT or SEND SHORT MESSAGE, each
 * fetched and answered with TERMINAL RESPONSE. The expected proactive
 * commands are written out from TS 102 223 §6.6.1, §6.6.7, §6.6.9 and
 * TS 23.040 §9.2.2.2.
 */
#include "applet_helpers.h"

/* EA { 80: priority 01, timers 00, text length 10, 2 entries (01,05) (02,06),
 *      channels 00, no MSL, no TAR } */
#define EA "EA0D 800B 01001002 01050206 00 00 00"
/* C9 { 80 "veuicc", A0 { "Info", display "Hi!!!" }, A0 { "SMS", send "OK" to 1234 } } */
#define C9                                                                                         \
	"C92E 8006766575696363"                                                                    \
	" A010 8004496E666F 810101 82054869212121"                                                 \
	" A012 8003534D53 810102 82024F4B 830404912143"
#define INSTALL_STK "80E60C00 61 08" STK_PKG "09" STK_MOD "0A" STK_AID "0100 3F" C9 EA "00 00"
/* TERMINAL PROFILE bytes 1-4: profile download; DISPLAY TEXT (byte 3 b1);
 * SEND SHORT MESSAGE (byte 4 b2), SET UP MENU (byte 4 b6) (TS 102 223 §5.2) */
#define TP_ALL         "80100000 04 01000122"
#define TP_NO_MENU     "80100000 04 01000102"
#define TP_NO_DISP     "80100000 04 01000022"
#define MENU_SEL(id)   "80C20000 09 D307 82020181 9001" id
#define TR(n, tq)      "80140000 0C 8103" n tq " 82028281 830100"
#define SET_UP_MENU(n) "D01E 8103" n "2500 82028182 8506766575696363 8F0505496E666F 8F0406534D53"

static veuicc_card *stk_card(void)
{
	veuicc_card *card = ap_card(NULL);
	th_xfer(card, INSTALL_LOAD(STK_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	return card;
}

static void test_menu_flow(void **state)
{
	(void)state;
	veuicc_card *card = stk_card();
	th_xfer(card, INSTALL_STK, OK0);
	/* no TERMINAL PROFILE yet: nothing proactive */
	th_xfer(card, "8012000000", "6985");
	th_xfer(card, TP_ALL, "9120");
	th_xfer(card, "8012000020", SET_UP_MENU("01") "9000");
	th_xfer(card, TR("01", "2500"), "9000");
	/* item 05: DISPLAY TEXT "Hi!!!", 8-bit, wait for the user to clear */
	th_xfer(card, MENU_SEL("05"), "9113");
	th_xfer(card, "8012000013", "D011 810302 2180 82028102 8D06044869212121 9000");
	th_xfer(card, TR("02", "2180"), "9000");
	/* item 06: SEND SHORT MESSAGE, SMS-SUBMIT "OK" to 1234 */
	th_xfer(card, MENU_SEL("06"), "9118");
	th_xfer(card, "8012000018",
	        "D016 810303 1300 82028183 8B0B 0100 04912143 00 04 02 4F4B 9000");
	th_xfer(card, TR("03", "1300"), "9000");
	/* help request on 05: its text */
	th_xfer(card, "80C20000 0B D309 82020181 900105 1500", "9112");
	th_xfer(card, "8012000012", "D010 810304 2180 82028102 8D0504496E666F 9000");
	th_xfer(card, TR("04", "2180"), "9000");
	/* the applet saw its TERMINAL RESPONSEs (result 00) and counted 3
	 * selections; the SET UP MENU's response is not its (the card's own) */
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000A" STK_AID, "9000");
	th_xfer(card, "81CA000100", "00000003 9000");
	th_xfer(card, "81CA000200", "00 9000");
	th_xfer(card, MENU_SEL("05"), "9113");
	th_xfer(card, "8012000013", "D011 810305 2180 82028102 8D06044869212121 9000");
	/* result 10: "proactive UICC session terminated by the user" */
	th_xfer(card, "80140000 0C 810305 2180 82028281 830110", "9000");
	th_xfer(card, "81CA000200", "10 9000");
	th_xfer(card, "81CA000300", "6A88");
	th_xfer(card, "00708001", "9000");
	/* an item nobody has; not from the keypad; malformed */
	th_xfer(card, MENU_SEL("07"), "6A80");
	th_xfer(card, "80C20000 09 D307 82028281 900105", "6A80");
	th_xfer(card, "80C20000 05 D305 82020181", "6A80");
	/* other envelopes are still not supported */
	th_xfer(card, "80C20000 04 D5028202", "6A81");
	/* deleting the applet removes the menu: a null item (TS 102 223 §6.6.7) */
	th_xfer(card, "80E40000 0C 4F0A" STK_AID "00", "00910F");
	th_xfer(card, "801200000F", "D00D 810306 2500 82028182 8500 8F00 9000");
	th_xfer(card, TR("06", "2500"), "9000");
	th_xfer(card, MENU_SEL("05"), "6A80");
	veuicc_card_free(card);
}

static void test_terminal_abilities(void **state)
{
	(void)state;
	veuicc_card *card = stk_card();
	th_xfer(card, INSTALL_STK, OK0);
	/* no SET UP MENU in the TERMINAL PROFILE: no menu */
	th_xfer(card, TP_NO_MENU, "9000");
	th_xfer(card, "8012000000", "6985");
	/* no DISPLAY TEXT: the applet cannot answer item 05 */
	th_xfer(card, TP_NO_DISP, "9120");
	th_xfer(card, "8012000020", SET_UP_MENU("01") "9000");
	th_xfer(card, TR("01", "2500"), "9000");
	th_xfer(card, MENU_SEL("05"), "6985");
	veuicc_card_free(card);
}

static void test_install_params(void **state)
{
	(void)state;
	veuicc_card *card = stk_card();
	/* a menu entry text without toolkit parameters for it: refused */
	th_xfer(card,
	        "80E60C00 36 08" STK_PKG "09" STK_MOD "0A" STK_AID
	        "0100 14 C912 A010 8004496E666F 810101 82054869212121 00 00",
	        "6A80");
	/* toolkit parameters with an item identifier 00: refused */
	th_xfer(card,
	        "80E60C00 61 08" STK_PKG "09" STK_MOD "0A" STK_AID "0100 3F" C9
	        "EA0D 800B 01001002 01000206 00 00 00 00 00",
	        "6A80");
	th_xfer(card, INSTALL_STK, OK0);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_menu_flow),
	    cmocka_unit_test(test_terminal_abilities),
	    cmocka_unit_test(test_install_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
