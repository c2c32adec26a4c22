/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local Test Profile switches (ESx, SGP.02 v4 §3.22-3.23), ES5
 * MasterDelete with a delete token checked by the ISD-P's token key
 * (SGP.02 §4.1.1.6, §3.10), PUT KEY of that key in the ISD-P, and ES8
 * UpdateConnectivityParameters on the ISD-P (§4.1.3.4): every error case
 * with its status word and no state change, and the persisted parts across
 * a reopen of the card file (docs/euicc.md; decisions X1-X9).
 *
 * The token and the wrapped token key come from make_esx_vectors.py
 * (python3-cryptography), not from veuicc's code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "saip/saip.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define ISDP12   PFX "00001200"
#define SEL_ISDR "00A4040C10" PFX "00000100"
#define SEL_11   "00A4040C10" ISDP11
#define V7       "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

/* make_esx_vectors.py: token key 70..7F under the ISD-P DEK 60..6F */
#define PUT_TOKEN_KEY "80D80001 18 70881110F057B7718646644F9ACC5C6080B872D303DCC3AC 00"
#define PUT_TOKEN_RSP "70DCC3AC 9000"
#define MDEL_11                                                                                    \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001100B611420201024504000000115F200103930101"   \
	"9E10869764FCF9A8ADF69E007F24C2D092E2 00"
#define MDEL_11_NOCRT_P2_40                                                                        \
	"80E40040 24 4F10A0000005591010FFFFFFFF89000011009E10358B04A94BBCB7643EC3FA5E033A8E98"     \
	" 00"
#define MDEL_10                                                                                    \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001000B611420201024504000000115F200103930101"   \
	"9E10341E389EB4068D88DDEF17B90EAC11D7 00"
#define MDEL_12                                                                                    \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001200B611420201024504000000115F200103930101"   \
	"9E10B4E4EFAEDC3CE7B6230694403CE5BF60 00"

#define SCP03_KEYS                                                                                 \
	"[{\"type\": \"scp03\", \"kvn\": 48, \"enc\": \"404142434445464748494A4B4C4D4E4F\", "      \
	"\"mac\": \"505152535455565758595A5B5C5D5E5F\", \"dek\": "                                 \
	"\"606162636465666768696A6B6C6D6E6F\"}]"

static char factory_file[256], pol_file[256];

/* V7 with POL1 03 (disabling and deletion not allowed) in its header. */
static void write_pol_package(const char *path)
{
	size_t n;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &n), *out, pol = 0x03;
	veuicc_saip_profile *p;
	veuicc_saip_error err;
	assert_int_equal(veuicc_saip_decode(der, n, &p, &err), VEUICC_OK);
	free(der);
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == VEUICC_SAIP_PE_HEADER)
			assert_int_equal(
			    veuicc_saip_set_bytes(p, &p->pes[i].u.header->pol, &pol, 1), VEUICC_OK);
	assert_int_equal(veuicc_saip_encode(p, &out, &n), VEUICC_OK);
	veuicc_saip_free(p);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(out, 1, n, f), n);
	fclose(f);
	free(out);
}

/* The factory file: Fall-Back profile (ISD-P ..1000), the enabled profile
 * with POL1 03 (..1100), the Test Profile (..1200); ..1000 and ..1100 hold
 * the SM-DP's SCP03 key set. */
static int setup(void **state)
{
	(void)state;
	const char *data = getenv("VEUICC_TEST_DATA");
	assert_non_null(data);
	snprintf(pol_file, sizeof(pol_file), "%s/veuicc-esx-%ld-pol.der", test_tmp_dir(),
	         (long)getpid());
	snprintf(factory_file, sizeof(factory_file), "%s/veuicc-esx-%ld.json", test_tmp_dir(),
	         (long)getpid());
	write_pol_package(pol_file);
	FILE *f = fopen(factory_file, "w");
	assert_non_null(f);
	fprintf(
	    f,
	    "{\"version\": 1, \"eid\": \"89049032123451234512345678901235\", \"isdr\": "
	    "{\"keysets\": []},\n"
	    " \"profiles\": [\n"
	    "  {\"file\": \"%s/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", "
	    "\"fallback\": true, \"isdp_keysets\": " SCP03_KEYS "},\n"
	    "  {\"file\": \"%s\", \"state\": \"enabled\", \"isdp_keysets\": " SCP03_KEYS "},\n"
	    "  {\"file\": \"%s/saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der\", \"test\": true}\n"
	    "]}\n",
	    data, pol_file, data);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(pol_file);
	unlink(factory_file);
	return 0;
}

static veuicc_card *new_card(void)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory_file;
	cfg.test_mode = 1; /* plain ES5/ES8 APDUs */
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

static veuicc_card *open_card(const char *path)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory_file; /* used only when the file is created */
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

/* ISD-P life cycles 10, 11, 12 (00: the ISD-P does not exist). */
static void states(veuicc_card *card, uint8_t s10, uint8_t s11, uint8_t s12)
{
	const uint8_t want[3] = {s10, s11, s12};
	const char *aids[3] = {ISDP10, ISDP11, ISDP12};
	for (int k = 0; k < 3; k++) {
		uint8_t aid[16];
		th_unhex(aids[k], aid, sizeof(aid));
		long i = veuicc_gp_registry_find(&card->registry, aid, 16);
		if (!want[k])
			assert_true(i < 0);
		else {
			assert_true(i >= 0);
			assert_int_equal(card->registry.e[i].lcs, want[k]);
		}
	}
}

static void test_test_profile(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	veuicc_isdp_info in;
	assert_int_equal(veuicc_card_isdp_info(card, 2, &in), VEUICC_OK);
	assert_true(in.test);
	assert_false(in.fallback || in.emergency);
	assert_int_equal(veuicc_card_isdp_info(card, 1, &in), VEUICC_OK);
	assert_false(in.test);
	assert_int_equal(in.pol1, 0x03);
	states(card, 0x1F, 0x3F, 0x1F);
	/* GET STATUS attribute byte: b3 = Test Profile */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80F24002 06 4F00 5C024F53 00",
	        "E312 4F10" PFX "00000200 E315 4F10" ISDP10 " 530101 E315 4F10" ISDP11
	        " 530100 E315 4F10" ISDP12 " 530104 9000");
	/* the SM-SR does not manage it: ES5 Enable, SetFallBack, SetEmergency,
	 * DeleteProfile of the Test Profile 6985 */
	th_xfer(card, "80E28800 15 3A0312 4F10" ISDP12, "6985");
	th_xfer(card, "80E28800 15 3A0512 4F10" ISDP12, "6985");
	th_xfer(card, "80E28800 15 3A0612 4F10" ISDP12, "6985");
	th_xfer(card, "80E40000 12 4F10" ISDP12 " 00", "6985");
	states(card, 0x1F, 0x3F, 0x1F);
	/* local disable before any enable: refused */
	assert_int_equal(veuicc_card_test_profile_disable(card), VEUICC_ERR_STATE);
	/* local enable: POL1 "disabling not allowed" of ..11 does not apply; no
	 * notification */
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_OK);
	states(card, 0x1F, 0x1F, 0x3F);
	assert_int_equal(veuicc_card_notification_count(card), 0);
	/* the terminal sees the Test Profile's files: EF.ICCID */
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "989444999999990921F2 9000");
	/* enabled already: refused; no Fall-Back while it is enabled; ES5
	 * switches wait for the local disable */
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_ERR_STATE);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E28800 15 3A0312 4F10" ISDP10, "6985");
	th_xfer(card, "80E28800 15 3A0412 4F10" ISDP12, "6985");
	states(card, 0x1F, 0x1F, 0x3F);
	/* local disable: the previous profile comes back, no notification */
	assert_int_equal(veuicc_card_test_profile_disable(card), VEUICC_OK);
	states(card, 0x1F, 0x3F, 0x1F);
	assert_int_equal(veuicc_card_notification_count(card), 0);
	assert_int_equal(veuicc_card_test_profile_disable(card), VEUICC_ERR_STATE);
	/* while the Emergency Profile is enabled: refused. ..11 gets the
	 * Emergency attribute after a local switch to the Fall-Back profile */
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E28800 15 3A0612 4F10" ISDP11, "9000");
	assert_int_equal(veuicc_card_emergency_enable(card), VEUICC_OK);
	states(card, 0x1F, 0x3F, 0x1F);
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_ERR_STATE);
	states(card, 0x1F, 0x3F, 0x1F);
	veuicc_card_free(card);
}

/* The Test Profile's return mark survives a reopen; a previous profile
 * deleted meanwhile (MasterDelete overrides its POL1) -> the Fall-Back one. */
static void test_test_profile_persisted(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-esx-%ld-tp.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_OK);
	veuicc_card_free(card);
	card = open_card(path);
	states(card, 0x1F, 0x1F, 0x3F);
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_card_test_profile_disable(card), VEUICC_OK);
	veuicc_card_free(card);
	card = open_card(path);
	states(card, 0x1F, 0x3F, 0x1F);
	/* again, and ..11 (POL1: deletion not allowed) is master-deleted while
	 * the Test Profile is enabled */
	assert_int_equal(veuicc_card_test_profile_enable(card), VEUICC_OK);
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E40000 12 4F10" ISDP11 " 00", "69E1"); /* DeleteProfile: POL1 */
	th_xfer(card, MDEL_11, "00 9000");
	veuicc_card_free(card);
	card = open_card(path);
	states(card, 0x1F, 0x00, 0x3F);
	assert_int_equal(veuicc_card_test_profile_disable(card), VEUICC_OK);
	states(card, 0x3F, 0x00, 0x1F);
	veuicc_card_free(card);
	unlink(path);
}

static void test_master_delete(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	th_xfer(card, SEL_ISDR, "9000");
	/* no token key in ..11 yet: 6985 */
	th_xfer(card, MDEL_11, "6985");
	/* PUT KEY in the ISD-P: errors first, nothing stored */
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, "80D80001 00", "6700");
	th_xfer(card, "80D88001 18 70881110F057B7718646644F9ACC5C6080B872D303DCC3AC", "6A86");
	/* a wrong KCV */
	th_xfer(card, "80D80001 18 70881110F057B7718646644F9ACC5C6080B872D303DCC3AD", "6A80");
	/* two keys for KVN 70 */
	th_xfer(card,
	        "80D80081 2F 70881110F057B7718646644F9ACC5C6080B872D303DCC3AC"
	        "881110F057B7718646644F9ACC5C6080B872D303DCC3AC",
	        "6A80");
	/* an ISD-P without keys (the Test Profile's) has no DEK: 6985 */
	th_xfer(card, "00A4040C10" ISDP12, "9000");
	th_xfer(card, PUT_TOKEN_KEY, "6985");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11, "6985");
	/* the token key, KCV computed by python3-cryptography */
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, "80CA00E000", "E012 C00401308810 C00402308810 C00403308810 9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	/* GET DATA key information: the SCP03 set and the token key */
	th_xfer(card, "80CA00E000",
	        "E018 C00401308810 C00402308810 C00403308810 C00401708810 9000");
	th_xfer(card, "80CA9F7F00", "6A88");  /* CPLC: the ISD-R's (decision G7) */
	th_xfer(card, PUT_TOKEN_KEY, "6A80"); /* KVN 70 exists */
	th_xfer(card, "00A4040C10" ISDP10, "9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	th_xfer(card, SEL_ISDR, "9000");
	/* coding: 6A80 (empty token, B6 without 9E, bytes after the token, AID
	 * length, a malformed B6) */
	th_xfer(card, "80E40000 14 4F10" ISDP11 " 9E00 00", "6A80");
	th_xfer(card, "80E40000 14 4F10" ISDP11 " B600 00", "6A80");
	th_xfer(card, "80E40000 17 4F10" ISDP11 " 9E0101 9000 00", "6A80");
	th_xfer(card, "80E40000 09 4F04A0000005 9E0101 00", "6A80");
	th_xfer(card, "80E40000 18 4F10" ISDP11 " B60142 9E0101 00", "6A80");
	/* unknown ISD-P 6A88; the ISD-R 6985 */
	th_xfer(card, MDEL_12, "6985"); /* the Test Profile's ISD-P: no token key */
	th_xfer(card, "80E40000 24 4F10" PFX "00002000 9E10869764FCF9A8ADF69E007F24C2D092E2 00",
	        "6A88");
	th_xfer(card, "80E40000 24 4F10" PFX "00000100 9E10869764FCF9A8ADF69E007F24C2D092E2 00",
	        "6985");
	/* a bad token: one bit changed, other P2, another AID's token, a short
	 * token: 6982, nothing deleted */
	th_xfer(card,
	        "80E40000 37 4F10" ISDP11 "B611420201024504000000115F200103930101"
	        "9E10869764FCF9A8ADF69E007F24C2D092E3 00",
	        "6982");
	th_xfer(card,
	        "80E40040 37 4F10" ISDP11 "B611420201024504000000115F200103930101"
	        "9E10869764FCF9A8ADF69E007F24C2D092E2 00",
	        "6982");
	th_xfer(card,
	        "80E40000 37 4F10" ISDP11 "B611420201024504000000115F200103930101"
	        "9E10341E389EB4068D88DDEF17B90EAC11D7 00",
	        "6982");
	th_xfer(card,
	        "80E40000 2F 4F10" ISDP11 "B611420201024504000000115F200103930101"
	        "9E08869764FCF9A8ADF6 00",
	        "6982");
	/* a good token on the enabled profile and on the Fall-Back profile: 6985 */
	th_xfer(card, MDEL_11, "6985");
	th_xfer(card, MDEL_10, "6985");
	states(card, 0x1F, 0x3F, 0x1F);
	/* disabled (its POL1 forbids deletion and disabling: a local switch) */
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E40000 12 4F10" ISDP11 " 00", "69E1");
	/* P2 40 without the B6 template, token over P1 P2 Lc 4F..: deleted */
	th_xfer(card, MDEL_11_NOCRT_P2_40, "00 9000");
	states(card, 0x3F, 0x00, 0x1F);
	th_xfer(card, SEL_11, "6A82");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11, "6A88");
	/* no notification: the enabled profile did not change */
	assert_int_equal(veuicc_card_notification_count(card), 0);
	veuicc_card_free(card);
}

static void conn(veuicc_card *card, const char *want)
{
	uint8_t buf[256], w[256];
	size_t n = 0, wl = th_unhex(want, w, sizeof(w));
	uint8_t aid[16];
	th_unhex(ISDP11, aid, sizeof(aid));
	int rc = veuicc_card_connectivity_params(card, aid, 16, buf, sizeof(buf), &n);
	if (!wl) {
		assert_int_equal(rc, VEUICC_ERR_NOT_FOUND);
		return;
	}
	assert_int_equal(rc, VEUICC_OK);
	assert_int_equal(n, wl);
	assert_memory_equal(buf, w, wl);
}

static void test_connectivity_params(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-esx-%ld-cp.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	conn(card, "");
	th_xfer(card, SEL_11, "9000");
	/* the digest's SMS template: A0 { 06 L 91 BCD } */
	th_xfer(card, "80E28800 0D 3A070A A008 0606 91214365870F", "9000");
	conn(card, "A008 0606 91214365870F");
	/* errors, each without a change: */
	th_xfer(card, "80E28800 0D 3A070A A009 0606 91214365870F", "6A80"); /* TLV */
	th_xfer(card, "80E28800 08 3A0705 A003 0D0100", "6A80");            /* no address */
	th_xfer(card, "80E28800 08 3A0705 A003 060191", "6A80");            /* no digit */
	th_xfer(card, "80E28800 0D 3A070A A008 06029121 06029121", "6A80"); /* two 06 */
	th_xfer(card, "80E28800 09 3A0706 A304 81029121", "6A80");          /* other template */
	th_xfer(card, "80E28800 0F 3A070C A004 06029121 A004 06029121", "6A80"); /* twice */
	th_xfer(card, "80E28800 05 3A0702 A100", "6A80");                        /* empty */
	th_xfer(card, "80E28800 03 3A0700", "6A80");
	th_xfer(card, "80E28800 0A 3A0706 A004 06029121 00", "6A80");       /* after the DGI */
	th_xfer(card, "80E28800 07 3A0804 4E020001", "6A88");               /* other DGI */
	th_xfer(card, "80E2A800 0D 3A070A A008 0606 91214365870F", "6A86"); /* encrypted */
	th_xfer(card, "80E28800 00", "6700");
	/* longer than the ISD-P keeps (with A0: 10 + 123 > 128): 6A84 */
	char big[512] = "80E28800 80 3A077D A17B 4779";
	for (int i = 0; i < 0x79; i++)
		strcat(big, "41");
	th_xfer(card, big, "6A84");
	conn(card, "A008 0606 91214365870F");
	/* blocks: 3A07 split over two STORE DATA, out of order 6A86 */
	th_xfer(card, "80E20801 04 3A070A A0", "6A86");
	th_xfer(card, "80E20800 04 3A070A A0", "9000");
	th_xfer(card, "80E28801 09 08 0606 91896745230F", "9000");
	conn(card, "A008 0606 91896745230F");
	/* an A1 template joins, the A0 stays */
	th_xfer(card, "80E28800 0C 3A0709 A107 3502030047 0100", "9000");
	conn(card, "A008 0606 91896745230F A107 3502030047 0100");
	/* readable by the ISD-R side: the enabled profile's ISD-P (..11) */
	uint8_t buf[64];
	size_t n;
	assert_int_equal(veuicc_card_connectivity_params(card, NULL, 0, buf, sizeof(buf), &n),
	                 VEUICC_OK);
	assert_int_equal(n, 19);
	assert_int_equal(veuicc_card_connectivity_params(card, NULL, 0, buf, 4, &n),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 19);
	uint8_t aid10[16];
	th_unhex(ISDP10, aid10, sizeof(aid10));
	assert_int_equal(veuicc_card_connectivity_params(card, aid10, 16, buf, sizeof(buf), &n),
	                 VEUICC_ERR_NOT_FOUND);
	veuicc_card_free(card);
	/* kept in the card file */
	card = open_card(path);
	conn(card, "A008 0606 91896745230F A107 3502030047 0100");
	veuicc_card_free(card);
	unlink(path);
}

/* The token key put by PUT KEY survives a reopen; so do the SM-DP keys. */
static void test_token_key_persisted(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-esx-%ld-tk.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	veuicc_card_free(card);
	card = open_card(path);
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, PUT_TOKEN_KEY, "6A80"); /* KVN 70 exists already */
	assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11, "00 9000");
	veuicc_card_free(card);
	card = open_card(path);
	states(card, 0x3F, 0x00, 0x1F);
	veuicc_card_free(card);
	unlink(path);
}

/* Factory checks of the new members: one Test Profile, not also Fall-Back
 * or Emergency; ISD-P key sets are SCP03, unique KVNs. No card file left. */
static void test_factory_checks(void **state)
{
	(void)state;
	const char *data = getenv("VEUICC_TEST_DATA");
	static const struct {
		const char *profiles, *msg;
	} bad[] = {
	    {"{\"file\": \"@/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", \"test\": "
	     "true, \"fallback\": true}",
	     "$.profiles[0]: the Test Profile cannot be the Fall-Back or Emergency Profile"},
	    {"{\"file\": \"@/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", \"test\": 1}",
	     "$.profiles[0]: fallback, emergency and test must be true or false"},
	    {"{\"file\": \"@/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", "
	     "\"isdp_keysets\": [{\"type\": \"scp81\", \"kvn\": 64, \"psk\": "
	     "\"000102030405060708090A0B0C0D0E0F\"}]}",
	     "$.profiles[0].isdp_keysets[0]: an ISD-P key set is scp03"},
	    {"{\"file\": \"@/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", "
	     "\"isdp_keysets\": " SCP03_KEYS
	     "}, {\"file\": \"@/saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der\", \"test\": true}, "
	     "{\"file\": \"@/saip/profiles/TS48V3-SAIP2-3-BERTLV-UNIQUE.der\", \"test\": true}",
	     "$.profiles[2]: a second test profile"},
	};
	char json[2048], prof[1024], cfgp[512], cardp[512], msg[300];
	snprintf(cfgp, sizeof(cfgp), "%s/veuicc-esx-%ld-bad.json", test_tmp_dir(), (long)getpid());
	snprintf(cardp, sizeof(cardp), "%s/veuicc-esx-%ld-bad.db", test_tmp_dir(), (long)getpid());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* "@" stands for the test data folder */
		size_t n = 0;
		for (const char *c = bad[i].profiles; *c && n + 512 < sizeof(prof); c++) {
			if (*c == '@')
				n += (size_t)snprintf(prof + n, sizeof(prof) - n, "%s", data);
			else
				prof[n++] = *c;
		}
		prof[n] = 0;
		snprintf(json, sizeof(json),
		         "{\"version\": 1, \"eid\": \"89049032123451234512345678901235\", "
		         "\"isdr\": {\"keysets\": []}, \"profiles\": [%s]}",
		         prof);
		FILE *f = fopen(cfgp, "w");
		assert_non_null(f);
		fputs(json, f);
		fclose(f);
		msg[0] = 0;
		assert_int_equal(veuicc_card_create(cardp, cfgp, msg, sizeof(msg)),
		                 VEUICC_ERR_MALFORMED);
		if (!strstr(msg, bad[i].msg))
			fail_msg("case %zu: %s", i, msg);
		assert_int_equal(access(cardp, F_OK), -1);
	}
	unlink(cfgp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_test_profile),
	    cmocka_unit_test(test_test_profile_persisted),
	    cmocka_unit_test(test_master_delete),
	    cmocka_unit_test(test_connectivity_params),
	    cmocka_unit_test(test_token_key_persisted),
	    cmocka_unit_test(test_factory_checks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
