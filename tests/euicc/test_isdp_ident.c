/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ISD-P's SD identification data (STORE DATA DGI 0070 { 42, 45, 5F20 },
 * SGP.02 §3.10 token key provisioning; docs/euicc.md "Master Delete") and the
 * MasterDelete CRT B6 compared with them (decisions G8-G12): the values
 * survive a reopen of the card file; a token whose CRT names other values is
 * refused with 6982 and deletes nothing; CRT tags without a stored value
 * (and stored values the CRT omits) are not compared. Plus GET DATA 66 / 9F7F
 * on a keyed card without test mode (open, G6/G7) and on the ISD-P.
 *
 * Tokens and the wrapped token key: make_esx_vectors.py (python3-cryptography).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "euicc/isdp_ident.h"
#include "gp/registry_store.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDP11   PFX "00001100"
#define SEL_ISDR "00A4040C10" PFX "00000100"
#define SEL_11   "00A4040C10" ISDP11

/* make_esx_vectors.py: token key 70..7F under the ISD-P DEK 60..6F */
#define PUT_TOKEN_KEY "80D80001 18 70881110F057B7718646644F9ACC5C6080B872D303DCC3AC 00"
#define PUT_TOKEN_RSP "70DCC3AC 9000"
/* CRT B6 { 42 0102, 45 00000011, 5F20 03, 93 01 } */
#define MDEL_11                                                                                    \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001100B611420201024504000000115F200103930101"   \
	"9E10869764FCF9A8ADF69E007F24C2D092E2 00"
/* 45 00000012 */
#define MDEL_11_SDIN12                                                                             \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001100B611420201024504000000125F200103930101"   \
	"9E10F3078D760F9673EEBF6D0DD280C4E9A3 00"
/* 5F20 04 */
#define MDEL_11_APID04                                                                             \
	"80E40000 37 4F10A0000005591010FFFFFFFF8900001100B611420201024504000000115F200104930101"   \
	"9E10D9C452BDE65710E656B7C536640BE6DD 00"
/* 42 01 (another length) */
#define MDEL_11_SIN01                                                                              \
	"80E40000 36 4F10A0000005591010FFFFFFFF8900001100B6104201014504000000115F200103930101"     \
	"9E104DA11BE2FAD62C2A1F1E722D9DEAC966 00"
/* B6 { 45 00000011, 93 02 } only */
#define MDEL_11_ONLY45                                                                             \
	"80E40000 2F 4F10A0000005591010FFFFFFFF8900001100B6094504000000119301029E1032648E40BE6C"   \
	"C3A06C84236A34363599 00"
/* DGI 0070 as the SM-DP sends them (sgp02 digest §3.6 [I]) */
#define DGI_45 "80E28800 09 0070 06 45 04 00000011"
#define DGI_42 "80E28800 07 0070 04 42 02 0102"
#define DGI_5F "80E28800 07 0070 04 5F20 01 03"

#define SCP03_KEYS                                                                                 \
	"[{\"type\": \"scp03\", \"kvn\": 48, \"enc\": \"404142434445464748494A4B4C4D4E4F\", "      \
	"\"mac\": \"505152535455565758595A5B5C5D5E5F\", \"dek\": "                                 \
	"\"606162636465666768696A6B6C6D6E6F\"}]"

static char factory_file[256];

/* The Fall-Back profile enabled in ISD-P ..1000; ..1100 disabled, holding
 * the SM-DP's SCP03 key set. */
static int setup(void **state)
{
	(void)state;
	const char *data = getenv("VEUICC_TEST_DATA");
	assert_non_null(data);
	snprintf(factory_file, sizeof(factory_file), "%s/veuicc-ident-%ld.json", test_tmp_dir(),
	         (long)getpid());
	FILE *f = fopen(factory_file, "w");
	assert_non_null(f);
	fprintf(f,
	        "{\"version\": 1, \"eid\": \"89049032123451234512345678901235\", \"isdr\": "
	        "{\"keysets\": []},\n"
	        " \"profiles\": [\n"
	        "  {\"file\": \"%s/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", "
	        "\"fallback\": true, \"state\": \"enabled\"},\n"
	        "  {\"file\": \"%s/saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der\", "
	        "\"isdp_keysets\": " SCP03_KEYS "}\n"
	        "]}\n",
	        data, data);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(factory_file);
	return 0;
}

static veuicc_card *open_card(const char *path)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory_file; /* used only when the file is created */
	cfg.test_mode = 1;          /* plain ES5/ES8 APDUs */
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

static bool has_isdp11(veuicc_card *card)
{
	uint8_t aid[16];
	th_unhex(ISDP11, aid, sizeof(aid));
	return veuicc_gp_registry_find(&card->registry, aid, 16) >= 0;
}

static void personalise(veuicc_card *card)
{
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	th_xfer(card, DGI_45, "9000");
	th_xfer(card, DGI_42, "9000");
	th_xfer(card, DGI_5F, "9000");
}

/* DGI 0070 values kept across a reopen; the CRT must agree with them. */
static void test_crt_checked(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-ident-%ld-a.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	personalise(card);
	veuicc_card_free(card);

	card = open_card(path);
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, "80CA004500", "45 04 00000011 9000");
	th_xfer(card, "80CA004200", "42 02 0102 9000");
	/* a valid token whose CRT names another SD image number, application
	 * provider or SD provider: 6982, nothing deleted */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11_SDIN12, "6982");
	th_xfer(card, MDEL_11_APID04, "6982");
	th_xfer(card, MDEL_11_SIN01, "6982");
	assert_true(has_isdp11(card));
	/* after a reopen still refused: the values come from the card file */
	veuicc_card_free(card);
	card = open_card(path);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11_SDIN12, "6982");
	assert_true(has_isdp11(card));
	/* the matching CRT: deleted */
	th_xfer(card, MDEL_11, "00 9000");
	assert_false(has_isdp11(card));
	veuicc_card_free(card);
	card = open_card(path);
	assert_false(has_isdp11(card));
	veuicc_card_free(card);
	unlink(path);
}

/* A CRT holding only 45 is compared on 45 alone. */
static void test_crt_partial(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-ident-%ld-b.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	personalise(card);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11_ONLY45, "00 9000");
	assert_false(has_isdp11(card));
	veuicc_card_free(card);
	unlink(path);
}

/* Without DGI 0070 (or with only some values) nothing else is compared: the
 * existing MasterDelete behaviour (decision X6). */
static void test_crt_unpersonalised(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/veuicc-ident-%ld-c.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	veuicc_card *card = open_card(path);
	th_xfer(card, SEL_11, "9000");
	th_xfer(card, PUT_TOKEN_KEY, PUT_TOKEN_RSP);
	th_xfer(card, "80CA004500", "6A88");
	/* only the application provider is given: a CRT with another SD image
	 * number passes, one with another provider does not */
	th_xfer(card, DGI_5F, "9000");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, MDEL_11_APID04, "6982");
	assert_true(has_isdp11(card));
	th_xfer(card, MDEL_11_SDIN12, "00 9000");
	assert_false(has_isdp11(card));
	veuicc_card_free(card);
	unlink(path);
}

static uint64_t no_slot_ref(void *ctx, long slot)
{
	(void)ctx;
	(void)slot;
	return 0;
}

static long no_ref_slot(void *ctx, uint64_t ref)
{
	(void)ctx;
	(void)ref;
	return -1;
}

/* DGI 0070 parsing, the CRT comparison, and the registry record (field 14)
 * keeping exactly what was stored. */
static void test_record_round_trip(void **state)
{
	(void)state;
	veuicc_gp_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.aid, "\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x11\x00", 16);
	e.aid_len = 16;
	e.kind = VEUICC_GP_ISDP;
	e.slot = -1;
	/* DGI value with all three, then a replacement of 45 */
	static const uint8_t v1[] = {0x42, 0x02, 0x01, 0x02, 0x45, 0x01,
	                             0x11, 0x5F, 0x20, 0x02, 0x03, 0x04};
	static const uint8_t v2[] = {0x45, 0x02, 0x22, 0x23};
	assert_int_equal(veuicc_isdp_store_ident(&e, v1, sizeof(v1)), 0x9000);
	assert_int_equal(veuicc_isdp_store_ident(&e, v2, sizeof(v2)), 0x9000);
	assert_int_equal(e.sd_ident_len[VEUICC_SD_IDENT_SIN], 2);
	assert_int_equal(e.sd_ident_len[VEUICC_SD_IDENT_SDIN], 2);
	assert_int_equal(e.sd_ident_len[VEUICC_SD_IDENT_APID], 2);
	assert_memory_equal(e.sd_ident[VEUICC_SD_IDENT_SDIN], "\x22\x23", 2);
	/* bad coding leaves everything as it was */
	static const uint8_t bad[] = {0x45, 0x01, 0x99, 0x45, 0x01, 0x98};
	assert_int_equal(veuicc_isdp_store_ident(&e, bad, sizeof(bad)), 0x6A80);
	assert_memory_equal(e.sd_ident[VEUICC_SD_IDENT_SDIN], "\x22\x23", 2);
	/* CRT comparison */
	static const uint8_t crt_ok[] = {0x45, 0x02, 0x22, 0x23, 0x93, 0x01, 0x07};
	static const uint8_t crt_bad[] = {0x5F, 0x20, 0x02, 0x03, 0x05};
	assert_true(veuicc_isdp_crt_matches(&e, crt_ok, sizeof(crt_ok)));
	assert_false(veuicc_isdp_crt_matches(&e, crt_bad, sizeof(crt_bad)));
	/* the record: 14 0D 42 02 0102 45 02 2223 5F20 02 0304 */
	veuicc_gp_registry r, back;
	veuicc_gp_registry_init(&r);
	veuicc_gp_registry_init(&back);
	assert_int_equal(veuicc_gp_registry_add(&r, &e, NULL), VEUICC_OK);
	uint8_t *rec;
	size_t n;
	assert_int_equal(veuicc_gp_registry_serialise(&r, no_slot_ref, NULL, &rec, &n), VEUICC_OK);
	static const uint8_t field[] = {0x14, 0x0D, 0x42, 0x02, 0x01, 0x02, 0x45, 0x02,
	                                0x22, 0x23, 0x5F, 0x20, 0x02, 0x03, 0x04};
	assert_true(n >= sizeof(field));
	assert_memory_equal(rec + n - sizeof(field), field, sizeof(field));
	assert_int_equal(veuicc_gp_registry_deserialise(&back, rec, n, no_ref_slot, NULL),
	                 VEUICC_OK);
	assert_int_equal(back.count, 1);
	assert_memory_equal(back.e[0].sd_ident, e.sd_ident, sizeof(e.sd_ident));
	assert_memory_equal(back.e[0].sd_ident_len, e.sd_ident_len, sizeof(e.sd_ident_len));
	/* a field 14 with a tag DGI 0070 does not take is refused */
	veuicc_gp_registry_free(&back);
	veuicc_gp_registry_init(&back);
	rec[n - sizeof(field) + 2] = 0x43;
	assert_int_equal(veuicc_gp_registry_deserialise(&back, rec, n, no_ref_slot, NULL),
	                 VEUICC_ERR_MALFORMED);
	free(rec);
	veuicc_gp_registry_free(&r);
	veuicc_gp_registry_free(&back);
}

/* A keyed card (factory/default.json), test mode off: GET DATA 66 and the
 * ISD-R's CPLC are open; the ISD-P's 42/45 and FF21 are not. */
static void test_open_reads(void **state)
{
	(void)state;
	const char *factory = getenv("VEUICC_FACTORY");
	assert_non_null(factory);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80CA006600",
	        "663D 733B 0607 2A864886FC6B01 600B 0609 2A864886FC6B020203 6309 0607 "
	        "2A864886FC6B03 640B 0609 2A864886FC6B040370 640B 0609 2A864886FC6B048000 9000");
	th_xfer(card, "80CA9F7F00",
	        "9F7F2A 0000 0000 5645 0000 0000 0000 78901235 "
	        "0000000000000000000000000000000000000000000000000000 9000");
	th_xfer(card, "80CAFF2100", "6982");
	th_xfer(card, "00A4040C10" PFX "00001000", "9000");
	th_xfer(card, "80CA006600",
	        "6630 732E 0607 2A864886FC6B01 600B 0609 2A864886FC6B020203 6309 0607 "
	        "2A864886FC6B03 640B 0609 2A864886FC6B040370 9000");
	th_xfer(card, "80CA004500", "6982");
	th_xfer(card, "80E28800 09 0070 06 45 04 00000011", "6982");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crt_checked),        cmocka_unit_test(test_crt_partial),
	    cmocka_unit_test(test_crt_unpersonalised), cmocka_unit_test(test_record_round_trip),
	    cmocka_unit_test(test_open_reads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
