/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in ARA-M (GP Secure Element Access Control v1.1; docs/applets.md)
 * as an Android-style client and an administrator use it: GET DATA [All] /
 * [Next] / [Refresh tag], STORE DATA Command-Store-REF-AR-DO, Command-Delete
 * (by AID-REF-DO, all), a conflicting rule refused; the rules survive the
 * card file being closed and opened again; every refusal with its status
 * word, Android package (CA) and carrier privilege (DB) rules. Rules are
 * written out byte by byte from SEAC tables 5-2, 5-4, 6-3..6-9.
 */
#include <unistd.h>

#include "applet_helpers.h"

#define SEL_ARAM "01A4040009" ARAM_AID
#define HASH1    "0102030405060708090A0B0C0D0E0F1011121314"
/* REF-AR-DO: REF-DO { AID-REF A000000001, DeviceAppID hash }, AR-DO { APDU always } */
#define RULE1 "E224 E11D 4F05A000000001 C114" HASH1 " E303 D00101"
/* REF-AR-DO: REF-DO { all applications, empty hash }, AR-DO { NFC always } */
#define RULE2  "E20B E104 C000 C100 E303 D10101"
#define TAG(n) "DF2008 00000000000000" n " 9000"

/* ap_file_card with channel 1 open */
static veuicc_card *aram_card(const char *path)
{
	veuicc_card *card = ap_file_card(path, NULL);
	th_xfer(card, "0070000001", "019000");
	return card;
}

static void test_rule_round_trip(void **state)
{
	(void)state;
	char path[128];
	ap_card_file(path, sizeof(path), "aram");
	veuicc_card *card = aram_card(path);
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81CAFF4000", "FF4000 9000");
	th_xfer(card, "81CADF2000", TAG("01"));
	/* Command-Store-REF-AR-DO */
	th_xfer(card, "81E29000 28 F026" RULE1, "9000");
	th_xfer(card, "81CAFF4000", "FF4026" RULE1 "9000");
	th_xfer(card, "81CADF2000", TAG("02"));
	/* the same REF-DO again: conflicting rule (6A89), nothing changes */
	th_xfer(card, "81E29000 28 F026" RULE1, "6A89");
	th_xfer(card, "81CADF2000", TAG("02"));
	th_xfer(card, "81E29000 0F F00D" RULE2, "9000");
	th_xfer(card, "81CAFF4000", "FF4033" RULE1 RULE2 "9000");
	th_xfer(card, "81CADF2000", TAG("03"));
	/* malformed: REF-AR-DO without AR-DO; wrong P1; unknown command DO */
	th_xfer(card, "81E29000 08 F006 E204 E102 C000", "6A80");
	th_xfer(card, "81E28000 0F F00D" RULE2, "6A86");
	th_xfer(card, "81E29000 02 F900", "6981");
	th_xfer(card, "81CA000100", "6A88");
	/* Command-Delete by AID-REF-DO */
	th_xfer(card, "81E29000 09 F107 4F05A000000001", "9000");
	th_xfer(card, "81E29000 09 F107 4F05A000000001", "6A88");
	th_xfer(card, "81CAFF4000", "FF400D" RULE2 "9000");
	th_xfer(card, "81CADF2000", TAG("04"));
	veuicc_card_free(card);

	/* the card file kept the rules and the refresh tag */
	card = aram_card(path);
	th_xfer(card, SEL_ARAM, "9000");
	th_xfer(card, "81CAFF4000", "FF400D" RULE2 "9000");
	th_xfer(card, "81CADF2000", TAG("04"));
	/* Command-Delete without criterion: every rule */
	th_xfer(card, "81E29000 02 F100", "9000");
	th_xfer(card, "81CAFF4000", "FF4000 9000");
	/* Command-UpdateRefreshTag */
	th_xfer(card, "81E29000 02 F200", "9000");
	th_xfer(card, "81CADF2000", TAG("06"));
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* A card with the ARA-M installed and selected on channel 1. */
static veuicc_card *aram_selected(void)
{
	veuicc_card *card = ap_card(NULL);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, INSTALL_LOAD(ARAM_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card, INSTALL_ARAM("0C", "23", "0100"), OK0);
	th_xfer(card, SEL_ARAM, "9000");
	return card;
}

/* More rules than one response: GET DATA [All] gives the first 255 bytes,
 * GET DATA [Next] the rest (SEAC §4.1.2). */
static void test_get_all_in_parts(void **state)
{
	(void)state;
	veuicc_card *card = aram_selected();
	char all[2048] = "FF40820130";
	for (int i = 1; i <= 8; i++) {
		char rule[128], cmd[160];
		snprintf(rule, sizeof(rule), "E224E11D4F05A0000000%02XC114" HASH1 "E303D00101", i);
		snprintf(cmd, sizeof(cmd), "81E29000 28 F026%s", rule);
		th_xfer(card, cmd, "9000");
		strcat(all, rule);
	}
	/* 8 x 38 = 304 = 0x130 bytes of rules */
	char got[2048] = "";
	const char *r = ap_rsp(card, "81CAFF4000");
	assert_int_equal(strlen(r), 2 * 255 + 4);
	assert_string_equal(r + 2 * 255, "9000");
	memcpy(got, r, 2 * 255);
	r = ap_rsp(card, "81CAFF6000");
	size_t n = strlen(r);
	assert_true(n >= 4 && 2 * 255 + n - 4 < sizeof(got));
	assert_string_equal(r + n - 4, "9000");
	memcpy(got + 2 * 255, r, n - 4);
	got[2 * 255 + n - 4] = '\0';
	assert_string_equal(got, all);
	th_xfer(card, "81CAFF6000", "6985"); /* nothing more */
	veuicc_card_free(card);
}

/* What the ARA-M refuses, with the status words of GP SEAC v1.1 and GP CS,
 * and the rule forms it also takes: an Android package name (CA) in the
 * REF-DO with carrier privileges (DB) in the AR-DO, deletion by REF-DO and
 * by AID-REF-DO. A refused command leaves rules and refresh tag as they were. */
static void test_refusals(void **state)
{
	(void)state;
	veuicc_card *card = aram_selected();
	th_xfer(card, "81E29000 28 F026" RULE1, "9000");
	th_xfer(card, "81CADF2000", TAG("02"));
	/* GP commands use the proprietary class (b8 set) */
	th_xfer(card, "01CAFF4000", "6E00");
	th_xfer(card, "81B0000000", "6D00");
	/* GET DATA: a case 2 command; an unknown tag; [Next] without [All] */
	th_xfer(card, "81CAFF40 01 00 00", "6700");
	th_xfer(card, "81CA00AA00", "6A88");
	th_xfer(card, "81CAFF6000", "6985");
	/* STORE DATA: one last block (P1 90, P2 00), one command DO, known DOs */
	th_xfer(card, "81E28000 02 F200", "6A86");
	th_xfer(card, "81E29001 02 F200", "6A86");
	th_xfer(card, "81E2900000", "6700");
	th_xfer(card, "81E29000 03 F20000", "6A80");    /* a byte after the DO */
	th_xfer(card, "81E29000 02 F400", "6981");      /* no such command */
	th_xfer(card, "81E29000 02 F000", "6A80");      /* Store without a rule */
	th_xfer(card, "81E29000 04 F002 E200", "6A80"); /* REF-AR-DO without REF/AR */
	th_xfer(card, "81E29000 0F F00D E20B E104C100CA00 E303D10101", "6A80");   /* empty CA */
	th_xfer(card, "81E29000 0F F00D E20B E104C100C100 E303D10101", "6A80");   /* two hashes */
	th_xfer(card, "81E29000 10 F00E E20C E105C100D10101 E303D10101", "6A80"); /* D1 in REF */
	th_xfer(card, "81E29000 0F F00D E20B E104C100C000 E303D10102", "6A80");   /* NFC 02 */
	th_xfer(card, "81E29000 04 F102 D000", "6A80");           /* Delete by an AR */
	th_xfer(card, "81E29000 06 F104 C000 C000", "6A80");      /* two criteria */
	th_xfer(card, "81E29000 09 F107 4F05A000000099", "6A88"); /* no rule for that AID */
	th_xfer(card, "81CAFF4000", "FF4026" RULE1 "9000");
	th_xfer(card, "81CADF2000", TAG("02")); /* refusals did not touch the tag */
	/* a rule for an Android package with carrier privileges (DB, 8 bytes) */
#define RULE_PKG "E215 E107C100CA03616263 E30A DB080000000000000001"
	th_xfer(card, "81E29000 19 F017" RULE_PKG, "9000");
	th_xfer(card, "81CAFF4000", "FF403D" RULE1 RULE_PKG "9000");
	/* Delete by its REF-DO, then by AID-REF-DO */
	th_xfer(card, "81E29000 0B F109 E107C100CA03616263", "9000");
	th_xfer(card, "81CAFF4000", "FF4026" RULE1 "9000");
	th_xfer(card, "81E29000 09 F107 4F05A000000001", "9000");
	th_xfer(card, "81CAFF4000", "FF4000 9000");
	th_xfer(card, "81CADF2000", TAG("05"));
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_round_trip),
	    cmocka_unit_test(test_get_all_in_parts),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
