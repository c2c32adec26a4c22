/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCardTransmit round trips through pcscd: the veuicc reader against the
 * do-nothing floor reader (floor_ifd.c), in the same pcscd, interleaved
 * rounds, median time per APDU of each, their ratio, and a checksum of the
 * responses (FNV-1a 64 of every response byte of the first round).
 *
 *   bench_pcsc_roundtrip N ROUNDS VEUICC_READER FLOOR_READER
 *
 * (reader names or their beginnings, e.g. "veuicc bench" and "floor")
 *
 * Each round sends N APDUs on T=1, cycling through SELECT ECASD, GET DATA
 * EID and SELECT ISD-R (SGP.02 §2.2), all case 4/2 with Le so each is one
 * round trip. Every response of a later round must equal the first round's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

static const uint8_t apdus[][22] = {
    /* SELECT ECASD, Le 00 */
    {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
     0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00, 0x00},
    /* GET DATA EID */
    {0x80, 0xCA, 0x00, 0x5A, 0x00},
    /* SELECT ISD-R, Le 00 */
    {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
     0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00, 0x00},
};
static const size_t apdu_len[] = {22, 5, 22};
#define N_APDUS    3
#define MAX_ROUNDS 64
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

struct target {
	const char *name;
	SCARDHANDLE h;
	uint8_t first[N_APDUS][300]; /* responses of the first exchange of each APDU */
	DWORD first_len[N_APDUS];
	uint64_t checksum;
	double us[MAX_ROUNDS];
	long mismatches;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The reader whose name starts with \p prefix (pcscd appends " XX YY"). */
static char *find_reader(SCARDCONTEXT ctx, const char *prefix)
{
	static char names[4096];
	DWORD len = sizeof(names);
	if (SCardListReaders(ctx, NULL, names, &len) != SCARD_S_SUCCESS)
		return NULL;
	for (char *p = names; *p; p += strlen(p) + 1)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return p;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int run_round(struct target *t, long n, int first_round)
{
	uint8_t r[300];
	double start = now_s();
	for (long i = 0; i < n; i++) {
		int k = (int)(i % N_APDUS);
		DWORD rn = sizeof(r);
		LONG rv =
		    SCardTransmit(t->h, SCARD_PCI_T1, apdus[k], (DWORD)apdu_len[k], NULL, r, &rn);
		if (rv != SCARD_S_SUCCESS) {
			fprintf(stderr, "%s: SCardTransmit: %s\n", t->name,
			        pcsc_stringify_error(rv));
			return -1;
		}
		if (first_round) {
			for (DWORD j = 0; j < rn; j++)
				t->checksum = (t->checksum ^ r[j]) * FNV_PRIME;
			if (i < N_APDUS) {
				memcpy(t->first[k], r, rn);
				t->first_len[k] = rn;
			}
		}
		if (rn != t->first_len[k] || memcmp(r, t->first[k], rn) != 0)
			t->mismatches++;
	}
	return (int)((now_s() - start) * 1e6 / (double)n * 1000); /* ns per APDU */
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s N ROUNDS VEUICC_READER FLOOR_READER\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]);
	int rounds = atoi(argv[2]);
	if (n < N_APDUS || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "N >= %d, 1 <= ROUNDS <= %d\n", N_APDUS, MAX_ROUNDS);
		return 2;
	}
	struct target t[2] = {{.name = argv[3]}, {.name = argv[4]}};
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		DWORD proto;
		/* pcscd may still be starting its readers: retry for 10 s. */
		double until = now_s() + 10;
		do {
			const char *reader = find_reader(ctx, t[i].name);
			rv = reader == NULL ? SCARD_E_UNKNOWN_READER
			                    : SCardConnect(ctx, reader, SCARD_SHARE_EXCLUSIVE,
			                                   SCARD_PROTOCOL_T1, &t[i].h, &proto);
			if (rv != SCARD_S_SUCCESS) {
				struct timespec ts = {0, 100000000L};
				nanosleep(&ts, NULL);
			}
		} while (rv != SCARD_S_SUCCESS && now_s() < until);
		if (rv != SCARD_S_SUCCESS) {
			fprintf(stderr, "%s: SCardConnect: %s\n", t[i].name,
			        pcsc_stringify_error(rv));
			return 1;
		}
		t[i].checksum = FNV_OFFSET;
	}
	/* Warm up, then interleave the rounds so that load changes hit both. */
	for (int i = 0; i < 2; i++)
		if (run_round(&t[i], 300, 1) < 0)
			return 1;
	for (int i = 0; i < 2; i++) {
		t[i].checksum = FNV_OFFSET;
		t[i].mismatches = 0;
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 2; i++) {
			int ns = run_round(&t[i], n, r == 0);
			if (ns < 0)
				return 1;
			t[i].us[r] = ns / 1000.0;
		}
	}
	double med[2];
	for (int i = 0; i < 2; i++) {
		qsort(t[i].us, (size_t)rounds, sizeof(double), cmp_double);
		med[i] = t[i].us[rounds / 2];
		printf("%-8s %-24s %8.2f us/APDU  %9.0f APDU/s  (rounds %.2f..%.2f)  "
		       "checksum %016llx  mismatches %ld\n",
		       i == 0 ? "veuicc" : "floor", t[i].name, med[i], 1e6 / med[i], t[i].us[0],
		       t[i].us[rounds - 1], (unsigned long long)t[i].checksum, t[i].mismatches);
		SCardDisconnect(t[i].h, SCARD_LEAVE_CARD);
	}
	double ratio = med[0] / med[1];
	printf("ratio veuicc/floor time per APDU: %.3f (target <= 1.10: %s)\n", ratio,
	       ratio <= 1.10 ? "met" : "NOT met");
	SCardReleaseContext(ctx);
	return t[0].mismatches || t[1].mismatches ? 1 : 0;
}
