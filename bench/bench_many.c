/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Many cards in one process (issue 11 item 4, docs/testbench.md "Many
 * cards"): create N in-memory cards (each with its own EID, no factory
 * file), install the GSMA TS.48 V7 profile on each and enable it, then power
 * each up and ask its ISD-R for GET STATUS. Prints cards created per second,
 * profiles installed per second, the ratio install / SAIP decode alone (the
 * baseline, measured in the same run on the same package), the heap memory
 * per idle card beyond its profile data, PASS/FAIL against the target of
 * 64 KiB, and an FNV-1a checksum over every card's EID and GET STATUS answer.
 *
 * Memory method: glibc mallinfo2() gives the bytes of heap chunks in use
 * (uordblks, chunk headers included) plus the mmap()ed blocks (hblkhd). The
 * difference before creating the cards and after all of them are idle,
 * divided by N, is the cost of one idle card with its profile. The
 * profile's own data is measured separately in the same run: N' copies of
 * what the installer builds from the package (veuicc_saip_install_der():
 * file system with contents, PINs, keys, security-domain data) plus the
 * package DER a card keeps for its card file, held at once, heap delta / N'.
 * Per-card overhead = per-card cost - profile data. The resident set
 * (/proc/self/statm) delta is printed too; it includes allocator slack.
 *
 * Usage: bench_many [N [PROFILE.der [LIMIT]]]
 *   N        cards (default 10000); PROFILE.der "" or absent: TS.48 V7
 *   LIMIT    bytes of overhead allowed per card (default the target, 65536);
 *            the ctest bench_many_small uses a tighter one as a regression
 *            guard (docs/testbench.md "Many cards")
 * Exit status 0 only on PASS (no error, overhead within LIMIT).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "saip/install.h"
#include "saip/saip.h"
#include "veuicc/veuicc.h"

#define TARGET_BYTES  (64u * 1024u)
#define PROFILE_PROBE 1000 /* profiles held at once to size the profile data */
#define FNV_BASIS     1469598103934665603ull
#define FNV_PRIME     1099511628211ull
#define SW_OK         0x9000u

/* SELECT ISD-R by AID (SGP.02 §2.2.3) and GET STATUS of the ISD-R and its
 * ISD-Ps (GP CS v2.3 §11.4, P1 40 applications and SDs, P2 02 TLV). */
static const uint8_t sel_isdr[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00,
                                   0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0x89, 0x00, 0x00, 0x01, 0x00, 0x00};
static const uint8_t get_status[] = {0x80, 0xF2, 0x40, 0x02, 0x02, 0x4F, 0x00, 0x00};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

/* Heap bytes in use (chunks and mmap()ed blocks). */
static double heap_now(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (double)mi.uordblks + (double)mi.hblkhd;
}

/* Resident set in bytes (/proc/self/statm, second field in pages). */
static double rss_now(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/* EID number \p serial: 89049032 1234512345 + 12 serial digits + check
 * digits, chosen so that the 32-digit value mod 97 is 1 (SGP.02 §2.2.2,
 * ISO 7064 MOD 97-10: check = 98 - (EID with 00 check) mod 97). */
static void make_eid(unsigned long serial, char eid[33])
{
	snprintf(eid, 33, "890490321234512345%012lu00", serial % 1000000000000ul);
	unsigned r = 0;
	for (int i = 0; i < 32; i++)
		r = (r * 10 + (unsigned)(eid[i] - '0')) % 97;
	unsigned check = 98 - r;
	eid[30] = (char)('0' + check / 10);
	eid[31] = (char)('0' + check % 10);
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static uint16_t xfer(veuicc_card *card, const uint8_t *c, size_t n, uint8_t *r, size_t *rl)
{
	*rl = 0;
	if (veuicc_transmit(card, c, n, r, VEUICC_RAPDU_MAX, rl) || *rl < 2)
		return 0;
	return (uint16_t)(r[*rl - 2] << 8 | r[*rl - 1]);
}

/* The profile's own data: what the installer builds plus the kept DER,
 * \p n copies held at once. \returns bytes per profile, < 0 on error. */
static double profile_data(const uint8_t *der, size_t len, long n)
{
	veuicc_fs **fs = calloc((size_t)n, sizeof(*fs));
	veuicc_saip_gp_info **gp = calloc((size_t)n, sizeof(*gp));
	uint8_t **copy = calloc((size_t)n, sizeof(*copy));
	veuicc_saip_install_result *res = malloc(sizeof(*res));
	double per = -1;
	if (!fs || !gp || !copy || !res)
		goto out;
	double h0 = heap_now();
	long i;
	for (i = 0; i < n; i++) {
		gp[i] = calloc(1, sizeof(*gp[i]));
		copy[i] = malloc(len);
		if (!gp[i] || !copy[i] || veuicc_saip_install_der(der, len, &fs[i], gp[i], res))
			break;
		memcpy(copy[i], der, len);
	}
	if (i == n)
		per = (heap_now() - h0) / (double)n;
	for (i = 0; i < n; i++) {
		veuicc_fs_free(fs[i]);
		free(gp[i]);
		free(copy[i]);
	}
out:
	free(fs);
	free(gp);
	free(copy);
	free(res);
	return per;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const char *path = VEUICC_SOURCE_DIR "/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der";
	if (argc > 2 && argv[2][0])
		path = argv[2];
	double limit = argc > 3 ? atof(argv[3]) : TARGET_BYTES;
	if (n < 1)
		n = 1;
	size_t len;
	uint8_t *der = load(path, &len);
	veuicc_card **cards = calloc((size_t)n, sizeof(*cards));
	static uint8_t r[VEUICC_RAPDU_MAX];
	if (!der || !cards) {
		fprintf(stderr, "bench_many: cannot load %s\n", path);
		return 1;
	}
	long errors = 0;

	/* baseline: SAIP decode of the same package, N times */
	double t0 = now();
	for (long i = 0; i < n; i++) {
		veuicc_saip_profile *p = NULL;
		if (veuicc_saip_decode(der, len, &p, NULL))
			errors++;
		veuicc_saip_free(p);
	}
	double t_decode = now() - t0;
	long probe = n < PROFILE_PROBE ? n : PROFILE_PROBE;
	double prof_bytes = profile_data(der, len, probe);
	if (prof_bytes < 0) {
		fprintf(stderr, "bench_many: the profile does not install\n");
		return 1;
	}

	/* create */
	double h0 = heap_now(), rss0 = rss_now();
	t0 = now();
	for (long i = 0; i < n; i++) {
		char eid[33];
		veuicc_config cfg;
		veuicc_config_init(&cfg);
		make_eid((unsigned long)i, eid);
		cfg.eid = eid;
		cfg.test_mode = 1; /* plain GET STATUS to the ISD-R */
		cfg.rng_deterministic = 1;
		cfg.rng_seed = (uint64_t)i;
		if (veuicc_card_new(&cfg, &cards[i])) {
			fprintf(stderr, "bench_many: card %ld not created\n", i);
			return 1;
		}
	}
	double t_create = now() - t0;
	double h_empty = heap_now();

	/* install and enable */
	t0 = now();
	for (long i = 0; i < n; i++) {
		size_t idx;
		char msg[200];
		if (veuicc_card_install_profile(cards[i], der, len, &idx, msg, sizeof(msg)) ||
		    veuicc_card_activate_profile(cards[i], idx)) {
			fprintf(stderr, "bench_many: card %ld: %s\n", i, msg);
			errors++;
		}
	}
	double t_install = now() - t0;

	/* use each once, leave it idle (powered, nothing pending) */
	uint64_t sum = FNV_BASIS;
	t0 = now();
	for (long i = 0; i < n; i++) {
		char eid[33];
		size_t rl;
		veuicc_get_eid(cards[i], eid);
		sum = fnv(sum, eid, 32);
		if (veuicc_reset(cards[i], VEUICC_RESET_COLD, NULL, NULL) ||
		    veuicc_set_protocol(cards[i], VEUICC_PROTO_T1) ||
		    xfer(cards[i], sel_isdr, sizeof(sel_isdr), r, &rl) != SW_OK ||
		    xfer(cards[i], get_status, sizeof(get_status), r, &rl) != SW_OK) {
			errors++;
			continue;
		}
		sum = fnv(sum, r, rl);
	}
	double t_use = now() - t0;
	double h_idle = heap_now(), rss_idle = rss_now();

	double per_card = (h_idle - h0) / (double)n;
	double empty_card = (h_empty - h0) / (double)n;
	double overhead = per_card - prof_bytes;
	double per_install = t_install / (double)n, per_decode = t_decode / (double)n;
	/* a sanitizer's allocator does not feed mallinfo2(): no figure, no pass */
	int measured = prof_bytes > 0 && per_card > 0;
	int pass = errors == 0 && measured && overhead <= limit;

	printf("cards: %ld, profile %s (%zu bytes)\n", n,
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, len);
	printf("create:  %.0f cards/s (%.1f us/card)\n", (double)n / t_create,
	       t_create / (double)n * 1e6);
	printf("install: %.0f profiles/s (%.1f us/profile, decode + install + enable)\n",
	       (double)n / t_install, per_install * 1e6);
	printf("baseline SAIP decode alone: %.1f us/profile; ratio install/decode: %.2f x\n",
	       per_decode * 1e6, per_install / per_decode);
	printf("use: cold reset + SELECT ISD-R + GET STATUS: %.1f us/card\n",
	       t_use / (double)n * 1e6);
	printf("heap per empty card: %.0f bytes\n", empty_card);
	printf("heap per idle card with profile: %.0f bytes; profile data: %.0f bytes "
	       "(%ld probes)\n",
	       per_card, prof_bytes, probe);
	printf("memory per idle card beyond its profile data: %.0f bytes (%.1f KiB), "
	       "target <= %u KiB%s: %s\n",
	       overhead, overhead / 1024.0, TARGET_BYTES / 1024u,
	       limit < TARGET_BYTES ? " (this run's limit is lower)" : "",
	       !measured ? "FAIL (mallinfo2 gives nothing)"
	       : pass    ? "PASS"
	                 : "FAIL");
	printf("resident set growth: %.1f MiB (%.0f bytes/card, allocator slack included)\n",
	       (rss_idle - rss0) / 1048576.0, (rss_idle - rss0) / (double)n);
	printf("checksum: %016llx, errors: %ld\n", (unsigned long long)sum, errors);

	t0 = now();
	for (long i = 0; i < n; i++)
		veuicc_card_free(cards[i]);
	printf("free: %.1f us/card\n", (now() - t0) / (double)n * 1e6);
	free(cards);
	free(der);
	return pass ? 0 : 1;
}
