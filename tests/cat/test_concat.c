/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concatenated SMS-PP download of one SCP80 command packet (docs/cat.md
 * "Concatenated command packets", docs/spec-decisions.md CT8-CT13): the UDHs
 * are written here from 3GPP TS 23.040 §9.2.3.24.1 (IE 00) and §9.2.3.24.8
 * (IE 08) and TS 31.115 §4 (CPI 70 in the first segment); in order, out of
 * order, duplicates, missing segments, wrong totals, a new reference, the
 * memory bound; rejected segments change nothing.
 */
#include "ota_helpers.h"

#include "cat/envelope.h"

#define GD_KEYS "80CA00E000" /* GET DATA key information, 5 bytes (compact: P3 = Le) */
#define N_CMDS  40
#define CNT_HEX "28"

/* The compact answer for N_CMDS of them (TS 102 226 §5.1.2: count, SW of
 * the last, its data), the data taken from the ISD-R's plain answer. */
static char por_ok[600];

static void learn(veuicc_card *card)
{
	uint8_t r[300];
	size_t rl = 0;
	th_xfer(card, SEL_ISDR, "9000");
	assert_int_equal(
	    veuicc_transmit(card, (const uint8_t *)"\x80\xCA\x00\xE0\x00", 5, r, sizeof(r), &rl),
	    VEUICC_OK);
	assert_true(rl > 2);
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	strcpy(por_ok, CNT_HEX "9000");
	th_hex(r, rl - 2, por_ok + strlen(por_ok));
}

typedef struct split {
	uint8_t pkt[400];
	size_t cut[5]; /* segment i = pkt[cut[i-1], cut[i]) */
	uint8_t total;
} split;

/* A compact script of N_CMDS GET DATA (too long for one SMS) with counter
 * cntr, cut into `total` segments. */
static void make(split *s, host *x, uint8_t cntr, uint8_t total)
{
	char script[N_CMDS * 10 + 1] = "";
	for (int i = 0; i < N_CMDS; i++)
		strcat(script, GD_KEYS);
	host_init(x, 0x16, 0x19, cntr);
	size_t pl = ota_packet(x, script, s->pkt, sizeof(s->pkt));
	assert_true(pl > 140 - 3); /* really needs concatenation */
	s->total = total;
	s->cut[0] = 0;
	for (uint8_t i = 1; i <= total; i++)
		s->cut[i] = pl * i / total;
}

/* Send segment seq with the concatenation IE (8-bit ref, or 16-bit when
 * ref16) announcing `total`, the CPI when cpi; returns the R-APDU length. */
static size_t send_seg(veuicc_card *card, const split *s, uint8_t seq, uint8_t total, uint16_t ref,
                       int ref16, int cpi, uint8_t *r, size_t rcap)
{
	char ie[32], udh[64];
	if (ref16)
		snprintf(ie, sizeof(ie), "08 04 %04X %02X %02X", ref, total, seq);
	else
		snprintf(ie, sizeof(ie), "00 03 %02X %02X %02X", ref, total, seq);
	snprintf(udh, sizeof(udh), "%02X %s %s", (ref16 ? 6 : 5) + (cpi ? 2 : 0), ie,
	         cpi ? "70 00" : "");
	uint8_t apdu[300];
	size_t al =
	    ota_envelope(udh, s->pkt + s->cut[seq - 1], s->cut[seq] - s->cut[seq - 1], 1, apdu);
	return ota_xfer(card, apdu, al, r, rcap);
}

/* The segment is kept (or ignored): 9000 without data. */
static void expect_kept(veuicc_card *card, const split *s, uint8_t seq, uint8_t total, uint16_t ref,
                        int ref16)
{
	uint8_t r[600];
	size_t rl = send_seg(card, s, seq, total, ref, ref16, seq == 1, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0] << 8 | r[1], 0x9000);
}

/* The segment is refused with sw. */
static void expect_sw(veuicc_card *card, const split *s, uint8_t seq, uint8_t total, uint16_t ref,
                      int cpi, unsigned sw)
{
	uint8_t r[600];
	size_t rl = send_seg(card, s, seq, total, ref, 0, cpi, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0] << 8 | r[1], sw);
}

/* The segment completes the packet: the PoR with `status` (and the
 * compact answer when 00). */
static void expect_por(veuicc_card *card, const split *s, const host *x, uint8_t seq, uint8_t total,
                       uint16_t ref, int ref16, uint8_t status)
{
	uint8_t r[600];
	char hex[1200];
	size_t rl = send_seg(card, s, seq, total, ref, ref16, seq == 1, r, sizeof(r));
	assert_true(rl > 2);
	assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x9000);
	assert_int_equal(ota_por(x, r, rl - 2, hex), status);
	assert_string_equal(hex, status == VEUICC_SCP80_POR_OK ? por_ok : "");
}

static void test_two_in_order(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	learn(card);
	split s;
	host x;
	make(&s, &x, 1, 2);
	expect_kept(card, &s, 1, 2, 0x2A, 0);
	expect_por(card, &s, &x, 2, 2, 0x2A, 0, VEUICC_SCP80_POR_OK);
	/* the same packet again: reassembled and refused as a replay (02) */
	expect_kept(card, &s, 1, 2, 0x2B, 0);
	expect_por(card, &s, &x, 2, 2, 0x2B, 0, VEUICC_SCP80_CNTR_LOW);
	veuicc_card_free(card);
}

/* IE 08 (16-bit reference), segments 3, 1, 2 (CT13). */
static void test_three_out_of_order_16bit(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	learn(card);
	split s;
	host x;
	make(&s, &x, 1, 3);
	expect_kept(card, &s, 3, 3, 0x1234, 1);
	expect_kept(card, &s, 1, 3, 0x1234, 1);
	expect_por(card, &s, &x, 2, 3, 0x1234, 1, VEUICC_SCP80_POR_OK);
	/* an 8-bit reference 34 is another message than the 16-bit 1234: it
	 * replaces the partial one (CT12), whose segment 1 must come again */
	make(&s, &x, 2, 2);
	expect_kept(card, &s, 1, 2, 0x1234, 1);
	expect_kept(card, &s, 2, 2, 0x34, 0);
	expect_kept(card, &s, 2, 2, 0x1234, 1);
	expect_por(card, &s, &x, 1, 2, 0x1234, 1, VEUICC_SCP80_POR_OK);
	veuicc_card_free(card);
}

/* A repeated segment is ignored (CT10): the packet runs once. */
static void test_duplicate(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	learn(card);
	split s;
	host x;
	make(&s, &x, 1, 3);
	expect_kept(card, &s, 1, 3, 7, 0);
	expect_kept(card, &s, 2, 3, 7, 0);
	expect_kept(card, &s, 2, 3, 7, 0);
	expect_kept(card, &s, 1, 3, 7, 0);
	expect_por(card, &s, &x, 3, 3, 7, 0, VEUICC_SCP80_POR_OK);
	veuicc_card_free(card);
}

/* Missing segment, then refused ones: wrong total (6A80), first segment
 * without CPI (6A80), more segments than the card keeps (6A84). None
 * changes the partial packet or the counters: the missing segment then
 * completes it and its counter (5) is accepted. */
static void test_missing_and_refused(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	learn(card);
	split s;
	host x;
	make(&s, &x, 5, 3);
	/* counter 4 accepted first: the counter image to compare with */
	{
		split t;
		host y;
		make(&t, &y, 4, 2);
		expect_kept(card, &t, 1, 2, 0x77, 0);
		expect_por(card, &t, &y, 2, 2, 0x77, 0, VEUICC_SCP80_POR_OK);
	}
	uint8_t before[VEUICC_CAT_COUNTERS_LEN], after[VEUICC_CAT_COUNTERS_LEN];
	assert_int_equal(veuicc_cat_counters_get(card, before), 1);
	assert_int_equal(before[4], 4); /* key set 0, CNTR 00 00 00 00 04 */
	expect_kept(card, &s, 1, 3, 1, 0);
	expect_kept(card, &s, 3, 3, 1, 0);
	expect_sw(card, &s, 2, 2, 1, 0, 0x6A80); /* total 2 for a 3-part message */
	expect_sw(card, &s, 1, 3, 1, 0, 0x6A80); /* no CPI in segment 1 */
	expect_sw(card, &s, 1, 3, 9, 0, 0x6A80); /* ... nor as a new message */
	expect_sw(card, &s, 2, 9, 9, 0, 0x6A84); /* 9 > VEUICC_CAT_CONCAT_SEG */
	expect_sw(card, &s, 1, 9, 9, 1, 0x6A84);
	/* a zero sequence number: the IE is ignored (TS 23.040), a message
	 * without CPI → 6A80 */
	expect_sw(card, &s, 1, 3, 1, 0, 0x6A80);
	{
		uint8_t apdu[300], r[16];
		size_t al = ota_envelope("05 0003 01 03 00", s.pkt, 60, 1, apdu);
		size_t rl = ota_xfer(card, apdu, al, r, sizeof(r));
		assert_int_equal(r[rl - 2] << 8 | r[rl - 1], 0x6A80);
	}
	assert_int_equal(veuicc_cat_counters_get(card, after), 1);
	assert_memory_equal(before, after, sizeof(before));
	expect_por(card, &s, &x, 2, 3, 1, 0, VEUICC_SCP80_POR_OK);
	assert_int_equal(veuicc_cat_counters_get(card, after), 1);
	assert_int_equal(after[4], 5);
	/* a missing segment: never run (counter 6 is still acceptable below) */
	make(&s, &x, 6, 2);
	expect_kept(card, &s, 1, 2, 2, 0);
	/* a reset loses the partial packet (volatile, CT15) */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	expect_kept(card, &s, 2, 2, 2, 0);
	expect_por(card, &s, &x, 1, 2, 2, 0, VEUICC_SCP80_POR_OK);
	veuicc_card_free(card);
}

/* A new reference while one is pending replaces it (CT12). */
static void test_new_reference_replaces(void **state)
{
	(void)state;
	veuicc_card *card = ota_card(VEUICC_PROTO_T1);
	learn(card);
	split s;
	host x;
	make(&s, &x, 1, 2);
	expect_kept(card, &s, 1, 2, 1, 0);
	expect_kept(card, &s, 1, 2, 2, 0);
	expect_por(card, &s, &x, 2, 2, 2, 0, VEUICC_SCP80_POR_OK);
	/* segment 2 of reference 1: its segment 1 was dropped, so it waits */
	expect_kept(card, &s, 2, 2, 1, 0);
	/* completing reference 1 now: the same packet, a replay (02) */
	expect_por(card, &s, &x, 1, 2, 1, 0, VEUICC_SCP80_CNTR_LOW);
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_in_order),
	    cmocka_unit_test(test_three_out_of_order_16bit),
	    cmocka_unit_test(test_duplicate),
	    cmocka_unit_test(test_missing_and_refused),
	    cmocka_unit_test(test_new_reference_replaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
