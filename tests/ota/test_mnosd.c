/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MNO-SD of the enabled profile as a security domain on the card
 * (gp/mnosd.c, docs/scp03.md "Profile security domains"): SELECT only while
 * its profile is enabled, the plain-command policy, PUT KEY over SCP80 by
 * its TAR (one implementation with the APDU path), SCP03 counters and key
 * sets across veuicc_card_open(). The card comes from factory/default.json
 * (TS.48 V7.0 enabled: MNO-SD A000000151000000, SCP80 key sets KVN 01 3DES
 * and 02 AES, every key 000102..0F). The PUT KEY cryptogram and KCVs below
 * were computed with python3-cryptography (tests/scp03/host.py's aes_cbc,
 * aes_ecb): keys A0..AF, B0..BF, C0..CF wrapped under the KVN 02 DEK.
 */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "cat/sms_pp.h"
#include "core/card.h"
#include "core/profiles.h"
#include "saip/saip.h"
#include "scp/scp80.h"
#include "test_tmp.h"

#define TAR_MNO_SD "B20100"
#define SEL_MNOSD  "00A4040008A00000015100000000"
#define SEL_NR     "00A4040C08A000000151000000"
#define FCI        "6F108408A000000151000000A5049F6501FF9000"
/* PUT KEY: new SCP03 key set KVN 30 (AES-128) wrapped under key 03 of KVN 02 */
#define PUT_KEY_30                                                                                 \
	"80D8008146308811105E18D1FEF61D087EC0A33ED734A7918F03EE72CB881110E315209ED0E7C94F74A6"     \
	"5C99F6EADC1E0349B6D5881110AD393003D3E6BC5268F0D833E0050B7803FB9292"
#define PUT_KEY_RSP "30EE72CB49B6D5FB9292"
/* PUT KEY: new SCP80 key set KVN 03, AES: KIc 20..2F, KID 30..3F, DEK 40..4F */
#define PUT_KEY_03                                                                                 \
	"80D8008146038811105BE87E2E5B447C944B21C9AF7756C0D803840DE588111003F2C3BDCA826BF082D7"     \
	"CFB035CDB8C1035EAADA881110D533E59B45A153ED7E5E9C5DFCFD4AAA03504A77"
#define PUT_KEY_03_RSP "03840DE55EAADA504A77"
#define KEYS_03        "C004010388 10C004020388 10C004030388 10"
#define TS48_KEYS      "C004010180 10C004020180 10C004030180 10C004010288 10C004020288 10C004030288 10"
#define KEYS_30        "C004013088 10C004023088 10C004033088 10"
/* GET STATUS P1 40: the MNO-SD itself (TS.48 has no PE-Application) */
#define GS_ALL "80F24002024F0000"
#define GS_SD  "E3134F08A0000001510000009F70010FC50382DC00"
#define IU_30  "8050300008 1122334455667788 00"

typedef struct host {
	veuicc_scp80_keyset ks;
	veuicc_scp80_host h;
} host;

/* AES key set \p kvn (KIc bytes kic0.., KID bytes kid0..), SPI 16 19: CC,
 * ciphering, counter higher; PoR with CC, ciphered. KVN 02: the TS.48 set. */
static void host_kvn(host *x, uint8_t kvn, uint8_t kic0, uint8_t kid0, uint8_t cntr)
{
	memset(x, 0, sizeof(*x));
	x->ks.kvn = kvn;
	x->ks.kic_alg = x->ks.kid_alg = VEUICC_SCP80_ALG_AES;
	x->ks.kic_len = x->ks.kid_len = 16;
	for (int i = 0; i < 16; i++) {
		x->ks.kic[i] = (uint8_t)(kic0 + i);
		x->ks.kid[i] = (uint8_t)(kid0 + i);
	}
	x->ks.cc_len = 8;
	x->h.spi[0] = 0x16;
	x->h.spi[1] = 0x19;
	x->h.kic = x->h.kid = (uint8_t)(kvn << 4 | 0x02);
	th_unhex(TAR_MNO_SD, x->h.tar, 3);
	x->h.cntr[4] = cntr;
	x->h.kic_ks = x->h.kid_ks = &x->ks;
}

/* Send `script` (hex) by the MNO-SD TAR with x; expect PoR status 00 and `expect`. */
static void ota_with(veuicc_card *card, const host *xp, const char *script, const char *expect)
{
	host x = *xp;
	x.h.kic_ks = x.h.kid_ks = &x.ks;
	uint8_t data[200], pkt[255], apdu[300], r[600], work[600];
	size_t dl = th_unhex(script, data, sizeof(data)), pl = 0, rl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x.h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	size_t al = sms_pp_envelope(SMS_PP_DEVICES, "027000", pkt, pl, 0, apdu);
	apdu[al++] = 0x00;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_true(rl > 2);
	uint8_t status = 0xFF;
	const uint8_t *d;
	size_t n;
	assert_int_equal(
	    veuicc_scp80_unwrap_por(&x.h, r, rl - 2, work, sizeof(work), &status, &d, &n),
	    VEUICC_OK);
	char hex[1200], want[1200];
	uint8_t w[600];
	th_hex(d, n, hex);
	th_hex(w, th_unhex(expect, w, sizeof(w)), want);
	if (status != 0 || strcmp(hex, want))
		fail_msg("script %s\n  expected 00 %s\n  got      %02X %s", script, want, status,
		         hex);
}

/* The same with the TS.48 AES key set KVN 02 and counter \p cntr. */
static void ota(veuicc_card *card, uint8_t cntr, const char *script, const char *expect)
{
	host x;
	host_kvn(&x, 2, 0x00, 0x00, cntr);
	ota_with(card, &x, script, expect);
}

static veuicc_card *card_with(int test_mode, const char *path)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = getenv("VEUICC_FACTORY");
	assert_non_null(cfg.factory);
	cfg.test_mode = test_mode;
	veuicc_card *card;
	if (path)
		assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	else
		assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

/* INITIALIZE UPDATE KVN 30 in the clear: the sequence counter it returns. */
static unsigned iu_counter(veuicc_card *card)
{
	uint8_t c[32], r[64];
	size_t cl = th_unhex(IU_30, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(rl, 34);
	assert_int_equal(r[32], 0x90);
	assert_int_equal(r[10], 0x30); /* KVN */
	assert_int_equal(r[12], 0x70); /* i: pseudo-random challenge */
	return (unsigned)r[29] << 16 | (unsigned)r[30] << 8 | r[31];
}

/* SELECT answers the GP FCI while the profile is enabled, 6A82 while no
 * profile (or another one without this SD) is; a channel on which it is
 * selected loses it when the profile goes (M1). */
static void test_select_enabled_only(void **state)
{
	(void)state;
	veuicc_card *card = card_with(0, NULL);
	th_xfer(card, SEL_MNOSD, FCI);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A4040C08A000000151000000", "9000");
	th_xfer(card, "81CA00E000", "E024" TS48_KEYS "9000");
	assert_int_equal(veuicc_profiles_switch(card, -1, 1), VEUICC_OK); /* disabled */
	th_xfer(card, SEL_MNOSD, "6A82");
	th_xfer(card, "01A4040008A00000015100000000", "6A82");
	th_xfer(card, "81CA00E000", "6986"); /* nothing selected on channel 1 any more */
	assert_int_equal(veuicc_profiles_switch(card, 0, 1), VEUICC_OK); /* enabled */
	th_xfer(card, SEL_MNOSD, FCI);
	th_xfer(card, "01A4040008A00000015100000000", FCI);
	veuicc_card_free(card);
}

/* Plain commands once it has keys: only GET DATA 00E0 (and SELECT, IU,
 * EA); test mode re-opens the rest. */
static void test_policy(void **state)
{
	(void)state;
	veuicc_card *card = card_with(0, NULL);
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, "80CA00E000", "E024" TS48_KEYS "9000");
	th_xfer(card, PUT_KEY_30 "00", "6982");
	th_xfer(card, "80CA004500", "6982");
	/* card recognition data is open plain (G6) but not held by a profile SD */
	th_xfer(card, "80CA006600", "6A88");
	th_xfer(card, "80E400000100", "6982");
	th_xfer(card, GS_ALL, "6982");
	th_xfer(card, "80500000081122334455667788 00", "6A88"); /* no SCP03 key set */
	veuicc_card_free(card);
	card = card_with(1, NULL);
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, "80CA006600", "6A88");
	th_xfer(card, "80E400000100", "6D00");
	th_xfer(card, GS_ALL, GS_SD "9000");
	th_xfer(card, "80F240020B 4F06A00000015100 5C014F 00", "E30A4F08A000000151000000 9000");
	th_xfer(card, "80F24002064F04A0000099 00", "6A88");
	th_xfer(card, "80F28002024F0000", "6A86");
	th_xfer(card, "80F24002054F005C01C100", "6A80");
	th_xfer(card, PUT_KEY_30 "00", "6985"); /* no SCP03 key set, no session: no DEK */
	veuicc_card_free(card);
}

/* PUT KEY by the MNO-SD TAR (SCP80 KVN 02, DEK = its key 03) makes an SCP03
 * key set that INITIALIZE UPDATE then uses; the same APDU in the clear is
 * refused. */
static void test_ota_put_key(void **state)
{
	(void)state;
	veuicc_card *card = card_with(0, NULL);
	ota(card, 1, PUT_KEY_30 "00", "01 9000" PUT_KEY_RSP);
	ota(card, 2, "80CA00E000", "01 9000 E036" TS48_KEYS KEYS_30);
	/* expanded format: in the compact one INS F2 is the case-2 STATUS */
	ota(card, 3, "AA 0A 22 08" GS_ALL, "AB 1C 80 01 01 23 17" GS_SD "9000");
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, PUT_KEY_30 "00", "6982");
	assert_int_equal(iu_counter(card), 1);
	/* over SCP80 again: KVN 30 exists, a new set of that KVN is refused */
	ota(card, 4, PUT_KEY_30 "00", "01 6A80");
	/* a new SCP80 key set KVN 03 (KIc 20.., KID 30.., DEK 40..) is what the
	 * route uses for the next packet */
	ota(card, 5, PUT_KEY_03 "00", "01 9000" PUT_KEY_03_RSP);
	host x;
	host_kvn(&x, 3, 0x20, 0x30, 1);
	ota_with(card, &x, "80CA00E000", "01 9000 E048" TS48_KEYS KEYS_30 KEYS_03);
	veuicc_card_free(card);
}

/* The key set made by PUT KEY and the SCP03 counter survive reopening. */
static void test_persist(void **state)
{
	(void)state;
	char path[512];
	test_tmp_template(path, sizeof(path), "mnosd");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	veuicc_card *card = card_with(0, path);
	ota(card, 1, PUT_KEY_30 "00", "01 9000" PUT_KEY_RSP);
	th_xfer(card, SEL_NR, "9000");
	assert_int_equal(iu_counter(card), 1);
	assert_int_equal(iu_counter(card), 2);
	veuicc_card_free(card);
	card = card_with(0, path);
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, "80CA00E000", "E036" TS48_KEYS KEYS_30 "9000");
	assert_int_equal(iu_counter(card), 3);
	veuicc_card_free(card);
	unlink(path);
}

/* Two profiles with the same MNO-SD AID: the SD answering is the enabled
 * profile's, with its own key sets. */
static void test_per_profile(void **state)
{
	(void)state;
	veuicc_card *card = card_with(0, NULL);
	size_t len, out_len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA", "mnosd/TS48V7-MNOSD-SCP03.der", &len), *out;
	veuicc_saip_profile *p;
	veuicc_saip_error e;
	assert_int_equal(veuicc_saip_decode(der, len, &p, &e), VEUICC_OK);
	assert_int_equal(veuicc_saip_set_iccid(p, "89000123456789012358"), VEUICC_OK);
	assert_int_equal(veuicc_saip_encode(p, &out, &out_len), VEUICC_OK);
	assert_int_equal(veuicc_card_install_profile(card, out, out_len, &idx, NULL, 0), VEUICC_OK);
	veuicc_saip_free(p);
	free(out);
	free(der);
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, IU_30, "6A88"); /* the TS.48 MNO-SD has no KVN 30 */
	assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
	th_xfer(card, SEL_NR, "9000");
	th_xfer(card, "80CA00E000", "E036" TS48_KEYS KEYS_30 "9000");
	assert_int_equal(iu_counter(card), 1);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_select_enabled_only), cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_ota_put_key),         cmocka_unit_test(test_persist),
	    cmocka_unit_test(test_per_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
