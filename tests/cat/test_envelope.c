/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CAT ENVELOPE (SMS-PP data download) carrying SCP80 command packets to the
 * ISD-R (docs/cat.md): packets built with the host side of scp/scp80.h from
 * the ISD-R keys of factory/default.json, sent through veuicc_transmit(), the
 * PoR checked with veuicc_scp80_unwrap_por() and the R-APDUs inside compared
 * with what the ISD-R answers on plain APDUs (tests/euicc/test_es5.c).
 */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "cat/sms_pp.h"
#include "scp/scp80.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ISDP11   PFX "00001100"
#define ELF      PFX "00000D00"
#define EM       PFX "00000E00"
#define SEL_ISDR "00A4040C10" ISDR

/* factory/default.json, ISD-R key set KVN 1 (TEST KEYS ONLY) */
static const uint8_t kic[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t kid[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};

typedef struct host {
	veuicc_scp80_keyset ks;
	veuicc_scp80_host h;
} host;

/* SPI 16 19: CC, ciphering, counter higher; PoR required, with CC, ciphered
 * (in the ENVELOPE response). KIc/KID 12: KVN 1, AES. TAR 000001. */
static void host_init(host *x, uint8_t spi1, uint8_t spi2, uint8_t cntr)
{
	memset(x, 0, sizeof(*x));
	x->ks.kvn = 1;
	x->ks.kic_alg = x->ks.kid_alg = VEUICC_SCP80_ALG_AES;
	x->ks.kic_len = x->ks.kid_len = 16;
	memcpy(x->ks.kic, kic, 16);
	memcpy(x->ks.kid, kid, 16);
	x->ks.cc_len = 8;
	x->h.spi[0] = spi1;
	x->h.spi[1] = spi2;
	x->h.kic = x->h.kid = 0x12;
	x->h.tar[2] = 0x01;
	x->h.cntr[4] = cntr;
	x->h.kic_ks = x->h.kid_ks = &x->ks;
}

/* ENVELOPE(SMS-PP download) with the SMSC address, the UDH `udh` (hex, with
 * its length byte) and the command packet; returns the C-APDU length. */
static size_t envelope(const char *udh, const uint8_t *pkt, size_t pkt_len, uint8_t *apdu)
{
	return sms_pp_envelope(SMS_PP_DEVICES_SMSC, udh, pkt, pkt_len, 0, apdu);
}

/* Wrap `script` (hex) for x, send it in an ENVELOPE (T=1, Le 00) and return
 * the whole R-APDU in r. */
static size_t send_packet(veuicc_card *card, const host *x, const char *script, int flip_cc,
                          uint8_t *r, size_t rcap)
{
	uint8_t data[200], pkt[255], apdu[300];
	size_t dl = th_unhex(script, data, sizeof(data)), pl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x->h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	if (flip_cc)
		pkt[16] ^= 0x01; /* first ciphered byte of the CC (after CNTR, PCNTR) */
	size_t al = envelope("02 70 00", pkt, pl, apdu);
	apdu[al++] = 0x00; /* Le */
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, rcap, &rl), VEUICC_OK);
	return rl;
}

/* Check the PoR in r (data ‖ 9000) and return its status and data in hex. */
static uint8_t por_of(const host *x, const uint8_t *r, size_t rl, char *hex)
{
	assert_true(rl > 2);
	assert_int_equal(r[rl - 2], 0x90);
	assert_int_equal(r[rl - 1], 0x00);
	uint8_t work[600], status = 0xFF;
	const uint8_t *d;
	size_t dl;
	assert_int_equal(
	    veuicc_scp80_unwrap_por(&x->h, r, rl - 2, work, sizeof(work), &status, &d, &dl),
	    VEUICC_OK);
	th_hex(d, dl, hex);
	return status;
}

static veuicc_card *new_card(veuicc_protocol proto)
{
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = f;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	if (proto == VEUICC_PROTO_T1)
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

/* INSTALL [for install] of ISD-P ...1100 (same command as test_es5.c), compact */
#define CREATE_ISDP11                                                                              \
	"80E60C00 47 10" ELF " 10" EM " 10" ISDP11 " 0380C000 0EC90481028100EF0683040000A000 00"
#define STATUS_ISDP11 "80F24002 17 4F10" ISDP11 " 5C034F9F70 00"

/* Expanded script: GET STATUS of the ISD-R itself; the R-APDU is the one
 * the ISD-R gives on a plain APDU (test_es5.c). */
static void test_get_status_expanded(void **state)
{
	(void)state;
	veuicc_card *card = new_card(VEUICC_PROTO_T1);
	host x;
	host_init(&x, 0x16, 0x19, 1);
	uint8_t r[600];
	char hex[1200];
	size_t rl = send_packet(card, &x, "AA 0A 22 08 80F28002024F0000", 0, r, sizeof(r));
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_POR_OK);
	assert_string_equal(hex, "AB24800101231F"
	                         "E31B4F10" ISDR "9F70010FC50380C000"
	                         "9000");
	veuicc_card_free(card);
}

/* Compact script on T=0: ENVELOPE answers 61xx, GET RESPONSE gives the
 * PoR; the ISD-P exists afterwards. A replay gets PoR status 02 and runs
 * nothing. */
static void test_create_isdp_compact_t0_and_replay(void **state)
{
	(void)state;
	veuicc_card *card = new_card(VEUICC_PROTO_T0);
	host x;
	host_init(&x, 0x16, 0x19, 5);
	uint8_t data[200], pkt[255], apdu[300], r[600];
	char hex[1200];
	size_t dl = th_unhex(CREATE_ISDP11, data, sizeof(data)), pl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x.h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	size_t al = envelope("02 70 00", pkt, pl, apdu), rl = 0;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x61);
	uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, r[1]};
	assert_int_equal(veuicc_transmit(card, gr, 5, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_POR_OK);
	/* compact response: 1 command run, its SW and data (TS 102 226 §5.1.2) */
	assert_string_equal(hex, "01900000");
	/* the terminal cannot check it with a plain GET STATUS: the ISD-R has
	 * keys and the card is not in test mode (gp/sd_session.c, S3-3) */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, STATUS_ISDP11, "6982");
	veuicc_isdp_info info;
	uint8_t want[16];
	th_unhex(ISDP11, want, sizeof(want));
	size_t n = veuicc_card_isdp_count(card);
	assert_true(n >= 1);
	assert_int_equal(veuicc_card_isdp_info(card, n - 1, &info), VEUICC_OK);
	assert_memory_equal(info.aid, want, 16);
	assert_int_equal(info.lcs, 0x07);

	/* the same packet again: counter not higher, status 02, nothing run */
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(r[0], 0x61);
	gr[4] = r[1];
	assert_int_equal(veuicc_transmit(card, gr, 5, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_CNTR_LOW);
	assert_string_equal(hex, "");
	veuicc_card_free(card);
}

/* A card file keeps the SCP80 counters: after a reopen the same packet is a
 * replay (status 02), a higher counter is accepted. */
static void test_counter_survives_reopen(void **state)
{
	(void)state;
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	char path[512];
	test_tmp_template(path, sizeof(path), "cat-card");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	char msg[256] = "";
	assert_int_equal(veuicc_card_create(path, f, msg, sizeof(msg)), VEUICC_OK);
	host x;
	host_init(&x, 0x16, 0x19, 7);
	uint8_t r[600];
	char hex[1200];
	for (int round = 0; round < 2; round++) {
		veuicc_card *card;
		assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
		size_t rl = send_packet(card, &x, "AA 0A 22 08 80F28002024F0000", 0, r, sizeof(r));
		/* first life: counter 7 accepted; after the reopen: a replay */
		assert_int_equal(por_of(&x, r, rl, hex),
		                 round == 0 ? VEUICC_SCP80_POR_OK : VEUICC_SCP80_CNTR_LOW);
		veuicc_card_free(card);
	}
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	host_init(&x, 0x16, 0x19, 8);
	size_t rl = send_packet(card, &x, "AA 0A 22 08 80F28002024F0000", 0, r, sizeof(r));
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_POR_OK);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* A wrong CC: no PoR (SGP.02 §2.4.3, docs/cat.md), 9000 without data, nothing
 * run, counter unchanged (the same counter is then accepted). */
static void test_wrong_cc_silent(void **state)
{
	(void)state;
	veuicc_card *card = new_card(VEUICC_PROTO_T1);
	host x;
	host_init(&x, 0x16, 0x19, 1);
	uint8_t r[600];
	char hex[1200];
	char script[256];
	snprintf(script, sizeof(script), "AA 4E 22 4C %s", CREATE_ISDP11);
	size_t rl = send_packet(card, &x, script, 1, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x90);
	assert_int_equal(r[1], 0x00);
	/* no ISD-P ...1100 */
	rl = send_packet(card, &x, "AA 1F 22 1D" STATUS_ISDP11, 0, r, sizeof(r));
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_POR_OK);
	assert_string_equal(hex, "AB0780010123026A88");
	/* below the ISD-R's minimum security level (no ciphering): silent too */
	host y;
	host_init(&y, 0x12, 0x09, 2);
	rl = send_packet(card, &y, script, 0, r, sizeof(r));
	assert_int_equal(rl, 2);
	assert_int_equal(r[0], 0x90);
	/* counter 2 still acceptable: the packet above changed nothing */
	host_init(&x, 0x16, 0x19, 2);
	rl = send_packet(card, &x, script, 0, r, sizeof(r));
	assert_int_equal(por_of(&x, r, rl, hex), VEUICC_SCP80_POR_OK);
	assert_string_equal(hex, "AB088001012303009000");
	veuicc_card_free(card);
}

/* Envelope-level errors (docs/cat.md). */
static void test_envelope_errors(void **state)
{
	(void)state;
	veuicc_card *card = new_card(VEUICC_PROTO_T1);
	host x;
	host_init(&x, 0x16, 0x19, 1);
	uint8_t data[8], pkt[255], apdu[300], r[600];
	size_t dl = th_unhex("AA 00", data, sizeof(data)), pl = 0, rl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x.h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	/* first of two concatenated segments (8-bit reference IE): kept,
	 * 9000 without data (test_concat.c has the reassembly cases) */
	size_t al = envelope("07 0003 2A 02 01 7000", pkt, pl, apdu);
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(rl, 2);
	assert_int_equal(r[0] << 8 | r[1], 0x9000);
	/* no command packet identifier */
	al = envelope("00", pkt, pl, apdu);
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(r[0] << 8 | r[1], 0x6A80);
	/* P1 */
	al = envelope("02 70 00", pkt, pl, apdu);
	apdu[2] = 0x01;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(r[0] << 8 | r[1], 0x6A86);
	/* source device not the network */
	al = envelope("02 70 00", pkt, pl, apdu);
	apdu[9] = 0x82;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	assert_int_equal(r[0] << 8 | r[1], 0x6A80);
	/* other BER-TLV envelopes (event download D6): not supported yet */
	th_xfer(card, "80C2000009 D607 990104 82028281", "6A81");
	/* unknown TAR: TS 102 225 PoR status 09 in clear (RHL 0A) */
	x.h.tar[2] = 0x42;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x.h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	al = envelope("02 70 00", pkt, pl, apdu);
	apdu[al++] = 0x00;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, sizeof(r), &rl), VEUICC_OK);
	char hex[200];
	th_hex(r, rl, hex);
	assert_string_equal(hex, "027100000B"
	                         "0A"
	                         "000042"
	                         "0000000000"
	                         "00"
	                         "09"
	                         "9000");
	/* the ENVELOPE does not disturb the terminal's selection: the ISD-R
	 * selected on channel 0 still answers */
	th_xfer(card, SEL_ISDR, "9000");
	host_init(&x, 0x16, 0x19, 1);
	rl = send_packet(card, &x, "AA 00", 0, r, sizeof(r));
	/* (plain GET STATUS: refused by the policy, not by a lost selection) */
	th_xfer(card, "80F28002024F0000", "6982");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_status_expanded),
	    cmocka_unit_test(test_create_isdp_compact_t0_and_replay),
	    cmocka_unit_test(test_wrong_cc_silent),
	    cmocka_unit_test(test_envelope_errors),
	    cmocka_unit_test(test_counter_survives_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
