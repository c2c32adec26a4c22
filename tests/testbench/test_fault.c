/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection (docs/testbench.md, issue 11 item 2) through the API: an
 * injected status word (APDU prefix with wildcards, Nth match, command not
 * run), a power cut at the Nth persistent write, per-APDU latency kept for
 * the driver (the library does not sleep), a discarded proactive command and
 * an SMS-PP segment corrupted before processing. Each fires once, at the
 * chosen occurrence, and logs exactly one line; a bad spec arms nothing.
 */
#include <time.h>
#include <unistd.h>

#include "../cat/ota_helpers.h"
#include "core/card.h"
#include "store/store.h"
#include "test_tmp.h"

#define V7     "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define FB     "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define USIM   "A0000000871002"
#define PIN1   "30303030FFFFFFFF"
#define PINBAD "31323334FFFFFFFF"

struct logbuf {
	int n;
	char last[256];
	char all[2048];
};

static void logcb(void *ctx, const char *line)
{
	struct logbuf *l = ctx;
	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", line);
	size_t k = strlen(l->all);
	snprintf(l->all + k, sizeof(l->all) - k, "%s\n", line);
}

static veuicc_card *v7_card(struct logbuf *lb)
{
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.profile = der;
	cfg.profile_len = len;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	free(der);
	veuicc_set_log(card, logcb, lb);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	return card;
}

static void test_sw(void **state)
{
	(void)state;
	struct logbuf lb = {0};
	veuicc_card *card = v7_card(&lb);
	assert_int_equal(veuicc_card_fault(card, "sw:6A82:00A4:2"), VEUICC_OK);
	th_xfer(card, "00A4000C023F00", "9000"); /* match 1: run */
	assert_int_equal(lb.n, 0);
	th_xfer(card, "00A4000C022FE2", "6A82"); /* match 2: answered, not run */
	assert_int_equal(lb.n, 1);
	assert_string_equal(lb.last,
	                    "veuicc fault: APDU 2 (00 A4 00 0C, match 2) answered 6A82, not run");
	th_xfer(card, "00B000000A", "6986");     /* still the MF: no EF selected */
	th_xfer(card, "00A4000C022FE2", "9000"); /* fired once */
	th_xfer(card, "00B000000A", "98001032547698103214 9000");
	assert_int_equal(lb.n, 1);

	/* "xx" matches any byte: a wrong VERIFY is answered, not counted */
	assert_int_equal(veuicc_card_fault(card, "sw:6985:xx2000"), VEUICC_OK);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "0020000108" PINBAD, "6985");
	th_xfer(card, "0020000100", "63C3");
	assert_int_equal(lb.n, 2);
	/* two items at once, on different commands */
	th_xfer(card, "0020000108" PIN1, "9000");
	assert_int_equal(veuicc_card_fault(card, "sw:6F00:00B0;sw:6581:00A4000C:1"), VEUICC_OK);
	th_xfer(card, "00A4000C026F07", "6581");
	th_xfer(card, "00A4000C026F07", "9000");
	th_xfer(card, "00B0000009", "6F00");
	th_xfer(card, "00B0000009", "080910101032547698 9000");
	assert_int_equal(lb.n, 4);

	/* bad specs: refused whole, nothing armed */
	static const char *const bad[] = {
	    "",
	    "sw",
	    "sw:6A8:00A4",
	    "sw:6A82:0A4",
	    "sw:xx82:00A4",
	    "sw:6A82:",
	    "sw:6A82:00A4:0",
	    "sw:6A82:00A4:1:2",
	    "cut:0",
	    "cut:x",
	    "drop:",
	    "drop:0",
	    "ota:1:2:3",
	    "ota:1:256",
	    "latency:-1",
	    "foo:1",
	    "sw:6A82:00A4;",
	    "sw:6A82:00A4;bogus",
	    ";",
	    "latency:1:2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (veuicc_card_fault(card, bad[i]) != VEUICC_ERR_MALFORMED)
			fail_msg("spec \"%s\" accepted", bad[i]);
	th_xfer(card, "00A4000C023F00", "9000");
	th_xfer(card, "00A4000C022FE2", "9000");
	assert_int_equal(lb.n, 4);
	/* a card in memory has no persistent write to cut */
	assert_int_equal(veuicc_card_fault(card, "cut:1"), VEUICC_ERR_UNSUPPORTED);
	assert_int_equal(veuicc_card_fault(card, "sw:6A82:00A4;cut:1"), VEUICC_ERR_UNSUPPORTED);
	th_xfer(card, "00A4000C023F00", "9000"); /* the sw: item was not armed either */
	/* clear */
	assert_int_equal(veuicc_card_fault(card, "sw:6A82:00A4"), VEUICC_OK);
	veuicc_card_fault_clear(card);
	th_xfer(card, "00A4000C023F00", "9000");
	assert_int_equal(veuicc_card_fault(NULL, "cut:1"), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_card_fault(card, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_card_free(card);
}

static void test_cut(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/veuicc-fault-%ld.db", test_tmp_dir(), (long)getpid());
	unlink(path);
	size_t len;
	uint8_t *der = th_load("VEUICC_PROFILES", V7, &len);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.profile = der;
	cfg.profile_len = len;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	free(der);
	struct logbuf lb = {0};
	veuicc_set_log(card, logcb, &lb);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	uint64_t w0 = veuicc_store_writes(card->store);
	/* a wrong PIN is one put (the profile state) and the commit: cut the commit */
	assert_int_equal(veuicc_card_fault(card, "cut:2"), VEUICC_OK);
	th_xfer(card, "00A4040C07" USIM, "9000"); /* no write */
	assert_int_equal(lb.n, 0);
	th_xfer(card, "0020000108" PINBAD, "6581");
	assert_int_equal(veuicc_store_writes(card->store), w0 + 2);
	assert_int_equal(lb.n, 1);
	char want[200];
	snprintf(want, sizeof(want),
	         "veuicc fault: power cut at persistent write 2 since armed (store write %llu): "
	         "card dies",
	         (unsigned long long)(w0 + 2));
	assert_string_equal(lb.last, want);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_ERR_IO);
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "0020000100", "63C3"); /* the cut try was not counted */
	/* cleared before it fires: nothing happens */
	assert_int_equal(veuicc_card_fault(card, "cut:1"), VEUICC_OK);
	veuicc_card_fault_clear(card);
	th_xfer(card, "0020000108" PINBAD, "63C2");
	veuicc_card_free(card);
	unlink(path);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_latency(void **state)
{
	(void)state;
	struct logbuf lb = {0};
	veuicc_card *card = v7_card(&lb);
	assert_int_equal(veuicc_card_fault_latency(card), 0);
	assert_int_equal(lb.n, 0);
	assert_int_equal(veuicc_card_fault(card, "latency:250"), VEUICC_OK);
	assert_int_equal(veuicc_card_fault_latency(card), 250);
	assert_string_equal(lb.last, "veuicc fault: latency 250 ms before APDU 1");
	/* the library itself does not sleep */
	double t0 = now_ms();
	th_xfer(card, "00A4000C023F00", "9000");
	assert_true(now_ms() - t0 < 200);
	assert_int_equal(veuicc_card_fault_latency(card), 250);
	assert_string_equal(lb.last, "veuicc fault: latency 250 ms before APDU 2");
	veuicc_card_fault_clear(card);
	assert_int_equal(veuicc_card_fault_latency(card), 0);
	assert_int_equal(lb.n, 2);
	veuicc_card_free(card);
}

#define TP_REFRESH "80100000 04 02008000"
#define REFRESH01  "D009 8103010104 82028182"
#define ENABLE11   "80E28800 15 3A0312 4F10" ISDP11

/* factory/default.json with a second profile, the ISD-R selected (as in
 * tests/cat/test_proactive.c) */
static veuicc_card *two_profiles(struct logbuf *lb)
{
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA", FB, &len);
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, NULL, 0), VEUICC_OK);
	free(der);
	veuicc_set_log(card, logcb, lb);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, ENABLE11, "9000");
	th_xfer(card, TP_REFRESH, "9000");
	return card;
}

static void test_drop_proactive(void **state)
{
	(void)state;
	struct logbuf lb = {0};
	/* without the fault: the Fall-Back mechanism queues a REFRESH */
	veuicc_card *card = two_profiles(&lb);
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	th_xfer(card, "00700001", "910B");
	th_xfer(card, "8012000000", REFRESH01 " 9000");
	veuicc_card_free(card);
	/* drop:1: the REFRESH is discarded */
	card = two_profiles(&lb);
	assert_int_equal(veuicc_card_fault(card, "drop:1"), VEUICC_OK);
	assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	assert_int_equal(lb.n, 1);
	assert_string_equal(lb.last, "veuicc fault: proactive command 1 (type 01) discarded");
	th_xfer(card, "00700001", "9000");
	th_xfer(card, "8012000000", "6985");
	/* once only: the next one (the EnableProfile's REFRESH) is queued */
	th_xfer(card, "00A4040C10" ISDR, "9000");
	th_xfer(card, ENABLE11, "910B");
	assert_int_equal(lb.n, 1);
	veuicc_card_free(card);
}

/* ENVELOPE (SMS-PP) carrying a GET STATUS packet for the ISD-R, counter c */
static size_t get_status_env(host *x, uint8_t c, uint8_t *apdu)
{
	host_init(x, 0x16, 0x19, c);
	uint8_t pkt[255];
	size_t pl = ota_packet(x, "AA 0A 22 08 80F28002024F0000", pkt, sizeof(pkt));
	return ota_envelope("02 70 00", pkt, pl, 1, apdu);
}

static void test_corrupt_ota(void **state)
{
	(void)state;
	struct logbuf lb = {0};
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	veuicc_set_log(card, logcb, &lb);
	assert_int_equal(veuicc_card_fault(card, "ota:2"), VEUICC_OK);
	host x;
	uint8_t apdu[400], r[600];
	char hex[1200];
	/* 1st: processed; the PoR carries the GET STATUS answer */
	size_t al = get_status_env(&x, 1, apdu);
	size_t rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	assert_int_equal(ota_por(&x, r, rl - 2, hex), VEUICC_SCP80_POR_OK);
	assert_non_null(strstr(hex, "E31B4F10" ISDR));
	assert_int_equal(lb.n, 0);
	/* 2nd: its last TPDU byte (inside the ciphered packet) inverted: the
	 * ISD-R drops an unauthenticated packet without a PoR (SGP.02 §2.4.3) */
	al = get_status_env(&x, 2, apdu);
	rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0] << 8 | r[1], 0x9000);
	assert_int_equal(lb.n, 1);
	assert_non_null(strstr(lb.last, "veuicc fault: SMS-PP ENVELOPE 2 (APDU 2): TPDU byte "));
	/* 3rd, the same packet again (counter 2 was never accepted): processed */
	rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(ota_por(&x, r, rl - 2, hex), VEUICC_SCP80_POR_OK);
	assert_int_equal(lb.n, 1);
	/* an explicit offset: byte 0 of the TPDU (the MTI/UDHI octet) */
	assert_int_equal(veuicc_card_fault(card, "ota:1:0"), VEUICC_OK);
	al = get_status_env(&x, 3, apdu);
	rl = ota_xfer(card, apdu, al, r, sizeof(r));
	/* 0xBF: TP-MTI 11 (reserved) — not an SMS-DELIVER: 6A80 (envelope.c) */
	assert_int_equal(rl, 2);
	assert_int_equal(r[0] << 8 | r[1], 0x6A80);
	assert_non_null(strstr(lb.last, "TPDU byte 0 of "));
	assert_non_null(strstr(lb.last, "inverted 40 -> BF"));
	/* non-ENVELOPE APDUs do not count */
	assert_int_equal(veuicc_card_fault(card, "ota:1:200"), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	al = get_status_env(&x, 4, apdu);
	rl = ota_xfer(card, apdu, al, r, sizeof(r));
	assert_int_equal(ota_por(&x, r, rl - 2, hex), VEUICC_SCP80_POR_OK);
	assert_non_null(strstr(lb.last, "byte 200 not corrupted"));
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sw),          cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_latency),     cmocka_unit_test(test_drop_proactive),
	    cmocka_unit_test(test_corrupt_ota),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
