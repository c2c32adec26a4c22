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
struct veuicc_fs;
struct veuicc_mnosd;

/** Size of a profile's OTA counter image: 5 bytes (TS 102 225 CNTR) for
 *  each of 8 security domains (VEUICC_SAIP_SD_MAX) and key version 1..15. */
#define VEUICC_PROFILE_OTA_CNTR_LEN (8 * 15 * 5)

/** One installed profile. */
typedef struct veuicc_profile_slot {
	const veuicc_applet_ops *ops; /**< its UICC application, which owns its file system */
	void *app;
	struct veuicc_saip_gp_info *gp; /**< security domains, RFM, applications (later layers) */
	veuicc_profile_info info;
	/* persistence (src/core/state.c) */
	struct veuicc_fs *fs; /**< the file system the application owns */
	uint8_t *der;         /**< the installed package, for the card file */
	size_t der_len;
	uint64_t seq; /**< stable profile reference in the card file, from 1 */
	/** SCP80 replay counters of the profile's security domain key sets
	 *  (src/cat/ota_route.c), kept in the card file record ota/<ref> */
	uint8_t ota_cntr[VEUICC_PROFILE_OTA_CNTR_LEN];
	/** its security domains' SCP03 counters and PUT KEY state (gp/mnosd.h),
	 *  kept in the card file record mnosd/<ref>; NULL: none yet */
	struct veuicc_mnosd *mnosd;
} veuicc_profile_slot;

/** The profile list of a card. */
typedef struct veuicc_profiles {
	veuicc_profile_slot *slot;
	size_t count, cap;
	long active; /**< index of the active profile, -1: none */
} veuicc_profiles;

/** Register the UICC front as the engine's default application. */
int veuicc_profiles_attach(veuicc_card *card);

/** A reset or power loss: clear every profile's volatile state. */
void veuicc_profiles_power_cycle(veuicc_card *card);

/** How an installation went, for the ISD-P's STORE DATA response. */
typedef struct veuicc_profile_install_report {
	long pe_index;       /**< failing PE (0-based), -1: none or the whole package */
	long identification; /**< its PEHeader.identification, -1 if none */
	int saip_status;     /**< SAIP EUICCResponse status of that PE (0 ok) */
	uint8_t pol1;        /**< POL1 of the installed package's header, 0 if absent */
} veuicc_profile_install_report;

/**
 * Install a package into a new profile slot without creating an ISD-P
 * (the caller links the slot to one). All or nothing.
 *
eturns as veuicc_card_install_profile()
 */
int veuicc_profiles_install(veuicc_card *card, const uint8_t *der, size_t len, size_t *index,
                            char *msg, size_t msg_len, veuicc_profile_install_report *rep);

/**
 * Make slot \p index the active profile (\p index -1: none). With \p keep_sd,
 * channels on which a security domain (ISD-R, ECASD, ISD-P) is selected keep
 * it and only the profile's sessions end (basic channel: MF of the new
 * profile; other channels with the UICC selected: closed); without it every
 * channel is reset as by a UICC reset. Saved in the card file if there is one.
 * \returns VEUICC_OK or VEUICC_ERR_IO (nothing changed)
 */
int veuicc_profiles_switch(veuicc_card *card, long index, int keep_sd);

/** Delete profile slot \p index (not the active one): later slots move down
 *  and the ISD-Ps' slot numbers follow. */
void veuicc_profiles_remove(veuicc_card *card, size_t index);

/** Free every profile (secrets zeroised). */
void veuicc_profiles_free(veuicc_profiles *p);

#endif /* VEUICC_CORE_PROFILES_H */
