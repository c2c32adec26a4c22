/* SPDX-License-Identifier: Apache-2.0 */
#include "core/card.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "apdu/sw.h"
#include "applet/runtime.h"
#include "cat/envelope.h"
#include "cat/proactive.h"
#include "euicc/cert.h"
#include "euicc/ec_cache.h"
#include "core/factory.h"
#include "core/quirks.h"
#include "core/fault.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "euicc/notif.h"
#include "gp/sd_session.h"
#include "store/store.h"

/* The SGP.26 test EID; its check digits are valid (mod 97 = 1). */
static const char default_eid[] = "89049032123451234512345678901235";

void veuicc_config_init(veuicc_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
}

/* Entropy for the DRBG: the system's, or a stream derived from the seed
 * alone (SHA-256 of seed and a counter) so that tests can replay a run. */
static int card_entropy(void *arg, unsigned char *buf, size_t len)
{
	veuicc_card *card = arg;
	if (!card->rng_deterministic) {
		size_t done = 0;
		while (done < len) {
			ssize_t n = getrandom(buf + done, len - done, 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
			}
			done += (size_t)n;
		}
		return 0;
	}
	while (len) {
		uint8_t in[12], digest[32];
		for (int i = 0; i < 8; i++)
			in[i] = (uint8_t)(card->rng_seed >> (56 - 8 * i));
		uint32_t ctr = card->rng_seed_calls++;
		for (int i = 0; i < 4; i++)
			in[8 + i] = (uint8_t)(ctr >> (24 - 8 * i));
		if (mbedtls_sha256_ret(in, sizeof(in), digest, 0))
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		size_t n = len < sizeof(digest) ? len : sizeof(digest);
		memcpy(buf, digest, n);
		mbedtls_platform_zeroize(digest, sizeof(digest));
		buf += n;
		len -= n;
	}
	return 0;
}

int veuicc_card_random(veuicc_card *card, uint8_t *buf, size_t len)
{
	if (!card || (!buf && len))
		return VEUICC_ERR_INVALID_ARG;
	while (len) {
		size_t n = len > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : len;
		if (mbedtls_ctr_drbg_random(&card->drbg, buf, n))
			return VEUICC_ERR_CRYPTO;
		buf += n;
		len -= n;
	}
	return VEUICC_OK;
}

int veuicc_card_new(const veuicc_config *cfg, veuicc_card **out)
{
	veuicc_config defaults;
	if (!out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	if (!cfg) {
		veuicc_config_init(&defaults);
		cfg = &defaults;
	}
	veuicc_card *card = calloc(1, sizeof(*card));
	if (!card)
		return VEUICC_ERR_NO_MEMORY;
	card->profiles.active = -1;
	card->gs_next = -1;
	veuicc_gp_registry_init(&card->registry);
	veuicc_engine_init(&card->engine);
	card->engine.uicc_cmd = veuicc_cat_uicc_cmd; /* ENVELOPE (cat/envelope.h) */
	card->engine.uicc_ctx = card;
	card->engine.uicc_pending = veuicc_cat_pending; /* 91xx (cat/proactive.h) */
	mbedtls_ctr_drbg_init(&card->drbg);

	/* a factory configuration names the EID (docs/factory.md) */
	veuicc_factory_config fc;
	memset(&fc, 0, sizeof(fc));
	int rc = VEUICC_OK;
	if (cfg->factory)
		rc = cfg->profile ? VEUICC_ERR_INVALID_ARG
		                  : veuicc_factory_load(cfg->factory, &fc, NULL, 0);
	if (rc)
		goto fail;
	rc = veuicc_eid_from_digits(cfg->factory ? fc.id->eid
	                            : cfg->eid   ? cfg->eid
	                                         : default_eid,
	                            card->eid);
	if (rc)
		goto fail;
	veuicc_quirks q = {0};
	if (cfg->factory && fc.id)
		q = fc.id->quirks; /* the factory's, then the caller's (docs/quirks.md) */
	veuicc_quirks_merge(&q, &cfg->quirks);
	if (veuicc_quirks_check(&q) || (cfg->atr && veuicc_quirks_touch_atr(&q))) {
		rc = VEUICC_ERR_INVALID_ARG;
		goto fail;
	}
	if (cfg->atr) {
		card->atr_custom = 1;
		if (cfg->atr_len > VEUICC_ATR_MAX ||
		    veuicc_atr_parse(cfg->atr, cfg->atr_len, &card->atr_info) != VEUICC_OK) {
			rc = VEUICC_ERR_INVALID_ARG;
			goto fail;
		}
		memcpy(card->atr, cfg->atr, cfg->atr_len);
		card->atr_len = cfg->atr_len;
	} else {
		card->atr_len = veuicc_quirks_atr(&q, card->atr);
		if (veuicc_atr_parse(card->atr, card->atr_len, &card->atr_info)) {
			rc = VEUICC_ERR_INTERNAL;
			goto fail;
		}
	}
	if (!(card->atr_info.protocols & ((1u << 0) | (1u << 1)))) {
		rc = VEUICC_ERR_INVALID_ARG; /* the ATR must offer T=0 or T=1 */
		goto fail;
	}

	if ((rc = veuicc_card_set_quirks(card, &q)))
		goto fail;
	card->rng_deterministic = cfg->rng_deterministic != 0;
	card->test_mode = cfg->test_mode != 0;
	if (cfg->applet_dir && (rc = veuicc_applets_set_dir(card, cfg->applet_dir)))
		goto fail;
	card->clock_utc = cfg->clock_utc;
	card->rng_seed = cfg->rng_seed;
	static const char pers[] = "veuicc card rng";
	if (mbedtls_ctr_drbg_seed(&card->drbg, card_entropy, card, (const unsigned char *)pers,
	                          sizeof(pers) - 1)) {
		rc = VEUICC_ERR_CRYPTO;
		goto fail;
	}

	rc = veuicc_euicc_install(card);
	if (rc)
		goto fail;
	rc = veuicc_profiles_attach(card);
	if (rc)
		goto fail;
	if (cfg->factory) {
		rc = veuicc_factory_apply(card, &fc, NULL, 0);
		veuicc_factory_config_free(&fc);
		if (rc)
			goto fail;
	} else if (cfg->profile) {
		size_t idx;
		rc = veuicc_card_install_profile(card, cfg->profile, cfg->profile_len, &idx, NULL,
		                                 0);
		if (rc == VEUICC_OK)
			rc = veuicc_card_activate_profile(card, idx);
		if (rc)
			goto fail;
	}
	*out = card;
	return VEUICC_OK;
fail:
	veuicc_factory_config_free(&fc);
	veuicc_card_free(card);
	return rc;
}

void veuicc_card_free(veuicc_card *card)
{
	if (!card)
		return;
	veuicc_engine_free(&card->engine);
	veuicc_applets_free(card->applets); /* before the profiles: uninstall() may log */
	card->applets = NULL;
	veuicc_profiles_free(&card->profiles);
	veuicc_gp_registry_free(&card->registry);
	veuicc_store_close(card->store);
	veuicc_card_snap_free(card->saved);
	veuicc_factory_free(card->factory);
	veuicc_cat_free(card->cat);
	veuicc_keyest_free(card->keyest);
	veuicc_ec_cache_free(card->ec);
	veuicc_sd_free(card->sd);
	veuicc_fault_free(card->fault);
	mbedtls_ctr_drbg_free(&card->drbg);
	mbedtls_platform_zeroize(card, sizeof(*card));
	free(card);
}

static veuicc_protocol initial_protocol(const veuicc_card *card)
{
	/* After reset the card uses the first protocol the ATR offers, until a
	 * PPS exchange (veuicc_set_protocol) chooses another (ISO 7816-3 §6.3.1). */
	return card->atr_info.first_protocol == 1 ? VEUICC_PROTO_T1 : VEUICC_PROTO_T0;
}

int veuicc_reset(veuicc_card *card, veuicc_reset_kind kind, uint8_t *atr, size_t *atr_len)
{
	if (!card || (kind != VEUICC_RESET_COLD && kind != VEUICC_RESET_WARM))
		return VEUICC_ERR_INVALID_ARG;
	if (card->dead)
		return VEUICC_ERR_IO; /* a card-file write failed: reopen the card */
	if (kind == VEUICC_RESET_WARM && !card->powered)
		return VEUICC_ERR_NOT_POWERED;
	card->powered = 1;
	veuicc_engine_reset(&card->engine);
	veuicc_cat_session_reset(card); /* TERMINAL PROFILE, proactive queue */
	veuicc_profiles_power_cycle(card);
	veuicc_gp_registry_power_cycle(&card->registry);
	veuicc_sd_power_cycle(card); /* SCP03t sessions end */
	if (kind == VEUICC_RESET_COLD)
		veuicc_notif_power_cycle(card); /* pending notifications retried */
	card->gs_next = -1;
	card->engine.proto = initial_protocol(card);
	/* a power-up may change persistent state (notification retry counters) */
	if (card->store && veuicc_card_persist(card))
		return VEUICC_ERR_IO;
	return veuicc_get_atr(card, atr, atr_len);
}

int veuicc_power_off(veuicc_card *card)
{
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	if (card->powered) {
		veuicc_engine_reset(&card->engine);
		veuicc_cat_session_reset(card);
		veuicc_profiles_power_cycle(card);
		veuicc_gp_registry_power_cycle(&card->registry);
		veuicc_sd_power_cycle(card); /* SCP03t sessions end */
		card->gs_next = -1;
	}
	card->powered = 0;
	return VEUICC_OK;
}

int veuicc_set_clock(veuicc_card *card, int64_t clock_utc)
{
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	card->clock_utc = clock_utc;
	return VEUICC_OK;
}

uint32_t veuicc_card_today(const veuicc_card *card)
{
	if (!card || card->clock_utc == 0)
		return 0;
	int64_t t = card->clock_utc == VEUICC_CLOCK_HOST ? (int64_t)time(NULL) : card->clock_utc;
	return veuicc_cert_utc_day(t);
}

int veuicc_is_powered(const veuicc_card *card)
{
	return card && card->powered;
}

int veuicc_get_atr(const veuicc_card *card, uint8_t *atr, size_t *atr_len)
{
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	if (atr)
		memcpy(atr, card->atr, card->atr_len);
	if (atr_len)
		*atr_len = card->atr_len;
	return VEUICC_OK;
}

int veuicc_set_protocol(veuicc_card *card, veuicc_protocol proto)
{
	if (!card || (proto != VEUICC_PROTO_T0 && proto != VEUICC_PROTO_T1))
		return VEUICC_ERR_INVALID_ARG;
	if (!card->powered)
		return VEUICC_ERR_NOT_POWERED;
	if (!(card->atr_info.protocols & (1u << proto)))
		return VEUICC_ERR_UNSUPPORTED;
	card->engine.proto = proto;
	return VEUICC_OK;
}

veuicc_protocol veuicc_get_protocol(const veuicc_card *card)
{
	return card ? card->engine.proto : VEUICC_PROTO_T0;
}

int veuicc_transmit(veuicc_card *card, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                    size_t rapdu_cap, size_t *rapdu_len)
{
	if (rapdu_len)
		*rapdu_len = 0;
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	if (card->dead)
		return VEUICC_ERR_IO;
	if (!card->powered)
		return VEUICC_ERR_NOT_POWERED;
	uint8_t *faulty = NULL; /* test bench faults (core/fault.c) */
	if (card->fault && veuicc_fault_before_apdu(card, &capdu, &capdu_len, &faulty, rapdu,
	                                            rapdu_cap, rapdu_len))
		return VEUICC_OK; /* answered with an injected status word, not run */
	int rc =
	    veuicc_engine_transmit(&card->engine, capdu, capdu_len, rapdu, rapdu_cap, rapdu_len);
	free(faulty);
	/* A persistent card saves what the command changed before it answers
	 * (docs/store.md "Card state"). If that fails nothing of the command is
	 * kept and the card answers 6581 and stops until reopened. */
	if (card->store && veuicc_card_persist(card) != VEUICC_OK) {
		if (rapdu && rapdu_cap >= 2 && rapdu_len) {
			rapdu[0] = (uint8_t)(VEUICC_SW_MEMORY_FAILURE >> 8);
			rapdu[1] = (uint8_t)VEUICC_SW_MEMORY_FAILURE;
			*rapdu_len = 2;
			return VEUICC_OK;
		}
		return VEUICC_ERR_IO;
	}
	return rc;
}
