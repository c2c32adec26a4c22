/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GP content management of native applets on the ISD-R (GP CS v2.3 §11.2,
 * §11.4, §11.5, §11.6; docs/applets.md): INSTALL [for load] + LOAD of a
 * built-in package, INSTALL [for install (and make selectable)], SELECT on
 * several channels, GET STATUS P1 40/20/10, DELETE with and without related
 * objects, privileges, an unknown load file refused and logged, and a
 * profile's applets hidden while another profile is enabled.
 */
#include "applet_helpers.h"

#define OPEN_CH1     "0070000001"
#define OPEN_CH2     "0070000002"
#define SEL_ARAM(ch) ch "A4040009" ARAM_AID
#define ENABLE(isdp) "80E28800 15 3A0312 4F10" isdp

static void load_aram(veuicc_card *card)
{
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
}

static void test_load_install_select(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(NULL);
	/* LOAD without INSTALL [for load] first (GP CS §11.6) */
	th_xfer(card, LOAD_LAST, "6985");
	/* nothing to install from yet */
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), "6A88");
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "9000");
	/* blocks are numbered from 00 (P2) */
	th_xfer(card, "80E88001 06 C404CAFEBABE", "6A86");
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "9000");
	/* more than one block, the last with P1 b8 */
	th_xfer(card, "80E80000 03 C404CA", "9000");
	th_xfer(card, "80E88001 03 FEBABE 00", OK0);
	/* the same load file again: refused */
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "6A80");
	/* GET STATUS P1 20: the ISD-P load file, then ours, LOADED, with the ISD-R */
	const char *r = ap_rsp(card, "80F22002 02 4F00 00");
	ap_contains(r, "E320 4F08" ARAM_PKG "9F700101 CC10" ISDR);
	ap_contains(r, "9000");
	/* P1 10: with its module */
	r = ap_rsp(card, "80F21002 02 4F00 00");
	ap_contains(r, "E32B 4F08" ARAM_PKG "9F700101 CC10" ISDR "8409" ARAM_MOD);
	/* search by prefix: only ours */
	th_xfer(card, "80F22002 06 4F04F0766575 00",
	        "E320 4F08" ARAM_PKG "9F700101 CC10" ISDR "9000");

	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	/* the AID is taken now */
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), "6A80");
	/* GET DATA FF21: ISD-R, ECASD, ISD-P and the instance (TS 102 226 §8.2.1.7.2) */
	ap_contains(ap_rsp(card, "80CAFF2100"), "FF21 0F 810104");
	/* GET STATUS P1 40: the instance, SELECTABLE, its privileges */
	r = ap_rsp(card, "80F24002 02 4F00 00");
	ap_contains(r, "E3144F09" ARAM_AID "9F700107C503000000");
	/* selectable on several channels at once */
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, OPEN_CH2, "029000");
	th_xfer(card, SEL_ARAM("01"), "9000");
	th_xfer(card, SEL_ARAM("02"), "9000");
	th_xfer(card, "81CADF2000", "DF20080000000000000001 9000");
	th_xfer(card, "82CADF2000", "DF20080000000000000001 9000");
	th_xfer(card, "82CAFF4000", "FF4000 9000");
	/* MANAGE CHANNEL from channel 1: channel 3 inherits the ARA-M */
	th_xfer(card, "01700003", "9000");
	th_xfer(card, "83CADF2000", "DF20080000000000000001 9000");
	/* the ISD-R on the basic channel is untouched */
	ap_contains(ap_rsp(card, "80CA006600"), "663D");
	veuicc_card_free(card);
}

static void test_install_then_selectable(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(NULL);
	load_aram(card);
	/* for install only: INSTALLED, not selectable */
	th_xfer(card, INSTALL_ARAM("04", "23", "0100"), OK0);
	ap_contains(ap_rsp(card, "80F24002 02 4F00 00"), "4F09" ARAM_AID "9F700103");
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, SEL_ARAM("01"), "6A82");
	/* make selectable: 00 00 AID privileges 00 00 */
	th_xfer(card, "80E60800 10 0000 09" ARAM_AID "0100 00 00 00", OK0);
	th_xfer(card, "80E60800 10 0000 09" ARAM_AID "0100 00 00", "6985");
	th_xfer(card, SEL_ARAM("01"), "9000");
	/* make selectable of nothing */
	th_xfer(card, "80E60800 10 0000 09A00000015141434C01 0100 00 00", "6A88");
	veuicc_card_free(card);
}

static void test_privileges(void **state)
{
	(void)state;
	logbuf log = {{0}};
	veuicc_card *card = ap_card(NULL);
	veuicc_set_log(card, log_sink, &log);
	load_aram(card);
	/* Security Domain privilege: a native module is no SD (AP4) */
	th_xfer(card, INSTALL_ARAM("0C", "23", "0180"), "6A80");
	assert_non_null(strstr(log.text, "security domain"));
	/* 2 bytes of privileges: malformed */
	th_xfer(card, INSTALL_ARAM("0C", "24", "024000"), "6A80");
	/* three bytes: reported as given in GET STATUS (C5) */
	th_xfer(card, INSTALL_ARAM("0C", "25", "03401020"), OK0);
	ap_contains(ap_rsp(card, "80F24002 02 4F00 00"), "4F09" ARAM_AID "9F700107C503401020");
	/* only C9, EF, EA in the install parameters; C9 mandatory */
	th_xfer(card,
	        "80E60C00 24 08" ARAM_PKG "09" ARAM_MOD "09A00000015141434C01 0100 03C70100 00",
	        "6A80");
	veuicc_card_free(card);
}

static void test_unknown_load_file(void **state)
{
	(void)state;
	logbuf log = {{0}};
	veuicc_card *card = ap_card(NULL);
	veuicc_set_log(card, log_sink, &log);
	/* no native package has this AID: refused at INSTALL [for load] */
	th_xfer(card, INSTALL_LOAD("F0766575696363FF"), "6A80");
	assert_non_null(strstr(log.text, "F0766575696363FF"));
	assert_non_null(strstr(log.text, "no native package"));
	th_xfer(card, LOAD_LAST, "6985");
	/* the ISD-P ELF is no applet load file */
	th_xfer(card, "80E60200 15 10" PFX "00000D00 00 00 00 00", "6A80");
	/* a hash that does not match the load file data block (SHA-256) */
	th_xfer(card,
	        "80E60200 2D 08" ARAM_PKG "00 20"
	        "0000000000000000000000000000000000000000000000000000000000000000 00 00",
	        "9000");
	th_xfer(card, LOAD_LAST, "6985");
	/* and one that does: SHA-256(CAFEBABE) */
	th_xfer(card,
	        "80E60200 2D 08" ARAM_PKG "00 20"
	        "65AB12A8FF3263FBC257E5DDF0AA563C64573D0BAB1F1115B9B107834CFA6971 00 00",
	        "9000");
	th_xfer(card, LOAD_LAST, OK0);
	/* a load file that is not C4 */
	th_xfer(card, INSTALL_LOAD(STK_PKG), "9000");
	th_xfer(card, "80E88000 03 C50100", "6A80");
	veuicc_card_free(card);
}

static void test_delete(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(NULL);
	load_aram(card);
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, SEL_ARAM("01"), "9000");
	/* selected on channel 1: not deleted (GP CS §11.2.2.3.1) */
	th_xfer(card, "80E40000 0B 4F09" ARAM_AID, "6985");
	/* the load file has an instance: not without P2 b8 */
	th_xfer(card, "80E40000 0A 4F08" ARAM_PKG, "6985");
	/* with related objects: still selected */
	th_xfer(card, "80E40080 0A 4F08" ARAM_PKG, "6985");
	th_xfer(card, "00708001", "9000");
	/* the instance alone */
	th_xfer(card, "80E40000 0B 4F09" ARAM_AID "00", OK0);
	th_xfer(card, "80E40000 0B 4F09" ARAM_AID, "6A88");
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, SEL_ARAM("01"), "6A82");
	/* the load file alone (no instance left) */
	th_xfer(card, "80E40000 0A 4F08" ARAM_PKG "00", OK0);
	th_xfer(card, "80F22002 06 4F04F0766575 00", "6A88");
	/* load file and its instance together */
	load_aram(card);
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	th_xfer(card, "80E40080 0A 4F08" ARAM_PKG "00", OK0);
	th_xfer(card, SEL_ARAM("01"), "6A82");
	th_xfer(card, "80F22002 06 4F04F0766575 00", "6A88");
	/* not ours: the ISD-R's DELETE answers as before */
	th_xfer(card, "80E40000 12 4F10" PFX "00007700", "6A88");
	veuicc_card_free(card);
}

/* A load file associated with the ISD-P of the enabled profile belongs to
 * it: its instance is gone for the terminal while another profile is
 * enabled (SGP.02 §2.2.1), back when the profile is. */
static void test_profile_switch_hides(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(NULL);
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA",
	                       "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der", &len);
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, NULL, 0), VEUICC_OK);
	free(der);
	/* SD AID = ISD-P ...1000 (the enabled profile) */
	th_xfer(card, "80E60200 1D 08" ARAM_PKG "10" ISDP10 "00 00 00", "9000");
	th_xfer(card, LOAD_LAST, OK0);
	/* an SD that is no ISD-P of an installed profile */
	th_xfer(card, "80E60200 1D 08" STK_PKG "10" PFX "00007700 00 00 00", "6A88");
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	ap_contains(ap_rsp(card, "80F22002 06 4F04F0766575 00"), "CC10" ISDP10);
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, SEL_ARAM("01"), "9000");
	th_xfer(card, "81CADF2000", "DF20080000000000000001 9000");
	/* ES5 EnableProfile of ISD-P ...1100 */
	th_xfer(card, ENABLE(ISDP11), "9000");
	th_xfer(card, "81CADF2000", "6986"); /* channel 1 lost its applet */
	th_xfer(card, SEL_ARAM("01"), "6A82");
	th_xfer(card, ENABLE(ISDP10), "9000");
	th_xfer(card, SEL_ARAM("01"), "9000");
	th_xfer(card, "81CADF2000", "DF20080000000000000001 9000");
	veuicc_card_free(card);
}

/* The enabled profile's MNO-SD manages the applets of its profile: the
 * load file and instance are the profile's (associated with the MNO-SD),
 * and the MNO-SD does not see card-level ones. */
static void test_mnosd(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(NULL);
	/* a card-level load file and instance through the ISD-R */
	th_xfer(card, INSTALL_LOAD(STK_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card,
	        "80E60C00 43 08" STK_PKG "09" STK_MOD "0A" STK_AID "0100 21"
	        " C910 8002 6869 A00A 8002 6869 810101 820168 EA0D 800B 01001001 01050000 00 00 00 "
	        "00 00",
	        OK0);
	th_xfer(card, OPEN_CH1, "019000");
	th_xfer(card, "01A4040C08A000000151000000", "9000"); /* MNO-SD of TS.48 V7 */
	th_xfer(card, "81E60200 0D 08" ARAM_PKG "00 00 00 00", "9000");
	th_xfer(card, "81E88000 06 C404CAFEBABE 00", OK0);
	th_xfer(card, "81F22002 06 4F04F0766575 00",
	        "E318 4F08" ARAM_PKG "9F700101 CC08A000000151000000 9000");
	th_xfer(card, "81E60C00 23 08" ARAM_PKG "09" ARAM_MOD "09" ARAM_AID "0100 02C900 00 00",
	        OK0);
	/* GET STATUS P1 40 on the MNO-SD lists the instance INSTALL put into
	 * its profile (AP21), not the card-level one */
	const char *gs = ap_rsp(card, "81F24002 02 4F00 00");
	ap_contains(gs, "E314 4F09" ARAM_AID "9F700107 C503000000");
	assert_null(strstr(gs, STK_AID));
	ap_contains(ap_rsp(card, "81F24002 07 4F05A000000151 00"), "4F09" ARAM_AID);
	ap_contains(ap_rsp(card, "81F24002 06 4F04F0766575 00"), "6A88");
	/* the ISD-R's load file is not the MNO-SD's (which has no other
	 * DELETE: 6D00, decision AP3) */
	th_xfer(card, "81E40080 0A 4F08" STK_PKG "00", "6D00");
	th_xfer(card, OPEN_CH2, "029000");
	th_xfer(card, SEL_ARAM("02"), "9000");
	/* the ISD-R sees both */
	ap_contains(ap_rsp(card, "80F22002 06 4F04F0766575 00"), "4F08" STK_PKG);
	th_xfer(card, "00708002", "9000");
	th_xfer(card, "81E40080 0A 4F08" ARAM_PKG "00", OK0);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_install_select),
	    cmocka_unit_test(test_install_then_selectable),
	    cmocka_unit_test(test_privileges),
	    cmocka_unit_test(test_unknown_load_file),
	    cmocka_unit_test(test_delete),
	    cmocka_unit_test(test_profile_switch_hides),
	    cmocka_unit_test(test_mnosd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
