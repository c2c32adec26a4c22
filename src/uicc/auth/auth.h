/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file auth.h
 * \brief The authentication layer under the USIM/ISIM AUTHENTICATE command
 *        (3GPP TS 31.102 §7.1, TS 31.103 §7.1): one entry point per security
 *        context, dispatching to MILENAGE, TUAK or the TS 34.108 test
 *        algorithm, with the sequence number management of TS 33.102
 *        §6.3.3 and Annex C.
 *
 * A veuicc_aka_params holds the subscriber credentials and options of one
 * akaParameter (SAIP PE-AKAParameter); a veuicc_aka_sqn_state holds the
 * array of accepted sequence numbers, which the caller persists. Nothing
 * here keeps state of its own.
 */
#ifndef VEUICC_UICC_AUTH_AUTH_H
#define VEUICC_UICC_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uicc/auth/milenage.h"
#include "uicc/auth/tuak.h"
#include "veuicc/veuicc.h"

/** The algorithm, numbered as the SAIP AlgoParameter algorithmID. */
typedef enum veuicc_aka_algo {
	VEUICC_AKA_ALGO_MILENAGE = 1, /**< TS 35.206 */
	VEUICC_AKA_ALGO_TUAK = 2,     /**< TS 35.231 */
	VEUICC_AKA_ALGO_TESTALG = 3,  /**< TS 34.108 §8.1.2 (usim-test-algorithm) */
} veuicc_aka_algo;

/** Largest SQN array: IND of 5 bits (TS 33.102 Annex C; 32 SAIP sqnInit values). */
#define VEUICC_AKA_SQN_ARRAY_MAX 32
/** Largest IND length, in bits. */
#define VEUICC_AKA_IND_BITS_MAX 5
/** SQN is 48 bits. */
#define VEUICC_AKA_SQN_MAX 0xFFFFFFFFFFFFull

/**
 * How the USIM verifies SQN (TS 33.102 §6.3.3, Annex C.2). SQN = SEQ || IND:
 * IND (the low ind_bits bits) selects one of 2^ind_bits array entries
 * SEQ_MS(IND); SEQ is accepted when SEQ > SEQ_MS(IND) (§C.2.2) and the
 * optional checks below pass. SEQ_MS alone is the highest accepted SEQ.
 */
typedef struct veuicc_aka_sqn_cfg {
	uint8_t ind_bits;     /**< length of IND, 0..5 (TS 33.102 Annex C) */
	bool check_delta;     /**< wrap-around protection (§C.2.1): accept only when
	                           SEQ - SEQ_MS <= delta */
	uint64_t delta;       /**< Δ (SAIP sqnDelta); TS 33.102 suggests 2^28 */
	bool check_age_limit; /**< age limit (§C.2.2): accept only when SEQ_MS - SEQ < age_limit */
	uint64_t age_limit;   /**< L (SAIP sqnAgeLimit) */
	bool conceal_sqn;     /**< SQN concealed with AK = f5, AK* = f5* (TS 33.102
	                           §6.3.2, §6.3.3); false: AK = AK* = 0 */
} veuicc_aka_sqn_cfg;

/** The USIM's array SEQ_MS(0 .. 2^ind_bits - 1) (TS 33.102 §C.2.2), initially 0. */
typedef struct veuicc_aka_sqn_state {
	uint64_t seq_ms[VEUICC_AKA_SQN_ARRAY_MAX]; /**< SEQ values, without IND */
} veuicc_aka_sqn_state;

/** Credentials and options of one akaParameter. */
typedef struct veuicc_aka_params {
	veuicc_aka_algo algo;
	uint8_t k[32];
	uint8_t k_len;   /**< 16; 16 or 32 for TUAK */
	uint8_t opc[32]; /**< OPc (16 bytes) or TOPc (32 bytes); unused by the test algorithm */
	veuicc_milenage_cfg milenage; /**< r1..r5, c1..c5 */
	veuicc_tuak_cfg tuak;         /**< lengths and Keccak iterations; tuak.k_len == k_len */
	uint8_t testalg_res_len;      /**< RES length of the test algorithm, 4..16 bytes */
	veuicc_aka_sqn_cfg sqn;
} veuicc_aka_params;

/** Outcome of a 3G/5G-context authentication (TS 31.102 §7.1.2.1). */
typedef enum veuicc_aka_outcome {
	VEUICC_AKA_SUCCESS = 0,      /**< RES, CK, IK (and Kc) computed; SW 9000 'DB' */
	VEUICC_AKA_MAC_FAILURE = 1,  /**< XMAC != MAC; SW 9862 */
	VEUICC_AKA_SYNC_FAILURE = 2, /**< SQN out of range; AUTS computed; SW 9000 'DC' */
} veuicc_aka_outcome;

/** Result of veuicc_aka_authenticate(). Zeroise it with veuicc_aka_result_clear(). */
typedef struct veuicc_aka_result {
	veuicc_aka_outcome outcome;
	uint8_t res[32];
	uint8_t res_len;
	uint8_t ck[32];
	uint8_t ck_len;
	uint8_t ik[32];
	uint8_t ik_len;
	bool has_kc;      /**< CK and IK are 128 bits, so Kc = c3(CK, IK) is defined */
	uint8_t kc[8];    /**< for the 3G context response when GSM access is
	                       available (TS 31.102 §7.1.2.1) */
	uint8_t auts[14]; /**< (SQN_MS xor AK*) || MAC-S, on VEUICC_AKA_SYNC_FAILURE */
} veuicc_aka_result;

/** SQN defaults: IND 5 bits, Δ = 2^28 checked, age limit 2^28 not checked, AK used. */
void veuicc_aka_sqn_cfg_default(veuicc_aka_sqn_cfg *cfg);

/**
 * Set the SQN options from a SAIP PE-AKAParameter: \p sqn_delta and
 * \p sqn_age_limit are its 6-byte big-endian values (NULL: keep them), and
 * bit b2 ('02') of \p sqn_options selects SQN concealment with AK: an
 * annotated SAIP example profile reads the default '02' as "anonymity key
 * used, SQN wrap around not allowed". The other sqnOptions bits are not
 * interpreted (their coding was not confirmed from the SAIP specification):
 * the caller sets check_delta / check_age_limit / ind_bits explicitly.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_aka_sqn_cfg_from_saip(veuicc_aka_sqn_cfg *cfg, uint8_t sqn_options,
                                 const uint8_t sqn_delta[6], const uint8_t sqn_age_limit[6]);

/**
 * Initialise the SQN array: every entry 0, then entry i = \p seq_init[i]
 * for i < \p n (SAIP sqnInit: SEQ values without IND).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (n > 32 or a value >= 2^48)
 */
int veuicc_aka_sqn_state_init(veuicc_aka_sqn_state *st, const uint64_t *seq_init, size_t n);

/**
 * The highest accepted sequence number SQN_MS = SEQ_MS || IND_MS (TS 33.102
 * §6.3.5, §C.2.2: "the highest previously accepted sequence number anywhere
 * in the array"), as sent in AUTS: the largest entry and its index (the
 * lowest index on a tie).
 */
uint64_t veuicc_aka_sqn_ms(const veuicc_aka_sqn_cfg *cfg, const veuicc_aka_sqn_state *st);

/**
 * Verify \p sqn against \p st per TS 33.102 §C.2 and, when accepted, store it.
 * \returns true when accepted
 */
bool veuicc_aka_sqn_accept(const veuicc_aka_sqn_cfg *cfg, veuicc_aka_sqn_state *st, uint64_t sqn);

/** Milenage parameters: K and OPc of 16 bytes, \p mcfg NULL for the default constants. */
int veuicc_aka_params_milenage(veuicc_aka_params *p, const uint8_t k[16], const uint8_t opc[16],
                               const veuicc_milenage_cfg *mcfg);

/** TUAK parameters: K of tcfg->k_len bytes, TOPc of 32 bytes. */
int veuicc_aka_params_tuak(veuicc_aka_params *p, const uint8_t *k, const uint8_t topc[32],
                           const veuicc_tuak_cfg *tcfg);

/** Test algorithm parameters: K of 16 bytes, RES of \p res_len (4..16) bytes. */
int veuicc_aka_params_testalg(veuicc_aka_params *p, const uint8_t k[16], uint8_t res_len);

/** Zeroise \p p. */
void veuicc_aka_params_clear(veuicc_aka_params *p);

/** Zeroise \p r. */
void veuicc_aka_result_clear(veuicc_aka_result *r);

/**
 * AUTHENTICATE in 3G / EPS / 5G security context (TS 31.102 §7.1.2.1, TS
 * 33.102 §6.3.3): recover SQN = (AUTN[0..5] xor AK), check MAC, check SQN;
 * on success store SQN and return RES, CK, IK (and Kc = c3(CK, IK)); on an
 * SQN failure return AUTS = (SQN_MS xor AK*) || MAC-S with MAC-S =
 * f1*(SQN_MS, RAND, AMF = '0000'). \p out is always zeroised first.
 * The authentication outcome is in out->outcome; the return value reports
 * only failures of the call.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_UNSUPPORTED (a
 *          TUAK MAC length other than 64 bits), VEUICC_ERR_CRYPTO
 */
int veuicc_aka_authenticate(const veuicc_aka_params *p, veuicc_aka_sqn_state *st,
                            const uint8_t rand[16], const uint8_t autn[16], veuicc_aka_result *out);

/**
 * AUTHENTICATE in GSM security context on a USIM (TS 31.102 §7.1.2.1, TS
 * 33.102 §6.8.1.2): RES, CK and IK from RAND, then SRES = c2(RES) and
 * Kc = c3(CK, IK). No SQN is involved.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_UNSUPPORTED (RES,
 *          CK or IK longer than 128 bits), VEUICC_ERR_CRYPTO
 */
int veuicc_aka_gsm(const veuicc_aka_params *p, const uint8_t rand[16], uint8_t sres[4],
                   uint8_t kc[8]);

/** Conversion function c2 (TS 33.102 §6.8.1.2): SRES from a RES of 4..16 bytes. */
void veuicc_aka_c2(const uint8_t *res, size_t res_len, uint8_t sres[4]);

/** Conversion function c3 (TS 33.102 §6.8.1.2): Kc = CK1 ^ CK2 ^ IK1 ^ IK2. */
void veuicc_aka_c3(const uint8_t ck[16], const uint8_t ik[16], uint8_t kc[8]);

#endif /* VEUICC_UICC_AUTH_AUTH_H */
