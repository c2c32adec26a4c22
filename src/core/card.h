/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file card.h
 * \brief The card object behind the public API: configuration, power state,
 *        ATR, random generator, the APDU engine and the always-present eUICC
 *        security domains.
 */
#ifndef VEUICC_CORE_CARD_H
#define VEUICC_CORE_CARD_H

#include <mbedtls/ctr_drbg.h>

#include "apdu/atr.h"
#include "apdu/engine.h"
#include "core/profiles.h"
#include "gp/registry.h"
#include "veuicc/veuicc.h"

#define VEUICC_EID_LEN 16 /* bytes, 32 BCD digits (SGP.02 §2.2.2) */

struct veuicc_card {
	uint8_t eid[VEUICC_EID_LEN];
	uint8_t atr[VEUICC_ATR_MAX];
	size_t atr_len;
	veuicc_atr_info atr_info;
	int powered;
	veuicc_engine engine;
	veuicc_profiles profiles;
	veuicc_gp_registry registry; /**< ISD-R, ECASD, ISD-Ps (GP CS §5.3) */
	long gs_next;                /**< ISD-R GET STATUS: next entry after 6310, -1: none */
	uint8_t gs_p1;               /**< ... and the scope, prefix, tag list of that search */
	uint8_t gs_prefix[16], gs_prefix_len;
	uint8_t gs_tags[32], gs_tags_len;
	struct veuicc_store *store; /**< the card file, NULL for a card in memory */

	/* Random generator: CTR_DRBG (NIST SP 800-90A) seeded from the system or,
	 * for reproducible tests, only from the configured seed. */
	mbedtls_ctr_drbg_context drbg;
	int rng_deterministic;
	uint64_t rng_seed;
	uint32_t rng_seed_calls;
};

/** Fill \p buf with \p len random bytes from the card's generator. */
int veuicc_card_random(veuicc_card *card, uint8_t *buf, size_t len);

/** Convert 32 EID digits to 16 BCD bytes (first digit in the high nibble). */
int veuicc_eid_from_digits(const char *digits, uint8_t out[VEUICC_EID_LEN]);

#endif /* VEUICC_CORE_CARD_H */
