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
	struct veuicc_store *store;     /**< the card file, NULL for a card in memory */
	struct veuicc_card_snap *saved; /**< records as last committed (state.c) */
	int dead;                       /**< a card-file write failed: unusable until reopened */
	uint64_t next_seq;              /**< last profile reference handed out (profile slot seq) */
	struct veuicc_factory *factory; /**< EUM personalisation (factory.h), NULL: none */
	struct veuicc_cat *cat;         /**< CAT / OTA state (cat/envelope.h), NULL: none yet */
	struct veuicc_keyest *keyest; /**< EstablishISDPKeySet state (euicc/keyest.h), NULL: none */
	int test_mode;                /**< veuicc_config.test_mode: plain ES5/ES8 accepted */
	veuicc_quirks quirks;         /**< docs/quirks.md (core/quirks.c) */
	int atr_custom;               /**< veuicc_config.atr given: ATR quirks refused */
	int ota_secured;              /**< the command runs in the SCP80 OTA context (envelope.c) */
	struct veuicc_sd *sd;         /**< SCP03 sessions and counters (gp/sd_session.h) */
	struct veuicc_applets *applets; /**< applet runtime (applet/runtime.h), NULL: none yet */

	/* card clock and curve groups (decisions DL1, DL6) */
	int64_t clock_utc;          /**< veuicc_config.clock_utc: 0 no clock */
	struct veuicc_ec_cache *ec; /**< loaded curve groups (euicc/ec_cache.h), NULL: none yet */

	/* test bench fault injection (core/fault.h), NULL: none armed */
	struct veuicc_fault *fault;

	/* Random generator: CTR_DRBG (NIST SP 800-90A) seeded from the system or,
	 * for reproducible tests, only from the configured seed. */
	mbedtls_ctr_drbg_context drbg;
	int rng_deterministic;
	uint64_t rng_seed;
	uint32_t rng_seed_calls;
};

/** The card's UTC day as YYYYMMDD for certificate dates, 0: no clock
 *  (veuicc_config.clock_utc). */
uint32_t veuicc_card_today(const veuicc_card *card);

/** Fill \p buf with \p len random bytes from the card's generator. */
int veuicc_card_random(veuicc_card *card, uint8_t *buf, size_t len);

/**
 * Save what the last command changed (docs/store.md "Card state"): a
 * persistent card compares its state records with those last committed and
 * writes the differences in one store transaction. A card in memory, or one
 * with nothing changed, writes nothing. On failure the transaction is rolled
 * back and the card goes dead (powered off, every call VEUICC_ERR_IO) until it
 * is reopened from its file, as after a real power cut.
 * \returns VEUICC_OK or VEUICC_ERR_IO
 */
int veuicc_card_persist(veuicc_card *card);

/** Free the committed-record list of a persistent card (card_free). */
void veuicc_card_snap_free(struct veuicc_card_snap *s);

/**
 * Write every state record of \p card (docs/store.md "Card state") into the
 * empty store \p st in one transaction: the card file of the card as it is
 * now (snapshot.c). \returns VEUICC_OK or the store's error
 */
int veuicc_card_write_state(veuicc_card *card, struct veuicc_store *st);

/**
 * veuicc_card_open() on a store already open: the card takes \p st over
 * (closes it on failure too).
 */
int veuicc_card_open_store(struct veuicc_store *st, const veuicc_config *cfg, veuicc_card **out);

/** Convert 32 EID digits to 16 BCD bytes (first digit in the high nibble). */
int veuicc_eid_from_digits(const char *digits, uint8_t out[VEUICC_EID_LEN]);

#endif /* VEUICC_CORE_CARD_H */
