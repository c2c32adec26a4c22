/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM-SR change on the ISD-R (src/euicc/smsr_change.c, docs/smsr-change.md):
 * refusals with their exact status words and no state change, on a card
 * made from factory/default.json (SCP80 KVN 01, SCP81 KVN 40, SCP03 KVN 30)
 * in test mode (plain ES5). The successful exchange and the cryptography are
 * checked by tests/keyest/smsr_oracle.py against an independent SM-SR.
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
#include "veuicc/veuicc.h"
#include "test_tmp.h"

#define ISDR     "A0000005591010FFFFFFFF8900000100"
#define SEL_ISDR "00A4040C10" ISDR

typedef struct fixture {
	char path[64];
	veuicc_card *card;
} fixture;

static void power_on(veuicc_card *card)
{
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
}

static void reopen(fixture *f)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* plain ES5 APDUs */
	veuicc_card_free(f->card);
	f->card = NULL;
	assert_int_equal(veuicc_card_open(f->path, &cfg, &f->card), VEUICC_OK);
	power_on(f->card);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	test_tmp_template(f->path, sizeof(f->path), "smsr");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	const char *factory = getenv("VEUICC_FACTORY");
	assert_non_null(factory);
	char msg[256];
	assert_int_equal(veuicc_card_create(f->path, factory, msg, sizeof(msg)), VEUICC_OK);
	reopen(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	veuicc_card_free(f->card);
	unlink(f->path);
	free(f);
	return 0;
}

/* The ISD-R key sets as "KVN,KVN,..." (their keys compared separately). */
static void kvns(const veuicc_card *card, char *out)
{
	size_t n = veuicc_card_keyset_count(card);
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		veuicc_keyset k;
		assert_int_equal(veuicc_card_keyset(card, i, &k), VEUICC_OK);
		sprintf(out + strlen(out), "%s%02X", i ? "," : "", k.kvn);
	}
}

static void assert_kvns(const veuicc_card *card, const char *want)
{
	char got[64];
	kvns(card, got);
	assert_string_equal(got, want);
}

/* STORE DATA 80 E2 09 00 3A01 { the minted certificate NAME }, with byte
 * \p flip (from the end, 0: none) inverted. \returns the SW */
static uint16_t send_cert(veuicc_card *card, const char *curve, const char *name, size_t flip)
{
	char rel[64];
	size_t n;
	snprintf(rel, sizeof(rel), "cert/minted/%s/%s.7f21", curve, name);
	uint8_t *cert = th_load("VEUICC_TEST_DATA", rel, &n);
	assert_true(n < 250);
	if (flip)
		cert[n - flip] ^= 0x01;
	uint8_t c[5 + 3 + 255 + 1] = {0x80, 0xE2, 0x09,      0x00, (uint8_t)(n + 3),
	                              0x3A, 0x01, (uint8_t)n};
	memcpy(c + 8, cert, n);
	c[8 + n] = 0x00;
	free(cert);
	return th_sw(card, c, 9 + n);
}

/* 3A01 with certificates the ISD-R must refuse (SGP.02 §3.8: the ECASD
 * verifies CERT.SR.ECDSA with PK.CI.ECDSA; the ISD-R checks the SM-SR role). */
static void test_cert_refused(void **state)
{
	fixture *f = *state;
	veuicc_card *card = f->card;
	assert_int_equal(send_cert(card, "nist", "smdp", 0), 0x6A80);  /* SM-DP role */
	assert_int_equal(send_cert(card, "nist", "eum", 0), 0x6A80);   /* no role */
	assert_int_equal(send_cert(card, "nist", "ci", 0), 0x6A80);    /* the CI itself */
	assert_int_equal(send_cert(card, "brp", "smsr", 0), 0x6A80);   /* other curve */
	assert_int_equal(send_cert(card, "nist", "smsr", 10), 0x6982); /* signature */
	/* a refused certificate leaves no challenge: 3A02 has nothing to use */
	th_xfer(card, "80E28901 03 3A0200 00", "6985");
	/* the good certificate answers 85 10 RC; a 3A02 with a broken layout
	 * uses the challenge up: its correct retry finds none */
	assert_int_equal(send_cert(card, "nist", "smsr", 0), 0x9000);
	th_xfer(card, "80E28901 03 3A0200 00", "6A80");
	th_xfer(card, "80E28901 03 3A0200 00", "6985");
	/* another ISD-R command in between drops the challenge (K5) */
	assert_int_equal(send_cert(card, "nist", "smsr", 0), 0x9000);
	static const uint8_t ff21[] = {0x80, 0xCA, 0xFF, 0x21, 0x00};
	assert_int_equal(th_sw(card, ff21, sizeof(ff21)), 0x9000);
	th_xfer(card, "80E28901 03 3A0200 00", "6985");
	assert_kvns(card, "01,40,30");
}

/* A card without a factory identity has no ISD-R key sets to extend. */
static void test_no_identity(void **state)
{
	(void)state;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	power_on(card);
	assert_int_equal(send_cert(card, "nist", "smsr", 0), 0x6985);
	th_xfer(card, "80E4000005 F203010103 00", "6A88");
	veuicc_card_free(card);
}

/* FinaliseISDRHandover refusals: nothing is deleted. */
static void test_finalise_refused(void **state)
{
	fixture *f = *state;
	veuicc_card *card = f->card;
	veuicc_keyset before[3];
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(veuicc_card_keyset(card, i, &before[i]), VEUICC_OK);
	th_xfer(card, "80E4000004 F2030101 00", "6A80");             /* truncated */
	th_xfer(card, "80E4000006 F20301010300 00", "6A80");         /* trailing byte */
	th_xfer(card, "80E4000005 F202010103 00", "6A80");           /* template length */
	th_xfer(card, "80E4000005 F203010003 00", "6A80");           /* first id 00 */
	th_xfer(card, "80E4000005 F203010302 00", "6A80");           /* first > last */
	th_xfer(card, "80E4000005 F203010201 00", "6A80");           /* part of a set */
	th_xfer(card, "80E4000005 F203010101 00", "6A80");           /* KID left alone */
	th_xfer(card, "80E4000005 F203300102 00", "6A80");           /* DEK of SCP03 left */
	th_xfer(card, "80E400000A F203010103F203010103 00", "6A80"); /* named twice */
	th_xfer(card, "80E4000005 F203020103 00", "6A88");           /* unknown KVN */
	th_xfer(card, "80E400000A F203010103F203050103 00", "6A88"); /* one unknown: none go */
	/* every key set: the ISD-R would be unreachable */
	th_xfer(card, "80E400000F F203010103F203400102F203300103 00", "6985");
	th_xfer(card, "80E4010005 F203010103 00", "6A86"); /* P1 */
	assert_kvns(card, "01,40,30");
	for (size_t i = 0; i < 3; i++) {
		veuicc_keyset k;
		assert_int_equal(veuicc_card_keyset(card, i, &k), VEUICC_OK);
		assert_memory_equal(&k, &before[i], sizeof(k));
	}
}

/* FinaliseISDRHandover as WHTY sends it (digest §3.11, with our SCP81 KVN
 * 40), persisted; the last key set can never go. */
static void test_finalise_persists(void **state)
{
	fixture *f = *state;
	veuicc_keyset scp03;
	assert_int_equal(veuicc_card_keyset(f->card, 2, &scp03), VEUICC_OK);
	th_xfer(f->card, "80E400000A F203010103F203400102 00", "009000");
	assert_kvns(f->card, "30");
	reopen(f);
	assert_kvns(f->card, "30");
	veuicc_keyset k;
	assert_int_equal(veuicc_card_keyset(f->card, 0, &k), VEUICC_OK);
	assert_memory_equal(&k, &scp03, sizeof(k));
	/* GET DATA E0 lists only the SCP03 keys now */
	th_xfer(f->card, "80CA00E000", "E012C00401308810C00402308810C004033088109000");
	th_xfer(f->card, "80E4000005 F203300103 00", "6985"); /* the last one */
	th_xfer(f->card, "80E4000005 F203010103 00", "6A88"); /* gone already */
	assert_kvns(f->card, "30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cert_refused, setup, teardown),
	    cmocka_unit_test(test_no_identity),
	    cmocka_unit_test_setup_teardown(test_finalise_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finalise_persists, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
