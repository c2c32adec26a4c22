/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP profile package decode + validate, per profile, against a floor
 * measured in the same run: a bare recursive DER walk (src/tlv) over the
 * same bytes, visiting every TLV, which is the least any decoder must do.
 *
 * Profiles: the built-in TS.48 V7.0 SAIP 2.3 BER-TLV SUCI profile and the
 * other *.der in profiles/. Prints µs per profile, the ratio to the floor
 * (targets: <= 100 µs, <= 3x) and an FNV-1a checksum over decoded facts, so
 * that skipped work cannot go unnoticed. Usage: bench_saip [iterations]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "saip/saip.h"
#include "tlv/tlv.h"

#define TARGET_US    100.0
#define TARGET_RATIO 3.0
#define MAX_PROFILE  (1 << 20)

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
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The floor: every TLV visited, constructed ones entered, in DER mode. */
static uint64_t walk(veuicc_tlv_reader *r, uint64_t h)
{
	veuicc_tlv t;

	while (veuicc_tlv_next(r, &t) == 1) {
		h = (h ^ t.tag) * 1099511628211ull + t.len;
		if (t.constructed) {
			veuicc_tlv_reader c;
			veuicc_tlv_enter(r, &t, &c);
			h = walk(&c, h);
		}
	}
	return h;
}

static uint64_t floor_once(const uint8_t *b, size_t n, uint64_t h)
{
	veuicc_tlv_reader r;

	veuicc_tlv_reader_init(&r, b, n, VEUICC_TLV_DER);
	return walk(&r, h);
}

/* Decode + validate; fold the PE types, identifications and the report into h. */
static uint64_t decode_once(const uint8_t *b, size_t n, uint64_t h, int *errors)
{
	veuicc_saip_profile *p;
	veuicc_saip_report rep;

	if (veuicc_saip_decode(b, n, &p, NULL)) {
		(*errors)++;
		return h;
	}
	if (veuicc_saip_validate(p, NULL, &rep))
		(*errors)++;
	for (size_t i = 0; i < p->count; i++) {
		const veuicc_saip_pe_header *ph = veuicc_saip_pe_get_header(&p->pes[i]);
		h = (h ^ (uint64_t)p->pes[i].type) * 1099511628211ull;
		if (ph)
			h = (h ^ ph->identification) * 1099511628211ull;
	}
	h = fnv(h, &rep.errors, sizeof(rep.errors));
	veuicc_saip_free(p);
	return h;
}

struct profile {
	char name[96];
	uint8_t *der;
	size_t len;
};

static int load(struct profile *out, int max)
{
	int n = 0;
	size_t len;
	const uint8_t *d = veuicc_saip_default_profile(&len);

	snprintf(out[n].name, sizeof(out[n].name), "(built-in) TS48 V7.0 SAIP2.3 BERTLV SUCI");
	out[n].der = malloc(len);
	memcpy(out[n].der, d, len);
	out[n++].len = len;

	DIR *dir = opendir(VEUICC_SOURCE_DIR "/profiles");
	struct dirent *e;
	while (dir && (e = readdir(dir)) != NULL && n < max) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".der") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/profiles/%s", VEUICC_SOURCE_DIR, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		uint8_t *buf = malloc(MAX_PROFILE);
		size_t got = buf ? fread(buf, 1, MAX_PROFILE, f) : 0;
		fclose(f);
		if (!buf || (got == len && memcmp(buf, d, len) == 0)) {
			free(buf); /* the built-in one */
			continue;
		}
		snprintf(out[n].name, sizeof(out[n].name), "%.90s", e->d_name);
		out[n].der = buf;
		out[n++].len = got;
	}
	if (dir)
		closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 2000;
	struct profile prof[16];
	int np = load(prof, 16), errors = 0, fail = 0;
	uint64_t sum = 1469598103934665603ull;

	if (iters <= 0)
		iters = 1;
	printf("bench_saip: %ld iterations per profile\n", iters);
	printf("%-48s %7s %10s %10s %7s\n", "profile", "bytes", "decode+val", "DER walk", "ratio");
	for (int k = 0; k < np; k++) {
		const uint8_t *b = prof[k].der;
		size_t n = prof[k].len;

		/* warm up both, then interleave rounds so that both see the same machine */
		sum = decode_once(b, n, sum, &errors);
		sum = floor_once(b, n, sum);
		double t_dec = 0, t_floor = 0;
		for (int round = 0; round < 5; round++) {
			double t0 = now();
			for (long i = 0; i < iters / 5 + 1; i++)
				sum = decode_once(b, n, sum, &errors);
			double t1 = now();
			for (long i = 0; i < iters / 5 + 1; i++)
				sum = floor_once(b, n, sum);
			double t2 = now();
			t_dec += t1 - t0;
			t_floor += t2 - t1;
		}
		double runs = 5.0 * (double)(iters / 5 + 1);
		double us_dec = t_dec / runs * 1e6, us_floor = t_floor / runs * 1e6;
		double ratio = us_dec / us_floor;
		bool ok = us_dec <= TARGET_US && ratio <= TARGET_RATIO;
		fail += !ok;
		printf("%-48.48s %7zu %8.2f us %8.2f us %6.2fx%s\n", prof[k].name, n, us_dec,
		       us_floor, ratio, ok ? "" : "  (over target)");
		free(prof[k].der);
	}
	printf("targets: <= %.0f us per profile, <= %.1fx the DER walk\n", TARGET_US, TARGET_RATIO);
	printf("decode/validate errors: %d\nchecksum: %016llx\n", errors, (unsigned long long)sum);
	return errors || fail ? 1 : 0;
}
