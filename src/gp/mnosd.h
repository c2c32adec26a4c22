/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file mnosd.h
 * \brief The security domains of a profile (SAIP PE-SecurityDomain: the
 *        MNO-SD and any other SD of the package) as selectable GP security
 *        domains (GP CS v2.3; SGP.02 §2.2.1: they belong to the profile and
 *        exist for the terminal only while it is ENABLED). docs/scp03.md
 *        "Profile security domains", docs/spec-decisions.md M1..M9.
 *
 * One engine entry per distinct instance AID of the installed profiles; it
 * answers for the SD of that AID in the enabled profile, else SELECT gets
 * 6A82. Commands: GET DATA 00E0 (key information), GET STATUS P1 40 (the
 * profile's SDs and applications), PUT KEY (its key list), and SCP03
 * (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, wrapped commands) with the
 * key sets of its key list whose KVN is 30..3F (gp/sd_session.c). The OTA
 * route (cat/ota_route.c) runs the same commands by the SD's TARs.
 *
 * The key list lives in the profile slot's SAIP information
 * (slot->gp->sd[i].keys, changed in place by PUT KEY); the SCP03 sequence
 * counters and the fact that PUT KEY changed the list live in slot->mnosd
 * and go to the card file record mnosd/<profile ref> (core/state.c).
 */
#ifndef VEUICC_GP_MNOSD_H
#define VEUICC_GP_MNOSD_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"

/** The applet operations of a profile security domain. */
extern const veuicc_applet_ops veuicc_mnosd_ops;

/** Register an engine entry for every security domain instance AID of
 *  \p slot that has none yet (an AID of the ISD-R, ECASD or an ISD-P is
 *  left to them: M2). \returns VEUICC_OK or VEUICC_ERR_NO_MEMORY */
int veuicc_mnosd_register(veuicc_card *card, const veuicc_profile_slot *slot);

/** The enabled profile changes (SGP.02 §2.2.1): channels on which a
 *  profile SD is selected lose it (its SCP03 session ends). */
void veuicc_mnosd_profile_changed(veuicc_card *card);

/**
 * One plain command to security domain \p sd of profile \p slot (GP CS
 * v2.3 §11): GET DATA 00E0, GET STATUS, PUT KEY; others 6D00. \p ota_kvn:
 * the KVN of the SCP80 key set of the packet that carries it (its key 03
 * is the DEK of PUT KEY, TS 102 225 §5.1.2), or -1 (APDU interface: the
 * DEK of the SCP03 session's key set, else of the first SCP03 key set).
 * \returns the status word, data in \p rsp
 */
uint16_t veuicc_mnosd_command(veuicc_card *card, veuicc_profile_slot *slot, size_t sd, int ota_kvn,
                              const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** The card file record of \p slot (counters, key lists changed by PUT
 *  KEY). \returns VEUICC_OK with *out = NULL when there is nothing to keep,
 *  or VEUICC_ERR_NO_MEMORY. The caller frees *out (zeroise: keys). */
int veuicc_mnosd_save(const veuicc_profile_slot *slot, uint8_t **out, size_t *len);

/** Restore a record of veuicc_mnosd_save() onto \p slot (installed from its
 *  package). \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_NO_MEMORY */
int veuicc_mnosd_load(veuicc_profile_slot *slot, const uint8_t *in, size_t len);

/** Free the state of a slot (zeroised). NULL is ignored. */
void veuicc_mnosd_free(struct veuicc_mnosd *m);

#endif /* VEUICC_GP_MNOSD_H */
