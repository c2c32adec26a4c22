/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file profiles.h
 * \brief The profiles installed on a card and the UICC front: the default
 *        application of the APDU engine, which forwards every file-system
 *        command to the active profile's UICC application.
 */
#ifndef VEUICC_CORE_PROFILES_H
#define VEUICC_CORE_PROFILES_H

#include <stddef.h>

#include "apdu/applet.h"
#include "veuicc/veuicc.h"

struct veuicc_saip_gp_info;

/** One installed profile. */
typedef struct veuicc_profile_slot {
	const veuicc_applet_ops *ops; /**< its UICC application, which owns its file system */
	void *app;
	struct veuicc_saip_gp_info *gp; /**< security domains, RFM, applications (later layers) */
	veuicc_profile_info info;
} veuicc_profile_slot;

/** The profile list of a card. */
typedef struct veuicc_profiles {
	veuicc_profile_slot *slot;
	size_t count, cap;
	long active; /**< index of the active profile, -1: none */
} veuicc_profiles;

/** Register the UICC front as the engine's default application. */
int veuicc_profiles_attach(veuicc_card *card);

/** Save installed profile \p index (its package \p der) in the card file,
 *  inside the caller's store transaction. */
int veuicc_profiles_save(veuicc_card *card, size_t index, const uint8_t *der, size_t len);

/** Save which profile is active, inside the caller's store transaction. */
int veuicc_profiles_save_active(veuicc_card *card);

/** A reset or power loss: clear every profile's volatile state. */
void veuicc_profiles_power_cycle(veuicc_card *card);

/** Free every profile (secrets zeroised). */
void veuicc_profiles_free(veuicc_profiles *p);

#endif /* VEUICC_CORE_PROFILES_H */
