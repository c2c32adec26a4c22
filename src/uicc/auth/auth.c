/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AUTHENTICATE computations of the USIM (TS 31.102 §7.1.2.1) and sequence
 * number management (TS 33.102 §6.3.3, §6.3.5, Annex C.2).
 */
#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

#include "uicc/auth/auth.h"
#include "uicc/auth/testalg.h"

/* Δ = 2^28 as TS 33.102 Annex C suggests; the SAIP default sqnDelta and
 * sqnAgeLimit are both '000010000000'. */
#define DEFAULT_DELTA     0x10000000ull
#define DEFAULT_AGE_LIMIT 0x10000000ull

void veuicc_aka_sqn_cfg_default(veuicc_aka_sqn_cfg *cfg)
{
	cfg->ind_bits = VEUICC_AKA_IND_BITS_MAX;
	cfg->check_delta = true;
	cfg->delta = DEFAULT_DELTA;
	cfg->check_age_limit = false;
	cfg->age_limit = DEFAULT_AGE_LIMIT;
	cfg->conceal_sqn = true;
}

static uint64_t load48(const uint8_t b[6])
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 6; i++)
		v = (v << 8) | b[i];
	return v;
}

static void store48(uint64_t v, uint8_t b[6])
{
	for (int i = 5; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* SAIP PE-AKAParameter sqnOptions: '02' = anonymity key used (the default). */
#define SAIP_SQN_OPT_AK 0x02u

int veuicc_aka_sqn_cfg_from_saip(veuicc_aka_sqn_cfg *cfg, uint8_t sqn_options,
                                 const uint8_t sqn_delta[6], const uint8_t sqn_age_limit[6])
{
	if (!cfg)
		return VEUICC_ERR_INVALID_ARG;
	cfg->conceal_sqn = (sqn_options & SAIP_SQN_OPT_AK) != 0;
	if (sqn_delta)
		cfg->delta = load48(sqn_delta);
	if (sqn_age_limit)
		cfg->age_limit = load48(sqn_age_limit);
	return VEUICC_OK;
}

int veuicc_aka_sqn_state_init(veuicc_aka_sqn_state *st, const uint64_t *seq_init, size_t n)
{
	if (!st || n > VEUICC_AKA_SQN_ARRAY_MAX || (n && !seq_init))
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		if (seq_init[i] > VEUICC_AKA_SQN_MAX)
			return VEUICC_ERR_INVALID_ARG;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < n; i++)
		st->seq_ms[i] = seq_init[i];
	return VEUICC_OK;
}

static size_t array_len(const veuicc_aka_sqn_cfg *cfg)
{
	return (size_t)1 << cfg->ind_bits;
}

/* Index of the highest entry of the array (the first one on a tie). */
static size_t highest(const veuicc_aka_sqn_cfg *cfg, const veuicc_aka_sqn_state *st)
{
	size_t best = 0;
	for (size_t i = 1; i < array_len(cfg); i++)
		if (st->seq_ms[i] > st->seq_ms[best])
			best = i;
	return best;
}

uint64_t veuicc_aka_sqn_ms(const veuicc_aka_sqn_cfg *cfg, const veuicc_aka_sqn_state *st)
{
	size_t i = highest(cfg, st);
	return ((st->seq_ms[i] << cfg->ind_bits) | i) & VEUICC_AKA_SQN_MAX;
}

bool veuicc_aka_sqn_accept(const veuicc_aka_sqn_cfg *cfg, veuicc_aka_sqn_state *st, uint64_t sqn)
{
	if (!cfg || !st || cfg->ind_bits > VEUICC_AKA_IND_BITS_MAX || sqn > VEUICC_AKA_SQN_MAX)
		return false;
	uint64_t seq = sqn >> cfg->ind_bits;
	size_t ind = (size_t)(sqn & (array_len(cfg) - 1));
	uint64_t seq_max = st->seq_ms[highest(cfg, st)];
	/* §C.2.1: protection against wrap around, SEQ - SEQ_MS <= Δ, with SEQ_MS
	 * the highest accepted SEQ. */
	if (cfg->check_delta && seq > seq_max && seq - seq_max > cfg->delta)
		return false;
	/* §C.2.2: optional age limit, SEQ_MS - SEQ < L. */
	if (cfg->check_age_limit && seq <= seq_max && seq_max - seq >= cfg->age_limit)
		return false;
	/* §C.2.2: fresh only if SEQ > SEQ_MS(IND). */
	if (seq <= st->seq_ms[ind])
		return false;
	st->seq_ms[ind] = seq;
	return true;
}

static void params_init(veuicc_aka_params *p, veuicc_aka_algo algo)
{
	memset(p, 0, sizeof(*p));
	p->algo = algo;
	veuicc_milenage_cfg_default(&p->milenage);
	veuicc_tuak_cfg_default(&p->tuak, 16);
	p->testalg_res_len = VEUICC_TESTALG_RES_MAX_LEN;
	veuicc_aka_sqn_cfg_default(&p->sqn);
}

int veuicc_aka_params_milenage(veuicc_aka_params *p, const uint8_t k[16], const uint8_t opc[16],
                               const veuicc_milenage_cfg *mcfg)
{
	if (!p || !k || !opc)
		return VEUICC_ERR_INVALID_ARG;
	params_init(p, VEUICC_AKA_ALGO_MILENAGE);
	p->k_len = 16;
	memcpy(p->k, k, 16);
	memcpy(p->opc, opc, 16);
	if (mcfg)
		p->milenage = *mcfg;
	return VEUICC_OK;
}

int veuicc_aka_params_tuak(veuicc_aka_params *p, const uint8_t *k, const uint8_t topc[32],
                           const veuicc_tuak_cfg *tcfg)
{
	if (!p || !k || !topc || veuicc_tuak_cfg_check(tcfg))
		return VEUICC_ERR_INVALID_ARG;
	params_init(p, VEUICC_AKA_ALGO_TUAK);
	p->tuak = *tcfg;
	p->k_len = tcfg->k_len;
	memcpy(p->k, k, tcfg->k_len);
	memcpy(p->opc, topc, 32);
	return VEUICC_OK;
}

int veuicc_aka_params_testalg(veuicc_aka_params *p, const uint8_t k[16], uint8_t res_len)
{
	if (!p || !k || res_len < VEUICC_TESTALG_RES_MIN_LEN ||
	    res_len > VEUICC_TESTALG_RES_MAX_LEN)
		return VEUICC_ERR_INVALID_ARG;
	params_init(p, VEUICC_AKA_ALGO_TESTALG);
	p->k_len = 16;
	memcpy(p->k, k, 16);
	p->testalg_res_len = res_len;
	return VEUICC_OK;
}

void veuicc_aka_params_clear(veuicc_aka_params *p)
{
	if (p)
		mbedtls_platform_zeroize(p, sizeof(*p));
}

void veuicc_aka_result_clear(veuicc_aka_result *r)
{
	if (r)
		mbedtls_platform_zeroize(r, sizeof(*r));
}

void veuicc_aka_c2(const uint8_t *res, size_t res_len, uint8_t sres[4])
{
	/* XRES* = RES || 0...0 (128 bits); SRES = XRES*1 ^ XRES*2 ^ XRES*3 ^ XRES*4. */
	uint8_t x[16] = {0};
	memcpy(x, res, res_len > 16 ? 16 : res_len);
	for (unsigned i = 0; i < 4; i++)
		sres[i] = x[i] ^ x[i + 4] ^ x[i + 8] ^ x[i + 12];
	mbedtls_platform_zeroize(x, sizeof(x));
}

void veuicc_aka_c3(const uint8_t ck[16], const uint8_t ik[16], uint8_t kc[8])
{
	for (unsigned i = 0; i < 8; i++)
		kc[i] = ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8];
}

/* ---- one algorithm run for one RAND ----------------------------------- */

typedef struct alg_run {
	const veuicc_aka_params *p;
	const uint8_t *rand;
	veuicc_milenage_ctx m; /* MILENAGE: K expanded once, TEMP computed once */
} alg_run;

static int params_check(const veuicc_aka_params *p)
{
	switch (p->algo) {
	case VEUICC_AKA_ALGO_MILENAGE: return p->k_len == 16 ? VEUICC_OK : VEUICC_ERR_INVALID_ARG;
	case VEUICC_AKA_ALGO_TUAK:
		return p->tuak.k_len == p->k_len ? veuicc_tuak_cfg_check(&p->tuak)
		                                 : VEUICC_ERR_INVALID_ARG;
	case VEUICC_AKA_ALGO_TESTALG:
		return p->k_len == 16 && p->testalg_res_len >= VEUICC_TESTALG_RES_MIN_LEN &&
		               p->testalg_res_len <= VEUICC_TESTALG_RES_MAX_LEN
		           ? VEUICC_OK
		           : VEUICC_ERR_INVALID_ARG;
	}
	return VEUICC_ERR_INVALID_ARG;
}

static int run_start(alg_run *r, const veuicc_aka_params *p, const uint8_t rand[16])
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->rand = rand;
	if (p->algo == VEUICC_AKA_ALGO_MILENAGE)
		return veuicc_milenage_start(&r->m, &p->milenage, p->k, p->opc, rand);
	return VEUICC_OK;
}

static void run_end(alg_run *r)
{
	if (r->p && r->p->algo == VEUICC_AKA_ALGO_MILENAGE)
		veuicc_milenage_end(&r->m);
	mbedtls_platform_zeroize(r, sizeof(*r));
}

static uint8_t res_len_of(const veuicc_aka_params *p)
{
	switch (p->algo) {
	case VEUICC_AKA_ALGO_MILENAGE: return VEUICC_MILENAGE_RES_LEN;
	case VEUICC_AKA_ALGO_TUAK: return p->tuak.res_len;
	case VEUICC_AKA_ALGO_TESTALG: return p->testalg_res_len;
	}
	return 0;
}

/* RES, CK, IK, AK (AK forced to zero when SQN is not concealed). */
static int run_f2345(alg_run *r, uint8_t *res, uint8_t *ck, uint8_t *ik, uint8_t ak[6])
{
	const veuicc_aka_params *p = r->p;
	int rc = VEUICC_ERR_INVALID_ARG;
	switch (p->algo) {
	case VEUICC_AKA_ALGO_MILENAGE:
		rc = veuicc_milenage_f2345(&r->m, res, ck, ik, ak, NULL);
		break;
	case VEUICC_AKA_ALGO_TUAK:
		rc = veuicc_tuak_f2345(&p->tuak, p->k, p->opc, r->rand, res, ck, ik, ak);
		break;
	case VEUICC_AKA_ALGO_TESTALG:
		rc = veuicc_testalg_f2345(p->k, r->rand, res, p->testalg_res_len, ck, ik, ak);
		break;
	}
	if (rc == VEUICC_OK && ak && !p->sqn.conceal_sqn)
		memset(ak, 0, 6);
	return rc;
}

/* f1 (star = false) or f1* (star = true), 64-bit MAC. */
static int run_f1(alg_run *r, bool star, const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac[8])
{
	const veuicc_aka_params *p = r->p;
	switch (p->algo) {
	case VEUICC_AKA_ALGO_MILENAGE:
		return veuicc_milenage_f1(&r->m, sqn, amf, star ? NULL : mac, star ? mac : NULL);
	case VEUICC_AKA_ALGO_TUAK:
		return star ? veuicc_tuak_f1star(&p->tuak, p->k, p->opc, r->rand, sqn, amf, mac)
		            : veuicc_tuak_f1(&p->tuak, p->k, p->opc, r->rand, sqn, amf, mac);
	case VEUICC_AKA_ALGO_TESTALG:
		/* TS 34.108 §8.1.2.2: MAC-S is computed as XMAC. */
		return veuicc_testalg_f1(p->k, r->rand, sqn, amf, mac);
	}
	return VEUICC_ERR_INVALID_ARG;
}

/* AK* (zero when SQN is not concealed). */
static int run_f5star(alg_run *r, uint8_t ak_star[6])
{
	const veuicc_aka_params *p = r->p;
	int rc = VEUICC_ERR_INVALID_ARG;
	if (!p->sqn.conceal_sqn) {
		memset(ak_star, 0, 6);
		return VEUICC_OK;
	}
	switch (p->algo) {
	case VEUICC_AKA_ALGO_MILENAGE:
		rc = veuicc_milenage_f2345(&r->m, NULL, NULL, NULL, NULL, ak_star);
		break;
	case VEUICC_AKA_ALGO_TUAK:
		rc = veuicc_tuak_f5star(&p->tuak, p->k, p->opc, r->rand, ak_star);
		break;
	case VEUICC_AKA_ALGO_TESTALG:
		/* TS 34.108 §8.1.2.2: the same AK as in §8.1.2.1. */
		rc = veuicc_testalg_f2345(p->k, r->rand, NULL, 0, NULL, NULL, ak_star);
		break;
	}
	return rc;
}

int veuicc_aka_authenticate(const veuicc_aka_params *p, veuicc_aka_sqn_state *st,
                            const uint8_t rand[16], const uint8_t autn[16], veuicc_aka_result *out)
{
	if (out)
		memset(out, 0, sizeof(*out));
	if (!p || !st || !rand || !autn || !out || params_check(p) ||
	    p->sqn.ind_bits > VEUICC_AKA_IND_BITS_MAX)
		return VEUICC_ERR_INVALID_ARG;
	/* AUTN carries a 64-bit MAC and AUTS a 64-bit MAC-S (TS 33.102 §6.3.2). */
	if (p->algo == VEUICC_AKA_ALGO_TUAK && p->tuak.mac_len != VEUICC_MILENAGE_MAC_LEN)
		return VEUICC_ERR_UNSUPPORTED;

	alg_run r;
	uint8_t ak[6], sqn[6], xmac[8];
	int rc = run_start(&r, p, rand);
	if (rc == VEUICC_OK)
		rc = run_f2345(&r, out->res, out->ck, out->ik, ak);
	if (rc == VEUICC_OK) {
		/* TS 33.102 §6.3.3: SQN = (SQN xor AK) xor AK, then XMAC = f1(SQN, RAND, AMF). */
		for (unsigned i = 0; i < 6; i++)
			sqn[i] = autn[i] ^ ak[i];
		rc = run_f1(&r, false, sqn, autn + 6, xmac);
	}
	if (rc != VEUICC_OK)
		goto done;

	if (mbedtls_ct_memcmp(xmac, autn + 8, sizeof(xmac)) != 0) {
		out->outcome = VEUICC_AKA_MAC_FAILURE;
	} else if (!veuicc_aka_sqn_accept(&p->sqn, st, load48(sqn))) {
		/* TS 33.102 §6.3.3, §6.3.5: AUTS = (SQN_MS xor AK*) || MAC-S,
		 * MAC-S = f1*(SQN_MS, RAND, AMF*) with the dummy AMF* = '0000'. */
		static const uint8_t amf_star[2] = {0, 0};
		uint8_t sqn_ms[6], ak_star[6];
		out->outcome = VEUICC_AKA_SYNC_FAILURE;
		store48(veuicc_aka_sqn_ms(&p->sqn, st), sqn_ms);
		rc = run_f5star(&r, ak_star);
		if (rc == VEUICC_OK)
			rc = run_f1(&r, true, sqn_ms, amf_star, out->auts + 6);
		for (unsigned i = 0; i < 6; i++)
			out->auts[i] = sqn_ms[i] ^ ak_star[i];
		mbedtls_platform_zeroize(ak_star, sizeof(ak_star));
	} else {
		out->outcome = VEUICC_AKA_SUCCESS;
		out->res_len = res_len_of(p);
		out->ck_len = p->algo == VEUICC_AKA_ALGO_TUAK ? p->tuak.ck_len : 16;
		out->ik_len = p->algo == VEUICC_AKA_ALGO_TUAK ? p->tuak.ik_len : 16;
		if (out->ck_len == 16 && out->ik_len == 16) {
			out->has_kc = true;
			veuicc_aka_c3(out->ck, out->ik, out->kc);
		}
	}

done:
	run_end(&r);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	mbedtls_platform_zeroize(sqn, sizeof(sqn));
	mbedtls_platform_zeroize(xmac, sizeof(xmac));
	if (rc != VEUICC_OK) {
		veuicc_aka_result_clear(out);
	} else if (out->outcome != VEUICC_AKA_SUCCESS) {
		/* Only AUTS leaves the function when the authentication fails. */
		mbedtls_platform_zeroize(out->res, sizeof(out->res));
		mbedtls_platform_zeroize(out->ck, sizeof(out->ck));
		mbedtls_platform_zeroize(out->ik, sizeof(out->ik));
	}
	return rc;
}

int veuicc_aka_gsm(const veuicc_aka_params *p, const uint8_t rand[16], uint8_t sres[4],
                   uint8_t kc[8])
{
	if (!p || !rand || !sres || !kc || params_check(p))
		return VEUICC_ERR_INVALID_ARG;
	if (p->algo == VEUICC_AKA_ALGO_TUAK &&
	    (p->tuak.res_len > 16 || p->tuak.ck_len != 16 || p->tuak.ik_len != 16))
		return VEUICC_ERR_UNSUPPORTED;
	alg_run r;
	uint8_t res[32], ck[32], ik[32];
	int rc = run_start(&r, p, rand);
	if (rc == VEUICC_OK)
		rc = run_f2345(&r, res, ck, ik, NULL);
	if (rc == VEUICC_OK) {
		veuicc_aka_c2(res, res_len_of(p), sres);
		veuicc_aka_c3(ck, ik, kc);
	}
	run_end(&r);
	mbedtls_platform_zeroize(res, sizeof(res));
	mbedtls_platform_zeroize(ck, sizeof(ck));
	mbedtls_platform_zeroize(ik, sizeof(ik));
	return rc;
}
