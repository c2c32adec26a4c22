/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File access for applets (docs/applets.md "File access", AP17-AP19),
 * through the test plugin file_plugin.c on the card of factory/default.json
 * (GSMA TS.48 V7 profile, facts in tests/data/ota/ts48_ota_facts.txt):
 * EF.UMPC 2F08 (EF.ARR 2F06 record 2: read always, update ADM1), EF.ICCID
 * 2FE2 (read always, never updated), EF.IMSI 6F07 of the USIM (read PIN1).
 * Access domains from EA / 81 (full, none, UICC access mechanism with the
 * key references granted), writes checked with plain APDUs of the terminal,
 * a power cut during the applet's write, a profile switch, SAIP
 * uiccAccessApplicationSpecificParametersField.
 */
#include <unistd.h>

#include <jansson.h>

#include "applet_helpers.h"
#include "saip/saip.h"
#include "saip_pe.h"

#define FILE_PKG "F076657569636312"
#define FILE_MOD "F07665756963631201"
#define FILE_AID "F0766575696363120101"
#define USIM     "A0000000871002" /* right-truncated USIM AID */
#define V5       "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define V7       "saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

#define ICCID_EF "98001032547698103214" /* EF.ICCID of the TS.48 V7 profile */
#define IMSI_EF  "080910101032547698"   /* EF.IMSI of its USIM */
#define UMPC_EF  "3C3C000000"
#define NEW_UMPC "3C05020000"

/* the applet's commands (channel 1) */
#define A_SEL_UMPC  "81400000 03 00 2F08"
#define A_SEL_ICCID "81400000 05 00 3F002FE2" /* a path from the MF may name it */
#define A_SEL_IMSI  "81400000 0A 07" USIM "6F07"
#define A_SEL_DIR   "81400000 03 00 2F00"
#define A_READ(n)   "81420000" n
#define A_UPDATE(h) "81440000 05" h

/* UICC access application specific parameters (EA / 81, AP17): entries
 * {AID length, AID, access domain length, access domain, DAP length} */
#define AD_MF(ad)   "00" ad "00"
#define AD_USIM(ad) "07" USIM ad "00"
#define FULL        "0100"
#define NONE        "01FF"
#define ADM1        "03020001" /* 02: key reference 0A granted (byte 2 b1) */
#define PIN1        "020201"   /* 02: key reference 01 granted (byte 1 b1) */
#define NOTHING     "020200"   /* 02: no key reference */

static const char *dir(void)
{
	const char *d = getenv("VEUICC_APPLET_DIR");
	assert_non_null(d);
	return d;
}

/* Load the package (for the profile of ISD-P \p sd, or card level when
 * NULL) and install + select the instance with \p access as EA / 81 (NULL:
 * no EA at all) on channel 1. */
static void install_files_sw(veuicc_card *card, const char *sd, const char *access,
                             const char *expect)
{
	char cmd[1200], params[600], hex[512];
	size_t k = 0;
	for (const char *p = access; p && *p; p++)
		if (*p != ' ')
			hex[k++] = *p;
	hex[k] = 0;
	size_t al = k / 2;
	if (access)
		snprintf(params, sizeof(params), "C900EA%02zX81%02zX%s", al + 2, al, hex);
	else
		snprintf(params, sizeof(params), "C900");
	size_t pl = strlen(params) / 2, sl = sd ? strlen(sd) / 2 : 0;
	th_xfer(card, SEL_ISDR, "9000");
	snprintf(cmd, sizeof(cmd), "80E60200%02zX08%s%02zX%s000000", 13 + sl, FILE_PKG, sl,
	         sd ? sd : "");
	th_xfer(card, cmd, "9000");
	th_xfer(card, LOAD_LAST, OK0);
	snprintf(cmd, sizeof(cmd), "80E60C00%02zX08%s09%s0A%s0100%02zX%s00 00", 34 + pl, FILE_PKG,
	         FILE_MOD, FILE_AID, pl, params);
	th_xfer(card, cmd, expect);
}

static void install_files(veuicc_card *card, const char *sd, const char *access)
{
	install_files_sw(card, sd, access, OK0);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000A" FILE_AID, "9000");
}

/* The terminal's own READ BINARY of MF/\p fid on the basic channel. */
static void terminal_read(veuicc_card *card, const char *fid, const char *len, const char *value)
{
	char cmd[64], want[128];
	snprintf(cmd, sizeof(cmd), "00A4080C02%s", fid);
	th_xfer(card, cmd, "9000");
	snprintf(cmd, sizeof(cmd), "00B00000%s", len);
	snprintf(want, sizeof(want), "%s 9000", value);
	th_xfer(card, cmd, want);
}

/* Access domain 00 for the MF and the USIM: the applet reads and writes
 * what the terminal without PIN/ADM cannot; NEVER stays never. */
static void test_full_access(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(dir());
	th_xfer(card, "00A4080C022F08", "9000");
	th_xfer(card, "00D6000005" NEW_UMPC, "6982"); /* the terminal: ADM1 missing */
	install_files(card, NULL, AD_MF(FULL) AD_USIM(FULL));
	th_xfer(card, "814C000001", "02 9000"); /* services revision 2 (files: 1) */
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_READ("05"), UMPC_EF "9000");
	th_xfer(card, A_UPDATE(NEW_UMPC), "9000");
	th_xfer(card, A_READ("05"), NEW_UMPC "9000");
	terminal_read(card, "2F08", "05", NEW_UMPC); /* a plain READ BINARY */
	/* the USIM's EF.IMSI (the terminal: PIN1 not verified) */
	th_xfer(card, "00A4040C0C A0000000871002FF49FF0589", "9000");
	th_xfer(card, "00A4000C026F07", "9000");
	th_xfer(card, "00B0000009", "6982");
	th_xfer(card, A_SEL_IMSI, "9000");
	th_xfer(card, A_READ("09"), IMSI_EF "9000");
	th_xfer(card, A_READ("00"), IMSI_EF "6282"); /* fewer bytes: end of file */
	/* EF.ICCID has no update rule: never, whatever the domain */
	th_xfer(card, A_SEL_ICCID, "9000");
	th_xfer(card, A_READ("0A"), ICCID_EF "9000");
	th_xfer(card, A_UPDATE("0102030405"), "6982");
	/* structure and selection errors are the file system's */
	th_xfer(card, "814A0000 01 01", "6981"); /* INCREASE of a transparent EF */
	th_xfer(card, "81460104 00", "6981");    /* READ RECORD of it */
	th_xfer(card, "81400000 03 00 2F99", "6A82");
	th_xfer(card, A_READ("0A"), ICCID_EF "9000"); /* a failed SELECT changed nothing */
	/* records: EF.DIR (linear fixed, update ADM1), record 1 written back */
	th_xfer(card, A_SEL_DIR, "9000");
	char rec[600], cmd[700];
	const char *r = ap_rsp(card, "81460104 00");
	size_t rl = strlen(r);
	assert_true(rl < sizeof(rec));
	memcpy(rec, r, rl + 1);
	assert_true(rl > 4 && !strcmp(rec + rl - 4, "9000"));
	rec[rl - 4] = 0;
	assert_string_equal(ap_rsp(card, "00A4080C022F00"), "9000");
	char want[700];
	snprintf(want, sizeof(want), "%s9000", rec);
	assert_string_equal(ap_rsp(card, "00B2010400"), want); /* the terminal reads the same */
	snprintf(cmd, sizeof(cmd), "81480104%02zX%s", (rl - 4) / 2, rec);
	th_xfer(card, cmd, "9000");
	th_xfer(card, "81460104 00", want);
	/* a reset clears the view: no current EF until the next select */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000A" FILE_AID, "9000");
	th_xfer(card, A_READ("05"), "6986");
	veuicc_card_free(card);
}

/* Access domain FF, no EA / 81 at all, or no entry for the USIM: every EF
 * access is refused with 6982 (selecting still works). */
static void test_no_access(void **state)
{
	(void)state;
	const char *params[] = {AD_MF(NONE), NULL};
	for (int i = 0; i < 2; i++) {
		veuicc_card *card = ap_card(dir());
		install_files(card, NULL, params[i]);
		th_xfer(card, A_SEL_UMPC, "9000");
		th_xfer(card, A_READ("05"), "6982");
		th_xfer(card, A_UPDATE(NEW_UMPC), "6982");
		th_xfer(card, A_SEL_ICCID, "9000");
		th_xfer(card, A_READ("0A"), "6982");
		th_xfer(card, A_SEL_IMSI, "9000");
		th_xfer(card, A_READ("09"), "6982");
		terminal_read(card, "2F08", "05", UMPC_EF);
		veuicc_card_free(card);
	}
	veuicc_card *card = ap_card(dir());
	install_files(card, NULL, AD_MF(FULL));
	th_xfer(card, A_SEL_ICCID, "9000");
	th_xfer(card, A_READ("0A"), ICCID_EF "9000");
	th_xfer(card, A_SEL_IMSI, "9000");
	th_xfer(card, A_READ("09"), "6982"); /* the USIM has no access domain */
	veuicc_card_free(card);
	/* malformed EA / 81: INSTALL answers 6A80 */
	card = ap_card(dir());
	th_xfer(card, INSTALL_LOAD(FILE_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card,
	        "80E60C00 2A 08" FILE_PKG "09" FILE_MOD "0A" FILE_AID
	        "0100 08 C900 EA04 8102 0001 00 00",
	        "6A80");
	veuicc_card_free(card);
}

/* Access domain 02 (UICC access mechanism): allowed when the EF's EF.ARR
 * rule names a key reference the access domain data grants (or ALWAYS). */
static void test_arr_domain(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(dir());
	install_files(card, NULL, AD_MF(ADM1) AD_USIM(PIN1));
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_READ("05"), UMPC_EF "9000"); /* read: always */
	th_xfer(card, A_UPDATE(NEW_UMPC), "9000");   /* update: ADM1, granted */
	terminal_read(card, "2F08", "05", NEW_UMPC);
	th_xfer(card, A_SEL_ICCID, "9000");
	th_xfer(card, A_READ("0A"), ICCID_EF "9000");
	th_xfer(card, A_UPDATE("0102030405"), "6982"); /* never */
	th_xfer(card, A_SEL_IMSI, "9000");
	th_xfer(card, A_READ("09"), IMSI_EF "9000"); /* read: PIN1, granted */
	th_xfer(card, "81440000 01 08", "6982");     /* update: ADM1, not granted here */
	veuicc_card_free(card);
	/* the same files with other key references granted */
	card = ap_card(dir());
	install_files(card, NULL, AD_MF(PIN1) AD_USIM(NOTHING));
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_READ("05"), UMPC_EF "9000");
	th_xfer(card, A_UPDATE(NEW_UMPC), "6982"); /* ADM1 not granted */
	th_xfer(card, A_SEL_IMSI, "9000");
	th_xfer(card, A_READ("09"), "6982");
	terminal_read(card, "2F08", "05", UMPC_EF);
	veuicc_card_free(card);
}

/* The applet's write is part of the command's store transaction: a power
 * cut at its write leaves the card file with the old content. */
static void test_write_rolls_back(void **state)
{
	(void)state;
	char path[128];
	ap_card_file(path, sizeof(path), "applet-files");
	veuicc_card *card;
	for (int round = 0; round < 3; round++) {
		card = ap_file_card(path, dir());
		if (round == 0) {
			install_files(card, NULL, AD_MF(FULL));
		} else {
			th_xfer(card, "0070000001", "019000");
			th_xfer(card, "01A404000A" FILE_AID, "9000");
		}
		th_xfer(card, A_SEL_UMPC, "9000");
		if (round == 0) {
			/* the power goes at the command's first persistent write */
			assert_int_equal(veuicc_card_fault(card, "cut:1"), VEUICC_OK);
			th_xfer(card, A_UPDATE(NEW_UMPC), "6581");
		} else if (round == 1) {
			th_xfer(card, A_READ("05"), UMPC_EF "9000"); /* rolled back */
			th_xfer(card, A_UPDATE(NEW_UMPC), "9000");
		} else {
			th_xfer(card, A_READ("05"), NEW_UMPC "9000"); /* committed */
			terminal_read(card, "2F08", "05", NEW_UMPC);
		}
		veuicc_card_free(card);
	}
	test_rm_card_file(path);
}

static size_t install_der(veuicc_card *card, const char *file)
{
	size_t len, idx;
	char msg[256];
	uint8_t *der = th_load("VEUICC_TEST_DATA", file, &len);
	int rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
	free(der);
	if (rc)
		fail_msg("install: %d %s", rc, msg);
	return idx;
}

/* A card-level applet sees the enabled profile's files only, its selection
 * starting again at the MF after a switch; a profile's applet is gone with
 * its profile and finds its files again when the profile comes back. */
static void test_profile_switch(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(dir());
	size_t b = install_der(card, V5);
	install_files(card, NULL, AD_MF(FULL));
	th_xfer(card, A_SEL_ICCID, "9000");
	th_xfer(card, A_READ("0A"), ICCID_EF "9000");
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_UPDATE(NEW_UMPC), "9000");
	assert_int_equal(veuicc_card_activate_profile(card, b), VEUICC_OK);
	ap_power(card);
	th_xfer(card, "01A404000A" FILE_AID, "9000");
	th_xfer(card, A_READ("05"), "6986"); /* a new view: no current EF */
	th_xfer(card, A_SEL_ICCID, "9000");
	char iccid_b[64];
	const char *r = ap_rsp(card, A_READ("0A"));
	assert_true(strlen(r) < sizeof(iccid_b));
	memcpy(iccid_b, r, strlen(r) + 1);
	assert_string_not_equal(iccid_b, ICCID_EF "9000");
	th_xfer(card, "00A4080C022FE2", "9000");
	assert_string_equal(ap_rsp(card, "00B000000A"), iccid_b); /* profile B's own */
	terminal_read(card, "2F08", "05", UMPC_EF);               /* B's EF.UMPC: untouched */
	veuicc_card_free(card);

	/* an applet of profile A (its ISD-P as SD) */
	card = ap_card(dir());
	b = install_der(card, V5);
	install_files(card, ISDP10, AD_MF(FULL));
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_UPDATE(NEW_UMPC), "9000");
	assert_int_equal(veuicc_card_activate_profile(card, b), VEUICC_OK);
	ap_power(card);
	th_xfer(card, "01A404000A" FILE_AID, "6A82");
	terminal_read(card, "2F08", "05", UMPC_EF);
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	ap_power(card);
	th_xfer(card, "01A404000A" FILE_AID, "9000");
	th_xfer(card, A_SEL_UMPC, "9000");
	th_xfer(card, A_READ("05"), NEW_UMPC "9000");
	veuicc_card_free(card);
}

/* The package \p file with a PE-Application of the file plugin whose
 * instance has uiccAccessApplicationSpecificParametersField \p access. */
static uint8_t *package(const char *file, const char *access, size_t *len)
{
	char pe[1024];
	snprintf(pe, sizeof(pe),
	         "{\"application\": {\"app-Header\": {\"mandated\": null, \"identification\": 90}, "
	         "\"loadBlock\": {\"loadPackageAID\": \"" FILE_PKG "\", \"loadBlockObject\": "
	         "\"C4020102\"}, \"instanceList\": [{\"applicationLoadPackageAID\": \"" FILE_PKG
	         "\", \"classAID\": \"" FILE_MOD "\", \"instanceAID\": \"" FILE_AID
	         "\", \"applicationPrivileges\": \"000000\", "
	         "\"applicationSpecificParametersC9\": \"\", \"applicationParameters\": "
	         "{\"uiccAccessApplicationSpecificParametersField\": \"%s\"}}]}}",
	         access);
	return test_saip_package_with_pe(file, pe, len);
}

/* SAIP PE-Application: uiccAccessApplicationSpecificParametersField gives
 * the instance its access domains (as EA / 81). */
static void test_saip_access(void **state)
{
	(void)state;
	const char *access[] = {"00010000", "0001FF00"};
	const char *want[] = {ICCID_EF "9000", "6982"};
	for (int i = 0; i < 2; i++) {
		veuicc_config cfg;
		veuicc_config_init(&cfg);
		cfg.test_mode = 1;
		cfg.applet_dir = dir();
		veuicc_card *card;
		assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
		size_t len, idx;
		char msg[256];
		uint8_t *der = package(V7, access[i], &len);
		int rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
		free(der);
		if (rc)
			fail_msg("install: %d %s", rc, msg);
		assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
		ap_power(card);
		th_xfer(card, "01A404000A" FILE_AID, "9000");
		th_xfer(card, A_SEL_ICCID, "9000");
		th_xfer(card, A_READ("0A"), want[i]);
		veuicc_card_free(card);
	}
}

/* Malformed UICC access parameters (AP17 layout): INSTALL refuses them with
 * 6A80 and no instance is there to select. */
static void test_bad_access_params(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",                      /* no entry */
	    "03A00000 0100 00",      /* an AID of 3 bytes */
	    "07A000",                /* the AID runs past the end */
	    "00",                    /* no access domain */
	    "00 00 00",              /* an access domain of 0 bytes */
	    "00 06 020102030405 00", /* 5 bytes of key references */
	    "00 0100",               /* no DAP length */
	    "00 0100 05 01",         /* the DAP runs past the end */
	    "00 0100 00 00 0100 00", /* the MF twice */
	    AD_USIM(FULL) AD_USIM(FULL) AD_USIM(FULL) AD_USIM(FULL) AD_USIM(FULL), /* 5 ADFs */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		veuicc_card *card = ap_card(dir());
		install_files_sw(card, NULL, bad[i], "6A80");
		th_xfer(card, "0070000001", "019000");
		th_xfer(card, "01A404000A" FILE_AID, "6A82");
		veuicc_card_free(card);
	}
	/* four ADF entries and the MF are fine */
	veuicc_card *card = ap_card(dir());
	install_files(card, NULL,
	              AD_MF(FULL) AD_USIM(FULL) AD_USIM(FULL) AD_USIM(FULL) AD_USIM(FULL));
	th_xfer(card, A_SEL_UMPC, "9000");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_access_params), cmocka_unit_test(test_full_access),
	    cmocka_unit_test(test_no_access),         cmocka_unit_test(test_arr_domain),
	    cmocka_unit_test(test_write_rolls_back),  cmocka_unit_test(test_profile_switch),
	    cmocka_unit_test(test_saip_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
