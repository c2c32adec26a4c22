/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AUTHENTICATE computations per second (3G context, success path, through
 * veuicc_aka_authenticate: AK, MAC check, SQN check and store, RES/CK/IK,
 * Kc) for MILENAGE, TUAK and the TS 34.108 test algorithm, plus the SUCI
 * scheme output of GET IDENTITY (Profile A and B), against the raw cost of
 * one AES-128 block encryption (mbedtls, key expanded once) measured in the
 * same run. Prints operations/s, the cost of one operation in AES blocks,
 * and an FNV-1a checksum of every output byte, so that a short-cut cannot
 * fake a figure. Usage: bench_auth [seconds per figure, default 0.5]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/aes.h>

#include "uicc/auth/auth.h"
#include "uicc/auth/suci.h"
#include "uicc/auth/tuak.h"

#define NAUTN 512 /* AUTNs prepared per algorithm, replayed with a reset SQN array */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

#define FNV_BASIS 0xcbf29ce484222325ull

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

typedef struct figure {
	const char *name;
	double ops_per_s;
	uint64_t checksum;
} figure;

static figure bench_aes(double secs)
{
	mbedtls_aes_context aes;
	uint8_t key[16], blk[16], first[16];
	unhex("465b5ce8b199b49faa5f0a2ee238a6bc", key);
	mbedtls_aes_init(&aes);
	mbedtls_aes_setkey_enc(&aes, key, 128);
	uint64_t n = 0, bad = 0;
	double t0 = now(), t;
	do {
		/* A chain of 4096 blocks, each feeding the next, from the same start. */
		memset(blk, 0, sizeof(blk));
		for (int i = 0; i < 4096; i++)
			mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, blk, blk);
		if (n == 0)
			memcpy(first, blk, 16);
		bad += memcmp(first, blk, 16) != 0;
		n += 4096;
		t = now() - t0;
	} while (t < secs);
	mbedtls_aes_free(&aes);
	if (bad) {
		fprintf(stderr, "AES: chains differ\n");
		exit(1);
	}
	return (figure){"AES-128 block (raw)", (double)n / t, fnv(FNV_BASIS, first, 16)};
}

/* Prepare NAUTN AUTNs with increasing SEQ (IND 0) for \p p, using the
 * algorithm itself as the network side would (not timed). */
static void make_autns(const veuicc_aka_params *p, const uint8_t rand[16], const uint8_t amf[2],
                       uint8_t autns[NAUTN][16])
{
	veuicc_tuak_cfg tc = p->tuak;
	for (int i = 0; i < NAUTN; i++) {
		uint8_t sqn[6] = {0}, ak[6], res[32], ck[32], ik[32];
		uint64_t v = (uint64_t)(i + 1) << 5;
		for (int j = 5; j >= 0; j--, v >>= 8)
			sqn[j] = (uint8_t)v;
		if (p->algo == VEUICC_AKA_ALGO_MILENAGE) {
			veuicc_milenage_ctx m;
			veuicc_milenage_start(&m, &p->milenage, p->k, p->opc, rand);
			veuicc_milenage_f2345(&m, NULL, NULL, NULL, ak, NULL);
			veuicc_milenage_f1(&m, sqn, amf, autns[i] + 8, NULL);
			veuicc_milenage_end(&m);
		} else {
			veuicc_tuak_f2345(&tc, p->k, p->opc, rand, res, ck, ik, ak);
			veuicc_tuak_f1(&tc, p->k, p->opc, rand, sqn, amf, autns[i] + 8);
		}
		for (int j = 0; j < 6; j++)
			autns[i][j] = sqn[j] ^ ak[j];
		memcpy(autns[i] + 6, amf, 2);
	}
}

static figure bench_authenticate(const char *name, const veuicc_aka_params *p,
                                 const uint8_t rand[16], uint8_t autns[NAUTN][16], double secs)
{
	veuicc_aka_sqn_state st;
	veuicc_aka_result r;
	uint64_t n = 0, first = 0, fails = 0;
	double t0 = now(), t;
	do {
		/* One pass over the AUTNs from an empty SQN array: every pass gives
		 * the same outputs, hashed and compared. */
		uint64_t h = FNV_BASIS;
		veuicc_aka_sqn_state_init(&st, NULL, 0);
		for (int i = 0; i < NAUTN; i++) {
			veuicc_aka_authenticate(p, &st, rand, autns[i], &r);
			fails += r.outcome != VEUICC_AKA_SUCCESS;
			h = fnv(h, r.res, r.res_len);
			h = fnv(h, r.ck, r.ck_len);
			h = fnv(h, r.ik, r.ik_len);
		}
		if (n == 0)
			first = h;
		fails += h != first;
		n += NAUTN;
		t = now() - t0;
	} while (t < secs);
	veuicc_aka_result_clear(&r);
	if (fails) {
		fprintf(stderr, "%s: %llu failed authentications or passes\n", name,
		        (unsigned long long)fails);
		exit(1);
	}
	return (figure){name, (double)n / t, first};
}

typedef struct ctr_rng {
	uint64_t x;
} ctr_rng;

static int rng_fn(void *ctx, unsigned char *out, size_t len)
{
	ctr_rng *c = ctx;
	for (size_t i = 0; i < len; i++) {
		c->x ^= c->x << 13, c->x ^= c->x >> 7, c->x ^= c->x << 17;
		out[i] = (uint8_t)(c->x >> 24);
	}
	return 0;
}

static figure bench_suci(const char *name, veuicc_suci_scheme s, const char *pub_hex, double secs)
{
	uint8_t pub[65], in[5], out[64];
	size_t pl = unhex(pub_hex, pub), ol = 0;
	unhex("00012080f6", in);
	uint64_t n = 0, h = FNV_BASIS;
	double t0 = now(), t;
	do {
		/* The same ephemeral keys in every run: checksum of the first 64 outputs. */
		ctr_rng rng = {0x9e3779b97f4a7c15ull + (n % 64)};
		if (veuicc_suci_scheme_output(s, pub, pl, in, sizeof(in), rng_fn, &rng, out,
		                              sizeof(out), &ol) != VEUICC_OK) {
			fprintf(stderr, "%s failed\n", name);
			exit(1);
		}
		if (n < 64)
			h = fnv(h, out, ol);
		n++;
		t = now() - t0;
	} while (t < secs || n < 64);
	return (figure){name, (double)n / t, h};
}

int main(int argc, char **argv)
{
	double secs = argc > 1 && atof(argv[1]) > 0 ? atof(argv[1]) : 0.5;
	uint8_t autns[NAUTN][16];
	uint8_t k[32], opc[32], rand[16], amf[2];
	veuicc_aka_params p;
	figure f[8];
	int nf = 0;

	f[nf++] = bench_aes(secs);

	/* MILENAGE: TS 35.208 set 1 credentials. */
	unhex("465b5ce8b199b49faa5f0a2ee238a6bc", k);
	unhex("cd63cb71954a9f4e48a5994e37a02baf", opc);
	unhex("23553cbe9637a89d218ae64dae47bf35", rand);
	unhex("b9b9", amf);
	veuicc_aka_params_milenage(&p, k, opc, NULL);
	make_autns(&p, rand, amf, autns);
	f[nf++] = bench_authenticate("AUTHENTICATE MILENAGE", &p, rand, autns, secs);

	/* TUAK: TS 35.233 set 1 (K 128, MAC 64, RES 32, CK/IK 128, 1 iteration). */
	veuicc_tuak_cfg tc = {16, 8, 4, 16, 16, 1};
	unhex("abababababababababababababababab", k);
	unhex("bd04d9530e87513c5d837ac2ad954623a8e2330c115305a73eb45d1f40cccbff", opc);
	unhex("42424242424242424242424242424242", rand);
	unhex("ffff", amf);
	veuicc_aka_params_tuak(&p, k, opc, &tc);
	make_autns(&p, rand, amf, autns);
	f[nf++] = bench_authenticate("AUTHENTICATE TUAK", &p, rand, autns, secs);
	veuicc_aka_params_clear(&p);

	/* SUCI, TS 33.501 C.4 home network keys. */
	f[nf++] =
	    bench_suci("GET IDENTITY SUCI profile A", VEUICC_SUCI_PROFILE_A,
	               "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650", secs);
	f[nf++] =
	    bench_suci("GET IDENTITY SUCI profile B", VEUICC_SUCI_PROFILE_B,
	               "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1", secs);

	double aes = f[0].ops_per_s;
	uint64_t all = FNV_BASIS;
	printf("%-30s %14s %16s %16s\n", "operation", "ops/s", "AES blocks/op", "checksum");
	for (int i = 0; i < nf; i++) {
		printf("%-30s %14.0f %16.1f %016llx\n", f[i].name, f[i].ops_per_s,
		       aes / f[i].ops_per_s, (unsigned long long)f[i].checksum);
		all = fnv(all, (const uint8_t *)&f[i].checksum, sizeof(f[i].checksum));
	}
	printf("MILENAGE/TUAK speed ratio: %.2f; checksum of all outputs: %016llx\n",
	       f[1].ops_per_s / f[2].ops_per_s, (unsigned long long)all);
	return 0;
}
