/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/uicc/auth: MILENAGE on all TS 35.207 / TS 35.208 test sets,
 * TUAK on the TS 35.233 test sets, the TS 34.108 test algorithm on cases
 * computed from its formulas, the AUTHENTICATE flows (MAC failure, SQN
 * array, resynchronisation, GSM context) and SUCI on the TS 33.501 Annex
 * C.4 test data. The vectors are data files in tests/data/uicc_auth
 * (SOURCES.md); one generic runner per algorithm walks them. Random inputs
 * are checked against the independent python oracle (oracle.py, ctest
 * uicc_auth_oracle).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_hex.h"
#include "uicc/auth/auth.h"
#include "uicc/auth/milenage.h"
#include "uicc/auth/suci.h"
#include "uicc/auth/testalg.h"
#include "uicc/auth/tuak.h"

#define MAX_FIELDS 16
#define MAX_FIELD  80 /* bytes of the longest hex field */
#define MAX_ROWS   32

/* One line of a vector file: text fields and their hex decodings. */
typedef struct row {
	int nf;
	char text[MAX_FIELDS][2 * MAX_FIELD + 1];
	uint8_t bin[MAX_FIELDS][MAX_FIELD];
	size_t len[MAX_FIELDS];
} row;

/* Decode \p hex into \p out; returns the byte count, or 0 if it is not hex. */
/* 0 bytes for bad hex: callers check the length they expect. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = test_hex_decode(h, out, cap);
	return n == TEST_HEX_BAD ? 0 : n;
}

/* Read tests/data/uicc_auth/<name>: every non-comment line is one row. */
static int load(const char *name, row *rows, int max)
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	char path[512];
	snprintf(path, sizeof(path), "%s/uicc_auth/%s", dir ? dir : VEUICC_SOURCE_DIR "/tests/data",
	         name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char line[2048];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(n < max);
		row *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
			assert_true(r->nf < MAX_FIELDS);
			assert_true(strlen(tok) < sizeof(r->text[0]));
			strcpy(r->text[r->nf], tok);
			r->len[r->nf] = unhex(tok, r->bin[r->nf], MAX_FIELD);
			r->nf++;
		}
	}
	fclose(f);
	return n;
}

static size_t hex(const char *h, uint8_t *out)
{
	size_t n = unhex(h, out, 256);
	assert_true(n > 0);
	return n;
}

/* ---- MILENAGE: TS 35.207 sets 1-6, TS 35.208 sets 1-20 ------------------ */

enum { M_SET, M_K, M_RAND, M_SQN, M_AMF, M_OP, M_OPC, M_F1, M_F1S, M_F2, M_F3, M_F4, M_F5, M_F5S };

static void test_milenage_vectors(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	int n = load("milenage.txt", rows, MAX_ROWS);
	assert_int_equal(n, 20);
	veuicc_milenage_cfg cfg;
	veuicc_milenage_cfg_default(&cfg);
	for (int i = 0; i < n; i++) {
		const row *r = &rows[i];
		assert_int_equal(r->nf, 14);
		uint8_t opc[16], mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], aks[6];
		assert_int_equal(veuicc_milenage_opc(r->bin[M_K], r->bin[M_OP], opc), VEUICC_OK);
		assert_memory_equal(opc, r->bin[M_OPC], 16);
		veuicc_milenage_ctx ctx;
		/* Every other set with an explicit copy of the default constants. */
		assert_int_equal(veuicc_milenage_start(&ctx, i % 2 ? &cfg : NULL, r->bin[M_K],
		                                       r->bin[M_OPC], r->bin[M_RAND]),
		                 VEUICC_OK);
		assert_int_equal(
		    veuicc_milenage_f1(&ctx, r->bin[M_SQN], r->bin[M_AMF], mac_a, mac_s),
		    VEUICC_OK);
		assert_int_equal(veuicc_milenage_f2345(&ctx, res, ck, ik, ak, aks), VEUICC_OK);
		veuicc_milenage_end(&ctx);
		assert_memory_equal(mac_a, r->bin[M_F1], 8);
		assert_memory_equal(mac_s, r->bin[M_F1S], 8);
		assert_memory_equal(res, r->bin[M_F2], 8);
		assert_memory_equal(ck, r->bin[M_F3], 16);
		assert_memory_equal(ik, r->bin[M_F4], 16);
		assert_memory_equal(ak, r->bin[M_F5], 6);
		assert_memory_equal(aks, r->bin[M_F5S], 6);
	}
}

static void test_milenage_constants(void **state)
{
	(void)state;
	/* The SAIP default encodings give the TS 35.206 defaults. */
	uint8_t rot[5], xc[80];
	hex("4000204060", rot);
	memset(xc, 0, sizeof(xc));
	xc[31] = 1, xc[47] = 2, xc[63] = 4, xc[79] = 8;
	veuicc_milenage_cfg a, b;
	veuicc_milenage_cfg_default(&a);
	assert_int_equal(veuicc_milenage_cfg_from_saip(&b, rot, xc), VEUICC_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	rot[2] = 128;
	assert_int_equal(veuicc_milenage_cfg_from_saip(&b, rot, xc), VEUICC_ERR_INVALID_ARG);

	/* Other constants change the outputs (their values are checked by oracle.py). */
	row rows[MAX_ROWS];
	load("milenage.txt", rows, MAX_ROWS);
	b = a;
	b.r[0] = 13;
	uint8_t mac_a[8], res[8];
	veuicc_milenage_ctx ctx;
	assert_int_equal(veuicc_milenage_start(&ctx, &b, rows[0].bin[M_K], rows[0].bin[M_OPC],
	                                       rows[0].bin[M_RAND]),
	                 VEUICC_OK);
	assert_int_equal(
	    veuicc_milenage_f1(&ctx, rows[0].bin[M_SQN], rows[0].bin[M_AMF], mac_a, NULL),
	    VEUICC_OK);
	assert_int_equal(veuicc_milenage_f2345(&ctx, res, NULL, NULL, NULL, NULL), VEUICC_OK);
	veuicc_milenage_end(&ctx);
	assert_memory_not_equal(mac_a, rows[0].bin[M_F1], 8);
	assert_memory_equal(res, rows[0].bin[M_F2], 8); /* r2, c2 unchanged */
	/* The context is zeroised at the end. */
	static const uint8_t zero[sizeof(ctx)];
	assert_memory_equal(&ctx, zero, sizeof(ctx));
}

/* ---- TUAK: TS 35.233 sets 1-6 ------------------------------------------- */

enum {
	T_SET,
	T_K,
	T_RAND,
	T_SQN,
	T_AMF,
	T_TOP,
	T_ITER,
	T_TOPC,
	T_F1,
	T_F1S,
	T_F2,
	T_F3,
	T_F4,
	T_F5,
	T_F5S
};

static void test_tuak_vectors(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	int n = load("tuak.txt", rows, MAX_ROWS);
	assert_int_equal(n, 6);
	for (int i = 0; i < n; i++) {
		const row *r = &rows[i];
		assert_int_equal(r->nf, 15);
		veuicc_tuak_cfg cfg = {
		    .k_len = (uint8_t)r->len[T_K],
		    .mac_len = (uint8_t)r->len[T_F1],
		    .res_len = (uint8_t)r->len[T_F2],
		    .ck_len = (uint8_t)r->len[T_F3],
		    .ik_len = (uint8_t)r->len[T_F4],
		    .iterations = (uint8_t)atoi(r->text[T_ITER]),
		};
		assert_int_equal(veuicc_tuak_cfg_check(&cfg), VEUICC_OK);
		uint8_t topc[32], mac_a[32], mac_s[32], res[32], ck[32], ik[32], ak[6], aks[6];
		const uint8_t *k = r->bin[T_K], *rnd = r->bin[T_RAND];
		assert_int_equal(veuicc_tuak_topc(&cfg, k, r->bin[T_TOP], topc), VEUICC_OK);
		assert_memory_equal(topc, r->bin[T_TOPC], 32);
		assert_int_equal(
		    veuicc_tuak_f1(&cfg, k, topc, rnd, r->bin[T_SQN], r->bin[T_AMF], mac_a),
		    VEUICC_OK);
		assert_int_equal(
		    veuicc_tuak_f1star(&cfg, k, topc, rnd, r->bin[T_SQN], r->bin[T_AMF], mac_s),
		    VEUICC_OK);
		assert_int_equal(veuicc_tuak_f2345(&cfg, k, topc, rnd, res, ck, ik, ak), VEUICC_OK);
		assert_int_equal(veuicc_tuak_f5star(&cfg, k, topc, rnd, aks), VEUICC_OK);
		assert_memory_equal(mac_a, r->bin[T_F1], cfg.mac_len);
		assert_memory_equal(mac_s, r->bin[T_F1S], cfg.mac_len);
		assert_memory_equal(res, r->bin[T_F2], cfg.res_len);
		assert_memory_equal(ck, r->bin[T_F3], cfg.ck_len);
		assert_memory_equal(ik, r->bin[T_F4], cfg.ik_len);
		assert_memory_equal(ak, r->bin[T_F5], 6);
		assert_memory_equal(aks, r->bin[T_F5S], 6);
	}
}

static void test_tuak_bad_cfg(void **state)
{
	(void)state;
	veuicc_tuak_cfg cfg;
	veuicc_tuak_cfg_default(&cfg, 16);
	assert_int_equal(veuicc_tuak_cfg_check(&cfg), VEUICC_OK);
	uint8_t k[32] = {0}, top[32] = {0}, topc[32];
	cfg.res_len = 12;
	assert_int_equal(veuicc_tuak_cfg_check(&cfg), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_tuak_topc(&cfg, k, top, topc), VEUICC_ERR_INVALID_ARG);
	veuicc_tuak_cfg_default(&cfg, 24);
	assert_int_equal(veuicc_tuak_cfg_check(&cfg), VEUICC_ERR_INVALID_ARG);
	veuicc_tuak_cfg_default(&cfg, 32);
	cfg.iterations = 0;
	assert_int_equal(veuicc_tuak_cfg_check(&cfg), VEUICC_ERR_INVALID_ARG);
}

/* ---- test algorithm (TS 34.108 §8.1.2) ---------------------------------- */

/* Expected values computed from the TS 34.108 §8.1.2.1 formulas and the TS
 * 33.102 §6.8.1.2 conversions in python, independently of src/. */
static const struct {
	const char *k, *rand, *sqn, *amf;
	size_t res_len;
	const char *mac, *res, *ck, *ik, *ak, *sres, *kc;
} testalg_cases[] = {
    {"000102030405060708090a0b0c0d0e0f", "9f7c8d021accf4db213ccff0c7f71a6a", "000000000021", "8000",
     16, "9f7d8f011ee872dc", "9f7d8f011ec9f2dc2935c5fbcbfa1465", "7d8f011ec9f2dc2935c5fbcbfa14659f",
     "8f011ec9f2dc2935c5fbcbfa14659f7d", "011ec9f2dc29", "637bac43", "02b02fe6d55f0ffe"},
    {"000102030405060708090a0b0c0d0e0f", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
     8, "dccf8a6d24351723", "23543ebd9232ae9a", "543ebd9232ae9a2983ec46a24ab13a23",
     "3ebd9232ae9a2983ec46a24ab13a2354", "bd9232ae9a29", "b1669027", "0529cb4867bfaadd"},
    {"465b5ce8b199b49faa5f0a2ee238a6bc", "f0e1d2c3b4a5968778695a4b3c2d1e0f", "000000000001", "0000",
     4, "b6ba8e2b053d2218", "b6ba8e2b", "ba8e2b053c2218d2365065de15b8b3b6",
     "8e2b053c2218d2365065de15b8b3b6ba", "2b053c2218d2", "b6ba8e2b", "529095f2b331cfe8"},
};

static void test_testalg_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(testalg_cases) / sizeof(testalg_cases[0]); i++) {
		uint8_t k[16], rnd[16], sqn[6], amf[2], e[16], mac[8], res[16], ck[16], ik[16],
		    ak[6], sres[4], kc[8];
		size_t rl = testalg_cases[i].res_len;
		hex(testalg_cases[i].k, k);
		hex(testalg_cases[i].rand, rnd);
		hex(testalg_cases[i].sqn, sqn);
		hex(testalg_cases[i].amf, amf);
		assert_int_equal(veuicc_testalg_f1(k, rnd, sqn, amf, mac), VEUICC_OK);
		assert_int_equal(veuicc_testalg_f2345(k, rnd, res, rl, ck, ik, ak), VEUICC_OK);
		assert_memory_equal(mac, e, hex(testalg_cases[i].mac, e));
		assert_memory_equal(res, e, hex(testalg_cases[i].res, e));
		assert_memory_equal(ck, e, hex(testalg_cases[i].ck, e));
		assert_memory_equal(ik, e, hex(testalg_cases[i].ik, e));
		assert_memory_equal(ak, e, hex(testalg_cases[i].ak, e));
		/* GSM context through the dispatcher: SRES = c2(RES), Kc = c3(CK, IK). */
		veuicc_aka_params p;
		assert_int_equal(veuicc_aka_params_testalg(&p, k, (uint8_t)rl), VEUICC_OK);
		assert_int_equal(veuicc_aka_gsm(&p, rnd, sres, kc), VEUICC_OK);
		assert_memory_equal(sres, e, hex(testalg_cases[i].sres, e));
		assert_memory_equal(kc, e, hex(testalg_cases[i].kc, e));
		veuicc_aka_params_clear(&p);
	}
	uint8_t k[16] = {0}, r[16] = {0}, res[17];
	assert_int_equal(veuicc_testalg_f2345(k, r, res, 3, NULL, NULL, NULL),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_testalg_f2345(k, r, res, 17, NULL, NULL, NULL),
	                 VEUICC_ERR_INVALID_ARG);
}

/* ---- AUTHENTICATE flows -------------------------------------------------- */

static uint64_t be48(const uint8_t b[6])
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | b[i];
	return v;
}

static void put48(uint64_t v, uint8_t b[6])
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* AUTN of MILENAGE set \p r for \p sqn, built from the published outputs
 * when sqn is the set's own SQN (AK = f5 does not depend on SQN). */
static void milenage_autn(const row *r, const uint8_t sqn[6], uint8_t autn[16])
{
	veuicc_milenage_ctx ctx;
	for (int i = 0; i < 6; i++)
		autn[i] = sqn[i] ^ r->bin[M_F5][i];
	memcpy(autn + 6, r->bin[M_AMF], 2);
	if (memcmp(sqn, r->bin[M_SQN], 6) == 0) {
		memcpy(autn + 8, r->bin[M_F1], 8);
		return;
	}
	assert_int_equal(
	    veuicc_milenage_start(&ctx, NULL, r->bin[M_K], r->bin[M_OPC], r->bin[M_RAND]),
	    VEUICC_OK);
	assert_int_equal(veuicc_milenage_f1(&ctx, sqn, r->bin[M_AMF], autn + 8, NULL), VEUICC_OK);
	veuicc_milenage_end(&ctx);
}

static void test_auth_milenage_flow(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	int n = load("milenage.txt", rows, MAX_ROWS);
	for (int i = 0; i < n; i++) {
		const row *r = &rows[i];
		veuicc_aka_params p;
		veuicc_aka_sqn_state st;
		veuicc_aka_result res;
		uint8_t autn[16];
		assert_int_equal(veuicc_aka_params_milenage(&p, r->bin[M_K], r->bin[M_OPC], NULL),
		                 VEUICC_OK);
		p.sqn.check_delta = false; /* the published SQNs are far from 0 */
		assert_int_equal(veuicc_aka_sqn_state_init(&st, NULL, 0), VEUICC_OK);
		milenage_autn(r, r->bin[M_SQN], autn);

		/* A wrong MAC: 9862, nothing computed, nothing stored. */
		autn[15] ^= 0x01;
		assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res),
		                 VEUICC_OK);
		assert_int_equal(res.outcome, VEUICC_AKA_MAC_FAILURE);
		assert_int_equal(res.res_len, 0);
		static const uint8_t zero[32];
		static const veuicc_aka_sqn_state zst;
		assert_memory_equal(res.ck, zero, sizeof(res.ck));
		assert_memory_equal(&st, &zst, sizeof(st));
		autn[15] ^= 0x01;

		/* The published vector authenticates. */
		assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res),
		                 VEUICC_OK);
		assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);
		assert_int_equal(res.res_len, 8);
		assert_memory_equal(res.res, r->bin[M_F2], 8);
		assert_int_equal(res.ck_len, 16);
		assert_memory_equal(res.ck, r->bin[M_F3], 16);
		assert_int_equal(res.ik_len, 16);
		assert_memory_equal(res.ik, r->bin[M_F4], 16);
		assert_true(res.has_kc);
		uint8_t kc[8];
		for (int j = 0; j < 8; j++)
			kc[j] = r->bin[M_F3][j] ^ r->bin[M_F3][j + 8] ^ r->bin[M_F4][j] ^
			        r->bin[M_F4][j + 8];
		assert_memory_equal(res.kc, kc, 8);
		uint64_t sqn = be48(r->bin[M_SQN]);
		assert_int_equal(st.seq_ms[sqn & 31], sqn >> 5);

		/* Replayed: SQN failure; AUTS = (SQN_MS xor AK*) || MAC-S with SQN_MS the
		 * accepted SQN, AK* the published f5*. */
		assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res),
		                 VEUICC_OK);
		assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
		assert_int_equal(res.res_len, 0);
		assert_memory_equal(res.res, zero, sizeof(res.res));
		uint8_t sqn_ms[6];
		for (int j = 0; j < 6; j++)
			sqn_ms[j] = res.auts[j] ^ r->bin[M_F5S][j];
		assert_memory_equal(sqn_ms, r->bin[M_SQN], 6);

		/* GSM context: SRES = c2(RES), Kc = c3(CK, IK) (TS 33.102 §6.8.1.2). */
		uint8_t sres[4], kc2[8], e_sres[4];
		for (int j = 0; j < 4; j++)
			e_sres[j] = r->bin[M_F2][j] ^ r->bin[M_F2][j + 4];
		assert_int_equal(veuicc_aka_gsm(&p, r->bin[M_RAND], sres, kc2), VEUICC_OK);
		assert_memory_equal(sres, e_sres, 4);
		assert_memory_equal(kc2, kc, 8);
		veuicc_aka_params_clear(&p);
		veuicc_aka_result_clear(&res);
	}
}

static void test_auth_sqn_array(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	load("milenage.txt", rows, MAX_ROWS);
	const row *r = &rows[0];
	veuicc_aka_params p;
	veuicc_aka_sqn_state st;
	veuicc_aka_result res;
	uint8_t autn[16], sqn[6];
	assert_int_equal(veuicc_aka_params_milenage(&p, r->bin[M_K], r->bin[M_OPC], NULL),
	                 VEUICC_OK);
	assert_int_equal(veuicc_aka_sqn_state_init(&st, NULL, 0), VEUICC_OK);

	/* TS 33.102 §C.2.2: SEQ 5 with IND 3 and IND 4, then SEQ 4 with IND 7 are
	 * fresh (separate array entries); SEQ 5 with IND 3 again and SEQ 4 with IND 3
	 * are not. */
	static const struct {
		uint64_t seq, ind;
		veuicc_aka_outcome want;
	} steps[] = {
	    {5, 3, VEUICC_AKA_SUCCESS},      {5, 4, VEUICC_AKA_SUCCESS},
	    {4, 7, VEUICC_AKA_SUCCESS},      {5, 3, VEUICC_AKA_SYNC_FAILURE},
	    {4, 3, VEUICC_AKA_SYNC_FAILURE}, {6, 3, VEUICC_AKA_SUCCESS},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		put48(steps[i].seq << 5 | steps[i].ind, sqn);
		milenage_autn(r, sqn, autn);
		assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res),
		                 VEUICC_OK);
		assert_int_equal(res.outcome, steps[i].want);
	}
	assert_int_equal(st.seq_ms[3], 6);
	assert_int_equal(st.seq_ms[4], 5);
	assert_int_equal(st.seq_ms[7], 4);
	/* SQN_MS is the highest entry with its IND (TS 33.102 §6.3.5). */
	assert_int_equal(veuicc_aka_sqn_ms(&p.sqn, &st), 6 << 5 | 3);

	/* §C.2.1: more than Δ ahead of the highest SEQ_MS is refused, Δ ahead is fine. */
	p.sqn.delta = 100;
	put48((6 + 101) << 5 | 9, sqn);
	milenage_autn(r, sqn, autn);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
	put48((6 + 100) << 5 | 9, sqn);
	milenage_autn(r, sqn, autn);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);

	/* §C.2.2: with the age limit L, a fresh entry is accepted only if
	 * SEQ_MS - SEQ < L. */
	p.sqn.check_age_limit = true;
	p.sqn.age_limit = 50;
	put48(56ull << 5 | 10, sqn); /* 106 - 56 = 50, not < 50 */
	milenage_autn(r, sqn, autn);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
	put48(57ull << 5 | 10, sqn);
	milenage_autn(r, sqn, autn);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);

	/* sqnInit values (SAIP) are SEQ values without IND. */
	uint64_t init[32] = {0};
	init[2] = 1000;
	assert_int_equal(veuicc_aka_sqn_state_init(&st, init, 32), VEUICC_OK);
	assert_int_equal(veuicc_aka_sqn_ms(&p.sqn, &st), 1000 << 5 | 2);
	init[0] = 1ull << 48;
	assert_int_equal(veuicc_aka_sqn_state_init(&st, init, 32), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_aka_sqn_state_init(&st, init, 33), VEUICC_ERR_INVALID_ARG);

	/* Without concealment AK is zero: AUTN carries SQN in clear. */
	p.sqn.conceal_sqn = false;
	p.sqn.check_age_limit = false;
	veuicc_aka_sqn_state_init(&st, NULL, 0);
	put48(77ull << 5, sqn);
	milenage_autn(r, sqn, autn);
	memcpy(autn, sqn, 6);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[M_RAND], autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
	assert_memory_equal(res.auts, sqn, 6);

	/* SAIP numeric options. */
	uint8_t d6[6], a6[6];
	hex("000010000000", d6);
	hex("000000000200", a6);
	assert_int_equal(veuicc_aka_sqn_cfg_from_saip(&p.sqn, 0x02, d6, a6), VEUICC_OK);
	assert_true(p.sqn.conceal_sqn);
	assert_int_equal(p.sqn.delta, 1ull << 28);
	assert_int_equal(p.sqn.age_limit, 0x200);
	assert_int_equal(veuicc_aka_sqn_cfg_from_saip(&p.sqn, 0x00, NULL, NULL), VEUICC_OK);
	assert_false(p.sqn.conceal_sqn);
	veuicc_aka_params_clear(&p);
}

static void test_auth_tuak_flow(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	int n = load("tuak.txt", rows, MAX_ROWS);
	for (int i = 0; i < n; i++) {
		const row *r = &rows[i];
		veuicc_tuak_cfg cfg = {
		    .k_len = (uint8_t)r->len[T_K],
		    .mac_len = (uint8_t)r->len[T_F1],
		    .res_len = (uint8_t)r->len[T_F2],
		    .ck_len = (uint8_t)r->len[T_F3],
		    .ik_len = (uint8_t)r->len[T_F4],
		    .iterations = (uint8_t)atoi(r->text[T_ITER]),
		};
		veuicc_aka_params p;
		veuicc_aka_sqn_state st;
		veuicc_aka_result res;
		uint8_t autn[16];
		assert_int_equal(veuicc_aka_params_tuak(&p, r->bin[T_K], r->bin[T_TOPC], &cfg),
		                 VEUICC_OK);
		p.sqn.check_delta = false;
		veuicc_aka_sqn_state_init(&st, NULL, 0);
		for (int j = 0; j < 6; j++)
			autn[j] = r->bin[T_SQN][j] ^ r->bin[T_F5][j];
		memcpy(autn + 6, r->bin[T_AMF], 2);
		memcpy(autn + 8, r->bin[T_F1], 8);
		int rc = veuicc_aka_authenticate(&p, &st, r->bin[T_RAND], autn, &res);
		if (cfg.mac_len != 8) {
			/* AUTN has room for a 64-bit MAC only. */
			assert_int_equal(rc, VEUICC_ERR_UNSUPPORTED);
			continue;
		}
		assert_int_equal(rc, VEUICC_OK);
		assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);
		assert_int_equal(res.res_len, cfg.res_len);
		assert_memory_equal(res.res, r->bin[T_F2], cfg.res_len);
		assert_memory_equal(res.ck, r->bin[T_F3], cfg.ck_len);
		assert_memory_equal(res.ik, r->bin[T_F4], cfg.ik_len);
		assert_int_equal(res.has_kc, cfg.ck_len == 16 && cfg.ik_len == 16);
		/* Replay: AUTS conceals the accepted SQN with the published f5*. */
		assert_int_equal(veuicc_aka_authenticate(&p, &st, r->bin[T_RAND], autn, &res),
		                 VEUICC_OK);
		assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
		uint8_t sqn_ms[6], mac_s[8];
		for (int j = 0; j < 6; j++)
			sqn_ms[j] = res.auts[j] ^ r->bin[T_F5S][j];
		assert_memory_equal(sqn_ms, r->bin[T_SQN], 6);
		/* MAC-S = f1*(SQN_MS, RAND, AMF '0000'); with the set's AMF it is the published
		 * f1*. */
		assert_int_equal(veuicc_tuak_f1star(&cfg, r->bin[T_K], r->bin[T_TOPC],
		                                    r->bin[T_RAND], sqn_ms, r->bin[T_AMF], mac_s),
		                 VEUICC_OK);
		assert_memory_equal(mac_s, r->bin[T_F1S], 8);
		static const uint8_t amf0[2];
		assert_int_equal(veuicc_tuak_f1star(&cfg, r->bin[T_K], r->bin[T_TOPC],
		                                    r->bin[T_RAND], sqn_ms, amf0, mac_s),
		                 VEUICC_OK);
		assert_memory_equal(res.auts + 6, mac_s, 8);
		veuicc_aka_params_clear(&p);
	}
}

static void test_auth_testalg_flow(void **state)
{
	(void)state;
	/* TS.48 test profiles: usim-test-algorithm, K = 00..0F. */
	uint8_t k[16], rnd[16], autn[16], ak[6], mac[8], sqn[6], amf[2] = {0x80, 0x00};
	hex("000102030405060708090a0b0c0d0e0f", k);
	hex("9f7c8d021accf4db213ccff0c7f71a6a", rnd);
	hex("000000000021", sqn);
	hex("011ec9f2dc29", ak);      /* XDOUT[24..71], from testalg_cases[0] */
	hex("9f7d8f011ee872dc", mac); /* XMAC for this SQN and AMF */
	for (int i = 0; i < 6; i++)
		autn[i] = sqn[i] ^ ak[i];
	memcpy(autn + 6, amf, 2);
	memcpy(autn + 8, mac, 8);
	veuicc_aka_params p;
	veuicc_aka_sqn_state st;
	veuicc_aka_result res;
	uint8_t e[16];
	assert_int_equal(veuicc_aka_params_testalg(&p, k, 16), VEUICC_OK);
	veuicc_aka_sqn_state_init(&st, NULL, 0);
	assert_int_equal(veuicc_aka_authenticate(&p, &st, rnd, autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SUCCESS);
	assert_memory_equal(res.res, e, hex("9f7d8f011ec9f2dc2935c5fbcbfa1465", e));
	assert_int_equal(res.res_len, 16);
	assert_memory_equal(res.kc, e, hex("02b02fe6d55f0ffe", e));
	/* Resynchronisation (TS 34.108 §8.1.2.2): AUTS = (SQN_MS xor AK) || XDOUT[0..63]
	 * xor (SQN_MS || '0000'). */
	assert_int_equal(veuicc_aka_authenticate(&p, &st, rnd, autn, &res), VEUICC_OK);
	assert_int_equal(res.outcome, VEUICC_AKA_SYNC_FAILURE);
	uint8_t auts[14];
	for (int i = 0; i < 6; i++)
		auts[i] = sqn[i] ^ ak[i];
	uint8_t xd[16];
	hex("9f7d8f011ec9f2dc2935c5fbcbfa1465", xd); /* XDOUT (RES of 128 bits) */
	for (int i = 0; i < 8; i++)
		auts[6 + i] = xd[i] ^ (i < 6 ? sqn[i] : 0);
	assert_memory_equal(res.auts, auts, 14);
	veuicc_aka_params_clear(&p);
	static const uint8_t zero[sizeof(p)];
	assert_memory_equal(&p, zero, sizeof(p));
}

static void test_auth_bad_args(void **state)
{
	(void)state;
	veuicc_aka_params p;
	veuicc_aka_sqn_state st;
	veuicc_aka_result res;
	uint8_t k[16] = {1}, rnd[16] = {2}, autn[16] = {3}, sres[4], kc[8];
	veuicc_aka_sqn_state_init(&st, NULL, 0);
	assert_int_equal(veuicc_aka_params_testalg(&p, k, 3), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_aka_params_milenage(&p, k, k, NULL), VEUICC_OK);
	assert_int_equal(veuicc_aka_authenticate(NULL, &st, rnd, autn, &res),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_aka_authenticate(&p, NULL, rnd, autn, &res),
	                 VEUICC_ERR_INVALID_ARG);
	p.sqn.ind_bits = 6;
	assert_int_equal(veuicc_aka_authenticate(&p, &st, rnd, autn, &res), VEUICC_ERR_INVALID_ARG);
	p.sqn.ind_bits = 5;
	p.algo = (veuicc_aka_algo)9;
	assert_int_equal(veuicc_aka_authenticate(&p, &st, rnd, autn, &res), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_aka_gsm(&p, rnd, sres, kc), VEUICC_ERR_INVALID_ARG);
	/* SQN above 48 bits is never accepted. */
	assert_false(veuicc_aka_sqn_accept(&p.sqn, &st, 1ull << 48));
}

/* ---- SUCI: TS 33.501 Annex C.4 ----------------------------------------- */

enum {
	S_ID,
	S_SCHEME,
	S_HNPRIV,
	S_HNPUB,
	S_EPHPRIV,
	S_EPHPUB,
	S_Z,
	S_EK,
	S_ICB,
	S_MK,
	S_IN,
	S_CT,
	S_TAG,
	S_OUT
};

/* RNG that hands out the test's ephemeral private key first, then a
 * deterministic stream (only used to blind the scalar multiplications). */
typedef struct fixed_rng {
	const uint8_t *key;
	size_t key_len;
	int calls;
	uint32_t x;
} fixed_rng;

static int fixed_rng_fn(void *ctx, unsigned char *out, size_t len)
{
	fixed_rng *f = ctx;
	if (f->calls++ == 0 && f->key) {
		assert_int_equal(len, f->key_len);
		memcpy(out, f->key, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		f->x ^= f->x << 13, f->x ^= f->x >> 17, f->x ^= f->x << 5;
		out[i] = (uint8_t)f->x;
	}
	return 0;
}

static void test_suci_annex_c4(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	int n = load("suci_ts33501_c4.txt", rows, MAX_ROWS);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++) {
		const row *r = &rows[i];
		assert_int_equal(r->nf, 14);
		veuicc_suci_scheme s =
		    r->text[S_SCHEME][0] == 'A' ? VEUICC_SUCI_PROFILE_A : VEUICC_SUCI_PROFILE_B;
		fixed_rng rng = {r->bin[S_EPHPRIV], 32, 0, 0x12345678u};
		uint8_t out[128];
		size_t len = 0;
		assert_int_equal(veuicc_suci_scheme_output(s, r->bin[S_HNPUB], r->len[S_HNPUB],
		                                           r->bin[S_IN], r->len[S_IN], fixed_rng_fn,
		                                           &rng, out, sizeof(out), &len),
		                 VEUICC_OK);
		assert_int_equal(len, r->len[S_OUT]);
		assert_memory_equal(out, r->bin[S_OUT], len);
		/* Too small an output buffer. */
		rng.calls = 0;
		assert_int_equal(veuicc_suci_scheme_output(s, r->bin[S_HNPUB], r->len[S_HNPUB],
		                                           r->bin[S_IN], r->len[S_IN], fixed_rng_fn,
		                                           &rng, out, len - 1, &len),
		                 VEUICC_ERR_BUFFER_TOO_SMALL);
	}
}

static void test_suci_msin_and_tlv(void **state)
{
	(void)state;
	uint8_t b[64], e[64];
	size_t len;
	/* TS 33.501 C.4.3.1: MSIN 001002086 is the scheme input 00012080F6. */
	assert_int_equal(veuicc_suci_msin_encode("001002086", b, sizeof(b), &len), VEUICC_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(b, e, hex("00012080f6", e));
	assert_int_equal(veuicc_suci_msin_encode("0123456789", b, sizeof(b), &len), VEUICC_OK);
	assert_memory_equal(b, e, hex("1032547698", e));
	assert_int_equal(veuicc_suci_msin_encode("12a45", b, sizeof(b), &len),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_suci_msin_encode("1234", b, sizeof(b), &len),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_suci_msin_encode("123456789", b, 4, &len),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);

	/* TS 24.501 §9.11.3.4 octets 5-7: MCC 274 / MNC 012 and MCC 208 / MNC 93. */
	uint8_t plmn[3];
	assert_int_equal(veuicc_suci_plmn_encode("274", "012", plmn), VEUICC_OK);
	assert_memory_equal(plmn, e, hex("722410", e));
	assert_int_equal(veuicc_suci_plmn_encode("208", "93", plmn), VEUICC_OK);
	assert_memory_equal(plmn, e, hex("02f839", e));
	assert_int_equal(veuicc_suci_plmn_encode("20", "93", plmn), VEUICC_ERR_INVALID_ARG);

	/* Null scheme (TS 33.501 C.4.2.1): the output is the input. */
	uint8_t in[5];
	hex("00012080f6", in);
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_NULL_SCHEME, NULL, 0, in, 5, NULL,
	                                           NULL, b, sizeof(b), &len),
	                 VEUICC_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(b, in, 5);

	/* GET IDENTITY SUCI data object (TS 31.102 §7.5) for the C.4.3.1 SUCI:
	 * A1 L | 01 | 72 24 10 | RI "678" = 76 F8 | scheme 01 | key id 1B |
	 * scheme output. */
	row rows[MAX_ROWS];
	load("suci_ts33501_c4.txt", rows, MAX_ROWS);
	const row *r = &rows[0];
	uint8_t ri[2], tlv[128];
	hex("76f8", ri);
	assert_int_equal(veuicc_suci_plmn_encode("274", "012", plmn), VEUICC_OK);
	assert_int_equal(veuicc_suci_get_identity_tlv(plmn, ri, 1, 27, r->bin[S_OUT], r->len[S_OUT],
	                                              tlv, sizeof(tlv), &len),
	                 VEUICC_OK);
	size_t el = hex("a13501722410"
	                "76f8"
	                "01"
	                "1b",
	                e);
	memcpy(e + el, r->bin[S_OUT], r->len[S_OUT]);
	assert_int_equal(len, el + r->len[S_OUT]);
	assert_int_equal(tlv[1], 8 + 45);
	assert_memory_equal(tlv, e, len);
	assert_int_equal(veuicc_suci_get_identity_tlv(plmn, ri, 1, 27, r->bin[S_OUT], r->len[S_OUT],
	                                              tlv, len - 1, &len),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	/* A long scheme output gets a two-byte length. */
	uint8_t big[200] = {0};
	assert_int_equal(veuicc_suci_get_identity_tlv(plmn, ri, 2, 1, big, sizeof(big), b, 0, &len),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	uint8_t bigtlv[256];
	assert_int_equal(veuicc_suci_get_identity_tlv(plmn, ri, 2, 1, big, sizeof(big), bigtlv,
	                                              sizeof(bigtlv), &len),
	                 VEUICC_OK);
	assert_int_equal(len, 3 + 208);
	assert_int_equal(bigtlv[1], 0x81);
	assert_int_equal(bigtlv[2], 208);
}

static void test_suci_bad_keys(void **state)
{
	(void)state;
	row rows[MAX_ROWS];
	load("suci_ts33501_c4.txt", rows, MAX_ROWS);
	uint8_t out[128], pub[65], in[5] = {1, 2, 3, 4, 5};
	size_t len;
	fixed_rng rng = {NULL, 0, 0, 99};
	/* Profile A: the all-zero (low-order) public key gives Z = 0. */
	memset(pub, 0, 32);
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_A, pub, 32, in, 5,
	                                           fixed_rng_fn, &rng, out, sizeof(out), &len),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_A, rows[0].bin[S_HNPUB], 31,
	                                           in, 5, fixed_rng_fn, &rng, out, sizeof(out),
	                                           &len),
	                 VEUICC_ERR_INVALID_ARG);
	/* Profile B: an x with no point on P-256 (x = 1: x^3 - 3x + b is a
	 * quadratic non-residue mod p), a bad prefix, an off-curve uncompressed point. */
	memset(pub, 0, sizeof(pub));
	pub[0] = 0x02;
	pub[32] = 1;
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_B, pub, 33, in, 5,
	                                           fixed_rng_fn, &rng, out, sizeof(out), &len),
	                 VEUICC_ERR_INVALID_ARG);
	memcpy(pub, rows[2].bin[S_HNPUB], 33);
	pub[0] = 0x05;
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_B, pub, 33, in, 5,
	                                           fixed_rng_fn, &rng, out, sizeof(out), &len),
	                 VEUICC_ERR_INVALID_ARG);
	memcpy(pub, rows[3].bin[S_HNPUB], 65);
	pub[64] ^= 1;
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_B, pub, 65, in, 5,
	                                           fixed_rng_fn, &rng, out, sizeof(out), &len),
	                 VEUICC_ERR_INVALID_ARG);
	/* The other parity of the same x is the point -P: it decodes, and as
	 * x(d(-P)) = x(dP) the scheme output is the same. */
	memcpy(pub, rows[2].bin[S_HNPUB], 33);
	pub[0] = 0x03;
	fixed_rng r2 = {rows[2].bin[S_EPHPRIV], 32, 0, 7};
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_B, pub, 33,
	                                           rows[2].bin[S_IN], 5, fixed_rng_fn, &r2, out,
	                                           sizeof(out), &len),
	                 VEUICC_OK);
	assert_int_equal(len, rows[2].len[S_OUT]);
	assert_memory_equal(out, rows[2].bin[S_OUT], len);
	/* Empty input, unknown scheme. */
	assert_int_equal(veuicc_suci_scheme_output(VEUICC_SUCI_PROFILE_A, rows[0].bin[S_HNPUB], 32,
	                                           in, 0, fixed_rng_fn, &rng, out, sizeof(out),
	                                           &len),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_suci_scheme_output((veuicc_suci_scheme)3, rows[0].bin[S_HNPUB], 32,
	                                           in, 5, fixed_rng_fn, &rng, out, sizeof(out),
	                                           &len),
	                 VEUICC_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_milenage_vectors),  cmocka_unit_test(test_milenage_constants),
	    cmocka_unit_test(test_tuak_vectors),      cmocka_unit_test(test_tuak_bad_cfg),
	    cmocka_unit_test(test_testalg_cases),     cmocka_unit_test(test_auth_milenage_flow),
	    cmocka_unit_test(test_auth_sqn_array),    cmocka_unit_test(test_auth_tuak_flow),
	    cmocka_unit_test(test_auth_testalg_flow), cmocka_unit_test(test_auth_bad_args),
	    cmocka_unit_test(test_suci_annex_c4),     cmocka_unit_test(test_suci_msin_and_tlv),
	    cmocka_unit_test(test_suci_bad_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
