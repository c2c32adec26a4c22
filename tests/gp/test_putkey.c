/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT KEY (GP CS v2.3 §11.8 + Amd D, digest secure-channels.md §1.7) and
 * GET DATA E0 on the ISD-R. The wrapped keys and KCVs below come from an
 * independent python3-cryptography computation (not from veuicc):
 *   AES: cgram = AES-CBC(DEK, IV 0, key), KCV = AES-ECB(key, 16 x 01)[:3],
 *        block 88 || len(cgram)+1 || len(key) || cgram || 03 || KCV
 *   3DES: cgram = 3DES-ECB(DEK, key), KCV = 3DES-ECB(key, 8 x 00)[:3],
 *        block 80 || 10 || cgram || 03 || KCV
 * DEK (AES) = 40..4F; keys 11*16, 2222222222222222 3333333333333333,
 * 0123456789ABCDEFFEDCBA9876543210; replacement key A0..AF. 3DES DEK
 * 0123456789ABCDEF23456789ABCDEF01, keys 8899AABBCCDDEEFF0011223344556677,
 * 1020304050607080A0B0C0D0E0F00102.
 */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "apdu/sw.h"
#include "gp/putkey.h"
#include "test_tmp.h"

/* P1 00 P2 81: new SCP03 key set KVN 31 (three AES-128 keys) */
#define AES_NEW_31                                                                                 \
	"3188111056995E11483713A09E127FB9CE267809030985428811107DD6C8BED206048040CC0AAAA86A2C5F03" \
	"6"                                                                                        \
	"2BF518811108D362080EE5DC6DBDB5FEE14AAA6726503CDFBF8"
#define AES_NEW_31_RSP "3109854262BF51CDFBF8"
/* P1 31 P2 02: replace key 02, new KVN 32 */
#define AES_REPL_32     "3288111051C5638131D7507BF7522FF0F2277BB403EE72CB"
#define AES_REPL_32_RSP "32EE72CB"
/* P1 00 P2 81: new SCP03 set KVN 33 of AES-256 keys 00..1F, 20..3F, 40..5F:
 * two-block cryptograms, where AES-CBC and AES-ECB wrapping differ */
#define AES256_NEW_33                                                                              \
	"338821203D0FA4B855D2A5AA4954B8B5DF582A3ABF60B14E76F32A85831A8068392FEA300375E2088821208C" \
	"AA"                                                                                       \
	"7F589AA0CEB6350A45E70A6E435B6CEF146348320B718929B2B137F025D003D0D72A88212080D2A5B08FA0EE" \
	"51"                                                                                       \
	"143B459E638106DF4BFFBEF74A2AF67B9FA583D2C7E80F7B03ECDCD8"
#define AES256_NEW_33_RSP "3375E208D0D72AECDCD8"
/* P1 00 P2 81 with the 3DES DEK: new SCP80 key set KVN 05 (KIc, KID) */
#define DES_NEW_05                                                                                 \
	"058010FEFBE901DC95C093D54BD4EB46750CD10363DADF80102B146E4535024661025875F722D7EA0903D672" \
	"DF"
#define DES_NEW_05_RSP "0563DADFD672DF"

static const uint8_t aes_dek[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                    0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};

typedef struct {
	veuicc_keyset set[4];
	size_t count;
	veuicc_gp_keysets ks;
} sets;

static void sets_init(sets *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->ks.set = s->set;
	s->ks.count = &s->count;
	s->ks.max = max;
}

/* Run PUT KEY with data hex; check SW and (on 9000) the response hex. */
static void put(sets *s, const veuicc_gp_dek *dek, uint8_t p1, uint8_t p2, const char *hex,
                uint16_t sw, const char *rsp)
{
	uint8_t d[256], out[10];
	char got[32];
	size_t n = th_unhex(hex, d, sizeof(d)), on = 0;
	assert_int_equal(veuicc_gp_put_key(&s->ks, dek, p1, p2, d, n, out, &on), sw);
	if (rsp) {
		th_hex(out, on, got);
		assert_string_equal(got, rsp);
	}
}

static void test_kcv(void **state)
{
	(void)state;
	uint8_t key[16], kcv[3];
	memset(key, 0x11, sizeof(key));
	assert_int_equal(veuicc_gp_kcv(true, key, 16, kcv), 0);
	assert_memory_equal(kcv, "\x09\x85\x42", 3);
	assert_int_equal(veuicc_gp_kcv(true, key, 15, kcv), -1);
}

static void test_aes_new_and_replace(void **state)
{
	(void)state;
	sets s;
	sets_init(&s, 4);
	veuicc_gp_dek dek = {aes_dek, 16, true};
	put(&s, &dek, 0x00, 0x81, AES_NEW_31, VEUICC_SW_OK, AES_NEW_31_RSP);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.set[0].kvn, 0x31);
	assert_int_equal(s.set[0].type, VEUICC_KEYSET_SCP03);
	assert_int_equal(s.set[0].key1_len, 16);
	assert_memory_equal(s.set[0].key1, "\x11\x11\x11\x11\x11\x11\x11\x11", 8);
	assert_memory_equal(s.set[0].key3, "\x01\x23\x45\x67\x89\xAB\xCD\xEF", 8);
	/* KVN 31 exists: creating it again is refused */
	put(&s, &dek, 0x00, 0x81, AES_NEW_31, VEUICC_SW_WRONG_DATA, NULL);
	assert_int_equal(s.count, 1);
	put(&s, &dek, 0x31, 0x02, AES_REPL_32, VEUICC_SW_OK, AES_REPL_32_RSP);
	/* AES-256 keys (CBC over two blocks) */
	put(&s, &dek, 0x00, 0x81, AES256_NEW_33, VEUICC_SW_OK, AES256_NEW_33_RSP);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.set[1].key3_len, 32);
	assert_memory_equal(s.set[1].key3 + 16, "\x50\x51\x52\x53\x54\x55\x56\x57", 8);
	/* a 128-bit key into the AES-256 set alone: length kept, refused */
	char kvn34[sizeof(AES_REPL_32)];
	snprintf(kvn34, sizeof(kvn34), "34%s", &AES_REPL_32[2]);
	put(&s, &dek, 0x33, 0x02, kvn34, VEUICC_SW_WRONG_DATA, NULL);
	assert_int_equal(s.set[1].kvn, 0x33);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.set[0].kvn, 0x32);
	assert_memory_equal(s.set[0].key2, "\xA0\xA1\xA2\xA3\xA4\xA5\xA6\xA7", 8);
	assert_memory_equal(s.set[0].key1, "\x11\x11\x11\x11", 4); /* untouched */
}

static void test_des_new(void **state)
{
	(void)state;
	static const uint8_t ddek[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
	                                 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01};
	sets s;
	sets_init(&s, 4);
	veuicc_gp_dek dek = {ddek, 16, false};
	put(&s, &dek, 0x00, 0x81, DES_NEW_05, VEUICC_SW_OK, DES_NEW_05_RSP);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.set[0].type, VEUICC_KEYSET_SCP80);
	assert_memory_equal(s.set[0].key1, "\x88\x99\xAA\xBB\xCC\xDD\xEE\xFF", 8);
	assert_memory_equal(s.set[0].key2, "\x10\x20\x30\x40\x50\x60\x70\x80", 8);
	/* replace the KIc (3DES, same algorithm): new KVN 06 */
	char kic[2 + 46 + 1];
	snprintf(kic, sizeof(kic), "06%.44s", &DES_NEW_05[2]);
	put(&s, &dek, 0x05, 0x01, kic, VEUICC_SW_OK, "0663DADF");
	assert_int_equal(s.set[0].kvn, 0x06);
	/* a 3DES set outside KVN 01-0F (no SCP80 set there) */
	char kvn31[sizeof(DES_NEW_05)];
	snprintf(kvn31, sizeof(kvn31), "31%s", &DES_NEW_05[2]);
	put(&s, &dek, 0x00, 0x81, kvn31, VEUICC_SW_WRONG_DATA, NULL);
	assert_int_equal(s.count, 1);
	/* a DEK of a bad length is no DEK */
	veuicc_gp_dek short_dek = {ddek, 8, false};
	put(&s, &short_dek, 0x06, 0x01, kic, VEUICC_SW_COND_NOT_SATISFIED, NULL);
	/* 3DES keys under an AES DEK: wrong key type for this DEK */
	sets t;
	sets_init(&t, 4);
	veuicc_gp_dek adek = {aes_dek, 16, true};
	put(&t, &adek, 0x00, 0x81, DES_NEW_05, VEUICC_SW_WRONG_DATA, NULL);
	assert_int_equal(t.count, 0);
}

static void test_errors(void **state)
{
	(void)state;
	sets s;
	sets_init(&s, 1);
	veuicc_gp_dek dek = {aes_dek, 16, true};
	/* P1 b8 RFU, key id 00 / 04 */
	put(&s, &dek, 0x80, 0x81, AES_NEW_31, VEUICC_SW_WRONG_P1P2, NULL);
	put(&s, &dek, 0x00, 0x80, AES_NEW_31, VEUICC_SW_WRONG_P1P2, NULL);
	put(&s, &dek, 0x00, 0x04, AES_NEW_31, VEUICC_SW_WRONG_P1P2, NULL);
	put(&s, &dek, 0x00, 0x81, "", VEUICC_SW_WRONG_LENGTH, NULL);
	/* no DEK */
	put(&s, NULL, 0x00, 0x81, AES_NEW_31, VEUICC_SW_COND_NOT_SATISFIED, NULL);
	/* several keys without the P2 b8 "multiple keys" bit */
	put(&s, &dek, 0x00, 0x01, AES_NEW_31, VEUICC_SW_WRONG_DATA, NULL);
	/* KVN to replace not found */
	put(&s, &dek, 0x31, 0x02, AES_REPL_32, VEUICC_SW_REF_DATA_NOT_FOUND, NULL);
	/* KCV mismatch (last byte F8 -> F9) */
	char bad[] = AES_NEW_31;
	bad[sizeof(bad) - 2] = '9';
	put(&s, &dek, 0x00, 0x81, bad, VEUICC_SW_WRONG_DATA, NULL);
	/* truncated key block */
	char cut[sizeof(AES_NEW_31)];
	snprintf(cut, sizeof(cut), "%s", AES_NEW_31);
	cut[sizeof(cut) - 5] = 0;
	put(&s, &dek, 0x00, 0x81, cut, VEUICC_SW_WRONG_DATA, NULL);
	assert_int_equal(s.count, 0);
	/* full: one slot, taken */
	put(&s, &dek, 0x00, 0x81, AES_NEW_31, VEUICC_SW_OK, AES_NEW_31_RSP);
	char kvn33[sizeof(AES_NEW_31)];
	snprintf(kvn33, sizeof(kvn33), "33%s", &AES_NEW_31[2]);
	put(&s, &dek, 0x00, 0x81, kvn33, VEUICC_SW_NOT_ENOUGH_MEMORY, NULL);
	assert_int_equal(s.count, 1);
}

/* ---- on the ISD-R: factory key sets, PUT KEY and GET DATA E0 ---------------- */

#define SEL_ISDR   "00A4040C10A0000005591010FFFFFFFF8900000100"
#define E0_FACTORY "C00401308810C00402308810C00403308810C00401018810C00402018810"
#define E0_NEW31   "C00401318810C00402318810C00403318810"

static void test_isdr(void **state)
{
	(void)state;
	char path[1024];
	const char *dir = getenv("VEUICC_TEST_DATA");
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/gp/factory_putkey.json", dir);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = path;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80CA00E000", "E01E" E0_FACTORY "9000");
	/* the ISD-R has keys: a plain PUT KEY is refused, nothing changes
	 * (gp/sd_session.c); the key information stays readable */
	th_xfer(card, "80D8008146" AES_NEW_31 "00", "6982");
	th_xfer(card, "80CA00E000", "E01E" E0_FACTORY "9000");
	veuicc_card_free(card);
	cfg.test_mode = 1; /* the plain path, as a test bench drives it */
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	/* a new key set under the DEK of SCP03 key set 30 */
	th_xfer(card, "80D8008146" AES_NEW_31 "00", AES_NEW_31_RSP "9000");
	th_xfer(card, "80CA00E000", "E030" E0_FACTORY E0_NEW31 "9000");
	assert_int_equal(veuicc_card_keyset_count(card), 3);
	veuicc_keyset k;
	assert_int_equal(veuicc_card_keyset(card, 2, &k), VEUICC_OK);
	assert_int_equal(k.kvn, 0x31);
	assert_memory_equal(k.key2, "\x22\x22\x22\x22\x22\x22\x22\x22\x33", 9);
	/* the AES KIc of SCP80 set 01 (aes-128): key 11..11, new KVN 02 */
	char kic[64];
	snprintf(kic, sizeof(kic),
	         "80D8010118"
	         "02%.46s"
	         "00",
	         &AES_NEW_31[2]);
	th_xfer(card, kic, "020985429000");
	assert_int_equal(veuicc_card_keyset(card, 1, &k), VEUICC_OK);
	assert_int_equal(k.kvn, 0x02);
	assert_memory_equal(k.key1, "\x11\x11\x11\x11", 4);
	/* the MAC key of SCP03 set 31 alone */
	th_xfer(card, "80D8310218" AES_REPL_32 "00", AES_REPL_32_RSP "9000");
	/* replace, errors: unknown KVN, bad P2, no data */
	th_xfer(card, "80D8310218" AES_REPL_32 "00", "6A88");
	th_xfer(card, "80D8320518" AES_REPL_32 "00", "6A86");
	th_xfer(card, "80D8000100", "6700");
	veuicc_card_free(card);
}

/* A card file keeps what PUT KEY changed: the new set comes back on reopen. */
static void test_isdr_keys_persist(void **state)
{
	(void)state;
	char path[1024], card_path[512];
	test_tmp_template(card_path, sizeof(card_path), "putkey");
	const char *dir = getenv("VEUICC_TEST_DATA");
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/gp/factory_putkey.json", dir);
	int fd = mkstemp(card_path);
	assert_true(fd >= 0);
	close(fd);
	unlink(card_path);
	char msg[256] = "";
	assert_int_equal(veuicc_card_create(card_path, path, msg, sizeof(msg)), VEUICC_OK);
	veuicc_card *card;
	veuicc_config tm;
	veuicc_config_init(&tm);
	tm.test_mode = 1; /* plain PUT KEY */
	assert_int_equal(veuicc_card_open(card_path, &tm, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80D8008146" AES_NEW_31 "00", AES_NEW_31_RSP "9000");
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_open(card_path, NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_keyset_count(card), 3);
	veuicc_keyset k;
	assert_int_equal(veuicc_card_keyset(card, 2, &k), VEUICC_OK);
	assert_int_equal(k.kvn, 0x31);
	assert_memory_equal(k.key2, "\x22\x22\x22\x22\x22\x22\x22\x22\x33", 9);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80CA00E000", "E030" E0_FACTORY E0_NEW31 "9000");
	veuicc_card_free(card);
	test_rm_card_file(card_path);
}

/* A card made without a factory configuration: no key sets, no DEK */
static void test_isdr_no_keys(void **state)
{
	(void)state;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80CA00E000", "E0009000");
	th_xfer(card, "80D8008146" AES_NEW_31 "00", "6985");
	assert_int_equal(veuicc_card_keyset_count(card), 0);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kcv),
	    cmocka_unit_test(test_aes_new_and_replace),
	    cmocka_unit_test(test_des_new),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_isdr),
	    cmocka_unit_test(test_isdr_no_keys),
	    cmocka_unit_test(test_isdr_keys_persist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
