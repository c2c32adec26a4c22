/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ec_cache.h
 * \brief Per-card cache of loaded elliptic-curve groups (decision DL6).
 *
 * mbedtls keeps the precomputed multiples of the base point G in the group
 * after the first multiplication by G (ECDSA verification computes
 * u1·G + u2·Q), so a group loaded once and kept makes every later
 * verification on that curve cheaper by about a third. The card keeps one
 * cache (card->ec) for the certificate and key-establishment signatures.
 * Not thread-safe, like the card itself: mbedtls writes the table into the
 * group on first use.
 */
#ifndef VEUICC_EUICC_EC_CACHE_H
#define VEUICC_EUICC_EC_CACHE_H

#include <stdint.h>

#include <mbedtls/ecp.h>

/** Opaque cache of the two supported 256-bit curves. */
typedef struct veuicc_ec_cache veuicc_ec_cache;

/** A new empty cache, or NULL (out of memory). */
veuicc_ec_cache *veuicc_ec_cache_new(void);

/** Free the cache and its groups. NULL is ignored. */
void veuicc_ec_cache_free(veuicc_ec_cache *c);

/**
 * The loaded group of the key parameter reference \p curve
 * (VEUICC_CERT_CURVE_*), loaded on first use.
 * \returns the group, or NULL (unsupported curve, load failure, NULL cache)
 */
mbedtls_ecp_group *veuicc_ec_cache_group(veuicc_ec_cache *c, uint8_t curve);

#endif /* VEUICC_EUICC_EC_CACHE_H */
