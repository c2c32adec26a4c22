/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP03 sessions on the security domains and the access policy
 * (gp/sd_session.c, docs/scp03.md): what needs no host cryptography. The
 * cryptographic side (levels, R-MAC, R-ENC, wrong cryptogram / C-MAC) is
 * checked by the independent host in sd_host.py (ctest scp03_sd_host).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "gp/sd_session.h"
#include "veuicc/veuicc.h"
#include "test_tmp.h"

#define PFX           "A0000005591010FFFFFFFF89"
#define ISDR          PFX "00000100"
#define ELF           PFX "00000D00"
#define EM            PFX "00000E00"
#define ISDP11        PFX "00001100"
#define SEL(a)        "00A4040C10" a
#define CREATE_ISDP11 "80E60C00 3F 10" ELF " 10" EM " 10" ISDP11 " 03 80C000 06 C90481028100 00 00"
#define IU_30         "8050300008 1122334455667788 00"
/* PUT KEY of a new AES-128 key set 30 (keys 11..11, 22..22, 33..33)
 * wrapped under the factory DEK 5051..5F, KCVs of AES-ECB(key, 16 x 01).
 * Cryptograms and KCVs computed with python3-cryptography. */
#define PUTKEY_ISDP                                                                                \
	"80D800814630"                                                                             \
	"881110"                                                                                   \
	"21622EB32CF8B8B4B5D14B6027FB9603"                                                         \
	"03"                                                                                       \
	"098542"                                                                                   \
	"881110"                                                                                   \
	"9371BE212F8C6183C640D738C96354E1"                                                         \
	"03"                                                                                       \
	"C65591"                                                                                   \
	"881110"                                                                                   \
	"6AF1271763FDE461E7EE4452FC999D80"                                                         \
	"03"                                                                                       \
	"5F8AF9"                                                                                   \
	"00"

static char factory[1024];

static int setup(void **state)
{
	(void)state;
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	snprintf(factory, sizeof(factory), "%s", f);
	return 0;
}

static veuicc_card *open_card(const char *path, int test_mode)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	cfg.test_mode = test_mode;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

static void temp_path(char *path)
{
	test_tmp_template(path, 512, "sd");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
}

/* INITIALIZE UPDATE: 9000 and the sequence counter it returns (Amd D
 * §7.1.1.3: KDD(10) KVN 03 i(70) challenge(8) cryptogram(8) counter(3)). */
static uint32_t iu_counter(veuicc_card *card, const char *iu, uint8_t kvn)
{
	uint8_t c[64], r[64];
	size_t cl = th_unhex(iu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(rl, 34);
	assert_int_equal(r[32] << 8 | r[33], 0x9000);
	assert_int_equal(r[10], kvn);
	assert_int_equal(r[11], 0x03);
	assert_int_equal(r[12], 0x70);
	/* KDD: the last 10 bytes of the EID of factory/default.json (S3-1) */
	static const uint8_t kdd[10] = {0x51, 0x23, 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};
	assert_memory_equal(r, kdd, 10);
	return (uint32_t)r[29] << 16 | (uint32_t)r[30] << 8 | r[31];
}

/* Without test mode the keyed ISD-R refuses plain ES5 functions; GET DATA
 * 00E0 stays open; INITIALIZE UPDATE works; an unknown KVN is 6A88. */
static void test_policy_isdr(void **state)
{
	(void)state;
	char path[512];
	temp_path(path);
	veuicc_card *card = open_card(path, 0);
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, "80F28002024F0000", "6982");
	th_xfer(card, CREATE_ISDP11, "6982");
	th_xfer(card, "80E2880015 3A0312 4F10" PFX "00001000", "6982");
	th_xfer(card, "80CAFF2100", "6982");
	assert_int_equal(veuicc_card_isdp_count(card), 1); /* the factory profile's only */
	uint8_t r[300];
	size_t rl = 0;
	uint8_t gd[] = {0x80, 0xCA, 0x00, 0xE0, 0x00};
	assert_int_equal(veuicc_transmit(card, gd, sizeof(gd), r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(r[0], 0xE0);
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	/* SM without a session, unknown KVN, a KVN that is no SCP03 set */
	th_xfer(card, "84F280020A4F00 0102030405060708 00", "6982");
	th_xfer(card, "80503F0008 1122334455667788 00", "6A88");
	th_xfer(card, "8050010008 1122334455667788 00", "6A88");
	/* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE */
	th_xfer(card, "8482330010 00000000000000000000000000000000", "6985");
	veuicc_card_free(card);
	test_rm_card_file(path);

	/* test mode re-opens the plain path */
	temp_path(path);
	card = open_card(path, 1);
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, CREATE_ISDP11, "009000");
	assert_int_equal(veuicc_card_isdp_count(card), 2);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* The sequence counter goes up by one per INITIALIZE UPDATE and survives
 * veuicc_card_open(); a session ends with a (re)selection, a channel close
 * and a reset (EXTERNAL AUTHENTICATE then finds no INITIALIZE UPDATE). */
static void test_counter_and_session_end(void **state)
{
	(void)state;
	char path[512];
	temp_path(path);
	veuicc_card *card = open_card(path, 0);
	th_xfer(card, SEL(ISDR), "9000");
	assert_int_equal(iu_counter(card, IU_30, 0x30), 1);
	assert_int_equal(iu_counter(card, "8050000008 1122334455667788 00", 0x30), 2);
	/* reselection ends the session */
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, "8482330010 00000000000000000000000000000000", "6985");
	/* on a logical channel; closing it ends its session */
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A4040C10" ISDR, "9000");
	assert_int_equal(iu_counter(card, "8150300008 1122334455667788 00", 0x30), 3);
	th_xfer(card, "0070800100", "9000");
	th_xfer(card, "0070000101", "9000");
	th_xfer(card, "01A4040C10" ISDR, "9000");
	th_xfer(card, "8582330010 00000000000000000000000000000000", "6985");
	/* a reset */
	assert_int_equal(iu_counter(card, IU_30, 0x30), 4);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, "8482330010 00000000000000000000000000000000", "6985");
	veuicc_card_free(card);
	card = open_card(path, 0);
	th_xfer(card, SEL(ISDR), "9000");
	assert_int_equal(iu_counter(card, IU_30, 0x30), 5);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* An ISD-P: protected because the ISD-R has keys; takes its first key set
 * by a plain PUT KEY (DEK of the ISD-R), then refuses plain commands; its
 * key set, counter and connectivity parameters (DGI 3A07, test mode) are
 * kept in the card file; DeleteProfile forgets them. */
static void test_isdp_keys_persist(void **state)
{
	(void)state;
	char path[512];
	temp_path(path);
	veuicc_card *card = open_card(path, 1);
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, CREATE_ISDP11, "009000");
	veuicc_card_free(card);

	card = open_card(path, 0);
	th_xfer(card, SEL(ISDP11), "9000");
	th_xfer(card, "80E2900003 A08100", "6982");
	th_xfer(card, "80E2880006 3A0703 A00100", "6982");
	th_xfer(card, "80503000 08 1122334455667788 00", "6A88"); /* no key set yet */
	th_xfer(card, PUTKEY_ISDP, "30 098542 C65591 5F8AF9 9000");
	th_xfer(card, PUTKEY_ISDP, "6982"); /* keys set: plain PUT KEY refused */
	assert_int_equal(iu_counter(card, IU_30, 0x30), 1);
	veuicc_card_free(card);

	card = open_card(path, 1);
	th_xfer(card, SEL(ISDP11), "9000");
	assert_int_equal(iu_counter(card, IU_30, 0x30), 2);
	/* UpdateConnectivityParameters: plain in test mode */
	th_xfer(card, SEL(ISDP11), "9000");
	th_xfer(card, "80E288000D 3A070A A008060691330600 0000", "9000");
	th_xfer(card, "80E288000D 3A070A A009060691330600 0000", "6A80"); /* BER coding */
	/* a first block of a longer one, then the same block number again */
	th_xfer(card, "80E208000D 3A070A A008060691330600 0000", "9000");
	th_xfer(card, "80E288000D 3A070A A008060691330600 0000", "6A86");
	veuicc_card_free(card);

	card = open_card(path, 1);
	uint8_t conn[32];
	static const uint8_t want[] = {0xA0, 0x08, 0x06, 0x06, 0x91, 0x33, 0x06, 0x00, 0x00, 0x00};
	uint8_t aid[16];
	th_unhex(ISDP11, aid, sizeof(aid));
	size_t cl = 0;
	assert_int_equal(veuicc_card_connectivity_params(card, aid, 16, conn, sizeof(conn), &cl),
	                 VEUICC_OK);
	assert_int_equal(cl, sizeof(want));
	assert_memory_equal(conn, want, sizeof(want));
	th_xfer(card, SEL(ISDR), "9000");
	th_xfer(card, "80E4000012 4F10" ISDP11 " 00", "009000"); /* DeleteProfile */
	assert_int_equal(veuicc_card_connectivity_params(card, aid, 16, conn, sizeof(conn), &cl),
	                 VEUICC_ERR_NOT_FOUND);
	th_xfer(card, CREATE_ISDP11, "009000");
	th_xfer(card, SEL(ISDP11), "9000");
	th_xfer(card, "80503000 08 1122334455667788 00", "6A88"); /* the old keys are gone */
	veuicc_card_free(card);
	test_rm_card_file(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_isdr),
	    cmocka_unit_test(test_counter_and_session_end),
	    cmocka_unit_test(test_isdp_keys_persist),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
