/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET STATUS P1 20 / 10 and SET STATUS on the ISD-R (GP CS v2.3 §11.4): the ISD-P load
 * file and module of SGP.02 Annex H, LCS LOADED (01), associated with the
 * ISD-R. Expected bytes written out by hand from the GP coding.
 */
#include "apdu/card_helpers.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ELF      PFX "00000D00"
#define EM       PFX "00000E00"
#define SEL_ISDR "00A4040C10" ISDR

static veuicc_card *isdr_card(void)
{
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	return card;
}

static void test_elf(void **state)
{
	(void)state;
	veuicc_card *card = isdr_card();
	/* P1 20, all load files, default tags: 4F, 9F70, CC */
	th_xfer(card, "80F22002024F0000", "E3284F10" ELF "9F700101CC10" ISDR "9000");
	/* P1 10: with the module AID (84) */
	th_xfer(card, "80F21002024F0000", "E33A4F10" ELF "9F700101CC10" ISDR "8410" EM "9000");
	/* tag list, AID prefix */
	th_xfer(card, "80F210020F4F08A0000005591010FF5C039F708400", "E3169F7001018410" EM "9000");
	th_xfer(card, "80F22002084F02A0005C024F0000", "6A80"); /* tag 00 not reported */
	th_xfer(card, "80F22002074F005C039F708400", "6A80");   /* 84 only with P1 10 */
	th_xfer(card, "80F22002064F04A000000000", "6A88");     /* no such load file */
	th_xfer(card, "80F22003024F0000", "6985");             /* nothing to continue */
	th_xfer(card, "80F22000024F0000", "6A86");             /* P2 must ask for TLV */
	th_xfer(card, "80F220020000", "6700");                 /* search criteria missing */
	th_xfer(card, "80F22002025C0000", "6A80");             /* 4F missing */
	veuicc_card_free(card);
}

/* SET STATUS (GP CS v2.3 §11.10): refused on an SGP.02 eUICC (no LOCKED
 * ISD-P, life cycle through ES5 only); the target is still checked. */
static void test_set_status(void **state)
{
	(void)state;
	veuicc_card *card = isdr_card();
	th_xfer(card,
	        "80E60C003F10" ELF "10" EM "10" PFX "0000100003800000"
	        "06C904810281000000",
	        "009000");
	th_xfer(card, "80F0408310" PFX "00001000", "6985");
	th_xfer(card, "80F0408310" PFX "00001100", "6A88");
	th_xfer(card, "80F0800F00", "6985");
	th_xfer(card, "80F0200710" PFX "00001000", "6A86");
	th_xfer(card, "80F0408302A000", "6A80");
	/* the ISD-P is unchanged: still SELECTABLE (07) */
	th_xfer(card, "80F24002164F10" PFX "000010005C029F7000", "E3049F7001079000");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf),
	    cmocka_unit_test(test_set_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
