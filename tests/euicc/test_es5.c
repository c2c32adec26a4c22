/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ISD-R's ES5 functions and the ISD-P on plain APDUs (SGP.02 §4.1.1 via
 * the digest §3; docs/euicc.md): CreateISDP, profile download in STORE DATA,
 * Enable/Disable/SetFallBackAttribute/DeleteProfile, the capability audit,
 * and every rejected case with its status word.
 */
#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "saip/saip.h"

#define V7       "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define FB       "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ECASD    PFX "00000200"
#define ELF      PFX "00000D00"
#define EM       PFX "00000E00"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define ISDP12   PFX "00001200"
#define PARAMS   "C90481028100"
#define SEL_ISDR "00A4040C10" ISDR

/* A card whose first profile (installed through the API, so with an
 * implicit ISD-P ...00001000 holding the Fall-Back Attribute) is enabled. */
static veuicc_card *card_with_fallback(void)
{
	veuicc_card *card = th_new_card_t1();
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA", FB, &len);
	char msg[200];
	int rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
	if (rc)
		fail_msg("fall-back profile: %s", msg);
	free(der);
	assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
	return card;
}

/* INSTALL [for install and make selectable] with this ELF, EM, AID, params. */
static void create(veuicc_card *card, const char *elf, const char *em, const char *aid,
                   const char *params, const char *expect)
{
	char apdu[512];
	size_t lc = 1 + strlen(elf) / 2 + 1 + strlen(em) / 2 + 1 + strlen(aid) / 2 + 1 + 3 + 1 +
	            strlen(params) / 2 + 1;
	snprintf(apdu, sizeof(apdu),
	         "80E60C00 %02zX %02zX%s %02zX%s %02zX%s 0380C000 %02zX%s 00 00", lc,
	         strlen(elf) / 2, elf, strlen(em) / 2, em, strlen(aid) / 2, aid, strlen(params) / 2,
	         params);
	th_xfer(card, apdu, expect);
}

static void es5(veuicc_card *card, const char *dgi, const char *aid, const char *expect)
{
	char apdu[256];
	snprintf(apdu, sizeof(apdu), "80E28800 %02zX %s %02zX 4F%02zX%s", 5 + strlen(aid) / 2, dgi,
	         2 + strlen(aid) / 2, strlen(aid) / 2, aid);
	th_xfer(card, apdu, expect);
}

static void status_of(veuicc_card *card, const char *aid, const char *expect)
{
	char apdu[256];
	snprintf(apdu, sizeof(apdu), "80F24002 %02zX 4F%02zX%s 5C03 4F9F70 00",
	         2 + strlen(aid) / 2 + 5, strlen(aid) / 2, aid);
	th_xfer(card, apdu, expect);
}

/* Send a package to the selected ISD-P in STORE DATA blocks of <= 255
 * bytes (P1 10 BER-TLV, 90 on the last block), check the last answer. */
static void download(veuicc_card *card, const uint8_t *der, size_t len, const char *expect)
{
	static char apdu[2 * 300];
	size_t off = 0;
	unsigned block = 0;
	while (off < len) {
		size_t n = len - off > 255 ? 255 : len - off;
		int last = off + n == len;
		int k = snprintf(apdu, sizeof(apdu), "80E2%02X%02X%02zX", last ? 0x90 : 0x10,
		                 block & 0xFF, n);
		th_hex(der + off, n, apdu + k);
		if (last)
			strcat(apdu, "00");
		th_xfer(card, apdu, last ? expect : "9000");
		off += n;
		block++;
	}
}

static void test_initial_registry(void **state)
{
	(void)state;
	veuicc_card *card = th_new_card_t1();
	th_xfer(card, SEL_ISDR, "9000");
	/* GET STATUS of the ISD (P1 80): the ISD-R, default tags 4F 9F70 C5 */
	th_xfer(card, "80F28002024F0000", "E31B 4F10" ISDR " 9F70010F C50380C000 9000");
	/* applications and SDs (P1 40): the ECASD, no ISD-P yet */
	th_xfer(card, "80F24002024F0000", "E31B 4F10" ECASD " 9F70010F C503800000 9000");
	/* associated SD and the attribute tag (ISD-Ps only) */
	th_xfer(card, "80F24002 07 4F00 5C03CC4F53 00", "E324 CC10" ISDR " 4F10" ECASD " 9000");
	/* Extended Card Resources: 2 entries, 2 MiB NVM, 256 KiB VM free */
	th_xfer(card, "80CAFF2100", "FF210F 810102 820400200000 830400040000 9000");
	th_xfer(card, "80CA005A00", "6A88");
	th_xfer(card, "80CAFF2101AA00", "6700");
	/* GP commands need a GP class; unknown instructions 6D00 */
	th_xfer(card, "00F24002024F0000", "6E00");
	th_xfer(card, "80AA000000", "6D00");
	veuicc_card_free(card);
}

static void test_create_isdp(void **state)
{
	(void)state;
	veuicc_card *card = th_new_card_t1();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS "EF0683040000A000", "00 9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F700107 9000");
	/* quota counted against free NVM: 2 MiB - 40 KiB */
	th_xfer(card, "80CAFF2100", "FF210F 810103 8204001F6000 830400040000 9000");
	/* the same AID again, ISD-R's AID, AIDs outside the ISD-P form: 6A80 */
	create(card, ELF, EM, ISDP11, PARAMS, "6A80");
	create(card, ELF, EM, ISDR, PARAMS, "6A80");
	create(card, ELF, EM, PFX "00000F00", PARAMS, "6A80");
	create(card, ELF, EM, PFX "00001001", PARAMS, "6A80");
	create(card, ELF, EM, "A000000559101001", PARAMS, "6A80");
	/* unknown load file or module: 6A88 */
	create(card, PFX "00000C00", EM, ISDP12, PARAMS, "6A88");
	create(card, ELF, ELF, ISDP12, PARAMS, "6A88");
	/* install parameters without C9, with an unknown tag, bad quota: 6A80 */
	create(card, ELF, EM, ISDP12, "EF0683040000A000", "6A80");
	create(card, ELF, EM, ISDP12, PARAMS "8101AA", "6A80");
	create(card, ELF, EM, ISDP12, PARAMS "EF0783050000000001", "6A80");
	create(card, ELF, EM, ISDP12, "C905810281", "6A80");
	/* a quota the card cannot reserve: 6A84 */
	create(card, ELF, EM, ISDP12, PARAMS "EF068304FFFFFFFF", "6A84");
	/* privileges without Security Domain, an install token, a stray byte */
	th_xfer(card, "80E60C00 3F 10" ELF " 10" EM " 10" ISDP12 " 03 00C000 06" PARAMS " 00 00",
	        "6A80");
	th_xfer(card, "80E60C00 40 10" ELF " 10" EM " 10" ISDP12 " 03 80C000 06" PARAMS " 01AA 00",
	        "6A80");
	th_xfer(card, "80E60C00 40 10" ELF " 10" EM " 10" ISDP12 " 03 80C000 06" PARAMS " 00AA 00",
	        "6A80");
	/* the length of a field runs past the data */
	th_xfer(card, "80E60C00 12 10" ELF " 10", "6A80");
	/* other INSTALL forms, P2, empty data */
	th_xfer(card, "80E60400 3F 10" ELF " 10" EM " 10" ISDP12 " 03 80C000 06" PARAMS " 00 00",
	        "6A86");
	th_xfer(card, "80E60C01 3F 10" ELF " 10" EM " 10" ISDP12 " 03 80C000 06" PARAMS " 00 00",
	        "6A86");
	th_xfer(card, "80E60C0000", "6700");
	/* none of the rejected ones exists */
	status_of(card, ISDP12, "6A88");
	/* the ISD-P is selectable by its AID with its GP FCI; the ISD-R stays
	 * selected on channel 0 */
	th_xfer(card, "0070000001", "01 9000");
	th_xfer(card, "01A4040010" ISDP11 "00", "6F18 8410" ISDP11 " A5049F6501FF 9000");
	/* only STORE DATA, in a GP class */
	th_xfer(card, "81CA00FF00", "6D00");
	th_xfer(card, "01E2900003 300100", "6E00");
	/* the card holds at most 32 ISD-Ps */
	char aid[40];
	for (int i = 0; i < 31; i++) {
		snprintf(aid, sizeof(aid), PFX "0001%02X00", i);
		create(card, ELF, EM, aid, PARAMS, "00 9000");
	}
	create(card, ELF, EM, ISDP12, PARAMS, "6A84");
	veuicc_card_free(card);
}

static void test_isdr_store_data_errors(void **state)
{
	(void)state;
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	/* P1: not DGI, encrypted, RFU bits */
	th_xfer(card, "80E29000 15 3A0312 4F10" ISDP10, "6A86");
	th_xfer(card, "80E2A800 15 3A0312 4F10" ISDP10, "6A86");
	th_xfer(card, "80E28A00 15 3A0312 4F10" ISDP10, "6A86");
	/* no data */
	th_xfer(card, "80E2880000", "6700");
	/* DGI length beyond the data, DGI with trailing bytes, bad 4F */
	th_xfer(card, "80E28800 15 3A0313 4F10" ISDP10, "6A80");
	th_xfer(card, "80E28800 16 3A0312 4F10" ISDP10 " 00", "6A80");
	th_xfer(card, "80E28800 15 3A0312 4F11" ISDP10, "6A80");
	th_xfer(card, "80E28800 15 3A0312 4E10" ISDP10, "6A80");
	th_xfer(card, "80E28800 09 3A0306 4F04 A0000005", "6A80");
	th_xfer(card, "80E28800 02 3A03", "6A80");
	/* DGIs the ISD-R does not support: 6A88 */
	th_xfer(card, "80E28800 15 3A0912 4F10" ISDP10, "6A88");
	/* unknown ISD-P, and the ISD-R / ECASD are no ISD-Ps: 6A88 */
	es5(card, "3A03", ISDP12, "6A88");
	es5(card, "3A04", ISDR, "6A88");
	es5(card, "3A05", ECASD, "6A88");
	/* a first block that is not block 00, blocks out of order: 6A86 */
	th_xfer(card, "80E28801 15 3A0312 4F10" ISDP10, "6A86");
	th_xfer(card, "80E20800 05 3A0312 4F10", "9000");
	th_xfer(card, "80E28802 10" ISDP10, "6A86");
	/* the sequence was abandoned: block 01 alone is out of order too */
	th_xfer(card, "80E28801 10" ISDP10, "6A86");
	/* a DGI split over two blocks is one function (here: already enabled) */
	th_xfer(card, "80E20800 05 3A0312 4F10", "9000");
	th_xfer(card, "80E28801 10" ISDP10, "6985");
	/* another command in between ends the sequence */
	th_xfer(card, "80E20800 05 3A0312 4F10", "9000");
	th_xfer(card, "80F28002024F0000", "E31B 4F10" ISDR " 9F70010F C50380C000 9000");
	th_xfer(card, "80E28801 10" ISDP10, "6A86");
	/* the state is unchanged by all of this */
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	veuicc_card_free(card);
}

static void test_full_flow(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = card_with_fallback();
	/* the API's profile got ISD-P ...1000: ENABLED, Fall-Back */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80F24002 06 4F00 5C024F53 00",
	        "E312 4F10" ECASD " E315 4F10" ISDP10 " 530101 9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	/* CreateISDP, then the package in STORE DATA to the selected ISD-P */
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, der, len, "3003800100 9000");
	/* the installed profile takes no second package */
	th_xfer(card, "80E2900003 300100", "6985");
	/* GET STATUS shows it DISABLED */
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	assert_int_equal(veuicc_card_profile_count(card), 2);
	/* EnableProfile: the terminal now sees the new profile's EF.ICCID */
	es5(card, "3A03", ISDP11, "9000");
	veuicc_profile_info info;
	assert_int_equal(veuicc_card_profile_info(card, 1, &info), VEUICC_OK);
	assert_string_equal(info.iccid, "89000123456789012341");
	assert_int_equal(info.active, 1);
	/* the ISD-R kept its selection on channel 0: a GP command reaches it */
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70011F 9000");
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "98001032547698103214 9000");
	/* enable what is enabled, disable what is disabled, delete the enabled */
	th_xfer(card, SEL_ISDR, "9000");
	es5(card, "3A03", ISDP11, "6985");
	es5(card, "3A04", ISDP10, "6985");
	th_xfer(card, "80E40040 12 4F10" ISDP11 " 00", "6985");
	/* DisableProfile: the Fall-Back profile is enabled again */
	es5(card, "3A04", ISDP11, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "989444999999990961F3 9000");
	/* the Fall-Back profile can be neither disabled nor deleted */
	th_xfer(card, SEL_ISDR, "9000");
	es5(card, "3A04", ISDP10, "6985");
	th_xfer(card, "80E40000 12 4F10" ISDP10 " 00", "6985");
	/* nor can the ISD-R and the ECASD be deleted */
	th_xfer(card, "80E40000 12 4F10" ISDR " 00", "6985");
	th_xfer(card, "80E40000 12 4F10" ECASD " 00", "6985");
	/* DELETE errors: P1, P2, length, coding, unknown AID */
	th_xfer(card, "80E48000 12 4F10" ISDP11 " 00", "6A86");
	th_xfer(card, "80E40001 12 4F10" ISDP11 " 00", "6A86");
	th_xfer(card, "80E4000000", "6700");
	th_xfer(card, "80E40000 12 4F11" ISDP11 " 00", "6A80");
	th_xfer(card, "80E40000 14 4F10" ISDP11 " 9E00 00", "6A80");
	th_xfer(card, "80E40000 12 4F10" ISDP12 " 00", "6A88");
	/* DeleteProfile (P2 40 as SM-SRs send it) */
	th_xfer(card, "80E40040 12 4F10" ISDP11 " 00", "00 9000");
	status_of(card, ISDP11, "6A88");
	th_xfer(card, "00A4040C10" ISDP11, "6A82");
	assert_int_equal(veuicc_card_profile_count(card), 1);
	assert_int_equal(veuicc_card_profile_info(card, 0, &info), VEUICC_OK);
	assert_int_equal(info.active, 1);
	/* the AID can be used again, and the package installs again */
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, der, len, "3003800100 9000");
	/* an ISD-P that holds no profile yet is deleted without condition */
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP12, PARAMS, "00 9000");
	es5(card, "3A03", ISDP12, "6985"); /* nothing to enable */
	th_xfer(card, "80E40080 12 4F10" ISDP12 " 00", "00 9000");
	free(der);
	veuicc_card_free(card);
}

static void test_fallback_attribute(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	/* only an installed profile can carry the attribute */
	es5(card, "3A05", ISDP11, "6985");
	es5(card, "3A05", ISDP12, "6A88");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, der, len, "3003800100 9000");
	th_xfer(card, SEL_ISDR, "9000");
	/* on the holder: nothing changes */
	es5(card, "3A05", ISDP10, "9000");
	/* move it to ...1100 */
	es5(card, "3A05", ISDP11, "9000");
	th_xfer(card, "80F24002 15 4F10" PFX "00001000 5C01 53 00", "E303 530100 9000");
	th_xfer(card, "80F24002 15 4F10" PFX "00001100 5C01 53 00", "E303 530101 9000");
	/* ...1000 (enabled) has lost it: it can be disabled, ...1100 takes over */
	es5(card, "3A04", ISDP10, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	/* ...1000 is deletable now; the enabled Fall-Back profile is not */
	th_xfer(card, "80E40000 12 4F10" ISDP11 " 00", "6985");
	th_xfer(card, "80E40000 12 4F10" ISDP10 " 00", "00 9000");
	/* the only profile left cannot be disabled: it holds the attribute */
	es5(card, "3A04", ISDP11, "6985");
	free(der);
	veuicc_card_free(card);
}

static void test_isdp_download_errors(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	/* P1: DGI format goes to the ISD-P's DGIs (3A07 only: another is 6A88);
	 * encrypted, RFU: 6A86; no data: 6700 */
	th_xfer(card, "80E2880003 300100", "6A88");
	th_xfer(card, "80E2B00003 300100", "6A86");
	th_xfer(card, "80E2920003 300100", "6A86");
	th_xfer(card, "80E2900000", "6700");
	/* blocks out of order: 6A86 and the sequence is gone */
	th_xfer(card, "80E2100003 A08100", "9000");
	th_xfer(card, "80E2100203 A08100", "6A86");
	/* bytes that are no package: nothing installed, SAIP status
	 * invalid-request-format (5); the ISD-P stays SELECTABLE */
	th_xfer(card, "80E2900004 30020101 00", "3003800105 9000");
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F700107 9000");
	assert_int_equal(veuicc_card_profile_count(card), 1);
	/* the package of a profile that is installed (same ICCID): bad-values
	 * (3) for PE 0, the header */
	uint8_t *fb = th_load("VEUICC_TEST_DATA", FB, &len);
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, fb, len, "3006800103810100 9000");
	free(fb);
	/* a truncated package does not decode: invalid-request-format, no PE */
	size_t v7len;
	uint8_t *v7 = th_load("VEUICC_PROFILES", V7, &v7len);
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, v7, v7len - 3, "3003800105 9000");
	/* deselecting ends a sequence */
	th_xfer(card, "80E2100003 A08100", "9000");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	th_xfer(card, "80E2100103 A08100", "6A86");
	/* and the full package still installs afterwards */
	download(card, v7, v7len, "3003800100 9000");
	free(v7);
	free(der);
	veuicc_card_free(card);
}

static void test_get_status(void **state)
{
	(void)state;
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	create(card, ELF, EM, ISDP12, PARAMS, "00 9000");
	/* the ECASD and all ISD-Ps by the common prefix, 4F 9F70 only */
	th_xfer(card, "80F24002 14 4F0D" PFX "00 5C034F9F70 00",
	        "E3164F10" ECASD "9F70010F E3164F10" ISDP10 "9F70013F E3164F10" ISDP11
	        "9F700107 E3164F10" ISDP12 "9F700107 9000");
	/* with Le 20 (one entry fits): 6310, then P2 03 for the next ones */
	th_xfer(card, "80F24002 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ECASD "9F70010F 6310");
	th_xfer(card, "80F24003 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ISDP10 "9F70013F 6310");
	th_xfer(card, "80F24003 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ISDP11 "9F700107 6310");
	th_xfer(card, "80F24003 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ISDP12 "9F700107 9000");
	/* no search in progress any more */
	th_xfer(card, "80F24003 14 4F0D" PFX "00 5C034F9F70 20", "6985");
	/* another command ends the paging */
	th_xfer(card, "80F24002 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ECASD "9F70010F 6310");
	th_xfer(card, "80F28002024F0000", "E31B 4F10" ISDR " 9F70010F C50380C000 9000");
	th_xfer(card, "80F24003 14 4F0D" PFX "00 5C034F9F70 20", "6985");
	/* next occurrence with another scope */
	th_xfer(card, "80F24002 14 4F0D" PFX "00 5C034F9F70 20", "E3164F10" ECASD "9F70010F 6310");
	th_xfer(card, "80F28003 14 4F0D" PFX "00 5C034F9F70 20", "6985");
	/* no match: 6A88 */
	th_xfer(card, "80F24002 0A 4F08 A000000087100200 00", "6A88");
	/* errors: P1, P2 (no TLV format), no 4F, unknown tag asked, bad TLV */
	th_xfer(card, "80F20802 02 4F00 00", "6A86");
	th_xfer(card, "80F24000 02 4F00 00", "6A86");
	th_xfer(card, "80F24006 02 4F00 00", "6A86");
	th_xfer(card, "80F24002 05 5C034F9F70 00", "6A80");
	th_xfer(card, "80F24002 05 4F00 5C0184 00", "6A80");
	th_xfer(card, "80F24002 06 4F00 5C029F 00", "6A80");
	th_xfer(card, "80F24002 03 4F0500 00", "6A80");
	th_xfer(card, "80F24002 04 4F00 8000 00", "6A80");
	th_xfer(card, "80F2400200", "6700");
	veuicc_card_free(card);
}

/* POL1 from the package header (SAIP ProfileHeader.pol, first byte). */
static uint8_t *with_pol(uint8_t pol, size_t *len)
{
	size_t n;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &n);
	veuicc_saip_profile *p;
	veuicc_saip_error err;
	assert_int_equal(veuicc_saip_decode(der, n, &p, &err), VEUICC_OK);
	free(der);
	int done = 0;
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type == VEUICC_SAIP_PE_HEADER) {
			assert_int_equal(
			    veuicc_saip_set_bytes(p, &p->pes[i].u.header->pol, &pol, 1), VEUICC_OK);
			done = 1;
		}
	}
	assert_true(done);
	uint8_t *out;
	assert_int_equal(veuicc_saip_encode(p, &out, len), VEUICC_OK);
	veuicc_saip_free(p);
	return out;
}

static void test_pol1(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = with_pol(0x01 | 0x02, &len); /* disabling and deletion not allowed */
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, der, len, "3003800100 9000");
	th_xfer(card, SEL_ISDR, "9000");
	assert_int_equal(card->registry.e[3].pol1, 0x03);
	/* deletion not allowed (while disabled): 69E1 */
	th_xfer(card, "80E40000 12 4F10" ISDP11 " 00", "69E1");
	es5(card, "3A03", ISDP11, "9000");
	/* disabling not allowed: DisableProfile, enabling another, moving the
	 * Fall-Back Attribute away: 69E1 */
	es5(card, "3A04", ISDP11, "69E1");
	es5(card, "3A03", ISDP10, "69E1");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	/* the API switch is local (not ES5): no POL1 check */
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	free(der);
	veuicc_card_free(card);
}

static void test_api_and_reset(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_card *card = card_with_fallback();
	size_t idx;
	/* a second API install gets the next ISD-P AID, DISABLED, no Fall-Back */
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, NULL, 0), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80F24002 17 4F10" ISDP11 " 5C03 9F7053 00", "E307 9F70011F 530100 9000");
	/* activate = enable: the states follow */
	assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70011F 9000");
	/* a reset drops a STORE DATA sequence, not the registry */
	create(card, ELF, EM, ISDP12, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP12, "9000");
	th_xfer(card, "80E2100003 A08100", "9000");
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "00A4040C10" ISDP12, "9000");
	th_xfer(card, "80E2100103 A08100", "6A86");
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP12, "E316 4F10" ISDP12 " 9F700107 9000");
	free(der);
	veuicc_card_free(card);
}

/* ---- notifications, POL1 deletion, Fall-Back, Emergency, SM-SR address --- */

#define EID_HEX "89049032123451234512345678901235" /* the default (SGP.26) EID */

/* A card with the Fall-Back profile enabled in ...1000 and the V7 package
 * (POL1 byte \p pol) installed by ES5 into ...1100, DISABLED. */
static veuicc_card *card_with_second(uint8_t pol)
{
	size_t len;
	uint8_t *der = with_pol(pol, &len);
	veuicc_card *card = card_with_fallback();
	th_xfer(card, SEL_ISDR, "9000");
	create(card, ELF, EM, ISDP11, PARAMS, "00 9000");
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	download(card, der, len, "3003800100 9000");
	th_xfer(card, SEL_ISDR, "9000");
	free(der);
	return card;
}

/* Pending notification \p index must have sequence number \p seq, type
 * \p type and name ISD-P \p aid; the bytes are built here from the digest's
 * §5.2 template, independently of the card's TLV writer. */
static void expect_notif(veuicc_card *card, size_t index, unsigned seq, unsigned type,
                         const char *aid, unsigned retries)
{
	veuicc_notification n;
	assert_int_equal(veuicc_card_notification_get(card, index, &n), VEUICC_OK);
	assert_int_equal(n.seq, seq);
	assert_int_equal(n.type, type);
	assert_int_equal(n.retries, retries);
	char want[200], got[2 * VEUICC_NOTIFICATION_MAX + 1];
	snprintf(want, sizeof(want), "E12B4C10%s4D01%02X4E02%04X2F10%s", EID_HEX, type, seq, aid);
	th_hex(n.data, n.len, got);
	assert_string_equal(got, want);
}

static void confirm(veuicc_card *card, unsigned seq, const char *expect)
{
	char apdu[64];
	snprintf(apdu, sizeof(apdu), "80E28900 07 3A08 04 4E02%04X 00", seq);
	th_xfer(card, apdu, expect);
}

static void test_notifications(void **state)
{
	(void)state;
	/* POL1 b3: deletion mandatory when disabled */
	veuicc_card *card = card_with_second(VEUICC_POL1_DELETE_ON_DISABLE);
	/* installing and the API's activation are no profile changes to report */
	assert_int_equal(veuicc_card_notification_count(card), 0);
	veuicc_notification n;
	assert_int_equal(veuicc_card_notification_get(card, 0, &n), VEUICC_ERR_NOT_FOUND);
	/* EnableProfile: notification 1, type 02, naming the enabled ISD-P */
	es5(card, "3A03", ISDP11, "9000");
	assert_int_equal(veuicc_card_notification_count(card), 1);
	expect_notif(card, 0, 1, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP11, 0);
	/* confirmation errors: unknown sequence number 6A88, coding 6A80 */
	confirm(card, 2, "6A88");
	confirm(card, 0, "6A88");
	th_xfer(card, "80E28900 07 3A08 04 4E010001 00", "6A80");
	th_xfer(card, "80E28900 06 3A08 03 4E0101 00", "6A80");
	th_xfer(card, "80E28900 08 3A08 05 4E020001 00 00", "6A80");
	th_xfer(card, "80E28900 07 3A08 04 4F020001 00", "6A80");
	assert_int_equal(veuicc_card_notification_count(card), 1);
	/* confirmed: nothing deleted (the Fall-Back profile was disabled) */
	confirm(card, 1, "8000 9000");
	assert_int_equal(veuicc_card_notification_count(card), 0);
	confirm(card, 1, "6A88");
	/* DisableProfile: notification 2 names the Fall-Back profile enabled
	 * again; ...1100 waits for its confirmation to be deleted */
	es5(card, "3A04", ISDP11, "9000");
	expect_notif(card, 0, 2, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP10, 0);
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	/* each cold reset retries it; a warm reset does not count */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_power_off(card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	expect_notif(card, 0, 2, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP10, 2);
	/* the confirmation deletes ...1100 and reports it */
	th_xfer(card, SEL_ISDR, "9000");
	confirm(card, 2, "8012 4F10" ISDP11 " 9000");
	status_of(card, ISDP11, "6A88");
	assert_int_equal(veuicc_card_profile_count(card), 1);
	assert_int_equal(veuicc_card_notification_count(card), 0);
	veuicc_card_free(card);
}

static void test_pol1_delete_reenabled(void **state)
{
	(void)state;
	/* disabled by EnableProfile of another, then enabled again before the
	 * confirmation: it is not deleted */
	veuicc_card *card = card_with_second(VEUICC_POL1_DELETE_ON_DISABLE);
	es5(card, "3A03", ISDP11, "9000");
	es5(card, "3A03", ISDP10, "9000"); /* ...1100 disabled: seq 2 */
	es5(card, "3A03", ISDP11, "9000"); /* enabled again: seq 3 */
	assert_int_equal(veuicc_card_notification_count(card), 3);
	confirm(card, 2, "8000 9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	/* the oldest pending notifications stay, in order */
	expect_notif(card, 0, 1, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP11, 0);
	expect_notif(card, 1, 3, VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP11, 0);
	veuicc_card_free(card);
}

static void test_notification_queue_full(void **state)
{
	(void)state;
	veuicc_card *card = card_with_second(0);
	for (unsigned i = 0; i < VEUICC_NOTIF_MAX; i++)
		es5(card, i % 2 ? "3A04" : "3A03", ISDP11, "9000");
	/* ES5: no room for the notification -> 6A84, nothing changes */
	es5(card, "3A03", ISDP11, "6A84");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	assert_int_equal(veuicc_card_notification_count(card), VEUICC_NOTIF_MAX);
	/* confirming one makes room */
	confirm(card, 5, "8000 9000");
	es5(card, "3A03", ISDP11, "9000");
	expect_notif(card, VEUICC_NOTIF_MAX - 1, VEUICC_NOTIF_MAX + 1,
	             VEUICC_NOTIF_TYPE_PROFILE_CHANGE, ISDP11, 0);
	/* a device-side change (Fall-Back) is not refused: the oldest goes */
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	assert_int_equal(veuicc_card_notification_count(card), VEUICC_NOTIF_MAX);
	veuicc_notification n;
	assert_int_equal(veuicc_card_notification_get(card, 0, &n), VEUICC_OK);
	assert_int_equal(n.seq, 2);
	expect_notif(card, VEUICC_NOTIF_MAX - 1, VEUICC_NOTIF_MAX + 2, VEUICC_NOTIF_TYPE_FALLBACK,
	             ISDP10, 0);
	veuicc_card_free(card);
}

static void test_fallback_mechanism(void **state)
{
	(void)state;
	/* ...1100: disabling not allowed, deletion mandatory when disabled */
	veuicc_card *card =
	    card_with_second(VEUICC_POL1_DISABLE_NOT_ALLOWED | VEUICC_POL1_DELETE_ON_DISABLE);
	/* the Fall-Back profile is enabled: nothing to fall back from */
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_STATE);
	es5(card, "3A03", ISDP11, "9000");
	confirm(card, 1, "8000 9000");
	/* the event: POL1 of ...1100 is ignored, the Fall-Back profile enabled,
	 * notification type 05 naming it */
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	expect_notif(card, 0, 2, VEUICC_NOTIF_TYPE_FALLBACK, ISDP10, 0);
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "989444999999990961F3 9000");
	/* "deletion mandatory when disabled" does not apply to a Fall-Back */
	th_xfer(card, SEL_ISDR, "9000");
	confirm(card, 2, "8000 9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_STATE);
	/* ...1100 forbade disabling: the attribute cannot move, only ...1100
	 * may be enabled next */
	es5(card, "3A05", ISDP11, "69E1");
	es5(card, "3A03", ISDP11, "9000");
	es5(card, "3A05", ISDP11, "9000"); /* the restriction ended */
	veuicc_card_free(card);

	/* no installed Fall-Back profile */
	card = th_new_card_t1();
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_NOT_FOUND);
	veuicc_card_free(card);
}

static void test_emergency(void **state)
{
	(void)state;
	veuicc_card *card = card_with_second(VEUICC_POL1_DISABLE_NOT_ALLOWED);
	/* no Emergency Profile yet */
	assert_int_equal(veuicc_card_emergency_enable(card), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(veuicc_card_emergency_disable(card), VEUICC_ERR_STATE);
	/* SetEmergencyProfileAttribute (DGI 3A06): unknown 6A88, coding 6A80,
	 * the Fall-Back holder (enabled) 6985, an empty ISD-P 6985 */
	es5(card, "3A06", ISDP12, "6A88");
	th_xfer(card, "80E28800 15 3A0612 4F11" ISDP11, "6A80");
	es5(card, "3A06", ISDP10, "6985");
	create(card, ELF, EM, ISDP12, PARAMS, "00 9000");
	es5(card, "3A06", ISDP12, "6985");
	es5(card, "3A06", ISDP11, "9000");
	es5(card, "3A06", ISDP11, "9000");
	th_xfer(card, "80F24002 06 4F00 5C024F53 00",
	        "E312 4F10" ECASD " E315 4F10" ISDP10 " 530101 E315 4F10" ISDP11
	        " 530102 E315 4F10" ISDP12 " 530100 9000");
	/* it cannot take the Fall-Back Attribute, nor be enabled by ES5 */
	es5(card, "3A05", ISDP11, "6985");
	es5(card, "3A03", ISDP11, "6985");
	assert_int_equal(veuicc_card_notification_count(card), 0);
	/* local enable: notification 06 naming it */
	assert_int_equal(veuicc_card_emergency_enable(card), VEUICC_OK);
	assert_int_equal(veuicc_card_emergency_enable(card), VEUICC_ERR_STATE);
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70013F 9000");
	expect_notif(card, 0, 1, VEUICC_NOTIF_TYPE_EMERGENCY_ENABLED, ISDP11, 0);
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "98001032547698103214 9000");
	/* while it is enabled: no Fall-Back, ES5 switches and the attribute wait */
	th_xfer(card, SEL_ISDR, "9000");
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_STATE);
	es5(card, "3A03", ISDP10, "6985");
	es5(card, "3A04", ISDP11, "6985");
	es5(card, "3A06", ISDP11, "6985");
	/* local disable (its POL1 "disabling not allowed" does not apply): the
	 * previous profile comes back, notification 07 */
	assert_int_equal(veuicc_card_emergency_disable(card), VEUICC_OK);
	assert_int_equal(veuicc_card_emergency_disable(card), VEUICC_ERR_STATE);
	th_xfer(card, SEL_ISDR, "9000");
	status_of(card, ISDP10, "E316 4F10" ISDP10 " 9F70013F 9000");
	status_of(card, ISDP11, "E316 4F10" ISDP11 " 9F70011F 9000");
	expect_notif(card, 1, 2, VEUICC_NOTIF_TYPE_EMERGENCY_DISABLED, ISDP10, 0);
	/* the Emergency Profile cannot be deleted */
	th_xfer(card, "80E40000 12 4F10" ISDP11 " 00", "6985");
	veuicc_card_free(card);
}

static void test_smsr_addressing(void **state)
{
	(void)state;
	veuicc_card *card = card_with_fallback();
	uint8_t buf[200];
	size_t n = 0;
	assert_int_equal(veuicc_card_smsr_addressing(card, buf, sizeof(buf), &n),
	                 VEUICC_ERR_NOT_FOUND);
	th_xfer(card, SEL_ISDR, "9000");
	/* A3 { 81: 11 digits, TON/NPI 91, +44 7758 100650 } */
	th_xfer(card, "80E28800 0F 3A07 0C A30A 8108 0B91447758100650", "9000");
	assert_int_equal(veuicc_card_smsr_addressing(card, buf, sizeof(buf), &n), VEUICC_OK);
	char hex[400];
	th_hex(buf, n, hex);
	assert_string_equal(hex, "81080B91447758100650");
	assert_int_equal(veuicc_card_smsr_addressing(card, buf, 4, &n),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	/* bad TLVs: 6A80 and the stored parameters stay */
	th_xfer(card, "80E28800 0F 3A07 0C A30A 8108 0E91447758100650", "6A80"); /* digits */
	th_xfer(card, "80E28800 0F 3A07 0C A40A 8108 0B91447758100650", "6A80"); /* not A3 */
	th_xfer(card, "80E28800 0F 3A07 0C A30B 8108 0B91447758100650", "6A80"); /* length */
	th_xfer(card, "80E28800 10 3A07 0D A30A 8108 0B91447758100650 00", "6A80");
	th_xfer(card, "80E28800 0F 3A07 0C A30A 8109 0B91447758100650", "6A80");
	th_xfer(card, "80E28800 05 3A07 02 A300", "6A80");
	th_xfer(card, "80E28800 13 3A07 10 A30E 8103 01910F 8107 0B914477581006", "6A80");
	assert_int_equal(veuicc_card_smsr_addressing(card, buf, sizeof(buf), &n), VEUICC_OK);
	th_hex(buf, n, hex);
	assert_string_equal(hex, "81080B91447758100650");
	/* other sub-tags are kept as received; a new template replaces the old */
	th_xfer(card, "80E28800 0C 3A07 09 A307 8103 01910F 8400", "9000");
	assert_int_equal(veuicc_card_smsr_addressing(card, buf, sizeof(buf), &n), VEUICC_OK);
	th_hex(buf, n, hex);
	assert_string_equal(hex, "810301910F8400");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_initial_registry),
	    cmocka_unit_test(test_create_isdp),
	    cmocka_unit_test(test_isdr_store_data_errors),
	    cmocka_unit_test(test_full_flow),
	    cmocka_unit_test(test_fallback_attribute),
	    cmocka_unit_test(test_isdp_download_errors),
	    cmocka_unit_test(test_get_status),
	    cmocka_unit_test(test_pol1),
	    cmocka_unit_test(test_api_and_reset),
	    cmocka_unit_test(test_notifications),
	    cmocka_unit_test(test_pol1_delete_reenabled),
	    cmocka_unit_test(test_notification_queue_full),
	    cmocka_unit_test(test_fallback_mechanism),
	    cmocka_unit_test(test_emergency),
	    cmocka_unit_test(test_smsr_addressing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
