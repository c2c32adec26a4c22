/* SPDX-License-Identifier: Apache-2.0 */
/* Profiles on a card through the public API: install (all or nothing),
 * activate, the terminal's view of the active profile, persistence. */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "test_tmp.h"

#define V7   "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define V7B  "TS48_V7.0_eSIM_GTP_SAIP2.3_NoBERTLV_NoRAMRFM.der"
#define USIM "A0000000871002"
#define ISDR "A0000005591010FFFFFFFF8900000100"

static void test_install_activate(void **state)
{
	(void)state;
	size_t len, idx = 99;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = th_new_card_t1();
	/* no profile: nothing to select */
	th_xfer(card, "00A40004023F00", "6A82");
	char msg[256];
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg)),
	                 VEUICC_OK);
	assert_int_equal(idx, 0);
	assert_int_equal(veuicc_card_profile_count(card), 1);
	veuicc_profile_info info;
	assert_int_equal(veuicc_card_profile_info(card, 0, &info), VEUICC_OK);
	assert_string_equal(info.iccid, "89000123456789012341");
	assert_int_equal(info.active, 0);
	assert_true(info.files > 50);
	/* installed but not active: the terminal still sees nothing */
	th_xfer(card, "00A40004023F00", "6A82");
	/* the same ICCID twice is refused */
	assert_int_equal(veuicc_card_install_profile(card, der, len, NULL, msg, sizeof(msg)),
	                 VEUICC_ERR_STATE);
	assert_int_equal(veuicc_card_activate_profile(card, 1), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	assert_int_equal(veuicc_card_profile_info(card, 0, &info), VEUICC_OK);
	assert_int_equal(info.active, 1);
	/* EF.ICCID (TS 102 221 §13.2): BCD, nibbles swapped */
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "98001032547698103214 9000");
	/* the USIM by partial AID, then EF.IMSI needs PIN1 (TS.48: 0000, ARR) */
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "00A4000C026F07", "9000");
	th_xfer(card, "00B0000009", "6982");
	/* a wrong PIN costs a try (TS 102 221 §11.1.9: 63Cx) */
	th_xfer(card, "0020000108 31323334FFFFFFFF", "63C2");
	th_xfer(card, "0020000108 30303030FFFFFFFF", "9000");
	th_xfer(card, "00B0000009", "080910101032547698 9000");
	/* the eUICC domains stay reachable while the profile runs */
	th_xfer(card, "00A4040C10" ISDR, "9000");
	th_xfer(card, "00A4000C022FE2", "9000");
	/* a reset forgets the verified PIN */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "00A4000C026F07", "9000");
	th_xfer(card, "00B0000009", "6982");
	veuicc_card_free(card);
	free(der);
}

static void test_two_profiles(void **state)
{
	(void)state;
	size_t la, lb, ia, ib;
	uint8_t *a = th_load("VEUICC_PROFILES", V7, &la);
	uint8_t *b =
	    th_load("VEUICC_TEST_DATA", "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der", &lb);
	veuicc_card *card = th_new_card_t1();
	assert_int_equal(veuicc_card_install_profile(card, a, la, &ia, NULL, 0), VEUICC_OK);
	assert_int_equal(veuicc_card_install_profile(card, b, lb, &ib, NULL, 0), VEUICC_OK);
	assert_int_equal(ib, 1);
	veuicc_profile_info info;
	assert_int_equal(veuicc_card_profile_info(card, ib, &info), VEUICC_OK);
	assert_string_equal(info.iccid, "8949449999999990163");
	assert_int_equal(veuicc_card_activate_profile(card, ia), VEUICC_OK);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A4000C022FE2", "9000");
	th_xfer(card, "01B000000A", "98001032547698103214 9000");
	/* switching closes the logical channels, as a UICC reset would */
	assert_int_equal(veuicc_card_activate_profile(card, ib), VEUICC_OK);
	th_xfer(card, "01B000000A", "6881");
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "989444999999990961F3 9000");
	assert_int_equal(veuicc_card_profile_info(card, ia, &info), VEUICC_OK);
	assert_int_equal(info.active, 0);
	veuicc_card_free(card);
	free(a);
	free(b);
}

/* A package that fails leaves the card as it was. */
static void test_all_or_nothing(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = th_new_card_t1();
	char msg[256] = "";
	for (size_t cut = 0; cut < len; cut += 997) {
		assert_int_not_equal(
		    veuicc_card_install_profile(card, der, cut, NULL, msg, sizeof(msg)), VEUICC_OK);
		assert_int_equal(veuicc_card_profile_count(card), 0);
	}
	assert_true(strlen(msg) > 0);
	/* a corrupted byte inside a PE */
	uint8_t *bad = malloc(len);
	memcpy(bad, der, len);
	bad[300] ^= 0xFF;
	int rc = veuicc_card_install_profile(card, bad, len, NULL, msg, sizeof(msg));
	if (rc == VEUICC_OK)
		assert_int_equal(veuicc_card_profile_count(card), 1);
	else
		assert_int_equal(veuicc_card_profile_count(card), 0);
	free(bad);
	veuicc_card_free(card);
	free(der);
}

static void test_config_profile_and_file(void **state)
{
	(void)state;
	size_t len, lb;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	uint8_t *b =
	    th_load("VEUICC_TEST_DATA", "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der", &lb);
	char path[512];
	test_tmp_template(path, sizeof(path), "test-card");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.eid = "89001012012341234012345678901224";
	cfg.profile = der;
	cfg.profile_len = len;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_profile_count(card), 1);
	assert_int_equal(veuicc_card_install_profile(card, b, lb, NULL, NULL, 0), VEUICC_OK);
	assert_int_equal(veuicc_card_activate_profile(card, 1), VEUICC_OK);
	veuicc_card_free(card);
	/* the file remembers the EID, both profiles and the active one */
	assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	char eid[33];
	veuicc_get_eid(card, eid);
	assert_string_equal(eid, "89001012012341234012345678901224");
	assert_int_equal(veuicc_card_profile_count(card), 2);
	veuicc_profile_info info;
	assert_int_equal(veuicc_card_profile_info(card, 1, &info), VEUICC_OK);
	assert_int_equal(info.active, 1);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "989444999999990961F3 9000");
	veuicc_card_free(card);
	/* another EID than the file's is refused */
	cfg.eid = "89049032123451234512345678901235";
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_ERR_STATE);
	/* not a card file */
	FILE *f = fopen(path, "wb");
	fputs("this is not a card", f);
	fclose(f);
	assert_int_not_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	test_rm_card_file(path);
	free(der);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_install_activate),
	    cmocka_unit_test(test_two_profiles),
	    cmocka_unit_test(test_all_or_nothing),
	    cmocka_unit_test(test_config_profile_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
