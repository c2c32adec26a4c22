/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-process APDU throughput of a fixed mixed script (SELECT, GET DATA,
 * MANAGE CHANNEL, GET RESPONSE) on one card, on one core.
 *
 * Prints APDUs/s, the ratio to a floor measured in the same run (parsing
 * the same C-APDUs and copying a status word: the cost no engine can avoid),
 * and an FNV-1a checksum of every response byte, so that a cache or a
 * short-cut cannot fake the figure. Usage: bench_apdu [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apdu/apdu.h"
#include "veuicc/veuicc.h"

struct step {
	const char *hex;
	int t1; /* run with T=1 selected */
};

/* One pass: 12 APDUs. */
static const struct step script[] = {
    {"00A4040010A0000005591010FFFFFFFF890000010000", 1}, /* SELECT ISD-R, FCI */
    {"00A4040010A0000005591010FFFFFFFF8900000200", 0},   /* SELECT ECASD, T=0: 61xx */
    {"00C000001A", 0},                                   /* GET RESPONSE */
    {"80CA005A12", 0},                                   /* GET DATA EID */
    {"0070000001", 0},                                   /* MANAGE CHANNEL open */
    {"01A4040C10A0000005591010FFFFFFFF8900000200", 0},   /* SELECT ECASD on 1, no data */
    {"81CA005A00", 1},                                   /* GET DATA EID, T=1 */
    {"01A4040007A000000559101000", 1},                   /* partial AID */
    {"0070800100", 0},                                   /* MANAGE CHANNEL close */
    {"00A4040010A0000005591010FFFFFFFF8900000300", 0},   /* unknown AID: 6A82 */
    {"80CA005A00", 0},                                   /* wrong Le: 6C12 */
    {"00C0000012", 0},                                   /* GET RESPONSE after 6Cxx */
};
#define NSTEPS (sizeof(script) / sizeof(script[0]))

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	if (iters <= 0)
		iters = 1;
	uint8_t capdu[NSTEPS][64];
	size_t clen[NSTEPS];
	for (size_t i = 0; i < NSTEPS; i++)
		clen[i] = unhex(script[i].hex, capdu[i]);

	veuicc_card *card;
	if (veuicc_card_new(NULL, &card) || veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL)) {
		fprintf(stderr, "bench_apdu: cannot create a card\n");
		return 1;
	}
	static uint8_t r[VEUICC_RAPDU_MAX];
	uint64_t sum = 1469598103934665603ull;
	unsigned errors = 0;

	/* the card under test */
	double t0 = now();
	for (long it = 0; it < iters; it++) {
		for (size_t i = 0; i < NSTEPS; i++) {
			size_t rl = 0;
			veuicc_set_protocol(card, script[i].t1 ? VEUICC_PROTO_T1 : VEUICC_PROTO_T0);
			if (veuicc_transmit(card, capdu[i], clen[i], r, sizeof(r), &rl))
				errors++;
			for (size_t k = 0; k < rl; k++)
				sum = (sum ^ r[k]) * 1099511628211ull;
		}
	}
	double t_card = now() - t0;

	/* the floor: parse the same APDUs and write a status word */
	uint64_t floor_sum = 1469598103934665603ull;
	t0 = now();
	for (long it = 0; it < iters; it++) {
		for (size_t i = 0; i < NSTEPS; i++) {
			veuicc_capdu c;
			int rc = veuicc_capdu_parse(capdu[i], clen[i], &c);
			r[0] = (uint8_t)(0x90 + rc);
			r[1] = (uint8_t)c.lc;
			floor_sum = (floor_sum ^ r[0]) * 1099511628211ull;
			floor_sum = (floor_sum ^ r[1]) * 1099511628211ull;
		}
	}
	double t_floor = now() - t0;

	double n = (double)iters * NSTEPS;
	printf("bench_apdu: %ld passes x %zu APDUs = %.0f APDUs\n", iters, NSTEPS, n);
	printf("card:  %.3f s, %.0f APDUs/s on one core, %.1f ns/APDU\n", t_card, n / t_card,
	       t_card / n * 1e9);
	printf("floor: %.3f s, %.0f APDUs/s (parse only), %.1f ns/APDU\n", t_floor, n / t_floor,
	       t_floor / n * 1e9);
	printf("ratio card/floor: %.1f x\n", t_card / t_floor);
	printf("target: >= 2000000 APDUs/s: %s\n", n / t_card >= 2e6 ? "met" : "NOT met");
	printf("checksum: %016llx (floor %016llx), transmit errors: %u\n", (unsigned long long)sum,
	       (unsigned long long)floor_sum, errors);
	veuicc_card_free(card);
	return errors ? 1 : 0;
}
