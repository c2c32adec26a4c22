/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card clock (veuicc_config.clock_utc, veuicc_set_clock; decision DL1):
 * the validity dates 5F25/5F24 of CERT.DP.ECDSA are checked in the 3A01 of
 * EstablishISDPKeySet only when the card has a clock. Certificates minted by
 * veuicc-pki: the committed default SM-DP certificate (2025-01-01 ..
 * 2049-12-31, tests/data/cert/minted) and one valid in March 2027 only
 * (tests/data/keyest/dates, SOURCES.md there). The clock is set one second
 * before, on, inside and one second after each bound; expected timestamps
 * were computed with python's calendar.timegm.
 */
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "euicc/cert.h"
#include "euicc/keyest.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ISDP10   PFX "00001000"
#define SEL_ISDR "00A4040C10" ISDR

/* seconds since the epoch (UTC) */
#define T_20241231_235959 INT64_C(1735689599)
#define T_20250101_000000 INT64_C(1735689600)
#define T_20261125_000000 INT64_C(1795564800)
#define T_20491231_235959 INT64_C(2524607999)
#define T_20500101_000000 INT64_C(2524608000)
#define T_20270228_235959 INT64_C(1803859199)
#define T_20270301_000000 INT64_C(1803859200)
#define T_20270315_120000 INT64_C(1805112000)
#define T_20270331_235959 INT64_C(1806537599)
#define T_20270401_000000 INT64_C(1806537600)

static veuicc_card *new_card(int64_t clock)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* plain ES5/ES8 APDUs */
	cfg.clock_utc = clock;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card,
	        "80E60C00 3F 10" PFX "00000D00 10" PFX "00000E00 10" ISDP10
	        " 0380C000 06C90481028100 00 00",
	        "009000");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E62000 16 000010" ISDP10 "000000 00", "009000");
	return card;
}

typedef struct blob {
	uint8_t b[300];
	size_t n;
} blob;

static void load(const char *name, blob *c)
{
	size_t n;
	uint8_t *b = th_load("VEUICC_TEST_DATA", name, &n);
	assert_true(n <= sizeof(c->b));
	memcpy(c->b, b, n);
	c->n = n;
	free(b);
}

/* STORE DATA 3A01 { cert }: the SW; \p rc_len gets the response length. */
static uint16_t send_cert(veuicc_card *card, const blob *cert, size_t *rsp_len)
{
	uint8_t c[5 + 3 + sizeof(cert->b) + 1] = {
	    0x80, 0xE2, 0x09, 0x00, (uint8_t)(cert->n + 3), 0x3A, 0x01, (uint8_t)cert->n};
	memcpy(c + 8, cert->b, cert->n);
	c[8 + cert->n] = 0x00;
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, c, 9 + cert->n, r, sizeof(r), &rl), VEUICC_OK);
	assert_true(rl >= 2);
	*rsp_len = rl - 2;
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

/* After a refused 3A01 there is no challenge: a 3A02 finds none (6985),
 * and the ISD-P is SELECTABLE without keys. */
static void refused_leaves_nothing(veuicc_card *card)
{
	uint8_t aid[16];
	th_unhex(ISDP10, aid, sizeof(aid));
	assert_null(veuicc_isdp_keyset(card, aid, sizeof(aid)));
	/* a syntactically complete 3A02 is not even parsed: no pending 3A01 */
	th_xfer(card, "80E28901 06 3A0203A60100 00", "6985");
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80F24002 17 4F10" ISDP10 " 5C034F9F70 00",
	        "E3164F10" ISDP10 "9F700107 9000");
}

static void expect(const char *cert_file, int64_t clock, uint16_t sw)
{
	blob c;
	load(cert_file, &c);
	veuicc_card *card = new_card(clock);
	size_t n = 0;
	uint16_t got = send_cert(card, &c, &n);
	if (got != sw)
		fail_msg("%s at clock %lld: SW %04X, want %04X", cert_file, (long long)clock, got,
		         sw);
	if (sw == 0x9000) {
		assert_int_equal(n, 18); /* 85 10 RC */
	} else {
		assert_int_equal(n, 0);
		refused_leaves_nothing(card);
	}
	veuicc_card_free(card);
}

#define DEFAULT_DP "cert/minted/nist/smdp.7f21"
#define MARCH_DP   "keyest/dates/nist/smdp.7f21"

/* Without a clock the dates are never checked (the default card). */
static void test_no_clock(void **state)
{
	(void)state;
	expect(DEFAULT_DP, 0, 0x9000);
	expect(MARCH_DP, 0, 0x9000); /* not valid today (2026), accepted */
}

/* The default certificate, 2025-01-01 .. 2049-12-31 (both days included). */
static void test_default_certificate_bounds(void **state)
{
	(void)state;
	expect(DEFAULT_DP, T_20241231_235959, 0x6982); /* not yet valid */
	expect(DEFAULT_DP, T_20250101_000000, 0x9000);
	expect(DEFAULT_DP, T_20261125_000000, 0x9000);
	expect(DEFAULT_DP, T_20491231_235959, 0x9000);
	expect(DEFAULT_DP, T_20500101_000000, 0x6982); /* expired */
	expect(DEFAULT_DP, VEUICC_CLOCK_HOST, 0x9000); /* the host's time: inside */
}

/* The March 2027 certificate: before, inside, after. */
static void test_march_certificate(void **state)
{
	(void)state;
	expect(MARCH_DP, T_20261125_000000, 0x6982);
	expect(MARCH_DP, T_20270228_235959, 0x6982);
	expect(MARCH_DP, T_20270301_000000, 0x9000);
	expect(MARCH_DP, T_20270315_120000, 0x9000);
	expect(MARCH_DP, T_20270331_235959, 0x9000);
	expect(MARCH_DP, T_20270401_000000, 0x6982);
}

/* veuicc_set_clock changes the card's time at run time; 0 removes it. */
static void test_set_clock(void **state)
{
	(void)state;
	blob c;
	load(MARCH_DP, &c);
	veuicc_card *card = new_card(T_20270401_000000);
	size_t n;
	assert_int_equal(send_cert(card, &c, &n), 0x6982);
	assert_int_equal(veuicc_set_clock(card, T_20270315_120000), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E62000 16 000010" ISDP10 "000000 00", "009000");
	assert_int_equal(send_cert(card, &c, &n), 0x9000);
	assert_int_equal(veuicc_set_clock(card, T_20261125_000000), VEUICC_OK);
	assert_int_equal(send_cert(card, &c, &n), 0x6982);
	assert_int_equal(veuicc_set_clock(card, 0), VEUICC_OK);
	assert_int_equal(send_cert(card, &c, &n), 0x9000);
	assert_int_equal(veuicc_set_clock(NULL, 0), VEUICC_ERR_INVALID_ARG);
	veuicc_card_free(card);
}

/* A card file reopened with another clock uses the new one (the clock is
 * configuration, not card state). */
static void test_clock_not_persisted(void **state)
{
	(void)state;
	char path[512];
	test_tmp_template(path, sizeof(path), "clock");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	cfg.clock_utc = T_20500101_000000;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_today(card), 20500101u);
	veuicc_card_free(card);
	cfg.clock_utc = 0;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_today(card), 0u);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* The UTC day of a timestamp (python calendar.timegm as the reference). */
static void test_utc_day(void **state)
{
	(void)state;
	assert_int_equal(veuicc_cert_utc_day(0), 19700101u);
	assert_int_equal(veuicc_cert_utc_day(-1), 19691231u);
	assert_int_equal(veuicc_cert_utc_day(INT64_C(951782400)), 20000229u);
	assert_int_equal(veuicc_cert_utc_day(INT64_C(1709251199)), 20240229u);
	assert_int_equal(veuicc_cert_utc_day(T_20241231_235959), 20241231u);
	assert_int_equal(veuicc_cert_utc_day(T_20250101_000000), 20250101u);
	assert_int_equal(veuicc_cert_utc_day(INT64_C(4102444800)), 21000101u);
	assert_int_equal(veuicc_cert_utc_day(INT64_C(253402300799)), 99991231u);
	assert_int_equal(veuicc_cert_utc_day(INT64_C(253402300800)), 0u); /* year 10000 */
}

/* The brainpool March certificate at the certificate layer (the default
 * card's ECASD is NIST; the keyest oracle covers brainpool key
 * establishment): signature by the brainpool CI, dates per the clock. */
static void test_brainpool_dates(void **state)
{
	(void)state;
	blob c, ci;
	load("keyest/dates/brp/smdp.7f21", &c);
	load("cert/minted/brp/ci.7f21", &ci);
	veuicc_cert dp, cic;
	assert_int_equal(veuicc_cert_parse(c.b, c.n, 0, &dp, NULL), VEUICC_OK);
	assert_int_equal(veuicc_cert_parse(ci.b, ci.n, 0, &cic, NULL), VEUICC_OK);
	assert_int_equal(dp.effective, 20270301u);
	assert_int_equal(dp.expiry, 20270331u);
	veuicc_cert_policy pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMDP, 0, true};
	veuicc_cert_reason why;
	const struct {
		int64_t t;
		int err;
		veuicc_cert_reason why;
	} v[] = {
	    {0, VEUICC_OK, VEUICC_CERT_OK},
	    {T_20270228_235959, VEUICC_ERR_STATE, VEUICC_CERT_NOT_YET_VALID},
	    {T_20270301_000000, VEUICC_OK, VEUICC_CERT_OK},
	    {T_20270331_235959, VEUICC_OK, VEUICC_CERT_OK},
	    {T_20270401_000000, VEUICC_ERR_STATE, VEUICC_CERT_EXPIRED},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pol.today = v[i].t ? veuicc_cert_utc_day(v[i].t) : 0;
		assert_int_equal(veuicc_cert_check(&dp, &cic.pubkey, &pol, &why), v[i].err);
		assert_int_equal(why, v[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_clock),
	    cmocka_unit_test(test_default_certificate_bounds),
	    cmocka_unit_test(test_march_certificate),
	    cmocka_unit_test(test_set_clock),
	    cmocka_unit_test(test_clock_not_persisted),
	    cmocka_unit_test(test_utc_day),
	    cmocka_unit_test(test_brainpool_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
