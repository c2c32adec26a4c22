/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ota_route.h
 * \brief SCP80 command packets for TARs other than the ISD-R's (docs/cat.md
 *        "Routing"): the RFM applications (SAIP PE-RFM, ETSI TS 102 226 §7)
 *        and the MNO-SD (SAIP PE-SecurityDomain) of the ENABLED profile,
 *        with the MNO-SD's SCP80 key sets, their counters and the minimum
 *        security level of the target.
 *
 * Use from the ENVELOPE handler (cat/envelope.c):
 *   veuicc_ota_route_find(card, tar, &r);          // before unwrapping
 *   veuicc_scp80_unwrap(pkt, len, veuicc_ota_lookup, &r, r.msl, ...);
 *   veuicc_remote_run_*(..., veuicc_ota_exec, &r, ...);   // when accepted
 *   veuicc_ota_route_end(&r);   // keeps the counter, wipes the keys
 * A TAR that no application of the enabled profile has gives the route kind
 * VEUICC_OTA_NONE: the look-up then answers "TAR unknown" (status 09).
 */
#ifndef VEUICC_CAT_OTA_ROUTE_H
#define VEUICC_CAT_OTA_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/card.h"
#include "saip/install.h"
#include "scp/scp80.h"

/** What a TAR names. */
typedef enum veuicc_ota_kind {
	VEUICC_OTA_NONE = 0, /**< nothing in the enabled profile: status 09 */
	VEUICC_OTA_RFM,      /**< an RFM application (UICC or ADF RFM) */
	VEUICC_OTA_SD,       /**< a security domain of the profile (its toolkit TARs) */
} veuicc_ota_kind;

/** One routed command packet (on the stack of the ENVELOPE handler). */
typedef struct veuicc_ota_route {
	veuicc_card *card;
	veuicc_ota_kind kind;
	veuicc_profile_slot *slot;     /**< the enabled profile */
	const veuicc_saip_gp_rfm *rfm; /**< VEUICC_OTA_RFM: the RFM instance */
	const veuicc_saip_gp_sd *sd;   /**< the security domain owning the keys */
	size_t sd_index;               /**< its index in the profile (counters) */
	uint8_t msl;                   /**< minimum security level, SPI first octet */
	/* the key sets of the packet (KIc's and KID's key version may differ) */
	size_t nks;
	veuicc_scp80_keyset ks[2];    /**< secret, wiped by veuicc_ota_route_end() */
	veuicc_scp80_counter cntr[2]; /**< their counters while the packet runs */
	uint8_t loaded[2][5];         /**< the counters as looked up */
	uint8_t *stored[2];           /**< where they are kept (slot->ota_cntr) */
	bool started;                 /**< the RFM session was started */
	uint16_t start_sw;            /**< its status (ADF missing: 6A82) */
} veuicc_ota_route;

/**
 * Find the target of \p tar in the enabled profile of \p card: its RFM
 * instances (tarList) first, then its security domains (TARs of the UICC
 * toolkit parameters, TS 102 226 §8.2.1.3.2.1). Sets r->kind (NONE when not
 * found) and r->msl. Never fails.
 */
void veuicc_ota_route_find(veuicc_card *card, const uint8_t tar[3], veuicc_ota_route *r);

/** scp80.h look-up for a route (\p ctx a veuicc_ota_route *): the key set
 *  KVN \p kvn (KIc = key id 01, KID = key id 02) of the route's security
 *  domain. \returns VEUICC_SCP80_FOUND, _NO_TAR or _NO_KEYSET. */
int veuicc_ota_lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                      veuicc_scp80_counter **cntr);

/** remote_apdu.h executor for a route (\p ctx a veuicc_ota_route *): one
 *  C-APDU in the RFM application's hidden file context, or on the MNO-SD. */
int veuicc_ota_exec(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                    size_t *rlen);

/** End a route: keep the counter if the packet advanced it (TS 102 225
 *  §5.1.1: only accepted packets do), wipe the key set. */
void veuicc_ota_route_end(veuicc_ota_route *r);

/** Parse the TS 102 226 §8.2.1.3.2.1 UICC toolkit application specific
 *  parameters \p p: the MSL (SPI first octet coding, 0 if none) and up to
 *  \p max TARs. \returns the number of TARs, or -1 if malformed. */
int veuicc_ota_toolkit_params(const uint8_t *p, size_t len, uint8_t *msl, uint8_t (*tars)[3],
                              size_t max);

#endif /* VEUICC_CAT_OTA_ROUTE_H */
