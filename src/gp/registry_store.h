/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file registry_store.h
 * \brief The GP registry as bytes for the card file (docs/store.md "Card
 *        state"): a versioned record, one tagged field list per entry, so
 *        that fields added later are new tags and older files still load.
 */
#ifndef VEUICC_GP_REGISTRY_STORE_H
#define VEUICC_GP_REGISTRY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gp/registry.h"

/** A profile slot index -> a stable profile reference (0: none) and back
 *  (-1: unknown reference). */
typedef uint64_t (*veuicc_gp_slot_ref_fn)(void *ctx, long slot);
typedef long (*veuicc_gp_ref_slot_fn)(void *ctx, uint64_t ref);

/**
 * Serialise every entry of \p r (not the volatile STORE DATA buffers) into a
 * new buffer (free() it). Profile slots are written as \p slot_ref gives them.
 * \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY
 */
int veuicc_gp_registry_serialise(const veuicc_gp_registry *r, veuicc_gp_slot_ref_fn slot_ref,
                                 void *ctx, uint8_t **out, size_t *out_len);

/**
 * Append the entries of a record made by veuicc_gp_registry_serialise() to
 * the empty registry \p r. Unknown field tags are skipped.
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED (bad record, unknown profile
 *          reference, duplicate AID), VEUICC_ERR_UNSUPPORTED (newer record
 *          version), VEUICC_ERR_NO_MEMORY
 */
int veuicc_gp_registry_deserialise(veuicc_gp_registry *r, const uint8_t *b, size_t len,
                                   veuicc_gp_ref_slot_fn ref_slot, void *ctx);

#endif /* VEUICC_GP_REGISTRY_STORE_H */
