/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applet runtime throughput (docs/applets.md) on one card, one core:
 *   1. ARA-M reads: GET DATA [All] + [Next] of 8 rules (308 bytes) and
 *      [Refresh tag], on a card in memory;
 *   2. toolkit round trips: MENU SELECTION, FETCH (DISPLAY TEXT), TERMINAL
 *      RESPONSE, on a card in memory;
 *   3. ARA-M writes on a card file: STORE DATA of a rule + Command-Delete,
 *      each one store transaction (docs/store.md).
 * Prints APDUs/s and an FNV-1a checksum of every response byte.
 * Usage: bench_applet [iterations] [card-file-iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "veuicc/veuicc.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h++) {
		if (*h == ' ')
			continue;
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h++;
	}
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t sum = 1469598103934665603ull;
static unsigned errors;

static void x(veuicc_card *card, const char *hex, const char *sw)
{
	static uint8_t c[300], r[VEUICC_RAPDU_MAX];
	size_t cl = unhex(hex, c), rl = 0;
	if (veuicc_transmit(card, c, cl, r, sizeof(r), &rl) || rl < 2) {
		errors++;
		return;
	}
	for (size_t i = 0; i < rl; i++)
		sum = (sum ^ r[i]) * 1099511628211ull;
	char got[5];
	snprintf(got, sizeof(got), "%02X%02X", r[rl - 2], r[rl - 1]);
	if (sw && strcmp(got, sw))
		errors++;
}

#define ARAM_AID "A00000015141434C00"
#define RULE     "F026E224E11D4F05A000000001C1140102030405060708090A0B0C0D0E0F1011121314E303D00101"

static void setup(veuicc_card *card)
{
	veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL);
	veuicc_set_protocol(card, VEUICC_PROTO_T1);
	x(card, "00A4040C10A0000005591010FFFFFFFF8900000100", "9000");
	x(card, "80E602000D08F0766575696363010000000000", NULL);
	x(card, "80E8800006C404CAFEBABE00", NULL);
	x(card, "80E60C002308F07665756963630109F0766575696363010109" ARAM_AID "010002C9000000",
	  NULL);
	x(card, "80E602000D08F0766575696363020000000000", NULL);
	x(card, "80E8800006C404CAFEBABE00", NULL);
	x(card,
	  "80E60C006108F07665756963630209F0766575696363020"
	  "10AF0766575696363020101"
	  "01003FC92E8006766575696363A0108004496E666F81010182054869212121A0128003534D538101"
	  "0282024F4B830404912143EA0D800B01001002010502060000000000",
	  NULL);
	x(card, "0070000001", "9000");
	x(card, "01A4040009" ARAM_AID, "9000");
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 100000;
	long fiters = argc > 2 ? atol(argv[2]) : 300;
	if (iters <= 0)
		iters = 1;
	if (fiters <= 0)
		fiters = 1;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	cfg.rng_deterministic = 1;
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card)) {
		fprintf(stderr, "bench_applet: cannot create a card\n");
		return 1;
	}
	setup(card);
	for (int i = 1; i <= 8; i++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd),
		         "81E2900028F026E224E11D4F05A0000000%02XC114"
		         "0102030405060708090A0B0C0D0E0F1011121314E303D00101",
		         i);
		x(card, cmd, "9000");
	}
	double t0 = now();
	for (long i = 0; i < iters; i++) {
		x(card, "81CAFF4000", "9000");
		x(card, "81CAFF6000", "9000");
		x(card, "81CADF2000", "9000");
	}
	double t1 = now();
	printf("ARA-M GET DATA (All+Next+Refresh), in memory: %.0f APDUs/s\n",
	       3.0 * (double)iters / (t1 - t0));

	x(card, "801000000401000122", "9120");
	x(card, "8012000020", "9000");
	x(card, "801400000C810301250082028281830100", "9000");
	static const uint8_t sel[] = {0x80, 0xC2, 0x00, 0x00, 0x09, 0xD3, 0x07,
	                              0x82, 0x02, 0x01, 0x81, 0x90, 0x01, 0x05};
	static const uint8_t fetch[] = {0x80, 0x12, 0x00, 0x00, 0x13};
	uint8_t tr[] = {0x80, 0x14, 0x00, 0x00, 0x0C, 0x81, 0x03, 0x00, 0x21,
	                0x80, 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, 0x00};
	static uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl;
	t0 = now();
	for (long i = 0; i < iters; i++) {
		if (veuicc_transmit(card, sel, sizeof(sel), r, sizeof(r), &rl) || rl != 2 ||
		    r[0] != 0x91)
			errors++;
		if (veuicc_transmit(card, fetch, sizeof(fetch), r, sizeof(r), &rl) || rl != 21)
			errors++;
		for (size_t k = 0; k < rl; k++)
			sum = (sum ^ r[k]) * 1099511628211ull;
		tr[7] = r[4]; /* the command number fetched */
		if (veuicc_transmit(card, tr, sizeof(tr), r, sizeof(r), &rl) || rl != 2 ||
		    r[0] != 0x90)
			errors++;
	}
	t1 = now();
	printf("toolkit MENU SELECTION + FETCH + TERMINAL RESPONSE, in memory: %.0f APDUs/s\n",
	       3.0 * (double)iters / (t1 - t0));
	veuicc_card_free(card);

	/* 3. writes on a card file */
	char path[128];
	snprintf(path, sizeof(path), "/tmp/bench-applet-%ld.db", (long)getpid());
	unlink(path);
	if (veuicc_card_open(path, &cfg, &card)) {
		fprintf(stderr, "bench_applet: cannot open %s\n", path);
		return 1;
	}
	setup(card);
	t0 = now();
	for (long i = 0; i < fiters; i++) {
		x(card, "81E2900028" RULE, "9000");
		x(card, "81E2900009F1074F05A000000001", "9000");
	}
	t1 = now();
	printf("ARA-M STORE DATA (store+delete), card file: %.0f APDUs/s\n",
	       2.0 * (double)fiters / (t1 - t0));
	veuicc_card_free(card);
	unlink(path);
	printf("checksum %016llx, errors %u\n", (unsigned long long)sum, errors);
	return errors ? 1 : 0;
}
