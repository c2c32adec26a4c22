/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP PE-Application (TCA eUICC Profile Package §8.8) through the applet
 * runtime (docs/applets.md): a load block whose package AID is a native
 * package installs its instances with the profile (privileges, C9, UICC
 * toolkit parameters); an unknown package fails a mandated PE and is
 * skipped with a warning otherwise; a profile's applets exist only while it
 * is enabled; they and their storage come back from the card file.
 */
#include <unistd.h>

#include <jansson.h>

#include "applet_helpers.h"
#include "saip/saip.h"
#include "saip_pe.h"

#define V7 "saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define V5 "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"

#define PE_ARAM(mandated, pkg)                                                                     \
	"{\"application\": {\"app-Header\": {" mandated "\"identification\": 90}, "                \
	"\"loadBlock\": {\"loadPackageAID\": \"" pkg "\", \"loadBlockObject\": \"C4020102\"}, "    \
	"\"instanceList\": [{\"applicationLoadPackageAID\": \"" pkg                                \
	"\", \"classAID\": \"" ARAM_MOD "\", \"instanceAID\": \"" ARAM_AID                         \
	"\", \"applicationPrivileges\": \"000000\", "                                              \
	"\"applicationSpecificParametersC9\": \"\"}]}}"
/* the menu applet of test_stkmenu.c: two entries (05, 06) */
#define PE_STK                                                                                     \
	"{\"application\": {\"app-Header\": {\"mandated\": null, \"identification\": 91}, "        \
	"\"loadBlock\": {\"loadPackageAID\": \"" STK_PKG                                           \
	"\", \"loadBlockObject\": \"C4020102\"}, "                                                 \
	"\"instanceList\": [{\"applicationLoadPackageAID\": \"" STK_PKG                            \
	"\", \"classAID\": \"" STK_MOD "\", \"instanceAID\": \"" STK_AID                           \
	"\", \"applicationPrivileges\": \"000000\", "                                              \
	"\"applicationSpecificParametersC9\": \"8006766575696363A0108004496E666F81010182054869"    \
	"212121A0128003534D5381010282024F4B830404912143\", \"applicationParameters\": "            \
	"{\"uiccToolkitApplicationSpecificParametersField\": \"0100100201050206000000\"}}]}}"
#define SEL_ARAM "01A4040009" ARAM_AID
#define TP_ALL   "80100000 04 01000122"

static size_t install(veuicc_card *card, const char *file, const char *pe)
{
	size_t len, idx;
	char msg[256];
	uint8_t *der = test_saip_package_with_pe(file, pe, &len);
	int rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
	free(der);
	if (rc)
		fail_msg("install: %d %s", rc, msg);
	return idx;
}

static veuicc_card *plain_card(void)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	return card;
}

static void test_profile_applets(void **state)
{
	(void)state;
	veuicc_card *card = plain_card();
	size_t a = install(card, V7, PE_ARAM("\"mandated\": null, ", ARAM_PKG));
	size_t b = install(card, V5, PE_STK);
	/* installed, not enabled: not there for the terminal */
	ap_power(card);
	th_xfer(card, SEL_ARAM, "6A82");
	/* profile A enabled: its ARA-M, not B's menu */
	assert_int_equal(veuicc_card_activate_profile(card, a), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81CADF2000", "DF20080000000000000001 9000");
	th_xfer(card, TP_ALL, "9000");
	/* GET STATUS on the ISD-R: the instance, SELECTABLE, with the MNO-SD */
	th_xfer(card, SEL_ISDR, "9000");
	ap_contains(ap_rsp(card, "80F24002 02 4F00 00"), "4F09" ARAM_AID "9F700107C503000000");
	ap_contains(ap_rsp(card, "80F24002 08 4F00 5C044F9F70CC 00"),
	            "4F09" ARAM_AID "9F700107 CC");
	/* profile B: its menu, no ARA-M */
	assert_int_equal(veuicc_card_activate_profile(card, b), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "6A82");
	th_xfer(card, TP_ALL, "9120");
	th_xfer(card, "8012000020",
	        "D01E 8103012500 82028182 8506766575696363 8F0505496E666F 8F0406534D53 9000");
	veuicc_card_free(card);
}

static void test_unknown_package(void **state)
{
	(void)state;
	veuicc_card *card = plain_card();
	size_t len, idx;
	char msg[256];
	/* mandated and no native package: the profile is refused */
	uint8_t *der = test_saip_package_with_pe(
	    V7, PE_ARAM("\"mandated\": null, ", "F0766575696363AB"), &len);
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg)),
	                 VEUICC_ERR_UNSUPPORTED);
	assert_non_null(strstr(msg, "Java Card runtime"));
	assert_int_equal(veuicc_card_profile_count(card), 0);
	free(der);
	/* not mandated: installed without the application */
	der = test_saip_package_with_pe(V7, PE_ARAM("", "F0766575696363AB"), &len);
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg)),
	                 VEUICC_OK);
	free(der);
	assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
	ap_power(card);
	/* no such application: the UICC's own answer (no engine entry) */
	assert_string_not_equal(ap_rsp(card, SEL_ARAM), "9000");
	veuicc_card_free(card);
}

/* A profile's applet and its storage in the card file. */
static void test_card_file(void **state)
{
	(void)state;
	char path[128];
	ap_card_file(path, sizeof(path), "saip-applet");
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	size_t a = install(card, V7, PE_ARAM("\"mandated\": null, ", ARAM_PKG));
	assert_int_equal(veuicc_card_activate_profile(card, a), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81E29000 0F F00D E20B E104C000C100 E303D10101", "9000");
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81CAFF4000", "FF400D E20B E104C000C100 E303D10101 9000");
	th_xfer(card, "81CADF2000", "DF20080000000000000002 9000");
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* Two profiles with an ARA-M each (same AID): the ISD-R's DELETE takes the
 * one of the enabled profile; the other is there when its profile is. */
static void test_same_aid_two_profiles(void **state)
{
	(void)state;
	veuicc_card *card = plain_card();
	size_t a = install(card, V7, PE_ARAM("\"mandated\": null, ", ARAM_PKG));
	size_t b = install(card, V5, PE_ARAM("\"mandated\": null, ", ARAM_PKG));
	assert_int_equal(veuicc_card_activate_profile(card, a), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81E29000 0F F00D E20B E104C000C100 E303D10101", "9000");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E40000 0B 4F09" ARAM_AID "00", "6985"); /* selected on channel 1 */
	th_xfer(card, "00708001", "9000");
	th_xfer(card, "80E40000 0B 4F09" ARAM_AID "00", OK0);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, SEL_ARAM, "6A82");
	assert_int_equal(veuicc_card_activate_profile(card, b), VEUICC_OK);
	ap_power(card);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81CAFF4000", "FF4000 9000"); /* its own rules: none */
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_applets),
	    cmocka_unit_test(test_unknown_package),
	    cmocka_unit_test(test_card_file),
	    cmocka_unit_test(test_same_aid_two_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
